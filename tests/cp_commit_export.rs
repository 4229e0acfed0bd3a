//! `cp`, `commit` and `export` on the real engine: copies to every replica or one
//! (`--index`), one-offs with `--all`, from the first replica, a directory's contents
//! (`dir/.`), new names, `-L`, `-a` (uid/gid kept), tar archives on stdin and stdout, the
//! reference's errors; `commit` with message, author, changes and a tag; `export` to a file
//! (mode 0600) and to stdout, with the reference's errors.

mod support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::registry::ImageGuard;
use support::{BUSYBOX_IMAGE, ProjectGuard, docker, engine_available, ensure_test_images};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Stack {
    guard: ProjectGuard,
    directory: tempfile::TempDir,
}

impl Stack {
    /// Two replicas of `web` that keep running, with `/data` holding a small tree.
    fn new(prefix: &str) -> Self {
        let guard = ProjectGuard::unique(prefix);
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(
            directory.path().join("compose.yaml"),
            format!(
                "services:\n  web:\n    image: {BUSYBOX_IMAGE}\n    scale: 2\n    command: [\"sh\", \"-c\", \"mkdir -p /data/sub && echo one > /data/one && echo two > /data/sub/two && ln -s /data /data-link && exec sleep 300\"]\n    init: true\n"
            ),
        )
        .unwrap();
        let stack = Self { guard, directory };
        stack.ours_ok(&["up", "-d", "--wait"]);
        stack
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn command(&self, arguments: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dk-compose"));
        command
            .current_dir(self.path())
            .args(["-p", &self.guard.name])
            .args(arguments)
            .env("NO_COLOR", "1")
            .env("COMPOSE_PROGRESS", "plain")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null());
        command
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        self.command(arguments).output().unwrap()
    }

    fn ours_ok(&self, arguments: &[&str]) -> Output {
        let output = self.ours(arguments);
        assert!(
            output.status.success(),
            "dk-compose {arguments:?} failed:\n{}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        output
    }

    /// `ours` with `input` on stdin.
    fn ours_with_input(&self, arguments: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command(arguments)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    fn container(&self, number: u32) -> String {
        format!("{}-web-{number}", self.guard.name)
    }

    /// `sh -c script` in replica `number`: its stdout, trimmed (empty when it fails).
    fn shell(&self, number: u32, script: &str) -> String {
        let output = Command::new("docker")
            .args(["exec", &self.container(number), "sh", "-c", script])
            .output()
            .unwrap();
        text(&output.stdout).trim().to_owned()
    }
}

fn ready() -> bool {
    if !engine_available() {
        return false;
    }
    ensure_test_images();
    true
}

/// A tar holding `name` (mode 0644, owned by 1234:2345).
fn owned_archive(name: &str, content: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_uid(1234);
    header.set_gid(2345);
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_data(&mut header, name, content).unwrap();
    builder.into_inner().unwrap()
}

#[test]
fn cp_copies_to_and_from_service_containers() {
    if !ready() {
        return;
    }
    let stack = Stack::new("cp");
    let local = stack.path().join("local");
    std::fs::create_dir_all(local.join("nested")).unwrap();
    std::fs::write(local.join("file.txt"), "hello\n").unwrap();
    std::fs::write(local.join("nested/deep.txt"), "deep\n").unwrap();
    std::os::unix::fs::symlink("local", stack.path().join("local-link")).unwrap();

    // To the service: every replica, into an existing directory, under a new name, the
    // contents of a directory; the progress line names each container.
    let output = stack.ours_ok(&["cp", "local", "web:/tmp"]);
    let stderr = text(&output.stderr);
    for number in [1, 2] {
        let container = stack.container(number);
        assert!(
            stderr.contains(&format!(
                " {container} copy local to {container}:/tmp Copied"
            )),
            "{stderr}"
        );
        assert_eq!(
            stack.shell(number, "cat /tmp/local/nested/deep.txt"),
            "deep"
        );
    }
    stack.ours_ok(&["cp", "local/file.txt", "web:/tmp/renamed.txt"]);
    stack.ours_ok(&["cp", "local/.", "web:/tmp/contents"]);
    assert_eq!(stack.shell(2, "cat /tmp/renamed.txt"), "hello");
    assert_eq!(stack.shell(1, "ls /tmp/contents"), "file.txt\nnested");
    // `--index`: one replica only.
    stack.ours_ok(&["cp", "--index", "2", "local/file.txt", "web:/tmp/only-two"]);
    assert_eq!(stack.shell(2, "cat /tmp/only-two"), "hello");
    assert_eq!(stack.shell(1, "cat /tmp/only-two"), "");
    // Without `-L` a link is copied as a link; with it, what it points to.
    stack.ours_ok(&["cp", "local-link", "web:/tmp/as-link"]);
    assert_eq!(stack.shell(1, "readlink /tmp/as-link"), "local");
    stack.ours_ok(&["cp", "-L", "local-link", "web:/tmp/followed"]);
    assert_eq!(stack.shell(1, "cat /tmp/followed/file.txt"), "hello");

    // A tar on stdin; `-a` keeps its uid/gid (engine 20.10 keeps them without `-a` too, as
    // `docker cp` shows, so only `-a` is checked).
    let archive = owned_archive("owned.txt", b"owned\n");
    let output = stack.ours_with_input(&["cp", "-a", "-", "web:/tmp"], &archive);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(stack.shell(1, "stat -c %u:%g /tmp/owned.txt"), "1234:2345");
    assert_eq!(stack.shell(2, "cat /tmp/owned.txt"), "owned");

    // From the service (the first replica): a directory, its contents, a file, a link
    // followed with `-L`.
    let copies = stack.path().join("copies");
    std::fs::create_dir_all(&copies).unwrap();
    let copies_text = copies.display().to_string();
    stack.ours_ok(&["cp", "web:/data", &copies_text]);
    assert_eq!(
        std::fs::read_to_string(copies.join("data/sub/two")).unwrap(),
        "two\n"
    );
    stack.ours_ok(&["cp", "web:/data/.", &format!("{copies_text}/contents")]);
    assert_eq!(
        std::fs::read_to_string(copies.join("contents/one")).unwrap(),
        "one\n"
    );
    stack.ours_ok(&["cp", "web:/data/one", &format!("{copies_text}/one.txt")]);
    assert_eq!(
        std::fs::read_to_string(copies.join("one.txt")).unwrap(),
        "one\n"
    );
    stack.ours_ok(&["cp", "web:/data-link", &format!("{copies_text}/link")]);
    assert!(
        std::fs::symlink_metadata(copies.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    stack.ours_ok(&[
        "cp",
        "-L",
        "web:/data-link",
        &format!("{copies_text}/followed"),
    ]);
    assert_eq!(
        std::fs::read_to_string(copies.join("followed/one")).unwrap(),
        "one\n"
    );
    // `-` writes the archive to stdout.
    let output = stack.ours_ok(&["cp", "web:/data/one", "-"]);
    let mut archive = tar::Archive::new(output.stdout.as_slice());
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|entry| entry.unwrap().path().unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["one"]);

    // `--all` includes one-off containers.
    stack.ours_ok(&[
        "run",
        "-d",
        "--name",
        &format!("{}-once", stack.guard.name),
        "web",
        "sleep",
        "300",
    ]);
    let output = stack.ours_ok(&["cp", "--all", "local/file.txt", "web:/tmp/everywhere"]);
    assert_eq!(
        text(&output.stderr).matches("Copied").count(),
        3,
        "{}",
        text(&output.stderr)
    );

    // The reference's errors.
    for (arguments, message) in [
        (
            &["cp", "web:/a", "web:/b"][..],
            "copying between services is not supported",
        ),
        (&["cp", "a", "b"], "unknown copy direction"),
        (
            &["cp", "nothing:/a", "b"],
            "no container found for service \"nothing\"",
        ),
        (
            &["cp", "--index", "7", "web:/a", "b"],
            "service \"web\" is not running container #7",
        ),
        (
            &["cp", "web:/missing", "b"],
            "could not find the file `/missing`",
        ),
        (
            &["cp", "local", "web:/tmp/renamed.txt"],
            "cannot copy a directory to the file",
        ),
    ] {
        let output = stack.ours(arguments);
        assert_eq!(output.status.code(), Some(1), "{arguments:?}");
        assert!(
            text(&output.stderr).contains(message),
            "{arguments:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn commit_creates_an_image_from_a_service_container() {
    if !ready() {
        return;
    }
    let stack = Stack::new("commit");
    let mut images = ImageGuard::new();
    let image = images.track(format!("{}-committed:v1", stack.guard.name));
    stack.shell(2, "echo marked > /marked");
    let output = stack.ours_ok(&[
        "commit",
        "--index",
        "2",
        "-m",
        "a message",
        "-a",
        "someone",
        "-c",
        "ENV COMMITTED=yes",
        "web",
        &image,
    ]);
    let stderr = text(&output.stderr);
    let container = stack.container(2);
    assert!(
        stderr.contains(&format!(
            " {container} Commit {container} Committed as sha256:"
        )),
        "{stderr}"
    );
    assert_eq!(
        docker(&[
            "image",
            "inspect",
            "--format",
            "{{.Comment}}|{{.Author}}",
            &image
        ]),
        "a message|someone"
    );
    assert_eq!(
        docker(&[
            "run",
            "--rm",
            &image,
            "sh",
            "-c",
            "cat /marked; echo $COMMITTED"
        ]),
        "marked\nyes"
    );
    let output = stack.ours(&["commit", "--index", "9", "web"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("service \"web\" is not running container #9"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn export_writes_a_container_filesystem() {
    if !ready() {
        return;
    }
    let stack = Stack::new("export");
    let archive = stack.path().join("web.tar");
    let archive_text = archive.display().to_string();
    let output = stack.ours_ok(&["export", "-o", &archive_text, "web"]);
    let container = stack.container(1);
    assert!(
        text(&output.stderr).contains(&format!(
            " {container} export {container} to {archive_text} Exported"
        )),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        std::fs::metadata(&archive).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let names = |bytes: &[u8]| -> Vec<String> {
        tar::Archive::new(bytes)
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect()
    };
    let from_file = names(&std::fs::read(&archive).unwrap());
    assert!(
        from_file.contains(&"data/sub/two".to_owned()),
        "{from_file:?}"
    );
    // To stdout when it is not a terminal.
    let output = stack.ours_ok(&["export", "--index", "2", "web"]);
    assert!(names(&output.stdout).contains(&"bin/busybox".to_owned()));

    let output = stack.ours(&["export", "-o", "/nonexistent-dk/x.tar", "web"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(
            "failed to export container: invalid output path: directory \"/nonexistent-dk\" does not exist"
        ),
        "{}",
        text(&output.stderr)
    );
    stack.ours_ok(&["stop", "web"]);
    let output = stack.ours(&["export", "web"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("service \"web\" is not running"));
}
