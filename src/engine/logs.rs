//! Containers' output as one feed: `logs` (with `--follow`) and the attached `up`. Every
//! container's chunks go, in order, as [`LogEvent`]s on one channel to the single task that
//! owns the terminal (`output::logmux::run_log_writer`). The channel is bounded and chunks
//! are batched, so memory stays bounded however fast containers write.
//!
//! Following (`logs -f`, attached `up`) is driven by the project's engine events, subscribed
//! *before* the containers are listed so that nothing is missed: a container that starts
//! later (scale-up, recreate, `start`) or restarts is followed again from its `StartedAt`
//! (the reference's `monitor` + `doLogContainer`, also fixing docker/compose#8925 and
//! #10331), from between its previous run's end and its start so that no line is lost or
//! repeated. A container's runs are read one after the other in the order of their events
//! (see [`Followed`]): a run's `exited with code N` line comes after its last output line
//! and before the next run's first, however late the events or the streams are (a run
//! already over is read up to its `die`; a read following a run is cut at its `die`, the
//! engine going on with the next run's lines in it otherwise, and resumed from there). The
//! feed ends when no followed container is alive any more (died without restarting, or
//! removed); containers already stopped when `logs -f` starts are not waited for (the
//! reference waits for them forever). `--tail N` with `--follow` counts the lines there
//! when the feed began; the rest of a run going on is then followed as any run (cut at its
//! `die`), so no later run's line is counted in or shown twice.
//!
//! For the attached `up` (`commands/up_attached.rs`), [`attach_project`] is the entry point:
//!
//! ```text
//! create containers (first part of the plan)
//!   ─► attach_project(engine, project, request, options, sender)   // attached, not started
//!   ─► start containers (second part of the plan) ─► Feed::no_more_starts()
//!   ─► Feed::ended()   // no monitored container alive any more
//! ```
//!
//! It attaches to every container of the shown services (stream only, no past logs)
//! **before** they start, as the reference does (`ContainerAttach` before `ContainerStart`),
//! so the first lines are never lost, and announces them (`Attaching to …`). Exits arrive
//! on the same channel as [`LogEvent::Exited`] after the container's last line, and at the
//! same moment on [`AttachedProject::exits`], where `up` implements
//! `--abort-on-container-exit`, `--abort-on-container-failure` and `--exit-code-from`.
//! The feed ends when no container of the *monitored* services (the reference's monitor:
//! the services named on the command line, else the attached ones) is alive;
//! [`Feed::stop_following`] ends it early.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::container::LogOutput;
use bollard::query_parameters::{AttachContainerOptions, LogsOptions};
use futures_util::FutureExt;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::task::{AbortHandle, JoinSet};

use super::connect::Engine;
use super::error::{EngineError, ErrorContext};
use super::events::{ContainerAction, ContainerEvent};
use super::inspect::{ContainerQuery, ContainerSummary, OneOff};
use crate::labels;
use crate::output::logmux::{LogEvent, LogStream};

/// The most output gathered into one event (chunks that are already waiting are merged).
const BATCH_BYTES: usize = 64 * 1024;

/// Events waiting for the writer before senders wait (with [`BATCH_BYTES`], bounds memory).
pub const CHANNEL_CAPACITY: usize = 64;

/// How long `logs -f` keeps listening after the project's last event once no followed
/// container is alive: a `restart` goes die, stop, start (the reference ends at the die and
/// misses the new run).
const RESTART_LINGER: Duration = Duration::from_secs(3);

/// A moment for `--since`/`--until`: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    pub seconds: i64,
    pub nanos: u32,
}

impl Moment {
    /// The engine's form: `1700000000.000000005`.
    pub fn to_engine(self) -> String {
        format!("{}.{:09}", self.seconds, self.nanos)
    }

    fn as_nanos(self) -> i128 {
        i128::from(self.seconds) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// This moment less `duration`.
    fn before(self, duration: Duration) -> Self {
        Self::from_nanos(self.as_nanos() - i128::try_from(duration.as_nanos()).unwrap_or_default())
    }

    fn from_nanos(nanos: i128) -> Self {
        Self {
            seconds: i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or_default(),
            nanos: u32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or_default(),
        }
    }

    fn from_system_time(moment: SystemTime) -> Self {
        match moment.duration_since(UNIX_EPOCH) {
            Ok(elapsed) => Self {
                seconds: i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
                nanos: elapsed.subsec_nanos(),
            },
            Err(_) => Self {
                seconds: 0,
                nanos: 0,
            },
        }
    }
}

/// Parses `--since`/`--until` as the docker CLI does (`GetTimestamp`): a Go duration
/// relative to `now` (`10m`, `1h30m`, `1.5h`, `300ms`), Unix seconds (`1700000000.5`), or an
/// RFC 3339 time (`2013-01-02T13:23:37Z`, with an offset or fractional seconds, or only a
/// date). Times without a zone are taken as UTC (the CLI uses the local zone).
pub fn parse_moment(text: &str, now: SystemTime) -> Result<Moment, String> {
    let text = text.trim();
    let invalid =
        || format!("invalid value `{text}`: expected an RFC 3339 time or a duration like `10m`");
    if text.is_empty() {
        return Err(invalid());
    }
    if let Some(duration) = parse_go_duration(text) {
        let moment = now.checked_sub(duration).unwrap_or(UNIX_EPOCH);
        return Ok(Moment::from_system_time(moment));
    }
    if !text.contains('-') || text.starts_with('-') && !text[1..].contains('-') {
        // Unix seconds with an optional fraction, as the CLI passes them through.
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let seconds: i64 = whole.parse().map_err(|_| invalid())?;
        if fraction.len() > 9 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(invalid());
        }
        let nanos: u32 = format!("{fraction:0<9}").parse().map_err(|_| invalid())?;
        return Ok(Moment { seconds, nanos });
    }
    parse_rfc3339(text).ok_or_else(invalid)
}

/// `--since` and `--until`, each optional, read by [`parse_moment`] against the same `now`.
pub fn parse_window(
    since: Option<&str>,
    until: Option<&str>,
    now: SystemTime,
) -> Result<(Option<Moment>, Option<Moment>), String> {
    let moment = |text: Option<&str>| text.map(|text| parse_moment(text, now)).transpose();
    Ok((moment(since)?, moment(until)?))
}

/// A Go `time.ParseDuration` text (`1h30m`, `1.5h`, `300ms`, `2us`); `None` when it is not one.
/// Negative durations count forward (as Go's `now - d`).
fn parse_go_duration(text: &str) -> Option<Duration> {
    parse_duration_units(text, false)
}

/// A Go duration that may also count days (`d`) and weeks (`w`), as `str2duration` reads
/// `pull_policy: every_<duration>`.
pub(crate) fn parse_long_duration(text: &str) -> Option<Duration> {
    parse_duration_units(text, true)
}

fn parse_duration_units(text: &str, long_units: bool) -> Option<Duration> {
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    let mut total = 0.0_f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|character: char| !(character.is_ascii_digit() || character == '.'))
            .unwrap_or(rest.len());
        if number_end == 0 {
            return None;
        }
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|character: char| character.is_ascii_digit() || character == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" if long_units => 86_400.0,
            "w" if long_units => 604_800.0,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// RFC 3339 (and the CLI's shorter layouts: a date, a time without zone or seconds).
fn parse_rfc3339(text: &str) -> Option<Moment> {
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    if date_parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else if let Some(split) = time.rfind(['+', '-']) {
        let (clock, offset) = time.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let hours: i64 = hours.parse().ok()?;
        let minutes: i64 = minutes.parse().ok()?;
        (clock, sign * (hours * 3600 + minutes * 60))
    } else {
        (time, 0)
    };
    let mut clock_parts = clock.split(':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let (second, nanos) = match clock_parts.next() {
        None => (0, 0),
        Some(seconds) => {
            let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
            if fraction.len() > 9 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let nanos: u32 = format!("{fraction:0<9}").parse().ok()?;
            (whole.parse::<i64>().ok()?, nanos)
        }
    };
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(Moment {
        seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds,
        nanos,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Where a new run's log begins: halfway between the end of the previous run and the
/// recorded start of this one (`None` for a first run: its whole log). Not `StartedAt`
/// itself, the reference's choice: the engine records it after the process started, so
/// the first lines are stamped before it (and lost); nor `FinishedAt`, which the previous
/// run's last lines can follow by a little.
fn run_start(finished_at: &str, started_at: &str) -> Option<Moment> {
    let finished = parse_rfc3339(finished_at).filter(|moment| moment.seconds > 0)?;
    let Some(started) = parse_rfc3339(started_at).filter(|moment| *moment > finished) else {
        return Some(finished);
    };
    Some(Moment::from_nanos(
        (finished.as_nanos() + started.as_nanos()) / 2,
    ))
}

/// Where the log of a container's latest run begins. Best, the time of the previous run's
/// `die` event (`previous_ends`, as seen): the engine logs it once that run's output is all
/// stamped, and starts the next run only after it (restart policy or `restart`), whereas
/// the first lines of a run can be stamped before its recorded `StartedAt`. Without it: see
/// [`run_start`], or, when the run has already ended (its `FinishedAt` is then its own
/// end), a little before its start.
fn latest_run_start(
    previous_ends: &[Moment],
    finished_at: &str,
    started_at: &str,
) -> Option<Moment> {
    let started = parse_rfc3339(started_at);
    if let Some(started) = started {
        if let Some(end) = previous_ends.iter().rev().find(|end| **end < started) {
            return Some(*end);
        }
    }
    let finished = parse_rfc3339(finished_at);
    match (started, finished) {
        (Some(started), Some(finished)) if finished > started => Some(started.before(EARLY_LINES)),
        _ => run_start(finished_at, started_at),
    }
}

/// How long before a run's recorded `StartedAt` its first lines may be stamped.
const EARLY_LINES: Duration = Duration::from_millis(50);

/// What to read of each container's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep streaming (and pick up containers that start later).
    pub follow: bool,
    /// `all` or a number of lines from the end, per container.
    pub tail: String,
    pub since: Option<Moment>,
    pub until: Option<Moment>,
    /// The engine's timestamps before each line.
    pub timestamps: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            follow: false,
            tail: "all".to_owned(),
            since: None,
            until: None,
            timestamps: false,
        }
    }
}

/// Which containers of the project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only these services (all when empty).
    pub services: Vec<String>,
    /// Only the container with this number (`--index`, with exactly one service).
    pub index: Option<u32>,
}

impl Selection {
    fn includes(&self, service: Option<&str>) -> bool {
        self.services.is_empty()
            || service.is_some_and(|service| self.services.iter().any(|name| name == service))
    }
}

/// The name a container has in the feed: `web-1` for `<project>-web-1`, else its own name
/// (the reference's `getContainerNameWithoutProject`).
pub fn feed_name(container_name: &str, project: &str, service: &str, number: &str) -> String {
    let default_name = format!("{project}-{service}-{number}");
    if container_name == default_name {
        container_name[project.len() + 1..].to_owned()
    } else {
        container_name.to_owned()
    }
}

/// What the follower needs to know of a container.
#[derive(Debug, Clone)]
struct Inspected {
    id: String,
    name: String,
    service: String,
    started_at: String,
    /// When the previous run ended (`0001-01-01…` when it never ran).
    finished_at: String,
    alive: bool,
    restarting: bool,
    /// In a run whose `die` is still to come (running or paused).
    in_run: bool,
    /// Created and never started.
    created: bool,
    /// The engine restarts it when it exits (a restart policy other than `no`).
    restart_policy: bool,
}

impl Engine {
    async fn inspect_for_logs(
        &self,
        project: &str,
        container: &str,
    ) -> Result<Option<Inspected>, EngineError> {
        let response = match self.docker.inspect_container(container, None).await {
            Ok(response) => response,
            Err(error) => {
                let error = self.error(error, ErrorContext::container(container).action("inspect"));
                return if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        let config = response.config.unwrap_or_default();
        let restart_policy = response
            .host_config
            .and_then(|host| host.restart_policy)
            .and_then(|policy| policy.name)
            .is_some_and(|name| !matches!(name.to_string().as_str(), "" | "no"));
        let labels = config.labels.clone().unwrap_or_default();
        let state = response.state.unwrap_or_default();
        let service = labels.get(labels::SERVICE).cloned().unwrap_or_default();
        let number = labels
            .get(labels::CONTAINER_NUMBER)
            .cloned()
            .unwrap_or_default();
        let container_name = response
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned();
        let running = state.running.unwrap_or_default();
        let restarting = state.restarting.unwrap_or_default();
        let status = state
            .status
            .map(|status| status.to_string())
            .unwrap_or_default();
        Ok(Some(Inspected {
            id: response.id.unwrap_or_default(),
            name: feed_name(&container_name, project, &service, &number),
            service,
            started_at: state.started_at.unwrap_or_default(),
            finished_at: state.finished_at.unwrap_or_default(),
            alive: running || restarting || status == "paused" || status == "created",
            restarting: restarting || running,
            in_run: running || status == "paused",
            created: status == "created",
            restart_policy,
        }))
    }

    /// The container's log as a stream of output chunks. `since`/`until` keep their
    /// nanoseconds (bollard's options hold whole seconds; the query is completed here).
    fn log_stream(
        &self,
        container_id: &str,
        options: &LogOptions,
        since: Option<Moment>,
    ) -> LogStreamBox {
        let whole = |moment: Option<Moment>| {
            moment.map_or(0, |moment| {
                i32::try_from(moment.seconds).unwrap_or(i32::MAX)
            })
        };
        let query = LogsOptions {
            follow: options.follow,
            stdout: true,
            stderr: true,
            since: whole(since),
            until: whole(options.until),
            timestamps: options.timestamps,
            tail: options.tail.clone(),
        };
        let precise: Vec<(&'static str, String)> = [("since", since), ("until", options.until)]
            .into_iter()
            .filter_map(|(key, moment)| moment.map(|moment| (key, moment.to_engine())))
            .collect();
        let docker = if precise.is_empty() {
            self.docker.clone()
        } else {
            self.docker
                .clone()
                .with_request_modifier(move |mut request| {
                    let uri = request.uri().to_string();
                    if let Some((path, query)) = uri.split_once('?') {
                        let rewritten: Vec<String> = query
                            .split('&')
                            .map(|pair| {
                                let key = pair.split('=').next().unwrap_or_default();
                                precise.iter().find(|(name, _)| *name == key).map_or_else(
                                    || pair.to_owned(),
                                    |(name, value)| format!("{name}={value}"),
                                )
                            })
                            .collect();
                        if let Ok(parsed) = format!("{path}?{}", rewritten.join("&")).parse() {
                            *request.uri_mut() = parsed;
                        }
                    }
                    request
                })
        };
        docker.logs(container_id, Some(query)).boxed()
    }

    /// Attaches to a container's output (stream only, no past logs); call before starting it.
    async fn attach_output(
        &self,
        container_id: &str,
        name: &str,
    ) -> Result<(LogStreamBox, KeepAlive), EngineError> {
        let options = AttachContainerOptions {
            stream: true,
            stdout: true,
            stderr: true,
            stdin: false,
            logs: false,
            detach_keys: None,
        };
        let results = self
            .docker
            .attach_container(container_id, Some(options))
            .await
            .map_err(|error| {
                self.error(error, ErrorContext::container(name).action("attach to"))
            })?;
        Ok((results.output.boxed(), results.input))
    }
}

/// A container's output chunks.
type LogStreamBox = BoxStream<'static, Result<LogOutput, bollard::errors::Error>>;

/// The input side of an attach connection, kept open as long as its output is read.
type KeepAlive = std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>;

/// Why [`pump`] ended.
#[derive(Debug)]
enum PumpEnd {
    /// The stream ended (container stopped, or all the log was read).
    Ended,
    /// The feed's reader is gone (stdout closed): stop everything.
    ReaderGone,
    /// Cut short by its [`PumpControl::cut`].
    Cut,
    Failed(bollard::errors::Error),
}

/// How [`pump`] gathers chunks into one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Batching {
    /// Up to [`BATCH_BYTES`] or the end of the stream (reading a log that is all there:
    /// few large events, few wake-ups).
    Full,
    /// Only the chunks already waiting (following: every line shows at once).
    Ready,
}

/// How many bytes of each output a read has put on the feed: where a read of the same log
/// resumes (the same lines come in the same order).
#[derive(Debug, Default)]
struct Forwarded {
    stdout: AtomicUsize,
    stderr: AtomicUsize,
}

impl Forwarded {
    fn of(&self, stream: LogStream) -> &AtomicUsize {
        match stream {
            LogStream::Stdout => &self.stdout,
            LogStream::Stderr => &self.stderr,
        }
    }

    /// The counts now, as bytes to skip: `(stdout, stderr)`.
    fn counts(&self) -> (usize, usize) {
        (
            self.stdout.load(Ordering::Relaxed),
            self.stderr.load(Ordering::Relaxed),
        )
    }
}

/// How a read resumes an earlier one and can be cut short.
#[derive(Default)]
struct PumpControl {
    /// Read whole first, neither counted nor cut: the last lines there when the feed
    /// began (`--tail`), before the rest of the run is followed.
    head: Option<LogStreamBox>,
    /// The first bytes of stdout and of stderr, already shown: left out.
    skip: (usize, usize),
    /// What is put on the feed is counted here.
    forwarded: Arc<Forwarded>,
    /// Turning true stops the read at once (nothing more is put on the feed).
    cut: Option<watch::Receiver<bool>>,
    /// What is read goes on the feed only once its run is seen still going; else the read
    /// waits to be cut.
    check: Option<RunCheck>,
}

/// A container's run, to check that it is still going.
#[derive(Debug)]
struct RunCheck {
    engine: Engine,
    project: String,
    container: String,
    /// The run's `StartedAt`.
    started_at: String,
}

impl RunCheck {
    /// Whether the run still goes on (what was read before belongs to it: the engine's
    /// follow reads can go on into the next run's lines).
    async fn going_on(&self) -> bool {
        match self
            .engine
            .inspect_for_logs(&self.project, &self.container)
            .await
        {
            Ok(Some(container)) => container.in_run && container.started_at == self.started_at,
            Ok(None) => false,
            // Not known: as before the check.
            Err(_) => true,
        }
    }
}

/// Until `cut` turns true (never without one).
async fn cut_off(cut: &mut Option<watch::Receiver<bool>>) {
    if let Some(cut) = cut {
        if cut.wait_for(|cut| *cut).await.is_ok() {
            return;
        }
    }
    std::future::pending::<()>().await;
}

/// A chunk of output as `(stream, bytes)`; `None` for stdin.
fn split_output(output: LogOutput) -> Option<(LogStream, Vec<u8>)> {
    match output {
        LogOutput::StdErr { message } => Some((LogStream::Stderr, message.to_vec())),
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            Some((LogStream::Stdout, message.to_vec()))
        }
        LogOutput::StdIn { .. } => None,
    }
}

/// Puts output on the feed (unless cut first) and counts it.
async fn forward(
    sender: &mpsc::Sender<LogEvent>,
    name: &str,
    stream: LogStream,
    bytes: Vec<u8>,
    control: &mut PumpControl,
) -> Result<(), PumpEnd> {
    if bytes.is_empty() {
        return Ok(());
    }
    let count = bytes.len();
    let event = LogEvent::Output {
        name: name.to_owned(),
        stream,
        bytes,
    };
    tokio::select! {
        biased;
        () = cut_off(&mut control.cut) => return Err(PumpEnd::Cut),
        sent = sender.send(event) => {
            if sent.is_err() {
                return Err(PumpEnd::ReaderGone);
            }
        }
    }
    control
        .forwarded
        .of(stream)
        .fetch_add(count, Ordering::Relaxed);
    Ok(())
}

/// Forwards a container's output to the feed: its head first, if any, then the stream
/// (checked, if asked).
async fn pump(
    stream: LogStreamBox,
    name: &str,
    sender: &mpsc::Sender<LogEvent>,
    batching: Batching,
    mut control: PumpControl,
) -> PumpEnd {
    if let Some(head) = control.head.take() {
        match pump_batches(head, name, sender, Batching::Full, PumpControl::default()).await {
            PumpEnd::Ended => {}
            end => return end,
        }
    }
    if let Some(check) = control.check.take() {
        return pump_checked(stream, name, sender, control, &check).await;
    }
    pump_batches(stream, name, sender, batching, control).await
}

/// Forwards a stream to the feed, merging chunks that are already waiting (up to
/// [`BATCH_BYTES`], one stream at a time) so that a fast writer costs few events.
async fn pump_batches(
    mut stream: LogStreamBox,
    name: &str,
    sender: &mpsc::Sender<LogEvent>,
    batching: Batching,
    mut control: PumpControl,
) -> PumpEnd {
    let (mut skip_stdout, mut skip_stderr) = control.skip;
    let mut carried: Option<(LogStream, Vec<u8>)> = None;
    loop {
        let (stream_kind, mut bytes) = match carried.take() {
            Some(item) => item,
            None => match tokio::select! {
                biased;
                () = cut_off(&mut control.cut) => return PumpEnd::Cut,
                next = stream.next() => next,
            } {
                None => return PumpEnd::Ended,
                Some(Err(error)) => return PumpEnd::Failed(error),
                Some(Ok(output)) => match split_output(output) {
                    Some(item) => item,
                    None => continue,
                },
            },
        };
        let mut ended = None;
        while bytes.len() < BATCH_BYTES {
            let next = match batching {
                Batching::Full => Some(stream.next().await),
                Batching::Ready => stream.next().now_or_never(),
            };
            match next {
                Some(Some(Ok(output))) => match split_output(output) {
                    Some((kind, message)) if kind == stream_kind => {
                        bytes.extend_from_slice(&message);
                    }
                    Some(item) => {
                        carried = Some(item);
                        break;
                    }
                    None => {}
                },
                Some(Some(Err(error))) => {
                    ended = Some(PumpEnd::Failed(error));
                    break;
                }
                Some(None) => {
                    ended = Some(PumpEnd::Ended);
                    break;
                }
                None => break,
            }
        }
        let skipped = match stream_kind {
            LogStream::Stdout => &mut skip_stdout,
            LogStream::Stderr => &mut skip_stderr,
        };
        let dropped = (*skipped).min(bytes.len());
        *skipped -= dropped;
        bytes.drain(..dropped);
        if let Err(end) = forward(sender, name, stream_kind, bytes, &mut control).await {
            return end;
        }
        if let Some(end) = ended {
            return end;
        }
    }
}

/// As [`pump`], for a run that the engine may follow with another in the same read: what
/// is read goes on the feed only once a check begun after it finds the run still going
/// (the reading goes on meanwhile, so one check covers all that came before it); when the
/// run is over, the read waits to be cut (at the run's `die`, to be resumed up to it).
async fn pump_checked(
    mut stream: LogStreamBox,
    name: &str,
    sender: &mpsc::Sender<LogEvent>,
    mut control: PumpControl,
    check: &RunCheck,
) -> PumpEnd {
    let mut unsent: VecDeque<(LogStream, Vec<u8>)> = VecDeque::new();
    let mut unsent_bytes = 0;
    let mut stream_end: Option<PumpEnd> = None;
    // Reads a chunk into `unsent`, merged with the last one unless that one is `sealed`
    // (covered by a check under way); gives how the stream ended, if it did.
    let read = |item: Option<Result<LogOutput, bollard::errors::Error>>,
                unsent: &mut VecDeque<(LogStream, Vec<u8>)>,
                unsent_bytes: &mut usize,
                sealed: usize| match item {
        None => Some(PumpEnd::Ended),
        Some(Err(error)) => Some(PumpEnd::Failed(error)),
        Some(Ok(output)) => {
            if let Some((kind, bytes)) = split_output(output) {
                *unsent_bytes += bytes.len();
                let open = unsent.len() > sealed;
                match unsent.back_mut() {
                    Some((last, merged)) if open && *last == kind && merged.len() < BATCH_BYTES => {
                        merged.extend_from_slice(&bytes);
                    }
                    _ => unsent.push_back((kind, bytes)),
                }
            }
            None
        }
    };
    loop {
        if unsent.is_empty() {
            if let Some(end) = stream_end {
                return end;
            }
            let next = tokio::select! {
                biased;
                () = cut_off(&mut control.cut) => return PumpEnd::Cut,
                next = stream.next() => next,
            };
            stream_end = read(next, &mut unsent, &mut unsent_bytes, 0);
            continue;
        }
        // What the check covers: all read before it begins.
        let covered = unsent.len();
        let checking = check.going_on();
        tokio::pin!(checking);
        let going_on = loop {
            tokio::select! {
                biased;
                () = cut_off(&mut control.cut) => return PumpEnd::Cut,
                going_on = &mut checking => break going_on,
                next = stream.next(), if stream_end.is_none() && unsent_bytes < 4 * BATCH_BYTES => {
                    stream_end = read(next, &mut unsent, &mut unsent_bytes, covered);
                }
            }
        };
        if !going_on {
            cut_off(&mut control.cut).await;
            return PumpEnd::Cut;
        }
        for (kind, bytes) in unsent.drain(..covered).collect::<Vec<_>>() {
            unsent_bytes -= bytes.len();
            if let Err(end) = forward(sender, name, kind, bytes, &mut control).await {
                return end;
            }
        }
    }
}

/// A container of the feed exited (reported after its last line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerExit {
    /// Its name in the feed (`web-1`).
    pub name: String,
    pub container_id: String,
    pub service: String,
    pub exit_code: i64,
    /// The engine restarts it (restart policy).
    pub restarting: bool,
}

/// How a run ended: its `die` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RunEnd {
    at: Moment,
    exit_code: i64,
    /// The engine restarts the container (restart policy).
    restarting: bool,
}

/// A run whose `start` event came while an earlier run of its container was still read,
/// or waited for its end: read after it, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QueuedRun {
    /// Its `start` event.
    started: Moment,
    /// Where its log begins: the `die` of the run before it, when one was seen.
    since: Option<Moment>,
    /// Its `die`, once seen.
    end: Option<RunEnd>,
}

/// A container being followed. Its runs are read one after the other, in the order of
/// their engine events, one stream at a time; a run's status line is printed once its
/// stream has ended (its last line is out) and before the next run's stream begins, so
/// however late the events and the streams are, the feed reads: the run's lines, its
/// status line, the next run's lines.
#[derive(Debug)]
struct Followed {
    name: String,
    service: String,
    /// When the run read (or last read) started: its `start` event, or its `StartedAt`.
    run_started: Option<Moment>,
    /// An attach connection made before the container started: it reads the first run to
    /// start, whose `start` event is still to come (possibly after the run's end).
    awaits_start: bool,
    streaming: bool,
    /// The run read (or last read) is over: its `die` was seen, or it ended before the
    /// feed began (no `die` to come).
    run_over: bool,
    /// That run's end, seen while its stream was still going: reported after its last line.
    pending_exit: Option<RunEnd>,
    /// Later runs, oldest first; only the last one can still lack its end.
    queued: VecDeque<QueuedRun>,
    /// The stream follows the log of a run going on: the engine may go on with the next
    /// runs' lines in it, so at the run's `die` it is cut and the rest of the run read up to
    /// the `die` (from where it was).
    resumable: Option<Resumable>,
}

/// A read following a run's log, which can be cut and resumed.
#[derive(Debug)]
struct Resumable {
    since: Option<Moment>,
    forwarded: Arc<Forwarded>,
    cut: watch::Sender<bool>,
}

impl Followed {
    fn new(name: String, service: String) -> Self {
        Self {
            name,
            service,
            run_started: None,
            awaits_start: false,
            streaming: false,
            run_over: true,
            pending_exit: None,
            queued: VecDeque::new(),
            resumable: None,
        }
    }
}

/// Follows the project's containers: streams, exits, and new runs.
struct Follower {
    engine: Engine,
    project: String,
    selection: Selection,
    options: LogOptions,
    sender: mpsc::Sender<LogEvent>,
    /// Report `exited with code N` and recreations (only when following, as the reference).
    statuses: bool,
    streams: JoinSet<(String, PumpEnd)>,
    followed: HashMap<String, Followed>,
    /// Containers that are running or about to: the feed ends when none is left.
    alive: HashSet<String>,
    reader_gone: bool,
    /// How long to keep listening once nothing is alive: `restart` reports the old run's
    /// death before the new run's start.
    linger: Duration,
    /// Services whose containers keep the feed going and have their exits reported (the
    /// attached `up`); `None`: the selected ones.
    monitored: Option<HashSet<String>>,
    /// When the attached `up` attached: a container whose last run began before is not run
    /// by this `up`.
    attached_at: Option<Moment>,
    /// The running stream task of each container, to drop one that will never run.
    stream_handles: HashMap<String, AbortHandle>,
    /// Every reported exit also goes here (the attached `up` decides on them).
    exits: Option<mpsc::UnboundedSender<ContainerExit>>,
    /// No service is shown (an attached `up` with every service left out); the selection
    /// would mean all of them.
    shows_nothing: bool,
    /// When each container's last runs ended, from their `die` events (oldest first).
    last_end: HashMap<String, Vec<Moment>>,
    /// When `logs -f` began: `--tail` counts the lines there then.
    began: Option<Moment>,
}

impl Follower {
    fn new(
        engine: &Engine,
        project: &str,
        selection: Selection,
        options: LogOptions,
        sender: mpsc::Sender<LogEvent>,
    ) -> Self {
        Self {
            engine: engine.clone(),
            project: project.to_owned(),
            selection,
            statuses: options.follow,
            options,
            sender,
            streams: JoinSet::new(),
            followed: HashMap::new(),
            alive: HashSet::new(),
            reader_gone: false,
            linger: Duration::ZERO,
            monitored: None,
            attached_at: None,
            stream_handles: HashMap::new(),
            exits: None,
            shows_nothing: false,
            last_end: HashMap::new(),
            began: None,
        }
    }

    /// Whether the service's output is shown.
    fn shows(&self, service: Option<&str>) -> bool {
        !self.shows_nothing && self.selection.includes(service)
    }

    /// Whether events of the service matter: shown or monitored.
    fn includes(&self, service: Option<&str>) -> bool {
        self.shows(service)
            || service.is_some_and(|service| {
                self.monitored
                    .as_ref()
                    .is_some_and(|monitored| monitored.contains(service))
            })
    }

    /// Whether the service's containers keep the feed going.
    fn is_monitored(&self, service: &str) -> bool {
        match &self.monitored {
            Some(monitored) => monitored.contains(service),
            None => self.shows(Some(service)),
        }
    }

    /// Whether the feed has nothing left to wait for: every stream read (and, when
    /// following, no container alive); with monitored services, only their containers count.
    fn is_idle(&self, following: bool) -> bool {
        if !following {
            return self.streams.is_empty();
        }
        if !self.alive.is_empty() {
            return false;
        }
        match &self.monitored {
            None => self.streams.is_empty(),
            Some(_) => !self
                .followed
                .values()
                .any(|followed| followed.streaming && self.is_monitored(&followed.service)),
        }
    }

    /// Reports an exit on the feed (after the container's last line) and to `exits`.
    async fn send_exit(&mut self, exit: ContainerExit) {
        self.send(LogEvent::Exited {
            name: exit.name.clone(),
            container_id: exit.container_id.clone(),
            service: exit.service.clone(),
            exit_code: exit.exit_code,
            restarting: exit.restarting,
        })
        .await;
        // After the feed has it: what `up` prints in reaction comes after the status line.
        if let Some(exits) = &self.exits {
            let _ = exits.send(exit);
        }
    }

    /// The selected containers, sorted by name (predictable colours, as the reference's
    /// attach); `--index` picks one.
    async fn containers(&self) -> Result<Vec<ContainerSummary>, EngineError> {
        let mut services = self.selection.services.clone();
        if !services.is_empty() {
            if let Some(monitored) = &self.monitored {
                services.extend(monitored.iter().cloned());
                services.sort();
                services.dedup();
            }
        }
        let query = ContainerQuery::new(true, OneOff::Exclude).services(&services);
        let mut containers = self.engine.list_containers(&self.project, &query).await?;
        if let Some(index) = self.selection.index {
            containers.retain(|container| container.number == Some(index));
            if containers.is_empty() {
                let service = self.selection.services.first().cloned().unwrap_or_default();
                return Err(EngineError::NotFound {
                    context: ErrorContext::new(super::error::ObjectKind::Service, service.clone()),
                    message: format!("not running container #{index}"),
                });
            }
        }
        Ok(containers)
    }

    async fn send(&mut self, event: LogEvent) {
        if self.sender.send(event).await.is_err() {
            self.reader_gone = true;
        }
    }

    fn spawn_stream(
        &mut self,
        id: String,
        name: String,
        stream: LogStreamBox,
        keep_alive: Option<KeepAlive>,
        control: PumpControl,
    ) {
        let sender = self.sender.clone();
        let batching = if self.options.follow {
            Batching::Ready
        } else {
            Batching::Full
        };
        let handle = self.streams.spawn({
            let id = id.clone();
            async move {
                let end = pump(stream, &name, &sender, batching, control).await;
                drop(keep_alive);
                (id, end)
            }
        });
        self.stream_handles.insert(id, handle);
    }

    /// Streams a container's log from `since` (its whole log when `None`): the first read
    /// of `logs`, up to the run going on, if any. When following (`subscribed_at`: when
    /// the events begin), the log of a container that is not in a run is read up to then
    /// (the later runs are read on their `start` events), and that of a container never
    /// started not at all.
    fn stream_logs(
        &mut self,
        container: &Inspected,
        since: Option<Moment>,
        subscribed_at: Option<Moment>,
    ) {
        tracing::debug!(
            "streaming the log of {} (started {}) since {since:?}",
            container.name,
            container.started_at
        );
        let options = match subscribed_at {
            Some(_) if container.created => None,
            Some(subscribed_at) if !container.in_run => Some(LogOptions {
                follow: false,
                until: Some(
                    self.options
                        .until
                        .map_or(subscribed_at, |until| until.min(subscribed_at)),
                ),
                ..self.options.clone()
            }),
            _ => Some(self.options.clone()),
        };
        let entry = self
            .followed
            .entry(container.id.clone())
            .or_insert_with(|| Followed::new(container.name.clone(), container.service.clone()));
        entry.run_started = parse_rfc3339(&container.started_at);
        entry.run_over = !container.in_run;
        let Some(options) = options else {
            return;
        };
        self.read_log(&container.id, since, &options, Some(container));
    }

    /// Starts reading a container's log (`run`: the container as inspected, in the run to
    /// read). A read following a run going on, with every line from `since`, can be cut at
    /// the run's end and resumed (see [`Followed::resumable`]); when the engine restarts the
    /// container, what it reads is put on the feed only once the run is seen still going.
    fn read_log(
        &mut self,
        id: &str,
        since: Option<Moment>,
        options: &LogOptions,
        run: Option<&Inspected>,
    ) {
        let mut control = PumpControl::default();
        let (stream, since) = match self
            .began
            .filter(|_| options.follow && options.tail != "all")
        {
            Some(began) => {
                // `--tail` counts the lines there when the feed began; the rest of the run
                // is followed from then, as any run (cut at its end, never spilling into
                // the next run's lines).
                let head = LogOptions {
                    follow: false,
                    until: Some(options.until.map_or(began, |until| until.min(began))),
                    ..options.clone()
                };
                control.head = Some(self.engine.log_stream(id, &head, since));
                let after = Moment::from_nanos(began.as_nanos() + 1);
                let after = since.map_or(after, |since| since.max(after));
                let rest = LogOptions {
                    tail: "all".to_owned(),
                    ..options.clone()
                };
                (self.engine.log_stream(id, &rest, Some(after)), Some(after))
            }
            None => (self.engine.log_stream(id, options, since), since),
        };
        let resumable =
            (options.follow && (options.tail == "all" || self.began.is_some())).then(|| {
                let (cut, receiver) = watch::channel(false);
                control.cut = Some(receiver);
                control.check = run
                    .filter(|container| container.restart_policy)
                    .map(|container| RunCheck {
                        engine: self.engine.clone(),
                        project: self.project.clone(),
                        container: id.to_owned(),
                        started_at: container.started_at.clone(),
                    });
                Resumable {
                    since,
                    forwarded: Arc::clone(&control.forwarded),
                    cut,
                }
            });
        let Some(followed) = self.followed.get_mut(id) else {
            return;
        };
        followed.streaming = true;
        followed.resumable = resumable;
        let name = followed.name.clone();
        self.spawn_stream(id.to_owned(), name, stream, None, control);
    }

    /// The options of a read of one run: all its lines, up to `until` if it is over.
    fn run_options(&self, until: Option<Moment>) -> LogOptions {
        LogOptions {
            follow: until.is_none(),
            tail: "all".to_owned(),
            until: match (self.options.until, until) {
                (Some(limit), Some(until)) => Some(limit.min(until)),
                (limit, until) => limit.or(until),
            },
            ..self.options.clone()
        }
    }

    /// Reads the container's next run once the run before it is over and its status line
    /// printed: a run already over from the end of the previous one to its own end (all
    /// its lines are in the log by its `die`), the run going on by following its log. A
    /// run that is neither known over nor the container's latest (it has run again since)
    /// waits for its `die`.
    async fn advance(&mut self, id: &str) -> Result<(), EngineError> {
        let Some(followed) = self.followed.get_mut(id) else {
            return Ok(());
        };
        if followed.streaming || !followed.run_over {
            return Ok(());
        }
        if let Some(end) = followed.pending_exit.take() {
            let exit = ContainerExit {
                name: followed.name.clone(),
                container_id: id.to_owned(),
                service: followed.service.clone(),
                exit_code: end.exit_code,
                restarting: end.restarting,
            };
            self.send_exit(exit).await;
        }
        let Some(next) = self
            .followed
            .get(id)
            .and_then(|followed| followed.queued.front().copied())
        else {
            return Ok(());
        };
        let (since, container) = if next.end.is_some() {
            let since = next
                .since
                .or_else(|| Some(next.started.before(EARLY_LINES)));
            (since, None)
        } else {
            let Some(container) = self.engine.inspect_for_logs(&self.project, id).await? else {
                // Removed: its `die` is still to come.
                return Ok(());
            };
            if parse_rfc3339(&container.started_at).is_some_and(|latest| latest > next.started) {
                return Ok(());
            }
            let since = next
                .since
                .or_else(|| latest_run_start(&[], &container.finished_at, &container.started_at));
            (since, Some(container))
        };
        let options = self.run_options(next.end.map(|end| end.at));
        let Some(followed) = self.followed.get_mut(id) else {
            return Ok(());
        };
        tracing::debug!(
            "reading the run of {} started {:?} since {since:?} until {:?}",
            followed.name,
            next.started,
            next.end
        );
        followed.queued.pop_front();
        followed.run_started = Some(next.started);
        followed.run_over = next.end.is_some();
        followed.pending_exit = next.end;
        self.read_log(id, since, &options, container.as_ref());
        Ok(())
    }

    /// The first streams: every selected container's log (`logs`).
    async fn start_logs(&mut self, subscribed_at: Option<Moment>) -> Result<(), EngineError> {
        let containers = self.containers().await?;
        let mut inspected = Vec::with_capacity(containers.len());
        for container in &containers {
            if let Some(details) = self
                .engine
                .inspect_for_logs(&self.project, &container.id)
                .await?
            {
                inspected.push(details);
            }
        }
        for container in &inspected {
            self.send(LogEvent::Register {
                name: container.name.clone(),
            })
            .await;
        }
        for container in &inspected {
            if self.options.follow && container.alive {
                self.alive.insert(container.id.clone());
            }
            self.stream_logs(container, self.options.since, subscribed_at);
        }
        Ok(())
    }

    /// The first streams of the attached `up`: attach to every shown container before it
    /// starts (all at once), except `skip` (containers this `up` does not run). Returns the
    /// names, in the feed's order, after announcing them (`Attaching to …`).
    async fn start_attached(&mut self, skip: &[String]) -> Result<Vec<String>, EngineError> {
        let containers = self.containers().await?;
        let chosen: Vec<&ContainerSummary> = containers
            .iter()
            .filter(|container| !skip.contains(&container.name))
            .collect();
        let attaching = chosen.iter().map(|container| async {
            let Some(details) = self
                .engine
                .inspect_for_logs(&self.project, &container.id)
                .await?
            else {
                return Ok(None);
            };
            if !self.shows(Some(&details.service)) {
                return Ok(Some((details, None)));
            }
            let connection = self
                .engine
                .attach_output(&details.id, &details.name)
                .await?;
            Ok::<_, EngineError>(Some((details, Some(connection))))
        });
        let attached: Vec<(Inspected, Option<(LogStreamBox, KeepAlive)>)> =
            futures_util::future::try_join_all(attaching)
                .await?
                .into_iter()
                .flatten()
                .collect();
        let names: Vec<String> = attached
            .iter()
            .filter(|(_, connection)| connection.is_some())
            .map(|(details, _)| details.name.clone())
            .collect();
        self.send(LogEvent::Attaching {
            names: names.clone(),
        })
        .await;
        for name in &names {
            self.send(LogEvent::Register { name: name.clone() }).await;
        }
        for (details, connection) in attached {
            if self.is_monitored(&details.service) {
                self.alive.insert(details.id.clone());
            }
            let Some((output, input)) = connection else {
                continue;
            };
            // Attached while created or stopped: the next run is read by this connection;
            // a container already running keeps its `StartedAt`, its start is not re-read.
            let running = details.alive && !details.created;
            let mut followed = Followed::new(details.name.clone(), details.service.clone());
            followed.run_started = if running {
                parse_rfc3339(&details.started_at)
            } else {
                None
            };
            followed.awaits_start = !running;
            // The run it reads (going on, or the first to start) has its `die` to come.
            followed.run_over = false;
            followed.streaming = true;
            self.followed.insert(details.id.clone(), followed);
            self.spawn_stream(
                details.id.clone(),
                details.name,
                output,
                Some(input),
                PumpControl::default(),
            );
        }
        Ok(names)
    }

    /// The attached `up` will start nothing more: a container attached to but not run by
    /// it (created, or last run before the attach) is dropped from the feed.
    async fn drop_unstarted(&mut self) -> Result<(), EngineError> {
        let Some(attached_at) = self.attached_at else {
            return Ok(());
        };
        let mut candidates: Vec<String> = self.alive.iter().cloned().collect();
        candidates.extend(
            self.followed
                .iter()
                .filter(|(_, followed)| followed.streaming && followed.awaits_start)
                .map(|(id, _)| id.clone()),
        );
        candidates.sort();
        candidates.dedup();
        for id in candidates {
            let unstarted = match self.engine.inspect_for_logs(&self.project, &id).await? {
                None => true,
                Some(container) => {
                    container.created
                        || (!container.alive
                            && parse_rfc3339(&container.started_at)
                                .is_none_or(|started| started < attached_at))
                }
            };
            if !unstarted {
                continue;
            }
            tracing::debug!("container {id} was not started by this up: no longer followed");
            self.alive.remove(&id);
            if let Some(followed) = self.followed.get_mut(&id) {
                if followed.streaming && followed.awaits_start {
                    followed.streaming = false;
                    let name = followed.name.clone();
                    if let Some(handle) = self.stream_handles.remove(&id) {
                        handle.abort();
                    }
                    self.send(LogEvent::End { name }).await;
                }
            }
        }
        Ok(())
    }

    /// A stream ended: its last partial line is printed, then its run's status line (now
    /// or once its `die` is seen), then the next run is read.
    async fn stream_ended(&mut self, id: String, end: PumpEnd) -> Result<(), EngineError> {
        let Some(followed) = self.followed.get_mut(&id) else {
            return Ok(());
        };
        let resumable = followed.resumable.take();
        if let (PumpEnd::Cut, Some(resumable), Some(run_end)) =
            (&end, resumable, followed.pending_exit)
        {
            // The run ended: the rest of its lines, from where the read was.
            let name = followed.name.clone();
            let options = self.run_options(Some(run_end.at));
            let stream = self.engine.log_stream(&id, &options, resumable.since);
            let control = PumpControl {
                skip: resumable.forwarded.counts(),
                ..PumpControl::default()
            };
            self.spawn_stream(id, name, stream, None, control);
            return Ok(());
        }
        let Some(followed) = self.followed.get_mut(&id) else {
            return Ok(());
        };
        followed.streaming = false;
        let name = followed.name.clone();
        self.send(LogEvent::End { name: name.clone() }).await;
        match end {
            PumpEnd::Ended | PumpEnd::Cut => {}
            PumpEnd::ReaderGone => self.reader_gone = true,
            PumpEnd::Failed(error) => {
                let error = self.engine.error(
                    error,
                    ErrorContext::container(name.clone()).action("read the logs of"),
                );
                if error.to_string().contains("does not support reading") {
                    tracing::warn!("Can't retrieve logs for {name:?}: {error}");
                } else if !error.is_not_found() && !self.options.follow {
                    return Err(error);
                } else {
                    tracing::debug!("log stream of {name} ended: {error}");
                }
            }
        }
        self.advance(&id).await
    }

    /// A container's `start` event (`started_at`: its time): the run is read after the
    /// ones before it, unless it is the run read already.
    async fn container_started(&mut self, id: &str, started_at: Moment) -> Result<(), EngineError> {
        let since = self
            .last_end
            .get(id)
            .and_then(|ends| ends.last().copied())
            .filter(|end| *end < started_at);
        let run = QueuedRun {
            started: started_at,
            since,
            end: None,
        };
        if let Some(followed) = self.followed.get_mut(id) {
            if followed.awaits_start {
                // The attach connection made before the first start reads this run, even
                // when the event comes after the run (and the connection) ended.
                followed.awaits_start = false;
                followed.run_started = Some(started_at);
                return Ok(());
            }
            if !followed.run_over && followed.queued.is_empty() {
                // The run read already: its stream began after it started.
                return Ok(());
            }
            followed.queued.push_back(run);
        } else {
            // A container new to the feed (scale-up, recreation).
            let Some(container) = self.engine.inspect_for_logs(&self.project, id).await? else {
                return Ok(());
            };
            self.send(LogEvent::Register {
                name: container.name.clone(),
            })
            .await;
            let mut followed = Followed::new(container.name, container.service);
            followed.queued.push_back(run);
            self.followed.insert(id.to_owned(), followed);
        }
        self.advance(id).await
    }

    async fn handle_event(&mut self, event: ContainerEvent) -> Result<(), EngineError> {
        tracing::debug!("event {:?} of {}", event.action, event.container_name);
        if !self.includes(event.service.as_deref())
            || event
                .attributes
                .get(labels::ONEOFF)
                .is_some_and(|value| value == "True")
        {
            return Ok(());
        }
        let id = event.container_id.clone();
        let monitored = event
            .service
            .as_deref()
            .is_some_and(|service| self.is_monitored(service));
        let shown = self.shows(event.service.as_deref());
        match event.action {
            ContainerAction::Create => {
                if monitored {
                    self.alive.insert(id);
                }
                if let Some(replaced) = event.attributes.get(labels::REPLACE) {
                    if self.statuses {
                        self.send(LogEvent::Recreated {
                            name: replaced.clone(),
                        })
                        .await;
                    }
                }
            }
            ContainerAction::Start => {
                if monitored {
                    self.alive.insert(id.clone());
                }
                if shown {
                    let started_at = Moment::from_nanos(i128::from(event.time_nanos));
                    self.container_started(&id, started_at).await?;
                }
            }
            ContainerAction::Die { exit_code } => {
                let died_at = Moment::from_nanos(i128::from(event.time_nanos));
                let ends = self.last_end.entry(id.clone()).or_default();
                if ends.len() == 4 {
                    ends.remove(0);
                }
                ends.push(died_at);
                // As the reference: a container that runs again reports `restarting` (or
                // already `running`) when inspected after its die event; or it has started
                // since (and maybe ended again) when the event is handled late. Only a
                // restart policy's restart is shown as `(restarting)`, not `restart`'s.
                let inspected = self.engine.inspect_for_logs(&self.project, &id).await?;
                let runs_again = inspected.as_ref().is_some_and(|container| {
                    container.restarting
                        || parse_rfc3339(&container.started_at)
                            .is_some_and(|started| started > died_at)
                });
                let restarting =
                    runs_again && inspected.is_some_and(|container| container.restart_policy);
                if !runs_again {
                    self.alive.remove(&id);
                }
                let exit_code = exit_code.unwrap_or_default();
                let project = self.project.clone();
                let statuses = self.statuses;
                let end = RunEnd {
                    at: died_at,
                    exit_code,
                    restarting,
                };
                match self.followed.get_mut(&id) {
                    Some(followed)
                        if statuses
                            && followed.queued.back().is_some_and(|run| run.end.is_none()) =>
                    {
                        // The latest run, still to be read: read up to here, then reported.
                        if let Some(run) = followed.queued.back_mut() {
                            run.end = Some(end);
                        }
                        self.advance(&id).await?;
                    }
                    Some(followed)
                        if statuses
                            && followed.pending_exit.is_none()
                            && followed.run_started.is_none_or(|started| started < died_at) =>
                    {
                        // The run read (or last read) ended: its status line follows its
                        // last line. A read following it stops here (it could go on with
                        // the next run's lines) and reads the rest of the run.
                        followed.run_over = true;
                        followed.pending_exit = Some(end);
                        if let Some(resumable) = &followed.resumable {
                            let _ = resumable.cut.send(true);
                        }
                        self.advance(&id).await?;
                    }
                    Some(followed) => {
                        let exit = ContainerExit {
                            name: followed.name.clone(),
                            container_id: id,
                            service: followed.service.clone(),
                            exit_code,
                            restarting,
                        };
                        if statuses {
                            self.send_exit(exit).await;
                        }
                    }
                    None if statuses => {
                        let service = event.service.clone().unwrap_or_default();
                        let number = event
                            .attributes
                            .get(labels::CONTAINER_NUMBER)
                            .cloned()
                            .unwrap_or_default();
                        self.send_exit(ContainerExit {
                            name: feed_name(&event.container_name, &project, &service, &number),
                            container_id: id,
                            service,
                            exit_code,
                            restarting,
                        })
                        .await;
                    }
                    None => {}
                }
            }
            ContainerAction::Destroy => {
                self.alive.remove(&id);
            }
            _ => {}
        }
        Ok(())
    }

    /// Runs until every stream has ended and, when following, no container is alive; or
    /// until `stop` changes, or the reader is gone.
    async fn run(
        mut self,
        mut events: Option<BoxStream<'static, Result<ContainerEvent, EngineError>>>,
        mut control: watch::Receiver<Control>,
    ) -> Result<(), EngineError> {
        let mut idle_since: Option<tokio::time::Instant> = None;
        let mut unstarted_dropped = false;
        loop {
            let wanted = *control.borrow();
            if self.reader_gone || wanted == Control::Stop {
                self.streams.abort_all();
                return Ok(());
            }
            if wanted == Control::NoMoreStarts && !unstarted_dropped {
                unstarted_dropped = true;
                self.drop_unstarted().await?;
            }
            let following = events.is_some();
            let idle = self.is_idle(following);
            if !idle {
                idle_since = None;
            } else if !following || self.linger.is_zero() {
                return Ok(());
            }
            let deadline = *idle_since.get_or_insert_with(tokio::time::Instant::now) + self.linger;
            tokio::select! {
                () = tokio::time::sleep_until(deadline), if idle => return Ok(()),
                Some(joined) = self.streams.join_next(), if !self.streams.is_empty() => {
                    match joined {
                        Ok((id, end)) => self.stream_ended(id, end).await?,
                        Err(error) => tracing::debug!("log stream task failed: {error}"),
                    }
                }
                item = async {
                    match events.as_mut() {
                        Some(stream) => stream.next().await,
                        None => std::future::pending().await,
                    }
                } => {
                    match item {
                        Some(Ok(event)) => {
                            // Any event restarts the linger: `restart` goes die, stop, start.
                            idle_since = None;
                            self.handle_event(event).await?;
                        }
                        Some(Err(error)) => return Err(error),
                        None => events = None,
                    }
                }
                changed = control.changed() => {
                    if changed.is_err() {
                        // The handle is gone: nobody can stop us, keep going.
                        control = watch::channel(wanted).1;
                    }
                }
            }
        }
    }
}

/// Streams the logs of the project's selected containers to `sender` (`logs`): with
/// `follow`, until no followed container is alive; otherwise until every log is read.
pub async fn stream_project_logs(
    engine: &Engine,
    project: &str,
    selection: Selection,
    options: LogOptions,
    sender: mpsc::Sender<LogEvent>,
) -> Result<(), EngineError> {
    let follow = options.follow;
    let since = SystemTime::now();
    let mut follower = Follower::new(engine, project, selection, options, sender);
    follower.linger = RESTART_LINGER;
    follower.began = follow.then(|| Moment::from_system_time(since));
    // Subscribe first: a container that starts while we list is not missed.
    let events = follow.then(|| engine.project_events(project, Some(since)));
    follower
        .start_logs(follow.then(|| Moment::from_system_time(since)))
        .await?;
    let (_control_sender, control) = watch::channel(Control::Follow);
    follower.run(events, control).await
}

/// How the follower of an attached `up` is steered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Follow,
    /// The `up` starts nothing more: containers it did not run stop counting.
    NoMoreStarts,
    /// End the feed now.
    Stop,
}

/// What an attached `up` follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachRequest {
    /// Services whose output is shown (none when empty).
    pub services: Vec<String>,
    /// Services whose containers keep the feed going and have their exits reported
    /// (`None`: the shown ones), as the reference's monitor: the services named on the
    /// command line, else the attached ones.
    pub monitored: Option<Vec<String>>,
    /// Containers this `up` does not run (completed one-shots): not attached to.
    pub skip_containers: Vec<String>,
}

/// The attached containers of an `up`, followed in the background.
pub struct AttachedProject {
    /// The attached containers' feed names (`web-1`), sorted: `Attaching to web-1, db-1`.
    pub names: Vec<String>,
    /// Every exit of a shown or monitored container, as it is reported on the feed.
    pub exits: mpsc::UnboundedReceiver<ContainerExit>,
    /// The follower, running in the background.
    pub feed: Feed,
}

/// The follower of an attached `up`, in the background.
pub struct Feed {
    task: tokio::task::JoinHandle<Result<(), EngineError>>,
    control: watch::Sender<Control>,
}

impl Feed {
    /// Waits until no monitored container is alive any more (each one's last line read),
    /// or [`Self::stop_following`] was called (the feed's end). The sender given to [`attach_project`] is
    /// dropped by then, so the writer task ends after the last line. Not to be awaited
    /// again once it returned.
    pub async fn ended(&mut self) -> Result<(), EngineError> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(error) => Err(EngineError::Communication {
                context: ErrorContext::engine(),
                message: error.to_string(),
            }),
        }
    }

    /// Stops following (the feed ends; containers are left as they are).
    pub fn stop_following(&self) {
        let _ = self.control.send(Control::Stop);
    }

    /// The `up` starts nothing more (its start phase is over, done or not): containers
    /// attached to but not run by it no longer keep the feed going.
    pub fn no_more_starts(&self) {
        self.control.send_if_modified(|control| {
            if *control == Control::Follow {
                *control = Control::NoMoreStarts;
                true
            } else {
                false
            }
        });
    }
}

/// Attaches to the project's containers of the requested services **before they are
/// started**, and follows them: see the module documentation. `options.timestamps`,
/// `since` and `tail` apply to runs picked up later (restarts, scale-ups).
pub async fn attach_project(
    engine: &Engine,
    project: &str,
    request: &AttachRequest,
    options: LogOptions,
    sender: mpsc::Sender<LogEvent>,
) -> Result<AttachedProject, EngineError> {
    let since = SystemTime::now();
    let selection = Selection {
        services: request.services.clone(),
        index: None,
    };
    let options = LogOptions {
        follow: true,
        ..options
    };
    let mut follower = Follower::new(engine, project, selection, options, sender);
    follower.monitored = request
        .monitored
        .as_ref()
        .map(|services| services.iter().cloned().collect());
    follower.attached_at = Some(Moment::from_system_time(since));
    let (exits_sender, exits) = mpsc::unbounded_channel();
    follower.exits = Some(exits_sender);
    follower.shows_nothing = request.services.is_empty();
    let events = engine.project_events(project, Some(since));
    let names = follower.start_attached(&request.skip_containers).await?;
    let (control, control_receiver) = watch::channel(Control::Follow);
    let task = tokio::spawn(follower.run(Some(events), control_receiver));
    Ok(AttachedProject {
        names,
        exits,
        feed: Feed { task, control },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::new(1_700_000_000, 500_000_000)
    }

    #[test]
    fn relative_moments_count_back_from_now() {
        assert_eq!(
            parse_moment("10m", now()),
            Ok(Moment {
                seconds: 1_700_000_000 - 600,
                nanos: 500_000_000
            })
        );
        assert_eq!(
            parse_moment("1h30m", now()).map(|moment| moment.seconds),
            Ok(1_700_000_000 - 5400)
        );
        assert_eq!(
            parse_moment("1.5h", now()).map(|moment| moment.seconds),
            Ok(1_700_000_000 - 5400)
        );
        assert_eq!(
            parse_moment("300ms", now()),
            Ok(Moment {
                seconds: 1_700_000_000,
                nanos: 200_000_000
            })
        );
        assert!(parse_moment("10 minutes", now()).is_err());
        assert!(parse_moment("", now()).is_err());
        assert!(parse_moment("5x", now()).is_err());
    }

    #[test]
    fn absolute_moments_are_rfc3339_or_unix_seconds() {
        assert_eq!(
            parse_moment("2013-01-02T13:23:37Z", now()),
            Ok(Moment {
                seconds: 1_357_133_017,
                nanos: 0
            })
        );
        assert_eq!(
            parse_moment("2013-01-02T14:23:37.25+01:00", now()),
            Ok(Moment {
                seconds: 1_357_133_017,
                nanos: 250_000_000
            })
        );
        assert_eq!(
            parse_moment("2013-01-02", now()).map(|moment| moment.seconds),
            Ok(1_357_084_800)
        );
        assert_eq!(
            parse_moment("1700000000.000000005", now()),
            Ok(Moment {
                seconds: 1_700_000_000,
                nanos: 5
            })
        );
        assert_eq!(
            parse_moment("2024-01-01T00:00:00.123456789Z", now()).map(Moment::to_engine),
            Ok("1704067200.123456789".to_owned())
        );
        assert!(parse_moment("2013-13-02T00:00:00Z", now()).is_err());
        assert!(parse_moment("yesterday", now()).is_err());
    }

    #[test]
    fn a_new_run_starts_halfway_between_the_runs() {
        assert_eq!(
            run_start("2024-01-01T00:00:01Z", "2024-01-01T00:00:02.5Z"),
            Some(Moment {
                seconds: 1_704_067_201,
                nanos: 750_000_000
            })
        );
        assert_eq!(
            run_start("0001-01-01T00:00:00Z", "2024-01-01T00:00:02Z"),
            None
        );
        assert_eq!(
            run_start("2024-01-01T00:00:01Z", "").map(|moment| moment.seconds),
            Some(1_704_067_201)
        );
    }

    #[test]
    fn a_run_starts_at_the_previous_die_or_is_guessed() {
        let moment = |text: &str| parse_rfc3339(text).unwrap();
        let ends = [
            moment("2024-01-01T00:00:01Z"),
            moment("2024-01-01T00:00:03Z"),
        ];
        // The latest die before the run's start, even when the run has ended since.
        assert_eq!(
            latest_run_start(&ends, "2024-01-01T00:00:04Z", "2024-01-01T00:00:02Z"),
            Some(ends[0])
        );
        assert_eq!(
            latest_run_start(&ends, "2024-01-01T00:00:03Z", "2024-01-01T00:00:05Z"),
            Some(ends[1])
        );
        // Unknown: a little before the start of a run that ended, else halfway.
        assert_eq!(
            latest_run_start(&[], "2024-01-01T00:00:04Z", "2024-01-01T00:00:02Z"),
            Some(moment("2024-01-01T00:00:01.95Z"))
        );
        assert_eq!(
            latest_run_start(&[], "2024-01-01T00:00:01Z", "2024-01-01T00:00:02Z"),
            Some(moment("2024-01-01T00:00:01.5Z"))
        );
    }

    #[test]
    fn feed_names_drop_the_project() {
        assert_eq!(feed_name("demo-web-1", "demo", "web", "1"), "web-1");
        assert_eq!(feed_name("custom", "demo", "web", "1"), "custom");
        assert_eq!(feed_name("demo-web-2", "demo", "web", "1"), "demo-web-2");
    }
}
