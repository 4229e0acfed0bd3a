//! Value syntaxes the reference parses while binding: Go durations (with `d`/`w`, as
//! `str2duration`) and their `String()` form (`1m30s`), byte sizes (go-units
//! `RAMInBytes`), shell words (go-shellwords v1.0.12 without env/backticks), Go float text.

/// Nanoseconds of a duration such as `1h30m`, `1.5s`, `2d`; `None` when invalid.
pub(super) fn parse_duration(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut nanos_total: i128 = 0;
    while !rest.is_empty() {
        let number_length = rest
            .find(|character: char| !(character.is_ascii_digit() || character == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_length];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[number_length..];
        let unit_length = rest
            .find(|character: char| character.is_ascii_digit() || character == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_length];
        rest = &rest[unit_length..];
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            _ => return None,
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        nanos_total += whole * scale;
        if !fraction.is_empty() {
            let digits: i128 = fraction.parse().ok()?;
            let divisor = 10_i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
            nanos_total += digits * scale / divisor;
        }
    }
    let nanos = i64::try_from(nanos_total).ok()?;
    Some(if negative { -nanos } else { nanos })
}

/// Go `time.Duration.String()`.
pub(super) fn format_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_owned();
    }
    let negative = nanos < 0;
    let mut value = nanos.unsigned_abs();
    let mut out = String::new();
    if value < 1_000_000_000 {
        let (unit, precision) = if value < 1_000 {
            ("ns", 0)
        } else if value < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (whole, fraction) = split_fraction(value, precision);
        out.push_str(&whole.to_string());
        out.push_str(&fraction);
        out.push_str(unit);
    } else {
        let (seconds, fraction) = split_fraction(value, 9);
        value = seconds;
        let seconds = value % 60;
        value /= 60;
        let minutes = value % 60;
        let hours = value / 60;
        if hours > 0 {
            out = format!("{hours}h{minutes}m");
        } else if minutes > 0 {
            out = format!("{minutes}m");
        }
        out = format!("{out}{seconds}{fraction}s");
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

/// `value / 10^precision` and the fraction as `.ddd` without trailing zeros (Go `fmtFrac`).
fn split_fraction(value: u64, precision: u32) -> (u64, String) {
    let divisor = 10_u64.pow(precision);
    let fraction = value % divisor;
    if fraction == 0 {
        return (value / divisor, String::new());
    }
    let digits = format!("{fraction:0width$}", width = precision as usize);
    (
        value / divisor,
        format!(".{}", digits.trim_end_matches('0')),
    )
}

/// go-units `RAMInBytes`: `64m`, `1gb`, `1.5 KiB` → bytes (powers of 1024).
pub(super) fn parse_ram_bytes(text: &str) -> Option<i64> {
    let digits_end = text
        .find(|character: char| !(character.is_ascii_digit() || character == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let size: f64 = number.parse().ok()?;
    let suffix = suffix.strip_prefix(' ').unwrap_or(suffix);
    let mut characters = suffix.chars().peekable();
    let mut multiplier: f64 = 1.0;
    if let Some(&unit) = characters.peek() {
        let power = match unit.to_ascii_lowercase() {
            'k' => Some(1),
            'm' => Some(2),
            'g' => Some(3),
            't' => Some(4),
            'p' => Some(5),
            _ => None,
        };
        if let Some(power) = power {
            multiplier = 1024_f64.powi(power);
            characters.next();
        }
    }
    if characters
        .peek()
        .is_some_and(|character| character.eq_ignore_ascii_case(&'i'))
    {
        characters.next();
    }
    if characters
        .peek()
        .is_some_and(|character| character.eq_ignore_ascii_case(&'b'))
    {
        characters.next();
    }
    if characters.next().is_some() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some((size * multiplier) as i64)
}

/// go-shellwords `Parse` (no env expansion, no backticks): `None` when quotes are unbalanced.
/// Like the reference, parsing stops at an unquoted `;`, `&`, `|`, `<` or `>`.
pub(super) fn split_shell_words(line: &str) -> Option<Vec<String>> {
    #[derive(PartialEq)]
    enum Got {
        No,
        Single,
        Quoted,
    }
    let mut args = Vec::new();
    let mut buffer = String::new();
    let (mut escaped, mut double_quoted, mut single_quoted, mut back_quote, mut dollar_quote) =
        (false, false, false, false, false);
    let mut got = Got::No;
    for character in line.chars() {
        if escaped {
            buffer.push(character);
            escaped = false;
            got = Got::Single;
            continue;
        }
        if character == '\\' {
            if single_quoted {
                buffer.push(character);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(character, ' ' | '\t' | '\r' | '\n') {
            if single_quoted || double_quoted || back_quote || dollar_quote {
                buffer.push(character);
            } else if got != Got::No {
                args.push(std::mem::take(&mut buffer));
                got = Got::No;
            }
            continue;
        }
        match character {
            '`' if !single_quoted && !double_quoted && !dollar_quote => back_quote = !back_quote,
            ')' if !single_quoted && !double_quoted && !back_quote => dollar_quote = !dollar_quote,
            '(' if !single_quoted && !double_quoted && !back_quote => {
                if !dollar_quote && buffer.ends_with('$') {
                    dollar_quote = true;
                    buffer.push('(');
                    continue;
                }
                return None;
            }
            '"' if !single_quoted && !dollar_quote => {
                if double_quoted {
                    got = Got::Quoted;
                }
                double_quoted = !double_quoted;
                continue;
            }
            '\'' if !double_quoted && !dollar_quote => {
                if single_quoted {
                    got = Got::Quoted;
                }
                single_quoted = !single_quoted;
                continue;
            }
            ';' | '&' | '|' | '<' | '>'
                if !(single_quoted || double_quoted || back_quote || dollar_quote) =>
            {
                if character == '>' && buffer.starts_with(|first: char| first.is_ascii_digit()) {
                    got = Got::No;
                }
                break;
            }
            _ => {}
        }
        got = Got::Single;
        buffer.push(character);
    }
    if got != Got::No {
        args.push(buffer);
    }
    if escaped || single_quoted || double_quoted || back_quote || dollar_quote {
        return None;
    }
    Some(args)
}

/// Go `fmt.Sprint(float64)` (`%v`: shortest representation, exponent for large/small).
pub(super) fn format_go_float(number: f64) -> String {
    if number.is_finite() && number.fract().abs() < f64::EPSILON && number.abs() < 1e21 {
        #[allow(clippy::cast_possible_truncation)]
        return format!("{}", number as i64);
    }
    #[allow(clippy::cast_possible_truncation)]
    let exponent = if number.abs() < f64::MIN_POSITIVE {
        0
    } else {
        number.abs().log10().floor() as i32
    };
    if (-4..21).contains(&exponent) {
        format!("{number}")
    } else {
        let text = format!("{number:e}");
        match text.split_once('e') {
            Some((mantissa, power)) => {
                let (sign, digits) = power
                    .strip_prefix('-')
                    .map_or(("+", power), |rest| ("-", rest));
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_like_go() {
        let cases = [
            ("1m30s", "1m30s"),
            ("90s", "1m30s"),
            ("120s", "2m0s"),
            ("2h", "2h0m0s"),
            ("1.5s", "1.5s"),
            ("500ms", "500ms"),
            ("1d", "24h0m0s"),
            ("10us", "10µs"),
            ("0", "0s"),
            ("1h1m1.001s", "1h1m1.001s"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                format_duration(parse_duration(input).unwrap()),
                expected,
                "{input}"
            );
        }
        assert!(parse_duration("10").is_none());
        assert!(parse_duration("abc").is_none());
    }

    #[test]
    fn ram_bytes() {
        assert_eq!(parse_ram_bytes("64M"), Some(67_108_864));
        assert_eq!(parse_ram_bytes("1gb"), Some(1_073_741_824));
        assert_eq!(parse_ram_bytes("512"), Some(512));
        assert_eq!(parse_ram_bytes("1.5k"), Some(1536));
        assert_eq!(parse_ram_bytes("1 KiB"), Some(1024));
        assert_eq!(parse_ram_bytes("abc"), None);
    }

    #[test]
    fn shell_words() {
        let words = split_shell_words(r#"echo "hello world" 'a b' c\ d"#).unwrap();
        assert_eq!(words, vec!["echo", "hello world", "a b", "c d"]);
        assert_eq!(split_shell_words("a && b").unwrap(), vec!["a"]);
        assert_eq!(split_shell_words(r#"x """#).unwrap(), vec!["x", ""]);
        assert!(split_shell_words("'open").is_none());
    }

    #[test]
    fn go_floats() {
        assert_eq!(format_go_float(1.0), "1");
        assert_eq!(format_go_float(0.5), "0.5");
        assert_eq!(format_go_float(1e21), "1e+21");
    }
}
