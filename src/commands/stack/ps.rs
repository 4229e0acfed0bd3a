//! `stack ps`: the tasks of one stack (current and previous ones per slot), with service
//! and node names resolved unless `--no-resolve`.

use std::collections::BTreeMap;

use super::listing::{self, TaskListing};
use crate::cli::StackPsArgs;
use crate::commands::context::CommandContext;
use crate::commands::{exit, target};
use crate::output::printer;
use crate::swarm::LABEL_NAMESPACE;

pub fn run(_context: &CommandContext, args: &StackPsArgs) -> i32 {
    let mut filters = match super::parse_filters(&args.filter) {
        Ok(filters) => filters,
        Err(code) => return code,
    };
    filters
        .entry("label".to_owned())
        .or_default()
        .push(format!("{LABEL_NAMESPACE}={}", args.stack));
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let listed = runtime.block_on(async {
        let engine = target::connect().await?;
        super::require_manager(&engine).await?;
        let report = |error| target::report(&error);
        let tasks = engine.swarm_tasks(&filters).await.map_err(report)?;
        let (service_names, node_names) = if args.no_resolve {
            (BTreeMap::new(), BTreeMap::new())
        } else {
            let services = engine
                .stack_services(Some(&args.stack), &BTreeMap::new())
                .await
                .map_err(report)?;
            let names = services
                .into_iter()
                .map(|service| (service.id, service.name))
                .collect();
            (names, engine.swarm_node_names().await.map_err(report)?)
        };
        Ok::<_, i32>((tasks, service_names, node_names))
    });
    let (tasks, service_names, node_names) = match listed {
        Ok(listed) => listed,
        Err(code) => return code,
    };
    if tasks.is_empty() {
        printer::stderr_line(&format!("nothing found in stack: {}", args.stack));
        return exit::USER_ERROR;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64());
    let listing = TaskListing {
        service_names: &service_names,
        node_names: &node_names,
        truncate: !args.no_trunc,
        quiet: args.quiet,
        now,
    };
    target::print_listing(listing::render_tasks(&tasks, &args.format, &listing))
}
