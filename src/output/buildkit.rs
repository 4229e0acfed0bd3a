//! BuildKit's build progress, rendered as the reference renders it: plain data for the
//! engine's status updates (vertexes, their statuses and logs), and `PlainTrace`, a port of
//! BuildKit's plain printer (`progressui` text mode, as buildx drives it for compose): the
//! `#N [service step] NAME` header of each vertex, its statuses, its log lines with the time
//! since the vertex started, `#N DONE 0.1s` / `CACHED` / `ERROR: …`, and after a failure the
//! `------` block with the failed step's last lines. Pure: text in, text out.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

/// A point in time, in seconds since the Unix epoch.
pub type Seconds = f64;

/// One BuildKit status message (the engine's `moby.buildkit.trace` item).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildkitStatus {
    pub vertexes: Vec<VertexUpdate>,
    pub statuses: Vec<StatusUpdate>,
    pub logs: Vec<LogUpdate>,
}

/// A step of the build graph (`[2/3] COPY a /a`), as it stands now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VertexUpdate {
    pub digest: String,
    pub name: String,
    pub cached: bool,
    pub started: Option<Seconds>,
    pub completed: Option<Seconds>,
    pub error: String,
}

/// A sub-task of a vertex (`transferring context: 34B`, `naming to …`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusUpdate {
    pub id: String,
    pub vertex: String,
    pub current: i64,
    pub total: i64,
    pub timestamp: Option<Seconds>,
    pub started: Option<Seconds>,
    pub completed: Option<Seconds>,
}

/// Output of a vertex's process (a `RUN` step), not necessarily whole lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogUpdate {
    pub vertex: String,
    pub timestamp: Option<Seconds>,
    pub data: Vec<u8>,
}

/// The description line buildx prints first (`#0 building with "default" instance using
/// docker driver`), followed by an empty line.
pub const DESCRIPTION: &str = "#0 building with \"default\" instance using docker driver\n\n";

/// How many of a vertex's last log lines the failure summary repeats (BuildKit's ring).
const ERROR_LOG_LINES: usize = 10;

#[derive(Debug, Default)]
struct Status {
    id: String,
    current: i64,
    total: i64,
    timestamp: Option<Seconds>,
    started: Option<Seconds>,
    completed: Option<Seconds>,
}

#[derive(Debug, Default)]
struct Vertex {
    index: usize,
    /// With the service prefix: `[app 2/3] COPY a /a`, `[app] exporting to image`.
    name: String,
    /// As BuildKit names it: `[2/3] COPY a /a`.
    step: String,
    service: String,
    cached: bool,
    started: Option<Seconds>,
    completed: Option<Seconds>,
    error: String,
    statuses: Vec<Status>,
    status_updates: HashSet<String>,
    logs: Vec<String>,
    logs_partial: bool,
    logs_offset: usize,
    /// The last lines without the `#N ` prefix, for the failure summary.
    last_logs: VecDeque<String>,
}

/// The plain printer's state across every service's updates (one numbering for all, as the
/// reference's shared printer).
#[derive(Debug, Default)]
pub struct PlainTrace {
    vertexes: Vec<Vertex>,
    by_key: HashMap<(String, String), usize>,
    updates: BTreeSet<usize>,
    current: Option<usize>,
    not_first: bool,
    last_printed: HashMap<String, (i64, Seconds)>,
}

/// `[pfx step] name` for `[step] name`, `[pfx] name` otherwise (buildx's `addPrefix`).
pub fn prefixed_name(prefix: &str, name: &str) -> String {
    match name.strip_prefix('[') {
        Some(rest) => format!("[{prefix} {rest}"),
        None => format!("[{prefix}] {name}"),
    }
}

impl PlainTrace {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one status message of `service`'s build and returns the text to print now.
    pub fn update(&mut self, service: &str, status: &BuildkitStatus) -> String {
        self.apply(service, status);
        self.print()
    }

    /// Whether updates wait to be printed.
    pub fn has_updates(&self) -> bool {
        !self.updates.is_empty()
    }

    /// The step `service`'s build works on now (the last one started and not completed, as
    /// BuildKit names it: `[2/3] COPY a /a`), for a one-line live view.
    pub fn current_step(&self, service: &str) -> Option<String> {
        self.vertexes
            .iter()
            .rev()
            .find(|vertex| {
                vertex.started.is_some() && vertex.completed.is_none() && vertex.service == service
            })
            .map(|vertex| vertex.step.clone())
    }

    /// Takes one status message of `service`'s build; `print` shows what changed (BuildKit
    /// prints at most every 100ms, so that a status started and done in between shows once).
    pub fn apply(&mut self, service: &str, status: &BuildkitStatus) {
        for update in &status.vertexes {
            let key = (service.to_owned(), update.digest.clone());
            let position = if let Some(position) = self.by_key.get(&key) {
                *position
            } else {
                self.vertexes.push(Vertex {
                    index: self.vertexes.len() + 1,
                    ..Vertex::default()
                });
                self.by_key.insert(key, self.vertexes.len() - 1);
                self.vertexes.len() - 1
            };
            let vertex = &mut self.vertexes[position];
            // The engine repeats a completed vertex (the uploaded context): nothing new.
            if vertex.completed.is_some()
                && update.completed.is_some()
                && vertex.error == update.error
                && vertex.cached == update.cached
            {
                continue;
            }
            // A repeated initial vertex does not reset a started one.
            if !(vertex.started.is_some() && update.started.is_none()) {
                vertex.name = prefixed_name(service, &update.name);
                vertex.step.clone_from(&update.name);
                service.clone_into(&mut vertex.service);
                vertex.cached = update.cached;
                vertex.started = update.started;
                vertex.completed = update.completed;
                vertex.error.clone_from(&update.error);
            }
            self.updates.insert(position);
        }
        for update in &status.statuses {
            let Some(&position) = self
                .by_key
                .get(&(service.to_owned(), update.vertex.clone()))
            else {
                continue;
            };
            let vertex = &mut self.vertexes[position];
            vertex.status_updates.insert(update.id.clone());
            let entry = if let Some(existing) = vertex
                .statuses
                .iter_mut()
                .find(|status| status.id == update.id)
            {
                existing
            } else {
                vertex.statuses.push(Status {
                    id: update.id.clone(),
                    ..Status::default()
                });
                vertex.statuses.last_mut().expect("just pushed")
            };
            entry.current = update.current;
            entry.total = update.total;
            entry.timestamp = update.timestamp;
            entry.started = update.started;
            entry.completed = update.completed;
            self.updates.insert(position);
        }
        for log in &status.logs {
            let Some(&position) = self.by_key.get(&(service.to_owned(), log.vertex.clone())) else {
                continue;
            };
            let vertex = &mut self.vertexes[position];
            let text = String::from_utf8_lossy(&log.data).into_owned();
            if text.is_empty() {
                continue;
            }
            let since_start = match (log.timestamp, vertex.started) {
                (Some(at), Some(started)) => at - started,
                _ => 0.0,
            };
            let precision = if since_start < 10.0 {
                3
            } else if since_start < 100.0 {
                2
            } else {
                1
            };
            let complete = text.ends_with('\n');
            let pieces: Vec<&str> = text
                .strip_suffix('\n')
                .unwrap_or(&text)
                .split('\n')
                .collect();
            for (number, piece) in pieces.into_iter().enumerate() {
                if number == 0 && vertex.logs_partial && !vertex.logs.is_empty() {
                    if let Some(last) = vertex.logs.last_mut() {
                        last.push_str(piece);
                    }
                    if let Some(last) = vertex.last_logs.back_mut() {
                        last.push_str(piece);
                    }
                } else {
                    let line = format!("{since_start:.precision$} {piece}");
                    vertex.logs.push(format!("#{} {line}", vertex.index));
                    vertex.last_logs.push_back(line);
                    if vertex.last_logs.len() > ERROR_LOG_LINES {
                        vertex.last_logs.pop_front();
                    }
                }
            }
            vertex.logs_partial = !complete;
            self.updates.insert(position);
        }
    }

    /// The text for the updates taken since the last call.
    pub fn print(&mut self) -> String {
        let mut out = String::new();
        let updated: Vec<usize> = self.updates.iter().copied().collect();
        let (mut completed, rest): (Vec<usize>, Vec<usize>) = updated
            .into_iter()
            .partition(|position| self.vertexes[*position].completed.is_some());
        let current = self.current;
        if let Some(current) = current.filter(|current| completed.contains(current)) {
            self.print_vertex(current, &mut out);
        }
        completed.sort_by(|left, right| {
            let left = self.vertexes[*left].completed.unwrap_or_default();
            let right = self.vertexes[*right].completed.unwrap_or_default();
            left.total_cmp(&right)
        });
        for position in completed {
            if Some(position) != current {
                self.print_vertex(position, &mut out);
            }
        }
        if rest.is_empty() {
            if let Some(current) = self.current {
                let vertex = &self.vertexes[current];
                if vertex.started.is_some() && vertex.completed.is_none() {
                    return out;
                }
            }
            // Make an open vertex the active one.
            if let Some(open) = self
                .vertexes
                .iter()
                .position(|vertex| vertex.started.is_some() && vertex.completed.is_none())
            {
                if self.current != Some(open) {
                    self.print_vertex(open, &mut out);
                }
            }
            return out;
        }
        match self.current {
            Some(current) if rest.contains(&current) => self.print_vertex(current, &mut out),
            Some(_) => {}
            None => self.print_vertex(rest[0], &mut out),
        }
        out
    }

    fn print_vertex(&mut self, position: usize, out: &mut String) {
        if Some(position) != self.current {
            if let Some(old) = self.current {
                let old = &mut self.vertexes[old];
                if old.logs_partial {
                    out.push('\n');
                }
                old.logs_offset = 0;
                let _ = writeln!(out, "#{} ...", old.index);
            }
            if self.not_first {
                out.push('\n');
            } else {
                self.not_first = true;
            }
            let vertex = &self.vertexes[position];
            let _ = writeln!(out, "#{} {}", vertex.index, vertex.name);
        }
        let vertex = &mut self.vertexes[position];
        for status in &vertex.statuses {
            if !vertex.status_updates.contains(&status.id) {
                continue;
            }
            if let Some((current, at)) = self.last_printed.get(&status.id) {
                if status.completed.is_none() {
                    #[allow(clippy::cast_precision_loss)]
                    let progress = if status.total > 0 {
                        (status.current - current) as f64 / status.total as f64
                    } else {
                        0.0
                    };
                    let elapsed = status.timestamp.unwrap_or_default() - at;
                    if progress < 0.05 && elapsed < 5.0 {
                        continue;
                    }
                }
            }
            self.last_printed.insert(
                status.id.clone(),
                (status.current, status.timestamp.unwrap_or_default()),
            );
            let bytes = if status.total != 0 {
                format!(
                    " {} / {}",
                    format_bytes(status.current),
                    format_bytes(status.total)
                )
            } else if status.current != 0 {
                format!(" {}", format_bytes(status.current))
            } else {
                String::new()
            };
            let mut time = String::new();
            let end = status.completed.or(status.timestamp);
            if let (Some(started), Some(end)) = (status.started, end) {
                let elapsed = end - started;
                if elapsed > 0.01 {
                    time = format!(" {elapsed:.1}s");
                }
            }
            if status.completed.is_some() {
                time.push_str(" done");
            }
            let _ = writeln!(out, "#{} {}{bytes}{time}", vertex.index, status.id);
        }
        vertex.status_updates.clear();
        let count = vertex.logs.len();
        for (number, line) in vertex.logs.iter().enumerate() {
            let line = if number == 0 {
                line.get(vertex.logs_offset..).unwrap_or_default()
            } else {
                line.as_str()
            };
            out.push_str(line);
            if number != count - 1 || !vertex.logs_partial {
                out.push('\n');
            }
        }
        if count > 0 {
            if vertex.logs_partial {
                let last = vertex.logs.pop().unwrap_or_default();
                vertex.logs_offset = last.len();
                vertex.logs = vec![last];
            } else {
                vertex.logs.clear();
                vertex.logs_offset = 0;
            }
        }
        self.current = Some(position);
        if let Some(completed) = vertex.completed {
            self.current = None;
            if !vertex.error.is_empty() {
                if vertex.logs_partial {
                    out.push('\n');
                }
                if vertex.error.ends_with("context canceled") {
                    let _ = writeln!(out, "#{} CANCELED", vertex.index);
                } else {
                    let _ = writeln!(out, "#{} ERROR: {}", vertex.index, vertex.error);
                }
            } else if vertex.cached {
                let _ = writeln!(out, "#{} CACHED", vertex.index);
            } else {
                let time = vertex
                    .started
                    .map(|started| format!(" {:.1}s", completed - started))
                    .unwrap_or_default();
                let _ = writeln!(out, "#{} DONE{time}", vertex.index);
            }
        }
        self.updates.remove(&position);
    }

    /// The summary printed once every build is over: for each failed vertex, its name and
    /// last log lines between `------` rules.
    pub fn error_summary(&self) -> String {
        let mut out = String::new();
        for vertex in &self.vertexes {
            if vertex.error.is_empty() || vertex.error.ends_with("context canceled") {
                continue;
            }
            out.push_str("------\n");
            let _ = writeln!(out, " > {}:", vertex.name);
            for line in &vertex.last_logs {
                let _ = writeln!(out, "{line}");
            }
            out.push_str("------\n");
        }
        out
    }
}

/// Sizes as BuildKit prints them (`go-units`' decimal units with two decimals: `2.81MB`).
pub fn format_bytes(size: i64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    #[allow(clippy::cast_precision_loss)]
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{size}B")
    } else {
        format!("{value:.2}{}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vertex(digest: &str, name: &str) -> VertexUpdate {
        VertexUpdate {
            digest: digest.to_owned(),
            name: name.to_owned(),
            ..VertexUpdate::default()
        }
    }

    #[test]
    fn prints_steps_statuses_logs_and_results_like_buildkit() {
        let mut trace = PlainTrace::new();
        let mut out = String::new();
        let started = VertexUpdate {
            started: Some(100.0),
            ..vertex("d1", "[internal] load build definition from Dockerfile")
        };
        out += &trace.update(
            "app",
            &BuildkitStatus {
                vertexes: vec![started.clone()],
                ..BuildkitStatus::default()
            },
        );
        out += &trace.update(
            "app",
            &BuildkitStatus {
                vertexes: vec![VertexUpdate {
                    completed: Some(100.02),
                    ..started
                }],
                statuses: vec![StatusUpdate {
                    id: "transferring dockerfile: 31B".to_owned(),
                    vertex: "d1".to_owned(),
                    started: Some(100.0),
                    completed: Some(100.001),
                    ..StatusUpdate::default()
                }],
                ..BuildkitStatus::default()
            },
        );
        let run = VertexUpdate {
            started: Some(200.0),
            ..vertex("d2", "[2/2] RUN echo hi")
        };
        out += &trace.update(
            "app",
            &BuildkitStatus {
                vertexes: vec![run.clone()],
                logs: vec![LogUpdate {
                    vertex: "d2".to_owned(),
                    timestamp: Some(200.265),
                    data: b"hi\nthere".to_vec(),
                }],
                ..BuildkitStatus::default()
            },
        );
        out += &trace.update(
            "app",
            &BuildkitStatus {
                logs: vec![LogUpdate {
                    vertex: "d2".to_owned(),
                    timestamp: Some(200.3),
                    data: b" you\n".to_vec(),
                }],
                ..BuildkitStatus::default()
            },
        );
        out += &trace.update(
            "app",
            &BuildkitStatus {
                vertexes: vec![VertexUpdate {
                    completed: Some(200.31),
                    error: "exit code: 3".to_owned(),
                    ..run
                }],
                ..BuildkitStatus::default()
            },
        );
        out += &trace.update(
            "app",
            &BuildkitStatus {
                vertexes: vec![VertexUpdate {
                    cached: true,
                    completed: Some(1.0),
                    started: Some(1.0),
                    ..vertex("d3", "[1/2] FROM docker.io/library/busybox")
                }],
                ..BuildkitStatus::default()
            },
        );
        assert_eq!(
            out,
            "#1 [app internal] load build definition from Dockerfile\n\
             #1 transferring dockerfile: 31B done\n\
             #1 DONE 0.0s\n\
             \n\
             #2 [app 2/2] RUN echo hi\n\
             #2 0.265 hi\n\
             #2 0.265 there you\n\
             #2 ERROR: exit code: 3\n\
             \n\
             #3 [app 1/2] FROM docker.io/library/busybox\n\
             #3 CACHED\n"
        );
        assert_eq!(
            trace.error_summary(),
            "------\n > [app 2/2] RUN echo hi:\n0.265 hi\n0.265 there you\n------\n"
        );
    }

    #[test]
    fn switching_between_open_vertexes_marks_the_interruption() {
        let mut trace = PlainTrace::new();
        let first = VertexUpdate {
            started: Some(1.0),
            ..vertex("a", "[1/2] RUN one")
        };
        let second = VertexUpdate {
            started: Some(1.0),
            ..vertex("b", "[1/2] RUN two")
        };
        let mut out = trace.update(
            "x",
            &BuildkitStatus {
                vertexes: vec![first.clone()],
                ..BuildkitStatus::default()
            },
        );
        out += &trace.update(
            "y",
            &BuildkitStatus {
                vertexes: vec![second],
                ..BuildkitStatus::default()
            },
        );
        out += &trace.update(
            "x",
            &BuildkitStatus {
                vertexes: vec![VertexUpdate {
                    completed: Some(1.5),
                    ..first
                }],
                ..BuildkitStatus::default()
            },
        );
        assert_eq!(
            out, "#1 [x 1/2] RUN one\n#1 DONE 0.5s\n\n#2 [y 1/2] RUN two\n",
            "{out}"
        );
        assert_eq!(trace.current_step("y").as_deref(), Some("[1/2] RUN two"));
        assert_eq!(trace.current_step("x"), None);
    }

    #[test]
    fn names_and_sizes() {
        assert_eq!(
            prefixed_name("app", "[2/3] COPY a /a"),
            "[app 2/3] COPY a /a"
        );
        assert_eq!(
            prefixed_name("app", "exporting to image"),
            "[app] exporting to image"
        );
        assert_eq!(format_bytes(512), "512B");
        assert_eq!(format_bytes(2_810_000), "2.81MB");
    }
}
