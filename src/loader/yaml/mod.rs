//! Stage "parse YAML": text → spanned `Node` trees, one per `---` document.
//! Built on yaml-rust2's event parser; scalars resolve as yaml.v3 does (`scalar.rs`),
//! anchors/aliases and `<<` merge keys are expanded here, under an alias-bomb budget.

mod budget;
mod builder;
mod layout;
mod scalar;
#[cfg(test)]
mod tests;

use yaml_rust2::scanner::ScanError;

use super::error::Diagnostic;
use super::node::Node;
use super::source::{SourceId, Span, lines};

/// Most values a document may produce through aliases. A billion-laughs document would
/// expand to billions; real compose files stay in the thousands.
pub const MAX_ALIAS_VALUES: usize = 1_000_000;

/// Deepest nesting of sequences and mappings accepted (aliases included).
pub const MAX_DEPTH: usize = 1_000;

/// Parses the first document of a compose file. A file with no document is an empty mapping.
pub fn parse_document(text: &str, source: SourceId) -> Result<Node, Diagnostic> {
    let mut documents = parse_documents(text, source)?;
    if documents.is_empty() {
        Ok(Node::empty_map(Span::new(source, 1, 1)))
    } else {
        Ok(documents.swap_remove(0))
    }
}

/// Parses every `---` document of a compose file, in order (the reference loads them one
/// after the other and merges them). A file with no document at all (empty, or comments
/// only) gives no tree; a document whose top level is not a mapping (an explicit empty
/// document included, as in the reference) is an error.
pub fn parse_documents(text: &str, source: SourceId) -> Result<Vec<Node>, Diagnostic> {
    // yaml-rust2 does not skip a byte-order mark; yaml.v3 does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // An alias needs a `*`. A text that may hold one is counted in a pass of its own, so a
    // bomb is refused before anything is built. Otherwise the builder's own count (depth)
    // suffices and the text is parsed once; when building fails, the stand-alone pass still
    // decides which error comes first (a syntax error further down the stream wins).
    let may_alias = text.contains('*');
    if may_alias {
        budget::check(text, source)?;
    }
    builder::Builder::new(text, source).run().or_else(|error| {
        if !may_alias {
            budget::check(text, source)?;
        }
        Err(error)
    })
}

/// A parser error as a diagnostic at its position, with a readable message.
fn syntax_error(error: &ScanError, text: &str, source: SourceId) -> Diagnostic {
    let marker = error.marker();
    let mut span = clamp_to_text(text, source, marker.line(), marker.col() + 1);
    let info = error.info();
    let line_text = lines(text).nth(span.line as usize - 1).unwrap_or("");
    let leading = &line_text[..line_text.len() - line_text.trim_start().len()];
    // The scanner stops after the tab; point at the tab itself.
    if info.contains("tab") {
        if let Some(offset) = leading.find('\t') {
            span.column = u32::try_from(offset + 1).unwrap_or(u32::MAX);
        }
    }
    if info == "while parsing node, found unknown anchor" {
        let name = builder::name_at(text, marker.index());
        return Diagnostic::new(
            format!("invalid YAML: unknown anchor `{name}` referenced"),
            span,
        )
        .with_hint(format!(
            "define it with `&{name}` before using `*{name}`, in the same document"
        ));
    }
    // Drop the parser's "while parsing a block mapping, " context, as yaml.v3 does.
    let message = ["while parsing ", "while scanning "]
        .iter()
        .find_map(|prefix| info.strip_prefix(prefix))
        .and_then(|rest| rest.split_once(", ").map(|(_, detail)| detail))
        .unwrap_or(info);
    let diagnostic = Diagnostic::new(format!("invalid YAML: {message}"), span);
    if info.contains("tab") || leading.contains('\t') {
        diagnostic.with_hint("YAML indentation must use spaces, not tabs")
    } else if info.contains("quoted scalar") && info.contains("end of stream") {
        diagnostic.with_hint("a quoted string is not closed")
    } else if info.contains("did not find expected key") {
        diagnostic.with_hint("check the indentation of this line against the lines above")
    } else if info.contains("mapping values are not allowed") {
        diagnostic.with_hint("quote the value if it contains `: `")
    } else {
        diagnostic
    }
}

/// A 1-based position, moved back onto the last line when the parser points past the end.
pub(super) fn clamp_to_text(text: &str, source: SourceId, line: usize, column: usize) -> Span {
    let line_count = lines(text).count();
    if line_count == 0 {
        return Span::new(source, 1, 1);
    }
    let to_u32 = |number: usize| u32::try_from(number).unwrap_or(u32::MAX);
    if line == 0 || line > line_count {
        let last = lines(text).last().unwrap_or("");
        return Span::new(source, to_u32(line_count), to_u32(last.chars().count() + 1));
    }
    Span::new(source, to_u32(line), to_u32(column.max(1)))
}
