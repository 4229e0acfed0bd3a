//! `exec`: runs a command in a running container of a service (`--index`, default the first
//! replica), with a TTY unless `-T` (or stdin is not a terminal), stdin piped, the process's
//! exit code as ours; `service "x" is not running` when no container of it runs. Under
//! `--dry-run` a detached exec is only announced and an attached one refused, as the
//! reference does.

use super::context::CommandContext;
use super::exit;
use super::session::{self, SessionSettings};
use super::target::{self, project_or_name};
use crate::cli::ExecArgs;
use crate::engine::exec::{ExecRequest, TtyTarget};
use crate::engine::inspect::OneOff;
use crate::output::printer;
use crate::output::progress::plain::DRY_RUN_PREFIX;
use crate::output::table::go_quote;

/// Go's `%q` of a `[]string` (`["touch" "/x"]`), as the reference prints a command.
fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| go_quote(item)).collect();
    format!("[{}]", quoted.join(" "))
}

pub fn run(context: &CommandContext, args: &ExecArgs) -> i32 {
    // `-w` is the process's working directory here, not the global `--workdir`.
    let mut global = context.global.clone();
    if args.workdir.is_some() {
        global.workdir = None;
    }
    let context = &CommandContext {
        global,
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: context.remote_source.clone(),
    };
    let target = match project_or_name(context, std::slice::from_ref(&args.service)) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(std::slice::from_ref(&args.service)) {
        return code;
    }
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
            &target.name,
            &args.service,
            args.index,
            OneOff::Exclude,
        )
        .await
        {
            Ok(container) => container,
            Err(code) => return code,
        };
        let tty = !args.no_tty && !args.detach && session::stdin_is_terminal();
        let attach_stdin = args.interactive && !args.detach;
        let environment = args
            .environment
            .iter()
            .map(|entry| match entry.split_once('=') {
                Some(_) => entry.clone(),
                None => std::env::var(entry)
                    .map_or_else(|_| entry.clone(), |value| format!("{entry}={value}")),
            })
            .collect();
        let request = ExecRequest {
            command: args.command.clone(),
            environment,
            user: args.user.clone(),
            working_dir: args.workdir.as_ref().map(|path| path.display().to_string()),
            privileged: args.privileged,
            tty,
            stdin: attach_stdin,
            attach_output: !args.detach,
        };
        let exec_id = match engine.create_exec_process(&container.id, &request).await {
            Ok(id) => id,
            Err(error) => return target::report(&error),
        };
        let attached = match engine.start_exec_process(&exec_id, tty, args.detach).await {
            Ok(attached) => attached,
            Err(error) => return target::report(&error),
        };
        let Some(attached) = attached else {
            if engine.is_dry_run() {
                printer::stdout(&format!(
                    "{DRY_RUN_PREFIX}Executing command {} in {} (detached mode)\n",
                    go_quote_list(&args.command),
                    container.id
                ));
            }
            return exit::OK;
        };
        let settings = SessionSettings {
            tty,
            stdin: attach_stdin,
            tty_target: TtyTarget::Exec(exec_id.clone()),
            signal_container: None,
        };
        if let Err(error) =
            session::run_session(&engine, attached, &settings, std::future::ready(Ok(()))).await
        {
            return target::report(&error);
        }
        match engine.exec_exit_code(&exec_id).await {
            Ok(code) => session::exit_code(code),
            Err(error) => target::report(&error),
        }
    });
    runtime.shutdown_background();
    code
}
