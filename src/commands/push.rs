//! `push`: pushes the images of the named services (all by default; their dependencies with
//! `--include-deps`) that have both `build:` and `image:` (others are `Skipped`, as in the
//! reference), each of `image` and `build.tags`, concurrently (bounded by `--parallel`).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::PushArgs;
use crate::engine::images::ImageProblem;
use crate::loader::{LoadedProject, SkipStages};
use crate::output::events::{ProgressEvent, ProgressMessage, ResourceId, Status};
use crate::output::printer;

pub fn run(context: &CommandContext, args: &PushArgs) -> i32 {
    let options = context.load_options(&args.services, SkipStages::default());
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    for service in &args.services {
        if !loaded.project.services.contains_key(service) {
            printer::stderr_line(&format!("no such service: {service}"));
            return exit::USER_ERROR;
        }
    }
    let selected = super::pull::selected_services(&loaded, &args.services, args.include_deps);
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(push(context, args, &loaded, &selected))
}

/// `(service, tag)` pairs to push, and the services skipped.
fn push_targets(
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for name in selected {
        let Some(service) = loaded.project.services.get(name) else {
            continue;
        };
        match &service.build {
            Some(build) if !service.image.is_empty() => {
                targets.push((name.clone(), service.image.clone()));
                for tag in &build.tags {
                    targets.push((name.clone(), tag.clone()));
                }
            }
            _ => skipped.push(name.clone()),
        }
    }
    (targets, skipped)
}

async fn push(
    context: &CommandContext,
    args: &PushArgs,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
) -> i32 {
    let engine = match target::connect_for_changes(context).await {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    // `-q` shows no display at all, as the reference.
    let progress = if args.quiet {
        None
    } else {
        match Progress::start(context, "Pushing") {
            Ok(progress) => Some(progress),
            Err(code) => return code,
        }
    };
    let (sender, drain) = if let Some(progress) = &progress {
        (progress.sender.clone(), None)
    } else {
        let (sender, mut receiver) = mpsc::channel::<ProgressMessage>(64);
        let drain = tokio::spawn(async move { while receiver.recv().await.is_some() {} });
        (sender, Some(drain))
    };
    let (targets, skipped) = push_targets(loaded, selected);
    for name in skipped {
        let event = ProgressEvent::new(ResourceId::bare(name), Status::Pulled, Instant::now())
            .with_text("Skipped");
        let _ = sender.send(event.into()).await;
    }
    let mut problems = Vec::new();
    let limit = Arc::new(Semaphore::new(
        super::up::parallel_limit(context).unwrap_or(Semaphore::MAX_PERMITS),
    ));
    // The tags of one service name the same image: pushed one after another, so the
    // registry does not receive the same blobs twice at once (a fresh registry then
    // answers `blob unknown`); services are pushed concurrently.
    let mut tags_by_service: Vec<(String, Vec<String>)> = Vec::new();
    for (service, tag) in targets {
        match tags_by_service.last_mut() {
            Some((last, tags)) if *last == service => tags.push(tag),
            _ => tags_by_service.push((service, vec![tag])),
        }
    }
    let mut running = JoinSet::new();
    for (service, tags) in tags_by_service {
        let engine = engine.clone();
        let limit = Arc::clone(&limit);
        let sender = sender.clone();
        let quiet = args.quiet;
        running.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let mut failures = Vec::new();
            for tag in tags {
                if let Err(reason) = engine.push_image(&tag, quiet, &sender).await {
                    failures.push((tag, reason));
                }
            }
            (service, failures)
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = running.join_next().await {
        if let Ok((service, failed)) = joined {
            failures.extend(
                failed
                    .into_iter()
                    .map(|(tag, reason)| (service.clone(), tag, reason)),
            );
        }
    }
    for (service, tag, reason) in failures {
        if args.ignore_push_failures {
            let _ = sender
                .send(ProgressMessage::Tail(format!(
                    "Pushing {service}: {reason}"
                )))
                .await;
        } else {
            problems.push(ImageProblem::PushFailed {
                service,
                image: tag,
                reason,
            });
        }
    }
    drop(sender);
    if let Some(drain) = drain {
        let _ = drain.await;
    }
    if let Some(progress) = progress {
        progress.finish().await;
    }
    if problems.is_empty() {
        return exit::OK;
    }
    problems.sort_by_key(ToString::to_string);
    for problem in problems {
        printer::stderr_line(&problem.to_string());
    }
    exit::USER_ERROR
}
