//! What the container commands (`ps`, `stop`, `kill`, `rm`, ...) share: finding the project
//! (from the compose file, or only its name as the reference's `projectOrName`), the engine
//! connection, the progress task, and running per-service work in dependency order.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use futures_util::future::BoxFuture;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::context::CommandContext;
use super::exit;
use crate::engine::inspect::ContainerSummary;
use crate::engine::{Engine, EngineError};
use crate::labels;
use crate::loader::{LoadedProject, SkipStages};
use crate::model::Project;
use crate::output::events::ProgressMessage;
use crate::output::printer;
use crate::output::progress::{
    Display, ProgressModeError, Renderer, RendererSettings, StatusStream, colour_allowed,
    resolve_display, run_progress_on_terminal,
};

/// The project a command works on: the loaded file when there is one, and its name.
pub struct Target {
    pub project: Option<LoadedProject>,
    pub name: String,
}

impl Target {
    pub fn model(&self) -> Option<&Project> {
        self.project.as_ref().map(|loaded| &loaded.project)
    }

    /// Fails with the reference's `no such service: x` when a named service is not in the
    /// compose file (nothing to check without one).
    pub fn check_services(&self, services: &[String]) -> Result<(), i32> {
        if let Some(project) = self.model() {
            for service in services {
                if !project.services.contains_key(service) {
                    printer::stderr_line(&format!("no such service: {service}"));
                    return Err(exit::USER_ERROR);
                }
            }
        }
        Ok(())
    }
}

/// The reference's `projectOrName`: with `-f`, or without `-p`, the compose file is loaded
/// (falling back to `COMPOSE_PROJECT_NAME` when it cannot be); with only `-p`, the name alone.
pub fn project_or_name(context: &CommandContext, services: &[String]) -> Result<Target, i32> {
    let explicit_name = context.global.project_name.clone();
    if context.global.files.is_empty() {
        if let Some(name) = explicit_name {
            return Ok(Target {
                project: None,
                name: name.to_lowercase(),
            });
        }
    }
    let skip = SkipStages {
        env_resolution: true,
        ..SkipStages::default()
    };
    let options = context.load_options(services, skip);
    let fallback = context
        .os_env
        .get("COMPOSE_PROJECT_NAME")
        .filter(|name| !name.is_empty())
        .cloned();
    if fallback.is_some() {
        // The reference tries the file quietly and uses the variable when it fails.
        if let Ok(loaded) = crate::loader::load(&options) {
            let name = loaded.project.name.clone();
            return Ok(Target {
                project: Some(loaded),
                name,
            });
        }
        return Ok(Target {
            project: None,
            name: fallback.unwrap_or_default().to_lowercase(),
        });
    }
    match context.load(&options) {
        Ok(loaded) => {
            let name = loaded.project.name.clone();
            Ok(Target {
                project: Some(loaded),
                name,
            })
        }
        Err(_) => Err(exit::USER_ERROR),
    }
}

/// The reference's `toProjectName`: `-p`, then `COMPOSE_PROJECT_NAME`, then the file's name.
pub fn project_name(context: &CommandContext) -> Result<String, i32> {
    if let Some(name) = &context.global.project_name {
        return Ok(name.to_lowercase());
    }
    if let Some(name) = context
        .os_env
        .get("COMPOSE_PROJECT_NAME")
        .filter(|name| !name.is_empty())
    {
        return Ok(name.to_lowercase());
    }
    let options = context.load_options(&[], SkipStages::default());
    context
        .load(&options)
        .map(|loaded| loaded.project.name)
        .map_err(|_| exit::USER_ERROR)
}

/// One tokio runtime for the command.
pub fn runtime() -> Result<tokio::runtime::Runtime, i32> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| {
            printer::stderr_line(&format!("cannot start the async runtime: {error}"));
            exit::INTERNAL
        })
}

/// Prints an engine error (and its hint) and gives the exit code.
pub fn report(error: &EngineError) -> i32 {
    printer::stderr_line(&error.to_string());
    if let Some(hint) = error.hint() {
        printer::stderr_line(&hint);
    }
    exit::USER_ERROR
}

/// As [`report`], but after an interrupt the command ends with 130 (and the reference's
/// empty line), whatever the calls it cut reported.
pub(crate) fn report_unless_interrupted(
    error: &EngineError,
    cancel: &super::interrupts::Cancel,
) -> i32 {
    if cancel.is_raised() {
        exit::INTERRUPTED
    } else {
        report(error)
    }
}

pub async fn connect() -> Result<Engine, i32> {
    crate::engine::connect(None)
        .await
        .map_err(|error| report(&error))
}

/// Connects for a command that changes the stack: under `--dry-run` every state-changing
/// engine call is only pretended, so the command shows what it would do and touches nothing.
pub async fn connect_for_changes(context: &CommandContext) -> Result<Engine, i32> {
    connect().await.map(|engine| for_changes(context, engine))
}

/// The engine as a command that changes the stack uses it (see [`connect_for_changes`]).
pub fn for_changes(context: &CommandContext, engine: Engine) -> Engine {
    if context.global.dry_run {
        engine.with_write_mode(crate::engine::WriteMode::DryRun)
    } else {
        engine
    }
}

/// The progress display of one command: a sender for the engine's events and the task that
/// renders them (the reference's `progress.RunWithTitle`).
pub struct Progress {
    pub sender: mpsc::Sender<ProgressMessage>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Progress {
    /// Starts the display with `title` (`Stopping`, `Killing`...). Call inside the runtime.
    pub fn start(context: &CommandContext, title: &str) -> Result<Self, i32> {
        let (stream, display) = Self::display(context).map_err(|error| {
            printer::stderr_line(&error.to_string());
            exit::USER_ERROR
        })?;
        let mut settings = RendererSettings::new(display);
        title.clone_into(&mut settings.title);
        if let Some(size) = stream.terminal_size() {
            settings.size = size;
        }
        settings.colour = colour_allowed(context.os_env.get("NO_COLOR").map(String::as_str));
        settings.dry_run = context.global.dry_run;
        let (sender, receiver) = mpsc::channel(256);
        let task = tokio::spawn(run_progress_on_terminal(
            receiver,
            Renderer::new(settings),
            stream,
        ));
        Ok(Self { sender, task })
    }

    /// Whether the command's display redraws its lines in place (the terminal's `tty`
    /// display): nothing else may print while it is on.
    pub fn redraws(context: &CommandContext) -> bool {
        Self::display(context).is_ok_and(|(_, display)| display == Display::Tty)
    }

    /// Where the display goes and how it looks, from `--progress`, `--ansi` and the stream.
    fn display(context: &CommandContext) -> Result<(StatusStream, Display), ProgressModeError> {
        let stream = StatusStream::from_env_value(
            context
                .os_env
                .get("COMPOSE_STATUS_STDOUT")
                .map(String::as_str),
        );
        let display = resolve_display(
            context.global.progress,
            context.global.ansi,
            stream.is_terminal(),
        )?;
        Ok((stream, display))
    }

    /// Waits until the display has drawn its last frame.
    pub async fn finish(self) {
        drop(self.sender);
        let _ = self.task.await;
    }
}

/// Dependencies between services: from the compose file when there is one, else from the
/// containers' `com.docker.compose.depends_on` labels (`db:service_started:false,...`).
pub fn dependencies(
    project: Option<&Project>,
    containers: &[ContainerSummary],
) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(project) = project {
        for (name, service) in &project.services {
            let entry = map.entry(name.clone()).or_default();
            for (dependency, _) in service.dependencies() {
                if project.services.contains_key(&dependency) {
                    entry.insert(dependency);
                }
            }
        }
        return map;
    }
    for container in containers {
        let entry = map.entry(container.service.clone()).or_default();
        for dependency in container
            .labels
            .get(labels::DEPENDS_ON)
            .map(String::as_str)
            .unwrap_or_default()
            .split(',')
            .filter_map(|item| item.split(':').next())
            .filter(|name| !name.is_empty())
        {
            entry.insert(dependency.to_owned());
        }
    }
    let known: BTreeSet<String> = map.keys().cloned().collect();
    for dependencies in map.values_mut() {
        dependencies.retain(|name| known.contains(name));
    }
    map
}

/// Which way the dependency edges are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Dependencies first (start, restart).
    Dependencies,
    /// Dependents first (stop).
    Reverse,
}

/// Runs `work` once per service of `dependencies`, each as soon as the services it must
/// follow are done (not level by level), independent ones concurrently. The first error is
/// returned once the running work is over; work not yet started is skipped.
pub async fn run_in_order(
    dependencies: &BTreeMap<String, BTreeSet<String>>,
    order: Order,
    work: impl Fn(String) -> BoxFuture<'static, Result<(), EngineError>>,
) -> Result<(), EngineError> {
    // waits_for[service] = services that must be done first.
    let mut waits_for: BTreeMap<String, BTreeSet<String>> = dependencies
        .keys()
        .map(|name| (name.clone(), BTreeSet::new()))
        .collect();
    for (service, needs) in dependencies {
        for dependency in needs {
            match order {
                Order::Dependencies => {
                    waits_for
                        .entry(service.clone())
                        .or_default()
                        .insert(dependency.clone());
                }
                Order::Reverse => {
                    waits_for
                        .entry(dependency.clone())
                        .or_default()
                        .insert(service.clone());
                }
            }
        }
    }
    let mut started: BTreeSet<String> = BTreeSet::new();
    let mut running: JoinSet<(String, Result<(), EngineError>)> = JoinSet::new();
    let mut first_error: Option<EngineError> = None;
    loop {
        if first_error.is_none() {
            let ready: Vec<String> = waits_for
                .iter()
                .filter(|(name, needs)| needs.is_empty() && !started.contains(*name))
                .map(|(name, _)| name.clone())
                .collect();
            for name in ready {
                started.insert(name.clone());
                let future = work(name.clone());
                running.spawn(async move { (name, future.await) });
            }
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined {
            Ok((name, Ok(()))) => {
                for needs in waits_for.values_mut() {
                    needs.remove(&name);
                }
            }
            Ok((_, Err(error))) => {
                first_error.get_or_insert(error);
            }
            Err(join_error) => {
                first_error.get_or_insert(EngineError::Communication {
                    context: crate::engine::ErrorContext::engine(),
                    message: join_error.to_string(),
                });
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Connects, then finds the container a single-container command (`commit`, `export`) acts
/// on: [`specified_container`] among running ones, one-off containers included.
pub async fn connect_to_container(
    context: &CommandContext,
    project_name: &str,
    service: &str,
    index: u32,
) -> Result<(Engine, ContainerSummary), i32> {
    let engine = connect_for_changes(context).await?;
    let container = specified_container(
        &engine,
        project_name,
        service,
        index,
        crate::engine::inspect::OneOff::Include,
        false,
    )
    .await?;
    Ok((engine, container))
}

/// The reference's `getSpecifiedContainer`: container number `index` of a service, or (index
/// 0) the lowest-numbered one, one-off containers last. `all` includes stopped containers.
/// Prints `service "x" is not running [container #n]` when there is none.
pub async fn specified_container(
    engine: &Engine,
    project_name: &str,
    service: &str,
    index: u32,
    oneoff: crate::engine::inspect::OneOff,
    all: bool,
) -> Result<ContainerSummary, i32> {
    let query =
        crate::engine::inspect::ContainerQuery::new(all, oneoff).services(&[service.to_owned()]);
    let mut containers = engine
        .list_containers(project_name, &query)
        .await
        .map_err(|error| report(&error))?;
    if !all {
        containers.retain(|container| container.state == "running");
    }
    if index > 0 {
        containers.retain(|container| container.number == Some(index));
    }
    containers.sort_by_key(|container| (container.oneoff, container.number.unwrap_or(0)));
    containers.into_iter().next().ok_or_else(|| {
        if index > 0 {
            printer::stderr_line(&format!(
                "service \"{service}\" is not running container #{index}"
            ));
        } else {
            printer::stderr_line(&format!("service \"{service}\" is not running"));
        }
        exit::USER_ERROR
    })
}

/// Seconds since the Unix epoch, for "2 minutes ago" columns.
pub fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs_f64())
        .unwrap_or_default()
}

/// Sends one progress event (a closed display is not an error worth stopping for).
pub async fn emit(
    sender: &mpsc::Sender<ProgressMessage>,
    container_name: &str,
    status: crate::output::events::Status,
) {
    use crate::output::events::{ProgressEvent, ResourceId};
    let event = ProgressEvent::new(
        ResourceId::container(container_name),
        status,
        std::time::Instant::now(),
    );
    let _ = sender.send(event.into()).await;
}

/// Sends a failure line for a container (`Error while Stopping`), as the reference does.
pub async fn emit_failure(
    sender: &mpsc::Sender<ProgressMessage>,
    container_name: &str,
    text: &str,
) {
    use crate::output::events::{ProgressEvent, ResourceId};
    let event = ProgressEvent::failed(
        ResourceId::container(container_name),
        text,
        std::time::Instant::now(),
    );
    let _ = sender.send(event.into()).await;
}

/// Containers of the project that belong to one of `services` (all when `services` is `None`).
pub fn of_services<'a>(
    containers: &'a [ContainerSummary],
    services: Option<&'a [String]>,
) -> impl Iterator<Item = &'a ContainerSummary> + 'a {
    containers
        .iter()
        .filter(move |container| services.is_none_or(|names| names.contains(&container.service)))
}

/// The running container of `service` that `exec` and `attach` use: replica `index` (the
/// first one when 0), or the reference's `service "x" is not running` (`… container #N`).
pub async fn running_container(
    engine: &Engine,
    project: &str,
    service: &str,
    index: u32,
    oneoff: crate::engine::inspect::OneOff,
) -> Result<ContainerSummary, i32> {
    let services = [service.to_owned()];
    let query = crate::engine::inspect::ContainerQuery::new(false, oneoff).services(&services);
    let mut containers = engine
        .list_containers(project, &query)
        .await
        .map_err(|error| report(&error))?;
    containers.retain(|container| container.state == "running");
    containers.sort_by_key(|container| container.number.unwrap_or(u32::MAX));
    let position = if index == 0 {
        (!containers.is_empty()).then_some(0)
    } else {
        containers
            .iter()
            .position(|container| container.number == Some(index))
    };
    match position {
        Some(position) => Ok(containers.swap_remove(position)),
        None if index > 0 && !containers.is_empty() => {
            printer::stderr_line(&format!(
                "service \"{service}\" is not running container #{index}"
            ));
            Err(exit::USER_ERROR)
        }
        None => {
            printer::stderr_line(&format!("service \"{service}\" is not running"));
            Err(exit::USER_ERROR)
        }
    }
}

/// A rendered listing (`ps`, `ls`, `images`, `volumes`, `stats`, the `stack` listings):
/// printed on stdout (exit 0), or its error on stderr (exit 1).
pub fn print_listing<E: std::fmt::Display>(rendered: Result<String, E>) -> i32 {
    match rendered {
        Ok(text) => {
            printer::stdout(&text);
            exit::OK
        }
        Err(error) => {
            printer::stderr_line(&error.to_string());
            exit::USER_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn work_follows_the_dependencies() {
        let dependencies = BTreeMap::from([
            ("web".to_owned(), BTreeSet::from(["db".to_owned()])),
            ("db".to_owned(), BTreeSet::new()),
            ("job".to_owned(), BTreeSet::new()),
        ]);
        let runtime = runtime().unwrap();
        for (order, expected_last) in [(Order::Reverse, "db"), (Order::Dependencies, "web")] {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let record = Arc::clone(&seen);
            runtime
                .block_on(run_in_order(&dependencies, order, move |name| {
                    let record = Arc::clone(&record);
                    Box::pin(async move {
                        record.lock().unwrap().push(name);
                        Ok(())
                    })
                }))
                .unwrap();
            let seen = seen.lock().unwrap();
            assert_eq!(seen.len(), 3);
            let web = seen.iter().position(|name| name == "web").unwrap();
            let db = seen.iter().position(|name| name == "db").unwrap();
            assert_eq!(web < db, order == Order::Reverse, "{seen:?}");
            assert!(seen.contains(&expected_last.to_owned()));
        }
    }

    #[test]
    fn dependencies_come_from_labels_without_a_file() {
        let container = |service: &str, depends_on: &str| ContainerSummary {
            service: service.to_owned(),
            labels: BTreeMap::from([(labels::DEPENDS_ON.to_owned(), depends_on.to_owned())]),
            ..ContainerSummary::default()
        };
        let map = dependencies(
            None,
            &[
                container("web", "db:service_started:false,gone:service_started:true"),
                container("db", ""),
            ],
        );
        assert_eq!(map["web"], BTreeSet::from(["db".to_owned()]));
        assert!(map["db"].is_empty());
    }
}
