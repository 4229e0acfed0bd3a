//! `stack config`: the merged, interpolated project, as `dk-compose config` prints it, read
//! from `-c` files (`--skip-interpolation` prints it uninterpolated).

use crate::cli::{ConfigArgs, StackConfigArgs};
use crate::commands::context::CommandContext;

pub fn run(context: &CommandContext, args: &StackConfigArgs) -> i32 {
    let mut global = context.global.clone();
    if !args.compose_files.is_empty() {
        global.files.clone_from(&args.compose_files);
    }
    let stack_context = CommandContext {
        global,
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: None,
    };
    let config_args = ConfigArgs {
        no_interpolate: args.skip_interpolation,
        ..ConfigArgs::default()
    };
    crate::commands::config::run(&stack_context, &config_args)
}
