//! `stop`: stops the project's containers, dependents before their dependencies, services
//! that do not depend on each other concurrently. Without `-t` the engine applies each
//! container's `stop_grace_period` and `stop_signal`. An interrupt cuts the stops under
//! way (the engine goes on with them), as the reference's: exit 130.

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::interrupts::Cancel;
use super::lifecycle::{Opened, run_opened};
use super::target::{self, Order, Progress, Target};
use crate::cli::StopArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::engine::{Engine, EngineError};
use crate::output::events::{ProgressMessage, Status};

pub fn run(context: &CommandContext, args: &StopArgs) -> i32 {
    run_opened(
        context,
        &args.service_names,
        &args.service_names,
        |Opened {
             target,
             engine,
             cancel,
         }| async move {
            let progress = match Progress::start(context, "Stopping") {
                Ok(progress) => progress,
                Err(code) => return code,
            };
            let result = stop_unless(
                &engine,
                &target,
                &args.service_names,
                args.timeout,
                &progress.sender,
                &cancel,
            )
            .await;
            progress.finish().await;
            match result {
                Ok(()) => exit::OK,
                Err(error) => target::report_unless_interrupted(&error, &cancel),
            }
        },
    )
}

/// Stops `services` (all when empty) in reverse dependency order; for the attached `up`.
pub async fn stop(
    engine: &Engine,
    target: &Target,
    services: &[String],
    timeout: Option<i64>,
    sender: &tokio::sync::mpsc::Sender<ProgressMessage>,
) -> Result<(), EngineError> {
    stop_unless(engine, target, services, timeout, sender, &Cancel::never()).await
}

/// As [`stop`], the calls under way cut when `cancel` is raised; shared with `rm -s`.
pub(crate) async fn stop_unless(
    engine: &Engine,
    target: &Target,
    services: &[String],
    timeout: Option<i64>,
    sender: &tokio::sync::mpsc::Sender<ProgressMessage>,
    cancel: &Cancel,
) -> Result<(), EngineError> {
    let containers = cancel
        .call(engine.list_containers(&target.name, &ContainerQuery::new(true, OneOff::Exclude)))
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
        let cancel = cancel.clone();
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
                let cancel = cancel.clone();
                async move {
                    target::emit(&sender, &name, Status::Stopping).await;
                    match cancel.call(engine.stop_container(&id, timeout)).await {
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
