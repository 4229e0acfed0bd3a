//! `build` on the real engine (nothing pulled: every Dockerfile starts from the locally built
//! test image), with BuildKit unless a test sets `DOCKER_BUILDKIT=0`: `.dockerignore` cases
//! seen from inside the image, build args and a multi-stage `target`, the reference's image
//! labels for each builder, extra tags, concurrent builds of independent services, failing
//! builds, BuildKit-only Dockerfile features (`RUN --mount` cache and bind mounts, unused
//! stages skipped) and its progress text.

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

    /// Removes the image `reference` names now on drop, once a rebuild untags it.
    fn remove_later(&mut self, reference: &str) {
        let id = docker(&["image", "inspect", reference, "--format", "{{.Id}}"]);
        self.images.push(id);
    }

    fn image(&mut self, service: &str) -> String {
        let image = format!("{}-{service}", self.guard.name);
        self.images.push(image.clone());
        image
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        self.ours_with(arguments, &[])
    }

    /// Runs ours with extra environment variables (`DOCKER_BUILDKIT=0`).
    fn ours_with(&self, arguments: &[&str], environment: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dk-compose"))
            .current_dir(self.path())
            .args(["-p", &self.guard.name])
            .args(arguments)
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("DOCKER_BUILDKIT")
            .env_remove("BUILDKIT_PROGRESS")
            .env("COMPOSE_PROGRESS", "plain")
            .envs(environment.iter().copied())
            .output()
            .unwrap()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        for image in &self.images {
            let _ = docker_output(&["image", "rm", "--force", image]);
        }
        // Images a rebuild replaced (BuildKit's carry the project label).
        let label = format!("label=com.docker.compose.project={}", self.guard.name);
        let _ = docker_output(&["image", "prune", "--force", "--filter", &label]);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An image's labels, as JSON.
fn image_labels(image: &str) -> serde_json::Value {
    let labels = docker(&[
        "image",
        "inspect",
        image,
        "--format",
        "{{json .Config.Labels}}",
    ]);
    serde_json::from_str(&labels).unwrap()
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
        .env_remove("DOCKER_BUILDKIT")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("[web base 2/2] RUN echo"), "{out}");
    assert_eq!(text(&output.stderr), " web  Built\n");

    let listing = run_in_image(&image, "cd /ctx && find . -type f | sort");
    let files: Vec<&str> = listing.lines().collect();
    // `*.log` is anchored at the root, `**/*.tmp` is not; `!docs/keep.md` re-includes; an
    // indented `#` is a pattern, not a comment. BuildKit reads the uploaded context as it is:
    // the Dockerfile it needs stays in it although ignored (the reference, which serves the
    // context through a session, leaves it out).
    assert_eq!(
        files,
        [
            "./.dockerignore",
            "./Dockerfile",
            "./docs/keep.md",
            "./keep.txt",
            "./sub/nested.log"
        ],
        "{listing}"
    );
    // The classic builder leaves the ignored Dockerfile out of `COPY`, as the reference's.
    let output = workspace.ours_with(
        &["build", "--build-arg", "FROM_CLI=cli"],
        &[
            ("DOCKER_BUILDKIT", "0"),
            ("TAG_IMAGE", &format!("{}-extra", workspace.guard.name)),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        run_in_image(&image, "cd /ctx && find . -type f | sort"),
        "./.dockerignore\n./docs/keep.md\n./keep.txt\n./sub/nested.log"
    );
    assert_eq!(run_in_image(&image, "cat /greeting"), "hello cli");
    // `target: final` stops before the `unused` stage.
    assert_eq!(
        run_in_image(&image, "test -e /unused && echo yes || echo no"),
        "no"
    );
    let labels = image_labels(&image);
    assert_eq!(labels["com.docker.compose.image.builder"], "classic");
    workspace.remove_later(&image);
    // Built again with BuildKit: the reference's BuildKit labels.
    let output = workspace.ours_with(
        &["build", "--build-arg", "FROM_CLI=cli"],
        &[("TAG_IMAGE", &format!("{}-extra", workspace.guard.name))],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let labels = image_labels(&image);
    assert_eq!(
        labels["com.docker.compose.project"],
        workspace.guard.name.as_str()
    );
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert_eq!(labels["com.docker.compose.version"], "2.40.3");
    // As the reference: only the classic builder adds the builder label.
    assert!(labels.get("com.docker.compose.image.builder").is_none());
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
    let output = workspace.ours_with(&["build", "-q"], &[("DOCKER_BUILDKIT", "0")]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "", "-q prints nothing on stdout");
    for image in [&outside, &inline] {
        // The Dockerfile added under a random name stays out of `COPY . /ctx`.
        assert_eq!(
            run_in_image(image, "cd /ctx && find . -type f | sort"),
            "./file.txt"
        );
    }
    workspace.remove_later(&outside);
    workspace.remove_later(&inline);
    // BuildKit reads the uploaded context as it is: the added Dockerfile is in it, named
    // after its content so that `COPY . /ctx` stays cached from one build to the next.
    let output = workspace.ours(&["build", "-q"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "", "-q prints nothing on stdout");
    let output = workspace.ours(&["build", "outside"]);
    let out = text(&output.stdout);
    assert!(
        regex::Regex::new(r"\[outside 2/2\] COPY \. /ctx\n#\d+ CACHED")
            .unwrap()
            .is_match(&out),
        "{out}"
    );
    for image in [&outside, &inline] {
        let listing = run_in_image(image, "cd /ctx && find . -type f | sort");
        let files: Vec<&str> = listing.lines().collect();
        assert_eq!(files.len(), 3, "{listing}");
        assert!(files[0].starts_with("./.dockerfile."), "{listing}");
        assert_eq!(files[1..], ["./.dockerignore", "./file.txt"], "{listing}");
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
fn failed_build_shows_the_step_output_and_buildkit_error() {
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
    assert_eq!(
        text(&output.stderr),
        "failed to solve: executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3\n"
    );
    let out = text(&output.stdout);
    let failed_step = regex::Regex::new(
        r"(?m)^#(\d+) \[broken 2/2\] RUN echo about to fail && exit 3\n#(\d+) \d+\.\d{3} about to fail\n#(\d+) ERROR: executor failed running \[/bin/sh -c echo about to fail && exit 3\]: exit code: 3\n",
    )
    .unwrap();
    let numbers = failed_step
        .captures(&out)
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        numbers[1] == numbers[2] && numbers[2] == numbers[3],
        "{out}"
    );
    // After the progress, the failed step's last lines between rules.
    let summary = regex::Regex::new(
        r"------\n > \[broken 2/2\] RUN echo about to fail && exit 3:\n\d+\.\d{3} about to fail\n------\n$",
    )
    .unwrap();
    assert!(summary.is_match(&out), "{out}");
    // `-q`: nothing but the error.
    let output = workspace.ours(&["build", "-q"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    assert!(text(&output.stderr).starts_with("failed to solve: "));

    // The classic builder names the service and the step.
    let output = workspace.ours_with(&["build"], &[("DOCKER_BUILDKIT", "0")]);
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

#[test]
fn docker_buildkit_0_builds_with_the_classic_builder() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-classic",
        "services:\n  app:\n    build:\n      context: .\n      labels: {team: red}\n",
    );
    workspace.write(
        "Dockerfile",
        &format!("FROM {BUSYBOX_IMAGE}\nRUN echo classic\n"),
    );
    let image = workspace.image("app");
    let output = workspace.ours_with(&["build"], &[("DOCKER_BUILDKIT", "0")]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("[app] Step 1/"), "{out}");
    assert!(!out.contains("#0 building"), "{out}");
    assert!(
        text(&output.stderr).contains("Service app  Built"),
        "{}",
        text(&output.stderr)
    );
    // The reference's classic labels: the builder's and `build.labels`, no project labels.
    let labels = image_labels(&image);
    assert_eq!(labels["com.docker.compose.image.builder"], "classic");
    assert_eq!(labels["team"], "red");
    assert!(
        labels.get("com.docker.compose.project").is_none(),
        "{labels}"
    );

    // What only BuildKit can do is refused with the reference's message, nothing built.
    let mut secrets = Workspace::new(
        "build-classic-secret",
        "services:\n  app:\n    build:\n      context: .\n      secrets: [tok]\nsecrets:\n  tok:\n    file: ./tok.txt\n",
    );
    secrets.write("tok.txt", "t");
    secrets.write("Dockerfile", &format!("FROM {BUSYBOX_IMAGE}\n"));
    let secret_image = secrets.image("app");
    let output = secrets.ours_with(&["build"], &[("DOCKER_BUILDKIT", "false")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(
            "the classic builder doesn't support secrets, set DOCKER_BUILDKIT=1 to use BuildKit"
        ),
        "{}",
        text(&output.stderr)
    );
    assert!(
        !docker_output(&["image", "inspect", &secret_image])
            .status
            .success()
    );
    // An unreadable value is refused as the docker CLI refuses it.
    let output = secrets.ours_with(&["build"], &[("DOCKER_BUILDKIT", "maybe")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains(
        "DOCKER_BUILDKIT environment variable expects boolean value: strconv.ParseBool: parsing \"maybe\": invalid syntax"
    ));
}

#[test]
fn buildkit_build_secrets_from_a_file_and_the_environment() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-secrets",
        "services:\n  app:\n    build:\n      context: .\n      secrets:\n        - tok\n        - source: from_env\n          target: renamed\nsecrets:\n  tok:\n    file: ./tok.txt\n  from_env:\n    environment: DKT_BUILD_TOKEN\n",
    );
    workspace.write("tok.txt", "from-file");
    workspace.write(
        "Dockerfile",
        &format!(
            "FROM {BUSYBOX_IMAGE}\nRUN --mount=type=secret,id=tok cp /run/secrets/tok /tok\nRUN --mount=type=secret,id=renamed cp /run/secrets/renamed /renamed\n"
        ),
    );
    let image = workspace.image("app");
    // Secrets are not part of BuildKit's cache keys: `--no-cache` makes the steps run.
    let output = workspace.ours_with(&["build", "--no-cache"], &[("DKT_BUILD_TOKEN", "from-env")]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), " app  Built\n");
    assert_eq!(
        run_in_image(&image, "cat /tok; echo; cat /renamed"),
        "from-file\nfrom-env"
    );
    // A step that fails with its secret: BuildKit's error, exit 1.
    workspace.write(
        "Dockerfile",
        &format!("FROM {BUSYBOX_IMAGE}\nRUN --mount=type=secret,id=tok test \"$(cat /run/secrets/tok)\" = other\n"),
    );
    let output = workspace.ours_with(&["build"], &[("DKT_BUILD_TOKEN", "from-env")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("failed to solve: executor failed running ["),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn buildkit_cache_and_bind_mounts() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new("build-mounts", "services:\n  app:\n    build: .\n");
    // A cache mount keeps its content from one build to the next; a bind mount reads a file
    // of another stage.
    let cache_id = workspace.guard.name.clone();
    workspace.write(
        "Dockerfile",
        &format!(
            "FROM {BUSYBOX_IMAGE} AS generator\nRUN echo generated > /out.txt\nFROM {BUSYBOX_IMAGE}\nARG ROUND\nRUN --mount=type=cache,id={cache_id},target=/cache echo \"round $ROUND\" >> /cache/log && cp /cache/log /seen\nRUN --mount=type=bind,from=generator,source=/out.txt,target=/mnt/out.txt cp /mnt/out.txt /copied.txt\n"
        ),
    );
    let image = workspace.image("app");
    for round in ["1", "2"] {
        let argument = format!("ROUND={round}");
        let output = workspace.ours(&["build", "--build-arg", &argument]);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    assert_eq!(run_in_image(&image, "cat /seen"), "round 1\nround 2");
    assert_eq!(run_in_image(&image, "cat /copied.txt"), "generated");
}

#[test]
fn buildkit_skips_stages_the_target_does_not_need_and_prints_plain_progress() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-stages",
        "services:\n  app:\n    build:\n      context: .\n      target: final\n",
    );
    workspace.write(
        "Dockerfile",
        &format!(
            "FROM {BUSYBOX_IMAGE} AS unused\nRUN echo unused-stage-ran > /unused\nFROM {BUSYBOX_IMAGE} AS final\nARG NONCE\nRUN echo \"hello $NONCE\"\n"
        ),
    );
    let image = workspace.image("app");
    let nonce = format!("NONCE={}", std::process::id());
    let output = workspace.ours(&["--progress", "plain", "build", "--build-arg", &nonce]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    // The vertex numbered first is not always the first printed: a cached `FROM` may
    // finish before the context steps print (BuildKit's status messages race).
    assert!(
        out.starts_with("#0 building with \"default\" instance using docker driver\n\n#"),
        "{out}"
    );
    assert!(out.contains("\n#1 [app "), "{out}");
    assert!(
        !out.contains("unused-stage-ran"),
        "the unused stage was built: {out}"
    );
    // Each vertex: its header, its statuses and logs, its result, an empty line between.
    let run_step = regex::Regex::new(&format!(
        r#"(?m)^\n#(\d+) \[app final 2/2\] RUN echo "hello {0}"\n#(\d+) \d+\.\d{{3}} hello {0}\n#(\d+) DONE \d+\.\ds\n"#,
        std::process::id()
    ))
    .unwrap();
    let numbers = run_step.captures(&out).unwrap_or_else(|| panic!("{out}"));
    assert!(
        numbers[1] == numbers[2] && numbers[2] == numbers[3],
        "{out}"
    );
    let export = regex::Regex::new(&format!(
        r"(?m)^#(\d+) \[app\] exporting to image\n(#\d+ .*\n)*#\d+ naming to docker\.io/library/{image} done\n#\d+ DONE \d+\.\ds\n$"
    ))
    .unwrap();
    assert!(export.is_match(&out), "{out}");
    assert_eq!(text(&output.stderr), " app  Built\n");
    assert_eq!(
        run_in_image(&image, "test -e /unused && echo yes || echo no"),
        "no"
    );
}

/// An `ssh-agent` of the test's own, stopped on drop.
struct Agent {
    child: std::process::Child,
    socket: PathBuf,
}

impl Agent {
    fn start(directory: &Path) -> Option<Self> {
        let socket = directory.join("agent.sock");
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..50 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(Self { child, socket })
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn buildkit_forwards_the_default_ssh_agent() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut workspace = Workspace::new(
        "build-ssh",
        "services:\n  app:\n    build:\n      context: .\n      ssh: [default]\n",
    );
    workspace.write(
        "Dockerfile",
        &format!(
            "FROM {BUSYBOX_IMAGE}\nRUN --mount=type=ssh test -S \"$SSH_AUTH_SOCK\" && echo forwarded > /ssh\n"
        ),
    );
    let image = workspace.image("app");
    // Without an agent: the reference's message, nothing built.
    let output = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .current_dir(workspace.path())
        .args(["-p", &workspace.guard.name, "build"])
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("DOCKER_BUILDKIT")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr)
            .contains("invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set"),
        "{}",
        text(&output.stderr)
    );
    let Some(agent) = Agent::start(workspace.path()) else {
        return;
    };
    let socket = agent.socket.to_string_lossy().into_owned();
    let output = workspace.ours_with(&["build", "--no-cache"], &[("SSH_AUTH_SOCK", &socket)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(run_in_image(&image, "cat /ssh"), "forwarded");
    // Keys given by path are not forwarded yet: a clear error.
    workspace.write(
        "compose.yaml",
        "services:\n  app:\n    build:\n      context: .\n      ssh: [\"deploy=./id_ed25519\"]\n",
    );
    let output = workspace.ours_with(&["build"], &[("SSH_AUTH_SOCK", &socket)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("build.ssh \"deploy="),
        "{}",
        text(&output.stderr)
    );
}
