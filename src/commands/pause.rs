//! `pause`: pauses the running containers of the project (or of the named services). An
//! interrupt cuts the calls under way and ends with 130, as the reference.

use super::context::CommandContext;
use super::lifecycle::{Opened, run_opened};
use super::target;
use crate::cli::ServicesArgs;
use crate::output::events::Status;

/// Pause or unpause: the shared body of `pause` and `unpause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause,
    Unpause,
}

pub fn run(context: &CommandContext, args: &ServicesArgs) -> i32 {
    run_action(context, args, Action::Pause)
}

pub fn run_action(context: &CommandContext, args: &ServicesArgs, action: Action) -> i32 {
    use super::exit;
    use crate::engine::inspect::{ContainerQuery, OneOff};
    use futures_util::future::join_all;
    run_opened(
        context,
        &args.service_names,
        &args.service_names,
        |opened| async move {
            let query = ContainerQuery::new(false, OneOff::Exclude).services(&args.service_names);
            let containers = match opened.containers(&query, false).await {
                Ok(containers) => containers,
                Err(code) => return code,
            };
            let Opened { engine, cancel, .. } = opened;
            let title = match action {
                Action::Pause => "Pausing",
                Action::Unpause => "Running",
            };
            let progress = match target::Progress::start(context, title) {
                Ok(progress) => progress,
                Err(code) => return code,
            };
            let results = join_all(containers.iter().map(|container| {
                let sender = progress.sender.clone();
                let engine = engine.clone();
                let cancel = cancel.clone();
                async move {
                    let (result, status) = match action {
                        Action::Pause => (
                            cancel.call(engine.pause_container(&container.name)).await,
                            Status::Paused,
                        ),
                        Action::Unpause => (
                            cancel.call(engine.unpause_container(&container.name)).await,
                            Status::Unpaused,
                        ),
                    };
                    if result.is_ok() {
                        target::emit(&sender, &container.name, status).await;
                    }
                    result
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
