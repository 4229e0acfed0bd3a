//! What one batch of changed paths asks for, service by service (the reference's
//! `handleWatchBatch`): images to rebuild, paths to sync, services to restart, `sync+exec`
//! commands to run. Pure; the caller carries it out in this order: rebuild, sync,
//! restart, exec.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::rules::{PathMapping, WatchRule};
use crate::model::WatchAction;

/// The actions of one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchActions {
    /// Services whose image is rebuilt and containers recreated.
    pub rebuild: BTreeSet<String>,
    /// Per service, every (path, rule) match to sync (a path two rules match counts twice,
    /// as in the reference's "after N changes" count).
    pub sync: BTreeMap<String, Vec<PathMapping>>,
    /// Services restarted after their files are synced.
    pub restart: BTreeSet<String>,
    /// Per service, the rules (by position in the rule list) whose `exec` runs once.
    pub exec: BTreeMap<String, BTreeSet<usize>>,
}

impl BatchActions {
    pub fn is_empty(&self) -> bool {
        self.rebuild.is_empty()
            && self.sync.is_empty()
            && self.restart.is_empty()
            && self.exec.is_empty()
    }
}

/// Matches every path of the batch against every rule.
pub fn decide(rules: &[WatchRule], batch: &[PathBuf]) -> BatchActions {
    let mut actions = BatchActions::default();
    for path in batch {
        for (position, rule) in rules.iter().enumerate() {
            let Some(mapping) = rule.matches(path) else {
                continue;
            };
            let service = rule.service.clone();
            match rule.action() {
                WatchAction::Rebuild => {
                    actions.rebuild.insert(service);
                }
                WatchAction::Sync => actions.sync.entry(service).or_default().push(mapping),
                WatchAction::Restart => {
                    actions.restart.insert(service);
                }
                WatchAction::SyncRestart => {
                    actions
                        .sync
                        .entry(service.clone())
                        .or_default()
                        .push(mapping);
                    actions.restart.insert(service);
                }
                WatchAction::SyncExec => {
                    actions
                        .sync
                        .entry(service.clone())
                        .or_default()
                        .push(mapping);
                    actions.exec.entry(service).or_default().insert(position);
                }
                WatchAction::Other(_) => {}
            }
        }
    }
    actions
}

/// The container paths to delete, without those inside another deleted path (`rm -rf` of
/// the directory takes them along), sorted.
pub fn deletion_targets(paths: &[String]) -> Vec<String> {
    let sorted: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let mut kept: Vec<String> = Vec::new();
    for path in sorted {
        let inside_kept = kept
            .iter()
            .any(|parent| Path::new(path).starts_with(Path::new(parent.as_str())));
        if !inside_kept {
            kept.push(path.to_owned());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ServiceHook, Trigger};

    fn rule(service: &str, index: usize, path: &str, action: &WatchAction) -> WatchRule {
        let trigger = Trigger {
            path: path.to_owned(),
            action: action.clone(),
            target: if matches!(action, WatchAction::Rebuild | WatchAction::Restart) {
                String::new()
            } else {
                "/app".to_owned()
            },
            exec: ServiceHook {
                command: Some(vec!["reload".to_owned()]),
                ..ServiceHook::default()
            },
            ..Trigger::default()
        };
        WatchRule::new(service, index, &trigger, None).unwrap()
    }

    #[test]
    fn each_action_per_service() {
        let rules = [
            rule("web", 0, "/src/web", &WatchAction::Sync),
            rule("web", 1, "/src/web/Dockerfile", &WatchAction::Rebuild),
            rule("api", 0, "/src/api", &WatchAction::SyncRestart),
            rule("worker", 0, "/src/conf", &WatchAction::SyncExec),
            rule("proxy", 0, "/src/proxy", &WatchAction::Restart),
        ];
        let batch: Vec<PathBuf> = [
            "/src/web/a.js",
            "/src/web/b.js",
            "/src/web/Dockerfile",
            "/src/api/x.py",
            "/src/conf/one",
            "/src/conf/two",
            "/src/proxy/nginx.conf",
            "/elsewhere/file",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let actions = decide(&rules, &batch);
        assert_eq!(actions.rebuild, BTreeSet::from(["web".to_owned()]));
        // The Dockerfile is under the sync rule's path too.
        assert_eq!(actions.sync["web"].len(), 3);
        assert_eq!(actions.sync["api"][0].container_path, "/app/x.py");
        assert_eq!(
            actions.restart,
            BTreeSet::from(["api".to_owned(), "proxy".to_owned()])
        );
        assert_eq!(actions.sync["worker"].len(), 2);
        // One exec for the two files of the same rule.
        assert_eq!(actions.exec["worker"], BTreeSet::from([3]));
        assert!(decide(&rules, &[PathBuf::from("/nothing")]).is_empty());
    }

    #[test]
    fn deletions_inside_a_deleted_directory_collapse() {
        let paths = [
            "/app/data/sub/file.txt".to_owned(),
            "/app/data/sub".to_owned(),
            "/app/data/subway".to_owned(),
            "/app/data/other".to_owned(),
        ];
        assert_eq!(
            deletion_targets(&paths),
            ["/app/data/other", "/app/data/sub", "/app/data/subway"]
        );
    }
}
