//! The alias-bomb and depth guard: a first pass over the parser events that only counts
//! (no tree is built), so a billion-laughs document is refused in time proportional to
//! its text, before any alias is expanded. The reference hangs on such documents.

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
    let span = |marker: Marker| {
        let to_u32 = |number: usize| u32::try_from(number).unwrap_or(u32::MAX);
        Span::new(source, to_u32(marker.line()), to_u32(marker.col() + 1))
    };
    let too_deep = |marker: Marker| {
        Diagnostic::new(
            format!("this document nests deeper than {MAX_DEPTH} levels"),
            span(marker),
        )
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<OpenCollection> = Vec::new();
    let mut anchors: HashMap<usize, Measure> = HashMap::new();
    let mut expanded: usize = 0;
    loop {
        let (event, marker) = parser
            .next_token()
            .map_err(|error| syntax_error(&error, text, source))?;
        let finished = match event {
            Event::StreamEnd => return Ok(()),
            Event::DocumentStart => {
                anchors.clear();
                expanded = 0;
                None
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => None,
            Event::Scalar(_, _, anchor_id, _) => Some((Measure { size: 1, height: 0 }, anchor_id)),
            Event::Alias(anchor_id) => {
                // Unknown and recursive aliases are reported by the builder.
                let measure = anchors
                    .get(&anchor_id)
                    .copied()
                    .unwrap_or(Measure { size: 1, height: 0 });
                expanded = expanded.saturating_add(measure.size);
                if expanded > MAX_ALIAS_VALUES {
                    let name = name_at(text, marker.index());
                    return Err(Diagnostic::new(
                        format!(
                            "this document expands to more than {MAX_ALIAS_VALUES} values through aliases (an alias bomb?)"
                        ),
                        span(marker),
                    )
                    .with_hint(format!("alias `*{name}` crosses the limit")));
                }
                if stack.len() + measure.height > MAX_DEPTH {
                    return Err(too_deep(marker));
                }
                Some((measure, 0))
            }
            Event::SequenceStart(anchor_id, _) | Event::MappingStart(anchor_id, _) => {
                if stack.len() + 1 > MAX_DEPTH {
                    return Err(too_deep(marker));
                }
                stack.push(OpenCollection {
                    measure: Measure { size: 1, height: 1 },
                    anchor_id,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack
                .pop()
                .map(|collection| (collection.measure, collection.anchor_id)),
        };
        if let Some((measure, anchor_id)) = finished {
            if anchor_id != 0 {
                anchors.insert(anchor_id, measure);
            }
            if let Some(parent) = stack.last_mut() {
                parent.measure.size = parent.measure.size.saturating_add(measure.size);
                parent.measure.height = parent.measure.height.max(measure.height + 1);
            }
        }
    }
}
