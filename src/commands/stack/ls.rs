//! `stack ls`: stacks (services carrying `com.docker.stack.namespace`) and their service
//! counts, sorted naturally; deployed by dk-compose or by `docker stack deploy`.

use std::collections::BTreeMap;

use super::listing;
use crate::cli::StackLsArgs;
use crate::commands::context::CommandContext;
use crate::commands::{exit, target};
use crate::swarm::LABEL_NAMESPACE;

pub fn run(_context: &CommandContext, args: &StackLsArgs) -> i32 {
    let Ok(runtime) = target::runtime() else {
        return exit::INTERNAL;
    };
    let listed = runtime.block_on(async {
        let engine = target::connect().await?;
        super::require_manager(&engine).await?;
        engine
            .stack_services(None, &BTreeMap::new())
            .await
            .map_err(|error| target::report(&error))
    });
    let services = match listed {
        Ok(services) => services,
        Err(code) => return code,
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for service in &services {
        if let Some(namespace) = service.labels.get(LABEL_NAMESPACE) {
            *counts.entry(namespace.clone()).or_default() += 1;
        }
    }
    let mut stacks: Vec<(String, usize)> = counts.into_iter().collect();
    stacks.sort_by(|(left, _), (right, _)| super::natural_cmp(left, right));
    target::print_listing(listing::render_stacks(&stacks, &args.format))
}
