//! Stage "interpolate": `${VAR}` expressions in values (compose-go `template/template.go`),
//! then casts of interpolated strings to the types the schema expects at known paths.
//! STUB: passes the tree through unchanged.

use std::collections::BTreeMap;

use super::error::Diagnostic;
use super::node::Node;

/// Interpolates every string value of `tree` against `environment`.
pub fn interpolate_tree(
    tree: Node,
    environment: &BTreeMap<String, String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let _ = (environment, warnings);
    Ok(tree)
}
