//! `volumes`: the project's volumes (by the project label) as the reference lists them
//! (table, json, templates, `-q`); with services, only those their running containers mount.

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_or_name};
use crate::cli::VolumesArgs;
use crate::output::listing;

pub fn run(context: &CommandContext, args: &VolumesArgs) -> i32 {
    let target = match project_or_name(context, &args.service_names) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(&args.service_names) {
        return code;
    }
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let listed = runtime.block_on(async {
        let engine = target::connect().await?;
        engine
            .list_project_volumes(&target.name, &args.service_names)
            .await
            .map_err(|error| target::report(&error))
    });
    let volumes = match listed {
        Ok(volumes) => volumes,
        Err(code) => return code,
    };
    target::print_listing(listing::render_volumes(&volumes, &args.format, args.quiet))
}
