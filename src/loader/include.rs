//! Stage "include": top-level `include` entries, each loaded as its own project (own
//! directory and `.env`) and its resources copied in (compose-go `loader/include.go`).
//! STUB: passes the tree through unchanged.

use std::path::Path;

use super::LoadOptions;
use super::discover::Discovered;
use super::error::Diagnostic;
use super::node::Node;
use super::source::Sources;

pub fn apply_include(
    tree: Node,
    file_path: &Path,
    discovered: &Discovered,
    options: &LoadOptions,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let _ = (file_path, discovered, options, sources, warnings);
    Ok(tree)
}
