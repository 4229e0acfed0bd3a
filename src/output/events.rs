//! The events the engine sends to the terminal task: which resource, what happened to it, and
//! when. Plain data (no bollard, no tokio): the renderers in `output::progress` read them.

use std::fmt;
use std::time::Instant;

/// What kind of resource a progress line is about; it prefixes the display name, as the
/// reference does (`Container dkdemo-web-1`, `Network dkdemo_default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Container,
    Network,
    Volume,
    Image,
    Service,
    /// No word before the name: the reference's pull and push lines (`web Pulled`,
    /// `Pushing <image>`) and image layers.
    Bare,
}

impl ResourceKind {
    /// The word the reference puts before the name.
    pub fn word(self) -> &'static str {
        match self {
            Self::Container => "Container",
            Self::Network => "Network",
            Self::Volume => "Volume",
            Self::Image => "Image",
            Self::Service => "Service",
            Self::Bare => "",
        }
    }
}

/// One resource, named as the engine knows it (`dkdemo-web-1`, `dkdemo_default`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId {
    pub kind: ResourceKind,
    pub name: String,
}

impl ResourceId {
    pub fn new(kind: ResourceKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }

    pub fn container(name: impl Into<String>) -> Self {
        Self::new(ResourceKind::Container, name)
    }

    pub fn network(name: impl Into<String>) -> Self {
        Self::new(ResourceKind::Network, name)
    }

    pub fn volume(name: impl Into<String>) -> Self {
        Self::new(ResourceKind::Volume, name)
    }

    pub fn image(name: impl Into<String>) -> Self {
        Self::new(ResourceKind::Image, name)
    }

    pub fn service(name: impl Into<String>) -> Self {
        Self::new(ResourceKind::Service, name)
    }

    /// A name shown as is (`web` in `web Pulling`, a layer id).
    pub fn bare(name: impl Into<String>) -> Self {
        Self::new(ResourceKind::Bare, name)
    }
}

/// `Container dkdemo-web-1`: the id the reference shows and writes in `--progress json`.
impl fmt::Display for ResourceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ResourceKind::Bare {
            return formatter.write_str(&self.name);
        }
        write!(formatter, "{} {}", self.kind.word(), self.name)
    }
}

/// What happened, in the reference's words (`pkg/progress/event.go` and its callers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Creating,
    Created,
    Starting,
    Started,
    Waiting,
    Healthy,
    Exited,
    Running,
    Recreate,
    Recreated,
    /// The reference says `Restart` when a dependency change restarts a container.
    Restart,
    Restarting,
    Restarted,
    Stopping,
    Stopped,
    Removing,
    Removed,
    Pulling,
    Pulled,
    Building,
    Built,
    Killing,
    Killed,
    Pausing,
    Paused,
    Unpausing,
    Unpaused,
    Error,
    Warning,
}

impl Status {
    /// The word shown in the status column.
    pub fn word(self) -> &'static str {
        match self {
            Self::Creating => "Creating",
            Self::Created => "Created",
            Self::Starting => "Starting",
            Self::Started => "Started",
            Self::Waiting => "Waiting",
            Self::Healthy => "Healthy",
            Self::Exited => "Exited",
            Self::Running => "Running",
            Self::Recreate => "Recreate",
            Self::Recreated => "Recreated",
            Self::Restart => "Restart",
            Self::Restarting => "Restarting",
            Self::Restarted => "Restarted",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
            Self::Removing => "Removing",
            Self::Removed => "Removed",
            Self::Pulling => "Pulling",
            Self::Pulled => "Pulled",
            Self::Building => "Building",
            Self::Built => "Built",
            Self::Killing => "Killing",
            Self::Killed => "Killed",
            Self::Pausing => "Pausing",
            Self::Paused => "Paused",
            Self::Unpausing => "Unpausing",
            Self::Unpaused => "Unpaused",
            Self::Error => "Error",
            Self::Warning => "Warning",
        }
    }

    /// The state the reference pairs with each word (`CreatingEvent` is working,
    /// `CreatedEvent` done, `Waiting` working, `Healthy`/`Running`/`Exited` done, ...).
    pub fn default_state(self) -> EventState {
        match self {
            Self::Creating
            | Self::Starting
            | Self::Waiting
            | Self::Recreate
            | Self::Restart
            | Self::Restarting
            | Self::Stopping
            | Self::Removing
            | Self::Pulling
            | Self::Building
            | Self::Killing
            | Self::Pausing
            | Self::Unpausing => EventState::Working,
            Self::Created
            | Self::Started
            | Self::Healthy
            | Self::Exited
            | Self::Running
            | Self::Recreated
            | Self::Restarted
            | Self::Stopped
            | Self::Removed
            | Self::Pulled
            | Self::Built
            | Self::Killed
            | Self::Paused
            | Self::Unpaused => EventState::Done,
            Self::Error => EventState::Failed,
            Self::Warning => EventState::Warning,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.word())
    }
}

/// Where a resource's operation stands: it decides the spinner or mark (`✔`, `!`, `✘`) and
/// the colour of the status, and whether the line counts as done in `[+] Running 2/3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventState {
    Working,
    Done,
    Warning,
    Failed,
}

/// One thing that happened to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressEvent {
    pub resource: ResourceId,
    /// Lines with a parent are drawn indented under it (image layers under a pull).
    pub parent: Option<ResourceId>,
    pub status: Status,
    pub state: EventState,
    /// Shown instead of the status word, as the reference shows an engine error message
    /// (`Error response from daemon: ...`) or `Resource is still in use` in that column.
    pub detail: Option<String>,
    /// The reference's `Text`, shown between the name and the status column (`web Pulling`,
    /// `web Skipped - Image can be built`, a layer's `Downloading`). When set, the status
    /// column holds only `detail`.
    pub text: Option<String>,
    /// When it happened, read by the sender; renderers never read a clock themselves.
    pub at: Instant,
}

impl ProgressEvent {
    /// An event with the state the reference pairs with `status`.
    pub fn new(resource: ResourceId, status: Status, at: Instant) -> Self {
        Self {
            resource,
            parent: None,
            status,
            state: status.default_state(),
            detail: None,
            text: None,
            at,
        }
    }

    /// A failure of `resource`, with the message shown in the status column.
    pub fn failed(resource: ResourceId, message: impl Into<String>, at: Instant) -> Self {
        Self::new(resource, Status::Error, at).with_detail(message)
    }

    /// A warning about `resource`, with the message shown in the status column.
    pub fn warning(resource: ResourceId, message: impl Into<String>, at: Instant) -> Self {
        Self::new(resource, Status::Warning, at).with_detail(message)
    }

    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    #[must_use]
    pub fn with_state(mut self, state: EventState) -> Self {
        self.state = state;
        self
    }

    #[must_use]
    pub fn with_parent(mut self, parent: ResourceId) -> Self {
        self.parent = Some(parent);
        self
    }

    /// The text of the status column: the detail when there is one, else the status word
    /// (nothing when the event has a `text`).
    pub fn status_text(&self) -> &str {
        match (&self.detail, &self.text) {
            (Some(detail), _) => detail,
            (None, Some(_)) => "",
            (None, None) => self.status.word(),
        }
    }

    /// The reference's `Text` (empty for most events).
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or_default()
    }
}

/// What travels on the progress channel: resource events, and free lines printed once the
/// display is done (the reference's `TailMsgf`, e.g. the pull warning about images to build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressMessage {
    Event(ProgressEvent),
    Tail(String),
}

impl From<ProgressEvent> for ProgressMessage {
    fn from(event: ProgressEvent) -> Self {
        Self::Event(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_display_as_the_reference_names_them() {
        assert_eq!(
            ResourceId::container("dkdemo-web-1").to_string(),
            "Container dkdemo-web-1"
        );
        assert_eq!(
            ResourceId::network("dkdemo_default").to_string(),
            "Network dkdemo_default"
        );
        assert_eq!(
            ResourceId::volume("dkdemo_data").to_string(),
            "Volume dkdemo_data"
        );
        assert_eq!(ResourceId::image("busybox").to_string(), "Image busybox");
        assert_eq!(ResourceId::service("web").to_string(), "Service web");
        assert_eq!(ResourceId::bare("web").to_string(), "web");
    }

    #[test]
    fn states_follow_the_reference_pairing() {
        assert_eq!(Status::Creating.default_state(), EventState::Working);
        assert_eq!(Status::Created.default_state(), EventState::Done);
        assert_eq!(Status::Waiting.default_state(), EventState::Working);
        assert_eq!(Status::Healthy.default_state(), EventState::Done);
        assert_eq!(Status::Running.default_state(), EventState::Done);
        assert_eq!(Status::Error.default_state(), EventState::Failed);
        assert_eq!(Status::Warning.default_state(), EventState::Warning);
    }

    #[test]
    fn detail_replaces_the_status_word() {
        let at = Instant::now();
        let event = ProgressEvent::new(ResourceId::container("p-web-1"), Status::Started, at);
        assert_eq!(event.status_text(), "Started");
        let failed = ProgressEvent::failed(ResourceId::container("p-web-1"), "no such image", at);
        assert_eq!(failed.state, EventState::Failed);
        assert_eq!(failed.status_text(), "no such image");
        let pulled =
            ProgressEvent::new(ResourceId::bare("web"), Status::Pulled, at).with_text("Pulled");
        assert_eq!((pulled.text(), pulled.status_text()), ("Pulled", ""));
    }
}
