//! Finding and connecting to the Docker Engine: `-H`/`DOCKER_HOST`/the current docker context,
//! TLS from `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, and API version negotiation (one request).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, ClientVersion, Docker};
use sha2::{Digest, Sha256};

use super::error::{EngineError, ErrorContext, from_bollard};

/// Where the engine listens when nothing says otherwise (the docker CLI's default).
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The oldest API the rest of the engine module is written for (Docker 1.12+).
pub const MINIMUM_API_VERSION: ApiVersion = ApiVersion {
    major: 1,
    minor: 24,
};
/// How long the first request may take before the engine counts as unreachable.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Per-request timeout (seconds). Generous: `stop -t 600` is one request.
const REQUEST_TIMEOUT_SECONDS: u64 = 3600;

/// A connected engine: the client, where it points, and the negotiated API version.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) docker: Docker,
    address: String,
    api_version: ApiVersion,
    server_version: String,
    write_mode: WriteMode,
}

/// Whether the engine calls that change something are made. `--dry-run` reads the real
/// state and only pretends the writes succeeded, as the reference's dry-run client does
/// (`pkg/dryrun/dryrunclient.go`): the same progress lines, nothing touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    #[default]
    Apply,
    DryRun,
}

impl Engine {
    /// The address connected to, as the user would write it (`unix:///var/run/docker.sock`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The API version both sides speak (the lower of ours and the engine's).
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// The engine's release (`20.10.24+dfsg1`).
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    /// The same engine with state-changing calls made or only pretended.
    #[must_use]
    pub fn with_write_mode(mut self, write_mode: WriteMode) -> Self {
        self.write_mode = write_mode;
        self
    }

    /// Whether state-changing calls are only pretended (`--dry-run`).
    pub fn is_dry_run(&self) -> bool {
        self.write_mode == WriteMode::DryRun
    }

    /// Runs a state-changing call, or, under `--dry-run`, skips it (the future is never
    /// polled, so no request is sent) and answers `pretended`.
    pub(crate) async fn write<T>(
        &self,
        pretended: T,
        call: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, bollard::errors::Error> {
        match self.write_mode {
            WriteMode::Apply => call.await,
            WriteMode::DryRun => Ok(pretended),
        }
    }

    /// Maps a bollard error once, naming what the call was about.
    pub(crate) fn error(
        &self,
        error: bollard::errors::Error,
        context: ErrorContext,
    ) -> EngineError {
        from_bollard(error, context, &self.address)
    }
}

/// An engine API version such as `1.41`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: usize,
    pub minor: usize,
}

impl ApiVersion {
    /// Parses `1.41`.
    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(Self {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}", self.major, self.minor)
    }
}

/// How to reach the engine, resolved from flags, environment and docker context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSettings {
    /// The address as written by the user (for messages).
    pub address: String,
    pub transport: Transport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Unix {
        socket_path: PathBuf,
    },
    /// Plain HTTP to `host:port`.
    Tcp {
        authority: String,
    },
    /// HTTPS to `host:port` with client certificates from `certificates_directory`
    /// (`ca.pem`, `cert.pem`, `key.pem`).
    Tls {
        authority: String,
        certificates_directory: PathBuf,
    },
}

/// Resolves the engine address: `host` (a `-H` flag) first, then `DOCKER_HOST`, then the
/// current docker context (`DOCKER_CONTEXT` or `currentContext` in the docker config), then
/// the default socket. `environment` reads a variable (the process environment in `connect`).
pub fn resolve_host(
    host: Option<&str>,
    environment: &dyn Fn(&str) -> Option<String>,
) -> Result<HostSettings, EngineError> {
    let non_empty = |name: &str| environment(name).filter(|value| !value.is_empty());
    let docker_config_directory = non_empty("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| Path::new(&home).join(".docker")));
    let tls_verify = non_empty("DOCKER_TLS_VERIFY").is_some();
    let certificates_directory = non_empty("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| docker_config_directory.clone())
        .unwrap_or_else(|| PathBuf::from(".docker"));

    if let Some(address) = host.map(str::to_owned).or_else(|| non_empty("DOCKER_HOST")) {
        return parse_address(&address, tls_verify, certificates_directory);
    }
    if let Some(directory) = docker_config_directory {
        let context_name = non_empty("DOCKER_CONTEXT").or_else(|| current_context(&directory));
        if let Some(context_name) = context_name.filter(|name| name != "default") {
            return context_host(&directory, &context_name);
        }
    }
    parse_address(DEFAULT_HOST, tls_verify, certificates_directory)
}

/// Parses `unix:///path`, `tcp://host[:port]`, `http://…` or `https://…`.
fn parse_address(
    address: &str,
    tls_verify: bool,
    certificates_directory: PathBuf,
) -> Result<HostSettings, EngineError> {
    let invalid = |reason: &str| EngineError::InvalidHost {
        address: address.to_owned(),
        reason: reason.to_owned(),
    };
    let (scheme, rest) = address
        .split_once("://")
        .ok_or_else(|| invalid("expected `unix://`, `tcp://`, `http://` or `https://`"))?;
    let transport = match scheme {
        "unix" => {
            if rest.is_empty() {
                return Err(invalid("the socket path is empty"));
            }
            Transport::Unix {
                socket_path: PathBuf::from(rest),
            }
        }
        "tcp" | "http" | "https" => {
            let authority = rest.trim_end_matches('/');
            if authority.is_empty() || authority.contains('/') {
                return Err(invalid("expected `tcp://host:port`"));
            }
            let tls = tls_verify || scheme == "https";
            // The docker CLI's default ports: 2376 with TLS, 2375 without.
            let has_port = authority
                .rsplit_once(':')
                .is_some_and(|(_, port)| !port.is_empty() && !port.contains(']'));
            let authority = match (has_port, tls) {
                (true, _) => authority.to_owned(),
                (false, true) => format!("{authority}:2376"),
                (false, false) => format!("{authority}:2375"),
            };
            if tls {
                Transport::Tls {
                    authority,
                    certificates_directory,
                }
            } else {
                Transport::Tcp { authority }
            }
        }
        "ssh" => return Err(invalid("ssh:// engines are not supported yet")),
        "npipe" => return Err(invalid("named pipes exist only on Windows")),
        _ => return Err(invalid("unknown scheme")),
    };
    Ok(HostSettings {
        address: address.to_owned(),
        transport,
    })
}

/// `currentContext` from `<docker config>/config.json`, when set.
fn current_context(docker_config_directory: &Path) -> Option<String> {
    let text = std::fs::read_to_string(docker_config_directory.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    config
        .get("currentContext")?
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// The docker endpoint of a named context (`contexts/meta/<sha256(name)>/meta.json`).
fn context_host(
    docker_config_directory: &Path,
    context_name: &str,
) -> Result<HostSettings, EngineError> {
    let digest = hex::encode(Sha256::digest(context_name.as_bytes()));
    let meta_path = docker_config_directory
        .join("contexts/meta")
        .join(&digest)
        .join("meta.json");
    let invalid = |reason: String| EngineError::InvalidHost {
        address: format!("context `{context_name}`"),
        reason,
    };
    let text = std::fs::read_to_string(&meta_path).map_err(|error| {
        invalid(format!(
            "cannot read `{}`: {}",
            meta_path.display(),
            super::error::io_reason(&error)
        ))
    })?;
    let meta: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| invalid(format!("`{}`: {error}", meta_path.display())))?;
    let endpoint = &meta["Endpoints"]["docker"];
    let address = endpoint["Host"]
        .as_str()
        .ok_or_else(|| invalid("the context has no docker endpoint".to_owned()))?;
    let tls_directory = docker_config_directory
        .join("contexts/tls")
        .join(&digest)
        .join("docker");
    let use_tls = tls_directory.join("ca.pem").exists();
    parse_address(address, use_tls, tls_directory)
}

/// Connects to the engine named by `host`, `DOCKER_HOST` or the docker context, and
/// negotiates the API version (a single `/version` request, which also proves the engine
/// answers). An unreachable engine is one error naming the address.
pub async fn connect(host: Option<&str>) -> Result<Engine, EngineError> {
    let settings = resolve_host(host, &|name| std::env::var(name).ok())?;
    connect_to(&settings).await
}

/// Like [`connect`], for already resolved settings.
pub async fn connect_to(settings: &HostSettings) -> Result<Engine, EngineError> {
    let address = settings.address.clone();
    let answer = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(settings))
        .await
        .map_err(|_| EngineError::Unreachable {
            address: address.clone(),
            reason: format!("no answer within {} seconds", HANDSHAKE_TIMEOUT.as_secs()),
        })??;
    if answer.api_version < MINIMUM_API_VERSION {
        return Err(EngineError::ApiTooOld {
            address,
            server: answer.api_version,
            minimum: MINIMUM_API_VERSION,
        });
    }
    // bollard sends unversioned paths, which every engine serves at its own current API;
    // the negotiated version is what the engine module may rely on (features gate on it).
    // The client records it too where the client is built here; a TLS client from the
    // handshake is kept as is (rebuilding it reloads every certificate, and bollard 0.21
    // uses the recorded version for nothing but the unused path prefix).
    let api_version = answer.api_version.min(OUR_API_VERSION);
    let docker = match answer.client {
        Some(docker) => docker,
        None => client_with_version(settings, api_version)
            .map_err(|error| from_bollard(error, ErrorContext::engine(), &address))?,
    };
    Ok(Engine {
        docker: docker.with_request_modifier(url_safe_registry_headers),
        address,
        api_version,
        server_version: answer.server_version,
        write_mode: WriteMode::Apply,
    })
}

/// The registry credentials headers, in the URL-safe base64 the engine decodes.
///
/// bollard 0.21 encodes `X-Registry-Auth` and `X-Registry-Config` with the standard alphabet
/// (fussybeaver/bollard#169), while moby reads them with Go's `base64.URLEncoding`, as the
/// docker CLI writes them: credentials whose encoding holds a `+` or `/` (a password with
/// `?`, `>` or `~`) would reach the registry empty. Both alphabets pad alike, so swapping the
/// two characters is the whole conversion.
fn url_safe_registry_headers(mut request: bollard::BollardRequest) -> bollard::BollardRequest {
    for name in ["x-registry-auth", "x-registry-config"] {
        let Some(value) = request.headers().get(name) else {
            continue;
        };
        let Ok(standard) = value.to_str() else {
            continue;
        };
        if !standard.contains(['+', '/']) {
            continue;
        }
        let url_safe = standard.replace('+', "-").replace('/', "_");
        if let Ok(value) = url_safe.parse() {
            request.headers_mut().insert(name, value);
        }
    }
    request
}

/// The newest API this build of bollard speaks.
const OUR_API_VERSION: ApiVersion = ApiVersion {
    major: API_DEFAULT_VERSION.major_version,
    minor: API_DEFAULT_VERSION.minor_version,
};

/// What the engine told us about itself.
struct HandshakeAnswer {
    api_version: ApiVersion,
    server_version: String,
    /// The client the handshake used, when it used one (TLS).
    client: Option<Docker>,
}

/// One cheap request that proves the engine answers and gives its API version: `/_ping`
/// (its `Api-Version` header, like the docker CLI) on plain sockets, which costs a fraction
/// of `/version`; `/version` through bollard for TLS or when the header is missing.
async fn handshake(settings: &HostSettings) -> Result<HandshakeAnswer, EngineError> {
    let unreachable = |error: &std::io::Error| EngineError::Unreachable {
        address: settings.address.clone(),
        reason: super::error::io_reason(error),
    };
    let pinged = match &settings.transport {
        Transport::Unix { socket_path } => {
            let stream = tokio::net::UnixStream::connect(socket_path)
                .await
                .map_err(|error| unreachable(&error))?;
            Some(ping(stream).await.map_err(|error| unreachable(&error))?)
        }
        Transport::Tcp { authority } => {
            let stream = tokio::net::TcpStream::connect(authority.as_str())
                .await
                .map_err(|error| unreachable(&error))?;
            Some(ping(stream).await.map_err(|error| unreachable(&error))?)
        }
        Transport::Tls { .. } => None,
    };
    if let Some(answer) = pinged.flatten() {
        return Ok(answer);
    }
    let context = ErrorContext::engine();
    let docker = client_with_version(settings, OUR_API_VERSION)
        .map_err(|error| from_bollard(error, context.clone(), &settings.address))?;
    let version = docker
        .version()
        .await
        .map_err(|error| from_bollard(error, context.clone(), &settings.address))?;
    let api_version = version
        .api_version
        .as_deref()
        .and_then(ApiVersion::parse)
        .ok_or_else(|| EngineError::Communication {
            context,
            message: "the engine did not report its API version".to_owned(),
        })?;
    Ok(HandshakeAnswer {
        api_version,
        server_version: version.version.unwrap_or_default(),
        client: Some(docker),
    })
}

/// `GET /_ping` on an open stream; `None` when the answer lacks an `Api-Version` header.
async fn ping<Stream>(mut stream: Stream) -> std::io::Result<Option<HandshakeAnswer>>
where
    Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
        .await?;
    let mut received = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 1024];
    while !received.windows(4).any(|window| window == b"\r\n\r\n") && received.len() < 64 * 1024 {
        let count = stream.read(&mut chunk).await?;
        if count == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..count]);
    }
    Ok(parse_ping_answer(&String::from_utf8_lossy(&received)))
}

/// Reads `Api-Version` and `Server: Docker/<version> (<os>)` from a `/_ping` answer.
fn parse_ping_answer(response: &str) -> Option<HandshakeAnswer> {
    let mut api_version = None;
    let mut server_version = String::new();
    for line in response.split("\r\n").skip(1) {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("api-version") {
            api_version = ApiVersion::parse(value);
        } else if name.eq_ignore_ascii_case("server") {
            if let Some(rest) = value.strip_prefix("Docker/") {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .clone_into(&mut server_version);
            }
        }
    }
    Some(HandshakeAnswer {
        api_version: api_version?,
        server_version,
        client: None,
    })
}

fn client_with_version(
    settings: &HostSettings,
    version: ApiVersion,
) -> Result<Docker, bollard::errors::Error> {
    let client_version = ClientVersion {
        major_version: version.major,
        minor_version: version.minor,
    };
    match &settings.transport {
        Transport::Unix { socket_path } => Docker::connect_with_unix(
            &socket_path.to_string_lossy(),
            REQUEST_TIMEOUT_SECONDS,
            &client_version,
        ),
        Transport::Tcp { authority } => {
            Docker::connect_with_http(authority, REQUEST_TIMEOUT_SECONDS, &client_version)
        }
        Transport::Tls {
            authority,
            certificates_directory,
        } => Docker::connect_with_ssl(
            authority,
            &certificates_directory.join("key.pem"),
            &certificates_directory.join("cert.pem"),
            &certificates_directory.join("ca.pem"),
            REQUEST_TIMEOUT_SECONDS,
            &client_version,
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn registry_headers_are_sent_url_safe() {
        let mut request = bollard::BollardRequest::new(bollard::body_full(Vec::new().into()));
        for (name, value) in [
            ("x-registry-auth", "eyJ+Pz8/fQ=="),
            ("x-registry-config", "e30="),
            ("content-type", "a+b/c"),
        ] {
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        let request = url_safe_registry_headers(request);
        let header = |name: &str| request.headers().get(name).unwrap().to_str().unwrap();
        assert_eq!(header("x-registry-auth"), "eyJ-Pz8_fQ==");
        assert_eq!(header("x-registry-config"), "e30=");
        assert_eq!(header("content-type"), "a+b/c");
    }

    fn resolve(
        host: Option<&str>,
        variables: &[(&str, &str)],
    ) -> Result<HostSettings, EngineError> {
        let variables: BTreeMap<String, String> = variables
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        resolve_host(host, &|name| variables.get(name).cloned())
    }

    #[test]
    fn default_is_the_local_socket() {
        let settings = resolve(None, &[]).unwrap();
        assert_eq!(settings.address, DEFAULT_HOST);
        assert_eq!(
            settings.transport,
            Transport::Unix {
                socket_path: PathBuf::from("/var/run/docker.sock")
            }
        );
    }

    #[test]
    fn flag_wins_over_environment() {
        let settings = resolve(
            Some("unix:///tmp/other.sock"),
            &[("DOCKER_HOST", "tcp://example:2375")],
        )
        .unwrap();
        assert_eq!(settings.address, "unix:///tmp/other.sock");
    }

    #[test]
    fn tcp_gets_default_ports() {
        let plain = resolve(None, &[("DOCKER_HOST", "tcp://10.0.0.5")]).unwrap();
        assert_eq!(
            plain.transport,
            Transport::Tcp {
                authority: "10.0.0.5:2375".to_owned()
            }
        );
        let with_port = resolve(None, &[("DOCKER_HOST", "tcp://10.0.0.5:1234/")]).unwrap();
        assert_eq!(
            with_port.transport,
            Transport::Tcp {
                authority: "10.0.0.5:1234".to_owned()
            }
        );
    }

    #[test]
    fn tls_verify_uses_the_certificate_directory() {
        let settings = resolve(
            None,
            &[
                ("DOCKER_HOST", "tcp://engine.example"),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", "/certs"),
            ],
        )
        .unwrap();
        assert_eq!(
            settings.transport,
            Transport::Tls {
                authority: "engine.example:2376".to_owned(),
                certificates_directory: PathBuf::from("/certs"),
            }
        );
        // An empty DOCKER_TLS_VERIFY means "off", like the docker CLI.
        let off = resolve(
            None,
            &[
                ("DOCKER_HOST", "tcp://engine.example:2375"),
                ("DOCKER_TLS_VERIFY", ""),
            ],
        )
        .unwrap();
        assert!(matches!(off.transport, Transport::Tcp { .. }));
    }

    #[test]
    fn bad_addresses_are_named() {
        let error = resolve(None, &[("DOCKER_HOST", "/var/run/docker.sock")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid Docker host `/var/run/docker.sock`: expected `unix://`, `tcp://`, `http://` or `https://`"
        );
        let error = resolve(None, &[("DOCKER_HOST", "ssh://me@box")]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("ssh:// engines are not supported")
        );
    }

    #[test]
    fn docker_context_endpoint_is_used() {
        let directory = tempfile::tempdir().unwrap();
        let digest = hex::encode(Sha256::digest(b"remote"));
        let meta_directory = directory.path().join("contexts/meta").join(digest);
        std::fs::create_dir_all(&meta_directory).unwrap();
        std::fs::write(
            meta_directory.join("meta.json"),
            r#"{"Name":"remote","Endpoints":{"docker":{"Host":"tcp://remote:2375","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        std::fs::write(
            directory.path().join("config.json"),
            r#"{"currentContext":"remote"}"#,
        )
        .unwrap();
        let config_directory = directory.path().to_string_lossy().into_owned();
        let settings = resolve(None, &[("DOCKER_CONFIG", &config_directory)]).unwrap();
        assert_eq!(settings.address, "tcp://remote:2375");
        // DOCKER_HOST still wins over the context.
        let settings = resolve(
            None,
            &[
                ("DOCKER_CONFIG", &config_directory),
                ("DOCKER_HOST", "unix:///x.sock"),
            ],
        )
        .unwrap();
        assert_eq!(settings.address, "unix:///x.sock");
        // `default` means the default socket.
        let settings = resolve(
            None,
            &[
                ("DOCKER_CONFIG", &config_directory),
                ("DOCKER_CONTEXT", "default"),
            ],
        )
        .unwrap();
        assert_eq!(settings.address, DEFAULT_HOST);
    }

    #[test]
    fn ping_answers_give_the_api_and_server_versions() {
        let answer = parse_ping_answer(
            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n\r\nOK",
        )
        .unwrap();
        assert_eq!(
            answer.api_version,
            ApiVersion {
                major: 1,
                minor: 41
            }
        );
        assert_eq!(answer.server_version, "20.10.24+dfsg1");
        assert!(parse_ping_answer("HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\nOK").is_none());
    }

    #[test]
    fn api_versions_compare_numerically() {
        assert!(ApiVersion::parse("1.9").unwrap() < ApiVersion::parse("1.41").unwrap());
        assert_eq!(ApiVersion::parse("1.41").unwrap().to_string(), "1.41");
        assert_eq!(ApiVersion::parse("x"), None);
    }
}
