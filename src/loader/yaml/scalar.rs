//! Scalar resolution: how gopkg.in/yaml.v3 (the parser compose-go uses) turns a YAML
//! scalar into a value when decoding into `interface{}` (yaml.v3 `resolve.go`, `decode.go`).
//! Pure functions on text; no positions here.

use yaml_rust2::parser::Tag as YamlTag;
use yaml_rust2::scanner::TScalarStyle;

use crate::loader::node::{Tag, Value};

/// The prefix of the YAML core-schema tags (`!!str` is `tag:yaml.org,2002:str`).
const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// What a node's tag means to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagKind {
    /// No tag, or the non-specific `!`.
    None,
    /// A compose tag: `!reset` or `!override`.
    Compose(Tag),
    /// A core-schema tag such as `!!str`: the part after `!!`.
    Core(String),
    /// Any other tag. yaml.v3 cannot resolve it, so a scalar stays a string.
    Custom,
}

impl TagKind {
    pub fn of(tag: Option<&YamlTag>) -> Self {
        let Some(tag) = tag else {
            return Self::None;
        };
        let full = format!("{}{}", tag.handle, tag.suffix);
        if let Some(core) = full.strip_prefix(CORE_TAG_PREFIX) {
            return Self::Core(core.to_owned());
        }
        match full.as_str() {
            "!" => Self::None,
            "!reset" => Self::Compose(Tag::Reset),
            "!override" => Self::Compose(Tag::Override),
            _ => Self::Custom,
        }
    }

    /// The compose tag to keep on the node, if any.
    pub fn compose_tag(&self) -> Option<Tag> {
        match self {
            Self::Compose(tag) => Some(*tag),
            _ => None,
        }
    }

    /// A plain scalar `<<` (or one tagged `!!merge`) is a merge key.
    pub fn is_merge_key(&self, text: &str, style: TScalarStyle) -> bool {
        match self {
            Self::None => style == TScalarStyle::Plain && text == "<<",
            Self::Core(core) => core == "merge" && text == "<<",
            _ => false,
        }
    }
}

/// Resolves a scalar the way yaml.v3 decodes it into `interface{}`.
/// The error is the reference's message for a core tag that does not fit the text.
pub fn resolve(text: &str, style: TScalarStyle, tag: &TagKind) -> Result<Value, String> {
    match tag {
        // `!reset` drops the value anyway; resolve it as if untagged (`!reset` alone is null).
        TagKind::None | TagKind::Compose(Tag::Reset) => Ok(if style == TScalarStyle::Plain {
            resolve_plain(text)
        } else {
            Value::String(text.to_owned())
        }),
        // yaml.v3 cannot resolve unknown tags (`!override` included): the text stays a string.
        TagKind::Compose(Tag::Override) | TagKind::Custom => Ok(Value::String(text.to_owned())),
        TagKind::Core(core) => resolve_core(text, core),
    }
}

/// A scalar with an explicit core tag: the text is resolved regardless of its quoting,
/// then checked against the tag (`!!int "80"` is 80, `!!int abc` is an error).
fn resolve_core(text: &str, core: &str) -> Result<Value, String> {
    let resolved = resolve_plain(text);
    let fits = match (core, &resolved) {
        ("null", Value::Null)
        | ("bool", Value::Bool(_))
        | ("int", Value::Int(_))
        | ("float", Value::Float(_)) => true,
        ("float", Value::Int(number)) => {
            #[allow(clippy::cast_precision_loss)]
            return Ok(Value::Float(*number as f64));
        }
        ("null" | "bool" | "int" | "float", _) => false,
        // `!!str`, `!!timestamp`, `!!binary`, `!!merge` and collection tags on a scalar.
        _ => return Ok(Value::String(text.to_owned())),
    };
    if fits {
        Ok(resolved)
    } else {
        Err(format!(
            "cannot decode {} `{text}` as a !!{core}",
            core_tag_name(&resolved)
        ))
    }
}

fn core_tag_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Int(_) => "!!int",
        Value::Float(_) => "!!float",
        Value::String(_) => "!!str",
        Value::Seq(_) => "!!seq",
        Value::Map(_) => "!!map",
    }
}

/// Resolves an untagged plain scalar (YAML 1.2 core schema as yaml.v3 implements it:
/// `yes`/`no`/`on`/`off` stay strings, legacy `0777` octal is still an integer).
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let resolved = match text.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-') => resolve_number(text),
        Some(b'.') => parse_yaml_float(text),
        _ => None,
    };
    // TODO(timestamps): yaml.v3 turns `2001-12-14` (and a few date-time forms) into a
    // time.Time; we keep the text.
    resolved.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// A scalar starting with a digit or a sign: integer (Go `strconv.ParseInt(s, 0, 64)` after
/// removing every `_`), else unsigned 64-bit, else a YAML-style float.
fn resolve_number(text: &str) -> Option<Value> {
    let plain: String = text.chars().filter(|character| *character != '_').collect();
    let (negative, body) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    if let Some(magnitude) = parse_go_unsigned(body) {
        let signed = if negative {
            i64::try_from(-i128::from(magnitude)).ok()
        } else {
            i64::try_from(magnitude).ok()
        };
        if let Some(number) = signed {
            return Some(Value::Int(number));
        }
        // yaml.v3 keeps 2^63..2^64-1 as a uint64 (only without a sign); we have no
        // unsigned variant, so it becomes the nearest float.
        if plain.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            #[allow(clippy::cast_precision_loss)]
            return Some(Value::Float(magnitude as f64));
        }
    }
    parse_yaml_float(&plain)
}

/// Go `strconv.ParseUint(s, 0, 64)` without underscores: `0x`/`0o`/`0b` prefixes,
/// a leading `0` means octal. `None` on a syntax or range error.
fn parse_go_unsigned(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let (radix, digits) = match bytes {
        [] => return None,
        [b'0', prefix, _, ..] if prefix.eq_ignore_ascii_case(&b'x') => (16, &text[2..]),
        [b'0', prefix, _, ..] if prefix.eq_ignore_ascii_case(&b'o') => (8, &text[2..]),
        [b'0', prefix, _, ..] if prefix.eq_ignore_ascii_case(&b'b') => (2, &text[2..]),
        [b'0', ..] => (8, &text[1..]),
        _ => (10, text),
    };
    let mut value: u64 = 0;
    for character in digits.chars() {
        let digit = character.to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// yaml.v3's float syntax `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`;
/// out-of-range values (`1e400`) stay strings, as Go's `ParseFloat` fails on them.
fn parse_yaml_float(text: &str) -> Option<Value> {
    if !is_yaml_float(text.as_bytes()) {
        return None;
    }
    let number: f64 = text.parse().ok()?;
    number.is_finite().then_some(Value::Float(number))
}

fn is_yaml_float(bytes: &[u8]) -> bool {
    let count_digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };
    let mut position = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    if bytes.get(position) == Some(&b'.') {
        let fraction = count_digits(position + 1);
        if fraction == 0 {
            return false;
        }
        position += 1 + fraction;
    } else {
        let whole = count_digits(position);
        if whole == 0 {
            return false;
        }
        position += whole;
        if bytes.get(position) == Some(&b'.') {
            position += 1 + count_digits(position + 1);
        }
    }
    if matches!(bytes.get(position), Some(b'e' | b'E')) {
        position += 1;
        if matches!(bytes.get(position), Some(b'-' | b'+')) {
            position += 1;
        }
        let exponent = count_digits(position);
        if exponent == 0 {
            return false;
        }
        position += exponent;
    }
    position == bytes.len()
}
