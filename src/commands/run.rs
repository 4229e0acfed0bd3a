//! `run`: a one-off container of a service (`<project>-<service>-run-<slug>`, labelled
//! `com.docker.compose.oneoff=True` and `com.docker.compose.slug`), its dependencies started
//! first honouring their conditions (unless `--no-deps`), attached with a TTY when stdin is a
//! terminal, stdin piped otherwise, signals forwarded; the container's exit code is ours.
//!
//! Dependencies go through a minimal path of their own (networks and volumes ensured, missing
//! containers created as `<project>-<service>-1` and started in dependency order, conditions
//! waited on) until the `up` machinery is on main to call instead.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use tokio::sync::mpsc;

use super::context::CommandContext;
use super::exit;
use super::session::{self, SessionSettings};
use super::target::{self, Progress};
use crate::cli::RunArgs;
use crate::engine::build::{image_name, random_hex};
use crate::engine::convert::{
    self, ContainerContext, CreateOptions, PeerContainer, secrets_and_configs_to_copy,
};
use crate::engine::exec::TtyTarget;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::engine::{Condition, Engine, EngineError};
use crate::graph::Graph;
use crate::hash;
use crate::labels;
use crate::loader::{LoadedProject, SkipStages};
use crate::model::{
    DependencyCondition, ServiceConfig, ServicePortConfig, ServiceVolumeConfig, VolumeType,
};
use crate::output::events::{ProgressEvent, ProgressMessage, ResourceId, Status};
use crate::output::printer;

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
    };
    let options = context.load_options(std::slice::from_ref(&args.service), SkipStages::default());
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    if !loaded.project.services.contains_key(&args.service) {
        printer::stderr_line(&format!("no such service: {}", args.service));
        return exit::USER_ERROR;
    }
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let code = runtime.block_on(run_one_off(context, args, &loaded));
    // A blocking read of our stdin may still be pending: do not wait for it.
    runtime.shutdown_background();
    code
}

async fn run_one_off(context: &CommandContext, args: &RunArgs, loaded: &LoadedProject) -> i32 {
    let engine = match target::connect().await {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let project = &loaded.project;
    let graph = Graph::from_project(project);
    let mut dependencies: BTreeSet<String> = graph.with_dependencies([args.service.as_str()]);
    dependencies.remove(&args.service);
    if args.no_deps {
        dependencies.clear();
    }

    // Images: build what `--build` asks for and what is missing but buildable.
    let mut to_build: Vec<String> = Vec::new();
    for name in dependencies.iter().chain(std::iter::once(&args.service)) {
        let Some(service) = project.services.get(name) else {
            continue;
        };
        if service.build.is_none() {
            continue;
        }
        let missing = match engine.local_image_id(&image_name(project, name)).await {
            Ok(found) => found.is_none(),
            Err(error) => return target::report(&error),
        };
        if args.build || missing {
            to_build.push(name.clone());
        }
    }
    if !to_build.is_empty() {
        let mut options = super::build::build_options(context, loaded);
        options.quiet = args.quiet_build || args.quiet;
        if let Err(error) =
            super::build::build_and_show(context, &engine, loaded, &to_build, options).await
        {
            printer::stderr_line(&error.to_string());
            return exit::USER_ERROR;
        }
    }

    // Networks, volumes and dependencies.
    let progress = if args.quiet {
        None
    } else {
        match Progress::start(context, "Running") {
            Ok(progress) => Some(progress),
            Err(code) => return code,
        }
    };
    let (sender, drain) = if let Some(progress) = &progress {
        (progress.sender.clone(), None)
    } else {
        let (sender, mut receiver) = mpsc::channel::<ProgressMessage>(64);
        let drain = tokio::spawn(async move { while receiver.recv().await.is_some() {} });
        (sender, Some(drain))
    };
    let mut wanted: Vec<String> = dependencies.iter().cloned().collect();
    wanted.push(args.service.clone());
    let prepared = async {
        ensure_resources(&engine, project, &wanted).await?;
        start_dependencies(
            &engine,
            loaded,
            &graph,
            &dependencies,
            &args.service,
            &sender,
        )
        .await
    }
    .await;
    drop(sender);
    if let Some(drain) = drain {
        let _ = drain.await;
    }
    if let Some(progress) = progress {
        progress.finish().await;
    }
    let started_dependencies = match prepared {
        Ok(started) => started,
        Err(error) => return target::report(&error),
    };

    let code = match create_and_run(&engine, args, loaded).await {
        Ok(code) => code,
        Err(message) => {
            printer::stderr_line(&message);
            exit::USER_ERROR
        }
    };
    if args.down_deps && !started_dependencies.is_empty() {
        // dk-compose extension (docker/compose#2791): remove what this run started.
        for container in started_dependencies.iter().rev() {
            let _ = engine.stop_container(container, None).await;
            let _ = engine.remove_container(container, true, false).await;
        }
    }
    code
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
    let image_id = engine
        .local_image_id(&image_name(project, &args.service))
        .await
        .ok()
        .flatten();
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

/// Creates the networks and named volumes `services` use, when missing.
async fn ensure_resources(
    engine: &Engine,
    project: &crate::model::Project,
    services: &[String],
) -> Result<(), EngineError> {
    let mut network_keys: BTreeSet<String> = BTreeSet::new();
    let mut volume_keys: BTreeSet<String> = BTreeSet::new();
    for name in services {
        let Some(service) = project.services.get(name) else {
            continue;
        };
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
    for key in network_keys {
        let Some(network) = project.networks.get(&key) else {
            continue;
        };
        if network.external {
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
        engine.ensure_network(network, network_labels).await?;
    }
    for key in volume_keys {
        let Some(volume) = project.volumes.get(&key) else {
            continue;
        };
        if volume.external {
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
        engine.ensure_volume(volume, volume_labels).await?;
    }
    Ok(())
}

/// Starts the dependencies in dependency order: a missing container is created as replica 1,
/// a stopped one started; then the condition its dependents ask for is waited on. Returns
/// the names of the containers this command created or started.
async fn start_dependencies(
    engine: &Engine,
    loaded: &LoadedProject,
    graph: &Graph,
    dependencies: &BTreeSet<String>,
    run_service: &str,
    progress: &mpsc::Sender<ProgressMessage>,
) -> Result<Vec<String>, EngineError> {
    let project = &loaded.project;
    let order = graph.dependency_order().unwrap_or_default();
    let mut started = Vec::new();
    for name in order.into_iter().filter(|name| dependencies.contains(name)) {
        let Some(service) = project.services.get(&name) else {
            continue;
        };
        let existing = engine
            .list_containers(
                &project.name,
                &ContainerQuery::new(true, OneOff::Exclude).services(std::slice::from_ref(&name)),
            )
            .await?;
        let container_name = match existing.first() {
            Some(container) if container.state == "running" => container.name.clone(),
            Some(container) => {
                emit(progress, &container.name, Status::Starting).await;
                engine.start_created_container(&container.id).await?;
                emit(progress, &container.name, Status::Started).await;
                started.push(container.name.clone());
                container.name.clone()
            }
            None => {
                let container_name = if service.container_name.is_empty() {
                    format!("{}-{name}-1", project.name)
                } else {
                    service.container_name.clone()
                };
                let peers = peer_containers(engine, &project.name).await?;
                let effective = convert::effective_service(&name, service, &peers)
                    .map_err(|error| refused(&container_name, &error.to_string()))?;
                let image_id = engine
                    .local_image_id(&image_name(project, &name))
                    .await
                    .ok()
                    .flatten();
                let context = ContainerContext {
                    project,
                    service_name: &name,
                    service,
                    number: 1,
                    container_name: container_name.clone(),
                    oneoff: false,
                    config_hash: hash::service_hash(&effective),
                    image_id,
                    working_dir: &loaded.working_dir,
                    config_files: &loaded.config_files,
                    env_files: &loaded.env_files,
                    replaces: None,
                    options: CreateOptions {
                        api_version: engine.api_version(),
                        service_containers: peers,
                        ..CreateOptions::default()
                    },
                };
                let spec = convert::try_container_spec(&context)
                    .map_err(|error| refused(&container_name, &error.to_string()))?;
                emit(progress, &container_name, Status::Creating).await;
                let id = convert::create_container(engine, &container_name, &spec)
                    .await
                    .map_err(|error| {
                        refused(
                            &container_name,
                            &convert::explain_create_error(&name, &error),
                        )
                    })?;
                if let Ok(files) =
                    secrets_and_configs_to_copy(project, &name, service, &loaded.environment)
                {
                    convert::copy_files(engine, &id, &files).await?;
                }
                emit(progress, &container_name, Status::Created).await;
                emit(progress, &container_name, Status::Starting).await;
                engine.start_created_container(&id).await?;
                emit(progress, &container_name, Status::Started).await;
                started.push(container_name.clone());
                container_name
            }
        };
        // The strongest condition a service of this run asks of this one.
        let mut condition = None;
        for dependent in dependencies
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(run_service))
            .filter_map(|dependent| project.services.get(dependent))
        {
            if let Some(dependency) = dependent.depends_on.get(&name) {
                match dependency.condition {
                    DependencyCondition::Healthy => condition = Some(Condition::Healthy),
                    DependencyCondition::CompletedSuccessfully => {
                        condition.get_or_insert(Condition::ExitedSuccessfully);
                    }
                    _ => {}
                }
            }
        }
        if let Some(condition) = condition {
            emit(progress, &container_name, Status::Waiting).await;
            engine.wait_for(&container_name, condition, None).await?;
            let done = if condition == Condition::Healthy {
                Status::Healthy
            } else {
                Status::Exited
            };
            emit(progress, &container_name, done).await;
        }
    }
    Ok(started)
}

fn refused(container_name: &str, message: &str) -> EngineError {
    EngineError::Response {
        context: crate::engine::ErrorContext::container(container_name).action("create"),
        status: 400,
        message: message.to_owned(),
    }
}

async fn emit(progress: &mpsc::Sender<ProgressMessage>, container_name: &str, status: Status) {
    let event = ProgressEvent::new(
        ResourceId::container(container_name),
        status,
        Instant::now(),
    );
    let _ = progress.send(event.into()).await;
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
