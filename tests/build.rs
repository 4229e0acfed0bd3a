//! `build` on the real engine (classic builder, nothing pulled: every Dockerfile starts from
//! the locally built test image): `.dockerignore` cases seen from inside the image, build
//! args and a multi-stage `target`, the reference's image labels, extra tags, concurrent
//! builds of independent services, and a failing build naming the service and the step.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{
    BUSYBOX_IMAGE, ProjectGuard, docker, docker_output, engine_available, ensure_test_images,
};

/// A project directory with its compose file; removes the images it built on drop.
struct Workspace {
    directory: tempfile::TempDir,
    guard: ProjectGuard,
    images: Vec<String>,
}

impl Workspace {
    fn new(prefix: &str, compose: &str) -> Self {
        let guard = ProjectGuard::unique(prefix);
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("compose.yaml"), compose).unwrap();
        Self {
            directory,
            guard,
            images: Vec::new(),
        }
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn write(&self, relative: &str, content: &str) {
        let path: PathBuf = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn image(&mut self, service: &str) -> String {
        let image = format!("{}-{service}", self.guard.name);
        self.images.push(image.clone());
        image
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dk-compose"))
            .current_dir(self.path())
            .args(["-p", &self.guard.name])
            .args(arguments)
            .env_remove("COMPOSE_PROJECT_NAME")
            .env("COMPOSE_PROGRESS", "plain")
            .output()
            .unwrap()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        for image in &self.images {
            let _ = docker_output(&["image", "rm", "--force", image]);
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_in_image(image: &str, script: &str) -> String {
    docker(&["run", "--rm", image, "sh", "-c", script])
}

#[test]
fn dockerignore_args_target_labels_and_tags() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-ignore",
        "services:\n  web:\n    build:\n      context: ./app\n      args: [GREETING=hello]\n      target: final\n      labels: {team: blue}\n      tags: [\"${TAG_IMAGE:-dkt-build-extra}:1\"]\n",
    );
    workspace.write(
        "app/Dockerfile",
        &format!(
            "FROM {BUSYBOX_IMAGE} AS base\nARG GREETING\nARG FROM_CLI=unset\nRUN echo \"$GREETING $FROM_CLI\" > /greeting\nFROM base AS final\nCOPY . /ctx\nFROM base AS unused\nRUN touch /unused\n"
        ),
    );
    workspace.write(
        "app/.dockerignore",
        "# comments are ignored\n*.log\n**/*.tmp\nnode_modules\ndocs\n!docs/keep.md\n/secret/\n  #not-a-comment  \nDockerfile\n",
    );
    for file in [
        "keep.txt",
        "debug.log",
        "sub/nested.log",
        "sub/deep/x.tmp",
        "node_modules/pkg/index.js",
        "docs/keep.md",
        "docs/drop.md",
        "secret/key",
        "#not-a-comment",
    ] {
        workspace.write(&format!("app/{file}"), "content");
    }
    let image = workspace.image("web");
    let extra_tag = format!("{}-extra:1", workspace.guard.name);
    workspace.images.push(extra_tag.clone());
    let output = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .current_dir(workspace.path())
        .args([
            "-p",
            &workspace.guard.name,
            "build",
            "--build-arg",
            "FROM_CLI=cli",
        ])
        .env("TAG_IMAGE", format!("{}-extra", workspace.guard.name))
        .env("COMPOSE_PROGRESS", "plain")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("[web] Step 1/"), "{out}");
    assert!(text(&output.stderr).contains("Service web  Built"));

    let listing = run_in_image(&image, "cd /ctx && find . -type f | sort");
    let files: Vec<&str> = listing.lines().collect();
    // `*.log` is anchored at the root, `**/*.tmp` is not; `!docs/keep.md` re-includes; an
    // indented `#` is a pattern, not a comment; the Dockerfile, although ignored, is sent to
    // the engine, which leaves it out of `COPY`.
    assert_eq!(
        files,
        [
            "./.dockerignore",
            "./docs/keep.md",
            "./keep.txt",
            "./sub/nested.log"
        ],
        "{listing}"
    );
    assert_eq!(run_in_image(&image, "cat /greeting"), "hello cli");
    // `target: final` stops before the `unused` stage.
    assert_eq!(
        run_in_image(&image, "test -e /unused && echo yes || echo no"),
        "no"
    );
    let labels = docker(&[
        "image",
        "inspect",
        &image,
        "--format",
        "{{json .Config.Labels}}",
    ]);
    let labels: serde_json::Value = serde_json::from_str(&labels).unwrap();
    assert_eq!(
        labels["com.docker.compose.project"],
        workspace.guard.name.as_str()
    );
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert_eq!(labels["com.docker.compose.version"], "2.40.3");
    assert_eq!(labels["com.docker.compose.image.builder"], "classic");
    assert_eq!(labels["team"], "blue");
    // The extra tag names the same image.
    assert_eq!(
        docker(&["image", "inspect", &extra_tag, "--format", "{{.Id}}"]),
        docker(&["image", "inspect", &image, "--format", "{{.Id}}"])
    );
}

#[test]
fn outside_dockerfile_inline_dockerfile_and_quiet() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-outside",
        &format!(
            "services:\n  outside:\n    build:\n      context: ./ctx\n      dockerfile: ../other/Build.dockerfile\n  inline:\n    build:\n      context: ./ctx\n      dockerfile_inline: |\n        FROM {BUSYBOX_IMAGE}\n        COPY . /ctx\n"
        ),
    );
    workspace.write("ctx/file.txt", "x");
    workspace.write(
        "other/Build.dockerfile",
        &format!("FROM {BUSYBOX_IMAGE}\nCOPY . /ctx\n"),
    );
    let outside = workspace.image("outside");
    let inline = workspace.image("inline");
    let output = workspace.ours(&["build", "-q"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "", "-q prints nothing on stdout");
    for image in [&outside, &inline] {
        // The Dockerfile added under a random name stays out of `COPY . /ctx`.
        assert_eq!(
            run_in_image(image, "cd /ctx && find . -type f | sort"),
            "./file.txt"
        );
    }
}

#[test]
fn independent_services_build_concurrently() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    // Each build records when its slow step started and ended (the kernel's uptime, one
    // clock for all containers); the windows must overlap.
    let dockerfile = format!(
        "FROM {BUSYBOX_IMAGE}\nARG NONCE\nRUN cut -d' ' -f1 /proc/uptime > /start && sleep 2 && cut -d' ' -f1 /proc/uptime > /end\n"
    );
    let mut workspace = Workspace::new(
        "build-parallel",
        "services:\n  one:\n    build: ./one\n  two:\n    build: ./two\n",
    );
    workspace.write("one/Dockerfile", &dockerfile);
    workspace.write("two/Dockerfile", &dockerfile);
    let one = workspace.image("one");
    let two = workspace.image("two");
    let nonce = format!("NONCE={}", std::process::id());
    let output = workspace.ours(&["build", "--no-cache", "--build-arg", &nonce]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let window = |image: &str| -> (f64, f64) {
        let times = run_in_image(image, "cat /start /end");
        let mut numbers = times
            .lines()
            .map(|line| line.trim().parse::<f64>().unwrap());
        (numbers.next().unwrap(), numbers.next().unwrap())
    };
    let (start_one, end_one) = window(&one);
    let (start_two, end_two) = window(&two);
    assert!(
        start_one < end_two && start_two < end_one,
        "the builds ran one after the other: {start_one}-{end_one} / {start_two}-{end_two}"
    );

    // With `--parallel 1` they do not overlap.
    let output = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .current_dir(workspace.path())
        .args([
            "-p",
            &workspace.guard.name,
            "--parallel",
            "1",
            "build",
            "--no-cache",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let (start_one, end_one) = window(&one);
    let (start_two, end_two) = window(&two);
    assert!(end_one <= start_two || end_two <= start_one);
}

#[test]
fn failed_build_names_service_and_step() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-fail",
        "services:\n  broken:\n    build: ./broken\n  image_only:\n    image: busybox\n",
    );
    workspace.write(
        "broken/Dockerfile",
        &format!("FROM {BUSYBOX_IMAGE}\nRUN echo about to fail && exit 3\n"),
    );
    workspace.image("broken");
    let output = workspace.ours(&["build"]);
    assert_eq!(output.status.code(), Some(1));
    let error = text(&output.stderr);
    assert!(
        error.contains("failed to build service `broken` at `Step 2/")
            && error.contains(" : RUN echo about to fail && exit 3`: The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3"),
        "{error}"
    );
    assert!(text(&output.stdout).contains("[broken] about to fail"));

    let output = workspace.ours(&["build", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no such service: `nope`"));
}
