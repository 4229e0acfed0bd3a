//! `wait SERVICE...`: blocks until the services' running containers stop, printing each
//! exit as the reference does, and exits with the code of the last one to stop. The engine's
//! wait endpoint answers when a container stops (no polling). `--down-project` then removes
//! the project's containers and networks as `down` does (only shown under `--dry-run`).

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_or_name};
use crate::cli::WaitArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::printer;
use crate::plan::DownOptions;

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
            // As the reference: `down --remove-orphans` by project name, shown (and under
            // `--dry-run` only shown) as `down` shows it.
            let options = DownOptions {
                remove_orphans: true,
                ..DownOptions::default()
            };
            let engine = target::for_changes(context, engine);
            let code =
                super::down::take_down(context, &engine, None, &target.name, &options, None).await;
            if code != exit::OK {
                return code;
            }
        }
        i32::try_from(last_code).unwrap_or(exit::USER_ERROR)
    })
}
