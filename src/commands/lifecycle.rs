//! The opening the lifecycle commands share (`stop`, `restart`, `kill`, `rm`, `pause`,
//! `unpause`): the project (from its file, or only its name), the named services checked,
//! interrupts listened to (the first cuts the engine calls under way, exit 130), the engine
//! reached for changes; then the command's own body. Also their container listing.

use std::future::Future;

use futures_util::future::join_all;
use tokio::sync::mpsc;

use super::context::CommandContext;
use super::interrupts::{Cancel, Cancellation};
use super::target::{self, Target, project_or_name};
use crate::engine::inspect::{ContainerQuery, ContainerSummary};
use crate::engine::{Engine, EngineError};
use crate::output::events::ProgressMessage;

/// What a lifecycle command's body works with.
pub(crate) struct Opened {
    pub target: Target,
    pub engine: Engine,
    /// Raised by the first interrupt; each engine call races it.
    pub cancel: Cancel,
}

impl Opened {
    /// The project's containers matching `query`; those of services the compose file no
    /// longer declares are left out unless `with_orphans`. A failure is reported (130 when
    /// interrupted) and given as the exit code.
    pub async fn containers(
        &self,
        query: &ContainerQuery,
        with_orphans: bool,
    ) -> Result<Vec<ContainerSummary>, i32> {
        let mut containers = self
            .cancel
            .call(self.engine.list_containers(&self.target.name, query))
            .await
            .map_err(|error| target::report_unless_interrupted(&error, &self.cancel))?;
        if !with_orphans {
            if let Some(project) = self.target.model() {
                containers.retain(|container| project.services.contains_key(&container.service));
            }
        }
        Ok(containers)
    }
}

/// Runs `each` on every container at once under a progress display titled `title` (each
/// call gets the display's sender, the engine and the cancellation flag); the first failure
/// is reported (130 when interrupted) and given as the exit code.
pub(crate) async fn for_each_container<'a, Each, Work>(
    context: &CommandContext,
    opened: (&Engine, &Cancel),
    title: &str,
    containers: &'a [ContainerSummary],
    each: Each,
) -> i32
where
    Each: Fn(&'a ContainerSummary, mpsc::Sender<ProgressMessage>, Engine, Cancel) -> Work,
    Work: Future<Output = Result<(), EngineError>>,
{
    let (engine, cancel) = opened;
    let progress = match target::Progress::start(context, title) {
        Ok(progress) => progress,
        Err(code) => return code,
    };
    let results = join_all(containers.iter().map(|container| {
        each(
            container,
            progress.sender.clone(),
            engine.clone(),
            cancel.clone(),
        )
    }))
    .await;
    progress.finish().await;
    match results.into_iter().find_map(Result::err) {
        None => super::exit::OK,
        Some(error) => target::report_unless_interrupted(&error, cancel),
    }
}

/// Runs a lifecycle command: the project found with `lookup` (the services that decide
/// whether the file must load), `checked` verified against it, then `body`; its exit code.
pub(crate) fn run_opened<Body, Work>(
    context: &CommandContext,
    lookup: &[String],
    checked: &[String],
    body: Body,
) -> i32
where
    Body: FnOnce(Opened) -> Work,
    Work: Future<Output = i32>,
{
    let target = match project_or_name(context, lookup) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(checked) {
        return code;
    }
    super::up::block_on(async {
        let cancellation = match Cancellation::listen() {
            Ok(cancellation) => cancellation,
            Err(code) => return code,
        };
        let engine = match target::connect_for_changes(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let code = body(Opened {
            target,
            engine,
            cancel: cancellation.cancel(),
        })
        .await;
        drop(cancellation);
        code
    })
}
