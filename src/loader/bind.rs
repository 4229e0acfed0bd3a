//! Stage "bind": the canonical JSON document → typed `model::Project` (serde).
//! The canonical document has the shape `docker compose config --format json` prints
//! (long syntax everywhere); anything the reference prints binds. A value the schema lets
//! through but the typed model refuses (`retries: -1`) is reported at its position.

use serde_json::Value as Json;

use super::error::Diagnostic;
use super::node::{Node, PathSegment, display_path};
use super::source::Span;
use crate::model::{Project, ServiceConfig};

/// Binds the canonical document (errors without positions).
pub fn bind(canonical: &Json) -> Result<Project, Diagnostic> {
    bind_tree(canonical, &Node::from_json(canonical))
}

/// Binds the canonical document; `tree` is the node tree it was made from (for positions).
pub fn bind_tree(canonical: &Json, tree: &Node) -> Result<Project, Diagnostic> {
    serde_json::from_value(canonical.clone()).map_err(|error| {
        let binds = |document: &Json| serde_json::from_value::<Project>(document.clone()).is_ok();
        let path = culprit(canonical, Vec::new(), &binds);
        // The culprit is a value inside a service or a resource: name it and point at it.
        if path.len() > 2 {
            let span = span_at(tree, &path);
            let message = format!(
                "`{}`: {}",
                display_path(&path),
                plain_words(&error.to_string())
            );
            return match span {
                Some(span) => Diagnostic::new(message, span),
                None => Diagnostic::global(message),
            };
        }
        let location = locate(canonical).unwrap_or_else(|| "the project".to_owned());
        Diagnostic::global(format!("internal error binding {location}: {error}"))
    })
}

/// serde's Rust type names in words a compose user reads.
fn plain_words(message: &str) -> String {
    [
        ("expected u64", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected u16", "expected a non-negative integer"),
        ("expected u8", "expected a non-negative integer"),
        ("expected i64", "expected an integer"),
        ("expected i32", "expected an integer"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
    ]
    .iter()
    .fold(message.to_owned(), |text, (from, to)| {
        if text.ends_with(from) {
            format!("{}{to}", &text[..text.len() - from.len()])
        } else {
            text
        }
    })
}

/// The deepest path whose removal makes `document` bind (delta debugging, one value at a
/// time); `path` itself when removing no single child of it helps.
fn culprit(
    document: &Json,
    path: Vec<PathSegment>,
    binds: &dyn Fn(&Json) -> bool,
) -> Vec<PathSegment> {
    let children: Vec<PathSegment> = match value_at(document, &path) {
        Some(Json::Object(map)) => map.keys().cloned().map(PathSegment::Key).collect(),
        Some(Json::Array(items)) => (0..items.len()).map(PathSegment::Index).collect(),
        _ => return path,
    };
    for child in children {
        let mut probe = document.clone();
        let mut child_path = path.clone();
        child_path.push(child);
        remove_at(&mut probe, &child_path);
        if binds(&probe) {
            return culprit(document, child_path, binds);
        }
    }
    path
}

fn value_at<'a>(document: &'a Json, path: &[PathSegment]) -> Option<&'a Json> {
    path.iter()
        .try_fold(document, |value, segment| match segment {
            PathSegment::Key(key) => value.get(key),
            PathSegment::Index(index) => value.get(index),
        })
}

fn remove_at(document: &mut Json, path: &[PathSegment]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let parent = parent_path
        .iter()
        .try_fold(document, |value, segment| match segment {
            PathSegment::Key(key) => value.get_mut(key),
            PathSegment::Index(index) => value.get_mut(index),
        });
    match (parent, last) {
        (Some(Json::Object(map)), PathSegment::Key(key)) => {
            map.remove(key);
        }
        (Some(Json::Array(items)), PathSegment::Index(index)) if *index < items.len() => {
            items.remove(*index);
        }
        _ => {}
    }
}

/// The position of the node at `path`, or of its nearest ancestor that has one.
fn span_at(tree: &Node, path: &[PathSegment]) -> Option<Span> {
    let mut node = tree;
    let mut best = None;
    for segment in path {
        let next = match segment {
            PathSegment::Key(key) => node.as_map().and_then(|map| map.get(key)).map(|entry| {
                if entry.key_span.is_known() {
                    best = Some(entry.key_span);
                }
                &entry.value
            }),
            PathSegment::Index(index) => node.as_seq().and_then(|items| items.get(*index)),
        };
        let Some(next) = next else {
            break;
        };
        if next.span.is_known() {
            best = Some(next.span);
        }
        node = next;
    }
    best
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
    fn names_the_value_that_does_not_bind() {
        let document: Json = serde_json::from_str(
            r#"{"name": "p", "services": {"ok": {}, "web": {"ports": ["80:80"]}}}"#,
        )
        .unwrap();
        let error = bind(&document).unwrap_err();
        assert!(
            error
                .message
                .starts_with("`services.web.ports[0]`: invalid type: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn several_bad_values_name_the_service() {
        let document: Json = serde_json::from_str(
            r#"{"name": "p", "services": {"web": {"ports": ["80:80"], "scale": "x"}}}"#,
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
    fn a_value_the_model_refuses_is_reported_at_its_position() {
        let text = "services:\n  web:\n    image: x\n    healthcheck:\n      retries: -1\n";
        let tree = crate::loader::yaml::parse_document(text, crate::loader::SourceId(0)).unwrap();
        let error = bind_tree(&tree.to_json(), &tree).unwrap_err();
        assert_eq!(
            error.message,
            "`services.web.healthcheck.retries`: invalid value: integer `-1`, expected a non-negative integer"
        );
        assert_eq!((error.span.line, error.span.column), (5, 16));
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
