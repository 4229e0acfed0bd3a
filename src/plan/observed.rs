//! The observed engine state of one project, as plain data: a snapshot taken by
//! `engine::observe` before any decision. No bollard type and no I/O here.

use std::collections::BTreeMap;
use std::fmt;

/// Everything the engine holds for one project (found by the `com.docker.compose.project` label).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedProject {
    pub name: String,
    /// Sorted by service, then one-off last, then container number, then name.
    pub containers: Vec<ObservedContainer>,
    /// Sorted by name.
    pub networks: Vec<ObservedNetwork>,
    /// Sorted by name.
    pub volumes: Vec<ObservedVolume>,
    /// Networks with a name the project uses that are not labelled with the project
    /// (made by hand, or by another project), found by name. Sorted by name.
    pub foreign_networks: Vec<ObservedNetwork>,
    /// Volumes likewise.
    pub foreign_volumes: Vec<ObservedVolume>,
}

impl ObservedProject {
    /// The project's containers of one service, one-off containers excluded.
    pub fn service_containers<'a>(
        &'a self,
        service_name: &'a str,
    ) -> impl Iterator<Item = &'a ObservedContainer> + 'a {
        self.containers
            .iter()
            .filter(move |container| container.service == service_name && !container.oneoff)
    }

    /// The names of the services that have at least one container, sorted.
    pub fn service_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .containers
            .iter()
            .map(|container| container.service.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn network(&self, network_name: &str) -> Option<&ObservedNetwork> {
        self.networks
            .iter()
            .find(|network| network.name == network_name)
    }

    pub fn volume(&self, volume_name: &str) -> Option<&ObservedVolume> {
        self.volumes
            .iter()
            .find(|volume| volume.name == volume_name)
    }

    /// A network of that name not labelled with the project.
    pub fn foreign_network(&self, network_name: &str) -> Option<&ObservedNetwork> {
        self.foreign_networks
            .iter()
            .find(|network| network.name == network_name)
    }

    /// A volume of that name not labelled with the project.
    pub fn foreign_volume(&self, volume_name: &str) -> Option<&ObservedVolume> {
        self.foreign_volumes
            .iter()
            .find(|volume| volume.name == volume_name)
    }

    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.networks.is_empty() && self.volumes.is_empty()
    }

    /// Puts containers, networks and volumes in their documented order.
    pub fn sort(&mut self) {
        self.containers.sort_by(|left, right| {
            (&left.service, left.oneoff, left.number, &left.name).cmp(&(
                &right.service,
                right.oneoff,
                right.number,
                &right.name,
            ))
        });
        self.networks
            .sort_by(|left, right| left.name.cmp(&right.name));
        self.volumes
            .sort_by(|left, right| left.name.cmp(&right.name));
        self.foreign_networks
            .sort_by(|left, right| left.name.cmp(&right.name));
        self.foreign_volumes
            .sort_by(|left, right| left.name.cmp(&right.name));
    }
}

/// One container of the project, from the engine's container list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedContainer {
    pub id: String,
    /// Without the engine's leading `/`.
    pub name: String,
    /// `com.docker.compose.service` (empty when the label is missing).
    pub service: String,
    /// `com.docker.compose.container-number`, when present and numeric.
    pub number: Option<u32>,
    /// `com.docker.compose.oneoff=True` (containers of `run`).
    pub oneoff: bool,
    pub state: ContainerState,
    /// `None` when the container has no healthcheck (or it is not running).
    pub health: Option<HealthStatus>,
    /// Set once the container has exited (from the engine's status text).
    pub exit_code: Option<i64>,
    /// The engine's human status, e.g. `Up 3 seconds (healthy)`.
    pub status: String,
    /// `com.docker.compose.config-hash`.
    pub config_hash: Option<String>,
    /// `com.docker.compose.image`: the image digest the container was created from.
    pub image_label: Option<String>,
    /// The image reference the container was created with (`Config.Image`).
    pub image: String,
    /// The id (`sha256:…`) of the image the container runs.
    pub image_id: String,
    /// Attached networks: network name → network id.
    pub networks: BTreeMap<String, String>,
    pub mounts: Vec<ObservedMount>,
    pub labels: BTreeMap<String, String>,
    /// Creation time, seconds since the Unix epoch.
    pub created: i64,
}

impl ObservedContainer {
    pub fn is_running(&self) -> bool {
        matches!(
            self.state,
            ContainerState::Running | ContainerState::Restarting
        )
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A mount of a container (volume, bind, tmpfs…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedMount {
    /// `volume`, `bind`, `tmpfs`, `npipe`, `cluster` or `image`.
    pub kind: String,
    /// The volume name, for volume mounts.
    pub name: Option<String>,
    pub source: String,
    pub destination: String,
}

/// The engine's container state (`State.Status`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    /// Anything this version does not know, kept verbatim.
    Other(String),
}

impl ContainerState {
    pub fn parse(text: &str) -> Self {
        match text {
            "created" => Self::Created,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "removing" => Self::Removing,
            "exited" => Self::Exited,
            "dead" => Self::Dead,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The engine's word for the state (`running`, `exited`…).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
            Self::Other(text) => text,
        }
    }
}

impl fmt::Display for ContainerState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The healthcheck status of a running container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HealthStatus {
    Starting,
    Healthy,
    Unhealthy,
}

impl HealthStatus {
    /// Parses the engine's words (`starting`, `healthy`, `unhealthy`); `none` and `` are `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "starting" => Some(Self::Starting),
            "healthy" => Some(Self::Healthy),
            "unhealthy" => Some(Self::Unhealthy),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Reads health and exit code from the engine's status text, which the container list
/// carries on every API version (`Up 2 seconds (healthy)`, `Exited (137) 5 seconds ago`).
pub fn parse_status_text(status: &str) -> (Option<HealthStatus>, Option<i64>) {
    let health = if status.ends_with("(healthy)") {
        Some(HealthStatus::Healthy)
    } else if status.ends_with("(unhealthy)") {
        Some(HealthStatus::Unhealthy)
    } else if status.ends_with("(health: starting)") {
        Some(HealthStatus::Starting)
    } else {
        None
    };
    let exit_code = status
        .strip_prefix("Exited (")
        .and_then(|rest| rest.split_once(')'))
        .and_then(|(code, _)| code.parse().ok());
    (health, exit_code)
}

/// The live state of one container, from an inspect (what condition waits look at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    pub id: String,
    pub name: String,
    pub state: ContainerState,
    pub exit_code: Option<i64>,
    /// Whether a healthcheck is configured (and not disabled with `NONE`).
    pub has_healthcheck: bool,
    pub health: Option<HealthStatus>,
    /// The output of the most recent healthcheck, on one line.
    pub last_health_output: Option<String>,
}

/// A network labelled with the project (or, in `foreign_networks`, found by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedNetwork {
    pub id: String,
    /// The engine name (`<project>_<network>` unless `name:` was set).
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
}

impl ObservedNetwork {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A volume labelled with the project (or, in `foreign_volumes`, found by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedVolume {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
}

impl ObservedVolume {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// One project as `ls` shows it: containers grouped by their project label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    pub name: String,
    /// Container count per state, e.g. `running → 2`.
    pub state_counts: BTreeMap<String, usize>,
    /// Config files of every container, each once, in the engine's listing order.
    pub config_files: Vec<String>,
}

impl ProjectSummary {
    /// The reference's status column: `exited(1), running(2)` (states sorted).
    pub fn status_text(&self) -> String {
        self.state_counts
            .iter()
            .map(|(state, count)| format!("{state}({count})"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The reference's config-files column (comma separated).
    pub fn config_files_text(&self) -> String {
        self.config_files.join(",")
    }

    /// Whether any container runs (what `ls` without `--all` keeps).
    pub fn is_running(&self) -> bool {
        self.state_counts.contains_key("running")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_gives_health_and_exit_code() {
        assert_eq!(
            parse_status_text("Up 2 seconds (healthy)"),
            (Some(HealthStatus::Healthy), None)
        );
        assert_eq!(
            parse_status_text("Up 1 second (health: starting)"),
            (Some(HealthStatus::Starting), None)
        );
        assert_eq!(
            parse_status_text("Up 5 minutes (unhealthy)"),
            (Some(HealthStatus::Unhealthy), None)
        );
        assert_eq!(
            parse_status_text("Exited (137) 5 seconds ago"),
            (None, Some(137))
        );
        assert_eq!(parse_status_text("Created"), (None, None));
        assert_eq!(parse_status_text("Up 3 hours"), (None, None));
    }

    #[test]
    fn summary_status_matches_the_reference_format() {
        let summary = ProjectSummary {
            name: "demo".to_owned(),
            state_counts: BTreeMap::from([("running".to_owned(), 2), ("exited".to_owned(), 1)]),
            config_files: vec!["/a/compose.yaml".to_owned(), "/a/override.yaml".to_owned()],
        };
        assert_eq!(summary.status_text(), "exited(1), running(2)");
        assert_eq!(
            summary.config_files_text(),
            "/a/compose.yaml,/a/override.yaml"
        );
        assert!(summary.is_running());
    }

    #[test]
    fn containers_sort_by_service_then_number() {
        let container = |service: &str, number: u32, oneoff: bool| ObservedContainer {
            id: format!("{service}{number}"),
            name: format!("demo-{service}-{number}"),
            service: service.to_owned(),
            number: Some(number),
            oneoff,
            state: ContainerState::Running,
            health: None,
            exit_code: None,
            status: String::new(),
            config_hash: None,
            image_label: None,
            image: String::new(),
            image_id: String::new(),
            networks: BTreeMap::new(),
            mounts: Vec::new(),
            labels: BTreeMap::new(),
            created: 0,
        };
        let mut project = ObservedProject {
            name: "demo".to_owned(),
            containers: vec![
                container("web", 10, false),
                container("db", 1, false),
                container("web", 1, true),
                container("web", 2, false),
            ],
            ..ObservedProject::default()
        };
        project.sort();
        let order: Vec<(&str, Option<u32>, bool)> = project
            .containers
            .iter()
            .map(|container| {
                (
                    container.service.as_str(),
                    container.number,
                    container.oneoff,
                )
            })
            .collect();
        assert_eq!(
            order,
            [
                ("db", Some(1), false),
                ("web", Some(2), false),
                ("web", Some(10), false),
                ("web", Some(1), true),
            ]
        );
        assert_eq!(project.service_containers("web").count(), 2);
        assert_eq!(project.service_names(), ["db", "web"]);
    }

    #[test]
    fn unknown_states_are_kept_verbatim() {
        assert_eq!(ContainerState::parse("exited"), ContainerState::Exited);
        assert_eq!(ContainerState::parse("stopping").as_str(), "stopping");
        assert_eq!(HealthStatus::parse("none"), None);
    }
}
