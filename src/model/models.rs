//! Top-level `models` (compose-go `types.ModelConfig`, Docker Model Runner).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::primitives::is_zero;

/// A model definition. The reference's `config --format json` does not print the
/// top-level `models` section, so neither does `Project`'s serialisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub context_size: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runtime_flags: Vec<String>,
    /// `x-*` keys; not printed in JSON.
    #[serde(flatten, skip_serializing)]
    pub extensions: BTreeMap<String, Json>,
}
