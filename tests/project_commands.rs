//! Real-daemon tests of `volumes`, `scale` and `events`: each test brings up its own project
//! with dk-compose, checks the engine state and the output, and compares with the reference
//! (`REFERENCE_COMPOSE` or its usual path) when it is installed.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::{docker, engine_available, ensure_test_images, project_leftovers};

fn ours_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dk-compose"))
}

fn reference_binary() -> Option<PathBuf> {
    let path = std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    );
    path.exists().then_some(path)
}

/// The shared project on disk (`support::Stack`), with this file's ways of running
/// commands in it.
struct Project(support::Stack);

impl std::ops::Deref for Project {
    type Target = support::Stack;

    fn deref(&self) -> &support::Stack {
        &self.0
    }
}

impl Project {
    fn new(prefix: &str, yaml: &str) -> Self {
        Self(support::Stack::new(prefix, yaml))
    }

    fn command(&self, program: &Path, arguments: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.directory.path())
            .args(["-p", self.name(), "--progress", "plain"])
            .args(arguments)
            .env("NO_COLOR", "1")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, program: &Path, arguments: &[&str]) -> Output {
        self.command(program, arguments).output().unwrap()
    }

    /// Runs dk-compose, whatever its exit status.
    fn ours(&self, arguments: &[&str]) -> Output {
        self.run(&ours_binary(), arguments)
    }

    /// Runs dk-compose; panics unless it succeeds; its stdout.
    fn ours_ok(&self, arguments: &[&str]) -> String {
        let output = self.ours(arguments);
        assert!(
            output.status.success(),
            "dk-compose {arguments:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn replica(&self, service: &str, number: u32) -> String {
        format!("{}-{service}-{number}", self.name())
    }

    /// `name id state` of every container of the project, sorted.
    fn containers(&self) -> Vec<String> {
        let listing = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label={}", self.guard.label()),
            "--format",
            "{{.Names}} {{.ID}} {{.State}}",
        ]);
        let mut lines: Vec<String> = listing.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// The lines of a listing after its header, sorted (the engine's order is not stable).
fn sorted_rows(text: &str) -> Vec<String> {
    let mut rows: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
    rows.sort();
    rows
}

/// One `volumes --format json` line with its labels as a set (Go prints a map unordered).
fn volume_json(line: &str) -> (Value, BTreeSet<String>) {
    let mut value: Value = serde_json::from_str(line).unwrap();
    let labels = value["Labels"]
        .as_str()
        .unwrap()
        .split(',')
        .filter(|label| !label.starts_with("com.docker.compose.version="))
        .map(str::to_owned)
        .collect();
    value["Labels"] = Value::Null;
    (value, labels)
}

const VOLUMES: &str = r"
services:
  web:
    image: IMAGE
    command: sleep 3600
    volumes: [data:/data]
  db:
    image: IMAGE
    command: sleep 3600
    volumes: [dbdata:/db, /anonymous]
  other:
    image: IMAGE
    command: sleep 3600
volumes:
  data:
  dbdata:
    labels:
      tier: db
";

#[test]
fn volumes_lists_the_projects_volumes_as_table_json_and_names() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let project = Project::new("project_commands-volumes", VOLUMES);
    project.ours_ok(&["up", "-d"]);
    let data = format!("{}_data", project.name());
    let dbdata = format!("{}_dbdata", project.name());

    // The named volumes only (not the anonymous one), sorted by name.
    let table = project.ours_ok(&["volumes"]);
    assert_eq!(
        lines(&table),
        [
            "DRIVER    VOLUME NAME".to_owned(),
            format!("local     {data}"),
            format!("local     {dbdata}"),
        ]
    );
    assert_eq!(
        lines(&project.ours_ok(&["volumes", "-q"])),
        [data.clone(), dbdata.clone()]
    );
    assert_eq!(
        lines(&project.ours_ok(&["volumes", "--format", "json", "-q"])),
        [data.clone(), dbdata.clone()]
    );
    let json = project.ours_ok(&["volumes", "--format", "json"]);
    let objects: Vec<(Value, BTreeSet<String>)> = json.lines().map(volume_json).collect();
    assert_eq!(objects.len(), 2);
    let (object, labels) = &objects[1];
    assert_eq!(object["Name"], Value::from(dbdata.clone()));
    assert_eq!(object["Driver"], "local");
    assert_eq!(object["Scope"], "local");
    assert_eq!(object["Size"], "N/A");
    assert!(labels.contains("tier=db"), "{labels:?}");
    assert!(labels.contains("com.docker.compose.volume=dbdata"));
    let keys: Vec<&String> = object.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "Availability",
            "Driver",
            "Group",
            "Labels",
            "Links",
            "Mountpoint",
            "Name",
            "Scope",
            "Size",
            "Status"
        ]
    );
    assert_eq!(
        project.ours_ok(&["volumes", "--format", "{{.Name}}:{{.Label \"tier\"}}"]),
        format!("{data}:\n{dbdata}:db\n")
    );
    let custom = project.ours_ok(&["volumes", "--format", "table {{.Name}}\t{{.Links}}"]);
    let custom = lines(&custom);
    assert!(custom[0].starts_with("VOLUME NAME ") && custom[0].ends_with(" LINKS"));
    assert!(custom[1].starts_with(&data) && custom[1].ends_with(" N/A"));

    // Services: the volumes their running containers mount.
    assert_eq!(
        sorted_rows(&project.ours_ok(&["volumes", "web"])),
        [format!("local     {data}")]
    );
    assert_eq!(
        project.ours_ok(&["volumes", "other"]),
        "DRIVER    VOLUME NAME\n"
    );
    project.ours_ok(&["stop", "db"]);
    assert_eq!(project.ours_ok(&["volumes", "-q", "db"]), "");

    // An unknown service with the compose file: the reference's error, nothing printed.
    let unknown = project.ours(&["-f", "compose.yaml", "volumes", "nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such service"));
    assert!(unknown.stdout.is_empty());
    let bad_template = project.ours(&["volumes", "--format", "{{.Nope}}"]);
    assert!(!bad_template.status.success());

    if let Some(reference) = reference_binary() {
        project.ours_ok(&["start", "db"]);
        for arguments in [
            &["volumes"][..],
            &["volumes", "-q"],
            &["volumes", "web"],
            &[
                "volumes",
                "--format",
                "table {{.Name}}\t{{.Scope}}\t{{.Size}}",
            ],
        ] {
            let theirs = project.run(&reference, arguments);
            assert!(theirs.status.success());
            let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
            let ours = project.ours_ok(arguments);
            if arguments.contains(&"-q") {
                // No header: every line is a name, in the engine's order for the reference.
                let (mut ours, mut theirs): (Vec<&str>, Vec<&str>) =
                    (ours.lines().collect(), theirs.lines().collect());
                ours.sort_unstable();
                theirs.sort_unstable();
                assert_eq!(ours, theirs, "{arguments:?}");
                continue;
            }
            assert_eq!(ours.lines().next(), theirs.lines().next(), "{arguments:?}");
            assert_eq!(sorted_rows(&ours), sorted_rows(&theirs), "{arguments:?}");
        }
        let theirs = project.run(&reference, &["volumes", "--format", "json"]);
        let mut theirs: Vec<(Value, BTreeSet<String>)> = String::from_utf8_lossy(&theirs.stdout)
            .lines()
            .map(volume_json)
            .collect();
        theirs.sort_by(|left, right| left.0["Name"].as_str().cmp(&right.0["Name"].as_str()));
        assert_eq!(objects, theirs);
    }
}

const SCALE: &str = r"
services:
  web:
    image: IMAGE
    command: sleep 3600
    depends_on: [db]
  db:
    image: IMAGE
    command: sleep 3600
  other:
    image: IMAGE
    command: sleep 3600
";

/// The `name id state` line of one container among `containers`.
fn line_of<'a>(containers: &'a [String], name: &str) -> &'a str {
    containers
        .iter()
        .find(|line| line.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no container {name} in {containers:?}"))
}

#[test]
fn scale_adds_and_removes_replicas_and_leaves_the_rest_alone() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let project = Project::new("project_commands-scale", SCALE);
    project.ours_ok(&["up", "-d"]);
    let before = project.containers();
    assert_eq!(before.len(), 3, "{before:?}");

    project.ours_ok(&["scale", "web=3"]);
    let scaled = project.containers();
    let names: Vec<&str> = scaled
        .iter()
        .filter_map(|line| line.split(' ').next())
        .collect();
    assert_eq!(
        names,
        [
            project.replica("db", 1),
            project.replica("other", 1),
            project.replica("web", 1),
            project.replica("web", 2),
            project.replica("web", 3)
        ]
    );
    // The containers that were there are kept (same ids), the new ones run.
    for line in &before {
        assert!(scaled.contains(line), "{line} changed: {scaled:?}");
    }
    assert!(
        scaled.iter().all(|line| line.ends_with(" running")),
        "{scaled:?}"
    );

    project.ours_ok(&["scale", "web=1"]);
    assert_eq!(project.containers(), before);

    // A stopped service that is not named stays stopped; a stopped dependency is started.
    project.ours_ok(&["stop", "other", "db"]);
    project.ours_ok(&["scale", "web=2"]);
    let after = project.containers();
    assert!(line_of(&after, &project.replica("other", 1)).ends_with(" exited"));
    assert!(line_of(&after, &project.replica("db", 1)).ends_with(" running"));
    assert!(line_of(&after, &project.replica("web", 2)).ends_with(" running"));
    assert_eq!(
        line_of(&after, &project.replica("web", 1)),
        line_of(&before, &project.replica("web", 1))
    );
    project.ours_ok(&["scale", "web=0"]);
    assert!(
        !project
            .containers()
            .iter()
            .any(|line| line.contains("-web-")),
        "{:?}",
        project.containers()
    );
}

#[test]
fn scale_no_deps_creates_only_the_named_service_and_bad_input_creates_nothing() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let project = Project::new("project_commands-scale-bad", SCALE);
    let bad: [&[&str]; 6] = [
        &["scale", "nope=2"],
        &["scale", "web=2", "nope=1"],
        &["scale", "web"],
        &["scale", "web=x"],
        &["scale", "web=-1"],
        &["scale"],
    ];
    for arguments in bad {
        let output = project.ours(arguments);
        assert!(!output.status.success(), "{arguments:?} succeeded");
        assert!(!output.stderr.is_empty(), "{arguments:?}: no message");
    }
    assert_eq!(
        project_leftovers(project.name()),
        (Vec::new(), Vec::new(), Vec::new()),
        "bad input changed the engine"
    );
    if let Some(reference) = reference_binary() {
        // Same words as the reference for the specifiers it rejects.
        for arguments in [&["scale", "web"][..], &["scale", "web=x"], &["scale", "=2"]] {
            let theirs = project.run(&reference, arguments);
            let ours = project.ours(arguments);
            assert_eq!(theirs.status.code(), ours.status.code(), "{arguments:?}");
            assert_eq!(
                String::from_utf8_lossy(&ours.stderr),
                String::from_utf8_lossy(&theirs.stderr),
                "{arguments:?}"
            );
        }
    }

    project.ours_ok(&["scale", "--no-deps", "web=2"]);
    let names: Vec<String> = project
        .containers()
        .iter()
        .filter_map(|line| line.split(' ').next().map(str::to_owned))
        .collect();
    assert_eq!(
        names,
        [project.replica("web", 1), project.replica("web", 2)]
    );
}

/// A running `events` child process and its stdout lines, read on a thread.
struct EventsChild {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl EventsChild {
    fn spawn(project: &Project, arguments: &[&str]) -> Self {
        let mut child = project
            .command(&ours_binary(), arguments)
            // Times are local: UTC here, whatever the machine's zone.
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// Lines until one satisfies `last` (a generous bound only guards against a hang).
    fn read_until(&self, last: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(120)) {
            let done = last(&line);
            seen.push(line);
            if done {
                return seen;
            }
        }
        panic!("the awaited event never came; got {seen:?}");
    }
}

impl Drop for EventsChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn events_streams_the_projects_container_events_as_json_and_text() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let project = Project::new("project_commands-events", SCALE);
    // From now on (replayed by the engine, then live): no race with the subscription.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .saturating_sub(1)
        .to_string();
    let mut json = EventsChild::spawn(&project, &["events", "--json", "--since", &since]);
    let text = EventsChild::spawn(&project, &["events", "--since", &since, "other"]);
    project.ours_ok(&["up", "-d", "other", "db"]);
    project.ours_ok(&["run", "--rm", "other", "true"]);
    project.ours_ok(&["stop", "-t", "1", "other"]);
    let other = project.replica("other", 1);
    let other_id = docker(&["inspect", "--format", "{{.Id}}", &other]);

    let objects: Vec<Value> = json
        .read_until(|line| line.contains("\"action\":\"stop\"") && line.contains(&other_id))
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for object in &objects {
        let keys: Vec<&String> = object.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["action", "attributes", "id", "service", "time", "type"],
            "{object}"
        );
        assert_eq!(object["type"], "container");
        // No one-off (`run`) container, no compose labels among the attributes.
        let name = object["attributes"]["name"].as_str().unwrap();
        assert!(!name.contains("-run-"), "{object}");
        assert!(
            object["attributes"]
                .as_object()
                .unwrap()
                .keys()
                .all(|key| !key.starts_with("com.docker.compose.")),
            "{object}"
        );
    }
    let actions = |container: &str| -> Vec<String> {
        objects
            .iter()
            .filter(|object| object["attributes"]["name"] == container)
            .map(|object| object["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let of_other = actions(&other);
    for expected in ["create", "start", "die", "stop"] {
        assert!(
            of_other.contains(&expected.to_owned()),
            "{expected} missing: {of_other:?}"
        );
    }
    let die = objects
        .iter()
        .find(|object| object["action"] == "die" && object["id"] == other_id.as_str())
        .unwrap();
    assert_eq!(die["service"], "other");
    assert!(die["attributes"]["exitCode"].is_string());
    assert!(die["time"].as_str().unwrap().ends_with('Z'));
    assert!(actions(&project.replica("db", 1)).contains(&"start".to_owned()));

    // The text form, for the named service only: `TIME container ACTION ID (k=v, ...)`.
    let line_format = regex::Regex::new(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} container (\S+) ([0-9a-f]{64}) \((.*)\)$",
    )
    .unwrap();
    let lines = text.read_until(|line| line.contains(" container stop "));
    let events: Vec<(String, String, String)> = lines
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let captures = line_format
                .captures(line)
                .unwrap_or_else(|| panic!("not an event line: {line:?}"));
            (
                captures[1].to_owned(),
                captures[2].to_owned(),
                captures[3].to_owned(),
            )
        })
        .collect();
    assert!(
        events.iter().all(|(_, id, _)| *id == other_id),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|(action, _, attributes)| action == "start"
                && attributes.contains(&format!("name={other}"))),
        "{events:?}"
    );

    // A bounded replay (`--until`) ends with 0 and prints the reference's objects (the
    // reference then fails with `EOF`).
    if let Some(reference) = reference_binary() {
        let until = (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 2)
        .to_string();
        let arguments = ["events", "--json", "--since", &since, "--until", &until];
        let ours = project.ours(&arguments);
        assert!(ours.status.success());
        let theirs = project.run(&reference, &arguments);
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout)
        );
        assert!(!ours.stdout.is_empty());
        // Times are local, as the reference's (Go's `time.Local`: `TZ`).
        let in_paris = |binary: &Path| {
            let output = project
                .command(binary, &arguments)
                .env("TZ", "Europe/Paris")
                .output()
                .unwrap();
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        let ours = in_paris(&ours_binary());
        assert_eq!(ours, in_paris(&reference));
        if Path::new("/usr/share/zoneinfo/Europe/Paris").exists() {
            assert!(
                ours.contains("+01:00\"") || ours.contains("+02:00\""),
                "{ours}"
            );
        }
    }

    // SIGTERM ends it with the reference's 130.
    let killed = Command::new("kill")
        .args(["-TERM", &json.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(json.child.wait().unwrap().code(), Some(130));
}
