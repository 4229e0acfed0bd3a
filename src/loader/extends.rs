//! Stage "extends": `extends: svc` / `{service, file}` — clone the base service and merge
//! the local definition over it (compose-go `loader/extends.go`). Chains and cycles.
//! STUB: passes the tree through unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::Diagnostic;
use super::node::Node;
use super::source::Sources;

/// What `extends` needs to load other files.
pub struct ExtendsContext<'a> {
    pub file_path: &'a Path,
    pub working_dir: &'a Path,
    pub environment: &'a BTreeMap<String, String>,
    pub skip_interpolation: bool,
}

pub fn apply_extends(
    tree: Node,
    context: &ExtendsContext<'_>,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let _ = (context, sources, warnings);
    Ok(tree)
}
