//! Stage "profiles": keep services whose profiles are enabled (or that are named on the
//! command line), and drop resources no enabled service uses (`WithoutUnnecessaryResources`).
//! STUB: passes the tree through unchanged.

use super::error::Diagnostic;
use super::node::Node;

pub fn apply_profiles(
    tree: Node,
    profiles: &[String],
    selected_services: &[String],
) -> Result<Node, Vec<Diagnostic>> {
    let _ = (profiles, selected_services);
    Ok(tree)
}

pub fn without_unnecessary_resources(tree: Node, all_resources: bool) -> Node {
    let _ = all_resources;
    tree
}
