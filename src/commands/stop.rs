//! `stop`: stops the project's containers, dependents before their dependencies, services
//! that do not depend on each other concurrently. Without `-t` the engine applies each
//! container's `stop_grace_period` and `stop_signal`.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Order, Progress, Target, project_or_name};
use crate::cli::StopArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::engine::{Engine, EngineError};
use crate::output::events::{ProgressMessage, Status};

pub fn run(context: &CommandContext, args: &StopArgs) -> i32 {
    let target = match project_or_name(context, &args.service_names) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(&args.service_names) {
        return code;
    }
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(async {
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let progress = match Progress::start(context, "Stopping") {
            Ok(progress) => progress,
            Err(code) => return code,
        };
        let result = stop(
            &engine,
            &target,
            &args.service_names,
            args.timeout,
            &progress.sender,
        )
        .await;
        progress.finish().await;
        match result {
            Ok(()) => exit::OK,
            Err(error) => target::report(&error),
        }
    })
}

/// Stops `services` (all when empty) in reverse dependency order; shared with `rm -s`.
pub async fn stop(
    engine: &Engine,
    target: &Target,
    services: &[String],
    timeout: Option<i64>,
    sender: &tokio::sync::mpsc::Sender<ProgressMessage>,
) -> Result<(), EngineError> {
    let containers = engine
        .list_containers(&target.name, &ContainerQuery::new(true, OneOff::Exclude))
        .await?;
    let dependencies = target::dependencies(target.model(), &containers);
    let selected: Vec<String> = if services.is_empty() {
        dependencies.keys().cloned().collect()
    } else {
        services.to_vec()
    };
    target::run_in_order(&dependencies, Order::Reverse, |service| {
        let engine = engine.clone();
        let sender = sender.clone();
        let chosen: Vec<(String, String)> = if selected.contains(&service) {
            containers
                .iter()
                .filter(|container| container.service == service)
                .map(|container| (container.name.clone(), container.name.clone()))
                .collect()
        } else {
            Vec::new()
        };
        Box::pin(async move {
            let results = join_all(chosen.into_iter().map(|(id, name)| {
                let engine = engine.clone();
                let sender = sender.clone();
                async move {
                    target::emit(&sender, &name, Status::Stopping).await;
                    match engine.stop_container(&id, timeout).await {
                        Ok(()) => {
                            target::emit(&sender, &name, Status::Stopped).await;
                            Ok(())
                        }
                        Err(error) => {
                            target::emit_failure(&sender, &name, "Error while Stopping").await;
                            Err(error)
                        }
                    }
                }
            }))
            .await;
            results
                .into_iter()
                .collect::<Result<Vec<()>, _>>()
                .map(|_| ())
        })
    })
    .await
}
