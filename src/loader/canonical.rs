//! Stages "canonical", "defaults", "normalize", "resolve paths" and "resolve environment":
//! short syntaxes to long ones, defaults filled in, names of networks/volumes, relative paths
//! made absolute — the document `docker compose config` prints (compose-go `transform/`,
//! `loader/normalize.go`, `paths/`).
//! STUB: passes the tree through unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use super::SkipStages;
use super::error::Diagnostic;
use super::node::Node;
use super::source::Sources;

/// Per-file short → long syntax (compose-go `transform.Canonical`).
pub fn canonical(tree: Node, skip_interpolation: bool) -> Node {
    let _ = skip_interpolation;
    tree
}

/// What normalisation needs to know about the project.
pub struct NormalizeContext<'a> {
    pub project_name: &'a str,
    pub working_dir: &'a Path,
    pub environment: &'a BTreeMap<String, String>,
    pub skip: SkipStages,
}

/// Defaults, normalisation and path resolution on the merged tree.
pub fn defaults_and_normalize(
    tree: Node,
    context: &NormalizeContext<'_>,
) -> Result<Node, Vec<Diagnostic>> {
    let _ = context;
    Ok(tree)
}

/// Reads `env_file`s into `environment` and resolves bare `KEY` entries from the environment.
pub fn resolve_service_environment(
    tree: Node,
    context: &NormalizeContext<'_>,
    sources: &mut Sources,
) -> Result<Node, Vec<Diagnostic>> {
    let _ = (context, sources);
    Ok(tree)
}
