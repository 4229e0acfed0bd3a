//! The `${VAR}` template engine, shared by compose-file interpolation and `.env` parsing.
//! Matches compose-go v2.9.1 `template/template.go` byte for byte, quirks included (see the
//! notes on `match_at` and `first_brace_closing_index`). Pure string work: no tree, no spans.

/// Why a template could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A `${` that does not start a valid expression. `template` is the text being expanded
    /// when the bad `${` was met (for a nested default, the default's own text).
    Invalid { template: String },
    /// `${VAR:?reason}` / `${VAR?reason}` with `VAR` missing (or empty for `:?`).
    MissingRequired { variable: String, reason: String },
}

/// The operator of a braced expression, as written after the variable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `:-`: default when unset or empty.
    DefaultWhenEmptyOrUnset,
    /// `-`: default when unset.
    DefaultWhenUnset,
    /// `:+`: alternate when set and not empty.
    AlternateWhenNotEmpty,
    /// `+`: alternate when set.
    AlternateWhenSet,
    /// `:?`: error when unset or empty.
    RequiredNotEmpty,
    /// `?`: error when unset.
    Required,
}

impl Operator {
    /// Reads an operator at the start of `text`; returns it with its length in bytes.
    fn parse(text: &str) -> Option<(Self, usize)> {
        let bytes = text.as_bytes();
        let (colon, next) = match bytes.first()? {
            b':' => (true, *bytes.get(1)?),
            other => (false, *other),
        };
        let operator = match (colon, next) {
            (true, b'-') => Self::DefaultWhenEmptyOrUnset,
            (false, b'-') => Self::DefaultWhenUnset,
            (true, b'+') => Self::AlternateWhenNotEmpty,
            (false, b'+') => Self::AlternateWhenSet,
            (true, b'?') => Self::RequiredNotEmpty,
            (false, b'?') => Self::Required,
            _ => return None,
        };
        Some((operator, if colon { 2 } else { 1 }))
    }
}

/// Where variables come from, and what happens when one is missing.
pub trait Resolver {
    /// The value of `name`, `None` when it is not set.
    fn lookup(&mut self, name: &str) -> Option<String>;
    /// Called for each `$VAR` / `${VAR}` (no operator) whose variable is not set; the
    /// reference logs "The "VAR" variable is not set. Defaulting to a blank string.".
    fn unset(&mut self, name: &str);
}

/// What the pattern matched at a `$`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// `$$`.
    Escaped,
    /// `$NAME`: the name ends at `name_end`.
    Named { name_end: usize },
    /// `${...}`: the whole match ends (exclusive) at `end`, the name at `name_end`.
    Braced { name_end: usize, end: usize },
    /// `${` not followed by a valid expression.
    Invalid,
}

/// Characters allowed at the start of a name. The reference's pattern is
/// `(?i:[_a-z][_a-z0-9]*)`, and Go's case folding adds `ſ` (U+017F, folds to `s`) and
/// the Kelvin sign `K` (U+212A, folds to `k`): `${ſ}` really is a variable there.
pub(crate) fn is_name_start(character: char) -> bool {
    character == '_'
        || character.is_ascii_alphabetic()
        || matches!(character, '\u{17f}' | '\u{212a}')
}

pub(crate) fn is_name_char(character: char) -> bool {
    is_name_start(character) || character.is_ascii_digit()
}

/// The end (exclusive) of the name starting at `start`, `None` when no name starts there.
fn name_end(text: &str, start: usize) -> Option<usize> {
    let mut characters = text[start..].char_indices();
    let (_, first) = characters.next()?;
    if !is_name_start(first) {
        return None;
    }
    let end = characters
        .find(|(_, character)| !is_name_char(*character))
        .map_or(text.len(), |(offset, _)| start + offset);
    Some(end)
}

/// Matches the reference's pattern at `start` (where `text[start]` is `$`). `None` means the
/// pattern does not match here and the `$` is kept literally.
///
/// The braced branch is `\{[_a-z][_a-z0-9]*(?::?[-+?](.*))?\}`: `.*` is greedy and does
/// not cross a newline, so with an operator the match runs to the LAST `}` of the line;
/// the caller then cuts it at the first balanced `}` and expands the remainder separately.
pub(crate) fn match_at(text: &str, start: usize) -> Option<Match> {
    let after = start + 1;
    let next = text[after..].chars().next()?;
    if next == '$' {
        return Some(Match::Escaped);
    }
    if is_name_start(next) {
        let end = name_end(text, after)?;
        return Some(Match::Named { name_end: end });
    }
    if next != '{' {
        return None;
    }
    let name_start = after + 1;
    let Some(end_of_name) = name_end(text, name_start) else {
        return Some(Match::Invalid);
    };
    let rest = &text[end_of_name..];
    if rest.starts_with('}') {
        return Some(Match::Braced {
            name_end: end_of_name,
            end: end_of_name + 1,
        });
    }
    let Some((_, operator_length)) = Operator::parse(rest) else {
        return Some(Match::Invalid);
    };
    let argument_start = end_of_name + operator_length;
    let line = text[argument_start..]
        .split('\n')
        .next()
        .unwrap_or_default();
    match line.rfind('}') {
        Some(offset) => Some(Match::Braced {
            name_end: end_of_name,
            end: argument_start + offset + 1,
        }),
        None => Some(Match::Invalid),
    }
}

/// compose-go `getFirstBraceClosingIndex`: the index of the `}` closing the first `{`.
/// Quirk kept on purpose: the character right after each `{` is skipped, so in `${U:-{}}`
/// the inner `{}` never closes and the whole match is one expression.
pub(crate) fn first_brace_closing_index(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open = 0_i64;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(index);
            }
        }
        if bytes[index] == b'{' {
            open += 1;
            index += 1;
        }
        index += 1;
    }
    None
}

/// Expands every expression of `template`.
pub fn substitute(template: &str, resolver: &mut dyn Resolver) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut position = 0;
    while let Some(offset) = template[position..].find('$') {
        let start = position + offset;
        out.push_str(&template[position..start]);
        match match_at(template, start) {
            None => {
                out.push('$');
                position = start + 1;
            }
            Some(Match::Escaped) => {
                out.push('$');
                position = start + 2;
            }
            Some(Match::Named { name_end }) => {
                out.push_str(&lookup_or_warn(&template[start + 1..name_end], resolver));
                position = name_end;
            }
            Some(Match::Braced { name_end, end }) => {
                out.push_str(&expand_braced(
                    &template[start..end],
                    name_end - start,
                    resolver,
                )?);
                position = end;
            }
            Some(Match::Invalid) => {
                return Err(TemplateError::Invalid {
                    template: template.to_owned(),
                });
            }
        }
    }
    out.push_str(&template[position..]);
    Ok(out)
}

fn lookup_or_warn(name: &str, resolver: &mut dyn Resolver) -> String {
    resolver.lookup(name).unwrap_or_else(|| {
        resolver.unset(name);
        String::new()
    })
}

/// Expands one braced match (`whole` starts with `${`, the name ends at `name_end`).
fn expand_braced(
    whole: &str,
    name_end: usize,
    resolver: &mut dyn Resolver,
) -> Result<String, TemplateError> {
    let name = &whole[2..name_end];
    let (expression, rest) = match first_brace_closing_index(whole) {
        Some(index) => (&whole[..=index], &whole[index + 1..]),
        None => (whole, ""),
    };
    // `expression` ends with the `}` closing the braces; what sits between is `NAME[op arg]`.
    let inner = &expression[name_end..expression.len() - 1];
    let Some((operator, operator_length)) = Operator::parse(inner) else {
        return Ok(lookup_or_warn(name, resolver));
    };
    // The reference expands the argument before looking at the variable, so an unused
    // default can still fail (`${SET:-${UNSET:?x}}`) or warn.
    let argument = substitute(&inner[operator_length..], resolver)?;
    let value = resolver.lookup(name);
    let result = match operator {
        Operator::DefaultWhenEmptyOrUnset => match value {
            Some(value) if !value.is_empty() => value,
            _ => argument,
        },
        Operator::DefaultWhenUnset => value.unwrap_or(argument),
        Operator::AlternateWhenNotEmpty => match value {
            Some(value) if !value.is_empty() => argument,
            other => other.unwrap_or_default(),
        },
        Operator::AlternateWhenSet => value.map(|_| argument).unwrap_or_default(),
        Operator::RequiredNotEmpty | Operator::Required => match value {
            Some(value) if operator == Operator::Required || !value.is_empty() => value,
            _ => {
                return Err(TemplateError::MissingRequired {
                    variable: name.to_owned(),
                    reason: argument,
                });
            }
        },
    };
    Ok(result + &substitute(rest, resolver)?)
}

/// A [`Resolver`] over a closure that records unset names in order, once each.
pub struct ClosureResolver<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Names met unset, in first-use order, without repeats.
    pub unset_names: Vec<String>,
}

impl<'a> ClosureResolver<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            unset_names: Vec::new(),
        }
    }
}

impl Resolver for ClosureResolver<'_> {
    fn lookup(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    fn unset(&mut self, name: &str) {
        if !self.unset_names.iter().any(|known| known == name) {
            self.unset_names.push(name.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Environment of every case below: `A=va`, `E=` (set, empty), `K=kelvin`, `aB_1=mixed`.
    fn environment(name: &str) -> Option<String> {
        match name {
            "A" => Some("va".into()),
            "E" => Some(String::new()),
            "aB_1" => Some("mixed".into()),
            "\u{212a}" => Some("kelvin".into()),
            _ => None,
        }
    }

    fn run(template: &str) -> (Result<String, TemplateError>, Vec<String>) {
        let mut resolver = ClosureResolver::new(&environment);
        let result = substitute(template, &mut resolver);
        (result, resolver.unset_names)
    }

    fn ok(template: &str) -> String {
        match run(template).0 {
            Ok(value) => value,
            Err(error) => panic!("`{template}` failed: {error:?}"),
        }
    }

    fn invalid(template: &str) -> String {
        match run(template).0 {
            Err(TemplateError::Invalid { template }) => template,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    fn missing(template: &str) -> (String, String) {
        match run(template).0 {
            Err(TemplateError::MissingRequired { variable, reason }) => (variable, reason),
            other => panic!("expected missing, got {other:?}"),
        }
    }

    // Every expectation below was produced by docker compose v2.40.3 (`config --format json`
    // on `labels: {v: TEMPLATE}` with A=va E= set), before `$` re-escaping on output.
    #[test]
    fn plain_forms() {
        assert_eq!(ok("$$"), "$");
        assert_eq!(ok("a$"), "a$");
        assert_eq!(ok("$1"), "$1");
        assert_eq!(ok("$$A"), "$A");
        assert_eq!(ok("$$$A"), "$va");
        assert_eq!(ok("${A}"), "va");
        assert_eq!(ok("$A"), "va");
        assert_eq!(ok("$Ab-c"), "-c");
        assert_eq!(ok("$-"), "$-");
        assert_eq!(ok("$ {A}"), "$ {A}");
        assert_eq!(ok("${aB_1}"), "mixed");
        assert_eq!(ok("$a.b"), ".b");
        assert_eq!(ok("$A\u{e9}"), "va\u{e9}");
        assert_eq!(ok("${A}${A}"), "vava");
    }

    #[test]
    fn defaults_and_alternates() {
        assert_eq!(ok("${A:-d}"), "va");
        assert_eq!(ok("${E:-d}"), "d");
        assert_eq!(ok("${E-d}"), "");
        assert_eq!(ok("${U-d}"), "d");
        assert_eq!(ok("${U:-d}"), "d");
        assert_eq!(ok("${A:+alt}"), "alt");
        assert_eq!(ok("${E:+alt}"), "");
        assert_eq!(ok("${E+alt}"), "alt");
        assert_eq!(ok("${U+alt}"), "");
        assert_eq!(ok("${U:+x}"), "");
        assert_eq!(ok("${A:?}"), "va");
        assert_eq!(ok("${A?}"), "va");
        assert_eq!(ok("${E?}"), "");
        assert_eq!(ok("${E?ok}"), "");
    }

    #[test]
    fn nesting_and_brace_quirks() {
        assert_eq!(ok("${U:-${A:-x}}"), "va");
        assert_eq!(ok("${U:-${U2:-x}}"), "x");
        assert_eq!(ok("${U:-x}}"), "x}");
        assert_eq!(ok("${U:-{}"), "{");
        assert_eq!(ok("${U:-{}}"), "{}");
        assert_eq!(ok("${U:-{x}y}"), "{x}y");
        assert_eq!(ok("${U-a}b}"), "ab}");
        assert_eq!(ok("${U:-a}-${A}"), "a-va");
        assert_eq!(ok("${U-a:-b}"), "a:-b");
        assert_eq!(ok("${A:-x} and ${U:-y}"), "va and y");
        assert_eq!(ok("${U:-$$}"), "$");
        assert_eq!(ok("${U:-a${A}b}c"), "avabc");
        assert_eq!(ok("${U:-${E:+z}}"), "");
    }

    #[test]
    fn go_case_folding_names() {
        // `ſ` and the Kelvin sign are names in the reference (Go's (?i) folding).
        assert_eq!(
            run("${\u{17f}}"),
            (Ok(String::new()), vec!["\u{17f}".into()])
        );
        assert_eq!(ok("${\u{212a}}"), "kelvin");
    }

    #[test]
    fn invalid_templates_report_the_innermost_text() {
        assert_eq!(invalid("${}"), "${}");
        assert_eq!(invalid("${1}"), "${1}");
        assert_eq!(invalid("${A B}"), "${A B}");
        assert_eq!(invalid("${A"), "${A");
        assert_eq!(invalid("${A:x}"), "${A:x}");
        assert_eq!(invalid("${U:-${}"), "${");
        assert_eq!(invalid("${U:-${B}"), "${B");
        assert_eq!(invalid("${A:-x} ${"), "${A:-x} ${");
        assert_eq!(invalid("${U:-x\ny}"), "${U:-x\ny}");
    }

    #[test]
    fn required_errors() {
        assert_eq!(missing("x${U:?}"), ("U".into(), String::new()));
        assert_eq!(missing("${U?}"), ("U".into(), String::new()));
        assert_eq!(missing("${E:?boom $A}"), ("E".into(), "boom va".into()));
        // The default is expanded even when unused.
        assert_eq!(missing("${A:-${U:?boom}}"), ("U".into(), "boom".into()));
    }

    #[test]
    fn unset_warnings_once_per_name_including_unused_arguments() {
        assert_eq!(
            run("$U ${U} ${U2}").1,
            vec!["U".to_owned(), "U2".to_owned()]
        );
        assert_eq!(run("${A:-${U}}"), (Ok("va".into()), vec!["U".into()]));
        assert_eq!(run("${A:+${U3}}"), (Ok(String::new()), vec!["U3".into()]));
        // Operators do not warn about their own variable.
        assert_eq!(run("${U:-d}${U-d}${U:+a}${U+a}").1, Vec::<String>::new());
    }
}
