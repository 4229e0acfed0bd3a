//! Networks and volumes on the engine: their create bodies (with the reference's labels and
//! config hashes) and the checks that run before anything is created (external resources
//! must exist). Decides nothing about *whether* to create; `plan` does that.

use std::collections::{BTreeSet, HashMap};

use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest, VolumeCreateRequest};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use crate::hash;
use crate::labels;
use crate::model::Project;
use crate::plan::reconcile::{network_name, service_networks, service_volumes, volume_name};

/// A resource the project needs that the engine lacks, found before anything is created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MissingResource {
    #[error(
        "network {name} declared as external, but could not be found (used by service `{service}`)"
    )]
    Network { name: String, service: String },
    #[error("external volume \"{name}\" not found (used by service `{service}`)")]
    Volume { name: String, service: String },
}

/// The body that creates network `key` of the project.
pub fn network_create_request(project: &Project, key: &str) -> NetworkCreateRequest {
    let name = network_name(project, key);
    let Some(network) = project.networks.get(key) else {
        return NetworkCreateRequest {
            name,
            labels: Some(compose_labels(project, labels::NETWORK, key, String::new())),
            ..NetworkCreateRequest::default()
        };
    };
    let mut network_labels: HashMap<String, String> = network
        .labels
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    network_labels.extend(compose_labels(
        project,
        labels::NETWORK,
        key,
        hash::network_hash(network),
    ));
    let ipam = (!network.ipam.driver.is_empty() || !network.ipam.config.is_empty()).then(|| Ipam {
        driver: (!network.ipam.driver.is_empty()).then(|| network.ipam.driver.clone()),
        config: Some(
            network
                .ipam
                .config
                .iter()
                .map(|pool| IpamConfig {
                    subnet: non_empty(&pool.subnet),
                    ip_range: non_empty(&pool.ip_range),
                    gateway: non_empty(&pool.gateway),
                    auxiliary_addresses: (!pool.aux_addresses.is_empty()).then(|| {
                        pool.aux_addresses
                            .iter()
                            .map(|(key, value)| (key.clone(), value.clone()))
                            .collect()
                    }),
                })
                .collect(),
        ),
        options: None,
    });
    NetworkCreateRequest {
        name,
        driver: non_empty(&network.driver),
        internal: Some(network.internal),
        attachable: Some(network.attachable),
        ipam,
        enable_ipv4: network.enable_ipv4,
        enable_ipv6: network.enable_ipv6,
        options: Some(
            network
                .driver_opts
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        ),
        labels: Some(network_labels),
        ..NetworkCreateRequest::default()
    }
}

/// The body that creates volume `key` of the project.
pub fn volume_create_request(project: &Project, key: &str) -> VolumeCreateRequest {
    let name = volume_name(project, key);
    let Some(volume) = project.volumes.get(key) else {
        return VolumeCreateRequest {
            name: Some(name),
            ..VolumeCreateRequest::default()
        };
    };
    let mut volume_labels: HashMap<String, String> = volume
        .labels
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    volume_labels.extend(compose_labels(
        project,
        labels::VOLUME,
        key,
        hash::volume_hash(volume),
    ));
    VolumeCreateRequest {
        name: Some(name),
        driver: non_empty(&volume.driver),
        driver_opts: Some(
            volume
                .driver_opts
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        ),
        labels: Some(volume_labels),
        ..VolumeCreateRequest::default()
    }
}

fn compose_labels(
    project: &Project,
    kind_label: &str,
    key: &str,
    config_hash: String,
) -> HashMap<String, String> {
    let mut out = HashMap::from([
        (kind_label.to_owned(), key.to_owned()),
        (labels::PROJECT.to_owned(), project.name.clone()),
        (
            labels::VERSION.to_owned(),
            labels::COMPOSE_VERSION.to_owned(),
        ),
    ]);
    if !config_hash.is_empty() {
        out.insert(labels::CONFIG_HASH.to_owned(), config_hash);
    }
    out
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

impl Engine {
    /// Creates a network; before API 1.44 (where the engine always refuses a second network
    /// of the same name) it asks for `CheckDuplicate`, which bollard's body type lacks, so
    /// two `up` at once cannot make two networks of one name.
    pub(crate) async fn create_network_once(
        &self,
        body: NetworkCreateRequest,
    ) -> Result<(), bollard::errors::Error> {
        let docker = if self.api_version()
            < (super::ApiVersion {
                major: 1,
                minor: 44,
            }) {
            let mut json = serde_json::to_value(&body)?;
            if let Some(object) = json.as_object_mut() {
                object.insert("CheckDuplicate".to_owned(), serde_json::Value::Bool(true));
            }
            let payload = json.to_string().into_bytes();
            self.docker
                .clone()
                .with_request_modifier(move |mut request| {
                    *request.body_mut() = bollard::body_full(payload.clone().into());
                    request
                })
        } else {
            self.docker.clone()
        };
        self.write(
            bollard::models::NetworkCreateResponse::default(),
            docker.create_network(body),
        )
        .await
        .map(|_| ())
    }

    /// Checks that the external networks and volumes the services use exist. Runs before
    /// anything is created, so a typo costs nothing.
    pub async fn check_external_resources(
        &self,
        project: &Project,
        services: &BTreeSet<String>,
    ) -> Result<Vec<MissingResource>, EngineError> {
        let mut missing = Vec::new();
        let mut checked: BTreeSet<String> = BTreeSet::new();
        for service_name in services {
            let Some(service) = project.services.get(service_name) else {
                continue;
            };
            for key in service_networks(service) {
                let Some(network) = project.networks.get(key) else {
                    continue;
                };
                let name = network_name(project, key);
                if !network.external || !checked.insert(format!("network:{name}")) {
                    continue;
                }
                if !self.network_exists(&name).await? {
                    missing.push(MissingResource::Network {
                        name,
                        service: service_name.clone(),
                    });
                }
            }
            for key in service_volumes(project, service) {
                let Some(volume) = project.volumes.get(key) else {
                    continue;
                };
                let name = volume_name(project, key);
                if !volume.external || !checked.insert(format!("volume:{name}")) {
                    continue;
                }
                if !self.volume_exists(&name).await? {
                    missing.push(MissingResource::Volume {
                        name,
                        service: service_name.clone(),
                    });
                }
            }
        }
        Ok(missing)
    }

    /// Whether a network of that name exists.
    pub async fn network_exists(&self, name: &str) -> Result<bool, EngineError> {
        match self.docker.inspect_network(name, None).await {
            Ok(_) => Ok(true),
            Err(error) => {
                let error = self.error(error, ErrorContext::network(name).action("inspect"));
                if error.is_not_found() {
                    Ok(false)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Whether a volume of that name exists.
    pub async fn volume_exists(&self, name: &str) -> Result<bool, EngineError> {
        match self.docker.inspect_volume(name).await {
            Ok(_) => Ok(true),
            Err(error) => {
                let error = self.error(error, ErrorContext::volume(name).action("inspect"));
                if error.is_not_found() {
                    Ok(false)
                } else {
                    Err(error)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_body_carries_the_reference_labels() {
        let mut project = Project {
            name: "demo".to_owned(),
            ..Project::default()
        };
        project
            .networks
            .insert("back".to_owned(), crate::model::NetworkConfig::default());
        let body = network_create_request(&project, "back");
        assert_eq!(body.name, "demo_back");
        let labels = body.labels.unwrap();
        assert_eq!(labels[labels::NETWORK], "back");
        assert_eq!(labels[labels::PROJECT], "demo");
        assert_eq!(labels[labels::VERSION], labels::COMPOSE_VERSION);
        assert!(labels.contains_key(labels::CONFIG_HASH));
        assert!(body.ipam.is_none());
    }
}
