//! `stack deploy`: load → convert (all errors before anything is created) → check the node
//! is a manager → prune → networks → secrets/configs (create, or update their labels at
//! their current version; changed data goes under a versioned name) → services (update in
//! place at their current version, else create) → remove the older secret/config versions →
//! with `--detach=false`, wait for convergence (and stable tasks) with a progress display.
//! Follows docker/cli `stack/swarm/deploy_composefile.go`, including its stdout lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::Sender;

use crate::cli::{ResolveImage, StackDeployArgs};
use crate::commands::context::CommandContext;
use crate::commands::exit;
use crate::commands::target::{self, Progress};
use crate::engine::swarm::{SwarmService, SwarmTask, Upserted};
use crate::engine::{Engine, EngineError};
use crate::loader::SkipStages;
use crate::output::events::{EventState, ProgressEvent, ProgressMessage, ResourceId, Status};
use crate::output::printer;
use crate::swarm::spec::{FileObjectSpec, ServiceSpec};
use crate::swarm::version::FileObjectKind;
use crate::swarm::{self, Inputs, LABEL_IMAGE, Stack};

/// How often convergence is checked (the docker CLI polls too: tasks have no events).
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How long converged tasks must keep running by default (docker/cli `defaultMonitor`).
const DEFAULT_STABILITY_PERIOD: Duration = Duration::from_secs(5);
/// A service whose tasks failed this many times since the deploy has failed.
const FAILED_TASKS_LIMIT: usize = 3;

/// A failure already reported to the user, with its exit code.
type Reported = i32;

pub fn run(context: &CommandContext, args: &StackDeployArgs) -> i32 {
    let stack_name = args
        .stack
        .clone()
        .or_else(|| context.global.project_name.clone());
    let loaded = match super::load(
        context,
        &args.compose_files,
        stack_name.as_deref(),
        SkipStages::default(),
    ) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let namespace = loaded.project.name.clone();
    let read_file = |path: &Path| std::fs::read(path);
    let inputs = Inputs {
        environment: &loaded.environment,
        read_file: &read_file,
    };
    let stack = match swarm::convert(&loaded.project, &namespace, &inputs) {
        Ok(stack) => stack,
        Err(errors) => {
            for message in &errors.0 {
                printer::stderr_line(message);
            }
            return exit::USER_ERROR;
        }
    };
    for warning in &stack.warnings {
        printer::stderr_line(warning);
    }
    let registry_auth = if args.with_registry_auth {
        Some(registry_auths(&stack))
    } else {
        None
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        match deploy(context, &engine, stack, args, registry_auth.as_ref()).await {
            Ok(()) => exit::OK,
            Err(code) => code,
        }
    })
}

async fn deploy(
    context: &CommandContext,
    engine: &Engine,
    mut stack: Stack,
    args: &StackDeployArgs,
    registry_auth: Option<&BTreeMap<String, String>>,
) -> Result<(), Reported> {
    let report = |error: EngineError| target::report(&error);
    super::require_manager(engine).await?;
    let namespace = stack.namespace.clone();
    if args.prune {
        prune(engine, &stack).await.map_err(report)?;
    }

    for name in &stack.external_networks {
        check_external_network(engine, name).await?;
    }
    let existing_networks: BTreeSet<String> = engine
        .stack_networks(Some(&namespace))
        .await
        .map_err(report)?
        .into_iter()
        .map(|network| network.name)
        .collect();
    // Existing stack networks are never updated (docker/cli `createNetworks`).
    for network in &stack.networks {
        if existing_networks.contains(&network.name) {
            continue;
        }
        printer::stdout(&format!("Creating network {}\n", network.name));
        engine.create_swarm_network(network).await.map_err(report)?;
    }
    let file_objects = deploy_file_objects(engine, &mut stack).await?;
    resolve_object_ids(engine, &mut stack).await?;

    let existing: BTreeMap<String, SwarmService> = engine
        .stack_services(Some(&namespace), &BTreeMap::new())
        .await
        .map_err(report)?
        .into_iter()
        .map(|service| (service.name.clone(), service))
        .collect();
    let mut deployed = Vec::new();
    for spec in stack.services.values_mut() {
        let auth =
            registry_auth.and_then(|auths| auths.get(&spec.task_template.container_spec.image));
        let service_id = if let Some(service) = existing.get(&spec.name) {
            printer::stdout(&format!(
                "Updating service {} (id: {})\n",
                spec.name, service.id
            ));
            let compose_image = spec.task_template.container_spec.image.clone();
            let unchanged = service.labels.get(LABEL_IMAGE) == Some(&compose_image);
            let query_registry = match args.resolve_image {
                ResolveImage::Always => true,
                ResolveImage::Changed => !unchanged,
                ResolveImage::Never => false,
            };
            if query_registry {
                pin_digest(engine, spec).await;
            } else if unchanged {
                // Keep the digest a previous deploy pinned: otherwise the update would
                // restart every task for nothing.
                spec.task_template
                    .container_spec
                    .image
                    .clone_from(&service.image);
            }
            // Stack deploy has no `--force`: keep the counter so tasks are not redeployed.
            spec.task_template.force_update = service.force_update;
            let warnings = engine
                .update_service(&service.id, service.version, spec, auth.map(String::as_str))
                .await
                .map_err(report)?;
            for warning in warnings {
                printer::stderr_line(&warning);
            }
            service.id.clone()
        } else {
            printer::stdout(&format!("Creating service {}\n", spec.name));
            if args.resolve_image != ResolveImage::Never {
                pin_digest(engine, spec).await;
            }
            let (service_id, warnings) = engine
                .create_service(spec, auth.map(String::as_str))
                .await
                .map_err(report)?;
            for warning in warnings {
                printer::stderr_line(&warning);
            }
            service_id
        };
        deployed.push((service_id, spec.name.clone()));
    }

    remove_old_versions(engine, &namespace, &file_objects).await;

    if args.detach {
        return Ok(());
    }
    let progress = if args.quiet {
        None
    } else {
        Some(Progress::start(context, "Converging")?)
    };
    let sender = progress.as_ref().map(|progress| progress.sender.clone());
    let result = converge(engine, &namespace, &deployed, sender.as_ref()).await;
    drop(sender);
    if let Some(progress) = progress {
        progress.finish().await;
    }
    match result {
        Ok(()) => Ok(()),
        Err(Failure::Engine(error)) => Err(report(error)),
        Err(Failure::Service { name, message }) => {
            printer::stderr_line(&format!("service `{name}` did not converge: {message}"));
            Err(exit::USER_ERROR)
        }
    }
}

/// A secret or config of the stack: its name in the file's terms and the name it is
/// deployed under (a versioned one when its data changed).
struct DeployedFileObject {
    kind: FileObjectKind,
    name: String,
    deployed_name: String,
}

/// Creates or updates the stack's secrets, then its configs (docker/cli `createSecrets`,
/// `createConfigs`, with their `Creating secret x` lines). Swarm cannot change the data of
/// an existing one, where `docker stack deploy` fails: the new data is deployed under a
/// versioned name instead (`swarm::version`) and the services are pointed at it.
async fn deploy_file_objects(
    engine: &Engine,
    stack: &mut Stack,
) -> Result<Vec<DeployedFileObject>, Reported> {
    let mut deployed = Vec::new();
    for kind in [FileObjectKind::Secret, FileObjectKind::Config] {
        let mut specs = match kind {
            FileObjectKind::Secret => std::mem::take(&mut stack.secrets),
            FileObjectKind::Config => std::mem::take(&mut stack.configs),
        };
        for spec in &mut specs {
            let name = spec.name.clone();
            upsert_versioned(engine, kind, spec).await?;
            if spec.name != name {
                swarm::version::rename_references(&mut stack.services, kind, &name, &spec.name);
            }
            deployed.push(DeployedFileObject {
                kind,
                name,
                deployed_name: spec.name.clone(),
            });
        }
        match kind {
            FileObjectKind::Secret => stack.secrets = specs,
            FileObjectKind::Config => stack.configs = specs,
        }
    }
    Ok(deployed)
}

/// Creates or updates one secret or config; renames `spec` to its versioned name when that
/// version exists already or when the data under the plain name differs.
async fn upsert_versioned(
    engine: &Engine,
    kind: FileObjectKind,
    spec: &mut FileObjectSpec,
) -> Result<(), Reported> {
    let report = |error: EngineError| target::report(&error);
    // Without data (a secret driver) there is nothing to version.
    let versioned =
        (!spec.data.is_empty()).then(|| swarm::version::versioned_name(&spec.name, &spec.data));
    if let Some(versioned) = &versioned {
        let existing = engine
            .file_object_ids(kind, &[versioned.as_str()])
            .await
            .map_err(report)?;
        if existing.contains_key(versioned) {
            spec.name.clone_from(versioned);
        }
    }
    let mut upserted = engine
        .upsert_file_object(kind, spec)
        .await
        .map_err(report)?;
    if upserted == Upserted::DataChanged {
        if let Some(versioned) = versioned.filter(|versioned| *versioned != spec.name) {
            printer::stderr_line(&format!(
                "{} `{}` has new data, which swarm cannot change in place: deploying it as `{versioned}`",
                kind.as_str(),
                spec.name
            ));
            spec.name = versioned;
            upserted = engine
                .upsert_file_object(kind, spec)
                .await
                .map_err(report)?;
        }
    }
    match upserted {
        Upserted::Created => {
            printer::stdout(&format!("Creating {} {}\n", kind.as_str(), spec.name));
            Ok(())
        }
        Upserted::Updated => Ok(()),
        Upserted::DataChanged => {
            printer::stderr_line(&format!(
                "cannot update {} `{}`: swarm does not change the data of an existing one; give it a new `name` in the compose file, or remove the stack first",
                kind.as_str(),
                spec.name
            ));
            Err(exit::USER_ERROR)
        }
    }
}

/// Removes the older versions of the stack's secrets and configs (the plain name or other
/// versioned names than the one deployed), now that no service of the stack uses them.
/// One still in use elsewhere is kept with a warning.
async fn remove_old_versions(engine: &Engine, namespace: &str, deployed: &[DeployedFileObject]) {
    for kind in [FileObjectKind::Secret, FileObjectKind::Config] {
        if !deployed.iter().any(|object| object.kind == kind) {
            continue;
        }
        let listed = match kind {
            FileObjectKind::Secret => engine.stack_secrets(namespace).await,
            FileObjectKind::Config => engine.stack_configs(namespace).await,
        };
        let Ok(listed) = listed else {
            continue;
        };
        for existing in listed {
            let is_old_version = deployed.iter().any(|object| {
                object.kind == kind
                    && existing.name != object.deployed_name
                    && swarm::version::is_version_of(&existing.name, &object.name)
            });
            if !is_old_version {
                continue;
            }
            printer::stdout(&format!("Removing {} {}\n", kind.as_str(), existing.name));
            let removed = match kind {
                FileObjectKind::Secret => engine.remove_secret(&existing.id, &existing.name).await,
                FileObjectKind::Config => engine.remove_config(&existing.id, &existing.name).await,
            };
            if let Err(error) = removed {
                printer::stderr_line(&format!("warning: {error}"));
            }
        }
    }
}

/// Removes the stack's services that the file no longer has (docker/cli `pruneServices`).
async fn prune(engine: &Engine, stack: &Stack) -> Result<(), EngineError> {
    let wanted: BTreeSet<&str> = stack
        .services
        .values()
        .map(|spec| spec.name.as_str())
        .collect();
    let services = engine
        .stack_services(Some(&stack.namespace), &BTreeMap::new())
        .await?;
    for service in services {
        if !wanted.contains(service.name.as_str()) {
            printer::stdout(&format!("Removing service {}\n", service.name));
            engine.remove_service(&service.id, &service.name).await?;
        }
    }
    Ok(())
}

/// An external network must exist with the swarm scope (docker/cli `validateExternalNetworks`).
async fn check_external_network(engine: &Engine, name: &str) -> Result<(), Reported> {
    if matches!(name, "bridge" | "host" | "none" | "default") || name.starts_with("container:") {
        return Ok(());
    }
    match engine.network_scope(name).await {
        Ok(Some(scope)) if scope == "swarm" => Ok(()),
        Ok(Some(scope)) => {
            printer::stderr_line(&format!(
                "network `{name}` is declared as external, but it is not in the right scope: `{scope}` instead of `swarm`"
            ));
            Err(exit::USER_ERROR)
        }
        Ok(None) => {
            printer::stderr_line(&format!(
                "network `{name}` is declared as external, but could not be found"
            ));
            printer::stderr_line(
                "create a swarm-scoped network (`docker network create -d overlay`) before the stack is deployed",
            );
            Err(exit::USER_ERROR)
        }
        Err(error) => Err(target::report(&error)),
    }
}

/// Fills in the ids of the secrets and configs the services use (docker/cli
/// `ParseSecrets`/`ParseConfigs`); a missing one (an external that does not exist) fails.
async fn resolve_object_ids(engine: &Engine, stack: &mut Stack) -> Result<(), Reported> {
    let secret_names: BTreeSet<String> = stack
        .services
        .values()
        .flat_map(|spec| spec.task_template.container_spec.secrets.iter())
        .map(|reference| reference.secret_name.clone())
        .collect();
    let config_names: BTreeSet<String> = stack
        .services
        .values()
        .flat_map(|spec| spec.task_template.container_spec.configs.iter())
        .map(|reference| reference.config_name.clone())
        .collect();
    let secret_ids = engine
        .secret_ids(&names(&secret_names))
        .await
        .map_err(|error| target::report(&error))?;
    let config_ids = engine
        .config_ids(&names(&config_names))
        .await
        .map_err(|error| target::report(&error))?;
    for (service_name, spec) in &mut stack.services {
        let container = &mut spec.task_template.container_spec;
        for reference in &mut container.secrets {
            let Some(id) = secret_ids.get(&reference.secret_name) else {
                printer::stderr_line(&format!(
                    "service `{service_name}`: secret not found: `{}`",
                    reference.secret_name
                ));
                return Err(exit::USER_ERROR);
            };
            reference.secret_id.clone_from(id);
        }
        for reference in &mut container.configs {
            let Some(id) = config_ids.get(&reference.config_name) else {
                printer::stderr_line(&format!(
                    "service `{service_name}`: config not found: `{}`",
                    reference.config_name
                ));
                return Err(exit::USER_ERROR);
            };
            reference.config_id.clone_from(id);
        }
    }
    Ok(())
}

fn names(set: &BTreeSet<String>) -> Vec<&str> {
    set.iter().map(String::as_str).collect()
}

/// `--resolve-image always|changed`: pins `image@digest` from the registry; when the
/// registry cannot be reached, warns as the docker CLI does and keeps the tag.
async fn pin_digest(engine: &Engine, spec: &mut ServiceSpec) {
    let image = spec.task_template.container_spec.image.clone();
    if image.contains('@') {
        return;
    }
    match engine.registry_digest(&image).await {
        Ok(digest) if !digest.is_empty() => {
            spec.task_template.container_spec.image = format!("{image}@{digest}");
        }
        _ => printer::stderr_line(&format!(
            "image {image} could not be accessed on a registry to record\nits digest. Each node will access {image} independently,\npossibly leading to different nodes running different\nversions of the image."
        )),
    }
}

/// Per image, the encoded registry credentials from the docker CLI's config file
/// (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), for `--with-registry-auth`.
// TODO(registry): only `auths.<registry>.auth` entries are read; use the registry
// credentials module (credsStore, credHelpers, identitytoken) once it lands.
fn registry_auths(stack: &Stack) -> BTreeMap<String, String> {
    let config_directory = std::env::var_os("DOCKER_CONFIG").map_or_else(
        || {
            std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".docker"))
                .unwrap_or_default()
        },
        std::path::PathBuf::from,
    );
    let config: serde_json::Value = std::fs::read(config_directory.join("config.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    registry_auths_from(&config, stack)
}

/// [`registry_auths`] from the parsed config file.
fn registry_auths_from(config: &serde_json::Value, stack: &Stack) -> BTreeMap<String, String> {
    let mut auths = BTreeMap::new();
    for spec in stack.services.values() {
        let image = &spec.task_template.container_spec.image;
        let registry = registry_of(image);
        let keys = if registry == "docker.io" {
            vec![
                "https://index.docker.io/v1/".to_owned(),
                "docker.io".to_owned(),
                "index.docker.io".to_owned(),
            ]
        } else {
            vec![registry.clone(), format!("https://{registry}")]
        };
        let Some(entry) = keys
            .iter()
            .find_map(|key| config.pointer(&format!("/auths/{}", key.replace('/', "~1"))))
        else {
            continue;
        };
        let decoded = entry
            .get("auth")
            .and_then(serde_json::Value::as_str)
            .map(decode_basic)
            .unwrap_or_default();
        let Some((username, password)) = decoded.split_once(':') else {
            continue;
        };
        let credentials = serde_json::json!({
            "username": username,
            "password": password,
            "serveraddress": keys[0],
        });
        auths.insert(
            image.clone(),
            swarm::spec::base64(credentials.to_string().as_bytes()),
        );
    }
    auths
}

/// The registry host of an image reference (`docker.io` when none is named).
fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first.to_owned(),
        _ => "docker.io".to_owned(),
    }
}

/// Decodes the base64 `user:password` of a docker config `auth` entry.
fn decode_basic(encoded: &str) -> String {
    let value = |byte: u8| -> Option<u32> {
        Some(u32::from(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut bytes = Vec::new();
    let mut buffer = 0_u32;
    let mut bits = 0;
    for digit in encoded.bytes().filter_map(value) {
        buffer = (buffer << 6) | digit;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push(u8::try_from((buffer >> bits) & 0xff).unwrap_or_default());
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

enum Failure {
    Engine(EngineError),
    Service { name: String, message: String },
}

impl From<EngineError> for Failure {
    fn from(error: EngineError) -> Self {
        Self::Engine(error)
    }
}

/// Where one service stands while converging.
#[derive(Debug, PartialEq, Eq)]
enum Convergence {
    Pending { detail: String },
    Done { detail: String },
    Failed { message: String },
}

/// Judges one service from its spec and tasks. `known_failures` are the failed tasks
/// that existed before the deploy (they do not count).
fn judge(
    service: &SwarmService,
    tasks: &[SwarmTask],
    known_failures: &BTreeSet<String>,
) -> Convergence {
    if let Some(state) = &service.update_state {
        if matches!(
            state.as_str(),
            "paused" | "rollback_started" | "rollback_paused" | "rollback_completed"
        ) {
            let message = service
                .update_message
                .clone()
                .unwrap_or_else(|| format!("update {}", state.replace('_', " ")));
            return Convergence::Failed { message };
        }
    }
    let failures: Vec<&SwarmTask> = tasks
        .iter()
        .filter(|task| matches!(task.state.as_str(), "failed" | "rejected"))
        .filter(|task| !known_failures.contains(&task.id))
        .collect();
    if failures.len() >= FAILED_TASKS_LIMIT {
        let last = failures
            .iter()
            .max_by(|left, right| left.timestamp.cmp(&right.timestamp))
            .map(|task| {
                if task.error.is_empty() {
                    task.message.clone()
                } else {
                    task.error.clone()
                }
            })
            .unwrap_or_default();
        return Convergence::Failed {
            message: format!("{} tasks failed, the last one with: {last}", failures.len()),
        };
    }
    let updating = service.update_state.as_deref() == Some("updating");
    let wanted_running: Vec<&SwarmTask> = tasks
        .iter()
        .filter(|task| task.desired_state == "running")
        .collect();
    let running = wanted_running
        .iter()
        .filter(|task| task.state == "running")
        .count();
    match service.mode.as_str() {
        "replicated-job" | "global-job" => {
            let completed = tasks.iter().filter(|task| task.state == "complete").count();
            let total = match service.mode.as_str() {
                "replicated-job" => {
                    usize::try_from(service.replicas.unwrap_or(1)).unwrap_or(usize::MAX)
                }
                _ => tasks
                    .iter()
                    .filter(|task| task.desired_state == "complete")
                    .count()
                    .max(1),
            };
            let detail = format!("{completed}/{total} completed");
            if completed >= total {
                Convergence::Done { detail }
            } else {
                Convergence::Pending { detail }
            }
        }
        mode => {
            let wanted = if mode == "global" {
                wanted_running.len().max(1)
            } else {
                usize::try_from(service.replicas.unwrap_or(1)).unwrap_or(usize::MAX)
            };
            let detail = format!("{running}/{wanted} running");
            if running == wanted && wanted_running.len() == wanted && !updating {
                Convergence::Done { detail }
            } else {
                Convergence::Pending { detail }
            }
        }
    }
}

/// How long a converged service's tasks must keep running before the deploy is done: the
/// service's `update_config.monitor`, else the docker CLI's 5 seconds (`defaultMonitor`);
/// a task that fails meanwhile is caught. Jobs are done when they complete.
fn stability_period(service: &SwarmService) -> Duration {
    if matches!(service.mode.as_str(), "replicated-job" | "global-job") {
        Duration::ZERO
    } else if service.update_monitor_nanoseconds > 0 {
        Duration::from_nanos(service.update_monitor_nanoseconds)
    } else {
        DEFAULT_STABILITY_PERIOD
    }
}

/// Waits until every deployed service converges and stays so for its stability period,
/// reporting progress per service.
async fn converge(
    engine: &Engine,
    namespace: &str,
    deployed: &[(String, String)],
    sender: Option<&Sender<ProgressMessage>>,
) -> Result<(), Failure> {
    let send = |resource: &str, status: Status, state: EventState, detail: String| {
        let event = ProgressEvent::new(ResourceId::service(resource), status, Instant::now())
            .with_state(state)
            .with_detail(detail);
        async move {
            if let Some(sender) = sender {
                let _ = sender.send(event.into()).await;
            }
        }
    };
    let mut known_failures: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (service_id, _) in deployed {
        let tasks = service_tasks(engine, service_id).await?;
        known_failures.insert(
            service_id.clone(),
            tasks
                .into_iter()
                .filter(|task| matches!(task.state.as_str(), "failed" | "rejected"))
                .map(|task| task.id)
                .collect(),
        );
    }
    let mut pending: Vec<&(String, String)> = deployed.iter().collect();
    let mut last_detail: BTreeMap<String, String> = BTreeMap::new();
    // When each service last reached its wanted tasks, for the stability check.
    let mut converged_since: BTreeMap<String, Instant> = BTreeMap::new();
    while !pending.is_empty() {
        let services: BTreeMap<String, SwarmService> = engine
            .stack_services(Some(namespace), &BTreeMap::new())
            .await?
            .into_iter()
            .map(|service| (service.id.clone(), service))
            .collect();
        let mut still_pending = Vec::new();
        for entry in pending {
            let (service_id, name) = entry;
            let Some(service) = services.get(service_id) else {
                return Err(Failure::Service {
                    name: name.clone(),
                    message: "the service was removed".to_owned(),
                });
            };
            let tasks = service_tasks(engine, service_id).await?;
            let known = known_failures.get(service_id).cloned().unwrap_or_default();
            match judge(service, &tasks, &known) {
                Convergence::Done { detail } => {
                    let since = *converged_since
                        .entry(service_id.clone())
                        .or_insert_with(Instant::now);
                    let remaining = stability_period(service).saturating_sub(since.elapsed());
                    if remaining.is_zero() {
                        send(name, Status::Running, EventState::Done, detail).await;
                    } else {
                        let detail = format!(
                            "{detail}, verifying that tasks are stable ({}s)",
                            remaining.as_secs() + 1
                        );
                        if last_detail.get(name) != Some(&detail) {
                            send(name, Status::Waiting, EventState::Working, detail.clone()).await;
                            last_detail.insert(name.clone(), detail);
                        }
                        still_pending.push(entry);
                    }
                }
                Convergence::Pending { detail } => {
                    converged_since.remove(service_id);
                    if last_detail.get(name) != Some(&detail) {
                        send(name, Status::Waiting, EventState::Working, detail.clone()).await;
                        last_detail.insert(name.clone(), detail);
                    }
                    still_pending.push(entry);
                }
                Convergence::Failed { message } => {
                    send(name, Status::Error, EventState::Failed, message.clone()).await;
                    return Err(Failure::Service {
                        name: name.clone(),
                        message,
                    });
                }
            }
        }
        pending = still_pending;
        if !pending.is_empty() {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
    Ok(())
}

async fn service_tasks(engine: &Engine, service_id: &str) -> Result<Vec<SwarmTask>, EngineError> {
    engine
        .swarm_tasks(&BTreeMap::from([(
            "service".to_owned(),
            vec![service_id.to_owned()],
        )]))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(mode: &str, replicas: Option<u64>) -> SwarmService {
        SwarmService {
            id: "s".to_owned(),
            name: "demo_web".to_owned(),
            version: 1,
            labels: BTreeMap::new(),
            image: "busybox".to_owned(),
            force_update: 0,
            mode: mode.to_owned(),
            replicas,
            running_tasks: None,
            desired_tasks: None,
            completed_tasks: None,
            ports: Vec::new(),
            update_state: None,
            update_message: None,
            update_monitor_nanoseconds: 0,
        }
    }

    fn task(id: &str, desired: &str, state: &str) -> SwarmTask {
        SwarmTask {
            id: id.to_owned(),
            service_id: "s".to_owned(),
            slot: Some(1),
            node_id: "n".to_owned(),
            desired_state: desired.to_owned(),
            state: state.to_owned(),
            message: String::new(),
            error: if state == "failed" {
                "task: non-zero exit (1)".to_owned()
            } else {
                String::new()
            },
            image: "busybox".to_owned(),
            timestamp: String::new(),
            created_at: String::new(),
            exit_code: None,
            ports: Vec::new(),
        }
    }

    #[test]
    fn replicated_services_converge_when_all_replicas_run() {
        let service = service("replicated", Some(2));
        let none = BTreeSet::new();
        let tasks = vec![
            task("a", "running", "running"),
            task("b", "running", "starting"),
        ];
        assert_eq!(
            judge(&service, &tasks, &none),
            Convergence::Pending {
                detail: "1/2 running".to_owned()
            }
        );
        let tasks = vec![
            task("a", "running", "running"),
            task("b", "running", "running"),
        ];
        assert_eq!(
            judge(&service, &tasks, &none),
            Convergence::Done {
                detail: "2/2 running".to_owned()
            }
        );
    }

    #[test]
    fn repeated_new_failures_fail_the_service() {
        let service = service("replicated", Some(1));
        let tasks = vec![
            task("a", "shutdown", "failed"),
            task("b", "shutdown", "failed"),
            task("c", "shutdown", "failed"),
            task("d", "running", "starting"),
        ];
        let Convergence::Failed { message } = judge(&service, &tasks, &BTreeSet::new()) else {
            panic!("expected a failure");
        };
        assert!(message.contains("task: non-zero exit (1)"), "{message}");
        let known = BTreeSet::from(["a".to_owned()]);
        assert!(matches!(
            judge(&service, &tasks, &known),
            Convergence::Pending { .. }
        ));
    }

    #[test]
    fn registry_auth_is_encoded_per_image_from_the_config_file() {
        let yaml = "services:\n  hub: {image: busybox}\n  private: {image: registry.example.com:5000/app}\n  anonymous: {image: ghcr.io/x/y}\n";
        let options = crate::loader::LoadOptions {
            files: vec![std::path::PathBuf::from("-")],
            stdin: Some(yaml.to_owned()),
            project_name: Some("auth".to_owned()),
            ..crate::loader::LoadOptions::default()
        };
        let loaded = crate::loader::load(&options).unwrap();
        let read_file = |_: &Path| Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        let inputs = Inputs {
            environment: &loaded.environment,
            read_file: &read_file,
        };
        let stack = swarm::convert(&loaded.project, "auth", &inputs).unwrap();
        let config = serde_json::json!({"auths": {
            "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
            "registry.example.com:5000": {"auth": "YWxpY2U6czNjcjN0"},
        }});
        let auths = registry_auths_from(&config, &stack);
        let decoded = |image: &str| {
            serde_json::from_str::<serde_json::Value>(&decode_basic(&auths[image])).unwrap()
        };
        assert_eq!(
            decoded("busybox"),
            serde_json::json!({"username": "user", "password": "pass", "serveraddress": "https://index.docker.io/v1/"})
        );
        assert_eq!(
            decoded("registry.example.com:5000/app"),
            serde_json::json!({"username": "alice", "password": "s3cr3t", "serveraddress": "registry.example.com:5000"})
        );
        assert!(!auths.contains_key("ghcr.io/x/y"));
    }

    #[test]
    fn registries_are_read_from_image_names() {
        assert_eq!(registry_of("busybox"), "docker.io");
        assert_eq!(registry_of("library/busybox:1"), "docker.io");
        assert_eq!(
            registry_of("registry.example.com:5000/app"),
            "registry.example.com:5000"
        );
        assert_eq!(registry_of("localhost/app"), "localhost");
        assert_eq!(decode_basic("dXNlcjpwYXNz"), "user:pass");
    }
}
