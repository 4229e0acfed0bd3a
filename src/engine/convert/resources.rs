//! Resources and policies of a container: memory/CPU/pids limits, `deploy.resources`,
//! blkio, devices (CDI and GPU requests), ulimits and the restart policy. Reference:
//! docker/compose v2.40.3 `getDeployResources`, `setLimits`, `setReservations`, `setBlkio`,
//! `toUlimits`, `getRestartPolicy`.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    DeviceMapping, DeviceRequest, HostConfig, ResourcesBlkioWeightDevice, ResourcesUlimits,
    RestartPolicy, RestartPolicyNameEnum, ThrottleDevice,
};

use crate::model::{self, ServiceConfig, Ulimit};

/// `restart` / `deploy.restart_policy` → the engine policy; `deploy` wins.
pub fn restart_policy(service: &ServiceConfig) -> RestartPolicy {
    let mut policy = RestartPolicy {
        name: Some(RestartPolicyNameEnum::EMPTY),
        maximum_retry_count: Some(0),
    };
    if !service.restart.is_empty() {
        let mut parts = service.restart.split(':');
        let condition = parts.next().unwrap_or_default();
        let attempts = parts.next().and_then(|text| text.parse().ok()).unwrap_or(0);
        policy = RestartPolicy {
            name: Some(restart_condition(condition)),
            maximum_retry_count: Some(attempts),
        };
    }
    if let Some(deploy_policy) = service
        .deploy
        .as_ref()
        .and_then(|deploy| deploy.restart_policy.as_ref())
    {
        policy = RestartPolicy {
            name: Some(restart_condition(&deploy_policy.condition)),
            maximum_retry_count: Some(
                deploy_policy
                    .max_attempts
                    .map_or(0, |attempts| i64::try_from(attempts).unwrap_or(i64::MAX)),
            ),
        };
    }
    policy
}

/// `deploy.restart_policy.condition` names mapped to the engine's (`any` → `always`).
fn restart_condition(condition: &str) -> RestartPolicyNameEnum {
    match condition {
        "none" | "no" => RestartPolicyNameEnum::NO,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "any" | "always" => RestartPolicyNameEnum::ALWAYS,
        _ => RestartPolicyNameEnum::EMPTY,
    }
}

/// `ulimits` → engine ulimits: a single value is both soft and hard.
pub fn ulimits(ulimits: &BTreeMap<String, Ulimit>) -> Vec<ResourcesUlimits> {
    ulimits
        .iter()
        .map(|(name, limit)| ResourcesUlimits {
            name: Some(name.clone()),
            soft: Some(if limit.soft == 0 {
                limit.single
            } else {
                limit.soft
            }),
            hard: Some(if limit.hard == 0 {
                limit.single
            } else {
                limit.hard
            }),
        })
        .collect()
}

/// Whether a `devices` entry names a CDI device (`vendor.com/class=name`).
fn is_cdi_name(name: &str) -> bool {
    let Some((kind, device)) = name.split_once('=') else {
        return false;
    };
    let Some((vendor, class)) = kind.split_once('/') else {
        return false;
    };
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    valid(vendor) && valid(class) && !class.contains('/') && !device.is_empty()
}

fn device_request(request: &model::DeviceRequest, capabilities: Vec<String>) -> DeviceRequest {
    DeviceRequest {
        driver: Some(request.driver.clone()),
        count: Some(request.count),
        device_ids: (!request.device_ids.is_empty()).then(|| request.device_ids.clone()),
        capabilities: Some(vec![capabilities]),
        options: (!request.options.is_empty()).then(|| {
            request
                .options
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect::<HashMap<_, _>>()
        }),
    }
}

fn throttle(devices: &[model::ThrottleDevice]) -> Option<Vec<ThrottleDevice>> {
    (!devices.is_empty()).then(|| {
        devices
            .iter()
            .map(|device| ThrottleDevice {
                path: Some(device.path.clone()),
                rate: Some(device.rate.0),
            })
            .collect()
    })
}

/// Fills the resource part of the host config (`getDeployResources`).
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn apply_resources(service: &ServiceConfig, host: &mut HostConfig) {
    let some_non_zero = |value: i64| (value != 0).then_some(value);
    host.cgroup_parent = (!service.cgroup_parent.is_empty()).then(|| service.cgroup_parent.clone());
    host.memory = some_non_zero(service.mem_limit.0);
    host.memory_swap = some_non_zero(service.memswap_limit.0);
    host.memory_swappiness = some_non_zero(service.mem_swappiness.0);
    host.memory_reservation = some_non_zero(service.mem_reservation.0);
    host.oom_kill_disable = Some(service.oom_kill_disable);
    host.cpu_count = some_non_zero(service.cpu_count);
    host.cpu_period = some_non_zero(service.cpu_period);
    host.cpu_quota = some_non_zero(service.cpu_quota);
    host.cpu_realtime_period = some_non_zero(service.cpu_rt_period);
    host.cpu_realtime_runtime = some_non_zero(service.cpu_rt_runtime);
    host.cpu_shares = some_non_zero(service.cpu_shares);
    // Go computes in float32 before converting: keep the same rounding.
    host.nano_cpus = some_non_zero((service.cpus * 1e9_f32) as i64);
    host.cpu_percent = some_non_zero((service.cpu_percent * 100_f32) as i64);
    host.cpuset_cpus = (!service.cpuset.is_empty()).then(|| service.cpuset.clone());
    host.device_cgroup_rules =
        (!service.device_cgroup_rules.is_empty()).then(|| service.device_cgroup_rules.clone());
    host.pids_limit = some_non_zero(service.pids_limit);

    if let Some(blkio) = &service.blkio_config {
        host.blkio_weight = Some(blkio.weight);
        host.blkio_weight_device = (!blkio.weight_device.is_empty()).then(|| {
            blkio
                .weight_device
                .iter()
                .map(|device| ResourcesBlkioWeightDevice {
                    path: Some(device.path.clone()),
                    weight: Some(usize::from(device.weight)),
                })
                .collect()
        });
        host.blkio_device_read_bps = throttle(&blkio.device_read_bps);
        host.blkio_device_read_iops = throttle(&blkio.device_read_iops);
        host.blkio_device_write_bps = throttle(&blkio.device_write_bps);
        host.blkio_device_write_iops = throttle(&blkio.device_write_iops);
    }

    let mut device_requests: Vec<DeviceRequest> = Vec::new();
    if let Some(deploy) = &service.deploy {
        if let Some(limits) = &deploy.resources.limits {
            if limits.memory.0 != 0 {
                host.memory = Some(limits.memory.0);
            }
            if limits.cpus != 0.0 {
                host.nano_cpus = Some((limits.cpus * 1e9_f32) as i64);
            }
            if limits.pids > 0 {
                host.pids_limit = Some(limits.pids);
            }
        }
        if let Some(reservations) = &deploy.resources.reservations {
            if reservations.memory.0 != 0 {
                host.memory_reservation = Some(reservations.memory.0);
            }
            for device in &reservations.devices {
                device_requests.push(device_request(device, device.capabilities.clone()));
            }
        }
    }

    let mut devices = Vec::new();
    let mut cdi_names = Vec::new();
    for device in &service.devices {
        if device.source == device.target && is_cdi_name(&device.source) {
            cdi_names.push(device.source.clone());
            continue;
        }
        devices.push(DeviceMapping {
            path_on_host: Some(device.source.clone()),
            path_in_container: Some(device.target.clone()),
            cgroup_permissions: Some(device.permissions.clone()),
        });
    }
    host.devices = (!devices.is_empty()).then_some(devices);
    if !cdi_names.is_empty() {
        device_requests.push(DeviceRequest {
            driver: Some("cdi".to_owned()),
            device_ids: Some(cdi_names),
            ..DeviceRequest::default()
        });
    }
    for gpu in &service.gpus {
        let mut capabilities = gpu.capabilities.clone();
        capabilities.push("gpu".to_owned());
        device_requests.push(device_request(gpu, capabilities));
    }
    host.device_requests = (!device_requests.is_empty()).then_some(device_requests);

    let limits = ulimits(&service.ulimits);
    host.ulimits = (!limits.is_empty()).then_some(limits);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeployConfig, RestartPolicy as DeployRestart};

    fn service_with_restart(restart: &str) -> ServiceConfig {
        ServiceConfig {
            restart: restart.to_owned(),
            ..ServiceConfig::default()
        }
    }

    #[test]
    fn restart_values_map_to_engine_policies() {
        let cases = [
            ("", RestartPolicyNameEnum::EMPTY, 0),
            ("no", RestartPolicyNameEnum::NO, 0),
            ("always", RestartPolicyNameEnum::ALWAYS, 0),
            ("unless-stopped", RestartPolicyNameEnum::UNLESS_STOPPED, 0),
            ("on-failure", RestartPolicyNameEnum::ON_FAILURE, 0),
            ("on-failure:5", RestartPolicyNameEnum::ON_FAILURE, 5),
        ];
        for (restart, name, count) in cases {
            let policy = restart_policy(&service_with_restart(restart));
            assert_eq!(policy.name, Some(name), "{restart}");
            assert_eq!(policy.maximum_retry_count, Some(count), "{restart}");
        }
    }

    #[test]
    fn deploy_restart_policy_wins_and_maps_any_to_always() {
        let mut service = service_with_restart("no");
        service.deploy = Some(DeployConfig {
            restart_policy: Some(DeployRestart {
                condition: "any".to_owned(),
                max_attempts: Some(2),
                ..DeployRestart::default()
            }),
            ..DeployConfig::default()
        });
        let policy = restart_policy(&service);
        assert_eq!(policy.name, Some(RestartPolicyNameEnum::ALWAYS));
        assert_eq!(policy.maximum_retry_count, Some(2));
        service
            .deploy
            .as_mut()
            .unwrap()
            .restart_policy
            .as_mut()
            .unwrap()
            .condition = "none".to_owned();
        assert_eq!(
            restart_policy(&service).name,
            Some(RestartPolicyNameEnum::NO)
        );
    }

    #[test]
    fn ulimits_single_value_sets_soft_and_hard() {
        let mut limits = BTreeMap::new();
        limits.insert(
            "nproc".to_owned(),
            Ulimit {
                single: 65535,
                ..Ulimit::default()
            },
        );
        limits.insert(
            "nofile".to_owned(),
            Ulimit {
                single: 0,
                soft: 20000,
                hard: 40000,
            },
        );
        let converted = ulimits(&limits);
        assert_eq!(converted.len(), 2);
        assert_eq!(converted[0].name.as_deref(), Some("nofile"));
        assert_eq!(
            (converted[0].soft, converted[0].hard),
            (Some(20000), Some(40000))
        );
        assert_eq!(
            (converted[1].soft, converted[1].hard),
            (Some(65535), Some(65535))
        );
    }

    #[test]
    fn cdi_names_are_recognised() {
        assert!(is_cdi_name("nvidia.com/gpu=all"));
        assert!(is_cdi_name("vendor.com/class=dev0"));
        assert!(!is_cdi_name("/dev/null"));
        assert!(!is_cdi_name("nvidia.com/gpu"));
    }
}
