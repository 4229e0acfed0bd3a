//! The config hashes written as `com.docker.compose.config-hash` and used to decide
//! recreation, computed as the reference does (docker/compose v2.40.3 `pkg/compose/hash.go`):
//! sha256 of Go's compact `json.Marshal` of the compose-go type, byte for byte.

use sha2::{Digest, Sha256};

use crate::model::{NetworkConfig, ServiceConfig, VolumeConfig, json};

/// The service hash: build, pull_policy, scale, deploy.replicas, depends_on and profiles
/// are cleared first, so changing them does not recreate containers.
pub fn service_hash(service: &ServiceConfig) -> String {
    let mut hashed = service.clone();
    hashed.build = None;
    hashed.pull_policy.clear();
    hashed.scale = None;
    if let Some(deploy) = hashed.deploy.as_mut() {
        deploy.replicas = None;
    }
    hashed.depends_on.clear();
    hashed.profiles.clear();
    digest(&hashed)
}

/// The network hash (`com.docker.compose.config-hash` on networks).
pub fn network_hash(network: &NetworkConfig) -> String {
    digest(network)
}

/// The volume hash; an empty driver counts as `local`, as in the reference.
pub fn volume_hash(volume: &VolumeConfig) -> String {
    if volume.driver.is_empty() {
        let mut hashed = volume.clone();
        "local".clone_into(&mut hashed.driver);
        digest(&hashed)
    } else {
        digest(volume)
    }
}

fn digest<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain data with string keys cannot fail.
    let text = json::to_string_compact(value).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_the_keys_the_reference_ignores() {
        let base: ServiceConfig =
            serde_json::from_str(r#"{"image": "nginx", "command": null, "entrypoint": null}"#)
                .unwrap();
        let changed: ServiceConfig = serde_json::from_str(
            r#"{"image": "nginx", "command": null, "entrypoint": null, "scale": 3,
                "profiles": ["a"], "pull_policy": "always", "build": {"context": "."},
                "depends_on": {"db": {"condition": "service_started", "required": true}}}"#,
        )
        .unwrap();
        assert_eq!(service_hash(&base), service_hash(&changed));
        let other: ServiceConfig =
            serde_json::from_str(r#"{"image": "nginx:2", "command": null, "entrypoint": null}"#)
                .unwrap();
        assert_ne!(service_hash(&base), service_hash(&other));
    }

    #[test]
    fn volume_hash_defaults_the_driver() {
        let plain = VolumeConfig::default();
        let local = VolumeConfig {
            driver: "local".to_owned(),
            ..VolumeConfig::default()
        };
        assert_eq!(volume_hash(&plain), volume_hash(&local));
    }
}
