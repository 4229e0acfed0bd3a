//! `kill`: sends a signal (`-s`, SIGKILL by default) to the running containers of the
//! project, all at once; `--remove-orphans` includes containers of undeclared services.
//! An interrupt cuts the calls under way and ends with 130, as the reference.

use super::context::CommandContext;
use super::exit;
use super::lifecycle::{Opened, for_each_container, run_opened};
use super::target;
use crate::cli::KillArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::events::Status;
use crate::output::printer;

pub fn run(context: &CommandContext, args: &KillArgs) -> i32 {
    run_opened(
        context,
        &args.service_names,
        &args.service_names,
        |opened| async move {
            let query = ContainerQuery::new(false, OneOff::Include).services(&args.service_names);
            let containers = match opened.containers(&query, args.remove_orphans).await {
                Ok(containers) => containers,
                Err(code) => return code,
            };
            let Opened { engine, cancel, .. } = opened;
            if containers.is_empty() {
                printer::stderr_text("no container to kill");
                return exit::OK;
            }
            for_each_container(
                context,
                (&engine, &cancel),
                "Killing",
                &containers,
                |container, sender, engine, cancel| async move {
                    target::emit(&sender, &container.name, Status::Killing).await;
                    match cancel
                        .call(engine.kill_container(&container.name, &args.signal))
                        .await
                    {
                        Ok(()) => {
                            target::emit(&sender, &container.name, Status::Killed).await;
                            Ok(())
                        }
                        Err(error) => {
                            target::emit_failure(&sender, &container.name, "Error while Killing")
                                .await;
                            Err(error)
                        }
                    }
                },
            )
            .await
        },
    )
}
