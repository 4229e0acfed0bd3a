//! Runs a `plan::Plan` on the engine: every step as soon as the steps it comes after are
//! done, at most `--parallel` engine calls at a time (waits hold no slot), reporting
//! progress events on the channel. Decides nothing: what to do comes from the plan.
//! On the first failure or on cancellation no new step starts; running calls finish
//! (waits are abandoned), so whatever exists is labelled and a new `up` converges.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::models::{Mount, MountType, NetworkConnectRequest, NetworkDisconnectRequest};
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptions, RemoveContainerOptions, RemoveImageOptions,
    RemoveVolumeOptions, RenameContainerOptions, RestartContainerOptions, StopContainerOptions,
};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::{AbortHandle, JoinSet};

use super::connect::Engine;
use super::convert::{self, ContainerContext, CreateOptions, PeerContainer};
use super::error::{EngineError, ErrorContext, WaitFailure};
use super::events::Condition;
use super::resources;
use crate::hash;
use crate::labels;
use crate::model::{DependencyKind, Project, ServiceConfig};
use crate::output::events::{EventState, ProgressEvent, ProgressMessage, ResourceId, Status};
use crate::plan::reconcile::REPLACED_CAUSE;
use crate::plan::{Operation, Plan, Replacement, StepId, WaitCondition};

/// How often, at most, a network removal is retried while the engine says it still has
/// active endpoints (moby#42119: the last container's endpoint is released a moment late).
const NETWORK_REMOVAL_ATTEMPTS: u32 = 6;

/// What the steps need besides the plan: the project and what was computed from it.
#[derive(Debug, Clone, Default)]
pub struct ExecutionContext {
    pub project: Project,
    pub config_hashes: BTreeMap<String, String>,
    pub image_ids: BTreeMap<String, String>,
    pub working_dir: PathBuf,
    pub config_files: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    /// The project's interpolation environment (secrets/configs from `environment`).
    pub environment: BTreeMap<String, String>,
    /// `-t/--timeout` for stops, else each container's own stop timeout.
    pub stop_timeout: Option<i32>,
    /// At most this many engine calls at once; `None` is unlimited.
    pub parallel: Option<usize>,
}

/// How a run ended, when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    /// The first failure, as one line naming the service or resource.
    #[error("{0}")]
    Failed(String),
    #[error("interrupted")]
    Interrupted,
}

/// What a successful run leaves to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionReport {
    /// Non-fatal findings (optional dependencies that failed), for the command to print.
    pub warnings: Vec<String>,
}

/// The outcome of one step.
type StepResult = Result<Option<String>, String>;

/// Runs the plan. `cancel` turning true stops scheduling (Ctrl-C): the steps under way
/// finish, no other starts.
pub async fn execute(
    engine: &Engine,
    plan: &Plan,
    context: Arc<ExecutionContext>,
    progress: mpsc::Sender<ProgressMessage>,
    mut cancel: watch::Receiver<bool>,
) -> Result<ExecutionReport, ExecuteError> {
    let step_count = plan.steps.len();
    let mut waiting_on: Vec<usize> = plan.steps.iter().map(|step| step.after.len()).collect();
    let mut dependents: Vec<Vec<StepId>> = vec![Vec::new(); step_count];
    for (id, step) in plan.steps.iter().enumerate() {
        for before in &step.after {
            dependents[*before].push(id);
        }
    }
    let mut ready: VecDeque<StepId> = (0..step_count).filter(|id| waiting_on[*id] == 0).collect();
    let slots = Arc::new(Semaphore::new(
        context.parallel.unwrap_or(Semaphore::MAX_PERMITS),
    ));
    let mut running: JoinSet<(StepId, StepResult)> = JoinSet::new();
    let mut waits: HashMap<StepId, AbortHandle> = HashMap::new();
    let mut report = ExecutionReport::default();
    let mut failure: Option<String> = None;
    let mut cancelled = *cancel.borrow();
    loop {
        while failure.is_none() && !cancelled {
            let Some(id) = ready.pop_front() else {
                break;
            };
            let operation = plan.steps[id].operation.clone();
            // Stopping and removing the container a recreation replaces shows as one
            // `Recreate` … `Recreated` line, as the reference does.
            let silent = plan.steps[id].cause == REPLACED_CAUSE;
            let is_wait = operation.is_wait();
            let engine = engine.clone();
            let context = Arc::clone(&context);
            let progress = progress.clone();
            let slots = Arc::clone(&slots);
            let handle = running.spawn(async move {
                let _slot = if is_wait {
                    None
                } else {
                    match slots.acquire_owned().await {
                        Ok(slot) => Some(slot),
                        // Closed on cancellation: a step still waiting for its turn
                        // (`--parallel`) does not run.
                        Err(_) => return (id, Ok(None)),
                    }
                };
                (
                    id,
                    run_step(&engine, &operation, silent, &context, &progress).await,
                )
            });
            if is_wait {
                waits.insert(id, handle);
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            joined = running.join_next() => {
                let Some(joined) = joined else { break };
                let Ok((id, result)) = joined else {
                    // A wait abandoned on cancellation or failure.
                    continue;
                };
                waits.remove(&id);
                match result {
                    Ok(warning) => {
                        report.warnings.extend(warning);
                        for next in &dependents[id] {
                            waiting_on[*next] -= 1;
                            if waiting_on[*next] == 0 {
                                ready.push_back(*next);
                            }
                        }
                    }
                    Err(message) => {
                        if failure.is_none() {
                            failure = Some(message);
                            for handle in waits.values() {
                                handle.abort();
                            }
                        }
                    }
                }
            }
            changed = cancel.changed(), if !cancelled => {
                if changed.is_err() || *cancel.borrow() {
                    cancelled = true;
                    slots.close();
                    for handle in waits.values() {
                        handle.abort();
                    }
                }
            }
        }
    }
    match failure {
        Some(message) => Err(ExecuteError::Failed(message)),
        None if cancelled => Err(ExecuteError::Interrupted),
        None => Ok(report),
    }
}

async fn send(progress: &mpsc::Sender<ProgressMessage>, event: ProgressEvent) {
    // A closed display must not stop the work.
    let _ = progress.send(ProgressMessage::Event(event)).await;
}

async fn event(progress: &mpsc::Sender<ProgressMessage>, resource: &ResourceId, status: Status) {
    send(
        progress,
        ProgressEvent::new(resource.clone(), status, Instant::now()),
    )
    .await;
}

/// A resource's final `Warning` line with its detail (the step itself succeeds).
async fn warn(progress: &mpsc::Sender<ProgressMessage>, resource: ResourceId, detail: &str) {
    send(
        progress,
        ProgressEvent::new(resource, Status::Warning, Instant::now())
            .with_detail(detail)
            .with_state(EventState::Done),
    )
    .await;
}

async fn fail(
    progress: &mpsc::Sender<ProgressMessage>,
    resource: &ResourceId,
    service: Option<&str>,
    error: &EngineError,
) -> String {
    let detail = match error {
        EngineError::NotFound { message, .. }
        | EngineError::Conflict { message, .. }
        | EngineError::Response { message, .. }
        | EngineError::Communication { message, .. } => {
            format!("Error response from daemon: {message}")
        }
        other => other.to_string(),
    };
    send(
        progress,
        ProgressEvent::failed(resource.clone(), detail, Instant::now()),
    )
    .await;
    match service {
        Some(service) => format!("service `{service}`: {error}"),
        None => error.to_string(),
    }
}

/// Runs one operation; `Ok(Some(warning))` for a tolerated failure.
async fn run_step(
    engine: &Engine,
    operation: &Operation,
    silent: bool,
    context: &ExecutionContext,
    progress: &mpsc::Sender<ProgressMessage>,
) -> StepResult {
    match operation {
        Operation::CreateNetwork { network, name } => {
            let resource = ResourceId::network(name);
            event(progress, &resource, Status::Creating).await;
            let body = resources::network_create_request(&context.project, network);
            match engine.create_network_once(body).await {
                Ok(()) => {
                    event(progress, &resource, Status::Created).await;
                    Ok(None)
                }
                Err(error) => {
                    let error =
                        engine.error(error, ErrorContext::network(name.clone()).action("create"));
                    Err(fail(progress, &resource, None, &error).await)
                }
            }
        }
        Operation::CreateVolume { volume, name } => {
            let resource = ResourceId::volume(name);
            event(progress, &resource, Status::Creating).await;
            let body = resources::volume_create_request(&context.project, volume);
            match engine
                .write(
                    bollard::models::Volume::default(),
                    engine.docker.create_volume(body),
                )
                .await
            {
                Ok(_) => {
                    event(progress, &resource, Status::Created).await;
                    Ok(None)
                }
                Err(error) => {
                    let error =
                        engine.error(error, ErrorContext::volume(name.clone()).action("create"));
                    Err(fail(progress, &resource, None, &error).await)
                }
            }
        }
        Operation::CreateContainer {
            service,
            number,
            name,
            replaces,
        } => create_container(
            engine,
            context,
            progress,
            service,
            *number,
            name,
            replaces.as_ref(),
        )
        .await
        .map(|()| None),
        Operation::StartContainer { service, name } => {
            let resource = ResourceId::container(name);
            event(progress, &resource, Status::Starting).await;
            match engine
                .write((), engine.docker.start_container(name, None))
                .await
            {
                Ok(()) => {
                    event(progress, &resource, Status::Started).await;
                    Ok(None)
                }
                Err(error) => {
                    let error =
                        engine.error(error, ErrorContext::container(name.clone()).action("start"));
                    if error.is_not_modified() {
                        event(progress, &resource, Status::Started).await;
                        return Ok(None);
                    }
                    Err(fail(progress, &resource, Some(service), &error).await)
                }
            }
        }
        Operation::StopContainer { service, name } => {
            let resource = ResourceId::container(name);
            let quiet = silent;
            if !quiet {
                event(progress, &resource, Status::Stopping).await;
            }
            let options = StopContainerOptions {
                t: context.stop_timeout,
                ..StopContainerOptions::default()
            };
            match engine
                .write((), engine.docker.stop_container(name, Some(options)))
                .await
            {
                Ok(()) => {}
                Err(error) => {
                    let error =
                        engine.error(error, ErrorContext::container(name.clone()).action("stop"));
                    if !error.is_not_modified() && !error.is_not_found() {
                        return Err(fail(progress, &resource, Some(service), &error).await);
                    }
                }
            }
            if !quiet {
                event(progress, &resource, Status::Stopped).await;
            }
            Ok(None)
        }
        Operation::RestartContainer { service, name } => {
            let resource = ResourceId::container(name);
            event(progress, &resource, Status::Restart).await;
            let options = RestartContainerOptions {
                t: context.stop_timeout,
                ..RestartContainerOptions::default()
            };
            match engine
                .write((), engine.docker.restart_container(name, Some(options)))
                .await
            {
                Ok(()) => {
                    event(progress, &resource, Status::Restarted).await;
                    Ok(None)
                }
                Err(error) => {
                    let error = engine.error(
                        error,
                        ErrorContext::container(name.clone()).action("restart"),
                    );
                    Err(fail(progress, &resource, Some(service), &error).await)
                }
            }
        }
        Operation::RemoveContainer {
            service,
            name,
            volumes,
        } => {
            let resource = ResourceId::container(name);
            let quiet = silent;
            if !quiet {
                event(progress, &resource, Status::Removing).await;
            }
            let options = RemoveContainerOptions {
                v: *volumes,
                force: true,
                ..RemoveContainerOptions::default()
            };
            if let Err(error) = engine
                .write((), engine.docker.remove_container(name, Some(options)))
                .await
            {
                let error = engine.error(
                    error,
                    ErrorContext::container(name.clone()).action("remove"),
                );
                if !error.is_not_found() {
                    return Err(fail(progress, &resource, Some(service), &error).await);
                }
            }
            if !quiet {
                event(progress, &resource, Status::Removed).await;
            }
            Ok(None)
        }
        Operation::RenameContainer { service, from, to } => {
            let options = RenameContainerOptions { name: to.clone() };
            let resource = ResourceId::container(to);
            match engine
                .write((), engine.docker.rename_container(from, options))
                .await
            {
                Ok(()) => {
                    event(progress, &resource, Status::Recreated).await;
                    Ok(None)
                }
                Err(error) => {
                    let error = engine.error(
                        error,
                        ErrorContext::container(from.clone()).action("rename"),
                    );
                    Err(fail(progress, &resource, Some(service), &error).await)
                }
            }
        }
        Operation::KeepContainer { name, running, .. } => {
            let status = if *running {
                Status::Running
            } else {
                Status::Created
            };
            event(progress, &ResourceId::container(name), status).await;
            Ok(None)
        }
        Operation::WaitDependency {
            dependency,
            containers,
            condition,
            required,
            ..
        } => {
            wait_dependency(
                engine, progress, dependency, containers, *condition, *required,
            )
            .await
        }
        Operation::RemoveNetwork {
            name,
            keep_if_in_use,
        } => remove_network(engine, progress, name, *keep_if_in_use).await,
        Operation::DisconnectNetwork {
            service,
            container,
            network,
        } => disconnect_network(engine, progress, service, container, network).await,
        Operation::ConnectNetwork {
            service,
            number,
            container,
            name,
            ..
        } => {
            connect_network(
                engine,
                context,
                progress,
                (service, *number, container, name),
            )
            .await
        }
        Operation::RemoveVolume { name } => {
            let resource = ResourceId::volume(name);
            event(progress, &resource, Status::Removing).await;
            match engine
                .write(
                    (),
                    engine
                        .docker
                        .remove_volume(name, None::<RemoveVolumeOptions>),
                )
                .await
            {
                Ok(()) => {
                    event(progress, &resource, Status::Removed).await;
                    Ok(None)
                }
                Err(error) => {
                    let error =
                        engine.error(error, ErrorContext::volume(name.clone()).action("remove"));
                    if error.is_not_found() {
                        event(progress, &resource, Status::Removed).await;
                        return Ok(None);
                    }
                    Err(fail(progress, &resource, None, &error).await)
                }
            }
        }
        Operation::RemoveImage { image } => {
            let resource = ResourceId::image(image);
            event(progress, &resource, Status::Removing).await;
            match engine
                .write(
                    Vec::new(),
                    engine
                        .docker
                        .remove_image(image, None::<RemoveImageOptions>, None),
                )
                .await
            {
                Ok(_) => {
                    event(progress, &resource, Status::Removed).await;
                    Ok(None)
                }
                Err(error) => {
                    let error =
                        engine.error(error, ErrorContext::image(image.clone()).action("remove"));
                    if error.is_not_found() {
                        warn(progress, resource, "No resource found to remove").await;
                        return Ok(None);
                    }
                    Err(fail(progress, &resource, None, &error).await)
                }
            }
        }
    }
}

async fn create_container(
    engine: &Engine,
    context: &ExecutionContext,
    progress: &mpsc::Sender<ProgressMessage>,
    service_name: &str,
    number: u32,
    name: &str,
    replaces: Option<&Replacement>,
) -> Result<(), String> {
    let resource = ResourceId::container(replaces.map_or(name, |replaced| &replaced.old_name));
    let Some(service) = context.project.services.get(service_name) else {
        return Err(format!("no such service: {service_name}"));
    };
    event(
        progress,
        &resource,
        if replaces.is_some() {
            Status::Recreate
        } else {
            Status::Creating
        },
    )
    .await;
    let mut spec = match service_spec(
        engine,
        context,
        service_name,
        service,
        number,
        name,
        replaces.map(|replaced| replaced.old_name.clone()),
    )
    .await
    {
        Ok(spec) => spec,
        Err(SpecFailure::Engine(error)) => {
            return Err(fail(progress, &resource, Some(service_name), &error).await);
        }
        Err(SpecFailure::Convert(error)) => {
            send(
                progress,
                ProgressEvent::failed(resource.clone(), error.message.clone(), Instant::now()),
            )
            .await;
            return Err(error.to_string());
        }
    };
    if let Some(replaced) = replaces {
        inherit_mounts(&mut spec.body, &replaced.inherited_mounts);
    }
    let files = match convert::secrets_and_configs_to_copy(
        &context.project,
        service_name,
        service,
        &context.environment,
    ) {
        Ok(files) => files,
        Err(error) => return Err(error.to_string()),
    };
    let container_id = match convert::create_container(engine, name, &spec).await {
        Ok(id) => id,
        Err(error) => {
            let _ = fail(progress, &resource, Some(service_name), &error).await;
            return Err(convert::explain_create_error(service_name, &error));
        }
    };
    if !files.is_empty() {
        if let Err(error) = convert::copy_files(engine, &container_id, &files).await {
            return Err(fail(progress, &resource, Some(service_name), &error).await);
        }
    }
    if replaces.is_none() {
        event(progress, &resource, Status::Created).await;
    }
    Ok(())
}

/// Why a container spec could not be made.
enum SpecFailure {
    Engine(EngineError),
    Convert(convert::ConvertError),
}

/// The create spec of replica `number` of a service, named `name`. Peers (`links`,
/// `volumes_from`, `service:` namespaces) resolve to the containers as they are now, after
/// the dependencies were converged, as in the reference.
async fn service_spec(
    engine: &Engine,
    context: &ExecutionContext,
    service_name: &str,
    service: &ServiceConfig,
    number: u32,
    name: &str,
    replaces: Option<String>,
) -> Result<convert::ContainerSpec, SpecFailure> {
    let service_containers = if refers_to_containers(service) {
        peer_containers(engine, &context.project.name)
            .await
            .map_err(SpecFailure::Engine)?
    } else {
        BTreeMap::new()
    };
    let config_hash = if service_containers.is_empty() {
        context
            .config_hashes
            .get(service_name)
            .cloned()
            .unwrap_or_default()
    } else {
        convert::effective_service(service_name, service, &service_containers).map_or_else(
            |_| String::new(),
            |effective| hash::service_hash(&effective),
        )
    };
    let container_context = ContainerContext {
        project: &context.project,
        service_name,
        service,
        number,
        container_name: name.to_owned(),
        oneoff: false,
        config_hash,
        image_id: context.image_ids.get(service_name).cloned(),
        working_dir: &context.working_dir,
        config_files: &context.config_files,
        env_files: &context.env_files,
        replaces,
        options: CreateOptions {
            api_version: engine.api_version(),
            service_containers,
            default_platform: context.environment.get("DOCKER_DEFAULT_PLATFORM").cloned(),
            ..CreateOptions::default()
        },
    };
    convert::try_container_spec(&container_context).map_err(SpecFailure::Convert)
}

/// Takes a container off a network about to be recreated (forced, so a stopped container's
/// endpoint goes too).
async fn disconnect_network(
    engine: &Engine,
    progress: &mpsc::Sender<ProgressMessage>,
    service: &str,
    container: &str,
    network: &str,
) -> StepResult {
    let request = NetworkDisconnectRequest {
        container: container.to_owned(),
        force: Some(true),
    };
    match engine
        .write((), engine.docker.disconnect_network(network, request))
        .await
    {
        Ok(()) => Ok(None),
        Err(error) => {
            let error = engine.error(error, ErrorContext::network(network).action("disconnect"));
            if error.is_not_found() {
                return Ok(None);
            }
            let resource = ResourceId::container(container);
            Err(fail(progress, &resource, Some(service), &error).await)
        }
    }
}

/// Connects a container again to a recreated network, with the endpoint its service's
/// spec gives it (aliases, addresses, driver options), or a plain one for containers of
/// services the project no longer has.
async fn connect_network(
    engine: &Engine,
    context: &ExecutionContext,
    progress: &mpsc::Sender<ProgressMessage>,
    step: (&str, Option<u32>, &str, &str),
) -> StepResult {
    let (service_name, number, container, network_name) = step;
    let resource = ResourceId::container(container);
    let endpoint = match context.project.services.get(service_name) {
        Some(service) => {
            match service_spec(
                engine,
                context,
                service_name,
                service,
                number.unwrap_or(1),
                container,
                None,
            )
            .await
            {
                Ok(spec) => spec_endpoint(spec, network_name),
                Err(SpecFailure::Engine(error)) => {
                    return Err(fail(progress, &resource, Some(service_name), &error).await);
                }
                Err(SpecFailure::Convert(error)) => return Err(error.to_string()),
            }
        }
        None => None,
    };
    let request = NetworkConnectRequest {
        container: container.to_owned(),
        endpoint_config: endpoint,
    };
    match engine
        .write((), engine.docker.connect_network(network_name, request))
        .await
    {
        Ok(()) => Ok(None),
        Err(error) => {
            let error = engine.error(error, ErrorContext::network(network_name).action("connect"));
            Err(fail(progress, &resource, Some(service_name), &error).await)
        }
    }
}

/// The endpoint a container spec asks for on one network.
fn spec_endpoint(
    spec: convert::ContainerSpec,
    network_name: &str,
) -> Option<bollard::models::EndpointSettings> {
    spec.body
        .networking_config
        .and_then(|config| config.endpoints_config)
        .and_then(|mut endpoints| endpoints.remove(network_name))
        .or_else(|| {
            spec.extra_networks
                .into_iter()
                .find(|extra| extra.network_name == network_name)
                .map(|extra| extra.endpoint)
        })
}

/// Mounts the replaced container's anonymous volumes at the same targets, in place of the
/// fresh anonymous volumes the spec would get.
fn inherit_mounts(
    body: &mut bollard::models::ContainerCreateBody,
    mounts: &[crate::plan::observed::ObservedMount],
) {
    if mounts.is_empty() {
        return;
    }
    let host_config = body.host_config.get_or_insert_with(Default::default);
    let existing = host_config.mounts.get_or_insert_with(Vec::new);
    for mount in mounts {
        existing.retain(|other| {
            other.target.as_deref() != Some(mount.destination.as_str())
                || other
                    .source
                    .as_deref()
                    .is_some_and(|source| !source.is_empty())
        });
        if let Some(volumes) = body.volumes.as_mut() {
            volumes.retain(|target| target != &mount.destination);
        }
        existing.push(Mount {
            target: Some(mount.destination.clone()),
            source: mount.name.clone(),
            typ: Some(MountType::VOLUME),
            ..Mount::default()
        });
    }
}

async fn wait_dependency(
    engine: &Engine,
    progress: &mpsc::Sender<ProgressMessage>,
    dependency: &str,
    containers: &[String],
    condition: WaitCondition,
    required: bool,
) -> StepResult {
    let mut waits = JoinSet::new();
    for container in containers {
        let engine = engine.clone();
        let progress = progress.clone();
        let container = container.clone();
        waits.spawn(async move {
            let resource = ResourceId::container(&container);
            event(&progress, &resource, Status::Waiting).await;
            let met = if condition == WaitCondition::CompletedSuccessfully {
                Status::Exited
            } else {
                Status::Healthy
            };
            if engine.is_dry_run() {
                // Nothing was started: the condition counts as met, as the reference's
                // dry-run client reports every container running and healthy.
                return (container, resource, Ok(met));
            }
            let engine_condition = match condition {
                WaitCondition::Healthy => Condition::Healthy,
                WaitCondition::CompletedSuccessfully => Condition::ExitedSuccessfully,
                WaitCondition::RunningOrHealthy => {
                    match engine.container_status(&container).await {
                        Ok(Some(status)) if status.has_healthcheck => Condition::Healthy,
                        _ => Condition::Running,
                    }
                }
            };
            let result = match engine.wait_for(&container, engine_condition, None).await {
                Ok(_) => Ok(met),
                // `--wait`: a one-shot container that exited 0 has done its job (the
                // reference fails here unless another service waits for its completion,
                // docker/compose#10596).
                Err(EngineError::WaitFailed {
                    failure: WaitFailure::Exited { exit_code: 0 },
                    ..
                }) if condition == WaitCondition::RunningOrHealthy => Ok(Status::Exited),
                Err(error) => Err(error),
            };
            (container, resource, result)
        });
    }
    let mut first_failure: Option<String> = None;
    while let Some(joined) = waits.join_next().await {
        let Ok((container, resource, result)) = joined else {
            continue;
        };
        match result {
            Ok(status) => event(progress, &resource, status).await,
            Err(error) => {
                let message = describe_wait_failure(dependency, &container, condition, &error);
                let event = if required {
                    ProgressEvent::failed(resource, message.clone(), Instant::now())
                } else {
                    ProgressEvent::warning(
                        resource,
                        format!("optional dependency {message}"),
                        Instant::now(),
                    )
                };
                send(progress, event).await;
                first_failure.get_or_insert(message);
            }
        }
    }
    match first_failure {
        None => Ok(None),
        Some(message) if required => Err(message),
        Some(message) => Ok(Some(format!("optional dependency {message}"))),
    }
}

/// The reference's words: `service "init" didn't complete successfully: exit 4`,
/// `dependency failed to start: container p-db-1 is unhealthy` (plus the last health output);
/// for `--wait`, without the `dependency failed to start: ` prefix.
fn describe_wait_failure(
    dependency: &str,
    container: &str,
    condition: WaitCondition,
    error: &EngineError,
) -> String {
    let message = describe_dependency_failure(dependency, container, condition, error);
    if condition == WaitCondition::RunningOrHealthy {
        if let Some(rest) = message.strip_prefix("dependency failed to start: ") {
            return rest.to_owned();
        }
    }
    message
}

fn describe_dependency_failure(
    dependency: &str,
    container: &str,
    condition: WaitCondition,
    error: &EngineError,
) -> String {
    match (condition, error) {
        (
            WaitCondition::CompletedSuccessfully,
            EngineError::WaitFailed {
                failure: WaitFailure::Exited { exit_code },
                ..
            },
        ) => format!("service \"{dependency}\" didn't complete successfully: exit {exit_code}"),
        (
            _,
            EngineError::WaitFailed {
                failure: WaitFailure::Exited { exit_code },
                ..
            },
        ) => format!("dependency failed to start: container {container} exited ({exit_code})"),
        (
            _,
            EngineError::WaitFailed {
                failure: WaitFailure::Unhealthy { last_output },
                ..
            },
        ) => match last_output {
            Some(output) => format!(
                "dependency failed to start: container {container} is unhealthy (last check: {output})"
            ),
            None => format!("dependency failed to start: container {container} is unhealthy"),
        },
        (
            _,
            EngineError::WaitFailed {
                failure: WaitFailure::NoHealthcheck,
                ..
            },
        ) => format!(
            "dependency failed to start: container {container} has no healthcheck configured"
        ),
        (_, other) => format!("dependency {dependency}: {other}"),
    }
}

async fn remove_network(
    engine: &Engine,
    progress: &mpsc::Sender<ProgressMessage>,
    name: &str,
    keep_if_in_use: bool,
) -> StepResult {
    let resource = ResourceId::network(name);
    event(progress, &resource, Status::Removing).await;
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=NETWORK_REMOVAL_ATTEMPTS {
        let error = match engine.write((), engine.docker.remove_network(name)).await {
            Ok(()) => {
                event(progress, &resource, Status::Removed).await;
                return Ok(None);
            }
            Err(error) => engine.error(error, ErrorContext::network(name).action("remove")),
        };
        if error.is_not_found() {
            event(progress, &resource, Status::Removed).await;
            return Ok(None);
        }
        let busy = error.to_string().contains("active endpoints");
        // A container that still exists holds it for good: no point waiting (the
        // reference checks the network's containers before removing).
        if busy
            && keep_if_in_use
            && (attempt == NETWORK_REMOVAL_ATTEMPTS
                || network_has_live_container(engine, name).await)
        {
            warn(progress, resource, "Resource is still in use").await;
            return Ok(None);
        }
        if !busy || attempt == NETWORK_REMOVAL_ATTEMPTS {
            let message = fail(progress, &resource, None, &error).await;
            return Err(if busy {
                format!(
                    "{message} (containers outside the project may still use it, or the engine released its endpoints late: moby#42119)"
                )
            } else {
                message
            });
        }
        // The engine frees the endpoint of a removed container shortly after answering.
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
    Ok(None)
}

/// Whether a container attached to the network still exists (rather than an endpoint the
/// engine has not released yet after a removal). Unknown counts as no.
async fn network_has_live_container(engine: &Engine, name: &str) -> bool {
    let Ok(network) = engine.docker.inspect_network(name, None).await else {
        return false;
    };
    for id in network.containers.unwrap_or_default().keys() {
        if engine
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .is_ok()
        {
            return true;
        }
    }
    false
}

/// Whether the service names other containers in its config (so its spec and hash
/// depend on their ids).
fn refers_to_containers(service: &ServiceConfig) -> bool {
    service
        .dependencies()
        .iter()
        .any(|(_, kind)| *kind != DependencyKind::DependsOn)
        || service
            .network_mode
            .starts_with(ServiceConfig::CONTAINER_PREFIX)
}

/// The project's containers by service, one-offs excluded, in the engine's order.
async fn peer_containers(
    engine: &Engine,
    project_name: &str,
) -> Result<BTreeMap<String, Vec<PeerContainer>>, EngineError> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "label".to_owned(),
            vec![
                format!("{}={project_name}", labels::PROJECT),
                format!("{}=False", labels::ONEOFF),
            ],
        )])),
        ..ListContainersOptions::default()
    };
    let summaries = engine
        .docker
        .list_containers(Some(options))
        .await
        .map_err(|error| {
            engine.error(
                error,
                ErrorContext::project(project_name).action("list the containers of"),
            )
        })?;
    let mut peers: BTreeMap<String, Vec<PeerContainer>> = BTreeMap::new();
    for summary in summaries {
        let labels = summary.labels.unwrap_or_default();
        let Some(service) = labels.get(labels::SERVICE) else {
            continue;
        };
        let name = summary
            .names
            .unwrap_or_default()
            .first()
            .map(|name| name.trim_start_matches('/').to_owned())
            .unwrap_or_default();
        peers
            .entry(service.clone())
            .or_default()
            .push(PeerContainer {
                id: summary.id.unwrap_or_default(),
                name,
            });
    }
    Ok(peers)
}
