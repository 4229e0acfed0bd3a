//! `--progress json`: one JSON object per event and line, with the reference's field names and
//! order (`pkg/progress/json.go`): `dry-run`, `tail`, `id`, `parent_id`, `text`, `status`,
//! `current`, `total`, `percent`, each left out when empty.

use serde::Serialize;

use crate::output::events::ProgressEvent;

#[derive(Serialize)]
struct JsonMessage<'a> {
    #[serde(rename = "dry-run", skip_serializing_if = "is_false")]
    dry_run: bool,
    #[serde(skip_serializing_if = "is_false")]
    tail: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    parent_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    text: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    status: &'a str,
}

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(value: &bool) -> bool {
    !*value
}

/// Renders events as JSON lines.
#[derive(Debug, Clone, Default)]
pub struct JsonRenderer {
    pub dry_run: bool,
}

impl JsonRenderer {
    pub fn new(dry_run: bool) -> Self {
        Self { dry_run }
    }

    /// `{"id":"Container p-web-1","status":"Created"}`
    pub fn on_event(&self, event: &ProgressEvent) -> String {
        let id = event.resource.to_string();
        let parent_id = event
            .parent
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        to_line(&JsonMessage {
            dry_run: self.dry_run,
            tail: false,
            id: &id,
            parent_id: &parent_id,
            text: event.text(),
            status: event.status_text(),
        })
    }

    /// `{"tail":true,"text":"..."}`
    pub fn tail(&self, message: &str) -> String {
        to_line(&JsonMessage {
            dry_run: self.dry_run,
            tail: true,
            id: "",
            parent_id: "",
            text: message,
            status: "",
        })
    }
}

/// How the reference reports a failed command under `--progress json` (`errorAsJSON` in
/// `cmd/compose/compose.go`): `{"error":true,"message":"..."}`.
pub fn error_line(message: &str) -> String {
    #[derive(Serialize)]
    struct JsonError<'a> {
        error: bool,
        message: &'a str,
    }
    to_line(&JsonError {
        error: true,
        message,
    })
}

fn to_line(value: &impl Serialize) -> String {
    // Serialising a struct of strings and bools cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
    format!("{}\n", escape_like_go(&text))
}

/// Go's `json.Marshal` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; these
/// characters can only occur inside strings in our output, so replacing them everywhere is
/// exact, and consumers comparing bytes with the reference see the same lines.
fn escape_like_go(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
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
