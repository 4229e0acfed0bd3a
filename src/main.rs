//! The `dk-compose` binary: parse arguments, set up diagnostics, run, exit with its code.

use clap::Parser;

fn main() {
    let cli = match dk_compose::cli::Cli::try_parse() {
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
