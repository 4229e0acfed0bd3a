//! The compose samples (`compose-samples/`) and examples (`examples/`): every file loads with
//! `dk-compose config` (no engine needed, same output as the reference when it is present),
//! and each one that can run here is brought up, checked and taken down on the real engine.
//!
//! The engine steps use our binary (set `DK_SAMPLES_COMPOSE` to another compose binary, e.g.
//! the reference, to run every step with it). Nothing is skipped but for a missing engine
//! (which fails in CI): attached `up` and `pull`/`push` are not used here.

#![allow(clippy::print_stderr)] // the note when the reference is absent

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{ProjectGuard, docker, docker_output, engine_available};

/// Every compose file of the samples and examples (relative to the repository root).
const COMPOSE_FILES: &[&str] = &[
    "compose-samples/dockerapp/compose.yaml",
    "compose-samples/dockerapp/prod.yml",
    "compose-samples/network-types/compose.yaml",
    "compose-samples/init-chain/compose.yaml",
    "examples/hello-world/compose.yaml",
    "examples/port-mapping/compose.yaml",
    "examples/logs/compose.yaml",
    "examples/scale/compose.yaml",
];

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn our_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dk-compose"))
}

/// The binary for the engine steps: ours, or `DK_SAMPLES_COMPOSE` when set.
fn engine_binary() -> PathBuf {
    std::env::var_os("DK_SAMPLES_COMPOSE").map_or_else(our_binary, PathBuf::from)
}

fn reference_binary() -> Option<PathBuf> {
    let path = std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    );
    path.is_file().then_some(path)
}

/// A compose command with the environment of a fresh shell (no inherited COMPOSE_* knobs).
fn compose_command(binary: &Path, directory: &Path) -> Command {
    let mut command = Command::new(binary);
    command
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_ENV_FILES")
        .stdin(Stdio::null());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Builds the sample base images once per test process (idempotent and quick when current).
fn ensure_sample_bases() {
    static BUILT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let output = Command::new("bash")
            .arg(repository_root().join("scripts/build-sample-bases.sh"))
            .output()
            .map_err(|error| format!("cannot run build-sample-bases.sh: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "build-sample-bases.sh failed:\n{}{}",
                text(&output.stdout),
                text(&output.stderr)
            ))
        }
    });
    if let Err(reason) = built {
        panic!("{reason}");
    }
}

/// A host port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `condition` every 200 ms until it holds; panics with `what` after `timeout`.
fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `curl -fsS URL`, or None when it does not answer successfully.
fn http_get(url: &str) -> Option<String> {
    let output = Command::new("curl")
        .args(["-fsS", "--max-time", "5", url])
        .output()
        .unwrap();
    output.status.success().then(|| text(&output.stdout))
}

/// An RFC 3339 UTC time from `docker inspect` with its fraction padded to nine digits (Go
/// trims trailing zeros), so that times compare as strings.
fn sortable_time(time: &str) -> String {
    let without_zone = time.trim_end_matches('Z');
    let (seconds, fraction) = without_zone.split_once('.').unwrap_or((without_zone, ""));
    format!("{seconds}.{fraction:0<9}Z")
}

/// One sample on the engine: its compose file, a unique project and its cleanup guard.
struct Sample {
    guard: ProjectGuard,
    file: PathBuf,
    environment: Vec<(String, String)>,
}

impl Sample {
    fn new(relative_file: &str) -> Self {
        ensure_sample_bases();
        let stem = Path::new(relative_file)
            .parent()
            .and_then(Path::file_name)
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        Self {
            guard: ProjectGuard::unique(&format!("sample-{stem}")),
            file: repository_root().join(relative_file),
            environment: Vec::new(),
        }
    }

    fn with_environment(mut self, name: &str, value: &str) -> Self {
        self.environment.push((name.to_owned(), value.to_owned()));
        self
    }

    fn name(&self) -> &str {
        &self.guard.name
    }

    /// `<engine binary> -p NAME -f FILE ARGS`, run from the file's directory.
    fn compose(&self, arguments: &[&str]) -> Output {
        let directory = self.file.parent().unwrap();
        let mut command = compose_command(&engine_binary(), directory);
        command
            .args(["-p", self.name()])
            .arg("-f")
            .arg(&self.file)
            .args(arguments)
            .envs(self.environment.iter().map(|(name, value)| (name, value)));
        command.output().unwrap()
    }

    /// Like `compose`, and the command must succeed.
    fn compose_ok(&self, arguments: &[&str]) -> Output {
        let output = self.compose(arguments);
        assert!(
            output.status.success(),
            "compose {arguments:?} failed ({}):\n{}{}",
            output.status,
            text(&output.stdout),
            text(&output.stderr)
        );
        output
    }

    fn container(&self, service: &str, number: u32) -> String {
        format!("{}-{service}-{number}", self.name())
    }

    fn inspect(&self, service: &str, template: &str) -> String {
        docker(&["inspect", "--format", template, &self.container(service, 1)])
    }

    /// `down` (with volumes) must succeed and leave nothing of the project behind.
    fn down(&self) {
        self.compose_ok(&["down", "--volumes"]);
        assert_eq!(
            support::project_leftovers(self.name()),
            (Vec::new(), Vec::new(), Vec::new()),
            "`down --volumes` left part of {} behind",
            self.name()
        );
    }
}

#[test]
fn every_sample_and_example_loads_with_config() {
    let reference = reference_binary();
    if reference.is_none() {
        eprintln!("note: the reference is absent; the config outputs are not compared with it");
    }
    for relative_file in COMPOSE_FILES {
        let file = repository_root().join(relative_file);
        let directory = file.parent().unwrap();
        for format in ["yaml", "json"] {
            let ours = compose_command(&our_binary(), directory)
                .arg("-f")
                .arg(&file)
                .args(["config", "--format", format])
                .output()
                .unwrap();
            assert!(
                ours.status.success(),
                "dk-compose config --format {format} refused {relative_file}:\n{}",
                text(&ours.stderr)
            );
            if let Some(reference) = &reference {
                let theirs = compose_command(reference, directory)
                    .arg("-f")
                    .arg(&file)
                    .args(["config", "--format", format])
                    .output()
                    .unwrap();
                assert!(
                    theirs.status.success(),
                    "the reference refused {relative_file}"
                );
                assert_eq!(
                    text(&ours.stdout),
                    text(&theirs.stdout),
                    "config --format {format} of {relative_file} differs from the reference"
                );
            }
        }
    }
}

#[test]
fn every_sample_directory_is_covered_and_every_example_documented() {
    let root = repository_root();
    let listed: Vec<PathBuf> = COMPOSE_FILES.iter().map(|file| root.join(file)).collect();
    let readme = std::fs::read_to_string(root.join("examples/README.md")).unwrap();
    for parent in ["compose-samples", "examples"] {
        for entry in std::fs::read_dir(root.join(parent)).unwrap() {
            let directory = entry.unwrap().path();
            if !directory.is_dir() {
                continue;
            }
            let compose_files: Vec<PathBuf> = std::fs::read_dir(&directory)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| {
                    path.extension()
                        .is_some_and(|extension| extension == "yaml" || extension == "yml")
                })
                .collect();
            assert!(
                !compose_files.is_empty(),
                "{} has no compose file",
                directory.display()
            );
            for file in compose_files {
                assert!(
                    listed.contains(&file),
                    "{} is not in COMPOSE_FILES (tests/samples.rs)",
                    file.display()
                );
            }
            if parent == "examples" {
                let name = directory.file_name().unwrap().to_string_lossy();
                assert!(
                    readme.contains(&format!("[{name}]")),
                    "examples/README.md has no line for `{name}`"
                );
            }
        }
    }
}

#[test]
fn hello_world_example_prints_hello_world() {
    if !engine_available() {
        return;
    }
    let sample = Sample::new("examples/hello-world/compose.yaml");
    // As the example says: attached `up` prints the line and ends when the container exits.
    let output = text(&sample.compose_ok(&["up", "--no-color"]).stdout);
    assert!(
        output.contains("hello-1  | hello world"),
        "no hello world in:\n{output}"
    );
    assert_eq!(sample.inspect("hello", "{{.State.ExitCode}}"), "0");
    let logs = text(&sample.compose_ok(&["logs", "--no-color"]).stdout);
    assert!(
        logs.contains("hello-1  | hello world"),
        "no hello world in:\n{logs}"
    );
    sample.down();
}

#[test]
fn port_mapping_example_serves_the_page_on_the_published_port() {
    if !engine_available() {
        return;
    }
    let port = free_port().to_string();
    let sample = Sample::new("examples/port-mapping/compose.yaml")
        .with_environment("PORT_MAPPING_PORT", &port);
    sample.compose_ok(&["up", "-d"]);
    let url = format!("http://127.0.0.1:{port}/");
    let mut page = None;
    wait_until("the published page", Duration::from_secs(20), || {
        page = http_get(&url);
        page.is_some()
    });
    assert!(
        page.unwrap_or_default()
            .contains("Hello from a container's port 80"),
        "unexpected page"
    );
    let published = sample.compose_ok(&["port", "web", "80"]);
    assert_eq!(text(&published.stdout).trim(), format!("0.0.0.0:{port}"));
    sample.down();
}

#[test]
fn logs_example_shows_both_services() {
    if !engine_available() {
        return;
    }
    let sample = Sample::new("examples/logs/compose.yaml");
    sample.compose_ok(&["up", "-d"]);
    wait_until(
        "two lines from each service in `logs`",
        Duration::from_secs(30),
        || {
            let logs = text(&sample.compose_ok(&["logs", "--no-color"]).stdout);
            logs.contains("tick-1  | tick 2") && logs.contains("tock-1  | tock 2")
        },
    );
    sample.down();
}

#[test]
fn scale_example_runs_three_replicas() {
    if !engine_available() {
        return;
    }
    let sample = Sample::new("examples/scale/compose.yaml");
    sample.compose_ok(&["up", "-d"]);
    let names = text(&sample.compose_ok(&["ps", "--format", "{{.Name}}"]).stdout);
    let mut names: Vec<&str> = names.lines().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        (1..=3)
            .map(|number| sample.container("worker", number))
            .collect::<Vec<_>>()
    );
    sample.down();
}

#[test]
fn network_types_sample_uses_none_bridge_and_host() {
    if !engine_available() {
        return;
    }
    let sample = Sample::new("compose-samples/network-types/compose.yaml");
    sample.compose_ok(&["up", "-d"]);
    for (service, mode) in [
        ("isolated", "none"),
        ("bridged", "bridge"),
        ("on-host", "host"),
    ] {
        assert_eq!(
            sample.inspect(service, "{{.HostConfig.NetworkMode}}"),
            mode,
            "{service}"
        );
    }
    // Loopback only without a network; an interface of its own on the default bridge.
    let interfaces = |service: &str| {
        docker(&[
            "exec",
            &sample.container(service, 1),
            "ls",
            "/sys/class/net",
        ])
    };
    assert_eq!(interfaces("isolated"), "lo");
    assert!(interfaces("bridged").contains("eth0"));
    sample.down();
}

#[test]
fn init_chain_sample_starts_after_the_init_container_and_ends_healthy() {
    if !engine_available() {
        return;
    }
    let sample = Sample::new("compose-samples/init-chain/compose.yaml");
    sample.compose_ok(&["up", "-d", "--wait"]);
    assert_eq!(
        sample.inspect("init", "{{.State.Status}} {{.State.ExitCode}}"),
        "exited 0"
    );
    for service in ["database", "api", "web"] {
        assert_eq!(
            sample.inspect(service, "{{.State.Health.Status}}"),
            "healthy",
            "{service}"
        );
    }
    // Each link of the chain started after the previous one was up.
    let started = |service: &str| sortable_time(&sample.inspect(service, "{{.State.StartedAt}}"));
    let finished_init = sortable_time(&sample.inspect("init", "{{.State.FinishedAt}}"));
    assert!(finished_init <= started("database"));
    assert!(started("database") < started("api"));
    assert!(started("api") < started("web"));
    sample.down();
}

/// The commands of the README's first code block (`# ...` comment lines left out).
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repository_root().join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has no ```sh block");
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn readme_starts_with_the_main_job_and_the_test_command() {
    assert_eq!(
        readme_commands(),
        ["bash scripts/main-job.sh", "bash scripts/test.sh"]
    );
    // CI runs the README's test command.
    let ci = std::fs::read_to_string(repository_root().join(".ci/run")).unwrap();
    assert!(ci.contains("exec bash scripts/test.sh"), "{ci}");
}

/// The README's command reference has a row for every command `dk-compose --help` lists.
#[test]
fn readme_command_reference_names_every_command() {
    let help = Command::new(our_binary()).arg("--help").output().unwrap();
    let help = text(&help.stdout);
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands: section in --help")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|command| *command != "help")
        .collect();
    assert!(commands.len() > 30, "{commands:?}");
    let readme = std::fs::read_to_string(repository_root().join("README.md")).unwrap();
    let reference = readme
        .split("## Commands")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a ## Commands section in README.md");
    let rows: Vec<&str> = reference
        .lines()
        .filter(|line| line.starts_with("| `"))
        .collect();
    for command in commands {
        assert!(
            rows.iter().any(|row| {
                let first_cell = row.split(" | ").next().unwrap_or_default();
                first_cell.contains(&format!("`{command}`"))
                    || first_cell.contains(&format!("`{command} "))
                    || first_cell.contains(&format!("`{command}\\|"))
            }),
            "README.md's command reference has no row for `{command}`"
        );
    }
}

/// The README's first command, exactly as written (it builds dk-compose with cargo, as on a
/// fresh clone), with a unique project name and a free port so that it
/// runs beside other tests. The counter goes 1 then 2, and `down -v` leaves nothing.
#[test]
fn readme_first_command_counts_visits_and_leaves_nothing() {
    if !engine_available() {
        return;
    }
    let command = readme_commands().into_iter().next().unwrap();
    assert_eq!(command, "bash scripts/main-job.sh");
    let guard = ProjectGuard::unique("sample-main-job");
    let port = free_port().to_string();
    let output = Command::new("bash")
        .args(["-c", &command])
        .current_dir(repository_root())
        .env("MAIN_JOB_PROJECT", &guard.name)
        .env("DOCKERAPP_PORT", &port)
        .env("NO_COLOR", "1")
        .env_remove("COMPOSE")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_ENV_FILES")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "`{command}` failed ({}):\n{stdout}{}",
        output.status,
        text(&output.stderr)
    );
    // A fresh volume: the first visit is the first count.
    assert!(
        stdout.contains(
            "Hello from dockerapp! I have been seen 1 times.\n\
             Hello from dockerapp! I have been seen 2 times.\n\
             the counter increased: 1 -> 2"
        ),
        "the visits are missing from:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}-dockerapp-1", guard.name)),
        "ps:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}-redis-1", guard.name)),
        "ps:\n{stdout}"
    );
    assert!(
        stdout.contains("dockerapp listening on :5000"),
        "logs:\n{stdout}"
    );
    assert!(
        stdout.contains("Ready to accept connections"),
        "logs:\n{stdout}"
    );
    assert_eq!(
        support::project_leftovers(&guard.name),
        (Vec::new(), Vec::new(), Vec::new()),
        "`{command}` left part of the project behind"
    );
}

#[test]
fn dockerapp_unit_tests_pass_and_the_failing_variant_fails() {
    if !engine_available() {
        return;
    }
    let sample = Sample::new("compose-samples/dockerapp/compose.yaml")
        .with_environment("DOCKERAPP_PORT", &free_port().to_string());
    sample.compose_ok(&["build"]);
    // `run` starts redis first (healthy) and returns the test script's exit code.
    let passing = sample.compose(&["run", "--rm", "dockerapp", "/app/test.sh"]);
    let passing_stdout = text(&passing.stdout);
    assert_eq!(
        passing.status.code(),
        Some(0),
        "the unit tests failed:\n{passing_stdout}{}",
        text(&passing.stderr)
    );
    assert!(
        passing_stdout.contains("all checks passed"),
        "{passing_stdout}"
    );
    assert!(!passing_stdout.contains("not ok"), "{passing_stdout}");

    let failing = sample.compose(&["run", "--rm", "dockerapp", "/app/test-fail.sh"]);
    let failing_stdout = text(&failing.stdout);
    assert_eq!(
        failing.status.code(),
        Some(1),
        "the failing variant should exit 1:\n{failing_stdout}{}",
        text(&failing.stderr)
    );
    assert!(
        failing_stdout.contains("not ok - the page greets"),
        "{failing_stdout}"
    );
    // `--rm` removed the one-off containers: only redis is left before `down`.
    let containers = docker_output(&[
        "ps",
        "-aq",
        "--filter",
        &sample.guard.label(),
        "--filter",
        "label=com.docker.compose.oneoff=True",
    ]);
    assert_eq!(
        text(&containers.stdout).trim(),
        "",
        "one-off containers left"
    );
    sample.down();
}
