//! The engine calls of `develop.watch` (the reference's `tarDockerClient` in
//! `pkg/compose/watch.go`; the tar upload is `copy`'s `upload_archive`): run a
//! command in a container and collect what it prints (`rm -rf` of deleted paths, a
//! `sync+exec` command), the creation time of a container's image (`initial_sync`), and
//! the removal of the project's dangling images after a rebuild (`watch --prune`).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime};

use bollard::query_parameters::{ListImagesOptions, RemoveImageOptions};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use super::exec::ExecRequest;
use crate::labels;

/// How a command run in a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedExec {
    pub exit_code: i64,
    /// Its stdout, then its stderr.
    pub output: Vec<u8>,
}

impl Engine {
    /// Runs `request.command` in a running container and waits for it to end. Under
    /// `--dry-run` nothing runs and it counts as a success with no output.
    pub async fn exec_captured(
        &self,
        container: &str,
        request: &ExecRequest,
    ) -> Result<CapturedExec, EngineError> {
        if self.is_dry_run() {
            return Ok(CapturedExec {
                exit_code: 0,
                output: Vec::new(),
            });
        }
        let request = ExecRequest {
            attach_output: true,
            stdin: false,
            tty: false,
            ..request.clone()
        };
        let exec_id = self.create_exec_process(container, &request).await?;
        let mut output = Vec::new();
        let mut errors = Vec::new();
        if let Some(attached) = self.start_exec_process(&exec_id, false, false).await? {
            super::exec::pump(attached, None::<tokio::io::Empty>, &mut output, &mut errors).await?;
        }
        output.extend_from_slice(&errors);
        // The output can end a moment before the engine records the exit code.
        let mut exit_code = self.exec_exit_code(&exec_id).await?;
        for _ in 0..50 {
            let inspected = self.docker.inspect_exec(&exec_id).await.map_err(|error| {
                self.error(
                    error,
                    ErrorContext::container(container).action("inspect exec in"),
                )
            })?;
            if inspected.running != Some(true) {
                exit_code = inspected.exit_code.unwrap_or(exit_code);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(CapturedExec { exit_code, output })
    }

    /// When the image of a container was made (`None` when the engine does not say).
    pub async fn container_image_created(
        &self,
        container: &str,
    ) -> Result<Option<SystemTime>, EngineError> {
        let inspected = self
            .docker
            .inspect_container(
                container,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::container(container).action("inspect"))
            })?;
        let Some(image_id) = inspected.image else {
            return Ok(None);
        };
        let image = self
            .docker
            .inspect_image(&image_id)
            .await
            .map_err(|error| self.error(error, ErrorContext::image(&image_id).action("inspect")))?;
        Ok(image
            .created
            .as_ref()
            .map(crate::engine::timestamp::seconds)
            .and_then(|seconds| {
                Duration::try_from_secs_f64(seconds)
                    .ok()
                    .map(|elapsed| SystemTime::UNIX_EPOCH + elapsed)
            }))
    }

    /// Removes the project's dangling images except `keep` (ids), best effort (the
    /// reference's `pruneDanglingImagesOnRebuild`). Returns the ids removed.
    pub async fn prune_dangling_project_images(
        &self,
        project_name: &str,
        keep: &BTreeSet<String>,
    ) -> Result<Vec<String>, EngineError> {
        let filters = HashMap::from([
            ("dangling".to_owned(), vec!["true".to_owned()]),
            (
                "label".to_owned(),
                vec![format!("{}={project_name}", labels::PROJECT)],
            ),
        ]);
        let images = self
            .docker
            .list_images(Some(ListImagesOptions {
                filters: Some(filters),
                ..ListImagesOptions::default()
            }))
            .await
            .map_err(|error| {
                self.error(
                    error,
                    ErrorContext::project(project_name).action("list the images of"),
                )
            })?;
        let mut removed = Vec::new();
        for image in images {
            if keep.contains(&image.id) {
                continue;
            }
            let result = self
                .write(
                    Vec::new(),
                    self.docker
                        .remove_image(&image.id, None::<RemoveImageOptions>, None),
                )
                .await;
            if result.is_ok() {
                removed.push(image.id);
            }
        }
        Ok(removed)
    }
}
