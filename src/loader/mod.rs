//! The compose loader: files + environment → validated, canonical project.
//! Pure (std::fs only; no tokio, bollard or terminal). Stages run in the order the
//! reference (compose-go v2.9.1 `loader.go`) uses; each stage lives in its own file.

pub mod bind;
pub mod canonical;
pub mod deserialize;
pub mod discover;
pub mod dotenv;
pub mod error;
pub mod extends;
pub mod include;
pub mod interpolate;
pub mod merge;
pub mod node;
pub mod profiles;
pub mod source;
pub mod validate;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as Json;

pub use error::{Diagnostic, LoadError};
pub use node::Node;
pub use source::{SourceId, Sources, Span};

/// Stages the user can switch off (`config --no-interpolate`, ...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkipStages {
    pub interpolation: bool,
    pub normalization: bool,
    pub path_resolution: bool,
    pub env_resolution: bool,
    pub consistency: bool,
}

/// Everything the loader needs to know; built by the command layer from flags and env.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-f` files in order (`-` = stdin); empty = discover / `COMPOSE_FILE`.
    pub files: Vec<PathBuf>,
    pub project_name: Option<String>,
    pub project_directory: Option<PathBuf>,
    /// `--profile` values; without any, `COMPOSE_PROFILES` (OS environment or `.env`).
    pub profiles: Vec<String>,
    /// `--env-file` values.
    pub env_files: Vec<PathBuf>,
    /// The process environment (wins over env files).
    pub os_env: BTreeMap<String, String>,
    /// The directory the command runs in.
    pub current_dir: PathBuf,
    /// Content of stdin when a file is `-` (read by the caller).
    pub stdin: Option<String>,
    /// Services named on the command line (enable their profiles).
    pub selected_services: Vec<String>,
    /// Keep networks/volumes no enabled service uses (`--all-resources`).
    pub all_resources: bool,
    pub skip: SkipStages,
    /// The directory the project is named after and reads `.env` from when that is not
    /// the directory relative paths resolve against: the first file came from an `oci://`
    /// artifact, whose paths resolve in its cache directory while the project keeps the
    /// name of the current (or `--project-directory`) directory, as in the reference.
    pub name_directory: Option<PathBuf>,
}

/// The result of a successful load.
#[derive(Debug, Clone)]
pub struct LoadedProject {
    /// The canonical document as a tree (same shape as `docker compose config --format
    /// json`); [`LoadedProject::canonical`] gives it as JSON.
    pub tree: Node,
    /// The project bound into typed structs.
    pub project: crate::model::Project,
    /// Variables used for interpolation (OS env over env files).
    pub environment: BTreeMap<String, String>,
    /// Absolute compose file paths in load order.
    pub config_files: Vec<PathBuf>,
    /// The project directory.
    pub working_dir: PathBuf,
    /// Env files that were read for interpolation (`--env-file` or `.env`).
    pub env_files: Vec<PathBuf>,
    /// Every profile named by any service, sorted (`config --profiles`).
    pub all_profiles: Vec<String>,
    /// Non-fatal findings (unset variables, obsolete `version`, ...).
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

/// Runs every stage. All errors found are returned together where stages allow.
pub fn load(options: &LoadOptions) -> Result<LoadedProject, LoadError> {
    let mut sources = Sources::default();
    let mut warnings = Vec::new();
    let fail = |diagnostics: Vec<Diagnostic>, sources: &Sources| LoadError {
        diagnostics,
        sources: sources.clone(),
    };

    let mut discovered = discover::discover(options, &mut sources, &mut warnings)
        .map_err(|diagnostics| fail(diagnostics, &sources))?;

    let documents =
        parse_files(&discovered.files).map_err(|diagnostics| fail(diagnostics, &sources))?;

    // The name is settled before interpolation so files can use `${COMPOSE_PROJECT_NAME}`.
    let project_name = discover::project_name(
        options,
        &discovered,
        documents.iter().map(|(_, tree)| tree),
        &mut warnings,
    )
    .map_err(|diagnostic| fail(vec![diagnostic], &sources))?;
    discovered
        .environment
        .insert("COMPOSE_PROJECT_NAME".to_owned(), project_name.clone());

    let file_context = FileContext {
        working_dir: &discovered.working_dir,
        environment: &discovered.environment,
        skip: options.skip,
        include_chain: &[],
    };
    let started = std::time::Instant::now();
    let mut tree = load_files(
        &discovered.files,
        documents,
        &file_context,
        &mut sources,
        &mut warnings,
    )
    .map_err(|diagnostics| fail(diagnostics, &sources))?;
    if let Some(entry) = tree
        .as_map_mut()
        .and_then(|map| map.shift_remove("version"))
    {
        warnings.push(Diagnostic::new(
            "the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion",
            entry.key_span,
        ));
    }
    // As in the reference: nothing left once files, includes, `!reset` and `version` are
    // accounted for (an empty file, `{}`, comments only) is an error, not an empty project.
    if tree.as_map().is_some_and(node::Mapping::is_empty) {
        return Err(fail(
            vec![Diagnostic::global("empty compose file")],
            &sources,
        ));
    }

    let context = canonical::NormalizeContext {
        project_name: &project_name,
        working_dir: &discovered.working_dir,
        environment: &discovered.environment,
        skip: options.skip,
    };
    let tree = set_project_name(tree, &project_name);
    tracing::debug!(elapsed = ?started.elapsed(), "per-file stages done");
    let tree = canonical::defaults_and_normalize(tree, &context)
        .map_err(|diagnostics| fail(diagnostics, &sources))?;
    // Only enabled services are checked for consistency, as in the reference.
    let all_profiles = collect_profiles(&tree);
    // Without interpolation the reference loads the raw model (compose-go
    // `LoadModelWithContext`): every service, whatever its profiles, and every resource.
    let raw_model = options.skip.interpolation;
    let tree = if raw_model {
        tree
    } else {
        let active = active_profiles(&options.profiles, &discovered.environment);
        profiles::apply_profiles(tree, &active, &options.selected_services)
            .map_err(|diagnostics| fail(diagnostics, &sources))?
    };
    if !options.skip.consistency {
        validate::validate_consistency(&tree).map_err(|diagnostics| fail(diagnostics, &sources))?;
    }
    // `config --no-env-resolution` still resolves in the reference (its `ToProject` resolves
    // service environments unconditionally), so `skip.env_resolution` does not skip this.
    let tree = canonical::resolve_service_environment(tree, &context, &mut sources)
        .map_err(|diagnostics| fail(diagnostics, &sources))?;
    let tree = if raw_model {
        tree
    } else {
        profiles::without_unnecessary_resources(tree, options.all_resources)
    };

    tracing::debug!(elapsed = ?started.elapsed(), "project stages done");
    // Straight from the tree; only a failure goes through JSON, whose errors say more.
    let project = match deserialize::from_node(&tree) {
        Ok(project) => project,
        Err(_) => match bind::bind_tree(&tree.to_json(), &tree) {
            Ok(project) => project,
            // Without interpolation the tree is the raw model (values may still read
            // `${VAR}`), which `config --no-interpolate` prints as is: it need not bind.
            Err(_) if options.skip.interpolation => crate::model::Project {
                name: project_name.clone(),
                ..crate::model::Project::default()
            },
            Err(diagnostic) => return Err(fail(vec![diagnostic], &sources)),
        },
    };
    tracing::debug!(elapsed = ?started.elapsed(), "bound");
    Ok(LoadedProject {
        tree,
        project,
        environment: discovered.environment,
        config_files: discovered
            .files
            .iter()
            .map(|file| file.path.clone())
            .collect(),
        working_dir: discovered.working_dir,
        env_files: discovered.env_files,
        all_profiles,
        warnings,
        sources,
    })
}

impl LoadedProject {
    /// The canonical document as JSON.
    pub fn canonical(&self) -> Json {
        self.tree.to_json()
    }
}

/// What the per-file stages need to know about the project the files belong to.
pub struct FileContext<'a> {
    /// The project directory (`include` and `extends` paths are relative to it).
    pub working_dir: &'a std::path::Path,
    /// Variables for interpolation.
    pub environment: &'a BTreeMap<String, String>,
    pub skip: SkipStages,
    /// Main files of the projects including this one (include cycle detection).
    pub include_chain: &'a [PathBuf],
}

/// The per-file stages, in compose-go's order (`loadYamlFile`): parse → interpolate →
/// extends → include → merge over the files before → schema → canonical → de-duplicate.
/// `include` calls it again for each included project.
pub(crate) fn load_files(
    files: &[discover::ComposeFile],
    documents: Vec<(usize, Node)>,
    context: &FileContext<'_>,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let mut merged: Option<Node> = None;
    for (index, tree) in documents {
        let file = &files[index];
        let tree = if context.skip.interpolation {
            tree
        } else {
            interpolate::interpolate_tree(tree, context.environment, warnings)?
        };
        let extends_context = extends::ExtendsContext {
            file_path: &file.path,
            working_dir: context.working_dir,
            environment: context.environment,
            skip_interpolation: context.skip.interpolation,
        };
        let tree = extends::apply_extends(tree, &extends_context, sources, warnings)?;
        let tree = include::apply_include(tree, &file.path, context, sources, warnings)?;
        let combined = match merged.take() {
            None => merge::strip_tags(tree),
            Some(base) => merge::merge_files(base, tree)?,
        };
        let schema_started = std::time::Instant::now();
        validate::validate_schema(&combined)?;
        tracing::debug!(elapsed = ?schema_started.elapsed(), "schema validated");
        let combined = canonical::canonical(combined, context.skip.interpolation)?;
        // Canonical forms can reveal duplicates (a port range against an override).
        merged = Some(merge::enforce_unicity(combined));
    }
    Ok(merged.unwrap_or_else(|| Node::empty_map(Span::synthetic())))
}

/// Parses every document of every file: `(index of the file, document)` in load order.
pub(crate) fn parse_files(
    files: &[discover::ComposeFile],
) -> Result<Vec<(usize, Node)>, Vec<Diagnostic>> {
    let mut documents = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let trees = yaml::parse_documents(&file.text, file.source)
            .map_err(|diagnostic| vec![diagnostic])?;
        documents.extend(trees.into_iter().map(|tree| (index, tree)));
    }
    Ok(documents)
}

/// The top-level `name` always holds the effective project name, first (as the reference prints it).
fn set_project_name(mut tree: Node, project_name: &str) -> Node {
    if let Some(map) = tree.as_map_mut() {
        let key_span = map
            .get("name")
            .map_or(Span::synthetic(), |entry| entry.key_span);
        map.shift_remove("name");
        map.shift_insert(
            0,
            "name".to_owned(),
            node::Entry {
                key_span,
                value: Node::synthetic(node::Value::String(project_name.to_owned())),
            },
        );
    }
    tree
}

/// Profiles named by any service, enabled or not, sorted and unique.
/// `--profile` values, else `COMPOSE_PROFILES` from the environment (which includes the
/// `.env` files, as compose-go's `WithDefaultProfiles` reads it).
fn active_profiles(flags: &[String], environment: &BTreeMap<String, String>) -> Vec<String> {
    if !flags.is_empty() {
        return flags.to_vec();
    }
    environment
        .get("COMPOSE_PROFILES")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|profile| !profile.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn collect_profiles(tree: &Node) -> Vec<String> {
    let mut profiles = std::collections::BTreeSet::new();
    if let Some(services) = tree.get("services").and_then(Node::as_map) {
        for entry in services.values() {
            if let Some(list) = entry.value.get("profiles").and_then(Node::as_seq) {
                profiles.extend(list.iter().filter_map(Node::as_str).map(str::to_owned));
            }
        }
    }
    profiles.into_iter().collect()
}
