//! BuildKit's status messages (bollard's decoded `moby.buildkit.trace` items) turned into the
//! plain `output::buildkit` data the renderers read.

use bollard::models::BuildInfoAux;

use crate::output::buildkit::{BuildkitStatus, LogUpdate, Seconds, StatusUpdate, VertexUpdate};

/// Seconds since the epoch of a protobuf timestamp (`Option<Timestamp>`).
macro_rules! seconds {
    ($timestamp:expr) => {
        $timestamp
            .as_ref()
            .map(|at| to_seconds(at.seconds, at.nanos))
    };
}

#[allow(clippy::cast_precision_loss)]
fn to_seconds(seconds: i64, nanos: i32) -> Seconds {
    seconds as f64 + f64::from(nanos) / 1e9
}

/// The plain form of one BuildKit aux item; `None` for the engine's other aux items (the
/// image id).
pub fn from_aux(aux: &BuildInfoAux) -> Option<BuildkitStatus> {
    let BuildInfoAux::BuildKit(response) = aux else {
        return None;
    };
    Some(BuildkitStatus {
        vertexes: response
            .vertexes
            .iter()
            .map(|vertex| VertexUpdate {
                digest: vertex.digest.clone(),
                name: vertex.name.clone(),
                cached: vertex.cached,
                started: seconds!(vertex.started),
                completed: seconds!(vertex.completed),
                error: vertex.error.clone(),
            })
            .collect(),
        statuses: response
            .statuses
            .iter()
            .map(|status| StatusUpdate {
                id: status.id.clone(),
                vertex: status.vertex.clone(),
                current: status.current,
                total: status.total,
                timestamp: seconds!(status.timestamp),
                started: seconds!(status.started),
                completed: seconds!(status.completed),
            })
            .collect(),
        logs: response
            .logs
            .iter()
            .map(|log| LogUpdate {
                vertex: log.vertex.clone(),
                timestamp: seconds!(log.timestamp),
                data: log.msg.clone(),
            })
            .collect(),
    })
}
