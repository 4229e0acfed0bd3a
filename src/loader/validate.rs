//! Stage "validate": the compose JSON schema (compose-go v2.9.1's copy) with every error
//! mapped to `file:line:col`, and consistency checks (undefined references, cycles, ...).
//! STUB: accepts everything.

use super::error::Diagnostic;
use super::node::Node;

/// Schema validation of the merged tree.
pub fn validate_schema(tree: &Node) -> Result<(), Vec<Diagnostic>> {
    let _ = tree;
    Ok(())
}

/// Cross-reference checks on the normalised tree.
pub fn validate_consistency(tree: &Node) -> Result<(), Vec<Diagnostic>> {
    let _ = tree;
    Ok(())
}
