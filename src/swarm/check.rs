//! Which compose keys Swarm cannot honour (ignored with one warning) and which it forbids
//! (an error before anything is created), after docker/cli `cli/compose/types/types.go`
//! (`UnsupportedProperties`, `DeprecatedProperties`, `ForbiddenProperties`), extended to
//! the compose-spec keys docker stack's older schema never knew.

use std::collections::BTreeMap;

use crate::model::{ServiceConfig, VolumeType};

/// Keys set on `service` that Swarm ignores, as the user wrote them (`build`,
/// `ports.host_ip`, `networks.front.ipv4_address`, ...).
pub fn unsupported_keys(service: &ServiceConfig) -> Vec<String> {
    let deploy = service.deploy.as_ref();
    let flags: [(&str, bool); 41] = [
        ("annotations", !service.annotations.is_empty()),
        ("blkio_config", service.blkio_config.is_some()),
        ("build", service.build.is_some()),
        ("cgroup", !service.cgroup.is_empty()),
        ("cgroup_parent", !service.cgroup_parent.is_empty()),
        ("container_name", !service.container_name.is_empty()),
        ("cpu_count", service.cpu_count != 0),
        ("cpu_percent", service.cpu_percent != 0.0),
        ("cpu_period", service.cpu_period != 0),
        ("cpu_rt_period", service.cpu_rt_period != 0),
        ("cpu_rt_runtime", service.cpu_rt_runtime != 0),
        ("cpus", service.cpus != 0.0),
        ("credential_spec", service.credential_spec.is_some()),
        ("depends_on", !service.depends_on.is_empty()),
        ("develop", service.develop.is_some()),
        (
            "device_cgroup_rules",
            !service.device_cgroup_rules.is_empty(),
        ),
        ("devices", !service.devices.is_empty()),
        ("domainname", !service.domainname.is_empty()),
        ("expose", !service.expose.is_empty()),
        ("external_links", !service.external_links.is_empty()),
        ("gpus", !service.gpus.is_empty()),
        ("ipc", !service.ipc.is_empty()),
        ("links", !service.links.is_empty()),
        ("mac_address", !service.mac_address.is_empty()),
        ("mem_reservation", !service.mem_reservation.is_zero()),
        ("mem_swappiness", !service.mem_swappiness.is_zero()),
        ("models", !service.models.is_empty()),
        ("network_mode", !service.network_mode.is_empty()),
        ("oom_kill_disable", service.oom_kill_disable),
        ("pid", !service.pid.is_empty()),
        ("pids_limit", service.pids_limit != 0),
        ("platform", !service.platform.is_empty()),
        ("post_start", !service.post_start.is_empty()),
        ("pre_stop", !service.pre_stop.is_empty()),
        ("privileged", service.privileged),
        ("provider", service.provider.is_some()),
        ("pull_policy", !service.pull_policy.is_empty()),
        ("runtime", !service.runtime.is_empty()),
        ("security_opt", !service.security_opt.is_empty()),
        ("shm_size", !service.shm_size.is_zero()),
        ("storage_opt", !service.storage_opt.is_empty()),
    ];
    let mut keys: Vec<String> = flags
        .iter()
        .filter(|(_, present)| *present)
        .map(|(key, _)| (*key).to_owned())
        .collect();
    for (key, present) in [
        ("use_api_socket", service.use_api_socket),
        ("userns_mode", !service.userns_mode.is_empty()),
        ("uts", !service.uts.is_empty()),
        // `restart` is mapped onto the restart policy only when `deploy.restart_policy`
        // is absent (docker/cli `convertRestartPolicy`).
        (
            "restart",
            !service.restart.is_empty()
                && deploy.is_some_and(|deploy| deploy.restart_policy.is_some()),
        ),
        (
            "deploy.resources.reservations.devices",
            deploy
                .and_then(|deploy| deploy.resources.reservations.as_ref())
                .is_some_and(|reservations| !reservations.devices.is_empty()),
        ),
        (
            "ports.host_ip",
            service.ports.iter().any(|port| !port.host_ip.is_empty()),
        ),
        (
            "volumes.bind.selinux",
            service.volumes.iter().any(|volume| {
                volume.volume_type == VolumeType::Bind
                    && volume
                        .bind
                        .as_ref()
                        .is_some_and(|bind| !bind.selinux.is_empty())
            }),
        ),
    ] {
        if present {
            keys.push(key.to_owned());
        }
    }
    for (network_name, attachment) in &service.networks {
        let Some(attachment) = attachment else {
            continue;
        };
        for (key, present) in [
            ("ipv4_address", !attachment.ipv4_address.is_empty()),
            ("ipv6_address", !attachment.ipv6_address.is_empty()),
            ("link_local_ips", !attachment.link_local_ips.is_empty()),
            ("mac_address", !attachment.mac_address.is_empty()),
            ("interface_name", !attachment.interface_name.is_empty()),
            ("priority", attachment.priority != 0),
            ("gw_priority", attachment.gw_priority != 0),
        ] {
            if present {
                keys.push(format!("networks.{network_name}.{key}"));
            }
        }
    }
    keys.sort();
    keys
}

/// Keys set on `service` that `docker stack deploy` refuses, each with its advice.
pub fn forbidden_keys(service: &ServiceConfig) -> Vec<(&'static str, &'static str)> {
    const RESOURCES: &str = "set resource limits using deploy.resources";
    [
        ("cpu_quota", service.cpu_quota != 0, RESOURCES),
        ("cpu_shares", service.cpu_shares != 0, RESOURCES),
        ("cpuset", !service.cpuset.is_empty(), RESOURCES),
        ("mem_limit", !service.mem_limit.is_zero(), RESOURCES),
        ("memswap_limit", !service.memswap_limit.is_zero(), RESOURCES),
        (
            "volume_driver",
            !service.volume_driver.is_empty(),
            "define a volume with the top-level `volumes` key and set its driver there",
        ),
        (
            "volumes_from",
            !service.volumes_from.is_empty(),
            "define the volume with the top-level `volumes` key and mount it in each service",
        ),
    ]
    .into_iter()
    .filter(|(_, present, _)| *present)
    .map(|(key, _, advice)| (key, advice))
    .collect()
}

/// The single warning naming every ignored key and the services that set it:
/// ``ignoring options swarm does not support: `build` (web), `depends_on` (api, web)``.
pub fn unsupported_warning(ignored: &BTreeMap<String, Vec<String>>) -> Option<String> {
    if ignored.is_empty() {
        return None;
    }
    let parts: Vec<String> = ignored
        .iter()
        .map(|(key, services)| format!("`{key}` ({})", services.join(", ")))
        .collect();
    Some(format!(
        "ignoring options swarm does not support: {}",
        parts.join(", ")
    ))
}
