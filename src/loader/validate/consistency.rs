//! Consistency checks on the normalised tree.
//! STUB for now.

use super::super::error::Diagnostic;
use super::super::node::Node;

/// Cross-reference checks on the normalised tree.
pub fn validate_consistency(tree: &Node) -> Result<(), Vec<Diagnostic>> {
    let _ = tree;
    Ok(())
}
