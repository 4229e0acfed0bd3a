//! `stack`: Docker Swarm stacks with `docker stack`'s semantics and labels, so that both
//! tools manage the same stacks. The project is loaded with our loader (`.env`, profiles,
//! top-level `name`, `${VAR:+alt}` all work), converted by `swarm::convert`, and sent by
//! `engine::swarm`. One file per subcommand.

pub mod config;
pub mod deploy;
pub mod listing;
pub mod ls;
pub mod ps;
pub mod remove;
pub mod services;

use std::io::Read as _;
use std::path::PathBuf;

use super::context::CommandContext;
use super::exit;
use crate::cli::{StackArgs, StackCommand};
use crate::engine::Engine;
use crate::engine::swarm::SwarmRole;
use crate::loader::{LoadedProject, SkipStages};
use crate::output::printer;

pub fn run(context: &CommandContext, args: &StackArgs) -> i32 {
    let changes = match &args.command {
        StackCommand::Deploy(_) => Some("deploy"),
        StackCommand::Rm(_) => Some("rm"),
        _ => None,
    };
    if let (Some(name), true) = (changes, context.global.dry_run) {
        // `docker stack` has no dry-run and the swarm calls cannot be pretended here:
        // refused before anything is read or sent.
        printer::stderr_line(&format!(
            "`stack {name}` does not support --dry-run: nothing was changed"
        ));
        return exit::USER_ERROR;
    }
    match &args.command {
        StackCommand::Deploy(args) => deploy::run(context, args),
        StackCommand::Ls(args) => ls::run(context, args),
        StackCommand::Ps(args) => ps::run(context, args),
        StackCommand::Services(args) => services::run(context, args),
        StackCommand::Rm(args) => remove::run(context, args),
        StackCommand::Config(args) => config::run(context, args),
    }
}

/// Loads the project from `-c` files (else the global `-f` ones, else discovery), named
/// `stack` when given (as `-p` would).
pub(crate) fn load(
    context: &CommandContext,
    compose_files: &[PathBuf],
    stack: Option<&str>,
    skip: SkipStages,
) -> Result<LoadedProject, i32> {
    let mut options = context.load_options(&[], skip);
    if !compose_files.is_empty() {
        options.files = compose_files.to_vec();
        if options.files.iter().any(|file| file.as_os_str() == "-") && options.stdin.is_none() {
            let mut text = String::new();
            if let Err(error) = std::io::stdin().read_to_string(&mut text) {
                printer::stderr_line(&format!("cannot read the compose file from stdin: {error}"));
                return Err(exit::USER_ERROR);
            }
            options.stdin = Some(text);
        }
    }
    if let Some(stack) = stack {
        options.project_name = Some(stack.to_owned());
    }
    context.load(&options).map_err(|_| exit::USER_ERROR)
}

/// The stack commands need a manager (docker/cli `checkDaemonIsSwarmManager`).
pub(crate) async fn require_manager(engine: &Engine) -> Result<(), i32> {
    match engine.swarm_role().await {
        Ok(SwarmRole::Manager) => Ok(()),
        Ok(SwarmRole::NotManager { local_state }) => {
            let state = if local_state.is_empty() || local_state == "inactive" {
                String::new()
            } else {
                format!(" (its swarm state is `{local_state}`)")
            };
            printer::stderr_line(&format!("this node is not a swarm manager{state}"));
            printer::stderr_line(
                "use `docker swarm init` or `docker swarm join` to connect this node to a swarm as a manager, and try again",
            );
            Err(exit::USER_ERROR)
        }
        Err(error) => Err(super::target::report(&error)),
    }
}

/// Natural order of names (`web2` before `web10`), as the docker CLI sorts stacks and services.
pub(crate) fn natural_cmp(left: &str, right: &str) -> std::cmp::Ordering {
    let mut left_chars = left.chars().peekable();
    let mut right_chars = right.chars().peekable();
    loop {
        match (left_chars.peek().copied(), right_chars.peek().copied()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(left_char), Some(right_char))
                if left_char.is_ascii_digit() && right_char.is_ascii_digit() =>
            {
                let mut left_number = String::new();
                while let Some(digit) = left_chars.peek().copied().filter(char::is_ascii_digit) {
                    left_number.push(digit);
                    left_chars.next();
                }
                let mut right_number = String::new();
                while let Some(digit) = right_chars.peek().copied().filter(char::is_ascii_digit) {
                    right_number.push(digit);
                    right_chars.next();
                }
                let left_trimmed = left_number.trim_start_matches('0');
                let right_trimmed = right_number.trim_start_matches('0');
                let ordering = left_trimmed
                    .len()
                    .cmp(&right_trimmed.len())
                    .then_with(|| left_trimmed.cmp(right_trimmed));
                if ordering != std::cmp::Ordering::Equal {
                    return ordering;
                }
            }
            (Some(left_char), Some(right_char)) => {
                if left_char != right_char {
                    return left_char.cmp(&right_char);
                }
                left_chars.next();
                right_chars.next();
            }
        }
    }
}

/// `-f key=value` filters as the engine's filter map.
pub(crate) fn parse_filters(
    filters: &[String],
) -> Result<std::collections::BTreeMap<String, Vec<String>>, i32> {
    let mut map: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for filter in filters {
        let Some((key, value)) = filter.split_once('=') else {
            printer::stderr_line(&format!(
                "bad format of filter (expected name=value): {filter}"
            ));
            return Err(exit::USER_ERROR);
        };
        map.entry(key.trim().to_lowercase())
            .or_default()
            .push(value.to_owned());
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["web10", "web2", "api", "web1"];
        names.sort_by(|left, right| natural_cmp(left, right));
        assert_eq!(names, ["api", "web1", "web2", "web10"]);
    }
}
