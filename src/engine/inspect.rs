//! Read-only engine calls for the listing commands (`ps`, `top`, `port`, `images`,
//! `volumes`): the project's containers with everything `ps` shows, their processes, their
//! images, its volumes. Results are plain data; the reference's selection rules (config-hash
//! label, one-off, volumes of running containers) live here. Also whether the engine is
//! Docker Desktop's (the navigation menu of attached `up`).

use std::collections::{BTreeMap, HashMap};

use bollard::models::ContainerSummary as EngineContainer;
use bollard::query_parameters::{ListContainersOptions, TopOptions};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use crate::labels;
use crate::output::table::{PortBinding, parse_rfc3339};

/// Whether one-off (`run`) containers are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneOff {
    Include,
    Exclude,
    Only,
}

/// Which of the project's containers a listing returns (the reference's `getContainers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerQuery {
    /// Stopped containers too.
    pub all: bool,
    pub oneoff: OneOff,
    /// Only these services (all when empty).
    pub services: Vec<String>,
    /// Only containers with the config-hash label (the reference's default; `images` lists all).
    pub require_config_hash: bool,
}

impl ContainerQuery {
    pub fn new(all: bool, oneoff: OneOff) -> Self {
        Self {
            all,
            oneoff,
            services: Vec::new(),
            require_config_hash: true,
        }
    }

    #[must_use]
    pub fn services(mut self, services: &[String]) -> Self {
        self.services = services.to_vec();
        self
    }
}

/// One container as `ps` shows it (the reference's `api.ContainerSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerSummary {
    pub id: String,
    /// The canonical name, without `/`.
    pub name: String,
    /// Every name the engine lists, with their `/`.
    pub names: Vec<String>,
    pub image: String,
    pub project: String,
    pub service: String,
    /// `com.docker.compose.container-number`, when numeric.
    pub number: Option<u32>,
    pub oneoff: bool,
    pub command: String,
    /// `running`, `exited`…
    pub state: String,
    /// `Up 2 minutes (healthy)`…
    pub status: String,
    /// Unix seconds.
    pub created: i64,
    pub labels: BTreeMap<String, String>,
    pub size_rw: i64,
    pub size_root_fs: i64,
    /// Volume names (or sources for binds).
    pub mounts: Vec<String>,
    pub local_volumes: usize,
    pub networks: Vec<String>,
    /// Set by [`Engine::complete_summaries`] for running containers with a healthcheck.
    pub health: String,
    /// Set by [`Engine::complete_summaries`] for exited containers.
    pub exit_code: i64,
    /// Ports in the engine's order (`ps` sorts its publishers by private port).
    pub ports: Vec<PortBinding>,
}

/// The processes of one container (`top`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerProcesses {
    pub name: String,
    pub service: String,
    /// `com.docker.compose.container-number` as written (`1`).
    pub replica: String,
    pub titles: Vec<String>,
    pub processes: Vec<Vec<String>>,
}

/// The image of one container (`images`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSummary {
    pub container_name: String,
    /// `sha256:…`.
    pub id: String,
    pub repository: String,
    pub tag: String,
    /// `linux/amd64`.
    pub platform: String,
    pub size: i64,
    /// Unix seconds of `LastTagTime`, or of `Created` when the image was never tagged.
    pub last_tag_time: f64,
    /// The engine's RFC 3339 text of the same moment.
    pub last_tag_time_text: String,
}

/// One volume of the project (`volumes`), as the docker CLI's volume formatter reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeSummary {
    pub name: String,
    pub driver: String,
    /// `local` or `global`.
    pub scope: String,
    pub mountpoint: String,
    pub labels: BTreeMap<String, String>,
}

fn label_filters(query: &ContainerQuery, project_name: &str) -> HashMap<String, Vec<String>> {
    let mut selectors = vec![format!("{}={project_name}", labels::PROJECT)];
    if query.services.len() == 1 {
        selectors.push(format!("{}={}", labels::SERVICE, query.services[0]));
    }
    if query.require_config_hash {
        selectors.push(labels::CONFIG_HASH.to_owned());
    }
    match query.oneoff {
        OneOff::Include => {}
        OneOff::Exclude => selectors.push(format!("{}=False", labels::ONEOFF)),
        OneOff::Only => selectors.push(format!("{}=True", labels::ONEOFF)),
    }
    HashMap::from([("label".to_owned(), selectors)])
}

fn convert(container: EngineContainer) -> ContainerSummary {
    let labels: BTreeMap<String, String> =
        container.labels.unwrap_or_default().into_iter().collect();
    let names = container.names.unwrap_or_default();
    // The reference's getCanonicalContainerName: the name without another `/` (not a link).
    let name = names
        .iter()
        .find(|name| name.trim_start_matches('/').split('/').count() == 1)
        .or_else(|| names.first())
        .map(|name| name.trim_start_matches('/').to_owned())
        .unwrap_or_default();
    let ports: Vec<PortBinding> = container
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|port| PortBinding {
            host_ip: port.ip.unwrap_or_default(),
            private_port: port.private_port,
            public_port: port.public_port.unwrap_or_default(),
            protocol: port.typ.map(|kind| kind.to_string()).unwrap_or_default(),
        })
        .collect();
    let mut local_volumes = 0;
    let mounts = container
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|mount| {
            if mount.driver.as_deref() == Some("local") {
                local_volumes += 1;
            }
            mount
                .name
                .filter(|name| !name.is_empty())
                .or(mount.source)
                .unwrap_or_default()
        })
        .collect();
    let mut networks: Vec<String> = container
        .network_settings
        .and_then(|settings| settings.networks)
        .map(|networks| networks.into_keys().collect())
        .unwrap_or_default();
    networks.sort();
    ContainerSummary {
        id: container.id.unwrap_or_default(),
        name,
        names,
        image: container.image.unwrap_or_default(),
        project: labels.get(labels::PROJECT).cloned().unwrap_or_default(),
        service: labels.get(labels::SERVICE).cloned().unwrap_or_default(),
        number: labels
            .get(labels::CONTAINER_NUMBER)
            .and_then(|number| number.parse().ok()),
        oneoff: labels
            .get(labels::ONEOFF)
            .is_some_and(|value| value == "True"),
        command: container.command.unwrap_or_default(),
        state: container
            .state
            .map(|state| state.to_string())
            .unwrap_or_default(),
        status: container.status.unwrap_or_default(),
        created: container.created.unwrap_or_default(),
        size_rw: container.size_rw.unwrap_or_default(),
        size_root_fs: container.size_root_fs.unwrap_or_default(),
        mounts,
        local_volumes,
        networks,
        health: String::new(),
        exit_code: 0,
        ports,
        labels,
    }
}

/// The reference's `reference.ParseDockerRef` + `FamiliarName`: repository and tag of an
/// image reference; empty for an image id.
pub fn split_image_reference(image: &str) -> (String, String) {
    let is_id = image.starts_with("sha256:")
        || (image.len() == 64 && image.chars().all(|character| character.is_ascii_hexdigit()));
    if is_id || image.is_empty() {
        return (String::new(), String::new());
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last_segment_start = name.rfind('/').map_or(0, |index| index + 1);
    let (repository, tag) = match name[last_segment_start..].rfind(':') {
        Some(index) => {
            let split = last_segment_start + index;
            (&name[..split], name[split + 1..].to_owned())
        }
        None if digest.is_none() => (name, "latest".to_owned()),
        None => (name, String::new()),
    };
    let familiar = repository
        .strip_prefix("docker.io/")
        .map_or(repository, |rest| {
            rest.strip_prefix("library/")
                .filter(|rest| !rest.contains('/'))
                .unwrap_or(rest)
        });
    (familiar.to_owned(), tag)
}

impl Engine {
    /// The project's containers as the reference's `getContainers` selects them, sorted by
    /// name. Health and exit code are not filled in (see [`Engine::complete_summaries`]).
    pub async fn list_containers(
        &self,
        project_name: &str,
        query: &ContainerQuery,
    ) -> Result<Vec<ContainerSummary>, EngineError> {
        let options = ListContainersOptions {
            all: query.all,
            filters: Some(label_filters(query, project_name)),
            ..ListContainersOptions::default()
        };
        let listed = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::project(project_name).action("list the containers of"),
                )
            })?;
        let mut containers: Vec<ContainerSummary> = listed
            .into_iter()
            .map(convert)
            .filter(|container| {
                query.services.len() < 2 || query.services.contains(&container.service)
            })
            .collect();
        containers.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(containers)
    }

    /// Fills health (running containers) and exit code (exited or dead ones) from an inspect
    /// of every container, concurrently, as the reference's `ps` does.
    pub async fn complete_summaries(
        &self,
        containers: &mut [ContainerSummary],
    ) -> Result<(), EngineError> {
        let statuses = futures_util::future::join_all(
            containers
                .iter()
                .map(|container| self.container_status(&container.id)),
        )
        .await;
        for (container, status) in containers.iter_mut().zip(statuses) {
            let Some(status) = status? else { continue };
            match status.state.as_str() {
                "running" => {
                    container.health = status
                        .health
                        .map(|health| health.as_str().to_owned())
                        .unwrap_or_default();
                }
                "exited" | "dead" => container.exit_code = status.exit_code.unwrap_or_default(),
                _ => {}
            }
        }
        Ok(())
    }

    /// The volumes labelled with the project, sorted by name; with `services`, only those
    /// mounted by a running container of one of them (the reference's `Volumes`).
    pub async fn list_project_volumes(
        &self,
        project_name: &str,
        services: &[String],
    ) -> Result<Vec<VolumeSummary>, EngineError> {
        let mut volumes: Vec<VolumeSummary> = self
            .labelled_volumes(project_name)
            .await?
            .into_iter()
            .map(|volume| VolumeSummary {
                name: volume.name,
                driver: volume.driver,
                scope: volume
                    .scope
                    .map(|scope| scope.to_string())
                    .unwrap_or_default(),
                mountpoint: volume.mountpoint,
                labels: volume.labels.into_iter().collect(),
            })
            .collect();
        if !services.is_empty() {
            let running = self
                .project_containers(project_name, super::observe::ContainerScope::Running)
                .await?;
            let mounted: Vec<&str> = running
                .iter()
                .filter(|container| services.contains(&container.service))
                .flat_map(|container| &container.mounts)
                .filter_map(|mount| mount.name.as_deref())
                .collect();
            volumes.retain(|volume| mounted.contains(&volume.name.as_str()));
        }
        volumes.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(volumes)
    }

    /// The processes of a running container (`docker top`).
    pub async fn container_processes(
        &self,
        container: &ContainerSummary,
    ) -> Result<ContainerProcesses, EngineError> {
        let response = self
            .docker
            .top_processes(&container.id, None::<TopOptions>)
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::container(&container.name).action("list the processes of"),
                )
            })?;
        Ok(ContainerProcesses {
            name: container.name.clone(),
            service: if container.labels.contains_key(labels::SERVICE) {
                container.service.clone()
            } else {
                container.name.clone()
            },
            replica: container
                .labels
                .get(labels::CONTAINER_NUMBER)
                .cloned()
                .unwrap_or_default(),
            titles: response.titles.unwrap_or_default(),
            processes: response.processes.unwrap_or_default(),
        })
    }

    /// The image a container was created from, as `images` shows it.
    pub async fn container_image(
        &self,
        container: &ContainerSummary,
    ) -> Result<ImageSummary, EngineError> {
        let image = self
            .docker
            .inspect_image(&container.image)
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::image(&container.image).action("inspect"),
                )
            })?;
        let (repository, tag) = split_image_reference(&container.image);
        let created = image
            .created
            .as_ref()
            .map(crate::engine::timestamp::text)
            .unwrap_or_default();
        let tagged = image
            .metadata
            .and_then(|metadata| metadata.last_tag_time)
            .filter(|time| !crate::engine::timestamp::is_zero(time))
            .map(|time| crate::engine::timestamp::text(&time));
        let last_tag_time_text = tagged.unwrap_or(created);
        let platform = [
            image.os.clone(),
            image.architecture.clone(),
            image.variant.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/");
        Ok(ImageSummary {
            container_name: container.name.clone(),
            id: image.id.unwrap_or_default(),
            repository,
            tag,
            platform,
            size: image.size.unwrap_or_default(),
            last_tag_time: parse_rfc3339(&last_tag_time_text).unwrap_or_default(),
            last_tag_time_text,
        })
    }

    /// Whether the engine is Docker Desktop's (its info labels name
    /// `com.docker.desktop.address`, the reference's `isDesktopIntegrationActive`).
    pub async fn is_docker_desktop(&self) -> Result<bool, EngineError> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|error| self.error(error, ErrorContext::engine()))?;
        Ok(info.labels.unwrap_or_default().iter().any(|label| {
            label
                .split_once('=')
                .is_some_and(|(key, _)| key == DESKTOP_ADDRESS_LABEL)
        }))
    }
}

/// The engine label Docker Desktop sets.
const DESKTOP_ADDRESS_LABEL: &str = "com.docker.desktop.address";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_like_the_reference() {
        let split = |image: &str| split_image_reference(image);
        assert_eq!(
            split("dk-compose-test/busybox:latest"),
            ("dk-compose-test/busybox".to_owned(), "latest".to_owned())
        );
        assert_eq!(split("redis"), ("redis".to_owned(), "latest".to_owned()));
        assert_eq!(
            split("docker.io/library/nginx:1.25"),
            ("nginx".to_owned(), "1.25".to_owned())
        );
        assert_eq!(
            split("localhost:5000/app"),
            ("localhost:5000/app".to_owned(), "latest".to_owned())
        );
        assert_eq!(split("app@sha256:abcd"), ("app".to_owned(), String::new()));
        assert_eq!(split("sha256:abcd"), (String::new(), String::new()));
    }

    #[test]
    fn filters_follow_get_containers() {
        let query = ContainerQuery::new(true, OneOff::Exclude).services(&["web".to_owned()]);
        let filters = label_filters(&query, "demo");
        assert_eq!(
            filters["label"],
            [
                "com.docker.compose.project=demo",
                "com.docker.compose.service=web",
                "com.docker.compose.config-hash",
                "com.docker.compose.oneoff=False"
            ]
        );
    }
}
