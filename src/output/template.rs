//! A subset of Go's `text/template` for `--format TEMPLATE` (as the docker CLI applies it):
//! `{{.Field}}`, `{{json .}}`, `{{json .Field}}`, `{{.Label "key"}}`, `{{upper|lower|title
//! .Field}}`, `{{- -}}` trimming, and the `table` prefix with headers. Pure.

use serde_json::{Map, Value};

/// A template that cannot be parsed or uses something this subset does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template parsing error: {0}")]
pub struct TemplateError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Argument {
    /// `.` (the whole object).
    Dot,
    /// `.Field`.
    Field(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Argument),
    Json(Argument),
    Label(String),
    Upper(Argument),
    Lower(Argument),
    Title(Argument),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// What a template reads: the object's fields (as `{{json .}}` prints them) and its labels.
pub struct TemplateData<'a> {
    pub fields: &'a Map<String, Value>,
    pub labels: &'a std::collections::BTreeMap<String, String>,
}

fn split_words(action: &str) -> Result<Vec<String>, TemplateError> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut characters = action.chars();
    while let Some(character) = characters.next() {
        match character {
            '"' if in_quotes => {
                in_quotes = false;
                words.push(std::mem::take(&mut current));
            }
            '"' => in_quotes = true,
            '\\' if in_quotes => {
                if let Some(escaped) = characters.next() {
                    current.push(escaped);
                }
            }
            whitespace if whitespace.is_whitespace() && !in_quotes => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            other => current.push(other),
        }
    }
    if in_quotes {
        return Err(TemplateError(format!(
            "unterminated quoted string in `{action}`"
        )));
    }
    if !current.is_empty() {
        words.push(current);
    }
    Ok(words)
}

fn argument(word: &str) -> Result<Argument, TemplateError> {
    if word == "." {
        return Ok(Argument::Dot);
    }
    match word.strip_prefix('.') {
        Some(name) if !name.is_empty() && !name.contains('.') => {
            Ok(Argument::Field(name.to_owned()))
        }
        _ => Err(TemplateError(format!("unsupported argument `{word}`"))),
    }
}

fn parse_action(action: &str) -> Result<Piece, TemplateError> {
    let words = split_words(action)?;
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [single] => Ok(Piece::Value(argument(single)?)),
        [".Label", key] => Ok(Piece::Label((*key).to_owned())),
        ["json", value] => Ok(Piece::Json(argument(value)?)),
        ["upper", value] => Ok(Piece::Upper(argument(value)?)),
        ["lower", value] => Ok(Piece::Lower(argument(value)?)),
        ["title", value] => Ok(Piece::Title(argument(value)?)),
        _ => Err(TemplateError(format!(
            "unsupported action `{{{{{action}}}}}` (dk-compose knows .Field, json, .Label, upper, lower, title)"
        ))),
    }
}

impl Template {
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut rest = source;
        let mut trim_next_text = false;
        while let Some(start) = rest.find("{{") {
            let raw = &rest[..start];
            let mut text = if trim_next_text {
                raw.trim_start()
            } else {
                raw
            }
            .to_owned();
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| TemplateError("unclosed action".to_owned()))?;
            let mut action = &after[..end];
            if let Some(stripped) = action.strip_prefix("- ") {
                text.truncate(text.trim_end().len());
                action = stripped;
            }
            trim_next_text = false;
            if let Some(stripped) = action.strip_suffix(" -") {
                trim_next_text = true;
                action = stripped;
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(text));
            }
            pieces.push(parse_action(action.trim())?);
            rest = &after[end + 2..];
        }
        let text = if trim_next_text {
            rest.trim_start()
        } else {
            rest
        };
        if !text.is_empty() {
            pieces.push(Piece::Text(text.to_owned()));
        }
        Ok(Self { pieces })
    }

    /// Renders the template for one object.
    pub fn render(&self, data: &TemplateData<'_>) -> Result<String, TemplateError> {
        let lookup = |argument: &Argument| -> Result<Value, TemplateError> {
            match argument {
                Argument::Dot => Ok(Value::Object(data.fields.clone())),
                Argument::Field(name) => data
                    .fields
                    .get(name)
                    .cloned()
                    .ok_or_else(|| TemplateError(format!("can't evaluate field {name}"))),
            }
        };
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value(argument) => out.push_str(&display_value(&lookup(argument)?)),
                Piece::Json(argument) => out.push_str(&json_text(&lookup(argument)?)),
                Piece::Label(key) => {
                    out.push_str(data.labels.get(key).map_or("", String::as_str));
                }
                Piece::Upper(argument) => {
                    out.push_str(&display_value(&lookup(argument)?).to_uppercase());
                }
                Piece::Lower(argument) => {
                    out.push_str(&display_value(&lookup(argument)?).to_lowercase());
                }
                Piece::Title(argument) => {
                    out.push_str(&title_case(&display_value(&lookup(argument)?)));
                }
            }
        }
        Ok(out)
    }

    /// Renders the header line of a `table` template: each field becomes its header.
    pub fn render_header(&self, headers: &dyn Fn(&str) -> Option<&'static str>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value(Argument::Field(name))
                | Piece::Upper(Argument::Field(name))
                | Piece::Lower(Argument::Field(name))
                | Piece::Title(Argument::Field(name)) => {
                    out.push_str(headers(name).unwrap_or("<no value>"));
                }
                Piece::Label(key) => out.push_str(key),
                Piece::Value(Argument::Dot)
                | Piece::Json(_)
                | Piece::Upper(Argument::Dot)
                | Piece::Lower(Argument::Dot)
                | Piece::Title(Argument::Dot) => {}
            }
        }
        out
    }
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    for character in text.chars() {
        if at_word_start {
            out.extend(character.to_uppercase());
        } else {
            out.push(character);
        }
        at_word_start = !character.is_alphanumeric();
    }
    out
}

/// A value as Go's template prints it: strings bare, numbers as numbers, the rest as JSON.
fn display_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "<no value>".to_owned(),
        other => other.to_string(),
    }
}

/// `{{json .}}`: compact JSON with Go's HTML escaping.
pub fn json_text(value: &Value) -> String {
    super::table::go_json_escape(&value.to_string())
}

/// Splits `--format`: `table` (default columns), `table TEMPLATE`, `json`, or `TEMPLATE`,
/// with the CLI's `\t` and `\n` escapes replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatChoice {
    /// The command's default table.
    DefaultTable,
    /// `table TEMPLATE`: a header line, then one line per object, laid out as a table.
    Table(String),
    /// `json`: `{{json .}}` per object.
    Json,
    /// A bare template, one rendering per object.
    Template(String),
}

impl FormatChoice {
    pub fn parse(format: &str) -> Self {
        let unescape = |text: &str| text.trim().replace("\\t", "\t").replace("\\n", "\n");
        match format {
            "" | "table" => Self::DefaultTable,
            "json" => Self::Json,
            other => match other.strip_prefix("table") {
                Some(rest) => Self::Table(unescape(rest)),
                None => Self::Template(unescape(other)),
            },
        }
    }
}

/// Renders rows for a `--format` value (`table`, `table TEMPLATE`, `json`, `TEMPLATE`) as the
/// docker CLI's formatters do: `default_table` for plain `table`, the header line from
/// `headers` and Go's tabwriter layout for tables, one line per row.
pub fn render_rows<'a>(
    format: &str,
    default_table: &str,
    headers: &dyn Fn(&str) -> Option<&'static str>,
    rows: impl IntoIterator<Item = TemplateData<'a>>,
) -> Result<String, TemplateError> {
    let choice = FormatChoice::parse(format);
    let (source, table) = match &choice {
        FormatChoice::DefaultTable => (default_table, true),
        FormatChoice::Table(source) => (source.as_str(), true),
        FormatChoice::Json => ("{{json .}}", false),
        FormatChoice::Template(source) => (source.as_str(), false),
    };
    let template = Template::parse(source)?;
    let mut text = String::new();
    if table {
        text.push_str(&template.render_header(headers));
        text.push('\n');
    }
    for row in rows {
        text.push_str(&template.render(&row)?);
        text.push('\n');
    }
    Ok(if table {
        super::table::tabwrite(&text, 10, 3)
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fields() -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("Name".to_owned(), Value::from("demo-web-1"));
        fields.insert("ExitCode".to_owned(), Value::from(3));
        fields.insert("Ports".to_owned(), Value::from("0.0.0.0:80->80/tcp"));
        fields
    }

    #[test]
    fn fields_json_and_labels_render() {
        let fields = fields();
        let labels = BTreeMap::from([("a.b".to_owned(), "x".to_owned())]);
        let data = TemplateData {
            fields: &fields,
            labels: &labels,
        };
        let template =
            Template::parse("{{.Name}} {{ .ExitCode }} {{.Label \"a.b\"}} {{json .Ports}}")
                .unwrap();
        assert_eq!(
            template.render(&data).unwrap(),
            "demo-web-1 3 x \"0.0.0.0:80-\\u003e80/tcp\""
        );
        let whole = Template::parse("{{json .}}").unwrap();
        assert_eq!(
            whole.render(&data).unwrap(),
            "{\"Name\":\"demo-web-1\",\"ExitCode\":3,\"Ports\":\"0.0.0.0:80-\\u003e80/tcp\"}"
        );
        assert!(Template::parse("{{printf \"%s\" .Name}}").is_err());
        assert_eq!(
            Template::parse("{{upper .Name}} {{- .Name -}} x")
                .unwrap()
                .render(&data)
                .unwrap(),
            "DEMO-WEB-1demo-web-1x"
        );
        assert!(Template::parse("{{.Nope}}").unwrap().render(&data).is_err());
    }

    #[test]
    fn headers_and_format_choice() {
        let template = Template::parse("{{.Name}}\t{{.Status}}").unwrap();
        let headers = |name: &str| match name {
            "Name" => Some("NAME"),
            "Status" => Some("STATUS"),
            _ => None,
        };
        assert_eq!(template.render_header(&headers), "NAME\tSTATUS");
        assert_eq!(
            FormatChoice::parse("table {{.Name}}\\t{{.Status}}"),
            FormatChoice::Table("{{.Name}}\t{{.Status}}".to_owned())
        );
        assert_eq!(FormatChoice::parse("table"), FormatChoice::DefaultTable);
        assert_eq!(FormatChoice::parse("json"), FormatChoice::Json);
        assert_eq!(
            FormatChoice::parse("{{.Name}}"),
            FormatChoice::Template("{{.Name}}".to_owned())
        );
    }
}
