//! `rm`: removes the project's stopped containers after confirmation (`-f` skips it, `-s`
//! stops them first, `-v` removes their anonymous volumes), asked with `output::prompt`.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress, project_or_name};
use crate::cli::RmArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::events::Status;
use crate::output::printer;
use crate::output::prompt::{self, PromptStyle};

pub fn run(context: &CommandContext, args: &RmArgs) -> i32 {
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
    runtime.block_on(async {
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        if args.stop {
            let progress = match Progress::start(context, "Stopping") {
                Ok(progress) => progress,
                Err(code) => return code,
            };
            let stopped = super::stop::stop(
                &engine,
                &target,
                &args.service_names,
                None,
                &progress.sender,
            )
            .await;
            progress.finish().await;
            if let Err(error) = stopped {
                return target::report(&error);
            }
        }
        let query = ContainerQuery::new(true, OneOff::Exclude).services(&args.service_names);
        let mut containers = match engine.list_containers(&target.name, &query).await {
            Ok(containers) => containers,
            Err(error) => return target::report(&error),
        };
        if let Some(project) = target.model() {
            containers.retain(|container| project.services.contains_key(&container.service));
        }
        // The listed state races with the engine: inspect each, as the reference does.
        let statuses = join_all(
            containers
                .iter()
                .map(|container| engine.container_status(&container.id)),
        )
        .await;
        let mut stopped = Vec::new();
        for (container, status) in containers.into_iter().zip(statuses) {
            match status {
                // Under `--dry-run` the stop of `-s` was only pretended (as the reference).
                Ok(Some(status))
                    if status.state.as_str() != "running" || (args.stop && engine.is_dry_run()) =>
                {
                    stopped.push(container);
                }
                // Gone already (auto-removed) or still running.
                Ok(_) => {}
                Err(error) => return target::report(&error),
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
        } else if !prompt::confirm(
            &message,
            false,
            PromptStyle::detect(context.prompt_colour()),
        ) {
            return exit::OK;
        }
        let progress = match Progress::start(context, "Removing") {
            Ok(progress) => progress,
            Err(code) => return code,
        };
        let results = join_all(stopped.iter().map(|container| {
            let sender = progress.sender.clone();
            let engine = engine.clone();
            async move {
                target::emit(&sender, &container.name, Status::Removing).await;
                engine
                    .remove_container(&container.name, args.force, args.volumes)
                    .await?;
                target::emit(&sender, &container.name, Status::Removed).await;
                Ok(())
            }
        }))
        .await;
        progress.finish().await;
        match results.into_iter().find_map(Result::err) {
            None => exit::OK,
            Some(error) => target::report(&error),
        }
    })
}
