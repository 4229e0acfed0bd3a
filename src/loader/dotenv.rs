//! `.env` / `--env-file` / `env_file:` parsing, matching compose-go v2.9.1 `dotenv/parser.go`
//! (quirks included) with exact `line:column` positions for errors. Pure: no file access.
//!
//! Syntax: `KEY=VAL`, `export KEY=VAL`, `KEY: VAL`, `#` comments, `'literal'`,
//! `"escapes \n and ${VAR}"`, multi-line quoted values, and a bare `KEY` line that copies
//! `KEY` from the lookup when it is set there.

use indexmap::IndexMap;

use super::error::Diagnostic;
use super::interpolate::template::{self, Resolver, TemplateError};
use super::source::{SourceId, Span};

/// Parses an env file on its own. `lookup` resolves `${VAR}` first, then the keys this file
/// defined earlier (compose-go `expandVariables` order).
pub fn parse(
    text: &str,
    source: SourceId,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, Diagnostic> {
    let mut out = IndexMap::new();
    let mut warnings = Vec::new();
    parse_into(text, source, lookup, &mut out, &mut warnings)?;
    Ok(out)
}

/// Parses an env file into `out`, which may already hold values (earlier env files, a
/// service's `environment`): the reference parses every file into one shared map.
/// `${VAR}` and bare `KEY` lines resolve through `lookup` first, then `out`. For the project
/// env files `lookup` is the OS environment; for a service's `env_file:` it is the project
/// environment, then the service's `environment` (compose-go `types/project.go`).
/// Unset variables add a warning (once per name and file), as the reference logs them.
pub fn parse_into(
    text: &str,
    source: SourceId,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut IndexMap<String, String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let mut parser = Parser {
        text,
        source,
        lookup,
        warned: Vec::new(),
        warnings,
    };
    parser.run(out)
}

struct Parser<'a, 'w> {
    text: &'a str,
    source: SourceId,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    warned: Vec<String>,
    warnings: &'w mut Vec<Diagnostic>,
}

/// A key found by [`Parser::locate_key`].
struct KeyName<'a> {
    name: &'a str,
    start: usize,
    /// Where the value starts (after `=`/`:` and blanks), or the next statement when inherited.
    rest: usize,
    /// A bare `KEY` line: the value comes from the lookup.
    inherited: bool,
}

/// The reference's `isSpace`: blanks that are not a line break.
fn is_blank(character: char) -> bool {
    matches!(
        character,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Go's `unicode.IsLetter || unicode.IsNumber`, as close as std allows.
fn is_key_letter(character: char) -> bool {
    character.is_alphanumeric()
}

impl<'a> Parser<'a, '_> {
    fn run(&mut self, out: &mut IndexMap<String, String>) -> Result<(), Diagnostic> {
        let mut position = if self.text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        while let Some(start) = self.statement_start(position) {
            let key = self.locate_key(start)?;
            if key.name.contains(' ') {
                return Err(Diagnostic::new(
                    format!("key `{}` cannot contain a space", key.name),
                    self.span(key.start),
                ));
            }
            if key.inherited {
                if let Some(value) = self.resolve(key.name, out) {
                    out.insert(key.name.to_owned(), value);
                }
                position = key.rest;
                continue;
            }
            let (value, next) = self.extract_value(key.rest, out)?;
            out.insert(key.name.to_owned(), value);
            position = next;
        }
        Ok(())
    }

    fn span(&self, offset: usize) -> Span {
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let column = before[line_start..].chars().count() + 1;
        Span::new(
            self.source,
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    fn resolve(&self, name: &str, out: &IndexMap<String, String>) -> Option<String> {
        (self.lookup)(name).or_else(|| out.get(name).cloned())
    }

    /// The start of the next statement, skipping whitespace and comment lines.
    fn statement_start(&self, mut position: usize) -> Option<usize> {
        loop {
            let offset =
                self.text[position..].find(|character: char| !character.is_whitespace())?;
            position += offset;
            if !self.text[position..].starts_with('#') {
                return Some(position);
            }
            position += self.text[position..].find('\n')?;
        }
    }

    fn locate_key(&self, mut start: usize) -> Result<KeyName<'a>, Diagnostic> {
        let text = self.text;
        // `^export\s+`: Go's `\s` is `[\t\n\f\r ]`.
        if let Some(after) = text[start..].strip_prefix("export") {
            if after.starts_with(['\t', '\n', '\u{c}', '\r', ' ']) {
                start += "export".len();
                start += text[start..]
                    .find(|character: char| !is_blank(character))
                    .unwrap_or(text.len() - start);
            }
        }
        for (offset, character) in text[start..].char_indices() {
            if is_blank(character) {
                continue;
            }
            match character {
                '=' | ':' | '\n' => {
                    let after = start + offset + 1;
                    let rest = after
                        + text[after..]
                            .find(|character: char| !is_blank(character))
                            .unwrap_or(text.len() - after);
                    return Ok(KeyName {
                        name: text[start..start + offset].trim_end(),
                        start,
                        rest,
                        inherited: character == '\n',
                    });
                }
                '_' | '.' | '-' | '[' | ']' => {}
                other if is_key_letter(other) => {}
                other => {
                    let line = text[start..].split('\n').next().unwrap_or_default();
                    return Err(Diagnostic::new(
                        format!("unexpected character `{other}` in variable name `{line}`"),
                        self.span(start + offset),
                    ));
                }
            }
        }
        // A last line without `=` nor newline: the reference reads it as the value of an
        // empty key (`Z=1\nNAME` at the end of a file defines `""` = `NAME`).
        Ok(KeyName {
            name: "",
            start,
            rest: start,
            inherited: false,
        })
    }

    /// Reads the value at `start`; returns it with the position of what follows.
    fn extract_value(
        &mut self,
        start: usize,
        out: &IndexMap<String, String>,
    ) -> Result<(String, usize), Diagnostic> {
        let text = self.text;
        let Some(&quote @ (b'"' | b'\'')) = text.as_bytes().get(start) else {
            let (line, next) = match text[start..].find('\n') {
                Some(offset) => (&text[start..start + offset], start + offset + 1),
                None => (&text[start..], text.len()),
            };
            // Inline comments only after a space (not a tab), as the reference cuts " #".
            let value = line.split_once(" #").map_or(line, |(value, _)| value);
            let value = self.expand(value.trim_end(), start, out)?;
            return Ok((value, next));
        };
        let bytes = text.as_bytes();
        let mut characters: Vec<u8> = Vec::new();
        let mut previous_is_escape = false;
        for (index, &byte) in bytes.iter().enumerate().skip(start + 1) {
            if byte != quote {
                if !previous_is_escape && byte == b'\\' {
                    previous_is_escape = true;
                    continue;
                }
                if previous_is_escape {
                    previous_is_escape = false;
                    characters.push(b'\\');
                }
                characters.push(byte);
                continue;
            }
            if previous_is_escape {
                previous_is_escape = false;
                characters.push(byte);
                continue;
            }
            // Only ASCII bytes were dropped, so this is still UTF-8.
            let value = String::from_utf8_lossy(&characters).into_owned();
            let value = if quote == b'"' {
                self.expand(&expand_escapes(&value), start, out)?
            } else {
                value
            };
            return Ok((value, index + 1));
        }
        let line = text[start..].split('\n').next().unwrap_or_default();
        Err(Diagnostic::new(
            format!("unterminated quoted value `{line}`"),
            self.span(start),
        )
        .with_hint(format!(
            "the {} opened here is never closed",
            if quote == b'"' {
                "double quote `\"`"
            } else {
                "single quote `'`"
            }
        )))
    }

    /// Interpolates a value that starts at `start` in the file.
    fn expand(
        &mut self,
        value: &str,
        start: usize,
        out: &IndexMap<String, String>,
    ) -> Result<String, Diagnostic> {
        let mut resolver = FileResolver {
            lookup: self.lookup,
            out,
            unset: Vec::new(),
        };
        let result = template::substitute(value, &mut resolver);
        for name in resolver.unset {
            if !self.warned.contains(&name) {
                self.warnings.push(Diagnostic::new(
                    format!("the `{name}` variable is not set, defaulting to a blank string"),
                    self.span(start),
                ));
                self.warned.push(name);
            }
        }
        result.map_err(|error| match error {
            TemplateError::Invalid { template } => Diagnostic::new(
                format!("invalid interpolation format `{template}`"),
                self.span(start),
            )
            .with_hint("you may need to escape any `$` with another `$`"),
            TemplateError::MissingRequired { variable, reason } => {
                Diagnostic::new(missing_message(&variable, &reason), self.span(start))
            }
        })
    }
}

/// "required variable `X` is missing a value[: reason]".
pub(crate) fn missing_message(variable: &str, reason: &str) -> String {
    if reason.is_empty() {
        format!("required variable `{variable}` is missing a value")
    } else {
        format!("required variable `{variable}` is missing a value: {reason}")
    }
}

struct FileResolver<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    out: &'a IndexMap<String, String>,
    unset: Vec<String>,
}

impl Resolver for FileResolver<'_> {
    fn lookup(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name).or_else(|| self.out.get(name).cloned())
    }

    fn unset(&mut self, name: &str) {
        self.unset.push(name.to_owned());
    }
}

/// Escape sequences of double-quoted values: the reference's regex
/// `\\(?:[abcfnrtv$"\\]|0\d{0,3})` then Go's `strconv.UnquoteChar`. `\$` becomes `$$` so the
/// template engine keeps a literal `$`; `\0ddd` is octal; anything else stays as written.
fn expand_escapes(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(index) = rest.find('\\') {
        out.push_str(&rest[..index]);
        let after = &rest[index + 1..];
        let Some(next) = after.chars().next() else {
            out.push('\\');
            rest = after;
            break;
        };
        let consumed = match next {
            'a' => push(&mut out, "\u{7}"),
            'b' => push(&mut out, "\u{8}"),
            'f' => push(&mut out, "\u{c}"),
            'n' => push(&mut out, "\n"),
            'r' => push(&mut out, "\r"),
            't' => push(&mut out, "\t"),
            'v' => push(&mut out, "\u{b}"),
            '$' => push(&mut out, "$$"),
            '"' => push(&mut out, "\""),
            '\\' => push(&mut out, "\\"),
            // In the regex's class but not a Go escape: UnquoteChar fails, the text stays.
            'c' => push(&mut out, "\\c"),
            '0' => {
                let digits: String = after[1..]
                    .chars()
                    .take(3)
                    .take_while(char::is_ascii_digit)
                    .collect();
                let octal = (digits.len() == 3)
                    .then(|| u32::from_str_radix(&digits, 8).ok())
                    .flatten()
                    .filter(|code| *code <= 0xff)
                    .and_then(char::from_u32);
                // The reference rewrote `\0` to `\` before trying, and keeps the rewrite.
                if let Some(character) = octal {
                    out.push(character);
                } else {
                    out.push('\\');
                    out.push_str(&digits);
                }
                1 + digits.len()
            }
            _ => {
                out.push('\\');
                0
            }
        };
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Appends `text`; returns 1, the length of the escaped character consumed.
fn push(out: &mut String, text: &str) -> usize {
    out.push_str(text);
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_reference() {
        assert_eq!(expand_escapes(r"tab\tq\x\a"), "tab\tq\\x\u{7}");
        assert_eq!(expand_escapes(r"\0123\0\01234"), "S\\S4");
        assert_eq!(
            expand_escapes(r"\01\012\0999\0400\0377"),
            "\\1\\12\\999\\400\u{ff}"
        );
        assert_eq!(expand_escapes(r"\$A\\n\c"), "$$A\\n\\c");
        assert_eq!(expand_escapes("end\\"), "end\\");
    }
}
