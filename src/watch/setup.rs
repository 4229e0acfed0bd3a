//! From the project to the rules to watch (the reference's `watch` and `getWatchRules`):
//! the `develop.watch` triggers of the selected services, each with its build context's
//! `.dockerignore`; and the files an `initial_sync` copies (those changed since the
//! service's image was made, the reference's `initialSyncFiles`). Reads the host file
//! system; never talks to the engine.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::error::WatchError;
use super::rules::{ContextIgnore, PathMapping, RuleError, WatchRule, bind_mounted, is_within};
use super::watcher::Tree;
use crate::dockerignore::read_patterns;
use crate::model::{BuildConfig, DevelopConfig, Project, ServiceConfig, VolumeType, WatchAction};

/// The rules to watch, and what to warn about.
#[derive(Debug, Clone, Default)]
pub struct WatchSetup {
    pub rules: Vec<WatchRule>,
    pub warnings: Vec<String>,
}

impl WatchSetup {
    /// The services that have rules.
    pub fn services(&self) -> BTreeSet<String> {
        self.rules.iter().map(|rule| rule.service.clone()).collect()
    }

    /// What the file watcher watches: each rule's path, skipping directories that every
    /// rule covering them ignores entirely.
    pub fn tree(&self) -> Tree {
        let mut roots: Vec<PathBuf> = self.rules.iter().map(|rule| rule.path.clone()).collect();
        roots.sort();
        roots.dedup();
        let rules = self.rules.clone();
        Tree::new(
            roots,
            Box::new(move |directory: &Path| {
                rules
                    .iter()
                    .filter(|rule| is_within(&rule.path, directory))
                    .all(|rule| rule.ignores_entire_dir(directory))
            }),
        )
    }
}

/// Bind mount sources of a service (absolute host paths).
pub fn bind_sources(service: &ServiceConfig) -> Vec<PathBuf> {
    service
        .volumes
        .iter()
        .filter(|volume| volume.volume_type == VolumeType::Bind && !volume.source.is_empty())
        .map(|volume| PathBuf::from(&volume.source))
        .collect()
}

/// The `.dockerignore` of a build context: `<Dockerfile>.dockerignore` first, then
/// `.dockerignore` (the reference's `LoadDockerIgnore`).
pub fn context_ignore(build: &BuildConfig) -> Result<ContextIgnore, WatchError> {
    let root = PathBuf::from(if build.context.is_empty() {
        "."
    } else {
        build.context.as_str()
    });
    let dockerfile = if build.dockerfile.is_empty() {
        "Dockerfile"
    } else {
        build.dockerfile.as_str()
    };
    let candidates = [
        root.join(format!("{dockerfile}.dockerignore")),
        root.join(".dockerignore"),
    ];
    for candidate in candidates {
        match fs::read(&candidate) {
            Ok(bytes) => {
                return Ok(ContextIgnore {
                    root,
                    patterns: read_patterns(&String::from_utf8_lossy(&bytes)),
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(WatchError::Watcher {
                    path: candidate,
                    message: error.to_string(),
                });
            }
        }
    }
    Ok(ContextIgnore {
        root,
        patterns: Vec::new(),
    })
}

/// The reference's warning for a service that still uses the legacy `x-develop` key.
pub const LEGACY_DEVELOP_WARNING: &str =
    "x-develop is DEPRECATED, please use the official `develop` attribute";

/// A service's watch configuration: its `develop` section, or else the legacy `x-develop`
/// extension (whose relative paths, untouched by the loader, are taken from the project
/// directory, as the reference does).
fn develop_config(
    service_name: &str,
    service: &ServiceConfig,
    working_dir: &Path,
) -> Result<Option<DevelopConfig>, WatchError> {
    if let Some(develop) = &service.develop {
        return Ok(Some(develop.clone()));
    }
    let Some(legacy) = service.extensions.get("x-develop") else {
        return Ok(None);
    };
    let mut develop: DevelopConfig =
        serde_json::from_value(legacy.clone()).map_err(|error| WatchError::LegacyDevelop {
            service: service_name.to_owned(),
            message: error.to_string(),
        })?;
    let base = fs::canonicalize(working_dir).unwrap_or_else(|_| working_dir.to_path_buf());
    for trigger in &mut develop.watch {
        trigger.path = crate::slash_path::clean(&base.join(&trigger.path).display().to_string());
    }
    Ok(Some(develop))
}

/// The rules of the selected services that have a `develop` (or legacy `x-develop`) section;
/// `working_dir` is the project directory.
pub fn prepare(
    project: &Project,
    working_dir: &Path,
    selected: &BTreeSet<String>,
) -> Result<WatchSetup, WatchError> {
    let mut setup = WatchSetup::default();
    for (service_name, service) in &project.services {
        if !selected.contains(service_name) {
            continue;
        }
        let Some(develop) = develop_config(service_name, service, working_dir)? else {
            continue;
        };
        if service.develop.is_none() {
            setup.warnings.push(LEGACY_DEVELOP_WARNING.to_owned());
        }
        let context = service.build.as_ref().map(context_ignore).transpose()?;
        let binds = bind_sources(service);
        for (index, trigger) in develop.watch.iter().enumerate() {
            if trigger.action == WatchAction::Rebuild && service.build.is_none() {
                return Err(RuleError::RebuildWithoutBuild {
                    service: service_name.clone(),
                }
                .into());
            }
            let rule = WatchRule::new(service_name, index, trigger, context.as_ref())?;
            // As the reference: a synced path that a bind mount already shares is not
            // watched (the container sees the files as they are).
            if matches!(trigger.action, WatchAction::Sync | WatchAction::SyncRestart)
                && bind_mounted(&rule.path, &binds)
            {
                setup.warnings.push(format!(
                    "path '{}' also declared by a bind mount volume, this path won't be monitored!",
                    trigger.path
                ));
                continue;
            }
            if fs::symlink_metadata(&rule.path).is_err() {
                setup.warnings.push(format!(
                    "service `{service_name}`: watch path `{}` does not exist (yet): it is watched and handled once it is created",
                    rule.path.display()
                ));
            }
            setup.rules.push(rule);
        }
    }
    if setup.rules.is_empty() {
        return Err(WatchError::NothingToWatch);
    }
    Ok(setup)
}

/// The files below a sync rule's path changed after `since` (the service's image was
/// made): what the container may not have. Ignored and bind-mounted paths are left out.
pub fn initial_sync_files(
    rule: &WatchRule,
    since: SystemTime,
    binds: &[PathBuf],
) -> std::io::Result<Vec<PathMapping>> {
    let mut found = Vec::new();
    let newer = |path: &Path| {
        fs::symlink_metadata(path)
            .and_then(|metadata| metadata.modified())
            .is_ok_and(|modified| modified > since)
    };
    let metadata = match fs::symlink_metadata(&rule.path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(error) => return Err(error),
    };
    if !metadata.is_dir() {
        if newer(&rule.path) && !bind_mounted(&rule.path, binds) {
            found.extend(rule.matches(&rule.path));
        }
        return Ok(found);
    }
    let mut pending = vec![rule.path.clone()];
    while let Some(directory) = pending.pop() {
        for entry in fs::read_dir(&directory)? {
            let entry = entry?;
            let path = entry.path();
            if bind_mounted(&path, binds) {
                continue;
            }
            if entry.file_type()?.is_dir() {
                if !rule.ignores_entire_dir(&path) {
                    pending.push(path);
                }
            } else if newer(&path) {
                found.extend(rule.matches(&path));
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DevelopConfig, ServiceVolumeConfig, Trigger};
    use std::time::Duration;

    fn service(triggers: Vec<Trigger>) -> ServiceConfig {
        ServiceConfig {
            develop: Some(DevelopConfig { watch: triggers }),
            ..ServiceConfig::default()
        }
    }

    fn trigger(path: &Path, action: WatchAction) -> Trigger {
        Trigger {
            path: path.display().to_string(),
            action,
            target: "/app".to_owned(),
            ..Trigger::default()
        }
    }

    #[test]
    fn legacy_x_develop_paths_come_from_the_project_directory_and_bad_ones_are_named() {
        let mut web = ServiceConfig::default();
        web.extensions.insert(
            "x-develop".to_owned(),
            serde_json::json!({"watch": [{"path": "./src/../data", "action": "sync", "target": "/app"}]}),
        );
        let develop = develop_config("web", &web, Path::new("/project"))
            .unwrap()
            .unwrap();
        assert_eq!(develop.watch[0].path, "/project/data");
        web.extensions
            .insert("x-develop".to_owned(), serde_json::json!({"watch": 3}));
        let error = develop_config("web", &web, Path::new("/project")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("service `web`: `x-develop` is not a valid `develop` section:"),
            "{error}"
        );
    }

    #[test]
    fn services_without_develop_leave_nothing_to_watch() {
        let mut project = Project::default();
        project
            .services
            .insert("web".to_owned(), ServiceConfig::default());
        let selected = BTreeSet::from(["web".to_owned()]);
        let error = prepare(&project, Path::new("/"), &selected).unwrap_err();
        assert_eq!(
            error.to_string(),
            "none of the selected services is configured for watch, consider setting a 'develop' section"
        );
    }

    #[test]
    fn rebuild_needs_build_and_bind_mounted_sync_paths_are_skipped() {
        let directory = tempfile::tempdir().unwrap();
        let mut project = Project::default();
        project.services.insert(
            "web".to_owned(),
            service(vec![trigger(directory.path(), WatchAction::Rebuild)]),
        );
        let selected = BTreeSet::from(["web".to_owned()]);
        assert!(matches!(
            prepare(&project, Path::new("/"), &selected),
            Err(WatchError::Rule(RuleError::RebuildWithoutBuild { .. }))
        ));
        let mut bound = service(vec![
            trigger(&directory.path().join("data"), WatchAction::Sync),
            trigger(&directory.path().join("missing"), WatchAction::Restart),
        ]);
        bound.volumes.push(ServiceVolumeConfig {
            volume_type: VolumeType::Bind,
            source: directory.path().display().to_string(),
            target: "/data".to_owned(),
            ..ServiceVolumeConfig::default()
        });
        project.services.insert("web".to_owned(), bound);
        let setup = prepare(&project, Path::new("/"), &selected).unwrap();
        assert_eq!(setup.rules.len(), 1);
        assert_eq!(setup.warnings.len(), 2, "{:?}", setup.warnings);
        assert!(setup.warnings[0].contains("also declared by a bind mount volume"));
        assert!(setup.warnings[1].contains("does not exist (yet)"));
    }

    #[test]
    fn initial_sync_takes_files_changed_since_the_image() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::create_dir_all(root.join("skip")).unwrap();
        fs::write(root.join("old.txt"), "old").unwrap();
        let since = SystemTime::now() + Duration::from_secs(3600);
        let file = fs::File::options()
            .write(true)
            .open(root.join("old.txt"))
            .unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(60))
            .unwrap();
        for name in ["new.txt", "sub/deep.txt", "skip/x.txt", "a.foo"] {
            fs::write(root.join(name), "new").unwrap();
            let file = fs::File::options()
                .write(true)
                .open(root.join(name))
                .unwrap();
            file.set_modified(since + Duration::from_secs(1)).unwrap();
        }
        let mut rule_trigger = trigger(root, WatchAction::Sync);
        rule_trigger.ignore = vec!["skip".to_owned(), "*.foo".to_owned()];
        let rule = WatchRule::new("web", 0, &rule_trigger, None).unwrap();
        let found = initial_sync_files(&rule, since, &[]).unwrap();
        let targets: Vec<&str> = found
            .iter()
            .map(|mapping| mapping.container_path.as_str())
            .collect();
        assert_eq!(targets, ["/app/new.txt", "/app/sub/deep.txt"]);
        let bound = initial_sync_files(&rule, since, &[root.join("sub")]).unwrap();
        assert_eq!(bound.len(), 1);
    }
}
