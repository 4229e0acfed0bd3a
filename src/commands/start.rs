//! `start`: start the existing containers of the services, each after its own dependencies
//! (and their conditions). Creates and recreates nothing: the plan keeps every container.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::context::CommandContext;
use super::exit;
use super::up::{block_on, connect, engine_failure, execute_displayed, load, parallel_limit};
use crate::cli::StartArgs;
use crate::engine::execute::ExecutionContext;
use crate::output::printer;
use crate::plan::{Desired, NetworkPolicy, OrphanPolicy, RecreatePolicy, UpOptions, reconcile_up};

/// Runs `start`.
pub fn run(context: &CommandContext, args: &StartArgs) -> i32 {
    let loaded = match load(context, &args.services) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let project = &loaded.project;
    block_on(async {
        let engine = match connect(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        let observed = match engine.observe_project(&project.name).await {
            Ok(observed) => observed,
            Err(error) => return engine_failure(&error),
        };
        // Exactly the containers that exist: nothing to create or remove.
        let scale: BTreeMap<String, u32> = project
            .services
            .keys()
            .map(|name| {
                let count = observed.service_containers(name).count();
                (name.clone(), u32::try_from(count).unwrap_or(u32::MAX))
            })
            .collect();
        if !args.services.is_empty()
            && args
                .services
                .iter()
                .all(|name| scale.get(name).copied().unwrap_or(0) == 0)
        {
            printer::stderr_line("no containers to start");
            return exit::USER_ERROR;
        }
        let options = UpOptions {
            services: args.services.clone(),
            recreate: RecreatePolicy::Never,
            recreate_dependencies: RecreatePolicy::Never,
            orphans: OrphanPolicy::Ignore,
            networks: NetworkPolicy::Leave,
            scale,
            ..UpOptions::default()
        };
        let desired = Desired::new(project, BTreeMap::new());
        let plan = match reconcile_up(&desired, &observed, &options) {
            Ok(plan) => plan,
            Err(error) => {
                printer::stderr_line(&error.to_string());
                return exit::USER_ERROR;
            }
        };
        let execution = Arc::new(ExecutionContext {
            project: project.clone(),
            config_hashes: desired.config_hashes.clone(),
            working_dir: loaded.working_dir.clone(),
            config_files: loaded.config_files.clone(),
            env_files: loaded.env_files.clone(),
            environment: loaded.environment.clone(),
            parallel: parallel_limit(context),
            ..ExecutionContext::default()
        });
        match execute_displayed(context, &engine, &plan, execution).await {
            Ok(()) => exit::OK,
            Err(code) => code,
        }
    })
}
