//! Stage "extends": `extends: svc` / `{service, file}` — clone the base service and merge
//! the local definition over it (compose-go `loader/extends.go`), with chains across files,
//! cycle detection, and relative paths of a base from another directory rebased.
//! Only services are taken from another file: its networks, volumes, ... are not imported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::discover::clean;
use super::error::{Diagnostic, suggest};
use super::node::{Entry, Mapping, Node, Value};
use super::source::{Sources, Span};
use super::{canonical, interpolate, merge, yaml};

/// What `extends` needs to load other files.
pub struct ExtendsContext<'a> {
    pub file_path: &'a Path,
    /// Relative `extends.file` paths are resolved against it (compose-go's resource loader).
    pub working_dir: &'a Path,
    pub environment: &'a BTreeMap<String, String>,
    pub skip_interpolation: bool,
}

/// Resolves every `extends` of the file's services.
pub fn apply_extends(
    mut tree: Node,
    context: &ExtendsContext<'_>,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let Some(services) = tree.get("services").and_then(Node::as_map) else {
        return Ok(tree);
    };
    if !services
        .values()
        .any(|entry| entry.value.get("extends").is_some())
    {
        return Ok(tree);
    }
    let mut extender = Extender {
        context,
        sources,
        warnings,
        files: vec![FileState {
            path: context.file_path.to_path_buf(),
            services: services.clone(),
            resolved: HashSet::new(),
        }],
        by_path: HashMap::new(),
    };
    extender.by_path.insert(context.file_path.to_path_buf(), 0);
    let names: Vec<String> = services.keys().cloned().collect();
    for name in &names {
        extender
            .resolve(0, name, &mut Vec::new())
            .map_err(|diagnostic| vec![diagnostic])?;
    }
    let resolved = std::mem::take(&mut extender.files[0].services);
    if let Some(services) = tree.get_mut("services") {
        services.value = Value::Map(resolved);
    }
    Ok(tree)
}

/// The services of one file taking part in `extends`, resolved lazily.
struct FileState {
    path: PathBuf,
    services: Mapping,
    resolved: HashSet<String>,
}

struct Extender<'a, 'b> {
    context: &'a ExtendsContext<'b>,
    sources: &'a mut Sources,
    warnings: &'a mut Vec<Diagnostic>,
    /// Index 0 is the file being loaded; others are files named by `extends.file`.
    files: Vec<FileState>,
    by_path: HashMap<PathBuf, usize>,
}

/// Where a service's `extends` points.
struct Reference {
    service: String,
    file: Option<(String, Span)>,
    value_span: Span,
}

impl Extender<'_, '_> {
    /// The service `name` of file `file` with its `extends` chain merged in.
    fn resolve(
        &mut self,
        file: usize,
        name: &str,
        chain: &mut Vec<(usize, String)>,
    ) -> Result<Node, Diagnostic> {
        let Some(entry) = self.files[file].services.get(name) else {
            return Ok(Node::synthetic(Value::Null));
        };
        let service = entry.value.clone();
        if self.files[file].resolved.contains(name) {
            return Ok(service);
        }
        let Some(extends_entry) = service.as_map().and_then(|map| map.get("extends")) else {
            self.files[file].resolved.insert(name.to_owned());
            return Ok(service);
        };
        let reference = parse_reference(name, &extends_entry.value)?;
        let target_file = match &reference.file {
            Some((path, span)) => self.load_file(name, path, *span)?,
            None => file,
        };
        if !self.files[target_file]
            .services
            .contains_key(&reference.service)
        {
            return Err(self.not_found(name, file, target_file, &reference));
        }
        chain.push((file, name.to_owned()));
        if chain.contains(&(target_file, reference.service.clone())) {
            // At the reference that closes the cycle.
            return Err(self.cycle(chain, target_file, &reference.service, reference.value_span));
        }
        let base = self.resolve(target_file, &reference.service, chain)?;
        chain.pop();
        let base = if base.is_null() {
            Node::empty_map(base.span)
        } else {
            base
        };
        let mut merged = merge::extend_service(base, service)?;
        if let Some(map) = merged.as_map_mut() {
            map.shift_remove("extends");
        }
        let state = &mut self.files[file];
        if let Some(entry) = state.services.get_mut(name) {
            entry.value = merged.clone();
        }
        state.resolved.insert(name.to_owned());
        Ok(merged)
    }

    /// Loads (once) the file an `extends.file` names, relative to the project directory.
    fn load_file(&mut self, name: &str, file: &str, span: Span) -> Result<usize, Diagnostic> {
        let path = clean(
            &self
                .context
                .working_dir
                .join(expand_user(file, self.context)),
        );
        if let Some(index) = self.by_path.get(&path) {
            return Ok(*index);
        }
        let text = std::fs::read_to_string(&path).map_err(|error| {
            let reason = match error.kind() {
                std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
                _ => error.to_string(),
            };
            Diagnostic::new(
                format!(
                    "cannot extend service `{name}`: cannot read `{}`: {reason}",
                    path.display()
                ),
                span,
            )
        })?;
        let source = self.sources.add(path.display().to_string(), text.clone());
        let tree = yaml::parse_document(&text, source)?;
        let tree = if self.context.skip_interpolation {
            tree
        } else {
            interpolate::interpolate_tree(tree, self.context.environment, self.warnings)
                .map_err(first)?
        };
        let tree = merge::enforce_unicity(
            canonical::canonical(
                merge::enforce_unicity(tree),
                self.context.skip_interpolation,
            )
            .map_err(first)?,
        );
        let Some(services) = tree.get("services").and_then(Node::as_map) else {
            return Err(Diagnostic::new(
                format!(
                    "cannot extend service `{name}`: `{}` has no services section",
                    path.display()
                ),
                span,
            ));
        };
        let directory = path.parent().unwrap_or(Path::new("/"));
        let relative_dir = relative_path(self.context.working_dir, directory);
        let rebase = Rebase {
            directory: &relative_dir,
            context: self.context,
        };
        let services = services
            .iter()
            .map(|(service_name, entry)| {
                (
                    service_name.clone(),
                    Entry {
                        key_span: entry.key_span,
                        value: rebase.service(entry.value.clone()),
                    },
                )
            })
            .collect();
        self.files.push(FileState {
            path: path.clone(),
            services,
            resolved: HashSet::new(),
        });
        let index = self.files.len() - 1;
        self.by_path.insert(path, index);
        Ok(index)
    }

    fn not_found(
        &self,
        name: &str,
        file: usize,
        target_file: usize,
        reference: &Reference,
    ) -> Diagnostic {
        let candidates = self.files[target_file]
            .services
            .keys()
            .filter(|candidate| target_file != file || *candidate != name)
            .map(String::as_str);
        let hint = suggest(&reference.service, candidates)
            .map(|candidate| format!("did you mean `{candidate}`?"));
        let message = match &reference.file {
            Some((path, _)) => format!(
                "cannot extend service `{name}`: service `{}` not found in `{path}`",
                reference.service
            ),
            None => format!(
                "cannot extend service `{name}`: service `{}` not found",
                reference.service
            ),
        };
        let diagnostic = Diagnostic::new(message, reference.value_span);
        match hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        }
    }

    fn cycle(
        &self,
        chain: &[(usize, String)],
        target_file: usize,
        target: &str,
        span: Span,
    ) -> Diagnostic {
        let start = chain
            .iter()
            .position(|(file, name)| *file == target_file && name == target)
            .unwrap_or(0);
        let several_files = chain.iter().any(|(file, _)| *file != target_file);
        let describe = |file: usize, name: &str| {
            if several_files {
                let path = &self.files[file].path;
                let base = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |base| base.to_string_lossy().into_owned(),
                );
                format!("`{name}` ({base})")
            } else {
                format!("`{name}`")
            }
        };
        let mut steps: Vec<String> = chain[start..]
            .iter()
            .map(|(file, name)| describe(*file, name))
            .collect();
        steps.push(describe(target_file, target));
        Diagnostic::new(
            format!("circular `extends` reference: {}", steps.join(" extends ")),
            span,
        )
    }
}

fn first(mut diagnostics: Vec<Diagnostic>) -> Diagnostic {
    if diagnostics.is_empty() {
        Diagnostic::global("interpolation failed")
    } else {
        diagnostics.swap_remove(0)
    }
}

fn parse_reference(name: &str, extends: &Node) -> Result<Reference, Diagnostic> {
    match &extends.value {
        Value::String(service) => Ok(Reference {
            service: service.clone(),
            file: None,
            value_span: extends.span,
        }),
        Value::Map(map) => {
            let service = map.get("service").and_then(|entry| entry.value.as_str());
            let Some(service) = service else {
                return Err(Diagnostic::new(
                    format!("`services.{name}.extends.service` is required"),
                    extends.span,
                ));
            };
            let value_span = map
                .get("service")
                .map_or(extends.span, |entry| entry.value.span);
            let file = map.get("file").and_then(|entry| {
                entry
                    .value
                    .as_str()
                    .map(|path| (path.to_owned(), entry.value.span))
            });
            Ok(Reference {
                service: service.to_owned(),
                file,
                value_span,
            })
        }
        _ => Err(Diagnostic::new(
            format!(
                "`services.{name}.extends` must be a string or a mapping, not {}",
                super::validate::with_article(extends.type_name())
            ),
            extends.span,
        )),
    }
}

/// `~` and `~/x` against `HOME` (compose-go `paths.ExpandUser`).
fn expand_user(path: &str, context: &ExtendsContext<'_>) -> String {
    let home = context.environment.get("HOME");
    match (path, home) {
        ("~", Some(home)) => home.clone(),
        (_, Some(home)) if path.starts_with("~/") => format!("{home}/{}", &path[2..]),
        _ => path.to_owned(),
    }
}

/// `to` relative to `from`, lexically (Go's `filepath.Rel` on clean absolute paths).
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from_clean = clean(from);
    let from: Vec<Component> = from_clean.components().collect::<Vec<_>>();
    let to_clean = clean(to);
    let to: Vec<Component> = to_clean.components().collect::<Vec<_>>();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(left, right)| left == right)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for component in &to[common..] {
        out.push(component.as_os_str());
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Relative paths of a service from another directory, rebased onto that directory
/// (compose-go `paths.ResolveRelativePaths` on the extended file, against `Rel(wd, dir)`).
struct Rebase<'a> {
    directory: &'a Path,
    context: &'a ExtendsContext<'a>,
}

impl Rebase<'_> {
    fn join(&self, path: &str) -> String {
        let path = expand_user(path, self.context);
        if path.is_empty() || Path::new(&path).is_absolute() {
            return path;
        }
        let text = clean(&self.directory.join(&path)).display().to_string();
        if text.is_empty() {
            ".".to_owned()
        } else {
            text
        }
    }

    fn rebase_string(&self, node: &mut Node) {
        if let Some(text) = node.as_str() {
            node.value = Value::String(self.join(text));
        }
    }

    fn rebase_context(&self, node: &mut Node) {
        let Some(text) = node.as_str() else { return };
        let remote = text.contains("://")
            || text.starts_with("service:")
            || [
                "https://",
                "http://",
                "git://",
                "ssh://",
                "github.com/",
                "git@",
            ]
            .iter()
            .any(|prefix| text.starts_with(prefix));
        if !remote {
            self.rebase_string(node);
        }
    }

    fn service(&self, mut service: Node) -> Node {
        let Some(map) = service.as_map_mut() else {
            return service;
        };
        if let Some(build) = map.get_mut("build") {
            let build = &mut build.value;
            if build.as_str().is_some() {
                self.rebase_context(build);
            } else if let Some(build_map) = build.as_map_mut() {
                if let Some(context) = build_map.get_mut("context") {
                    self.rebase_context(&mut context.value);
                }
                if let Some(contexts) = build_map.get_mut("additional_contexts") {
                    self.additional_contexts(&mut contexts.value);
                }
            }
        }
        if let Some(env_files) = map.get_mut("env_file") {
            for_each_item(&mut env_files.value, |item| {
                if item.as_str().is_some() {
                    self.rebase_string(item);
                } else if let Some(path) = item.get_mut("path") {
                    self.rebase_string(path);
                }
            });
        }
        if let Some(label_files) = map.get_mut("label_file") {
            for_each_item(&mut label_files.value, |item| self.rebase_string(item));
        }
        if let Some(extends) = map.get_mut("extends") {
            if let Some(file) = extends.value.get_mut("file") {
                self.rebase_string(file);
            }
        }
        if let Some(volumes) = map.get_mut("volumes") {
            for_each_item(&mut volumes.value, |item| self.volume(item));
        }
        if let Some(watch) = map
            .get_mut("develop")
            .and_then(|develop| develop.value.get_mut("watch"))
        {
            for_each_item(watch, |rule| {
                if let Some(path) = rule.get_mut("path") {
                    self.rebase_string(path);
                }
            });
        }
        service
    }

    fn additional_contexts(&self, contexts: &mut Node) {
        match &mut contexts.value {
            Value::Map(map) => {
                for entry in map.values_mut() {
                    self.rebase_context(&mut entry.value);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    let Some((key, value)) = item
                        .as_str()
                        .and_then(|text| text.split_once('='))
                        .map(|(key, value)| (key.to_owned(), value.to_owned()))
                    else {
                        continue;
                    };
                    let mut value_node = Node::string(value, item.span);
                    self.rebase_context(&mut value_node);
                    if let Some(rebased) = value_node.as_str() {
                        item.value = Value::String(format!("{key}={rebased}"));
                    }
                }
            }
            _ => {}
        }
    }

    fn volume(&self, item: &mut Node) {
        match &mut item.value {
            Value::Map(_) => {
                let is_bind = item.get("type").and_then(Node::as_str) == Some("bind");
                if is_bind {
                    if let Some(source) = item.get_mut("source") {
                        self.rebase_string(source);
                    }
                }
            }
            Value::String(spec) => {
                // Short syntax: a source starting with `.` is a relative bind mount.
                let parts = merge::split_volume_spec(spec);
                if parts.len() > 1 && parts[0].starts_with('.') {
                    let mut rebuilt = vec![self.join(&parts[0])];
                    rebuilt.extend(parts[1..].iter().cloned());
                    *spec = rebuilt.join(":");
                }
            }
            _ => {}
        }
    }
}

fn for_each_item(node: &mut Node, mut action: impl FnMut(&mut Node)) {
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(action),
        Value::Map(_) => {}
        _ => action(node),
    }
}

#[cfg(test)]
mod tests;
