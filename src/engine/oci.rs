//! Compose OCI artifacts on a registry (`engine::registry`): pushing the layers and manifest
//! `publish` built (`artifact::format`), and fetching an artifact into the local cache for
//! `-f oci://…` (`artifact::unpack` decides the files). The cache is the reference's:
//! `$XDG_CACHE_HOME/docker-compose`, else `~/.cache/docker-compose`, one directory per
//! manifest digest, reused when present.

use std::path::{Path, PathBuf};

use super::reference::ImageReference;
use super::registry::{RegistryError, Repository};
use crate::artifact::format::{
    self, Descriptor, OCI_MANIFEST_MEDIA_TYPE, OciVersion, config_descriptor,
};
use crate::artifact::unpack;

/// `oci://` in front of a `-f` path.
pub const OCI_PREFIX: &str = "oci://";

/// `repository[:tag]` with the tag `publish` pushes to (`latest` by default).
pub fn parse_target(reference: &str) -> Result<(ImageReference, String), String> {
    let parsed = ImageReference::parse(reference)?;
    if parsed.repository.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "invalid reference format: repository name ({}) must be lowercase",
            parsed.repository
        ));
    }
    let tag = parsed
        .digest
        .clone()
        .or_else(|| parsed.tag.clone())
        .unwrap_or_else(|| "latest".to_owned());
    Ok((parsed, tag))
}

/// Pushes `layers` and their manifest to `reference` (`--oci-version`, or OCI 1.1 falling
/// back to 1.0 when the registry refuses it with a 4xx other than an authentication one);
/// gives the manifest's descriptor.
pub async fn push_artifact(
    reference: &str,
    layers: &[Descriptor],
    version: Option<OciVersion>,
    created: &str,
) -> Result<Descriptor, String> {
    let (parsed, tag) = parse_target(reference)?;
    let mut repository = Repository::open(&parsed)
        .await
        .map_err(|error| error.to_string())?;
    if version != Some(OciVersion::V1_0) {
        push_descriptor(&mut repository, &config_descriptor(OciVersion::V1_1)).await?;
    }
    for layer in layers {
        push_descriptor(&mut repository, layer).await?;
    }
    match version {
        Some(version) => push_manifest(&mut repository, &tag, layers, version, created)
            .await
            .map_err(|error| error.to_string()),
        None => match push_manifest(&mut repository, &tag, layers, OciVersion::V1_1, created).await
        {
            Err(error)
                if error.status().is_some_and(|status| {
                    (400..500).contains(&status) && ![401, 403, 407].contains(&status)
                }) =>
            {
                push_manifest(&mut repository, &tag, layers, OciVersion::V1_0, created)
                    .await
                    .map_err(|error| error.to_string())
            }
            other => other.map_err(|error| error.to_string()),
        },
    }
}

async fn push_descriptor(
    repository: &mut Repository,
    descriptor: &Descriptor,
) -> Result<(), String> {
    let data = descriptor.data.as_deref().unwrap_or_default();
    repository
        .push_blob(&descriptor.digest, data)
        .await
        .map_err(|error| error.to_string())
}

async fn push_manifest(
    repository: &mut Repository,
    tag: &str,
    layers: &[Descriptor],
    version: OciVersion,
    created: &str,
) -> Result<Descriptor, RegistryError> {
    let config = config_descriptor(version);
    repository
        .push_blob(&config.digest, config.data.as_deref().unwrap_or_default())
        .await?;
    let manifest = format::manifest_json(layers, version, created);
    repository
        .push_manifest(tag, OCI_MANIFEST_MEDIA_TYPE, &manifest)
        .await?;
    let mut descriptor = Descriptor::of(OCI_MANIFEST_MEDIA_TYPE, &manifest);
    descriptor.data = None;
    descriptor.annotations.insert(
        format::VERSION_ANNOTATION.to_owned(),
        format::COMPOSE_VERSION.to_owned(),
    );
    if version == OciVersion::V1_1 {
        format::PROJECT_ARTIFACT_TYPE.clone_into(&mut descriptor.artifact_type);
    }
    Ok(descriptor)
}

/// `publish --app`: every image (by digest, with everything it refers to) copied into the
/// artifact's repository, and an index of them whose subject is the Compose manifest,
/// pushed by digest (the reference's `oci.Copy` and images index).
pub async fn push_application(
    reference: &str,
    images: &[String],
    compose_manifest: &Descriptor,
) -> Result<(), String> {
    let (parsed, _) = parse_target(reference)?;
    let mut target = Repository::open(&parsed)
        .await
        .map_err(|error| error.to_string())?;
    let mut manifests = Vec::new();
    for image in images {
        let image_reference = ImageReference::parse(image)?;
        let mut source = Repository::open(&image_reference)
            .await
            .map_err(|error| error.to_string())?;
        let wanted = image_reference
            .digest
            .clone()
            .or_else(|| image_reference.tag.clone())
            .unwrap_or_else(|| "latest".to_owned());
        let manifest = source
            .manifest(&wanted)
            .await
            .map_err(|error| format!("{image}: {error}"))?;
        copy_chain(&mut source, &mut target, &manifest).await?;
        let host = image_reference
            .domain
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(image_reference.domain.as_str(), |(host, _)| host)
            .to_owned();
        let mut descriptor = Descriptor::of(&manifest.media_type, &manifest.body);
        descriptor.data = None;
        descriptor.annotations.insert(
            format!("containerd.io/distribution.source.{host}"),
            source.path().to_owned(),
        );
        manifests.push(descriptor);
    }
    let index = format::application_index_json(&manifests, compose_manifest);
    target
        .push_manifest(
            &format::digest_of(&index),
            format::OCI_INDEX_MEDIA_TYPE,
            &index,
        )
        .await
        .map_err(|error| error.to_string())
}

/// Copies a manifest (or index) and everything it refers to from `source` to `target`:
/// children first, the manifest last, by digest.
async fn copy_chain(
    source: &mut Repository,
    target: &mut Repository,
    manifest: &super::registry::Manifest,
) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_slice(&manifest.body).map_err(|error| error.to_string())?;
    if let Some(children) = value["manifests"].as_array() {
        for child in children {
            let Some(digest) = child["digest"].as_str() else {
                continue;
            };
            let child = source
                .manifest(digest)
                .await
                .map_err(|error| error.to_string())?;
            Box::pin(copy_chain(source, target, &child)).await?;
        }
    } else {
        let blobs = std::iter::once(&value["config"])
            .chain(value["layers"].as_array().into_iter().flatten())
            .filter_map(|descriptor| descriptor["digest"].as_str());
        for digest in blobs {
            copy_blob(source, target, digest).await?;
        }
    }
    target
        .push_manifest(&manifest.digest, &manifest.media_type, &manifest.body)
        .await
        .map_err(|error| error.to_string())
}

async fn copy_blob(
    source: &mut Repository,
    target: &mut Repository,
    digest: &str,
) -> Result<(), String> {
    let failed = |error: RegistryError| error.to_string();
    if target.has_blob(digest).await.map_err(failed)? {
        return Ok(());
    }
    if source.base() == target.base()
        && target
            .mount_blob(digest, source.path())
            .await
            .map_err(failed)?
    {
        return Ok(());
    }
    let data = source.blob(digest).await.map_err(failed)?;
    target.push_blob(digest, &data).await.map_err(failed)
}

/// The reference's cache of remote resources.
pub fn cache_directory() -> Option<PathBuf> {
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(cache).join("docker-compose"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("docker-compose"))
}

/// Fetches the artifact `reference` (without `oci://`) into the cache and gives the path of
/// its `compose.yaml`.
pub async fn fetch_artifact(reference: &str) -> Result<PathBuf, String> {
    let parsed = ImageReference::parse(reference)?;
    let shown = parsed.normalized_name();
    let failed = |error: RegistryError| match error {
        RegistryError::NotFound(_) => {
            format!("failed to pull OCI resource {shown:?}: {shown}: not found")
        }
        other => format!("failed to pull OCI resource {shown:?}: {other}"),
    };
    let tag = parsed
        .digest
        .clone()
        .or_else(|| parsed.tag.clone())
        .unwrap_or_else(|| "latest".to_owned());
    let mut repository = Repository::open(&parsed).await.map_err(failed)?;
    let mut manifest = repository.manifest(&tag).await.map_err(failed)?;
    let cache = cache_directory()
        .ok_or_else(|| "initializing remote resource cache: no home directory".to_owned())?;
    std::fs::create_dir_all(&cache)
        .map_err(|error| format!("initializing remote resource cache: {error}"))?;
    let local = cache.join(manifest.digest.trim_start_matches("sha256:"));
    if !local.exists() {
        if unpack::is_index(&manifest.media_type) {
            let digest = unpack::compose_manifest_of_index(&manifest.body, &shown)?;
            manifest = repository.manifest(&digest).await.map_err(failed)?;
        }
        if let Err(error) = write_files(&mut repository, &manifest.body, &shown, &local).await {
            // No half-written artifact is left to be reused.
            let _ = std::fs::remove_dir_all(&local);
            return Err(error);
        }
    }
    Ok(local.join(unpack::COMPOSE_FILE_NAME))
}

async fn write_files(
    repository: &mut Repository,
    manifest: &[u8],
    shown: &str,
    local: &Path,
) -> Result<(), String> {
    create_private_directory(local)?;
    let layers = unpack::compose_layers(manifest, shown)?;
    let mut contents = Vec::new();
    for layer in layers {
        let content = match &layer.data {
            Some(data) if format::digest_of(data) == layer.digest => data.clone(),
            _ => repository
                .blob(&layer.digest)
                .await
                .map_err(|error| error.to_string())?,
        };
        contents.push((layer, content));
    }
    for (name, content) in unpack::files(&contents)? {
        write_private_file(&local.join(name), &content)?;
    }
    Ok(())
}

fn create_private_directory(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|error| format!("{}: {error}", path.display()))
}

fn write_private_file(path: &Path, content: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    file.write_all(content)
        .map_err(|error| format!("{}: {error}", path.display()))
}
