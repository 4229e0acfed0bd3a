//! The loaded project → the Swarm objects of one stack, with docker stack's semantics
//! (docker/cli v28 `cli/compose/convert`: `service.go`, `compose.go`, `volume.go`). Pure:
//! file contents and variables come in through [`Inputs`]; nothing talks to the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine as _;

use super::check;
use super::spec::{
    BindOptions, ConfigReference, ContainerSpec, DiscreteResource, DnsConfig, Driver, EndpointSpec,
    FileObjectSpec, FileTarget, GenericResource, HealthConfig, Ipam, IpamPool, Limit, Mount,
    NetworkAttachment, NetworkSpec, Placement, PlacementPreference, PortConfig, Reservation,
    ResourceRequirements, RestartPolicy, SecretReference, ServiceMode, ServiceSpec, SpreadOver,
    TaskSpec, TmpfsOptions, Ulimit, UpdateConfig, VolumeOptions,
};
use crate::model::{
    DeployConfig, FileObjectConfig, FileReference, HealthCheckConfig, NetworkConfig, Project,
    ServiceConfig, ServiceVolumeConfig, VolumeConfig,
};

/// The label that makes an object part of a stack (docker/cli `convert.LabelNamespace`).
pub const LABEL_NAMESPACE: &str = "com.docker.stack.namespace";
/// The image as written in the compose file, on the service (`convert.LabelImage`).
pub const LABEL_IMAGE: &str = "com.docker.stack.image";
/// The driver of networks that do not name one (docker/cli `defaultNetworkDriver`).
pub const DEFAULT_NETWORK_DRIVER: &str = "overlay";
/// The network of services that name none.
const DEFAULT_NETWORK: &str = "default";
/// Where Swarm mounts secrets; compose-go writes default targets as absolute paths there.
const SECRETS_DIRECTORY: &str = "/run/secrets/";

/// What the conversion reads besides the project: variables (secrets and configs from
/// `environment:`) and files (from `file:`).
pub struct Inputs<'a> {
    pub environment: &'a BTreeMap<String, String>,
    pub read_file: &'a dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
}

/// Everything one `stack deploy` creates or updates, in deploy order.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub namespace: String,
    /// Networks to create (sorted by name); existing ones are left alone.
    pub networks: Vec<NetworkSpec>,
    /// External networks that must exist already (swarm-scoped).
    pub external_networks: Vec<String>,
    pub secrets: Vec<FileObjectSpec>,
    pub configs: Vec<FileObjectSpec>,
    /// Compose service name → spec.
    pub services: BTreeMap<String, ServiceSpec>,
    /// Non-fatal findings (one line each).
    pub warnings: Vec<String>,
}

impl Stack {
    /// The stack as text (JSON in the Engine API's shape): what tests compare.
    pub fn to_text(&self) -> String {
        let document = serde_json::json!({
            "Namespace": self.namespace,
            "Networks": self.networks,
            "ExternalNetworks": self.external_networks,
            "Secrets": self.secrets,
            "Configs": self.configs,
            "Services": self.services,
            "Warnings": self.warnings,
        });
        serde_json::to_string_pretty(&document).unwrap_or_default()
    }
}

/// Every reason the project cannot be deployed, one line each (all found at once).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct ConversionErrors(pub Vec<String>);

/// `name` scoped to the stack: `<stack>_<name>` (docker/cli `Namespace.Scope`).
pub fn scope(namespace: &str, name: &str) -> String {
    format!("{namespace}_{name}")
}

fn with_stack_label(
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = labels.clone();
    labels.insert(LABEL_NAMESPACE.to_owned(), namespace.to_owned());
    labels
}

/// Converts `project` into the stack `namespace`.
pub fn convert(
    project: &Project,
    namespace: &str,
    inputs: &Inputs<'_>,
) -> Result<Stack, ConversionErrors> {
    let mut errors = Vec::new();
    let mut ignored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (service_name, service) in &project.services {
        for key in check::unsupported_keys(service) {
            ignored.entry(key).or_default().push(service_name.clone());
        }
        for (key, advice) in check::forbidden_keys(service) {
            errors.push(format!(
                "service `{service_name}`: `{key}` is not supported by swarm: {advice}"
            ));
        }
    }

    let (networks, external_networks) = networks(project, namespace);
    let secrets = file_objects(project, namespace, inputs, Kind::Secret, &mut errors);
    let configs = file_objects(project, namespace, inputs, Kind::Config, &mut errors);

    let mut services = BTreeMap::new();
    for (service_name, service) in &project.services {
        let mut context = ServiceContext {
            project,
            namespace,
            service_name,
            errors: Vec::new(),
        };
        let spec = context.service(service);
        if context.errors.is_empty() {
            services.insert(service_name.clone(), spec);
        } else {
            errors.extend(
                context
                    .errors
                    .into_iter()
                    .map(|message| format!("service `{service_name}`: {message}")),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ConversionErrors(errors));
    }
    Ok(Stack {
        namespace: namespace.to_owned(),
        networks,
        external_networks,
        secrets,
        configs,
        services,
        warnings: check::unsupported_warning(&ignored).into_iter().collect(),
    })
}

/// The networks the services use (`default` for a service naming none), split into those
/// to create and the external ones (docker/cli `convert.Networks`).
fn networks(project: &Project, namespace: &str) -> (Vec<NetworkSpec>, Vec<String>) {
    let used: BTreeSet<&str> = project
        .services
        .values()
        .flat_map(|service| {
            if service.networks.is_empty() {
                vec![DEFAULT_NETWORK]
            } else {
                service.networks.keys().map(String::as_str).collect()
            }
        })
        .collect();
    let fallback = NetworkConfig::default();
    let mut create = Vec::new();
    let mut external = Vec::new();
    for key in used {
        let network = project.networks.get(key).unwrap_or(&fallback);
        let name = if network.name.is_empty() {
            scope(namespace, key)
        } else {
            network.name.clone()
        };
        if network.external {
            external.push(name);
            continue;
        }
        let ipam =
            (!network.ipam.driver.is_empty() || !network.ipam.config.is_empty()).then(|| Ipam {
                driver: network.ipam.driver.clone(),
                config: network
                    .ipam
                    .config
                    .iter()
                    .map(|pool| IpamPool {
                        subnet: pool.subnet.clone(),
                    })
                    .collect(),
            });
        create.push(NetworkSpec {
            name,
            driver: if network.driver.is_empty() {
                DEFAULT_NETWORK_DRIVER.to_owned()
            } else {
                network.driver.clone()
            },
            options: network.driver_opts.clone(),
            labels: with_stack_label(namespace, &network.labels),
            internal: network.internal,
            attachable: network.attachable,
            ipam,
        });
    }
    create.sort_by(|left, right| left.name.cmp(&right.name));
    external.sort();
    external.dedup();
    (create, external)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Secret,
    Config,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Config => "config",
        }
    }
}

/// Secrets or configs to create or update (docker/cli `convert.Secrets` / `Configs`):
/// external ones are skipped; names are the compose `name` or `<stack>_<key>`.
fn file_objects(
    project: &Project,
    namespace: &str,
    inputs: &Inputs<'_>,
    kind: Kind,
    errors: &mut Vec<String>,
) -> Vec<FileObjectSpec> {
    let objects = match kind {
        Kind::Secret => &project.secrets,
        Kind::Config => &project.configs,
    };
    let mut specs = Vec::new();
    for (key, object) in objects {
        if object.external {
            continue;
        }
        let name = object_name(namespace, key, object);
        let labels = with_stack_label(namespace, &object.labels);
        let templating = (!object.template_driver.is_empty()).then(|| Driver {
            name: object.template_driver.clone(),
            options: BTreeMap::new(),
        });
        if kind == Kind::Secret && !object.driver.is_empty() {
            specs.push(FileObjectSpec {
                name,
                labels,
                data: String::new(),
                driver: Some(Driver {
                    name: object.driver.clone(),
                    options: object.driver_opts.clone(),
                }),
                templating,
            });
            continue;
        }
        let data = if !object.environment.is_empty() {
            let Some(value) = inputs.environment.get(&object.environment) else {
                errors.push(format!(
                    "{} `{key}`: environment variable `{}` is not set",
                    kind.word(),
                    object.environment
                ));
                continue;
            };
            value.clone().into_bytes()
        } else if !object.file.is_empty() {
            match (inputs.read_file)(Path::new(&object.file)) {
                Ok(bytes) => bytes,
                Err(error) => {
                    errors.push(format!(
                        "{} `{key}`: cannot read `{}`: {}",
                        kind.word(),
                        object.file,
                        io_reason(&error)
                    ));
                    continue;
                }
            }
        } else {
            object.content.clone().into_bytes()
        };
        specs.push(FileObjectSpec {
            name,
            labels,
            // Standard base64 with padding, as the API wants `Data`.
            data: base64::engine::general_purpose::STANDARD.encode(&data),
            driver: None,
            templating,
        });
    }
    specs.sort_by(|left, right| left.name.cmp(&right.name));
    specs
}

fn object_name(namespace: &str, key: &str, object: &FileObjectConfig) -> String {
    if object.name.is_empty() {
        scope(namespace, key)
    } else {
        object.name.clone()
    }
}

/// The conversion of one service, collecting its errors.
struct ServiceContext<'a> {
    project: &'a Project,
    namespace: &'a str,
    service_name: &'a str,
    errors: Vec<String>,
}

impl ServiceContext<'_> {
    fn service(&mut self, service: &ServiceConfig) -> ServiceSpec {
        let namespace = self.namespace;
        let default_deploy = DeployConfig::default();
        let deploy = service.deploy.as_ref().unwrap_or(&default_deploy);
        if service.image.is_empty() {
            self.errors.push(
                "no `image`: swarm cannot build images; build and push it, then set `image`"
                    .to_owned(),
            );
        }
        let mut labels = with_stack_label(namespace, &deploy.labels);
        labels.insert(LABEL_IMAGE.to_owned(), service.image.clone());
        let (capability_add, capability_drop) =
            effective_capabilities(&service.cap_add, &service.cap_drop);
        let container_spec = ContainerSpec {
            image: service.image.clone(),
            labels: with_stack_label(namespace, &service.labels),
            command: service.entrypoint.clone().unwrap_or_default(),
            args: service.command.clone().unwrap_or_default(),
            hostname: service.hostname.clone(),
            env: environment(service),
            dir: service.working_dir.clone(),
            user: service.user.clone(),
            groups: service.group_add.clone(),
            tty: service.tty,
            open_stdin: service.stdin_open,
            read_only: service.read_only,
            mounts: self.mounts(service),
            stop_signal: service.stop_signal.clone(),
            stop_grace_period: service.stop_grace_period.map(|duration| duration.0),
            health_check: service.healthcheck.as_ref().map(healthcheck),
            hosts: service
                .extra_hosts
                .0
                .iter()
                .flat_map(|(host, addresses)| {
                    addresses
                        .iter()
                        .map(move |address| format!("{address} {host}"))
                })
                .collect(),
            dns_config: (!service.dns.is_empty()
                || !service.dns_search.is_empty()
                || !service.dns_opt.is_empty())
            .then(|| DnsConfig {
                nameservers: service.dns.clone(),
                search: service.dns_search.clone(),
                options: service.dns_opt.clone(),
            }),
            secrets: self.secret_references(service),
            configs: self.config_references(service),
            isolation: service.isolation.clone(),
            init: service.init,
            sysctls: service.sysctls.clone(),
            capability_add,
            capability_drop,
            ulimits: service
                .ulimits
                .iter()
                .map(|(name, limit)| {
                    let (soft, hard) = if limit.single == 0 {
                        (limit.soft, limit.hard)
                    } else {
                        (limit.single, limit.single)
                    };
                    Ulimit {
                        name: name.clone(),
                        soft,
                        hard,
                    }
                })
                .collect(),
            oom_score_adj: service.oom_score_adj,
        };
        ServiceSpec {
            name: scope(namespace, self.service_name),
            labels,
            task_template: TaskSpec {
                container_spec,
                resources: self.resources(deploy),
                restart_policy: self.restart_policy(service, deploy),
                placement: Placement {
                    constraints: deploy.placement.constraints.clone(),
                    preferences: deploy
                        .placement
                        .preferences
                        .iter()
                        .map(|preference| PlacementPreference {
                            spread: SpreadOver {
                                spread_descriptor: preference.spread.clone(),
                            },
                        })
                        .collect(),
                    max_replicas: deploy.placement.max_replicas,
                },
                networks: self.network_attachments(service),
                log_driver: service.logging.as_ref().map(|logging| Driver {
                    name: logging.driver.clone(),
                    options: logging.options.clone(),
                }),
                force_update: 0,
            },
            mode: self.mode(service, deploy),
            update_config: deploy.update_config.as_ref().map(update_config),
            rollback_config: deploy.rollback_config.as_ref().map(update_config),
            endpoint_spec: self.endpoint(service, deploy),
        }
    }

    fn mode(&mut self, service: &ServiceConfig, deploy: &DeployConfig) -> ServiceMode {
        // `scale` is the compose-spec spelling of `deploy.replicas`.
        let replicas = match deploy.replicas.or(service.scale) {
            None => None,
            Some(count) => {
                if let Ok(count) = u64::try_from(count) {
                    Some(count)
                } else {
                    self.errors.push(format!(
                        "`deploy.replicas` must not be negative, got {count}"
                    ));
                    None
                }
            }
        };
        match deploy.mode.as_str() {
            "" | "replicated" => ServiceMode::Replicated { replicas },
            "replicated-job" => ServiceMode::ReplicatedJob {
                max_concurrent: replicas,
                total_completions: replicas,
            },
            mode @ ("global" | "global-job") => {
                if replicas.is_some() {
                    self.errors.push(format!(
                        "`deploy.replicas` can only be used with the replicated or replicated-job mode, not `{mode}`"
                    ));
                }
                if mode == "global" {
                    ServiceMode::Global {}
                } else {
                    ServiceMode::GlobalJob {}
                }
            }
            other => {
                self.errors.push(format!(
                    "unknown `deploy.mode` `{other}` (expected replicated, global, replicated-job or global-job)"
                ));
                ServiceMode::Replicated { replicas }
            }
        }
    }

    fn endpoint(&mut self, service: &ServiceConfig, deploy: &DeployConfig) -> EndpointSpec {
        let mut ports = Vec::new();
        for port in &service.ports {
            let published_port = match published_port(&port.published) {
                Ok(number) => number,
                Err(message) => {
                    self.errors.push(message);
                    continue;
                }
            };
            ports.push(PortConfig {
                name: port.name.clone(),
                protocol: if port.protocol.is_empty() {
                    "tcp".to_owned()
                } else {
                    port.protocol.clone()
                },
                target_port: port.target,
                published_port,
                publish_mode: if port.mode.is_empty() {
                    "ingress".to_owned()
                } else {
                    port.mode.clone()
                },
            });
        }
        ports.sort_by_key(|port| port.published_port);
        EndpointSpec {
            mode: deploy.endpoint_mode.to_lowercase(),
            ports,
        }
    }

    fn resources(&mut self, deploy: &DeployConfig) -> ResourceRequirements {
        let limits = deploy.resources.limits.as_ref().map(|limits| Limit {
            nano_cpus: self.nano_cpus(limits.cpus),
            memory_bytes: limits.memory.0,
            pids: limits.pids,
        });
        let reservations = deploy
            .resources
            .reservations
            .as_ref()
            .map(|reservations| Reservation {
                nano_cpus: self.nano_cpus(reservations.cpus),
                memory_bytes: reservations.memory.0,
                generic_resources: reservations
                    .generic_resources
                    .iter()
                    .filter_map(|resource| resource.discrete_resource_spec.as_ref())
                    .map(|discrete| GenericResource {
                        discrete_resource_spec: DiscreteResource {
                            kind: discrete.kind.clone(),
                            value: discrete.value,
                        },
                    })
                    .collect(),
            });
        ResourceRequirements {
            limits,
            reservations,
        }
    }

    /// CPUs as nano-CPUs, exactly as the decimal the user wrote (docker/cli `ParseCPUs`).
    fn nano_cpus(&mut self, cpus: f32) -> i64 {
        nano_cpus(&cpus.to_string()).unwrap_or_else(|| {
            self.errors
                .push(format!("invalid `cpus` value `{cpus}`: too precise"));
            0
        })
    }

    fn restart_policy(
        &mut self,
        service: &ServiceConfig,
        deploy: &DeployConfig,
    ) -> Option<RestartPolicy> {
        if let Some(policy) = &deploy.restart_policy {
            return Some(RestartPolicy {
                condition: policy.condition.clone(),
                delay: policy.delay.map(|duration| duration.0),
                max_attempts: policy.max_attempts,
                window: policy.window.map(|duration| duration.0),
            });
        }
        // docker/cli `convertRestartPolicy`: the container policy, mapped.
        let (name, count) = service
            .restart
            .split_once(':')
            .map_or((service.restart.as_str(), None), |(name, count)| {
                (name, Some(count))
            });
        match name {
            "" | "no" => None,
            "always" | "unless-stopped" => Some(RestartPolicy {
                condition: "any".to_owned(),
                ..RestartPolicy::default()
            }),
            "on-failure" => {
                let attempts = match count.map(str::parse::<u64>) {
                    None => 0,
                    Some(Ok(attempts)) => attempts,
                    Some(Err(_)) => {
                        self.errors
                            .push(format!("invalid `restart` value `{}`", service.restart));
                        0
                    }
                };
                Some(RestartPolicy {
                    condition: "on-failure".to_owned(),
                    max_attempts: Some(attempts),
                    ..RestartPolicy::default()
                })
            }
            _ => {
                self.errors
                    .push(format!("unknown restart policy `{}`", service.restart));
                None
            }
        }
    }

    fn network_attachments(&mut self, service: &ServiceConfig) -> Vec<NetworkAttachment> {
        let default_attachment = BTreeMap::from([(DEFAULT_NETWORK.to_owned(), None)]);
        let attachments = if service.networks.is_empty() {
            &default_attachment
        } else {
            &service.networks
        };
        let mut result = Vec::new();
        for (network_key, attachment) in attachments {
            let network = self.project.networks.get(network_key);
            if network.is_none() && network_key != DEFAULT_NETWORK {
                self.errors
                    .push(format!("undefined network `{network_key}`"));
                continue;
            }
            let target = match network {
                Some(network) if !network.name.is_empty() => network.name.clone(),
                _ => scope(self.namespace, network_key),
            };
            let mut aliases = attachment
                .as_ref()
                .map(|attachment| attachment.aliases.clone())
                .unwrap_or_default();
            // docker/cli: only user-defined networks take the service name as an alias.
            if is_user_defined_network(&target) {
                aliases.push(self.service_name.to_owned());
            }
            result.push(NetworkAttachment {
                target,
                aliases,
                driver_opts: attachment
                    .as_ref()
                    .map(|attachment| attachment.driver_opts.clone())
                    .unwrap_or_default(),
            });
        }
        result.sort_by(|left, right| left.target.cmp(&right.target));
        result
    }

    fn mounts(&mut self, service: &ServiceConfig) -> Vec<Mount> {
        let mut mounts = Vec::new();
        for volume in &service.volumes {
            match self.mount(volume) {
                Ok(mount) => mounts.push(mount),
                Err(message) => self
                    .errors
                    .push(format!("volume `{}`: {message}", volume.target)),
            }
        }
        // The service-level `tmpfs` list: docker stack drops it; Swarm can mount it.
        for entry in &service.tmpfs {
            let (target, options) = entry.split_once(':').unwrap_or((entry.as_str(), ""));
            let mut tmpfs = TmpfsOptions::default();
            for option in options.split(',').filter(|option| !option.is_empty()) {
                match option.split_once('=') {
                    Some(("size", size)) => match crate::model::UnitBytes::parse(size) {
                        Ok(bytes) => tmpfs.size_bytes = bytes.0,
                        Err(message) => self.errors.push(format!("tmpfs `{entry}`: {message}")),
                    },
                    Some(("mode", mode)) => match i64::from_str_radix(mode, 8) {
                        Ok(mode) => tmpfs.mode = mode,
                        Err(_) => self
                            .errors
                            .push(format!("tmpfs `{entry}`: invalid mode `{mode}`")),
                    },
                    _ => {}
                }
            }
            mounts.push(Mount {
                mount_type: "tmpfs".to_owned(),
                target: target.to_owned(),
                tmpfs_options: (tmpfs != TmpfsOptions::default()).then_some(tmpfs),
                ..Mount::default()
            });
        }
        mounts
    }

    /// docker/cli `convertVolumeToMount`.
    fn mount(&self, volume: &ServiceVolumeConfig) -> Result<Mount, String> {
        let mut mount = Mount {
            mount_type: volume.volume_type.as_str().to_owned(),
            source: volume.source.clone(),
            target: volume.target.clone(),
            read_only: volume.read_only,
            consistency: volume.consistency.clone(),
            ..Mount::default()
        };
        let incompatible = |options: &str, kind: &str| {
            format!("{options} options are incompatible with type {kind}")
        };
        match volume.volume_type.as_str() {
            "" | "volume" => {
                "volume".clone_into(&mut mount.mount_type);
                if volume.bind.is_some() {
                    return Err(incompatible("bind", "volume"));
                }
                if volume.tmpfs.is_some() {
                    return Err(incompatible("tmpfs", "volume"));
                }
                if volume.image.is_some() {
                    return Err(incompatible("image", "volume"));
                }
                // Anonymous volume.
                if volume.source.is_empty() {
                    return Ok(mount);
                }
                let Some(stack_volume) = self.project.volumes.get(&volume.source) else {
                    return Err(format!("undefined volume `{}`", volume.source));
                };
                mount.source = volume_name(self.namespace, &volume.source, stack_volume);
                let mut options = VolumeOptions::default();
                if let Some(volume_options) = &volume.volume {
                    options.no_copy = volume_options.nocopy;
                    options.subpath.clone_from(&volume_options.subpath);
                }
                if !stack_volume.external {
                    options.labels = with_stack_label(self.namespace, &stack_volume.labels);
                    if !stack_volume.driver.is_empty() || !stack_volume.driver_opts.is_empty() {
                        options.driver_config = Some(Driver {
                            name: stack_volume.driver.clone(),
                            options: stack_volume.driver_opts.clone(),
                        });
                    }
                }
                mount.volume_options = Some(options);
                Ok(mount)
            }
            kind @ ("bind" | "npipe") => {
                if volume.source.is_empty() {
                    return Err(format!("invalid {kind} source, source cannot be empty"));
                }
                if volume.volume.is_some() {
                    return Err(incompatible("volume", kind));
                }
                if volume.tmpfs.is_some() {
                    return Err(incompatible("tmpfs", kind));
                }
                if volume.image.is_some() {
                    return Err(incompatible("image", kind));
                }
                mount.bind_options = volume
                    .bind
                    .as_ref()
                    .filter(|bind| !bind.propagation.is_empty())
                    .map(|bind| BindOptions {
                        propagation: bind.propagation.clone(),
                    });
                Ok(mount)
            }
            "tmpfs" => {
                if !volume.source.is_empty() {
                    return Err("invalid tmpfs source, source must be empty".to_owned());
                }
                if volume.bind.is_some() {
                    return Err(incompatible("bind", "tmpfs"));
                }
                if volume.volume.is_some() {
                    return Err(incompatible("volume", "tmpfs"));
                }
                if volume.image.is_some() {
                    return Err(incompatible("image", "tmpfs"));
                }
                mount.tmpfs_options = volume.tmpfs.as_ref().map(|tmpfs| TmpfsOptions {
                    size_bytes: tmpfs.size.0,
                    mode: i64::from(tmpfs.mode),
                });
                Ok(mount)
            }
            "cluster" => {
                if volume.source.is_empty() {
                    return Err("invalid cluster source, source cannot be empty".to_owned());
                }
                if !volume.source.starts_with("group:") {
                    let Some(stack_volume) = self.project.volumes.get(&volume.source) else {
                        return Err(format!("undefined volume `{}`", volume.source));
                    };
                    mount.source = volume_name(self.namespace, &volume.source, stack_volume);
                }
                Ok(mount)
            }
            "image" => Err("`image` mounts are not supported by `stack deploy`".to_owned()),
            other => Err(format!(
                "volume type must be volume, bind, tmpfs, npipe, or cluster, not `{other}`"
            )),
        }
    }

    fn secret_references(&mut self, service: &ServiceConfig) -> Vec<SecretReference> {
        let mut references = Vec::new();
        for reference in &service.secrets {
            let Some(secret) = self.project.secrets.get(&reference.source) else {
                self.errors
                    .push(format!("undefined secret `{}`", reference.source));
                continue;
            };
            let target = file_target(reference);
            references.push(SecretReference {
                file: FileTarget {
                    name: target
                        .name
                        .strip_prefix(SECRETS_DIRECTORY)
                        .map_or(target.name.clone(), str::to_owned),
                    ..target
                },
                secret_id: String::new(),
                secret_name: object_name(self.namespace, &reference.source, secret),
            });
        }
        self.check_duplicate_targets(
            "secret",
            references.iter().map(|reference| &reference.file.name),
        );
        references.sort_by(|left, right| left.secret_name.cmp(&right.secret_name));
        references
    }

    fn config_references(&mut self, service: &ServiceConfig) -> Vec<ConfigReference> {
        let mut references = Vec::new();
        for reference in &service.configs {
            let Some(config) = self.project.configs.get(&reference.source) else {
                self.errors
                    .push(format!("undefined config `{}`", reference.source));
                continue;
            };
            references.push(ConfigReference {
                file: file_target(reference),
                config_id: String::new(),
                config_name: object_name(self.namespace, &reference.source, config),
            });
        }
        self.check_duplicate_targets(
            "config",
            references.iter().map(|reference| &reference.file.name),
        );
        references.sort_by(|left, right| left.config_name.cmp(&right.config_name));
        references
    }

    /// docker/cli `ParseSecrets` / `ParseConfigs`: two references may not share a target.
    fn check_duplicate_targets<'a>(
        &mut self,
        kind: &str,
        targets: impl Iterator<Item = &'a String>,
    ) {
        let mut seen = BTreeSet::new();
        for target in targets {
            if !seen.insert(target) {
                self.errors
                    .push(format!("duplicate {kind} target `{target}` not allowed"));
            }
        }
    }
}

/// An I/O error as one lower-case phrase, without the `(os error N)` tail.
fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let text = error.to_string();
            let text = text.split(" (os error").next().unwrap_or_default();
            text.to_lowercase()
        }
    }
}

fn volume_name(namespace: &str, key: &str, volume: &VolumeConfig) -> String {
    if volume.name.is_empty() {
        scope(namespace, key)
    } else {
        volume.name.clone()
    }
}

/// docker/cli `convertFileObject`: target defaults to the source, owner to root, mode 0444.
fn file_target(reference: &FileReference) -> FileTarget {
    let or_zero = |text: &str| {
        if text.is_empty() {
            "0".to_owned()
        } else {
            text.to_owned()
        }
    };
    FileTarget {
        name: if reference.target.is_empty() {
            reference.source.clone()
        } else {
            reference.target.clone()
        },
        uid: or_zero(&reference.uid),
        gid: or_zero(&reference.gid),
        mode: reference
            .mode
            .and_then(|mode| u32::try_from(mode.0).ok())
            .unwrap_or(0o444),
    }
}

/// `KEY=value` (or a bare `KEY` for an unset one), sorted as strings (docker/cli
/// `convertEnvironment`).
fn environment(service: &ServiceConfig) -> Vec<String> {
    let mut variables: Vec<String> = service
        .environment
        .iter()
        .map(|(name, value)| match value {
            Some(value) => format!("{name}={value}"),
            None => name.clone(),
        })
        .collect();
    variables.sort();
    variables
}

fn healthcheck(healthcheck: &HealthCheckConfig) -> HealthConfig {
    if healthcheck.disable {
        return HealthConfig {
            test: vec!["NONE".to_owned()],
            ..HealthConfig::default()
        };
    }
    let nanoseconds =
        |duration: Option<crate::model::Duration>| duration.map_or(0, |duration| duration.0);
    HealthConfig {
        test: healthcheck.test.clone(),
        interval: nanoseconds(healthcheck.interval),
        timeout: nanoseconds(healthcheck.timeout),
        start_period: nanoseconds(healthcheck.start_period),
        start_interval: nanoseconds(healthcheck.start_interval),
        retries: healthcheck
            .retries
            .map_or(0, |retries| i64::try_from(retries).unwrap_or(i64::MAX)),
    }
}

fn update_config(config: &crate::model::UpdateConfig) -> UpdateConfig {
    UpdateConfig {
        parallelism: config.parallelism.unwrap_or(1),
        delay: config.delay.0,
        failure_action: config.failure_action.clone(),
        monitor: config.monitor.0,
        max_failure_ratio: config.max_failure_ratio,
        order: config.order.clone(),
    }
}

/// docker/cli `opts.EffectiveCapAddCapDrop`: upper-case, `CAP_` prefixed, `ALL` wins over
/// the rest, and adding wins over dropping.
fn effective_capabilities(add: &[String], drop: &[String]) -> (Vec<String>, Vec<String>) {
    const ALL: &str = "ALL";
    const RESET: &str = "RESET";
    let normalise = |capabilities: &[String]| -> BTreeSet<String> {
        let mut set: BTreeSet<String> = capabilities
            .iter()
            .map(|capability| {
                let capability = capability.trim().to_uppercase();
                if capability == ALL || capability == RESET || capability.starts_with("CAP_") {
                    capability
                } else {
                    format!("CAP_{capability}")
                }
            })
            .collect();
        if set.contains(ALL) {
            set = BTreeSet::from([ALL.to_owned()]);
        }
        set.remove(RESET);
        set
    };
    let added = normalise(add);
    let dropped = normalise(drop);
    let dropped = dropped.difference(&added).cloned().collect();
    (added.into_iter().collect(), dropped)
}

/// A published port: empty is engine-assigned (0); a range must be a single port.
fn published_port(published: &str) -> Result<u32, String> {
    if published.is_empty() {
        return Ok(0);
    }
    let (start, end) = published.split_once('-').unwrap_or((published, published));
    match (start.parse::<u32>(), end.parse::<u32>()) {
        (Ok(start), Ok(end)) if start == end => Ok(start),
        (Ok(_), Ok(_)) => Err(format!(
            "published port range `{published}` is not supported by swarm: publish each port"
        )),
        _ => Err(format!("invalid published port `{published}`")),
    }
}

/// A decimal number of CPUs as nano-CPUs, exactly (`0.5` → 500000000); `None` when it has
/// more than nine decimals.
fn nano_cpus(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 9 {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = format!("{fraction:0<9}").parse().ok()?;
    whole.checked_mul(1_000_000_000)?.checked_add(fraction)
}

/// Whether a network name is user-defined (moby `NetworkMode.IsUserDefined`).
fn is_user_defined_network(name: &str) -> bool {
    !matches!(name, "default" | "bridge" | "host" | "none" | "nat")
        && !name.starts_with("container:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpus_become_exact_nano_cpus() {
        assert_eq!(nano_cpus("0.5"), Some(500_000_000));
        assert_eq!(nano_cpus("2"), Some(2_000_000_000));
        assert_eq!(nano_cpus("0.1"), Some(100_000_000));
        assert_eq!(nano_cpus("0.0000000001"), None);
    }

    #[test]
    fn capabilities_follow_docker_rules() {
        let (add, drop) = effective_capabilities(
            &["net_admin".to_owned(), "CAP_SYS_TIME".to_owned()],
            &["net_admin".to_owned(), "mknod".to_owned()],
        );
        assert_eq!(add, ["CAP_NET_ADMIN", "CAP_SYS_TIME"]);
        assert_eq!(drop, ["CAP_MKNOD"]);
        let (add, _) = effective_capabilities(&["all".to_owned(), "chown".to_owned()], &[]);
        assert_eq!(add, ["ALL"]);
    }

    #[test]
    fn published_ranges_of_one_port_are_accepted() {
        assert_eq!(published_port("8080"), Ok(8080));
        assert_eq!(published_port("8080-8080"), Ok(8080));
        assert_eq!(published_port(""), Ok(0));
        assert!(published_port("8080-8081").is_err());
    }
}
