//! Container resource usage (`stats`): the engine's stats stream reduced to the numbers the
//! docker CLI shows, computed as its `stats_helpers.go` does (CPU % from the sample and the
//! previous one, memory without the inactive page cache, network and block I/O summed).

use bollard::models::{ContainerBlkioStats, ContainerMemoryStats, ContainerStatsResponse};
use bollard::query_parameters::StatsOptions;
use futures_util::{Stream, StreamExt};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};

/// One reading of a container's resource usage, in the CLI's units (bytes, percent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageSample {
    /// The engine's name, with its `/`.
    pub name: String,
    pub id: String,
    pub cpu_percent: f64,
    pub memory: f64,
    pub memory_limit: f64,
    pub memory_percent: f64,
    pub network_rx: f64,
    pub network_tx: f64,
    pub block_read: f64,
    pub block_write: f64,
    pub pids: u64,
}

impl Engine {
    /// The container's usage: one sample (`stream == false`, the engine waits for two
    /// cycles so the CPU % is meaningful) or one per engine cycle.
    pub fn container_usage(
        &self,
        container: &str,
        stream: bool,
    ) -> impl Stream<Item = Result<UsageSample, EngineError>> + Send + 'static {
        let engine = self.clone();
        let context = ErrorContext::container(container).action("read the stats of");
        let options = StatsOptions {
            stream,
            one_shot: false,
        };
        self.docker
            .stats(container, Some(options))
            .map(move |item| match item {
                Ok(response) => Ok(usage_sample(&response)),
                Err(error) => Err(engine.error(error, context.clone())),
            })
    }
}

/// The CLI's numbers from one stats answer (Linux containers).
#[allow(clippy::cast_precision_loss)]
pub fn usage_sample(response: &ContainerStatsResponse) -> UsageSample {
    let memory_stats = response.memory_stats.clone().unwrap_or_default();
    let memory = memory_without_cache(&memory_stats);
    let memory_limit = memory_stats.limit.unwrap_or_default() as f64;
    let (block_read, block_write) = block_io(response.blkio_stats.as_ref());
    let (network_rx, network_tx) =
        response
            .networks
            .iter()
            .flatten()
            .fold((0.0, 0.0), |(rx, tx), (_, network)| {
                (
                    rx + network.rx_bytes.unwrap_or_default() as f64,
                    tx + network.tx_bytes.unwrap_or_default() as f64,
                )
            });
    UsageSample {
        name: response.name.clone().unwrap_or_default(),
        id: response.id.clone().unwrap_or_default(),
        cpu_percent: cpu_percent(response),
        memory,
        memory_limit,
        memory_percent: if memory_limit == 0.0 {
            0.0
        } else {
            memory / memory_limit * 100.0
        },
        network_rx,
        network_tx,
        block_read,
        block_write,
        pids: response
            .pids_stats
            .as_ref()
            .and_then(|pids| pids.current)
            .unwrap_or_default(),
    }
}

/// The CLI's `calculateCPUPercentUnix`: the container's share of the host's CPU time since
/// the previous sample, times the number of CPUs.
#[allow(clippy::cast_precision_loss)]
fn cpu_percent(response: &ContainerStatsResponse) -> f64 {
    let usage = |stats: Option<&bollard::models::ContainerCpuStats>| {
        let total = stats
            .and_then(|stats| stats.cpu_usage.as_ref())
            .and_then(|usage| usage.total_usage)
            .unwrap_or_default() as f64;
        let system = stats
            .and_then(|stats| stats.system_cpu_usage)
            .unwrap_or_default() as f64;
        (total, system)
    };
    let (total, system) = usage(response.cpu_stats.as_ref());
    let (previous_total, previous_system) = usage(response.precpu_stats.as_ref());
    let current = response.cpu_stats.as_ref();
    let mut cpus = f64::from(current.and_then(|stats| stats.online_cpus).unwrap_or(0));
    if cpus == 0.0 {
        cpus = current
            .and_then(|stats| stats.cpu_usage.as_ref())
            .and_then(|usage| usage.percpu_usage.as_ref())
            .map_or(0, Vec::len) as f64;
    }
    let cpu_delta = total - previous_total;
    let system_delta = system - previous_system;
    if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    }
}

/// The CLI's `calculateMemUsageUnixNoCache`: usage minus the inactive file cache (cgroup v1
/// `total_inactive_file`, v2 `inactive_file`).
#[allow(clippy::cast_precision_loss)]
fn memory_without_cache(memory: &ContainerMemoryStats) -> f64 {
    let usage = memory.usage.unwrap_or_default();
    let stat = |key: &str| {
        memory
            .stats
            .as_ref()
            .and_then(|stats| stats.get(key))
            .copied()
    };
    if let Some(inactive) = stat("total_inactive_file")
        && inactive < usage
    {
        return (usage - inactive) as f64;
    }
    let inactive = stat("inactive_file").unwrap_or_default();
    if inactive < usage {
        (usage - inactive) as f64
    } else {
        usage as f64
    }
}

/// Bytes read and written (`io_service_bytes_recursive`, any case of `read`/`write`).
#[allow(clippy::cast_precision_loss)]
fn block_io(stats: Option<&ContainerBlkioStats>) -> (f64, f64) {
    let mut read = 0u64;
    let mut write = 0u64;
    for entry in stats
        .and_then(|stats| stats.io_service_bytes_recursive.as_ref())
        .into_iter()
        .flatten()
    {
        let value = entry.value.unwrap_or_default();
        match entry.op.as_deref().map(str::to_lowercase).as_deref() {
            Some("read") => read = read.saturating_add(value),
            Some("write") => write = write.saturating_add(value),
            _ => {}
        }
    }
    (read as f64, write as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerBlkioStatEntry, ContainerCpuStats, ContainerCpuUsage, ContainerNetworkStats,
        ContainerPidsStats,
    };
    use std::collections::HashMap;

    fn cpu(total: u64, system: u64, cpus: u32) -> ContainerCpuStats {
        ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(total),
                percpu_usage: Some(vec![0; 4]),
                ..ContainerCpuUsage::default()
            }),
            system_cpu_usage: Some(system),
            online_cpus: Some(cpus),
            ..ContainerCpuStats::default()
        }
    }

    #[test]
    fn cpu_percent_is_the_share_of_the_system_delta_times_cpus() {
        let response = ContainerStatsResponse {
            cpu_stats: Some(cpu(300, 2_000, 2)),
            precpu_stats: Some(cpu(100, 1_000, 2)),
            ..ContainerStatsResponse::default()
        };
        assert!((usage_sample(&response).cpu_percent - 40.0).abs() < 1e-9);
        // No online_cpus: the per-CPU list's length (4) counts.
        let response = ContainerStatsResponse {
            cpu_stats: Some(cpu(300, 2_000, 0)),
            precpu_stats: Some(cpu(100, 1_000, 0)),
            ..ContainerStatsResponse::default()
        };
        assert!((usage_sample(&response).cpu_percent - 80.0).abs() < 1e-9);
        // A first sample (no previous system time difference) is 0.
        let response = ContainerStatsResponse {
            cpu_stats: Some(cpu(300, 2_000, 2)),
            precpu_stats: Some(cpu(300, 2_000, 2)),
            ..ContainerStatsResponse::default()
        };
        assert!(usage_sample(&response).cpu_percent.abs() < 1e-9);
    }

    #[test]
    fn memory_network_block_and_pids() {
        let entry = |op: &str, value: u64| ContainerBlkioStatEntry {
            op: Some(op.to_owned()),
            value: Some(value),
            ..ContainerBlkioStatEntry::default()
        };
        let network = |rx: u64, tx: u64| ContainerNetworkStats {
            rx_bytes: Some(rx),
            tx_bytes: Some(tx),
            ..ContainerNetworkStats::default()
        };
        let response = ContainerStatsResponse {
            name: Some("/demo-web-1".to_owned()),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(1_000),
                limit: Some(4_000),
                stats: Some(HashMap::from([("inactive_file".to_owned(), 200)])),
                ..ContainerMemoryStats::default()
            }),
            networks: Some(HashMap::from([
                ("eth0".to_owned(), network(10, 20)),
                ("eth1".to_owned(), network(1, 2)),
            ])),
            blkio_stats: Some(ContainerBlkioStats {
                io_service_bytes_recursive: Some(vec![
                    entry("Read", 5),
                    entry("write", 7),
                    entry("read", 1),
                    entry("Total", 100),
                ]),
                ..ContainerBlkioStats::default()
            }),
            pids_stats: Some(ContainerPidsStats {
                current: Some(3),
                limit: None,
            }),
            ..ContainerStatsResponse::default()
        };
        let sample = usage_sample(&response);
        assert_eq!(sample.name, "/demo-web-1");
        assert!((sample.memory - 800.0).abs() < 1e-9);
        assert!((sample.memory_percent - 20.0).abs() < 1e-9);
        assert!((sample.network_rx - 11.0).abs() < 1e-9);
        assert!((sample.network_tx - 22.0).abs() < 1e-9);
        assert!((sample.block_read - 6.0).abs() < 1e-9);
        assert!((sample.block_write - 7.0).abs() < 1e-9);
        assert_eq!(sample.pids, 3);
        // A stopped container: everything zero, no division by a zero limit.
        let sample = usage_sample(&ContainerStatsResponse::default());
        assert!(sample.memory_percent.abs() < 1e-9);
    }
}
