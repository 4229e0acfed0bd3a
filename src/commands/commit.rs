//! `commit`: creates an image from a running container of a service (`--index`, one-offs
//! included), with the reference's flags (`-a`, `-c`, `-m`, `-p`) and lines
//! (`Commit <container> Committing`, `Committed as sha256:…`).

use std::time::Instant;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::CommitArgs;
use crate::engine::copy::CommitSettings;
use crate::output::events::{EventState, ProgressEvent, ResourceId, Status};
use crate::output::printer;

pub fn run(context: &CommandContext, args: &CommitArgs) -> i32 {
    // `--project-name` is shadowed by `commit -p` (pause); put it back where it belongs.
    let mut global = context.global.clone();
    if args.project_name.is_some() {
        global.project_name.clone_from(&args.project_name);
    }
    let context = &CommandContext {
        global,
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: context.remote_source.clone(),
    };
    let name = match target::project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    let settings = CommitSettings {
        reference: args.reference.clone(),
        comment: args.message.clone(),
        author: args.author.clone(),
        changes: args.change.clone(),
        pause: args.pause,
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let (engine, container) =
            match target::connect_to_container(context, &name, &args.service, args.index).await {
                Ok(found) => found,
                Err(code) => return code,
            };
        let progress = match Progress::start(context, "Committing") {
            Ok(progress) => progress,
            Err(code) => return code,
        };
        let event = |state: EventState, status: &str| {
            ProgressEvent::new(
                ResourceId::bare(&container.name),
                Status::Running,
                Instant::now(),
            )
            .with_text(format!("Commit {}", container.name))
            .with_detail(status)
            .with_state(state)
        };
        let _ = progress
            .sender
            .send(event(EventState::Working, "Committing").into())
            .await;
        // Under `--dry-run` the engine checks the reference and makes no image (no id).
        let outcome = engine.commit_container(&container.id, &settings).await;
        let done = match &outcome {
            Ok(id) if !id.is_empty() => event(EventState::Done, &format!("Committed as {id}")),
            Ok(_) => event(EventState::Done, "Committed"),
            Err(error) => event(EventState::Failed, &error.to_string()),
        };
        let _ = progress.sender.send(done.into()).await;
        progress.finish().await;
        match outcome {
            Ok(_) => exit::OK,
            Err(error) => {
                printer::stderr_line(&error.to_string());
                exit::USER_ERROR
            }
        }
    })
}
