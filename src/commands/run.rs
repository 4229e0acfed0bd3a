//! `run`: a one-off container of a service (`<project>-<service>-run-<slug>`, labelled
//! `com.docker.compose.oneoff=True` and `com.docker.compose.slug`), its dependencies started
//! first honouring their conditions (unless `--no-deps`), attached with a TTY when stdin is a
//! terminal, stdin piped otherwise, signals forwarded; the container's exit code is ours.
//!
//! Dependencies go through `up`'s converge (created, started, their conditions honoured),
//! then the service's image is pulled or built as needed and the conditions the service asks
//! of its dependencies are waited on, in the reference's order (`prepareRun`).

use std::collections::{BTreeMap, BTreeSet};

use super::context::CommandContext;
use super::exit;
use super::session::{self, SessionSettings};
use super::target;
use super::up::{
    BuildPolicy, ConvergeRequest, ImagePreparation, Questions, converge, prepare_images,
    recreate_volumes_first,
};
use crate::cli::{ProgressMode, RunArgs};
use crate::engine::build::random_hex;
use crate::engine::convert::{
    self, ContainerContext, CreateOptions, PeerContainer, secrets_and_configs_to_copy,
};
use crate::engine::exec::TtyTarget;
use crate::engine::images::PullPolicy;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::engine::{Condition, Engine, EngineError};
use crate::graph::Graph;
use crate::hash;
use crate::labels;
use crate::loader::{LoadedProject, SkipStages};
use crate::model::{
    DependencyCondition, ServiceConfig, ServicePortConfig, ServiceVolumeConfig, VolumeType,
};
use crate::output::printer;
use crate::plan::{DependencyPolicy, OrphanPolicy, UpOptions};

pub fn run(context: &CommandContext, args: &RunArgs) -> i32 {
    // `--project-name` is shadowed by `run -p` (publish); put it back where it belongs.
    let mut global = context.global.clone();
    if args.project_name.is_some() {
        global.project_name.clone_from(&args.project_name);
    }
    // `-w` is the container's working directory here, not the global `--workdir`.
    if args.workdir.is_some() {
        global.workdir = None;
    }
    let context = &CommandContext {
        global,
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: context.remote_source.clone(),
    };
    let options = context.load_options(std::slice::from_ref(&args.service), SkipStages::default());
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    if let Err(code) = super::remote_stack::checks(context, false, &args.environment) {
        return code;
    }
    if !loaded.project.services.contains_key(&args.service) {
        printer::stderr_line(&format!("no such service: {}", args.service));
        return exit::USER_ERROR;
    }
    let pull = match args.pull.as_str() {
        "policy" => None,
        text => {
            let Some(policy) = PullPolicy::parse(text) else {
                printer::stderr_line(&format!("invalid --pull option \"{text}\""));
                return exit::USER_ERROR;
            };
            Some(policy)
        }
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let graph = Graph::from_project(&loaded.project);
    let mut dependencies: BTreeSet<String> = graph.with_dependencies([args.service.as_str()]);
    dependencies.remove(&args.service);
    if args.no_deps {
        dependencies.clear();
    }
    // The service's image first (unlike the reference, which starts the dependencies before
    // it finds the image missing): nothing is created when it cannot be had.
    let image_id = match runtime.block_on(service_image(context, args, &loaded, pull)) {
        Ok(image_id) => image_id,
        Err(code) => return code,
    };
    // A changed volume of the service or its dependencies: asked about once, here, and
    // recreated first when the user says yes (the reference asks in its dependencies'
    // `create`); their `up` below then keeps the answer.
    let volume_options = UpOptions {
        services: vec![args.service.clone()],
        dependencies: if args.no_deps {
            DependencyPolicy::Exclude
        } else {
            DependencyPolicy::Include
        },
        ..UpOptions::default()
    };
    if let Err(code) = runtime.block_on(recreate_volumes_first(context, &loaded, &volume_options)) {
        return code;
    }
    // Dependencies go through `up`'s own path (create, then start honouring conditions), as
    // the reference's `startDependencies` does; what was not running before is what this
    // run started (for `--down-deps`).
    let mut started_dependencies = Vec::new();
    if !dependencies.is_empty() {
        let running_before = match runtime.block_on(running_containers(&loaded, &dependencies)) {
            Ok(running) => running,
            Err(code) => return code,
        };
        let code = start_dependencies(context, args, pull, &dependencies);
        if code != exit::OK {
            return code;
        }
        match runtime.block_on(running_containers(&loaded, &dependencies)) {
            Ok(running_after) => {
                started_dependencies = running_after
                    .into_iter()
                    .filter(|name| !running_before.contains(name))
                    .collect();
            }
            Err(code) => return code,
        }
    }
    let one_off = OneOffRun {
        context,
        args,
        loaded: &loaded,
        image_id,
        converged: &dependencies,
        started_dependencies: &started_dependencies,
    };
    let code = runtime.block_on(run_one_off(&one_off));
    // A blocking read of our stdin may still be pending: do not wait for it.
    runtime.shutdown_background();
    code
}

/// `up`'s converge for the dependencies (created, started, their own conditions honoured).
fn start_dependencies(
    context: &CommandContext,
    args: &RunArgs,
    pull: Option<PullPolicy>,
    dependencies: &BTreeSet<String>,
) -> i32 {
    let dependency_context = display_context(context, args.quiet);
    let services: Vec<String> = dependencies.iter().cloned().collect();
    let mut request = ConvergeRequest {
        pull,
        quiet_pull: args.quiet_pull,
        quiet_build: args.quiet_build || args.quiet,
        build: if args.build {
            BuildPolicy::Always
        } else {
            BuildPolicy::Missing
        },
        // Asked already, before the dependencies.
        questions: Questions::AssumeNo,
        ..ConvergeRequest::default()
    };
    request.options.services.clone_from(&services);
    if args.remove_orphans {
        request.options.orphans = OrphanPolicy::Remove;
    }
    converge(&dependency_context, &services, &request)
}

/// The command's context, its progress display silenced by `run --quiet`.
fn display_context(context: &CommandContext, quiet: bool) -> CommandContext {
    let mut global = context.global.clone();
    if quiet {
        global.progress = ProgressMode::Quiet;
    }
    CommandContext {
        global,
        os_env: context.os_env.clone(),
        current_dir: context.current_dir.clone(),
        stderr_colour: context.stderr_colour,
        remote_source: context.remote_source.clone(),
    }
}

/// Names of the running (not one-off) containers of `services`.
async fn running_containers(
    loaded: &LoadedProject,
    services: &BTreeSet<String>,
) -> Result<BTreeSet<String>, i32> {
    let engine = target::connect().await?;
    let names: Vec<String> = services.iter().cloned().collect();
    let containers = engine
        .list_containers(
            &loaded.project.name,
            &ContainerQuery::new(false, OneOff::Exclude).services(&names),
        )
        .await
        .map_err(|error| target::report(&error))?;
    Ok(containers
        .into_iter()
        .filter(|container| container.state == "running")
        .map(|container| container.name)
        .collect())
}

/// The service's own image: pulled as the policy says, built with `--build` or when missing;
/// its id, or the exit code after an error naming the service and the image.
async fn service_image(
    context: &CommandContext,
    args: &RunArgs,
    loaded: &LoadedProject,
    pull: Option<PullPolicy>,
) -> Result<Option<String>, i32> {
    let engine = target::connect_for_changes(context).await?;
    let project = &loaded.project;
    let only_service = BTreeSet::from([args.service.clone()]);
    let preparation = ImagePreparation {
        pull,
        build: if args.build {
            BuildPolicy::Always
        } else {
            BuildPolicy::Missing
        },
        quiet_pull: args.quiet_pull,
        quiet_build: args.quiet_build || args.quiet,
    };
    let pulls = prepare_images(context, &engine, loaded, &only_service, preparation).await?;
    let resolved = engine
        .resolve_images(project, &only_service, &pulls)
        .await
        .map_err(|error| target::report(&error))?;
    if !resolved.problems.is_empty() {
        for problem in &resolved.problems {
            printer::stderr_line(&problem.to_string());
        }
        return Err(exit::USER_ERROR);
    }
    Ok(resolved
        .image_ids
        .get(&args.service)
        .filter(|id| !id.is_empty())
        .cloned())
}

/// What the one-off container is made from, once the dependencies are up.
struct OneOffRun<'a> {
    context: &'a CommandContext,
    args: &'a RunArgs,
    loaded: &'a LoadedProject,
    image_id: Option<String>,
    /// The dependencies `up`'s converge brought up (their networks and volumes exist).
    converged: &'a BTreeSet<String>,
    /// Those it started (for `--down-deps`).
    started_dependencies: &'a [String],
}

/// Creates the one-off container and runs it. Under `--dry-run` the engine pretends every
/// change: a detached run prints the container's name, an attached one is refused after
/// showing what would be created, as the reference does.
async fn run_one_off(run: &OneOffRun<'_>) -> i32 {
    let OneOffRun {
        context,
        args,
        loaded,
        started_dependencies,
        ..
    } = *run;
    let engine = match target::connect_for_changes(context).await {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let project = &loaded.project;

    let prepared = async {
        ensure_resources(run, &engine).await?;
        // Under `--dry-run` nothing was started: the conditions count as met, as the
        // reference's dry-run client reports every container running and healthy.
        if args.no_deps || engine.is_dry_run() {
            return Ok(());
        }
        wait_dependencies(&engine, project, &args.service)
            .await
            .map_err(|error| target::report(&error))
    }
    .await;
    if let Err(code) = prepared {
        return code;
    }

    let (code, passed_through) =
        match Box::pin(create_and_run(&engine, args, loaded, run.image_id.clone())).await {
            Ok(code) => (code, true),
            Err(message) => {
                printer::stderr_line(&message);
                (exit::USER_ERROR, false)
            }
        };
    if args.down_deps && !started_dependencies.is_empty() {
        // dk-compose extension (docker/compose#2791): remove what this run started.
        for container in started_dependencies.iter().rev() {
            let _ = engine.stop_container(container, None).await;
            let _ = engine.remove_container(container, true, false).await;
        }
    }
    // The container's non-zero exit code is the reference's `StatusError` without a
    // message: it ends with an empty line on stderr.
    if passed_through && code != exit::OK {
        printer::stderr_line("");
    }
    code
}

/// Waits for the conditions the run service asks of its direct dependencies (`healthy`,
/// `completed_successfully`), as the reference's `waitDependencies` does before creating the
/// one-off container.
async fn wait_dependencies(
    engine: &Engine,
    project: &crate::model::Project,
    service_name: &str,
) -> Result<(), EngineError> {
    let Some(service) = project.services.get(service_name) else {
        return Ok(());
    };
    for (dependency, config) in &service.depends_on {
        let condition = match config.condition {
            DependencyCondition::Healthy => Condition::Healthy,
            DependencyCondition::CompletedSuccessfully => Condition::ExitedSuccessfully,
            _ => continue,
        };
        let containers = engine
            .list_containers(
                &project.name,
                &ContainerQuery::new(true, OneOff::Exclude)
                    .services(std::slice::from_ref(dependency)),
            )
            .await?;
        for container in containers {
            engine.wait_for(&container.name, condition, None).await?;
        }
    }
    Ok(())
}

/// The one-off service: the reference's `applyRunOptions`.
fn one_off_service(
    args: &RunArgs,
    service: &ServiceConfig,
    project_name: &str,
    tty: bool,
) -> ServiceConfig {
    let mut service = service.clone();
    if !args.command.is_empty() {
        service.command = Some(args.command.clone());
    }
    if let Some(user) = &args.user {
        service.user.clone_from(user);
    }
    if let Some(workdir) = &args.workdir {
        service.working_dir = workdir.display().to_string();
    }
    if let Some(entrypoint) = &args.entrypoint {
        service.entrypoint = Some(split_words(entrypoint));
    }
    for entry in &args.environment {
        if let Some((key, value)) = entry.split_once('=') {
            service
                .environment
                .insert(key.to_owned(), Some(value.to_owned()));
        } else {
            let value = std::env::var(entry).ok();
            service.environment.insert(entry.clone(), value);
        }
    }
    for file in &args.env_from_file {
        if let Ok(text) = std::fs::read_to_string(file) {
            let lookup = |name: &str| std::env::var(name).ok();
            if let Ok(values) = crate::loader::dotenv::parse(
                &text,
                crate::loader::source::SourceId(u32::MAX),
                &lookup,
            ) {
                for (key, value) in values {
                    service.environment.entry(key).or_insert(Some(value));
                }
            }
        }
    }
    for label in &args.labels {
        let (key, value) = label.split_once('=').unwrap_or((label.as_str(), ""));
        service.labels.insert(key.to_owned(), value.to_owned());
    }
    if !args.service_ports {
        service.ports.clear();
    }
    for publish in &args.publish {
        service.ports.extend(parse_publish(publish));
    }
    for volume in &args.volumes {
        if let Some(parsed) = parse_volume(volume) {
            service.volumes.push(parsed);
        }
    }
    service.cap_add.extend(args.cap_add.iter().cloned());
    service.cap_drop.extend(args.cap_drop.iter().cloned());
    service.tty = tty;
    service.stdin_open = args.interactive;
    // One-offs are never restarted by the engine.
    service.restart = String::new();
    if let Some(deploy) = service.deploy.as_mut() {
        deploy.restart_policy = None;
    }
    service.container_name = args.name.clone().unwrap_or_default();
    let _ = project_name;
    service
}

async fn create_and_run(
    engine: &Engine,
    args: &RunArgs,
    loaded: &LoadedProject,
    image_id: Option<String>,
) -> Result<i32, String> {
    let project = &loaded.project;
    let Some(base) = project.services.get(&args.service) else {
        return Err(format!("no such service: {}", args.service));
    };
    let tty = !args.no_tty && (args.tty || session::stdin_is_terminal()) && !args.detach;
    let service = one_off_service(args, base, &project.name, tty);
    let slug = random_hex(32);
    let container_name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{}-run-{}", project.name, args.service, &slug[..12]));
    let mut service = service;
    service.labels.insert(labels::SLUG.to_owned(), slug.clone());
    let attach_stdin = args.interactive && !args.detach;
    let peers = peer_containers(engine, &project.name)
        .await
        .map_err(|error| error.to_string())?;
    let config_hash = convert::effective_service(&args.service, &service, &peers)
        .map(|effective| hash::service_hash(&effective))
        .map_err(|error| error.to_string())?;
    let container_context = ContainerContext {
        project,
        service_name: &args.service,
        service: &service,
        number: 1,
        container_name: container_name.clone(),
        oneoff: true,
        config_hash,
        image_id,
        working_dir: &loaded.working_dir,
        config_files: &loaded.config_files,
        env_files: &loaded.env_files,
        replaces: None,
        options: CreateOptions {
            // Attached runs remove the container themselves once its exit code is read.
            auto_remove: args.rm && args.detach,
            attach_stdin,
            use_network_aliases: args.use_aliases,
            api_version: engine.api_version(),
            service_containers: peers,
            ..CreateOptions::default()
        },
    };
    let spec =
        convert::try_container_spec(&container_context).map_err(|error| error.to_string())?;
    for warning in &spec.warnings {
        printer::stderr_line(warning);
    }
    let container_id = convert::create_container(engine, &container_name, &spec)
        .await
        .map_err(|error| convert::explain_create_error(&args.service, &error))?;
    let files = secrets_and_configs_to_copy(project, &args.service, &service, &loaded.environment);
    if let Ok(files) = files {
        convert::copy_files(engine, &container_id, &files)
            .await
            .map_err(|error| error.to_string())?;
    }

    if args.detach {
        engine
            .start_created_container(&container_id)
            .await
            .map_err(|error| error.to_string())?;
        if !args.quiet {
            printer::stdout(&format!("{container_id}\n"));
        }
        return Ok(exit::OK);
    }

    let outcome = async {
        let attached = engine
            .attach_container_streams(&container_id, attach_stdin)
            .await?;
        let settings = SessionSettings {
            tty,
            stdin: attach_stdin,
            tty_target: TtyTarget::Container(container_id.clone()),
            signal_container: (!tty).then(|| container_id.clone()),
        };
        session::run_session(
            engine,
            attached,
            &settings,
            engine.start_created_container(&container_id),
        )
        .await?;
        engine.wait_container_exit(&container_id).await
    }
    .await;
    if args.rm {
        let _ = engine.remove_container(&container_id, true, true).await;
    }
    outcome
        .map(session::exit_code)
        .map_err(|error: EngineError| error.to_string())
}

/// Containers of the project by service (for `links`, `volumes_from`, `service:` modes).
async fn peer_containers(
    engine: &Engine,
    project_name: &str,
) -> Result<BTreeMap<String, Vec<PeerContainer>>, EngineError> {
    let containers = engine
        .list_containers(project_name, &ContainerQuery::new(true, OneOff::Exclude))
        .await?;
    let mut peers: BTreeMap<String, Vec<PeerContainer>> = BTreeMap::new();
    for container in containers {
        peers
            .entry(container.service.clone())
            .or_default()
            .push(PeerContainer {
                id: container.id.clone(),
                name: container.name.clone(),
            });
    }
    Ok(peers)
}

/// The network and volume keys a service uses.
fn service_resources(
    project: &crate::model::Project,
    name: &str,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut network_keys: BTreeSet<String> = BTreeSet::new();
    let mut volume_keys: BTreeSet<String> = BTreeSet::new();
    if let Some(service) = project.services.get(name) {
        if service.network_mode.is_empty() {
            network_keys.extend(service.networks.keys().cloned());
        }
        for volume in &service.volumes {
            if volume.volume_type == VolumeType::Volume
                && project.volumes.contains_key(&volume.source)
            {
                volume_keys.insert(volume.source.clone());
            }
        }
    }
    (network_keys, volume_keys)
}

/// Creates the networks and named volumes the run service uses, when missing (those of the
/// converged dependencies are there already), shown as the reference shows them
/// (`Network x  Creating`, `Created`).
async fn ensure_resources(run: &OneOffRun<'_>, engine: &Engine) -> Result<(), i32> {
    let project = &run.loaded.project;
    let (mut network_keys, mut volume_keys) = service_resources(project, &run.args.service);
    for dependency in run.converged {
        let (networks, volumes) = service_resources(project, dependency);
        network_keys.retain(|key| !networks.contains(key));
        volume_keys.retain(|key| !volumes.contains(key));
    }
    let report = |error: EngineError| target::report(&error);
    let mut networks = Vec::new();
    for key in network_keys {
        let Some(network) = project.networks.get(&key) else {
            continue;
        };
        if network.external || engine.network_exists(&network.name).await.map_err(report)? {
            continue;
        }
        let mut network_labels: std::collections::HashMap<String, String> =
            network.labels.clone().into_iter().collect();
        network_labels.insert(labels::NETWORK.to_owned(), key.clone());
        network_labels.insert(labels::PROJECT.to_owned(), project.name.clone());
        network_labels.insert(
            labels::VERSION.to_owned(),
            labels::COMPOSE_VERSION.to_owned(),
        );
        network_labels.insert(labels::CONFIG_HASH.to_owned(), hash::network_hash(network));
        networks.push((network, network_labels));
    }
    let mut volumes = Vec::new();
    for key in volume_keys {
        let Some(volume) = project.volumes.get(&key) else {
            continue;
        };
        if volume.external || engine.volume_exists(&volume.name).await.map_err(report)? {
            continue;
        }
        let mut volume_labels: std::collections::HashMap<String, String> =
            volume.labels.clone().into_iter().collect();
        volume_labels.insert(labels::VOLUME.to_owned(), key.clone());
        volume_labels.insert(labels::PROJECT.to_owned(), project.name.clone());
        volume_labels.insert(
            labels::VERSION.to_owned(),
            labels::COMPOSE_VERSION.to_owned(),
        );
        volume_labels.insert(labels::CONFIG_HASH.to_owned(), hash::volume_hash(volume));
        volumes.push((volume, volume_labels));
    }
    if networks.is_empty() && volumes.is_empty() {
        return Ok(());
    }
    let progress =
        target::Progress::start(&display_context(run.context, run.args.quiet), "Running")?;
    let created = async {
        for (network, network_labels) in networks {
            engine
                .ensure_network(network, network_labels, &progress.sender)
                .await?;
        }
        for (volume, volume_labels) in volumes {
            engine
                .ensure_volume(volume, volume_labels, &progress.sender)
                .await?;
        }
        Ok(())
    }
    .await;
    progress.finish().await;
    created.map_err(report)
}

/// Splits an `--entrypoint` value into words (quotes group, as `shellwords.Parse`).
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        match (quote, character) {
            (Some(open), close) if open == close => quote = None,
            (None, '\'' | '"') => {
                quote = Some(character);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = characters.next() {
                    current.push(next);
                    in_word = true;
                }
            }
            (None, space) if space.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (_, other) => {
                current.push(other);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// `-p [ip:][published:]target[/protocol]`.
fn parse_publish(text: &str) -> Vec<ServicePortConfig> {
    let (address, protocol) = text.split_once('/').unwrap_or((text, "tcp"));
    let parts: Vec<&str> = address.rsplitn(3, ':').collect();
    let (target, published, host_ip) = match parts.as_slice() {
        [target] => (*target, "", ""),
        [target, published] => (*target, *published, ""),
        [target, published, host_ip] => (*target, *published, *host_ip),
        _ => return Vec::new(),
    };
    let Ok(target) = target.parse::<u32>() else {
        return Vec::new();
    };
    vec![ServicePortConfig {
        target,
        published: published.to_owned(),
        host_ip: host_ip
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        protocol: protocol.to_owned(),
        mode: "ingress".to_owned(),
        ..ServicePortConfig::default()
    }]
}

/// `-v source:target[:mode]` (a path is a bind mount, a name a volume) or `-v target`.
fn parse_volume(text: &str) -> Option<ServiceVolumeConfig> {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [source, target] => (*source, *target, ""),
        [source, target, mode] => (*source, *target, *mode),
        _ => return None,
    };
    let is_path = source.starts_with('/') || source.starts_with('.') || source.starts_with('~');
    let volume_type = if is_path {
        VolumeType::Bind
    } else {
        VolumeType::Volume
    };
    let source = if is_path && !source.starts_with('/') {
        std::env::current_dir().map_or_else(
            |_| source.to_owned(),
            |directory| directory.join(source).display().to_string(),
        )
    } else {
        source.to_owned()
    };
    Some(ServiceVolumeConfig {
        volume_type,
        source,
        target: target.to_owned(),
        read_only: mode.split(',').any(|option| option == "ro"),
        ..ServiceVolumeConfig::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entrypoint_words() {
        assert_eq!(
            split_words(r#"sh -c "echo 'a b'" x\ y"#),
            ["sh", "-c", "echo 'a b'", "x y"]
        );
        assert_eq!(split_words("  "), Vec::<String>::new());
    }

    #[test]
    fn publish_forms() {
        let port = &parse_publish("127.0.0.1:8080:80/udp")[0];
        assert_eq!(
            (
                port.target,
                port.published.as_str(),
                port.host_ip.as_str(),
                port.protocol.as_str()
            ),
            (80, "8080", "127.0.0.1", "udp")
        );
        assert_eq!(parse_publish("80")[0].published, "");
        assert!(parse_publish("x:y").is_empty());
    }

    #[test]
    fn volume_forms() {
        let bind = parse_volume("/data:/srv:ro").unwrap();
        assert_eq!(bind.volume_type, VolumeType::Bind);
        assert!(bind.read_only);
        let named = parse_volume("cache:/cache").unwrap();
        assert_eq!(named.volume_type, VolumeType::Volume);
        assert_eq!(named.source, "cache");
    }
}
