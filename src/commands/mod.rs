//! One file per CLI command. Commands wire loader, engine and output together and decide
//! nothing themselves. `run` maps every outcome to the process exit code.

pub mod attach;
pub mod build;
pub mod commit;
pub mod config;
pub mod context;
pub mod cp;
pub mod create;
pub mod down;
pub mod events;
pub mod exec;
pub mod export;
pub mod images;
pub mod interrupts;
pub mod kill;
mod lifecycle;
pub mod logs;
pub mod ls;
pub mod pause;
mod plugin_socket;
pub mod port;
pub mod ps;
pub mod publish;
pub mod pull;
pub mod push;
pub mod remote_stack;
pub mod restart;
pub mod rm;
pub mod run;
pub mod scale;
pub mod session;
pub mod stack;
pub mod start;
pub mod stats;
pub mod stop;
pub mod target;
pub mod top;
pub mod unpause;
pub mod up;
pub mod up_attached;
pub mod up_menu;
pub mod version;
pub mod volumes;
pub mod wait;
pub mod watch;

use crate::cli::{Cli, Command};

/// Exit codes shared by all commands (the reference's conventions).
pub mod exit {
    pub const OK: i32 = 0;
    /// User or configuration error.
    pub const USER_ERROR: i32 = 1;
    /// Unexpected internal error.
    pub const INTERNAL: i32 = 2;
    /// Interrupted by Ctrl-C / SIGTERM.
    pub const INTERRUPTED: i32 = 130;
}

/// Runs the parsed command and returns the exit code.
pub fn run(cli: Cli) -> i32 {
    plugin_socket::follow_docker_cli();
    let mut context = context::CommandContext::from_process(&cli.global);
    if let Err(code) = context.resolve_remote_files() {
        return code;
    }
    match cli.command {
        Command::Config(args) => config::run(&context, &args),
        Command::Version(args) => version::run(&args),
        Command::Ps(args) => ps::run(&context, &args),
        Command::Ls(args) => ls::run(&context, &args),
        Command::Stop(args) => stop::run(&context, &args),
        Command::Restart(args) => restart::run(&context, &args),
        Command::Kill(args) => kill::run(&context, &args),
        Command::Rm(args) => rm::run(&context, &args),
        Command::Pause(args) => pause::run(&context, &args),
        Command::Unpause(args) => unpause::run(&context, &args),
        Command::Top(args) => top::run(&context, &args),
        Command::Port(args) => port::run(&context, &args),
        Command::Images(args) => images::run(&context, &args),
        Command::Wait(args) => wait::run(&context, &args),
        Command::Logs(args) => logs::run(&context, &args),
        Command::Stack(args) => stack::run(&context, &args),
        Command::Up(args) => up::run(&context, &args),
        Command::Down(args) => down::run(&context, &args),
        Command::Create(args) => create::run(&context, &args),
        Command::Start(args) => start::run(&context, &args),
        Command::Build(args) => build::run(&context, &args),
        Command::Run(args) => run::run(&context, &args),
        Command::Exec(args) => exec::run(&context, &args),
        Command::Pull(args) => pull::run(&context, &args),
        Command::Push(args) => push::run(&context, &args),
        Command::Publish(args) => publish::run(&context, &args),
        Command::Cp(args) => cp::run(&context, &args),
        Command::Commit(args) => commit::run(&context, &args),
        Command::Export(args) => export::run(&context, &args),
        Command::Watch(args) => watch::run(&context, &args),
        Command::Volumes(args) => volumes::run(&context, &args),
        Command::Scale(args) => scale::run(&context, &args),
        Command::Events(args) => events::run(&context, &args),
        Command::Stats(args) => stats::run(&context, &args),
        Command::Attach(args) => attach::run(&context, &args),
    }
}
