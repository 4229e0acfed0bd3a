//! The `dk-compose` binary: sort out how it was invoked (directly, or by the docker CLI as
//! its `compose` plugin), parse arguments, set up diagnostics, run, exit with its code.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

use clap::Parser;
use dk_compose::output::printer;
use dk_compose::plugin::{self, Invocation};

/// What `docker compose --help` calls the program in its usage lines.
const PLUGIN_NAME: &str = "docker compose";

fn main() {
    let launched_by_docker = std::env::var_os(plugin::PLUGIN_MARKER).is_some();
    let invocation = match plugin::classify(std::env::args_os().collect(), launched_by_docker) {
        Ok(invocation) => invocation,
        Err(message) => {
            printer::stderr_line(&message);
            std::process::exit(1);
        }
    };
    let arguments = match invocation {
        Invocation::Metadata => {
            printer::stdout(&format!("{}\n", plugin::metadata_json()));
            std::process::exit(0);
        }
        Invocation::Direct(arguments) => arguments,
        Invocation::Plugin {
            mut arguments,
            environment,
        } => {
            arguments[0] = OsString::from(PLUGIN_NAME);
            if !environment.is_empty() {
                exec_with(&arguments, environment);
            }
            arguments
        }
    };
    let cli = match dk_compose::cli::Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            // Like the reference: help/version exit 0, usage errors exit 1 (not clap's 2).
            let code = i32::from(error.use_stderr());
            let _ = error.print();
            std::process::exit(code);
        }
    };
    dk_compose::output::init_tracing(cli.global.verbose);
    std::process::exit(dk_compose::commands::run(cli));
}

/// The docker CLI's global flags as environment variables: this program again, with them
/// set (the process environment is read once, at start, by everything that needs it).
fn exec_with(arguments: &[OsString], environment: Vec<(&'static str, OsString)>) -> ! {
    let program = std::env::current_exe().unwrap_or_else(|_| "/proc/self/exe".into());
    let error = std::process::Command::new(program)
        .arg0(&arguments[0])
        .args(&arguments[1..])
        .envs(environment)
        .env_remove(plugin::PLUGIN_MARKER)
        .exec();
    printer::stderr_line(&format!(
        "cannot run dk-compose again with docker's flags: {error}"
    ));
    std::process::exit(1);
}
