//! `build`: builds the images of the services that have a `build:` section (the named ones,
//! with `--with-dependencies` their dependencies too) with BuildKit (the classic builder when
//! `DOCKER_BUILDKIT=0`), independent services concurrently (`--parallel`), the progress shown
//! as the reference shows it. A failed build shows the error and exits 1.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::{BuildArgs, ProgressMode};
use crate::engine::Engine;
use crate::engine::build::{self, BuildError, BuildOptions, BuildOutput, Builder};
use crate::graph::Graph;
use crate::loader::{LoadedProject, SkipStages};
use crate::output::buildkit::{self, PlainTrace};
use crate::output::events::{ProgressEvent, ResourceId, Status};
use crate::output::printer;

pub fn run(context: &CommandContext, args: &BuildArgs) -> i32 {
    let options = context.load_options(&args.service_names, SkipStages::default());
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    for service in &args.service_names {
        if !loaded.project.services.contains_key(service) {
            printer::stderr_line(&format!("no such service: {service}"));
            return exit::USER_ERROR;
        }
    }
    let services = selected_services(&loaded, &args.service_names, args.with_dependencies);
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let options = BuildOptions {
            build_args: args.build_args.clone(),
            no_cache: args.no_cache,
            pull: args.pull,
            quiet: args.quiet,
            ..build_options(context, &loaded)
        };
        match build_and_show(context, &engine, &loaded, &services, options).await {
            Ok(_) => exit::OK,
            Err(error) => {
                printer::stderr_line(&error.to_string());
                exit::USER_ERROR
            }
        }
    })
}

/// The services to build: the named ones (all when none), with their dependencies when
/// asked, keeping only those with a `build:` section.
pub fn selected_services(
    loaded: &LoadedProject,
    names: &[String],
    with_dependencies: bool,
) -> Vec<String> {
    let project = &loaded.project;
    let mut chosen: Vec<String> = if names.is_empty() {
        project.services.keys().cloned().collect()
    } else {
        names.to_vec()
    };
    if with_dependencies {
        let graph = Graph::from_project(project);
        chosen = graph
            .with_dependencies(chosen.iter().map(String::as_str))
            .into_iter()
            .collect();
    }
    chosen.retain(|name| {
        project
            .services
            .get(name)
            .is_some_and(|service| service.build.is_some())
    });
    chosen.sort();
    chosen.dedup();
    chosen
}

/// Build options from the global flags and the project (parallelism, environment).
pub fn build_options(context: &CommandContext, loaded: &LoadedProject) -> BuildOptions {
    BuildOptions {
        parallel: usize::try_from(context.global.parallel)
            .ok()
            .filter(|limit| *limit > 0),
        environment: loaded.environment.clone(),
        // An invalid value is reported by `build_and_show`.
        builder: Builder::from_env(context.os_env.get("DOCKER_BUILDKIT").map(String::as_str))
            .unwrap_or_default(),
        ..BuildOptions::default()
    }
}

/// Builds `services` and shows it as the reference does. With BuildKit: BuildKit's progress
/// on stdout (`#N …` lines when plain or not a terminal; on a terminal, one line per service
/// with its current step), the failed steps' last lines after a failure, then `<service>
/// Built` on stderr. With the classic builder: the engine's output on stdout and `Service x
/// Building/Built` on stderr. `-q` shows nothing but errors.
pub async fn build_and_show(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    services: &[String],
    mut options: BuildOptions,
) -> Result<BTreeMap<String, String>, BuildError> {
    options.builder = Builder::from_env(context.os_env.get("DOCKER_BUILDKIT").map(String::as_str))
        .map_err(|message| BuildError::Unsupported {
            service: String::new(),
            message,
        })?;
    let view = BuildView::choose(context, options.quiet, options.builder);
    let mut progress_context = CommandContext {
        global: context.global.clone(),
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: context.remote_source.clone(),
    };
    progress_context.global.progress = match view {
        // The builder's output goes to stdout line by line: a redrawing display would fight it.
        BuildView::Lines | BuildView::BuildkitPlain
            if matches!(
                progress_context.global.progress,
                ProgressMode::Auto | ProgressMode::Tty
            ) =>
        {
            ProgressMode::Plain
        }
        BuildView::Quiet => ProgressMode::Quiet,
        _ => progress_context.global.progress,
    };
    let progress = Progress::start(&progress_context, "Building").ok();
    let (fallback_sender, mut fallback_receiver) = mpsc::channel(64);
    let events = progress.as_ref().map_or_else(
        || fallback_sender.clone(),
        |progress| progress.sender.clone(),
    );
    let drain = tokio::spawn(async move { while fallback_receiver.recv().await.is_some() {} });
    drop(fallback_sender);
    let (output_sender, mut outputs) = mpsc::unbounded_channel::<BuildOutput>();
    let step_events = events.clone();
    let printer_task = tokio::spawn(async move {
        let mut trace = PlainTrace::new();
        let mut described = false;
        // BuildKit's printer shows what changed at most every 100ms.
        let mut ticks = tokio::time::interval(Duration::from_millis(100));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_shown: Option<String> = None;
        loop {
            let output = tokio::select! {
                output = outputs.recv() => output,
                _ = ticks.tick() => {
                    if trace.has_updates() {
                        show_trace(&mut trace, view, &mut described);
                    }
                    continue;
                }
            };
            let Some(output) = output else {
                show_trace(&mut trace, view, &mut described);
                break;
            };
            match output {
                BuildOutput::Line(line) => {
                    if view != BuildView::Quiet {
                        printer::stdout(&format!("[{}] {}\n", line.service, line.text));
                    }
                }
                BuildOutput::Status { service, status } => {
                    trace.apply(&service, &status);
                    if view == BuildView::BuildkitLive {
                        if let Some(step) = trace.current_step(&service) {
                            if last_shown.as_deref() != Some(step.as_str()) {
                                let event = ProgressEvent::new(
                                    ResourceId::bare(&service),
                                    Status::Building,
                                    Instant::now(),
                                )
                                .with_detail(step.clone());
                                let _ = step_events.send(event.into()).await;
                                last_shown = Some(step);
                            }
                        }
                    }
                }
            }
        }
        trace
    });
    options.output = Some(output_sender);
    let result = build::build_services(engine, &loaded.project, services, &options, &events).await;
    drop(options);
    let trace = printer_task.await.ok();
    if let (Err(BuildError::Solve { service, .. }), BuildView::BuildkitLive) = (&result, view) {
        let event = ProgressEvent::failed(ResourceId::bare(service), "Error", Instant::now());
        let _ = events.send(event.into()).await;
    }
    drop(events);
    if let Some(progress) = progress {
        progress.finish().await;
    }
    let _ = drain.await;
    if matches!(view, BuildView::BuildkitPlain | BuildView::BuildkitLive) {
        if let Some(trace) = trace {
            printer::stdout(&trace.error_summary());
        }
    }
    result
}

/// Prints what changed in `trace` when the view shows BuildKit's lines.
/// buildx's description line comes before the first vertex.
fn show_trace(trace: &mut PlainTrace, view: BuildView, described: &mut bool) {
    let text = trace.print();
    if view == BuildView::BuildkitPlain && !text.is_empty() {
        if !*described {
            printer::stdout(buildkit::DESCRIPTION);
            *described = true;
        }
        printer::stdout(&text);
    }
}

/// How a build is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BuildView {
    /// The classic builder's lines.
    Lines,
    /// BuildKit's `#N …` lines.
    BuildkitPlain,
    /// One live line per service with its current step.
    BuildkitLive,
    /// Nothing but errors.
    Quiet,
}

impl BuildView {
    fn choose(context: &CommandContext, quiet: bool, builder: Builder) -> Self {
        if quiet || context.global.progress == ProgressMode::Quiet {
            return Self::Quiet;
        }
        if builder == Builder::Classic {
            return Self::Lines;
        }
        match context.global.progress {
            ProgressMode::Tty => Self::BuildkitLive,
            ProgressMode::Plain | ProgressMode::Json => Self::BuildkitPlain,
            ProgressMode::Auto | ProgressMode::Quiet => {
                match context.os_env.get("BUILDKIT_PROGRESS").map(String::as_str) {
                    Some("plain" | "rawjson") => Self::BuildkitPlain,
                    Some("quiet") => Self::Quiet,
                    Some("tty") => Self::BuildkitLive,
                    _ if printer::stdout_is_terminal() => Self::BuildkitLive,
                    _ => Self::BuildkitPlain,
                }
            }
        }
    }
}
