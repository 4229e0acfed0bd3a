//! `stats [SERVICE]`: the resource usage of the project's containers (running ones, all with
//! `-a`), one table with `--no-stream`, else a redrawn table every 500 ms as the docker CLI
//! does, with rows appearing and (without `-a`) disappearing as containers start and stop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_name};
use crate::cli::StatsArgs;
use crate::engine::Engine;
use crate::engine::inspect::{ContainerQuery, ContainerSummary, OneOff};
use crate::engine::stats::UsageSample;
use crate::output::printer;
use crate::output::stats::{StatsRow, render_stats, stream_frame};

const REDRAW: std::time::Duration = std::time::Duration::from_millis(500);

pub fn run(context: &CommandContext, args: &StatsArgs) -> i32 {
    let name = match project_name(context) {
        Ok(name) => name,
        Err(code) => return code,
    };
    // A bad template is refused before anything is asked of the engine.
    if let Err(error) = render_stats(&[], &args.format, true) {
        printer::stderr_line(&error.to_string());
        return exit::USER_ERROR;
    }
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let code = runtime.block_on(async {
        let engine = match target::connect().await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        if args.no_stream {
            one_table(&engine, &name, args).await
        } else {
            stream(&engine, &name, args).await
        }
    });
    runtime.shutdown_background();
    code
}

async fn containers(
    engine: &Engine,
    project: &str,
    args: &StatsArgs,
) -> Result<Vec<ContainerSummary>, i32> {
    let services: Vec<String> = args.service.iter().cloned().collect();
    let query = ContainerQuery::new(args.all, OneOff::Include).services(&services);
    let mut listed = engine
        .list_containers(project, &query)
        .await
        .map_err(|error| target::report(&error))?;
    listed.retain(|container| {
        args.service
            .as_ref()
            .is_none_or(|s| &container.service == s)
    });
    Ok(listed)
}

fn print(rows: &[StatsRow], args: &StatsArgs, frame: bool) -> i32 {
    let rendered = render_stats(rows, &args.format, !args.no_trunc);
    target::print_listing(rendered.map(|text| if frame { stream_frame(&text) } else { text }))
}

async fn one_table(engine: &Engine, project: &str, args: &StatsArgs) -> i32 {
    let listed = match containers(engine, project, args).await {
        Ok(listed) => listed,
        Err(code) => return code,
    };
    let readings = join_all(listed.iter().map(|container| async {
        let mut samples = Box::pin(engine.container_usage(&container.id, false));
        samples.next().await.and_then(Result::ok)
    }))
    .await;
    let rows: Vec<StatsRow> = listed
        .into_iter()
        .zip(readings)
        .map(|(container, usage)| StatsRow {
            id: container.id,
            name: container.name,
            usage,
        })
        .collect();
    print(&rows, args, false)
}

/// The latest reading of every followed container; `None` until the first one arrives.
type Readings = Arc<Mutex<HashMap<String, Option<UsageSample>>>>;

async fn stream(engine: &Engine, project: &str, args: &StatsArgs) -> i32 {
    let readings: Readings = Arc::default();
    let mut followers = tokio::task::JoinSet::new();
    let mut ticker = tokio::time::interval(REDRAW);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let listed = match containers(engine, project, args).await {
            Ok(listed) => listed,
            Err(code) => return code,
        };
        let rows = {
            let Ok(mut latest) = readings.lock() else {
                return exit::INTERNAL;
            };
            latest.retain(|id, _| listed.iter().any(|container| &container.id == id));
            for container in &listed {
                if latest.contains_key(&container.id) {
                    continue;
                }
                latest.insert(container.id.clone(), None);
                let samples = engine.container_usage(&container.id, true);
                let readings = Arc::clone(&readings);
                let id = container.id.clone();
                followers.spawn(async move {
                    let mut samples = Box::pin(samples);
                    while let Some(Ok(sample)) = samples.next().await {
                        match readings.lock() {
                            Ok(mut latest) if latest.contains_key(&id) => {
                                latest.insert(id.clone(), Some(sample));
                            }
                            _ => return,
                        }
                    }
                    // Ended (stopped): the last reading stays until it is no longer listed.
                });
            }
            listed
                .iter()
                .map(|container| StatsRow {
                    id: container.id.clone(),
                    name: container.name.clone(),
                    usage: latest.get(&container.id).cloned().flatten(),
                })
                .collect::<Vec<_>>()
        };
        let code = print(&rows, args, true);
        if code != exit::OK {
            return code;
        }
    }
}
