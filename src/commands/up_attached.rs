//! Attached `up` (no `-d`): converge in two parts as the reference does (create, then start),
//! attaching to the shown services' containers in between so that no first line is lost,
//! then follow them until no monitored container is left. Here live the attach sets
//! (`--attach`, `--no-attach`, `attach: false`, `--attach-dependencies`), the exit rules
//! (`--abort-on-container-exit`, `--abort-on-container-failure`, `--exit-code-from`) and
//! Ctrl-C (first: graceful stop in reverse dependency order; second: kill). The feed is
//! `engine::logs::attach_project`, the printing `output::logmux`, the stop `commands::stop`,
//! and `--watch` the watch loop of `commands::watch`, its lines in the feed.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinHandle};

use super::context::CommandContext;
use super::exit;
use super::interrupts::Interrupts;
use super::target::{self, Progress, Target};
use super::up::{self, ConvergeRequest, Failure, Prepared, Session};
use super::up_menu::{
    Menu, MenuAction, MenuRequest, Toggled, WatchEnd, WatchPlan, WatchSwitch, next_action,
};
use crate::cli::UpArgs;
use crate::engine::execute::{self, ExecuteError, ExecutionContext, ExecutionReport};
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::engine::logs::{
    AttachRequest, AttachedProject, CHANNEL_CAPACITY, ContainerExit, LogOptions, attach_project,
};
use crate::engine::{Engine, EngineError};
use crate::graph::Graph;
use crate::loader::LoadedProject;
use crate::model::Project;
use crate::output::events::{ProgressMessage, ResourceKind, Status};
use crate::output::logmux::{
    LogEvent, LogMux, LogSettings, LogStream, WATCH_LOGGER, run_log_writer_with_menu,
};
use crate::output::palette::log_colour;
use crate::output::printer;
use crate::plan::Plan;
use crate::plan::reconcile::{is_one_shot, selected_services};
use crate::watch::setup;
use crate::watch::{WatchError, WatchNotice};

/// The reference's `up --watch` message when no selected service has `develop.watch` rules
/// (`watch` itself words it differently).
const NOTHING_TO_WATCH: &str = "none of the selected services is configured for watch, see https://docs.docker.com/compose/how-tos/file-watch/";

/// How long a graceful stop may take before we name the containers holding it up.
const STOP_HINT_AFTER: Duration = Duration::from_secs(3);

/// How often the hint is repeated while they still hold it up.
const STOP_HINT_EVERY: Duration = Duration::from_secs(10);

/// Runs the attached `up`.
pub(crate) fn run(context: &CommandContext, args: &UpArgs, request: &ConvergeRequest) -> i32 {
    let (loaded, selected) = match up::load_selection(context, &args.services, request) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let project = &loaded.project;
    if let Some(service) = &args.exit_code_from {
        if !project.services.contains_key(service) {
            printer::stderr_line(&format!("no such service: {service}: not found"));
            return exit::USER_ERROR;
        }
    }
    let sets = match AttachSets::new(project, &selected, args) {
        Ok(sets) => sets,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    // `--watch`: configuration problems first, before anything is created (the reference
    // creates the containers, then fails).
    let watch_setup = if args.watch {
        match setup::prepare(project, &loaded.working_dir, &selected) {
            Ok(setup) => Some(setup),
            Err(WatchError::NothingToWatch) => {
                printer::stderr_line(NOTHING_TO_WATCH);
                return exit::USER_ERROR;
            }
            Err(error) => {
                printer::stderr_line(&error.to_string());
                return exit::USER_ERROR;
            }
        }
    } else {
        None
    };
    let mut rules = ExitRules::new(
        cascade(args),
        args.exit_code_from.clone(),
        sets.monitored.iter().cloned().collect(),
        project
            .services
            .keys()
            .filter(|name| is_one_shot(project, name))
            .cloned()
            .collect(),
    );
    rules.awaited = awaited_one_shots(project, &selected);
    let menu = MenuRequest::new(context, args, &loaded);
    let watch = WatchPlan::new(
        watch_setup,
        menu.is_some(),
        project,
        &loaded.working_dir,
        &selected,
    );
    let menu = menu.map(|menu| menu.with_watch(&watch));
    let settings = LogSettings {
        colour: log_colour(
            context.global.ansi,
            context.global.no_ansi,
            args.no_color,
            context.os_env.get("NO_COLOR").map(String::as_str),
            std::io::stdout().is_terminal(),
        ),
        prefix: !args.no_log_prefix,
        timestamps: args.timestamps,
        split_stderr: true,
    };
    up::block_on(async {
        let engine = match up::connect(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let preparation = up::ImagePreparation {
            pull: request.pull,
            build: request.build,
            quiet_pull: request.quiet_pull,
            quiet_build: request.quiet_build,
        };
        // Listened to from here to the end: a signal during the create phase is seen by
        // the session (which stops creating) and, when the create phase ended anyway, by
        // the attached phase (which stops what started).
        let mut interrupts = match Interrupts::listen_or_report() {
            Ok(interrupts) => interrupts,
            Err(code) => return code,
        };
        let preparing = up::prepare_images(context, &engine, &loaded, &selected, preparation);
        let pulls = match interrupts.unless_interrupted(preparing).await {
            Ok(Ok(pulls)) => pulls,
            Ok(Err(code)) | Err(code) => return code,
        };
        // Questions (a volume to recreate) are asked before the display starts.
        let preparing = up::prepare(&engine, context, &loaded, &selected, request, &pulls);
        let Prepared { plan, execution } = match interrupts.unless_interrupted(preparing).await {
            Ok(Ok(prepared)) => prepared,
            Ok(Err(failure)) => return failure.report(),
            Err(code) => return code,
        };
        let session = match Session::start(context, "Running") {
            Ok(session) => session,
            Err(message) => {
                printer::stderr_line(&message);
                return exit::USER_ERROR;
            }
        };
        if context.global.dry_run {
            session.finish().await;
            printer::stdout(&plan.to_string());
            printer::stdout(
                "end of 'compose up' output, interactive run is not supported in dry-run mode\n",
            );
            return exit::OK;
        }
        // As the reference: everything is created first (with the progress display), then
        // attached to, then started.
        let (create_plan, start_plan) = plan.split_start();
        let created = execute::execute(
            &engine,
            &create_plan,
            Arc::clone(&execution),
            session.progress.clone(),
            session.cancel.clone(),
        )
        .await;
        session.finish().await;
        match created {
            Ok(report) => up::print_warnings(&report.warnings),
            Err(error) => return Failure::from(error).report(),
        }
        let attached = Attached {
            context,
            engine,
            loaded: &loaded,
            execution,
            request: AttachRequest {
                services: sets.shown.clone(),
                monitored: Some(sets.monitored.clone()),
                skip_containers: start_plan
                    .kept_stopped()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            },
            rules,
            settings,
            stop_services: args.services.clone(),
            stop_timeout: args.timeout.map(i64::from),
            menu,
        };
        attached.run(start_plan, watch, interrupts).await
    })
}

/// `--abort-on-container-exit` / `--abort-on-container-failure` (the reference's cascade).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cascade {
    /// Containers exit on their own; `up` ends when the monitored ones are gone.
    Ignore,
    /// The first exit stops everything.
    Exit,
    /// The first non-zero exit stops everything.
    Failure,
}

/// `--exit-code-from` implies `--abort-on-container-exit` unless the failure flag is set.
fn cascade(args: &UpArgs) -> Cascade {
    if args.abort_on_container_failure {
        Cascade::Failure
    } else if args.abort_on_container_exit || args.exit_code_from.is_some() {
        Cascade::Exit
    } else {
        Cascade::Ignore
    }
}

/// Which services are shown and which are monitored (their exits decide the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttachSets {
    pub shown: Vec<String>,
    pub monitored: Vec<String>,
}

impl AttachSets {
    /// As the reference's `runUp`: `--attach` as given (each must be part of the `up`);
    /// otherwise the named services (all when none are named), with their dependencies for
    /// `--attach-dependencies`, without those with `attach: false`; minus `--no-attach`.
    /// Monitored: the named services, else the shown ones (all when none), plus the
    /// `--exit-code-from` service (the reference misses its exit when it is not attached).
    /// Unlike the reference, an empty set attaches to nothing (the reference then attaches
    /// to every container).
    pub fn new(
        project: &Project,
        selected: &BTreeSet<String>,
        args: &UpArgs,
    ) -> Result<Self, String> {
        if !args.attach.is_empty() && args.attach_dependencies {
            return Err("cannot combine --attach and --attach-dependencies".to_owned());
        }
        let mut shown: BTreeSet<String> = if args.attach.is_empty() {
            let base: BTreeSet<String> = if args.services.is_empty() {
                selected.clone()
            } else if args.attach_dependencies {
                let graph = Graph::from_project(project);
                selected_services(
                    project,
                    &graph,
                    &args.services,
                    crate::plan::DependencyPolicy::Include,
                )
                .map_err(|error| error.to_string())?
                .intersection(selected)
                .cloned()
                .collect()
            } else {
                args.services.iter().cloned().collect()
            };
            base.into_iter()
                .filter(|name| {
                    project
                        .services
                        .get(name)
                        .is_none_or(|service| service.attach.is_none_or(|attach| attach))
                })
                .collect()
        } else {
            let unknown: BTreeSet<&str> = args
                .attach
                .iter()
                .filter(|name| !selected.contains(*name))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(format!(
                    "cannot attach to services not included in up: {}",
                    unknown.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            args.attach.iter().cloned().collect()
        };
        for name in &args.no_attach {
            shown.remove(name);
        }
        let mut monitored: BTreeSet<String> = if !args.services.is_empty() {
            args.services.iter().cloned().collect()
        } else if shown.is_empty() {
            selected.clone()
        } else {
            shown.clone()
        };
        if let Some(service) = &args.exit_code_from {
            monitored.insert(service.clone());
        }
        Ok(Self {
            shown: shown.into_iter().collect(),
            monitored: monitored.into_iter().collect(),
        })
    }
}

/// The services a selected service waits for with `service_completed_successfully`
/// (`required`): their failure is the start's failure.
fn awaited_one_shots(project: &Project, selected: &BTreeSet<String>) -> BTreeSet<String> {
    selected
        .iter()
        .filter_map(|name| project.services.get(name))
        .flat_map(|service| service.depends_on.iter())
        .filter(|(_, dependency)| {
            dependency.required
                && dependency.condition == crate::model::DependencyCondition::CompletedSuccessfully
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The exit rules: when to abort and which exit code `up` ends with.
#[derive(Debug, Clone)]
pub(crate) struct ExitRules {
    cascade: Cascade,
    exit_code_from: Option<String>,
    monitored: BTreeSet<String>,
    /// Services awaited as `service_completed_successfully`: their exit 0 is their job done
    /// and does not abort (reference bug docker/compose#5894).
    one_shot: BTreeSet<String>,
    /// The exit code of the container whose exit aborted.
    aborted_with: Option<i64>,
    /// The first exit code of the `--exit-code-from` service.
    exit_code_from_code: Option<i64>,
    /// One-shots some selected service requires to complete successfully.
    awaited: BTreeSet<String>,
}

impl ExitRules {
    pub fn new(
        cascade: Cascade,
        exit_code_from: Option<String>,
        monitored: BTreeSet<String>,
        one_shot: BTreeSet<String>,
    ) -> Self {
        Self {
            cascade,
            exit_code_from,
            monitored,
            one_shot,
            aborted_with: None,
            exit_code_from_code: None,
            awaited: BTreeSet::new(),
        }
    }

    /// The start's failure an exit means, in the reference's words, when a service waits
    /// for it to complete successfully (the abort cancels that wait before it reports it).
    pub fn dependency_failure(&self, exit: &ContainerExit) -> Option<String> {
        (exit.exit_code != 0 && !exit.restarting && self.awaited.contains(&exit.service)).then(
            || {
                format!(
                    "service \"{}\" didn't complete successfully: exit {}",
                    exit.service, exit.exit_code
                )
            },
        )
    }

    /// Whether a failure to start should also stop everything (an abort flag is set).
    pub fn aborts(&self) -> bool {
        self.cascade != Cascade::Ignore
    }

    /// Records an exit; true when it is the one that aborts (only once).
    pub fn on_exit(&mut self, exit: &ContainerExit) -> bool {
        if self.exit_code_from.as_deref() == Some(exit.service.as_str())
            && self.exit_code_from_code.is_none()
        {
            self.exit_code_from_code = Some(exit.exit_code);
        }
        if self.aborted_with.is_some()
            || self.cascade == Cascade::Ignore
            || !self.monitored.contains(&exit.service)
        {
            return false;
        }
        if exit.exit_code == 0
            && (self.cascade == Cascade::Failure || self.one_shot.contains(&exit.service))
        {
            return false;
        }
        self.aborted_with = Some(exit.exit_code);
        true
    }

    /// The exit code of `up` when it was neither interrupted nor failed to start: the
    /// `--exit-code-from` service's, else the aborting container's, else 0.
    pub fn exit_code(&self) -> i32 {
        self.exit_code_from_code
            .or(self.aborted_with)
            .map_or(exit::OK, |code| {
                i32::try_from(code.rem_euclid(256)).unwrap_or(exit::USER_ERROR)
            })
    }
}

/// Awaits the task when there is one (never returns otherwise).
async fn joined<T>(task: &mut Option<JoinHandle<T>>) -> Result<T, JoinError> {
    match task.as_mut() {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

/// The start phase and what follows it.
struct Attached<'a> {
    context: &'a CommandContext,
    engine: Engine,
    loaded: &'a LoadedProject,
    execution: Arc<ExecutionContext>,
    request: AttachRequest,
    rules: ExitRules,
    settings: LogSettings,
    /// What a stop or kill applies to: the named services, all when none (the reference's
    /// `Create.Services`).
    stop_services: Vec<String>,
    stop_timeout: Option<i64>,
    /// The navigation menu, when it is on.
    menu: Option<MenuRequest>,
}

/// Where the stop of everything stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopping {
    No,
    /// Asked (Ctrl-C or abort); begins once the start phase is over.
    Requested,
    Running,
    Done,
}

impl Attached<'_> {
    async fn run(self, start_plan: Plan, watch: WatchPlan, mut interrupts: Interrupts) -> i32 {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let notices = sender.clone();
        let mut mux = LogMux::new(self.settings);
        if watch.on_start {
            // As the reference, whose watcher speaks first: `#watch` counts in the width.
            mux.register(WATCH_LOGGER);
        }
        let mut menu = match &self.menu {
            Some(request) => Menu::start(request, &self.engine).await,
            None => None,
        };
        let screen = menu.as_ref().map(Menu::screen);
        let (silenced_sender, silenced) = watch::channel(false);
        let writer = tokio::task::spawn_blocking(move || {
            run_log_writer_with_menu(
                receiver,
                mux,
                |_| {},
                screen.as_deref(),
                Some(&silenced_sender),
            )
        });
        let options = LogOptions {
            timestamps: false,
            ..LogOptions::default()
        };
        let project_name = self.loaded.project.name.clone();
        let attached =
            attach_project(&self.engine, &project_name, &self.request, options, sender).await;
        let attached = match attached {
            Ok(attached) => attached,
            Err(error) => {
                drop(notices);
                let _ = writer.await;
                return target::report(&error);
            }
        };
        let outcome = self
            .follow(
                start_plan,
                attached,
                Printing {
                    notices: &notices,
                    silenced,
                },
                &mut interrupts,
                watch,
                &mut menu,
            )
            .await;
        drop(menu);
        drop(notices);
        // A closed stdout (`| head`) is not an error.
        let _ = writer.await;
        for line in &outcome.errors {
            printer::stderr_line(line);
        }
        if outcome.interrupted {
            exit::INTERRUPTED
        } else if let Some(message) = outcome.start_failure {
            printer::stderr_line(&message);
            exit::USER_ERROR
        } else if outcome.exit_code == exit::OK && !outcome.errors.is_empty() {
            exit::USER_ERROR
        } else {
            // A container's non-zero exit code passed on (`--exit-code-from`, the abort
            // flags) is the reference's `StatusError` without a message: an empty line.
            if outcome.exit_code != exit::OK {
                printer::stderr_line("");
            }
            outcome.exit_code
        }
    }

    /// Starts the containers and follows the feed until it ends, reacting to exits and
    /// signals.
    async fn follow(
        &self,
        start_plan: Plan,
        attached: AttachedProject,
        printing: Printing<'_>,
        interrupts: &mut Interrupts,
        watch: WatchPlan,
        menu: &mut Option<Menu>,
    ) -> Outcome {
        let Printing {
            notices,
            mut silenced,
        } = printing;
        let AttachedProject {
            mut exits,
            mut feed,
            ..
        } = attached;
        let mut rules = self.rules.clone();
        let mut outcome = Outcome::default();
        let (cancel_sender, cancel) = watch::channel(false);
        let mut start_task = Some(self.spawn_start(start_plan, cancel));
        let mut stop_task: Option<JoinHandle<Result<(), EngineError>>> = None;
        let mut kill_task: Option<JoinHandle<Vec<EngineError>>> = None;
        let (pending_sender, pending) = watch::channel(BTreeSet::<String>::new());
        let mut pending_sender = Some(pending_sender);
        let mut stopping = Stopping::No;
        let mut signals = 0_u32;
        let mut feed_over = false;
        let mut next_hint = tokio::time::Instant::now();
        // `--watch` (or `w`): watching begins once everything started and ends when `up`
        // stops; the menu (if any) goes when `up` stops, the feed ends or `d` detaches.
        let (watch_sender, mut watch_notices) = mpsc::unbounded_channel::<WatchNotice>();
        let mut watching = WatchSwitch::new(
            self.context,
            &self.engine,
            self.loaded,
            &watch_sender,
            watch,
        );
        let mut detached = false;
        loop {
            if outcome.interrupted || feed_over || stopping != Stopping::No {
                watching.stop_for_good();
                *menu = None;
            }
            if stopping == Stopping::Requested && start_task.is_none() {
                stopping = Stopping::Running;
                if Progress::redraws(self.context) {
                    // As the reference: no more logs once the stop's display is on the
                    // terminal (lines printed under it would be drawn over).
                    let _ = notices.send(LogEvent::Silence).await;
                    let _ = silenced.wait_for(|silent| *silent).await;
                }
                if let Some(pending_sender) = pending_sender.take() {
                    stop_task = Some(self.spawn_stop(pending_sender));
                }
                next_hint = tokio::time::Instant::now() + STOP_HINT_AFTER;
            }
            if feed_over
                && start_task.is_none()
                && stop_task.is_none()
                && kill_task.is_none()
                && !watching.is_running()
                && stopping != Stopping::Requested
            {
                break;
            }
            tokio::select! {
                () = interrupts.next() => {
                    signals += 1;
                    match signals {
                        1 => {
                            outcome.interrupted = true;
                            notice(notices, "Gracefully Stopping... press Ctrl+C again to force", LogStream::Stdout, false).await;
                            if stopping == Stopping::No {
                                stopping = Stopping::Requested;
                                let _ = cancel_sender.send(true);
                            }
                        }
                        2 => {
                            let _ = cancel_sender.send(true);
                            kill_task = Some(self.spawn_kill());
                        }
                        _ => std::process::exit(exit::INTERRUPTED),
                    }
                }
                Some(exit) = exits.recv() => {
                    if start_task.is_some() && outcome.start_failure.is_none() && !outcome.interrupted && rules.aborts() {
                        outcome.start_failure = rules.dependency_failure(&exit);
                    }
                    if rules.on_exit(&exit) && !outcome.interrupted {
                        notice(notices, "Aborting on container exit...", LogStream::Stderr, true).await;
                        if stopping == Stopping::No {
                            stopping = Stopping::Requested;
                        }
                        let _ = cancel_sender.send(true);
                    }
                }
                result = joined(&mut start_task), if start_task.is_some() => {
                    start_task = None;
                    feed.no_more_starts();
                    match flatten(result) {
                        Ok(report) => {
                            for warning in report.warnings {
                                notice(notices, &format!("WARN[0000] {warning}"), LogStream::Stderr, false).await;
                            }
                            watching.start_phase_over();
                        }
                        Err(ExecuteError::Interrupted) => {}
                        Err(ExecuteError::Failed(message)) => {
                            if !outcome.interrupted {
                                outcome.start_failure.get_or_insert(message);
                                if rules.aborts() {
                                    if stopping == Stopping::No {
                                        stopping = Stopping::Requested;
                                    }
                                } else {
                                    // As the reference: the other containers are left as they are.
                                    feed.stop_following();
                                }
                            }
                        }
                    }
                }
                result = joined(&mut stop_task), if stop_task.is_some() => {
                    stop_task = None;
                    stopping = Stopping::Done;
                    match result {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => outcome.errors.push(error.to_string()),
                        Err(error) => outcome.errors.push(error.to_string()),
                    }
                }
                result = joined(&mut kill_task), if kill_task.is_some() => {
                    kill_task = None;
                    // Containers already gone or stopped are what a kill wants.
                    if let Ok(errors) = result {
                        outcome.errors.extend(
                            errors
                                .iter()
                                .filter(|error| !error.is_not_found() && !error.is_conflict())
                                .map(ToString::to_string),
                        );
                    }
                }
                result = feed.ended(), if !feed_over => {
                    feed_over = true;
                    if let Err(error) = result {
                        outcome.errors.push(error.to_string());
                    }
                    // Exits are reported before the feed ends: decide on the last ones.
                    while let Ok(exit) = exits.try_recv() {
                        if rules.on_exit(&exit) && !outcome.interrupted {
                            notice(notices, "Aborting on container exit...", LogStream::Stderr, true).await;
                            if stopping == Stopping::No {
                                stopping = Stopping::Requested;
                            }
                        }
                    }
                    // Nothing monitored is left: starting more would run unwatched (after
                    // `d`, the start goes on, as the reference's).
                    if !detached {
                        let _ = cancel_sender.send(true);
                    }
                }
                Some(line) = watch_notices.recv() => watch_notice(notices, line).await,
                end = watching.ended(), if watching.is_running() => match end {
                    WatchEnd::Stopped => {}
                    WatchEnd::Disabled => watch_line(notices, "Watch disabled", LogStream::Stdout).await,
                    WatchEnd::Failed { error, required: true } => {
                        // `--watch` is part of this `up`: it cannot go on without it.
                        outcome.errors.push(error.to_string());
                        if stopping == Stopping::No {
                            stopping = Stopping::Requested;
                        }
                        let _ = cancel_sender.send(true);
                    }
                    WatchEnd::Failed { error, required: false } => {
                        watch_line(notices, &error.to_string(), LogStream::Stderr).await;
                        if let Some(menu) = menu.as_ref() {
                            menu.set_watching(false);
                        }
                    }
                },
                action = next_action(menu) => match action {
                    MenuAction::Detach => {
                        detached = true;
                        feed.stop_following();
                    }
                    MenuAction::ToggleWatch => {
                        let toggled = watching.toggle();
                        if let Toggled::Failed(message) = &toggled {
                            watch_line(notices, message, LogStream::Stderr).await;
                        }
                        if let Some(menu) = menu.as_ref() {
                            menu.set_watching(toggled == Toggled::On);
                        }
                    }
                },
                () = tokio::time::sleep_until(next_hint), if stopping == Stopping::Running && kill_task.is_none() => {
                    next_hint = tokio::time::Instant::now() + STOP_HINT_EVERY;
                    let holding: Vec<String> = pending.borrow().iter().cloned().collect();
                    if !holding.is_empty() {
                        let text = holding_up(&self.loaded.project, &holding, self.stop_timeout);
                        notice(notices, &text, LogStream::Stderr, false).await;
                    }
                }
            }
        }
        while let Ok(line) = watch_notices.try_recv() {
            watch_notice(notices, line).await;
        }
        outcome.exit_code = rules.exit_code();
        outcome
    }

    /// The start phase in the background, its progress discarded (the reference shows
    /// none once attached).
    fn spawn_start(
        &self,
        plan: Plan,
        cancel: watch::Receiver<bool>,
    ) -> JoinHandle<Result<ExecutionReport, ExecuteError>> {
        let engine = self.engine.clone();
        let execution = Arc::clone(&self.execution);
        tokio::spawn(async move {
            let (progress, mut discarded) = mpsc::channel::<ProgressMessage>(64);
            let drain = async move { while discarded.recv().await.is_some() {} };
            let (result, ()) = tokio::join!(
                async move { execute::execute(&engine, &plan, execution, progress, cancel).await },
                drain
            );
            result
        })
    }

    /// The graceful stop of the services, in reverse dependency order, each container with
    /// its own `stop_signal` and `stop_grace_period` (or `-t`), shown on the progress
    /// display; the containers still stopping are published on `pending`.
    fn spawn_stop(
        &self,
        pending: watch::Sender<BTreeSet<String>>,
    ) -> JoinHandle<Result<(), EngineError>> {
        let engine = self.engine.clone();
        let target = Target {
            project: Some(self.loaded.clone()),
            name: self.loaded.project.name.clone(),
        };
        let services = self.stop_services.clone();
        let timeout = self.stop_timeout;
        let progress = Progress::start(self.context, "Stopping").ok();
        tokio::spawn(async move {
            let (tap, mut tapped) = mpsc::channel::<ProgressMessage>(256);
            let display = progress.as_ref().map(|progress| progress.sender.clone());
            let forward = async move {
                while let Some(message) = tapped.recv().await {
                    if let ProgressMessage::Event(event) = &message {
                        if event.resource.kind == ResourceKind::Container {
                            let name = event.resource.name.clone();
                            match event.status {
                                Status::Stopping => {
                                    pending.send_modify(|set| {
                                        set.insert(name);
                                    });
                                }
                                _ => {
                                    pending.send_modify(|set| {
                                        set.remove(&name);
                                    });
                                }
                            }
                        }
                    }
                    if let Some(display) = &display {
                        let _ = display.send(message).await;
                    }
                }
            };
            let stopping = async move {
                let result = super::stop::stop(&engine, &target, &services, timeout, &tap).await;
                drop(tap);
                result
            };
            let (result, ()) = tokio::join!(stopping, forward);
            if let Some(progress) = progress {
                progress.finish().await;
            }
            result
        })
    }

    /// Second Ctrl-C: SIGKILL to every running container of the services, at once.
    fn spawn_kill(&self) -> JoinHandle<Vec<EngineError>> {
        let engine = self.engine.clone();
        let project_name = self.loaded.project.name.clone();
        let services = self.stop_services.clone();
        tokio::spawn(async move {
            let query = ContainerQuery::new(false, OneOff::Exclude).services(&services);
            let containers = match engine.list_containers(&project_name, &query).await {
                Ok(containers) => containers,
                Err(error) => return vec![error],
            };
            join_all(
                containers
                    .iter()
                    .map(|container| engine.kill_container(&container.id, "SIGKILL")),
            )
            .await
            .into_iter()
            .filter_map(Result::err)
            .collect()
        })
    }
}

/// The feed's printing side, as the attached part speaks to it.
struct Printing<'a> {
    /// The command's own lines, in order with the feed.
    notices: &'a mpsc::Sender<LogEvent>,
    /// Turns true once the writer has printed all that came before a [`LogEvent::Silence`].
    silenced: watch::Receiver<bool>,
}

/// How the attached part ended.
#[derive(Debug, Default)]
struct Outcome {
    /// Ctrl-C or SIGTERM: exit 130.
    interrupted: bool,
    /// The start phase failed (a dependency did not become healthy or failed): exit 1.
    start_failure: Option<String>,
    /// Engine errors met on the way, printed at the end.
    errors: Vec<String>,
    /// What the exit rules make of the exits seen.
    exit_code: i32,
}

fn flatten(
    result: Result<Result<ExecutionReport, ExecuteError>, JoinError>,
) -> Result<ExecutionReport, ExecuteError> {
    result.unwrap_or_else(|error| Err(ExecuteError::Failed(error.to_string())))
}

/// A line of the watcher into the feed: under the `#watch` prefix as the reference's
/// `LogTo`, except warnings, which go to stderr as they are (the reference's logrus lines).
async fn watch_notice(notices: &mpsc::Sender<LogEvent>, line: WatchNotice) {
    let event = match &line {
        WatchNotice::Warning { .. } => LogEvent::Notice {
            text: line.to_string(),
            stream: LogStream::Stderr,
            alarm: false,
        },
        _ => LogEvent::Watch {
            text: line.to_string(),
            stream: if line.is_warning() {
                LogStream::Stderr
            } else {
                LogStream::Stdout
            },
        },
    };
    let _ = notices.send(event).await;
}

/// A line of the command's own under `#watch` (the reference's `Watch disabled`, or why
/// `w` could not turn watching on).
async fn watch_line(notices: &mpsc::Sender<LogEvent>, text: &str, stream: LogStream) {
    let _ = notices
        .send(LogEvent::Watch {
            text: text.to_owned(),
            stream,
        })
        .await;
}

async fn notice(notices: &mpsc::Sender<LogEvent>, text: &str, stream: LogStream, alarm: bool) {
    let _ = notices
        .send(LogEvent::Notice {
            text: text.to_owned(),
            stream,
            alarm,
        })
        .await;
}

/// Names the containers that have not stopped yet (they ignore their stop signal, or take
/// long to act on it), with the signal they got and when the engine kills them.
fn holding_up(project: &Project, containers: &[String], timeout: Option<i64>) -> String {
    let described: Vec<String> = containers
        .iter()
        .map(|container| {
            let service = project.services.iter().find(|(name, service)| {
                service.container_name == *container
                    || container
                        .strip_prefix(&format!("{}-{name}-", project.name))
                        .is_some_and(|number| number.bytes().all(|byte| byte.is_ascii_digit()))
            });
            let Some((_, service)) = service else {
                return container.clone();
            };
            let signal = if service.stop_signal.is_empty() {
                "SIGTERM"
            } else {
                service.stop_signal.as_str()
            };
            let grace = timeout.map_or_else(
                || {
                    service
                        .stop_grace_period
                        .map_or(Duration::from_secs(10), crate::model::Duration::to_std)
                },
                |seconds| Duration::from_secs(u64::try_from(seconds).unwrap_or_default()),
            );
            let grace = grace.as_secs_f64();
            format!("{container} ({signal} sent, SIGKILL after {grace}s)")
        })
        .collect();
    format!(
        "still stopping: {}; press Ctrl+C again to kill now",
        described.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(service: &str, exit_code: i64) -> ContainerExit {
        ContainerExit {
            name: format!("{service}-1"),
            container_id: format!("{service}-id"),
            service: service.to_owned(),
            exit_code,
            restarting: false,
        }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn rules(cascade: Cascade, from: Option<&str>) -> ExitRules {
        ExitRules::new(
            cascade,
            from.map(str::to_owned),
            set(&["init", "web", "db"]),
            set(&["init"]),
        )
    }

    #[test]
    fn without_abort_flags_up_ends_with_zero() {
        let mut rules = rules(Cascade::Ignore, None);
        assert!(!rules.on_exit(&exit("web", 3)));
        assert!(!rules.on_exit(&exit("db", 1)));
        assert_eq!(rules.exit_code(), 0);
        assert!(!rules.aborts());
    }

    #[test]
    fn abort_on_exit_takes_the_first_exit_but_not_a_one_shot_success() {
        let mut rules = rules(Cascade::Exit, None);
        assert!(!rules.on_exit(&exit("init", 0)), "docker/compose#5894");
        assert!(rules.on_exit(&exit("web", 3)));
        assert!(!rules.on_exit(&exit("db", 137)));
        assert_eq!(rules.exit_code(), 3);
        let mut rules = self::rules(Cascade::Exit, None);
        assert!(rules.on_exit(&exit("db", 0)));
        assert_eq!(rules.exit_code(), 0);
        let mut rules = self::rules(Cascade::Exit, None);
        assert!(rules.on_exit(&exit("init", 4)), "a failed one-shot aborts");
        assert_eq!(rules.exit_code(), 4);
    }

    #[test]
    fn abort_on_failure_ignores_successes() {
        let mut rules = rules(Cascade::Failure, None);
        assert!(!rules.on_exit(&exit("db", 0)));
        assert!(rules.on_exit(&exit("web", 2)));
        assert_eq!(rules.exit_code(), 2);
    }

    #[test]
    fn exit_code_from_wins_even_when_another_container_aborted() {
        let mut rules = rules(Cascade::Exit, Some("db"));
        assert!(rules.on_exit(&exit("web", 3)));
        assert_eq!(rules.exit_code(), 3, "until db exits, the aborting code");
        assert!(!rules.on_exit(&exit("db", 143)));
        assert_eq!(rules.exit_code(), 143);
        let mut rules = self::rules(Cascade::Exit, Some("init"));
        assert!(!rules.on_exit(&exit("init", 0)));
        assert!(rules.on_exit(&exit("web", 5)));
        assert_eq!(rules.exit_code(), 0, "init's own code");
    }

    #[test]
    fn a_failed_awaited_one_shot_is_the_start_failure() {
        let mut rules = rules(Cascade::Exit, None);
        rules.awaited = set(&["init"]);
        assert_eq!(
            rules.dependency_failure(&exit("init", 4)).as_deref(),
            Some("service \"init\" didn't complete successfully: exit 4")
        );
        assert_eq!(rules.dependency_failure(&exit("init", 0)), None);
        assert_eq!(rules.dependency_failure(&exit("web", 4)), None);
    }

    #[test]
    fn unmonitored_exits_do_not_abort() {
        let mut rules = ExitRules::new(Cascade::Exit, None, set(&["web"]), BTreeSet::new());
        assert!(!rules.on_exit(&exit("db", 1)));
        assert!(rules.on_exit(&exit("web", 0)));
    }

    fn project(yaml: &str) -> Project {
        let options = crate::loader::LoadOptions {
            files: vec![std::path::PathBuf::from("-")],
            stdin: Some(yaml.to_owned()),
            project_name: Some("p".to_owned()),
            current_dir: std::path::PathBuf::from("/tmp/p"),
            ..crate::loader::LoadOptions::default()
        };
        crate::loader::load(&options).unwrap().project
    }

    fn sets(project: &Project, flags: &[&str]) -> Result<(Vec<String>, Vec<String>), String> {
        use clap::Parser;
        #[derive(Parser)]
        struct Up {
            #[command(flatten)]
            args: UpArgs,
        }
        let args = Up::try_parse_from(std::iter::once("up").chain(flags.iter().copied()))
            .unwrap()
            .args;
        let graph = Graph::from_project(project);
        let selected = selected_services(
            project,
            &graph,
            &args.services,
            if args.no_deps {
                crate::plan::DependencyPolicy::Exclude
            } else {
                crate::plan::DependencyPolicy::Include
            },
        )
        .unwrap();
        AttachSets::new(project, &selected, &args).map(|sets| (sets.shown, sets.monitored))
    }

    #[test]
    fn attach_sets_follow_the_reference() {
        let project = project(
            "services:\n  web: {image: x, depends_on: [db]}\n  db: {image: x, depends_on: [init]}\n  init: {image: x}\n  quiet: {image: x, attach: false}\n",
        );
        let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect();
        let both = |shown: &[&str], monitored: &[&str]| Ok((names(shown), names(monitored)));
        assert_eq!(
            sets(&project, &[]),
            both(&["db", "init", "web"], &["db", "init", "web"])
        );
        assert_eq!(sets(&project, &["web"]), both(&["web"], &["web"]));
        assert_eq!(
            sets(&project, &["web", "--attach-dependencies"]),
            both(&["db", "init", "web"], &["web"])
        );
        assert_eq!(
            sets(&project, &["--attach", "quiet", "--exit-code-from", "web"]),
            both(&["quiet"], &["quiet", "web"])
        );
        assert_eq!(
            sets(&project, &["--no-attach", "db", "--no-attach", "init"]),
            both(&["web"], &["web"])
        );
        assert_eq!(
            sets(
                &project,
                &[
                    "--no-attach",
                    "db",
                    "--no-attach",
                    "init",
                    "--no-attach",
                    "web"
                ]
            ),
            both(&[], &["db", "init", "quiet", "web"])
        );
        assert_eq!(
            sets(&project, &["web", "--no-deps", "--attach", "db"]),
            Err("cannot attach to services not included in up: db".to_owned())
        );
        assert_eq!(
            sets(&project, &["--attach", "db", "--attach-dependencies"]),
            Err("cannot combine --attach and --attach-dependencies".to_owned())
        );
    }

    #[test]
    fn holding_up_names_the_containers_their_signal_and_grace() {
        let project = project(
            "services:\n  a: {image: x, stop_signal: SIGINT, stop_grace_period: 1m30s}\n  b: {image: x, container_name: bee}\n",
        );
        let names = ["p-a-1".to_owned(), "bee".to_owned(), "other".to_owned()];
        assert_eq!(
            holding_up(&project, &names, None),
            "still stopping: p-a-1 (SIGINT sent, SIGKILL after 90s), bee (SIGTERM sent, SIGKILL after 10s), other; press Ctrl+C again to kill now"
        );
        assert_eq!(
            holding_up(&project, &names[..1], Some(2)),
            "still stopping: p-a-1 (SIGINT sent, SIGKILL after 2s); press Ctrl+C again to kill now"
        );
    }
}
