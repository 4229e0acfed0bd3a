//! `logs`: the project's containers' output as one colour-coded feed (`engine::logs` streams,
//! `output::logmux` renders); works with a compose file or only `-p`.

use std::io::IsTerminal;
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::context::CommandContext;
use super::exit;
use super::interrupts::Interrupts;
use super::target::{self, project_or_name};
use crate::cli::LogsArgs;
use crate::engine::logs::{
    CHANNEL_CAPACITY, LogOptions, Moment, Selection, parse_window, stream_project_logs,
};
use crate::output::logmux::{LogMux, LogSettings, run_log_writer};
use crate::output::palette::log_colour;
use crate::output::printer;

pub fn run(context: &CommandContext, args: &LogsArgs) -> i32 {
    if !args.files.is_empty() {
        // `logs --file x`: our `--file` shadows the global one (whose `-f` is `--follow` here).
        let mut global = context.global.clone();
        global.files.extend(args.files.iter().cloned());
        return run(
            &CommandContext::from_process(&global),
            &LogsArgs {
                files: Vec::new(),
                service_names: args.service_names.clone(),
                since: args.since.clone(),
                until: args.until.clone(),
                tail: args.tail.clone(),
                ..*args
            },
        );
    }
    let index = args.index.filter(|index| *index > 0);
    if index.is_some() && args.service_names.len() != 1 {
        printer::stderr_line("--index requires one service to be selected");
        return exit::USER_ERROR;
    }
    let target = match project_or_name(context, &args.service_names) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(&args.service_names) {
        return code;
    }
    let mut services = args.service_names.clone();
    if services.is_empty() {
        if let Some(project) = target.model() {
            // As the reference: services with `attach: false` are left out unless named.
            services = project
                .services
                .iter()
                .filter(|(_, service)| service.attach.is_none_or(|attach| attach))
                .map(|(name, _)| name.clone())
                .collect();
        }
    }
    let (since, until) = match time_window(args.since.as_deref(), args.until.as_deref()) {
        Ok(window) => window,
        Err(code) => return code,
    };
    let options = LogOptions {
        follow: args.follow,
        tail: args.tail.clone(),
        since,
        until,
        timestamps: args.timestamps,
    };
    let settings = LogSettings {
        colour: log_colour(
            context.global.ansi,
            context.global.no_ansi,
            args.no_color,
            context.os_env.get("NO_COLOR").map(String::as_str),
            std::io::stdout().is_terminal(),
        ),
        prefix: !args.no_log_prefix,
        timestamps: false,
        split_stderr: false,
    };
    let selection = Selection { services, index };
    let project_name = target.name.clone();
    super::up::block_on(async move {
        // Ctrl-C or SIGTERM ends the feed with 130 and the reference's empty line.
        let mut interrupts = match Interrupts::listen_or_report() {
            Ok(interrupts) => interrupts,
            Err(code) => return code,
        };
        let engine = match target::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let writer = tokio::task::spawn_blocking(move || {
            run_log_writer(receiver, LogMux::new(settings), |_| {})
        });
        let result = interrupts
            .unless_interrupted(stream_project_logs(
                &engine,
                &project_name,
                selection,
                options,
                sender,
            ))
            .await;
        // A closed stdout (`| head`) is not an error.
        let _ = writer.await;
        match result {
            Ok(Ok(())) => exit::OK,
            Ok(Err(error)) => target::report(&error),
            Err(code) => code,
        }
    })
}

/// `--since`/`--until` read against one `now` (as `logs` and `events` take them); a bad value
/// is reported and becomes the exit code.
pub(crate) fn time_window(
    since: Option<&str>,
    until: Option<&str>,
) -> Result<(Option<Moment>, Option<Moment>), i32> {
    parse_window(since, until, SystemTime::now()).map_err(|message| {
        printer::stderr_line(&message);
        exit::USER_ERROR
    })
}
