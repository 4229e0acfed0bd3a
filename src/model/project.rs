//! The project (compose-go `types.Project`) and its JSON form, which follows
//! `Project.MarshalJSON`: a map with sorted keys, `name` and `services` always present,
//! empty sections and top-level `models` left out, `x-*` extensions inlined.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value as Json;

use super::json::GoValue;
use super::models::ModelConfig;
use super::network::NetworkConfig;
use super::secret::{ConfigObjConfig, SecretConfig};
use super::service::ServiceConfig;
use super::volume::VolumeConfig;

/// A loaded compose project: plain data in sorted maps.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Project {
    pub name: String,
    #[serde(deserialize_with = "null_as_default")]
    pub services: BTreeMap<String, ServiceConfig>,
    #[serde(deserialize_with = "null_as_default")]
    pub networks: BTreeMap<String, NetworkConfig>,
    #[serde(deserialize_with = "null_as_default")]
    pub volumes: BTreeMap<String, VolumeConfig>,
    #[serde(deserialize_with = "null_as_default")]
    pub secrets: BTreeMap<String, SecretConfig>,
    #[serde(deserialize_with = "null_as_default")]
    pub configs: BTreeMap<String, ConfigObjConfig>,
    #[serde(deserialize_with = "null_as_default")]
    pub models: BTreeMap<String, ModelConfig>,
    /// Top-level `x-*` extensions, printed inline.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Json>,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl Project {
    /// Service names, sorted.
    pub fn service_names(&self) -> Vec<&str> {
        self.services.keys().map(String::as_str).collect()
    }

    /// The project as compose-go's `Project.MarshalJSON` prints it (no trailing newline).
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        super::json::to_string_pretty(self)
    }

    /// The document `docker compose config --format json` prints: [`Self::to_json_pretty`]
    /// with every `$` doubled so that the output can be loaded again
    /// (docker/compose `cmd/compose/config.go` `escapeDollarSign`; not done with
    /// `--no-interpolate`).
    pub fn to_config_json(&self) -> Result<String, serde_json::Error> {
        self.to_json_pretty()
            .map(|text| super::json::escape_dollars(&text))
    }
}

/// One top-level entry of the printed document.
enum Section<'a> {
    Name(&'a str),
    Services(&'a BTreeMap<String, ServiceConfig>),
    Networks(&'a BTreeMap<String, NetworkConfig>),
    Volumes(&'a BTreeMap<String, VolumeConfig>),
    FileObjects(BTreeMap<&'a str, SecretConfig>),
    Extension(&'a Json),
}

impl Serialize for Section<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Section::Name(name) => name.serialize(serializer),
            Section::Services(services) => services.serialize(serializer),
            Section::Networks(networks) => networks.serialize(serializer),
            Section::Volumes(volumes) => volumes.serialize(serializer),
            Section::FileObjects(objects) => objects.serialize(serializer),
            Section::Extension(value) => GoValue(value).serialize(serializer),
        }
    }
}

impl Serialize for Project {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sections: BTreeMap<&str, Section<'_>> = BTreeMap::new();
        sections.insert("name", Section::Name(&self.name));
        sections.insert("services", Section::Services(&self.services));
        if !self.networks.is_empty() {
            sections.insert("networks", Section::Networks(&self.networks));
        }
        if !self.volumes.is_empty() {
            sections.insert("volumes", Section::Volumes(&self.volumes));
        }
        if !self.secrets.is_empty() {
            let secrets = self
                .secrets
                .iter()
                .map(|(name, secret)| (name.as_str(), secret.printable_secret()))
                .collect();
            sections.insert("secrets", Section::FileObjects(secrets));
        }
        if !self.configs.is_empty() {
            let configs = self
                .configs
                .iter()
                .map(|(name, config)| (name.as_str(), config.printable_config()))
                .collect();
            sections.insert("configs", Section::FileObjects(configs));
        }
        for (key, value) in &self.extensions {
            sections.insert(key.as_str(), Section::Extension(value));
        }
        let mut map = serializer.serialize_map(Some(sections.len()))?;
        for (key, section) in &sections {
            map.serialize_entry(key, section)?;
        }
        map.end()
    }
}
