//! Stage "merge": later `-f` files over earlier ones with the reference's per-key rules
//! (compose-go `override/merge.go`, `override/uncity.go`), honouring `!reset` / `!override`.
//! STUB: the later file replaces top-level keys.

use super::node::{Node, Value};

/// Merges `override_tree` over `base`.
pub fn merge_files(base: Node, override_tree: Node) -> Node {
    let mut base = base;
    if let (Value::Map(base_map), Value::Map(override_map)) = (&mut base.value, override_tree.value)
    {
        for (key, entry) in override_map {
            base_map.insert(key, entry);
        }
    }
    base
}

/// Applies `!reset` / `!override` semantics to a tree with nothing under it (the first file).
pub fn strip_tags(tree: Node) -> Node {
    tree
}
