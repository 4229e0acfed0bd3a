//! Top-level `secrets` and `configs` (compose-go `types.FileObjectConfig`, with the
//! `SecretConfig` / `ConfigObjConfig` marshalling rules applied by `Project`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::Labels;
use super::primitives::is_false;

/// A secret or config definition: exactly one of `file`, `environment`, `content` or
/// `external` says where its data comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileObjectConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub environment: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content: String,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_driver: String,
    /// `x-*` keys; not printed in JSON.
    #[serde(flatten, skip_serializing)]
    pub extensions: BTreeMap<String, Json>,
}

/// A top-level secret. Its `content` is never printed.
pub type SecretConfig = FileObjectConfig;

/// A top-level config. Its `content` is not printed when it came from `environment`.
pub type ConfigObjConfig = FileObjectConfig;

impl FileObjectConfig {
    /// The secret as the reference prints it: without its content.
    #[must_use]
    pub fn printable_secret(&self) -> Self {
        Self {
            content: String::new(),
            ..self.clone()
        }
    }

    /// The config as the reference prints it: without content read from the environment.
    #[must_use]
    pub fn printable_config(&self) -> Self {
        if self.environment.is_empty() {
            self.clone()
        } else {
            Self {
                content: String::new(),
                ..self.clone()
            }
        }
    }
}
