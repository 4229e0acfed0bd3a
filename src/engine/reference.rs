//! Image references as the Docker tools read them (`distribution/reference`): registry
//! domain, repository, tag and digest, with Docker Hub's defaults. Pure text handling: which
//! registry to ask for credentials and which tag to pull or push.

/// Docker Hub's domain once a reference is normalised.
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The key Docker Hub credentials are stored under in `config.json` (`registry.IndexServer`).
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// One parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// The registry (`docker.io`, `127.0.0.1:5000`, `ghcr.io`).
    pub domain: String,
    /// The repository as written, without tag or digest (`busybox`, `127.0.0.1:5000/a/b`).
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:…` after `@`.
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses `[domain/]path[:tag][@digest]`. The first path component is a domain when it
    /// has a `.` or a `:`, is `localhost`, or has upper-case letters (the reference's
    /// `splitDockerDomain`); otherwise the image is on Docker Hub.
    pub fn parse(image: &str) -> Result<Self, String> {
        let image = image.trim();
        if image.is_empty() {
            return Err("an empty image name".to_owned());
        }
        let (name, digest) = match image.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_owned())),
            None => (image, None),
        };
        let last_slash = name.rfind('/').map_or(0, |index| index + 1);
        let (repository, tag) = match name[last_slash..].rfind(':') {
            Some(colon) => (
                &name[..last_slash + colon],
                Some(name[last_slash + colon + 1..].to_owned()),
            ),
            None => (name, None),
        };
        if repository.is_empty() || repository.ends_with('/') || tag.as_deref() == Some("") {
            return Err(format!("invalid reference format: `{image}`"));
        }
        let domain = match repository.split_once('/') {
            Some((first, _))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first
                        .chars()
                        .any(|character| character.is_ascii_uppercase()) =>
            {
                first.to_owned()
            }
            _ => DEFAULT_DOMAIN.to_owned(),
        };
        let domain = if domain == "index.docker.io" {
            DEFAULT_DOMAIN.to_owned()
        } else {
            domain
        };
        Ok(Self {
            domain,
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    /// The tag to ask the engine for: the tag, the digest, or `latest` (without one the
    /// engine would pull every tag).
    pub fn tag_or_latest(&self) -> String {
        self.digest
            .clone()
            .or_else(|| self.tag.clone())
            .unwrap_or_else(|| "latest".to_owned())
    }

    /// The fully qualified name `distribution/reference` prints: `docker.io/library/x:latest`
    /// (`:latest` added when there is neither tag nor digest, `@digest` kept).
    pub fn normalized_name(&self) -> String {
        let mut name =
            if self.domain == DEFAULT_DOMAIN && !self.repository.starts_with("docker.io/") {
                if self.repository.contains('/') {
                    format!("docker.io/{}", self.repository)
                } else {
                    format!("docker.io/library/{}", self.repository)
                }
            } else {
                self.repository.clone()
            };
        if let Some(tag) = &self.tag {
            name.push(':');
            name.push_str(tag);
        } else if self.digest.is_none() {
            name.push_str(":latest");
        }
        if let Some(digest) = &self.digest {
            name.push('@');
            name.push_str(digest);
        }
        name
    }

    /// Whether the reference names the `latest` tag, explicitly or by default.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref().is_none_or(|tag| tag == "latest")
    }

    /// The key of the registry's credentials in `config.json` (`registry.GetAuthConfigKey`).
    pub fn auth_key(&self) -> &str {
        if self.domain == DEFAULT_DOMAIN {
            DOCKER_HUB_AUTH_KEY
        } else {
            &self.domain
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(image: &str) -> (String, String, Option<String>, Option<String>) {
        let parsed = ImageReference::parse(image).unwrap();
        (parsed.domain, parsed.repository, parsed.tag, parsed.digest)
    }

    #[test]
    fn normalized_names_are_fully_qualified() {
        let name = |image: &str| ImageReference::parse(image).unwrap().normalized_name();
        assert_eq!(name("redis"), "docker.io/library/redis:latest");
        assert_eq!(name("me/app:1"), "docker.io/me/app:1");
        assert_eq!(name("127.0.0.1:5000/x/y:t"), "127.0.0.1:5000/x/y:t");
        assert_eq!(
            name("redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
            "docker.io/library/redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        );
    }

    #[test]
    fn docker_hub_and_registries() {
        assert_eq!(
            parts("busybox"),
            ("docker.io".into(), "busybox".into(), None, None)
        );
        assert_eq!(
            parts("library/redis:7"),
            (
                "docker.io".into(),
                "library/redis".into(),
                Some("7".into()),
                None
            )
        );
        assert_eq!(
            parts("127.0.0.1:5000/team/app:1.2"),
            (
                "127.0.0.1:5000".into(),
                "127.0.0.1:5000/team/app".into(),
                Some("1.2".into()),
                None
            )
        );
        assert_eq!(parts("localhost/app").0, "localhost");
        assert_eq!(
            parts("ghcr.io/a/b@sha256:abc").3.as_deref(),
            Some("sha256:abc")
        );
        assert_eq!(parts("index.docker.io/library/busybox").0, "docker.io");
    }

    #[test]
    fn tags_and_keys() {
        let hub = ImageReference::parse("busybox").unwrap();
        assert!(hub.is_latest());
        assert_eq!(hub.tag_or_latest(), "latest");
        assert_eq!(hub.auth_key(), DOCKER_HUB_AUTH_KEY);
        let local = ImageReference::parse("127.0.0.1:5000/x:2").unwrap();
        assert!(!local.is_latest());
        assert_eq!(local.auth_key(), "127.0.0.1:5000");
        assert!(ImageReference::parse("x:").is_err());
        assert!(ImageReference::parse("").is_err());
    }
}
