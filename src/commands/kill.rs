//! `kill`: sends a signal (`-s`, SIGKILL by default) to the running containers of the
//! project, all at once; `--remove-orphans` includes containers of undeclared services.
//! An interrupt cuts the calls under way and ends with 130, as the reference.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::interrupts::Cancellation;
use super::target::{self, Progress, project_or_name};
use crate::cli::KillArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::events::Status;
use crate::output::printer;

pub fn run(context: &CommandContext, args: &KillArgs) -> i32 {
    let target = match project_or_name(context, &args.service_names) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(&args.service_names) {
        return code;
    }
    super::up::block_on(async {
        let cancellation = match Cancellation::listen() {
            Ok(cancellation) => cancellation,
            Err(code) => return code,
        };
        let cancel = cancellation.cancel();
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let query = ContainerQuery::new(false, OneOff::Include).services(&args.service_names);
        let mut containers = match cancel
            .call(engine.list_containers(&target.name, &query))
            .await
        {
            Ok(containers) => containers,
            Err(error) => return target::report_unless_interrupted(&error, &cancel),
        };
        if !args.remove_orphans {
            if let Some(project) = target.model() {
                containers.retain(|container| project.services.contains_key(&container.service));
            }
        }
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
                        target::emit_failure(&sender, &container.name, "Error while Killing").await;
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
    })
}
