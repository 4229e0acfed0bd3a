//! `reconcile`: the desired project against the observed engine state → a [`Plan`]. Every
//! decision of `up`, `create` and `down` lives here (what to create, recreate, scale, start,
//! wait for, remove); the executor only runs the plan. Pure: no I/O, no clock.

use std::collections::{BTreeMap, BTreeSet};

use super::observed::{
    ContainerState, ObservedContainer, ObservedMount, ObservedNetwork, ObservedProject,
};
use super::operation::{Operation, Plan, Replacement, StepId, WaitCondition};
use crate::graph::{CycleError, Graph};
use crate::hash;
use crate::labels;
use crate::model::{DependencyCondition, DependencyKind, Project, ServiceConfig, VolumeType};

/// The cause of the stop, remove and rename steps of a recreation.
pub const REPLACED_CAUSE: &str = "replaced";

/// When to recreate a container whose service exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecreatePolicy {
    /// When its configuration or image changed (the default).
    #[default]
    Diverged,
    /// Always (`--force-recreate`, or `--always-recreate-deps` for dependencies).
    Force,
    /// Never (`--no-recreate`).
    Never,
}

/// Whether the services' dependencies are part of the operation (`--no-deps` leaves them out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DependencyPolicy {
    #[default]
    Include,
    Exclude,
}

/// Whether containers are started after creation (`create`, `up --no-start` do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartPolicy {
    #[default]
    Start,
    NoStart,
}

/// What to do with containers of services the project no longer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrphanPolicy {
    /// Leave them, and list them so the command warns (the reference's default).
    #[default]
    Warn,
    /// `--remove-orphans`.
    Remove,
    /// `COMPOSE_IGNORE_ORPHANS`.
    Ignore,
}

/// Anonymous volumes of recreated containers: carried over, or new ones (`-V`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnonymousVolumePolicy {
    #[default]
    Keep,
    Renew,
}

/// Whether existing networks are checked against the project (`up`, `create`) or used as
/// they are (`start`, which only starts containers, as the reference's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetworkPolicy {
    /// Refuse one not made for the project, recreate one whose config changed.
    #[default]
    Converge,
    Leave,
}

/// The choices of `up` / `create`, from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpOptions {
    /// The services named on the command line; empty means all.
    pub services: Vec<String>,
    pub dependencies: DependencyPolicy,
    /// For the named services (all when none are named).
    pub recreate: RecreatePolicy,
    /// For the dependencies pulled in by the named services.
    pub recreate_dependencies: RecreatePolicy,
    pub start: StartPolicy,
    pub orphans: OrphanPolicy,
    /// `--scale service=n`, over `scale` / `deploy.replicas`.
    pub scale: BTreeMap<String, u32>,
    pub anonymous_volumes: AnonymousVolumePolicy,
    pub networks: NetworkPolicy,
    /// The volumes (keys of `volumes:`) whose configuration changed that are removed and
    /// created again, losing their data, with the containers that mount them: the ones the
    /// user said yes to (the reference asks) or all with `-y`. Other diverged volumes are
    /// kept as they are, as the reference's default answer keeps them.
    pub recreate_volumes: BTreeSet<String>,
}

/// What the project wants, with what was computed from it outside this module: the config
/// hash of each service and the id of each service's image (from the engine).
#[derive(Debug, Clone)]
pub struct Desired<'a> {
    pub project: &'a Project,
    pub config_hashes: BTreeMap<String, String>,
    /// Service → image id (`sha256:…`), for the services whose image exists.
    pub image_ids: BTreeMap<String, String>,
}

impl<'a> Desired<'a> {
    /// The hashes computed as the reference does (`hash::service_hash`).
    pub fn new(project: &'a Project, image_ids: BTreeMap<String, String>) -> Self {
        let config_hashes = project
            .services
            .iter()
            .map(|(name, service)| (name.clone(), hash::service_hash(service)))
            .collect();
        Self {
            project,
            config_hashes,
            image_ids,
        }
    }
}

/// A plan that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("no such service: {0}")]
    NoSuchService(String),
    #[error(transparent)]
    Cycle(#[from] CycleError),
    #[error("service `{service}` has `container_name` `{name}`: it cannot be scaled to {scale}")]
    ScaledContainerName {
        service: String,
        name: String,
        scale: u32,
    },
    /// The reference's words (`create.go` `resolveOrCreateNetwork`).
    #[error(
        "network {name} was found but has incorrect label com.docker.compose.network set to \"{found}\" (expected: \"{expected}\")"
    )]
    NetworkLabel {
        name: String,
        found: String,
        expected: String,
        /// Warnings found before the refusal, for the command to print first.
        warnings: Vec<String>,
    },
    /// A volume to recreate is mounted by a container the operation would not put back
    /// (the reference removes the others, then fails on the volume in use).
    #[error(
        "volume \"{volume}\" cannot be recreated: container {container} uses it and is not part of this operation"
    )]
    VolumeInUse { volume: String, container: String },
}

impl PlanError {
    /// Warnings to print before the error line.
    pub fn warnings(&self) -> &[String] {
        match self {
            Self::NetworkLabel { warnings, .. } => warnings,
            _ => &[],
        }
    }
}

/// The cause of the steps that recreate a network whose configuration changed.
pub const NETWORK_CHANGED_CAUSE: &str = "network config changed";

/// A network that exists under the name the project gives it: what to do with it, as the
/// reference decides (`create.go` `resolveOrCreateNetwork`): use it (warning when it was not
/// made by compose for this project), refuse it when its `com.docker.compose.network` label
/// names another key, recreate it when its config hash differs.
fn existing_network_verdict(
    project: &Project,
    key: &str,
    network: &crate::model::NetworkConfig,
    existing: &ObservedNetwork,
    labelled: bool,
    warnings: &mut Vec<String>,
) -> Result<bool, PlanError> {
    let name = &existing.name;
    if !labelled {
        match existing.label(labels::PROJECT) {
            None => warnings.push(format!(
                "a network with name {name} exists but was not created by compose.\nSet `external: true` to use an existing network"
            )),
            Some(_) => warnings.push(format!(
                "a network with name {name} exists but was not created for project \"{}\".\nSet `external: true` to use an existing network",
                project.name
            )),
        }
    }
    let key_label = existing.label(labels::NETWORK);
    // Our own snapshots always carry the label; a labelled network without it is accepted.
    if (!labelled || key_label.is_some()) && key_label.unwrap_or_default() != key {
        return Err(PlanError::NetworkLabel {
            name: name.clone(),
            found: key_label.unwrap_or_default().to_owned(),
            expected: key.to_owned(),
            warnings: warnings.clone(),
        });
    }
    let hash = existing.label(labels::CONFIG_HASH).unwrap_or_default();
    Ok(!hash.is_empty() && hash != hash::network_hash(network))
}

/// The engine name of a network: its `name:`, else `<project>_<key>`.
pub fn network_name(project: &Project, key: &str) -> String {
    match project.networks.get(key) {
        Some(network) if !network.name.is_empty() => network.name.clone(),
        _ => format!("{}_{key}", project.name),
    }
}

/// The engine name of a volume: its `name:`, else `<project>_<key>`.
pub fn volume_name(project: &Project, key: &str) -> String {
    match project.volumes.get(key) {
        Some(volume) if !volume.name.is_empty() => volume.name.clone(),
        _ => format!("{}_{key}", project.name),
    }
}

/// The cause of the steps that recreate a volume whose configuration changed.
pub const VOLUME_CHANGED_CAUSE: &str = "volume config changed";

/// A volume of the project that exists with a config hash other than the compose file's:
/// the reference asks whether to recreate it (`create.go` `ensureVolume`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivergedVolume {
    /// The key under `volumes:`.
    pub key: String,
    /// The engine name.
    pub name: String,
}

/// The project volumes the selected services mount.
fn used_volumes<'a>(project: &'a Project, selected: &BTreeSet<String>) -> BTreeSet<&'a str> {
    selected
        .iter()
        .filter_map(|name| project.services.get(name))
        .flat_map(|service| service_volumes(project, service))
        .collect()
}

/// The volumes the services of an `up` / `create` (`options.services` and their
/// dependencies) mount whose configuration changed since they were created, by key: the
/// ones to ask about. Only the project's own volumes (labelled with it) count.
pub fn diverged_volumes(
    project: &Project,
    observed: &ObservedProject,
    options: &UpOptions,
) -> Result<Vec<DivergedVolume>, PlanError> {
    let graph = Graph::from_project(project);
    let selected = selected_services(project, &graph, &options.services, options.dependencies)?;
    Ok(diverged_among(project, observed, &selected))
}

fn diverged_among(
    project: &Project,
    observed: &ObservedProject,
    selected: &BTreeSet<String>,
) -> Vec<DivergedVolume> {
    used_volumes(project, selected)
        .into_iter()
        .filter_map(|key| {
            let volume = project.volumes.get(key)?;
            if volume.external {
                return None;
            }
            let name = volume_name(project, key);
            let hash = observed.volume(&name)?.label(labels::CONFIG_HASH)?;
            (!hash.is_empty() && hash != hash::volume_hash(volume)).then(|| DivergedVolume {
                key: key.to_owned(),
                name,
            })
        })
        .collect()
}

/// The steps that take away the containers mounting the volumes about to be recreated
/// (found by their mounts, or by their service's `volumes:`): stopped, removed with their
/// anonymous volumes kept, as the reference's `removeDivergedVolume`.
#[derive(Debug, Default)]
struct VolumeUsers {
    /// Container name → its remove step.
    removed: BTreeMap<String, StepId>,
    /// Volume key → the remove steps of the containers that mount it.
    by_volume: BTreeMap<String, Vec<StepId>>,
}

/// Removes the containers that mount `volumes`; `may_remove` says which the operation puts
/// back (or removes anyway); any other one is refused before anything is planned.
fn remove_volume_users(
    plan: &mut Plan,
    project: &Project,
    observed: &ObservedProject,
    volumes: &[DivergedVolume],
    may_remove: impl Fn(&ObservedContainer) -> bool,
) -> Result<VolumeUsers, PlanError> {
    let mut users = VolumeUsers::default();
    for container in &observed.containers {
        let declared: Vec<&str> = project
            .services
            .get(&container.service)
            .filter(|_| !container.oneoff)
            .map(|service| service_volumes(project, service))
            .unwrap_or_default();
        let mounted: Vec<&DivergedVolume> = volumes
            .iter()
            .filter(|volume| {
                declared.contains(&volume.key.as_str())
                    || container.mounts.iter().any(|mount| {
                        mount.kind == "volume"
                            && mount.name.as_deref() == Some(volume.name.as_str())
                    })
            })
            .collect();
        let Some(first) = mounted.first() else {
            continue;
        };
        if !may_remove(container) {
            return Err(PlanError::VolumeInUse {
                volume: first.name.clone(),
                container: container.name.clone(),
            });
        }
        let step = remove_container_steps(plan, container, false, VOLUME_CHANGED_CAUSE, Vec::new());
        users.removed.insert(container.name.clone(), step);
        for volume in mounted {
            users
                .by_volume
                .entry(volume.key.clone())
                .or_default()
                .push(step);
        }
    }
    Ok(users)
}

/// Removes one volume once its users are gone and creates it again; returns the create step.
fn recreate_volume_steps(plan: &mut Plan, volume: &DivergedVolume, users: &VolumeUsers) -> StepId {
    let remove = plan.push(
        Operation::RemoveVolume {
            name: volume.name.clone(),
        },
        VOLUME_CHANGED_CAUSE,
        users
            .by_volume
            .get(&volume.key)
            .into_iter()
            .flatten()
            .copied(),
    );
    plan.push(
        Operation::CreateVolume {
            volume: volume.key.clone(),
            name: volume.name.clone(),
        },
        VOLUME_CHANGED_CAUSE,
        [remove],
    )
}

/// The plan of `run` for the volumes its service and dependencies mount that the user
/// agreed to recreate: the project's containers mounting them removed (a one-off one
/// refuses it), each volume removed and created again. The dependencies' containers come
/// back with their `up`; the others stay removed, as with the reference.
pub fn reconcile_volume_recreation(
    project: &Project,
    observed: &ObservedProject,
    volumes: &[DivergedVolume],
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let users = remove_volume_users(&mut plan, project, observed, volumes, |container| {
        !container.oneoff
    })?;
    for volume in volumes {
        recreate_volume_steps(&mut plan, volume, &users);
    }
    Ok(plan)
}

/// The name of replica `number`: `container_name`, else `<project>-<service>-<n>`.
pub fn container_name(project: &Project, service_name: &str, number: u32) -> String {
    match project.services.get(service_name) {
        Some(service) if !service.container_name.is_empty() => service.container_name.clone(),
        _ => format!("{}-{service_name}-{number}", project.name),
    }
}

/// The networks a service joins (none with `network_mode`), as keys of `networks:`.
pub fn service_networks(service: &ServiceConfig) -> Vec<&str> {
    if !service.network_mode.is_empty() {
        return Vec::new();
    }
    service.networks.keys().map(String::as_str).collect()
}

/// The project volumes a service mounts, as keys of `volumes:`.
pub fn service_volumes<'a>(project: &Project, service: &'a ServiceConfig) -> Vec<&'a str> {
    service
        .volumes
        .iter()
        .filter(|volume| volume.volume_type == VolumeType::Volume && !volume.source.is_empty())
        .map(|volume| volume.source.as_str())
        .filter(|source| project.volumes.contains_key(*source))
        .collect()
}

/// The services an operation covers: the named ones (checked), plus their dependencies
/// unless excluded; all services when none are named.
pub fn selected_services(
    project: &Project,
    graph: &Graph,
    services: &[String],
    dependencies: DependencyPolicy,
) -> Result<BTreeSet<String>, PlanError> {
    if services.is_empty() {
        return Ok(project.services.keys().cloned().collect());
    }
    for name in services {
        if !project.services.contains_key(name) {
            return Err(PlanError::NoSuchService(name.clone()));
        }
    }
    Ok(match dependencies {
        DependencyPolicy::Include => graph.with_dependencies(services.iter().map(String::as_str)),
        DependencyPolicy::Exclude => services.iter().cloned().collect(),
    })
}

/// Steps that represent one service's progress, for the services that depend on it.
#[derive(Debug, Default, Clone)]
struct ServiceAnchors {
    /// Its containers exist under their final names.
    created: Vec<StepId>,
    /// Its containers are started (or kept as they are).
    started: Vec<StepId>,
    /// Final container names.
    containers: Vec<String>,
    /// Whether any container was (re)created, so `restart: true` dependents restart.
    replaced: bool,
}

/// Why a container must be recreated, if it must.
fn recreate_cause(
    desired: &Desired<'_>,
    service_name: &str,
    service: &ServiceConfig,
    container: &ObservedContainer,
    policy: RecreatePolicy,
    network_ids: &BTreeMap<String, String>,
) -> Option<String> {
    match policy {
        RecreatePolicy::Never => return None,
        RecreatePolicy::Force => return Some("recreation forced".to_owned()),
        RecreatePolicy::Diverged => {}
    }
    let expected_hash = desired.config_hashes.get(service_name);
    if container.config_hash.as_ref() != expected_hash {
        return Some("config hash changed".to_owned());
    }
    if let Some(image_id) = desired.image_ids.get(service_name) {
        if container.image_label.as_deref() != Some(image_id.as_str()) {
            return Some("image changed".to_owned());
        }
    }
    // As the reference: a running container must be on the networks it should be on.
    if container.state == ContainerState::Running {
        for key in service_networks(service) {
            let name = network_name(desired.project, key);
            if let Some(network_id) = network_ids.get(&name) {
                if container.networks.get(&name) != Some(network_id) {
                    return Some(format!("not connected to network {name}"));
                }
            }
        }
    }
    None
}

/// The anonymous volumes of `container` to carry over to its replacement: volume mounts
/// with a generated name, at a target the service does not mount something else on.
fn inherited_mounts(service: &ServiceConfig, container: &ObservedContainer) -> Vec<ObservedMount> {
    container
        .mounts
        .iter()
        .filter(|mount| mount.kind == "volume")
        .filter(|mount| {
            mount.name.as_deref().is_some_and(|name| {
                name.len() == 64 && name.bytes().all(|byte| byte.is_ascii_hexdigit())
            })
        })
        .filter(|mount| {
            !service.volumes.iter().any(|volume| {
                volume.target == mount.destination
                    && !(volume.volume_type == VolumeType::Volume && volume.source.is_empty())
            })
        })
        .cloned()
        .collect()
}

/// Whether some service waits for `service_name` to complete successfully: then a
/// container of it that exited with 0 has done its job and is not run again
/// (unlike the reference, docker/compose#11808), `--wait` takes that exit as done
/// (docker/compose#10596) and the attached `up` does not abort on it (#5894).
pub fn is_one_shot(project: &Project, service_name: &str) -> bool {
    project.services.values().any(|service| {
        service
            .depends_on
            .get(service_name)
            .is_some_and(|dependency| {
                dependency.condition == DependencyCondition::CompletedSuccessfully
            })
    })
}

/// The plan of `up` / `create`.
pub fn reconcile_up(
    desired: &Desired<'_>,
    observed: &ObservedProject,
    options: &UpOptions,
) -> Result<Plan, PlanError> {
    let project = desired.project;
    let graph = Graph::from_project(project);
    let order = graph.dependency_order()?;
    let selected = selected_services(project, &graph, &options.services, options.dependencies)?;
    let named: BTreeSet<&str> = options.services.iter().map(String::as_str).collect();
    let mut plan = Plan::default();

    // Volumes to recreate (the user said yes): the containers that mount them go first.
    let recreated: Vec<DivergedVolume> = diverged_among(project, observed, &selected)
        .into_iter()
        .filter(|volume| options.recreate_volumes.contains(&volume.key))
        .collect();
    let volume_users =
        remove_volume_users(&mut plan, project, observed, &recreated, |container| {
            !container.oneoff
                && (selected.contains(&container.service)
                    || (options.orphans == OrphanPolicy::Remove
                        && !project.services.contains_key(&container.service)))
        })?;

    // Networks and volumes first: every container step waits for the ones it uses.
    let mut network_steps: BTreeMap<String, StepId> = BTreeMap::new();
    let mut network_ids: BTreeMap<String, String> = observed
        .networks
        .iter()
        .map(|network| (network.name.clone(), network.id.clone()))
        .collect();
    let used_networks: BTreeSet<&str> = selected
        .iter()
        .filter_map(|name| project.services.get(name))
        .flat_map(service_networks)
        .collect();
    // Networks whose config changed: key → engine name.
    let mut diverged: BTreeMap<&str, String> = BTreeMap::new();
    for key in used_networks {
        let Some(network) = project.networks.get(key) else {
            continue;
        };
        let name = network_name(project, key);
        if network.external {
            continue;
        }
        let existing = observed
            .network(&name)
            .map(|existing| (existing, true))
            .or_else(|| {
                observed
                    .foreign_network(&name)
                    .map(|existing| (existing, false))
            });
        if let Some((existing, labelled)) = existing {
            if options.networks == NetworkPolicy::Converge
                && existing_network_verdict(
                    project,
                    key,
                    network,
                    existing,
                    labelled,
                    &mut plan.warnings,
                )?
            {
                diverged.insert(key, name);
            }
            continue;
        }
        network_ids.remove(&name);
        let step = plan.push(
            Operation::CreateNetwork {
                network: key.to_owned(),
                name,
            },
            "network missing",
            [],
        );
        network_steps.insert(key.to_owned(), step);
    }
    // A network whose config changed is removed and created again, as the reference does:
    // the project's containers on it are stopped and disconnected first, then connected
    // again (with their aliases, which the reference loses) and started as they were.
    let mut reattach: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    if !diverged.is_empty() {
        let mut disconnects: BTreeMap<&str, Vec<StepId>> = BTreeMap::new();
        for container in observed
            .containers
            .iter()
            .filter(|container| !container.oneoff)
        {
            let attached: Vec<(&str, &String)> = diverged
                .iter()
                .filter(|(_, name)| container.networks.contains_key(*name))
                .map(|(key, name)| (*key, name))
                .collect();
            if attached.is_empty() {
                continue;
            }
            // Removed for a recreated volume: gone from the network once removed.
            if let Some(removed) = volume_users.removed.get(&container.name) {
                for (key, _) in attached {
                    disconnects.entry(key).or_default().push(*removed);
                }
                continue;
            }
            let mut after = Vec::new();
            if container.is_running() || container.state == ContainerState::Paused {
                after.push(plan.push(
                    Operation::StopContainer {
                        service: container.service.clone(),
                        name: container.name.clone(),
                    },
                    NETWORK_CHANGED_CAUSE,
                    [],
                ));
            }
            for (key, name) in attached {
                let step = plan.push(
                    Operation::DisconnectNetwork {
                        service: container.service.clone(),
                        container: container.name.clone(),
                        network: name.clone(),
                    },
                    NETWORK_CHANGED_CAUSE,
                    after.iter().copied(),
                );
                disconnects.entry(key).or_default().push(step);
                reattach
                    .entry(container.name.clone())
                    .or_default()
                    .push((key.to_owned(), name.clone()));
            }
        }
        for (key, name) in &diverged {
            network_ids.remove(name);
            let remove = plan.push(
                Operation::RemoveNetwork {
                    name: name.clone(),
                    keep_if_in_use: false,
                },
                NETWORK_CHANGED_CAUSE,
                disconnects.get(key).into_iter().flatten().copied(),
            );
            let create = plan.push(
                Operation::CreateNetwork {
                    network: (*key).to_owned(),
                    name: name.clone(),
                },
                NETWORK_CHANGED_CAUSE,
                [remove],
            );
            network_steps.insert((*key).to_owned(), create);
        }
    }
    let mut volume_steps: BTreeMap<String, StepId> = BTreeMap::new();
    for volume in &recreated {
        let create = recreate_volume_steps(&mut plan, volume, &volume_users);
        volume_steps.insert(volume.key.clone(), create);
    }
    for key in used_volumes(project, &selected) {
        let Some(volume) = project.volumes.get(key) else {
            continue;
        };
        let name = volume_name(project, key);
        // A diverged volume not to recreate is used as it is (the reference's "no").
        if volume.external || volume_steps.contains_key(key) || observed.volume(&name).is_some() {
            continue;
        }
        // The reference uses a volume of that name made elsewhere, with a warning.
        if let Some(existing) = observed.foreign_volume(&name) {
            plan.warnings.push(match existing.label(labels::PROJECT) {
                None => format!(
                    "volume \"{name}\" already exists but was not created by Docker Compose. Use `external: true` to use an existing volume"
                ),
                Some(other) => format!(
                    "volume \"{name}\" already exists but was created for project \"{other}\" (expected \"{}\"). Use `external: true` to use an existing volume",
                    project.name
                ),
            });
            continue;
        }
        let step = plan.push(
            Operation::CreateVolume {
                volume: key.to_owned(),
                name,
            },
            "volume missing",
            [],
        );
        volume_steps.insert(key.to_owned(), step);
    }

    let mut anchors: BTreeMap<String, ServiceAnchors> = BTreeMap::new();
    for service_name in order.iter().filter(|name| selected.contains(*name)) {
        let Some(service) = project.services.get(service_name) else {
            continue;
        };
        let policy = if named.is_empty() || named.contains(service_name.as_str()) {
            options.recreate
        } else {
            options.recreate_dependencies
        };
        let dependencies: Vec<(String, &ServiceAnchors)> = graph
            .direct_dependencies(service_name)
            .into_iter()
            .filter_map(|(dependency, _)| {
                anchors
                    .get(dependency)
                    .map(|anchor| (dependency.to_owned(), anchor))
            })
            .collect();
        let mut resource_steps: Vec<StepId> = service_networks(service)
            .into_iter()
            .filter_map(|key| network_steps.get(key).copied())
            .collect();
        resource_steps.extend(
            service_volumes(project, service)
                .into_iter()
                .filter_map(|key| volume_steps.get(key).copied()),
        );
        let mut create_after = resource_steps.clone();
        // Containers removed for a recreated volume come back under the same names.
        let removed_for_volumes: Vec<StepId> = observed
            .service_containers(service_name)
            .filter_map(|container| volume_users.removed.get(&container.name).copied())
            .collect();
        create_after.extend(removed_for_volumes.iter().copied());
        for (_, anchor) in &dependencies {
            create_after.extend(anchor.created.iter().copied());
        }

        // What a start must wait for: the dependencies started, and their conditions.
        let mut start_after: Vec<StepId> = Vec::new();
        let mut restart_causes: Vec<String> = Vec::new();
        if options.start == StartPolicy::Start {
            for (dependency_name, anchor) in &dependencies {
                start_after.extend(anchor.started.iter().copied());
                let config = service.depends_on.get(dependency_name);
                if let Some(config) = config {
                    if config.restart && anchor.replaced {
                        restart_causes.push(format!("dependency {dependency_name} was recreated"));
                    }
                }
                let condition = match config.map(|config| &config.condition) {
                    Some(DependencyCondition::Healthy) => WaitCondition::Healthy,
                    Some(DependencyCondition::CompletedSuccessfully) => {
                        WaitCondition::CompletedSuccessfully
                    }
                    _ => continue,
                };
                if anchor.containers.is_empty() {
                    continue;
                }
                let wait = plan.push(
                    Operation::WaitDependency {
                        service: service_name.clone(),
                        dependency: dependency_name.clone(),
                        containers: anchor.containers.clone(),
                        condition,
                        required: config.is_none_or(|config| config.required),
                    },
                    "depends_on condition",
                    anchor.started.iter().copied(),
                );
                start_after.push(wait);
            }
        }

        let scale = options
            .scale
            .get(service_name)
            .copied()
            .unwrap_or_else(|| u32::try_from(service.scale().max(0)).unwrap_or(u32::MAX));
        if scale > 1 && !service.container_name.is_empty() {
            return Err(PlanError::ScaledContainerName {
                service: service_name.clone(),
                name: service.container_name.clone(),
                scale,
            });
        }
        // A container that shares a namespace or volumes with a recreated one, by id, must
        // follow it (the reference's hash of it changes with that id). From the service
        // itself: the graph keeps one kind per pair, and the loader's implicit `depends_on`
        // for `network_mode: service:x` hides the namespace one.
        let replaced_reference = service
            .dependencies()
            .into_iter()
            .filter(|(_, kind)| *kind != DependencyKind::DependsOn)
            .find(|(dependency, _)| {
                anchors
                    .get(dependency)
                    .is_some_and(|anchor| anchor.replaced)
            })
            .map(|(dependency, _)| format!("dependency {dependency} was recreated"));
        let mut containers: Vec<(&ObservedContainer, Option<String>)> = observed
            .service_containers(service_name)
            .filter(|container| !volume_users.removed.contains_key(&container.name))
            .map(|container| {
                let cause = recreate_cause(
                    desired,
                    service_name,
                    service,
                    container,
                    policy,
                    &network_ids,
                )
                .or_else(|| {
                    if policy == RecreatePolicy::Never {
                        None
                    } else {
                        replaced_reference.clone()
                    }
                });
                (container, cause)
            })
            .collect();
        // Obsolete containers go first when scaling down, then the highest numbers.
        containers.sort_by(|(left, left_cause), (right, right_cause)| {
            (right_cause.is_some(), right.number, &right.name).cmp(&(
                left_cause.is_some(),
                left.number,
                &left.name,
            ))
        });
        let excess = containers
            .len()
            .saturating_sub(usize::try_from(scale).unwrap_or(usize::MAX));
        let mut anchor = ServiceAnchors::default();
        for (container, _) in containers.drain(..excess) {
            reattach.remove(&container.name);
            let mut after = Vec::new();
            if container.is_running() {
                after.push(plan.push(
                    Operation::StopContainer {
                        service: service_name.clone(),
                        name: container.name.clone(),
                    },
                    "scale down",
                    [],
                ));
            }
            plan.push(
                Operation::RemoveContainer {
                    service: service_name.clone(),
                    name: container.name.clone(),
                    volumes: false,
                },
                "scale down",
                after,
            );
        }
        containers.sort_by_key(|(container, _)| (container.number, container.name.clone()));
        let one_shot = is_one_shot(project, service_name);
        for (container, cause) in &containers {
            let final_name = container.name.clone();
            if let Some(cause) = cause {
                // Replaced: the old container needs no network back.
                reattach.remove(&final_name);
                anchor.replaced = true;
                let number = container.number.unwrap_or(1);
                let short_id: String = container.id.chars().take(12).collect();
                let temporary = format!("{short_id}_{final_name}");
                let mounts = match options.anonymous_volumes {
                    AnonymousVolumePolicy::Keep => inherited_mounts(service, container),
                    AnonymousVolumePolicy::Renew => Vec::new(),
                };
                let create = plan.push(
                    Operation::CreateContainer {
                        service: service_name.clone(),
                        number,
                        name: temporary.clone(),
                        replaces: Some(Replacement {
                            old_id: container.id.clone(),
                            old_name: final_name.clone(),
                            inherited_mounts: mounts,
                        }),
                    },
                    cause.clone(),
                    create_after.iter().copied(),
                );
                let stop = plan.push(
                    Operation::StopContainer {
                        service: service_name.clone(),
                        name: final_name.clone(),
                    },
                    REPLACED_CAUSE,
                    [create],
                );
                let remove = plan.push(
                    Operation::RemoveContainer {
                        service: service_name.clone(),
                        name: final_name.clone(),
                        volumes: false,
                    },
                    REPLACED_CAUSE,
                    [stop],
                );
                let rename = plan.push(
                    Operation::RenameContainer {
                        service: service_name.clone(),
                        from: temporary,
                        to: final_name.clone(),
                    },
                    REPLACED_CAUSE,
                    [remove],
                );
                anchor.created.push(rename);
                if options.start == StartPolicy::Start {
                    let mut after = start_after.clone();
                    after.push(rename);
                    anchor.started.push(plan.push(
                        Operation::StartContainer {
                            service: service_name.clone(),
                            name: final_name.clone(),
                        },
                        cause.clone(),
                        after,
                    ));
                }
            } else {
                let completed = one_shot
                    && container.state == ContainerState::Exited
                    && container.exit_code == Some(0);
                // Stopped and disconnected for a recreated network: connected again first.
                let (reconnect_steps, reconnected_to) =
                    reconnect(&mut plan, &mut reattach, container, &network_steps);
                let mut after = start_after.clone();
                after.extend(reconnect_steps);
                let was_up = container.is_running() || container.state == ContainerState::Paused;
                let step = if !reconnected_to.is_empty()
                    && was_up
                    && options.start == StartPolicy::Start
                {
                    plan.push(
                        Operation::StartContainer {
                            service: service_name.clone(),
                            name: final_name.clone(),
                        },
                        format!("network {} recreated", reconnected_to.join(", ")),
                        after,
                    )
                } else if options.start == StartPolicy::NoStart
                    || completed
                    || (container.is_running() && restart_causes.is_empty())
                {
                    let cause = if completed {
                        "completed successfully, unchanged"
                    } else {
                        "up to date"
                    };
                    plan.push(
                        Operation::KeepContainer {
                            service: service_name.clone(),
                            name: final_name.clone(),
                            running: container.is_running() && reconnected_to.is_empty(),
                        },
                        cause,
                        after,
                    )
                } else if container.is_running() {
                    plan.push(
                        Operation::RestartContainer {
                            service: service_name.clone(),
                            name: final_name.clone(),
                        },
                        restart_causes.join(", "),
                        after,
                    )
                } else {
                    plan.push(
                        Operation::StartContainer {
                            service: service_name.clone(),
                            name: final_name.clone(),
                        },
                        "not running",
                        after,
                    )
                };
                anchor.started.push(step);
            }
            anchor.containers.push(final_name);
        }
        let next_number = containers
            .iter()
            .filter_map(|(container, _)| container.number)
            .max()
            .unwrap_or(0)
            + 1;
        let missing = scale.saturating_sub(u32::try_from(containers.len()).unwrap_or(u32::MAX));
        for offset in 0..missing {
            let number = next_number + offset;
            let name = container_name(project, service_name, number);
            let cause =
                if usize::try_from(offset).is_ok_and(|offset| offset < removed_for_volumes.len()) {
                    VOLUME_CHANGED_CAUSE
                } else if containers.is_empty() && offset == 0 {
                    "no existing container"
                } else {
                    "scale up"
                };
            let create = plan.push(
                Operation::CreateContainer {
                    service: service_name.clone(),
                    number,
                    name: name.clone(),
                    replaces: None,
                },
                cause,
                create_after.iter().copied(),
            );
            anchor.created.push(create);
            if options.start == StartPolicy::Start {
                let mut after = start_after.clone();
                after.push(create);
                anchor.started.push(plan.push(
                    Operation::StartContainer {
                        service: service_name.clone(),
                        name: name.clone(),
                    },
                    cause,
                    after,
                ));
            }
            if containers.is_empty() {
                anchor.replaced = true;
            }
            anchor.containers.push(name);
        }
        anchors.insert(service_name.clone(), anchor);
    }

    let orphans: Vec<&ObservedContainer> = observed
        .containers
        .iter()
        .filter(|container| !container.oneoff && !project.services.contains_key(&container.service))
        .filter(|container| !volume_users.removed.contains_key(&container.name))
        .collect();
    match options.orphans {
        OrphanPolicy::Remove => {
            for container in orphans {
                reattach.remove(&container.name);
                remove_container_steps(&mut plan, container, false, "orphan", Vec::new());
            }
        }
        OrphanPolicy::Warn => {
            plan.orphans = orphans
                .iter()
                .map(|container| container.name.clone())
                .collect();
        }
        OrphanPolicy::Ignore => {}
    }
    // Containers on a recreated network that this `up` does not otherwise touch (services
    // not selected, orphans): back on the network, and running again if they were.
    for container in &observed.containers {
        let (reconnect_steps, reconnected_to) =
            reconnect(&mut plan, &mut reattach, container, &network_steps);
        if reconnect_steps.is_empty()
            || !(container.is_running() || container.state == ContainerState::Paused)
        {
            continue;
        }
        plan.push(
            Operation::StartContainer {
                service: container.service.clone(),
                name: container.name.clone(),
            },
            format!("network {} recreated", reconnected_to.join(", ")),
            reconnect_steps,
        );
    }
    Ok(plan)
}

/// The steps that connect `container` again to the recreated networks it was taken off
/// (none when it was not), and those networks' names.
fn reconnect(
    plan: &mut Plan,
    reattach: &mut BTreeMap<String, Vec<(String, String)>>,
    container: &ObservedContainer,
    network_steps: &BTreeMap<String, StepId>,
) -> (Vec<StepId>, Vec<String>) {
    let mut steps = Vec::new();
    let mut names = Vec::new();
    for (key, name) in reattach.remove(&container.name).unwrap_or_default() {
        steps.push(plan.push(
            Operation::ConnectNetwork {
                service: container.service.clone(),
                number: container.number,
                container: container.name.clone(),
                network: key.clone(),
                name: name.clone(),
            },
            NETWORK_CHANGED_CAUSE,
            network_steps.get(&key).copied(),
        ));
        names.push(name);
    }
    (steps, names)
}

/// Stop (when running) then remove one container; returns the remove step.
fn remove_container_steps(
    plan: &mut Plan,
    container: &ObservedContainer,
    volumes: bool,
    cause: &str,
    after: Vec<StepId>,
) -> StepId {
    let mut remove_after = Vec::new();
    if container.is_running() || container.state == ContainerState::Paused {
        remove_after.push(plan.push(
            Operation::StopContainer {
                service: container.service.clone(),
                name: container.name.clone(),
            },
            cause,
            after,
        ));
    } else {
        remove_after = after;
    }
    plan.push(
        Operation::RemoveContainer {
            service: container.service.clone(),
            name: container.name.clone(),
            volumes,
        },
        cause,
        remove_after,
    )
}

/// Whether `down` removes volumes (`-v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolumeRemoval {
    #[default]
    Keep,
    Remove,
}

/// `down --rmi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageRemoval {
    #[default]
    None,
    /// Images without a custom name (`image:`), i.e. built ones.
    Local,
    All,
}

/// The choices of `down`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownOptions {
    /// Services named on the command line; empty means the whole project.
    pub services: Vec<String>,
    pub volumes: VolumeRemoval,
    pub images: ImageRemoval,
    pub remove_orphans: bool,
}

/// The plan of `down`: containers in reverse dependency order (a service's containers stop
/// once every container depending on them is removed), then networks, volumes, images.
/// Without a project (only `-p name`), everything labelled with the project goes.
pub fn reconcile_down(
    project: Option<&Project>,
    observed: &ObservedProject,
    options: &DownOptions,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let mut removed_steps: Vec<StepId> = Vec::new();
    let remove_volumes = options.volumes == VolumeRemoval::Remove;
    let Some(project) = project else {
        for container in &observed.containers {
            removed_steps.push(remove_container_steps(
                &mut plan,
                container,
                remove_volumes,
                "project down",
                Vec::new(),
            ));
        }
        for network in &observed.networks {
            plan.push(
                Operation::RemoveNetwork {
                    name: network.name.clone(),
                    keep_if_in_use: true,
                },
                "project down",
                removed_steps.iter().copied(),
            );
        }
        if remove_volumes {
            for volume in &observed.volumes {
                plan.push(
                    Operation::RemoveVolume {
                        name: volume.name.clone(),
                    },
                    "project down",
                    removed_steps.iter().copied(),
                );
            }
        }
        if options.images == ImageRemoval::All {
            let images: BTreeSet<&str> = observed
                .containers
                .iter()
                .map(|container| container.image.as_str())
                .collect();
            for image in images {
                plan.push(
                    Operation::RemoveImage {
                        image: image.to_owned(),
                    },
                    "--rmi all",
                    removed_steps.iter().copied(),
                );
            }
        }
        return Ok(plan);
    };

    let graph = Graph::from_project(project);
    let reverse = graph.reverse_order()?;
    let scope = selected_services(
        project,
        &graph,
        &options.services,
        DependencyPolicy::Exclude,
    )?;
    let mut service_removed: BTreeMap<String, Vec<StepId>> = BTreeMap::new();
    for service_name in reverse.iter().filter(|name| scope.contains(*name)) {
        let after: Vec<StepId> = graph
            .direct_dependents(service_name)
            .into_iter()
            .filter_map(|(dependent, _)| service_removed.get(dependent))
            .flatten()
            .copied()
            .collect();
        let mut steps = Vec::new();
        for container in observed
            .containers
            .iter()
            .filter(|container| &container.service == service_name)
        {
            steps.push(remove_container_steps(
                &mut plan,
                container,
                remove_volumes,
                "project down",
                after.clone(),
            ));
        }
        removed_steps.extend(steps.iter().copied());
        service_removed.insert(service_name.clone(), steps);
    }
    let orphans: Vec<&ObservedContainer> = observed
        .containers
        .iter()
        .filter(|container| !project.services.contains_key(&container.service))
        .collect();
    if options.remove_orphans {
        for container in &orphans {
            removed_steps.push(remove_container_steps(
                &mut plan,
                container,
                remove_volumes,
                "orphan",
                Vec::new(),
            ));
        }
    } else {
        plan.orphans = orphans
            .iter()
            .map(|container| container.name.clone())
            .collect();
    }
    if !options.services.is_empty() {
        return Ok(plan);
    }
    // An orphan left running keeps its network busy: the reference still tries, and keeps
    // it with a warning; so do we.
    for (key, network) in &project.networks {
        let name = network_name(project, key);
        if network.external || observed.network(&name).is_none() {
            continue;
        }
        plan.push(
            Operation::RemoveNetwork {
                name,
                keep_if_in_use: true,
            },
            "project down",
            removed_steps.iter().copied(),
        );
    }
    if remove_volumes {
        for (key, volume) in &project.volumes {
            let name = volume_name(project, key);
            // As the reference, a volume of the project's name goes even when it was not
            // made by compose (`up` warned about it).
            if volume.external
                || (observed.volume(&name).is_none() && observed.foreign_volume(&name).is_none())
            {
                continue;
            }
            plan.push(
                Operation::RemoveVolume { name },
                "-v",
                removed_steps.iter().copied(),
            );
        }
    }
    if options.images != ImageRemoval::None {
        let mut images: BTreeSet<String> = BTreeSet::new();
        for (service_name, service) in &project.services {
            if service.image.is_empty() {
                images.insert(format!("{}-{service_name}", project.name));
            } else if options.images == ImageRemoval::All {
                images.insert(service.image.clone());
            }
        }
        for image in images {
            plan.push(
                Operation::RemoveImage { image },
                match options.images {
                    ImageRemoval::All => "--rmi all",
                    _ => "--rmi local",
                },
                removed_steps.iter().copied(),
            );
        }
    }
    Ok(plan)
}

/// The plan of `--wait`: every container of the services running, or healthy when it has
/// a healthcheck; a service that others wait for to complete successfully (an init
/// container) must have exited with 0 instead (the reference's `getDependencyCondition`).
pub fn wait_plan(
    project: &Project,
    observed: &ObservedProject,
    services: &BTreeSet<String>,
) -> Plan {
    let mut plan = Plan::default();
    for service_name in services {
        if !project.services.contains_key(service_name) {
            continue;
        }
        let containers: Vec<String> = observed
            .service_containers(service_name)
            .map(|container| container.name.clone())
            .collect();
        if containers.is_empty() {
            continue;
        }
        let condition = if is_one_shot(project, service_name) {
            WaitCondition::CompletedSuccessfully
        } else {
            WaitCondition::RunningOrHealthy
        };
        plan.push(
            Operation::WaitDependency {
                service: service_name.clone(),
                dependency: service_name.clone(),
                containers,
                condition,
                required: true,
            },
            "--wait",
            [],
        );
    }
    plan
}
