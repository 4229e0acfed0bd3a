//! Snapshots of the engine state: one project's containers, networks and volumes (by the
//! `com.docker.compose.project` label), and the project list for `ls`. Converts bollard's
//! types into the plain `plan::observed` ones; decides nothing.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{ContainerSummary, Network, Volume};
use bollard::query_parameters::{ListContainersOptions, ListNetworksOptions, ListVolumesOptions};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use crate::labels;
use crate::plan::observed::{
    ContainerState, HealthStatus, ObservedContainer, ObservedMount, ObservedNetwork,
    ObservedProject, ObservedVolume, ProjectSummary, parse_status_text,
};

/// Which containers a listing includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerScope {
    /// Running, stopped and created containers.
    All,
    /// Running (and paused/restarting) containers only.
    Running,
}

fn label_filter(selectors: &[String]) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_owned(), selectors.to_vec())])
}

fn project_selector(project_name: &str) -> String {
    format!("{}={project_name}", labels::PROJECT)
}

impl Engine {
    /// Everything labelled with the project: containers (one-off included), networks, volumes.
    /// The three listings run concurrently.
    pub async fn observe_project(
        &self,
        project_name: &str,
    ) -> Result<ObservedProject, EngineError> {
        let (containers, networks, volumes) = tokio::try_join!(
            self.project_containers(project_name, ContainerScope::All),
            self.project_networks(project_name),
            self.project_volumes(project_name),
        )?;
        let mut project = ObservedProject {
            name: project_name.to_owned(),
            containers,
            networks,
            volumes,
            ..ObservedProject::default()
        };
        project.sort();
        Ok(project)
    }

    /// Adds to `observed` the networks and volumes named as the project would name its own
    /// (`network_names`, `volume_names`) that are not labelled with the project: made by
    /// hand or by another project. The reference finds them by name too, to warn or refuse
    /// rather than create a second network of the same name.
    pub async fn observe_foreign_resources(
        &self,
        observed: &mut ObservedProject,
        network_names: &[String],
        volume_names: &[String],
    ) -> Result<(), EngineError> {
        let project_name = observed.name.clone();
        let foreign = |labels: &BTreeMap<String, String>| {
            labels.get(labels::PROJECT).map(String::as_str) != Some(project_name.as_str())
        };
        let networks = async {
            if network_names.is_empty() {
                return Ok(Vec::new());
            }
            let options = ListNetworksOptions {
                filters: Some(HashMap::from([("name".to_owned(), network_names.to_vec())])),
            };
            self.docker
                .list_networks(Some(options))
                .await
                .map_err(|error| {
                    self.error(
                        error,
                        ErrorContext::project(&observed.name).action("list the networks of"),
                    )
                })
        };
        let volumes = async {
            if volume_names.is_empty() {
                return Ok(Vec::new());
            }
            let options = ListVolumesOptions {
                filters: Some(HashMap::from([("name".to_owned(), volume_names.to_vec())])),
            };
            self.docker
                .list_volumes(Some(options))
                .await
                .map(|response| response.volumes.unwrap_or_default())
                .map_err(|error| {
                    self.error(
                        error,
                        ErrorContext::project(&observed.name).action("list the volumes of"),
                    )
                })
        };
        let (networks, volumes) = tokio::try_join!(networks, volumes)?;
        // The engine's name filters match parts of names: keep the exact ones.
        observed.foreign_networks = networks
            .into_iter()
            .map(convert_network)
            .filter(|network| network_names.contains(&network.name) && foreign(&network.labels))
            .collect();
        observed.foreign_volumes = volumes
            .into_iter()
            .map(convert_volume)
            .filter(|volume| volume_names.contains(&volume.name) && foreign(&volume.labels))
            .collect();
        observed.sort();
        Ok(())
    }

    /// The project's containers, in the documented order of `ObservedProject`.
    pub async fn project_containers(
        &self,
        project_name: &str,
        scope: ContainerScope,
    ) -> Result<Vec<ObservedContainer>, EngineError> {
        let options = ListContainersOptions {
            all: scope == ContainerScope::All,
            filters: Some(label_filter(&[project_selector(project_name)])),
            ..ListContainersOptions::default()
        };
        let summaries = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::project(project_name).action("list the containers of"),
                )
            })?;
        let mut containers: Vec<ObservedContainer> =
            summaries.into_iter().map(convert_container).collect();
        containers.sort_by(|left, right| {
            (&left.service, left.oneoff, left.number, &left.name).cmp(&(
                &right.service,
                right.oneoff,
                right.number,
                &right.name,
            ))
        });
        Ok(containers)
    }

    /// The networks labelled with the project, sorted by name.
    pub async fn project_networks(
        &self,
        project_name: &str,
    ) -> Result<Vec<ObservedNetwork>, EngineError> {
        let options = ListNetworksOptions {
            filters: Some(label_filter(&[project_selector(project_name)])),
        };
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::project(project_name).action("list the networks of"),
                )
            })?;
        let mut networks: Vec<ObservedNetwork> =
            networks.into_iter().map(convert_network).collect();
        networks.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(networks)
    }

    /// The engine's listing of the volumes labelled with the project, in its order.
    pub(super) async fn labelled_volumes(
        &self,
        project_name: &str,
    ) -> Result<Vec<Volume>, EngineError> {
        let options = ListVolumesOptions {
            filters: Some(label_filter(&[project_selector(project_name)])),
        };
        let response = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::project(project_name).action("list the volumes of"),
                )
            })?;
        Ok(response.volumes.unwrap_or_default())
    }

    /// The volumes labelled with the project, sorted by name.
    pub async fn project_volumes(
        &self,
        project_name: &str,
    ) -> Result<Vec<ObservedVolume>, EngineError> {
        let mut volumes: Vec<ObservedVolume> = self
            .labelled_volumes(project_name)
            .await?
            .into_iter()
            .map(convert_volume)
            .collect();
        volumes.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(volumes)
    }

    /// Compose projects on this engine, for `ls`: containers carrying both the project and
    /// the config-hash labels (as the reference), grouped by project, sorted by name.
    pub async fn list_projects(
        &self,
        scope: ContainerScope,
    ) -> Result<Vec<ProjectSummary>, EngineError> {
        let options = ListContainersOptions {
            all: scope == ContainerScope::All,
            filters: Some(label_filter(&[
                labels::PROJECT.to_owned(),
                labels::CONFIG_HASH.to_owned(),
            ])),
            ..ListContainersOptions::default()
        };
        let summaries = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::engine().action("list the projects on"))
            })?;
        Ok(summarize_projects(summaries.iter().map(|summary| {
            let labels = summary.labels.as_ref();
            let label = |key: &str| labels.and_then(|labels| labels.get(key)).cloned();
            ProjectContainer {
                project: label(labels::PROJECT).unwrap_or_default(),
                state: summary
                    .state
                    .map(|state| state.to_string())
                    .unwrap_or_default(),
                config_files: label(labels::CONFIG_FILES),
            }
        })))
    }
}

/// What `ls` needs from one container.
struct ProjectContainer {
    project: String,
    state: String,
    config_files: Option<String>,
}

/// Groups containers by project; config files keep the engine's listing order, each once.
fn summarize_projects(containers: impl Iterator<Item = ProjectContainer>) -> Vec<ProjectSummary> {
    let mut projects: BTreeMap<String, ProjectSummary> = BTreeMap::new();
    for container in containers {
        let summary = projects
            .entry(container.project.clone())
            .or_insert_with(|| ProjectSummary {
                name: container.project.clone(),
                state_counts: BTreeMap::new(),
                config_files: Vec::new(),
            });
        *summary.state_counts.entry(container.state).or_insert(0) += 1;
        for file in container
            .config_files
            .iter()
            .flat_map(|files| files.split(','))
        {
            if !summary.config_files.iter().any(|known| known == file) {
                summary.config_files.push(file.to_owned());
            }
        }
    }
    projects.into_values().collect()
}

fn sorted_labels(labels: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    labels.unwrap_or_default().into_iter().collect()
}

fn convert_container(summary: ContainerSummary) -> ObservedContainer {
    let labels = sorted_labels(summary.labels);
    let status = summary.status.unwrap_or_default();
    let (status_health, exit_code) = parse_status_text(&status);
    // Newer engines report health in the listing; older ones only in the status text.
    let listed_health = summary
        .health
        .and_then(|health| health.status)
        .and_then(|status| HealthStatus::parse(status.as_ref()));
    let state = summary
        .state
        .map_or(ContainerState::Other(String::new()), |state| {
            ContainerState::parse(state.as_ref())
        });
    let networks = summary
        .network_settings
        .and_then(|settings| settings.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, endpoint)| (name, endpoint.network_id.unwrap_or_default()))
        .collect();
    let mut mounts: Vec<ObservedMount> = summary
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|mount| ObservedMount {
            kind: mount.typ.unwrap_or_default(),
            name: mount.name.filter(|name| !name.is_empty()),
            source: mount.source.unwrap_or_default(),
            destination: mount.destination.unwrap_or_default(),
        })
        .collect();
    mounts.sort_by(|left, right| left.destination.cmp(&right.destination));
    let name = summary
        .names
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|name| name.trim_start_matches('/').to_owned())
        .unwrap_or_default();
    ObservedContainer {
        id: summary.id.unwrap_or_default(),
        name,
        service: labels.get(labels::SERVICE).cloned().unwrap_or_default(),
        number: labels
            .get(labels::CONTAINER_NUMBER)
            .and_then(|number| number.parse().ok()),
        oneoff: labels
            .get(labels::ONEOFF)
            .is_some_and(|value| value.eq_ignore_ascii_case("true")),
        state,
        health: listed_health.or(status_health),
        exit_code,
        status,
        config_hash: labels.get(labels::CONFIG_HASH).cloned(),
        image_label: labels.get(labels::IMAGE).cloned(),
        image: summary.image.unwrap_or_default(),
        image_id: summary.image_id.unwrap_or_default(),
        networks,
        mounts,
        created: summary.created.unwrap_or_default(),
        labels,
    }
}

fn convert_network(network: Network) -> ObservedNetwork {
    ObservedNetwork {
        id: network.id.unwrap_or_default(),
        name: network.name.unwrap_or_default(),
        driver: network.driver.unwrap_or_default(),
        labels: sorted_labels(network.labels),
    }
}

fn convert_volume(volume: Volume) -> ObservedVolume {
    ObservedVolume {
        name: volume.name,
        driver: volume.driver,
        labels: volume.labels.into_iter().collect(),
    }
}

/// The observed containers of each service (one-offs excluded) as conversion peers: what
/// `links`, `volumes_from` and `service:` namespaces resolve to.
pub fn peer_containers(
    observed: &ObservedProject,
) -> BTreeMap<String, Vec<super::convert::PeerContainer>> {
    let mut peers: BTreeMap<String, Vec<super::convert::PeerContainer>> = BTreeMap::new();
    for container in observed
        .containers
        .iter()
        .filter(|container| !container.oneoff)
    {
        peers
            .entry(container.service.clone())
            .or_default()
            .push(super::convert::PeerContainer {
                id: container.id.clone(),
                name: container.name.clone(),
            });
    }
    peers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_group_states_and_config_files() {
        let container = |project: &str, state: &str, files: Option<&str>| ProjectContainer {
            project: project.to_owned(),
            state: state.to_owned(),
            config_files: files.map(str::to_owned),
        };
        let projects = summarize_projects(
            [
                container("web", "running", Some("/a/compose.yaml")),
                container("api", "exited", Some("/b/compose.yaml,/b/override.yaml")),
                container("web", "running", Some("/a/compose.yaml")),
                container("api", "running", Some("/b/compose.yaml")),
            ]
            .into_iter(),
        );
        let rows: Vec<(String, String, String)> = projects
            .iter()
            .map(|project| {
                (
                    project.name.clone(),
                    project.status_text(),
                    project.config_files_text(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "api".to_owned(),
                    "exited(1), running(1)".to_owned(),
                    "/b/compose.yaml,/b/override.yaml".to_owned()
                ),
                (
                    "web".to_owned(),
                    "running(2)".to_owned(),
                    "/a/compose.yaml".to_owned()
                ),
            ]
        );
    }
}
