//! `ps`: the project's containers as the reference lists them (table, json, templates,
//! `-q`, `--services`, `--status`/`--filter status=`, `--orphans`, services as arguments).

use super::context::CommandContext;
use super::exit;
use super::target::{self, project_or_name};
use crate::cli::PsArgs;
use crate::engine::inspect::{ContainerQuery, OneOff};
use crate::output::{listing, printer};

/// `--filter KEY=VALUE` into extra statuses (the reference knows only `status`).
fn filter_statuses(filter: Option<&str>) -> Result<Vec<String>, String> {
    let Some(filter) = filter.filter(|filter| !filter.is_empty()) else {
        return Ok(Vec::new());
    };
    match filter.split_once('=') {
        None => Err("arguments to --filter should be in form KEY=VAL".to_owned()),
        Some(("status", value)) => Ok(vec![value.to_owned()]),
        Some(("source", _)) => Err("not implemented".to_owned()),
        Some((key, _)) => Err(format!("unknown filter {key}")),
    }
}

pub fn run(context: &CommandContext, args: &PsArgs) -> i32 {
    let mut statuses = args.status.clone();
    match filter_statuses(args.filter.as_deref()) {
        Ok(extra) => statuses.extend(extra),
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    }
    let target = match project_or_name(context, &args.service_names) {
        Ok(target) => target,
        Err(code) => return code,
    };
    if let Err(code) = target.check_services(&args.service_names) {
        return code;
    }
    let mut services = args.service_names.clone();
    if services.is_empty() && !args.orphans {
        if let Some(project) = target.model() {
            services = project.services.keys().cloned().collect();
        }
    }
    let all = args.all || !statuses.is_empty();
    let oneoff = if all {
        OneOff::Include
    } else {
        OneOff::Exclude
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let listed = runtime.block_on(async {
        let engine = target::connect().await?;
        let mut query = ContainerQuery::new(all, oneoff).services(&services);
        // The reference filters by service in the listing only for a single name.
        if services.len() > 1 {
            query.services = services.clone();
        }
        let mut containers = engine
            .list_containers(&target.name, &query)
            .await
            .map_err(|error| target::report(&error))?;
        if !services.is_empty() {
            containers.retain(|container| services.contains(&container.service));
        }
        engine
            .complete_summaries(&mut containers)
            .await
            .map_err(|error| target::report(&error))?;
        Ok::<_, i32>(containers)
    });
    let mut containers = match listed {
        Ok(containers) => containers,
        Err(code) => return code,
    };
    if !statuses.is_empty() {
        containers.retain(|container| statuses.contains(&container.state));
    }
    if args.quiet {
        let ids: String = containers
            .iter()
            .flat_map(|container| [container.id.as_str(), "\n"])
            .collect();
        printer::stdout(&ids);
        return exit::OK;
    }
    if args.services {
        let mut names: Vec<&str> = Vec::new();
        for container in &containers {
            if !names.contains(&container.service.as_str()) {
                names.push(&container.service);
            }
        }
        printer::stdout(&format!("{}\n", names.join("\n")));
        return exit::OK;
    }
    target::print_listing(listing::render_ps(
        &containers,
        &args.format,
        !args.no_trunc,
        target::now_seconds(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_accept_status_only() {
        assert_eq!(
            filter_statuses(Some("status=running")),
            Ok(vec!["running".to_owned()])
        );
        assert_eq!(filter_statuses(None), Ok(Vec::new()));
        assert_eq!(
            filter_statuses(Some("name=x")),
            Err("unknown filter name".to_owned())
        );
        assert!(filter_statuses(Some("status")).is_err());
    }
}
