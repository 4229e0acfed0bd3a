//! `create`: the containers of `up`, created but not started (same checks, same plan).

use super::context::CommandContext;
use super::exit;
use super::up::{converge, converge_request, create_flag_conflict};
use crate::cli::CreateArgs;
use crate::output::printer;
use crate::plan::StartPolicy;

/// Runs `create`.
pub fn run(context: &CommandContext, args: &CreateArgs) -> i32 {
    if let Some(message) = create_flag_conflict(&args.create) {
        printer::stderr_line(&message);
        return exit::USER_ERROR;
    }
    let mut request = match converge_request(context, &args.create, &args.services) {
        Ok(request) => request,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    request.options.start = StartPolicy::NoStart;
    converge(context, &args.services, &request)
}
