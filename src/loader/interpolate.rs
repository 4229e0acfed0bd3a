//! Stage "interpolate": `${VAR}` expressions in every string value of one file's tree
//! (compose-go `interpolation/interpolation.go` + `template/template.go`), then the casts of
//! strings to the types the schema expects at known paths (`loader/interpolate.go`).
//! Mapping keys are never interpolated. Also `config --variables` (extract + render).

pub mod template;
mod variables;

use std::collections::BTreeMap;

use indexmap::map::MutableKeys;

pub use variables::{Variable, extract_variables, render_variables_json, render_variables_table};

use self::template::{Resolver, TemplateError};
use super::dotenv::missing_message;
use super::error::Diagnostic;
use super::node::{Node, PathSegment, Value, display_path};

/// Interpolates every string value of `tree` against `environment`. Unset variables add one
/// warning per name (the first string that used it); every error in the tree is returned.
pub fn interpolate_tree(
    tree: Node,
    environment: &BTreeMap<String, String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let mut walker = Walker {
        environment,
        warnings,
        errors: Vec::new(),
        path: Vec::new(),
    };
    let tree = walker.node(tree);
    if walker.errors.is_empty() {
        Ok(tree)
    } else {
        Err(walker.errors)
    }
}

struct Walker<'a> {
    environment: &'a BTreeMap<String, String>,
    warnings: &'a mut Vec<Diagnostic>,
    errors: Vec<Diagnostic>,
    path: Vec<PathSegment>,
}

struct TreeResolver<'a> {
    environment: &'a BTreeMap<String, String>,
    unset: Vec<String>,
}

impl Resolver for TreeResolver<'_> {
    fn lookup(&mut self, name: &str) -> Option<String> {
        self.environment.get(name).cloned()
    }

    fn unset(&mut self, name: &str) {
        self.unset.push(name.to_owned());
    }
}

impl Walker<'_> {
    fn node(&mut self, node: Node) -> Node {
        let Node { value, span, tag } = node;
        let value = match value {
            Value::String(text) => self.string(text, span),
            Value::Seq(items) => Value::Seq(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| {
                        self.path.push(PathSegment::Index(index));
                        let item = self.node(item);
                        self.path.pop();
                        item
                    })
                    .collect(),
            ),
            Value::Map(mut map) => {
                // In place: the key lends itself to the path and comes back unchanged, so
                // the mapping is not rebuilt (nor rehashed).
                for (key, entry) in map.iter_mut2() {
                    self.path.push(PathSegment::Key(std::mem::take(key)));
                    let value = std::mem::replace(&mut entry.value, Node::synthetic(Value::Null));
                    entry.value = self.node(value);
                    let Some(PathSegment::Key(name)) = self.path.pop() else {
                        unreachable!("the walker pops what it pushed")
                    };
                    *key = name;
                }
                Value::Map(map)
            }
            other => other,
        };
        Node { value, span, tag }
    }

    fn string(&mut self, text: String, span: super::source::Span) -> Value {
        let mut resolver = TreeResolver {
            environment: self.environment,
            unset: Vec::new(),
        };
        let result = template::substitute(&text, &mut resolver);
        for name in resolver.unset {
            let message = unset_message(&name);
            if !self
                .warnings
                .iter()
                .any(|warning| warning.message == message)
            {
                self.warnings.push(Diagnostic::new(message, span));
            }
        }
        // Only errors name the path; most strings have none.
        let path = || display_path(&self.path);
        let value = match result {
            Ok(value) => value,
            Err(TemplateError::Invalid { template }) => {
                self.errors.push(
                    Diagnostic::new(
                        format!("invalid interpolation format for {}: `{template}`", path()),
                        span,
                    )
                    .with_hint("you may need to escape any `$` with another `$`"),
                );
                return Value::String(text);
            }
            Err(TemplateError::MissingRequired { variable, reason }) => {
                self.errors.push(Diagnostic::new(
                    format!(
                        "error while interpolating {}: {}",
                        path(),
                        missing_message(&variable, &reason)
                    ),
                    span,
                ));
                return Value::String(text);
            }
        };
        let Some(cast) = cast_for(&self.path) else {
            return Value::String(value);
        };
        match cast.apply(&value) {
            Ok((cast_value, warning)) => {
                if let Some(warning) = warning {
                    self.warnings.push(Diagnostic::new(warning, span));
                }
                cast_value
            }
            Err(expected) => {
                self.errors.push(Diagnostic::new(
                    format!(
                        "error while interpolating {}: failed to cast to expected type: `{value}` is not {expected}",
                        path()
                    ),
                    span,
                ));
                Value::String(value)
            }
        }
    }
}

/// The warning for a variable used without a value (the reference: `The "X" variable is not
/// set. Defaulting to a blank string.`).
pub fn unset_message(name: &str) -> String {
    format!("the `{name}` variable is not set, defaulting to a blank string")
}

/// The type a string is cast to after interpolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cast {
    /// Go `strconv.Atoi` / `ParseInt(s, 10, 64)`.
    Integer,
    /// Go `strconv.ParseFloat(s, 64)`.
    Float,
    /// Go `strconv.ParseFloat(s, 32)` (`cpus`): the value keeps single precision.
    Float32,
    /// compose-go `toBoolean`.
    Boolean,
}

/// compose-go v2.9.1 `interpolateTypeCastMapping`; `*` matches any key or index, `[]` any index.
const CASTS: &[(&[&str], Cast)] = &[
    (&["services", "*", "cpu_count"], Cast::Integer),
    (&["services", "*", "cpu_percent"], Cast::Float),
    (&["services", "*", "cpu_period"], Cast::Integer),
    (&["services", "*", "cpu_quota"], Cast::Integer),
    (&["services", "*", "cpu_rt_period"], Cast::Integer),
    (&["services", "*", "cpu_rt_runtime"], Cast::Integer),
    (&["services", "*", "cpus"], Cast::Float32),
    (&["services", "*", "cpu_shares"], Cast::Integer),
    (&["services", "*", "init"], Cast::Boolean),
    (&["services", "*", "deploy", "replicas"], Cast::Integer),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        Cast::Integer,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "rollback_config", "parallelism"],
        Cast::Integer,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "rollback_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "restart_policy", "max_attempts"],
        Cast::Integer,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "placement",
            "max_replicas_per_node",
        ],
        Cast::Integer,
    ),
    (&["services", "*", "healthcheck", "retries"], Cast::Integer),
    (&["services", "*", "healthcheck", "disable"], Cast::Boolean),
    (&["services", "*", "oom_kill_disable"], Cast::Boolean),
    (&["services", "*", "oom_score_adj"], Cast::Integer),
    (&["services", "*", "pids_limit"], Cast::Integer),
    (&["services", "*", "ports", "[]", "target"], Cast::Integer),
    (&["services", "*", "privileged"], Cast::Boolean),
    (&["services", "*", "read_only"], Cast::Boolean),
    (&["services", "*", "scale"], Cast::Integer),
    (&["services", "*", "stdin_open"], Cast::Boolean),
    (&["services", "*", "tty"], Cast::Boolean),
    (&["services", "*", "ulimits", "*"], Cast::Integer),
    (&["services", "*", "ulimits", "*", "hard"], Cast::Integer),
    (&["services", "*", "ulimits", "*", "soft"], Cast::Integer),
    (
        &["services", "*", "volumes", "[]", "read_only"],
        Cast::Boolean,
    ),
    (
        &["services", "*", "volumes", "[]", "volume", "nocopy"],
        Cast::Boolean,
    ),
    // Not in the reference's table: its `EnvFile` decoder applies the same `toBoolean`
    // (`required: "false"`, `no`, `${R:-false}` are false; `maybe` is an error).
    (
        &["services", "*", "env_file", "[]", "required"],
        Cast::Boolean,
    ),
    (&["networks", "*", "external"], Cast::Boolean),
    (&["networks", "*", "internal"], Cast::Boolean),
    (&["networks", "*", "attachable"], Cast::Boolean),
    (&["networks", "*", "enable_ipv4"], Cast::Boolean),
    (&["networks", "*", "enable_ipv6"], Cast::Boolean),
    (&["volumes", "*", "external"], Cast::Boolean),
    (&["secrets", "*", "external"], Cast::Boolean),
    (&["configs", "*", "external"], Cast::Boolean),
];

fn cast_for(path: &[PathSegment]) -> Option<Cast> {
    CASTS.iter().find_map(|(pattern, cast)| {
        let matches = pattern.len() == path.len()
            // From the end: the last segment tells most patterns apart.
            && pattern
                .iter()
                .zip(path)
                .rev()
                .all(|(part, segment)| match (*part, segment) {
                    ("*", _) | ("[]", PathSegment::Index(_)) => true,
                    (literal, PathSegment::Key(key)) => literal == key,
                    _ => false,
                });
        matches.then_some(*cast)
    })
}

impl Cast {
    /// The typed value and an optional warning, or the expected type's description.
    fn apply(self, text: &str) -> Result<(Value, Option<String>), &'static str> {
        match self {
            Self::Integer => text
                .parse::<i64>()
                .map(|number| (Value::Int(number), None))
                .map_err(|_| "an integer"),
            Self::Float => parse_float::<f64>(text)
                .map(|number| (Value::Float(number), None))
                .ok_or("a number"),
            Self::Float32 => parse_float::<f32>(text)
                .map(|number| {
                    // Keep what Go prints for a float32 (`0.1`, not `0.100000001490116`).
                    let shortest = number.to_string().parse::<f64>().unwrap_or(f64::NAN);
                    (Value::Float(shortest), None)
                })
                .ok_or("a number"),
            Self::Boolean => to_boolean(text).ok_or("a boolean (`true` or `false`)"),
        }
    }
}

/// Go's `ParseFloat`: overflow to infinity is an error unless infinity was written.
fn parse_float<T: std::str::FromStr + Into<f64> + Copy>(text: &str) -> Option<T> {
    let number = text.parse::<T>().ok()?;
    let written_infinity = text.to_ascii_lowercase().contains("inf");
    (number.into().is_finite() || written_infinity || number.into().is_nan()).then_some(number)
}

/// compose-go `toBoolean`: YAML 1.1 words are accepted with a warning.
fn to_boolean(text: &str) -> Option<(Value, Option<String>)> {
    let (flag, deprecated) = match text.to_lowercase().as_str() {
        "true" => (true, false),
        "false" => (false, false),
        "y" | "yes" | "on" => (true, true),
        "n" | "no" | "off" => (false, true),
        _ => return None,
    };
    let warning = deprecated
        .then(|| format!("`{text}` for boolean is not supported by YAML 1.2, please use `{flag}`"));
    Some((Value::Bool(flag), warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> PathSegment {
        PathSegment::Key(name.into())
    }

    #[test]
    fn env_file_required_is_cast_like_a_boolean() {
        let mut warnings = Vec::new();
        let tree = Node::from_json(&serde_json::json!({"services": {"web": {"env_file": [
            {"path": "a.env", "required": "false"},
            {"path": "b.env", "required": "no"},
        ]}}}));
        let tree = interpolate_tree(tree, &BTreeMap::new(), &mut warnings).unwrap();
        let files = &tree.to_json()["services"]["web"]["env_file"];
        assert_eq!(files[0]["required"], serde_json::json!(false));
        assert_eq!(files[1]["required"], serde_json::json!(false));
        assert_eq!(warnings.len(), 1, "`no` is deprecated YAML 1.1");
        let tree = Node::from_json(&serde_json::json!({"services": {"web": {"env_file": [
            {"path": "a.env", "required": "maybe"},
        ]}}}));
        let errors = interpolate_tree(tree, &BTreeMap::new(), &mut warnings).unwrap_err();
        assert!(
            errors[0]
                .message
                .starts_with("error while interpolating services.web.env_file[0].required"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn cast_paths_follow_the_reference_table() {
        let path = [key("services"), key("web"), key("privileged")];
        assert_eq!(cast_for(&path), Some(Cast::Boolean));
        let path = [
            key("services"),
            key("web"),
            key("ports"),
            PathSegment::Index(0),
            key("target"),
        ];
        assert_eq!(cast_for(&path), Some(Cast::Integer));
        let path = [key("services"), key("web"), key("ulimits"), key("nofile")];
        assert_eq!(cast_for(&path), Some(Cast::Integer));
        let path = [key("services"), key("web"), key("image")];
        assert_eq!(cast_for(&path), None);
        let path = [
            key("services"),
            key("web"),
            key("ports"),
            key("x"),
            key("target"),
        ];
        assert_eq!(cast_for(&path), None);
    }

    #[test]
    fn casts_accept_what_go_accepts() {
        assert_eq!(Cast::Integer.apply("+7"), Ok((Value::Int(7), None)));
        assert!(Cast::Integer.apply("1_000").is_err());
        assert!(Cast::Integer.apply(" 1").is_err());
        assert_eq!(Cast::Float32.apply("0.1"), Ok((Value::Float(0.1), None)));
        assert!(Cast::Float.apply("1e400").is_err());
        assert_eq!(Cast::Boolean.apply("TRUE"), Ok((Value::Bool(true), None)));
        let (value, warning) = Cast::Boolean.apply("Off").expect("off is a boolean");
        assert_eq!(value, Value::Bool(false));
        assert_eq!(
            warning.as_deref(),
            Some("`Off` for boolean is not supported by YAML 1.2, please use `false`")
        );
        assert!(Cast::Boolean.apply("1").is_err());
    }
}
