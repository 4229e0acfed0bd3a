//! `develop.watch` (compose-go `types/develop.go`).

use serde::{Deserialize, Serialize};

use super::primitives::{is_false, string_enum};
use super::service::ServiceHook;

/// `develop`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevelopConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<Trigger>,
}

string_enum! {
    /// What a watch rule does when its path changes.
    WatchAction {
        Sync => "sync",
        Rebuild => "rebuild",
        Restart => "restart",
        SyncRestart => "sync+restart",
        SyncExec => "sync+exec",
    }
}

impl Default for WatchAction {
    fn default() -> Self {
        Self::Other(String::new())
    }
}

/// One watch rule. `path` and `action` always print; `exec` is a plain struct in Go,
/// so it prints as `{"command": null}` when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trigger {
    pub path: String,
    pub action: WatchAction,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    pub exec: ServiceHook,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub initial_sync: bool,
}
