//! `stats` output as the docker CLI's `formatter_stats.go` prints it: the default table
//! (CONTAINER ID … PIDS), `json`, Go templates, its number formatting (`0.00%`,
//! `332KiB / 23.54GiB`, `1.17kB / 0B`, `--` before the first reading) and the redraw frame of
//! the streaming mode. Pure.

use serde_json::{Map, Value};

use super::table::{bytes_size, human_size_float};
use super::template::{TemplateData, TemplateError, render_rows};
use crate::engine::stats::UsageSample;

const STATS_TABLE: &str = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/// One container's line: its full id and name from the listing, its latest reading (none
/// yet, or its stats could not be read: shown as `--`).
#[derive(Debug, Clone, PartialEq)]
pub struct StatsRow {
    pub id: String,
    pub name: String,
    pub usage: Option<UsageSample>,
}

fn stats_header(field: &str) -> Option<&'static str> {
    Some(match field {
        "Container" => "CONTAINER",
        "ID" => "CONTAINER ID",
        "Name" => "NAME",
        "CPUPerc" => "CPU %",
        "MemUsage" => "MEM USAGE / LIMIT",
        "MemPerc" => "MEM %",
        "NetIO" => "NET I/O",
        "BlockIO" => "BLOCK I/O",
        "PIDs" => "PIDS",
        _ => return None,
    })
}

fn percent(value: f64) -> String {
    format!("{value:.2}%")
}

/// The fields a template sees (and `json` prints), as the CLI's stats context.
fn stats_fields(row: &StatsRow, truncate: bool) -> Map<String, Value> {
    let id = if truncate {
        row.id.chars().take(12).collect()
    } else {
        row.id.clone()
    };
    let name = if row.name.is_empty() {
        "--".to_owned()
    } else {
        row.name.clone()
    };
    let (cpu, memory_usage, memory_percent, network, block, pids) = match &row.usage {
        Some(usage) => (
            percent(usage.cpu_percent),
            format!(
                "{} / {}",
                bytes_size(usage.memory),
                bytes_size(usage.memory_limit)
            ),
            percent(usage.memory_percent),
            format!(
                "{} / {}",
                human_size_float(usage.network_rx),
                human_size_float(usage.network_tx)
            ),
            format!(
                "{} / {}",
                human_size_float(usage.block_read),
                human_size_float(usage.block_write)
            ),
            usage.pids.to_string(),
        ),
        None => (
            "--".to_owned(),
            "-- / --".to_owned(),
            "--".to_owned(),
            "--".to_owned(),
            "--".to_owned(),
            "--".to_owned(),
        ),
    };
    [
        ("BlockIO", block),
        ("CPUPerc", cpu),
        ("Container", row.id.clone()),
        ("ID", id),
        ("MemPerc", memory_percent),
        ("MemUsage", memory_usage),
        ("Name", name),
        ("NetIO", network),
        ("PIDs", pids),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), Value::from(value)))
    .collect()
}

/// The rows for `--format` (`table`, `table TEMPLATE`, `json`, `TEMPLATE`).
pub fn render_stats(
    rows: &[StatsRow],
    format: &str,
    truncate: bool,
) -> Result<String, TemplateError> {
    let labels = std::collections::BTreeMap::new();
    let fields: Vec<Map<String, Value>> =
        rows.iter().map(|row| stats_fields(row, truncate)).collect();
    render_rows(
        format,
        STATS_TABLE,
        &stats_header,
        fields.iter().map(|fields| TemplateData {
            fields,
            labels: &labels,
        }),
    )
}

/// One redraw of the streaming mode, byte for byte what the docker CLI writes (on a terminal
/// or not): cursor home, the text, then every line of that again followed by "erase to end
/// of line", then "erase below".
pub fn stream_frame(text: &str) -> String {
    let first = format!("\x1b[H{text}");
    let mut frame = first.clone();
    for line in first.split('\n') {
        frame.push_str(line);
        frame.push_str(" \x1b[K\n");
    }
    frame.push_str("\x1b[J");
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> StatsRow {
        StatsRow {
            id: "a4b90f46427ea427c1c56d70b9eb847d0b79f43e86190bcf4e345ff55f6e1e7d".to_owned(),
            name: "stt-a-1".to_owned(),
            usage: Some(UsageSample {
                cpu_percent: 0.0,
                memory: 332.0 * 1024.0,
                memory_limit: 25_275_105_280.0,
                memory_percent: 0.001_28,
                network_rx: 1_170.0,
                network_tx: 0.0,
                pids: 1,
                ..UsageSample::default()
            }),
        }
    }

    #[test]
    fn default_table_has_the_cli_columns_and_units() {
        let text = render_stats(&[row()], "table", true).expect("renders");
        assert_eq!(
            text,
            "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O   PIDS\n\
             a4b90f46427e   stt-a-1   0.00%     332KiB / 23.54GiB   0.00%     1.17kB / 0B   0B / 0B     1\n"
        );
        let full = render_stats(&[row()], "", false).expect("renders");
        assert!(full.contains(&row().id));
    }

    #[test]
    fn json_lines_have_the_cli_keys_in_order() {
        let text = render_stats(&[row()], "json", true).expect("renders");
        assert_eq!(
            text,
            "{\"BlockIO\":\"0B / 0B\",\"CPUPerc\":\"0.00%\",\"Container\":\"a4b90f46427ea427c1c56d70b9eb847d0b79f43e86190bcf4e345ff55f6e1e7d\",\"ID\":\"a4b90f46427e\",\"MemPerc\":\"0.00%\",\"MemUsage\":\"332KiB / 23.54GiB\",\"Name\":\"stt-a-1\",\"NetIO\":\"1.17kB / 0B\",\"PIDs\":\"1\"}\n"
        );
    }

    #[test]
    fn rows_without_a_reading_show_dashes_and_templates_apply() {
        let pending = StatsRow {
            usage: None,
            ..row()
        };
        let text = render_stats(
            &[pending],
            "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}",
            true,
        )
        .expect("renders");
        assert_eq!(text, "stt-a-1 -- -- / -- --\n");
        let text =
            render_stats(&[row()], "table {{.Container}}\t{{.MemPerc}}", true).expect("renders");
        assert!(text.starts_with("CONTAINER"), "{text}");
        assert!(render_stats(&[row()], "{{.Nope", true).is_err());
    }

    #[test]
    fn sizes_and_percentages_use_the_cli_precision() {
        assert_eq!(bytes_size(0.0), "0B");
        assert_eq!(bytes_size(1_293_942.0), "1.234MiB");
        assert_eq!(bytes_size(25_275_105_280.0), "23.54GiB");
        assert_eq!(human_size_float(1_170.0), "1.17kB");
        assert_eq!(human_size_float(999_999.0), "1e+03kB");
        assert_eq!(percent(12.345_6), "12.35%");
        assert_eq!(percent(0.0), "0.00%");
    }

    #[test]
    fn stream_frame_repeats_the_text_with_erase_sequences() {
        assert_eq!(
            stream_frame("A\nB\n"),
            "\x1b[HA\nB\n\x1b[HA \x1b[K\nB \x1b[K\n \x1b[K\n\x1b[J"
        );
    }
}
