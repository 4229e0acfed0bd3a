//! `unpause`: unpauses the paused containers of the project (or of the named services).

use super::context::CommandContext;
use super::pause::{Action, run_action};
use crate::cli::ServicesArgs;

pub fn run(context: &CommandContext, args: &ServicesArgs) -> i32 {
    run_action(context, args, Action::Unpause)
}
