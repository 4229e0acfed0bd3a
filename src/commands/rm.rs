//! `rm`: removes the project's stopped containers after confirmation (`-f` skips it, `-s`
//! stops them first, `-v` removes their anonymous volumes), asked with `output::prompt`.
//! An interrupt cuts the engine calls under way (or the question) and ends with 130.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::lifecycle::{Opened, for_each_container, run_opened};
use super::target::{self, Progress};
use crate::cli::RmArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::events::Status;
use crate::output::printer;
use crate::output::prompt::{self, PromptStyle};

pub fn run(context: &CommandContext, args: &RmArgs) -> i32 {
    run_opened(
        context,
        &args.service_names,
        &args.service_names,
        |opened| async move {
            if args.stop {
                let progress = match Progress::start(context, "Stopping") {
                    Ok(progress) => progress,
                    Err(code) => return code,
                };
                let stopped = super::stop::stop_unless(
                    &opened.engine,
                    &opened.target,
                    &args.service_names,
                    None,
                    &progress.sender,
                    &opened.cancel,
                )
                .await;
                progress.finish().await;
                if let Err(error) = stopped {
                    return target::report_unless_interrupted(&error, &opened.cancel);
                }
            }
            let query = ContainerQuery::new(true, OneOff::Exclude).services(&args.service_names);
            let containers = match opened.containers(&query, false).await {
                Ok(containers) => containers,
                Err(code) => return code,
            };
            let Opened { engine, cancel, .. } = opened;
            // The listed state races with the engine: inspect each, as the reference does.
            let statuses = join_all(
                containers
                    .iter()
                    .map(|container| cancel.call(engine.container_status(&container.id))),
            )
            .await;
            let mut stopped = Vec::new();
            for (container, status) in containers.into_iter().zip(statuses) {
                match status {
                    // Under `--dry-run` the stop of `-s` was only pretended (as the reference).
                    Ok(Some(status))
                        if status.state.as_str() != "running"
                            || (args.stop && engine.is_dry_run()) =>
                    {
                        stopped.push(container);
                    }
                    // Gone already (auto-removed) or still running.
                    Ok(_) => {}
                    Err(error) => return target::report_unless_interrupted(&error, &cancel),
                }
            }
            if stopped.is_empty() {
                printer::stderr_line("No stopped containers");
                return exit::OK;
            }
            let names: Vec<&str> = stopped
                .iter()
                .map(|container| container.name.as_str())
                .collect();
            let message = format!("Going to remove {}", names.join(", "));
            if args.force {
                printer::stdout(&format!("{message}\n"));
            } else {
                let style = PromptStyle::detect(context.prompt_colour());
                let answer =
                    tokio::task::spawn_blocking(move || prompt::confirm(&message, false, style));
                match cancel.unless(answer).await {
                    // An unanswered question is left behind (`block_on` does not wait for it).
                    None => return exit::INTERRUPTED,
                    Some(Ok(true)) => {}
                    Some(_) => return exit::OK,
                }
            }
            for_each_container(
                context,
                (&engine, &cancel),
                "Removing",
                &stopped,
                |container, sender, engine, cancel| async move {
                    target::emit(&sender, &container.name, Status::Removing).await;
                    cancel
                        .call(engine.remove_container(&container.name, args.force, args.volumes))
                        .await?;
                    target::emit(&sender, &container.name, Status::Removed).await;
                    Ok(())
                },
            )
            .await
        },
    )
}
