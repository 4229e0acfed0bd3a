//! `export`: a running container of a service (`--index`, one-offs included) as a tar
//! archive of its filesystem, on stdout (never to a terminal) or written atomically to
//! `-o FILE` (mode 0600), as the reference does.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::ExportArgs;
use crate::output::events::{EventState, ProgressEvent, ResourceId, Status};
use crate::output::printer;

pub fn run(context: &CommandContext, args: &ExportArgs) -> i32 {
    let name = match target::project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    match &args.output {
        None if printer::stdout_is_terminal() => {
            printer::stderr_line("output option is required when exporting to terminal");
            return exit::USER_ERROR;
        }
        Some(output) => {
            let parent = output
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty());
            if let Some(parent) = parent.filter(|parent| !parent.is_dir()) {
                printer::stderr_line(&format!(
                    "failed to export container: invalid output path: directory \"{}\" does not exist",
                    parent.display()
                ));
                return exit::USER_ERROR;
            }
        }
        None => {}
    }
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let (engine, container) =
            match target::connect_to_container(context, &name, &args.service, args.index).await {
                Ok(found) => found,
                Err(code) => return code,
            };
        let progress = match Progress::start(context, "Exporting") {
            Ok(progress) => progress,
            Err(code) => return code,
        };
        let destination = args
            .output
            .as_ref()
            .map(|output| output.display().to_string())
            .unwrap_or_default();
        let event = |state: EventState, status: &str| {
            ProgressEvent::new(
                ResourceId::bare(&container.name),
                Status::Running,
                Instant::now(),
            )
            .with_text(format!("export {} to {destination}", container.name))
            .with_detail(status)
            .with_state(state)
        };
        let _ = progress
            .sender
            .send(event(EventState::Working, "Exporting").into())
            .await;
        let outcome = if context.global.dry_run {
            Ok(())
        } else {
            match &args.output {
                None => engine
                    .export_container(&container.id, printer::stdout_bytes)
                    .await
                    .map_err(|error| error.to_string()),
                Some(output) => export_to_file(&engine, &container.id, output).await,
            }
        };
        let done = match &outcome {
            Ok(()) => event(EventState::Done, "Exported"),
            Err(message) => event(EventState::Failed, message),
        };
        let _ = progress.sender.send(done.into()).await;
        progress.finish().await;
        match outcome {
            Ok(()) => exit::OK,
            Err(message) => {
                printer::stderr_line(&message);
                exit::USER_ERROR
            }
        }
    })
}

/// Writes the archive next to `output`, then renames it into place (no half-written file
/// under the final name, as the reference's atomic writer).
async fn export_to_file(
    engine: &crate::engine::Engine,
    container: &str,
    output: &Path,
) -> Result<(), String> {
    let file_name = output
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = output.with_file_name(format!(
        ".{file_name}.{}.tmp",
        crate::engine::build::random_hex(8)
    ));
    let failure = |error: std::io::Error| format!("{}: {error}", output.display());
    let mut file = {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&temporary).map_err(failure)?
    };
    let written = engine
        .export_container(container, |chunk| file.write_all(chunk))
        .await
        .map_err(|error| error.to_string())
        .and_then(|()| file.sync_all().map_err(failure));
    drop(file);
    match written.and_then(|()| std::fs::rename(&temporary, output).map_err(failure)) {
        Ok(()) => Ok(()),
        Err(message) => {
            let _ = std::fs::remove_file(&temporary);
            Err(message)
        }
    }
}
