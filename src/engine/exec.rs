//! Interactive sessions with containers (`run`, `exec`): attach to a one-off container or an
//! exec process, pump stdin/stdout/stderr between the caller's streams and the engine, resize
//! the pseudo-terminal, report the exit code; plus the few create/start calls `run` needs.
//! The caller owns the terminal (raw mode, signals) and decides what to run.

use std::collections::HashMap;
use std::pin::Pin;

use bollard::container::LogOutput;
use bollard::exec::{ResizeExecOptions, StartExecOptions, StartExecResults};
use bollard::models::{ExecConfig, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{AttachContainerOptions, ResizeContainerTTYOptions};
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use crate::model::{NetworkConfig, VolumeConfig};
use crate::output::events::{ProgressEvent, ProgressMessage, ResourceId, Status};

type OutputStream = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

/// The streams of an attached container or exec process.
pub struct Attached {
    output: OutputStream,
    input: Pin<Box<dyn AsyncWrite + Send>>,
    context: ErrorContext,
}

/// What an exec process runs and how (`docker compose exec` flags).
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    pub command: Vec<String>,
    pub environment: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub privileged: bool,
    pub tty: bool,
    /// Attach stdin (interactive).
    pub stdin: bool,
    /// Attach stdout/stderr (not detached).
    pub attach_output: bool,
}

/// Which pseudo-terminal to resize.
#[derive(Debug, Clone)]
pub enum TtyTarget {
    Container(String),
    Exec(String),
}

impl Engine {
    /// Attaches to a created container's streams (before starting it, so no output is lost),
    /// with the detach keys of `config.json`. Refused under `--dry-run`: nothing was created
    /// to attach to.
    pub async fn attach_container_streams(
        &self,
        container: &str,
        stdin: bool,
    ) -> Result<Attached, EngineError> {
        let detach_keys = super::credentials::configured_detach_keys();
        self.attach_streams(container, stdin, detach_keys, "run")
            .await
    }

    /// Attaches to a container's streams with the engine watching stdin for `detach_keys`
    /// (its default `ctrl-p,ctrl-q` when `None`); `session` names the command refused
    /// under `--dry-run`.
    pub async fn attach_streams(
        &self,
        container: &str,
        stdin: bool,
        detach_keys: Option<String>,
        session: &'static str,
    ) -> Result<Attached, EngineError> {
        if self.is_dry_run() {
            return Err(EngineError::DryRunInteractive { session });
        }
        let context = ErrorContext::container(container).action("attach to");
        let options = AttachContainerOptions {
            stream: true,
            stdin,
            stdout: true,
            stderr: true,
            logs: false,
            detach_keys,
        };
        let attached = self
            .docker
            .attach_container(container, Some(options))
            .await
            .map_err(|error| self.error(error, context.clone()))?;
        Ok(Attached {
            output: attached.output,
            input: attached.input,
            context,
        })
    }

    /// How a container was created for sessions: `(tty, open_stdin)`.
    pub async fn container_terminal(&self, container: &str) -> Result<(bool, bool), EngineError> {
        let inspected = self
            .docker
            .inspect_container(container, None)
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::container(container).action("inspect"))
            })?;
        let config = inspected.config.unwrap_or_default();
        Ok((
            config.tty.unwrap_or_default(),
            config.open_stdin.unwrap_or_default(),
        ))
    }

    /// Starts a created container.
    pub async fn start_created_container(&self, container: &str) -> Result<(), EngineError> {
        self.write(
            (),
            self.docker.start_container(
                container,
                None::<bollard::query_parameters::StartContainerOptions>,
            ),
        )
        .await
        .map_err(|error| self.error(error, ErrorContext::container(container).action("start")))
    }

    /// Resizes a pseudo-terminal (best effort: a process that just ended is not an error).
    pub async fn resize_tty(&self, target: &TtyTarget, rows: u16, columns: u16) {
        match target {
            TtyTarget::Container(container) => {
                let options = ResizeContainerTTYOptions {
                    h: i32::from(rows),
                    w: i32::from(columns),
                };
                let _ = self.docker.resize_container_tty(container, options).await;
            }
            TtyTarget::Exec(exec_id) => {
                let options = ResizeExecOptions {
                    height: rows,
                    width: columns,
                };
                let _ = self.docker.resize_exec(exec_id, options).await;
            }
        }
    }

    /// Creates an exec process in a running container (the detach keys of `config.json`)
    /// and returns its id (a made-up one under `--dry-run`, as the reference's dry-run client).
    pub async fn create_exec_process(
        &self,
        container: &str,
        request: &ExecRequest,
    ) -> Result<String, EngineError> {
        if self.is_dry_run() {
            return Ok(super::build::random_hex(32));
        }
        let config = ExecConfig {
            attach_stdin: Some(request.stdin),
            attach_stdout: Some(request.attach_output),
            attach_stderr: Some(request.attach_output),
            tty: Some(request.tty),
            env: (!request.environment.is_empty()).then(|| request.environment.clone()),
            cmd: Some(request.command.clone()),
            privileged: Some(request.privileged),
            user: request.user.clone(),
            working_dir: request.working_dir.clone(),
            detach_keys: super::credentials::configured_detach_keys(),
            ..ExecConfig::default()
        };
        let created = self
            .docker
            .create_exec(container, config)
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::container(container).action("exec in"))
            })?;
        Ok(created.id)
    }

    /// Starts an exec process; attached unless `detach`. Under `--dry-run` a detached one is
    /// pretended and an attached one refused.
    pub async fn start_exec_process(
        &self,
        exec_id: &str,
        tty: bool,
        detach: bool,
    ) -> Result<Option<Attached>, EngineError> {
        if self.is_dry_run() {
            return if detach {
                Ok(None)
            } else {
                Err(EngineError::DryRunInteractive { session: "exec" })
            };
        }
        let context = ErrorContext::container(exec_id).action("start exec");
        let options = StartExecOptions {
            detach,
            tty,
            output_capacity: None,
        };
        let started = self
            .docker
            .start_exec(exec_id, Some(options))
            .await
            .map_err(|error| self.error(error, context.clone()))?;
        Ok(match started {
            StartExecResults::Attached { output, input } => Some(Attached {
                output,
                input,
                context,
            }),
            StartExecResults::Detached => None,
        })
    }

    /// The exit code of a finished exec process.
    pub async fn exec_exit_code(&self, exec_id: &str) -> Result<i64, EngineError> {
        let inspected = self.docker.inspect_exec(exec_id).await.map_err(|error| {
            self.error(
                error,
                ErrorContext::container(exec_id).action("inspect exec"),
            )
        })?;
        Ok(inspected.exit_code.unwrap_or_default())
    }

    /// Creates a project network unless it exists (`run`'s minimal path before the `up`
    /// machinery); `labels` are the compose labels to put on it. A creation is shown on
    /// `progress` (`Network x  Creating`, `Created`); under `--dry-run` it is only shown.
    pub async fn ensure_network(
        &self,
        network: &NetworkConfig,
        labels: HashMap<String, String>,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<(), EngineError> {
        let name = network.name.clone();
        if self.network_exists(&name).await? {
            return Ok(());
        }
        let resource = ResourceId::network(&name);
        shown(progress, &resource, Status::Creating).await;
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: (!network.driver.is_empty()).then(|| network.driver.clone()),
            internal: Some(network.internal),
            attachable: Some(network.attachable),
            enable_ipv4: network.enable_ipv4,
            enable_ipv6: network.enable_ipv6,
            options: Some(
                network
                    .driver_opts
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            ),
            labels: Some(labels),
            ..NetworkCreateRequest::default()
        };
        let created = match self
            .write(
                bollard::models::NetworkCreateResponse::default(),
                self.docker.create_network(request),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => {
                let error = self.error(error, ErrorContext::network(&name).action("create"));
                // Created concurrently by another command: fine.
                if error.is_conflict() {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        };
        shown_outcome(progress, &resource, created).await
    }

    /// Creates a project volume unless it exists, shown as [`Engine::ensure_network`].
    pub async fn ensure_volume(
        &self,
        volume: &VolumeConfig,
        labels: HashMap<String, String>,
        progress: &mpsc::Sender<ProgressMessage>,
    ) -> Result<(), EngineError> {
        let name = volume.name.clone();
        if self.volume_exists(&name).await? {
            return Ok(());
        }
        let resource = ResourceId::volume(&name);
        shown(progress, &resource, Status::Creating).await;
        let request = VolumeCreateRequest {
            name: Some(name.clone()),
            driver: (!volume.driver.is_empty()).then(|| volume.driver.clone()),
            driver_opts: Some(
                volume
                    .driver_opts
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            ),
            labels: Some(labels),
            ..VolumeCreateRequest::default()
        };
        let created = self
            .write(
                bollard::models::Volume::default(),
                self.docker.create_volume(request),
            )
            .await
            .map(|_| ())
            .map_err(|error| self.error(error, ErrorContext::volume(&name).action("create")));
        shown_outcome(progress, &resource, created).await
    }
}

/// One progress event of a resource (a closed display does not stop the work).
async fn shown(progress: &mpsc::Sender<ProgressMessage>, resource: &ResourceId, status: Status) {
    let event = ProgressEvent::new(resource.clone(), status, std::time::Instant::now());
    let _ = progress.send(ProgressMessage::Event(event)).await;
}

/// Shows how a creation ended (`Created` or `Error`) and passes its outcome on.
async fn shown_outcome(
    progress: &mpsc::Sender<ProgressMessage>,
    resource: &ResourceId,
    created: Result<(), EngineError>,
) -> Result<(), EngineError> {
    let status = if created.is_ok() {
        Status::Created
    } else {
        Status::Error
    };
    shown(progress, resource, status).await;
    created
}

/// Copies `stdin` (when given) to the session and the session's output to `stdout` /
/// `stderr` (a TTY session has one stream, sent to `stdout`) until the engine closes the
/// output. The end of `stdin` closes the session's input (the process sees EOF).
pub async fn pump<R, O, E>(
    attached: Attached,
    stdin: Option<R>,
    mut stdout: O,
    mut stderr: E,
) -> Result<(), EngineError>
where
    R: AsyncRead + Unpin + Send,
    O: AsyncWrite + Unpin + Send,
    E: AsyncWrite + Unpin + Send,
{
    let Attached {
        mut output,
        mut input,
        context,
    } = attached;
    let feed = async move {
        if let Some(mut reader) = stdin {
            let _ = tokio::io::copy(&mut reader, &mut input).await;
            let _ = input.shutdown().await;
        }
        // Keep the input half alive until the output ends.
        std::future::pending::<()>().await;
        drop(input);
    };
    let drain = async move {
        while let Some(item) = output.next().await {
            let written = match item {
                Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => {
                    write_all(&mut stdout, &message).await
                }
                Ok(LogOutput::StdErr { message }) => write_all(&mut stderr, &message).await,
                Ok(LogOutput::StdIn { .. }) => Ok(()),
                Err(error) => {
                    return Err(EngineError::Communication {
                        context,
                        message: error.to_string(),
                    });
                }
            };
            // A closed stdout (`| head`) ends the copy, not the session.
            if written.is_err() {
                break;
            }
        }
        Ok(())
    };
    tokio::select! {
        result = drain => result,
        () = feed => Ok(()),
    }
}

async fn write_all<W: AsyncWrite + Unpin>(writer: &mut W, bytes: &[u8]) -> std::io::Result<()> {
    writer.write_all(bytes).await?;
    writer.flush().await
}
