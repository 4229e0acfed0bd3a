//! `down`: stop and remove the project's containers (reverse dependency order, parallel
//! where independent), then its networks, and with `-v` volumes, with `--rmi` images.
//! Works with only a project name (`-p name down`) and no compose file, like the reference.

use std::sync::Arc;

use super::context::CommandContext;
use super::exit;
use super::up::{block_on, connect, engine_failure, execute_displayed, parallel_limit};
use crate::cli::DownArgs;
use crate::engine::Engine;
use crate::engine::execute::ExecutionContext;
use crate::loader::{self, LoadedProject, SkipStages};
use crate::output::printer;
use crate::plan::{DownOptions, ImageRemoval, VolumeRemoval, reconcile_down};

/// Runs `down`.
pub fn run(context: &CommandContext, args: &DownArgs) -> i32 {
    let images = match args.rmi.as_deref() {
        None => ImageRemoval::None,
        Some("local") => ImageRemoval::Local,
        Some("all") => ImageRemoval::All,
        Some(other) => {
            printer::stderr_line(&format!("invalid value for --rmi: \"{other}\""));
            return exit::USER_ERROR;
        }
    };
    let loaded = match load_optional(context, &args.services) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let project_name = match (&loaded, &context.global.project_name) {
        (Some(loaded), _) => loaded.project.name.clone(),
        (None, Some(name)) => name.clone(),
        (None, None) => match context.os_env.get("COMPOSE_PROJECT_NAME") {
            Some(name) => name.clone(),
            None => return exit::USER_ERROR,
        },
    };
    let options = DownOptions {
        services: args.services.clone(),
        volumes: if args.volumes {
            VolumeRemoval::Remove
        } else {
            VolumeRemoval::Keep
        },
        images,
        remove_orphans: args.remove_orphans || context.env_flag("COMPOSE_REMOVE_ORPHANS"),
    };
    block_on(async {
        let engine = match connect(context).await {
            Ok(engine) => engine,
            Err(code) => return code,
        };
        take_down(
            context,
            &engine,
            loaded.as_ref(),
            &project_name,
            &options,
            args.timeout,
        )
        .await
    })
}

/// Stops and removes what `options` names of the project (all of it by default), with the
/// progress display; under `--dry-run` only shown, then the plan printed. `wait
/// --down-project` ends this way too.
pub(crate) async fn take_down(
    context: &CommandContext,
    engine: &Engine,
    loaded: Option<&LoadedProject>,
    project_name: &str,
    options: &DownOptions,
    stop_timeout: Option<i32>,
) -> i32 {
    let images = options.images;
    let mut observed = match engine.observe_project(project_name).await {
        Ok(observed) => observed,
        Err(error) => return engine_failure(&error),
    };
    if let (Some(loaded), VolumeRemoval::Remove) = (loaded, options.volumes) {
        let project = &loaded.project;
        let names: Vec<String> = project
            .volumes
            .iter()
            .filter(|(_, volume)| !volume.external)
            .map(|(key, _)| crate::plan::reconcile::volume_name(project, key))
            .collect();
        if let Err(error) = engine
            .observe_foreign_resources(&mut observed, &[], &names)
            .await
        {
            return engine_failure(&error);
        }
    }
    if observed.is_empty() && images == ImageRemoval::None {
        printer::stderr_line(&format!(
            "WARN[0000] Warning: No resource found to remove for project \"{project_name}\"."
        ));
        return exit::OK;
    }
    let plan = match reconcile_down(loaded.map(|loaded| &loaded.project), &observed, options) {
        Ok(plan) => plan,
        Err(error) => {
            printer::stderr_line(&error.to_string());
            return exit::USER_ERROR;
        }
    };
    // Orphans left by `down` are not warned about: the reference says nothing (their
    // network is kept with `Resource is still in use`).
    let execution = Arc::new(ExecutionContext {
        project: loaded
            .map(|loaded| loaded.project.clone())
            .unwrap_or_default(),
        stop_timeout,
        parallel: parallel_limit(context),
        ..ExecutionContext::default()
    });
    match execute_displayed(context, engine, &plan, execution).await {
        Ok(()) => exit::OK,
        Err(code) => code,
    }
}

/// The project when a compose file is there; `None` when only a project name is given
/// (`-p name down` in an empty directory), as the reference allows.
fn load_optional(
    context: &CommandContext,
    services: &[String],
) -> Result<Option<LoadedProject>, i32> {
    let options = context.load_options(services, SkipStages::default());
    let name_given = context.global.project_name.is_some()
        || context.os_env.contains_key("COMPOSE_PROJECT_NAME");
    if name_given && context.global.files.is_empty() {
        // Without a file the loader fails; that is fine here.
        return Ok(loader::load(&options).ok());
    }
    context
        .load(&options)
        .map(Some)
        .map_err(|_| exit::USER_ERROR)
}
