//! A fetched Compose artifact back into files (the reference's `pkg/remote/oci.go`): every
//! Compose file layer is appended to `compose.yaml` (documents separated by `---`, so the
//! loader merges them in order), an extended file and an env file are written under the
//! name their annotation gives, which must be a plain file name.

use super::format::{
    COMPOSE_FILE_MEDIA_TYPE, Descriptor, EMPTY_CONFIG_MEDIA_TYPE, ENV_FILE_ANNOTATION,
    ENV_FILE_MEDIA_TYPE, EXTENDS_ANNOTATION, FILE_ANNOTATION, ImageIndex, ImageManifest,
    OCI_INDEX_MEDIA_TYPE, PROJECT_ARTIFACT_TYPE,
};

/// The file every artifact's Compose layers are loaded from.
pub const COMPOSE_FILE_NAME: &str = "compose.yaml";

/// Whether a fetched document is an index (an application published with `--app`).
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX_MEDIA_TYPE
        || media_type == "application/vnd.docker.distribution.manifest.list.v2+json"
}

/// The digest of the Compose manifest an index refers to (the last, as the reference).
pub fn compose_manifest_of_index(index: &[u8], reference: &str) -> Result<String, String> {
    let index: ImageIndex = serde_json::from_slice(index).map_err(|error| error.to_string())?;
    index
        .manifests
        .iter()
        .rev()
        .find(|manifest| manifest.artifact_type == PROJECT_ARTIFACT_TYPE)
        .map(|manifest| manifest.digest.clone())
        .ok_or_else(|| format!("OCI index {reference} doesn't refer to compose artifacts"))
}

/// The layers of a Compose manifest, after checking it is one.
pub fn compose_layers(manifest: &[u8], reference: &str) -> Result<Vec<Descriptor>, String> {
    let manifest: ImageManifest =
        serde_json::from_slice(manifest).map_err(|error| error.to_string())?;
    let compose = if manifest.artifact_type.is_empty() {
        manifest.config.media_type == EMPTY_CONFIG_MEDIA_TYPE
    } else {
        manifest.artifact_type == PROJECT_ARTIFACT_TYPE
    };
    if !compose {
        return Err(format!(
            "{reference} is not a compose project OCI artifact, but {}",
            manifest.artifact_type
        ));
    }
    Ok(manifest.layers)
}

/// The files of the artifact from its layers and their contents, in layer order.
pub fn files(layers: &[(Descriptor, Vec<u8>)]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (index, (layer, content)) in layers.iter().enumerate() {
        let name = match layer.media_type.as_str() {
            COMPOSE_FILE_MEDIA_TYPE => {
                if layer.annotations.contains_key(EXTENDS_ANNOTATION) {
                    plain_name(layer.annotations.get(FILE_ANNOTATION))?
                } else {
                    COMPOSE_FILE_NAME.to_owned()
                }
            }
            ENV_FILE_MEDIA_TYPE => {
                let name = layer.annotations.get(ENV_FILE_ANNOTATION).ok_or_else(|| {
                    format!(
                        "missing annotation {ENV_FILE_ANNOTATION} in layer {:?}",
                        layer.digest
                    )
                })?;
                plain_name(Some(name))?
            }
            _ => continue,
        };
        let position = files.iter().position(|(existing, _)| *existing == name);
        let file = if let Some(position) = position {
            &mut files[position].1
        } else {
            files.push((name, Vec::new()));
            &mut files.last_mut().expect("just pushed").1
        };
        if layer.media_type == ENV_FILE_MEDIA_TYPE {
            // Env files are written whole, not appended.
            file.clear();
        } else if index > 0 && layer.annotations.contains_key(FILE_ANNOTATION) {
            file.extend_from_slice(b"\n---\n");
        }
        file.extend_from_slice(content);
    }
    Ok(files)
}

/// A name inside the artifact's directory: no separator, not `.` or `..`.
fn plain_name(name: Option<&String>) -> Result<String, String> {
    match name {
        Some(name)
            if !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != ".." =>
        {
            Ok(name.clone())
        }
        _ => Err("invalid OCI artifact".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_layers_join_and_others_keep_their_names() {
        let first = Descriptor::compose_file("compose.yaml", b"services: {}\n");
        let second = Descriptor::compose_file("override.yaml", b"volumes: {}\n");
        let mut extended = Descriptor::compose_file("abc.yaml", b"services: {}\n");
        extended
            .annotations
            .insert(EXTENDS_ANNOTATION.to_owned(), "true".to_owned());
        let env = Descriptor::env_file("abc.env", b"A=1\n");
        let layers: Vec<(Descriptor, Vec<u8>)> = [first, second, extended, env]
            .into_iter()
            .map(|layer| {
                let content = layer.data.clone().unwrap();
                (layer, content)
            })
            .collect();
        let files = files(&layers).unwrap();
        assert_eq!(files[0].0, "compose.yaml");
        assert_eq!(files[0].1, b"services: {}\n\n---\nvolumes: {}\n");
        assert_eq!(files[1].0, "abc.yaml");
        assert_eq!(files[1].1, b"\n---\nservices: {}\n");
        assert_eq!(files[2], ("abc.env".to_owned(), b"A=1\n".to_vec()));
    }

    #[test]
    fn names_that_leave_the_directory_are_refused() {
        let env = Descriptor::env_file("x", b"A=1\n");
        let mut bad = env.clone();
        bad.annotations
            .insert(ENV_FILE_ANNOTATION.to_owned(), "../x".to_owned());
        assert_eq!(
            files(&[(bad, b"A=1\n".to_vec())]).unwrap_err(),
            "invalid OCI artifact"
        );
    }

    #[test]
    fn only_compose_manifests_are_accepted() {
        let json =
            super::super::format::manifest_json(&[], super::super::format::OciVersion::V1_0, "t");
        assert!(compose_layers(&json, "r").is_ok());
        let image = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0","size":1},"layers":[]}"#;
        assert!(compose_layers(image, "r").is_err());
    }

    #[test]
    fn an_application_index_leads_to_its_compose_manifest() {
        let index = br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":1,"artifactType":"application/vnd.docker.compose.project"}]}"#;
        assert_eq!(compose_manifest_of_index(index, "r").unwrap(), "sha256:bb");
        let images_only = br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1}]}"#;
        assert_eq!(
            compose_manifest_of_index(images_only, "r").unwrap_err(),
            "OCI index r doesn't refer to compose artifacts"
        );
    }
}
