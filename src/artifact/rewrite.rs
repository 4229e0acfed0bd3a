//! What `publish` does to each Compose file before it becomes a layer (the reference's
//! `processFile` and `transform.Replace*`): every `env_file` path and every local
//! `extends.file` is replaced, in the text as written, by the name the file gets inside the
//! artifact (`sha256(absolute path)` + `.env` / `.yaml`), so the published files refer to
//! each other and to nothing on the publisher's disk. The rest of the text is kept byte for
//! byte. Paths are interpolated and made absolute against the project directory first.

use std::collections::BTreeMap;
use std::path::Path;

use super::format::hashed_name;
use crate::loader::discover::absolute;
use crate::loader::node::Node;
use crate::loader::source::SourceId;
use crate::loader::{interpolate, yaml};

/// One file the rewritten text now refers to by its artifact name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referenced {
    /// The absolute path on this machine.
    pub path: String,
    /// The name inside the artifact (`<sha256>.env`, `<sha256>.yaml`).
    pub name: String,
}

/// A Compose file made ready for publishing.
#[derive(Debug, Clone, Default)]
pub struct Rewritten {
    pub text: String,
    pub env_files: Vec<Referenced>,
    /// `extends.file`s that exist on this machine (others are remote and left alone).
    pub extends_files: Vec<Referenced>,
}

/// Rewrites `text` (a Compose file of the project in `working_dir`); `exists` tells whether
/// an extended file is on this machine.
pub fn rewrite(
    text: &str,
    working_dir: &Path,
    environment: &BTreeMap<String, String>,
    exists: &dyn Fn(&Path) -> bool,
) -> Result<Rewritten, String> {
    let tree = yaml::parse_document(text, SourceId(0)).map_err(|error| error.message)?;
    let mut warnings = Vec::new();
    let tree =
        interpolate::interpolate_tree(tree.clone(), environment, &mut warnings).unwrap_or(tree);
    // (line, column, replacement), applied bottom-up so positions stay valid.
    let mut edits: Vec<(u32, u32, String)> = Vec::new();
    let mut out = Rewritten::default();
    if let Some(services) = tree.get("services").and_then(Node::as_map) {
        for (_, entry) in services {
            let service = &entry.value;
            for node in env_file_nodes(service) {
                let Some(value) = node.as_str() else { continue };
                let path = absolute(working_dir, Path::new(value))
                    .display()
                    .to_string();
                let name = hashed_name(&path, "env");
                edits.push((node.span.line, node.span.column, name.clone()));
                out.env_files.push(Referenced { path, name });
            }
            let Some(file) = service
                .get("extends")
                .and_then(|extends| extends.get("file"))
            else {
                continue;
            };
            let Some(value) = file.as_str().filter(|value| !value.is_empty()) else {
                continue;
            };
            let path = absolute(working_dir, Path::new(value));
            if !exists(&path) {
                continue;
            }
            let path = path.display().to_string();
            let name = hashed_name(&path, "yaml");
            edits.push((file.span.line, file.span.column, name.clone()));
            out.extends_files.push(Referenced { path, name });
        }
    }
    edits.sort_by_key(|edit| std::cmp::Reverse((edit.0, edit.1)));
    let mut text = text.to_owned();
    for (line, column, replacement) in edits {
        text = replace_scalar(&text, line, column, &replacement);
    }
    out.text = text;
    Ok(out)
}

/// The `env_file` scalars of a service: a string, a list of strings, or of `{path: …}`.
fn env_file_nodes(service: &Node) -> Vec<&Node> {
    let Some(env_file) = service.get("env_file") else {
        return Vec::new();
    };
    if let Some(items) = env_file.as_seq() {
        items
            .iter()
            .filter_map(|item| {
                if item.as_map().is_some() {
                    item.get("path")
                } else {
                    Some(item)
                }
            })
            .collect()
    } else {
        vec![env_file]
    }
}

/// Replaces the scalar at `line`:`column` (1-based, in characters) by `value`. As the
/// reference, a plain scalar in block context runs to the end of the line; a quoted one
/// ends at its closing quote and one in a flow collection at the next `,`, `]` or `}`
/// (where the reference cuts the rest of the line and breaks the file).
fn replace_scalar(text: &str, line: u32, column: u32, value: &str) -> String {
    let mut offset = 0;
    for (index, current) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line as usize {
            let content = current.trim_end_matches(['\n', '\r']);
            let start = content
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map_or(content.len(), |(byte, _)| byte);
            let rest = &content[start..];
            let length = if let Some(quote @ ('"' | '\'')) = rest.chars().next() {
                rest[1..].find(quote).map_or(rest.len(), |end| end + 2)
            } else if content[..start].contains(['[', '{']) {
                rest.find([',', ']', '}'])
                    .map_or(rest.len(), |end| rest[..end].trim_end().len())
            } else {
                rest.len()
            };
            let begin = offset + start;
            let mut out = String::with_capacity(text.len() + value.len());
            out.push_str(&text[..begin]);
            out.push_str(value);
            out.push_str(&text[begin + length..]);
            return out;
        }
        offset += current.len();
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Rewritten {
        rewrite(text, Path::new("/p"), &BTreeMap::new(), &|_| true).unwrap()
    }

    #[test]
    fn env_files_take_their_hashed_names() {
        let out = run(
            "services:\n  a:\n    image: x\n    env_file:\n      - x.env\n      - path: ./y.env\n        required: false\n",
        );
        let x = hashed_name("/p/x.env", "env");
        let y = hashed_name("/p/y.env", "env");
        assert_eq!(
            out.text,
            format!(
                "services:\n  a:\n    image: x\n    env_file:\n      - {x}\n      - path: {y}\n        required: false\n"
            )
        );
        assert_eq!(out.env_files.len(), 2);
        assert_eq!(out.env_files[0].path, "/p/x.env");
    }

    #[test]
    fn flow_lists_and_quotes_stay_valid() {
        let out = run("services:\n  a:\n    env_file: [ x.env, \"y.env\" ] # c\n");
        let x = hashed_name("/p/x.env", "env");
        let y = hashed_name("/p/y.env", "env");
        assert_eq!(
            out.text,
            format!("services:\n  a:\n    env_file: [ {x}, {y} ] # c\n")
        );
    }

    #[test]
    fn extends_files_on_disk_are_renamed() {
        let out = run(
            "services:\n  a:\n    extends:\n      file: base.yaml   # comment\n      service: b\n",
        );
        let name = hashed_name("/p/base.yaml", "yaml");
        assert_eq!(
            out.text,
            format!("services:\n  a:\n    extends:\n      file: {name}\n      service: b\n")
        );
        let remote = rewrite(
            "services:\n  a:\n    extends:\n      file: base.yaml\n      service: b\n",
            Path::new("/p"),
            &BTreeMap::new(),
            &|_| false,
        )
        .unwrap();
        assert!(remote.extends_files.is_empty());
        assert!(remote.text.contains("file: base.yaml"));
    }

    #[test]
    fn paths_are_interpolated_before_they_are_hashed() {
        let environment: BTreeMap<String, String> =
            std::iter::once(("STAGE".to_owned(), "prod".to_owned())).collect();
        let out = rewrite(
            "services:\n  a:\n    env_file: ${STAGE}.env\n",
            Path::new("/p"),
            &environment,
            &|_| true,
        )
        .unwrap();
        let name = hashed_name("/p/prod.env", "env");
        assert_eq!(out.text, format!("services:\n  a:\n    env_file: {name}\n"));
        assert_eq!(out.env_files[0].path, "/p/prod.env");
    }
}
