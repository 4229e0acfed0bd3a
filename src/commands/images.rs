//! `images`: the image of every container of the project (all of them, as the reference
//! lists), as a table, JSON or unique ids.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_name};
use crate::cli::ImagesArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::listing;

pub fn run(context: &CommandContext, args: &ImagesArgs) -> i32 {
    let name = match project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let collected = runtime.block_on(async {
        let engine = target::connect().await?;
        let mut query = ContainerQuery::new(true, OneOff::Include);
        query.require_config_hash = false;
        let mut containers = engine
            .list_containers(&name, &query)
            .await
            .map_err(|error| target::report(&error))?;
        if !args.service_names.is_empty() {
            containers.retain(|container| args.service_names.contains(&container.service));
        }
        let results = join_all(
            containers
                .iter()
                .map(|container| engine.container_image(container)),
        )
        .await;
        results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| target::report(&error))
    });
    let images = match collected {
        Ok(images) => images,
        Err(code) => return code,
    };
    target::print_listing(listing::render_images(
        &images,
        &args.format,
        args.quiet,
        target::now_seconds(),
    ))
}
