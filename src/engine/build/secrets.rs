//! Builds that use `build.secrets` or `build.ssh`: the `/build` session bollard opens serves
//! registry credentials only, so these go through bollard's gRPC build instead (`POST
//! /grpc`, BuildKit's `Control.Solve` with a session serving the uploaded context, the
//! credentials, the secrets and the agent of `SSH_AUTH_SOCK`). Secrets come from the top-level `secrets` (`file:` or `environment:`,
//! as the reference's `addSecretsConfig`), under the id `target` or else `source`. This path
//! gets no progress from the engine: only the outcome is known.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::PathBuf;

use bollard::grpc::build::{
    ImageBuildFrontendOptions, ImageBuildHostIp, ImageBuildLoadInput, ImageBuildNetworkMode,
    SecretSource,
};
use bollard::grpc::driver::Build as _;
use bollard::grpc::driver::moby::Moby;
use bollard::moby::buildkit::v1::CacheOptionsEntry;

use crate::engine::connect::Engine;
use crate::model::{BuildConfig, Project};

/// A secret's content for the build: a file, or a value from the project's environment
/// (written to a private temporary file for the build's duration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValue {
    File(PathBuf),
    Value(String),
}

/// The secrets of a service's build, by id, or the reference's error.
pub fn build_secrets(
    project: &Project,
    build: &BuildConfig,
    environment: &BTreeMap<String, String>,
) -> Result<Vec<(String, SecretValue)>, String> {
    let mut secrets = Vec::new();
    for reference in &build.secrets {
        let config = project.secrets.get(&reference.source);
        let id = if reference.target.is_empty() {
            reference.source.clone()
        } else {
            reference.target.clone()
        };
        let value = match config {
            Some(config) if !config.file.is_empty() => {
                SecretValue::File(PathBuf::from(&config.file))
            }
            Some(config) if !config.environment.is_empty() => SecretValue::Value(
                environment
                    .get(&config.environment)
                    .cloned()
                    .unwrap_or_default(),
            ),
            _ => {
                return Err(format!(
                    "build.secrets only supports environment or file-based secrets: {:?}",
                    reference.source
                ));
            }
        };
        secrets.push((id, value));
    }
    Ok(secrets)
}

/// A `cache_from` entry as buildx reads it: `type=…,key=value,…`, or an image reference
/// (a registry cache).
fn cache_entry(text: &str) -> CacheOptionsEntry {
    let mut entry = CacheOptionsEntry {
        r#type: "registry".to_owned(),
        attrs: HashMap::new(),
    };
    if !text.contains('=') {
        entry.attrs.insert("ref".to_owned(), text.to_owned());
        return entry;
    }
    for part in text.split(',') {
        if let Some((key, value)) = part.split_once('=') {
            if key == "type" {
                value.clone_into(&mut entry.r#type);
            } else {
                entry.attrs.insert(key.to_owned(), value.to_owned());
            }
        }
    }
    entry
}

/// Removes the temporary files holding environment secrets when the build is over.
struct TemporaryFiles(Vec<PathBuf>);

impl Drop for TemporaryFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn private_file(value: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = std::env::temp_dir().join(format!(
        "dk-compose-secret-{}",
        super::context::random_hex(12)
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(value.as_bytes())?;
    Ok(path)
}

/// What the gRPC build needs besides the secrets.
pub struct SecretBuild {
    pub image: String,
    pub dockerfile: String,
    pub archive: Vec<u8>,
    pub build: BuildConfig,
    pub arguments: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub no_cache: bool,
    pub pull: bool,
    /// Forward the agent of `SSH_AUTH_SOCK` (`build.ssh: [default]`).
    pub ssh: bool,
}

/// Builds and names `request.image` with the secrets; the error is BuildKit's message.
/// bollard's gRPC build is not `Send`: it runs on a thread of its own.
pub async fn build_with_secrets(
    engine: &Engine,
    request: SecretBuild,
    secrets: Vec<(String, SecretValue)>,
    credentials: Vec<(String, bollard::auth::DockerCredentials)>,
) -> Result<(), String> {
    let docker = engine.docker.clone();
    tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        runtime.block_on(solve(docker, request, secrets, credentials))
    })
    .await
    .map_err(|error| error.to_string())?
}

async fn solve(
    docker: bollard::Docker,
    request: SecretBuild,
    secrets: Vec<(String, SecretValue)>,
    credentials: Vec<(String, bollard::auth::DockerCredentials)>,
) -> Result<(), String> {
    let mut temporary = TemporaryFiles(Vec::new());
    let mut options = ImageBuildFrontendOptions::builder()
        .dockerfile(std::path::Path::new(&request.dockerfile))
        .nocache(request.no_cache)
        .pull(request.pull);
    if !request.build.target.is_empty() {
        options = options.target(&request.build.target);
    }
    for (key, value) in &request.arguments {
        options = options.buildarg(key, value);
    }
    for (key, value) in &request.labels {
        options = options.label(key, value);
    }
    if request.build.shm_size.0 > 0 {
        options = options.shmsize(u64::try_from(request.build.shm_size.0).unwrap_or_default());
    }
    options = match request.build.network.as_str() {
        "" | "default" | "bridge" => options,
        "host" => options.force_network_mode(&ImageBuildNetworkMode::Host),
        "none" => options.force_network_mode(&ImageBuildNetworkMode::None),
        other => match other.strip_prefix("container:") {
            Some(name) => {
                options.force_network_mode(&ImageBuildNetworkMode::Container(name.to_owned()))
            }
            None => return Err(format!("network mode {other:?} not supported by BuildKit")),
        },
    };
    for entry in request.build.extra_hosts.entries(":") {
        let parsed = entry
            .split_once(':')
            .and_then(|(host, ip)| Some((host, ip.parse::<std::net::IpAddr>().ok()?)));
        let Some((host, ip)) = parsed else {
            return Err(format!(
                "invalid extra host {entry:?}: BuildKit needs an IP address"
            ));
        };
        options = options.extrahost(&ImageBuildHostIp {
            host: host.to_owned(),
            ip,
        });
    }
    if request.ssh {
        options = options.enable_ssh(true);
    }
    for entry in &request.build.cache_from {
        options = options.cachefrom(&cache_entry(entry));
    }
    for (id, value) in secrets {
        let source = match value {
            SecretValue::File(path) => SecretSource::File(path),
            SecretValue::Value(text) => {
                let path = private_file(&text).map_err(|error| error.to_string())?;
                temporary.0.push(path.clone());
                SecretSource::File(path)
            }
        };
        options = options.set_secret(&id, &source);
    }
    let credentials: HashMap<&str, bollard::auth::DockerCredentials> = credentials
        .iter()
        .map(|(host, value)| (host.as_str(), value.clone()))
        .collect();
    let driver = Moby::new(&docker);
    let result = driver
        .docker_build(
            &request.image,
            options.build(),
            ImageBuildLoadInput::Upload(request.archive.into()),
            (!credentials.is_empty()).then_some(credentials),
            None,
        )
        .await;
    drop(temporary);
    result.map_err(|error| match error {
        bollard::grpc::error::GrpcError::TonicStatus { err } => err.message().to_owned(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileReference, SecretConfig};

    #[test]
    fn cache_entries_as_buildx_reads_them() {
        let plain = cache_entry("registry.local/app:cache");
        assert_eq!(plain.r#type, "registry");
        assert_eq!(plain.attrs["ref"], "registry.local/app:cache");
        let typed = cache_entry("type=local,src=/tmp/cache");
        assert_eq!(typed.r#type, "local");
        assert_eq!(typed.attrs["src"], "/tmp/cache");
    }

    #[test]
    fn secrets_by_target_or_source_from_file_or_environment() {
        let mut project = Project::default();
        project.secrets.insert(
            "tok".to_owned(),
            SecretConfig {
                file: "/abs/tok.txt".to_owned(),
                ..SecretConfig::default()
            },
        );
        project.secrets.insert(
            "env".to_owned(),
            SecretConfig {
                environment: "TOKEN".to_owned(),
                ..SecretConfig::default()
            },
        );
        project.secrets.insert(
            "external".to_owned(),
            SecretConfig {
                external: true,
                ..SecretConfig::default()
            },
        );
        let build = BuildConfig {
            secrets: vec![
                FileReference {
                    source: "tok".to_owned(),
                    ..FileReference::default()
                },
                FileReference {
                    source: "env".to_owned(),
                    target: "renamed".to_owned(),
                    ..FileReference::default()
                },
            ],
            ..BuildConfig::default()
        };
        let environment = BTreeMap::from([("TOKEN".to_owned(), "s3cret".to_owned())]);
        assert_eq!(
            build_secrets(&project, &build, &environment).unwrap(),
            vec![
                (
                    "tok".to_owned(),
                    SecretValue::File(PathBuf::from("/abs/tok.txt"))
                ),
                (
                    "renamed".to_owned(),
                    SecretValue::Value("s3cret".to_owned())
                ),
            ]
        );
        let external = BuildConfig {
            secrets: vec![FileReference {
                source: "external".to_owned(),
                ..FileReference::default()
            }],
            ..BuildConfig::default()
        };
        assert_eq!(
            build_secrets(&project, &external, &environment).unwrap_err(),
            "build.secrets only supports environment or file-based secrets: \"external\""
        );
    }
}
