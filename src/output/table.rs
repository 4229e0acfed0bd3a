//! Table and value formatting shared by the listing commands (`ps`, `ls`, `images`, `top`),
//! byte-compatible with the reference: Go's `text/tabwriter` column layout, go-units' human
//! durations and sizes, the docker CLI's port list and ellipsis, Go's JSON escaping. Pure.

use std::fmt::Write as _;

/// Lays out tab-separated lines as Go's `text/tabwriter` does with `padchar ' '` and no
/// flags: a cell ended by a tab belongs to a column, whose width is the widest cell of its
/// block of consecutive lines plus `padding`, at least `minimum_width`; the last cell of a line
/// is never padded. Columns blocks end where a line has fewer cells, as in Go.
pub fn tabwrite(text: &str, minimum_width: usize, padding: usize) -> String {
    let mut lines: Vec<Vec<&str>> = text
        .split('\n')
        .map(|line| line.split('\t').collect())
        .collect();
    // The text after the last newline is the unterminated last line, empty when it ends in `\n`.
    let trailing = lines
        .pop()
        .map(|cells| cells.join("\t"))
        .unwrap_or_default();
    let mut out = String::new();
    let mut widths: Vec<usize> = Vec::new();
    format_block(
        &lines,
        0,
        lines.len(),
        &mut widths,
        minimum_width,
        padding,
        &mut out,
    );
    out.push_str(&trailing);
    out
}

fn cell_width(cell: &str) -> usize {
    cell.chars().count()
}

/// Go's `Writer.format`: recursive over column blocks.
fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    minimum_width: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = minimum_width;
        while this < line1 {
            let line = &lines[this];
            if column + 1 >= line.len() {
                break;
            }
            width = width.max(cell_width(line[column]) + padding);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, minimum_width, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (index, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if index + 1 < line.len() {
                if let Some(width) = widths.get(index) {
                    let fill = width.saturating_sub(cell_width(cell));
                    out.extend(std::iter::repeat_n(' ', fill));
                }
            }
        }
        out.push('\n');
    }
}

/// go-units `HumanDuration`: `Less than a second`, `About a minute`, `3 hours`...
pub fn human_duration(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let whole_seconds = seconds as i64;
    #[allow(clippy::cast_possible_truncation)]
    let minutes = (seconds / 60.0) as i64;
    #[allow(clippy::cast_possible_truncation)]
    let hours = (seconds / 3600.0 + 0.5) as i64;
    if whole_seconds < 1 {
        "Less than a second".to_owned()
    } else if whole_seconds == 1 {
        "1 second".to_owned()
    } else if whole_seconds < 60 {
        format!("{whole_seconds} seconds")
    } else if minutes == 1 {
        "About a minute".to_owned()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".to_owned()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let whole_hours = (seconds / 3600.0) as i64;
        format!("{} years", whole_hours / 24 / 365)
    }
}

/// `created` (Unix seconds) as the reference's CREATED column: `2 minutes ago`.
pub fn time_ago(created: i64, now: f64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let elapsed = now - created as f64;
    format!("{} ago", human_duration(elapsed))
}

/// go-units `HumanSizeWithPrecision(size, 3)`: decimal units, three significant digits.
pub fn human_size(bytes: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    human_size_float(bytes as f64)
}

/// [`human_size`] of a float (the docker CLI's network and block I/O columns).
pub fn human_size_float(size: f64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    custom_size(size, 1000.0, &UNITS, 3)
}

/// go-units `BytesSize`: binary units (`KiB`, `MiB`…), four significant digits.
pub fn bytes_size(size: f64) -> String {
    const UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    custom_size(size, 1024.0, &UNITS, 4)
}

/// go-units `CustomSize`: divide by `base` while it fits, then Go's `%.<precision>g`.
fn custom_size(mut size: f64, base: f64, units: &[&str], precision: usize) -> String {
    let mut unit = 0;
    while size >= base && unit + 1 < units.len() {
        size /= base;
        unit += 1;
    }
    format!("{}{}", go_general_float(size, precision), units[unit])
}

/// Go's `%.<precision>g` for the magnitudes the size functions produce (below 1024).
fn go_general_float(value: f64, precision: usize) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    // The exponent after rounding to `precision` digits decides the notation, as in Go.
    let scientific = format!("{:.*e}", precision.saturating_sub(1), value);
    let (mantissa, exponent_text) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent_text.parse().unwrap_or(0);
    let precision_signed = i64::try_from(precision).unwrap_or(3);
    if exponent < -4 || exponent >= precision_signed {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim_fraction(mantissa), exponent.abs());
    }
    let decimals = usize::try_from(precision_signed - 1 - exponent).unwrap_or(0);
    trim_fraction(&format!("{value:.decimals$}")).to_owned()
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// The docker CLI's `Ellipsis`: at most `width` characters, the last one `…` when cut.
pub fn ellipsis(text: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    if width == 1 {
        return text.chars().take(1).collect();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// Go's `strconv.Quote` for the printable text a command line holds.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            control if control.is_control() => {
                let code = u32::from(control);
                if code < 0x80 {
                    let _ = write!(out, "\\x{code:02x}");
                } else if code <= 0xFFFF {
                    let _ = write!(out, "\\u{code:04x}");
                } else {
                    let _ = write!(out, "\\U{code:08x}");
                }
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// Go's `json.Marshal` escapes `<`, `>`, `&`, U+2028 and U+2029 in strings; serde_json does
/// not. These characters only occur inside strings in JSON text, so replacing them is safe.
pub fn go_json_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for character in json.chars() {
        match character {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

/// One port of a container as the engine lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortBinding {
    /// Host IP (`0.0.0.0`, `::`), empty for an exposed port that is not published.
    pub host_ip: String,
    pub private_port: u16,
    /// 0 when not published.
    pub public_port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// Go's `net.JoinHostPort`: brackets around IPv6 hosts.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The docker CLI's `DisplayablePorts`: consecutive ports grouped into ranges, published
/// ports whose host port differs listed last, e.g.
/// `5432/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp`.
pub fn displayable_ports(ports: &[PortBinding]) -> String {
    let mut sorted: Vec<&PortBinding> = ports.iter().collect();
    sorted.sort_by(|left, right| {
        (
            left.private_port,
            &left.host_ip,
            left.public_port,
            &left.protocol,
        )
            .cmp(&(
                right.private_port,
                &right.host_ip,
                right.public_port,
                &right.protocol,
            ))
    });
    // (key, first, last), in the order keys first appear.
    let mut groups: Vec<(String, u16, u16)> = Vec::new();
    let mut result: Vec<String> = Vec::new();
    let mut host_mappings: Vec<String> = Vec::new();
    for port in sorted {
        let current = port.private_port;
        let mut key = port.protocol.clone();
        if !port.host_ip.is_empty() {
            if port.public_port != current {
                host_mappings.push(format!(
                    "{}->{}/{}",
                    join_host_port(&port.host_ip, &port.public_port.to_string()),
                    port.private_port,
                    port.protocol
                ));
                continue;
            }
            key = format!("{}/{}", port.host_ip, port.protocol);
        }
        match groups
            .iter_mut()
            .find(|(group_key, _, _)| *group_key == key)
        {
            None => groups.push((key, current, current)),
            Some(group) if u32::from(current) == u32::from(group.2) + 1 => group.2 = current,
            Some(group) => {
                result.push(form_group(&group.0, group.1, group.2));
                group.1 = current;
                group.2 = current;
            }
        }
    }
    for (key, first, last) in &groups {
        result.push(form_group(key, *first, *last));
    }
    result.extend(host_mappings);
    result.join(", ")
}

/// Go's `formGroup`; the key is `type` or `ip/type` (split on `/` as the CLI does).
fn form_group(key: &str, first: u16, last: u16) -> String {
    let parts: Vec<&str> = key.split('/').collect();
    let (ip, protocol) = if parts.len() > 1 {
        (parts[0], parts[1])
    } else {
        ("", parts[0])
    };
    let mut group = first.to_string();
    if first != last {
        group = format!("{group}-{last}");
    }
    if !ip.is_empty() {
        group = format!("{}->{group}", join_host_port(ip, &group));
    }
    format!("{group}/{protocol}")
}

/// Parses an RFC 3339 time as the engine writes it (`2024-01-02T03:04:05.123456789Z` or with
/// an offset) into Unix seconds; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else {
        let split = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let hours: i64 = hours.parse().ok()?;
        let minutes: i64 = minutes.parse().ok()?;
        (clock, sign * (hours * 3600 + minutes * 60))
    };
    let mut clock_parts = clock.split(':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: f64 = clock_parts.next()?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    #[allow(clippy::cast_precision_loss)]
    let whole = (days * 86_400 + hour * 3600 + minute * 60 - offset_seconds) as f64;
    Some(whole + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Go's `time.Unix(seconds, 0).String()` in UTC: `2024-01-02 03:04:05 +0000 UTC`.
pub fn go_time_string_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000 UTC",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// Date and clock (UTC) of a moment in nanoseconds since the epoch: `(year, month, day,
/// hour, minute, second, nanosecond)`.
fn utc_parts(nanos: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let seconds = nanos.div_euclid(1_000_000_000);
    let fraction = nanos.rem_euclid(1_000_000_000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let in_day = seconds.rem_euclid(86_400);
    (
        year,
        month,
        day,
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        fraction,
    )
}

/// Go's `Format("2006-01-02 15:04:05.000000")` (microseconds, truncated) of a moment at
/// `offset` seconds from UTC, as the reference prints an event's time (in local time).
pub fn go_microsecond_time(nanos: i64, offset: i32) -> String {
    let local = nanos.saturating_add(i64::from(offset) * 1_000_000_000);
    let (year, month, day, hour, minute, second, fraction) = utc_parts(local);
    format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{:06}",
        fraction / 1000
    )
}

/// Go's `time.Time` JSON form (RFC 3339 with nanoseconds, trailing zeros dropped) of a
/// moment at `offset` seconds from UTC: `2026-11-28T14:08:25.00062967Z` in UTC,
/// `2026-11-28T15:08:25.00062967+01:00` an hour east.
pub fn go_rfc3339_nano(nanos: i64, offset: i32) -> String {
    let local = nanos.saturating_add(i64::from(offset) * 1_000_000_000);
    let (year, month, day, hour, minute, second, fraction) = utc_parts(local);
    let digits = format!("{fraction:09}");
    let digits = digits.trim_end_matches('0');
    let fraction = if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    };
    let zone = if offset == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.unsigned_abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    };
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabwriter_pads_columns_but_not_the_last_cell() {
        let text = "NAME\tSTATUS\tCONFIG FILES\nweb\texited(1), running(2)\t/a/compose.yaml\n";
        assert_eq!(
            tabwrite(text, 20, 3),
            "NAME                STATUS                  CONFIG FILES\n\
             web                 exited(1), running(2)   /a/compose.yaml\n"
        );
        // Empty last cells leave the padding of the previous column (as the reference's ps).
        assert_eq!(tabwrite("a\tb\n", 10, 3), "a         b\n");
        assert_eq!(tabwrite("abc\t\nx\ty\n", 1, 2), "abc  \nx    y\n");
        // Characters, not bytes.
        assert_eq!(tabwrite("é…\tb\nx\tc\n", 1, 1), "é… b\nx  c\n");
    }

    #[test]
    fn tabwriter_blocks_end_at_shorter_lines() {
        assert_eq!(tabwrite("aaaa\tb\nc\nd\te\n", 1, 1), "aaaa b\nc\nd e\n");
    }

    #[test]
    fn durations_follow_go_units() {
        assert_eq!(human_duration(0.4), "Less than a second");
        assert_eq!(human_duration(1.2), "1 second");
        assert_eq!(human_duration(59.9), "59 seconds");
        assert_eq!(human_duration(61.0), "About a minute");
        assert_eq!(human_duration(150.0), "2 minutes");
        assert_eq!(human_duration(3600.0), "About an hour");
        assert_eq!(human_duration(5400.0), "2 hours");
        assert_eq!(human_duration(86_400.0 * 3.0), "3 days");
        assert_eq!(human_duration(86_400.0 * 20.0), "2 weeks");
        assert_eq!(human_duration(86_400.0 * 90.0), "3 months");
        assert_eq!(human_duration(86_400.0 * 800.0), "2 years");
        assert_eq!(time_ago(100, 102.5), "2 seconds ago");
    }

    #[test]
    fn sizes_use_three_significant_digits() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(1_984_241), "1.98MB");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(1500), "1.5kB");
        assert_eq!(human_size(7_800_000_000), "7.8GB");
        assert_eq!(human_size(999_600), "1e+03kB");
    }

    #[test]
    fn ports_render_as_the_docker_cli() {
        let port = |host_ip: &str, private_port, public_port, protocol: &str| PortBinding {
            host_ip: host_ip.to_owned(),
            private_port,
            public_port,
            protocol: protocol.to_owned(),
        };
        assert_eq!(
            displayable_ports(&[
                port("0.0.0.0", 80, 18081, "tcp"),
                port("::", 80, 18081, "tcp"),
                port("127.0.0.1", 81, 18082, "udp"),
                port("", 5432, 0, "tcp"),
            ]),
            "5432/tcp, 0.0.0.0:18081->80/tcp, [::]:18081->80/tcp, 127.0.0.1:18082->81/udp"
        );
        assert_eq!(
            displayable_ports(&[
                port("0.0.0.0", 8000, 8000, "tcp"),
                port("0.0.0.0", 8001, 8001, "tcp"),
                port("", 9000, 0, "udp"),
                port("", 9001, 0, "udp"),
                port("", 9003, 0, "udp"),
            ]),
            "9000-9001/udp, 0.0.0.0:8000-8001->8000-8001/tcp, 9003/udp"
        );
        assert_eq!(displayable_ports(&[]), "");
    }

    #[test]
    fn quoting_and_ellipsis_match_go() {
        assert_eq!(
            go_quote(&ellipsis("sh -c 'trap \"exit 0\" TERM INT; sleep 1'", 20)),
            "\"sh -c 'trap \\\"exit 0…\""
        );
        assert_eq!(ellipsis("short", 20), "short");
        assert_eq!(
            go_json_escape("{\"a\":\"1->2 & <x>\"}"),
            "{\"a\":\"1-\\u003e2 \\u0026 \\u003cx\\u003e\"}"
        );
    }

    #[test]
    fn times_parse_and_print() {
        let seconds = parse_rfc3339("2026-11-28T07:14:26.040999866Z").unwrap();
        #[allow(clippy::cast_possible_truncation)]
        let whole = seconds as i64;
        assert_eq!(go_time_string_utc(whole), "2026-11-28 07:14:26 +0000 UTC");
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(go_time_string_utc(0), "1970-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn event_times_print_like_go() {
        let nanos = 1_795_874_905_000_629_677;
        assert_eq!(go_microsecond_time(nanos, 0), "2026-11-28 14:08:25.000629");
        assert_eq!(go_rfc3339_nano(nanos, 0), "2026-11-28T14:08:25.000629677Z");
        assert_eq!(
            go_rfc3339_nano(1_795_874_905_120_000_000, 0),
            "2026-11-28T14:08:25.12Z"
        );
        assert_eq!(
            go_rfc3339_nano(1_795_874_905_000_000_000, 0),
            "2026-11-28T14:08:25Z"
        );
        // Local time, as the reference prints events (TZ=Europe/Paris, America/New_York).
        assert_eq!(
            go_microsecond_time(nanos, 3600),
            "2026-11-28 15:08:25.000629"
        );
        assert_eq!(
            go_rfc3339_nano(nanos, 3600),
            "2026-11-28T15:08:25.000629677+01:00"
        );
        assert_eq!(
            go_rfc3339_nano(nanos, -5 * 3600),
            "2026-11-28T09:08:25.000629677-05:00"
        );
        assert_eq!(
            go_rfc3339_nano(nanos, 19_800),
            "2026-11-28T19:38:25.000629677+05:30"
        );
    }
}
