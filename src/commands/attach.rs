//! `attach SERVICE`: local stdin/stdout/stderr on a running container of the service, as
//! `docker attach` does: stdin only when the container keeps it open (and not
//! `--no-stdin`), the terminal raw for a TTY container, signals forwarded without a TTY
//! (`--sig-proxy`), the engine's detach keys (`--detach-keys`, else `config.json`'s
//! `detachKeys`, else ctrl-p,ctrl-q); the
//! container's exit code as ours when it ends; detaching is reported as the CLI does
//! (`read escape sequence`, exit 1).

use super::context::CommandContext;
use super::exit;
use super::session::{self, SessionSettings};
use super::target::{self, project_name};
use crate::cli::AttachArgs;
use crate::engine::credentials;
use crate::engine::exec::TtyTarget;
use crate::engine::inspect::OneOff;
use crate::output::printer;

/// How long the container may take to be seen stopped once its streams closed; still
/// running after that means the user detached.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

pub fn run(context: &CommandContext, args: &AttachArgs) -> i32 {
    let name = match project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let code = runtime.block_on(async {
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let container = match target::running_container(
            &engine,
            &name,
            &args.service,
            args.index,
            OneOff::Include,
        )
        .await
        {
            Ok(container) => container,
            Err(code) => return code,
        };
        let (tty, open_stdin) = match engine.container_terminal(&container.id).await {
            Ok(terminal) => terminal,
            Err(error) => return target::report(&error),
        };
        if tty && !args.no_stdin && !session::stdin_is_terminal() {
            printer::stderr_line("the input device is not a TTY");
            return exit::USER_ERROR;
        }
        let stdin = !args.no_stdin && open_stdin;
        let detach_keys = args
            .detach_keys
            .clone()
            .or_else(credentials::configured_detach_keys);
        let attached = match engine
            .attach_streams(&container.id, stdin, detach_keys, "attach")
            .await
        {
            Ok(attached) => attached,
            Err(error) => return target::report(&error),
        };
        let settings = SessionSettings {
            tty,
            stdin,
            tty_target: TtyTarget::Container(container.id.clone()),
            signal_container: (args.sig_proxy && !tty).then(|| container.id.clone()),
        };
        if let Err(error) =
            session::run_session(&engine, attached, &settings, std::future::ready(Ok(()))).await
        {
            return target::report(&error);
        }
        match tokio::time::timeout(EXIT_GRACE, engine.wait_container_exit(&container.id)).await {
            Ok(Ok(code)) => session::exit_code(code),
            Ok(Err(error)) => target::report(&error),
            // Detached with the detach keys: the container goes on; the docker CLI's words.
            Err(_) => {
                printer::stderr_line("read escape sequence");
                exit::USER_ERROR
            }
        }
    });
    runtime.shutdown_background();
    code
}
