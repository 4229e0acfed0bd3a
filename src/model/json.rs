//! Go `encoding/json` compatible text: `<`, `>`, `&`, U+2028 and U+2029 escaped as
//! `\u003c`…, map keys sorted, integral floats without `.0`. Used by `config --format json`
//! and by the config hash, which must be byte-identical to the reference's.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as Json;

/// Pretty JSON with two-space indentation, as Go's `json.MarshalIndent(v, "", "  ")`.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(value).map(escape_html_owned)
}

/// Compact JSON, as Go's `json.Marshal`.
pub fn to_string_compact<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(value).map(escape_html_owned)
}

/// Go's HTML-safe escaping. These characters can only occur inside JSON strings, so a
/// textual pass over the serialised document is exact.
pub fn escape_html(text: &str) -> String {
    if needs_html_escape(text) {
        escape_html_slow(text)
    } else {
        text.to_owned()
    }
}

/// [`escape_html`] that hands back its input untouched when nothing needs escaping (most
/// documents: a byte scan instead of a character-by-character copy).
fn escape_html_owned(text: String) -> String {
    if needs_html_escape(&text) {
        escape_html_slow(&text)
    } else {
        text
    }
}

/// Whether `text` has `<`, `>`, `&` or the first byte of U+2028 / U+2029 (`E2`).
fn needs_html_escape(text: &str) -> bool {
    // Eight bytes at a time: a zero byte in `word ^ pattern` is a match (the classic
    // "has zero byte" test, exact when it says no).
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let bytes = text.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if has_zero(word ^ (ONES * u64::from(b'<')))
            || has_zero(word ^ (ONES * u64::from(b'>')))
            || has_zero(word ^ (ONES * u64::from(b'&')))
            || has_zero(word ^ (ONES * 0xE2))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|byte| matches!(byte, b'<' | b'>' | b'&' | 0xE2))
}

fn escape_html_slow(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        match character {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Doubles every `$`, as `config` does to keep its output loadable.
pub fn escape_dollars(text: &str) -> String {
    text.replace('$', "$$")
}

/// Reverses [`escape_dollars`]: turns a `config` output back into the project's values.
pub fn unescape_dollars(text: &str) -> String {
    text.replace("$$", "$")
}

/// Serialises a free-form value (an `x-*` extension) as Go marshals a `map[string]any`:
/// object keys sorted, floats with an integral value printed as integers.
pub struct GoValue<'a>(pub &'a Json);

impl Serialize for GoValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Json::Object(object) => {
                let mut keys: Vec<&String> = object.keys().collect();
                keys.sort();
                let mut map = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    map.serialize_entry(key, &GoValue(&object[key.as_str()]))?;
                }
                map.end()
            }
            Json::Array(items) => {
                let mut sequence = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    sequence.serialize_element(&GoValue(item))?;
                }
                sequence.end()
            }
            Json::Number(number) if number.is_f64() => {
                let float = number.as_f64().unwrap_or_default();
                if float.fract() == 0.0 && float.abs() < 1e15 {
                    #[allow(clippy::cast_possible_truncation)]
                    serializer.serialize_i64(float as i64)
                } else {
                    serializer.serialize_f64(float)
                }
            }
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        assert_eq!(
            to_string_compact("<a & b>\u{2028}").unwrap(),
            r#""\u003ca \u0026 b\u003e\u2028""#
        );
    }

    #[test]
    fn finds_what_needs_escaping_anywhere() {
        let plain = "abcdefghijklmnopqrstuvwxyz0123456789 \"{}[]:,é中";
        assert!(!needs_html_escape(plain));
        for special in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            for position in 0..plain.len() {
                if plain.is_char_boundary(position) {
                    let text = format!("{}{special}{}", &plain[..position], &plain[position..]);
                    assert!(needs_html_escape(&text), "{text}");
                    assert_ne!(escape_html(&text), text);
                }
            }
        }
    }

    #[test]
    fn sorts_keys_and_prints_integral_floats_as_integers() {
        let value: Json =
            serde_json::from_str(r#"{"b": 2.0, "a": [1.5, {"d": 1, "c": 2}]}"#).unwrap();
        assert_eq!(
            to_string_compact(&GoValue(&value)).unwrap(),
            r#"{"a":[1.5,{"c":2,"d":1}],"b":2}"#
        );
    }
}
