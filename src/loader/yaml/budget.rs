//! The alias-bomb and depth guard: counts over the parser events (no tree is built), so a
//! billion-laughs document is refused in time proportional to its text, before any alias
//! is expanded. The reference hangs on such documents. The builder runs the same count in
//! its own pass; `check` is the stand-alone pass that decides which error comes first.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

use super::builder::name_at;
use super::{MAX_ALIAS_VALUES, MAX_DEPTH, syntax_error};
use crate::loader::error::Diagnostic;
use crate::loader::source::{SourceId, Span};

/// Size (values) and height (nesting levels of collections) of a finished node.
#[derive(Clone, Copy)]
struct Measure {
    size: usize,
    height: usize,
}

struct OpenCollection {
    measure: Measure,
    anchor_id: usize,
}

/// Checks that no document expands to more than [`MAX_ALIAS_VALUES`] values through
/// aliases, nor nests deeper than [`MAX_DEPTH`] once aliases are expanded.
pub fn check(text: &str, source: SourceId) -> Result<(), Diagnostic> {
    let mut parser = Parser::new_from_str(text);
    let mut budget = Budget::new(text, source);
    loop {
        let (event, marker) = parser
            .next_token()
            .map_err(|error| syntax_error(&error, text, source))?;
        budget.observe(&event, marker)?;
        if matches!(event, Event::StreamEnd) {
            return Ok(());
        }
    }
}

/// The counting state of [`check`], fed one parser event at a time, so that the tree
/// builder can apply the same budget in its own pass, before it copies any alias.
pub struct Budget<'text> {
    text: &'text str,
    source: SourceId,
    stack: Vec<OpenCollection>,
    anchors: HashMap<usize, Measure>,
    expanded: usize,
}

impl<'text> Budget<'text> {
    pub fn new(text: &'text str, source: SourceId) -> Self {
        Self {
            text,
            source,
            stack: Vec::new(),
            anchors: HashMap::new(),
            expanded: 0,
        }
    }

    fn span(&self, marker: Marker) -> Span {
        let to_u32 = |number: usize| u32::try_from(number).unwrap_or(u32::MAX);
        Span::new(self.source, to_u32(marker.line()), to_u32(marker.col() + 1))
    }

    fn too_deep(&self, marker: Marker) -> Diagnostic {
        Diagnostic::new(
            format!("this document nests deeper than {MAX_DEPTH} levels"),
            self.span(marker),
        )
    }

    /// Accounts for one event; the error once the document goes over budget.
    pub fn observe(&mut self, event: &Event, marker: Marker) -> Result<(), Diagnostic> {
        let finished = match event {
            Event::DocumentStart => {
                self.anchors.clear();
                self.expanded = 0;
                None
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => None,
            Event::Scalar(_, _, anchor_id, _) => Some((Measure { size: 1, height: 0 }, *anchor_id)),
            Event::Alias(anchor_id) => {
                // Unknown and recursive aliases are reported by the builder.
                let measure = self
                    .anchors
                    .get(anchor_id)
                    .copied()
                    .unwrap_or(Measure { size: 1, height: 0 });
                self.expanded = self.expanded.saturating_add(measure.size);
                if self.expanded > MAX_ALIAS_VALUES {
                    let name = name_at(self.text, marker.index());
                    return Err(Diagnostic::new(
                        format!(
                            "this document expands to more than {MAX_ALIAS_VALUES} values through aliases (an alias bomb?)"
                        ),
                        self.span(marker),
                    )
                    .with_hint(format!("alias `*{name}` crosses the limit")));
                }
                if self.stack.len() + measure.height > MAX_DEPTH {
                    return Err(self.too_deep(marker));
                }
                Some((measure, 0))
            }
            Event::SequenceStart(anchor_id, _) | Event::MappingStart(anchor_id, _) => {
                if self.stack.len() + 1 > MAX_DEPTH {
                    return Err(self.too_deep(marker));
                }
                self.stack.push(OpenCollection {
                    measure: Measure { size: 1, height: 1 },
                    anchor_id: *anchor_id,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => self
                .stack
                .pop()
                .map(|collection| (collection.measure, collection.anchor_id)),
        };
        if let Some((measure, anchor_id)) = finished {
            if anchor_id != 0 {
                self.anchors.insert(anchor_id, measure);
            }
            if let Some(parent) = self.stack.last_mut() {
                parent.measure.size = parent.measure.size.saturating_add(measure.size);
                parent.measure.height = parent.measure.height.max(measure.height + 1);
            }
        }
        Ok(())
    }
}
