//! Renders loader diagnostics and other errors: `file:line:col`, the offending line with a
//! caret, and a hint. Pure: returns strings, so renderings are snapshot-testable.

use std::fmt::Write;

use crate::loader::{Diagnostic, LoadError, Sources};

/// Whether to colour the rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Never,
    Always,
}

/// Renders every diagnostic of a failed load.
pub fn render_load_error(error: &LoadError, colour: Colour) -> String {
    let mut out = String::new();
    for (index, diagnostic) in error.diagnostics.iter().enumerate() {
        // A blank line between errors, so each block with its caret reads on its own.
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&render(diagnostic, &error.sources, "error", colour));
    }
    out
}

/// Renders a warning.
pub fn render_warning(diagnostic: &Diagnostic, sources: &Sources, colour: Colour) -> String {
    render(diagnostic, sources, "warning", colour)
}

fn paint(text: &str, style: &str, colour: Colour) -> String {
    match colour {
        Colour::Never => text.to_owned(),
        Colour::Always => format!("\x1b[{style}m{text}\x1b[0m"),
    }
}

fn render(diagnostic: &Diagnostic, sources: &Sources, level: &str, colour: Colour) -> String {
    let mut out = String::new();
    let level_style = if level == "error" { "1;31" } else { "1;33" };
    let _ = writeln!(
        out,
        "{}: {}",
        paint(level, level_style, colour),
        diagnostic.message
    );
    if let Some(location) = sources.location(diagnostic.span) {
        let _ = writeln!(out, "  --> {location}");
        if let Some(line) = sources.line_text(diagnostic.span) {
            let number = location.line.to_string();
            let gutter = " ".repeat(number.len());
            let caret_pad: String = line
                .chars()
                .take(location.column.saturating_sub(1) as usize)
                .map(|character| if character == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{gutter} |");
            let _ = writeln!(out, "{number} | {line}");
            let _ = writeln!(
                out,
                "{gutter} | {caret_pad}{}",
                paint("^", level_style, colour)
            );
        }
    }
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(out, "  {}: {hint}", paint("hint", "1;36", colour));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::Span;

    #[test]
    fn separates_several_errors_with_a_blank_line() {
        let mut sources = Sources::default();
        let id = sources.add("/p/compose.yaml", "services:\n  web:\n");
        let error = LoadError {
            diagnostics: vec![
                Diagnostic::new("first", Span::new(id, 1, 1)),
                Diagnostic::global("second"),
            ],
            sources,
        };
        let text = render_load_error(&error, Colour::Never);
        assert_eq!(
            text,
            "error: first\n  --> /p/compose.yaml:1:1\n  |\n1 | services:\n  | ^\n\nerror: second\n"
        );
    }

    #[test]
    fn renders_location_line_caret_and_hint() {
        let mut sources = Sources::default();
        let id = sources.add("/p/compose.yaml", "services:\n  web:\n    image: 3\n");
        let diagnostic = Diagnostic::new("bad image", Span::new(id, 3, 12)).with_hint("quote it");
        let text = render(&diagnostic, &sources, "error", Colour::Never);
        assert_eq!(
            text,
            "error: bad image\n  --> /p/compose.yaml:3:12\n  |\n3 |     image: 3\n  |            ^\n  hint: quote it\n"
        );
    }
}
