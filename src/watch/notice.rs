//! What watching tells the user, line by line, in the reference's words (its `#watch`
//! logger in `pkg/compose/watch.go`). Who prints them, and how, is the caller's: `watch`
//! prints them plainly, attached `up --watch` can put them in its log feed.

use std::fmt;

/// One thing to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchNotice {
    /// Watching has started.
    Enabled,
    /// Files are about to be copied into a service's containers.
    Syncing {
        service: String,
        changes: usize,
    },
    Rebuilding {
        services: Vec<String>,
    },
    /// A line of a rebuild's builder output (not sent with `--quiet`).
    BuildOutput {
        service: String,
        line: String,
    },
    /// A line of a rebuild's BuildKit progress (`#N …`; not sent with `--quiet`).
    BuildProgress {
        line: String,
    },
    Built {
        services: Vec<String>,
    },
    BuildFailed {
        message: String,
    },
    Restarted {
        services: Vec<String>,
    },
    /// Output of a `sync+exec` command.
    ExecOutput {
        text: String,
    },
    /// Something went wrong but watching goes on.
    Warning {
        message: String,
    },
}

impl WatchNotice {
    /// Whether the line belongs on stderr.
    pub fn is_warning(&self) -> bool {
        matches!(self, Self::Warning { .. } | Self::BuildFailed { .. })
    }
}

/// Go's `%q` of a string (service names need no escaping beyond `"` and `\`).
fn quoted(text: &str) -> String {
    let mut result = String::with_capacity(text.len() + 2);
    result.push('"');
    for character in text.chars() {
        if matches!(character, '"' | '\\') {
            result.push('\\');
        }
        result.push(character);
    }
    result.push('"');
    result
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn quoted_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|item| quoted(item)).collect();
    format!("[{}]", inner.join(" "))
}

impl fmt::Display for WatchNotice {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Enabled => formatter.write_str("Watch enabled"),
            Self::Syncing { service, changes } => write!(
                formatter,
                "Syncing service {} after {changes} changes were detected",
                quoted(service)
            ),
            Self::Rebuilding { services } => write!(
                formatter,
                "Rebuilding service(s) {} after changes were detected...",
                quoted_list(services)
            ),
            Self::BuildOutput { service, line } => write!(formatter, "[{service}] {line}"),
            Self::BuildProgress { line } => formatter.write_str(line),
            Self::Built { services } => {
                write!(
                    formatter,
                    "service(s) {} successfully built",
                    quoted_list(services)
                )
            }
            Self::BuildFailed { message } => write!(formatter, "Build failed. Error: {message}"),
            Self::Restarted { services } => {
                write!(formatter, "service(s) {} restarted", quoted_list(services))
            }
            Self::ExecOutput { text } => formatter.write_str(text),
            Self::Warning { message } => write!(formatter, "WARN[0000] {message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_wording() {
        let services = vec!["web".to_owned(), "api".to_owned()];
        assert_eq!(WatchNotice::Enabled.to_string(), "Watch enabled");
        assert_eq!(
            WatchNotice::Syncing {
                service: "web".to_owned(),
                changes: 1
            }
            .to_string(),
            "Syncing service \"web\" after 1 changes were detected"
        );
        assert_eq!(
            WatchNotice::Rebuilding {
                services: services.clone()
            }
            .to_string(),
            "Rebuilding service(s) [\"web\" \"api\"] after changes were detected..."
        );
        assert_eq!(
            WatchNotice::Built {
                services: vec!["web".to_owned()]
            }
            .to_string(),
            "service(s) [\"web\"] successfully built"
        );
        assert_eq!(
            WatchNotice::Restarted {
                services: vec!["web".to_owned()]
            }
            .to_string(),
            "service(s) [\"web\"] restarted"
        );
    }
}
