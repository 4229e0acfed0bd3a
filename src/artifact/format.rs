//! Descriptors and manifests as the reference writes them (`internal/oci/push.go`): every
//! layer carries its bytes in `data` (base64) and the `com.docker.compose.*` annotations; the
//! manifest is JSON in Go's field order with Go's HTML escaping, so what we publish is
//! byte-for-byte what the reference would (but for the creation time).

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// `artifactType` of an OCI 1.1 Compose manifest.
pub const PROJECT_ARTIFACT_TYPE: &str = "application/vnd.docker.compose.project";
/// A Compose file layer.
pub const COMPOSE_FILE_MEDIA_TYPE: &str = "application/vnd.docker.compose.file+yaml";
/// An env file layer (`--with-env`).
pub const ENV_FILE_MEDIA_TYPE: &str = "application/vnd.docker.compose.envfile";
/// The config of an OCI 1.0 Compose manifest (content `{}`).
pub const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.docker.compose.config.empty.v1+json";
/// OCI's empty descriptor media type (content `{}`).
pub const OCI_EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The version annotated on every layer (the reference writes its own version).
pub const COMPOSE_VERSION: &str = "2.40.3";

pub const VERSION_ANNOTATION: &str = "com.docker.compose.version";
pub const FILE_ANNOTATION: &str = "com.docker.compose.file";
pub const ENV_FILE_ANNOTATION: &str = "com.docker.compose.envfile";
pub const EXTENDS_ANNOTATION: &str = "com.docker.compose.extends";
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";

/// `--oci-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OciVersion {
    V1_0,
    V1_1,
}

impl OciVersion {
    /// `1.0`, `1.1`; anything else is the reference's error text.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "1.0" => Ok(Self::V1_0),
            "1.1" => Ok(Self::V1_1),
            other => Err(format!("unsupported OCI version: {other}")),
        }
    }
}

/// An OCI descriptor (Go's `v1.Descriptor` field order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "base64_data")]
    pub data: Option<Vec<u8>>,
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
}

impl Descriptor {
    /// A descriptor of `content` carrying it in `data`.
    pub fn of(media_type: &str, content: &[u8]) -> Self {
        Self {
            media_type: media_type.to_owned(),
            digest: digest_of(content),
            size: content.len() as u64,
            annotations: std::collections::BTreeMap::new(),
            data: Some(content.to_vec()),
            artifact_type: String::new(),
        }
    }

    /// A Compose file layer named `name` in the artifact (its base name).
    pub fn compose_file(name: &str, content: &[u8]) -> Self {
        let mut descriptor = Self::of(COMPOSE_FILE_MEDIA_TYPE, content);
        descriptor
            .annotations
            .insert(VERSION_ANNOTATION.to_owned(), COMPOSE_VERSION.to_owned());
        descriptor
            .annotations
            .insert(FILE_ANNOTATION.to_owned(), base_name(name).to_owned());
        descriptor
    }

    /// An env file layer named `name` in the artifact.
    pub fn env_file(name: &str, content: &[u8]) -> Self {
        let mut descriptor = Self::of(ENV_FILE_MEDIA_TYPE, content);
        descriptor
            .annotations
            .insert(VERSION_ANNOTATION.to_owned(), COMPOSE_VERSION.to_owned());
        descriptor
            .annotations
            .insert(ENV_FILE_ANNOTATION.to_owned(), base_name(name).to_owned());
        descriptor
    }
}

/// A manifest (Go's `v1.Manifest` field order).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageManifest {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub artifact_type: String,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// An index (only what loading reads).
#[derive(Debug, Clone, Deserialize)]
pub struct ImageIndex {
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

/// The config descriptor of a manifest of `version`, with its `{}` content.
pub fn config_descriptor(version: OciVersion) -> Descriptor {
    match version {
        OciVersion::V1_0 => Descriptor::of(EMPTY_CONFIG_MEDIA_TYPE, b"{}"),
        OciVersion::V1_1 => Descriptor::of(OCI_EMPTY_MEDIA_TYPE, b"{}"),
    }
}

/// The manifest of `layers` for `version`, created at `created` (RFC 3339), as JSON bytes.
pub fn manifest_json(layers: &[Descriptor], version: OciVersion, created: &str) -> Vec<u8> {
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST_MEDIA_TYPE.to_owned(),
        artifact_type: match version {
            OciVersion::V1_0 => String::new(),
            OciVersion::V1_1 => PROJECT_ARTIFACT_TYPE.to_owned(),
        },
        config: config_descriptor(version),
        layers: layers.to_vec(),
        annotations: std::iter::once((CREATED_ANNOTATION.to_owned(), created.to_owned())).collect(),
    };
    go_json(&manifest)
}

/// The index `publish --app` pushes: the copied images, with the Compose manifest as its
/// subject (Go's `v1.Index` field order).
pub fn application_index_json(manifests: &[Descriptor], subject: &Descriptor) -> Vec<u8> {
    let version: std::collections::BTreeMap<String, String> =
        std::iter::once((VERSION_ANNOTATION.to_owned(), COMPOSE_VERSION.to_owned())).collect();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX_MEDIA_TYPE,
        "manifests": manifests,
        "subject": subject,
        "annotations": version,
    });
    go_json(&index)
}

/// JSON as Go's `encoding/json` writes it: compact, `<`, `>`, `&`, U+2028 and U+2029
/// escaped (they only ever appear inside strings, so replacing them is safe).
pub fn go_json<T: Serialize>(value: &T) -> Vec<u8> {
    let text = serde_json::to_string(value).unwrap_or_default();
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .into_bytes()
}

/// `sha256:<hex>` of `content`.
pub fn digest_of(content: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(content)))
}

/// The hex of `sha256(text)`: how the reference names env files and extended files in the
/// artifact (`<hex>.env`, `<hex>.yaml`, from their absolute paths).
pub fn hashed_name(path: &str, extension: &str) -> String {
    format!(
        "{}.{extension}",
        hex::encode(sha2::Sha256::digest(path.as_bytes()))
    )
}

/// The last component of a slash- or backslash-separated path (`filepath.Base`).
fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// `time.Now().Format(time.RFC3339)` in UTC from seconds since the epoch.
pub fn rfc3339_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let day_of_year = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

mod base64_data {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(
        data: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match data {
            Some(bytes) => {
                serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_what_the_reference_writes() {
        let layer = Descriptor::compose_file("/x/compose.yaml", b"services: {}\n");
        let json = manifest_json(&[layer], OciVersion::V1_1, "2026-11-28T15:55:23Z");
        let expected = concat!(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#,
            r#""artifactType":"application/vnd.docker.compose.project","#,
            r#""config":{"mediaType":"application/vnd.oci.empty.v1+json","#,
            r#""digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"#,
            r#""layers":[{"mediaType":"application/vnd.docker.compose.file+yaml","#,
            r#""digest":"sha256:"#
        );
        let text = String::from_utf8(json).unwrap();
        assert!(text.starts_with(expected), "{text}");
        assert!(text.contains(r#""annotations":{"com.docker.compose.file":"compose.yaml","com.docker.compose.version":"2.40.3"},"data":"c2VydmljZXM6IHt9Cg=="}]"#), "{text}");
        assert!(
            text.ends_with(
                r#""annotations":{"org.opencontainers.image.created":"2026-11-28T15:55:23Z"}}"#
            ),
            "{text}"
        );
    }

    #[test]
    fn oci_1_0_has_no_artifact_type() {
        let json = manifest_json(&[], OciVersion::V1_0, "t");
        let text = String::from_utf8(json).unwrap();
        assert!(!text.contains("artifactType"));
        assert!(text.contains(EMPTY_CONFIG_MEDIA_TYPE));
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_449_323), "2026-11-23T15:55:23Z");
    }
}
