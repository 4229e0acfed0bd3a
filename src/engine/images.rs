//! Service images before `up`/`create`: each service's image id (for the
//! `com.docker.compose.image` label and "image changed" decisions), pulling what is missing
//! when the pull policy allows, and a clear error per service for what cannot be had —
//! all before anything is created.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use crate::model::{Project, ServiceConfig};
use crate::output::events::{ProgressEvent, ProgressMessage, ResourceId, Status};

/// `--pull` / `pull_policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull only what is missing (the default).
    #[default]
    Missing,
    Always,
    Never,
    /// Build instead of pulling.
    Build,
}

impl PullPolicy {
    /// The words of `--pull` and `pull_policy` (`if_not_present` is `missing`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "missing" | "if_not_present" | "policy" | "" => Some(Self::Missing),
            "always" => Some(Self::Always),
            "never" => Some(Self::Never),
            "build" => Some(Self::Build),
            _ => None,
        }
    }
}

/// Why a service cannot get its image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    #[error(
        "service `{service}` needs image `{image}` built from its `build:` section: building is not implemented yet in dk-compose (build it with `docker compose build {service}`)"
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
}

/// The image a service runs: `image:`, else the name the reference gives built images.
pub fn service_image(project: &Project, service_name: &str, service: &ServiceConfig) -> String {
    if service.image.is_empty() {
        format!("{}-{service_name}", project.name)
    } else {
        service.image.clone()
    }
}

/// What [`Engine::resolve_images`] found.
#[derive(Debug, Clone, Default)]
pub struct ResolvedImages {
    /// Service → image id.
    pub image_ids: BTreeMap<String, String>,
    pub problems: Vec<ImageProblem>,
}

impl Engine {
    /// The image id (`sha256:…`) of an image, `None` when the engine does not have it.
    pub async fn image_id(&self, image: &str) -> Result<Option<String>, EngineError> {
        match self.docker.inspect_image(image).await {
            Ok(inspect) => Ok(inspect.id),
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

    /// Pulls an image; the engine's error message on failure.
    pub async fn pull_image(&self, image: &str) -> Result<(), String> {
        let options = CreateImageOptions {
            from_image: Some(image.to_owned()),
            ..CreateImageOptions::default()
        };
        let mut stream = self.docker.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(detail) = info.error_detail.and_then(|detail| detail.message) {
                        return Err(detail);
                    }
                }
                Err(error) => {
                    return Err(self
                        .error(error, ErrorContext::image(image).action("pull"))
                        .to_string());
                }
            }
        }
        Ok(())
    }

    /// Resolves the image of every named service, pulling as the policy says. Problems are
    /// collected (one per service), not raised, so the caller reports them all at once.
    pub async fn resolve_images(
        &self,
        project: &Project,
        services: &BTreeSet<String>,
        pull_override: Option<PullPolicy>,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<ResolvedImages, EngineError> {
        let mut resolved = ResolvedImages::default();
        // Each image looked up (and pulled) once, all at the same time; the first service
        // using an image gives its pull policy.
        let mut lookups: BTreeMap<String, (PullPolicy, bool)> = BTreeMap::new();
        for service_name in services {
            let Some(service) = project.services.get(service_name) else {
                continue;
            };
            let policy = pull_override
                .or_else(|| PullPolicy::parse(&service.pull_policy))
                .unwrap_or_default();
            lookups
                .entry(service_image(project, service_name, service))
                .or_insert((policy, service.build.is_some()));
        }
        let outcomes =
            futures_util::future::try_join_all(lookups.iter().map(|(image, (policy, builds))| {
                self.find_or_pull(image, *policy, *builds, progress)
            }))
            .await?;
        // Image → its id, or why it cannot be had.
        let by_image: BTreeMap<String, Result<String, String>> =
            lookups.into_keys().zip(outcomes).collect();
        for service_name in services {
            let Some(service) = project.services.get(service_name) else {
                continue;
            };
            let image = service_image(project, service_name, service);
            let builds = service.build.is_some();
            match by_image.get(&image) {
                // Only pretended (`--dry-run`): no id to record.
                Some(Ok(id)) if id.is_empty() => {}
                Some(Ok(id)) => {
                    resolved.image_ids.insert(service_name.clone(), id.clone());
                }
                Some(Err(_)) if builds => resolved.problems.push(ImageProblem::NeedsBuild {
                    service: service_name.clone(),
                    image,
                }),
                Some(Err(reason)) => resolved.problems.push(ImageProblem::Unavailable {
                    service: service_name.clone(),
                    image,
                    reason: reason.clone(),
                }),
                None => {}
            }
        }
        Ok(resolved)
    }

    async fn find_or_pull(
        &self,
        image: &str,
        policy: PullPolicy,
        builds: bool,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<Result<String, String>, EngineError> {
        let local = if policy == PullPolicy::Always && !builds {
            None
        } else {
            self.image_id(image).await?
        };
        if let Some(id) = local {
            return Ok(Ok(id));
        }
        if builds && self.is_dry_run() {
            // `--dry-run` builds nothing: the image would exist by now.
            return Ok(Ok(String::new()));
        }
        if builds || policy == PullPolicy::Never || policy == PullPolicy::Build {
            return Ok(Err(format!(
                "no such image, and the pull policy is `{}`",
                match policy {
                    PullPolicy::Never => "never",
                    PullPolicy::Build => "build",
                    _ => "missing",
                }
            )));
        }
        let resource = ResourceId::image(image);
        send(
            progress,
            ProgressEvent::new(resource.clone(), Status::Pulling, Instant::now()),
        )
        .await;
        if self.is_dry_run() {
            send(
                progress,
                ProgressEvent::new(resource, Status::Pulled, Instant::now()),
            )
            .await;
            return Ok(Ok(String::new()));
        }
        match self.pull_image(image).await {
            Ok(()) => {
                send(
                    progress,
                    ProgressEvent::new(resource, Status::Pulled, Instant::now()),
                )
                .await;
                Ok(self
                    .image_id(image)
                    .await?
                    .ok_or_else(|| "the pulled image cannot be found".to_owned()))
            }
            Err(reason) => {
                send(
                    progress,
                    ProgressEvent::failed(resource, reason.clone(), Instant::now()),
                )
                .await;
                Ok(Err(reason))
            }
        }
    }
}

async fn send(progress: &mpsc::Sender<ProgressMessage>, event: ProgressEvent) {
    // A closed display must not stop the work.
    let _ = progress.send(ProgressMessage::Event(event)).await;
}
