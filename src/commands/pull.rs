//! `pull`: pulls the images of the named services (all by default; their dependencies with
//! `--include-deps`) as the reference's `pull` does: one line per service (`web Pulling`,
//! `web Pulled`, `web Skipped - ...`), layers under it unless `-q`, images pulled once and
//! concurrently, a failure of a buildable image only a warning (with the build advice).

use std::collections::BTreeSet;
use std::time::Instant;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::PullArgs;
use crate::engine::images::{ImageProblem, PullJob, PullSettings};
use crate::engine::reference::ImageReference;
use crate::graph::Graph;
use crate::loader::{LoadedProject, SkipStages};
use crate::output::events::{ProgressEvent, ProgressMessage, ResourceId, Status};
use crate::output::printer;

pub fn run(context: &CommandContext, args: &PullArgs) -> i32 {
    if args.no_parallel.is_some() {
        printer::stderr_line("option '--no-parallel' is DEPRECATED and will be ignored.");
    }
    // The reference loads without resolving environment variables for `pull`.
    let skip = SkipStages {
        env_resolution: true,
        ..SkipStages::default()
    };
    let options = context.load_options(&args.services, skip);
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    for service in &args.services {
        if !loaded.project.services.contains_key(service) {
            printer::stderr_line(&format!("no such service: {service}"));
            return exit::USER_ERROR;
        }
    }
    let selected = selected_services(&loaded, &args.services, args.include_deps);
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(pull(context, args, &loaded, &selected))
}

/// The named services (all when none), with their dependencies when asked.
pub(crate) fn selected_services(
    loaded: &LoadedProject,
    names: &[String],
    include_dependencies: bool,
) -> BTreeSet<String> {
    let project = &loaded.project;
    let chosen: BTreeSet<String> = if names.is_empty() {
        project.services.keys().cloned().collect()
    } else {
        names.iter().cloned().collect()
    };
    if include_dependencies {
        Graph::from_project(project).with_dependencies(chosen.iter().map(String::as_str))
    } else {
        chosen
    }
}

/// Why a service is not pulled, in the reference's words.
fn skip_reason(
    policy: &str,
    present: bool,
    buildable: bool,
    ignore_buildable: bool,
) -> Option<&'static str> {
    match policy {
        "never" | "build" => Some("Skipped"),
        "missing" | "if_not_present" if present => {
            Some("Skipped - Image is already present locally")
        }
        _ if buildable && ignore_buildable => Some("Skipped - Image can be built"),
        _ => None,
    }
}

async fn pull(
    context: &CommandContext,
    args: &PullArgs,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
) -> i32 {
    let engine = match target::connect_for_changes(context).await {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let progress = match Progress::start(context, "Pulling") {
        Ok(progress) => progress,
        Err(code) => return code,
    };
    let skipped = |service: &str, text: &str| {
        ProgressMessage::Event(
            ProgressEvent::new(ResourceId::bare(service), Status::Pulled, Instant::now())
                .with_text(text),
        )
    };
    let project = &loaded.project;
    let mut jobs: Vec<PullJob> = Vec::new();
    for name in selected {
        let Some(service) = project.services.get(name) else {
            continue;
        };
        if service.image.is_empty() {
            let _ = progress
                .sender
                .send(skipped(name, "Skipped - No image to be pulled"))
                .await;
            continue;
        }
        let policy = args.policy.as_deref().unwrap_or(&service.pull_policy);
        // As the reference: a `latest` tag is never "already present" (it may have moved).
        let present = if matches!(policy, "missing" | "if_not_present") {
            match engine.image_id(&service.image).await {
                Ok(found) => {
                    found.is_some()
                        && ImageReference::parse(&service.image)
                            .is_ok_and(|reference| !reference.is_latest())
                }
                Err(error) => {
                    progress.finish().await;
                    return target::report(&error);
                }
            }
        } else {
            false
        };
        let buildable = service.build.is_some();
        if let Some(reason) = skip_reason(policy, present, buildable, args.ignore_buildable) {
            let _ = progress.sender.send(skipped(name, reason)).await;
            continue;
        }
        if let Some(first) = jobs.iter().find(|job| job.image == service.image) {
            let text = format!(
                "Skipped - Image is already being pulled by {}",
                first.service
            );
            let _ = progress.sender.send(skipped(name, &text)).await;
            continue;
        }
        jobs.push(PullJob {
            service: name.clone(),
            image: service.image.clone(),
            buildable,
            platform: service.platform.clone(),
        });
    }
    let settings = PullSettings {
        quiet: args.quiet,
        parallel: super::up::parallel_limit(context),
        fail_fast: !args.ignore_pull_failures,
    };
    let report = engine
        .run_pulls(jobs.clone(), settings, &progress.sender)
        .await;
    let mut must_build = Vec::new();
    let mut problems = Vec::new();
    for job in jobs {
        let Some(reason) = report.failures.get(&job.image) else {
            continue;
        };
        if job.buildable {
            must_build.push(job.service);
        } else {
            problems.push(ImageProblem::PullFailed {
                service: job.service,
                image: job.image,
                reason: reason.clone(),
            });
        }
    }
    if !must_build.is_empty() {
        let _ = progress
            .sender
            .send(ProgressMessage::Tail(format!(
                "WARNING: Some service image(s) must be built from source by running:\n    dk-compose build {}",
                must_build.join(" ")
            )))
            .await;
    }
    progress.finish().await;
    if problems.is_empty() || args.ignore_pull_failures {
        return exit::OK;
    }
    for problem in problems {
        printer::stderr_line(&problem.to_string());
    }
    exit::USER_ERROR
}

#[cfg(test)]
mod tests {
    use super::skip_reason;

    #[test]
    fn skips_as_the_reference() {
        assert_eq!(skip_reason("never", false, false, false), Some("Skipped"));
        assert_eq!(skip_reason("build", false, true, false), Some("Skipped"));
        assert_eq!(
            skip_reason("missing", true, false, false),
            Some("Skipped - Image is already present locally")
        );
        assert_eq!(skip_reason("missing", false, false, false), None);
        // No policy, or `always`: pulled even when present.
        assert_eq!(skip_reason("", true, false, false), None);
        assert_eq!(
            skip_reason("always", true, true, true),
            Some("Skipped - Image can be built")
        );
    }
}
