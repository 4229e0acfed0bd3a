//! `EngineError`: every failure talking to the engine, mapped from bollard once (404, 409,
//! 304, unreachable engine…) with the object the call was about. No bollard type leaks out.

use std::error::Error as _;
use std::fmt;

use super::connect::ApiVersion;

/// What kind of engine object a call was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Engine,
    Project,
    Service,
    Container,
    Network,
    Volume,
    Image,
    Secret,
    Config,
    Stack,
}

impl ObjectKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Engine => "engine",
            Self::Project => "project",
            Self::Service => "service",
            Self::Container => "container",
            Self::Network => "network",
            Self::Volume => "volume",
            Self::Image => "image",
            Self::Secret => "secret",
            Self::Config => "config",
            Self::Stack => "stack",
        }
    }
}

/// Which object an engine call was about, and optionally what we tried to do with it.
/// Displays as ``container `demo-web-1` `` or ``cannot start container `demo-web-1` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContext {
    pub kind: ObjectKind,
    pub name: String,
    /// A verb such as `start`, `remove`, `inspect`.
    pub action: Option<&'static str>,
}

impl ErrorContext {
    pub fn new(kind: ObjectKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            action: None,
        }
    }

    pub fn engine() -> Self {
        Self::new(ObjectKind::Engine, String::new())
    }

    pub fn project(name: impl Into<String>) -> Self {
        Self::new(ObjectKind::Project, name)
    }

    pub fn service(name: impl Into<String>) -> Self {
        Self::new(ObjectKind::Service, name)
    }

    pub fn container(name: impl Into<String>) -> Self {
        Self::new(ObjectKind::Container, name)
    }

    pub fn network(name: impl Into<String>) -> Self {
        Self::new(ObjectKind::Network, name)
    }

    pub fn volume(name: impl Into<String>) -> Self {
        Self::new(ObjectKind::Volume, name)
    }

    pub fn image(name: impl Into<String>) -> Self {
        Self::new(ObjectKind::Image, name)
    }

    /// Adds the verb: `ErrorContext::container("x").action("start")`.
    #[must_use]
    pub fn action(mut self, action: &'static str) -> Self {
        self.action = Some(action);
        self
    }
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(action) = self.action {
            write!(formatter, "cannot {action} ")?;
        }
        if self.kind == ObjectKind::Engine || self.name.is_empty() {
            write!(formatter, "the Docker {}", self.kind.as_str())
        } else {
            write!(formatter, "{} `{}`", self.kind.as_str(), self.name)
        }
    }
}

/// Why waiting for a container's condition failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitFailure {
    /// It exited (while it should run, be healthy, or exit with 0).
    Exited { exit_code: i64 },
    /// Its healthcheck failed; the last check's output, trimmed.
    Unhealthy { last_output: Option<String> },
    /// Waiting for healthy, but no healthcheck is configured.
    NoHealthcheck,
    /// It was removed while we waited.
    Removed,
    /// The engine stopped sending events.
    EventStreamEnded,
}

impl fmt::Display for WaitFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exited { exit_code } => write!(formatter, "exited with code {exit_code}"),
            Self::Unhealthy {
                last_output: Some(output),
            } => write!(formatter, "is unhealthy: {output}"),
            Self::Unhealthy { last_output: None } => formatter.write_str("is unhealthy"),
            Self::NoHealthcheck => formatter.write_str("has no healthcheck configured"),
            Self::Removed => formatter.write_str("was removed"),
            Self::EventStreamEnded => {
                formatter.write_str("cannot be watched: the engine closed the event stream")
            }
        }
    }
}

/// A failure talking to the Docker Engine. Messages are one line; [`EngineError::hint`]
/// gives the advice to print under it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("cannot connect to the Docker engine at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("invalid Docker host `{address}`: {reason}")]
    InvalidHost { address: String, reason: String },
    #[error("cannot use the TLS certificates for {address}: {reason}")]
    Tls { address: String, reason: String },
    #[error("the Docker engine at {address} speaks API {server}, older than the minimum {minimum}")]
    ApiTooOld {
        address: String,
        server: ApiVersion,
        minimum: ApiVersion,
    },
    /// 404.
    #[error("{context}: {message}")]
    NotFound {
        context: ErrorContext,
        message: String,
    },
    /// 409.
    #[error("{context}: {message}")]
    Conflict {
        context: ErrorContext,
        message: String,
    },
    /// 304: already in the requested state (e.g. starting a running container).
    #[error("{context}: already in the requested state")]
    NotModified { context: ErrorContext },
    /// Any other engine response; the engine's message is kept verbatim.
    #[error("{context}: {message}")]
    Response {
        context: ErrorContext,
        status: u16,
        message: String,
    },
    /// The request failed without an engine answer (broken connection, bad JSON…).
    #[error("{context}: {message}")]
    Communication {
        context: ErrorContext,
        message: String,
    },
    #[error("{context} {failure}")]
    WaitFailed {
        context: ErrorContext,
        failure: WaitFailure,
    },
    #[error("timed out after {seconds} seconds waiting for {context} to be {condition}")]
    Timeout {
        context: ErrorContext,
        condition: String,
        seconds: u64,
    },
    /// `--dry-run` cannot pretend a session whose output the user would read: refused in the
    /// reference's words (`run` and `exec` without `-d`).
    #[error("interactive {session} is not supported in dry-run mode")]
    DryRunInteractive { session: &'static str },
    /// The call was cut by an interrupt (Ctrl-C or SIGTERM) before the engine answered.
    #[error("interrupted")]
    Interrupted,
}

impl EngineError {
    /// The HTTP status of an engine answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::NotFound { .. } => Some(404),
            Self::Conflict { .. } => Some(409),
            Self::NotModified { .. } => Some(304),
            Self::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    pub fn is_not_modified(&self) -> bool {
        matches!(self, Self::NotModified { .. })
    }

    /// Advice to show under the message.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Unreachable { address, .. } if address.starts_with("unix://") => Some(
                "is the Docker daemon running? set DOCKER_HOST (or use a docker context) to reach another engine"
                    .to_owned(),
            ),
            Self::Unreachable { .. } => Some(
                "is the Docker daemon running and listening there? check DOCKER_HOST".to_owned(),
            ),
            Self::Tls { .. } => Some(
                "DOCKER_CERT_PATH must hold `ca.pem`, `cert.pem` and `key.pem`".to_owned(),
            ),
            _ => None,
        }
    }
}

/// Lower-case reason of an I/O error without the `(os error N)` tail, like the docker CLI.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or directory".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::ConnectionReset => "connection reset by peer".to_owned(),
        ErrorKind::TimedOut => "connection timed out".to_owned(),
        _ => {
            let text = error.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_owned();
            lowercase_first(&text)
        }
    }
}

fn lowercase_first(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_lowercase().chain(characters).collect(),
        None => String::new(),
    }
}

/// The first I/O error in a source chain (hyper wraps the socket's error several times).
fn find_io_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(candidate) = current {
        if let Some(io_error) = candidate.downcast_ref::<std::io::Error>() {
            return Some(io_error);
        }
        current = candidate.source();
    }
    None
}

/// Maps a bollard error once. `address` is the engine address, for connection failures.
pub(crate) fn from_bollard(
    error: bollard::errors::Error,
    context: ErrorContext,
    address: &str,
) -> EngineError {
    use bollard::errors::Error as Bollard;
    match error {
        Bollard::DockerResponseServerError {
            status_code,
            message,
        } => match status_code {
            404 => EngineError::NotFound { context, message },
            409 => EngineError::Conflict { context, message },
            304 => EngineError::NotModified { context },
            status => EngineError::Response {
                context,
                status,
                message,
            },
        },
        Bollard::SocketNotFoundError(_) => EngineError::Unreachable {
            address: address.to_owned(),
            reason: "no such file or directory".to_owned(),
        },
        Bollard::UnsupportedURISchemeError { uri } => EngineError::InvalidHost {
            address: uri,
            reason: "unknown scheme".to_owned(),
        },
        Bollard::CertPathError { path } | Bollard::CertParseError { path } => EngineError::Tls {
            address: address.to_owned(),
            reason: format!("cannot read `{}`", path.display()),
        },
        Bollard::CertMultipleKeys { path, .. } => EngineError::Tls {
            address: address.to_owned(),
            reason: format!("`{}` holds more than one key", path.display()),
        },
        error @ (Bollard::NoNativeCertsError { .. }
        | Bollard::LoadNativeCertsErrors { .. }
        | Bollard::NoHomePathError) => EngineError::Tls {
            address: address.to_owned(),
            reason: lowercase_first(&error.to_string()),
        },
        Bollard::RequestTimeoutError => EngineError::Communication {
            context,
            message: "the engine did not answer in time".to_owned(),
        },
        other => {
            // A refused or missing socket surfaces as an I/O error inside hyper's error.
            if let Some(io_error) = find_io_error(&other) {
                let connection_failure = matches!(
                    io_error.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::PermissionDenied
                        | std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::AddrNotAvailable
                );
                if connection_failure {
                    return EngineError::Unreachable {
                        address: address.to_owned(),
                        reason: io_reason(io_error),
                    };
                }
            }
            let mut message = other.to_string();
            let mut source = other.source();
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !message.contains(&cause_text) {
                    message = format!("{message}: {cause_text}");
                }
                source = cause.source();
            }
            EngineError::Communication {
                context,
                message: lowercase_first(&message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status_code: u16, message: &str) -> bollard::errors::Error {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message: message.to_owned(),
        }
    }

    #[test]
    fn statuses_map_to_kinds_and_keep_the_engine_message() {
        let address = "unix:///var/run/docker.sock";
        let not_found = from_bollard(
            response(404, "No such container: demo-web-1"),
            ErrorContext::container("demo-web-1").action("start"),
            address,
        );
        assert!(not_found.is_not_found());
        assert_eq!(
            not_found.to_string(),
            "cannot start container `demo-web-1`: No such container: demo-web-1"
        );
        let conflict = from_bollard(
            response(
                409,
                "Conflict. The container name \"/demo-web-1\" is already in use",
            ),
            ErrorContext::container("demo-web-1").action("create"),
            address,
        );
        assert!(conflict.is_conflict());
        assert_eq!(conflict.status(), Some(409));
        let not_modified = from_bollard(response(304, ""), ErrorContext::container("x"), address);
        assert!(not_modified.is_not_modified());
        let server = from_bollard(
            response(500, "boom"),
            ErrorContext::network("demo_default"),
            address,
        );
        assert_eq!(server.to_string(), "network `demo_default`: boom");
        assert_eq!(server.status(), Some(500));
    }

    #[test]
    fn missing_socket_is_unreachable_with_a_hint() {
        let error = from_bollard(
            bollard::errors::Error::SocketNotFoundError("/nonexistent.sock".to_owned()),
            ErrorContext::engine(),
            "unix:///nonexistent.sock",
        );
        assert_eq!(
            error.to_string(),
            "cannot connect to the Docker engine at unix:///nonexistent.sock: no such file or directory"
        );
        assert!(error.hint().unwrap().contains("DOCKER_HOST"));
    }

    #[test]
    fn io_reasons_drop_the_os_error_number() {
        let error = std::io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&error), "connection refused");
        assert_eq!(
            ErrorContext::engine()
                .action("list containers on")
                .to_string(),
            "cannot list containers on the Docker engine"
        );
    }

    #[test]
    fn wait_failures_read_as_sentences() {
        let error = EngineError::WaitFailed {
            context: ErrorContext::container("demo-db-1"),
            failure: WaitFailure::Unhealthy {
                last_output: Some("connection refused".to_owned()),
            },
        };
        assert_eq!(
            error.to_string(),
            "container `demo-db-1` is unhealthy: connection refused"
        );
        let exited = EngineError::WaitFailed {
            context: ErrorContext::container("demo-job-1"),
            failure: WaitFailure::Exited { exit_code: 3 },
        };
        assert_eq!(
            exited.to_string(),
            "container `demo-job-1` exited with code 3"
        );
    }
}
