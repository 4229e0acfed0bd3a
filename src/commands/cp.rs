//! `cp`: copies between a service's containers and the local filesystem, as the reference
//! does: `SERVICE:SRC DEST` reads from the service's first container (or `--index`), `SRC
//! SERVICE:DEST` writes to every container of the service (or `--index`), `-` is a tar
//! archive on stdin or stdout, `--all` includes one-off containers, `-a` keeps uid/gid, `-L`
//! follows a symbolic link at the source.

use std::io::Read;
use std::time::Instant;

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::CpArgs;
use crate::engine::Engine;
use crate::engine::copy::{CopyError, CopySettings};
use crate::engine::inspect::{ContainerQuery, ContainerSummary, OneOff};
use crate::output::events::{EventState, ProgressEvent, ResourceId, Status};
use crate::output::printer;

/// The reference's `splitCpArg`: `SERVICE:PATH`, or a local path (absolute, starting with
/// `.`, or without `:`).
pub fn split_copy_argument(argument: &str) -> (Option<&str>, &str) {
    if argument.starts_with('/') {
        return (None, argument);
    }
    match argument.split_once(':') {
        Some((service, path)) if !service.starts_with('.') => (Some(service), path),
        _ => (None, argument),
    }
}

/// Which way the copy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    FromService,
    ToService,
}

pub fn run(context: &CommandContext, args: &CpArgs) -> i32 {
    if args.source.is_empty() {
        printer::stderr_line("source can not be empty");
        return exit::USER_ERROR;
    }
    if args.destination.is_empty() {
        printer::stderr_line("destination can not be empty");
        return exit::USER_ERROR;
    }
    let (source_service, source_path) = split_copy_argument(&args.source);
    let (destination_service, destination_path) = split_copy_argument(&args.destination);
    let (direction, service) = match (source_service, destination_service) {
        (Some(_), Some(_)) => {
            printer::stderr_line("copying between services is not supported");
            return exit::USER_ERROR;
        }
        (Some(service), None) => (Direction::FromService, service),
        (None, Some(service)) => (Direction::ToService, service),
        (None, None) => {
            printer::stderr_line("unknown copy direction");
            return exit::USER_ERROR;
        }
    };
    let name = match target::project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    // Read once, sent to every container.
    let stdin_archive = if direction == Direction::ToService && source_path == "-" {
        let mut archive = Vec::new();
        if let Err(error) = std::io::stdin().read_to_end(&mut archive) {
            printer::stderr_line(&format!("cannot read the archive on stdin: {error}"));
            return exit::USER_ERROR;
        }
        Some(archive)
    } else {
        None
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let containers = match containers(&engine, &name, service, args, direction).await {
            Ok(containers) => containers,
            Err(code) => return code,
        };
        let settings = CopySettings {
            follow_link: args.follow_link,
            copy_owner: args.archive,
        };
        // The archive on stdout must stay alone there: the progress goes to stderr.
        let progress = match Progress::start(context, "Copying") {
            Ok(progress) => progress,
            Err(code) => return code,
        };
        let copies = containers.iter().map(|container| {
            let sender = progress.sender.clone();
            let engine = &engine;
            let stdin_archive = stdin_archive.as_ref();
            async move {
                let message = match direction {
                    Direction::FromService => {
                        format!(
                            "copy {}:{source_path} to {destination_path}",
                            container.name
                        )
                    }
                    Direction::ToService => {
                        format!(
                            "copy {source_path} to {}:{destination_path}",
                            container.name
                        )
                    }
                };
                let event = |state: EventState, status: &str| {
                    ProgressEvent::new(
                        ResourceId::bare(&container.name),
                        Status::Running,
                        Instant::now(),
                    )
                    .with_text(message.clone())
                    .with_detail(status)
                    .with_state(state)
                };
                let _ = sender
                    .send(event(EventState::Working, "Copying").into())
                    .await;
                // Under `--dry-run` the copy is checked as a real one (source, destination)
                // and the engine writes nothing, here or there.
                let outcome = copy_one(
                    engine,
                    &container.name,
                    direction,
                    source_path,
                    destination_path,
                    stdin_archive,
                    settings,
                )
                .await;
                match &outcome {
                    Ok(()) => {
                        let _ = sender.send(event(EventState::Done, "Copied").into()).await;
                    }
                    Err(error) => {
                        let _ = sender
                            .send(event(EventState::Failed, &error.to_string()).into())
                            .await;
                    }
                }
                outcome
            }
        });
        let outcomes = join_all(copies).await;
        progress.finish().await;
        let mut code = exit::OK;
        for error in outcomes.into_iter().filter_map(Result::err) {
            printer::stderr_line(&error.to_string());
            code = exit::USER_ERROR;
        }
        code
    })
}

/// The containers to copy from (the first) or to (all, or `--index`).
async fn containers(
    engine: &Engine,
    project_name: &str,
    service: &str,
    args: &CpArgs,
    direction: Direction,
) -> Result<Vec<ContainerSummary>, i32> {
    if args.index > 0 {
        let container = target::specified_container(
            engine,
            project_name,
            service,
            args.index,
            OneOff::Exclude,
            true,
        )
        .await?;
        return Ok(vec![container]);
    }
    let oneoff = if args.all {
        OneOff::Include
    } else {
        OneOff::Exclude
    };
    let query = ContainerQuery::new(true, oneoff).services(&[service.to_owned()]);
    let mut containers = engine
        .list_containers(project_name, &query)
        .await
        .map_err(|error| target::report(&error))?;
    if containers.is_empty() {
        printer::stderr_line(&format!("no container found for service \"{service}\""));
        return Err(exit::USER_ERROR);
    }
    containers.sort_by_key(|container| (container.oneoff, container.number.unwrap_or(0)));
    if direction == Direction::FromService {
        containers.truncate(1);
    }
    Ok(containers)
}

async fn copy_one(
    engine: &Engine,
    container_id: &str,
    direction: Direction,
    source: &str,
    destination: &str,
    stdin_archive: Option<&Vec<u8>>,
    settings: CopySettings,
) -> Result<(), CopyError> {
    match direction {
        Direction::FromService if destination == "-" => {
            engine
                .stream_from_container(
                    container_id,
                    source,
                    settings.follow_link,
                    printer::stdout_bytes,
                )
                .await
        }
        Direction::FromService => {
            engine
                .copy_from_container(container_id, source, destination, settings.follow_link)
                .await
        }
        Direction::ToService => match stdin_archive {
            Some(archive) => {
                engine
                    .copy_archive_to_container(container_id, archive.clone(), destination, settings)
                    .await
            }
            None => {
                engine
                    .copy_to_container(container_id, source, destination, settings)
                    .await
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::split_copy_argument;

    #[test]
    fn arguments_split_as_the_reference() {
        assert_eq!(split_copy_argument("web:/etc/x"), (Some("web"), "/etc/x"));
        assert_eq!(split_copy_argument("/abs:path"), (None, "/abs:path"));
        assert_eq!(split_copy_argument("./file:name"), (None, "./file:name"));
        assert_eq!(split_copy_argument("local"), (None, "local"));
        assert_eq!(split_copy_argument("-"), (None, "-"));
    }
}
