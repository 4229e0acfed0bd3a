//! Engine events as plain data (container create/start/die/health_status/destroy), filtered
//! by project, and event-driven waits for a container condition (no polling, no race); the
//! whole container event feed of a project for `events`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use futures_util::FutureExt;
use futures_util::stream::{BoxStream, StreamExt};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext, WaitFailure};
use super::logs::Moment;
use crate::labels;
use crate::plan::observed::{ContainerState, ContainerStatus, HealthStatus};

/// The container actions a project's event stream carries.
const CONTAINER_ACTIONS: &[&str] = &[
    "create",
    "start",
    "kill",
    "die",
    "stop",
    "health_status",
    "pause",
    "unpause",
    "destroy",
];

/// How far back a wait replays events, so that a change between subscribing and
/// inspecting is never missed (and small clock differences with the engine are harmless).
const REPLAY_MARGIN: Duration = Duration::from_secs(5);

/// What happened to a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerAction {
    Create,
    Start,
    Die { exit_code: Option<i64> },
    Health(HealthStatus),
    Pause,
    Unpause,
    Destroy,
    Other(String),
}

impl ContainerAction {
    fn parse(action: &str, attributes: &BTreeMap<String, String>) -> Self {
        match action {
            "create" => Self::Create,
            "start" => Self::Start,
            "die" => Self::Die {
                exit_code: attributes
                    .get("exitCode")
                    .and_then(|code| code.parse().ok()),
            },
            "pause" => Self::Pause,
            "unpause" => Self::Unpause,
            "destroy" => Self::Destroy,
            other => other
                .strip_prefix("health_status:")
                .and_then(|status| HealthStatus::parse(status.trim()))
                .map_or_else(|| Self::Other(other.to_owned()), Self::Health),
        }
    }
}

/// One container event, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    pub container_id: String,
    /// The container name (the `name` attribute), without a leading `/`.
    pub container_name: String,
    /// `com.docker.compose.service`, when the container has it.
    pub service: Option<String>,
    pub action: ContainerAction,
    /// The engine's word for the action, as sent (`start`, `kill`, `health_status: healthy`…).
    pub action_name: String,
    /// Engine time, nanoseconds since the Unix epoch.
    pub time_nanos: i64,
    /// The actor's attributes (labels, `name`, `image`, `exitCode`…).
    pub attributes: BTreeMap<String, String>,
}

fn convert_event(message: EventMessage) -> Option<ContainerEvent> {
    let actor = message.actor?;
    let attributes: BTreeMap<String, String> =
        actor.attributes.unwrap_or_default().into_iter().collect();
    let action_name = message.action?;
    let action = ContainerAction::parse(&action_name, &attributes);
    Some(ContainerEvent {
        container_id: actor.id.unwrap_or_default(),
        container_name: attributes
            .get("name")
            .map(|name| name.trim_start_matches('/').to_owned())
            .unwrap_or_default(),
        service: attributes.get(labels::SERVICE).cloned(),
        action,
        action_name,
        time_nanos: message
            .time_nano
            .or_else(|| {
                message
                    .time
                    .map(|seconds| seconds.saturating_mul(1_000_000_000))
            })
            .unwrap_or_default(),
        attributes,
    })
}

/// The condition a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The container runs (exiting is a failure).
    Running,
    /// Its healthcheck passes (unhealthy, exiting, or having no healthcheck is a failure).
    Healthy,
    /// It exited with code 0 (another code is a failure).
    ExitedSuccessfully,
}

impl Condition {
    fn describe(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Healthy => "healthy",
            Self::ExitedSuccessfully => "exited successfully",
        }
    }
}

/// Where a container stands with respect to a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Satisfied,
    Pending,
    Failed(WaitFailure),
}

/// Decides a condition from a container's live state (pure).
pub fn evaluate(condition: Condition, status: &ContainerStatus) -> Verdict {
    let exited = matches!(status.state, ContainerState::Exited | ContainerState::Dead);
    let exit_failure = || WaitFailure::Exited {
        exit_code: status.exit_code.unwrap_or(-1),
    };
    match condition {
        Condition::Running => match status.state {
            ContainerState::Running | ContainerState::Paused => Verdict::Satisfied,
            _ if exited => Verdict::Failed(exit_failure()),
            ContainerState::Removing => Verdict::Failed(WaitFailure::Removed),
            _ => Verdict::Pending,
        },
        Condition::Healthy => {
            if !status.has_healthcheck {
                return Verdict::Failed(WaitFailure::NoHealthcheck);
            }
            if exited {
                return Verdict::Failed(exit_failure());
            }
            match (&status.state, status.health) {
                (ContainerState::Removing, _) => Verdict::Failed(WaitFailure::Removed),
                (ContainerState::Running, Some(HealthStatus::Healthy)) => Verdict::Satisfied,
                (ContainerState::Running, Some(HealthStatus::Unhealthy)) => {
                    Verdict::Failed(WaitFailure::Unhealthy {
                        last_output: status.last_health_output.clone(),
                    })
                }
                _ => Verdict::Pending,
            }
        }
        Condition::ExitedSuccessfully => match (exited, status.exit_code) {
            (true, Some(0)) => Verdict::Satisfied,
            (true, _) => Verdict::Failed(exit_failure()),
            (false, _) if status.state == ContainerState::Removing => {
                Verdict::Failed(WaitFailure::Removed)
            }
            (false, _) => Verdict::Pending,
        },
    }
}

fn filters(selectors: &[(&str, Vec<String>)]) -> std::collections::HashMap<String, Vec<String>> {
    selectors
        .iter()
        .map(|(key, values)| ((*key).to_owned(), values.clone()))
        .collect()
}

fn container_actions() -> Vec<String> {
    CONTAINER_ACTIONS
        .iter()
        .map(|action| (*action).to_owned())
        .collect()
}

/// Engine time format for `since`: seconds with nanoseconds.
fn since_argument(moment: SystemTime) -> String {
    let elapsed = moment.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:09}", elapsed.as_secs(), elapsed.subsec_nanos())
}

/// One line out of a health check's output.
fn one_line(output: &str) -> Option<String> {
    const LIMIT: usize = 300;
    let line = output.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return None;
    }
    if line.chars().count() > LIMIT {
        let cut: String = line.chars().take(LIMIT).collect();
        return Some(format!("{cut}…"));
    }
    Some(line)
}

impl Engine {
    /// Container events of the project (create, start, die, health_status, pause, unpause,
    /// destroy), from `since` when given (the engine replays its recent events, so a caller
    /// that notes the time before acting misses nothing), else from the moment the stream is
    /// first polled. The stream ends only if the engine closes it.
    pub fn project_events(
        &self,
        project_name: &str,
        since: Option<SystemTime>,
    ) -> BoxStream<'static, Result<ContainerEvent, EngineError>> {
        let options = EventsOptions {
            since: since.map(since_argument),
            filters: Some(filters(&[
                ("type", vec!["container".to_owned()]),
                ("label", vec![format!("{}={project_name}", labels::PROJECT)]),
                ("event", container_actions()),
            ])),
            ..EventsOptions::default()
        };
        self.container_event_stream(options, ErrorContext::project(project_name))
    }

    /// Every container event of the project (any action), between `since` and `until` when
    /// given (the engine replays past events from `since`, and ends the stream at `until`),
    /// for `events`. Without `until` the stream ends only if the engine closes it.
    pub fn project_event_feed(
        &self,
        project_name: &str,
        since: Option<Moment>,
        until: Option<Moment>,
    ) -> BoxStream<'static, Result<ContainerEvent, EngineError>> {
        let options = EventsOptions {
            since: since.map(Moment::to_engine),
            until: until.map(Moment::to_engine),
            filters: Some(filters(&[
                ("type", vec!["container".to_owned()]),
                ("label", vec![format!("{}={project_name}", labels::PROJECT)]),
            ])),
        };
        self.container_event_stream(options, ErrorContext::project(project_name))
    }

    fn container_event_stream(
        &self,
        options: EventsOptions,
        context: ErrorContext,
    ) -> BoxStream<'static, Result<ContainerEvent, EngineError>> {
        let engine = self.clone();
        self.docker
            .events(Some(options))
            .filter_map(move |item| {
                let mapped = match item {
                    Ok(message) => convert_event(message).map(Ok),
                    Err(error) => Some(Err(
                        engine.error(error, context.clone().action("follow the events of"))
                    )),
                };
                std::future::ready(mapped)
            })
            .boxed()
    }

    /// The live state of a container; `None` when it does not exist (any more).
    pub async fn container_status(
        &self,
        container: &str,
    ) -> Result<Option<ContainerStatus>, EngineError> {
        let response = match self.docker.inspect_container(container, None).await {
            Ok(response) => response,
            Err(error) => {
                let error = self.error(error, ErrorContext::container(container).action("inspect"));
                return if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        let state = response.state.unwrap_or_default();
        let has_healthcheck = response
            .config
            .and_then(|config| config.healthcheck)
            .and_then(|healthcheck| healthcheck.test)
            .is_some_and(|test| !test.is_empty() && test.first().is_none_or(|kind| kind != "NONE"));
        let health = state.health.unwrap_or_default();
        let last_health_output = health
            .log
            .unwrap_or_default()
            .last()
            .and_then(|result| result.output.as_deref().and_then(one_line));
        Ok(Some(ContainerStatus {
            id: response.id.unwrap_or_default(),
            name: response.name.map_or_else(
                || container.to_owned(),
                |name| name.trim_start_matches('/').to_owned(),
            ),
            state: state
                .status
                .map_or(ContainerState::Other(String::new()), |status| {
                    ContainerState::parse(status.as_ref())
                }),
            exit_code: state.exit_code,
            has_healthcheck,
            health: health
                .status
                .and_then(|status| HealthStatus::parse(status.as_ref())),
            last_health_output,
        }))
    }

    /// Waits until the container (id or name) meets `condition`, driven by engine events:
    /// the event subscription replays from just before the first inspect, so no change is
    /// missed. Fails with the container's name and exit code or last health output; with
    /// `timeout`, gives up after that long.
    pub async fn wait_for(
        &self,
        container: &str,
        condition: Condition,
        timeout: Option<Duration>,
    ) -> Result<ContainerStatus, EngineError> {
        let waiting = self.wait_without_timeout(container, condition);
        match timeout {
            None => waiting.await,
            Some(limit) => {
                tokio::time::timeout(limit, waiting)
                    .await
                    .map_err(|_| EngineError::Timeout {
                        context: ErrorContext::container(container),
                        condition: condition.describe().to_owned(),
                        seconds: limit.as_secs(),
                    })?
            }
        }
    }

    async fn wait_without_timeout(
        &self,
        container: &str,
        condition: Condition,
    ) -> Result<ContainerStatus, EngineError> {
        let since = SystemTime::now()
            .checked_sub(REPLAY_MARGIN)
            .unwrap_or(UNIX_EPOCH);
        let mut status = self.require_status(container).await?;
        let context = ErrorContext::container(status.name.clone());
        let options = EventsOptions {
            since: Some(since_argument(since)),
            filters: Some(filters(&[
                ("type", vec!["container".to_owned()]),
                ("container", vec![status.id.clone()]),
                ("event", container_actions()),
            ])),
            ..EventsOptions::default()
        };
        let mut events = self.container_event_stream(options, context.clone());
        loop {
            match evaluate(condition, &status) {
                Verdict::Satisfied => return Ok(status),
                Verdict::Failed(failure) => {
                    return Err(EngineError::WaitFailed { context, failure });
                }
                Verdict::Pending => {}
            }
            match events.next().await {
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error),
                None => {
                    return Err(EngineError::WaitFailed {
                        context,
                        failure: WaitFailure::EventStreamEnded,
                    });
                }
            }
            // Coalesce a burst (or the replayed backlog) into one inspect.
            while let Some(Some(item)) = events.next().now_or_never() {
                item?;
            }
            status = match self.container_status(&status.id).await? {
                Some(status) => status,
                None => {
                    return Err(EngineError::WaitFailed {
                        context,
                        failure: WaitFailure::Removed,
                    });
                }
            };
        }
    }

    async fn require_status(&self, container: &str) -> Result<ContainerStatus, EngineError> {
        self.container_status(container)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                context: ErrorContext::container(container),
                message: format!("No such container: {container}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: ContainerState, health: Option<HealthStatus>) -> ContainerStatus {
        ContainerStatus {
            id: "abc".to_owned(),
            name: "demo-db-1".to_owned(),
            state,
            exit_code: Some(0),
            has_healthcheck: true,
            health,
            last_health_output: Some("refused".to_owned()),
        }
    }

    #[test]
    fn healthy_waits_while_starting_and_fails_when_unhealthy() {
        let starting = status(ContainerState::Running, Some(HealthStatus::Starting));
        assert_eq!(evaluate(Condition::Healthy, &starting), Verdict::Pending);
        let healthy = status(ContainerState::Running, Some(HealthStatus::Healthy));
        assert_eq!(evaluate(Condition::Healthy, &healthy), Verdict::Satisfied);
        let unhealthy = status(ContainerState::Running, Some(HealthStatus::Unhealthy));
        assert_eq!(
            evaluate(Condition::Healthy, &unhealthy),
            Verdict::Failed(WaitFailure::Unhealthy {
                last_output: Some("refused".to_owned())
            })
        );
        let mut without = status(ContainerState::Running, None);
        without.has_healthcheck = false;
        assert_eq!(
            evaluate(Condition::Healthy, &without),
            Verdict::Failed(WaitFailure::NoHealthcheck)
        );
    }

    #[test]
    fn exit_codes_decide_exited_successfully() {
        let mut exited = status(ContainerState::Exited, None);
        assert_eq!(
            evaluate(Condition::ExitedSuccessfully, &exited),
            Verdict::Satisfied
        );
        exited.exit_code = Some(2);
        assert_eq!(
            evaluate(Condition::ExitedSuccessfully, &exited),
            Verdict::Failed(WaitFailure::Exited { exit_code: 2 })
        );
        assert_eq!(
            evaluate(Condition::Running, &exited),
            Verdict::Failed(WaitFailure::Exited { exit_code: 2 })
        );
        let running = status(ContainerState::Running, None);
        assert_eq!(
            evaluate(Condition::ExitedSuccessfully, &running),
            Verdict::Pending
        );
        assert_eq!(evaluate(Condition::Running, &running), Verdict::Satisfied);
        let created = status(ContainerState::Created, None);
        assert_eq!(evaluate(Condition::Running, &created), Verdict::Pending);
    }

    #[test]
    fn actions_parse_health_and_exit_code() {
        let attributes = BTreeMap::from([("exitCode".to_owned(), "137".to_owned())]);
        assert_eq!(
            ContainerAction::parse("die", &attributes),
            ContainerAction::Die {
                exit_code: Some(137)
            }
        );
        assert_eq!(
            ContainerAction::parse("health_status: healthy", &BTreeMap::new()),
            ContainerAction::Health(HealthStatus::Healthy)
        );
        assert_eq!(
            ContainerAction::parse("exec_start: sh", &BTreeMap::new()),
            ContainerAction::Other("exec_start: sh".to_owned())
        );
    }

    #[test]
    fn since_has_nanoseconds() {
        let moment = UNIX_EPOCH + Duration::new(1_700_000_000, 5);
        assert_eq!(since_argument(moment), "1700000000.000000005");
        assert_eq!(one_line("  a\n b  "), Some("a b".to_owned()));
        assert_eq!(one_line(" \n"), None);
    }
}
