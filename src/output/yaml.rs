//! A small YAML emitter for `serde_json::Value` that writes exactly what gopkg.in/yaml.v3
//! (`Encoder.SetIndent(2)`) writes for the same Go values: block style, sequences indented
//! under their key, scalars quoted only when they must be, `|`-blocks for multi-line text.
//! Pure text in, text out; key order is the caller's (see [`compare_keys`] for Go maps).
//!
//! The code follows yaml.v3's port of libyaml (`encode.go`, `resolve.go`, `emitterc.go`)
//! closely on purpose: the emitter's state (column, whether the last character was
//! whitespace or indentation) decides where spaces and line breaks go.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// yaml.v3's `best_indent` as compose sets it (`encoder.SetIndent(2)`).
const BEST_INDENT: usize = 2;
/// libyaml writes a mapping key longer than this in the explicit `? key` form.
const SIMPLE_KEY_LIMIT: usize = 128;

/// Which yaml.v3 release to imitate: they differ in one detail, a line break after a
/// literal block's header (go-yaml#755), which shows when the text starts with a break.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Release {
    /// `go.yaml.in/yaml/v3` v3.0.4, which compose-go's `Project.MarshalYAML` uses.
    #[default]
    V3_0_4,
    /// `gopkg.in/yaml.v3` v3.0.1, which `config --no-interpolate` uses (`formatModel`).
    V3_0_1,
}

/// The document `value` as compose-go marshals it (yaml.v3 v3.0.4, indent 2), ending
/// with a newline.
pub fn to_string(value: &Value) -> String {
    to_string_with(value, Release::V3_0_4, BEST_INDENT)
}

/// The document `value` as the given yaml.v3 release marshals it with `indent` spaces
/// per level (`Encoder.SetIndent`; `yaml.Marshal` uses 4).
pub fn to_string_with(value: &Value, release: Release, indent: usize) -> String {
    let mut emitter = Emitter {
        release,
        best_indent: if (2..=9).contains(&indent) {
            indent
        } else {
            BEST_INDENT
        },
        ..Emitter::default()
    };
    emitter.node(value, Context::Document);
    // Document end: yaml.v3 ends the last line.
    emitter.write_indent(0);
    emitter.out
}

/// yaml.v3's order of map keys (`sorter.go` `keyList.Less` for strings): letters sort
/// after other characters except right after a digit, and runs of digits compare as
/// numbers, so `web2` comes before `web10`.
pub fn compare_keys(left: &str, right: &str) -> Ordering {
    if less(left, right) {
        Ordering::Less
    } else if less(right, left) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Sorts the keys of `map` in [`compare_keys`] order (a Go map marshalled by yaml.v3).
pub fn sort_map(map: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|(left, _), (right, _)| compare_keys(left, right));
    map.extend(entries);
}

fn less(left: &str, right: &str) -> bool {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let mut after_digit = false;
    for index in 0..left.len().min(right.len()) {
        let (a, b) = (left[index], right[index]);
        if a == b {
            after_digit = is_go_digit(a);
            continue;
        }
        let (a_letter, b_letter) = (a.is_alphabetic(), b.is_alphabetic());
        if a_letter && b_letter {
            return a < b;
        }
        if a_letter || b_letter {
            return if after_digit { a_letter } else { b_letter };
        }
        let (mut a_number, mut b_number): (i64, i64) = (0, 0);
        if a == '0' || b == '0' {
            // A run of digits with a non-zero digit before: compare as numbers too.
            for &previous in left[..index].iter().rev() {
                if !is_go_digit(previous) {
                    break;
                }
                if previous != '0' {
                    a_number = 1;
                    b_number = 1;
                    break;
                }
            }
        }
        let mut a_end = index;
        while a_end < left.len() && is_go_digit(left[a_end]) {
            a_number = a_number.wrapping_mul(10).wrapping_add(i64::from(
                u32::from(left[a_end]).wrapping_sub(u32::from('0')),
            ));
            a_end += 1;
        }
        let mut b_end = index;
        while b_end < right.len() && is_go_digit(right[b_end]) {
            b_number = b_number.wrapping_mul(10).wrapping_add(i64::from(
                u32::from(right[b_end]).wrapping_sub(u32::from('0')),
            ));
            b_end += 1;
        }
        if a_number != b_number {
            return a_number < b_number;
        }
        if a_end != b_end {
            return a_end < b_end;
        }
        return a < b;
    }
    left.len() < right.len()
}

/// Go's `unicode.IsDigit` (decimal digits).
fn is_go_digit(character: char) -> bool {
    character.is_ascii_digit() || (!character.is_ascii() && character.is_numeric())
}

/// Where a node sits; decides its indentation as libyaml's `increase_indent` does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Document,
    MappingKey { simple: bool },
    MappingValue,
    SequenceItem,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// The emitter's state, as in libyaml: what has been written decides what comes next.
struct Emitter {
    out: String,
    column: usize,
    /// The last character written was whitespace (or nothing yet).
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
    /// Current indentation; `None` before the root node.
    indent: Option<usize>,
    release: Release,
    best_indent: usize,
}

impl Default for Emitter {
    fn default() -> Self {
        Self {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: None,
            release: Release::default(),
            best_indent: BEST_INDENT,
        }
    }
}

impl Emitter {
    fn put(&mut self, character: char) {
        self.out.push(character);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    /// Writes one character of a scalar that is a line break.
    fn write_break(&mut self, character: char) {
        if character == '\n' {
            self.put_break();
        } else {
            self.out.push(character);
            self.column = 0;
            self.indention = true;
        }
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for character in indicator.chars() {
            self.put(character);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_increase_indent`; returns the previous indentation to restore.
    fn increase_indent(&mut self, flow: bool, context: Context) -> Option<usize> {
        let previous = self.indent;
        let best = self.best_indent;
        self.indent = Some(match previous {
            None if flow => best,
            None => 0,
            Some(indent) if context == Context::SequenceItem => indent + 2,
            Some(indent) => best * ((indent + best) / best),
        });
        previous
    }

    fn current_indent(&self) -> usize {
        self.indent.unwrap_or(0)
    }

    fn node(&mut self, value: &Value, context: Context) {
        match value {
            Value::Null => self.scalar("null", Style::Plain, context),
            Value::Bool(true) => self.scalar("true", Style::Plain, context),
            Value::Bool(false) => self.scalar("false", Style::Plain, context),
            Value::Number(number) => self.scalar(&format_number(number), Style::Plain, context),
            Value::String(text) => self.scalar(text, requested_string_style(text), context),
            Value::Array(items) if items.is_empty() => self.empty_collection("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_collection("{", "}"),
            Value::Array(items) => self.sequence(items, context),
            Value::Object(map) => self.mapping(map, context),
        }
    }

    fn empty_collection(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        if self.column == 0 {
            let indent = self.current_indent();
            self.write_indent(indent);
        }
        self.write_indicator(close, false, false, false);
    }

    fn sequence(&mut self, items: &[Value], context: Context) {
        let previous = self.increase_indent(false, context);
        for item in items {
            let indent = self.current_indent();
            self.write_indent(indent);
            self.write_indicator("-", true, false, true);
            self.node(item, Context::SequenceItem);
        }
        self.indent = previous;
    }

    fn mapping(&mut self, map: &Map<String, Value>, context: Context) {
        let previous = self.increase_indent(false, context);
        for (key, value) in map {
            let indent = self.current_indent();
            self.write_indent(indent);
            let multiline = key.chars().any(is_break_char);
            if !multiline && key.len() <= SIMPLE_KEY_LIMIT {
                self.scalar(
                    key,
                    requested_string_style(key),
                    Context::MappingKey { simple: true },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(
                    key,
                    requested_string_style(key),
                    Context::MappingKey { simple: false },
                );
                self.write_indent(indent);
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MappingValue);
        }
        self.indent = previous;
    }

    fn scalar(&mut self, text: &str, requested: Style, context: Context) {
        let analysis = Analysis::of(text);
        let simple_key = context == Context::MappingKey { simple: true };
        let style = select_style(requested, &analysis, simple_key, text.is_empty());
        let previous = self.increase_indent(true, context);
        match style {
            Style::Plain => self.write_plain(text),
            Style::SingleQuoted => self.write_single_quoted(text),
            Style::DoubleQuoted => self.write_double_quoted(text),
            Style::Literal => self.write_literal(text),
        }
        self.indent = previous;
    }

    fn write_plain(&mut self, text: &str) {
        if !text.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let mut breaks = false;
        for character in text.chars() {
            if is_break_char(character) {
                if !breaks && character == '\n' {
                    self.put_break();
                }
                self.write_break(character);
                breaks = true;
            } else {
                if breaks {
                    let indent = self.current_indent();
                    self.write_indent(indent);
                }
                self.put(character);
                self.indention = false;
                breaks = false;
            }
        }
        if !text.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single_quoted(&mut self, text: &str) {
        self.write_indicator("'", true, false, false);
        let mut breaks = false;
        for character in text.chars() {
            if is_break_char(character) {
                if !breaks && character == '\n' {
                    self.put_break();
                }
                self.write_break(character);
                breaks = true;
            } else {
                if breaks {
                    let indent = self.current_indent();
                    self.write_indent(indent);
                }
                if character == '\'' {
                    self.put('\'');
                }
                self.put(character);
                self.indention = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, text: &str) {
        self.write_indicator("\"", true, false, false);
        let starts_with_bom = text.starts_with('\u{feff}');
        for character in text.chars() {
            if !is_printable(character)
                || starts_with_bom
                || is_break_char(character)
                || character == '"'
                || character == '\\'
            {
                self.put('\\');
                let code = u32::from(character);
                let short = match code {
                    0x00 => Some('0'),
                    0x07 => Some('a'),
                    0x08 => Some('b'),
                    0x09 => Some('t'),
                    0x0A => Some('n'),
                    0x0B => Some('v'),
                    0x0C => Some('f'),
                    0x0D => Some('r'),
                    0x1B => Some('e'),
                    0x22 => Some('"'),
                    0x5C => Some('\\'),
                    0x85 => Some('N'),
                    0xA0 => Some('_'),
                    0x2028 => Some('L'),
                    0x2029 => Some('P'),
                    _ => None,
                };
                if let Some(letter) = short {
                    self.put(letter);
                } else {
                    let (prefix, width) = if code <= 0xFF {
                        ('x', 2)
                    } else if code <= 0xFFFF {
                        ('u', 4)
                    } else {
                        ('U', 8)
                    };
                    self.put(prefix);
                    for digit in format!("{code:0width$X}").chars() {
                        self.put(digit);
                    }
                }
            } else {
                self.put(character);
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, text: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation digit when the text starts with a space or
        // a break, and the chomping indicator from its trailing breaks.
        if text.starts_with(' ') || text.starts_with(is_break_char) {
            self.write_indicator(&self.best_indent.to_string(), false, false, false);
        }
        let mut reversed = text.chars().rev();
        let chomp = match (reversed.next(), reversed.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break_char(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break_char(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        // go.yaml.in/yaml/v3 v3.0.4 ends the header line here (go-yaml#755), so that a
        // leading line break of the text survives.
        if self.release == Release::V3_0_4 {
            self.put_break();
        }
        self.whitespace = true;
        let mut breaks = true;
        for character in text.chars() {
            if is_break_char(character) {
                self.write_break(character);
                breaks = true;
            } else {
                if breaks {
                    let indent = self.current_indent();
                    self.write_indent(indent);
                }
                self.put(character);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// The style yaml.v3's `stringv` asks for: a block for multi-line text, quotes when the
/// plain text would read back as another type (`"6379"`, `"true"`, `""`), plain otherwise.
fn requested_string_style(text: &str) -> Style {
    if text.contains('\n') {
        Style::Literal
    } else if resolves_to_string(text) && !is_base60_float(text) && !is_old_bool(text) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// `yaml_emitter_select_scalar_style` for an untagged scalar in block context.
fn select_style(requested: Style, analysis: &Analysis, simple_key: bool, empty: bool) -> Style {
    let mut style = requested;
    if simple_key && analysis.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!analysis.block_plain_allowed || (empty && simple_key)) {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !analysis.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!analysis.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

/// What `yaml_emitter_analyze_scalar` finds out about a scalar.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(text: &str) -> Self {
        if text.is_empty() {
            return Self {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let characters: Vec<char> = text.chars().collect();
        let mut block_indicators = text.starts_with("---") || text.starts_with("...");
        let mut line_breaks = false;
        let mut special_characters = false;
        let mut tab_characters = false;
        let mut leading_space = false;
        let mut leading_break = false;
        let mut trailing_space = false;
        let mut trailing_break = false;
        let mut break_space = false;
        let mut space_break = false;
        let mut preceded_by_whitespace = true;
        let mut previous_space = false;
        let mut previous_break = false;
        for (index, &character) in characters.iter().enumerate() {
            let followed_by_whitespace = characters
                .get(index + 1)
                .is_none_or(|&next| next == ' ' || next == '\t');
            let last = index + 1 == characters.len();
            if index == 0 {
                match character {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match character {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }
            if character == '\t' {
                tab_characters = true;
            } else if !is_printable(character) {
                special_characters = true;
            }
            if character == ' ' {
                if index == 0 {
                    leading_space = true;
                }
                if last {
                    trailing_space = true;
                }
                if previous_break {
                    break_space = true;
                }
                previous_space = true;
                previous_break = false;
            } else if is_break_char(character) {
                line_breaks = true;
                if index == 0 {
                    leading_break = true;
                }
                if last {
                    trailing_break = true;
                }
                if previous_space {
                    space_break = true;
                }
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = character == ' '
                || character == '\t'
                || is_break_char(character)
                || character == '\0';
        }
        let mut analysis = Self {
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            analysis.block_plain_allowed = false;
        }
        if trailing_space {
            analysis.block_allowed = false;
        }
        if break_space {
            analysis.block_plain_allowed = false;
            analysis.single_quoted_allowed = false;
        }
        if space_break || tab_characters || special_characters {
            analysis.block_plain_allowed = false;
            analysis.single_quoted_allowed = false;
        }
        if space_break || special_characters {
            analysis.block_allowed = false;
        }
        if line_breaks || block_indicators {
            analysis.block_plain_allowed = false;
        }
        analysis
    }
}

/// libyaml's `is_break`: LF, CR, NEL, LS, PS.
fn is_break_char(character: char) -> bool {
    matches!(character, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (as yaml.v3 has it: characters outside the BMP are not).
fn is_printable(character: char) -> bool {
    let code = u32::from(character);
    code == 0x0A
        || (0x20..=0x7E).contains(&code)
        || (0xA0..=0xD7FF).contains(&code)
        || ((0xE000..=0xFFFD).contains(&code) && code != 0xFEFF)
}

/// yaml.v3 `resolve("", text)` gives `!!str`: the plain text would not read back as a
/// null, bool, number or timestamp.
fn resolves_to_string(text: &str) -> bool {
    const SPECIAL: [&str; 23] = [
        "true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL", ".nan",
        ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
        "-.INF",
    ];
    let Some(first) = text.bytes().next() else {
        return false;
    };
    let hinted =
        matches!(first, b'+' | b'-' | b'0'..=b'9' | b'.') || b"yYnNtTfFoO~".contains(&first);
    if !hinted {
        return true;
    }
    if SPECIAL.contains(&text) || text == "<<" {
        return false;
    }
    match first {
        b'.' => !is_go_float(text),
        b'+' | b'-' | b'0'..=b'9' => {
            if is_timestamp(text) {
                return false;
            }
            let plain: String = text.chars().filter(|&character| character != '_').collect();
            if is_go_integer(&plain) {
                return false;
            }
            !(is_yaml_style_float(&plain) && plain.parse::<f64>().is_ok_and(f64::is_finite))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseFloat(text, 64)` succeeds, for text starting with `.`.
fn is_go_float(text: &str) -> bool {
    // Go accepts `_` only between digits.
    let bytes = text.as_bytes();
    let underscores_ok = bytes.iter().enumerate().all(|(index, &byte)| {
        byte != b'_'
            || (index > 0
                && bytes[index - 1].is_ascii_digit()
                && bytes.get(index + 1).is_some_and(u8::is_ascii_digit))
    });
    if !underscores_ok {
        return false;
    }
    let plain: String = text.chars().filter(|&character| character != '_').collect();
    is_yaml_style_float(&plain) && plain.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut index = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        index += 1;
    }
    let digits = |index: &mut usize| {
        let start = *index;
        while *index < bytes.len() && bytes[*index].is_ascii_digit() {
            *index += 1;
        }
        *index - start
    };
    if bytes.get(index) == Some(&b'.') {
        index += 1;
        if digits(&mut index) == 0 {
            return false;
        }
    } else {
        if digits(&mut index) == 0 {
            return false;
        }
        if bytes.get(index) == Some(&b'.') {
            index += 1;
            digits(&mut index);
        }
    }
    if matches!(bytes.get(index), Some(b'e' | b'E')) {
        index += 1;
        if matches!(bytes.get(index), Some(b'+' | b'-')) {
            index += 1;
        }
        if digits(&mut index) == 0 {
            return false;
        }
    }
    index == bytes.len()
}

/// Go's `strconv.ParseInt(text, 0, 64)` or `ParseUint(text, 0, 64)` succeeds.
fn is_go_integer(text: &str) -> bool {
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'+') => (Some('+'), &text[1..]),
        Some(b'-') => (Some('-'), &text[1..]),
        _ => (None, text),
    };
    if digits.is_empty() {
        return false;
    }
    let lower = digits.to_ascii_lowercase();
    let (base, body) = match lower.strip_prefix('0') {
        Some(rest) if lower.len() >= 3 && rest.starts_with('b') => (2, &rest[1..]),
        Some(rest) if lower.len() >= 3 && rest.starts_with('o') => (8, &rest[1..]),
        Some(rest) if lower.len() >= 3 && rest.starts_with('x') => (16, &rest[1..]),
        Some(rest) => (8, rest),
        None => (10, lower.as_str()),
    };
    let mut value: u128 = 0;
    for character in body.chars() {
        let Some(digit) = character.to_digit(base) else {
            return false;
        };
        value = value * u128::from(base) + u128::from(digit);
        if value > u128::from(u64::MAX) {
            return false;
        }
    }
    match sign {
        Some('-') => value <= 1 << 63,
        Some(_) => value < 1 << 63,
        None => true,
    }
}

/// yaml.v3 `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !text.contains(':') {
        return false;
    }
    let mut index = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        index += 1;
    }
    if !bytes.get(index).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'_') {
        index += 1;
    }
    let mut groups = 0;
    while bytes.get(index) == Some(&b':') {
        index += 1;
        let start = index;
        while index < bytes.len() && bytes[index].is_ascii_digit() && index - start < 2 {
            index += 1;
        }
        let group = &bytes[start..index];
        let valid = match group {
            [digit] => digit.is_ascii_digit(),
            [first, _] => (b'0'..=b'5').contains(first),
            _ => false,
        };
        if !valid {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if bytes.get(index) == Some(&b'.') {
        index += 1;
        while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'_') {
            index += 1;
        }
    }
    index == bytes.len()
}

/// yaml.v3 `isOldBool`: YAML 1.1 booleans, quoted for older parsers.
fn is_old_bool(text: &str) -> bool {
    matches!(
        text,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// yaml.v3 `parseTimestamp`: `2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00` (also with a
/// lower-case `t`) or `2006-1-2 15:4:5.999999999`.
fn is_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 5 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return false;
    }
    let mut cursor = Cursor { bytes, index: 5 };
    let year = i64::from(bytes[0] - b'0') * 1000
        + i64::from(bytes[1] - b'0') * 100
        + i64::from(bytes[2] - b'0') * 10
        + i64::from(bytes[3] - b'0');
    let Some(month) = cursor.number() else {
        return false;
    };
    if !(1..=12).contains(&month) || !cursor.literal(b'-') {
        return false;
    }
    let Some(day) = cursor.number() else {
        return false;
    };
    if day < 1 || day > days_in_month(month, year) {
        return false;
    }
    if cursor.done() {
        return true;
    }
    let with_zone = match cursor.next() {
        Some(b'T' | b't') => true,
        Some(b' ') => false,
        _ => return false,
    };
    let time_ok = cursor.number().is_some_and(|hour| hour < 24)
        && cursor.literal(b':')
        && cursor.number().is_some_and(|minute| minute < 60)
        && cursor.literal(b':')
        && cursor.number().is_some_and(|second| second < 60);
    if !time_ok {
        return false;
    }
    if matches!(cursor.peek(), Some(b'.' | b','))
        && cursor.peek_at(1).is_some_and(|byte| byte.is_ascii_digit())
    {
        cursor.index += 1;
        while cursor.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            cursor.index += 1;
        }
    }
    if with_zone {
        match cursor.next() {
            Some(b'Z') => {}
            Some(b'+' | b'-') => {
                let rest = &bytes[cursor.index..];
                if rest.len() < 5
                    || !rest[..2].iter().all(u8::is_ascii_digit)
                    || rest[2] != b':'
                    || !rest[3..5].iter().all(u8::is_ascii_digit)
                {
                    return false;
                }
                cursor.index += 5;
            }
            _ => return false,
        }
    }
    cursor.done()
}

fn days_in_month(month: i64, year: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A byte cursor for [`is_timestamp`].
struct Cursor<'a> {
    bytes: &'a [u8],
    index: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.index + offset).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek();
        self.index += 1;
        byte
    }

    fn done(&self) -> bool {
        self.index >= self.bytes.len()
    }

    fn literal(&mut self, expected: u8) -> bool {
        if self.peek() == Some(expected) {
            self.index += 1;
            true
        } else {
            false
        }
    }

    /// Go's `getnum(value, false)`: one or two digits.
    fn number(&mut self) -> Option<i64> {
        let first = self.peek().filter(u8::is_ascii_digit)?;
        self.index += 1;
        let mut value = i64::from(first - b'0');
        if let Some(second) = self.peek().filter(u8::is_ascii_digit) {
            self.index += 1;
            value = value * 10 + i64::from(second - b'0');
        }
        Some(value)
    }
}

/// Integers in decimal; floats as Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
fn format_number(number: &Number) -> String {
    if number.is_f64() {
        number
            .as_f64()
            .map_or_else(|| number.to_string(), format_go_float)
    } else {
        number.to_string()
    }
}

/// Go's shortest `%g`: the exponent form when the decimal exponent is below -4 or at
/// least 6 (`eprec = 6` for the shortest form), `1e+06`, `1.5e-05`.
fn format_go_float(float: f64) -> String {
    if float.is_nan() {
        return ".nan".to_owned();
    }
    if float.is_infinite() {
        return if float > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    if float == 0.0 {
        return if float.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: `d.ddddde±x`.
    let scientific = format!("{:e}", float.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if float < 0.0 { "-" } else { "" };
    if (-4..6).contains(&exponent) {
        let point = exponent + 1;
        let text = if point <= 0 {
            format!(
                "0.{}{digits}",
                "0".repeat(usize::try_from(-point).unwrap_or(0))
            )
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                format!("{digits}{}", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{sign}{first}{fraction}e{exponent_sign}{:02}",
            exponent.unsigned_abs()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn emit(value: &Value) -> String {
        to_string(value)
    }

    #[test]
    fn block_style_with_sequences_indented_under_their_key() {
        let value = json!({
            "name": "demo",
            "services": {"web": {"ports": [{"mode": "ingress", "target": 80, "published": "8080"}],
                                 "command": ["a", "b"], "empty": [], "none": {}}}
        });
        assert_eq!(
            emit(&value),
            "name: demo\nservices:\n  web:\n    ports:\n      - mode: ingress\n        target: 80\n        published: \"8080\"\n    command:\n      - a\n      - b\n    empty: []\n    none: {}\n"
        );
    }

    #[test]
    fn quotes_only_what_would_read_back_as_another_type() {
        for (text, expected) in [
            ("6379", "\"6379\""),
            ("true", "\"true\""),
            ("yes", "\"yes\""),
            ("null", "\"null\""),
            ("", "\"\""),
            ("~", "\"~\""),
            ("1.5", "\"1.5\""),
            ("0x1F", "\"0x1F\""),
            ("12:30", "\"12:30\""),
            ("8080:80", "8080:80"),
            ("2024-01-02", "\"2024-01-02\""),
            ("2024-13-02", "2024-13-02"),
            ("1e3", "\"1e3\""),
            ("1_000", "\"1_000\""),
            (".5", "\".5\""),
            ("v1.2", "v1.2"),
            ("redis:alpine", "redis:alpine"),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("*", "'*'"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            ("#x", "'#x'"),
            ("a #b", "'a #b'"),
            ("a\tb", "\"a\\tb\""),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("${VAR}", "${VAR}"),
            ("@at", "'@at'"),
            ("é", "é"),
            ("😀", "\"\\U0001F600\""),
        ] {
            assert_eq!(
                emit(&json!({ "k": text })),
                format!("k: {expected}\n"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn multi_line_text_as_literal_blocks() {
        assert_eq!(
            emit(&json!({"a": {"b": "line 1\nline 2\n"}})),
            "a:\n  b: |\n    line 1\n    line 2\n"
        );
        assert_eq!(emit(&json!({"b": "x\ny"})), "b: |-\n  x\n  y\n");
        assert_eq!(emit(&json!({"b": "x\n\n"})), "b: |+\n  x\n\n");
        assert_eq!(emit(&json!({"b": " x\ny"})), "b: |2-\n   x\n  y\n");
        assert_eq!(emit(&json!(["x\ny"])), "- |-\n  x\n  y\n");
        assert_eq!(emit(&json!({"b": "x \ny"})), "b: \"x \\ny\"\n");
        assert_eq!(emit(&json!({"b": "\nx"})), "b: |2-\n\n  x\n");
        assert_eq!(
            to_string_with(&json!({"b": "\nx"}), Release::V3_0_1, 2),
            "b: |2-\n  x\n"
        );
    }

    #[test]
    fn numbers_and_nested_sequences() {
        assert_eq!(
            emit(&json!({"a": [1.5, 1_000_000.0, 0.0001, 0.00001, [1, 2], null, true]})),
            "a:\n  - 1.5\n  - 1e+06\n  - 0.0001\n  - 1e-05\n  - - 1\n    - 2\n  - null\n  - true\n"
        );
    }

    #[test]
    fn indents_by_the_chosen_width() {
        assert_eq!(
            to_string_with(
                &json!({"a": {"b": [1, {"c": 2, "d": 3}]}}),
                Release::V3_0_1,
                4
            ),
            "a:\n    b:\n        - 1\n        - c: 2\n          d: 3\n"
        );
    }

    #[test]
    fn sorts_keys_like_go_yaml() {
        let mut keys = vec![
            "web10", "web2", "web1", "Zeta", "_under", "a_b", "ab", "a-b",
        ];
        keys.sort_by(|left, right| compare_keys(left, right));
        assert_eq!(
            keys,
            vec![
                "_under", "Zeta", "a-b", "a_b", "ab", "web1", "web2", "web10"
            ]
        );
    }
}
