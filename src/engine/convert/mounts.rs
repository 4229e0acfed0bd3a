//! Filesystems of a container: service `volumes` as `Binds` or `Mounts` (the reference
//! keeps the old bind syntax unless an option needs the mount API), file-based secrets and
//! configs as read-only binds, and the content/environment-based ones to copy before start.
//! Reference: docker/compose v2.40.3 `buildContainerVolumes`, `buildMount`,
//! `buildContainerSecretMounts`, `buildContainerConfigMounts`, `secrets.go`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use bollard::models::{
    Mount, MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountType,
    MountVolumeOptions,
};

use super::{ContainerContext, ConvertError, Findings};
use crate::model::{
    FileObjectConfig, FileReference, Project, ServiceConfig, ServiceVolumeBind,
    ServiceVolumeConfig, ServiceVolumeVolume, VolumeType,
};

/// The engine socket `use_api_socket` binds in.
pub(crate) const API_SOCKET: &str = "/var/run/docker.sock";
const SECRETS_DIRECTORY: &str = "/run/secrets/";
pub(crate) const API_SOCKET_CONFIG_TARGET: &str = "/run/secrets/docker/config.json";

/// A file written into the container (`CopyToContainer` of a one-file tar at `/`) before
/// it starts: a secret or config whose data comes from `content` or `environment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToCopy {
    /// Absolute path in the container.
    pub target: String,
    pub content: String,
    /// Octal mode; 0o444 unless the service says otherwise.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Whether to keep `uid`/`gid` (`CopyUIDGID`): only when the service gave one.
    pub copy_owner: bool,
}

fn is_absolute_target(target: &str) -> bool {
    target.starts_with('/')
        || (target.len() >= 3
            && target.as_bytes()[0].is_ascii_alphabetic()
            && target.as_bytes()[1] == b':'
            && matches!(target.as_bytes()[2], b'\\' | b'/'))
}

fn secret_target(reference: &FileReference) -> String {
    if reference.target.is_empty() {
        format!("{SECRETS_DIRECTORY}{}", reference.source)
    } else if is_absolute_target(&reference.target) {
        reference.target.clone()
    } else {
        format!("{SECRETS_DIRECTORY}{}", reference.target)
    }
}

fn config_target(reference: &FileReference) -> String {
    if reference.target.is_empty() {
        format!("/{}", reference.source)
    } else if is_absolute_target(&reference.target) {
        reference.target.clone()
    } else {
        format!("/{}", reference.target)
    }
}

fn propagation(value: &str) -> Option<MountBindOptionsPropagationEnum> {
    Some(match value {
        "private" => MountBindOptionsPropagationEnum::PRIVATE,
        "rprivate" => MountBindOptionsPropagationEnum::RPRIVATE,
        "shared" => MountBindOptionsPropagationEnum::SHARED,
        "rshared" => MountBindOptionsPropagationEnum::RSHARED,
        "slave" => MountBindOptionsPropagationEnum::SLAVE,
        "rslave" => MountBindOptionsPropagationEnum::RSLAVE,
        _ => return None,
    })
}

fn bind_options(bind: &ServiceVolumeBind) -> MountBindOptions {
    let mut options = MountBindOptions {
        propagation: propagation(&bind.propagation),
        create_mountpoint: Some(bind.create_host_path),
        ..MountBindOptions::default()
    };
    match bind.recursive.as_str() {
        "disabled" => options.non_recursive = Some(true),
        "writable" => options.read_only_non_recursive = Some(true),
        "readonly" => options.read_only_force_recursive = Some(true),
        _ => {}
    }
    options
}

fn volume_options(volume: &ServiceVolumeVolume) -> MountVolumeOptions {
    MountVolumeOptions {
        no_copy: Some(volume.nocopy),
        labels: (!volume.labels.is_empty()).then(|| {
            volume
                .labels
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect::<HashMap<_, _>>()
        }),
        subpath: (!volume.subpath.is_empty()).then(|| volume.subpath.clone()),
        ..MountVolumeOptions::default()
    }
}

/// One service mount for the mount API (`buildMount`).
fn build_mount(project: &Project, volume: &ServiceVolumeConfig, working_dir: &Path) -> Mount {
    let mut source = volume.source.clone();
    let typ = match &volume.volume_type {
        VolumeType::Bind => {
            if !source.is_empty() && !is_absolute_target(&source) {
                source = working_dir.join(&source).display().to_string();
            }
            Some(MountType::BIND)
        }
        VolumeType::Volume => {
            if let Some(declared) = project.volumes.get(&volume.source) {
                source.clone_from(&declared.name);
            }
            Some(MountType::VOLUME)
        }
        VolumeType::Tmpfs => Some(MountType::TMPFS),
        VolumeType::NamedPipe => Some(MountType::NPIPE),
        VolumeType::Cluster => Some(MountType::CLUSTER),
        VolumeType::Image => Some(MountType::IMAGE),
        VolumeType::Other(_) => None,
    };
    let mut mount = Mount {
        typ,
        source: Some(source),
        target: Some(volume.target.clone()),
        read_only: Some(volume.read_only),
        consistency: Some(volume.consistency.clone()),
        ..Mount::default()
    };
    match volume.volume_type {
        VolumeType::Bind => mount.bind_options = volume.bind.as_ref().map(bind_options),
        VolumeType::Volume => mount.volume_options = volume.volume.as_ref().map(volume_options),
        VolumeType::Tmpfs => {
            mount.tmpfs_options = volume.tmpfs.as_ref().map(|tmpfs| MountTmpfsOptions {
                size_bytes: Some(tmpfs.size.0),
                mode: Some(i64::from(tmpfs.mode)),
                ..MountTmpfsOptions::default()
            });
        }
        VolumeType::Image => {
            mount.image_options =
                volume
                    .image
                    .as_ref()
                    .map(|image| bollard::models::MountImageOptions {
                        subpath: (!image.subpath.is_empty()).then(|| image.subpath.clone()),
                    });
        }
        _ => {}
    }
    mount
}

/// Whether a bind needs the mount API: any option the old `-v` syntax cannot express.
fn bind_requires_mount_api(bind: Option<&ServiceVolumeBind>) -> bool {
    bind.is_some_and(|bind| {
        !bind.create_host_path || !bind.propagation.is_empty() || !bind.recursive.is_empty()
    })
}

/// Whether a volume needs the mount API.
fn volume_requires_mount_api(volume: Option<&ServiceVolumeVolume>) -> bool {
    volume.is_some_and(|volume| {
        !volume.labels.is_empty() || !volume.subpath.is_empty() || volume.nocopy
    })
}

fn defined(objects: &BTreeMap<String, FileObjectConfig>, name: &str) -> FileObjectConfig {
    objects
        .get(name)
        .cloned()
        .unwrap_or_else(|| FileObjectConfig {
            name: name.to_owned(),
            ..FileObjectConfig::default()
        })
}

/// Binds and mounts of the container, each sorted by target (the reference's order comes
/// from a Go map, so it is random there).
pub(crate) fn binds_and_mounts(
    context: &ContainerContext<'_>,
    service: &ServiceConfig,
    findings: &mut Findings,
) -> (Vec<String>, Vec<Mount>) {
    let project = context.project;
    let mut by_target: BTreeMap<String, Mount> = BTreeMap::new();
    for volume in &service.volumes {
        let mount = build_mount(project, volume, context.working_dir);
        by_target.insert(volume.target.clone(), mount);
    }
    for reference in &service.secrets {
        let target = secret_target(reference);
        let secret = defined(&project.secrets, &reference.source);
        if secret.external {
            findings.error(
                "secrets",
                format!("unsupported external secret {}", secret.name),
            );
            continue;
        }
        if !secret.driver.is_empty() {
            findings.error(
                "secrets",
                "Docker Compose does not support secrets.*.driver",
            );
            continue;
        }
        if !secret.template_driver.is_empty() {
            findings.error(
                "secrets",
                "Docker Compose does not support secrets.*.template_driver",
            );
            continue;
        }
        if !secret.environment.is_empty() || by_target.contains_key(&target) {
            continue;
        }
        let mount = build_mount(
            project,
            &ServiceVolumeConfig {
                volume_type: VolumeType::Bind,
                source: secret.file.clone(),
                target: target.clone(),
                read_only: true,
                bind: Some(ServiceVolumeBind::default()),
                ..ServiceVolumeConfig::default()
            },
            context.working_dir,
        );
        by_target.insert(target, mount);
    }
    for reference in &service.configs {
        if reference.source == super::API_SOCKET_CONFIG {
            continue;
        }
        let target = config_target(reference);
        let config = defined(&project.configs, &reference.source);
        if config.external {
            findings.error(
                "configs",
                format!("unsupported external config {}", config.name),
            );
            continue;
        }
        if !config.driver.is_empty() {
            findings.error(
                "configs",
                "Docker Compose does not support configs.*.driver",
            );
            continue;
        }
        if !config.template_driver.is_empty() {
            findings.error(
                "configs",
                "Docker Compose does not support configs.*.template_driver",
            );
            continue;
        }
        if !config.environment.is_empty()
            || !config.content.is_empty()
            || by_target.contains_key(&target)
        {
            continue;
        }
        let mount = build_mount(
            project,
            &ServiceVolumeConfig {
                volume_type: VolumeType::Bind,
                source: config.file.clone(),
                target: target.clone(),
                read_only: true,
                ..ServiceVolumeConfig::default()
            },
            context.working_dir,
        );
        by_target.insert(target, mount);
    }

    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for (target, mount) in by_target {
        let declared = service
            .volumes
            .iter()
            .find(|volume| volume.target == target);
        match (mount.typ, declared) {
            (Some(MountType::BIND), Some(volume))
                if !bind_requires_mount_api(volume.bind.as_ref()) =>
            {
                binds.push(volume.short_form(mount.source.as_deref().unwrap_or_default()));
                continue;
            }
            (Some(MountType::VOLUME), Some(volume)) => {
                let source = mount.source.as_deref().unwrap_or_default();
                let known = project
                    .volumes
                    .values()
                    .any(|declared| declared.name == source);
                if known && !volume_requires_mount_api(volume.volume.as_ref()) {
                    binds.push(volume.short_form(source));
                    continue;
                }
            }
            _ => {}
        }
        mounts.push(mount);
    }
    (binds, mounts)
}

/// The reference's warnings about secret/config options it ignores.
pub(crate) fn file_reference_warnings(context: &ContainerContext<'_>) -> Vec<String> {
    let mut warnings = Vec::new();
    let project = context.project;
    let has_owner = |reference: &FileReference| {
        !reference.uid.is_empty() || !reference.gid.is_empty() || reference.mode.is_some()
    };
    for reference in &context.service.secrets {
        let secret = defined(&project.secrets, &reference.source);
        if secret.environment.is_empty() && has_owner(reference) {
            warnings.push(
                "secrets `uid`, `gid` and `mode` are not supported, they will be ignored"
                    .to_owned(),
            );
        }
        if !secret.file.is_empty() && !Path::new(&secret.file).exists() {
            warnings.push(format!("secret file {} does not exist", secret.name));
        }
    }
    for reference in &context.service.configs {
        let config = defined(&project.configs, &reference.source);
        if config.environment.is_empty() && config.content.is_empty() && has_owner(reference) {
            warnings.push(
                "config `uid`, `gid` and `mode` are not supported, they will be ignored".to_owned(),
            );
        }
    }
    warnings
}

fn parse_id(text: &str, service_name: &str, key: &'static str) -> Result<u32, ConvertError> {
    if text.is_empty() {
        return Ok(0);
    }
    text.parse().map_err(|_| ConvertError {
        service: service_name.to_owned(),
        key,
        message: format!("invalid id `{text}`"),
    })
}

/// Secrets and configs whose data comes from `content` or `environment`: written into the
/// container before it starts (`injectSecrets`, `injectConfigs`). `environment` is the
/// project's (interpolation) environment.
pub fn secrets_and_configs_to_copy(
    project: &Project,
    service_name: &str,
    service: &ServiceConfig,
    environment: &BTreeMap<String, String>,
) -> Result<Vec<FileToCopy>, ConvertError> {
    let mut files = Vec::new();
    let kinds: [(
        &'static str,
        &[FileReference],
        &BTreeMap<String, FileObjectConfig>,
    ); 2] = [
        ("secrets", &service.secrets, &project.secrets),
        ("configs", &service.configs, &project.configs),
    ];
    for (key, references, objects) in kinds {
        let singular = if key == "secrets" { "secret" } else { "config" };
        for reference in references {
            let object = defined(objects, &reference.source);
            let content = if !object.content.is_empty() {
                object.content.clone()
            } else if !object.environment.is_empty() {
                match environment.get(&object.environment) {
                    Some(value) => value.clone(),
                    None => {
                        return Err(ConvertError {
                            service: service_name.to_owned(),
                            key,
                            message: format!(
                                "environment variable {:?} required by {singular} {:?} is not set",
                                object.environment, object.name
                            ),
                        });
                    }
                }
            } else {
                continue;
            };
            if content.is_empty() {
                continue;
            }
            if service.read_only {
                return Err(ConvertError {
                    service: service_name.to_owned(),
                    key,
                    message: format!(
                        "cannot create {singular} {:?} in read-only service {service_name}: `file` is the sole supported option",
                        object.name
                    ),
                });
            }
            let target = if key == "secrets" {
                secret_target(reference)
            } else if reference.target.is_empty() {
                format!("/{}", reference.source)
            } else {
                // The reference leaves a relative config target as written here.
                reference.target.clone()
            };
            files.push(FileToCopy {
                target,
                content,
                mode: reference
                    .mode
                    .map_or(0o444, |mode| u32::try_from(mode.0).unwrap_or(0o444)),
                uid: parse_id(&reference.uid, service_name, key)?,
                gid: parse_id(&reference.gid, service_name, key)?,
                copy_owner: !reference.uid.is_empty() || !reference.gid.is_empty(),
            });
        }
    }
    if service.use_api_socket {
        files.push(FileToCopy {
            target: API_SOCKET_CONFIG_TARGET.to_owned(),
            content: "{\n\t\"auths\": {}\n}".to_owned(),
            mode: 0o444,
            uid: 0,
            gid: 0,
            copy_owner: false,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_strings_carry_access_selinux_and_nocopy() {
        let volume = ServiceVolumeConfig {
            volume_type: VolumeType::Bind,
            source: "/src".to_owned(),
            target: "/dst".to_owned(),
            read_only: true,
            bind: Some(ServiceVolumeBind {
                selinux: "z".to_owned(),
                create_host_path: true,
                ..ServiceVolumeBind::default()
            }),
            ..ServiceVolumeConfig::default()
        };
        assert_eq!(volume.short_form("/src"), "/src:/dst:ro,z");
    }

    #[test]
    fn targets_default_like_the_reference() {
        let reference = FileReference {
            source: "token".to_owned(),
            ..FileReference::default()
        };
        assert_eq!(secret_target(&reference), "/run/secrets/token");
        assert_eq!(config_target(&reference), "/token");
        let relative = FileReference {
            source: "token".to_owned(),
            target: "app/token".to_owned(),
            ..FileReference::default()
        };
        assert_eq!(secret_target(&relative), "/run/secrets/app/token");
        assert_eq!(config_target(&relative), "/app/token");
    }

    #[test]
    fn mount_api_only_when_an_option_needs_it() {
        assert!(!bind_requires_mount_api(None));
        assert!(bind_requires_mount_api(Some(&ServiceVolumeBind::default())));
        assert!(!bind_requires_mount_api(Some(&ServiceVolumeBind {
            create_host_path: true,
            selinux: "Z".to_owned(),
            ..ServiceVolumeBind::default()
        })));
        assert!(volume_requires_mount_api(Some(&ServiceVolumeVolume {
            nocopy: true,
            ..ServiceVolumeVolume::default()
        })));
    }
}
