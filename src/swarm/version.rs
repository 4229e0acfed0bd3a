//! Versioned names for secrets and configs whose data changed. Swarm refuses new data for
//! an existing secret or config ("only updates to Labels are allowed", so `docker stack
//! deploy` fails there); `stack deploy` instead creates `<name>-<digest>` (the first 12 hex
//! digits of the SHA-256 of the data), points the services at it, and removes the older
//! versions once no service uses them. Pure: names in, names out.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use super::spec::ServiceSpec;

/// Hex digits of the data's digest in a versioned name.
const DIGEST_LENGTH: usize = 12;

/// `<name>-<digest of data>`: the name under which changed data is deployed.
pub fn versioned_name(name: &str, data: &str) -> String {
    let digest = hex::encode(Sha256::digest(data.as_bytes()));
    format!("{name}-{}", &digest[..DIGEST_LENGTH])
}

/// Whether `candidate` is `name` itself or one of its versioned names.
pub fn is_version_of(candidate: &str, name: &str) -> bool {
    candidate == name
        || candidate
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|digest| {
                digest.len() == DIGEST_LENGTH
                    && digest
                        .bytes()
                        .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
            })
}

/// Which kind of file object a rename is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileObjectKind {
    Secret,
    Config,
}

impl FileObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Config => "config",
        }
    }
}

/// Points every service that uses the secret or config `from` at `to` (the target file in
/// the containers stays the same).
pub fn rename_references(
    services: &mut BTreeMap<String, ServiceSpec>,
    kind: FileObjectKind,
    from: &str,
    to: &str,
) {
    for spec in services.values_mut() {
        let container = &mut spec.task_template.container_spec;
        match kind {
            FileObjectKind::Secret => {
                for reference in &mut container.secrets {
                    if reference.secret_name == from {
                        to.clone_into(&mut reference.secret_name);
                    }
                }
            }
            FileObjectKind::Config => {
                for reference in &mut container.configs {
                    if reference.config_name == from {
                        to.clone_into(&mut reference.config_name);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_names_depend_on_the_data_only() {
        let first = versioned_name("shop_api_key", "czNjcjN0");
        assert_eq!(first, versioned_name("shop_api_key", "czNjcjN0"));
        assert_ne!(first, versioned_name("shop_api_key", "bmV3"));
        assert_eq!(first.len(), "shop_api_key".len() + 1 + DIGEST_LENGTH);
        assert!(is_version_of(&first, "shop_api_key"));
        assert!(is_version_of("shop_api_key", "shop_api_key"));
        assert!(!is_version_of("shop_api_key_v2", "shop_api_key"));
        assert!(!is_version_of("shop_api_key-notahexdigest", "shop_api_key"));
        assert!(!is_version_of(&first, "shop_api"));
    }
}
