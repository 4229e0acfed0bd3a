//! Robustness of the loader against broken input: ~2,000 deterministic mutations of the
//! compose files under `tests/fixtures/` (and of the awesome-compose corpus when it is on this
//! machine) must load or fail cleanly — no panic, every error either at a real `file:line:col`
//! or global — and a sample runs through the binary, which must exit 0 or 1.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use dk_compose::loader::{self, LoadError, LoadOptions};
use dk_compose::output::diagnostic::{Colour, render_load_error};

/// How many mutated documents the in-process run loads (`DK_FUZZ_MUTATIONS` for a longer
/// run on demand, `DK_FUZZ_SEED` for another sequence).
const MUTATIONS: usize = 2_000;
/// How many of them also go through the binary (exit code, no panic message).
const BINARY_SAMPLE: usize = 40;
const CORPUS: &str = "/work/shared/corpus/awesome-compose";
/// Errors about a file as a whole (it cannot be read, it holds nothing): no position.
const GLOBAL_ERRORS: &[&str] = &["cannot read compose file `", "empty compose file"];

/// SplitMix64: a small deterministic generator, so a failure reproduces from its index.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % bound as u64).unwrap_or(0)
    }
}

/// Bytes and snippets that mean something to YAML, interpolation or compose.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "-",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "&a ",
    "*a",
    "!reset ",
    "!override ",
    "<<: *a",
    "---",
    "...",
    "#",
    "|",
    ">",
    "\t",
    "\n",
    "  ",
    "$",
    "${",
    "${X:?e}",
    "$$",
    "}",
    "?",
    "%",
    "@",
    "`",
    "\\",
    "~",
    "null",
    "0x",
    "1e9",
    "-1",
    "99999999999999999999",
    "\u{feff}",
    "é",
    "\u{0}",
    "\r",
];

/// One random edit of `text`, by line or by byte (the result may not be UTF-8).
fn mutate(text: &[u8], random: &mut Random) -> Vec<u8> {
    let mut bytes = text.to_vec();
    let mut lines: Vec<Vec<u8>> = bytes
        .split(|byte| *byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    match random.below(9) {
        // Flip one bit.
        0 if !bytes.is_empty() => {
            let at = random.below(bytes.len());
            bytes[at] ^= 1 << random.below(8);
        }
        // Replace a byte by a printable or structural one.
        1 if !bytes.is_empty() => {
            let at = random.below(bytes.len());
            let structural = b":-[]{},\"'&*!#|> \t\n$";
            bytes[at] = if random.below(2) == 0 {
                structural[random.below(structural.len())]
            } else {
                u8::try_from(32 + random.below(95)).unwrap_or(b'x')
            };
        }
        // Truncate.
        2 => bytes.truncate(random.below(bytes.len() + 1)),
        // Insert a token somewhere.
        3 => {
            let at = random.below(bytes.len() + 1);
            let token = TOKENS[random.below(TOKENS.len())].as_bytes();
            bytes.splice(at..at, token.iter().copied());
        }
        // Swap two lines.
        4 if lines.len() > 1 => {
            let first = random.below(lines.len());
            let second = random.below(lines.len());
            lines.swap(first, second);
            bytes = lines.join(&b'\n');
        }
        // Re-indent a line (more, less, or with a tab).
        5 if !lines.is_empty() => {
            let at = random.below(lines.len());
            let line = &mut lines[at];
            match random.below(3) {
                0 => line.splice(0..0, b"  ".iter().copied()).for_each(drop),
                1 => {
                    let leading = line.iter().take_while(|byte| **byte == b' ').count();
                    line.drain(..leading.min(1 + random.below(4)));
                }
                _ => line.insert(0, b'\t'),
            }
            bytes = lines.join(&b'\n');
        }
        // Duplicate a line (duplicate keys, repeated items).
        6 if !lines.is_empty() => {
            let at = random.below(lines.len());
            let copy = lines[at].clone();
            lines.insert(at, copy);
            bytes = lines.join(&b'\n');
        }
        // Delete a line.
        7 if !lines.is_empty() => {
            lines.remove(random.below(lines.len()));
            bytes = lines.join(&b'\n');
        }
        // Replace a scalar after `: ` with a token (a type change, a bad value).
        _ => {
            let at = random.below(lines.len().max(1));
            if let Some(line) = lines.get_mut(at) {
                if let Some(colon) = line.windows(2).position(|pair| pair == b": ") {
                    line.truncate(colon + 2);
                    line.extend_from_slice(TOKENS[random.below(TOKENS.len())].as_bytes());
                }
            }
            bytes = lines.join(&b'\n');
        }
    }
    bytes
}

/// Every compose file below `root` (recursively), sorted.
fn compose_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            compose_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "yaml" || extension == "yml")
        {
            out.push(path);
        }
    }
}

/// Seeds: the repository's fixtures, then the corpus when present.
fn seeds() -> Vec<PathBuf> {
    let mut files = Vec::new();
    compose_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut files,
    );
    let mut corpus = Vec::new();
    compose_files(Path::new(CORPUS), &mut corpus);
    files.extend(corpus.into_iter().filter(|path| {
        path.file_stem()
            .is_some_and(|stem| stem == "compose" || stem == "docker-compose")
    }));
    files
}

/// Copies `from` into `to` (small fixture directories), so that env files, `extends` and
/// `include` targets next to a seed are found by its mutations.
fn copy_directory(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from)
        .expect("read directory")
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_directory(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

fn options(directory: &Path, file: &Path) -> LoadOptions {
    LoadOptions {
        files: vec![file.to_path_buf()],
        project_name: Some("fuzz".to_owned()),
        current_dir: directory.to_path_buf(),
        os_env: [("HOME", "/home/fuzz"), ("PATH", "/usr/bin:/bin")]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
        ..LoadOptions::default()
    }
}

/// Problems with one failed load: a position that does not exist in its file.
fn position_problems(error: &LoadError) -> Vec<String> {
    let mut problems = Vec::new();
    if error.diagnostics.is_empty() {
        problems.push("a failed load without any diagnostic".to_owned());
    }
    for diagnostic in &error.diagnostics {
        if !diagnostic.span.is_known() {
            // Only errors about the file as a whole may come without a position.
            if !GLOBAL_ERRORS
                .iter()
                .any(|prefix| diagnostic.message.starts_with(prefix))
            {
                problems.push(format!("`{}` has no position", diagnostic.message));
            }
            continue;
        }
        let Some(location) = error.sources.location(diagnostic.span) else {
            problems.push(format!(
                "`{}`: span of an unknown source",
                diagnostic.message
            ));
            continue;
        };
        let text = &error
            .sources
            .get(diagnostic.span.source)
            .expect("source")
            .text;
        let line_count = loader::source::lines(text).count().max(1);
        let line_ok = (diagnostic.span.line as usize) <= line_count;
        let column_ok = diagnostic.span.column >= 1
            && error
                .sources
                .line_text(diagnostic.span)
                .is_none_or(|line| diagnostic.span.column as usize <= line.chars().count() + 1);
        if !line_ok || !column_ok {
            problems.push(format!(
                "`{}`: position {location} is outside its file",
                diagnostic.message
            ));
        }
    }
    problems
}

#[test]
fn mutated_compose_files_load_or_fail_with_positions() {
    let seeds = seeds();
    assert!(!seeds.is_empty(), "no seed files");
    let workspace = tempfile::tempdir().expect("temp dir");
    let from_env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
    };
    let mutations = from_env("DK_FUZZ_MUTATIONS")
        .and_then(|count| usize::try_from(count).ok())
        .unwrap_or(MUTATIONS);
    let mut random = Random(from_env("DK_FUZZ_SEED").unwrap_or(0x00C0_FFEE));
    let mut copies: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut sample = Vec::new();
    let (mut loaded, mut rejected) = (0_usize, 0_usize);
    for index in 0..mutations {
        let seed = &seeds[index % seeds.len()];
        let seed_dir = seed.parent().expect("seed directory");
        // One copy of each seed's directory; the mutation is written next to the seed.
        let next = copies.len();
        let directory = copies
            .entry(seed_dir.to_path_buf())
            .or_insert_with(|| {
                let directory = workspace.path().join(format!("d{next}"));
                copy_directory(seed_dir, &directory);
                directory
            })
            .clone();
        let original = std::fs::read(seed).expect("read seed");
        let mut text = mutate(&original, &mut random);
        for _ in 0..random.below(3) {
            text = mutate(&text, &mut random);
        }
        // One file per directory, rewritten each time (creating files is the slow part).
        let file = directory.join("fuzz.yaml");
        std::fs::write(&file, &text).expect("write mutation");
        let options = options(&directory, &file);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            loader::load(&options).map(|_| ()).inspect_err(|error| {
                // Rendering is part of failing cleanly (carets on odd lines).
                let _ = render_load_error(error, Colour::Never);
            })
        }));
        match outcome {
            Err(_) => failures.push(format!(
                "mutation {index} of {} panicked:\n{}",
                seed.display(),
                String::from_utf8_lossy(&text)
            )),
            Ok(Ok(())) => loaded += 1,
            Ok(Err(error)) => {
                rejected += 1;
                for problem in position_problems(&error) {
                    failures.push(format!(
                        "mutation {index} of {}: {problem}\n{}",
                        seed.display(),
                        String::from_utf8_lossy(&text)
                    ));
                }
            }
        }
        if index % (mutations / BINARY_SAMPLE).max(1) == 0 && sample.len() < BINARY_SAMPLE {
            let kept = directory.join(format!("fuzz-{index}.yaml"));
            std::fs::write(&kept, &text).expect("write sample");
            sample.push((directory.clone(), kept));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Both outcomes are exercised: the mutations are neither all fatal nor all harmless.
    assert!(
        loaded > mutations / 20 && rejected > mutations / 5,
        "loaded {loaded}, rejected {rejected}"
    );

    for (directory, file) in sample {
        let output = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
            .arg("-f")
            .arg(&file)
            .args(["-p", "fuzz", "config"])
            .current_dir(&directory)
            .env_clear()
            .env("HOME", "/home/fuzz")
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(output.status.code(), Some(0 | 1)) && !stderr.contains("panicked"),
            "{}: exit {:?}\n{stderr}",
            file.display(),
            output.status.code()
        );
    }
}
