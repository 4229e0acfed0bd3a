//! `watch` on the real engine: the command runs as a child process (stopped with SIGINT at
//! the end, as a user's Ctrl-C), and every check waits on a condition seen from inside the
//! container (`docker exec`), never on a fixed delay. Edits, deletions and new directories
//! are synced; ignored paths are not; `sync+restart` restarts; `sync+exec` runs its
//! command; a rebuild recreates only its service; a burst of 500 changes is one batch;
//! `initial_sync` copies what changed while nobody watched; configuration errors and a
//! stopped container are explained.

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{
    BUSYBOX_IMAGE, ProjectGuard, docker, docker_output, engine_available, ensure_test_images,
};

/// Long enough for a build and an `up` on a busy machine; conditions usually hold in
/// well under a second.
const WAIT: Duration = Duration::from_secs(90);

/// A project directory with its compose file; removes the images it built on drop (after
/// the project's containers, which the guard removes).
struct Workspace {
    images: Vec<String>,
    guard: ProjectGuard,
    directory: tempfile::TempDir,
}

impl Workspace {
    fn new(prefix: &str, compose: &str) -> Self {
        let guard = ProjectGuard::unique(prefix);
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("compose.yaml"), compose).unwrap();
        Self {
            images: Vec::new(),
            guard,
            directory,
        }
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn file(&self, relative: &str) -> PathBuf {
        self.path().join(relative)
    }

    fn write(&self, relative: &str, content: &str) {
        let path = self.file(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn command(&self, arguments: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dk-compose"));
        command
            .current_dir(self.path())
            .args(["-p", &self.guard.name])
            .args(arguments)
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_FILE")
            .env("COMPOSE_PROGRESS", "plain");
        command
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        self.command(arguments).output().unwrap()
    }

    fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.guard.name)
    }

    /// `sh -c script` in the service's container: (exit code, stdout trimmed).
    fn exec(&self, service: &str, script: &str) -> (i32, String) {
        let output = docker_output(&["exec", &self.container(service), "sh", "-c", script]);
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        )
    }

    fn inspect(&self, service: &str, format: &str) -> String {
        docker(&["inspect", "--format", format, &self.container(service)])
    }

    /// Starts `dk-compose watch` with `arguments`.
    fn watch(&self, arguments: &[&str]) -> WatchProcess {
        let mut command = self.command(&["watch"]);
        command
            .args(arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        WatchProcess::start(command)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        self.guard.cleanup();
        for image in &self.images {
            let _ = docker_output(&["image", "rm", "--force", image]);
        }
    }
}

/// A running `watch`, its stdout and stderr gathered as they come.
struct WatchProcess {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl WatchProcess {
    fn start(mut command: Command) -> Self {
        let mut child = command.spawn().unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut text = output.lock().unwrap();
                    text.push_str(&line);
                    text.push('\n');
                }
            });
        }
        Self { child, output }
    }

    fn text(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until `condition` holds, failing early if `watch` exits.
    fn wait_until(&mut self, what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            if condition() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "watch exited ({status}) while waiting for {what}:\n{}",
                    self.text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; watch printed:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_output(&mut self, needle: &str) {
        let output = Arc::clone(&self.output);
        self.wait_until(&format!("`{needle}` in the output"), || {
            output.lock().unwrap().contains(needle)
        });
    }

    /// Ctrl-C; returns the exit status and everything printed.
    fn interrupt(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "watch did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the reader threads take the last lines.
        let reading = Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&self.output) > 1 && Instant::now() < reading {
            std::thread::sleep(Duration::from_millis(10));
        }
        (status, self.text())
    }
}

impl Drop for WatchProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn sleeper(extra: &str) -> String {
    format!(
        "    image: {BUSYBOX_IMAGE}\n    command: [\"sleep\", \"3600\"]\n    init: true\n{extra}"
    )
}

/// A `web` sleeper whose `section` (`develop`, or the legacy `x-develop`) syncs `./data` to
/// `/app/data` (plus `extra` lines in that rule), with `watch` started and enabled.
fn watching_data(prefix: &str, section: &str, extra: &str) -> (Workspace, WatchProcess) {
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(&format!(
            "    {section}:\n      watch:\n        - path: ./data\n          action: sync\n          target: /app/data\n{extra}"
        ))
    );
    let workspace = Workspace::new(prefix, &compose);
    std::fs::create_dir(workspace.file("data")).unwrap();
    let mut watch = workspace.watch(&[]);
    watch.wait_for_output("Watch enabled");
    (workspace, watch)
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn edits_deletions_and_directories_are_synced_ignored_paths_are_not() {
    if !engine_available() {
        return;
    }
    let (workspace, mut watch) = watching_data(
        "watch-sync",
        "develop",
        "          ignore: ['*.foo', ./ignored]\n",
    );

    workspace.write("data/hello.txt", "hello");
    watch.wait_until("hello.txt in the container", || {
        workspace.exec("web", "cat /app/data/hello.txt").1 == "hello"
    });
    workspace.write("data/hello.txt", "hello watch");
    watch.wait_until("the edit in the container", || {
        workspace.exec("web", "cat /app/data/hello.txt").1 == "hello watch"
    });

    // Modes are kept.
    workspace.write("data/run.sh", "#!/bin/sh\necho ran\n");
    std::fs::set_permissions(
        workspace.file("data/run.sh"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    watch.wait_until("run.sh with its mode", || {
        workspace.exec("web", "stat -c %a /app/data/run.sh").1 == "750"
    });

    std::fs::remove_file(workspace.file("data/hello.txt")).unwrap();
    watch.wait_until("hello.txt removed", || {
        workspace.exec("web", "test -e /app/data/hello.txt").0 == 1
    });

    // Files in a new directory, written right after it was made.
    std::fs::create_dir_all(workspace.file("data/sub/deeper")).unwrap();
    workspace.write("data/sub/deeper/file.txt", "deep");
    watch.wait_until("a file in a new directory", || {
        workspace.exec("web", "cat /app/data/sub/deeper/file.txt").1 == "deep"
    });
    std::fs::remove_dir_all(workspace.file("data/sub")).unwrap();
    watch.wait_until("the directory removed", || {
        workspace.exec("web", "test -e /app/data/sub").0 == 1
    });

    // Ignored paths, then a sentinel: once the sentinel is there, the ignored files would
    // have been too.
    workspace.write("data/skip.foo", "ignored");
    workspace.write("data/ignored/inside.txt", "ignored");
    workspace.write("data/.hidden.txt.swp", "editor");
    workspace.write("data/sentinel.txt", "flushed");
    watch.wait_until("the sentinel", || {
        workspace.exec("web", "cat /app/data/sentinel.txt").1 == "flushed"
    });
    for path in [
        "/app/data/skip.foo",
        "/app/data/ignored",
        "/app/data/.hidden.txt.swp",
    ] {
        assert_eq!(
            workspace.exec("web", &format!("test -e {path}")).0,
            1,
            "{path} was synced"
        );
    }

    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130), "{output}");
    assert!(
        output.contains("Syncing service \"web\" after 1 changes were detected"),
        "{output}"
    );
    // Stopping watch leaves the stack running, as the reference does.
    assert_eq!(workspace.inspect("web", "{{.State.Running}}"), "true");
}

#[test]
fn sync_restart_restarts_and_sync_exec_runs_its_command() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(concat!(
            "    develop:\n      watch:\n",
            "        - path: ./config\n          action: sync+restart\n          target: /app/config\n",
            "        - path: ./hooks\n          action: sync+exec\n          target: /app/hooks\n",
            "          exec:\n            command: [\"sh\", \"-c\", \"cat /app/hooks/*; echo HOOK-$$GREETING\"]\n",
            "            environment: {GREETING: done}\n",
        ))
    );
    let workspace = Workspace::new("watch-restart", &compose);
    std::fs::create_dir(workspace.file("config")).unwrap();
    std::fs::create_dir(workspace.file("hooks")).unwrap();
    let mut watch = workspace.watch(&[]);
    watch.wait_for_output("Watch enabled");
    let started = workspace.inspect("web", "{{.State.StartedAt}}");
    let id = workspace.inspect("web", "{{.Id}}");

    workspace.write("config/app.conf", "level=debug");
    watch.wait_for_output("service(s) [\"web\"] restarted");
    watch.wait_until("a new start time", || {
        workspace.inspect("web", "{{.State.StartedAt}}") != started
    });
    assert_eq!(
        workspace.exec("web", "cat /app/config/app.conf").1,
        "level=debug"
    );
    assert_eq!(
        workspace.inspect("web", "{{.Id}}"),
        id,
        "restarted, not recreated"
    );

    workspace.write("hooks/payload.txt", "payload-synced\n");
    watch.wait_for_output("HOOK-done");
    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130));
    // The command ran after the sync.
    assert!(output.contains("payload-synced\nHOOK-done"), "{output}");
    assert_eq!(count(&output, "restarted"), 1, "{output}");
}

#[test]
fn rebuild_recreates_only_its_service_and_restarts_dependents() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        concat!(
            "services:\n",
            "  app:\n    build: ./app\n    command: [\"sleep\", \"3600\"]\n    init: true\n",
            "    develop:\n      watch:\n        - path: ./app\n          action: rebuild\n",
            "  follower:\n{follower}",
            "  other:\n{other}",
        ),
        follower =
            sleeper("    depends_on:\n      app: {condition: service_started, restart: true}\n"),
        other = sleeper(""),
    );
    let mut workspace = Workspace::new("watch-rebuild", &compose);
    workspace
        .images
        .push(format!("{}-app", workspace.guard.name));
    workspace.write(
        "app/Dockerfile",
        &format!("FROM {BUSYBOX_IMAGE}\nCOPY version.txt /version.txt\n"),
    );
    workspace.write("app/version.txt", "one");
    let mut watch = workspace.watch(&[]);
    watch.wait_for_output("Watch enabled");
    assert_eq!(workspace.exec("app", "cat /version.txt").1, "one");
    let app_id = workspace.inspect("app", "{{.Id}}");
    let other_id = workspace.inspect("other", "{{.Id}}");
    let other_started = workspace.inspect("other", "{{.State.StartedAt}}");
    let follower_id = workspace.inspect("follower", "{{.Id}}");
    let follower_started = workspace.inspect("follower", "{{.State.StartedAt}}");

    workspace.write("app/version.txt", "two");
    watch.wait_until("the rebuilt image in a new container", || {
        workspace.exec("app", "cat /version.txt").1 == "two"
    });
    watch.wait_until("the follower restarted", || {
        workspace.inspect("follower", "{{.State.StartedAt}}") != follower_started
    });
    assert_ne!(workspace.inspect("app", "{{.Id}}"), app_id);
    assert_eq!(workspace.inspect("other", "{{.Id}}"), other_id);
    assert_eq!(
        workspace.inspect("other", "{{.State.StartedAt}}"),
        other_started
    );
    assert_eq!(workspace.inspect("follower", "{{.Id}}"), follower_id);
    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130));
    assert!(
        output.contains("Rebuilding service(s) [\"app\"] after changes were detected...")
            && output.contains("service(s) [\"app\"] successfully built"),
        "{output}"
    );
    // `--prune` (the default) removed the image the first container ran.
    let dangling = docker(&[
        "images",
        "-q",
        "--filter",
        "dangling=true",
        "--filter",
        &format!("label={}", workspace.guard.label()),
    ]);
    assert_eq!(dangling, "", "{output}");
}

#[test]
fn a_burst_of_500_changes_is_one_sync_batch() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(
            "    develop:\n      watch:\n        - path: ./data\n          action: sync\n          target: /app/data\n"
        )
    );
    let workspace = Workspace::new("watch-burst", &compose);
    std::fs::create_dir(workspace.file("data")).unwrap();
    // `--no-up` watches a stack that is already up.
    let up = workspace.ours(&["up", "-d"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let mut watch = workspace.watch(&["--no-up"]);
    watch.wait_for_output("Watch enabled");
    for index in 0..500 {
        std::fs::write(
            workspace.file(&format!("data/file-{index:03}.txt")),
            format!("{index}"),
        )
        .unwrap();
    }
    watch.wait_until("500 files in the container", || {
        workspace.exec("web", "ls /app/data | wc -l").1 == "500"
    });
    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130));
    assert_eq!(count(&output, "Syncing service"), 1, "{output}");
    assert!(
        output.contains("Syncing service \"web\" after 500 changes were detected"),
        "{output}"
    );
}

#[test]
fn initial_sync_copies_what_changed_while_nobody_watched() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(
            "    develop:\n      watch:\n        - path: ./data\n          action: sync\n          target: /app/data\n          initial_sync: true\n          ignore: ['*.tmp']\n"
        )
    );
    let workspace = Workspace::new("watch-initial", &compose);
    std::fs::create_dir(workspace.file("data")).unwrap();
    let up = workspace.ours(&["up", "-d"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    // Written while no watch runs.
    workspace.write("data/offline.txt", "written offline");
    workspace.write("data/nested/also.txt", "nested");
    workspace.write("data/scratch.tmp", "ignored");
    let mut watch = workspace.watch(&["--no-up"]);
    watch.wait_until("offline.txt in the container", || {
        workspace.exec("web", "cat /app/data/offline.txt").1 == "written offline"
    });
    assert_eq!(
        workspace.exec("web", "cat /app/data/nested/also.txt").1,
        "nested"
    );
    watch.wait_for_output("Watch enabled");
    assert_eq!(workspace.exec("web", "test -e /app/data/scratch.tmp").0, 1);
    let (status, _) = watch.interrupt();
    assert_eq!(status.code(), Some(130));
}

#[test]
fn a_stopped_container_is_explained() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(
            "    develop:\n      watch:\n        - path: ./data\n          action: sync\n          target: /app/data\n"
        )
    );
    let workspace = Workspace::new("watch-stopped", &compose);
    workspace.write("data/old.txt", "old");
    let up = workspace.ours(&["up", "-d"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    docker(&["stop", "-t", "0", &workspace.container("web")]);
    let mut watch = workspace.watch(&["--no-up"]);
    watch.wait_for_output("Watch enabled");
    std::fs::remove_file(workspace.file("data/old.txt")).unwrap();
    watch.wait_for_output("is exited, not running: cannot delete `/app/data/old.txt`");
    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130));
    assert!(
        output.contains("start it with `dk-compose start web`"),
        "{output}"
    );
}

#[test]
fn configuration_errors_are_explained_before_anything_starts() {
    let workspace = Workspace::new(
        "watch-errors",
        &format!(
            "services:\n  plain:\n{}  nobuild:\n{}",
            sleeper(""),
            sleeper(
                "    develop:\n      watch:\n        - path: ./src\n          action: rebuild\n"
            )
        ),
    );
    let output = workspace.ours(&["watch", "plain"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "none of the selected services is configured for watch, consider setting a 'develop' section"
    );
    let output = workspace.ours(&["watch", "nobuild"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "can't watch service `nobuild` with action `rebuild` without a build context"
        ),
    );
    let output = workspace.ours(&["watch", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no such service: `nope`"));
    // Nothing was created.
    let (containers, networks, _) = support::project_leftovers(&workspace.guard.name);
    assert!(containers.is_empty() && networks.is_empty());
}

/// `up --watch --dry-run` ends as the reference's attached `up` under `--dry-run` does: its
/// closing line, exit 0, no watching (only `watch --dry-run` watches), nothing created.
#[test]
fn dry_run_up_watch_ends_as_the_reference_without_watching() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(
            "    develop:\n      watch:\n        - {path: ./data, action: sync, target: /data}\n"
        )
    );
    let workspace = Workspace::new("watch-up-dryrun", &compose);
    std::fs::create_dir(workspace.file("data")).unwrap();
    let output = workspace.ours(&["--dry-run", "up", "--watch"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with(
            "end of 'compose up' output, interactive run is not supported in dry-run mode\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("Watch enabled"), "{stdout}");
    let (containers, networks, volumes) = support::project_leftovers(&workspace.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

/// `--dry-run`: watching goes on as the reference's does, every action announced and none
/// carried out (the `--dry-run` tests of the other commands are in `up_down.rs`).
#[test]
fn dry_run_watch_announces_actions_and_carries_out_none() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let compose = format!(
        "services:\n  web:\n{}",
        sleeper(concat!(
            "    develop:\n      watch:\n",
            "        - path: ./data\n          action: sync\n          target: /app/data\n",
            "        - path: ./config\n          action: sync+restart\n          target: /app/config\n",
        ))
    );
    let workspace = Workspace::new("watch-dryrun", &compose);
    std::fs::create_dir(workspace.file("data")).unwrap();
    std::fs::create_dir(workspace.file("config")).unwrap();
    let up = workspace.ours(&["up", "-d"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let state = || workspace.inspect("web", "{{.Id}} {{.State.StartedAt}}");
    let before = state();

    let mut watch = workspace.watch(&["--dry-run"]);
    watch.wait_for_output("Watch enabled");
    workspace.write("data/hello.txt", "hello");
    watch.wait_for_output("Syncing service \"web\" after 1 changes were detected");
    workspace.write("config/app.conf", "level=debug");
    watch.wait_for_output("service(s) [\"web\"] restarted");
    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130), "{output}");
    assert!(
        output.contains(&format!(
            " DRY-RUN MODE -  Container {}  Running",
            workspace.container("web")
        )),
        "{output}"
    );
    assert_eq!(state(), before, "the container was restarted or recreated");
    assert_eq!(
        workspace
            .exec("web", "ls /app/data/hello.txt /app/config/app.conf")
            .0,
        1,
        "files were synced"
    );
}

/// The legacy `x-develop` key still works, with the reference's deprecation warning; its
/// relative paths are taken from the project directory.
#[test]
fn legacy_x_develop_is_watched_with_a_deprecation_warning() {
    if !engine_available() {
        return;
    }
    let (workspace, mut watch) = watching_data("watch-legacy", "x-develop", "");
    workspace.write("data/legacy.txt", "still synced");
    watch.wait_until("legacy.txt in the container", || {
        workspace.exec("web", "cat /app/data/legacy.txt").1 == "still synced"
    });
    let (status, output) = watch.interrupt();
    assert_eq!(status.code(), Some(130), "{output}");
    assert_eq!(
        count(
            &output,
            "x-develop is DEPRECATED, please use the official `develop` attribute"
        ),
        1,
        "{output}"
    );
}
