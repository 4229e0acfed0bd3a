//! Plain command output on stdout/stderr, the only place allowed to print.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;

/// Writes `text` to stdout as is (the caller adds newlines).
pub fn stdout(text: &str) {
    let mut handle = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = handle.write_all(text.as_bytes());
    let _ = handle.flush();
}

/// Writes one line to stderr.
pub fn stderr_line(text: &str) {
    eprintln!("{text}");
}

/// Writes `text` to stderr without a newline (the reference's `Fprintf` messages).
pub fn stderr_text(text: &str) {
    eprint!("{text}");
}

/// Writes raw bytes to stdout (a tar archive for `cp SERVICE:SRC -` and `export`); unlike
/// text, a failed write is the caller's error (the archive would be cut short).
pub fn stdout_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut handle = std::io::stdout().lock();
    handle.write_all(bytes)?;
    handle.flush()
}

/// Whether stdout is a terminal (`export` refuses to write an archive to one).
pub fn stdout_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdout())
}
