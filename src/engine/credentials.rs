//! Registry credentials found the way the docker CLI finds them: `$DOCKER_CONFIG/config.json`
//! (else `~/.docker/config.json`), then `credHelpers[registry]`, else `credsStore`, else the
//! `auths` entry (base64 `auth`, `username`/`password`, `identitytoken`). Helpers run as
//! `docker-credential-<name> get` with the registry on stdin, as `docker-credential-helpers`
//! clients do. No credentials at all is not an error: anonymous pulls go ahead. The same file
//! gives the detach keys of `attach`, `run` and `exec` (`detachKeys`), as the docker CLI's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use base64::Engine as _;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::reference::ImageReference;

/// What the engine is sent in `X-Registry-Auth`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryCredentials {
    pub username: Option<String>,
    pub password: Option<String>,
    pub identity_token: Option<String>,
    pub server_address: String,
}

/// Why credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read the Docker client configuration `{path}`: {reason}")]
    Config { path: String, reason: String },
    #[error("cannot get credentials for `{registry}` from `docker-credential-{helper}`: {reason}")]
    Helper {
        registry: String,
        helper: String,
        reason: String,
    },
}

/// One `auths` entry.
#[derive(Debug, Clone, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

/// The parts of `config.json` that matter for credentials (and the detach keys).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DockerConfig {
    #[serde(default, rename = "detachKeys")]
    detach_keys: Option<String>,
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    credentials_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    credential_helpers: BTreeMap<String, String>,
}

/// `$DOCKER_CONFIG`, else `$HOME/.docker`.
pub fn config_directory() -> Option<PathBuf> {
    if let Some(directory) = std::env::var_os("DOCKER_CONFIG").filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(directory));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker"))
}

/// The detach keys `config.json` sets (`detachKeys`), for sessions without `--detach-keys`;
/// `None` (the engine's `ctrl-p,ctrl-q`) when unset or unreadable, as the docker CLI only
/// warns about a broken file.
pub fn configured_detach_keys() -> Option<String> {
    let config = DockerConfig::load(&config_directory()?).ok()?;
    config.detach_keys.filter(|keys| !keys.is_empty())
}

impl DockerConfig {
    /// Reads `<directory>/config.json`; a missing file is an empty configuration.
    pub fn load(directory: &Path) -> Result<Self, CredentialError> {
        let path = directory.join("config.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text).map_err(|reason| CredentialError::Config {
                path: path.display().to_string(),
                reason,
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(CredentialError::Config {
                path: path.display().to_string(),
                reason: error.to_string(),
            }),
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_str(text).map_err(|error| error.to_string())
    }

    /// The helper that holds the credentials of `key`, if one is configured.
    pub fn helper_for(&self, key: &str) -> Option<&str> {
        self.credential_helpers
            .get(key)
            .or(self.credentials_store.as_ref())
            .map(String::as_str)
            .filter(|helper| !helper.is_empty())
    }

    /// The `auths` entry of `key`: the exact key, else one whose host part is `key` (old
    /// files store `https://registry:5000/v1/`), as the CLI's file store does.
    pub fn stored(&self, key: &str) -> Result<Option<RegistryCredentials>, String> {
        let entry = self.auths.get(key).or_else(|| {
            self.auths
                .iter()
                .find(|(stored_key, _)| host_of(stored_key) == key)
                .map(|(_, entry)| entry)
        });
        let Some(entry) = entry else {
            return Ok(None);
        };
        let mut credentials = RegistryCredentials {
            username: entry.username.clone(),
            password: entry.password.clone(),
            identity_token: entry.identity_token.clone(),
            server_address: key.to_owned(),
        };
        if let Some(encoded) = entry.auth.as_deref().filter(|auth| !auth.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|error| format!("the `auth` of `{key}` is not base64: {error}"))?;
            let decoded = String::from_utf8(decoded)
                .map_err(|_| format!("the `auth` of `{key}` is not UTF-8"))?;
            let Some((username, password)) = decoded.split_once(':') else {
                return Err(format!("the `auth` of `{key}` is not `user:password`"));
            };
            credentials.username = Some(username.to_owned());
            credentials.password = Some(password.trim_end_matches('\n').to_owned());
        }
        Ok(Some(credentials))
    }
}

/// `https://host:port/v1/` → `host:port` (the CLI's `ConvertToHostname`).
fn host_of(key: &str) -> &str {
    let key = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The credentials for pulling or pushing `image`, `None` when there are none.
pub async fn credentials_for(
    image: &ImageReference,
) -> Result<Option<RegistryCredentials>, CredentialError> {
    let Some(directory) = config_directory() else {
        return Ok(None);
    };
    credentials_in(&directory, image).await
}

/// [`credentials_for`] with the configuration of `directory` (`<directory>/config.json`).
pub async fn credentials_in(
    directory: &Path,
    image: &ImageReference,
) -> Result<Option<RegistryCredentials>, CredentialError> {
    let config = DockerConfig::load(directory)?;
    let key = image.auth_key();
    if let Some(helper) = config.helper_for(key) {
        return run_helper(helper, key).await;
    }
    config
        .stored(key)
        .map_err(|reason| CredentialError::Config {
            path: directory.join("config.json").display().to_string(),
            reason,
        })
}

/// Every registry's credentials the configuration names, for a build's base images (the
/// engine's `X-Registry-Config`): the `auths` entries and the registries of `credHelpers`.
/// Unreadable entries are left out: a build of public images must not fail on them.
pub async fn all_credentials() -> BTreeMap<String, RegistryCredentials> {
    let mut all = BTreeMap::new();
    let Some(directory) = config_directory() else {
        return all;
    };
    let Ok(config) = DockerConfig::load(&directory) else {
        return all;
    };
    for key in config.auths.keys() {
        if config.helper_for(key).is_some() {
            continue;
        }
        if let Ok(Some(credentials)) = config.stored(key) {
            all.insert(key.clone(), credentials);
        }
    }
    for (key, helper) in &config.credential_helpers {
        if let Ok(Some(credentials)) = run_helper(helper, key).await {
            all.insert(key.clone(), credentials);
        }
    }
    all
}

/// What a helper prints for `get`.
#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `docker-credential-<helper> get`: `None` when it has nothing for the registry.
async fn run_helper(
    helper: &str,
    server: &str,
) -> Result<Option<RegistryCredentials>, CredentialError> {
    let failure = |reason: String| CredentialError::Helper {
        registry: server.to_owned(),
        helper: helper.to_owned(),
        reason,
    };
    let mut child = tokio::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| failure(error.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .await
            .map_err(|error| failure(error.to_string()))?;
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|error| failure(error.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        // The helpers' `credentials.ErrCredentialsNotFound`.
        if stdout.contains("credentials not found") {
            return Ok(None);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = if stdout.trim().is_empty() {
            stderr.trim().to_owned()
        } else {
            stdout.trim().to_owned()
        };
        return Err(failure(message));
    }
    let answer: HelperAnswer =
        serde_json::from_str(stdout.trim()).map_err(|error| failure(error.to_string()))?;
    // `<token>` as the user name means the secret is an identity token.
    let credentials = if answer.username == "<token>" {
        RegistryCredentials {
            identity_token: Some(answer.secret),
            server_address: server.to_owned(),
            ..RegistryCredentials::default()
        }
    } else {
        RegistryCredentials {
            username: Some(answer.username),
            password: Some(answer.secret),
            server_address: server.to_owned(),
            ..RegistryCredentials::default()
        }
    };
    Ok(Some(credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_are_read_beside_the_credentials() {
        let config = DockerConfig::parse(r#"{"detachKeys": "ctrl-a,a", "auths": {}}"#).unwrap();
        assert_eq!(config.detach_keys.as_deref(), Some("ctrl-a,a"));
        assert_eq!(DockerConfig::parse("{}").unwrap().detach_keys, None);
    }

    #[test]
    fn auths_entries_decode_and_match_old_keys() {
        let config = DockerConfig::parse(
            r#"{"auths": {
                "127.0.0.1:5000": {"auth": "dXNlcjpwYXNz"},
                "https://old.example:443/v1/": {"username": "a", "password": "b"},
                "tokens.example": {"identitytoken": "t"}
            }}"#,
        )
        .unwrap();
        let local = config.stored("127.0.0.1:5000").unwrap().unwrap();
        assert_eq!(
            (local.username.as_deref(), local.password.as_deref()),
            (Some("user"), Some("pass"))
        );
        let old = config.stored("old.example:443").unwrap().unwrap();
        assert_eq!(old.username.as_deref(), Some("a"));
        assert_eq!(
            config
                .stored("tokens.example")
                .unwrap()
                .unwrap()
                .identity_token
                .as_deref(),
            Some("t")
        );
        assert!(config.stored("elsewhere.example").unwrap().is_none());
        assert!(config.helper_for("127.0.0.1:5000").is_none());
    }

    #[test]
    fn helpers_per_registry_then_the_store() {
        let config =
            DockerConfig::parse(r#"{"credsStore": "desktop", "credHelpers": {"ghcr.io": "gh"}}"#)
                .unwrap();
        assert_eq!(config.helper_for("ghcr.io"), Some("gh"));
        assert_eq!(config.helper_for("docker.io"), Some("desktop"));
        assert!(DockerConfig::parse("").unwrap().helper_for("x").is_none());
    }

    #[test]
    fn bad_auth_is_an_error() {
        let config = DockerConfig::parse(r#"{"auths": {"r": {"auth": "!!"}}}"#).unwrap();
        assert!(config.stored("r").is_err());
    }
}
