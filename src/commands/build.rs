//! `build`: builds the images of the services that have a `build:` section (the named ones,
//! with `--with-dependencies` their dependencies too) through the engine's classic builder,
//! independent services concurrently (`--parallel`), the engine's output streamed with the
//! service name. A failed build names the service and the step, and exits 1.

use std::collections::BTreeMap;

use tokio::sync::mpsc;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::cli::{BuildArgs, ProgressMode};
use crate::engine::Engine;
use crate::engine::build::{self, BuildError, BuildLine, BuildOptions};
use crate::graph::Graph;
use crate::loader::{LoadedProject, SkipStages};
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
        ..BuildOptions::default()
    }
}

/// Builds `services`, printing the engine's output on stdout (`[service] line`, unless
/// quiet) and `Service x  Building/Built` on stderr, as the reference's classic builds do.
pub async fn build_and_show(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    services: &[String],
    mut options: BuildOptions,
) -> Result<BTreeMap<String, String>, BuildError> {
    // The builder's output goes to stdout line by line: a redrawing display would fight it.
    let mut plain_context = CommandContext {
        global: context.global.clone(),
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: context.remote_source.clone(),
    };
    if matches!(
        plain_context.global.progress,
        ProgressMode::Auto | ProgressMode::Tty
    ) {
        plain_context.global.progress = ProgressMode::Plain;
    }
    if options.quiet {
        plain_context.global.progress = ProgressMode::Quiet;
    }
    let (line_sender, mut lines) = mpsc::unbounded_channel::<BuildLine>();
    let quiet = options.quiet;
    let printer_task = tokio::spawn(async move {
        while let Some(line) = lines.recv().await {
            if !quiet {
                printer::stdout(&format!("[{}] {}\n", line.service, line.text));
            }
        }
    });
    options.output = Some(line_sender);
    let progress = Progress::start(&plain_context, "Building").ok();
    let result = if let Some(progress) = &progress {
        build::build_services(
            engine,
            &loaded.project,
            services,
            &options,
            &progress.sender,
        )
        .await
    } else {
        let (sender, mut receiver) = mpsc::channel(64);
        let drain = tokio::spawn(async move { while receiver.recv().await.is_some() {} });
        let result =
            build::build_services(engine, &loaded.project, services, &options, &sender).await;
        drop(sender);
        let _ = drain.await;
        result
    };
    drop(options);
    let _ = printer_task.await;
    if let Some(progress) = progress {
        progress.finish().await;
    }
    result
}
