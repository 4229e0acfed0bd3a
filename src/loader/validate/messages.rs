//! Wording shared by the validation checks: type names with articles, lists of values,
//! and how a location in the document is named ("service `web`", "`services.web.ports[0]`").
//! Pure string helpers; no knowledge of the schema or the tree.

use super::super::node::{PathSegment, display_path};

/// "a string", "an integer", "null": a type name as a noun phrase.
pub fn with_article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_owned(),
        name if name.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {name}"),
        name => format!("a {name}"),
    }
}

/// The YAML-flavoured name of a JSON schema type (`object` is a mapping here).
pub fn schema_type_name(json_type: &str) -> &str {
    match json_type {
        "object" => "mapping",
        "array" => "sequence",
        other => other,
    }
}

/// "a string or number", "a string, number or mapping".
pub fn type_alternatives(type_names: &[String]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for name in type_names {
        // "integer" is implied by "number".
        if name == "integer" && type_names.iter().any(|other| other == "number") {
            continue;
        }
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    match names.as_slice() {
        [] => "a different type".to_owned(),
        [single] => with_article(single),
        [first, rest @ ..] => {
            let mut text = with_article(first);
            for (index, name) in rest.iter().enumerate() {
                text.push_str(if index + 1 == rest.len() {
                    " or "
                } else {
                    ", "
                });
                text.push_str(name);
            }
            text
        }
    }
}

/// "`a`, `b` or `c`".
pub fn one_of_values(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [single] => single.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// How a scalar value is shown inside backticks.
pub fn show_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The top-level sections whose entries are named resources, with the singular noun.
pub fn resource_noun(section: &str) -> Option<&'static str> {
    match section {
        "services" => Some("service"),
        "networks" => Some("network"),
        "volumes" => Some("volume"),
        "secrets" => Some("secret"),
        "configs" => Some("config"),
        "models" => Some("model"),
        _ => None,
    }
}

/// Where a key lives, for "unknown key `foo` in ...": "service `web`", "the top level",
/// "`services.web.deploy`".
pub fn container_description(path: &[PathSegment]) -> String {
    match path {
        [] => "the top level".to_owned(),
        [PathSegment::Key(section), PathSegment::Key(name)] => match resource_noun(section) {
            Some(noun) => format!("{noun} `{name}`"),
            None => format!("`{}`", display_path(path)),
        },
        _ => format!("`{}`", display_path(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases() {
        assert_eq!(with_article("integer"), "an integer");
        assert_eq!(with_article("mapping"), "a mapping");
        assert_eq!(
            type_alternatives(&["string".into(), "number".into(), "integer".into()]),
            "a string or number"
        );
        assert_eq!(
            type_alternatives(&["string".into(), "number".into(), "mapping".into()]),
            "a string, number or mapping"
        );
        assert_eq!(
            one_of_values(&["a".into(), "b".into(), "c".into()]),
            "`a`, `b` or `c`"
        );
        assert_eq!(
            container_description(&[
                PathSegment::Key("services".into()),
                PathSegment::Key("web".into())
            ]),
            "service `web`"
        );
    }
}
