//! `.env` / `--env-file` parsing (compose-go `dotenv/parser.go` semantics).
//! STUB: only `KEY=VALUE` lines; quoting, escapes, `export`, multi-line and interpolation pending.

use indexmap::IndexMap;

use super::error::Diagnostic;
use super::source::{SourceId, Span};

/// Parses an env file. `lookup` resolves `${VAR}` against earlier keys and the OS env.
pub fn parse(
    text: &str,
    source: SourceId,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, Diagnostic> {
    let _ = lookup;
    let mut out = IndexMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let (key, value) = line.split_once('=').ok_or_else(|| {
            Diagnostic::new(
                format!("unexpected character in env file line `{line}`"),
                Span::new(source, line_number, 1),
            )
        })?;
        out.insert(key.trim().to_owned(), value.to_owned());
    }
    Ok(out)
}
