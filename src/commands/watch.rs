//! `watch`: brings the stack up (unless `--no-up`, as `up -d` with the watched services'
//! images always built), then follows the services' `develop.watch` rules until Ctrl-C
//! (exit 130): changed files are synced into the containers, services rebuilt and
//! recreated, restarted, or a command run in them, with a line for each (the reference's
//! `pkg/compose/watch.go`). [`watch_project`] is the watch loop itself, for `up --watch`.
//! What a batch of changes asks for is `watch::decide`'s; this file only carries it out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use futures_util::future::join_all;
use tokio::sync::{mpsc, watch as signal_channel};

use super::context::CommandContext;
use super::exit;
use super::interrupts::Interrupts;
use super::up::{self, BuildPolicy, ConvergeRequest};
use crate::cli::WatchArgs;
use crate::engine::Engine;
use crate::engine::build::{self as engine_build, BuildOptions, BuildOutput};
use crate::engine::copy::TypeChange;
use crate::engine::exec::ExecRequest;
use crate::engine::inspect::{ContainerQuery, ContainerSummary, OneOff};
use crate::graph::Graph;
use crate::loader::LoadedProject;
use crate::model::{Project, ServiceHook};
use crate::output::buildkit::PlainTrace;
use crate::output::printer;
use crate::plan::reconcile::selected_services;
use crate::plan::{DependencyPolicy, RecreatePolicy, UpOptions};
use crate::watch::archive;
use crate::watch::decide::deletion_targets;
use crate::watch::setup::{self, WatchSetup};
use crate::watch::watcher::{self, WatcherMessage};
use crate::watch::{Debouncer, WatchError, WatchNotice, WatchRule, decide};

/// How the watch loop behaves (`watch` flags; `up --watch` uses the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WatchOptions {
    /// `--prune`: remove the project's dangling images after a rebuild.
    pub prune: bool,
    /// `--quiet`: no builder output on rebuilds.
    pub quiet: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            prune: true,
            quiet: false,
        }
    }
}

pub fn run(context: &CommandContext, args: &WatchArgs) -> i32 {
    let mut loaded = match up::load(context, &args.services) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let graph = Graph::from_project(&loaded.project);
    let selected = match selected_services(
        &loaded.project,
        &graph,
        &args.services,
        DependencyPolicy::Include,
    ) {
        Ok(selected) => selected,
        Err(error) => {
            printer::stderr_line(&error.to_string());
            return exit::USER_ERROR;
        }
    };
    // Configuration problems first, before anything is started.
    let setup = match setup::prepare(&loaded.project, &loaded.working_dir, &selected) {
        Ok(setup) => setup,
        Err(error) => {
            printer::stderr_line(&error.to_string());
            return exit::USER_ERROR;
        }
    };
    let options = WatchOptions {
        prune: args.prune,
        quiet: args.quiet,
    };
    up::block_on(async {
        let engine = match up::connect(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        // From here on, so that a signal while the stack comes up is not lost.
        let interrupts = match Interrupts::listen_or_report() {
            Ok(interrupts) => interrupts,
            Err(code) => return code,
        };
        if !args.no_up {
            // As the reference: watched services with a `build` section are built at start.
            for service in loaded.project.services.values_mut() {
                if service.build.is_some() && service.develop.is_some() {
                    "build".clone_into(&mut service.pull_policy);
                }
            }
            let request = ConvergeRequest {
                options: UpOptions {
                    services: args.services.clone(),
                    recreate_dependencies: RecreatePolicy::Never,
                    ..UpOptions::default()
                },
                build: BuildPolicy::Missing,
                // As the reference: `--quiet` quiets the pulls and builds of `up` too.
                quiet_pull: args.quiet,
                quiet_build: args.quiet,
                ..ConvergeRequest::default()
            };
            let code = up::converge_loaded(context, &engine, &loaded, &selected, &request).await;
            if code != exit::OK {
                return code;
            }
        }
        // Under `--dry-run` watching goes on as the reference's does: every sync, rebuild,
        // restart and exec is announced and only pretended by the engine.
        let (notices, mut received) = mpsc::unbounded_channel::<WatchNotice>();
        let printing = tokio::spawn(async move {
            while let Some(notice) = received.recv().await {
                if notice.is_warning() {
                    printer::stderr_line(&notice.to_string());
                } else {
                    printer::stdout(&format!("{notice}\n"));
                }
            }
        });
        // Once: the batch in progress finishes, then watching stops. Twice: at once.
        let (stop, signals) = interrupts.cancel_on_first();
        let outcome =
            watch_project(context, &engine, &loaded, setup, options, &notices, stop).await;
        drop(notices);
        let _ = printing.await;
        signals.abort();
        match outcome {
            Ok(()) => exit::INTERRUPTED,
            Err(error) => {
                printer::stderr_line(&error.to_string());
                exit::USER_ERROR
            }
        }
    })
}

/// Watches until `stop` turns true (then `Ok`; a batch in progress is finished first, so a
/// recreation is never left half done), telling what happens on `notices`. The stack is
/// expected to be up. Errors are those that make watching impossible; a failed
/// action is a warning and watching goes on.
pub(crate) async fn watch_project(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    setup: WatchSetup,
    options: WatchOptions,
    notices: &mpsc::UnboundedSender<WatchNotice>,
    mut stop: signal_channel::Receiver<bool>,
) -> Result<(), WatchError> {
    let warn = |message: String| {
        let _ = notices.send(WatchNotice::Warning { message });
    };
    for warning in &setup.warnings {
        warn(warning.clone());
    }
    let project = &loaded.project;
    // Watching starts first, so nothing changed during the initial sync is missed.
    let (sender, mut changes) = mpsc::unbounded_channel();
    let _watcher = watcher::start(setup.tree(), sender)?;
    for rule in setup
        .rules
        .iter()
        .filter(|rule| rule.trigger.initial_sync && rule.syncs())
    {
        if let Err(message) = initial_sync(engine, project, rule).await {
            warn(message);
        }
    }
    let _ = notices.send(WatchNotice::Enabled);
    let mut debouncer = Debouncer::default();
    loop {
        let deadline = debouncer.deadline();
        let due = async move {
            match deadline {
                Some(moment) => tokio::time::sleep_until(moment.into()).await,
                None => std::future::pending::<()>().await,
            }
        };
        let batch_due = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return Ok(()),
            message = changes.recv() => match message {
                Some(message) => {
                    take(message, &mut debouncer, &warn);
                    false
                }
                None => return Err(WatchError::Failed("the file watcher stopped".to_owned())),
            },
            () = due => true,
        };
        if !batch_due {
            continue;
        }
        // Changes already queued belong to this batch.
        while let Ok(message) = changes.try_recv() {
            take(message, &mut debouncer, &warn);
        }
        let Some(batch) = debouncer.take_due(Instant::now()) else {
            continue;
        };
        let started = Instant::now();
        tracing::debug!(count = batch.len(), "watch batch start");
        let problems = handle_batch(
            context,
            engine,
            loaded,
            &setup.rules,
            &batch,
            options,
            notices,
        )
        .await;
        tracing::debug!(duration = ?started.elapsed(), "watch batch complete");
        for problem in problems {
            warn(format!("Error handling changed files: {problem}"));
        }
    }
}

fn take(message: WatcherMessage, debouncer: &mut Debouncer, warn: &impl Fn(String)) {
    match message {
        WatcherMessage::Changed(path) => debouncer.push(path, Instant::now()),
        WatcherMessage::Problem(problem) => warn(problem.to_string()),
    }
}

/// Syncs what changed below a sync rule's path since the service's image was made.
async fn initial_sync(engine: &Engine, project: &Project, rule: &WatchRule) -> Result<(), String> {
    let containers = service_containers(engine, &project.name, &rule.service, true).await?;
    let Some(first) = containers.first() else {
        return Err(format!(
            "service `{}` has no container yet: `initial_sync` of `{}` skipped",
            rule.service,
            rule.path.display()
        ));
    };
    let since = engine
        .container_image_created(&first.id)
        .await
        .map_err(|error| error.to_string())?
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let binds = project
        .services
        .get(&rule.service)
        .map(setup::bind_sources)
        .unwrap_or_default();
    let owned_rule = rule.clone();
    let files =
        tokio::task::spawn_blocking(move || setup::initial_sync_files(&owned_rule, since, &binds))
            .await
            .map_err(|error| error.to_string())?
            .map_err(|error| format!("cannot list `{}`: {error}", rule.path.display()))?;
    if files.is_empty() {
        return Ok(());
    }
    let problems = sync_service(engine, &project.name, &rule.service, files).await;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Carries out one batch: rebuild, sync, restart, exec (the reference's order). Returns
/// what went wrong.
async fn handle_batch(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    rules: &[WatchRule],
    batch: &[PathBuf],
    options: WatchOptions,
    notices: &mpsc::UnboundedSender<WatchNotice>,
) -> Vec<String> {
    let actions = decide(rules, batch);
    let project = &loaded.project;
    let mut problems = Vec::new();
    if !actions.rebuild.is_empty() {
        if let Err(problem) =
            rebuild(context, engine, loaded, &actions.rebuild, options, notices).await
        {
            // As the reference: nothing else of the batch is done.
            return vec![problem];
        }
    }
    for (service, mappings) in &actions.sync {
        let _ = notices.send(WatchNotice::Syncing {
            service: service.clone(),
            changes: mappings.len(),
        });
        problems.extend(sync_service(engine, &project.name, service, mappings.clone()).await);
    }
    if !actions.restart.is_empty() {
        match restart_services(engine, project, &actions.restart).await {
            Ok(()) => {
                let _ = notices.send(WatchNotice::Restarted {
                    services: actions.restart.iter().cloned().collect(),
                });
            }
            Err(problem) => problems.push(problem),
        }
    }
    for (service, positions) in &actions.exec {
        for position in positions {
            let Some(rule) = rules.get(*position) else {
                continue;
            };
            problems.extend(
                run_hook(engine, &project.name, service, &rule.trigger.exec, notices).await,
            );
        }
    }
    problems
}

async fn service_containers(
    engine: &Engine,
    project_name: &str,
    service: &str,
    stopped_too: bool,
) -> Result<Vec<ContainerSummary>, String> {
    let query = ContainerQuery::new(stopped_too, OneOff::Exclude).services(&[service.to_owned()]);
    engine
        .list_containers(project_name, &query)
        .await
        .map_err(|error| error.to_string())
}

/// Copies the mappings' files into every container of the service and deletes there what
/// is gone on the host. Returns the problems, one per container and step.
async fn sync_service(
    engine: &Engine,
    project_name: &str,
    service: &str,
    mappings: Vec<crate::watch::PathMapping>,
) -> Vec<String> {
    let payload = match tokio::task::spawn_blocking(move || archive::prepare(&mappings)).await {
        Ok(Ok(payload)) => payload,
        Ok(Err(error)) => return vec![error.to_string()],
        Err(error) => return vec![error.to_string()],
    };
    let containers = match service_containers(engine, project_name, service, true).await {
        Ok(containers) => containers,
        Err(problem) => return vec![problem],
    };
    if containers.is_empty() {
        return vec![format!(
            "service `{service}` has no container to sync into: start it with `dk-compose up -d {service}`"
        )];
    }
    let deletions = deletion_targets(&payload.deletions);
    let archive = payload.archive;
    let results = join_all(containers.iter().map(|container| {
        let deletions = &deletions;
        let archive = archive.clone();
        async move {
            let mut problems = Vec::new();
            let running = container.state == "running";
            if !running {
                let what = if deletions.is_empty() {
                    "files are copied into it and will be there when it starts".to_owned()
                } else {
                    format!(
                        "cannot delete {} in it (that needs it running)",
                        deletions
                            .iter()
                            .map(|path| format!("`{path}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                problems.push(format!(
                    "container `{}` of service `{service}` is {}, not running: {what}; start it with `dk-compose start {service}`",
                    container.name,
                    if container.state.is_empty() { "stopped" } else { container.state.as_str() }
                ));
            } else if !deletions.is_empty() {
                let mut command = vec!["rm".to_owned(), "-rf".to_owned()];
                command.extend(deletions.iter().cloned());
                let request = ExecRequest {
                    command,
                    ..ExecRequest::default()
                };
                match engine.exec_captured(&container.id, &request).await {
                    Ok(outcome) if outcome.exit_code == 0 => {}
                    Ok(outcome) => problems.push(format!(
                        "deleting paths in `{}` failed (exit code {}): {}",
                        container.name,
                        outcome.exit_code,
                        String::from_utf8_lossy(&outcome.output).trim()
                    )),
                    Err(error) => problems.push(format!(
                        "deleting paths in `{}`: {error}",
                        container.name
                    )),
                }
            }
            if let Some(archive) = archive {
                // As the reference: extracted at `/`, owned by the container's user.
                let uploaded = engine
                    .upload_archive(&container.id, "/", archive, true, TypeChange::Allow)
                    .await;
                if let Err(error) = uploaded {
                    problems.push(format!("copying files to `{}`: {error}", container.name));
                }
            }
            problems
        }
    }))
    .await;
    results.into_iter().flatten().collect()
}

/// Restarts the services' containers, and those of services that depend on them with
/// `restart: true`, in dependency order (as `restart` does).
async fn restart_services(
    engine: &Engine,
    project: &Project,
    services: &BTreeSet<String>,
) -> Result<(), String> {
    let query = ContainerQuery::new(true, OneOff::Exclude);
    let containers = engine
        .list_containers(&project.name, &query)
        .await
        .map_err(|error| error.to_string())?;
    let named: Vec<String> = services.iter().cloned().collect();
    restart_with_dependents(engine, project, &containers, &named, &BTreeSet::new()).await
}

/// Restarts `named` and their `restart: true` dependents, except `skip`.
async fn restart_with_dependents(
    engine: &Engine,
    project: &Project,
    containers: &[ContainerSummary],
    named: &[String],
    skip: &BTreeSet<String>,
) -> Result<(), String> {
    let mut dependencies = super::restart::restart_dependencies(Some(project), containers);
    let mut chosen = super::restart::selection(&dependencies, named, false);
    chosen.retain(|service| !skip.contains(service));
    dependencies.retain(|service, _| chosen.contains(service));
    for needs in dependencies.values_mut() {
        needs.retain(|need| chosen.contains(need));
    }
    let by_service: BTreeMap<String, Vec<String>> =
        containers
            .iter()
            .fold(BTreeMap::new(), |mut map, container| {
                map.entry(container.service.clone())
                    .or_insert_with(Vec::new)
                    .push(container.id.clone());
                map
            });
    super::target::run_in_order(
        &dependencies,
        super::target::Order::Dependencies,
        |service| {
            let engine = engine.clone();
            let ids = by_service.get(&service).cloned().unwrap_or_default();
            Box::pin(async move {
                for id in ids {
                    engine.restart_container(&id, None).await?;
                }
                Ok(())
            })
        },
    )
    .await
    .map_err(|error| error.to_string())
}

/// Rebuilds the services' images, then recreates their containers (only theirs) and
/// restarts the services that depend on them with `restart: true`.
async fn rebuild(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    services: &BTreeSet<String>,
    options: WatchOptions,
    notices: &mpsc::UnboundedSender<WatchNotice>,
) -> Result<(), String> {
    let names: Vec<String> = services.iter().cloned().collect();
    let _ = notices.send(WatchNotice::Rebuilding {
        services: names.clone(),
    });
    let (line_sender, mut lines) = mpsc::unbounded_channel::<BuildOutput>();
    let forward_notices = notices.clone();
    let quiet = options.quiet;
    let forwarding = tokio::spawn(async move {
        let mut trace = PlainTrace::new();
        while let Some(output) = lines.recv().await {
            if quiet {
                continue;
            }
            match output {
                BuildOutput::Line(line) => {
                    let _ = forward_notices.send(WatchNotice::BuildOutput {
                        service: line.service,
                        line: line.text,
                    });
                }
                BuildOutput::Status { service, status } => {
                    let text = trace.update(&service, &status);
                    for line in text.lines() {
                        let _ = forward_notices.send(WatchNotice::BuildProgress {
                            line: line.to_owned(),
                        });
                    }
                }
            }
        }
    });
    let build_options = BuildOptions {
        quiet,
        output: Some(line_sender),
        ..super::build::build_options(context, loaded)
    };
    let (progress, mut progress_events) = mpsc::channel(64);
    let draining = tokio::spawn(async move { while progress_events.recv().await.is_some() {} });
    let built =
        engine_build::build_services(engine, &loaded.project, &names, &build_options, &progress)
            .await;
    drop(build_options);
    drop(progress);
    let _ = forwarding.await;
    let _ = draining.await;
    let image_ids = match built {
        Ok(image_ids) => image_ids,
        Err(error) => {
            let _ = notices.send(WatchNotice::BuildFailed {
                message: error.to_string(),
            });
            return Err(error.to_string());
        }
    };
    let _ = notices.send(WatchNotice::Built {
        services: names.clone(),
    });
    let graph = Graph::from_project(&loaded.project);
    let selected = selected_services(&loaded.project, &graph, &names, DependencyPolicy::Include)
        .map_err(|error| error.to_string())?;
    let request = ConvergeRequest {
        options: UpOptions {
            services: names.clone(),
            recreate: RecreatePolicy::Force,
            recreate_dependencies: RecreatePolicy::Never,
            ..UpOptions::default()
        },
        build: BuildPolicy::Never,
        ..ConvergeRequest::default()
    };
    let code = up::converge_loaded(context, engine, loaded, &selected, &request).await;
    if code != exit::OK {
        return Err("Failed to recreate services after update".to_owned());
    }
    // Once the old containers are gone (the reference prunes before recreating, when the
    // image it means to remove is still in use).
    if options.prune {
        let keep: BTreeSet<String> = image_ids.values().cloned().collect();
        let _ = engine
            .prune_dangling_project_images(&loaded.project.name, &keep)
            .await;
    }
    let containers = engine
        .list_containers(
            &loaded.project.name,
            &ContainerQuery::new(true, OneOff::Exclude),
        )
        .await
        .map_err(|error| error.to_string())?;
    restart_with_dependents(engine, &loaded.project, &containers, &names, services).await
}

/// Runs a `sync+exec` command in every running container of the service.
async fn run_hook(
    engine: &Engine,
    project_name: &str,
    service: &str,
    hook: &ServiceHook,
    notices: &mpsc::UnboundedSender<WatchNotice>,
) -> Vec<String> {
    let containers = match service_containers(engine, project_name, service, false).await {
        Ok(containers) => containers,
        Err(problem) => return vec![problem],
    };
    let command = hook.command.clone().unwrap_or_default();
    let request = ExecRequest {
        command: command.clone(),
        environment: hook
            .environment
            .iter()
            .filter_map(|(key, value)| value.as_ref().map(|value| format!("{key}={value}")))
            .collect(),
        user: (!hook.user.is_empty()).then(|| hook.user.clone()),
        working_dir: (!hook.working_dir.is_empty()).then(|| hook.working_dir.clone()),
        privileged: hook.privileged,
        ..ExecRequest::default()
    };
    let results = join_all(containers.iter().map(|container| {
        let request = &request;
        async move {
            (
                container,
                engine.exec_captured(&container.id, request).await,
            )
        }
    }))
    .await;
    let mut problems = Vec::new();
    for (container, result) in results {
        match result {
            Ok(outcome) => {
                if !outcome.output.is_empty() {
                    let _ = notices.send(WatchNotice::ExecOutput {
                        text: String::from_utf8_lossy(&outcome.output)
                            .trim_end_matches('\n')
                            .to_owned(),
                    });
                }
                if outcome.exit_code != 0 {
                    problems.push(format!(
                        "`{}` in `{}` exited with code {}",
                        command.join(" "),
                        container.name,
                        outcome.exit_code
                    ));
                }
            }
            Err(error) => problems.push(format!("exec in `{}`: {error}", container.name)),
        }
    }
    problems
}
