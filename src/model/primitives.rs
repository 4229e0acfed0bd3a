//! Scalar types of the compose model that serialise the way compose-go's do in JSON
//! (`types/duration.go`, `bytes.go`, `types.go` FileMode, `hostList.go`, `envfile.go`,
//! `ssh.go`, UlimitsConfig), plus the `omitempty` predicates. No I/O.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- omitempty predicates

/// `omitempty` for `bool`.
#[allow(clippy::trivially_copy_pass_by_ref)]
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// `omitempty` for integers.
pub(crate) fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

// ---------------------------------------------------------------- Go number formatting

/// Serialises a Go `float32` as `encoding/json` does: integral values without `.0`.
#[allow(clippy::trivially_copy_pass_by_ref)]
pub(crate) fn serialize_go_f32<S: Serializer>(
    value: &f32,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        return serializer.serialize_i64(*value as i64);
    }
    serializer.serialize_f32(*value)
}

// ---------------------------------------------------------------- Duration

/// A Go `time.Duration` (nanoseconds), printed as Go prints it: `1m30s`, `500ms`, `0s`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    const NANOSECOND: u64 = 1;
    const MICROSECOND: u64 = 1_000;
    const MILLISECOND: u64 = 1_000_000;
    const SECOND: u64 = 1_000_000_000;

    pub fn from_std(duration: std::time::Duration) -> Self {
        Self(i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX))
    }

    /// The duration as a std one; negative durations become zero.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.0).unwrap_or(0))
    }

    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }

    /// Parses Go's `time.ParseDuration` syntax, plus `d` and `w` (compose-go uses
    /// str2duration for input).
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("invalid duration `{text}`");
        let (negative, mut rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest == "0" {
            return Ok(Self(0));
        }
        if rest.is_empty() {
            return Err(invalid());
        }
        let mut total: u128 = 0;
        while !rest.is_empty() {
            let integer_length = rest.bytes().take_while(u8::is_ascii_digit).count();
            let integer: u128 = if integer_length == 0 {
                0
            } else {
                rest[..integer_length].parse().map_err(|_| invalid())?
            };
            rest = &rest[integer_length..];
            let mut fraction = "";
            if let Some(after_dot) = rest.strip_prefix('.') {
                let fraction_length = after_dot.bytes().take_while(u8::is_ascii_digit).count();
                fraction = &after_dot[..fraction_length];
                rest = &after_dot[fraction_length..];
                if integer_length == 0 && fraction_length == 0 {
                    return Err(invalid());
                }
            } else if integer_length == 0 {
                return Err(invalid());
            }
            let unit_length = rest
                .char_indices()
                .find(|(_, character)| character.is_ascii_digit() || *character == '.')
                .map_or(rest.len(), |(index, _)| index);
            let unit: u128 = match &rest[..unit_length] {
                "ns" => u128::from(Self::NANOSECOND),
                "us" | "µs" | "μs" => u128::from(Self::MICROSECOND),
                "ms" => u128::from(Self::MILLISECOND),
                "s" => u128::from(Self::SECOND),
                "m" => 60 * u128::from(Self::SECOND),
                "h" => 3_600 * u128::from(Self::SECOND),
                "d" => 86_400 * u128::from(Self::SECOND),
                "w" => 604_800 * u128::from(Self::SECOND),
                _ => return Err(invalid()),
            };
            rest = &rest[unit_length..];
            total += integer * unit;
            if !fraction.is_empty() {
                let digits = fraction.len().min(30);
                let numerator: u128 = fraction[..digits].parse().map_err(|_| invalid())?;
                total += numerator * unit / 10u128.pow(u32::try_from(digits).unwrap_or(30));
            }
        }
        let total = i64::try_from(total).map_err(|_| invalid())?;
        Ok(Self(if negative { -total } else { total }))
    }
}

/// Go's `fmtFrac`: the fraction of `value` at `precision` digits, trailing zeros dropped.
fn go_fraction(value: u64, precision: u32) -> (String, u64) {
    let scale = 10u64.pow(precision);
    let fraction = value % scale;
    let digits = format!("{fraction:0width$}", width = precision as usize);
    let digits = digits.trim_end_matches('0');
    let text = if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    };
    (text, value / scale)
}

impl fmt::Display for Duration {
    /// Go's `time.Duration.String`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        if value == 0 {
            return formatter.write_str("0s");
        }
        if value < Self::SECOND {
            let (precision, unit) = if value < Self::MICROSECOND {
                (0, "ns")
            } else if value < Self::MILLISECOND {
                (3, "µs")
            } else {
                (6, "ms")
            };
            let (fraction, integer) = go_fraction(value, precision);
            return write!(formatter, "{sign}{integer}{fraction}{unit}");
        }
        let (fraction, seconds) = go_fraction(value, 9);
        let minutes = seconds / 60;
        let hours = minutes / 60;
        if hours > 0 {
            write!(
                formatter,
                "{sign}{hours}h{}m{}{fraction}s",
                minutes % 60,
                seconds % 60
            )
        } else if minutes > 0 {
            write!(formatter, "{sign}{minutes}m{}{fraction}s", seconds % 60)
        } else {
            write!(formatter, "{sign}{seconds}{fraction}s")
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a duration such as `1m30s`")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Duration, E> {
                Duration::parse(value).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Duration, E> {
                Ok(Duration(value))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Duration, E> {
                Ok(Duration(i64::try_from(value).map_err(E::custom)?))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

// ---------------------------------------------------------------- UnitBytes

/// A byte count (compose-go `UnitBytes`), printed as a decimal string: `"1073741824"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitBytes(pub i64);

impl UnitBytes {
    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }

    /// Parses a plain number or a size with a binary unit (`64m`, `1gb`, `1.5G`), as
    /// go-units `RAMInBytes` does.
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("invalid size `{text}`");
        let trimmed = text.trim();
        let number_length = trimmed
            .bytes()
            .take_while(|byte| byte.is_ascii_digit() || *byte == b'.')
            .count();
        if number_length == 0 {
            return Err(invalid());
        }
        let number: f64 = trimmed[..number_length].parse().map_err(|_| invalid())?;
        let unit = trimmed[number_length..].trim_start().to_ascii_lowercase();
        let unit = unit.trim_end_matches('b').trim_end_matches('i');
        let multiplier: f64 = match unit {
            "" => 1.0,
            "k" => 1024.0,
            "m" => 1024.0 * 1024.0,
            "g" => 1024.0 * 1024.0 * 1024.0,
            "t" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
            "p" => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
            _ => return Err(invalid()),
        };
        #[allow(clippy::cast_possible_truncation)]
        Ok(Self((number * multiplier) as i64))
    }
}

impl Serialize for UnitBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl Visitor<'_> for BytesVisitor {
            type Value = UnitBytes;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a byte count")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<UnitBytes, E> {
                UnitBytes::parse(value).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<UnitBytes, E> {
                Ok(UnitBytes(value))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<UnitBytes, E> {
                Ok(UnitBytes(i64::try_from(value).map_err(E::custom)?))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<UnitBytes, E> {
                #[allow(clippy::cast_possible_truncation)]
                Ok(UnitBytes(value as i64))
            }
        }
        deserializer.deserialize_any(BytesVisitor)
    }
}

// ---------------------------------------------------------------- FileMode

/// A file mode (secrets, configs), printed as an octal string with a leading zero: `"0440"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileMode(pub i64);

impl Serialize for FileMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("0{:o}", self.0))
    }
}

impl<'de> Deserialize<'de> for FileMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ModeVisitor;
        impl Visitor<'_> for ModeVisitor {
            type Value = FileMode;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an octal file mode")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<FileMode, E> {
                i64::from_str_radix(value, 8)
                    .map(FileMode)
                    .map_err(|_| E::custom(format!("invalid file mode `{value}`")))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<FileMode, E> {
                Ok(FileMode(value))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<FileMode, E> {
                Ok(FileMode(i64::try_from(value).map_err(E::custom)?))
            }
        }
        deserializer.deserialize_any(ModeVisitor)
    }
}

// ---------------------------------------------------------------- string or list

/// Deserialises a compose-go `StringList` / `StringOrNumberList`: a list, or one scalar.
pub(crate) fn string_or_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<String>;
        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a string or a list of strings")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<Vec<String>, E> {
            Ok(vec![value.to_owned()])
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Vec<String>, E> {
            Ok(vec![value.to_string()])
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Vec<String>, E> {
            Ok(vec![value.to_string()])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Vec<String>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = sequence.next_element::<serde_json::Value>()? {
                items.push(match item {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                });
            }
            Ok(items)
        }
    }
    deserializer.deserialize_any(ListVisitor)
}

// ---------------------------------------------------------------- HostsList

/// `extra_hosts` (compose-go `HostsList`): host → addresses; printed as a sorted list
/// of `host=address`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostsList(pub BTreeMap<String, Vec<String>>);

impl HostsList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every `host=address` entry, sorted.
    pub fn entries(&self, separator: &str) -> Vec<String> {
        let mut entries: Vec<String> = self
            .0
            .iter()
            .flat_map(|(host, addresses)| {
                addresses
                    .iter()
                    .map(move |address| format!("{host}{separator}{address}"))
            })
            .collect();
        entries.sort();
        entries
    }

    fn add(&mut self, entry: &str) -> Result<(), String> {
        let (host, addresses) = entry
            .split_once('=')
            .or_else(|| entry.split_once(':'))
            .ok_or_else(|| format!("invalid additional host, missing IP: {entry}"))?;
        let list = self.0.entry(host.to_owned()).or_default();
        for address in addresses.split(',') {
            list.push(strip_brackets(address).to_owned());
        }
        Ok(())
    }
}

fn strip_brackets(address: &str) -> &str {
    if address.len() > 2 && address.starts_with('[') && address.ends_with(']') {
        &address[1..address.len() - 1]
    } else {
        address
    }
}

impl Serialize for HostsList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries("=").serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HostsList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HostsVisitor;
        impl<'de> Visitor<'de> for HostsVisitor {
            type Value = HostsList;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list of `host=address` or a map")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<HostsList, A::Error> {
                let mut hosts = HostsList::default();
                while let Some(entry) = sequence.next_element::<String>()? {
                    hosts.add(&entry).map_err(de::Error::custom)?;
                }
                Ok(hosts)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HostsList, A::Error> {
                let mut hosts = HostsList::default();
                while let Some((host, addresses)) = map.next_entry::<String, serde_json::Value>()? {
                    let addresses = match addresses {
                        serde_json::Value::Array(items) => items
                            .into_iter()
                            .map(|item| match item {
                                serde_json::Value::String(text) => text,
                                other => other.to_string(),
                            })
                            .collect(),
                        serde_json::Value::Null => vec![String::new()],
                        serde_json::Value::String(text) => vec![text],
                        other => vec![other.to_string()],
                    };
                    let addresses = addresses
                        .iter()
                        .map(|address| strip_brackets(address).to_owned())
                        .collect();
                    hosts.0.insert(host, addresses);
                }
                Ok(hosts)
            }
        }
        deserializer.deserialize_any(HostsVisitor)
    }
}

// ---------------------------------------------------------------- Ulimit

/// One `ulimits` entry: a single value, or soft/hard. Printed as a number when single,
/// else as `{soft, hard}` with zeros omitted (compose-go `UlimitsConfig.MarshalJSON`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ulimit {
    pub single: i64,
    pub soft: i64,
    pub hard: i64,
}

impl Serialize for Ulimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.single != 0 {
            return serializer.serialize_i64(self.single);
        }
        let count = usize::from(self.soft != 0) + usize::from(self.hard != 0);
        let mut map = serializer.serialize_map(Some(count))?;
        if self.soft != 0 {
            map.serialize_entry("soft", &self.soft)?;
        }
        if self.hard != 0 {
            map.serialize_entry("hard", &self.hard)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Ulimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UlimitVisitor;
        impl<'de> Visitor<'de> for UlimitVisitor {
            type Value = Ulimit;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a number or `{soft, hard}`")
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Ulimit, E> {
                Ok(Ulimit {
                    single: value,
                    ..Ulimit::default()
                })
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Ulimit, E> {
                self.visit_i64(i64::try_from(value).map_err(E::custom)?)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ulimit, A::Error> {
                let mut ulimit = Ulimit::default();
                while let Some((key, value)) = map.next_entry::<String, i64>()? {
                    match key.as_str() {
                        "soft" => ulimit.soft = value,
                        "hard" => ulimit.hard = value,
                        "single" => ulimit.single = value,
                        _ => {}
                    }
                }
                Ok(ulimit)
            }
        }
        deserializer.deserialize_any(UlimitVisitor)
    }
}

// ---------------------------------------------------------------- EnvFile

/// One `env_file` entry. Printed as its path when required, else as an object
/// (compose-go `EnvFile.MarshalJSON`; `format` only survives in the object form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFile {
    pub path: String,
    pub required: bool,
    pub format: String,
}

impl Default for EnvFile {
    fn default() -> Self {
        Self {
            path: String::new(),
            required: true,
            format: String::new(),
        }
    }
}

impl Serialize for EnvFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.required {
            return serializer.serialize_str(&self.path);
        }
        let count = 1 + usize::from(!self.path.is_empty()) + usize::from(!self.format.is_empty());
        let mut object = serializer.serialize_struct("EnvFile", count)?;
        if !self.path.is_empty() {
            object.serialize_field("path", &self.path)?;
        }
        object.serialize_field("required", &self.required)?;
        if !self.format.is_empty() {
            object.serialize_field("format", &self.format)?;
        }
        object.end()
    }
}

impl<'de> Deserialize<'de> for EnvFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Path(String),
            Object {
                #[serde(default)]
                path: String,
                #[serde(default = "default_true")]
                required: bool,
                #[serde(default)]
                format: String,
            },
        }
        Ok(match Form::deserialize(deserializer)? {
            Form::Path(path) => EnvFile {
                path,
                ..EnvFile::default()
            },
            Form::Object {
                path,
                required,
                format,
            } => EnvFile {
                path,
                required,
                format,
            },
        })
    }
}

pub(crate) fn default_true() -> bool {
    true
}

// ---------------------------------------------------------------- SSH keys

/// One `build.ssh` entry: an id (`default`) and an optional path.
/// The reference fails to print an entry with a path (its `SSHKey.MarshalJSON` emits
/// invalid JSON); we print it as `id=path`, the short syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshKey {
    pub id: String,
    pub path: String,
}

impl Serialize for SshKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.path.is_empty() {
            serializer.serialize_str(&self.id)
        } else {
            serializer.collect_str(&format_args!("{}={}", self.id, self.path))
        }
    }
}

impl<'de> Deserialize<'de> for SshKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.split_once('=') {
            Some((id, path)) => SshKey {
                id: id.to_owned(),
                path: path.to_owned(),
            },
            None => SshKey {
                id: text,
                path: String::new(),
            },
        })
    }
}

/// Deserialises `build.ssh`: a list of `id[=path]`, or a map id → path.
pub(crate) fn ssh_keys<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<SshKey>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<SshKey>),
        Map(BTreeMap<String, Option<String>>),
    }
    Ok(match Form::deserialize(deserializer)? {
        Form::List(keys) => keys,
        Form::Map(map) => map
            .into_iter()
            .map(|(id, path)| SshKey {
                id,
                path: path.unwrap_or_default(),
            })
            .collect(),
    })
}

// ---------------------------------------------------------------- string enums

/// A closed set of strings with a fallback that keeps unknown values, so that anything
/// the reference prints round-trips.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value outside the known set, kept as written.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from(text.as_str()))
            }
        }
    };
}
pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        for (nanos, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (500_000_000, "500ms"),
            (1_500_000_000, "1.5s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_723_000_000_000, "1h2m3s"),
            (-2_000_000_000, "-2s"),
        ] {
            assert_eq!(Duration(nanos).to_string(), text);
            assert_eq!(Duration::parse(text), Ok(Duration(nanos)));
        }
        assert_eq!(Duration::parse("1d"), Ok(Duration(86_400_000_000_000)));
        assert_eq!(Duration::parse("1.5h"), Ok(Duration(5_400_000_000_000)));
        assert!(Duration::parse("10").is_err());
        assert!(Duration::parse("").is_err());
    }

    #[test]
    fn sizes_parse_like_go_units() {
        assert_eq!(UnitBytes::parse("1gb"), Ok(UnitBytes(1_073_741_824)));
        assert_eq!(UnitBytes::parse("64M"), Ok(UnitBytes(67_108_864)));
        assert_eq!(UnitBytes::parse("1024k"), Ok(UnitBytes(1_048_576)));
        assert_eq!(UnitBytes::parse("120"), Ok(UnitBytes(120)));
        assert!(UnitBytes::parse("lots").is_err());
    }

    #[test]
    fn hosts_list_accepts_both_separators_and_brackets() {
        let hosts: HostsList =
            serde_json::from_str(r#"["a=1.2.3.4", "b:5.6.7.8", "c=[::1]", "a=9.9.9.9"]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&hosts).unwrap(),
            r#"["a=1.2.3.4","a=9.9.9.9","b=5.6.7.8","c=::1"]"#
        );
    }
}
