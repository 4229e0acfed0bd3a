//! Shared helpers for tests against the real Docker Engine: engine detection (loud in CI),
//! locally built test images, unique project names, and a guard that removes a project's
//! containers, networks and volumes on drop (even when the test panics).
#![allow(dead_code, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The image every real-daemon test uses (FROM scratch + static busybox, built locally).
pub const BUSYBOX_IMAGE: &str = "dk-compose-test/busybox:latest";

const PROJECT_LABEL: &str = "com.docker.compose.project";

/// Whether a Docker Engine answers. Outside CI a missing engine skips the test (returns
/// false with a note); with `CI` set it panics, so CI never passes by skipping.
pub fn engine_available() -> bool {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let availability = AVAILABLE.get_or_init(|| {
        match Command::new("docker")
            .args(["version", "--format", "{{.Server.APIVersion}}"])
            .output()
        {
            Ok(output) if output.status.success() => Ok(()),
            Ok(output) => Err(String::from_utf8_lossy(&output.stderr).trim().to_owned()),
            Err(error) => Err(format!("cannot run the docker CLI: {error}")),
        }
    });
    match availability {
        Ok(()) => true,
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but the Docker engine is not available: {reason}")
        }
        Err(reason) => {
            eprintln!("skipping: the Docker engine is not available: {reason}");
            false
        }
    }
}

/// Builds the test images once per test process (the script is idempotent and quick when
/// the images are current).
pub fn ensure_test_images() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/build-test-images.sh");
        let output = Command::new("bash")
            .arg(&script)
            .output()
            .map_err(|error| format!("cannot run {}: {error}", script.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed:\n{}{}",
                script.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(reason) = built {
        panic!("{reason}");
    }
}

/// A project name unique to this test run: `<prefix>-<pid>-<counter>` (lowercase, valid).
pub fn unique_project(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let prefix: String = prefix
        .to_lowercase()
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || character == '-' || character == '_' {
                character
            } else {
                '-'
            }
        })
        .collect();
    format!("dkt-{prefix}-{}-{counter}", std::process::id())
}

/// Runs `command` with `input` on its stdin (a pipe, closed once written) and returns its
/// output.
pub fn output_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs the docker CLI and returns its output (whatever the exit status).
pub fn docker_output(arguments: &[&str]) -> Output {
    Command::new("docker")
        .args(arguments)
        .output()
        .unwrap_or_else(|error| panic!("cannot run docker {arguments:?}: {error}"))
}

/// Runs the docker CLI, panics on failure, returns trimmed stdout.
pub fn docker(arguments: &[&str]) -> String {
    let output = docker_output(arguments);
    assert!(
        output.status.success(),
        "docker {arguments:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Ids (or names) printed one per line by a docker listing command.
fn listed(arguments: &[&str]) -> Vec<String> {
    let output = docker_output(arguments);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What is left of a project on the engine: (containers, networks, volumes).
pub fn project_leftovers(project_name: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let filter = format!("label={PROJECT_LABEL}={project_name}");
    (
        listed(&["ps", "-aq", "--filter", &filter]),
        listed(&["network", "ls", "-q", "--filter", &filter]),
        listed(&["volume", "ls", "-q", "--filter", &filter]),
    )
}

/// Removes everything labelled with its project when dropped (containers first, with their
/// anonymous volumes, then networks, then volumes).
pub struct ProjectGuard {
    pub name: String,
}

impl ProjectGuard {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    /// A guard for a fresh unique project name.
    pub fn unique(prefix: &str) -> Self {
        Self::new(unique_project(prefix))
    }

    /// `com.docker.compose.project=<name>`, for `--label` and `--filter label=`.
    pub fn label(&self) -> String {
        format!("{PROJECT_LABEL}={}", self.name)
    }

    pub fn cleanup(&self) {
        let (containers, networks, volumes) = project_leftovers(&self.name);
        if !containers.is_empty() {
            let mut arguments = vec!["rm", "--force", "--volumes"];
            arguments.extend(containers.iter().map(String::as_str));
            let _ = docker_output(&arguments);
        }
        if !networks.is_empty() {
            let mut arguments = vec!["network", "rm"];
            arguments.extend(networks.iter().map(String::as_str));
            let _ = docker_output(&arguments);
        }
        if !volumes.is_empty() {
            let mut arguments = vec!["volume", "rm", "--force"];
            arguments.extend(volumes.iter().map(String::as_str));
            let _ = docker_output(&arguments);
        }
    }
}

/// A project on disk (`compose.yaml` in a temporary directory, `IMAGE` replaced by the
/// test image) and its guard.
pub struct Stack {
    pub guard: ProjectGuard,
    pub directory: tempfile::TempDir,
}

impl Stack {
    pub fn new(prefix: &str, compose: &str) -> Self {
        let guard = ProjectGuard::unique(prefix);
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(
            directory.path().join("compose.yaml"),
            compose.replace("IMAGE", BUSYBOX_IMAGE),
        )
        .unwrap();
        Self { guard, directory }
    }

    pub fn name(&self) -> &str {
        &self.guard.name
    }

    pub fn compose_file(&self) -> PathBuf {
        self.directory.path().join("compose.yaml")
    }

    /// `program -p <project> -f <compose.yaml> ARGS` in the project's directory, as on a
    /// terminal user's shell: the colour and project variables of the test's environment
    /// removed (colours then follow `--ansi`/the output), no menu, stdin closed.
    pub fn command(&self, program: &std::path::Path, arguments: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.directory.path())
            .args(["-p", self.name(), "-f"])
            .arg(self.compose_file())
            .args(arguments)
            .env_remove("NO_COLOR")
            .env_remove("COMPOSE_ANSI")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_MENU")
            .stdin(std::process::Stdio::null());
        command
    }

    /// The first container of a service: `<project>-<service>-1`.
    pub fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.name())
    }

    /// `docker inspect --format` of that container.
    pub fn inspect(&self, service: &str, format: &str) -> String {
        docker(&["inspect", "--format", format, &self.container(service)])
    }
}

impl Drop for ProjectGuard {
    fn drop(&mut self) {
        self.cleanup();
        let leftovers = project_leftovers(&self.name);
        if leftovers != (Vec::new(), Vec::new(), Vec::new()) {
            eprintln!(
                "warning: project `{}` left containers/networks/volumes behind: {leftovers:?}",
                self.name
            );
        }
    }
}
pub mod registry;

/// Runs `command` (its stderr read line by line, stdout dropped), sends it `signal` (`TERM`,
/// `INT`) at the first stderr line for which `at` holds; gives its exit code and every stderr
/// line.
pub fn interrupt_at(
    mut command: Command,
    signal: &str,
    at: impl Fn(&str) -> bool,
) -> (Option<i32>, Vec<String>) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let found = at(&line);
        seen.push(line);
        if found {
            break;
        }
    }
    if !seen.last().is_some_and(|line| at(line)) {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the moment to interrupt never came:\n{}", seen.join("\n"));
    }
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    seen.extend(lines.map(Result::unwrap));
    (child.wait().unwrap().code(), seen)
}

/// Each container counts its runs in its own volume, prints two numbered lines and fails;
/// the engine restarts it five times (at growing intervals from 100 ms).
pub const RESTARTING_STACK: &str = r#"
services:
  flaky:
    image: IMAGE
    scale: 3
    restart: on-failure:5
    command: ["sh", "-c", "n=$$(cat /count/n 2>/dev/null || echo 0); n=$$((n+1)); echo $$n > /count/n; echo run $$n a; echo run $$n b; exit 1"]
    volumes: [/count]
"#;

/// Runs of each container of [`RESTARTING_STACK`].
const RESTARTING_RUNS: usize = 6;

/// Checks a feed of [`RESTARTING_STACK`] (`logs -f` or attached `up`): each container shows
/// every run's lines once, then that run's status line (`(restarting)` but for the last),
/// then the next run.
pub fn assert_each_run_then_its_status(lines: &[String]) {
    let mut shown: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for line in lines {
        let line = line.trim_start_matches("\r\x1b[K");
        let (name, text) = match line.split_once(" | ") {
            Some((prefix, text)) => (prefix.trim_end(), text),
            None => match line.split_once(" exited with code ") {
                Some((name, _)) => (name, &line[name.len() + 1..]),
                None => continue,
            },
        };
        shown
            .entry(name.to_owned())
            .or_default()
            .push(text.to_owned());
    }
    let expected: Vec<String> = (1..=RESTARTING_RUNS)
        .flat_map(|run| {
            let status = if run < RESTARTING_RUNS {
                "exited with code 1 (restarting)"
            } else {
                "exited with code 1"
            };
            [
                format!("run {run} a"),
                format!("run {run} b"),
                status.to_owned(),
            ]
        })
        .collect();
    assert_eq!(shown.len(), 3, "{lines:#?}");
    for (name, runs) in &shown {
        assert_eq!(runs, &expected, "{name}: {shown:#?}");
    }
}
