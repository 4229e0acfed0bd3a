//! Service images: pull policies (`pull_policy`, `--pull`), pulling and pushing with the
//! reference's progress lines and the registry credentials of `config.json`, and, before
//! `up`/`create`/`run` create anything, each service's image id or a clear error per service
//! for an image that cannot be had.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptions, PushImageOptions};
use futures_util::StreamExt;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::connect::Engine;
use super::credentials::{self, RegistryCredentials};
use super::error::{EngineError, ErrorContext};
use super::reference::ImageReference;
use crate::model::{Project, ServiceConfig};
use crate::output::events::{EventState, ProgressEvent, ProgressMessage, ResourceId, Status};

/// `pull_policy` / `--pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull only what is missing (the default; `if_not_present` too).
    #[default]
    Missing,
    Always,
    Never,
    /// Build instead of pulling.
    Build,
    /// `daily`, `weekly`, `every_<duration>`: pull when missing or last tagged longer ago.
    Refresh(Duration),
}

impl PullPolicy {
    /// The words `--pull` accepts (`policy`, its default, is the caller's "no override").
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "missing" | "if_not_present" | "" => Some(Self::Missing),
            "always" => Some(Self::Always),
            "never" => Some(Self::Never),
            "build" => Some(Self::Build),
            _ => None,
        }
    }

    /// A service's `pull_policy`, as compose-go's `GetPullPolicy` reads it: unknown words
    /// are `missing`, a bad `every_` duration is an error.
    pub fn of_service(text: &str) -> Result<Self, String> {
        if let Some(policy) = Self::parse(text) {
            return Ok(policy);
        }
        match text {
            "daily" => Ok(Self::Refresh(Duration::from_secs(24 * 3600))),
            "weekly" => Ok(Self::Refresh(Duration::from_secs(7 * 24 * 3600))),
            _ => match text.strip_prefix("every_") {
                Some(delay) => super::logs::parse_long_duration(delay)
                    .map(Self::Refresh)
                    .ok_or_else(|| format!("invalid pull_policy `{text}`: bad duration `{delay}`")),
                None => Ok(Self::Missing),
            },
        }
    }

    /// The policy a service gets: `--pull` overrides `pull_policy`, and `--build` makes
    /// buildable services `build` (the reference's `createOptions.Apply`).
    pub fn for_service(
        service: &ServiceConfig,
        pull_override: Option<Self>,
        force_build: bool,
    ) -> Result<Self, String> {
        if force_build && service.build.is_some() {
            return Ok(Self::Build);
        }
        match pull_override {
            Some(policy) => Ok(policy),
            None => Self::of_service(&service.pull_policy),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Always => "always",
            Self::Never => "never",
            Self::Build => "build",
            Self::Refresh(_) => "refresh",
        }
    }
}

/// A local image: its id and when it was last tagged (pulled, built or tagged).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalImage {
    pub id: String,
    /// Unix seconds; `None` when the engine never recorded a tag time.
    pub last_tagged: Option<f64>,
}

/// Whether an image must be pulled before the service runs (the reference's `mustPull`).
pub fn must_pull(policy: PullPolicy, local: Option<&LocalImage>, now_seconds: f64) -> bool {
    match policy {
        PullPolicy::Always => true,
        PullPolicy::Never | PullPolicy::Build => false,
        PullPolicy::Missing => local.is_none(),
        PullPolicy::Refresh(every) => local.is_none_or(|image| {
            image
                .last_tagged
                .is_none_or(|tagged| now_seconds > tagged + every.as_secs_f64())
        }),
    }
}

/// Why a service cannot get its image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    #[error(
        "service `{service}`: image `{image}` does not exist locally and is built from the service's `build:` section; build it with `dk-compose build {service}`"
    )]
    NeedsBuild { service: String, image: String },
    #[error(
        "service `{service}`: image `{image}` is not available locally and cannot be pulled: {reason}"
    )]
    Unavailable {
        service: String,
        image: String,
        reason: String,
    },
    #[error("service `{service}`: {reason}")]
    InvalidPolicy { service: String, reason: String },
    #[error("service `{service}`: cannot pull image `{image}`: {reason}")]
    PullFailed {
        service: String,
        image: String,
        reason: String,
    },
    #[error("service `{service}`: cannot push image `{image}`: {reason}")]
    PushFailed {
        service: String,
        image: String,
        reason: String,
    },
}

/// The image a service runs: `image:`, else the name the reference gives built images.
pub fn service_image(project: &Project, service_name: &str, service: &ServiceConfig) -> String {
    if service.image.is_empty() {
        format!("{}-{service_name}", project.name)
    } else {
        service.image.clone()
    }
}

/// Whether `image` can be built: its service, or another with the same `image:`, has a
/// `build:` section (the reference's `isServiceImageToBuild`).
pub fn image_can_be_built(project: &Project, service: &ServiceConfig) -> bool {
    service.build.is_some()
        || (!service.image.is_empty()
            && project
                .services
                .values()
                .any(|other| other.image == service.image && other.build.is_some()))
}

/// One image to pull, shown under the first service that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullJob {
    pub service: String,
    pub image: String,
    /// A failed pull is only a warning: the image can be built instead.
    pub buildable: bool,
    /// The service's `platform` (empty: the engine's own).
    pub platform: String,
}

/// What must be pulled before `up`/`run`, and what may not be.
#[derive(Debug, Clone, Default)]
pub struct PullPlan {
    pub jobs: Vec<PullJob>,
    /// Invalid `pull_policy` values.
    pub problems: Vec<ImageProblem>,
    /// Images missing locally that their policy does not let us pull → the policy's word.
    pub withheld: BTreeMap<String, &'static str>,
}

/// What the pulls before `up`/`run` left behind.
#[derive(Debug, Clone, Default)]
pub struct PullReport {
    /// Image → the engine's message, for images that could not be pulled.
    pub failures: BTreeMap<String, String>,
    /// Images a dry run would have pulled.
    pub pretended: BTreeSet<String>,
    /// Images whose pull another's failure cut (`PullSettings::fail_fast`): neither had nor
    /// failed.
    pub interrupted: BTreeSet<String>,
    /// From [`PullPlan::withheld`], for the error message.
    pub withheld: BTreeMap<String, &'static str>,
}

/// What [`Engine::resolve_images`] found.
#[derive(Debug, Clone, Default)]
pub struct ResolvedImages {
    /// Service → image id.
    pub image_ids: BTreeMap<String, String>,
    pub problems: Vec<ImageProblem>,
}

/// How pulls run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PullSettings {
    /// No per-layer lines (`--quiet-pull`, `pull -q`).
    pub quiet: bool,
    /// At most this many pulls at once (`None`: no limit).
    pub parallel: Option<usize>,
    /// The first failure of an image that cannot be built cuts the other pulls (each shown
    /// `Interrupted`), as the reference's `up` and its `pull` without
    /// `--ignore-pull-failures`.
    pub fail_fast: bool,
}

impl Engine {
    /// The image id (`sha256:…`) of an image, `None` when the engine does not have it.
    pub async fn image_id(&self, image: &str) -> Result<Option<String>, EngineError> {
        Ok(self.local_image(image).await?.map(|local| local.id))
    }

    /// A local image's id and last tag time, `None` when the engine does not have it.
    pub async fn local_image(&self, image: &str) -> Result<Option<LocalImage>, EngineError> {
        match self.docker.inspect_image(image).await {
            Ok(inspect) => {
                let last_tagged = inspect
                    .metadata
                    .and_then(|metadata| metadata.last_tag_time)
                    .map(|time| crate::engine::timestamp::seconds(&time))
                    // Go's zero time: never tagged.
                    .filter(|seconds| *seconds > 0.0);
                Ok(Some(LocalImage {
                    id: inspect.id.unwrap_or_default(),
                    last_tagged,
                }))
            }
            Err(error) => {
                let error = self.error(error, ErrorContext::image(image).action("inspect"));
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Pulls a job's image, with the reference's lines: `web Pulling`, one line per layer
    /// (unless `quiet`), then `web Pulled`, or `web Error <message>` (`Warning` when the
    /// image can be built instead). The engine's message on failure.
    pub async fn pull_service_image(
        &self,
        job: &PullJob,
        quiet: bool,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<(), String> {
        let resource = ResourceId::bare(&job.service);
        send(
            progress,
            ProgressEvent::new(resource.clone(), Status::Pulling, Instant::now())
                .with_text("Pulling"),
        )
        .await;
        let outcome = self.pull_image(job, &resource, quiet, progress).await;
        let event = match &outcome {
            Ok(()) => {
                ProgressEvent::new(resource, Status::Pulled, Instant::now()).with_text("Pulled")
            }
            Err(message) if job.buildable => {
                ProgressEvent::warning(resource, message.clone(), Instant::now())
                    .with_text("Warning")
            }
            Err(message) => {
                ProgressEvent::failed(resource, message.clone(), Instant::now()).with_text("Error")
            }
        };
        send(progress, event).await;
        outcome
    }

    /// Pulls an image with the registry's credentials; layer lines go under `parent` unless
    /// `quiet`. The engine's message on failure. Under `--dry-run` the registry is only
    /// asked whether it has the image (the engine's distribution inspect), as the
    /// reference's dry-run client does.
    async fn pull_image(
        &self,
        job: &PullJob,
        parent: &ResourceId,
        quiet: bool,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<(), String> {
        let image = job.image.as_str();
        let reference = ImageReference::parse(image)?;
        let credentials = credentials::credentials_for(&reference)
            .await
            .map_err(|error| error.to_string())?;
        if self.is_dry_run() {
            let name = match &reference.digest {
                Some(digest) => format!("{}@{digest}", reference.repository),
                None => format!("{}:{}", reference.repository, reference.tag_or_latest()),
            };
            return self
                .docker
                .inspect_registry_image(&name, credentials.map(to_docker_credentials))
                .await
                .map(|_| ())
                .map_err(|error| self.pull_error(error, image));
        }
        let options = CreateImageOptions {
            from_image: Some(reference.repository.clone()),
            tag: Some(reference.tag_or_latest()),
            platform: job.platform.clone(),
            ..CreateImageOptions::default()
        };
        let mut stream =
            self.docker
                .create_image(Some(options), None, credentials.map(to_docker_credentials));
        while let Some(item) = stream.next().await {
            let info = match item {
                Ok(info) => info,
                Err(error) => {
                    return Err(self.pull_error(error, image));
                }
            };
            if let Some(message) = info.error_detail.and_then(|detail| detail.message) {
                return Err(message);
            }
            if quiet {
                continue;
            }
            let (Some(layer), Some(detail), Some(status)) =
                (info.id, info.progress_detail, info.status)
            else {
                continue;
            };
            let state = match status.as_str() {
                "Download complete" | "Already exists" | "Pull complete" => EventState::Done,
                _ => EventState::Working,
            };
            let event =
                ProgressEvent::new(ResourceId::bare(layer), Status::Pulling, Instant::now())
                    .with_text(status)
                    .with_detail(progress_text(
                        detail.current.unwrap_or_default(),
                        detail.total.unwrap_or_default(),
                    ))
                    .with_state(state)
                    .with_parent(parent.clone());
            send(progress, event).await;
        }
        Ok(())
    }

    /// The engine's own words for a failed pull (`manifest for x not found: ...`).
    fn pull_error(&self, error: bollard::errors::Error, image: &str) -> String {
        match error {
            bollard::errors::Error::DockerStreamError { error } => error,
            bollard::errors::Error::DockerResponseServerError { message, .. } => message,
            other => self
                .error(other, ErrorContext::image(image).action("pull"))
                .to_string(),
        }
    }

    /// Pushes one tag with the registry's credentials: one line `Pushing <tag>` following
    /// the engine's status (unless `quiet`). The engine's message on failure.
    pub async fn push_image(
        &self,
        tag: &str,
        quiet: bool,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<(), String> {
        let reference = ImageReference::parse(tag)?;
        if reference.digest.is_some() {
            return Err(format!("cannot push a digest reference `{tag}`"));
        }
        if self.is_dry_run() {
            // Nothing is sent: the image must exist here, as a real push would require.
            if self
                .local_image(tag)
                .await
                .map_err(|error| error.to_string())?
                .is_none()
            {
                return Err(format!(
                    "An image does not exist locally with the tag: {}",
                    reference.repository
                ));
            }
            if !quiet {
                let resource = ResourceId::bare(format!("Pushing {tag}"));
                let event = ProgressEvent::new(resource, Status::Pulled, Instant::now())
                    .with_text("Pushed");
                send(progress, event).await;
            }
            return Ok(());
        }
        let credentials = credentials::credentials_for(&reference)
            .await
            .map_err(|error| error.to_string())?;
        let options = PushImageOptions {
            tag: reference.tag.clone(),
            ..PushImageOptions::default()
        };
        let resource = ResourceId::bare(format!("Pushing {tag}"));
        let mut stream = self.docker.push_image(
            &reference.repository,
            Some(options),
            credentials.map(to_docker_credentials),
        );
        while let Some(item) = stream.next().await {
            let info = match item {
                Ok(info) => info,
                Err(error) => return Err(self.pull_error(error, tag)),
            };
            if let Some(message) = info.error_detail.and_then(|detail| detail.message) {
                return Err(message);
            }
            // Layer messages carry a progress detail; the last line (`latest: digest: …`)
            // does not. bollard drops the layer id, so one line per tag shows the latest.
            let (Some(status), Some(detail)) = (info.status, info.progress_detail) else {
                continue;
            };
            if !quiet {
                let event = ProgressEvent::new(resource.clone(), Status::Pulling, Instant::now())
                    .with_text(status)
                    .with_detail(progress_text(
                        detail.current.unwrap_or_default(),
                        detail.total.unwrap_or_default(),
                    ))
                    .with_state(EventState::Working);
                send(progress, event).await;
            }
        }
        if !quiet {
            let event =
                ProgressEvent::new(resource, Status::Pulled, Instant::now()).with_text("Pushed");
            send(progress, event).await;
        }
        Ok(())
    }

    /// The pulls `services` need before they run (the reference's `pullRequiredImages`),
    /// one per image. Invalid `pull_policy` values are returned as problems.
    pub async fn required_pulls(
        &self,
        project: &Project,
        services: &BTreeSet<String>,
        pull_override: Option<PullPolicy>,
        force_build: bool,
    ) -> Result<PullPlan, EngineError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs_f64())
            .unwrap_or_default();
        let mut plan = PullPlan::default();
        // Each image inspected once, however many services run it.
        let mut local_images: BTreeMap<String, Option<LocalImage>> = BTreeMap::new();
        for name in services {
            let Some(service) = project.services.get(name) else {
                continue;
            };
            // Build-only services have nothing to pull.
            if service.image.is_empty() {
                continue;
            }
            let policy = match PullPolicy::for_service(service, pull_override, force_build) {
                Ok(policy) => policy,
                Err(reason) => {
                    plan.problems.push(ImageProblem::InvalidPolicy {
                        service: name.clone(),
                        reason,
                    });
                    continue;
                }
            };
            if plan.jobs.iter().any(|job| job.image == service.image) {
                continue;
            }
            if !local_images.contains_key(&service.image) {
                let local = self.local_image(&service.image).await?;
                local_images.insert(service.image.clone(), local);
            }
            let local = local_images.get(&service.image).and_then(Option::as_ref);
            if must_pull(policy, local, now) {
                plan.jobs.push(PullJob {
                    service: name.clone(),
                    image: service.image.clone(),
                    buildable: image_can_be_built(project, service),
                    platform: service.platform.clone(),
                });
            } else if local.is_none() {
                plan.withheld.insert(service.image.clone(), policy.word());
            }
        }
        Ok(plan)
    }

    /// Runs pull jobs concurrently (bounded); failures are collected, not raised, so that
    /// every missing image is reported at once.
    pub async fn run_pulls(
        &self,
        jobs: Vec<PullJob>,
        settings: PullSettings,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> PullReport {
        let mut report = PullReport::default();
        let limit = Arc::new(Semaphore::new(
            settings.parallel.unwrap_or(Semaphore::MAX_PERMITS),
        ));
        // Service → image, while its pull is not over.
        let mut unfinished: BTreeMap<String, String> = BTreeMap::new();
        let mut running = JoinSet::new();
        for job in jobs {
            unfinished.insert(job.service.clone(), job.image.clone());
            let engine = self.clone();
            let limit = Arc::clone(&limit);
            let progress = progress.clone();
            running.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let outcome = engine
                    .pull_service_image(&job, settings.quiet, &progress)
                    .await;
                (job, outcome)
            });
        }
        while let Some(joined) = running.join_next().await {
            let Ok((job, outcome)) = joined else {
                // Cut by a failure (below).
                continue;
            };
            unfinished.remove(&job.service);
            match outcome {
                Err(message) => {
                    if settings.fail_fast && !job.buildable {
                        running.abort_all();
                    }
                    report.failures.insert(job.image, message);
                }
                // `--dry-run`: the registry has it, nothing was pulled.
                Ok(()) if self.is_dry_run() => {
                    report.pretended.insert(job.image);
                }
                Ok(()) => {}
            }
        }
        // Cut by a fail-fast failure (or, never expected, a pull task that panicked).
        for (service, image) in unfinished {
            report.interrupted.insert(image);
            let event =
                ProgressEvent::warning(ResourceId::bare(service), "Interrupted", Instant::now())
                    .with_text("");
            send(progress, event).await;
        }
        report
    }

    /// Each service's image id once pulls and builds are done; a problem per service whose
    /// image is missing (with the pull's failure when there was one).
    pub async fn resolve_images(
        &self,
        project: &Project,
        services: &BTreeSet<String>,
        pulls: &PullReport,
    ) -> Result<ResolvedImages, EngineError> {
        let mut resolved = ResolvedImages::default();
        // Each image looked up once, all lookups at the same time.
        let images: BTreeSet<String> = services
            .iter()
            .filter_map(|name| {
                let service = project.services.get(name)?;
                Some(service_image(project, name, service))
            })
            .collect();
        let ids =
            futures_util::future::try_join_all(images.iter().map(|image| self.image_id(image)))
                .await?;
        let by_image: BTreeMap<String, Option<String>> = images.into_iter().zip(ids).collect();
        for service_name in services {
            let Some(service) = project.services.get(service_name) else {
                continue;
            };
            let image = service_image(project, service_name, service);
            match by_image.get(&image) {
                Some(Some(id)) => {
                    resolved.image_ids.insert(service_name.clone(), id.clone());
                }
                // `--dry-run` pulls and builds nothing: the image would exist by now.
                _ if pulls.pretended.contains(&image)
                    || (service.build.is_some() && self.is_dry_run()) =>
                {
                    resolved
                        .image_ids
                        .insert(service_name.clone(), String::new());
                }
                _ => {
                    let problem = if let Some(reason) = pulls.failures.get(&image) {
                        ImageProblem::Unavailable {
                            service: service_name.clone(),
                            image,
                            reason: reason.clone(),
                        }
                    } else if service.build.is_some() {
                        ImageProblem::NeedsBuild {
                            service: service_name.clone(),
                            image,
                        }
                    } else {
                        let reason = match pulls.withheld.get(&image) {
                            Some(policy) => {
                                format!("no such image, and the pull policy is `{policy}`")
                            }
                            None => "no such image".to_owned(),
                        };
                        ImageProblem::Unavailable {
                            service: service_name.clone(),
                            image,
                            reason,
                        }
                    };
                    resolved.problems.push(problem);
                }
            }
        }
        Ok(resolved)
    }
}

/// Our credentials as bollard sends them.
pub(crate) fn to_docker_credentials(credentials: RegistryCredentials) -> DockerCredentials {
    DockerCredentials {
        username: credentials.username,
        password: credentials.password,
        identitytoken: credentials.identity_token,
        serveraddress: Some(credentials.server_address),
        ..DockerCredentials::default()
    }
}

/// The engine's progress text (`[=====>      ]  1.2MB/3.4MB`, go's `JSONProgress.String`
/// for a wide output), which bollard does not pass on.
pub fn progress_text(current: i64, total: i64) -> String {
    use crate::output::table::human_size;
    if current <= 0 && total <= 0 {
        return String::new();
    }
    if total <= 0 {
        return format!("{:>8}", human_size(current));
    }
    let percentage = usize::try_from(current.saturating_mul(50) / total)
        .unwrap_or_default()
        .min(50);
    format!(
        "[{}>{}] {:>8}/{}",
        "=".repeat(percentage),
        " ".repeat(50 - percentage),
        human_size(current),
        human_size(total)
    )
}

async fn send(progress: &mpsc::Sender<ProgressMessage>, event: ProgressEvent) {
    // A closed display must not stop the work.
    let _ = progress.send(ProgressMessage::Event(event)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_round_trip_through_x_registry_auth_with_the_api_field_names() {
        use base64::Engine as _;
        let credentials = to_docker_credentials(RegistryCredentials {
            username: Some("robot$ci".to_owned()),
            password: Some("tok>en?".to_owned()),
            identity_token: Some("t0ken".to_owned()),
            server_address: "registry.example.com:5000".to_owned(),
        });
        // bollard sends this JSON, base64-encoded, as `X-Registry-Auth`.
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_string(&credentials).unwrap());
        let decoded: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(decoded["username"], "robot$ci");
        assert_eq!(decoded["password"], "tok>en?");
        assert_eq!(decoded["identitytoken"], "t0ken");
        assert_eq!(decoded["serveraddress"], "registry.example.com:5000");
    }

    #[test]
    fn service_policies_as_compose_go_reads_them() {
        assert_eq!(PullPolicy::of_service(""), Ok(PullPolicy::Missing));
        assert_eq!(
            PullPolicy::of_service("if_not_present"),
            Ok(PullPolicy::Missing)
        );
        assert_eq!(PullPolicy::of_service("whatever"), Ok(PullPolicy::Missing));
        assert_eq!(
            PullPolicy::of_service("daily"),
            Ok(PullPolicy::Refresh(Duration::from_secs(86_400)))
        );
        assert_eq!(
            PullPolicy::of_service("weekly"),
            Ok(PullPolicy::Refresh(Duration::from_secs(604_800)))
        );
        assert_eq!(
            PullPolicy::of_service("every_1h30m"),
            Ok(PullPolicy::Refresh(Duration::from_secs(5400)))
        );
        assert_eq!(
            PullPolicy::of_service("every_2d"),
            Ok(PullPolicy::Refresh(Duration::from_secs(172_800)))
        );
        assert!(PullPolicy::of_service("every_soon").is_err());
        assert_eq!(PullPolicy::parse("policy"), None);
    }

    #[test]
    fn overrides_and_forced_builds() {
        let mut service = ServiceConfig {
            pull_policy: "never".to_owned(),
            ..ServiceConfig::default()
        };
        assert_eq!(
            PullPolicy::for_service(&service, None, true),
            Ok(PullPolicy::Never)
        );
        assert_eq!(
            PullPolicy::for_service(&service, Some(PullPolicy::Always), false),
            Ok(PullPolicy::Always)
        );
        service.build = Some(crate::model::BuildConfig::default());
        assert_eq!(
            PullPolicy::for_service(&service, Some(PullPolicy::Always), true),
            Ok(PullPolicy::Build)
        );
    }

    #[test]
    fn what_must_be_pulled() {
        let fresh = LocalImage {
            id: "sha256:a".to_owned(),
            last_tagged: Some(1000.0),
        };
        let hour = PullPolicy::Refresh(Duration::from_secs(3600));
        assert!(must_pull(PullPolicy::Missing, None, 0.0));
        assert!(!must_pull(PullPolicy::Missing, Some(&fresh), 0.0));
        assert!(must_pull(PullPolicy::Always, Some(&fresh), 0.0));
        assert!(!must_pull(PullPolicy::Never, None, 0.0));
        assert!(!must_pull(PullPolicy::Build, None, 0.0));
        assert!(!must_pull(hour, Some(&fresh), 2000.0));
        assert!(must_pull(hour, Some(&fresh), 5000.0));
        assert!(must_pull(hour, None, 0.0));
        let untagged = LocalImage {
            last_tagged: None,
            ..fresh
        };
        assert!(must_pull(hour, Some(&untagged), 0.0));
    }

    #[test]
    fn progress_texts() {
        assert_eq!(progress_text(0, 0), "");
        assert_eq!(progress_text(2000, 0), "     2kB");
        let half = progress_text(500, 1000);
        assert!(half.starts_with(&format!("[{}>", "=".repeat(25))), "{half}");
        assert!(half.ends_with("     500B/1kB"), "{half}");
    }
}
