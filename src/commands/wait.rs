//! `wait SERVICE...`: blocks until the services' running containers stop, printing each
//! exit as the reference does, and exits with the code of the last one to stop. The engine's
//! wait endpoint answers when a container stops (no polling). `--down-project` then removes
//! the project's containers and networks.

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_or_name};
use crate::cli::WaitArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::engine::{Engine, EngineError};
use crate::output::printer;

/// What `--down-project` removes: every container of the project, then its networks.
async fn down_project(engine: &Engine, project_name: &str) -> Result<(), EngineError> {
    let containers = engine
        .list_containers(project_name, &ContainerQuery::new(true, OneOff::Include))
        .await?;
    let removals = futures_util::future::join_all(
        containers
            .iter()
            .map(|container| engine.remove_container(&container.id, true, false)),
    )
    .await;
    for result in removals {
        match result {
            Err(error) if !error.is_not_found() && !error.is_conflict() => return Err(error),
            _ => {}
        }
    }
    for network in engine.project_networks(project_name).await? {
        engine.remove_network_named(&network.name).await?;
    }
    Ok(())
}

pub fn run(context: &CommandContext, args: &WaitArgs) -> i32 {
    let target = match project_or_name(context, &[]) {
        Ok(target) => target,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let query = ContainerQuery::new(false, OneOff::Include).services(&args.service_names);
        let containers = match engine.list_containers(&target.name, &query).await {
            Ok(containers) => containers,
            Err(error) => return target::report(&error),
        };
        if containers.is_empty() {
            printer::stderr_line(&format!("no containers for project {:?}", target.name));
            return exit::USER_ERROR;
        }
        let mut waits: FuturesUnordered<_> = containers
            .iter()
            .map(|container| {
                let engine = engine.clone();
                async move {
                    (
                        container.id.clone(),
                        engine.wait_container_exit(&container.id).await,
                    )
                }
            })
            .collect();
        let mut last_code = 0;
        while let Some((id, result)) = waits.next().await {
            match result {
                Ok(code) => {
                    printer::stdout(&format!(
                        "container {id:?} exited with status code {code}\n"
                    ));
                    last_code = code;
                }
                Err(error) => return target::report(&error),
            }
        }
        if args.down_project {
            if let Err(error) = down_project(&engine, &target.name).await {
                return target::report(&error);
            }
        }
        i32::try_from(last_code).unwrap_or(exit::USER_ERROR)
    })
}
