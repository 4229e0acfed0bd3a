//! `stack services`: the services of one stack with their replicas (`-f` filters as the
//! engine knows them: `id`, `name`, `label`, `mode`).

use super::listing;
use crate::cli::StackServicesArgs;
use crate::commands::context::CommandContext;
use crate::commands::{exit, target};
use crate::output::printer;

pub fn run(_context: &CommandContext, args: &StackServicesArgs) -> i32 {
    let filters = match super::parse_filters(&args.filter) {
        Ok(filters) => filters,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let listed = runtime.block_on(async {
        let engine = target::connect().await?;
        super::require_manager(&engine).await?;
        engine
            .stack_services(Some(&args.stack), &filters)
            .await
            .map_err(|error| target::report(&error))
    });
    let mut services = match listed {
        Ok(services) => services,
        Err(code) => return code,
    };
    if services.is_empty() {
        printer::stderr_line(&format!("Nothing found in stack: {}", args.stack));
        return exit::OK;
    }
    services.sort_by(|left, right| super::natural_cmp(&left.name, &right.name));
    target::print_listing(listing::render_services(
        &services,
        &args.format,
        args.quiet,
    ))
}
