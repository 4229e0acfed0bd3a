//! `dk-compose config` (YAML document and every list flag) and `dk-compose version`
//! against the reference (Docker Compose v2.40.3): golden outputs recorded from the
//! reference (always compared), and a live comparison when the reference binary is there.
//! Record again with `RECORD_CONFIG_FIXTURES=1 cargo test --test config_command`.
//! Tests may print: the diff of a mismatch is the point of this file.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_REFERENCE: &str = "/root/.cache/reference-compose/2.40.3/docker-compose";
const DEFAULT_CORPUS: &str = "/work/shared/corpus/awesome-compose";
/// Placeholders for absolute paths in recorded outputs.
const CORPUS_PLACEHOLDER: &str = "<corpus>";
const FIXTURE_PLACEHOLDER: &str = "<fixture-dir>";
const REPO_PLACEHOLDER: &str = "<repo>";
/// `$HOME` while running, so that `~` expands the same everywhere.
const FIXTURE_HOME: &str = "/home/fixture";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config")
}

fn our_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dk-compose"))
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("COMPOSE_CORPUS").map_or_else(|| PathBuf::from(DEFAULT_CORPUS), PathBuf::from)
}

/// The reference binary, or `None` (a failure on CI, where it must be installed).
fn reference_binary() -> Option<PathBuf> {
    let candidate = std::env::var_os("REFERENCE_COMPOSE")
        .map_or_else(|| PathBuf::from(DEFAULT_REFERENCE), PathBuf::from);
    if candidate.exists() {
        return Some(candidate);
    }
    let message = format!(
        "reference compose binary not found ({}); set REFERENCE_COMPOSE to compare live",
        candidate.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("notice: {message}; skipping the live comparison");
    None
}

/// The corpus samples (directory names, sorted), or `None` when the corpus is absent.
fn corpus_samples() -> Option<Vec<String>> {
    let entries = match std::fs::read_dir(corpus_dir()) {
        Ok(entries) => entries,
        Err(error) => {
            let message = format!("corpus {} not readable: {error}", corpus_dir().display());
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("notice: {message}; skipping the corpus");
            return None;
        }
    };
    let mut samples: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    samples.sort();
    Some(samples)
}

/// What one run printed.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    stdout: String,
    success: bool,
}

/// Runs `binary` in `directory` with a small fixed environment.
fn run(binary: &Path, directory: &Path, args: &[&str], environment: &[(&str, &str)]) -> Run {
    let mut command = Command::new(binary);
    command
        .current_dir(directory)
        .env_clear()
        .env("HOME", FIXTURE_HOME)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .args(args);
    for (key, value) in environment {
        command.env(key, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", binary.display()));
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        success: output.status.success(),
    }
}

/// A short line-based diff: the first lines that differ, with their numbers.
fn diff(ours: &str, expected: &str) -> String {
    let ours_lines: Vec<&str> = ours.split_inclusive('\n').collect();
    let expected_lines: Vec<&str> = expected.split_inclusive('\n').collect();
    let mut out = Vec::new();
    for index in 0..ours_lines.len().max(expected_lines.len()) {
        let (left, right) = (ours_lines.get(index), expected_lines.get(index));
        if left != right {
            out.push(format!(
                "  line {}: ours {:?}\n           expected {:?}",
                index + 1,
                left.unwrap_or(&"<end>"),
                right.unwrap_or(&"<end>")
            ));
        }
        if out.len() == 6 {
            out.push("  …".to_owned());
            break;
        }
    }
    out.join("\n")
}

fn finish(label: &str, total: usize, reports: &[String]) {
    println!("{label}: {}/{total} identical", total - reports.len());
    for report in reports {
        println!("{report}\n");
    }
    assert!(
        reports.is_empty(),
        "{label}: {} of {total} differ",
        reports.len()
    );
}

// ---------------------------------------------------------------------------------------
// The YAML document of every corpus sample.

fn corpus_golden(sample: &str) -> PathBuf {
    fixture_dir()
        .join("corpus-yaml")
        .join(format!("{sample}.yaml"))
}

fn corpus_yaml(binary: &Path, sample: &str) -> String {
    let corpus = corpus_dir();
    let output = run(binary, &corpus.join(sample), &["config"], &[]);
    assert!(
        output.success,
        "{} config failed in {sample}",
        binary.display()
    );
    output
        .stdout
        .replace(&corpus.to_string_lossy().into_owned(), CORPUS_PLACEHOLDER)
}

/// `config` prints byte for byte the YAML the reference printed for every sample.
#[test]
fn corpus_yaml_matches_recorded_reference_output() {
    let Some(samples) = corpus_samples() else {
        return;
    };
    let mut reports = Vec::new();
    for sample in &samples {
        let golden = corpus_golden(sample);
        let Ok(expected) = std::fs::read_to_string(&golden) else {
            reports.push(format!("{sample}: no recorded output {}", golden.display()));
            continue;
        };
        let ours = corpus_yaml(&our_binary(), sample);
        if ours != expected {
            reports.push(format!("{sample}:\n{}", diff(&ours, &expected)));
        }
    }
    finish("corpus YAML (recorded)", samples.len(), &reports);
}

/// Live: the same, against the reference itself.
#[test]
fn corpus_yaml_matches_live_reference() {
    let (Some(reference), Some(samples)) = (reference_binary(), corpus_samples()) else {
        return;
    };
    let mut reports = Vec::new();
    for sample in &samples {
        let expected = corpus_yaml(&reference, sample);
        let ours = corpus_yaml(&our_binary(), sample);
        if ours != expected {
            reports.push(format!("{sample}:\n{}", diff(&ours, &expected)));
        }
    }
    finish("corpus YAML (live)", samples.len(), &reports);
}

// ---------------------------------------------------------------------------------------
// Flags and style on fixtures.

/// One `config` invocation: a name (the golden file), the directory under
/// `tests/fixtures/config`, the arguments, and whether the reference's order is random
/// (it walks a Go map): then lines are compared sorted.
struct Case {
    name: &'static str,
    directory: &'static str,
    args: &'static [&'static str],
    unordered: bool,
}

const fn case(name: &'static str, directory: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        directory,
        args,
        unordered: false,
    }
}

const fn unordered(
    name: &'static str,
    directory: &'static str,
    args: &'static [&'static str],
) -> Case {
    Case {
        name,
        directory,
        args,
        unordered: true,
    }
}

const CASES: &[Case] = &[
    // The document: quoting, literal blocks, map order, extensions, yaml.v3 omitempty.
    case("quoting", ".", &["-f", "quoting.yaml", "config"]),
    case("structures", ".", &["-f", "structures.yaml", "config"]),
    unordered("ssh", ".", &["-f", "ssh.yaml", "config"]),
    case("document", "flags", &["config"]),
    // The JSON conformance fixtures, as YAML.
    case(
        "canonical-build",
        "../canonical",
        &["-f", "build.yaml", "config"],
    ),
    case(
        "canonical-dependencies",
        "../canonical",
        &["-f", "dependencies.yaml", "config"],
    ),
    case(
        "canonical-deploy",
        "../canonical",
        &["-f", "deploy.yaml", "config"],
    ),
    case(
        "canonical-env-files",
        "../canonical",
        &["-f", "env-files.yaml", "config"],
    ),
    case(
        "canonical-ports",
        "../canonical",
        &["-f", "ports.yaml", "config"],
    ),
    case(
        "canonical-resources",
        "../canonical",
        &["-f", "resources.yaml", "config"],
    ),
    case(
        "canonical-service-scalars",
        "../canonical",
        &["-f", "service-scalars.yaml", "config"],
    ),
    case(
        "canonical-strings-and-maps",
        "../canonical",
        &["-f", "strings-and-maps.yaml", "config"],
    ),
    case(
        "canonical-volumes",
        "../canonical",
        &["-f", "volumes.yaml", "config"],
    ),
    case("document-json", "flags", &["config", "--format", "json"]),
    // Services as arguments: the service, its dependencies, the resources they use.
    case("select-db", "flags", &["config", "db"]),
    case("select-web", "flags", &["config", "web"]),
    case("select-worker", "flags", &["config", "worker"]),
    case(
        "select-db-all-resources",
        "flags",
        &["--all-resources", "config", "db"],
    ),
    // Lists.
    case("services", "flags", &["config", "--services"]),
    case(
        "services-ignore-arguments",
        "flags",
        &["config", "--services", "worker"],
    ),
    unordered("volumes", "flags", &["config", "--volumes"]),
    unordered("networks", "flags", &["config", "--networks"]),
    case("profiles", "flags", &["config", "--profiles"]),
    unordered("images", "flags", &["config", "--images"]),
    unordered("images-web", "flags", &["config", "--images", "web"]),
    case(
        "models",
        ".",
        &["-f", "structures.yaml", "config", "--models"],
    ),
    case("hash-all", "flags", &["config", "--hash", "*"]),
    case("hash-some", "flags", &["config", "--hash", "web,db"]),
    case("hash-unknown", "flags", &["config", "--hash", "nope"]),
    unordered("variables", "flags", &["config", "--variables"]),
    case(
        "variables-json",
        "flags",
        &["config", "--variables", "--format", "json"],
    ),
    case(
        "variables-yaml",
        "flags",
        &["config", "--variables", "--format", "yaml"],
    ),
    case("environment", "flags", &["config", "--environment"]),
    // Quiet: the document is silenced, the lists are not.
    case("quiet", "flags", &["config", "-q"]),
    case("quiet-services", "flags", &["config", "-q", "--services"]),
    case(
        "quiet-environment",
        "flags",
        &["config", "-q", "--environment"],
    ),
    // Loader switches.
    case("no-interpolate", "flags", &["config", "--no-interpolate"]),
    case(
        "no-interpolate-json",
        "flags",
        &["config", "--no-interpolate", "--format", "json"],
    ),
    case(
        "no-interpolate-web",
        "flags",
        &["config", "--no-interpolate", "web"],
    ),
    unordered(
        "no-interpolate-services",
        "flags",
        &["config", "--no-interpolate", "--services"],
    ),
    case("no-normalize", "flags", &["config", "--no-normalize"]),
    case(
        "no-path-resolution",
        "flags",
        &["config", "--no-path-resolution"],
    ),
    case("no-consistency", "flags", &["config", "--no-consistency"]),
];

const CASE_ENVIRONMENT: &[(&str, &str)] = &[("TOKEN", "abc")];

/// The comparable text of one case: stdout with paths replaced (sorted lines for the
/// unordered ones), then the exit status.
fn case_output(binary: &Path, case: &Case) -> String {
    let directory = fixture_dir().join(case.directory);
    let output = run(binary, &directory, case.args, CASE_ENVIRONMENT);
    let directory_text = fixture_dir().to_string_lossy().into_owned();
    let binary_text = binary.to_string_lossy().into_owned();
    let mut text = output
        .stdout
        .replace(&directory_text, FIXTURE_PLACEHOLDER)
        .replace(env!("CARGO_MANIFEST_DIR"), REPO_PLACEHOLDER)
        // `--environment` shows `_`, the program's own path.
        .replace(&binary_text, "<binary>");
    if case.unordered {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        text = lines.iter().flat_map(|line| [*line, "\n"]).collect();
    }
    format!(
        "{text}\n[{}]\n",
        if output.success { "success" } else { "failure" }
    )
}

fn case_golden(case: &Case) -> PathBuf {
    fixture_dir()
        .join("cases")
        .join(format!("{}.out", case.name))
}

#[test]
fn flags_match_recorded_reference_output() {
    let mut reports = Vec::new();
    for case in CASES {
        let golden = case_golden(case);
        let Ok(expected) = std::fs::read_to_string(&golden) else {
            reports.push(format!(
                "{}: no recorded output {}",
                case.name,
                golden.display()
            ));
            continue;
        };
        let ours = case_output(&our_binary(), case);
        if ours != expected {
            reports.push(format!(
                "{} ({}):\n{}",
                case.name,
                case.args.join(" "),
                diff(&ours, &expected)
            ));
        }
    }
    finish("config flags (recorded)", CASES.len(), &reports);
}

#[test]
fn flags_match_live_reference() {
    let Some(reference) = reference_binary() else {
        return;
    };
    let mut reports = Vec::new();
    for case in CASES {
        let expected = case_output(&reference, case);
        let ours = case_output(&our_binary(), case);
        if ours != expected {
            reports.push(format!(
                "{} ({}):\n{}",
                case.name,
                case.args.join(" "),
                diff(&ours, &expected)
            ));
        }
    }
    finish("config flags (live)", CASES.len(), &reports);
}

/// `-o FILE` writes the document (and nothing on stdout); lists ignore it.
#[test]
fn output_file_receives_the_document_only() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory.path().join("out.yaml");
    let file_text = file.to_string_lossy().into_owned();
    let flags = fixture_dir().join("flags");
    let printed = run(
        &our_binary(),
        &flags,
        &["config", "-o", &file_text],
        CASE_ENVIRONMENT,
    );
    assert!(printed.success);
    assert_eq!(printed.stdout, "");
    let written = std::fs::read_to_string(&file).expect("written file");
    let document = run(&our_binary(), &flags, &["config"], CASE_ENVIRONMENT);
    assert_eq!(written, document.stdout);
    std::fs::remove_file(&file).expect("remove");
    let listed = run(
        &our_binary(),
        &flags,
        &["config", "--services", "-o", &file_text],
        CASE_ENVIRONMENT,
    );
    assert_eq!(listed.stdout, "db\napi\nweb\n");
    assert!(!file.exists());
    // `--dry-run` changes nothing here: the reference writes the file all the same.
    let dry = run(
        &our_binary(),
        &flags,
        &["--dry-run", "config", "-o", &file_text],
        CASE_ENVIRONMENT,
    );
    assert!(dry.success);
    assert_eq!(
        std::fs::read_to_string(&file).expect("written file"),
        written
    );
}

// ---------------------------------------------------------------------------------------
// `version`: the reference's shapes with our own name and version.

#[test]
fn version_has_the_reference_shapes() {
    let directory = std::env::temp_dir();
    let version = env!("CARGO_PKG_VERSION");
    let pretty = run(&our_binary(), &directory, &["version"], &[]);
    assert_eq!(pretty.stdout, format!("dk-compose version v{version}\n"));
    let short = run(&our_binary(), &directory, &["version", "--short"], &[]);
    assert_eq!(short.stdout, format!("{version}\n"));
    let json = run(
        &our_binary(),
        &directory,
        &["version", "--format", "json"],
        &[],
    );
    assert_eq!(json.stdout, format!("{{\"version\":\"v{version}\"}}\n"));
}

// ---------------------------------------------------------------------------------------
// Recording.

/// Records the reference's outputs (`RECORD_CONFIG_FIXTURES=1`).
#[test]
fn record_fixtures_when_asked() {
    if std::env::var_os("RECORD_CONFIG_FIXTURES").is_none() {
        return;
    }
    let reference = reference_binary().expect("the reference binary is needed to record");
    if let Some(samples) = corpus_samples() {
        std::fs::create_dir_all(fixture_dir().join("corpus-yaml")).expect("directory");
        for sample in &samples {
            std::fs::write(corpus_golden(sample), corpus_yaml(&reference, sample))
                .expect("write corpus output");
        }
    }
    std::fs::create_dir_all(fixture_dir().join("cases")).expect("directory");
    for case in CASES {
        std::fs::write(case_golden(case), case_output(&reference, case)).expect("write case");
    }
}
