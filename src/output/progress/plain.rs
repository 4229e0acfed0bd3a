//! `--progress plain`: one line per event, no cursor movement, no colour; what CI logs get.
//! Same bytes as the reference's `pkg/progress/plain.go`.

use crate::output::events::ProgressEvent;

/// The reference's dry-run prefix (`api.DRYRUN_PREFIX`).
pub const DRY_RUN_PREFIX: &str = " DRY-RUN MODE - ";

/// Renders events as lines.
#[derive(Debug, Clone, Default)]
pub struct PlainRenderer {
    pub dry_run: bool,
}

impl PlainRenderer {
    pub fn new(dry_run: bool) -> Self {
        Self { dry_run }
    }

    /// ` Container p-web-1  Created`: the reference prints prefix, id, text and status
    /// separated by single spaces (Go's `Println`), with an empty prefix and an empty text,
    /// hence the leading space and the double space.
    pub fn on_event(&self, event: &ProgressEvent) -> String {
        let prefix = if self.dry_run { DRY_RUN_PREFIX } else { "" };
        format!(
            "{prefix} {} {} {}\n",
            event.resource,
            event.text(),
            event.status_text()
        )
    }

    /// A free line printed as is.
    pub fn tail(&self, message: &str) -> String {
        if self.dry_run {
            format!("{DRY_RUN_PREFIX}{message}\n")
        } else {
            format!("{message}\n")
        }
    }
}
