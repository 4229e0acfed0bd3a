//! The typed compose model: plain data, `BTreeMap`s, enums for closed sets; no I/O.
//! Mirrors compose-go v2.9.1 `types/` and serialises exactly as the reference's
//! `docker compose config --format json` (field order, `omitempty`, `null`s, Go's
//! HTML-safe escaping via [`json`]).

pub mod build;
pub mod deploy;
pub mod develop;
pub mod json;
pub mod models;
pub mod network;
pub mod primitives;
pub mod project;
pub mod secret;
pub mod service;
pub mod volume;

use std::collections::BTreeMap;

pub use build::BuildConfig;
pub use deploy::{
    DeployConfig, DeviceRequest, DiscreteGenericResource, GenericResource, Placement,
    PlacementPreference, Resource, Resources, RestartPolicy, UpdateConfig,
};
pub use develop::{DevelopConfig, Trigger, WatchAction};
pub use models::ModelConfig;
pub use network::{IpamConfig, IpamPool, NetworkConfig};
pub use primitives::{Duration, EnvFile, FileMode, HostsList, SshKey, Ulimit, UnitBytes};
pub use project::Project;
pub use secret::{ConfigObjConfig, FileObjectConfig, SecretConfig};
pub use service::{
    BlkioConfig, CredentialSpecConfig, DependencyCondition, DependencyKind, DeviceMapping,
    ExtendsConfig, FileReference, HealthCheckConfig, LoggingConfig, ServiceConfig,
    ServiceDependency, ServiceHook, ServiceModelConfig, ServiceNetworkConfig, ServicePortConfig,
    ServiceProviderConfig, ServiceVolumeBind, ServiceVolumeConfig, ServiceVolumeImage,
    ServiceVolumeTmpfs, ServiceVolumeVolume, ThrottleDevice, VolumeType, WeightDevice,
};
pub use volume::VolumeConfig;

/// `KEY: value` pairs (compose-go `Mapping`).
pub type Mapping = BTreeMap<String, String>;
/// Labels (compose-go `Labels`).
pub type Labels = BTreeMap<String, String>;
/// Driver options (compose-go `Options`).
pub type Options = BTreeMap<String, String>;
/// Options with several values each (compose-go `MultiOptions`, `provider.options`).
pub type MultiOptions = BTreeMap<String, Vec<String>>;
/// `KEY: value` pairs where the value may be absent (`environment`, `args`):
/// `None` prints `null` (a bare `KEY`, resolved from the environment if set).
pub type MappingWithEquals = BTreeMap<String, Option<String>>;
