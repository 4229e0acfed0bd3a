//! `ls`: compose projects on the engine (running ones, or all with `-a`), as a table, JSON
//! or names; `--filter name=REGEX` as the engine's filters match names.

use super::context::CommandContext;
use super::exit;
use super::target;
use crate::cli::LsArgs;
use crate::engine::ContainerScope;
use crate::output::{listing, printer};

/// The `name=` patterns of `--filter`; other keys are refused as the reference does.
fn name_patterns(filters: &[String]) -> Result<Vec<regex::Regex>, String> {
    let mut patterns = Vec::new();
    for filter in filters {
        let Some((key, value)) = filter.split_once('=') else {
            return Err(format!(
                "bad format of filter (expected name=value): {filter}"
            ));
        };
        if key != "name" {
            return Err(format!("invalid filter '{key}'"));
        }
        // Docker's filters match names exactly or as a regular expression.
        let pattern = regex::Regex::new(value)
            .or_else(|_| regex::Regex::new(&regex::escape(value)))
            .map_err(|error| error.to_string())?;
        patterns.push(pattern);
    }
    Ok(patterns)
}

pub fn run(_context: &CommandContext, args: &LsArgs) -> i32 {
    let patterns = match name_patterns(&args.filter) {
        Ok(patterns) => patterns,
        Err(message) => {
            printer::stderr_line(&message);
            return exit::USER_ERROR;
        }
    };
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let scope = if args.all {
        ContainerScope::All
    } else {
        ContainerScope::Running
    };
    let listed = runtime.block_on(async {
        let engine = target::connect().await?;
        engine
            .list_projects(scope)
            .await
            .map_err(|error| target::report(&error))
    });
    let mut projects = match listed {
        Ok(projects) => projects,
        Err(code) => return code,
    };
    if !patterns.is_empty() {
        projects.retain(|project| {
            patterns
                .iter()
                .any(|pattern| pattern.is_match(&project.name))
        });
    }
    if args.quiet {
        let names: String = projects
            .iter()
            .flat_map(|project| [project.name.as_str(), "\n"])
            .collect();
        printer::stdout(&names);
        return exit::OK;
    }
    target::print_listing(listing::render_projects(&projects, &args.format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_filters_are_regular_expressions() {
        let patterns = name_patterns(&["name=^web".to_owned()]).unwrap();
        assert!(patterns[0].is_match("webapp"));
        assert!(!patterns[0].is_match("myweb"));
        assert!(name_patterns(&["status=running".to_owned()]).is_err());
    }
}
