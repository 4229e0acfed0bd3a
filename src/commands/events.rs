//! `events`: the project's container events as they happen (engine events filtered by the
//! project label; one-off containers left out), as text lines or JSON objects; ends on
//! Ctrl-C/SIGTERM (exit 130, as the reference) or when the engine ends the stream (`--until`).
//! Times are local (`TZ`), as the reference prints them.

use futures_util::StreamExt;

use super::context::CommandContext;
use super::exit;
use super::logs::time_window;
use super::target::{self, project_or_name};
use crate::cli::EventsArgs;
use crate::labels;
use crate::output::local_time::LocalZone;
use crate::output::{listing, printer};

pub fn run(context: &CommandContext, args: &EventsArgs) -> i32 {
    let target = match project_or_name(context, &args.service_names) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(&args.service_names) {
        return code;
    }
    let (since, until) = match time_window(args.since.as_deref(), args.until.as_deref()) {
        Ok(window) => window,
        Err(code) => return code,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let zone = LocalZone::system();
        let mut events = engine.project_event_feed(&target.name, since, until);
        let mut interrupts = match super::interrupts::Interrupts::listen_or_report() {
            Ok(interrupts) => interrupts,
            Err(code) => return code,
        };
        loop {
            tokio::select! {
                () = interrupts.next() => {
                    printer::stderr_line("");
                    return exit::INTERRUPTED;
                }
                next = events.next() => match next {
                    None => return exit::OK,
                    Some(Err(error)) => return target::report(&error),
                    Some(Ok(event)) => {
                        let oneoff = event.attributes.get(labels::ONEOFF).map(String::as_str);
                        let service = event.service.as_deref().unwrap_or_default();
                        let selected = args.service_names.is_empty()
                            || args.service_names.iter().any(|name| name == service);
                        if oneoff != Some("True") && selected {
                            printer::stdout(&listing::render_event(&event, args.json, &zone));
                        }
                    }
                },
            }
        }
    })
}
