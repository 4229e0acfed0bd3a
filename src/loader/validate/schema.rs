//! Schema validation: the tree, as JSON, against the embedded compose-go v2.9.1 schema
//! (`../compose-spec.json`, Apache-2.0, © The Compose Specification Authors).
//! Every schema error becomes a `Diagnostic` at the offending key or value, with our own
//! wording; `oneOf`/`anyOf` failures are reduced to the most relevant alternative.

use std::sync::LazyLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;

use super::super::error::{Diagnostic, suggest};
use super::super::node::{Node, PathSegment, display_path};
use super::messages;

/// The schema text, as shipped by compose-go v2.9.1 (`schema/compose-spec.json`).
const SCHEMA_TEXT: &str = include_str!("../compose-spec.json");

/// The schema as JSON, also read directly to list the keys allowed at a location.
static SCHEMA: LazyLock<Result<Json, String>> =
    LazyLock::new(|| serde_json::from_str(SCHEMA_TEXT).map_err(|error| error.to_string()));

/// The compiled validator, built once per process.
static VALIDATOR: LazyLock<Result<Validator, String>> = LazyLock::new(|| {
    let schema = SCHEMA.as_ref().map_err(Clone::clone)?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(schema)
        .map_err(|error| error.to_string())
});

/// Schema validation of one file's merged tree. Returns every error, sorted by position.
pub fn validate_schema(tree: &Node) -> Result<(), Vec<Diagnostic>> {
    let validator = VALIDATOR.as_ref().map_err(|error| {
        vec![Diagnostic::global(format!(
            "the embedded compose schema cannot be compiled: {error}"
        ))]
    })?;
    let instance = tree.to_json();
    let mut diagnostics = Vec::new();
    for error in validator.iter_errors(&instance) {
        describe(&error, tree, &mut diagnostics);
    }
    if diagnostics.is_empty() {
        return Ok(());
    }
    sort_and_dedup(&mut diagnostics);
    Err(diagnostics)
}

/// Sorts diagnostics by position (unknown positions last) and drops exact repeats.
pub(super) fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by_key(|diagnostic| {
        (
            !diagnostic.span.is_known(),
            diagnostic.span.source,
            diagnostic.span.line,
            diagnostic.span.column,
        )
    });
    let mut seen = Vec::new();
    diagnostics.retain(|diagnostic| {
        let key = (diagnostic.span, diagnostic.message.clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
}

fn instance_path(error: &ValidationError<'_>) -> Vec<PathSegment> {
    error
        .instance_path()
        .segments()
        .map(|segment| match segment {
            LocationSegment::Property(name) => PathSegment::Key(name.into_owned()),
            LocationSegment::Index(index) => PathSegment::Index(index),
        })
        .collect()
}

/// "`services.web.image`", or "the document" for the root.
fn named(path: &[PathSegment]) -> String {
    if path.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{}`", display_path(path))
    }
}

/// Turns one schema error into diagnostics (several for additional properties).
fn describe(error: &ValidationError<'_>, tree: &Node, out: &mut Vec<Diagnostic>) {
    let path = instance_path(error);
    let found = tree.find(&path);
    // An empty value (`web:`) has no text of its own: point at its key.
    let value_span = tree.span_of(&path, found.is_some_and(Node::is_null));
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_keys(error.schema_path().as_str());
            for key in unexpected {
                out.push(unknown_key(tree, &path, key, &allowed));
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(json_type) => {
                    vec![messages::schema_type_name(json_type.as_str()).to_owned()]
                }
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|json_type| messages::schema_type_name(json_type.as_str()).to_owned())
                    .collect(),
            };
            out.push(type_mismatch(&path, &expected, found, value_span));
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|values| values.iter().map(messages::show_value).collect())
                .unwrap_or_default();
            let shown = messages::show_value(error.instance());
            let mut diagnostic = Diagnostic::new(
                format!(
                    "{}: invalid value `{shown}`, expected {}",
                    named(&path),
                    if allowed.len() == 1 {
                        messages::one_of_values(&allowed)
                    } else {
                        format!("one of {}", messages::one_of_values(&allowed))
                    }
                ),
                value_span,
            );
            if let Some(close) = suggest(&shown, allowed.iter().map(String::as_str)) {
                diagnostic = diagnostic.with_hint(format!("did you mean `{close}`?"));
            }
            out.push(diagnostic);
        }
        ValidationErrorKind::Constant { expected_value } => out.push(Diagnostic::new(
            format!(
                "{}: invalid value `{}`, expected `{}`",
                named(&path),
                messages::show_value(error.instance()),
                messages::show_value(expected_value)
            ),
            value_span,
        )),
        ValidationErrorKind::Required { property } => out.push(Diagnostic::new(
            format!(
                "{}: missing required key `{}`",
                named(&path),
                messages::show_value(property)
            ),
            value_span,
        )),
        ValidationErrorKind::Pattern { pattern } => out.push(Diagnostic::new(
            format!(
                "{}: `{}` does not match the pattern `{pattern}`",
                named(&path),
                messages::show_value(error.instance())
            ),
            value_span,
        )),
        ValidationErrorKind::UniqueItems => out.push(duplicate_item(tree, &path, value_span)),
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            describe_alternatives(&path, context, tree, found, value_span, out);
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => out.push(Diagnostic::new(
            format!(
                "{}: the value is ambiguous, it matches more than one allowed form",
                named(&path)
            ),
            value_span,
        )),
        ValidationErrorKind::Minimum { limit } => out.push(Diagnostic::new(
            format!("{}: must be at least {limit}", named(&path)),
            value_span,
        )),
        ValidationErrorKind::Maximum { limit } => out.push(Diagnostic::new(
            format!("{}: must be at most {limit}", named(&path)),
            value_span,
        )),
        ValidationErrorKind::ExclusiveMinimum { limit } => out.push(Diagnostic::new(
            format!("{}: must be greater than {limit}", named(&path)),
            value_span,
        )),
        ValidationErrorKind::ExclusiveMaximum { limit } => out.push(Diagnostic::new(
            format!("{}: must be less than {limit}", named(&path)),
            value_span,
        )),
        ValidationErrorKind::MinItems { limit } => out.push(Diagnostic::new(
            format!(
                "{}: must have at least {limit} item{}",
                named(&path),
                if *limit == 1 { "" } else { "s" }
            ),
            value_span,
        )),
        ValidationErrorKind::MaxItems { limit } => out.push(Diagnostic::new(
            format!("{}: must have at most {limit} items", named(&path)),
            value_span,
        )),
        ValidationErrorKind::MinProperties { limit } => out.push(Diagnostic::new(
            format!(
                "{}: must have at least {limit} key{}",
                named(&path),
                if *limit == 1 { "" } else { "s" }
            ),
            value_span,
        )),
        ValidationErrorKind::MinLength { limit } => out.push(Diagnostic::new(
            format!("{}: must be at least {limit} characters long", named(&path)),
            value_span,
        )),
        _ => out.push(Diagnostic::new(
            format!("{}: {error}", named(&path)).to_lowercase(),
            value_span,
        )),
    }
}

/// "unknown key `foo` in service `web`", at the key, with a suggestion from the schema.
fn unknown_key(tree: &Node, path: &[PathSegment], key: &str, allowed: &[String]) -> Diagnostic {
    let mut key_path = path.to_vec();
    key_path.push(PathSegment::Key(key.to_owned()));
    let span = tree.span_of(&key_path, true);
    // Under `services:`, `networks:`, ... an "additional property" is a badly named entry.
    if let [PathSegment::Key(section)] = path
        && let Some(noun) = messages::resource_noun(section)
    {
        return Diagnostic::new(format!("invalid {noun} name `{key}`"), span)
            .with_hint("names may only contain letters, digits, `.`, `_` and `-`".to_owned());
    }
    let message = if path.is_empty() {
        format!("unknown top-level key `{key}`")
    } else {
        format!(
            "unknown key `{key}` in {}",
            messages::container_description(path)
        )
    };
    let diagnostic = Diagnostic::new(message, span);
    match suggest(key, allowed.iter().map(String::as_str)) {
        Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
        None if key.starts_with("x_") || key.starts_with("X-") => {
            diagnostic.with_hint("extension keys must start with `x-`")
        }
        None => diagnostic,
    }
}

fn type_mismatch(
    path: &[PathSegment],
    expected: &[String],
    found: Option<&Node>,
    span: super::super::Span,
) -> Diagnostic {
    let found_name = found.map_or("nothing", Node::type_name);
    let diagnostic = Diagnostic::new(
        format!(
            "{}: expected {}, found {}",
            named(path),
            messages::type_alternatives(expected),
            messages::with_article(found_name)
        ),
        span,
    );
    let scalar_found = matches!(found_name, "integer" | "number" | "boolean");
    if scalar_found && expected.iter().any(|name| name == "string") {
        diagnostic.with_hint("quote the value to make it a string")
    } else if found_name == "null" {
        diagnostic.with_hint("the value is empty; remove the key or give it a value")
    } else {
        diagnostic
    }
}

/// Points at the second occurrence of a repeated item.
fn duplicate_item(tree: &Node, path: &[PathSegment], span: super::super::Span) -> Diagnostic {
    let items = tree.find(path).and_then(Node::as_seq).unwrap_or_default();
    for (index, item) in items.iter().enumerate() {
        let value = item.to_json();
        if items[..index]
            .iter()
            .any(|earlier| earlier.to_json() == value)
        {
            let mut item_path = path.to_vec();
            item_path.push(PathSegment::Index(index));
            return Diagnostic::new(
                format!(
                    "`{}`: duplicate item `{}`",
                    display_path(&item_path),
                    messages::show_value(&value)
                ),
                item.span,
            );
        }
    }
    Diagnostic::new(format!("{}: items must be unique", named(path)), span)
}

/// The types an alternative expects when every one of its errors says "wrong type here";
/// `None` when the value has the right shape but is wrong inside.
fn type_only_failure(errors: &[ValidationError<'_>], path: &[PathSegment]) -> Option<Vec<String>> {
    if errors.is_empty() {
        return None;
    }
    let mut expected = Vec::new();
    for error in errors {
        if instance_path(error) != path {
            return None;
        }
        match error.kind() {
            ValidationErrorKind::Type { kind } => match kind {
                TypeKind::Single(json_type) => {
                    expected.push(messages::schema_type_name(json_type.as_str()).to_owned());
                }
                TypeKind::Multiple(set) => expected
                    .extend(set.iter().map(|json_type| {
                        messages::schema_type_name(json_type.as_str()).to_owned()
                    })),
            },
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => {
                for branch in context {
                    expected.extend(type_only_failure(branch, path)?);
                }
            }
            _ => return None,
        }
    }
    Some(expected)
}

/// Reduces a failed `oneOf`/`anyOf`: if no alternative accepts the value's type, one type
/// error listing what would be accepted; otherwise the errors of the closest alternative.
fn describe_alternatives(
    path: &[PathSegment],
    context: &[Vec<ValidationError<'static>>],
    tree: &Node,
    found: Option<&Node>,
    span: super::super::Span,
    out: &mut Vec<Diagnostic>,
) {
    let mut expected = Vec::new();
    let mut candidates = Vec::new();
    for branch in context {
        match type_only_failure(branch, path) {
            Some(types) => expected.extend(types),
            None => candidates.push(branch),
        }
    }
    // The closest alternative: the fewest errors, then the deepest one.
    let best = candidates.into_iter().min_by_key(|branch| {
        let depth = branch
            .iter()
            .map(|error| error.instance_path().segments().count())
            .max()
            .unwrap_or(0);
        (branch.len(), usize::MAX - depth)
    });
    match best {
        Some(branch) if !branch.is_empty() => {
            for error in branch {
                describe(error, tree, out);
            }
        }
        _ => out.push(type_mismatch(path, &expected, found, span)),
    }
}

/// The keys the schema object at `schema_path`'s parent declares (for "did you mean").
fn allowed_keys(schema_path: &str) -> Vec<String> {
    let Ok(schema) = SCHEMA.as_ref() else {
        return Vec::new();
    };
    let parent = schema_path
        .strip_suffix("/additionalProperties")
        .unwrap_or(schema_path);
    schema
        .pointer(parent)
        .and_then(|object| object.get("properties"))
        .and_then(Json::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages sorted by text: synthetic trees have no positions to order by.
    fn errors_for(json: &Json) -> Vec<String> {
        let mut messages: Vec<String> = match validate_schema(&Node::from_json(json)) {
            Ok(()) => Vec::new(),
            Err(diagnostics) => diagnostics
                .into_iter()
                .map(|diagnostic| match diagnostic.hint {
                    Some(hint) => format!("{} (hint: {hint})", diagnostic.message),
                    None => diagnostic.message,
                })
                .collect(),
        };
        messages.sort();
        messages
    }

    #[test]
    fn the_embedded_schema_compiles() {
        assert!(VALIDATOR.is_ok(), "{:?}", VALIDATOR.as_ref().err());
    }

    #[test]
    fn accepts_a_valid_document_with_extensions() {
        let document = serde_json::json!({
            "x-common": {"anything": 1},
            "services": {"web": {"image": "nginx", "x-note": "ok", "ports": ["80:80", 81,
                {"target": 82, "x-foo": 1}]}},
            "networks": {"front": null},
        });
        assert_eq!(errors_for(&document), Vec::<String>::new());
    }

    #[test]
    fn unknown_keys_name_their_place_and_suggest() {
        let document = serde_json::json!({
            "servics": {},
            "services": {"web": {"image": "nginx", "prots": ["80"]}},
        });
        assert_eq!(
            errors_for(&document),
            [
                "unknown key `prots` in service `web` (hint: did you mean `ports`?)",
                "unknown top-level key `servics` (hint: did you mean `services`?)",
            ]
        );
    }

    #[test]
    fn nested_unknown_key_and_bad_service_name() {
        let document = serde_json::json!({
            "services": {
                "a b": {"image": "x"},
                "web": {"image": "x", "deploy": {"resources": {"limit": {}}}},
            },
        });
        assert_eq!(
            errors_for(&document),
            [
                "invalid service name `a b` (hint: names may only contain letters, digits, `.`, `_` and `-`)",
                "unknown key `limit` in `services.web.deploy.resources` (hint: did you mean `limits`?)",
            ]
        );
    }

    #[test]
    fn type_errors_and_one_of_reduction() {
        let document = serde_json::json!({
            "services": {"web": {"image": 3, "ports": [[1], {"target": 80, "bogus": 1}]}},
        });
        assert_eq!(
            errors_for(&document),
            [
                "`services.web.image`: expected a string, found an integer (hint: quote the value to make it a string)",
                "`services.web.ports[0]`: expected a number, string or mapping, found a sequence",
                "unknown key `bogus` in `services.web.ports[1]`",
            ]
        );
    }

    #[test]
    fn enum_values_are_listed() {
        let document = serde_json::json!({
            "services": {
                "a": {"image": "x", "depends_on": {"b": {"condition": "service_healthi"}}},
                "b": {"image": "x"},
            },
        });
        assert_eq!(
            errors_for(&document),
            [
                "`services.a.depends_on.b.condition`: invalid value `service_healthi`, expected one of `service_started`, `service_healthy` or `service_completed_successfully` (hint: did you mean `service_healthy`?)"
            ]
        );
    }

    #[test]
    fn unknown_keys_point_at_the_key_and_bad_values_at_the_value() {
        use super::super::super::source::{SourceId, Span};
        let mut tree = Node::from_json(&serde_json::json!({
            "services": {"web": {"image": 3, "prots": 1}},
        }));
        let service = tree
            .get_mut("services")
            .and_then(|services| services.get_mut("web"))
            .and_then(Node::as_map_mut)
            .expect("service mapping");
        let image = service.get_mut("image").expect("image");
        image.key_span = Span::new(SourceId(0), 3, 5);
        image.value.span = Span::new(SourceId(0), 3, 12);
        let unknown = service.get_mut("prots").expect("prots");
        unknown.key_span = Span::new(SourceId(0), 4, 5);
        unknown.value.span = Span::new(SourceId(0), 4, 12);
        let diagnostics = validate_schema(&tree).expect_err("two errors");
        let positions: Vec<(u32, u32)> = diagnostics
            .iter()
            .map(|diagnostic| (diagnostic.span.line, diagnostic.span.column))
            .collect();
        assert_eq!(positions, [(3, 12), (4, 5)]);
    }

    #[test]
    fn top_level_sequence_is_a_type_error() {
        let document = serde_json::json!(["a"]);
        assert_eq!(
            errors_for(&document),
            ["the document: expected a mapping, found a sequence"]
        );
    }
}
