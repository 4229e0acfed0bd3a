//! `publish REPOSITORY[:TAG]`: the project's Compose files as an OCI artifact, as the
//! reference publishes them (`pkg/compose/publish.go`). Every profile is loaded; a project
//! with local `include`s or services with only `build:` is refused; unless `-y`, bind
//! mounts, secrets (`artifact::secrets`, part of the reference's scan) and environment
//! variables are asked about, and environment variables without `--with-env` are refused —
//! all before anything is pushed. Then the images of services with `build:` and `image:`
//! are pushed (failures only reported), each file becomes a layer (`env_file` and
//! `extends.file` renamed, `artifact::rewrite`), with the extended files, the env files
//! (`--with-env`) and `image-digests.yaml` (`--resolve-image-digests`), and the manifest goes
//! to the registry (`engine::oci`); with `--app`, the images follow, indexed under it.
//! `--dry-run` pushes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use tokio::sync::mpsc;

use super::context::CommandContext;
use super::exit;
use super::target::{self, Progress};
use crate::artifact::format::{self, Descriptor, EXTENDS_ANNOTATION, OciVersion};
use crate::artifact::{checks, rewrite, secrets};
use crate::cli::PublishArgs;
use crate::engine::Engine;
use crate::loader::{LoadedProject, Node, SkipStages, SourceId, yaml};
use crate::output::events::{EventState, ProgressEvent, ProgressMessage, ResourceId, Status};
use crate::output::printer;
use crate::output::prompt::{self, PromptStyle};

pub fn run(context: &CommandContext, args: &PublishArgs) -> i32 {
    if args.yes_misspelt {
        super::up::print_warnings(&["--y is deprecated, please use --yes instead".to_owned()]);
    }
    let assume_yes = args.yes || args.yes_misspelt;
    let version = match args.oci_version.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => match OciVersion::parse(text) {
            Ok(version) => Some(version),
            Err(message) => {
                printer::stderr_line(&message);
                return exit::USER_ERROR;
            }
        },
        None => None,
    };
    if let Err(message) = crate::engine::oci::parse_target(&args.repository) {
        printer::stderr_line(&message);
        return exit::USER_ERROR;
    }
    let mut options = context.load_options(&[], SkipStages::default());
    options.profiles = vec!["*".to_owned()];
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    if has_local_include(&loaded) {
        printer::stderr_line("cannot publish compose file with local includes");
        return exit::USER_ERROR;
    }
    if let Some(message) = checks::build_only_error(&loaded.project) {
        printer::stderr_line(&message);
        return exit::USER_ERROR;
    }
    if !assume_yes {
        let style = PromptStyle::detect(context.prompt_colour());
        if let Some(question) = checks::bind_mounts_question(&loaded.project) {
            if !prompt::confirm(&question, false, style) {
                return exit::OK;
            }
        }
        if let Some(question) = secrets::question(&sensitive_data(&loaded)) {
            if !prompt::confirm(&question, false, style) {
                return exit::OK;
            }
        }
        let with_env_files = services_with_env_file(&loaded);
        match checks::environment_check(&loaded.project, &with_env_files, args.with_env) {
            Err(message) => {
                printer::stderr_line(&message);
                return exit::USER_ERROR;
            }
            Ok(Some(question)) => {
                if !prompt::confirm(&question, false, style) {
                    return exit::OK;
                }
            }
            Ok(None) => {}
        }
    }
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    runtime.block_on(publish(context, args, &loaded, version))
}

async fn publish(
    context: &CommandContext,
    args: &PublishArgs,
    loaded: &LoadedProject,
    version: Option<OciVersion>,
) -> i32 {
    let engine = match target::connect_for_changes(context).await {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let progress = match Progress::start(context, "Publishing") {
        Ok(progress) => progress,
        Err(code) => return code,
    };
    let sender = progress.sender.clone();
    let outcome = publish_with(context, args, loaded, version, &engine, &sender).await;
    drop(sender);
    progress.finish().await;
    match outcome {
        Ok(()) => exit::OK,
        Err(message) => {
            printer::stderr_line(&message);
            exit::USER_ERROR
        }
    }
}

async fn publish_with(
    context: &CommandContext,
    args: &PublishArgs,
    loaded: &LoadedProject,
    version: Option<OciVersion>,
    engine: &Engine,
    sender: &mpsc::Sender<ProgressMessage>,
) -> Result<(), String> {
    push_images(loaded, engine, sender).await;
    let mut layers = layers(loaded, args.with_env)?;
    // `--app` pins the images too, as in the reference.
    if args.resolve_image_digests || args.app {
        let digests = image_digests(loaded, engine).await?;
        layers.push(Descriptor::compose_file(
            "image-digests.yaml",
            digests.as_bytes(),
        ));
    }
    let repository = ResourceId::bare(args.repository.clone());
    let working = ProgressEvent::new(repository.clone(), Status::Pulling, Instant::now())
        .with_text("publishing")
        .with_state(EventState::Working);
    let _ = sender.send(working.into()).await;
    if !context.global.dry_run {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or_default()
            });
        let created = format::rfc3339_utc(seconds);
        let manifest =
            match crate::engine::oci::push_artifact(&args.repository, &layers, version, &created)
                .await
            {
                Ok(manifest) => manifest,
                Err(message) => {
                    let failed = ProgressEvent::new(repository, Status::Error, Instant::now())
                        .with_text("publishing")
                        .with_state(EventState::Failed);
                    let _ = sender.send(failed.into()).await;
                    return Err(message);
                }
            };
        if args.app {
            let images: Vec<String> = loaded
                .project
                .services
                .values()
                .map(|service| service.image.clone())
                .collect();
            crate::engine::oci::push_application(&args.repository, &images, &manifest).await?;
        }
    }
    let done = ProgressEvent::new(repository, Status::Pulled, Instant::now())
        .with_text("published")
        .with_state(EventState::Done);
    let _ = sender.send(done.into()).await;
    Ok(())
}

/// What the reference's secret scan would show (the part of it that is ported): in the
/// Compose files, their env files, and the files of configs and secrets.
fn sensitive_data(loaded: &LoadedProject) -> Vec<secrets::Finding> {
    let mut found = Vec::new();
    let mut env_files: Vec<String> = Vec::new();
    for file in &loaded.config_files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if let Ok(tree) = yaml::parse_document(&text, SourceId(0)) {
            let mut values = secrets::flatten(&tree);
            values.sort();
            found.extend(secrets::scan_values(&values));
        }
        if let Ok(rewritten) =
            rewrite::rewrite(&text, &loaded.working_dir, &loaded.environment, &|_| true)
        {
            env_files.extend(rewritten.env_files.into_iter().map(|env| env.path));
        }
    }
    for path in env_files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Ok(values) = crate::loader::dotenv::parse(&text, SourceId(0), &|_| None) {
            let mut values: Vec<(String, String)> = values.into_iter().collect();
            values.sort();
            found.extend(secrets::scan_values(&values));
        }
    }
    let files = loaded
        .project
        .configs
        .values()
        .chain(loaded.project.secrets.values())
        .filter(|object| !object.file.is_empty())
        .map(|object| object.file.clone());
    for file in files {
        if let Ok(text) = std::fs::read_to_string(&file) {
            found.extend(secrets::scan_text(&text));
        }
    }
    found
}

/// The services that declare an `env_file` in one of the project's files (the loaded
/// project has read them into `environment` already).
fn services_with_env_file(loaded: &LoadedProject) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in &loaded.config_files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(tree) = yaml::parse_document(&text, SourceId(0)) else {
            continue;
        };
        if let Some(services) = tree.get("services").and_then(Node::as_map) {
            for (name, entry) in services {
                if entry.value.get("env_file").is_some()
                    && loaded.project.services.contains_key(name)
                {
                    names.insert(name.clone());
                }
            }
        }
    }
    names
}

/// The reference pushes the images it can first (`Push` with failures ignored): services
/// with both `build:` and `image:`; the others are `Skipped`.
async fn push_images(
    loaded: &LoadedProject,
    engine: &Engine,
    sender: &mpsc::Sender<ProgressMessage>,
) {
    for (name, service) in &loaded.project.services {
        let Some(build) = service.build.as_ref().filter(|_| !service.image.is_empty()) else {
            let event = ProgressEvent::new(
                ResourceId::bare(name.clone()),
                Status::Pulled,
                Instant::now(),
            )
            .with_text("Skipped");
            let _ = sender.send(event.into()).await;
            continue;
        };
        for tag in std::iter::once(&service.image).chain(&build.tags) {
            if let Err(reason) = engine.push_image(tag, false, sender).await {
                let _ = sender
                    .send(ProgressMessage::Tail(format!("Pushing {name}: {reason}")))
                    .await;
            }
        }
    }
}

/// The artifact's layers: the Compose files in order, then the files they extend
/// (recursively), then the env files with `--with-env`.
fn layers(loaded: &LoadedProject, with_env: bool) -> Result<Vec<Descriptor>, String> {
    let working_dir = &loaded.working_dir;
    let environment = &loaded.environment;
    let exists = |path: &Path| path.is_file();
    let mut layers = Vec::new();
    let mut env_files: BTreeMap<String, String> = BTreeMap::new();
    let mut extends: Vec<rewrite::Referenced> = Vec::new();
    for file in &loaded.config_files {
        let text = read(file)?;
        let rewritten = rewrite::rewrite(&text, working_dir, environment, &exists)
            .map_err(|message| format!("{}: {message}", file.display()))?;
        layers.push(Descriptor::compose_file(
            &file.display().to_string(),
            rewritten.text.as_bytes(),
        ));
        for env_file in rewritten.env_files {
            env_files.insert(env_file.path, env_file.name);
        }
        push_new(&mut extends, rewritten.extends_files);
    }
    let mut done: Vec<String> = Vec::new();
    let mut index = 0;
    while index < extends.len() {
        let referenced = extends[index].clone();
        index += 1;
        if done.contains(&referenced.path) {
            continue;
        }
        done.push(referenced.path.clone());
        let text = read(Path::new(&referenced.path))?;
        let rewritten = rewrite::rewrite(&text, working_dir, environment, &exists)
            .map_err(|message| format!("{}: {message}", referenced.path))?;
        let mut layer = Descriptor::compose_file(&referenced.name, rewritten.text.as_bytes());
        layer
            .annotations
            .insert(EXTENDS_ANNOTATION.to_owned(), "true".to_owned());
        layers.push(layer);
        for env_file in rewritten.env_files {
            env_files.insert(env_file.path, env_file.name);
        }
        push_new(&mut extends, rewritten.extends_files);
    }
    if with_env {
        for (path, name) in env_files {
            // An unreadable env file is left out, as the reference does.
            if let Ok(content) = std::fs::read(&path) {
                layers.push(Descriptor::env_file(&name, &content));
            }
        }
    }
    Ok(layers)
}

fn push_new(list: &mut Vec<rewrite::Referenced>, found: Vec<rewrite::Referenced>) {
    for referenced in found {
        if !list.iter().any(|known| known.path == referenced.path) {
            list.push(referenced);
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))
}

/// `image-digests.yaml`: every service's image pinned to its registry digest.
async fn image_digests(loaded: &LoadedProject, engine: &Engine) -> Result<String, String> {
    let mut text = String::from("services:\n");
    for (name, service) in &loaded.project.services {
        let reference = crate::engine::reference::ImageReference::parse(&service.image)?;
        let pinned = if reference.digest.is_some() {
            service.image.clone()
        } else {
            let digest = engine
                .registry_digest(&service.image)
                .await
                .map_err(|error| error.to_string())?;
            // No digest here: the name with its tag (or `latest`), then the one found.
            format!("{}@{digest}", reference.normalized_name())
        };
        let _ = write!(text, "  {name}:\n    image: {pinned}\n");
    }
    Ok(text)
}

/// Whether a Compose file of the project includes a local file (`include:` entries that
/// are not `oci://` or other remote resources).
fn has_local_include(loaded: &LoadedProject) -> bool {
    loaded.config_files.iter().any(|file| {
        let Ok(text) = std::fs::read_to_string(file) else {
            return false;
        };
        let Ok(tree) = yaml::parse_document(&text, SourceId(0)) else {
            return false;
        };
        let Some(include) = tree.get("include").and_then(Node::as_seq) else {
            return false;
        };
        include.iter().any(|entry| {
            let paths: Vec<&Node> = if entry.as_str().is_some() {
                vec![entry]
            } else {
                match entry.get("path") {
                    Some(path) if path.as_seq().is_some() => {
                        path.as_seq().unwrap_or_default().iter().collect()
                    }
                    Some(path) => vec![path],
                    None => Vec::new(),
                }
            };
            paths
                .iter()
                .filter_map(|path| path.as_str())
                .any(|path| !is_remote(path))
        })
    })
}

fn is_remote(path: &str) -> bool {
    path.contains("://") || path.starts_with("git@")
}
