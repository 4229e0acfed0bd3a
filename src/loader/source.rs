//! Source files read by the loader and positions inside them.
//! Every node of the parsed tree carries a `Span`, so any later stage can point at the
//! exact `file:line:col` that set a value, even after interpolation, merge and extends.

use std::fmt;

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A position in a source file: 1-based line and column.
/// `line == 0` means "no position known" (synthetic values such as defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub source: SourceId,
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub const fn new(source: SourceId, line: u32, column: u32) -> Self {
        Self {
            source,
            line,
            column,
        }
    }

    /// A span for values the loader invents (defaults, canonical forms).
    pub const fn synthetic() -> Self {
        Self {
            source: SourceId(u32::MAX),
            line: 0,
            column: 0,
        }
    }

    pub const fn is_known(&self) -> bool {
        self.line != 0 && self.source.0 != u32::MAX
    }
}

/// One source text: a compose file, an env file, or stdin.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (absolute path, or `-` for stdin).
    pub display_path: String,
    pub text: String,
}

/// All source texts of one load, indexed by [`SourceId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, display_path: impl Into<String>, text: impl Into<String>) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX - 1));
        self.files.push(SourceFile {
            display_path: display_path.into(),
            text: text.into(),
        });
        id
    }

    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The text of line `line` (1-based) of a source, without its newline.
    pub fn line_text(&self, span: Span) -> Option<&str> {
        if !span.is_known() {
            return None;
        }
        let file = self.get(span.source)?;
        lines(&file.text).nth(span.line as usize - 1)
    }

    /// `path:line:col` for a span, or `None` when the span is synthetic.
    pub fn location(&self, span: Span) -> Option<Location<'_>> {
        if !span.is_known() {
            return None;
        }
        let file = self.get(span.source)?;
        Some(Location {
            path: &file.display_path,
            line: span.line,
            column: span.column,
        })
    }
}

/// The lines of a text as YAML counts them (and so every position): a line ends at `\n`,
/// `\r\n` or a lone `\r`. The breaks are not included; no empty line follows a final break.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text).filter(|text| !text.is_empty());
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            None => {
                rest = None;
                Some(current)
            }
            Some(end) => {
                let after = if current[end..].starts_with("\r\n") {
                    end + 2
                } else {
                    end + 1
                };
                rest = Some(&current[after..]).filter(|next| !next.is_empty());
                Some(&current[..end])
            }
        }
    })
}

/// A printable `file:line:col`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location<'a> {
    pub path: &'a str,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn lines_end_where_yaml_ends_them() {
        assert_eq!(
            lines("a\nb\r\nc\rd").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert_eq!(lines("a\n\nb\n").collect::<Vec<_>>(), ["a", "", "b"]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("\r").collect::<Vec<_>>(), [""]);
    }
}
