//! Stage "bind": the canonical JSON document → typed `model::Project` (serde).
//! The canonical document has the shape `docker compose config --format json` prints
//! (long syntax everywhere); anything the reference prints binds.

use serde_json::Value as Json;

use super::error::Diagnostic;
use crate::model::{Project, ServiceConfig};

/// Binds the canonical document. A failure here is a loader bug (a short syntax the
/// canonical stage did not expand), reported with the service or section at fault.
pub fn bind(canonical: &Json) -> Result<Project, Diagnostic> {
    serde_json::from_value(canonical.clone()).map_err(|error| {
        let location = locate(canonical).unwrap_or_else(|| "the project".to_owned());
        Diagnostic::global(format!("internal error binding {location}: {error}"))
    })
}

/// Names the first service or top-level section that does not bind on its own.
fn locate(canonical: &Json) -> Option<String> {
    let document = canonical.as_object()?;
    if let Some(services) = document.get("services").and_then(Json::as_object) {
        for (name, service) in services {
            if serde_json::from_value::<ServiceConfig>(service.clone()).is_err() {
                return Some(format!("service `{name}`"));
            }
        }
    }
    for section in ["networks", "volumes", "secrets", "configs", "models"] {
        if let Some(value) = document.get(section) {
            let mut probe = serde_json::Map::new();
            probe.insert(section.to_owned(), value.clone());
            if serde_json::from_value::<Project>(Json::Object(probe)).is_err() {
                return Some(format!("`{section}`"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_service_that_does_not_bind() {
        let document: Json = serde_json::from_str(
            r#"{"name": "p", "services": {"ok": {}, "web": {"ports": ["80:80"]}}}"#,
        )
        .unwrap();
        let error = bind(&document).unwrap_err();
        assert!(
            error
                .message
                .starts_with("internal error binding service `web`: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn binds_a_canonical_document() {
        let document: Json = serde_json::from_str(
            r#"{"name": "p", "services": {"web": {"command": null, "entrypoint": null, "image": "nginx"}}}"#,
        )
        .unwrap();
        let project = bind(&document).unwrap();
        assert_eq!(project.services["web"].image, "nginx");
    }
}
