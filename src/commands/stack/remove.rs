//! `stack rm`: removes the services of each stack, then its secrets, configs and networks
//! (all selected by `com.docker.stack.namespace`, docker/cli `stack/swarm/remove.go`).
//! A network still held by a stopping task is retried once its tasks are gone; with
//! `--detach=false` it also waits until every task has stopped.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cli::StackRmArgs;
use crate::commands::context::CommandContext;
use crate::commands::{exit, target};
use crate::engine::{Engine, EngineError};
use crate::output::printer;
use crate::swarm::LABEL_NAMESPACE;

/// How often to look at the tasks while waiting for them to stop.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How long to wait for the tasks of removed services before giving up.
const TASKS_TIMEOUT: Duration = Duration::from_secs(60);

pub fn run(_context: &CommandContext, args: &StackRmArgs) -> i32 {
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        if let Err(code) = super::require_manager(&engine).await {
            return code;
        }
        let mut code = exit::OK;
        for namespace in &args.stacks {
            match remove_stack(&engine, namespace, args.detach).await {
                Ok(true) => {}
                Ok(false) => {
                    printer::stderr_line(&format!(
                        "failed to remove some resources from stack: {namespace}"
                    ));
                    code = exit::USER_ERROR;
                }
                Err(error) => {
                    code = target::report(&error);
                }
            }
        }
        code
    })
}

/// Removes one stack; `Ok(false)` when some object could not be removed (each reported).
pub async fn remove_stack(
    engine: &Engine,
    namespace: &str,
    detach: bool,
) -> Result<bool, EngineError> {
    let mut services = engine
        .stack_services(Some(namespace), &BTreeMap::new())
        .await?;
    let networks = engine.stack_networks(Some(namespace)).await?;
    let secrets = engine.stack_secrets(namespace).await?;
    let configs = engine.stack_configs(namespace).await?;
    if services.len() + networks.len() + secrets.len() + configs.len() == 0 {
        printer::stderr_line(&format!("Nothing found in stack: {namespace}"));
        return Ok(true);
    }
    let mut complete = true;
    services.sort_by(|left, right| left.name.cmp(&right.name));
    for service in &services {
        printer::stdout(&format!("Removing service {}\n", service.name));
        if let Err(error) = engine.remove_service(&service.id, &service.name).await {
            printer::stderr_line(&error.to_string());
            complete = false;
        }
    }
    for secret in &secrets {
        printer::stdout(&format!("Removing secret {}\n", secret.name));
        if let Err(error) = engine.remove_secret(&secret.id, &secret.name).await {
            printer::stderr_line(&error.to_string());
            complete = false;
        }
    }
    for config in &configs {
        printer::stdout(&format!("Removing config {}\n", config.name));
        if let Err(error) = engine.remove_config(&config.id, &config.name).await {
            printer::stderr_line(&error.to_string());
            complete = false;
        }
    }
    let mut tasks_gone = false;
    for network in &networks {
        printer::stdout(&format!("Removing network {}\n", network.name));
        let mut result = engine
            .remove_swarm_network(&network.id, &network.name)
            .await;
        if result.is_err() && !tasks_gone {
            // Tasks of the removed services may still hold the network for a moment.
            tasks_gone = wait_for_tasks_gone(engine, namespace).await?;
            result = engine
                .remove_swarm_network(&network.id, &network.name)
                .await;
        }
        if let Err(error) = result {
            printer::stderr_line(&error.to_string());
            complete = false;
        }
    }
    if complete && !detach && !tasks_gone {
        wait_for_tasks_gone(engine, namespace).await?;
    }
    Ok(complete)
}

/// Waits until the stack has no task left (docker/cli `waitOnTasks`); `false` on timeout.
async fn wait_for_tasks_gone(engine: &Engine, namespace: &str) -> Result<bool, EngineError> {
    let filters = BTreeMap::from([(
        "label".to_owned(),
        vec![format!("{LABEL_NAMESPACE}={namespace}")],
    )]);
    let deadline = tokio::time::Instant::now() + TASKS_TIMEOUT;
    loop {
        let tasks = engine.swarm_tasks(&filters).await?;
        let terminal = |state: &str| {
            matches!(
                state,
                "complete" | "shutdown" | "failed" | "rejected" | "remove" | "orphaned"
            )
        };
        if tasks.iter().all(|task| terminal(&task.state)) {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
