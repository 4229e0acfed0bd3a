//! A service (compose-go `types.ServiceConfig`) and the small types it owns: ports,
//! mounts, networks, healthcheck, logging, devices, depends_on, hooks. Field order and
//! `omitempty` follow the Go struct, which is the order `config --format json` prints.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::build::BuildConfig;
use super::deploy::{DeployConfig, DeviceRequest};
use super::develop::DevelopConfig;
use super::primitives::{
    Duration, EnvFile, FileMode, HostsList, Ulimit, UnitBytes, is_false, is_zero, serialize_go_f32,
    string_enum, string_or_list,
};
use super::{Labels, Mapping, MappingWithEquals, MultiOptions, Options};

/// One service. Fields the reference never prints (`name`, custom labels) are absent;
/// `x-*` keys are kept in `extensions` but, as in the reference's JSON, not printed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<DevelopConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<BlkioConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup_parent: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_count: i64,
    #[serde(skip_serializing_if = "is_zero", serialize_with = "serialize_go_f32")]
    pub cpu_percent: f32,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_period: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_quota: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_rt_period: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_rt_runtime: i64,
    #[serde(skip_serializing_if = "is_zero", serialize_with = "serialize_go_f32")]
    pub cpus: f32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cpuset: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_shares: i64,
    /// `None` prints `null` (no override); `Some([])` clears the image's command.
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<FileReference>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<CredentialSpecConfig>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, ServiceDependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<DeployConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceMapping>,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "string_or_list"
    )]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "string_or_list"
    )]
    pub dns_search: Vec<String>,
    /// Legacy key (not in the schema), kept because the Go type has it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domainname: String,
    /// `None` prints `null` (no override); `Some([])` clears the image's entrypoint.
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<ServiceProviderConfig>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: MappingWithEquals,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<EnvFile>,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "string_or_list"
    )]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<ExtendsConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_links: Vec<String>,
    #[serde(skip_serializing_if = "HostsList::is_empty")]
    pub extra_hosts: HostsList,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheckConfig>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipc: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub isolation: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "string_or_list"
    )]
    pub label_file: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<LoggingConfig>,
    /// Legacy key (not in the schema).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub log_driver: String,
    /// Legacy key (not in the schema).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub log_opt: Mapping,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub mem_limit: UnitBytes,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub mem_reservation: UnitBytes,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub memswap_limit: UnitBytes,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub mem_swappiness: UnitBytes,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, Option<ServiceModelConfig>>,
    /// Legacy key (not in the schema).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub net: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network_mode: String,
    /// Network name → attachment options (`None` prints `null`: attached with defaults).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<ServiceNetworkConfig>>,
    #[serde(skip_serializing_if = "is_false")]
    pub oom_kill_disable: bool,
    #[serde(skip_serializing_if = "is_zero")]
    pub oom_score_adj: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pid: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub pids_limit: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub platform: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePortConfig>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pull_policy: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub restart: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub runtime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub shm_size: UnitBytes,
    #[serde(skip_serializing_if = "is_false")]
    pub stdin_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub storage_opt: Mapping,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: Mapping,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "string_or_list"
    )]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, Ulimit>,
    #[serde(skip_serializing_if = "is_false")]
    pub use_api_socket: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub userns_mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uts: String,
    /// Legacy key (not in the schema).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub volume_driver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<ServiceVolumeConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_start: Vec<ServiceHook>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_stop: Vec<ServiceHook>,
    /// `x-*` keys (and anything else unknown); the reference's JSON omits them.
    #[serde(flatten, skip_serializing)]
    pub extensions: BTreeMap<String, Json>,
}

/// A reference to another service for ordering and sharing, as named by `depends_on`,
/// `links`, `volumes_from`, `network_mode`, `ipc` or `pid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DependencyKind {
    DependsOn,
    Link,
    VolumesFrom,
    NetworkMode,
    Ipc,
    Pid,
}

impl ServiceConfig {
    /// The prefix of `network_mode`, `ipc`, `pid` and `volumes_from` values naming a service.
    pub const SERVICE_PREFIX: &'static str = "service:";
    /// The prefix naming a container instead.
    pub const CONTAINER_PREFIX: &'static str = "container:";

    /// Every service this one refers to, with the key that refers to it, sorted and
    /// without duplicates (compose-go `GetDependencies` plus the kind).
    pub fn dependencies(&self) -> Vec<(String, DependencyKind)> {
        let mut dependencies: Vec<(String, DependencyKind)> = Vec::new();
        for name in self.depends_on.keys() {
            dependencies.push((name.clone(), DependencyKind::DependsOn));
        }
        for link in &self.links {
            let name = link.split_once(':').map_or(link.as_str(), |(name, _)| name);
            dependencies.push((name.to_owned(), DependencyKind::Link));
        }
        for source in &self.volumes_from {
            if source.starts_with(Self::CONTAINER_PREFIX) {
                continue;
            }
            let name = source
                .split_once(':')
                .map_or(source.as_str(), |(name, _)| name);
            dependencies.push((name.to_owned(), DependencyKind::VolumesFrom));
        }
        for (value, kind) in [
            (&self.network_mode, DependencyKind::NetworkMode),
            (&self.ipc, DependencyKind::Ipc),
            (&self.pid, DependencyKind::Pid),
        ] {
            if let Some(name) = value.strip_prefix(Self::SERVICE_PREFIX) {
                dependencies.push((name.to_owned(), kind));
            }
        }
        dependencies.sort();
        dependencies.dedup();
        dependencies
    }

    /// The number of containers wanted: `scale`, else `deploy.replicas`, else 1.
    pub fn scale(&self) -> i64 {
        self.scale
            .or_else(|| self.deploy.as_ref().and_then(|deploy| deploy.replicas))
            .unwrap_or(1)
    }
}

/// `provider`: a service managed by a plugin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceProviderConfig {
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub provider_type: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: MultiOptions,
}

/// `blkio_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlkioConfig {
    #[serde(skip_serializing_if = "is_zero")]
    pub weight: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_iops: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_iops: Vec<ThrottleDevice>,
}

/// A device weight. The Go type has no JSON tags, hence the capitalised keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeightDevice {
    #[serde(rename = "Path", alias = "path")]
    pub path: String,
    #[serde(rename = "Weight", alias = "weight")]
    pub weight: u16,
}

/// A device rate limit. The Go type has no JSON tags, hence the capitalised keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottleDevice {
    #[serde(rename = "Path", alias = "path")]
    pub path: String,
    #[serde(rename = "Rate", alias = "rate")]
    pub rate: UnitBytes,
}

/// One `devices` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceMapping {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub permissions: String,
}

/// `credential_spec` (Windows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialSpecConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub config: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub registry: String,
}

string_enum! {
    /// `depends_on.<name>.condition`.
    DependencyCondition {
        Started => "service_started",
        Healthy => "service_healthy",
        CompletedSuccessfully => "service_completed_successfully",
    }
}

impl Default for DependencyCondition {
    fn default() -> Self {
        Self::Other(String::new())
    }
}

impl DependencyCondition {
    fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceDependency {
    #[serde(skip_serializing_if = "DependencyCondition::is_empty")]
    pub condition: DependencyCondition,
    #[serde(skip_serializing_if = "is_false")]
    pub restart: bool,
    pub required: bool,
}

impl Default for ServiceDependency {
    fn default() -> Self {
        Self {
            condition: DependencyCondition::Started,
            restart: false,
            required: true,
        }
    }
}

/// `extends` (resolved by the loader; the reference never prints it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtendsConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service: String,
}

/// `healthcheck`. `test` is `["CMD", ...]`, `["CMD-SHELL", cmd]` or `["NONE"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCheckConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    #[serde(skip_serializing_if = "is_false")]
    pub disable: bool,
}

/// `logging`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: Options,
}

/// A service's use of a top-level model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceModelConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_var: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model_var: String,
}

/// A service's attachment to a network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceNetworkConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: Options,
    #[serde(skip_serializing_if = "is_zero")]
    pub gw_priority: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub interface_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv4_address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv6_address: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub priority: i64,
}

/// One published or exposed port (long syntax; short syntax is expanded by the loader).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePortConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `ingress` or `host`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub target: u32,
    /// A port or a range (`8080`, `8443-8445`); empty = engine-assigned.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub published: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub app_protocol: String,
}

string_enum! {
    /// The `type` of a service mount.
    VolumeType {
        Bind => "bind",
        Volume => "volume",
        Tmpfs => "tmpfs",
        Cluster => "cluster",
        NamedPipe => "npipe",
        Image => "image",
    }
}

impl Default for VolumeType {
    fn default() -> Self {
        Self::Other(String::new())
    }
}

impl VolumeType {
    fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

/// One service mount (long syntax).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeConfig {
    #[serde(rename = "type", skip_serializing_if = "VolumeType::is_empty")]
    pub volume_type: VolumeType,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<ServiceVolumeBind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<ServiceVolumeVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<ServiceVolumeTmpfs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ServiceVolumeImage>,
}

impl ServiceVolumeConfig {
    /// compose-go's `ServiceVolumeConfig.String` with `source` in place of the volume's own:
    /// `source:target:rw|ro[,selinux][,propagation][,nocopy]` (the engine's `Binds` entry).
    pub fn short_form(&self, source: &str) -> String {
        let mut options = vec![if self.read_only { "ro" } else { "rw" }.to_owned()];
        if let Some(bind) = &self.bind {
            if !bind.selinux.is_empty() {
                options.push(bind.selinux.clone());
            }
            if !bind.propagation.is_empty() {
                options.push(bind.propagation.clone());
            }
        }
        if self.volume.as_ref().is_some_and(|volume| volume.nocopy) {
            options.push("nocopy".to_owned());
        }
        format!("{source}:{}:{}", self.target, options.join(","))
    }
}

/// Bind mount options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeBind {
    /// `z` or `Z`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub selinux: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
    #[serde(skip_serializing_if = "is_false")]
    pub create_host_path: bool,
    /// `enabled`, `disabled`, `writable` or `readonly`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub recursive: String,
}

/// Volume mount options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeVolume {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "is_false")]
    pub nocopy: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
}

/// Tmpfs mount options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeTmpfs {
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub size: UnitBytes,
    #[serde(skip_serializing_if = "is_zero")]
    pub mode: u32,
}

/// Image mount options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeImage {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
}

/// A service's (or build's) use of a secret or config (compose-go `FileReferenceConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileReference {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
}

/// A lifecycle hook (`post_start`, `pre_stop`) or a watch `exec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceHook {
    /// Always printed (`null` when unset), as in the Go type.
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: MappingWithEquals,
}
