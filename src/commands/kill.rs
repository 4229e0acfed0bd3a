//! `kill`: sends a signal (`-s`, SIGKILL by default) to the running containers of the
//! project, all at once; `--remove-orphans` includes containers of undeclared services.
//! An interrupt cuts the calls under way and ends with 130, as the reference.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::lifecycle::{Opened, run_opened};
use super::target::{self, Progress};
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
            let progress = match Progress::start(context, "Killing") {
                Ok(progress) => progress,
                Err(code) => return code,
            };
            let results = join_all(containers.iter().map(|container| {
                let sender = progress.sender.clone();
                let engine = engine.clone();
                let cancel = cancel.clone();
                async move {
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
                }
            }))
            .await;
            progress.finish().await;
            match results.into_iter().find_map(Result::err) {
                None => exit::OK,
                Some(error) => target::report_unless_interrupted(&error, &cancel),
            }
        },
    )
}
