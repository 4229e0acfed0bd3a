//! `up -d`, `down`, `create`, `start` on the real engine: dependency conditions, parallel
//! starts, convergence (re-up changes nothing, a change recreates only what changed),
//! scale, orphans, a changed volume (asked, `-y`), `--dry-run`, engine errors, and interop
//! with the reference both ways.
//! Each test has its own project and a guard that removes it even on failure.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{
    BUSYBOX_IMAGE, ProjectGuard, docker, docker_output, engine_available, ensure_test_images,
};

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dk-compose"))
}

fn reference() -> Option<PathBuf> {
    let path = std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    );
    path.exists().then_some(path)
}

/// A project directory with `compose.yaml`, removed on drop.
struct Stack {
    directory: tempfile::TempDir,
    guard: ProjectGuard,
}

impl Stack {
    fn new(prefix: &str, yaml: &str) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let stack = Self {
            directory,
            guard: ProjectGuard::unique(prefix),
        };
        stack.write(yaml);
        stack
    }

    fn write(&self, yaml: &str) {
        let text = yaml.replace("IMAGE", BUSYBOX_IMAGE);
        std::fs::write(self.directory.path().join("compose.yaml"), text).unwrap();
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn run_with(&self, program: &Path, arguments: &[&str]) -> Output {
        Command::new(program)
            .current_dir(self.path())
            .args(["-p", &self.guard.name, "--progress", "plain"])
            .args(arguments)
            .output()
            .unwrap()
    }

    /// Runs dk-compose; panics unless it succeeds.
    fn ours(&self, arguments: &[&str]) -> String {
        let output = self.run_with(&binary(), arguments);
        assert!(
            output.status.success(),
            "dk-compose {arguments:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    fn reference(&self, program: &Path, arguments: &[&str]) -> String {
        let output = self.run_with(program, arguments);
        assert!(
            output.status.success(),
            "reference {arguments:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `name id` of every container of the project, sorted.
    fn containers(&self) -> Vec<String> {
        let listing = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label={}", self.guard.label()),
            "--format",
            "{{.Names}} {{.ID}}",
        ]);
        let mut lines: Vec<String> = listing.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    }

    fn container_names(&self) -> Vec<String> {
        self.containers()
            .iter()
            .filter_map(|line| line.split(' ').next().map(str::to_owned))
            .collect()
    }

    fn name(&self, service: &str, number: u32) -> String {
        format!("{}-{service}-{number}", self.guard.name)
    }
}

/// `State.StartedAt` and `State.FinishedAt` of a container, as engine timestamps.
fn times(container: &str) -> (String, String) {
    let text = docker(&[
        "inspect",
        "--format",
        "{{.State.StartedAt}} {{.State.FinishedAt}}",
        container,
    ]);
    let (started, finished) = text.split_once(' ').unwrap();
    (started.to_owned(), finished.to_owned())
}

fn ready() -> bool {
    if !engine_available() {
        return false;
    }
    ensure_test_images();
    true
}

#[test]
fn healthy_and_completed_conditions_order_the_starts() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "conditions",
        "
services:
  db:
    image: IMAGE
    healthcheck: {test: [CMD, 'true'], interval: 1s, start_period: 0s}
  init:
    image: IMAGE
    command: [sh, -c, 'sleep 1']
  web:
    image: IMAGE
    depends_on:
      db: {condition: service_healthy}
      init: {condition: service_completed_successfully}
  side:
    image: IMAGE
    depends_on: [db]
",
    );
    stack.ours(&["up", "-d"]);
    let (web_started, _) = times(&stack.name("web", 1));
    let (_, init_finished) = times(&stack.name("init", 1));
    let (db_started, _) = times(&stack.name("db", 1));
    let (side_started, _) = times(&stack.name("side", 1));
    // RFC 3339 with nanoseconds and the same zone: text order is time order.
    assert!(
        web_started > init_finished,
        "{web_started} <= {init_finished}"
    );
    assert!(web_started > db_started);
    assert!(side_started > db_started);
    let health = docker(&[
        "inspect",
        "--format",
        "{{.State.Health.Status}}",
        &stack.name("db", 1),
    ]);
    assert_eq!(health, "healthy");
}

#[test]
fn a_failed_one_shot_dependency_is_named_with_its_exit_code() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "failing",
        "
services:
  init: {image: IMAGE, command: [sh, -c, 'exit 4']}
  web:
    image: IMAGE
    depends_on: {init: {condition: service_completed_successfully}}
",
    );
    let output = stack.run_with(&binary(), &["up", "-d"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("service \"init\" didn't complete successfully: exit 4"),
        "{stderr}"
    );
    // web was created but never started.
    let state = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}}",
        &stack.name("web", 1),
    ]);
    assert_eq!(state, "created");
}

#[test]
fn independent_services_start_concurrently() {
    if !ready() {
        return;
    }
    let services: Vec<String> = (0..6)
        .map(|index| format!("  s{index}: {{image: IMAGE}}"))
        .collect();
    let services = services.join("\n");
    let stack = Stack::new("parallel", &format!("services:\n{services}"));
    let output = stack.ours(&["up", "-d"]);
    // Every container is being created before the first one is started: the starts do not
    // wait for each other.
    let lines: Vec<&str> = output.lines().collect();
    let last_creating = lines
        .iter()
        .rposition(|line| line.ends_with("Creating"))
        .unwrap();
    let first_started = lines
        .iter()
        .position(|line| line.ends_with("Started"))
        .unwrap();
    assert!(
        last_creating < first_started,
        "creations were serialised with starts:\n{output}"
    );
}

#[test]
fn re_up_changes_nothing_and_a_change_recreates_only_that_service() {
    if !ready() {
        return;
    }
    let yaml = "
services:
  a: {image: IMAGE}
  b: {image: IMAGE, environment: {LEVEL: one}}
";
    let stack = Stack::new("converge", yaml);
    stack.ours(&["up", "-d"]);
    let before = stack.containers();
    stack.ours(&["up", "-d"]);
    assert_eq!(stack.containers(), before, "re-up changed containers");
    stack.write(&yaml.replace("one", "two"));
    let dry = stack.ours(&["--dry-run", "up", "-d"]);
    assert!(dry.contains("config hash changed"), "{dry}");
    let output = stack.ours(&["up", "-d"]);
    assert!(output.contains("Recreated"), "{output}");
    let after = stack.containers();
    assert_eq!(after[0], before[0], "service a was recreated");
    assert_ne!(after[1], before[1], "service b was not recreated");
    assert_eq!(after.len(), 2);
    let environment = docker(&[
        "inspect",
        "--format",
        "{{.Config.Env}}",
        &stack.name("b", 1),
    ]);
    assert!(environment.contains("LEVEL=two"), "{environment}");
}

#[test]
fn scale_up_and_down_and_orphans() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "scale",
        "
services:
  web: {image: IMAGE}
  old: {image: IMAGE}
",
    );
    stack.ours(&["up", "-d", "--scale", "web=3"]);
    assert_eq!(stack.container_names().len(), 4);
    stack.ours(&["up", "-d", "--scale", "web=1"]);
    assert_eq!(
        stack.container_names(),
        [stack.name("old", 1), stack.name("web", 1)]
    );
    stack.write("services:\n  web: {image: IMAGE}\n");
    let output = stack.ours(&["up", "-d"]);
    assert!(output.contains("Found orphan containers"), "{output}");
    assert!(output.contains(&stack.name("old", 1)));
    assert_eq!(stack.container_names().len(), 2);
    stack.ours(&["up", "-d", "--remove-orphans"]);
    assert_eq!(stack.container_names(), [stack.name("web", 1)]);
}

/// `dk-compose <arguments>` with one environment variable set: (exit code, stderr).
fn ours_with_env(
    stack: &Stack,
    variable: (&str, &str),
    arguments: &[&str],
) -> (Option<i32>, String) {
    let output = Command::new(binary())
        .current_dir(stack.path())
        .args(["-p", &stack.guard.name, "--progress", "plain"])
        .args(arguments)
        .env(variable.0, variable.1)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// As the reference: `down` keeps the network an orphan still uses (`Resource is still in
/// use`, exit 0, no orphan warning), and `COMPOSE_REMOVE_ORPHANS` is `--remove-orphans` for
/// `up` and `down`.
#[test]
fn orphans_keep_their_network_on_down_and_compose_remove_orphans_removes_them() {
    if !ready() {
        return;
    }
    let both = "services:\n  web: {image: IMAGE, command: [sleep, '300'], init: true}\n  old: {image: IMAGE, command: [sleep, '300'], init: true}\n";
    let web_only = "services:\n  web: {image: IMAGE, command: [sleep, '300'], init: true}\n";
    let stack = Stack::new("orphan-env", both);
    let network = format!("{}_default", stack.guard.name);
    stack.ours(&["up", "-d"]);
    stack.write(web_only);
    let (code, _, stderr) = ours_output(&stack, &["down"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("Network {network}  Resource is still in use")),
        "{stderr}"
    );
    assert!(!stderr.contains("Found orphan"), "{stderr}");
    assert_eq!(stack.container_names(), [stack.name("old", 1)]);
    assert!(
        docker_output(&["network", "inspect", &network])
            .status
            .success()
    );

    let (code, stderr) = ours_with_env(&stack, ("COMPOSE_REMOVE_ORPHANS", "1"), &["up", "-d"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stack.container_names(), [stack.name("web", 1)]);

    stack.write(both);
    stack.ours(&["up", "-d"]);
    stack.write(web_only);
    let (code, stderr) = ours_with_env(&stack, ("COMPOSE_REMOVE_ORPHANS", "TRUE"), &["down"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stack.container_names().is_empty(), "{stderr}");
    assert!(
        !docker_output(&["network", "inspect", &network])
            .status
            .success()
    );
}

#[test]
fn down_removes_containers_networks_and_volumes() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "down",
        "
services:
  web: {image: IMAGE, volumes: [data:/data], networks: [back]}
  db: {image: IMAGE, networks: [back]}
networks:
  back: {}
volumes:
  data: {}
",
    );
    stack.ours(&["up", "-d"]);
    stack.ours(&["down"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty());
    assert_eq!(volumes.len(), 1, "down without -v keeps volumes");
    stack.ours(&["up", "-d"]);
    stack.ours(&["down", "-v"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

#[test]
fn down_works_with_only_a_project_name() {
    if !ready() {
        return;
    }
    let stack = Stack::new("nofile", "services:\n  web: {image: IMAGE}\n");
    stack.ours(&["up", "-d"]);
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(binary())
        .current_dir(empty.path())
        .args(["-p", &stack.guard.name, "--progress", "plain", "down"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (containers, networks, _) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty());
}

#[test]
fn create_then_start() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "createstart",
        "
services:
  db: {image: IMAGE}
  web: {image: IMAGE, depends_on: [db]}
",
    );
    stack.ours(&["create"]);
    let state = |service: &str| {
        docker(&[
            "inspect",
            "--format",
            "{{.State.Status}}",
            &stack.name(service, 1),
        ])
    };
    assert_eq!(state("web"), "created");
    stack.ours(&["start"]);
    assert_eq!(state("web"), "running");
    assert_eq!(state("db"), "running");
}

#[test]
fn dry_run_creates_nothing() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "dryrun",
        "services:\n  web: {image: IMAGE, volumes: [data:/d]}\nvolumes:\n  data: {}\n",
    );
    let output = stack.ours(&["--dry-run", "up", "-d"]);
    assert!(output.contains("create container"), "{output}");
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

#[test]
fn errors_before_anything_is_created() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "missing",
        "
services:
  web: {image: IMAGE}
  ghost: {image: dk-compose-test/does-not-exist:1}
",
    );
    let output = stack.run_with(&binary(), &["up", "-d"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("service `ghost`") && stderr.contains("dk-compose-test/does-not-exist:1"),
        "{stderr}"
    );
    stack.write(
        "services:\n  web: {image: IMAGE, networks: [outside]}\nnetworks:\n  outside: {external: true, name: dkt-no-such-network}\n",
    );
    let output = stack.run_with(&binary(), &["up", "-d"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("dkt-no-such-network"));
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

#[test]
fn an_engine_refusal_names_the_service() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "refusal",
        "services:\n  web: {image: IMAGE, cpuset: '999'}\n",
    );
    let output = stack.run_with(&binary(), &["up", "-d"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("service `web`"), "{stderr}");
}

#[test]
fn unreachable_engine_is_one_line() {
    let stack = Stack::new("unreachable", "services:\n  web: {image: busybox}\n");
    let output = Command::new(binary())
        .current_dir(stack.path())
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .args(["up", "-d"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unix:///nonexistent.sock"), "{stderr}");
    // The other commands name the address on their first line too.
    for command in [
        &["down"][..],
        &["ps"],
        &["stop"],
        &["--dry-run", "rm", "-f"],
    ] {
        let output = Command::new(binary())
            .current_dir(stack.path())
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .args(command)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {stderr}");
        assert!(
            stderr
                .lines()
                .next()
                .is_some_and(|line| line.contains("unix:///nonexistent.sock")),
            "{command:?}: {stderr}"
        );
    }
}

#[test]
fn interop_with_the_reference_both_ways() {
    if !ready() {
        return;
    }
    let Some(reference) = reference() else {
        return;
    };
    let yaml = "
services:
  db:
    image: IMAGE
    healthcheck: {test: [CMD, 'true'], interval: 1s}
  web:
    image: IMAGE
    environment: {MODE: test}
    depends_on: {db: {condition: service_healthy}}
    volumes: [data:/data]
    networks: [default, back]
networks:
  back:
    attachable: true
    labels: {tier: back}
volumes:
  data:
    labels: {kept: 'yes'}
";
    // Ours up, the reference sees it, recreates nothing (containers, and networks: same
    // config hashes), and takes it down.
    let stack = Stack::new("interop", yaml);
    let network_ids = || {
        docker(&[
            "network",
            "ls",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("label={}", stack.guard.label()),
        ])
    };
    stack.ours(&["up", "-d"]);
    let before = (stack.containers(), network_ids());
    let listing = stack.reference(&reference, &["ps", "--format", "{{.Name}}"]);
    assert!(listing.contains(&stack.name("web", 1)), "{listing}");
    stack.reference(&reference, &["up", "-d"]);
    assert_eq!(
        (stack.containers(), network_ids()),
        before,
        "the reference recreated our containers or networks"
    );
    stack.reference(&reference, &["down", "-v"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());

    // The reference up, ours lists it, recreates nothing and takes it down.
    stack.reference(&reference, &["up", "-d"]);
    let before = (stack.containers(), network_ids());
    let listing = stack.ours(&["ps", "--format", "{{.Name}}"]);
    assert!(
        listing.contains(&stack.name("web", 1)) && listing.contains(&stack.name("db", 1)),
        "{listing}"
    );
    let output = stack.ours(&["--dry-run", "up", "-d"]);
    assert!(
        !output.contains("create container") && !output.contains("network"),
        "{output}"
    );
    stack.ours(&["up", "-d"]);
    assert_eq!(
        (stack.containers(), network_ids()),
        before,
        "we recreated the reference's containers or networks"
    );
    stack.ours(&["down", "-v"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

/// Everything of the project the engine has, with ids and start times: any change shows.
fn engine_state(stack: &Stack) -> String {
    let label = format!("label={}", stack.guard.label());
    let containers = docker(&["ps", "-aq", "--filter", &label]);
    let mut lines = Vec::new();
    for id in containers.lines() {
        lines.push(docker(&[
            "inspect",
            "--format",
            "{{.Name}} {{.Id}} {{.State.Status}} {{.State.StartedAt}} {{.State.FinishedAt}}",
            id,
        ]));
    }
    lines.sort();
    lines.push(docker(&["network", "ls", "-q", "--filter", &label]));
    lines.push(docker(&["volume", "ls", "-q", "--filter", &label]));
    lines.join("\n")
}

#[test]
fn dry_run_commands_leave_the_state_unchanged() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "dryall",
        "
services:
  db: {image: IMAGE, volumes: [data:/data]}
  web: {image: IMAGE, depends_on: [db]}
volumes:
  data: {}
",
    );
    stack.ours(&["up", "-d"]);
    let running = engine_state(&stack);
    for arguments in [
        &["stop"][..],
        &["kill"],
        &["rm", "-s", "-f", "-v"],
        &["restart"],
        &["pause"],
        &["start"],
        &["create", "--force-recreate"],
        &["up", "-d", "--force-recreate"],
        &["down", "-v", "--rmi", "all"],
    ] {
        let mut with_flag = vec!["--dry-run"];
        with_flag.extend_from_slice(arguments);
        let output = stack.ours(&with_flag);
        assert!(
            output.contains("DRY-RUN MODE"),
            "{arguments:?} printed no dry-run lines:\n{output}"
        );
        assert_eq!(
            engine_state(&stack),
            running,
            "--dry-run {arguments:?} changed the engine state"
        );
    }
    // The same on paused, then on stopped containers.
    stack.ours(&["pause"]);
    let paused = engine_state(&stack);
    let output = stack.ours(&["--dry-run", "unpause"]);
    assert!(output.contains("DRY-RUN MODE"), "{output}");
    assert_eq!(engine_state(&stack), paused, "--dry-run unpause");
    stack.ours(&["unpause"]);
    stack.ours(&["stop"]);
    let stopped = engine_state(&stack);
    for arguments in [
        &["start"][..],
        &["rm", "-f"],
        &["up", "-d"],
        &["restart"],
        &["down"],
    ] {
        let mut with_flag = vec!["--dry-run"];
        with_flag.extend_from_slice(arguments);
        let output = stack.ours(&with_flag);
        assert!(output.contains("DRY-RUN MODE"), "{arguments:?}:\n{output}");
        assert_eq!(
            engine_state(&stack),
            stopped,
            "--dry-run {arguments:?} changed the engine state"
        );
    }
}

fn health(container: &str) -> String {
    docker(&[
        "inspect",
        "--format",
        "{{if .State.Health}}{{.State.Health.Status}}{{end}} {{.State.Status}} {{.State.ExitCode}}",
        container,
    ])
}

#[test]
fn wait_returns_once_healthy_and_counts_a_completed_one_shot_as_done() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "waitok",
        "
services:
  db:
    image: IMAGE
    healthcheck: {test: [CMD, 'true'], interval: 1s}
  plain: {image: IMAGE}
  quick: {image: IMAGE, command: ['true']}
  job:
    image: IMAGE
    command: [sh, -c, 'sleep 1']
    # Never healthy: the wait can only end by the exit, whatever the timing.
    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1000}
",
    );
    stack.ours(&["up", "-d", "--wait"]);
    assert_eq!(health(&stack.name("db", 1)), "healthy running 0");
    assert_eq!(health(&stack.name("plain", 1)), "running 0");
    // docker/compose#10596: the reference fails here (`container job-1 exited (0)`).
    let job = health(&stack.name("job", 1));
    assert!(job.ends_with("exited 0"), "{job}");
}

#[test]
fn wait_fails_on_unhealthy_on_a_failed_exit_and_on_timeout() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "waitbad",
        "
services:
  sick:
    image: IMAGE
    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1}
",
    );
    let output = stack.run_with(&binary(), &["up", "-d", "--wait"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("container {} is unhealthy", stack.name("sick", 1))),
        "{stderr}"
    );

    // The healthcheck never passes, so the wait sees the exit whatever the timing.
    stack.write(
        "
services:
  job:
    image: IMAGE
    command: [sh, -c, 'sleep 1; exit 3']
    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1000}
",
    );
    let output = stack.run_with(&binary(), &["up", "-d", "--wait", "--remove-orphans"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("container {} exited (3)", stack.name("job", 1))),
        "{stderr}"
    );

    // Never healthy within the time given: the health stays `starting` (1000 retries).
    stack.write(
        "
services:
  slow:
    image: IMAGE
    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1000}
",
    );
    let output = stack.run_with(
        &binary(),
        &[
            "up",
            "-d",
            "--wait",
            "--wait-timeout",
            "2",
            "--remove-orphans",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("application not healthy after 2s"),
        "{stderr}"
    );
    assert_eq!(health(&stack.name("slow", 1)), "starting running 0");
}

#[test]
fn ctrl_c_during_up_stops_cleanly_and_leaves_only_labelled_resources() {
    if !ready() {
        return;
    }
    let slow = "
services:
  db:
    image: IMAGE
    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1000}
  web:
    image: IMAGE
    depends_on: {db: {condition: service_healthy}}
";
    let stack = Stack::new("sigint", slow);
    // Interrupt once the wait for `db` to be healthy is under way (it never will be).
    let db = stack.name("db", 1);
    let (code, seen) = interrupt_up(&stack, &[], "INT", |line| {
        line.contains(&db) && line.ends_with("Waiting")
    });
    assert_eq!(code, Some(130), "{}", seen.join("\n"));

    // Whatever exists under the project's names carries the project's labels.
    let by_name = |kind: &str| {
        let listing = docker(&[
            kind,
            "ls",
            "-a",
            "--filter",
            &format!("name={}", stack.guard.name),
            "--format",
            "{{.Names}}",
        ]);
        listing.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    let named_containers = by_name("container");
    assert_eq!(named_containers.len(), 2, "{named_containers:?}");
    let (labelled_containers, labelled_networks, _) = support::project_leftovers(&stack.guard.name);
    assert_eq!(labelled_containers.len(), named_containers.len());
    let named_networks = docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("name={}_", stack.guard.name),
    ]);
    assert_eq!(named_networks.lines().count(), labelled_networks.len());
    // `web` was created, never started.
    let state = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}}",
        &stack.name("web", 1),
    ]);
    assert_eq!(state, "created");

    // A new `up` converges (the healthcheck now passes: only db is recreated), `down`
    // removes everything.
    stack.write(&slow.replace(
        "'false'], interval: 1s, retries: 1000",
        "'true'], interval: 1s",
    ));
    stack.ours(&["up", "-d"]);
    let state = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}}",
        &stack.name("web", 1),
    ]);
    assert_eq!(state, "running");
    stack.ours(&["down"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

/// Runs `up -d` (after the global flags `globals`), sends it `signal` at the first progress
/// line for which `at` holds; gives its exit code and every progress line.
fn interrupt_up(
    stack: &Stack,
    globals: &[&str],
    signal: &str,
    at: impl Fn(&str) -> bool,
) -> (Option<i32>, Vec<String>) {
    let mut command = Command::new(binary());
    command
        .current_dir(stack.path())
        .args(["-p", &stack.guard.name, "--progress", "plain"])
        .args(globals)
        .args(["up", "-d"]);
    support::interrupt_at(command, signal, at)
}

/// `count` services that sleep until stopped.
fn many_services(count: usize) -> String {
    (0..count).fold(String::from("services:\n"), |yaml, number| {
        format!("{yaml}  s{number}: {{image: IMAGE, command: [sleep, '1000'], init: true}}\n")
    })
}

/// `name state` of every container of the project.
fn states(stack: &Stack) -> Vec<String> {
    docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label={}", stack.guard.label()),
        "--format",
        "{{.Names}} {{.State}}",
    ])
    .lines()
    .map(str::to_owned)
    .collect()
}

#[test]
fn sigterm_during_the_create_phase_stops_as_ctrl_c_does_and_a_new_up_converges() {
    const SERVICES: usize = 18;
    if !ready() {
        return;
    }
    let stack = Stack::new("sigterm-create", &many_services(SERVICES));
    // One engine call at a time: the create phase goes on long after the first container
    // is created, so the signal lands in it.
    let (code, seen) = interrupt_up(&stack, &["--parallel", "1"], "TERM", |line| {
        line.starts_with(" Container ") && line.ends_with(" Created")
    });
    // As Ctrl-C and as the reference: 130, and its empty last line.
    assert_eq!(code, Some(130), "{}", seen.join("\n"));
    assert_eq!(seen.last().map(String::as_str), Some(""), "{seen:#?}");
    let states = states(&stack);
    assert!(
        states.len() < SERVICES && !states.is_empty(),
        "creating did not stop at the signal: {states:?}"
    );

    // A new `up -d` converges, `down` leaves nothing.
    stack.ours(&["up", "-d"]);
    let states = self::states(&stack);
    assert_eq!(states.len(), SERVICES, "{states:?}");
    assert!(
        states.iter().all(|line| line.ends_with(" running")),
        "{states:?}"
    );
    stack.ours(&["down", "-t", "0"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(
        containers.is_empty() && networks.is_empty() && volumes.is_empty(),
        "{containers:?} {networks:?} {volumes:?}"
    );
}

#[test]
fn a_network_whose_config_changed_is_recreated_keeping_the_containers() {
    if !ready() {
        return;
    }
    let yaml = "
services:
  web: {image: IMAGE, networks: [back]}
  other: {image: IMAGE}
networks:
  back:
    labels: {tier: one}
";
    let stack = Stack::new("netchange", yaml);
    stack.ours(&["up", "-d"]);
    let network = format!("{}_back", stack.guard.name);
    let network_id = || docker(&["network", "inspect", "--format", "{{.Id}}", &network]);
    let before = (stack.containers(), network_id());
    stack.write(&yaml.replace("tier: one", "tier: two"));
    let output = stack.ours(&["up", "-d"]);
    assert!(
        output.contains("Removed") && output.contains("Created"),
        "{output}"
    );
    assert_eq!(stack.containers(), before.0, "containers were recreated");
    assert_ne!(network_id(), before.1, "the network was not recreated");
    assert_eq!(
        docker(&[
            "network",
            "inspect",
            "--format",
            "{{index .Labels \"tier\"}}",
            &network
        ]),
        "two"
    );
    // Back on the network with its aliases (the reference loses them), and running.
    let web = stack.name("web", 1);
    let attached = docker(&[
        "inspect",
        "--format",
        &format!(
            "{{{{.State.Status}}}} {{{{(index .NetworkSettings.Networks \"{network}\").Aliases}}}}"
        ),
        &web,
    ]);
    assert!(
        attached.starts_with("running [") && attached.contains(" web "),
        "{attached}"
    );
    // Converged: the next `up` changes nothing.
    let dry = stack.ours(&["--dry-run", "up", "-d"]);
    assert!(!dry.contains("network config changed"), "{dry}");
    stack.ours(&["down"]);
    let (containers, networks, _) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty());
}

/// Removes a network and a volume made by hand (no project label, so the guard misses them).
struct HandMade {
    network: String,
    volume: String,
}

impl Drop for HandMade {
    fn drop(&mut self) {
        let _ = support::docker_output(&["network", "rm", &self.network]);
        let _ = support::docker_output(&["volume", "rm", "--force", &self.volume]);
    }
}

#[test]
fn same_name_resources_made_by_hand_are_refused_or_used_as_the_reference_does() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "handmade",
        "services:\n  web: {image: IMAGE, volumes: [data:/data]}\nvolumes:\n  data: {}\n",
    );
    let hand = HandMade {
        network: format!("{}_default", stack.guard.name),
        volume: format!("{}_data", stack.guard.name),
    };
    docker(&["network", "create", &hand.network]);
    docker(&["volume", "create", &hand.volume]);
    // The network: a warning, then a refusal; nothing created, no second network.
    let output = stack.run_with(&binary(), &["up", "-d"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "a network with name {} exists but was not created by compose",
            hand.network
        )) && stderr.contains("has incorrect label com.docker.compose.network set to \"\""),
        "{stderr}"
    );
    assert!(stack.container_names().is_empty());
    let same_name = docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("name={}", hand.network),
    ]);
    assert_eq!(same_name.lines().count(), 1, "a second network was created");
    // The volume: used, with a warning.
    docker(&["network", "rm", &hand.network]);
    let output = stack.ours(&["up", "-d"]);
    assert!(
        output.contains(&format!(
            "volume \"{}\" already exists but was not created by Docker Compose",
            hand.volume
        )),
        "{output}"
    );
    let mounted = docker(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Name}}{{end}}",
        &stack.name("web", 1),
    ]);
    assert_eq!(mounted, hand.volume);
    // `down -v` removes it, as the reference does for the project's volumes.
    stack.ours(&["down", "-v"]);
    let left = docker(&[
        "volume",
        "ls",
        "-q",
        "--filter",
        &format!("name={}", hand.volume),
    ]);
    assert!(left.is_empty(), "{left}");
}

// --- `--dry-run` of the commands beyond up/down/start/stop: each shows what it would do, as
// the reference does, and the engine state (and the files concerned) stays as it was.

/// Exit code, stdout and stderr of dk-compose.
fn ours_output(stack: &Stack, arguments: &[&str]) -> (Option<i32>, String, String) {
    let output = stack.run_with(&binary(), arguments);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `--dry-run <arguments>`: asserts the exit code and that the engine state did not change;
/// stdout and stderr.
fn dry_run(stack: &Stack, arguments: &[&str], code: i32) -> (String, String) {
    let before = engine_state(stack);
    let mut with_flag = vec!["--dry-run"];
    with_flag.extend_from_slice(arguments);
    let (status, stdout, stderr) = ours_output(stack, &with_flag);
    assert_eq!(
        status,
        Some(code),
        "--dry-run {arguments:?}:\n{stdout}{stderr}"
    );
    assert_eq!(
        engine_state(stack),
        before,
        "--dry-run {arguments:?} changed the engine state:\n{stdout}{stderr}"
    );
    (stdout, stderr)
}

fn dry_line(text: &str) -> String {
    format!(" DRY-RUN MODE -  {text}")
}

fn image_exists(image: &str) -> bool {
    support::docker_output(&["image", "inspect", image])
        .status
        .success()
}

#[test]
fn dry_run_run_and_exec_create_and_execute_nothing() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "dryrun-run",
        "
services:
  app: {image: IMAGE, depends_on: [db], volumes: [data:/data]}
  db: {image: IMAGE}
volumes:
  data: {}
",
    );
    let project = stack.guard.name.clone();
    // Nothing exists yet: the reference shows the resources and the dependency, then
    // refuses the attached session.
    let (_, stderr) = dry_run(&stack, &["run", "app", "echo", "hi"], 1);
    let lines: Vec<&str> = stderr.lines().collect();
    for expected in [
        dry_line(&format!("Network {project}_default  Created")),
        dry_line(&format!("Container {project}-db-1  Started")),
        dry_line(&format!("Volume {project}_data  Created")),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "{expected:?} in:\n{stderr}"
        );
    }
    assert_eq!(
        lines.last(),
        Some(&"interactive run is not supported in dry-run mode"),
        "{stderr}"
    );
    // Detached: the name the container would have, last on stdout (after the plan of the
    // dependencies).
    let (stdout, _) = dry_run(&stack, &["run", "-d", "app", "echo", "hi"], 0);
    assert!(
        stdout.contains(&format!("start container {project}-db-1")),
        "{stdout}"
    );
    let name = stdout.lines().last().unwrap_or_default();
    let slug = name
        .strip_prefix(&format!("{project}-app-run-"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        slug.len() == 12 && slug.chars().all(|c| c.is_ascii_hexdigit()),
        "{stdout}"
    );
    let named = format!("{project}-named");
    let (stdout, stderr) = dry_run(
        &stack,
        &["run", "-d", "--no-deps", "--name", &named, "app", "true"],
        0,
    );
    assert_eq!(stdout, format!("{named}\n"));
    assert!(!stderr.contains("Container"), "--no-deps: {stderr}");
    assert!(support::project_leftovers(&project) == (vec![], vec![], vec![]));

    // With the stack up: exec.
    stack.ours(&["up", "-d", "db"]);
    let db = stack.name("db", 1);
    let id = docker(&["inspect", "--format", "{{.Id}}", &db]);
    for arguments in [
        &["exec", "db", "touch", "/x"][..],
        &["exec", "-T", "db", "touch", "/x"],
    ] {
        let (stdout, stderr) = dry_run(&stack, arguments, 1);
        assert_eq!(
            (stdout.as_str(), stderr.as_str()),
            ("", "interactive exec is not supported in dry-run mode\n")
        );
    }
    let (stdout, _) = dry_run(&stack, &["exec", "-d", "db", "touch", "/x"], 0);
    assert_eq!(
        stdout,
        format!(" DRY-RUN MODE - Executing command [\"touch\" \"/x\"] in {id} (detached mode)\n")
    );
    let (_, stderr) = dry_run(&stack, &["exec", "-d", "app", "touch", "/x"], 1);
    assert_eq!(stderr, "service \"app\" is not running\n");
    let (_, stderr) = dry_run(&stack, &["run", "--rm", "-T", "db", "touch", "/x"], 1);
    assert_eq!(stderr, "interactive run is not supported in dry-run mode\n");
    let touched = support::docker_output(&["exec", &db, "ls", "/x"]);
    assert!(
        !touched.status.success(),
        "the command ran in the container"
    );
}

#[test]
fn dry_run_cp_commit_export_write_nothing() {
    if !ready() {
        return;
    }
    let stack = Stack::new("dryrun-cp", "services:\n  web: {image: IMAGE}\n");
    stack.ours(&["up", "-d"]);
    let web = stack.name("web", 1);
    std::fs::write(stack.path().join("local.txt"), "local").unwrap();
    let copying = |text: &str, status: &str| dry_line(&format!("{web} copy {text} {status}"));

    let (_, stderr) = dry_run(&stack, &["cp", "local.txt", "web:/copied.txt"], 0);
    let text = format!("local.txt to {web}:/copied.txt");
    assert_eq!(
        stderr,
        format!(
            "{}\n{}\n",
            copying(&text, "Copying"),
            copying(&text, "Copied")
        )
    );
    let copied = support::docker_output(&["exec", &web, "ls", "/copied.txt"]);
    assert!(
        !copied.status.success(),
        "the file was copied into the container"
    );

    let (_, stderr) = dry_run(&stack, &["cp", "web:/etc/passwd", "./passwd"], 0);
    assert!(
        stderr.ends_with(&format!(
            "{}\n",
            copying(&format!("{web}:/etc/passwd to ./passwd"), "Copied")
        )),
        "{stderr}"
    );
    assert!(
        !stack.path().join("passwd").exists(),
        "the file was copied here"
    );
    let (stdout, _) = dry_run(&stack, &["cp", "web:/etc/passwd", "-"], 0);
    assert_eq!(stdout, "", "an archive was written");

    // What a real copy would refuse is refused (unlike the reference, which fails every
    // copy into a container and none from one).
    let (_, stderr) = dry_run(&stack, &["cp", "web:/nonexistent", "./x"], 1);
    assert!(
        stderr.ends_with(&format!(
            "could not find the file `/nonexistent` in container `{web}`\n"
        )),
        "{stderr}"
    );
    let (_, stderr) = dry_run(&stack, &["cp", "missing.txt", "web:/m"], 1);
    assert!(stderr.contains("missing.txt"), "{stderr}");

    let image = format!("{}-committed:1", stack.guard.name);
    let (_, stderr) = dry_run(&stack, &["commit", "web", &image], 0);
    assert_eq!(
        stderr,
        format!(
            "{}\n{}\n",
            dry_line(&format!("{web} Commit {web} Committing")),
            dry_line(&format!("{web} Commit {web} Committed"))
        )
    );
    assert!(!image_exists(&image), "the image was committed");
    let (_, stderr) = dry_run(&stack, &["commit", "web", "x@sha256:0000"], 1);
    assert!(
        stderr.ends_with("refusing to create a tag with a digest reference\n"),
        "{stderr}"
    );

    let (stdout, stderr) = dry_run(&stack, &["export", "web", "-o", "out.tar"], 0);
    assert_eq!(
        (stdout, stderr),
        (
            String::new(),
            format!(
                "{}\n{}\n",
                dry_line(&format!("{web} export {web} to out.tar Exporting")),
                dry_line(&format!("{web} export {web} to out.tar Exported"))
            )
        )
    );
    assert!(!stack.path().join("out.tar").exists());
}

#[test]
fn dry_run_build_builds_nothing() {
    if !ready() {
        return;
    }
    let stack = Stack::new("dryrun-build", "");
    let image = format!("{}-built:1", stack.guard.name);
    let mut images = support::registry::ImageGuard::new();
    images.track(&image);
    stack.write(&format!(
        "services:\n  app:\n    image: {image}\n    build: {{context: ., tags: [\"{image}-extra\"]}}\n"
    ));
    images.track(format!("{image}-extra"));
    std::fs::write(
        stack.path().join("Dockerfile"),
        format!("FROM {BUSYBOX_IMAGE}\nRUN touch /built\n"),
    )
    .unwrap();
    // The reference's BuildKit dry run: a made-up image named after the service (the hex
    // SHA-1 of `app`), the first tag.
    let (stdout, stderr) = dry_run(&stack, &["build"], 0);
    assert_eq!(
        stderr,
        format!(
            "{}\n{}\n{}\n",
            dry_line("app ==> ==> writing image dryRun-7d1043473d55bfa90e8530d35801d4e381bc69f0 "),
            dry_line(&format!("app ==> ==> naming to {image} ")),
            dry_line("app  Built")
        )
    );
    assert_eq!(stdout, "");
    assert!(!image_exists(&image), "the image was built");
    // The classic builder's dry run.
    let output = Command::new(binary())
        .current_dir(stack.path())
        .args([
            "-p",
            &stack.guard.name,
            "--progress",
            "plain",
            "--dry-run",
            "build",
        ])
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("[app] naming to {image}\n[app] naming to {image}-extra\n")
    );
    assert!(!image_exists(&image), "the image was built");
    // `up --build` shows the build beside the plan, and builds nothing either.
    let (stdout, stderr) = dry_run(&stack, &["up", "-d", "--build"], 0);
    assert!(stderr.contains(&dry_line("app  Built")), "{stderr}");
    assert!(stdout.contains("create container"), "{stdout}");
    assert!(!image_exists(&image), "up --build built the image");
    // The context is read as for a real build: a missing Dockerfile is an error.
    std::fs::remove_file(stack.path().join("Dockerfile")).unwrap();
    let (_, stderr) = dry_run(&stack, &["build"], 1);
    assert!(stderr.contains("Dockerfile"), "{stderr}");
}

#[test]
fn dry_run_pull_and_push_ask_the_registry_and_move_nothing() {
    if !ready() || !support::registry::registry_available() {
        return;
    }
    let registry = support::registry::LocalRegistry::start();
    let mut images = support::registry::ImageGuard::new();
    let stack = Stack::new("dryrun-pull", "");
    let repository = format!("{}/{}", registry.address(), stack.guard.name);
    let present = images.track(format!("{repository}/present:1"));
    docker(&["tag", BUSYBOX_IMAGE, &present]);
    docker(&["push", &present]);
    docker(&["image", "rm", &present]);
    let absent = format!("{repository}/absent:1");
    let built = images.track(format!("{repository}/built:1"));
    stack.write(&format!(
        "services:\n  present: {{image: {present}}}\n  absent: {{image: {absent}}}\n  built: {{image: {built}, build: .}}\n"
    ));

    let (_, stderr) = dry_run(&stack, &["pull", "present"], 0);
    assert_eq!(
        stderr,
        format!(
            "{}\n{}\n",
            dry_line("present Pulling "),
            dry_line("present Pulled ")
        )
    );
    assert!(!image_exists(&present), "the image was pulled");
    // The registry is asked, as by the reference: a missing image fails the dry run.
    let (_, stderr) = dry_run(&stack, &["pull", "absent"], 1);
    assert!(stderr.contains(&dry_line("absent Error")), "{stderr}");
    assert!(
        stderr.contains(&format!("service `absent`: cannot pull image `{absent}`")),
        "{stderr}"
    );

    // Push: the image must exist here (the reference asks the registry, which never has a
    // new tag), and nothing reaches the registry.
    let (_, stderr) = dry_run(&stack, &["push", "built"], 1);
    assert!(
        stderr.contains("An image does not exist locally with the tag"),
        "{stderr}"
    );
    docker(&["tag", BUSYBOX_IMAGE, &built]);
    let (_, stderr) = dry_run(&stack, &["push", "built"], 0);
    assert_eq!(
        stderr,
        format!("{}\n", dry_line(&format!("Pushing {built} Pushed ")))
    );
    let tags = registry.get(&format!("/v2/{}/built/tags/list", stack.guard.name));
    assert!(
        tags.as_ref().is_some_and(|(status, _)| *status == 404),
        "the registry got the image: {tags:?}"
    );
}

#[test]
fn dry_run_wait_down_project_only_shows_the_down() {
    if !ready() {
        return;
    }
    let stack = Stack::new(
        "dryrun-wait",
        "services:\n  quick: {image: IMAGE, command: [sh, -c, 'sleep 1; exit 3']}\n",
    );
    stack.ours(&["up", "-d"]);
    let quick = stack.name("quick", 1);
    let id = docker(&["inspect", "--format", "{{.Id}}", &quick]);
    let mut with_flag = vec!["--dry-run", "wait", "--down-project", "quick"];
    let (status, stdout, stderr) = ours_output(&stack, &with_flag);
    assert_eq!(status, Some(3), "{stdout}{stderr}");
    assert!(
        stdout.starts_with(&format!("container \"{id}\" exited with status code 3\n")),
        "{stdout}"
    );
    assert!(
        stderr.contains(&dry_line(&format!("Container {quick}  Removed")))
            && stderr.contains(&dry_line(&format!(
                "Network {}_default  Removed",
                stack.guard.name
            ))),
        "{stderr}"
    );
    let (containers, networks, _) = support::project_leftovers(&stack.guard.name);
    assert_eq!(
        (containers.len(), networks.len()),
        (1, 1),
        "the project was taken down"
    );
    // Without --dry-run, the same lines and the project is gone.
    stack.ours(&["up", "-d"]);
    with_flag.remove(0);
    let (status, _, stderr) = ours_output(&stack, &with_flag);
    assert_eq!(status, Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(" Container {quick}  Removed")),
        "{stderr}"
    );
    assert_eq!(
        support::project_leftovers(&stack.guard.name),
        (vec![], vec![], vec![])
    );
}

#[test]
fn dry_run_is_refused_where_it_cannot_be_pretended() {
    if !ready() {
        return;
    }
    let stack = Stack::new("dryrun-refused", "services:\n  web: {image: IMAGE}\n");
    for (arguments, message) in [
        (
            &["stack", "deploy", "-c", "compose.yaml", "dryrun"][..],
            "`stack deploy` does not support --dry-run: nothing was changed\n",
        ),
        (
            &["stack", "rm", "dryrun"],
            "`stack rm` does not support --dry-run: nothing was changed\n",
        ),
    ] {
        let (_, stderr) = dry_run(&stack, arguments, 1);
        assert_eq!(stderr, message);
    }
    // `scale` is `up`'s converge: pretended as the reference does, nothing created.
    let (_, stderr) = dry_run(&stack, &["scale", "web=2"], 0);
    let started = dry_line(&format!("Container {}  Started", stack.name("web", 2)));
    assert!(stderr.contains(&started), "{stderr}");
}

/// Runs dk-compose with `answer` on its stdin (a pipe, as a script would).
fn ours_answering(stack: &Stack, answer: &str, arguments: &[&str]) -> Output {
    support::output_with_stdin(
        Command::new(binary())
            .current_dir(stack.path())
            .args(["-p", &stack.guard.name, "--progress", "plain"])
            .args(arguments),
        answer.as_bytes(),
    )
}

const VOLUME_QUESTION: &str =
    "exists but doesn't match configuration in compose file. Recreate (data will be lost)?";

const CHANGING_VOLUME: &str = "
services:
  db:
    image: IMAGE
    command: [sleep, '3600']
    stop_signal: SIGKILL
    volumes: [data:/data]
  web:
    image: IMAGE
    command: [sleep, '3600']
    stop_signal: SIGKILL
    depends_on: [db]
volumes:
  data: {}
";

/// The volume's labels (`key=value ` pairs, sorted) and whether `/data/kept` is in `db`.
fn volume_state(stack: &Stack) -> (String, bool) {
    let volume = format!("{}_data", stack.guard.name);
    let labels = docker(&[
        "volume",
        "inspect",
        "--format",
        "{{range $key, $value := .Labels}}{{$key}}={{$value}} {{end}}",
        &volume,
    ]);
    let kept = support::docker_output(&["exec", &stack.name("db", 1), "test", "-f", "/data/kept"])
        .status
        .success();
    (labels, kept)
}

#[test]
fn a_volume_whose_config_changed_is_kept_unless_the_answer_is_yes() {
    if !ready() {
        return;
    }
    let stack = Stack::new("volchange", CHANGING_VOLUME);
    stack.ours(&["up", "-d"]);
    docker(&["exec", &stack.name("db", 1), "touch", "/data/kept"]);
    let before = stack.containers();
    stack.write(&CHANGING_VOLUME.replace("data: {}", "data:\n    labels: {tier: two}"));

    // No answer (stdin closed): the question, then the volume and the containers as they were.
    let output = stack.run_with(&binary(), &["up", "-d"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        format!("Volume \"{}_data\" {VOLUME_QUESTION}", stack.guard.name)
    );
    assert_eq!(stack.containers(), before);
    let (labels, kept) = volume_state(&stack);
    assert!(kept && !labels.contains("tier=two"), "{labels}");
    // "n" on the pipe, and "yes" (a pipe takes `y`, not `yes`, as the reference): kept too.
    for answer in ["n\n", "yes\n"] {
        let output = ours_answering(&stack, answer, &["up", "-d"]);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(stack.containers(), before);
        assert!(volume_state(&stack).1);
    }
    // `--dry-run -y` shows the recreation and touches nothing.
    let dry = stack.ours(&["--dry-run", "up", "-d", "-y"]);
    assert!(
        dry.contains(&format!(
            "remove volume {}_data after #2: volume config changed",
            stack.guard.name
        )) && dry.contains("DRY-RUN MODE"),
        "{dry}"
    );
    assert_eq!(stack.containers(), before);
    assert!(volume_state(&stack).1);

    // `-y`: db goes, the volume comes back empty with the new labels, db is recreated and
    // runs; web, which does not mount it, is left alone.
    let output = stack.ours(&["up", "-d", "-y"]);
    assert!(!output.contains(VOLUME_QUESTION), "{output}");
    let (labels, kept) = volume_state(&stack);
    assert!(!kept, "the old data is still there");
    assert!(labels.contains("tier=two"), "{labels}");
    let after = stack.containers();
    assert_eq!(after.len(), 2);
    assert_ne!(after[0], before[0], "db was not recreated");
    assert_eq!(after[1], before[1], "web was recreated");
    let running = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}}",
        &stack.name("db", 1),
    ]);
    assert_eq!(running, "running");
    // Converged: nothing more to ask or do.
    let again = stack.run_with(&binary(), &["up", "-d"]);
    assert!(again.stdout.is_empty(), "{again:?}");
    assert_eq!(stack.containers(), after);

    stack.ours(&["down", "-v"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}

#[test]
fn create_and_run_ask_about_a_changed_volume_too() {
    if !ready() {
        return;
    }
    let stack = Stack::new("volchange-create", CHANGING_VOLUME);
    stack.ours(&["up", "-d"]);
    docker(&["exec", &stack.name("db", 1), "touch", "/data/kept"]);
    stack.write(&CHANGING_VOLUME.replace("data: {}", "data:\n    labels: {tier: two}"));
    // `create`, answered `y` on the pipe: recreated, the container only created.
    let output = ours_answering(&stack, "y\n", &["create"]);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains(VOLUME_QUESTION));
    let state = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}}",
        &stack.name("db", 1),
    ]);
    assert_eq!(state, "created");
    // `run` (no `-y` there, as the reference), answered `y`: the volume is recreated
    // before the one-off container mounts it.
    stack.write(&CHANGING_VOLUME.replace("data: {}", "data:\n    labels: {tier: three}"));
    let volume = format!("{}_data", stack.guard.name);
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{volume}:/data"),
        BUSYBOX_IMAGE,
        "touch",
        "/data/stale-file",
    ]);
    let output = ours_answering(
        &stack,
        "y\n",
        &["run", "--rm", "db", "sh", "-c", "ls /data; echo listed"],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(VOLUME_QUESTION)
            && stdout.contains("listed")
            && !stdout.contains("stale-file"),
        "{stdout}"
    );
    let labels = docker(&[
        "volume",
        "inspect",
        "--format",
        "{{index .Labels \"tier\"}}",
        &volume,
    ]);
    assert_eq!(labels, "three");
    stack.ours(&["down", "-v"]);
    let (containers, networks, volumes) = support::project_leftovers(&stack.guard.name);
    assert!(containers.is_empty() && networks.is_empty() && volumes.is_empty());
}
