//! `restart`: restarts the project's containers. As the reference does, only `depends_on`
//! entries with `restart: true` order the restarts (and pull dependents in when services are
//! named, unless `--no-deps`); everything else restarts concurrently. An interrupt cuts the
//! restarts under way (the engine goes on with them) and ends with 130, as the reference.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;

use super::context::CommandContext;
use super::exit;
use super::lifecycle::{Opened, run_opened};
use super::target::{self, Order, Progress};
use crate::cli::RestartArgs;
use crate::engine::inspect::{ContainerQuery, ContainerSummary, OneOff};
use crate::labels;
use crate::model::Project;
use crate::output::events::Status;

/// Services and their `restart: true` dependencies.
pub(crate) fn restart_dependencies(
    project: Option<&Project>,
    containers: &[ContainerSummary],
) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(project) = project {
        for (name, service) in &project.services {
            let entry = map.entry(name.clone()).or_default();
            for (dependency, config) in &service.depends_on {
                if config.restart && project.services.contains_key(dependency) {
                    entry.insert(dependency.clone());
                }
            }
        }
        return map;
    }
    for container in containers {
        let entry = map.entry(container.service.clone()).or_default();
        let label = container
            .labels
            .get(labels::DEPENDS_ON)
            .map(String::as_str)
            .unwrap_or_default();
        for item in label.split(',') {
            let parts: Vec<&str> = item.split(':').collect();
            if parts.len() >= 3 && parts[2] == "true" && !parts[0].is_empty() {
                entry.insert(parts[0].to_owned());
            }
        }
    }
    let known: BTreeSet<String> = map.keys().cloned().collect();
    for dependencies in map.values_mut() {
        dependencies.retain(|name| known.contains(name));
    }
    map
}

/// The services to restart: the named ones (all when none), plus, unless `no_deps`, every
/// service that depends on them with `restart: true`.
pub(crate) fn selection(
    dependencies: &BTreeMap<String, BTreeSet<String>>,
    named: &[String],
    no_deps: bool,
) -> BTreeSet<String> {
    if named.is_empty() {
        return dependencies.keys().cloned().collect();
    }
    let mut selected: BTreeSet<String> = named.iter().cloned().collect();
    if no_deps {
        return selected;
    }
    loop {
        let before = selected.len();
        for (service, needs) in dependencies {
            if needs.iter().any(|need| selected.contains(need)) {
                selected.insert(service.clone());
            }
        }
        if selected.len() == before {
            return selected;
        }
    }
}

pub fn run(context: &CommandContext, args: &RestartArgs) -> i32 {
    run_opened(context, &[], &args.service_names, |opened| async move {
        let query = ContainerQuery::new(true, OneOff::Exclude);
        let containers = match opened.containers(&query, true).await {
            Ok(containers) => containers,
            Err(code) => return code,
        };
        let Opened {
            target,
            engine,
            cancel,
        } = opened;
        let mut dependencies = restart_dependencies(target.model(), &containers);
        let selected = selection(&dependencies, &args.service_names, args.no_deps);
        dependencies.retain(|service, _| selected.contains(service));
        for needs in dependencies.values_mut() {
            needs.retain(|need| selected.contains(need));
        }
        let progress = match Progress::start(context, "Restarting") {
            Ok(progress) => progress,
            Err(code) => return code,
        };
        let timeout = args.timeout;
        let result = target::run_in_order(&dependencies, Order::Dependencies, |service| {
            let engine = engine.clone();
            let sender = progress.sender.clone();
            let cancel = cancel.clone();
            let chosen: Vec<(String, String)> = containers
                .iter()
                .filter(|container| container.service == service)
                .map(|container| (container.name.clone(), container.name.clone()))
                .collect();
            Box::pin(async move {
                let results = join_all(chosen.into_iter().map(|(id, name)| {
                    let engine = engine.clone();
                    let sender = sender.clone();
                    let cancel = cancel.clone();
                    async move {
                        target::emit(&sender, &name, Status::Restarting).await;
                        cancel.call(engine.restart_container(&id, timeout)).await?;
                        target::emit(&sender, &name, Status::Started).await;
                        Ok(())
                    }
                }))
                .await;
                results
                    .into_iter()
                    .collect::<Result<Vec<()>, _>>()
                    .map(|_| ())
            })
        })
        .await;
        progress.finish().await;
        match result {
            Ok(()) => exit::OK,
            Err(error) => target::report_unless_interrupted(&error, &cancel),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependents_with_restart_are_selected() {
        let dependencies = BTreeMap::from([
            ("db".to_owned(), BTreeSet::new()),
            ("api".to_owned(), BTreeSet::from(["db".to_owned()])),
            ("web".to_owned(), BTreeSet::from(["api".to_owned()])),
            ("other".to_owned(), BTreeSet::new()),
        ]);
        let named = ["db".to_owned()];
        assert_eq!(
            selection(&dependencies, &named, false),
            BTreeSet::from(["api".to_owned(), "db".to_owned(), "web".to_owned()])
        );
        assert_eq!(
            selection(&dependencies, &named, true),
            BTreeSet::from(["db".to_owned()])
        );
        assert_eq!(selection(&dependencies, &[], false).len(), 4);
    }
}
