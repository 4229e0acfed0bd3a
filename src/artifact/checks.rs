//! What `publish` refuses, and what it asks about before publishing (the reference's
//! `preChecks`): services with only a `build:` section are refused; bind mounts and
//! environment variables are listed in a yes/no question; environment variables without
//! `--with-env` are refused. Texts are the reference's; its Go map orders are sorted here.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::model::Project;
use crate::model::service::{ServiceVolumeConfig, VolumeType};

/// Services that cannot be published because they have a `build:` but no `image:`.
pub fn build_only_error(project: &Project) -> Option<String> {
    let names: Vec<&String> = project
        .services
        .iter()
        .filter(|(_, service)| service.image.is_empty() && service.build.is_some())
        .map(|(name, _)| name)
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut message = String::from(
        "your Compose stack cannot be published as it only contains a build section for service(s):\n",
    );
    for name in names {
        let _ = writeln!(message, "- {name:?}");
    }
    Some(message)
}

/// The bind mounts question, when a service has one.
pub fn bind_mounts_question(project: &Project) -> Option<String> {
    let mut found = String::new();
    for (name, service) in &project.services {
        let binds: Vec<&ServiceVolumeConfig> = service
            .volumes
            .iter()
            .filter(|volume| volume.volume_type == VolumeType::Bind)
            .collect();
        if binds.is_empty() {
            continue;
        }
        found.push_str(name);
        for bind in binds {
            found.push_str(&bind.short_form(&bind.source));
            found.push('\n');
        }
    }
    if found.is_empty() {
        return None;
    }
    Some(format!(
        "you are about to publish bind mounts declaration within your OCI artifact.\n\
         only the bind mount declarations will be added to the OCI artifact (not content)\n\
         please double check that you are not mounting potential user's sensitive directories or data\n\
         {found}Are you ok to publish these bind mount declarations?"
    ))
}

/// Environment variables in the project: the refusal without `--with-env`, else the
/// question listing them (`None` when there are none). `with_env_files` names the services
/// that declare an `env_file` (the project's environment already holds their values).
pub fn environment_check(
    project: &Project,
    with_env_files: &BTreeSet<String>,
    with_env: bool,
) -> Result<Option<String>, String> {
    let mut errors = Vec::new();
    let mut listing = String::new();
    for (name, service) in &project.services {
        if !service.env_file.is_empty() || with_env_files.contains(name) {
            errors.push(format!("service {name:?} has env_file declared."));
        }
        if !service.environment.is_empty() {
            errors.push(format!(
                "service {name:?} has environment variable(s) declared."
            ));
            let _ = writeln!(listing, "Service/Config  {name}");
            for (key, value) in &service.environment {
                let _ = writeln!(listing, "{key}={}", value.as_deref().unwrap_or_default());
            }
        }
    }
    for (name, config) in &project.configs {
        if !config.environment.is_empty() {
            errors.push(format!(
                "config {name:?} is declare as an environment variable."
            ));
            let _ = write!(
                listing,
                "Service/Config  {name}
{name}={}
",
                config.environment
            );
        }
    }
    if !with_env && !errors.is_empty() {
        let mut message = String::new();
        for error in errors {
            message.push_str(&error);
            message.push('\n');
        }
        message.push_str(
            "To avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\n\
             or remove sensitive data from your Compose configuration",
        );
        return Err(message);
    }
    if listing.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!(
        "you are about to publish environment variables within your OCI artifact.\n\
         please double check that you are not leaking sensitive data\n\
         {listing}Are you ok to publish these environment variables?"
    )))
}
