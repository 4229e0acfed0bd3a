//! Stage "bind": the canonical JSON document → typed `model::Project` (serde).

use serde_json::Value as Json;

use super::error::Diagnostic;
use crate::model::Project;

/// Binds the canonical document. A failure here is a loader bug, reported with the path.
pub fn bind(canonical: &Json) -> Result<Project, Diagnostic> {
    serde_json::from_value(canonical.clone())
        .map_err(|error| Diagnostic::global(format!("internal error binding the project: {error}")))
}
