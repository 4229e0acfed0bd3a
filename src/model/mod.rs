//! The typed compose model: plain data, `BTreeMap`s, newtypes and enums; no I/O.
//! Serialises exactly as compose-go's types do (`docker compose config --format json`).
//! PLACEHOLDER: services kept as JSON until the typed structs land.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// A loaded compose project.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Project {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Json>,
    #[serde(flatten)]
    pub rest: BTreeMap<String, Json>,
}
