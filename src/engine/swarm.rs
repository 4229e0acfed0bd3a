//! Swarm calls for `stack`: the node's role, services, tasks, nodes, networks, secrets and
//! configs selected by the stack label, create/update/remove. Specs come in as
//! `swarm::spec` plain data and go out through their JSON form into bollard's types;
//! answers come back as the small plain structs below. Decisions live in `commands::stack`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::connect::Engine;
use super::credentials::RegistryCredentials;
use super::error::{EngineError, ErrorContext, ObjectKind};
use super::images::to_docker_credentials;
use crate::swarm::LABEL_NAMESPACE;
use crate::swarm::spec::{FileObjectSpec, NetworkSpec, ServiceSpec};
use crate::swarm::version::FileObjectKind;

/// What this node is in a swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwarmRole {
    /// A manager: stacks can be deployed here.
    Manager,
    /// A worker, or a node joining/leaving, or not in a swarm at all (the local state).
    NotManager { local_state: String },
}

/// A service as the stack commands need it.
#[derive(Debug, Clone, PartialEq)]
pub struct SwarmService {
    pub id: String,
    pub name: String,
    pub version: u64,
    /// The service's (annotation) labels.
    pub labels: BTreeMap<String, String>,
    /// The image the service runs (maybe pinned `image@sha256:...`).
    pub image: String,
    pub force_update: u64,
    /// `replicated`, `global`, `replicated-job` or `global-job`.
    pub mode: String,
    /// Replicas wanted (replicated) or total completions (replicated job).
    pub replicas: Option<u64>,
    /// From `status=true`: running and desired tasks, completed ones for jobs.
    pub running_tasks: Option<u64>,
    pub desired_tasks: Option<u64>,
    pub completed_tasks: Option<u64>,
    /// Published ports as `docker service ls` shows them (`*:8080->80/tcp`).
    pub ports: Vec<String>,
    /// The rolling update's state (`updating`, `completed`, `paused`, `rollback_*`) and message.
    pub update_state: Option<String>,
    pub update_message: Option<String>,
    /// `update_config.monitor`: how long tasks must stay up after an update (0: unset).
    pub update_monitor_nanoseconds: u64,
}

/// One task of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmTask {
    pub id: String,
    pub service_id: String,
    pub slot: Option<i64>,
    pub node_id: String,
    pub desired_state: String,
    pub state: String,
    pub message: String,
    pub error: String,
    pub image: String,
    /// RFC 3339 time of the last status change.
    pub timestamp: String,
    /// RFC 3339 creation time (older tasks of a slot sort after newer ones).
    pub created_at: String,
    pub exit_code: Option<i64>,
    /// Host-mode published ports (`*:8080->80/tcp`).
    pub ports: Vec<String>,
}

/// A network, secret or config of a stack: id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackObject {
    pub id: String,
    pub name: String,
    /// The stack label value.
    pub namespace: String,
}

/// Whether an existing secret/config was updated or a new one created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    /// One of that name exists with other data, which Swarm cannot change.
    DataChanged,
}

/// Swarm's answer to new data for an existing secret or config (swarmkit `UpdateSecret`).
fn is_data_refusal(error: &EngineError) -> bool {
    error.status().is_some()
        && error
            .to_string()
            .contains("only updates to Labels are allowed")
}

fn text(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

fn string_map(value: &Value, pointer: &str) -> BTreeMap<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Published ports of an endpoint (`[{Protocol, TargetPort, PublishedPort, PublishMode}]`) as
/// `*:8080->80/tcp`, the docker CLI's service listing form.
fn port_texts(ports: Option<&Value>, mode: Option<&str>) -> Vec<String> {
    let Some(Value::Array(ports)) = ports else {
        return Vec::new();
    };
    ports
        .iter()
        .filter(|port| mode.is_none_or(|mode| text(port, "/PublishMode") == mode))
        .filter_map(|port| {
            let published = number(port, "/PublishedPort")?;
            let target = number(port, "/TargetPort").unwrap_or_default();
            Some(format!(
                "*:{published}->{target}/{}",
                text(port, "/Protocol")
            ))
        })
        .collect()
}

fn label_filter(namespace: Option<&str>) -> HashMap<String, Vec<String>> {
    let label = match namespace {
        Some(namespace) => format!("{LABEL_NAMESPACE}={namespace}"),
        None => LABEL_NAMESPACE.to_owned(),
    };
    HashMap::from([("label".to_owned(), vec![label])])
}

impl Engine {
    /// Converts our plain spec into bollard's request type through its JSON form.
    fn to_request<T: DeserializeOwned>(
        spec: &impl Serialize,
        context: &ErrorContext,
    ) -> Result<T, EngineError> {
        serde_json::to_value(spec)
            .and_then(serde_json::from_value)
            .map_err(|error| EngineError::Communication {
                context: context.clone(),
                message: format!("cannot encode the request: {error}"),
            })
    }

    fn to_json(value: &impl Serialize) -> Value {
        serde_json::to_value(value).unwrap_or(Value::Null)
    }

    /// Whether this node can manage the swarm (`GET /info` → `Swarm.ControlAvailable`).
    pub async fn swarm_role(&self) -> Result<SwarmRole, EngineError> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|error| self.error(error, ErrorContext::engine()))?;
        let info = Self::to_json(&info);
        if info.pointer("/Swarm/ControlAvailable") == Some(&Value::Bool(true)) {
            Ok(SwarmRole::Manager)
        } else {
            Ok(SwarmRole::NotManager {
                local_state: text(&info, "/Swarm/LocalNodeState"),
            })
        }
    }

    /// Services of one stack, or of every stack (`namespace` `None`), with task counts.
    pub async fn stack_services(
        &self,
        namespace: Option<&str>,
        extra_filters: &BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<SwarmService>, EngineError> {
        let mut filters = label_filter(namespace);
        for (key, values) in extra_filters {
            filters
                .entry(key.clone())
                .or_default()
                .extend(values.iter().cloned());
        }
        let options = bollard::query_parameters::ListServicesOptions {
            filters: Some(filters),
            status: Some(true),
        };
        let services = self
            .docker
            .list_services(Some(options))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::new(ObjectKind::Stack, namespace.unwrap_or_default()),
                )
            })?;
        let mut result: Vec<SwarmService> = services
            .iter()
            .map(|service| {
                let service = Self::to_json(service);
                let mode_value = service.pointer("/Spec/Mode");
                let (mode, replicas) = match mode_value.and_then(Value::as_object) {
                    Some(mode) if mode.contains_key("Global") => ("global", None),
                    Some(mode) if mode.contains_key("GlobalJob") => ("global-job", None),
                    Some(mode) if mode.contains_key("ReplicatedJob") => (
                        "replicated-job",
                        number(&service, "/Spec/Mode/ReplicatedJob/TotalCompletions"),
                    ),
                    _ => (
                        "replicated",
                        number(&service, "/Spec/Mode/Replicated/Replicas"),
                    ),
                };
                let update_state = text(&service, "/UpdateStatus/State");
                let update_message = text(&service, "/UpdateStatus/Message");
                SwarmService {
                    id: text(&service, "/ID"),
                    name: text(&service, "/Spec/Name"),
                    version: number(&service, "/Version/Index").unwrap_or_default(),
                    labels: string_map(&service, "/Spec/Labels"),
                    image: text(&service, "/Spec/TaskTemplate/ContainerSpec/Image"),
                    force_update: number(&service, "/Spec/TaskTemplate/ForceUpdate")
                        .unwrap_or_default(),
                    mode: mode.to_owned(),
                    replicas,
                    running_tasks: number(&service, "/ServiceStatus/RunningTasks"),
                    desired_tasks: number(&service, "/ServiceStatus/DesiredTasks"),
                    completed_tasks: number(&service, "/ServiceStatus/CompletedTasks"),
                    ports: port_texts(service.pointer("/Endpoint/Ports"), None),
                    update_state: (!update_state.is_empty()).then_some(update_state),
                    update_message: (!update_message.is_empty()).then_some(update_message),
                    update_monitor_nanoseconds: number(&service, "/Spec/UpdateConfig/Monitor")
                        .unwrap_or_default(),
                }
            })
            .collect();
        result.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(result)
    }

    /// `POST /services/create`; returns the id and the engine's warnings.
    pub async fn create_service(
        &self,
        spec: &ServiceSpec,
        registry_auth: Option<&RegistryCredentials>,
    ) -> Result<(String, Vec<String>), EngineError> {
        let context = ErrorContext::new(ObjectKind::Service, &spec.name).action("create");
        let request: bollard::models::ServiceSpec = Self::to_request(spec, &context)?;
        let credentials = registry_auth.cloned().map(to_docker_credentials);
        let response = self
            .docker
            .create_service(request, credentials)
            .await
            .map_err(|error| self.error(error, context))?;
        Ok((
            response.id.unwrap_or_default(),
            response.warnings.unwrap_or_default(),
        ))
    }

    /// `POST /services/{id}/update?version=N` with a complete new spec.
    pub async fn update_service(
        &self,
        service_id: &str,
        version: u64,
        spec: &ServiceSpec,
        registry_auth: Option<&RegistryCredentials>,
    ) -> Result<Vec<String>, EngineError> {
        let context = ErrorContext::new(ObjectKind::Service, &spec.name).action("update");
        let request: bollard::models::ServiceSpec = Self::to_request(spec, &context)?;
        let options = bollard::query_parameters::UpdateServiceOptions {
            version: i32::try_from(version).unwrap_or(i32::MAX),
            ..Default::default()
        };
        let response = self
            .docker
            .update_service(
                service_id,
                request,
                options,
                registry_auth.cloned().map(to_docker_credentials),
            )
            .await
            .map_err(|error| self.error(error, context))?;
        Ok(response.warnings.unwrap_or_default())
    }

    pub async fn remove_service(&self, service_id: &str, name: &str) -> Result<(), EngineError> {
        self.docker
            .delete_service(service_id)
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::new(ObjectKind::Service, name).action("remove"),
                )
            })
    }

    /// Tasks matching `filters` (`service`, `label`, `desired-state`, `node`, `name`, `id`).
    pub async fn swarm_tasks(
        &self,
        filters: &BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<SwarmTask>, EngineError> {
        let options = bollard::query_parameters::ListTasksOptions {
            filters: Some(
                filters
                    .iter()
                    .map(|(key, values)| (key.clone(), values.clone()))
                    .collect(),
            ),
        };
        let tasks = self
            .docker
            .list_tasks(Some(options))
            .await
            .map_err(|error| self.error(error, ErrorContext::new(ObjectKind::Stack, "")))?;
        Ok(tasks
            .iter()
            .map(|task| {
                let task = Self::to_json(task);
                SwarmTask {
                    id: text(&task, "/ID"),
                    service_id: text(&task, "/ServiceID"),
                    slot: task.pointer("/Slot").and_then(Value::as_i64),
                    node_id: text(&task, "/NodeID"),
                    desired_state: text(&task, "/DesiredState"),
                    state: text(&task, "/Status/State"),
                    message: text(&task, "/Status/Message"),
                    error: text(&task, "/Status/Err"),
                    image: text(&task, "/Spec/ContainerSpec/Image"),
                    timestamp: text(&task, "/Status/Timestamp"),
                    created_at: text(&task, "/CreatedAt"),
                    exit_code: task
                        .pointer("/Status/ContainerStatus/ExitCode")
                        .and_then(Value::as_i64),
                    ports: port_texts(task.pointer("/Status/PortStatus/Ports"), Some("host")),
                }
            })
            .collect())
    }

    /// Node id → hostname.
    pub async fn swarm_node_names(&self) -> Result<BTreeMap<String, String>, EngineError> {
        let nodes = self
            .docker
            .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
            .await
            .map_err(|error| self.error(error, ErrorContext::engine()))?;
        Ok(nodes
            .iter()
            .map(|node| {
                let node = Self::to_json(node);
                (text(&node, "/ID"), text(&node, "/Description/Hostname"))
            })
            .collect())
    }

    /// Networks carrying the stack label (of one stack, or of all).
    pub async fn stack_networks(
        &self,
        namespace: Option<&str>,
    ) -> Result<Vec<StackObject>, EngineError> {
        let options = bollard::query_parameters::ListNetworksOptions {
            filters: Some(label_filter(namespace)),
        };
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::new(ObjectKind::Stack, namespace.unwrap_or_default()),
                )
            })?;
        Ok(networks
            .iter()
            .map(|network| {
                let network = Self::to_json(network);
                StackObject {
                    id: text(&network, "/Id"),
                    name: text(&network, "/Name"),
                    namespace: string_map(&network, "/Labels")
                        .remove(LABEL_NAMESPACE)
                        .unwrap_or_default(),
                }
            })
            .collect())
    }

    /// The scope of a network (`swarm`, `local`), `None` when there is no such network.
    pub async fn network_scope(&self, name: &str) -> Result<Option<String>, EngineError> {
        match self.docker.inspect_network(name, None).await {
            Ok(network) => Ok(Some(text(&Self::to_json(&network), "/Scope"))),
            Err(error) => {
                let error = self.error(error, ErrorContext::network(name));
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    pub async fn create_swarm_network(&self, spec: &NetworkSpec) -> Result<(), EngineError> {
        let context = ErrorContext::network(&spec.name).action("create");
        let request: bollard::models::NetworkCreateRequest = Self::to_request(spec, &context)?;
        self.docker
            .create_network(request)
            .await
            .map(|_| ())
            .map_err(|error| self.error(error, context))
    }

    pub async fn remove_swarm_network(
        &self,
        network_id: &str,
        name: &str,
    ) -> Result<(), EngineError> {
        self.docker
            .remove_network(network_id)
            .await
            .map_err(|error| self.error(error, ErrorContext::network(name).action("remove")))
    }

    /// Creates the secret, or updates the existing one of that name at its current version
    /// (labels only: new data is [`Upserted::DataChanged`]).
    pub async fn upsert_secret(&self, spec: &FileObjectSpec) -> Result<Upserted, EngineError> {
        let context = ErrorContext::new(ObjectKind::Secret, &spec.name);
        let request: bollard::models::SecretSpec = Self::to_request(spec, &context)?;
        match self.docker.inspect_secret(&spec.name).await {
            Ok(existing) => {
                let existing = Self::to_json(&existing);
                let options = bollard::query_parameters::UpdateSecretOptions {
                    version: i64::try_from(number(&existing, "/Version/Index").unwrap_or_default())
                        .unwrap_or(i64::MAX),
                };
                match self
                    .docker
                    .update_secret(&text(&existing, "/ID"), request, options)
                    .await
                {
                    Ok(()) => Ok(Upserted::Updated),
                    Err(error) => {
                        let error = self.error(error, context.action("update"));
                        if is_data_refusal(&error) {
                            Ok(Upserted::DataChanged)
                        } else {
                            Err(error)
                        }
                    }
                }
            }
            Err(error) => {
                let error = self.error(error, context.clone());
                if !error.is_not_found() {
                    return Err(error);
                }
                self.docker
                    .create_secret(request)
                    .await
                    .map_err(|error| self.error(error, context.action("create")))?;
                Ok(Upserted::Created)
            }
        }
    }

    /// Creates the config, or updates the existing one of that name at its current version
    /// (labels only: new data is [`Upserted::DataChanged`]).
    pub async fn upsert_config(&self, spec: &FileObjectSpec) -> Result<Upserted, EngineError> {
        let context = ErrorContext::new(ObjectKind::Config, &spec.name);
        let request: bollard::models::ConfigSpec = Self::to_request(spec, &context)?;
        match self.docker.inspect_config(&spec.name).await {
            Ok(existing) => {
                let existing = Self::to_json(&existing);
                let options = bollard::query_parameters::UpdateConfigOptions {
                    version: i64::try_from(number(&existing, "/Version/Index").unwrap_or_default())
                        .unwrap_or(i64::MAX),
                };
                match self
                    .docker
                    .update_config(&text(&existing, "/ID"), request, options)
                    .await
                {
                    Ok(()) => Ok(Upserted::Updated),
                    Err(error) => {
                        let error = self.error(error, context.action("update"));
                        if is_data_refusal(&error) {
                            Ok(Upserted::DataChanged)
                        } else {
                            Err(error)
                        }
                    }
                }
            }
            Err(error) => {
                let error = self.error(error, context.clone());
                if !error.is_not_found() {
                    return Err(error);
                }
                self.docker
                    .create_config(request)
                    .await
                    .map_err(|error| self.error(error, context.action("create")))?;
                Ok(Upserted::Created)
            }
        }
    }

    /// [`Self::upsert_secret`] or [`Self::upsert_config`].
    pub async fn upsert_file_object(
        &self,
        kind: FileObjectKind,
        spec: &FileObjectSpec,
    ) -> Result<Upserted, EngineError> {
        match kind {
            FileObjectKind::Secret => self.upsert_secret(spec).await,
            FileObjectKind::Config => self.upsert_config(spec).await,
        }
    }

    /// [`Self::secret_ids`] or [`Self::config_ids`].
    pub async fn file_object_ids(
        &self,
        kind: FileObjectKind,
        names: &[&str],
    ) -> Result<BTreeMap<String, String>, EngineError> {
        match kind {
            FileObjectKind::Secret => self.secret_ids(names).await,
            FileObjectKind::Config => self.config_ids(names).await,
        }
    }

    /// Secret name → id, for the names given (missing ones are absent).
    pub async fn secret_ids(
        &self,
        names: &[&str],
    ) -> Result<BTreeMap<String, String>, EngineError> {
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let options = bollard::query_parameters::ListSecretsOptions {
            filters: Some(HashMap::from([(
                "name".to_owned(),
                names.iter().map(|name| (*name).to_owned()).collect(),
            )])),
        };
        let secrets = self
            .docker
            .list_secrets(Some(options))
            .await
            .map_err(|error| self.error(error, ErrorContext::new(ObjectKind::Secret, "")))?;
        Ok(secrets
            .iter()
            .map(|secret| {
                let secret = Self::to_json(secret);
                (text(&secret, "/Spec/Name"), text(&secret, "/ID"))
            })
            .collect())
    }

    /// Config name → id, for the names given (missing ones are absent).
    pub async fn config_ids(
        &self,
        names: &[&str],
    ) -> Result<BTreeMap<String, String>, EngineError> {
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let options = bollard::query_parameters::ListConfigsOptions {
            filters: Some(HashMap::from([(
                "name".to_owned(),
                names.iter().map(|name| (*name).to_owned()).collect(),
            )])),
        };
        let configs = self
            .docker
            .list_configs(Some(options))
            .await
            .map_err(|error| self.error(error, ErrorContext::new(ObjectKind::Config, "")))?;
        Ok(configs
            .iter()
            .map(|config| {
                let config = Self::to_json(config);
                (text(&config, "/Spec/Name"), text(&config, "/ID"))
            })
            .collect())
    }

    /// Secrets carrying the stack label.
    pub async fn stack_secrets(&self, namespace: &str) -> Result<Vec<StackObject>, EngineError> {
        let options = bollard::query_parameters::ListSecretsOptions {
            filters: Some(label_filter(Some(namespace))),
        };
        let secrets = self
            .docker
            .list_secrets(Some(options))
            .await
            .map_err(|error| self.error(error, ErrorContext::new(ObjectKind::Stack, namespace)))?;
        Ok(secrets
            .iter()
            .map(|secret| {
                let secret = Self::to_json(secret);
                StackObject {
                    id: text(&secret, "/ID"),
                    name: text(&secret, "/Spec/Name"),
                    namespace: namespace.to_owned(),
                }
            })
            .collect())
    }

    /// Configs carrying the stack label.
    pub async fn stack_configs(&self, namespace: &str) -> Result<Vec<StackObject>, EngineError> {
        let options = bollard::query_parameters::ListConfigsOptions {
            filters: Some(label_filter(Some(namespace))),
        };
        let configs = self
            .docker
            .list_configs(Some(options))
            .await
            .map_err(|error| self.error(error, ErrorContext::new(ObjectKind::Stack, namespace)))?;
        Ok(configs
            .iter()
            .map(|config| {
                let config = Self::to_json(config);
                StackObject {
                    id: text(&config, "/ID"),
                    name: text(&config, "/Spec/Name"),
                    namespace: namespace.to_owned(),
                }
            })
            .collect())
    }

    pub async fn remove_secret(&self, secret_id: &str, name: &str) -> Result<(), EngineError> {
        self.docker.delete_secret(secret_id).await.map_err(|error| {
            self.error(
                error,
                ErrorContext::new(ObjectKind::Secret, name).action("remove"),
            )
        })
    }

    pub async fn remove_config(&self, config_id: &str, name: &str) -> Result<(), EngineError> {
        self.docker.delete_config(config_id).await.map_err(|error| {
            self.error(
                error,
                ErrorContext::new(ObjectKind::Config, name).action("remove"),
            )
        })
    }

    /// Asks the registry for the image's digest (`GET /distribution/{image}/json`), to pin
    /// `image@sha256:...` as `--resolve-image always|changed` does. Like the docker CLI, it
    /// sends the configuration's credentials for the image's registry (with or without
    /// `--with-registry-auth`, which is about the nodes, not this lookup); unreadable
    /// credentials mean an anonymous lookup.
    pub async fn registry_digest(&self, image: &str) -> Result<String, EngineError> {
        let credentials = match super::reference::ImageReference::parse(image) {
            Ok(reference) => super::credentials::credentials_for(&reference)
                .await
                .ok()
                .flatten()
                .map(super::images::to_docker_credentials),
            Err(_) => None,
        };
        let inspect = self
            .docker
            .inspect_registry_image(image, credentials)
            .await
            .map_err(|error| self.error(error, ErrorContext::image(image)))?;
        Ok(text(&Self::to_json(&inspect), "/Descriptor/digest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_read_as_the_cli_shows_them() {
        let ports = serde_json::json!([
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"},
            {"Protocol": "udp", "TargetPort": 53, "PublishMode": "host"}
        ]);
        assert_eq!(port_texts(Some(&ports), None), ["*:8080->80/tcp"]);
    }
}
