//! Stage "discover": which compose files, which project directory, which environment,
//! and the project name — the rules of compose-go `cli/options.go`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::Diagnostic;
use super::node::{Node, PathSegment};
use super::source::{SourceId, Sources};
use super::{LoadOptions, dotenv};

/// Default file names, in the reference's order of preference.
pub const DEFAULT_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Override files looked up next to the discovered file.
pub const DEFAULT_OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// One compose file to load.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    /// Absolute path (`-` for stdin, resolved against the working dir).
    pub path: PathBuf,
    pub text: String,
    pub source: SourceId,
}

/// What discovery found.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub files: Vec<ComposeFile>,
    pub working_dir: PathBuf,
    /// The directory the project is named after (the working dir unless
    /// `LoadOptions::name_directory`).
    pub name_dir: PathBuf,
    /// OS environment merged over env files (the OS always wins).
    pub environment: BTreeMap<String, String>,
    pub env_files: Vec<PathBuf>,
}

/// Finds files, the project directory and the interpolation environment.
pub fn discover(
    options: &LoadOptions,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Discovered, Vec<Diagnostic>> {
    let current_dir = &options.current_dir;
    let mut file_paths: Vec<PathBuf> = options.files.clone();
    // As compose-go: the `.env` of the project directory (or of the first `-f` file's, or
    // of the current directory) is read before the files are known, so that it can name
    // them (`COMPOSE_FILE`), and it stays part of the environment.
    let early_env_file = early_env_file(options);
    let early = early_env_file
        .as_deref()
        .map(|path| early_variables(options, path))
        .unwrap_or_default();
    let setting = |name: &str| options.os_env.get(name).or_else(|| early.get(name));
    if file_paths.is_empty() {
        if let Some(list) = setting("COMPOSE_FILE").filter(|list| !list.is_empty()) {
            let separator = setting("COMPOSE_PATH_SEPARATOR")
                .cloned()
                .unwrap_or_else(|| ":".to_owned());
            file_paths = list
                .split(separator.as_str())
                .filter(|part| !part.is_empty())
                .map(PathBuf::from)
                .collect();
        }
    }
    let explicit = !file_paths.is_empty();
    let search_start = options
        .project_directory
        .as_ref()
        .map_or_else(|| current_dir.clone(), |dir| absolute(current_dir, dir));
    if !explicit {
        file_paths = find_default_files(&search_start, warnings).ok_or_else(|| {
            vec![
                Diagnostic::global("no configuration file provided: not found")
                    .with_hint("create a `compose.yaml` here, or name one with `-f FILE`"),
            ]
        })?;
    }

    let mut files = Vec::new();
    for path in &file_paths {
        let (absolute_path, text) = if path.as_os_str() == "-" {
            let text = options.stdin.clone().unwrap_or_default();
            (current_dir.join("-"), text)
        } else {
            let absolute_path = absolute(current_dir, path);
            let text = std::fs::read_to_string(&absolute_path).map_err(|error| {
                vec![Diagnostic::global(format!(
                    "cannot read compose file `{}`: {}",
                    absolute_path.display(),
                    io_reason(&error)
                ))]
            })?;
            (absolute_path, text)
        };
        let display = if path.as_os_str() == "-" {
            "-".to_owned()
        } else {
            absolute_path.display().to_string()
        };
        let source = sources.add(display, text.clone());
        files.push(ComposeFile {
            path: absolute_path,
            text,
            source,
        });
    }

    let working_dir = match (
        &options.project_directory,
        &options.os_env.get("COMPOSE_PROJECT_DIRECTORY"),
    ) {
        (Some(dir), _) => absolute(current_dir, dir),
        _ => files
            .first()
            .filter(|file| file.path.file_name().is_some_and(|name| name != "-"))
            .and_then(|file| file.path.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| current_dir.clone()),
    };

    let name_dir = options
        .name_directory
        .as_ref()
        .map_or_else(|| working_dir.clone(), |dir| absolute(current_dir, dir));
    let (environment, env_files) = load_environment(
        options,
        early_env_file.as_deref(),
        &name_dir,
        sources,
        warnings,
    )?;
    Ok(Discovered {
        files,
        working_dir,
        name_dir,
        environment,
        env_files,
    })
}

/// Whether the `.env` files are left out (`COMPOSE_DISABLE_ENV_FILE`).
fn env_file_disabled(options: &LoadOptions) -> bool {
    options
        .os_env
        .get("COMPOSE_DISABLE_ENV_FILE")
        .is_some_and(|value| matches!(value.as_str(), "1" | "true" | "TRUE" | "True"))
}

/// The `.env` compose-go reads before the compose files are known (no `--env-file`, no
/// `COMPOSE_ENV_FILES`): in `--project-directory`, else the first `-f` file's directory,
/// else the current directory.
fn early_env_file(options: &LoadOptions) -> Option<PathBuf> {
    if !options.env_files.is_empty()
        || options.os_env.contains_key("COMPOSE_ENV_FILES")
        || env_file_disabled(options)
    {
        return None;
    }
    let directory = match (
        options
            .project_directory
            .as_ref()
            .or(options.name_directory.as_ref()),
        options.files.first(),
    ) {
        (Some(directory), _) => absolute(&options.current_dir, directory),
        (None, Some(file)) if file.as_os_str() != "-" => absolute(&options.current_dir, file)
            .parent()
            .map_or_else(|| options.current_dir.clone(), Path::to_path_buf),
        _ => options.current_dir.clone(),
    };
    Some(directory.join(".env")).filter(|path| path.is_file())
}

/// The variables of the early `.env`, read only to find the compose files (its problems
/// are reported when it is read again with the others).
fn early_variables(options: &LoadOptions, path: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let mut scratch = Sources::default();
    let source = scratch.add(path.display().to_string(), text.clone());
    let mut found = indexmap::IndexMap::new();
    let lookup = |name: &str| options.os_env.get(name).cloned();
    let _ = dotenv::parse_into(&text, source, &lookup, &mut found, &mut Vec::new());
    found.into_iter().collect()
}

/// OS env first; env files only add what is missing (`Mapping.Merge` in compose-go). By
/// default the early `.env` and the project directory's `.env`, the early one first.
fn load_environment(
    options: &LoadOptions,
    early_env_file: Option<&Path>,
    working_dir: &Path,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(BTreeMap<String, String>, Vec<PathBuf>), Vec<Diagnostic>> {
    let mut environment = options.os_env.clone();
    let mut env_files: Vec<PathBuf> = options
        .env_files
        .iter()
        .map(|path| absolute(&options.current_dir, path))
        .collect();
    let explicit = !env_files.is_empty();
    if !explicit {
        if let Some(list) = options
            .os_env
            .get("COMPOSE_ENV_FILES")
            .filter(|list| !list.is_empty())
        {
            env_files = list
                .split(',')
                .map(|path| absolute(&options.current_dir, Path::new(path)))
                .collect();
        }
    }
    // Named env files are one group (a later file overrides an earlier one); the default
    // `.env` files are read one after the other, as compose-go's two passes do, each only
    // adding what is still missing.
    let groups: Vec<Vec<PathBuf>> = if !env_files.is_empty() {
        vec![env_files.clone()]
    } else if env_file_disabled(options) {
        Vec::new()
    } else {
        let mut defaults: Vec<PathBuf> =
            early_env_file.map(Path::to_path_buf).into_iter().collect();
        let default = working_dir.join(".env");
        if default.is_file() && !defaults.contains(&default) {
            defaults.push(default);
        }
        env_files.clone_from(&defaults);
        defaults.into_iter().map(|path| vec![path]).collect()
    };
    for group in groups {
        // One map per group, the environment so far looked up first (compose-go
        // `GetEnvFromFile`).
        let mut from_files: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
        for path in &group {
            let text = std::fs::read_to_string(path).map_err(|error| {
                vec![Diagnostic::global(format!(
                    "couldn't read env file `{}`: {}",
                    path.display(),
                    io_reason(&error)
                ))]
            })?;
            let source = sources.add(path.display().to_string(), text.clone());
            let lookup = |name: &str| environment.get(name).cloned();
            dotenv::parse_into(&text, source, &lookup, &mut from_files, warnings)
                .map_err(|diagnostic| vec![diagnostic])?;
        }
        for (key, value) in from_files {
            environment.entry(key).or_insert(value);
        }
    }
    Ok((environment, env_files))
}

fn find_default_files(start: &Path, warnings: &mut Vec<Diagnostic>) -> Option<Vec<PathBuf>> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        let found: Vec<PathBuf> = DEFAULT_FILE_NAMES
            .iter()
            .map(|name| current.join(name))
            .filter(|path| path.is_file())
            .collect();
        if let Some(first) = found.first() {
            if found.len() > 1 {
                warnings.push(Diagnostic::global(format!(
                    "found multiple config files with supported names: {}\nusing {}",
                    found
                        .iter()
                        .map(|path| path.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    first.display()
                )));
            }
            let mut files = vec![first.clone()];
            if let Some(override_file) = DEFAULT_OVERRIDE_NAMES
                .iter()
                .map(|name| current.join(name))
                .find(|path| path.is_file())
            {
                files.push(override_file);
            }
            return Some(files);
        }
        dir = current.parent();
    }
    None
}

/// `-p` > `COMPOSE_PROJECT_NAME` (OS env or .env) > top-level `name` (last file wins,
/// interpolated, normalised) > directory basename (normalised) — compose-go `projectName`.
pub fn project_name<'a>(
    options: &LoadOptions,
    discovered: &Discovered,
    documents: impl Iterator<Item = &'a Node>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    if let Some(name) = options
        .project_name
        .as_ref()
        .filter(|name| !name.is_empty())
    {
        return validate_project_name(name, None);
    }
    if let Some(name) = discovered
        .environment
        .get("COMPOSE_PROJECT_NAME")
        .filter(|name| !name.is_empty())
    {
        return validate_project_name(name, None);
    }
    let mut from_file: Option<Node> = None;
    for document in documents {
        if let Some(entry) = document.as_map().and_then(|map| map.get("name")) {
            if entry.value.as_str().is_some_and(|name| !name.is_empty()) {
                let mut holder = Node::empty_map(document.span);
                if let Some(map) = holder.as_map_mut() {
                    map.insert("name".to_owned(), entry.clone());
                }
                from_file = Some(holder);
            }
        }
    }
    if let Some(holder) = from_file {
        let span = holder.span_of(&[PathSegment::Key("name".into())], false);
        let interpolated = if options.skip.interpolation {
            holder
        } else {
            super::interpolate::interpolate_tree(holder, &discovered.environment, warnings)
                .map_err(|mut diagnostics| diagnostics.remove(0))?
        };
        let raw = interpolated
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let normalized = normalize_project_name(raw);
        if !normalized.is_empty() {
            return validate_project_name(&normalized, Some(span));
        }
    }
    let base = discovered
        .name_dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let normalized = normalize_project_name(&base);
    if normalized.is_empty() {
        return Err(Diagnostic::global(format!(
            "project name must not be empty (derived from directory `{}`)",
            discovered.name_dir.display()
        ))
        .with_hint("set one with `-p NAME` or a top-level `name:`"));
    }
    Ok(normalized)
}

/// Lowercase, keep `[a-z0-9_-]`, trim leading `_`/`-` (`NormalizeProjectName`).
pub fn normalize_project_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|character| {
            character.is_ascii_lowercase()
                || character.is_ascii_digit()
                || *character == '_'
                || *character == '-'
        })
        .collect();
    lowered.trim_start_matches(['_', '-']).to_owned()
}

fn validate_project_name(
    name: &str,
    span: Option<super::source::Span>,
) -> Result<String, Diagnostic> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && name.chars().all(|character| {
            character.is_ascii_lowercase()
                || character.is_ascii_digit()
                || character == '_'
                || character == '-'
        });
    if valid {
        return Ok(name.to_owned());
    }
    let message = format!(
        "invalid project name `{name}`: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
    );
    let diagnostic = match span {
        Some(span) => Diagnostic::new(message, span),
        None => Diagnostic::global(message),
    };
    Err(diagnostic.with_hint(format!("try `{}`", normalize_project_name(name))))
}

/// `path` made absolute against `base`, without touching the file system.
pub fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    clean(&joined)
}

/// Lexically removes `.` and `..` (like Go's `filepath.Clean`).
pub fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}
