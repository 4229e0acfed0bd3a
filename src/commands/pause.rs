//! `pause`: pauses the running containers of the project (or of the named services). An
//! interrupt cuts the calls under way and ends with 130, as the reference.

use super::context::CommandContext;
use super::lifecycle::{Opened, for_each_container, run_opened};
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
    use crate::engine::inspect::{ContainerQuery, OneOff};
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
            for_each_container(
                context,
                (&engine, &cancel),
                title,
                &containers,
                |container, sender, engine, cancel| async move {
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
                },
            )
            .await
        },
    )
}
