//! Image builds through the engine's build API (`POST /build`): with BuildKit (the engine's
//! own, `version=2` with a session, as the reference builds without buildx) unless
//! `DOCKER_BUILDKIT` turns it off, else with the classic builder (v1). The context archive
//! honouring `.dockerignore`, the reference's build parameters and image labels (which differ
//! between the two builders, as the reference's), the engine's output sent on as BuildKit
//! status messages or the classic builder's lines, independent services built concurrently
//! (bounded); builds with `build.secrets` go through `secrets` (gRPC). Which services to
//! build is the caller's decision.

pub mod context;
pub mod secrets;
pub mod status;
/// Moved to the crate root (pure, shared with `watch`); kept here under its old path.
pub use crate::dockerignore;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use bollard::query_parameters::{BuildImageOptions, BuilderVersion, TagImageOptions};
use futures_util::StreamExt;
use sha1::Digest as _;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::engine::connect::Engine;
use crate::engine::error::{EngineError, ErrorContext};
use crate::labels;
use crate::model::{BuildConfig, Project};
use crate::output::buildkit::BuildkitStatus;
use crate::output::events::{ProgressEvent, ProgressMessage, ResourceId, Status};

pub use context::{ContextArchive, ContextError, DockerfileSource, context_archive, random_hex};

/// The reference's `com.docker.compose.image.builder` label (classic builder).
pub const IMAGE_BUILDER_LABEL: &str = "com.docker.compose.image.builder";

/// Which of the engine's builders builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Builder {
    #[default]
    BuildKit,
    Classic,
}

impl Builder {
    /// The builder `DOCKER_BUILDKIT` asks for, read as the docker CLI reads it (Go's
    /// `strconv.ParseBool`); unset or empty: BuildKit.
    pub fn from_env(value: Option<&str>) -> Result<Self, String> {
        match value.unwrap_or_default() {
            "" | "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Self::BuildKit),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Self::Classic),
            other => Err(format!(
                "DOCKER_BUILDKIT environment variable expects boolean value: strconv.ParseBool: parsing {other:?}: invalid syntax"
            )),
        }
    }
}

/// How to build (the `build` command's flags, and what `up --build` / `run --build` pass).
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--build-arg KEY=VALUE` or `KEY` (then taken from `environment`).
    pub build_args: Vec<String>,
    /// `--no-cache` (or each service's `build.no_cache`).
    pub no_cache: bool,
    /// `--pull` (or each service's `build.pull`).
    pub pull: bool,
    /// `-q`: the engine sends no build output.
    pub quiet: bool,
    /// At most this many builds at once (`--parallel`; `None` for no limit).
    pub parallel: Option<usize>,
    /// The project's environment (for `--build-arg KEY`).
    pub environment: BTreeMap<String, String>,
    /// Which builder builds.
    pub builder: Builder,
    /// Where the engine's build output goes (dropped when `None`).
    pub output: Option<mpsc::UnboundedSender<BuildOutput>>,
}

/// What a build sends while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildOutput {
    /// A line of the classic builder's output.
    Line(BuildLine),
    /// One BuildKit status message of a service's build.
    Status {
        service: String,
        status: BuildkitStatus,
    },
}

/// One line of a service's build output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildLine {
    pub service: String,
    pub text: String,
}

/// A build that did not produce an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("service `{service}` has no `build` section")]
    NotBuildable { service: String },
    #[error("cannot build service `{service}`: {message}")]
    Context { service: String, message: String },
    #[error("failed to build service `{service}`{}: {message}", step_text(.step.as_deref()))]
    Failed {
        service: String,
        /// The builder's last `Step n/m : INSTRUCTION` line.
        step: Option<String>,
        message: String,
    },
    /// BuildKit's failure, in the reference's words (`failed to solve: …`).
    #[error("failed to solve: {message}")]
    Solve { service: String, message: String },
    /// A build feature the chosen builder (or dk-compose) does not support.
    #[error("{message}")]
    Unsupported { service: String, message: String },
    #[error("cannot build service `{service}`: {error}")]
    Engine { service: String, error: EngineError },
}

fn step_text(step: Option<&str>) -> String {
    step.map(|step| format!(" at `{step}`")).unwrap_or_default()
}

/// The image a service runs: `image`, or `<project>-<service>` (the reference's
/// `GetImageNameOrDefault`).
pub fn image_name(project: &Project, service_name: &str) -> String {
    project
        .services
        .get(service_name)
        .map(|service| service.image.clone())
        .filter(|image| !image.is_empty())
        .unwrap_or_else(|| format!("{}-{service_name}", project.name))
}

/// The labels of a built image, as the reference sets them: with BuildKit the service's
/// `build.labels` and the project, service and version labels; with the classic builder the
/// `build.labels` and the builder label only.
pub fn image_labels(
    project: &Project,
    service_name: &str,
    build: &BuildConfig,
    builder: Builder,
) -> Labels {
    let mut result: Labels = build.labels.clone();
    match builder {
        Builder::BuildKit => {
            result.insert(
                labels::VERSION.to_owned(),
                labels::COMPOSE_VERSION.to_owned(),
            );
            result.insert(labels::PROJECT.to_owned(), project.name.clone());
            result.insert(labels::SERVICE.to_owned(), service_name.to_owned());
        }
        Builder::Classic => {
            result.insert(IMAGE_BUILDER_LABEL.to_owned(), "classic".to_owned());
        }
    }
    result
}

/// Refuses what the chosen builder cannot build, before anything is sent: the reference's
/// messages for the classic builder; with BuildKit, SSH keys other than `default` (only the
/// agent of `SSH_AUTH_SOCK` is forwarded).
pub fn check_supported(
    service_name: &str,
    build: &BuildConfig,
    builder: Builder,
) -> Result<(), BuildError> {
    let unsupported = |message: String| {
        Err(BuildError::Unsupported {
            service: service_name.to_owned(),
            message,
        })
    };
    match builder {
        Builder::Classic => {
            let missing = [
                (build.platforms.len() > 1, "multi-arch build"),
                (build.privileged, "privileged mode"),
                (!build.additional_contexts.is_empty(), "additional contexts"),
                (!build.ssh.is_empty(), "SSH keys"),
                (!build.secrets.is_empty(), "secrets"),
            ];
            if let Some((_, feature)) = missing.iter().find(|(missing, _)| *missing) {
                return unsupported(format!(
                    "the classic builder doesn't support {feature}, set DOCKER_BUILDKIT=1 to use BuildKit"
                ));
            }
        }
        Builder::BuildKit => {
            if let Some(key) = build
                .ssh
                .iter()
                .find(|key| key.id != "default" || !key.path.is_empty())
            {
                return unsupported(format!(
                    "service {service_name:?}: build.ssh {:?} is not supported by dk-compose yet: only `default` (the agent of SSH_AUTH_SOCK) is forwarded",
                    if key.path.is_empty() {
                        key.id.clone()
                    } else {
                        format!("{}={}", key.id, key.path)
                    }
                ));
            }
        }
    }
    Ok(())
}

type Labels = BTreeMap<String, String>;

/// The build arguments sent: `build.args` overridden by `--build-arg`, those without a value
/// taken from the environment (left out when it has none: the Dockerfile's default applies).
pub fn build_arguments(
    build: &BuildConfig,
    overrides: &[String],
    environment: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut merged: BTreeMap<String, Option<String>> = build.args.clone();
    for entry in overrides {
        match entry.split_once('=') {
            Some((key, value)) => merged.insert(key.to_owned(), Some(value.to_owned())),
            None => merged.insert(entry.clone(), None),
        };
    }
    merged
        .into_iter()
        .filter_map(|(key, value)| {
            let value = value.or_else(|| environment.get(&key).cloned())?;
            Some((key, value))
        })
        .collect()
}

/// Builds `services` (those with a `build` section; others are skipped) concurrently, at
/// most `options.parallel` at once, and returns each built service's image id. The first
/// failure is returned once the running builds are over; builds not yet started are skipped.
pub async fn build_services(
    engine: &Engine,
    project: &Project,
    services: &[String],
    options: &BuildOptions,
    progress: &mpsc::Sender<ProgressMessage>,
) -> Result<BTreeMap<String, String>, BuildError> {
    let limit = options.parallel.unwrap_or(Semaphore::MAX_PERMITS).max(1);
    let semaphore = Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)));
    let project = Arc::new(project.clone());
    let options = Arc::new(options.clone());
    let failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut running: JoinSet<Result<(String, String), BuildError>> = JoinSet::new();
    for service_name in services {
        let Some(service) = project.services.get(service_name) else {
            continue;
        };
        if service.build.is_none() {
            continue;
        }
        let engine = engine.clone();
        let project = Arc::clone(&project);
        let options = Arc::clone(&options);
        let semaphore = Arc::clone(&semaphore);
        let progress = progress.clone();
        let failed = Arc::clone(&failed);
        let service_name = service_name.clone();
        running.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            if failed.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok((service_name, String::new()));
            }
            let result = build_service(&engine, &project, &service_name, &options, &progress).await;
            if result.is_err() {
                failed.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            result.map(|image_id| (service_name, image_id))
        });
    }
    let mut image_ids = BTreeMap::new();
    let mut first_error = None;
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok(Ok((service_name, image_id))) if !image_id.is_empty() => {
                image_ids.insert(service_name, image_id);
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(join_error) => {
                first_error.get_or_insert(BuildError::Engine {
                    service: String::new(),
                    error: EngineError::Communication {
                        context: ErrorContext::engine(),
                        message: join_error.to_string(),
                    },
                });
            }
        }
    }
    if first_error.is_none() {
        // The reference's closing `<service> Built` lines, once every build is over.
        for service_name in image_ids.keys() {
            send_event(
                progress,
                ProgressEvent::new(
                    ResourceId::bare(service_name),
                    Status::Built,
                    std::time::Instant::now(),
                ),
            )
            .await;
        }
    }
    first_error.map_or(Ok(image_ids), Err)
}

async fn send_event(progress: &mpsc::Sender<ProgressMessage>, event: ProgressEvent) {
    let _ = progress.send(event.into()).await;
}

/// Builds one service and returns the image id.
pub async fn build_service(
    engine: &Engine,
    project: &Project,
    service_name: &str,
    options: &BuildOptions,
    progress: &mpsc::Sender<ProgressMessage>,
) -> Result<String, BuildError> {
    let Some(build) = project
        .services
        .get(service_name)
        .and_then(|service| service.build.as_ref())
    else {
        return Err(BuildError::NotBuildable {
            service: service_name.to_owned(),
        });
    };
    if options.builder == Builder::BuildKit {
        // BuildKit's own progress says what is built; the reference adds no line per service.
        return build_with_engine(engine, project, service_name, build, options, progress).await;
    }
    let resource = ResourceId::service(service_name);
    send_event(
        progress,
        ProgressEvent::new(
            resource.clone(),
            Status::Building,
            std::time::Instant::now(),
        ),
    )
    .await;
    let result = build_with_engine(engine, project, service_name, build, options, progress).await;
    let event = match &result {
        Ok(_) => ProgressEvent::new(resource, Status::Built, std::time::Instant::now()),
        Err(_) => ProgressEvent::failed(resource, "Error", std::time::Instant::now()),
    };
    send_event(progress, event).await;
    result
}

async fn build_with_engine(
    engine: &Engine,
    project: &Project,
    service_name: &str,
    build: &BuildConfig,
    options: &BuildOptions,
    progress: &mpsc::Sender<ProgressMessage>,
) -> Result<String, BuildError> {
    check_supported(service_name, build, options.builder)?;
    let context_error = |message: String| BuildError::Context {
        service: service_name.to_owned(),
        message,
    };
    let context_dir = std::path::PathBuf::from(if build.context.is_empty() {
        "."
    } else {
        build.context.as_str()
    });
    let source = if build.dockerfile_inline.is_empty() {
        DockerfileSource::Path(build.dockerfile.clone())
    } else {
        DockerfileSource::Inline(build.dockerfile_inline.clone())
    };
    let outside_name = match options.builder {
        Builder::BuildKit => context::OutsideName::ContentHash,
        Builder::Classic => context::OutsideName::Random,
    };
    let archive = tokio::task::spawn_blocking(move || {
        context::context_archive_named(&context_dir, &source, outside_name)
    })
    .await
    .map_err(|error| context_error(error.to_string()))?
    .map_err(|error| context_error(error.to_string()))?;

    let image = image_name(project, service_name);
    let mut tags = vec![image.clone()];
    for tag in &build.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    if engine.is_dry_run() && options.builder == Builder::BuildKit {
        // The context was read (so a missing Dockerfile still fails); nothing is sent. The
        // reference's BuildKit dry run names a made-up image after the service.
        drop(archive);
        let made_up = format!("dryRun-{}", hex::encode(sha1::Sha1::digest(service_name)));
        let now = std::time::Instant::now();
        for (id, text) in [
            (
                format!("{service_name} ==>"),
                format!("==> writing image {made_up}"),
            ),
            (
                format!("{service_name} ==> ==>"),
                format!("naming to {image}"),
            ),
        ] {
            send_event(
                progress,
                ProgressEvent::new(ResourceId::bare(id), Status::Built, now).with_text(text),
            )
            .await;
        }
        return Ok(made_up);
    }
    if engine.is_dry_run() {
        // The context was read (so a missing Dockerfile still fails); nothing is sent.
        drop(archive);
        if let Some(output) = &options.output {
            for tag in &tags {
                let _ = output.send(BuildOutput::Line(BuildLine {
                    service: service_name.to_owned(),
                    text: format!("naming to {tag}"),
                }));
            }
        }
        return Ok(String::new());
    }
    let arguments: HashMap<String, String> =
        build_arguments(build, &options.build_args, &options.environment)
            .into_iter()
            .collect();
    let image_labels: HashMap<String, String> =
        image_labels(project, service_name, build, options.builder)
            .into_iter()
            .collect();
    let buildkit = options.builder == Builder::BuildKit;
    let extra_hosts = build.extra_hosts.entries(":");
    let query = BuildImageOptions {
        dockerfile: archive.dockerfile.clone(),
        t: Some(image.clone()),
        // BuildKit's progress is always asked for: a failed step's output is shown.
        q: options.quiet && !buildkit,
        nocache: options.no_cache || build.no_cache,
        cachefrom: (!build.cache_from.is_empty()).then(|| build.cache_from.clone()),
        pull: (options.pull || build.pull).then(|| "1".to_owned()),
        rm: true,
        // As the reference (`build --force-rm`, default true): a failed step leaves no
        // intermediate container behind.
        forcerm: true,
        buildargs: (!arguments.is_empty()).then_some(arguments),
        shmsize: (build.shm_size.0 != 0)
            .then(|| i32::try_from(build.shm_size.0).unwrap_or(i32::MAX)),
        labels: Some(image_labels),
        networkmode: (!build.network.is_empty()).then(|| build.network.clone()),
        target: build.target.clone(),
        platform: String::new(),
        version: if buildkit {
            BuilderVersion::BuilderBuildKit
        } else {
            BuilderVersion::BuilderV1
        },
        // The session serves registry credentials to BuildKit (bollard opens it).
        session: buildkit.then(|| format!("dk-compose-{}", random_hex(16))),
        ..BuildImageOptions::default()
    };
    // Bollard sends one `extrahosts` value; the engine reads the parameter repeated.
    let docker = if extra_hosts.is_empty() {
        engine.docker.clone()
    } else {
        let extra: String = extra_hosts.iter().fold(String::new(), |mut query, host| {
            let _ = write!(query, "&extrahosts={}", percent_encode(host));
            query
        });
        engine
            .docker
            .clone()
            .with_request_modifier(move |mut request| {
                if request.uri().path().ends_with("/build") {
                    let text = format!("{}{extra}", request.uri());
                    if let Ok(uri) = text.parse() {
                        *request.uri_mut() = uri;
                    }
                }
                request
            })
    };
    // Base images from private registries: every credential `config.json` gives.
    let credentials: HashMap<String, bollard::auth::DockerCredentials> =
        crate::engine::credentials::all_credentials()
            .await
            .into_iter()
            .map(|(key, credentials)| {
                (
                    key,
                    crate::engine::images::to_docker_credentials(credentials),
                )
            })
            .collect();
    if buildkit && (!build.secrets.is_empty() || !build.ssh.is_empty()) {
        if !build.ssh.is_empty()
            && std::env::var_os("SSH_AUTH_SOCK").is_none_or(|sock| sock.is_empty())
        {
            // The reference's `sshprovider` message.
            return Err(BuildError::Unsupported {
                service: service_name.to_owned(),
                message: "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set"
                    .to_owned(),
            });
        }
        let secrets =
            secrets::build_secrets(project, build, &options.environment).map_err(|message| {
                BuildError::Unsupported {
                    service: service_name.to_owned(),
                    message,
                }
            })?;
        let request = secrets::SecretBuild {
            image: image.clone(),
            dockerfile: archive.dockerfile.clone(),
            archive: archive.archive,
            build: build.clone(),
            arguments: build_arguments(build, &options.build_args, &options.environment),
            labels: self::image_labels(project, service_name, build, options.builder),
            no_cache: options.no_cache || build.no_cache,
            pull: options.pull || build.pull,
            ssh: !build.ssh.is_empty(),
        };
        secrets::build_with_secrets(engine, request, secrets, credentials.into_iter().collect())
            .await
            .map_err(|message| BuildError::Solve {
                service: service_name.to_owned(),
                message,
            })?;
        return tag_built_image(engine, service_name, &image, &tags, None).await;
    }
    let mut stream = docker.build_image(
        query,
        (!credentials.is_empty()).then_some(credentials),
        Some(bollard::body_full(archive.archive.into())),
    );
    let mut step: Option<String> = None;
    let mut pending = String::new();
    let mut image_id: Option<String> = None;
    let send_line = |text: &str| {
        if let Some(output) = &options.output {
            let _ = output.send(BuildOutput::Line(BuildLine {
                service: service_name.to_owned(),
                text: text.to_owned(),
            }));
        }
    };
    let failure = |step: Option<String>, message: String| {
        if buildkit {
            BuildError::Solve {
                service: service_name.to_owned(),
                message,
            }
        } else {
            BuildError::Failed {
                service: service_name.to_owned(),
                step,
                message,
            }
        }
    };
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(error) => {
                if !pending.is_empty() {
                    send_line(&pending);
                }
                return Err(match stream_failure(engine, service_name, step, error) {
                    BuildError::Failed { step, message, .. } => failure(step, message),
                    other => other,
                });
            }
        };
        if let Some(detail) = info.error_detail {
            if !pending.is_empty() {
                send_line(&pending);
            }
            return Err(failure(
                step,
                detail.message.unwrap_or_default().trim().to_owned(),
            ));
        }
        if let Some(aux) = info.aux {
            if let Some(buildkit_status) = status::from_aux(&aux) {
                if let Some(output) = &options.output {
                    let _ = output.send(BuildOutput::Status {
                        service: service_name.to_owned(),
                        status: buildkit_status,
                    });
                }
            } else if let bollard::models::BuildInfoAux::Default(image) = aux {
                if let Some(id) = image.id {
                    image_id = Some(id);
                }
            }
        }
        // With BuildKit, the status messages tell everything (the engine's `stream` lines
        // repeat the tags the reference does not print).
        let Some(text) = info.stream.or(info.status).filter(|_| !buildkit) else {
            continue;
        };
        pending.push_str(&text);
        while let Some(position) = pending.find('\n') {
            let line: String = pending.drain(..=position).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.starts_with("Step ") {
                step = Some(line.to_owned());
            }
            send_line(line);
        }
    }
    if !pending.is_empty() {
        send_line(&pending);
    }
    tag_built_image(engine, service_name, &image, &tags, image_id).await
}

/// The built image's id (asked of the engine when the build did not say it), with the extra
/// tags put on it.
async fn tag_built_image(
    engine: &Engine,
    service_name: &str,
    image: &str,
    tags: &[String],
    image_id: Option<String>,
) -> Result<String, BuildError> {
    let image_id = match image_id {
        Some(id) => id,
        None => engine
            .docker
            .inspect_image(image)
            .await
            .map_err(|error| BuildError::Engine {
                service: service_name.to_owned(),
                error: engine.error(error, ErrorContext::image(image).action("inspect")),
            })?
            .id
            .unwrap_or_default(),
    };
    for tag in tags.iter().skip(1) {
        let (repository, tag_name) = crate::engine::inspect::split_image_reference(tag);
        let tag_options = TagImageOptions {
            repo: Some(repository),
            tag: Some(tag_name),
        };
        engine
            .docker
            .tag_image(&image_id, Some(tag_options))
            .await
            .map_err(|error| BuildError::Engine {
                service: service_name.to_owned(),
                error: engine.error(error, ErrorContext::image(tag).action("tag")),
            })?;
    }
    Ok(image_id)
}

fn stream_failure(
    engine: &Engine,
    service_name: &str,
    step: Option<String>,
    error: bollard::errors::Error,
) -> BuildError {
    match error {
        bollard::errors::Error::DockerStreamError { error } => BuildError::Failed {
            service: service_name.to_owned(),
            step,
            message: error.trim().to_owned(),
        },
        other => {
            let error = engine.error(other, ErrorContext::service(service_name).action("build"));
            match error {
                EngineError::Response { message, .. }
                | EngineError::NotFound { message, .. }
                | EngineError::Conflict { message, .. } => BuildError::Failed {
                    service: service_name.to_owned(),
                    step,
                    message,
                },
                error => BuildError::Engine {
                    service: service_name.to_owned(),
                    error,
                },
            }
        }
    }
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
fn percent_encode(text: &str) -> String {
    let mut encoded = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceConfig;

    #[test]
    fn build_arguments_merge_and_resolve() {
        let build = BuildConfig {
            args: BTreeMap::from([
                ("A".to_owned(), Some("1".to_owned())),
                ("B".to_owned(), Some("2".to_owned())),
                ("UNSET".to_owned(), None),
            ]),
            ..BuildConfig::default()
        };
        let environment = BTreeMap::from([("FROM_ENV".to_owned(), "e".to_owned())]);
        let arguments = build_arguments(
            &build,
            &["B=override".to_owned(), "FROM_ENV".to_owned()],
            &environment,
        );
        assert_eq!(
            arguments,
            BTreeMap::from([
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "override".to_owned()),
                ("FROM_ENV".to_owned(), "e".to_owned()),
            ])
        );
    }

    #[test]
    fn default_image_name_and_labels() {
        let mut project = Project {
            name: "demo".to_owned(),
            ..Project::default()
        };
        project
            .services
            .insert("web".to_owned(), ServiceConfig::default());
        project.services.insert(
            "api".to_owned(),
            ServiceConfig {
                image: "registry/api:1".to_owned(),
                ..ServiceConfig::default()
            },
        );
        assert_eq!(image_name(&project, "web"), "demo-web");
        assert_eq!(image_name(&project, "api"), "registry/api:1");
        let build = BuildConfig {
            labels: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
            ..BuildConfig::default()
        };
        let labels = image_labels(&project, "web", &build, Builder::BuildKit);
        assert_eq!(labels["com.docker.compose.project"], "demo");
        assert_eq!(labels["com.docker.compose.service"], "web");
        assert_eq!(labels["com.docker.compose.version"], "2.40.3");
        assert!(!labels.contains_key(IMAGE_BUILDER_LABEL));
        assert_eq!(labels["team"], "a");
        let classic = image_labels(&project, "web", &build, Builder::Classic);
        assert_eq!(
            classic,
            BTreeMap::from([
                (IMAGE_BUILDER_LABEL.to_owned(), "classic".to_owned()),
                ("team".to_owned(), "a".to_owned()),
            ])
        );
    }

    #[test]
    fn docker_buildkit_chooses_the_builder_as_the_docker_cli() {
        assert_eq!(Builder::from_env(None), Ok(Builder::BuildKit));
        assert_eq!(Builder::from_env(Some("")), Ok(Builder::BuildKit));
        assert_eq!(Builder::from_env(Some("1")), Ok(Builder::BuildKit));
        assert_eq!(Builder::from_env(Some("0")), Ok(Builder::Classic));
        assert_eq!(Builder::from_env(Some("false")), Ok(Builder::Classic));
        assert_eq!(
            Builder::from_env(Some("foo")).unwrap_err(),
            "DOCKER_BUILDKIT environment variable expects boolean value: strconv.ParseBool: parsing \"foo\": invalid syntax"
        );
    }

    #[test]
    fn classic_builder_refuses_secrets_as_the_reference() {
        let build = BuildConfig {
            secrets: vec![crate::model::FileReference::default()],
            ..BuildConfig::default()
        };
        assert_eq!(
            check_supported("web", &build, Builder::Classic)
                .unwrap_err()
                .to_string(),
            "the classic builder doesn't support secrets, set DOCKER_BUILDKIT=1 to use BuildKit"
        );
        assert!(check_supported("web", &BuildConfig::default(), Builder::Classic).is_ok());
    }

    #[test]
    fn failure_names_service_and_step() {
        let error = BuildError::Failed {
            service: "web".to_owned(),
            step: Some("Step 2/3 : RUN exit 3".to_owned()),
            message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "failed to build service `web` at `Step 2/3 : RUN exit 3`: The command '/bin/sh -c exit 3' returned a non-zero code: 3"
        );
        assert_eq!(percent_encode("host:1.2.3.4"), "host%3A1.2.3.4");
    }
}
