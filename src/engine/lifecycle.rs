//! One engine call per container lifecycle step (stop, restart, kill, pause, unpause,
//! remove, wait), each error naming the container; the changes are only pretended under
//! `--dry-run` (`Engine::write`). Ordering and parallelism are the
//! caller's; a missing timeout lets the engine apply the container's own `stop_grace_period`
//! and `stop_signal` (stored at creation), as the reference relies on.

use bollard::query_parameters::{
    KillContainerOptions, RemoveContainerOptions, RestartContainerOptions, StopContainerOptions,
    WaitContainerOptions,
};
use futures_util::StreamExt;

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};

fn seconds(timeout: Option<i64>) -> Option<i32> {
    timeout.map(|value| i32::try_from(value).unwrap_or(i32::MAX))
}

impl Engine {
    /// Stops a container; without `timeout` the engine uses the container's stop timeout.
    pub async fn stop_container(
        &self,
        container: &str,
        timeout: Option<i64>,
    ) -> Result<(), EngineError> {
        let options = StopContainerOptions {
            t: seconds(timeout),
            signal: None,
        };
        match self
            .write((), self.docker.stop_container(container, Some(options)))
            .await
        {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = self.error(error, ErrorContext::container(container).action("stop"));
                // 304: already stopped, which is what was asked.
                if error.is_not_modified() {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }

    pub async fn restart_container(
        &self,
        container: &str,
        timeout: Option<i64>,
    ) -> Result<(), EngineError> {
        let options = RestartContainerOptions {
            t: seconds(timeout),
            signal: None,
        };
        self.write((), self.docker.restart_container(container, Some(options)))
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::container(container).action("restart"))
            })
    }

    pub async fn kill_container(&self, container: &str, signal: &str) -> Result<(), EngineError> {
        let options = KillContainerOptions {
            signal: signal.to_owned(),
        };
        self.write((), self.docker.kill_container(container, Some(options)))
            .await
            .map_err(|error| self.error(error, ErrorContext::container(container).action("kill")))
    }

    pub async fn pause_container(&self, container: &str) -> Result<(), EngineError> {
        self.write((), self.docker.pause_container(container))
            .await
            .map_err(|error| self.error(error, ErrorContext::container(container).action("pause")))
    }

    pub async fn unpause_container(&self, container: &str) -> Result<(), EngineError> {
        self.write((), self.docker.unpause_container(container))
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::container(container).action("unpause"))
            })
    }

    /// Removes a container; `volumes` also removes its anonymous volumes.
    pub async fn remove_container(
        &self,
        container: &str,
        force: bool,
        volumes: bool,
    ) -> Result<(), EngineError> {
        let options = RemoveContainerOptions {
            v: volumes,
            force,
            link: false,
        };
        self.write((), self.docker.remove_container(container, Some(options)))
            .await
            .map_err(|error| self.error(error, ErrorContext::container(container).action("remove")))
    }

    /// Blocks until the container is not running and returns its exit code. The engine
    /// answers when the container stops (its own wait, no polling).
    pub async fn wait_container_exit(&self, container: &str) -> Result<i64, EngineError> {
        let options = WaitContainerOptions {
            condition: "not-running".to_owned(),
        };
        let mut stream = self.docker.wait_container(container, Some(options));
        match stream.next().await {
            Some(Ok(response)) => Ok(response.status_code),
            // bollard reports a non-zero exit as an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(error)) => {
                Err(self.error(error, ErrorContext::container(container).action("wait for")))
            }
            None => Err(EngineError::Communication {
                context: ErrorContext::container(container).action("wait for"),
                message: "the engine closed the connection".to_owned(),
            }),
        }
    }
}

impl Engine {
    /// Removes a network by name (`wait --down-project`); a missing one is not an error.
    pub async fn remove_network_named(&self, network: &str) -> Result<(), EngineError> {
        match self.write((), self.docker.remove_network(network)).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = self.error(error, ErrorContext::network(network).action("remove"));
                if error.is_not_found() {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }
}
