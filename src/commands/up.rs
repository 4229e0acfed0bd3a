//! `up`: load the project, check images and external resources before anything is created,
//! observe, reconcile, then execute the plan with the progress display. Also the pieces
//! `create`, `start` and `down` share (engine session, display, Ctrl-C, error lines).
//! Decides nothing itself: every choice is `plan::reconcile`'s.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::context::CommandContext;
use super::exit;
use super::interrupts::{self, Interrupts};
use crate::cli::{CreateFlags, UpArgs};
use crate::engine::execute::{self, ExecuteError, ExecutionContext};
use crate::engine::images::{PullPolicy, PullReport, PullSettings, image_can_be_built};
use crate::engine::{Engine, EngineError};
use crate::graph::Graph;
use crate::loader::{LoadedProject, SkipStages};
use crate::output::events::ProgressMessage;
use crate::output::printer;
use crate::output::progress::{self, Renderer, RendererSettings, StatusStream, colour_allowed};
use crate::output::prompt::{self, PromptStyle};
use crate::plan::reconcile::{self, selected_services};
use crate::plan::{
    AnonymousVolumePolicy, DependencyPolicy, Desired, DivergedVolume, OrphanPolicy, Plan,
    RecreatePolicy, StartPolicy, UpOptions,
};

/// `--wait`: after converging, wait for every container to be running or healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum WaitPolicy {
    #[default]
    NoWait,
    /// At most this long (`--wait-timeout`), or without limit.
    Wait { timeout: Option<Duration> },
}

/// What `up` and `create` do beyond the shared flags.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConvergeRequest {
    pub options: UpOptions,
    pub build: BuildPolicy,
    pub pull: Option<PullPolicy>,
    /// `--quiet-pull`: no per-layer pull lines.
    pub quiet_pull: bool,
    /// `--quiet-build`: no build output.
    pub quiet_build: bool,
    pub stop_timeout: Option<i32>,
    pub wait: WaitPolicy,
    /// How the questions `up` may ask (recreate a changed volume?) are answered.
    pub questions: Questions,
}

/// How the questions of `up` / `create` are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Questions {
    /// By the user, on stdin.
    #[default]
    Ask,
    /// `-y/--yes`.
    AssumeYes,
    /// Already asked (`run` asks before its dependencies' `up`): the default answer.
    AssumeNo,
}

/// Runs `up`.
pub fn run(context: &CommandContext, args: &UpArgs) -> i32 {
    if let Some(message) = flag_conflict(args) {
        printer::stderr_line(&message);
        return exit::USER_ERROR;
    }
    if let Err(code) = super::remote_stack::checks(context, args.create.yes, &[]) {
        return code;
    }
    let mut request = match converge_request(context, &args.create, &args.services) {
        Ok(request) => request,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    // `up` (not `create`) also takes `--remove-orphans` from the environment, as the
    // reference does.
    if context.env_flag("COMPOSE_REMOVE_ORPHANS") {
        request.options.orphans = OrphanPolicy::Remove;
    }
    if args.no_deps {
        request.options.dependencies = DependencyPolicy::Exclude;
    }
    if args.always_recreate_deps {
        request.options.recreate_dependencies = RecreatePolicy::Force;
    }
    if args.no_start {
        request.options.start = StartPolicy::NoStart;
    }
    if args.renew_anon_volumes {
        request.options.anonymous_volumes = AnonymousVolumePolicy::Renew;
    }
    request.stop_timeout = args.timeout;
    request.quiet_build = args.quiet_build;
    if args.wait {
        request.wait = WaitPolicy::Wait {
            timeout: args.wait_timeout.map(Duration::from_secs),
        };
    }
    // As the reference: `--no-start` only creates, `--wait` implies `--detach`.
    if args.detach || args.wait || args.no_start {
        converge(context, &args.services, &request)
    } else {
        super::up_attached::run(context, args, &request)
    }
}

/// The reference's rules for `up` flags that exclude each other (`validateFlags`, in its
/// order and words).
fn flag_conflict(args: &UpArgs) -> Option<String> {
    let abort_on_exit = args.abort_on_container_exit
        || (args.exit_code_from.is_some() && !args.abort_on_container_failure);
    if abort_on_exit && args.abort_on_container_failure {
        return Some(
            "--abort-on-container-failure cannot be combined with --abort-on-container-exit"
                .to_owned(),
        );
    }
    if args.wait && (args.attach_dependencies || abort_on_exit || !args.attach.is_empty()) {
        return Some(
            "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies"
                .to_owned(),
        );
    }
    if args.create.build && args.create.no_build {
        return Some("--build and --no-build are incompatible".to_owned());
    }
    let detach = args.detach || args.wait;
    if detach
        && (args.attach_dependencies
            || abort_on_exit
            || args.abort_on_container_failure
            || !args.attach.is_empty()
            || args.watch)
    {
        let flag = if args.wait { "--wait" } else { "--detach" };
        return Some(format!(
            "{flag} cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch"
        ));
    }
    if args.renew_anon_volumes && args.create.no_recreate {
        return Some("--no-recreate and --renew-anon-volumes are incompatible".to_owned());
    }
    if args.create.force_recreate && args.create.no_recreate {
        return Some("--force-recreate and --no-recreate are incompatible".to_owned());
    }
    if args.always_recreate_deps && args.create.no_recreate {
        return Some("--always-recreate-deps and --no-recreate are incompatible".to_owned());
    }
    if args.create.no_build && args.watch {
        return Some("--no-build and --watch are incompatible".to_owned());
    }
    None
}

pub(crate) fn create_flag_conflict(flags: &CreateFlags) -> Option<String> {
    if flags.force_recreate && flags.no_recreate {
        return Some("--force-recreate and --no-recreate are incompatible".to_owned());
    }
    if flags.build && flags.no_build {
        return Some("--build and --no-build are incompatible".to_owned());
    }
    None
}

/// The plan options from the flags shared by `up` and `create`.
pub(crate) fn converge_request(
    context: &CommandContext,
    flags: &CreateFlags,
    services: &[String],
) -> Result<ConvergeRequest, String> {
    if flags.yes_misspelt {
        print_warnings(&["--y is deprecated, please use --yes instead".to_owned()]);
    }
    let mut options = UpOptions {
        services: services.to_vec(),
        ..UpOptions::default()
    };
    if flags.force_recreate {
        options.recreate = RecreatePolicy::Force;
    }
    if flags.no_recreate {
        options.recreate = RecreatePolicy::Never;
        options.recreate_dependencies = RecreatePolicy::Never;
    }
    if flags.remove_orphans {
        options.orphans = OrphanPolicy::Remove;
    } else if context.env_flag("COMPOSE_IGNORE_ORPHANS") {
        options.orphans = OrphanPolicy::Ignore;
    }
    for item in &flags.scale {
        let Some((service, number)) = item.split_once('=') else {
            return Err(format!(
                "invalid --scale option \"{item}\". Should be SERVICE=NUM"
            ));
        };
        let number: u32 = number
            .parse()
            .map_err(|_| format!("strconv.Atoi: parsing \"{number}\": invalid syntax"))?;
        options.scale.insert(service.to_owned(), number);
    }
    let pull = match flags.pull.as_str() {
        "policy" => None,
        text => Some(
            PullPolicy::parse(text).ok_or_else(|| format!("invalid --pull option \"{text}\""))?,
        ),
    };
    let pull = if flags.no_build && pull == Some(PullPolicy::Build) {
        None
    } else {
        pull
    };
    let build = if flags.build {
        BuildPolicy::Always
    } else if flags.no_build {
        BuildPolicy::Never
    } else {
        BuildPolicy::Missing
    };
    Ok(ConvergeRequest {
        options,
        build,
        pull,
        quiet_pull: flags.quiet_pull,
        quiet_build: false,
        stop_timeout: None,
        wait: WaitPolicy::NoWait,
        questions: if flags.yes || flags.yes_misspelt {
            Questions::AssumeYes
        } else {
            Questions::Ask
        },
    })
}

/// An engine session for one command: the progress display task and the interrupts
/// (Ctrl-C or SIGTERM).
pub(crate) struct Session {
    pub progress: mpsc::Sender<ProgressMessage>,
    display: JoinHandle<()>,
    pub cancel: watch::Receiver<bool>,
    signals: JoinHandle<()>,
}

impl Session {
    /// Starts the display (title in the tty header) and listens to interrupts: once = stop
    /// scheduling, twice = leave at once.
    pub fn start(context: &CommandContext, title: &str) -> Result<Self, String> {
        Self::start_with(context, title, Interrupts::listen()?)
    }

    /// As [`Session::start`], with interrupts listened to since earlier (a signal that came
    /// in between is acted upon at once).
    pub fn start_with(
        context: &CommandContext,
        title: &str,
        interrupts: Interrupts,
    ) -> Result<Self, String> {
        let stream = StatusStream::from_env_value(
            context
                .os_env
                .get("COMPOSE_STATUS_STDOUT")
                .map(String::as_str),
        );
        let display = progress::resolve_display(
            context.global.progress,
            context.global.ansi,
            stream.is_terminal(),
        )
        .map_err(|error| error.to_string())?;
        let mut settings = RendererSettings::new(display);
        title.clone_into(&mut settings.title);
        settings.size = stream.terminal_size().unwrap_or_default();
        settings.colour = colour_allowed(context.os_env.get("NO_COLOR").map(String::as_str))
            && !context.global.no_ansi;
        settings.dry_run = context.global.dry_run;
        let (sender, receiver) = mpsc::channel(256);
        let display = tokio::spawn(async move {
            let _ =
                progress::run_progress_on_terminal(receiver, Renderer::new(settings), stream).await;
        });
        let (cancel, signals) = interrupts.cancel_on_first();
        Ok(Self {
            progress: sender,
            display,
            cancel,
            signals,
        })
    }

    /// Closes the display and waits for its last frame.
    pub async fn finish(self) {
        drop(self.progress);
        let _ = self.display.await;
        self.signals.abort();
    }
}

/// Builds the command's runtime and runs `work` on it (an interrupted command ends as the
/// reference's).
pub(crate) fn block_on<F: Future<Output = i32>>(work: F) -> i32 {
    match super::target::runtime() {
        Ok(runtime) => {
            let code = runtime.block_on(work);
            // A question left unanswered (interrupted) is not waited for.
            runtime.shutdown_background();
            interrupts::conclude(code)
        }
        Err(code) => code,
    }
}

/// Connects to the engine (only pretending changes under `--dry-run`), printing the
/// one-line error on failure.
pub(crate) async fn connect(context: &CommandContext) -> Result<Engine, i32> {
    let engine = crate::engine::connect(None).await.map_err(|error| {
        printer::stderr_line(&error.to_string());
        exit::USER_ERROR
    })?;
    Ok(super::target::for_changes(context, engine))
}

/// Prints an engine error as one line.
pub(crate) fn engine_failure(error: &EngineError) -> i32 {
    printer::stderr_line(&error.to_string());
    exit::USER_ERROR
}

/// Loads the project for a command that works on services.
pub(crate) fn load(context: &CommandContext, services: &[String]) -> Result<LoadedProject, i32> {
    let options = context.load_options(services, SkipStages::default());
    context.load(&options).map_err(|_| exit::USER_ERROR)
}

/// Parallelism from `--parallel` / `COMPOSE_PARALLEL_LIMIT` (-1 or 0: unlimited).
pub(crate) fn parallel_limit(context: &CommandContext) -> Option<usize> {
    usize::try_from(context.global.parallel)
        .ok()
        .filter(|limit| *limit > 0)
}

/// The orphan warning, in the reference's words.
pub(crate) fn warn_orphans(plan: &Plan) {
    if plan.orphans.is_empty() {
        return;
    }
    printer::stderr_line(&format!(
        "WARN[0000] Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
        plan.orphans.join(" ")
    ));
}

/// The project and the services `up`/`create` work on (the named ones and, unless
/// `--no-deps`, their dependencies), or the exit code once the reason is printed.
pub(crate) fn load_selection(
    context: &CommandContext,
    services: &[String],
    request: &ConvergeRequest,
) -> Result<(LoadedProject, BTreeSet<String>), i32> {
    let loaded = load(context, services)?;
    let project = &loaded.project;
    let graph = Graph::from_project(project);
    let selected = selected_services(
        project,
        &graph,
        &request.options.services,
        request.options.dependencies,
    )
    .map_err(|error| {
        printer::stderr_line(&error.to_string());
        exit::USER_ERROR
    })?;
    if let Some(unknown) = request
        .options
        .scale
        .keys()
        .find(|name| !project.services.contains_key(*name))
    {
        printer::stderr_line(&format!("no such service: {unknown}: not found"));
        return Err(exit::USER_ERROR);
    }
    Ok((loaded, selected))
}

/// `up` / `create`: check, observe, reconcile, execute.
pub(crate) fn converge(
    context: &CommandContext,
    services: &[String],
    request: &ConvergeRequest,
) -> i32 {
    let (loaded, selected) = match load_selection(context, services, request) {
        Ok(found) => found,
        Err(code) => return code,
    };
    block_on(async {
        let engine = match connect(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        converge_loaded(context, &engine, &loaded, &selected, request).await
    })
}

/// The engine names of the networks and volumes the project makes itself (not external).
fn own_resource_names(project: &crate::model::Project) -> (Vec<String>, Vec<String>) {
    let networks = project
        .networks
        .iter()
        .filter(|(_, network)| !network.external)
        .map(|(key, _)| reconcile::network_name(project, key))
        .collect();
    let volumes = project
        .volumes
        .iter()
        .filter(|(_, volume)| !volume.external)
        .map(|(key, _)| reconcile::volume_name(project, key))
        .collect();
    (networks, volumes)
}

/// `up` / `create` once the project is loaded and the services selected, on a running
/// runtime (`watch` brings the stack up and recreates rebuilt services with it).
pub(crate) async fn converge_loaded(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
    request: &ConvergeRequest,
) -> i32 {
    let preparation = ImagePreparation {
        pull: request.pull,
        build: request.build,
        quiet_pull: request.quiet_pull,
        quiet_build: request.quiet_build,
    };
    let mut interrupts = match Interrupts::listen_or_report() {
        Ok(interrupts) => interrupts,
        Err(code) => return code,
    };
    let preparing = prepare_images(context, engine, loaded, selected, preparation);
    let pulls = match interrupts.unless_interrupted(preparing).await {
        Ok(Ok(pulls)) => pulls,
        Ok(Err(code)) | Err(code) => return code,
    };
    // Questions (a volume to recreate) are asked before the display starts.
    let preparing = prepare(engine, context, loaded, selected, request, &pulls);
    let prepared = match interrupts.unless_interrupted(preparing).await {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(failure)) => return failure.report(),
        Err(code) => return code,
    };
    let session = match Session::start_with(context, "Running", interrupts) {
        Ok(session) => session,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    let outcome = converge_on(engine, loaded, selected, request, prepared, &session).await;
    session.finish().await;
    match outcome {
        Ok(Outcome::Done { warnings, plan }) => {
            if let Some(plan) = plan {
                printer::stdout(&plan.to_string());
            }
            print_warnings(&warnings);
            exit::OK
        }
        Err(failure) => failure.report(),
    }
}

/// Non-fatal findings, as the reference's `WARN` lines.
pub(crate) fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        printer::stderr_line(&format!("WARN[0000] {warning}"));
    }
}

/// When `up`/`create` build the images of services with a `build:` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum BuildPolicy {
    /// `--build`: every selected buildable service.
    Always,
    /// Default: only those whose image does not exist yet.
    #[default]
    Missing,
    /// `--no-build`.
    Never,
}

/// What `up`, `create` and `run` do about images before anything is created.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ImagePreparation {
    /// `--pull` (overrides each service's `pull_policy`).
    pub pull: Option<PullPolicy>,
    pub build: BuildPolicy,
    pub quiet_pull: bool,
    pub quiet_build: bool,
}

/// Pulls what the pull policies require, then builds what the build policy (and
/// `pull_policy: build`) asks for, as the reference's `ensureImagesExists` does. A failed
/// pull of an image that can be built is only a warning; any other failed pull cuts the
/// others (as the reference) and is reported, with the service and the image, before
/// anything is built or created.
pub(crate) async fn prepare_images(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
    preparation: ImagePreparation,
) -> Result<PullReport, i32> {
    let project = &loaded.project;
    let plan = engine
        .required_pulls(
            project,
            selected,
            preparation.pull,
            preparation.build == BuildPolicy::Always,
        )
        .await
        .map_err(|error| engine_failure(&error))?;
    if !plan.problems.is_empty() {
        for problem in plan.problems {
            printer::stderr_line(&problem.to_string());
        }
        return Err(exit::USER_ERROR);
    }
    let jobs = plan.jobs;
    let mut pulls = if jobs.is_empty() {
        PullReport::default()
    } else {
        let progress = super::target::Progress::start(context, "Pulling")?;
        let settings = PullSettings {
            quiet: preparation.quiet_pull,
            parallel: parallel_limit(context),
            // As the reference: the first image that can neither be pulled nor built cuts
            // the other pulls.
            fail_fast: true,
        };
        let pulls = engine.run_pulls(jobs, settings, &progress.sender).await;
        progress.finish().await;
        pulls
    };
    pulls.withheld = plan.withheld;
    if !pulls.failures.is_empty() {
        // Stop before building: report every image that cannot be had (failed pulls and
        // missing images that may not be pulled) at once; not the ones whose pull was cut.
        let not_buildable: BTreeSet<String> = selected
            .iter()
            .filter(|name| {
                project.services.get(*name).is_some_and(|service| {
                    !image_can_be_built(project, service)
                        && !pulls.interrupted.contains(&service.image)
                })
            })
            .cloned()
            .collect();
        let resolved = engine
            .resolve_images(project, &not_buildable, &pulls)
            .await
            .map_err(|error| engine_failure(&error))?;
        if !resolved.problems.is_empty() {
            for problem in resolved.problems {
                printer::stderr_line(&problem.to_string());
            }
            return Err(exit::USER_ERROR);
        }
    }
    build_images(context, engine, loaded, selected, preparation).await?;
    Ok(pulls)
}

/// Builds what the policy asks for before anything is created; the exit code on failure.
pub(crate) async fn build_images(
    context: &CommandContext,
    engine: &Engine,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
    preparation: ImagePreparation,
) -> Result<(), i32> {
    let policy = preparation.build;
    // Under `--dry-run` the builds are shown, not run (the engine pretends them).
    if policy == BuildPolicy::Never {
        return Ok(());
    }
    let project = &loaded.project;
    let mut to_build = Vec::new();
    for name in selected {
        let Some(service) = project.services.get(name) else {
            continue;
        };
        if service.build.is_none() {
            continue;
        }
        let image = crate::engine::images::service_image(project, name, service);
        let missing = match engine.image_id(&image).await {
            Ok(found) => found.is_none(),
            Err(error) => {
                printer::stderr_line(&error.to_string());
                return Err(exit::USER_ERROR);
            }
        };
        let policy_builds = PullPolicy::for_service(service, preparation.pull, false)
            .is_ok_and(|pull| pull == PullPolicy::Build);
        if policy == BuildPolicy::Always || missing || policy_builds {
            to_build.push(name.clone());
        }
    }
    if to_build.is_empty() {
        return Ok(());
    }
    let mut options = super::build::build_options(context, loaded);
    options.quiet = preparation.quiet_build;
    super::build::build_and_show(context, engine, loaded, &to_build, options)
        .await
        .map(|_| ())
        .map_err(|error| {
            printer::stderr_line(&error.to_string());
            exit::USER_ERROR
        })
}

enum Outcome {
    /// `plan` is set for `--dry-run` (printed once the display is closed).
    Done {
        warnings: Vec<String>,
        plan: Option<Plan>,
    },
}

/// Why `up` stopped before the end.
pub(crate) enum Failure {
    /// Lines to print on stderr (exit 1).
    Lines(Vec<String>),
    Interrupted,
}

impl Failure {
    /// Prints the failure and gives the exit code.
    pub(crate) fn report(self) -> i32 {
        match self {
            Self::Lines(lines) => {
                for line in lines {
                    printer::stderr_line(&line);
                }
                exit::USER_ERROR
            }
            Self::Interrupted => exit::INTERRUPTED,
        }
    }
}

impl From<ExecuteError> for Failure {
    fn from(error: ExecuteError) -> Self {
        match error {
            ExecuteError::Failed(message) => Self::Lines(vec![message]),
            ExecuteError::Interrupted => Self::Interrupted,
        }
    }
}

/// The plan of an `up`, and what executing it needs.
pub(crate) struct Prepared {
    pub plan: Plan,
    pub execution: Arc<ExecutionContext>,
}

async fn converge_on(
    engine: &Engine,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
    request: &ConvergeRequest,
    prepared: Prepared,
    session: &Session,
) -> Result<Outcome, Failure> {
    let project = &loaded.project;
    let line = |error: &EngineError| Failure::Lines(vec![error.to_string()]);
    let Prepared { plan, execution } = prepared;
    let report = execute::execute(
        engine,
        &plan,
        Arc::clone(&execution),
        session.progress.clone(),
        session.cancel.clone(),
    )
    .await?;
    let mut warnings = report.warnings;
    if engine.is_dry_run() {
        // The plan with its causes, beside the `DRY-RUN MODE` progress lines.
        return Ok(Outcome::Done {
            warnings,
            plan: Some(plan),
        });
    }
    if let WaitPolicy::Wait { timeout } = request.wait {
        let observed = engine
            .observe_project(&project.name)
            .await
            .map_err(|error| line(&error))?;
        let wait_plan = reconcile::wait_plan(project, &observed, selected);
        let waiting = execute::execute(
            engine,
            &wait_plan,
            execution,
            session.progress.clone(),
            session.cancel.clone(),
        );
        let outcome = match timeout {
            Some(limit) => tokio::time::timeout(limit, waiting).await.map_err(|_| {
                Failure::Lines(vec![format!(
                    "application not healthy after {}",
                    go_duration(limit.as_secs())
                )])
            })?,
            None => waiting.await,
        };
        warnings.extend(outcome?.warnings);
    }
    Ok(Outcome::Done {
        warnings,
        plan: None,
    })
}

/// Checks external resources and images, observes, reconciles: the plan of an `up` (and the
/// orphan warning). Changes nothing on the engine but pulls.
pub(crate) async fn prepare(
    engine: &Engine,
    context: &CommandContext,
    loaded: &LoadedProject,
    selected: &BTreeSet<String>,
    request: &ConvergeRequest,
    pulls: &PullReport,
) -> Result<Prepared, Failure> {
    let project = &loaded.project;
    let line = |error: &EngineError| Failure::Lines(vec![error.to_string()]);
    let missing = engine
        .check_external_resources(project, selected)
        .await
        .map_err(|error| line(&error))?;
    if !missing.is_empty() {
        return Err(Failure::Lines(
            missing.iter().map(ToString::to_string).collect(),
        ));
    }
    let images = engine
        .resolve_images(project, selected, pulls)
        .await
        .map_err(|error| line(&error))?;
    if !images.problems.is_empty() {
        return Err(Failure::Lines(
            images.problems.iter().map(ToString::to_string).collect(),
        ));
    }
    let mut observed = engine
        .observe_project(&project.name)
        .await
        .map_err(|error| line(&error))?;
    let (network_names, volume_names) = own_resource_names(project);
    engine
        .observe_foreign_resources(&mut observed, &network_names, &volume_names)
        .await
        .map_err(|error| line(&error))?;
    let mut desired = Desired::new(project, images.image_ids.clone());
    // The reference hashes services with their `service:` references resolved to the
    // containers that exist.
    let peers = crate::engine::observe::peer_containers(&observed);
    for (name, service) in &project.services {
        if let Ok(effective) = crate::engine::convert::effective_service(name, service, &peers) {
            desired
                .config_hashes
                .insert(name.clone(), crate::hash::service_hash(&effective));
        }
    }
    let plan_failure = |error: reconcile::PlanError| {
        let mut lines: Vec<String> = error
            .warnings()
            .iter()
            .map(|warning| format!("WARN[0000] {warning}"))
            .collect();
        lines.push(error.to_string());
        Failure::Lines(lines)
    };
    let mut options = request.options.clone();
    options.recreate_volumes = recreate_volume_answers(
        context,
        request.questions,
        reconcile::diverged_volumes(project, &observed, &options).map_err(plan_failure)?,
    )
    .await;
    let plan = reconcile::reconcile_up(&desired, &observed, &options).map_err(plan_failure)?;
    warn_orphans(&plan);
    for warning in &plan.warnings {
        printer::stderr_line(&format!("WARN[0000] {warning}"));
    }
    let execution = Arc::new(ExecutionContext {
        project: project.clone(),
        config_hashes: desired.config_hashes.clone(),
        image_ids: images.image_ids,
        working_dir: loaded.working_dir.clone(),
        config_files: loaded.config_files.clone(),
        env_files: loaded.env_files.clone(),
        environment: loaded.environment.clone(),
        stop_timeout: request.stop_timeout,
        parallel: parallel_limit(context),
    });
    Ok(Prepared { plan, execution })
}

/// The reference's question about a volume whose configuration changed.
pub(crate) fn volume_question(volume: &DivergedVolume) -> String {
    format!(
        "Volume \"{}\" exists but doesn't match configuration in compose file. Recreate (data will be lost)?",
        volume.name
    )
}

/// The diverged volumes to recreate (keys): all with `-y`, none when already answered,
/// else the ones the user says yes to, one question each (the reference's default: no).
pub(crate) async fn recreate_volume_answers(
    context: &CommandContext,
    questions: Questions,
    diverged: Vec<DivergedVolume>,
) -> BTreeSet<String> {
    let style = PromptStyle::detect(context.prompt_colour());
    let mut keys = BTreeSet::new();
    for volume in diverged {
        let yes = match questions {
            Questions::AssumeYes => true,
            Questions::AssumeNo => false,
            Questions::Ask => {
                let question = volume_question(&volume);
                tokio::task::spawn_blocking(move || prompt::confirm(&question, false, style))
                    .await
                    .unwrap_or(false)
            }
        };
        if yes {
            keys.insert(volume.key);
        }
    }
    keys
}

/// For `run`: asks about the changed volumes that the services of `options` mount, and
/// recreates the ones the user says yes to, with the containers that mount them removed
/// first, as the reference's `run` does through its dependencies' `create`.
pub(crate) async fn recreate_volumes_first(
    context: &CommandContext,
    loaded: &LoadedProject,
    options: &UpOptions,
) -> Result<(), i32> {
    let project = &loaded.project;
    let engine = connect(context).await?;
    let observed = engine
        .observe_project(&project.name)
        .await
        .map_err(|error| engine_failure(&error))?;
    let plan_failure = |error: reconcile::PlanError| {
        printer::stderr_line(&error.to_string());
        exit::USER_ERROR
    };
    let diverged =
        reconcile::diverged_volumes(project, &observed, options).map_err(plan_failure)?;
    let keys = recreate_volume_answers(context, Questions::Ask, diverged.clone()).await;
    let chosen: Vec<DivergedVolume> = diverged
        .into_iter()
        .filter(|volume| keys.contains(&volume.key))
        .collect();
    if chosen.is_empty() {
        return Ok(());
    }
    let plan = reconcile::reconcile_volume_recreation(project, &observed, &chosen)
        .map_err(plan_failure)?;
    let execution = Arc::new(ExecutionContext {
        project: project.clone(),
        parallel: parallel_limit(context),
        ..ExecutionContext::default()
    });
    execute_displayed(context, &engine, &plan, execution).await
}

/// Runs a plan under a progress display of its own, then prints its warnings, and under
/// `--dry-run` the plan with its causes (beside the `DRY-RUN MODE` lines). On failure,
/// the error is printed and its exit code returned.
pub(crate) async fn execute_displayed(
    context: &CommandContext,
    engine: &Engine,
    plan: &Plan,
    execution: Arc<ExecutionContext>,
) -> Result<(), i32> {
    let session = Session::start(context, "Running").map_err(|message| {
        printer::stderr_line(&message);
        exit::USER_ERROR
    })?;
    let result = execute::execute(
        engine,
        plan,
        execution,
        session.progress.clone(),
        session.cancel.clone(),
    )
    .await;
    session.finish().await;
    let report = result.map_err(|error| Failure::from(error).report())?;
    if engine.is_dry_run() {
        printer::stdout(&plan.to_string());
    }
    print_warnings(&report.warnings);
    Ok(())
}

/// Seconds as Go prints a `time.Duration` (`5s`, `1m30s`, `1h0m0s`), for the reference's
/// messages.
fn go_duration(seconds: u64) -> String {
    let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h{minutes}m{rest}s")
    } else if minutes > 0 {
        format!("{minutes}m{rest}s")
    } else {
        format!("{rest}s")
    }
}

#[cfg(test)]
mod tests {
    use super::go_duration;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(5), "5s");
        assert_eq!(go_duration(90), "1m30s");
        assert_eq!(go_duration(3600), "1h0m0s");
    }
}
