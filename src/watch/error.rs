//! Why watching cannot start or go on, in words that say what to do about it.

use std::path::PathBuf;

use super::rules::RuleError;

/// A watch failure.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The reference's message, word for word.
    #[error(
        "none of the selected services is configured for watch, consider setting a 'develop' section"
    )]
    NothingToWatch,
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("service `{service}`: `x-develop` is not a valid `develop` section: {message}")]
    LegacyDevelop { service: String, message: String },
    #[error(
        "cannot watch `{}`: the limit of inotify watches is reached (`fs.inotify.max_user_watches`{}); raise it, e.g. `sudo sysctl fs.inotify.max_user_watches=524288`, or ignore big directories (`node_modules`) in `develop.watch.ignore` or `.dockerignore`",
        path.display(),
        limit_text(*limit)
    )]
    WatchLimit { path: PathBuf, limit: Option<u64> },
    #[error(
        "cannot start a file watcher: the limit of inotify instances is reached (`fs.inotify.max_user_instances`{}); raise it, e.g. `sudo sysctl fs.inotify.max_user_instances=1024`",
        limit_text(*limit)
    )]
    InstanceLimit { limit: Option<u64> },
    #[error(
        "cannot watch the root directory `/`: point `develop.watch.path` at a project directory"
    )]
    RootDirectory,
    #[error(
        "file events were lost (the inotify queue overflowed, `fs.inotify.max_queued_events`): changes made meanwhile may not be synced"
    )]
    Overflow,
    #[error("cannot watch `{}`: {message}", path.display())]
    Watcher { path: PathBuf, message: String },
    #[error("file watcher failed: {0}")]
    Failed(String),
}

fn limit_text(limit: Option<u64>) -> String {
    limit.map(|value| format!(" = {value}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_sysctl_to_raise() {
        let error = WatchError::WatchLimit {
            path: PathBuf::from("/src/app"),
            limit: Some(8192),
        };
        let text = error.to_string();
        assert!(
            text.starts_with(
                "cannot watch `/src/app`: the limit of inotify watches is reached (`fs.inotify.max_user_watches` = 8192); raise it, e.g. `sudo sysctl fs.inotify.max_user_watches=524288`"
            ),
            "{text}"
        );
        let error = WatchError::InstanceLimit { limit: None };
        assert!(
            error
                .to_string()
                .contains("(`fs.inotify.max_user_instances`)")
        );
    }
}
