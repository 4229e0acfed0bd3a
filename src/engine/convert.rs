//! Service → container: the one place that turns a `model::ServiceConfig` into the
//! engine's create body (config, host config, primary network) plus the networks to
//! connect after creation. Decides nothing about *whether* to create; `plan` does that.
//! SKELETON: image, command, entrypoint, environment, labels and the primary network only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bollard::models::{ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig};

use crate::labels;
use crate::model::{Project, ServiceConfig};

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
}

/// A network to connect after creation (API 1.41 accepts one network at create time).
#[derive(Debug, Clone)]
pub struct ExtraNetwork {
    pub network_name: String,
    pub endpoint: EndpointSettings,
}

/// The create body and the networks to connect afterwards.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub body: ContainerCreateBody,
    pub extra_networks: Vec<ExtraNetwork>,
}

/// Converts a service into a container spec.
pub fn container_spec(context: &ContainerContext<'_>) -> ContainerSpec {
    let service = context.service;
    let image = if service.image.is_empty() {
        format!("{}-{}", context.project.name, context.service_name)
    } else {
        service.image.clone()
    };
    let body = ContainerCreateBody {
        image: Some(image),
        labels: Some(container_labels(context)),
        host_config: Some(HostConfig::default()),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::new()),
        }),
        ..ContainerCreateBody::default()
    };
    ContainerSpec {
        body,
        extra_networks: Vec::new(),
    }
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
    if let Some(image_id) = &context.image_id {
        out.insert(labels::IMAGE.into(), image_id.clone());
    }
    if let Some(replaced) = &context.replaces {
        out.insert(labels::REPLACE.into(), replaced.clone());
    }
    out
}
