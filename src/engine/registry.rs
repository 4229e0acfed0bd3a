//! A small client of the OCI distribution API (`/v2/`), for what the engine API cannot do:
//! pushing and fetching Compose OCI artifacts (`publish`, `-f oci://`). HTTPS with the
//! system's roots; plain HTTP for loopback registries (`localhost`, `127.0.0.0/8`, `::1`, as
//! the engine treats them) and for every registry when `__TEST__INSECURE__REGISTRY__` is set
//! (the reference's switch). Credentials come from the docker configuration
//! (`engine::credentials`); a `401` challenge is answered with basic auth or a bearer token
//! from the challenge's realm, as containerd's authorizer does.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::credentials::{self, RegistryCredentials};
use super::reference::ImageReference;

/// The environment variable that makes the reference talk plain HTTP to every registry.
pub const INSECURE_REGISTRY_ENV: &str = "__TEST__INSECURE__REGISTRY__";

/// Why a registry request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    Request(String),
    /// The registry answered with an unexpected status (`body` is its error text).
    #[error("unexpected status from {method} request to {url}: {status}{body}")]
    Status {
        method: String,
        url: String,
        status: u16,
        body: String,
    },
    #[error("{0}: not found")]
    NotFound(String),
}

impl RegistryError {
    /// The HTTP status, when the registry answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            Self::NotFound(_) => Some(404),
            Self::Request(_) => None,
        }
    }
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// One repository of one registry, with the credentials the docker configuration holds.
pub struct Repository {
    client: HttpsClient,
    base: String,
    /// `library/x`, `team/app`: the path after `/v2/`.
    path: String,
    credentials: Option<RegistryCredentials>,
    /// The `Authorization` header value once a challenge was answered.
    authorization: Option<String>,
}

/// A fetched manifest (or index): its media type, digest and bytes.
pub struct Manifest {
    pub media_type: String,
    pub digest: String,
    pub body: Vec<u8>,
}

impl Repository {
    /// A client for the repository of `reference` (its tag and digest are ignored).
    pub async fn open(reference: &ImageReference) -> Result<Self, RegistryError> {
        let credentials = credentials::credentials_for(reference)
            .await
            .map_err(|error| RegistryError::Request(error.to_string()))?;
        let (host, path) = registry_host_and_path(reference);
        let scheme = if plain_http(&host) { "http" } else { "https" };
        Ok(Self {
            client: https_client()?,
            base: format!("{scheme}://{host}"),
            path,
            credentials,
            authorization: None,
        })
    }

    /// Whether the blob `digest` is already in the repository.
    pub async fn has_blob(&mut self, digest: &str) -> Result<bool, RegistryError> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, self.path);
        let (status, _, _) = self
            .send(Method::HEAD, &url, &[], None, "pull,push")
            .await?;
        match status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            other => Err(status_error("HEAD", &url, other, &[])),
        }
    }

    /// Uploads `data` as the blob `digest` (monolithic: POST for a session, PUT the bytes),
    /// unless the registry has it already.
    pub async fn push_blob(&mut self, digest: &str, data: &[u8]) -> Result<(), RegistryError> {
        if self.has_blob(digest).await? {
            return Ok(());
        }
        let url = format!("{}/v2/{}/blobs/uploads/", self.base, self.path);
        let (status, headers, body) = self
            .send(Method::POST, &url, &[], None, "pull,push")
            .await?;
        if status != StatusCode::ACCEPTED {
            return Err(status_error("POST", &url, status, &body));
        }
        let location = headers
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| RegistryError::Request(format!("{url}: no upload location")))?;
        let mut upload = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location.to_owned()
        };
        upload.push(if upload.contains('?') { '&' } else { '?' });
        upload.push_str("digest=");
        upload.push_str(digest);
        let content = [(CONTENT_TYPE.as_str(), "application/octet-stream")];
        let (status, _, body) = self
            .send(
                Method::PUT,
                &upload,
                &content,
                Some(data.to_vec()),
                "pull,push",
            )
            .await?;
        if status != StatusCode::CREATED {
            return Err(status_error("PUT", &upload, status, &body));
        }
        Ok(())
    }

    /// The registry this repository is on (`scheme://host`), to know when a blob can be
    /// mounted from another repository instead of copied.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The repository's path on its registry (`pubt/app`, `library/busybox`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Asks the registry to mount the blob `digest` from the repository `from` (same
    /// registry); `false` when it did not (the caller then copies the bytes).
    pub async fn mount_blob(&mut self, digest: &str, from: &str) -> Result<bool, RegistryError> {
        let url = format!(
            "{}/v2/{}/blobs/uploads/?mount={digest}&from={}",
            self.base,
            self.path,
            form_encode(from)
        );
        let (status, _, _) = self
            .send(Method::POST, &url, &[], None, "pull,push")
            .await?;
        Ok(status == StatusCode::CREATED)
    }

    /// Stores `body` as the manifest `reference` (a tag or a digest).
    pub async fn push_manifest(
        &mut self,
        reference: &str,
        media_type: &str,
        body: &[u8],
    ) -> Result<(), RegistryError> {
        let url = format!("{}/v2/{}/manifests/{reference}", self.base, self.path);
        let content = [(CONTENT_TYPE.as_str(), media_type)];
        let (status, _, answer) = self
            .send(
                Method::PUT,
                &url,
                &content,
                Some(body.to_vec()),
                "pull,push",
            )
            .await?;
        if status != StatusCode::CREATED {
            return Err(status_error("PUT", &url, status, &answer));
        }
        Ok(())
    }

    /// Fetches the manifest (or index) `reference`: a tag or a digest.
    pub async fn manifest(&mut self, reference: &str) -> Result<Manifest, RegistryError> {
        let url = format!("{}/v2/{}/manifests/{reference}", self.base, self.path);
        let accept = [(
            ACCEPT.as_str(),
            "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json",
        )];
        let (status, headers, body) = self.send(Method::GET, &url, &accept, None, "pull").await?;
        if status == StatusCode::NOT_FOUND {
            return Err(RegistryError::NotFound(reference.to_owned()));
        }
        if status != StatusCode::OK {
            return Err(status_error("GET", &url, status, &body));
        }
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let digest = format!("sha256:{}", hex::encode(sha256(&body)));
        let media_type = header(CONTENT_TYPE.as_str())
            .or_else(|| {
                serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|value| value["mediaType"].as_str().map(str::to_owned))
            })
            .unwrap_or_default();
        Ok(Manifest {
            media_type,
            digest,
            body,
        })
    }

    /// Fetches the blob `digest`, checking its content against it.
    pub async fn blob(&mut self, digest: &str) -> Result<Vec<u8>, RegistryError> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, self.path);
        let (status, _, body) = self.send(Method::GET, &url, &[], None, "pull").await?;
        if status == StatusCode::NOT_FOUND {
            return Err(RegistryError::NotFound(digest.to_owned()));
        }
        if status != StatusCode::OK {
            return Err(status_error("GET", &url, status, &body));
        }
        let actual = format!("sha256:{}", hex::encode(sha256(&body)));
        if actual != digest {
            return Err(RegistryError::Request(format!(
                "blob {digest}: the registry sent content of digest {actual}"
            )));
        }
        Ok(body)
    }

    /// Sends a request, following redirects and answering one authentication challenge.
    async fn send(
        &mut self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
        actions: &str,
    ) -> Result<(StatusCode, hyper::HeaderMap, Vec<u8>), RegistryError> {
        let mut challenged = false;
        let mut url = url.to_owned();
        let mut redirects = 0;
        loop {
            let mut request = Request::builder().method(method.clone()).uri(&url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            // Redirects (blob downloads to storage) go to other hosts: no credentials there.
            if redirects == 0 {
                if let Some(authorization) = &self.authorization {
                    request = request.header(AUTHORIZATION, authorization);
                }
            }
            let request = request
                .body(Full::new(Bytes::from(body.clone().unwrap_or_default())))
                .map_err(|error| RegistryError::Request(format!("{url}: {error}")))?;
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| request_error(&method, &url, &error))?;
            let status = response.status();
            let response_headers = response.headers().clone();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|error| RegistryError::Request(format!("{url}: {error}")))?
                .to_bytes()
                .to_vec();
            if status == StatusCode::UNAUTHORIZED && !challenged && redirects == 0 {
                challenged = true;
                let challenge = response_headers
                    .get(WWW_AUTHENTICATE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                self.authorization = Some(self.answer(&challenge, actions).await?);
                continue;
            }
            if status.is_redirection() && method == Method::GET && redirects < 5 {
                if let Some(location) = response_headers
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok())
                {
                    url = if location.starts_with('/') {
                        format!("{}{location}", self.base)
                    } else {
                        location.to_owned()
                    };
                    redirects += 1;
                    continue;
                }
            }
            return Ok((status, response_headers, bytes));
        }
    }

    /// The `Authorization` value answering `challenge`.
    async fn answer(&self, challenge: &str, actions: &str) -> Result<String, RegistryError> {
        let (scheme, parameters) = parse_challenge(challenge);
        let basic = self.credentials.as_ref().and_then(|credentials| {
            Some(basic_value(
                credentials.username.as_deref()?,
                credentials.password.as_deref()?,
            ))
        });
        if scheme.eq_ignore_ascii_case("basic") {
            return basic.ok_or_else(|| {
                RegistryError::Request(format!(
                    "{}: authentication required (no credentials in the docker configuration; run `docker login`)",
                    self.base
                ))
            });
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(RegistryError::Request(format!(
                "{}: unsupported authentication challenge `{challenge}`",
                self.base
            )));
        }
        let realm = parameters.get("realm").ok_or_else(|| {
            RegistryError::Request(format!("{}: bearer challenge without realm", self.base))
        })?;
        let scope = format!("repository:{}:{actions}", self.path);
        let mut query = format!("scope={}", form_encode(&scope));
        if let Some(service) = parameters.get("service") {
            query = format!("service={}&{query}", form_encode(service));
        }
        let identity_token = self
            .credentials
            .as_ref()
            .and_then(|credentials| credentials.identity_token.clone())
            .filter(|token| !token.is_empty());
        let request = if let Some(refresh) = identity_token {
            let form = format!(
                "grant_type=refresh_token&refresh_token={}&client_id=dk-compose&{query}",
                form_encode(&refresh)
            );
            Request::post(realm.as_str())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Full::new(Bytes::from(form)))
        } else {
            let separator = if realm.contains('?') { '&' } else { '?' };
            let mut request = Request::get(format!("{realm}{separator}{query}"));
            if let Some(basic) = &basic {
                request = request.header(AUTHORIZATION, basic);
            }
            request.body(Full::new(Bytes::new()))
        }
        .map_err(|error| RegistryError::Request(format!("{realm}: {error}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| request_error(&Method::GET, realm, &error))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|error| RegistryError::Request(format!("{realm}: {error}")))?
            .to_bytes();
        if status != StatusCode::OK {
            return Err(status_error("GET", realm, status, &body));
        }
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|error| RegistryError::Request(format!("{realm}: {error}")))?;
        let token = value["token"]
            .as_str()
            .or_else(|| value["access_token"].as_str())
            .ok_or_else(|| RegistryError::Request(format!("{realm}: no token in the answer")))?;
        Ok(format!("Bearer {token}"))
    }
}

/// The host to talk to and the repository path: Docker Hub's API host and `library/`.
fn registry_host_and_path(reference: &ImageReference) -> (String, String) {
    let path = reference
        .repository
        .strip_prefix(&format!("{}/", reference.domain))
        .unwrap_or(&reference.repository)
        .to_owned();
    if reference.domain == super::reference::DEFAULT_DOMAIN {
        let path = if path.contains('/') {
            path
        } else {
            format!("library/{path}")
        };
        ("registry-1.docker.io".to_owned(), path)
    } else {
        (reference.domain.clone(), path)
    }
}

/// Plain HTTP for loopback hosts, or everywhere under the reference's test switch.
fn plain_http(host: &str) -> bool {
    if std::env::var_os(INSECURE_REGISTRY_ENV).is_some() {
        return true;
    }
    let name = host
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']').map(|(name, _)| name))
        .unwrap_or_else(|| host.rsplit_once(':').map_or(host, |(name, _)| name));
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

fn https_client() -> Result<HttpsClient, RegistryError> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(certificate);
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|error| RegistryError::Request(format!("TLS: {error}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

/// `Basic base64(user:password)`.
fn basic_value(username: &str, password: &str) -> String {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {encoded}")
}

/// `Bearer realm="…",service="…"` → (`Bearer`, parameters).
fn parse_challenge(challenge: &str) -> (String, BTreeMap<String, String>) {
    let challenge = challenge.trim();
    let (scheme, rest) = challenge.split_once(' ').unwrap_or((challenge, ""));
    let mut parameters = BTreeMap::new();
    let mut rest = rest.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        parameters.insert(key, value.to_owned());
        rest = remaining.trim_start_matches([',', ' ']);
    }
    (scheme.to_owned(), parameters)
}

/// `application/x-www-form-urlencoded` escaping.
fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).to_vec()
}

fn status_error(method: &str, url: &str, status: StatusCode, body: &[u8]) -> RegistryError {
    let text = String::from_utf8_lossy(body).trim().to_owned();
    RegistryError::Status {
        method: method.to_owned(),
        url: url.to_owned(),
        status: status.as_u16(),
        body: if text.is_empty() {
            String::new()
        } else {
            format!(": {text}")
        },
    }
}

fn request_error(
    method: &Method,
    url: &str,
    error: &hyper_util::client::legacy::Error,
) -> RegistryError {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    RegistryError::Request(format!("failed to do request: {method} {url:?}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed() {
        let (scheme, parameters) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull""#,
        );
        assert_eq!(scheme, "Bearer");
        assert_eq!(parameters["realm"], "https://auth.docker.io/token");
        assert_eq!(parameters["service"], "registry.docker.io");
        assert_eq!(parameters["scope"], "repository:a/b:pull");
        let (scheme, parameters) = parse_challenge(r#"Basic realm="dk""#);
        assert_eq!(scheme, "Basic");
        assert_eq!(parameters["realm"], "dk");
    }

    #[test]
    fn loopback_registries_are_plain_http() {
        assert!(plain_http("127.0.0.1:5000"));
        assert!(plain_http("localhost:5000"));
        assert!(plain_http("[::1]:5000"));
        if std::env::var_os(INSECURE_REGISTRY_ENV).is_none() {
            assert!(!plain_http("ghcr.io"));
            assert!(!plain_http("10.0.0.1:5000"));
        }
    }

    #[test]
    fn docker_hub_repositories_get_library() {
        let reference = ImageReference::parse("busybox:1").unwrap();
        assert_eq!(
            registry_host_and_path(&reference),
            (
                "registry-1.docker.io".to_owned(),
                "library/busybox".to_owned()
            )
        );
        let reference = ImageReference::parse("127.0.0.1:5000/a/b:c").unwrap();
        assert_eq!(
            registry_host_and_path(&reference),
            ("127.0.0.1:5000".to_owned(), "a/b".to_owned())
        );
    }
}
