//! A private image registry for tests: Debian's `docker-registry` (distribution 2.x) served
//! on a free port of 127.0.0.1 (the engine allows plain HTTP to 127.0.0.0/8) with a temporary
//! storage directory, optionally behind htpasswd basic auth; stopped on drop. Its systemd
//! service is not used.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `dkuser` / `dk?secret???`, bcrypt cost 4 (the registry only reads bcrypt hashes). The
/// `???` puts a `/` in the standard base64 of any JSON holding the password, so a client that
/// sends `X-Registry-Auth` in standard base64 instead of the URL-safe one moby decodes fails.
pub const TEST_USER: &str = "dkuser";
pub const TEST_PASSWORD: &str = "dk?secret???";
pub const TEST_PASSWORD_HASH: &str = "$2b$04$jK5vtvfsGE6VrKByOJEP0e1b71znKIpPzzyvIZ36ZnbmFCWQ5CKBK";

/// `$DK_DOCKER_REGISTRY`, else the Debian package's binary.
fn registry_binary() -> PathBuf {
    std::env::var_os("DK_DOCKER_REGISTRY")
        .map_or_else(|| PathBuf::from("/usr/bin/docker-registry"), PathBuf::from)
}

/// Whether the registry binary is installed; outside CI a missing one skips the test (with a
/// note), in CI it panics, as `engine_available` does.
pub fn registry_available() -> bool {
    let binary = registry_binary();
    if binary.exists() {
        return true;
    }
    let reason = format!(
        "{} is missing (apt-get install docker-registry; scripts/install-prerequisites.sh)",
        binary.display()
    );
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the registry is not available: {reason}"
    );
    eprintln!("skipping: {reason}");
    false
}

/// A running registry; killed (and its storage removed) on drop.
pub struct LocalRegistry {
    child: Child,
    pub port: u16,
    directory: tempfile::TempDir,
}

/// htpasswd basic auth for the registry: a user and its bcrypt hash.
pub struct BasicAuth<'a> {
    pub user: &'a str,
    pub bcrypt_hash: &'a str,
}

impl LocalRegistry {
    /// Starts an open registry.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a registry that requires `auth`.
    pub fn start_with_auth(auth: &BasicAuth<'_>) -> Self {
        Self::start_with(Some(auth))
    }

    fn start_with(auth: Option<&BasicAuth<'_>>) -> Self {
        let mut last_error = String::new();
        // The free port may be taken between probing and binding: try a few.
        for _ in 0..5 {
            let directory = tempfile::tempdir().unwrap();
            let port = free_port();
            let storage = directory.path().join("storage");
            std::fs::create_dir_all(&storage).unwrap();
            let mut config = format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            );
            if let Some(auth) = auth {
                let htpasswd = directory.path().join("htpasswd");
                std::fs::write(&htpasswd, format!("{}:{}\n", auth.user, auth.bcrypt_hash)).unwrap();
                let _ = write!(
                    config,
                    "auth:\n  htpasswd:\n    realm: dk-compose-tests\n    path: {}\n",
                    htpasswd.display()
                );
            }
            let config_path = directory.path().join("config.yml");
            std::fs::write(&config_path, config).unwrap();
            let log = std::fs::File::create(directory.path().join("registry.log")).unwrap();
            let child = Command::new(registry_binary())
                .arg("serve")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|error| panic!("cannot start the registry: {error}"));
            let mut registry = Self {
                child,
                port,
                directory,
            };
            match registry.wait_ready() {
                Ok(()) => return registry,
                Err(error) => last_error = error,
            }
        }
        panic!("the registry did not start: {last_error}");
    }

    /// Waits until `/v2/` answers (200, or 401 behind auth), or the process exits.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = std::fs::read_to_string(self.directory.path().join("registry.log"))
                    .unwrap_or_default();
                return Err(format!("exited with {status}: {log}"));
            }
            if let Some((status, _)) = self.get("/v2/") {
                if status == 200 || status == 401 {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err("no answer on /v2/ after 30 s".to_owned());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A plain HTTP GET on the registry: status and body.
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        self.get_with(path, "")
    }

    /// A plain HTTP GET with `headers` (each line ending in `\r\n`): status and body.
    fn get_with(&self, path: &str, headers: &str) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n{headers}\r\n",
            self.port
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let status = response.split_whitespace().nth(1)?.parse().ok()?;
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        Some((status, body))
    }

    /// The manifest `reference` (tag or digest) of `repository` as the registry serves it
    /// to a client accepting OCI manifests: status and body.
    pub fn manifest(&self, repository: &str, reference: &str) -> Option<(u16, String)> {
        self.manifest_as(
            repository,
            reference,
            "application/vnd.oci.image.manifest.v1+json",
        )
    }

    /// The manifest `reference` of `repository` for a client accepting `accept`.
    pub fn manifest_as(
        &self,
        repository: &str,
        reference: &str,
        accept: &str,
    ) -> Option<(u16, String)> {
        self.get_with(
            &format!("/v2/{repository}/manifests/{reference}"),
            &format!("Accept: {accept}\r\n"),
        )
    }

    /// The repositories the registry holds (`/v2/_catalog`), sorted.
    pub fn repositories(&self) -> Vec<String> {
        let Some((200, body)) = self.get("/v2/_catalog") else {
            return Vec::new();
        };
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let mut names: Vec<String> = value["repositories"]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|name| name.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The tags the registry holds for `repository` (without the address).
    pub fn tags(&self, repository: &str) -> Vec<String> {
        let Some((200, body)) = self.get(&format!("/v2/{repository}/tags/list")) else {
            return Vec::new();
        };
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let mut tags: Vec<String> = value["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .filter_map(|tag| tag.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        tags.sort();
        tags
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap()
}

/// Removes the named images (tags) on drop, so tests leave no image behind.
pub struct ImageGuard {
    pub images: Vec<String>,
}

impl ImageGuard {
    pub fn new() -> Self {
        Self { images: Vec::new() }
    }

    pub fn track(&mut self, image: impl Into<String>) -> String {
        let image = image.into();
        self.images.push(image.clone());
        image
    }
}

impl Drop for ImageGuard {
    fn drop(&mut self) {
        for image in &self.images {
            let _ = Command::new("docker")
                .args(["image", "rm", "--force", image])
                .output();
        }
    }
}
