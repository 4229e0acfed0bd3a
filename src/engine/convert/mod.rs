//! Service → container: the one place that turns a `model::ServiceConfig` into the
//! engine's create body (config, host config, networks) exactly as the reference does
//! (docker/compose v2.40.3 `pkg/compose/create.go` `getCreateConfigs`), plus the networks to
//! connect after creation and the secret/config files to copy before start.
//! Decides nothing about *whether* to create; `plan` does that.

mod apply;
mod mounts;
mod networks;
mod resources;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, HostConfigCgroupnsModeEnum,
    HostConfigIsolationEnum, HostConfigLogConfig, PortBinding,
};

use crate::engine::connect::ApiVersion;
use crate::labels;
use crate::model::{HealthCheckConfig, Project, ServiceConfig};

pub use apply::{copy_files, create_container, explain_create_error};
pub use mounts::{FileToCopy, secrets_and_configs_to_copy};
pub use resources::{restart_policy, ulimits};

/// Everything about one container that is not in the service definition itself.
#[derive(Debug, Clone)]
pub struct ContainerContext<'a> {
    pub project: &'a Project,
    pub service_name: &'a str,
    pub service: &'a ServiceConfig,
    /// Replica number (`com.docker.compose.container-number`); for one-offs, 1.
    pub number: u32,
    /// Final container name (`<project>-<service>-<n>` or `container_name`).
    pub container_name: String,
    pub oneoff: bool,
    /// `com.docker.compose.config-hash`.
    pub config_hash: String,
    /// Image ID at creation (`com.docker.compose.image`), when known.
    pub image_id: Option<String>,
    pub working_dir: &'a Path,
    pub config_files: &'a [PathBuf],
    pub env_files: &'a [PathBuf],
    /// Name of the container this one replaces (`com.docker.compose.replace`).
    pub replaces: Option<String>,
    /// How the container is created and what the engine already holds
    /// (`CreateOptions::default()` is what `up`/`create` use).
    pub options: CreateOptions,
}

/// The reference's `createOptions` plus the engine facts the conversion needs.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// `run --rm`.
    pub auto_remove: bool,
    /// `run` with an interactive stdin.
    pub attach_stdin: bool,
    /// Add the service name and `aliases` to each endpoint (`up`: yes; `run`: only with
    /// `--use-aliases`).
    pub use_network_aliases: bool,
    /// The negotiated engine API version: below 1.44 only one network goes in the create
    /// call and the MAC address lives in the container config.
    pub api_version: ApiVersion,
    /// Existing containers of each service, in the engine's listing order: `links`,
    /// `volumes_from` and `service:` namespaces resolve to them.
    pub service_containers: BTreeMap<String, Vec<PeerContainer>>,
    /// Proxy variables from the docker CLI config (`proxies`), overridden by `environment`.
    pub proxy_environment: BTreeMap<String, String>,
    /// `DOCKER_DEFAULT_PLATFORM` from the project environment.
    pub default_platform: Option<String>,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            auto_remove: false,
            attach_stdin: false,
            use_network_aliases: true,
            api_version: ApiVersion {
                major: 1,
                minor: 41,
            },
            service_containers: BTreeMap::new(),
            proxy_environment: BTreeMap::new(),
            default_platform: None,
        }
    }
}

/// A container of another service that this one refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerContainer {
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
}

/// A network to connect after creation (API < 1.44 accepts one network at create time).
#[derive(Debug, Clone)]
pub struct ExtraNetwork {
    pub network_name: String,
    pub endpoint: EndpointSettings,
}

/// The create body and what goes with it.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub body: ContainerCreateBody,
    pub extra_networks: Vec<ExtraNetwork>,
    /// The container-wide `MacAddress` (API < 1.44), absent from bollard's body type;
    /// [`create_container`] adds it to the request.
    pub mac_address: Option<String>,
    /// `platform` query parameter of the create call.
    pub platform: Option<String>,
    /// Things the reference warns about (unsupported `uid`/`gid`/`mode`, missing files).
    pub warnings: Vec<String>,
}

/// A service the reference refuses to convert, with the key at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    pub service: String,
    pub key: &'static str,
    pub message: String,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "service `{}`: {} ({})",
            self.service, self.message, self.key
        )
    }
}

impl std::error::Error for ConvertError {}

/// Collects the refusals found while converting; the first one is reported.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub errors: Vec<(&'static str, String)>,
    pub warnings: Vec<String>,
}

impl Findings {
    pub fn error(&mut self, key: &'static str, message: impl Into<String>) {
        self.errors.push((key, message.into()));
    }
}

/// Converts a service into a container spec, best effort: what the reference would refuse
/// is left out (use [`try_container_spec`] to get the refusal).
pub fn container_spec(context: &ContainerContext<'_>) -> ContainerSpec {
    build(context).0
}

/// Converts a service into a container spec, or the reference's refusal naming the key.
pub fn try_container_spec(context: &ContainerContext<'_>) -> Result<ContainerSpec, ConvertError> {
    let (spec, findings) = build(context);
    match findings.errors.into_iter().next() {
        Some((key, message)) => Err(ConvertError {
            service: context.service_name.to_owned(),
            key,
            message,
        }),
        None => Ok(spec),
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn non_empty_list(list: &[String]) -> Option<Vec<String>> {
    (!list.is_empty()).then(|| list.to_vec())
}

fn non_empty_map(map: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!map.is_empty()).then(|| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// The config the reference adds for `use_api_socket` (its content is copied).
pub(crate) const API_SOCKET_CONFIG: &str = "#apisocket";

/// The service as the reference converts *and hashes* it: after its `use_api_socket`
/// transformation (`pkg/compose/apiSocket.go`: the engine socket bound in,
/// `DOCKER_CONFIG` pointing at the copied credentials) and with `volumes_from` and
/// `service:` namespaces resolved to the first container of the named service
/// (`resolveServiceReferences`). `com.docker.compose.config-hash` must be computed from
/// this, as the reference does.
pub fn effective_service(
    service_name: &str,
    service: &ServiceConfig,
    service_containers: &BTreeMap<String, Vec<PeerContainer>>,
) -> Result<ServiceConfig, ConvertError> {
    let mut service = service.clone();
    let refuse = |key: &'static str, message: String| ConvertError {
        service: service_name.to_owned(),
        key,
        message,
    };
    let first_container = |name: &str| {
        service_containers
            .get(name)
            .and_then(|containers| containers.iter().min_by(|l, r| l.name.cmp(&r.name)))
            .map(|peer| peer.id.clone())
    };
    if service.use_api_socket {
        service.volumes.push(crate::model::ServiceVolumeConfig {
            volume_type: crate::model::VolumeType::Bind,
            source: mounts::API_SOCKET.to_owned(),
            target: mounts::API_SOCKET.to_owned(),
            ..crate::model::ServiceVolumeConfig::default()
        });
        service
            .environment
            .entry("DOCKER_CONFIG".to_owned())
            .or_insert_with(|| Some("/run/secrets/docker".to_owned()));
        service.configs.push(crate::model::FileReference {
            source: API_SOCKET_CONFIG.to_owned(),
            target: mounts::API_SOCKET_CONFIG_TARGET.to_owned(),
            ..crate::model::FileReference::default()
        });
    }
    for entry in &mut service.volumes_from {
        let mut parts = entry.split(':');
        let first = parts.next().unwrap_or_default();
        if first == "container" {
            *entry = parts.next().unwrap_or_default().to_owned();
            continue;
        }
        let id = first_container(first).ok_or_else(|| {
            refuse(
                "volumes_from",
                format!("cannot share volume with service {first}: container missing"),
            )
        })?;
        *entry = id;
    }
    for (key, what, value) in [
        ("network_mode", "network", &mut service.network_mode),
        ("ipc", "IPC", &mut service.ipc),
        ("pid", "PID", &mut service.pid),
    ] {
        if let Some(name) = value.strip_prefix(ServiceConfig::SERVICE_PREFIX) {
            let id = first_container(name).ok_or_else(|| {
                refuse(
                    key,
                    format!("cannot share {what} namespace with service {name}: container missing"),
                )
            })?;
            *value = format!("{}{id}", ServiceConfig::CONTAINER_PREFIX);
        }
    }
    Ok(service)
}

fn build(context: &ContainerContext<'_>) -> (ContainerSpec, Findings) {
    let mut findings = Findings::default();
    let options = &context.options;
    let service = match effective_service(
        context.service_name,
        context.service,
        &options.service_containers,
    ) {
        Ok(service) => service,
        Err(error) => {
            findings.error(error.key, error.message);
            context.service.clone()
        }
    };
    let service = &service;

    let image = if service.image.is_empty() {
        format!("{}-{}", context.project.name, context.service_name)
    } else {
        service.image.clone()
    };

    let mut environment: BTreeMap<String, Option<String>> = options
        .proxy_environment
        .iter()
        .map(|(key, value)| (key.clone(), Some(value.clone())))
        .collect();
    for (key, value) in &service.environment {
        environment.insert(key.clone(), value.clone());
    }
    let environment: Vec<String> = environment
        .into_iter()
        .map(|(key, value)| match value {
            Some(value) => format!("{key}={value}"),
            None => key,
        })
        .collect();

    let network = networks::network_settings(context, service, &mut findings);
    let healthcheck = service
        .healthcheck
        .as_ref()
        .map(|check| health_config(check, options.api_version, &mut findings));
    let (binds, mount_list) = mounts::binds_and_mounts(context, service, &mut findings);
    let (security_options, unconfined) = security_options(context, service, &mut findings);

    let tmpfs: HashMap<String, String> = service
        .tmpfs
        .iter()
        .map(|entry| match entry.split_once(':') {
            Some((path, mount_options)) => (path.to_owned(), mount_options.to_owned()),
            None => (entry.clone(), String::new()),
        })
        .collect();

    let mut host_config = HostConfig {
        auto_remove: Some(options.auto_remove),
        annotations: non_empty_map(&service.annotations),
        binds: (!binds.is_empty()).then_some(binds),
        mounts: (!mount_list.is_empty()).then_some(mount_list),
        cap_add: normalise_capabilities(&service.cap_add),
        cap_drop: normalise_capabilities(&service.cap_drop),
        network_mode: Some(network.network_mode.clone()),
        init: service.init,
        ipc_mode: non_empty(&service.ipc),
        cgroupns_mode: match service.cgroup.as_str() {
            "host" => Some(HostConfigCgroupnsModeEnum::HOST),
            "private" => Some(HostConfigCgroupnsModeEnum::PRIVATE),
            _ => None,
        },
        readonly_rootfs: Some(service.read_only),
        restart_policy: Some(resources::restart_policy(service)),
        shm_size: (service.shm_size.0 != 0).then_some(service.shm_size.0),
        sysctls: non_empty_map(&service.sysctls),
        port_bindings: port_bindings(service),
        volume_driver: non_empty(&service.volume_driver),
        volumes_from: non_empty_list(&service.volumes_from),
        dns: non_empty_list(&service.dns),
        dns_search: non_empty_list(&service.dns_search),
        dns_options: non_empty_list(&service.dns_opt),
        // Always a list, even empty (compose-go `HostsList.AsList`).
        extra_hosts: Some(service.extra_hosts.entries(":")),
        security_opt: (!security_options.is_empty()).then_some(security_options),
        storage_opt: non_empty_map(&service.storage_opt),
        userns_mode: non_empty(&service.userns_mode),
        uts_mode: non_empty(&service.uts),
        privileged: Some(service.privileged),
        pid_mode: non_empty(&service.pid),
        tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
        isolation: match service.isolation.as_str() {
            "default" => Some(HostConfigIsolationEnum::DEFAULT),
            "process" => Some(HostConfigIsolationEnum::PROCESS),
            "hyperv" => Some(HostConfigIsolationEnum::HYPERV),
            _ => None,
        },
        runtime: non_empty(&service.runtime),
        log_config: service.logging.as_ref().map(|logging| HostConfigLogConfig {
            typ: Some(logging.driver.clone()),
            config: non_empty_map(&logging.options),
        }),
        group_add: non_empty_list(&service.group_add),
        links: (!network.links.is_empty()).then(|| network.links.clone()),
        oom_score_adj: Some(service.oom_score_adj),
        ..HostConfig::default()
    };
    if unconfined {
        host_config.masked_paths = Some(Vec::new());
        host_config.readonly_paths = Some(Vec::new());
    }
    resources::apply_resources(service, &mut host_config);

    let exposed_ports = exposed_ports(service);
    let body = ContainerCreateBody {
        hostname: non_empty(&service.hostname),
        domainname: non_empty(&service.domainname),
        user: non_empty(&service.user),
        exposed_ports: (!exposed_ports.is_empty()).then_some(exposed_ports),
        tty: Some(service.tty),
        open_stdin: Some(service.stdin_open),
        stdin_once: Some(options.attach_stdin && service.stdin_open),
        attach_stdin: Some(options.attach_stdin),
        attach_stderr: Some(true),
        attach_stdout: Some(true),
        cmd: service.command.clone(),
        image: Some(image),
        working_dir: non_empty(&service.working_dir),
        entrypoint: service.entrypoint.clone(),
        network_disabled: (service.network_mode == "disabled").then_some(true),
        labels: Some(container_labels(context)),
        stop_signal: non_empty(&service.stop_signal),
        env: (!environment.is_empty()).then_some(environment),
        healthcheck,
        stop_timeout: service
            .stop_grace_period
            .map(|period| period.0 / 1_000_000_000),
        host_config: Some(host_config),
        networking_config: network.networking_config,
        ..ContainerCreateBody::default()
    };
    let platform = non_empty(&service.platform).or_else(|| options.default_platform.clone());
    findings
        .warnings
        .extend(mounts::file_reference_warnings(context));
    let warnings = std::mem::take(&mut findings.warnings);
    (
        ContainerSpec {
            body,
            extra_networks: network.extra_networks,
            mac_address: network.container_mac_address,
            platform,
            warnings,
        },
        findings,
    )
}

/// `healthcheck` → the engine's health config (durations in nanoseconds, `disable` → `NONE`).
fn health_config(
    check: &HealthCheckConfig,
    api_version: ApiVersion,
    findings: &mut Findings,
) -> HealthConfig {
    let nanoseconds = |duration: Option<crate::model::Duration>| duration.map_or(0, |d| d.0);
    let test = if check.disable {
        vec!["NONE".to_owned()]
    } else {
        check.test.clone()
    };
    let mut start_interval = 0;
    if let Some(interval) = check.start_interval {
        if api_version
            < (ApiVersion {
                major: 1,
                minor: 44,
            })
        {
            findings.error(
                "healthcheck.start_interval",
                "can't set healthcheck.start_interval as feature require Docker Engine v25 or later",
            );
        } else {
            start_interval = interval.0;
        }
        if check.start_period.is_none() {
            findings.error(
                "healthcheck.start_interval",
                "healthcheck.start_interval requires healthcheck.start_period to be set",
            );
        }
    }
    HealthConfig {
        test: Some(test),
        interval: Some(nanoseconds(check.interval)),
        timeout: Some(nanoseconds(check.timeout)),
        retries: Some(
            check
                .retries
                .map_or(0, |retries| i64::try_from(retries).unwrap_or(i64::MAX)),
        ),
        start_period: Some(nanoseconds(check.start_period)),
        start_interval: (start_interval != 0).then_some(start_interval),
    }
}

/// `security_opt`, with `seccomp=<file>` replaced by the file's compact JSON and
/// `systempaths=unconfined` taken out (docker/cli `parseSecurityOpts`).
fn security_options(
    context: &ContainerContext<'_>,
    service: &ServiceConfig,
    findings: &mut Findings,
) -> (Vec<String>, bool) {
    let mut unconfined = false;
    let mut parsed = Vec::new();
    for option in &service.security_opt {
        if option == "systempaths=unconfined" {
            unconfined = true;
            continue;
        }
        let (key, value) = match option.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None if option == "no-new-privileges" => (option.as_str(), None),
            None => {
                let Some((key, value)) = option.split_once(':') else {
                    findings.error("security_opt", format!("invalid security-opt: {option:?}"));
                    continue;
                };
                (key, Some(value))
            }
        };
        match (key, value) {
            ("seccomp", Some(profile)) if profile != "unconfined" && profile != "builtin" => {
                let path = if Path::new(profile).is_absolute() {
                    PathBuf::from(profile)
                } else {
                    context.working_dir.join(profile)
                };
                let compact = std::fs::read_to_string(&path)
                    .map_err(|error| error.to_string())
                    .and_then(|text| {
                        serde_json::from_str::<serde_json::Value>(&text)
                            .map_err(|error| error.to_string())
                    });
                match compact {
                    Ok(json) => parsed.push(format!("seccomp={json}")),
                    Err(error) => findings.error(
                        "security_opt",
                        format!("opening seccomp profile ({profile}) failed: {error}"),
                    ),
                }
            }
            _ => parsed.push(option.clone()),
        }
    }
    (parsed, unconfined)
}

/// Capabilities as the engine client sends them: upper case with the `CAP_` prefix, except
/// `ALL` (moby client `normalizeCapabilities`).
pub fn normalise_capabilities(capabilities: &[String]) -> Option<Vec<String>> {
    (!capabilities.is_empty()).then(|| {
        capabilities
            .iter()
            .map(|capability| {
                let capability = capability.trim().to_uppercase();
                if capability == "ALL" || capability.starts_with("CAP_") {
                    capability
                } else {
                    format!("CAP_{capability}")
                }
            })
            .collect()
    })
}

/// `<target>/<protocol>` of a port entry.
fn port_key(target: u32, protocol: &str) -> String {
    let protocol = if protocol.is_empty() { "tcp" } else { protocol };
    format!("{target}/{protocol}")
}

/// `ExposedPorts`: `expose` entries as written, then every `ports` target.
pub fn exposed_ports(service: &ServiceConfig) -> Vec<String> {
    let mut ports: Vec<String> = service.expose.clone();
    for port in &service.ports {
        ports.push(port_key(port.target, &port.protocol));
    }
    ports.sort();
    ports.dedup();
    ports
}

/// `PortBindings`: each `ports` entry under `<target>/<protocol>`, in file order.
pub fn port_bindings(service: &ServiceConfig) -> Option<HashMap<String, Option<Vec<PortBinding>>>> {
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for port in &service.ports {
        bindings
            .entry(port_key(port.target, &port.protocol))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some(port.host_ip.clone()),
                host_port: Some(port.published.clone()),
            });
    }
    Some(bindings)
}

/// `com.docker.compose.depends_on`: `service:condition:restart`, comma-separated. The
/// reference walks a Go map (random order); we sort by service name.
pub fn depends_on_label(service: &ServiceConfig) -> String {
    service
        .depends_on
        .iter()
        .map(|(name, dependency)| {
            format!(
                "{name}:{}:{}",
                dependency.condition.as_str(),
                dependency.restart
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The `com.docker.compose.*` labels of a container, plus the service's own labels.
pub fn container_labels(context: &ContainerContext<'_>) -> HashMap<String, String> {
    let join = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out: HashMap<String, String> = context
        .service
        .labels
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    out.insert(labels::PROJECT.into(), context.project.name.clone());
    out.insert(labels::SERVICE.into(), context.service_name.to_owned());
    out.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    out.insert(
        labels::WORKING_DIR.into(),
        context.working_dir.display().to_string(),
    );
    out.insert(labels::CONFIG_FILES.into(), join(context.config_files));
    if !context.env_files.is_empty() {
        out.insert(labels::ENVIRONMENT_FILE.into(), join(context.env_files));
    }
    out.insert(
        labels::ONEOFF.into(),
        if context.oneoff { "True" } else { "False" }.into(),
    );
    if !context.oneoff {
        out.insert(labels::CONTAINER_NUMBER.into(), context.number.to_string());
    }
    out.insert(labels::CONFIG_HASH.into(), context.config_hash.clone());
    out.insert(labels::DEPENDS_ON.into(), depends_on_label(context.service));
    if let Some(image_id) = &context.image_id {
        out.insert(labels::IMAGE.into(), image_id.clone());
    }
    if let Some(replaced) = &context.replaces {
        out.insert(labels::REPLACE.into(), replaced.clone());
    }
    out
}
