//! Which `develop.watch` rule a changed host path falls under, and where it goes in the
//! container (the reference's `watchRule.Matches`, docker/compose `pkg/compose/watch.go`).
//! A rule ignores what its `ignore` patterns, the build context's `.dockerignore`, editors'
//! temporary files and `.git` match, and keeps only what its `include` patterns match.
//! Pure: the caller reads `.dockerignore` and passes the patterns in.

use std::path::{Component, Path, PathBuf};

use crate::dockerignore::{Matcher, PatternError, clean_path};
use crate::model::{Trigger, WatchAction};

/// Editors' and tools' temporary files (the reference's `EphemeralPathMatcher`: GoLand,
/// Emacs, Vim, Kate, Go's umask probe).
pub const EPHEMERAL_PATTERNS: &[&str] = &[
    "**/*___jb_old___",
    "**/*___jb_tmp___",
    "**/.idea/**",
    "**/.#*",
    "**/#*#",
    "**/4913",
    "**/*~",
    "**/.*.swp",
    "**/.*.swx",
    "**/.*.swo",
    "**/.*.swn",
    "**/.*.kate-swp",
    "**/*-go-tmp-umask",
];

/// `.git` directories are never watched. The reference means the same (`.git/` on top of
/// `.dockerignore`) but anchors the pattern at `/`, so it only ever matches `/.git`; we
/// ignore `.git` at any depth, which is what its comment says it wants.
pub const GIT_PATTERN: &str = "**/.git";

/// `.dockerignore` patterns anchored at a directory (the reference's `dockerPathMatcher`):
/// a path matches when a pattern matches it or one of its parents, relative to `root`.
#[derive(Debug, Clone)]
pub struct PatternSet {
    root: PathBuf,
    matcher: Matcher,
}

impl PatternSet {
    /// As the reference's `NewDockerPatternMatcher`: when the patterns contain a bare `*`,
    /// only the `!` patterns are kept (so a `.dockerignore` of `*` + `!src` does not
    /// switch watching off altogether). Absolute patterns are made relative to `root`
    /// (those outside it can never match and are dropped).
    pub fn new(root: &Path, patterns: &[String]) -> Result<Self, PatternError> {
        let has_all = patterns.iter().any(|pattern| pattern == "*");
        let mut kept = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let trimmed = pattern.trim();
            if trimmed.is_empty() {
                continue;
            }
            let (exclusion, body) = match trimmed.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, trimmed),
            };
            if has_all && !exclusion {
                continue;
            }
            let body = if body.starts_with('/') {
                match relative_path(root, Path::new(body)) {
                    Some(relative) => relative,
                    None => continue,
                }
            } else {
                body.to_owned()
            };
            kept.push(if exclusion { format!("!{body}") } else { body });
        }
        Ok(Self {
            root: root.to_path_buf(),
            matcher: Matcher::new(&kept)?,
        })
    }

    /// Whether `path` (absolute) or one of its parents below the root is matched.
    pub fn matches(&self, path: &Path) -> bool {
        relative_path(&self.root, path).is_some_and(|relative| self.matcher.is_excluded(&relative))
    }

    /// Whether everything below the directory `path` is matched too (no `!` pattern can
    /// bring something back), so it need not be watched at all.
    pub fn matches_entire_dir(&self, path: &Path) -> bool {
        relative_path(&self.root, path).is_some_and(|relative| {
            self.matcher.is_excluded(&relative) && !self.matcher.may_reinclude_below(&relative)
        })
    }
}

/// `path` relative to `root`, `/`-separated and cleaned (`.` for the root itself); `None`
/// when `path` is not `root` or below it.
pub fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        Some(".".to_owned())
    } else {
        Some(clean_path(&parts.join("/")))
    }
}

/// Whether `path` is `directory` or below it (component-wise; both absolute).
pub fn is_within(directory: &Path, path: &Path) -> bool {
    path.starts_with(directory)
}

/// A changed host path and where it goes in the container (the reference's `PathMapping`;
/// `container_path` is empty for rules without a `target`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PathMapping {
    pub host_path: PathBuf,
    pub container_path: String,
}

/// One `develop.watch` trigger of one service, ready to match paths.
#[derive(Debug, Clone)]
pub struct WatchRule {
    pub service: String,
    /// The trigger's position in the service's `develop.watch` (for messages and to run a
    /// `sync+exec` command once per batch).
    pub index: usize,
    pub trigger: Trigger,
    /// The trigger's `path`, absolute and cleaned.
    pub path: PathBuf,
    include: Option<PatternSet>,
    ignore: Vec<PatternSet>,
}

/// The `.dockerignore` of a service's build context, as the caller found it.
#[derive(Debug, Clone, Default)]
pub struct ContextIgnore {
    /// The build context directory (absolute).
    pub root: PathBuf,
    pub patterns: Vec<String>,
}

/// A rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("service `{service}`: invalid watch pattern: {error}")]
    Pattern {
        service: String,
        error: PatternError,
    },
    #[error(
        "can't watch service `{service}` with action `rebuild` without a build context: add a `build` section or use another action"
    )]
    RebuildWithoutBuild { service: String },
    #[error("can't watch service `{service}` with action `sync+exec` without an `exec.command`")]
    ExecWithoutCommand { service: String },
}

impl WatchRule {
    /// Compiles one trigger. `context_ignore` is the build context's `.dockerignore` (for
    /// services with a `build` section).
    pub fn new(
        service: &str,
        index: usize,
        trigger: &Trigger,
        context_ignore: Option<&ContextIgnore>,
    ) -> Result<Self, RuleError> {
        let pattern_error = |error| RuleError::Pattern {
            service: service.to_owned(),
            error,
        };
        if trigger.action == WatchAction::SyncExec
            && trigger.exec.command.as_ref().is_none_or(Vec::is_empty)
        {
            return Err(RuleError::ExecWithoutCommand {
                service: service.to_owned(),
            });
        }
        let path = PathBuf::from(clean_path(&trigger.path));
        let mut ignore = Vec::new();
        if let Some(context) = context_ignore {
            ignore.push(PatternSet::new(&context.root, &context.patterns).map_err(pattern_error)?);
        }
        let everywhere: Vec<String> = EPHEMERAL_PATTERNS
            .iter()
            .chain(std::iter::once(&GIT_PATTERN))
            .map(|pattern| (*pattern).to_owned())
            .collect();
        ignore.push(PatternSet::new(Path::new("/"), &everywhere).map_err(pattern_error)?);
        if !trigger.ignore.is_empty() {
            ignore.push(PatternSet::new(&path, &trigger.ignore).map_err(pattern_error)?);
        }
        let include = if trigger.include.is_empty() {
            None
        } else {
            Some(PatternSet::new(&path, &trigger.include).map_err(pattern_error)?)
        };
        Ok(Self {
            service: service.to_owned(),
            index,
            trigger: trigger.clone(),
            path,
            include,
            ignore,
        })
    }

    pub fn action(&self) -> &WatchAction {
        &self.trigger.action
    }

    /// Whether the rule copies files into the container (`sync`, `sync+restart`, `sync+exec`).
    pub fn syncs(&self) -> bool {
        matches!(
            self.trigger.action,
            WatchAction::Sync | WatchAction::SyncRestart | WatchAction::SyncExec
        )
    }

    /// Whether `path` is ignored by this rule (without looking at `include`).
    pub fn ignores(&self, path: &Path) -> bool {
        self.ignore.iter().any(|set| set.matches(path))
    }

    /// Whether nothing below the directory `path` can ever match this rule.
    pub fn ignores_entire_dir(&self, path: &Path) -> bool {
        self.ignore.iter().any(|set| set.matches_entire_dir(path))
    }

    /// The mapping of a changed path, when this rule applies to it.
    pub fn matches(&self, host_path: &Path) -> Option<PathMapping> {
        if !is_within(&self.path, host_path) {
            return None;
        }
        if let Some(include) = &self.include {
            if !include.matches(host_path) {
                return None;
            }
        }
        if self.ignores(host_path) {
            return None;
        }
        let container_path = if self.trigger.target.is_empty() {
            String::new()
        } else {
            let relative = relative_path(&self.path, host_path)?;
            clean_path(&format!("{}/{relative}", self.trigger.target))
        };
        Some(PathMapping {
            host_path: host_path.to_path_buf(),
            container_path,
        })
    }
}

/// Whether `path` is below a bind mount source of the service (the reference's
/// `checkIfPathAlreadyBindMounted`: such a path is already in the container).
pub fn bind_mounted(path: &Path, bind_sources: &[PathBuf]) -> bool {
    bind_sources.iter().any(|source| is_within(source, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(path: &str, action: WatchAction, target: &str) -> Trigger {
        Trigger {
            path: path.to_owned(),
            action,
            target: target.to_owned(),
            ..Trigger::default()
        }
    }

    fn rule(trigger: &Trigger) -> WatchRule {
        WatchRule::new("web", 0, trigger, None).unwrap()
    }

    #[test]
    fn maps_into_the_target() {
        let rule = rule(&trigger("/src/app", WatchAction::Sync, "/app"));
        assert_eq!(
            rule.matches(Path::new("/src/app/lib/a.js")),
            Some(PathMapping {
                host_path: PathBuf::from("/src/app/lib/a.js"),
                container_path: "/app/lib/a.js".to_owned(),
            })
        );
        assert_eq!(
            rule.matches(Path::new("/src/app")).unwrap().container_path,
            "/app"
        );
        assert!(rule.matches(Path::new("/src/application/x")).is_none());
        assert!(rule.matches(Path::new("/src")).is_none());
        let rebuild = WatchRule::new(
            "web",
            0,
            &trigger("/src/app", WatchAction::Rebuild, ""),
            None,
        )
        .unwrap();
        assert_eq!(
            rebuild
                .matches(Path::new("/src/app/x"))
                .unwrap()
                .container_path,
            ""
        );
    }

    #[test]
    fn ignore_patterns_are_relative_to_the_rule_path() {
        let mut rule_trigger = trigger("/src/data", WatchAction::Sync, "/app/data");
        rule_trigger.ignore = vec!["*.foo".to_owned(), "./ignored".to_owned()];
        let rule = rule(&rule_trigger);
        assert!(rule.matches(Path::new("/src/data/a.foo")).is_none());
        // `*` does not cross directories.
        assert!(rule.matches(Path::new("/src/data/sub/a.foo")).is_some());
        assert!(rule.matches(Path::new("/src/data/ignored")).is_none());
        assert!(
            rule.matches(Path::new("/src/data/ignored/deep/x"))
                .is_none()
        );
        assert!(rule.matches(Path::new("/src/data/kept.txt")).is_some());
        assert!(rule.ignores_entire_dir(Path::new("/src/data/ignored")));
        assert!(!rule.ignores_entire_dir(Path::new("/src/data/sub")));
    }

    #[test]
    fn ephemeral_files_and_git_are_ignored_everywhere() {
        let rule = rule(&trigger("/src", WatchAction::Sync, "/app"));
        for path in [
            "/src/.a.swp",
            "/src/deep/file.txt~",
            "/src/4913",
            "/src/.#lock",
            "/src/#auto#",
            "/src/.idea/workspace.xml",
            "/src/.git/index",
            "/src/vendor/lib/.git/HEAD",
        ] {
            assert!(rule.matches(Path::new(path)).is_none(), "{path}");
        }
        assert!(rule.ignores_entire_dir(Path::new("/src/.git")));
        assert!(rule.matches(Path::new("/src/.gitignore")).is_some());
    }

    #[test]
    fn include_keeps_only_matching_paths() {
        let mut rule_trigger = trigger("/src", WatchAction::Sync, "/data/");
        rule_trigger.include = vec!["A.*".to_owned()];
        let rule = rule(&rule_trigger);
        assert_eq!(
            rule.matches(Path::new("/src/A.test"))
                .unwrap()
                .container_path,
            "/data/A.test"
        );
        assert!(rule.matches(Path::new("/src/B.test")).is_none());
    }

    #[test]
    fn dockerignore_of_the_context_applies_with_its_all_pattern_quirk() {
        let context = ContextIgnore {
            root: PathBuf::from("/src"),
            patterns: vec!["node_modules".to_owned(), "*.log".to_owned()],
        };
        let rule = WatchRule::new(
            "web",
            0,
            &trigger("/src/app", WatchAction::Sync, "/app"),
            Some(&context),
        )
        .unwrap();
        // `*.log` is anchored at the context root, not at the rule path.
        assert!(rule.matches(Path::new("/src/app/x.log")).is_some());
        let rule = WatchRule::new(
            "web",
            0,
            &trigger("/src", WatchAction::Sync, "/app"),
            Some(&context),
        )
        .unwrap();
        assert!(rule.matches(Path::new("/src/x.log")).is_none());
        assert!(
            rule.matches(Path::new("/src/node_modules/pkg/i.js"))
                .is_none()
        );
        assert!(rule.ignores_entire_dir(Path::new("/src/node_modules")));
        let everything_but_src = ContextIgnore {
            root: PathBuf::from("/src"),
            patterns: vec!["*".to_owned(), "!src".to_owned()],
        };
        let rule = WatchRule::new(
            "web",
            0,
            &trigger("/src", WatchAction::Sync, "/app"),
            Some(&everything_but_src),
        )
        .unwrap();
        assert!(rule.matches(Path::new("/src/other")).is_some());
    }

    #[test]
    fn exclusions_keep_directories_open() {
        let mut rule_trigger = trigger("/src", WatchAction::Sync, "/app");
        rule_trigger.ignore = vec!["build".to_owned(), "!build/keep".to_owned()];
        let rule = rule(&rule_trigger);
        assert!(rule.matches(Path::new("/src/build/x")).is_none());
        assert!(rule.matches(Path::new("/src/build/keep")).is_some());
        assert!(!rule.ignores_entire_dir(Path::new("/src/build")));
    }

    #[test]
    fn absolute_ignore_patterns() {
        let mut rule_trigger = trigger("/src", WatchAction::Sync, "/app");
        rule_trigger.ignore = vec!["/src/tmp".to_owned(), "/elsewhere".to_owned()];
        let rule = rule(&rule_trigger);
        assert!(rule.matches(Path::new("/src/tmp/a")).is_none());
        assert!(rule.matches(Path::new("/src/elsewhere")).is_some());
    }

    #[test]
    fn sync_exec_needs_a_command() {
        let error = WatchRule::new(
            "web",
            0,
            &trigger("/src", WatchAction::SyncExec, "/app"),
            None,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "can't watch service `web` with action `sync+exec` without an `exec.command`"
        );
    }

    #[test]
    fn bind_mounted_paths() {
        let sources = [PathBuf::from("/src/data")];
        assert!(bind_mounted(Path::new("/src/data/x"), &sources));
        assert!(bind_mounted(Path::new("/src/data"), &sources));
        assert!(!bind_mounted(Path::new("/src/database"), &sources));
    }
}
