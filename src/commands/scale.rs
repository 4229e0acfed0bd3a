//! `scale SERVICE=REPLICAS...`: `up -d` of the named services (and, unless `--no-deps`,
//! their dependencies) with their replica counts set, through `up`'s converge path; other
//! services are left alone. Never builds, as the reference.

use std::collections::BTreeMap;

use super::context::CommandContext;
use super::exit;
use super::up;
use crate::cli::{CreateFlags, ScaleArgs};
use crate::output::printer;
use crate::plan::DependencyPolicy;

/// `SERVICE=REPLICAS` arguments into counts (a later one for the same service wins), with
/// the reference's messages; a negative count is refused (the reference crashes on it).
pub(crate) fn parse_replicas(arguments: &[String]) -> Result<BTreeMap<String, u32>, String> {
    let mut replicas = BTreeMap::new();
    for argument in arguments {
        let (service, value) = argument
            .split_once('=')
            .filter(|(service, value)| !service.is_empty() && !value.is_empty())
            .ok_or_else(|| format!("invalid scale specifier: {argument}"))?;
        let count: i64 = value.parse().map_err(|_| {
            format!("invalid scale specifier: can't parse replica value as int: {argument}")
        })?;
        let count = u32::try_from(count).map_err(|_| {
            format!(
                "invalid scale specifier: replicas must be between 0 and {}: {argument}",
                u32::MAX
            )
        })?;
        replicas.insert(service.to_owned(), count);
    }
    Ok(replicas)
}

pub fn run(context: &CommandContext, args: &ScaleArgs) -> i32 {
    let replicas = match parse_replicas(&args.replicas) {
        Ok(replicas) => replicas,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    let services: Vec<String> = replicas.keys().cloned().collect();
    let flags = CreateFlags {
        pull: "policy".to_owned(),
        no_build: true,
        scale: replicas
            .iter()
            .map(|(service, count)| format!("{service}={count}"))
            .collect(),
        ..CreateFlags::default()
    };
    let mut request = match up::converge_request(context, &flags, &services) {
        Ok(request) => request,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    if args.no_deps {
        request.options.dependencies = DependencyPolicy::Exclude;
    }
    up::converge(context, &services, &request)
}

#[cfg(test)]
mod tests {
    use super::parse_replicas;

    fn parse(arguments: &[&str]) -> Result<Vec<(String, u32)>, String> {
        let arguments: Vec<String> = arguments.iter().map(|text| (*text).to_owned()).collect();
        parse_replicas(&arguments).map(|replicas| replicas.into_iter().collect())
    }

    #[test]
    fn specifiers_parse_as_the_reference() {
        assert_eq!(
            parse(&["web=3", "db=0", "web=2"]),
            Ok(vec![("db".to_owned(), 0), ("web".to_owned(), 2)])
        );
        assert_eq!(parse(&["web=+2"]), Ok(vec![("web".to_owned(), 2)]));
        for bad in ["web", "web=", "=2"] {
            assert_eq!(
                parse(&[bad]),
                Err(format!("invalid scale specifier: {bad}"))
            );
        }
        assert_eq!(
            parse(&["web=x"]),
            Err("invalid scale specifier: can't parse replica value as int: web=x".to_owned())
        );
        assert!(parse(&["web=1.5"]).is_err());
        assert!(parse(&["web=-1"]).is_err());
    }
}
