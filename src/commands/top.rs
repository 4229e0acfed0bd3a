//! `top`: the processes of the project's running containers, one table for all of them.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_name};
use crate::cli::ServicesArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::{listing, printer};

pub fn run(context: &CommandContext, args: &ServicesArgs) -> i32 {
    let name = match project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let collected = runtime.block_on(async {
        let engine = target::connect().await?;
        let mut containers = engine
            .list_containers(&name, &ContainerQuery::new(false, OneOff::Include))
            .await
            .map_err(|error| target::report(&error))?;
        if !args.service_names.is_empty() {
            containers.retain(|container| args.service_names.contains(&container.service));
        }
        let results = join_all(
            containers
                .iter()
                .map(|container| engine.container_processes(container)),
        )
        .await;
        results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| target::report(&error))
    });
    match collected {
        Ok(mut processes) => {
            processes.sort_by(|left, right| left.name.cmp(&right.name));
            printer::stdout(&listing::render_top(&processes));
            exit::OK
        }
        Err(code) => code,
    }
}
