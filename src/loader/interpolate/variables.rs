//! `config --variables`: the variables a (not interpolated) tree uses, as compose-go
//! `template.ExtractVariables` finds them, and the reference's table / JSON renderings.
//! Pure: returns strings, prints nothing.

use std::collections::BTreeMap;

use super::template::{Match, first_brace_closing_index, match_at};
use crate::loader::node::{Node, Value};

/// One variable of `config --variables`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// Used with `:?` or `?`.
    pub required: bool,
    /// The text after `:-` / `-` (not expanded).
    pub default_value: String,
    /// The text after `:+` / `+` (not expanded), the reference's `PresenceValue`.
    pub alternate_value: String,
}

/// Every variable used in string values of `tree`, sorted by name, one entry per name.
/// When a name is used several times the last use in document order wins (the reference
/// walks Go maps, so its choice is random).
pub fn extract_variables(tree: &Node) -> Vec<Variable> {
    let mut found = BTreeMap::new();
    collect(tree, &mut found);
    found.into_values().collect()
}

fn collect(node: &Node, found: &mut BTreeMap<String, Variable>) {
    match &node.value {
        Value::String(text) => {
            for variable in extract_from_string(text) {
                found.insert(variable.name.clone(), variable);
            }
        }
        Value::Seq(items) => items.iter().for_each(|item| collect(item, found)),
        Value::Map(map) => map.values().for_each(|entry| collect(&entry.value, found)),
        _ => {}
    }
}

/// compose-go `extractVariable`, quirks kept: an invalid `${` yields a variable with an empty
/// name, and a name not made of ASCII `[A-Za-z0-9_]` (`${ſ:-x}`) keeps its operator.
fn extract_from_string(text: &str) -> Vec<Variable> {
    let mut values = Vec::new();
    let mut position = 0;
    while let Some(offset) = text[position..].find('$') {
        let start = position + offset;
        let (value, end) = match match_at(text, start) {
            None => {
                position = start + 1;
                continue;
            }
            Some(Match::Escaped) => {
                position = start + 2;
                continue;
            }
            Some(Match::Named { name_end }) => (&text[start + 1..name_end], name_end),
            Some(Match::Invalid) => ("", start + 2),
            Some(Match::Braced { end, .. }) => {
                let whole = &text[start..end];
                match first_brace_closing_index(whole) {
                    Some(index) if index > 0 => {
                        values.extend(extract_from_string(&whole[index + 1..]));
                        (&whole[2..index], end)
                    }
                    _ => (&whole[2..whole.len() - 1], end),
                }
            }
        };
        position = end;
        values.extend(describe(value));
    }
    values
}

/// One expression's variable, then the variables of its default / alternate.
fn describe(expression: &str) -> Vec<Variable> {
    let mut variable = Variable {
        name: expression.to_owned(),
        required: false,
        default_value: String::new(),
        alternate_value: String::new(),
    };
    let split = expression
        .char_indices()
        .find(|(_, character)| !(character.is_ascii_alphanumeric() || *character == '_'))
        .map(|(index, _)| index);
    if let Some(index) = split.filter(|index| *index > 0) {
        expression[..index].clone_into(&mut variable.name);
        let rest = &expression[index..];
        if rest.starts_with(":?") || rest.starts_with('?') {
            variable.required = true;
        } else if let Some(default) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-')) {
            default.clone_into(&mut variable.default_value);
        } else if let Some(alternate) = rest.strip_prefix(":+").or_else(|| rest.strip_prefix('+')) {
            alternate.clone_into(&mut variable.alternate_value);
        }
    }
    let mut values = vec![variable.clone()];
    if !variable.default_value.is_empty() {
        values.extend(extract_from_string(&variable.default_value));
    }
    if !variable.alternate_value.is_empty() {
        values.extend(extract_from_string(&variable.alternate_value));
    }
    values
}

/// The reference's table (Go `tabwriter` with minwidth 20, padding 3, spaces):
/// `NAME  REQUIRED  DEFAULT VALUE  ALTERNATE VALUE`, one row per variable, trailing padding kept.
pub fn render_variables_table(variables: &[Variable]) -> String {
    let mut rows: Vec<[&str; 4]> = vec![["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"]];
    for variable in variables {
        rows.push([
            &variable.name,
            if variable.required { "true" } else { "false" },
            &variable.default_value,
            &variable.alternate_value,
        ]);
    }
    let mut widths = [20_usize; 3];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count() + 3);
        }
    }
    let mut out = String::new();
    for row in &rows {
        for (width, cell) in widths.iter().zip(row) {
            out.push_str(cell);
            out.push_str(&" ".repeat(width - cell.chars().count()));
        }
        out.push_str(row[3]);
        out.push('\n');
    }
    out
}

/// `config --variables --format json`: an object keyed by name (sorted), Go field names,
/// four-space indent, followed by an empty line as the reference prints it.
pub fn render_variables_json(variables: &[Variable]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = variables
        .iter()
        .map(|variable| {
            (
                variable.name.clone(),
                serde_json::json!({
                    "Name": variable.name,
                    "DefaultValue": variable.default_value,
                    "PresenceValue": variable.alternate_value,
                    "Required": variable.required,
                }),
            )
        })
        .collect();
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    serde::Serialize::serialize(&serde_json::Value::Object(object), &mut serializer)
        .unwrap_or_default();
    let mut out = String::from_utf8_lossy(&buffer).into_owned();
    out.push_str("\n\n");
    out
}
