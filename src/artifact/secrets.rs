//! Part of the reference's scan for secrets before `publish` (DefangLabs `secret-detector`,
//! its default scanner): the detectors that recognise a value by its shape — AWS client ids
//! and secret keys, GitHub, Slack, Stripe, npm and SendGrid tokens, JSON Web Tokens, private
//! keys — over the Compose files (flattened to `services.db.environment.KEY` paths), the env
//! files (`KEY`) and the files of configs and secrets (the whole text, key `""`). Not ported:
//! its keyword, high-entropy, URL-password, basic/bearer-auth and other vendor detectors.

use std::fmt::Write as _;
use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;

use crate::loader::node::{Node, Value};

/// One finding: the detector's name, where, and the value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub kind: &'static str,
    pub key: String,
    pub value: String,
}

/// (type, value patterns) as the library names and writes them.
const DETECTORS: &[(&str, &[&str])] = &[
    (
        "AWS Client ID",
        &["(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}"],
    ),
    (
        "AWS Secret Key",
        &[r#"(?:AWS|aws).{0,20}['"][0-9a-zA-Z/+]{40}['"]"#],
    ),
    ("Github authentication", &["gh[pousr]_[A-Za-z0-9_]{36}"]),
    (
        "Slack token",
        &[
            r"(?:(?:xoxe\.)?xox[bp]|xox[aeosr]|xapp)-\d+-[-a-zA-Z0-9]+",
            r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+",
        ],
    ),
    ("Stripe API key", &["[rs]k_(?:live|test)_[0-9a-zA-Z]{24}"]),
    (
        "npm auth token",
        &[r"//\S+/:_authToken=[^${\s]\S+", "npm_[a-zA-Z0-9]{36}"],
    ),
    (
        "Sendgrid API key",
        &[r"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}"],
    ),
    (
        "JSON Web Token",
        &[r"eyJ[A-Za-z0-9\-_=]+\.eyJ[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*"],
    ),
    (
        "Private Key",
        &[
            ".*PuTTY-User-Key-File-.*",
            r"(?:-*BEGIN[ \S]+?PRIVATE KEY(?: BLOCK)?-*)(?:[\S\n]{4,}?)(?:-*END[ \S]+?PRIVATE KEY(?: BLOCK)?-*)",
        ],
    ),
];

/// Each detector's patterns: whole values (`exact`, the library's value regex) and
/// anywhere in a text (`anywhere`).
struct Compiled {
    kind: &'static str,
    exact: Vec<Regex>,
    anywhere: Vec<Regex>,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    DETECTORS
        .iter()
        .map(|(kind, patterns)| Compiled {
            kind,
            exact: patterns
                .iter()
                .filter_map(|pattern| {
                    Regex::new(&format!(
                        r#"(?m)^\s*\[?[\t ]*['"]?(?:{pattern})['"]?[\t ]*\]?[\t ]*;?\s*$"#
                    ))
                    .ok()
                })
                .collect(),
            anywhere: patterns
                .iter()
                .filter_map(|pattern| Regex::new(pattern).ok())
                .collect(),
        })
        .collect()
});

/// Findings in a map of keys to values (a flattened Compose file, an env file).
pub fn scan_values(values: &[(String, String)]) -> Vec<Finding> {
    let mut found = Vec::new();
    for (key, value) in values {
        for detector in COMPILED.iter() {
            if detector.exact.iter().any(|regex| regex.is_match(value))
                && verified(detector.kind, value)
            {
                found.push(Finding {
                    kind: detector.kind,
                    key: key.clone(),
                    value: value.clone(),
                });
            }
        }
    }
    found
}

/// Findings in a text that is not a map (the file of a config or a secret).
pub fn scan_text(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    for detector in COMPILED.iter() {
        for regex in &detector.anywhere {
            for matched in regex.find_iter(text) {
                let value = matched.as_str().trim().to_owned();
                if verified(detector.kind, &value) {
                    found.push(Finding {
                        kind: detector.kind,
                        key: String::new(),
                        value,
                    });
                }
            }
        }
    }
    found
}

/// A Compose file as the library's YAML transformer sees it: `a.b[0].c` paths to scalar
/// texts; `environment` and `labels` lists are read as maps, as the reference's normalised
/// file has them.
pub fn flatten(tree: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten_into(tree, String::new(), &mut out);
    out
}

fn flatten_into(node: &Node, prefix: String, out: &mut Vec<(String, String)>) {
    match &node.value {
        Value::Map(map) => {
            for (key, entry) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_into(&entry.value, path, out);
            }
        }
        Value::Seq(items) => {
            let as_map = prefix.ends_with(".environment") || prefix.ends_with(".labels");
            for (index, item) in items.iter().enumerate() {
                match (as_map, item.as_str()) {
                    (true, Some(text)) => {
                        let (key, value) = text.split_once('=').unwrap_or((text, ""));
                        out.push((format!("{prefix}.{key}"), value.to_owned()));
                    }
                    _ => flatten_into(item, format!("{prefix}[{index}]"), out),
                }
            }
        }
        Value::String(text) => out.push((prefix, text.clone())),
        Value::Null => out.push((prefix, String::new())),
        _ => out.push((prefix, scalar_text(node))),
    }
}

fn scalar_text(node: &Node) -> String {
    match node.to_json() {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    }
}

/// The JSON Web Token detector's check: header and payload decode to JSON objects, and an
/// unsigned token says `"alg": "none"`.
fn verified(kind: &str, value: &str) -> bool {
    if kind != "JSON Web Token" {
        return true;
    }
    let Some(token) = COMPILED
        .iter()
        .find(|detector| detector.kind == kind)
        .and_then(|detector| detector.anywhere[0].find(value))
    else {
        return false;
    };
    let parts: Vec<&str> = token.as_str().split('.').collect();
    let decode = |part: &str| -> Option<serde_json::Map<String, serde_json::Value>> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .or_else(|_| {
                base64::engine::general_purpose::STANDARD_NO_PAD.decode(part.trim_end_matches('='))
            })
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let (Some(header), Some(_)) = (decode(parts[0]), parts.get(1).and_then(|part| decode(part)))
    else {
        return false;
    };
    match parts.len() {
        2 => header.get("alg").and_then(serde_json::Value::as_str) == Some("none"),
        3 => header
            .get("alg")
            .and_then(serde_json::Value::as_str)
            .is_some(),
        _ => false,
    }
}

/// The question the reference asks about the findings (`None` without any).
pub fn question(findings: &[Finding]) -> Option<String> {
    if findings.is_empty() {
        return None;
    }
    let mut text = String::from(
        "you are about to publish sensitive data within your OCI artifact.\nplease double check that you are not leaking sensitive data\n",
    );
    for finding in findings {
        text.push_str(finding.kind);
        text.push('\n');
        let _ = writeln!(text, "{:?}: {}", finding.key, finding.value);
    }
    text.push_str("Are you ok to publish these sensitive data?");
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::source::SourceId;
    use crate::loader::yaml;

    #[test]
    fn shaped_values_are_found_where_the_reference_finds_them() {
        let tree = yaml::parse_document(
            "services:\n  db:\n    image: postgres\n    environment:\n      - POSTGRES_PASSWORD=example\n      - AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n    labels:\n      token: ghp_123456789012345678901234567890123456\n",
            SourceId(0),
        )
        .unwrap();
        let found = scan_values(&flatten(&tree));
        assert_eq!(
            found,
            vec![
                Finding {
                    kind: "AWS Client ID",
                    key: "services.db.environment.AWS_ACCESS_KEY_ID".to_owned(),
                    value: "AKIAABCDEFGHIJKLMNOP".to_owned()
                },
                Finding {
                    kind: "Github authentication",
                    key: "services.db.labels.token".to_owned(),
                    value: "ghp_123456789012345678901234567890123456".to_owned()
                },
            ]
        );
    }

    #[test]
    fn keys_and_tokens_in_plain_files() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw";
        let found = scan_text(&format!(
            "{jwt}\n-----BEGIN DSA PRIVATE KEY-----\nwxyz+ABC=\n-----END DSA PRIVATE KEY-----\n"
        ));
        let kinds: Vec<&str> = found.iter().map(|finding| finding.kind).collect();
        assert_eq!(kinds, ["JSON Web Token", "Private Key"]);
        assert_eq!(found[0].value, jwt);
        assert_eq!(
            found[1].value,
            "-----BEGIN DSA PRIVATE KEY-----\nwxyz+ABC=\n-----END DSA PRIVATE KEY-----"
        );
        assert!(scan_text("password: example\nAPI_TOKEN=8f3kd92jf83kd92kf83kd9\n").is_empty());
    }
}
