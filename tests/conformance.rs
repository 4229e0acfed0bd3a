//! `dk-compose config --format json` against the reference (Docker Compose v2.40.3):
//! golden fixtures recorded from the reference (always run), and a live comparison of the
//! awesome-compose corpus and the fixtures when the reference binary is available.
//! Tests may print: the diff of a mismatch is the point of this file.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The placeholder recorded fixtures use for their own directory.
const FIXTURE_DIR_PLACEHOLDER: &str = "<fixture-dir>";
/// Paths outside the fixture directory (e.g. `../base`) are recorded relative to the checkout.
const REPO_PLACEHOLDER: &str = "<repo>";
/// `$HOME` while running fixtures, so that `~` expands the same everywhere.
const FIXTURE_HOME: &str = "/home/fixture";
const DEFAULT_REFERENCE: &str = "/root/.cache/reference-compose/2.40.3/docker-compose";
/// The corpus lives in `shared/` beside the checkout (`../shared/corpus/awesome-compose`).
fn default_corpus() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/awesome-compose");
    std::fs::canonicalize(&path).unwrap_or(path)
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/canonical")
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture directory")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .collect();
    files.sort();
    files
}

/// `config --format json` of `binary`, run in `directory` with a small fixed environment.
fn config_json(binary: &Path, directory: &Path, file: Option<&Path>) -> Result<Value, String> {
    let mut command = Command::new(binary);
    command
        .current_dir(directory)
        .env_clear()
        .env("HOME", FIXTURE_HOME)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin");
    if let Some(file) = file {
        command.arg("-f").arg(file);
    }
    command.args(["config", "--format", "json"]);
    let output = command
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} exited with {}: {}",
            binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|error| {
        format!(
            "{} printed invalid JSON: {error}\n{}",
            binary.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Replaces `from` by `to` in every string of `value`.
fn rewrite_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) if text.contains(from) => *text = text.replace(from, to),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_strings(item, from, to)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| rewrite_strings(item, from, to)),
        _ => {}
    }
}

/// Readable differences between `ours` and `reference`, one line each, as JSON paths.
fn differences(ours: &Value, reference: &Value, path: &str, out: &mut Vec<String>) {
    let short = |value: &Value| {
        let text = value.to_string();
        if text.chars().count() > 160 {
            format!("{}…", text.chars().take(160).collect::<String>())
        } else {
            text
        }
    };
    match (ours, reference) {
        (Value::Object(left), Value::Object(right)) => {
            let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = format!("{path}.{key}");
                match (left.get(key), right.get(key)) {
                    (Some(left), Some(right)) => differences(left, right, &child, out),
                    (Some(left), None) => {
                        out.push(format!("{child}: only in ours: {}", short(left)));
                    }
                    (None, Some(right)) => {
                        out.push(format!(
                            "{child}: missing in ours, reference has {}",
                            short(right)
                        ));
                    }
                    (None, None) => {}
                }
            }
        }
        (Value::Array(left), Value::Array(right)) if left.len() == right.len() => {
            for (index, (left, right)) in left.iter().zip(right).enumerate() {
                differences(left, right, &format!("{path}[{index}]"), out);
            }
        }
        _ if ours != reference => {
            out.push(format!(
                "{}: ours {} ≠ reference {}",
                if path.is_empty() { "." } else { path },
                short(ours),
                short(reference)
            ));
        }
        _ => {}
    }
}

/// Compares and returns a report for one case, `None` when identical.
fn compare(name: &str, ours: &Value, reference: &Value) -> Option<String> {
    let mut lines = Vec::new();
    differences(ours, reference, "", &mut lines);
    if lines.is_empty() {
        return None;
    }
    let total = lines.len();
    lines.truncate(12);
    let mut report = format!("{name}: {total} difference(s)\n  {}", lines.join("\n  "));
    if total > lines.len() {
        report = format!("{report}\n  … and {} more", total - lines.len());
    }
    Some(report)
}

fn our_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dk-compose"))
}

/// The reference binary, or `None` (a failure on CI, where it must be installed).
fn reference_binary() -> Option<PathBuf> {
    let candidate = std::env::var_os("REFERENCE_COMPOSE")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(DEFAULT_REFERENCE)).filter(|path| path.exists()));
    match candidate {
        Some(path) if path.exists() => Some(path),
        other => {
            let message = format!(
                "reference compose binary not found ({}); set REFERENCE_COMPOSE to compare live",
                other.map_or_else(
                    || DEFAULT_REFERENCE.to_owned(),
                    |path| path.display().to_string()
                )
            );
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("notice: {message}; skipping the live comparison");
            None
        }
    }
}

fn finish(label: &str, total: usize, reports: &[String]) {
    println!("{label}: {}/{total} identical", total - reports.len());
    for report in reports {
        println!("{report}\n");
    }
    assert!(
        reports.is_empty(),
        "{label}: {} of {total} differ from the reference",
        reports.len()
    );
}

/// Our output for every fixture equals the reference's output recorded next to it.
#[test]
fn golden_fixtures_match_recorded_reference_output() {
    let directory = fixture_dir();
    let directory_text = directory.to_string_lossy().into_owned();
    let mut reports = Vec::new();
    let files = fixtures();
    assert!(!files.is_empty(), "no fixtures in {directory_text}");
    for file in &files {
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let recorded_path = file.with_extension("json");
        let recorded: Value = match std::fs::read_to_string(&recorded_path) {
            Ok(text) => serde_json::from_str(&text).expect("recorded JSON"),
            Err(error) => {
                reports.push(format!(
                    "{name}: no recorded output {}: {error}",
                    recorded_path.display()
                ));
                continue;
            }
        };
        match config_json(&our_binary(), &directory, Some(file)) {
            Ok(mut ours) => {
                rewrite_strings(&mut ours, &directory_text, FIXTURE_DIR_PLACEHOLDER);
                rewrite_strings(&mut ours, env!("CARGO_MANIFEST_DIR"), REPO_PLACEHOLDER);
                reports.extend(compare(&name, &ours, &recorded));
            }
            Err(error) => reports.push(format!("{name}: {error}")),
        }
    }
    finish("golden fixtures", files.len(), &reports);
}

/// Live: every awesome-compose sample and every fixture through both binaries.
#[test]
fn corpus_and_fixtures_match_live_reference() {
    let Some(reference) = reference_binary() else {
        return;
    };
    let corpus = std::env::var_os("COMPOSE_CORPUS").map_or_else(default_corpus, PathBuf::from);
    let mut cases: Vec<(String, PathBuf, Option<PathBuf>)> = Vec::new();
    match std::fs::read_dir(&corpus) {
        Ok(entries) => {
            let mut samples: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect();
            samples.sort();
            for sample in samples {
                let name = sample
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                cases.push((name, sample, None));
            }
        }
        Err(error) => {
            let message = format!("corpus {} not readable: {error}", corpus.display());
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("notice: {message}; comparing fixtures only");
        }
    }
    for file in fixtures() {
        let name = format!(
            "fixture {}",
            file.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        cases.push((name, fixture_dir(), Some(file)));
    }
    let mut corpus_reports = Vec::new();
    let mut fixture_reports = Vec::new();
    let mut corpus_total = 0;
    for (name, directory, file) in &cases {
        let reports = if file.is_none() {
            corpus_total += 1;
            &mut corpus_reports
        } else {
            &mut fixture_reports
        };
        let expected = match config_json(&reference, directory, file.as_deref()) {
            Ok(value) => value,
            Err(error) => {
                reports.push(format!("{name}: the reference failed: {error}"));
                continue;
            }
        };
        match config_json(&our_binary(), directory, file.as_deref()) {
            Ok(ours) => reports.extend(compare(name, &ours, &expected)),
            Err(error) => reports.push(format!("{name}: {error}")),
        }
    }
    let fixture_total = cases.len() - corpus_total;
    finish("corpus (live)", corpus_total, &corpus_reports);
    finish("fixtures (live)", fixture_total, &fixture_reports);
}

/// Records the reference's output for every fixture (`RECORD_CANONICAL_FIXTURES=1`).
#[test]
fn record_fixtures_when_asked() {
    if std::env::var_os("RECORD_CANONICAL_FIXTURES").is_none() {
        return;
    }
    let reference = reference_binary().expect("the reference binary is needed to record fixtures");
    let directory = fixture_dir();
    let directory_text = directory.to_string_lossy().into_owned();
    for file in fixtures() {
        let mut value = config_json(&reference, &directory, Some(&file)).expect("reference output");
        rewrite_strings(&mut value, &directory_text, FIXTURE_DIR_PLACEHOLDER);
        rewrite_strings(&mut value, env!("CARGO_MANIFEST_DIR"), REPO_PLACEHOLDER);
        let mut text = serde_json::to_string_pretty(&value).expect("JSON");
        text.push('\n');
        std::fs::write(file.with_extension("json"), text).expect("write recorded output");
    }
}
