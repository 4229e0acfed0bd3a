//! Applying a container spec on the engine: the create call (with the legacy container-wide
//! MAC address bollard's body type lacks), the connects of the other networks (API < 1.44),
//! the copy of content-based secrets/configs, and engine refusals explained with the
//! compose key at fault.

use bollard::models::{ContainerCreateResponse, NetworkConnectRequest};
use bollard::query_parameters::{CreateContainerOptions, UploadToContainerOptions};

use super::{ContainerSpec, FileToCopy};
use crate::engine::connect::Engine;
use crate::engine::error::{EngineError, ErrorContext};

/// Creates the container `name` from `spec` and connects its other networks; returns the
/// container id. Warnings the engine sends back are dropped (the caller may show
/// `spec.warnings`).
pub async fn create_container(
    engine: &Engine,
    name: &str,
    spec: &ContainerSpec,
) -> Result<String, EngineError> {
    let context = || ErrorContext::container(name).action("create");
    let options = CreateContainerOptions {
        name: Some(name.to_owned()),
        platform: spec.platform.clone().unwrap_or_default(),
    };
    let docker = match &spec.mac_address {
        Some(mac_address) => {
            // The API < 1.44 container-wide `MacAddress` is not in bollard's body type:
            // send our own JSON for this one request.
            let mut json =
                serde_json::to_value(&spec.body).map_err(|error| EngineError::Communication {
                    context: context(),
                    message: error.to_string(),
                })?;
            if let Some(object) = json.as_object_mut() {
                object.insert(
                    "MacAddress".to_owned(),
                    serde_json::Value::String(mac_address.clone()),
                );
            }
            let payload = json.to_string().into_bytes();
            engine
                .docker
                .clone()
                .with_request_modifier(move |mut request| {
                    *request.body_mut() = bollard::body_full(payload.clone().into());
                    request
                })
        }
        None => engine.docker.clone(),
    };
    let pretended = ContainerCreateResponse {
        id: name.to_owned(),
        warnings: Vec::new(),
    };
    let created = engine
        .write(
            pretended,
            docker.create_container(Some(options), spec.body.clone()),
        )
        .await
        .map_err(|error| engine.error(error, context()))?;
    for extra in &spec.extra_networks {
        engine
            .write(
                (),
                engine.docker.connect_network(
                    &extra.network_name,
                    NetworkConnectRequest {
                        container: created.id.clone(),
                        endpoint_config: Some(extra.endpoint.clone()),
                    },
                ),
            )
            .await
            .map_err(|error| {
                engine.error(
                    error,
                    ErrorContext::network(&extra.network_name).action("connect"),
                )
            })?;
    }
    Ok(created.id)
}

/// Writes secrets/configs into a created container (before start), one tar each.
pub async fn copy_files(
    engine: &Engine,
    container: &str,
    files: &[FileToCopy],
) -> Result<(), EngineError> {
    for file in files {
        let options = UploadToContainerOptions {
            path: "/".to_owned(),
            copy_uidgid: file.copy_owner.then(|| "true".to_owned()),
            ..UploadToContainerOptions::default()
        };
        engine
            .write(
                (),
                engine.docker.upload_to_container(
                    container,
                    Some(options),
                    bollard::body_full(single_file_tar(file).into()),
                ),
            )
            .await
            .map_err(|error| {
                engine.error(error, ErrorContext::container(container).action("copy to"))
            })?;
    }
    Ok(())
}

/// A ustar archive holding one regular file.
fn single_file_tar(file: &FileToCopy) -> Vec<u8> {
    fn octal(field: &mut [u8], value: u64) {
        let width = field.len() - 1;
        let text = format!("{value:0width$o}");
        let bytes = text.as_bytes();
        let start = bytes.len().saturating_sub(width);
        field[..width].copy_from_slice(&bytes[start..]);
        field[width] = 0;
    }
    let name = file.target.trim_start_matches('/');
    let mut header = [0_u8; 512];
    let (prefix, short_name) = if name.len() > 100 {
        name.rsplit_once('/').unwrap_or(("", name))
    } else {
        ("", name)
    };
    let short_length = short_name.len().min(100);
    header[..short_length].copy_from_slice(&short_name.as_bytes()[..short_length]);
    octal(&mut header[100..108], u64::from(file.mode));
    octal(&mut header[108..116], u64::from(file.uid));
    octal(&mut header[116..124], u64::from(file.gid));
    octal(&mut header[124..136], file.content.len() as u64);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    octal(&mut header[136..148], now);
    header[148..156].fill(b' ');
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    let prefix_length = prefix.len().min(155);
    header[345..345 + prefix_length].copy_from_slice(&prefix.as_bytes()[..prefix_length]);
    let checksum: u64 = header.iter().map(|byte| u64::from(*byte)).sum();
    let text = format!("{checksum:06o}\0 ");
    header[148..156].copy_from_slice(text.as_bytes());

    let mut archive = header.to_vec();
    archive.extend_from_slice(file.content.as_bytes());
    let padding = (512 - file.content.len() % 512) % 512;
    archive.extend(std::iter::repeat_n(0, padding + 1024));
    archive
}

/// Known engine refusals of a create call → the compose key at fault.
const KEYS_BY_MESSAGE: &[(&str, &str)] = &[
    ("sysctl", "sysctls"),
    ("error gathering device information", "devices"),
    ("device", "devices"),
    ("bind source path does not exist", "volumes"),
    ("invalid mount config", "volumes"),
    ("invalid volume specification", "volumes"),
    ("mount", "volumes"),
    ("ulimit", "ulimits"),
    ("capabilit", "cap_add/cap_drop"),
    ("invalid restart policy", "restart"),
    ("maximum retry count", "restart"),
    ("restart", "restart"),
    ("port", "ports"),
    ("invalid ip address", "networks.ipv4_address"),
    ("user specified ip address", "networks.ipv4_address"),
    ("mac address", "mac_address"),
    ("network", "networks"),
    ("links", "links"),
    ("shm", "shm_size"),
    ("memory", "mem_limit"),
    ("swappiness", "mem_swappiness"),
    ("cpu", "cpus"),
    ("pids", "pids_limit"),
    ("blkio", "blkio_config"),
    ("security-opt", "security_opt"),
    ("security option", "security_opt"),
    ("seccomp", "security_opt"),
    ("log driver", "logging"),
    ("logging driver", "logging"),
    ("log opt", "logging.options"),
    ("runtime", "runtime"),
    ("isolation", "isolation"),
    ("ipc", "ipc"),
    ("pid mode", "pid"),
    ("uts", "uts"),
    ("userns", "userns_mode"),
    ("cgroup", "cgroup"),
    ("storage-opt", "storage_opt"),
    ("storage opt", "storage_opt"),
    ("tmpfs", "tmpfs"),
    ("dns", "dns"),
    ("extra host", "extra_hosts"),
    ("healthcheck", "healthcheck"),
    ("no such image", "image"),
    ("platform", "platform"),
    ("working directory", "working_dir"),
    ("oom", "oom_score_adj"),
];

/// One line for a refused create: the service, the compose key when the engine's message
/// points at one, and the engine's message.
pub fn explain_create_error(service: &str, error: &EngineError) -> String {
    let message = match error {
        EngineError::NotFound { message, .. }
        | EngineError::Conflict { message, .. }
        | EngineError::Response { message, .. }
        | EngineError::Communication { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let lowercase = message.to_lowercase();
    let key = KEYS_BY_MESSAGE
        .iter()
        .find(|(needle, _)| lowercase.contains(needle))
        .map(|(_, key)| *key);
    match key {
        Some(key) => format!("service `{service}`: invalid `{key}`: {message}"),
        None => format!("service `{service}`: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::ErrorContext;

    fn response(message: &str) -> EngineError {
        EngineError::Response {
            context: ErrorContext::container("demo-web-1").action("create"),
            status: 400,
            message: message.to_owned(),
        }
    }

    #[test]
    fn known_messages_name_the_key() {
        assert_eq!(
            explain_create_error(
                "web",
                &response(
                    "error gathering device information while adding custom device \"/dev/nope\": no such file or directory"
                )
            ),
            "service `web`: invalid `devices`: error gathering device information while adding custom device \"/dev/nope\": no such file or directory"
        );
        assert!(
            explain_create_error("web", &response("sysctl \"kernel.foo\" is not allowed"))
                .starts_with("service `web`: invalid `sysctls`")
        );
        assert_eq!(
            explain_create_error("web", &response("something odd")),
            "service `web`: something odd"
        );
    }

    #[test]
    fn tar_header_is_well_formed() {
        let archive = single_file_tar(&FileToCopy {
            target: "/run/secrets/token".to_owned(),
            content: "hello".to_owned(),
            mode: 0o444,
            uid: 0,
            gid: 0,
            copy_owner: false,
        });
        assert_eq!(archive.len(), 512 + 512 + 1024);
        assert_eq!(&archive[..17], b"run/secrets/token");
        assert_eq!(&archive[257..262], b"ustar");
        assert_eq!(&archive[512..517], b"hello");
    }
}
