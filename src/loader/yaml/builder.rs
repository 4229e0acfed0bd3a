//! Builds `Node` trees from yaml-rust2 parser events with an explicit stack (no recursion,
//! so deep input cannot overflow): positions, keys, duplicate keys, anchors and aliases,
//! `<<` merge keys.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::layout::{Layout, TokenKind};
use super::scalar::{self, TagKind};
use super::syntax_error;
use crate::loader::error::Diagnostic;
use crate::loader::node::{Entry, Mapping, Node, PathSegment, Tag, Value, display_path};
use crate::loader::source::{SourceId, Span};

/// A finished node and where it starts.
struct Built {
    node: Node,
    /// Character index where the node starts (to tell a block mapping from a flow one).
    start_index: usize,
}

/// What a scalar key looked like in the text.
struct ScalarKey {
    raw: String,
    is_merge: bool,
}

/// The key whose value comes next in a mapping.
enum PendingKey {
    Key {
        name: String,
        span: Span,
    },
    Merge {
        span: Span,
    },
    /// A duplicate or invalid key: its value is read and dropped (the error is pending).
    Skip {
        span: Span,
    },
}

impl PendingKey {
    fn span(&self) -> Span {
        match self {
            Self::Key { span, .. } | Self::Merge { span } | Self::Skip { span } => *span,
        }
    }
}

enum MapItem {
    Entry(String, Entry),
    Merge(Node),
}

struct MappingFrame {
    span: Span,
    start_index: usize,
    tag: Option<Tag>,
    anchor_id: usize,
    items: Vec<MapItem>,
    pending_key: Option<PendingKey>,
    /// Raw key text → line of its first occurrence (compose-go compares raw text).
    seen_keys: HashMap<String, u32>,
    has_first_key: bool,
}

struct SequenceFrame {
    span: Span,
    start_index: usize,
    tag: Option<Tag>,
    anchor_id: usize,
    items: Vec<Node>,
}

enum Frame {
    Sequence(SequenceFrame),
    Mapping(MappingFrame),
}

/// Which check found a deferred error; a lower rank is reported first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ErrorRank {
    DuplicateKey,
    Decode,
    KeyType,
}

pub struct Builder<'text> {
    text: &'text str,
    source: SourceId,
    stack: Vec<Frame>,
    /// Anchored nodes by parser anchor id, copied for each alias.
    anchors: HashMap<usize, Node>,
    /// Anchors whose node is still being built (an alias to one is recursive).
    open_anchors: HashSet<usize>,
    root: Option<Built>,
    /// The first non-syntax error of the current document, with its rank. Parsing goes on
    /// to the end of the document so a syntax error further down wins, as in the reference
    /// (which parses a whole document, then checks duplicate keys, then decodes values,
    /// then checks that keys are strings).
    pending_error: Option<(ErrorRank, Diagnostic)>,
    /// Characters, lines and tokens of the text, computed on first need.
    layout: Option<Layout>,
    /// Length of the text in characters (parser markers count characters).
    char_count: usize,
}

impl<'text> Builder<'text> {
    pub fn new(text: &'text str, source: SourceId) -> Self {
        Self {
            text,
            source,
            stack: Vec::new(),
            anchors: HashMap::new(),
            open_anchors: HashSet::new(),
            root: None,
            pending_error: None,
            layout: None,
            char_count: text.chars().count(),
        }
    }

    pub fn run(mut self) -> Result<Vec<Node>, Diagnostic> {
        let mut parser = Parser::new_from_str(self.text);
        let mut budget = super::budget::Budget::new(self.text, self.source);
        let mut documents = Vec::new();
        loop {
            let (event, marker) = parser
                .next_token()
                .map_err(|error| syntax_error(&error, self.text, self.source))?;
            // Before the event is acted on: an alias is copied only within budget.
            budget.observe(&event, marker)?;
            match event {
                Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart => {}
                Event::DocumentStart => {
                    // Anchors are local to a document.
                    self.anchors.clear();
                    self.open_anchors.clear();
                    self.root = None;
                    self.pending_error = None;
                }
                Event::DocumentEnd => documents.push(self.finish_document(marker)?),
                Event::Alias(anchor_id) => self.alias(anchor_id, marker)?,
                Event::Scalar(text, style, anchor_id, tag) => {
                    let tag = TagKind::of(tag.as_ref());
                    self.scalar(&text, style, anchor_id, &tag, marker);
                }
                Event::SequenceStart(anchor_id, tag) => {
                    self.open_anchor(anchor_id);
                    let span = self.sequence_span(marker);
                    self.stack.push(Frame::Sequence(SequenceFrame {
                        span,
                        start_index: marker.index(),
                        tag: TagKind::of(tag.as_ref()).compose_tag(),
                        anchor_id,
                        items: Vec::new(),
                    }));
                }
                Event::MappingStart(anchor_id, tag) => {
                    self.open_anchor(anchor_id);
                    self.stack.push(Frame::Mapping(MappingFrame {
                        span: self.span(marker),
                        start_index: marker.index(),
                        tag: TagKind::of(tag.as_ref()).compose_tag(),
                        anchor_id,
                        items: Vec::new(),
                        pending_key: None,
                        seen_keys: HashMap::new(),
                        has_first_key: false,
                    }));
                }
                Event::SequenceEnd => {
                    if let Some(Frame::Sequence(frame)) = self.stack.pop() {
                        let built = Built {
                            node: Node {
                                value: Value::Seq(frame.items),
                                span: frame.span,
                                tag: frame.tag,
                            },
                            start_index: frame.start_index,
                        };
                        self.complete(built, frame.anchor_id, None);
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Mapping(frame)) = self.stack.pop() {
                        let anchor_id = frame.anchor_id;
                        let built = finish_mapping(frame);
                        self.complete(built, anchor_id, None);
                    }
                }
            }
        }
        Ok(documents)
    }

    fn span(&self, marker: Marker) -> Span {
        // At the end of the text the parser may count a line that is not there.
        if marker.index() >= self.char_count {
            return super::clamp_to_text(self.text, self.source, marker.line(), marker.col() + 1);
        }
        let to_u32 = |number: usize| u32::try_from(number).unwrap_or(u32::MAX);
        Span::new(self.source, to_u32(marker.line()), to_u32(marker.col() + 1))
    }

    fn finish_document(&mut self, marker: Marker) -> Result<Node, Diagnostic> {
        if let Some((_, error)) = self.pending_error.take() {
            return Err(error);
        }
        let root = self.root.take().map_or_else(
            || Node::new(Value::Null, self.span(marker)),
            |built| built.node,
        );
        if root.as_map().is_none() {
            return Err(Diagnostic::new(
                "top-level object must be a mapping",
                root.span,
            ));
        }
        Ok(root)
    }

    fn open_anchor(&mut self, anchor_id: usize) {
        if anchor_id != 0 {
            self.anchors.remove(&anchor_id);
            self.open_anchors.insert(anchor_id);
        }
    }

    /// An alias is a copy of its anchored node, spans and tags included. The budget
    /// (`budget.rs`, checked in `run` before each event) bounds how much copying a
    /// document can ask for.
    fn alias(&mut self, anchor_id: usize, marker: Marker) -> Result<(), Diagnostic> {
        let Some(node) = self.anchors.get(&anchor_id).cloned() else {
            let name = name_at(self.text, marker.index());
            let message = if self.open_anchors.contains(&anchor_id) {
                format!("alias `*{name}` is used inside the node it refers to")
            } else {
                format!("invalid YAML: unknown anchor `{name}` referenced")
            };
            return Err(Diagnostic::new(message, self.span(marker)));
        };
        let built = Built {
            node,
            start_index: marker.index(),
        };
        self.complete(built, 0, None);
        Ok(())
    }

    fn scalar(
        &mut self,
        text: &str,
        style: TScalarStyle,
        anchor_id: usize,
        tag: &TagKind,
        marker: Marker,
    ) {
        let span = match style {
            TScalarStyle::Plain if text.is_empty() => {
                self.empty_scalar_span(marker, anchor_id != 0 || *tag != TagKind::None)
            }
            TScalarStyle::Literal | TScalarStyle::Folded => self.block_scalar_span(marker),
            _ => self.span(marker),
        };
        let value = match scalar::resolve(text, style, tag) {
            Ok(value) => value,
            Err(message) => {
                self.defer_error(ErrorRank::Decode, Diagnostic::new(message, span));
                Value::String(text.to_owned())
            }
        };
        let key = self.expects_key().then(|| ScalarKey {
            raw: text.to_owned(),
            is_merge: tag.is_merge_key(text, style),
        });
        let built = Built {
            node: Node {
                value,
                span,
                tag: tag.compose_tag(),
            },
            start_index: marker.index(),
        };
        self.complete(built, anchor_id, key.as_ref());
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping(frame)) if frame.pending_key.is_none())
    }

    fn defer_error(&mut self, rank: ErrorRank, diagnostic: Diagnostic) {
        if self
            .pending_error
            .as_ref()
            .is_none_or(|(pending_rank, _)| rank < *pending_rank)
        {
            self.pending_error = Some((rank, diagnostic));
        }
    }

    /// Places a finished node in its parent (or as the document root).
    fn complete(&mut self, built: Built, anchor_id: usize, key: Option<&ScalarKey>) {
        if anchor_id != 0 {
            self.open_anchors.remove(&anchor_id);
            self.anchors.insert(anchor_id, built.node.clone());
        }
        let refused_key_possible =
            self.expects_key() && !matches!(built.node.value, Value::String(_));
        let path = if refused_key_possible {
            self.current_path()
        } else {
            Vec::new()
        };
        let error = match self.stack.last_mut() {
            None => {
                self.root = Some(built);
                None
            }
            Some(Frame::Sequence(frame)) => {
                frame.items.push(built.node);
                None
            }
            Some(Frame::Mapping(frame)) => {
                match frame.pending_key.take() {
                    None => accept_key(frame, &built, key, &path),
                    Some(PendingKey::Key { name, span }) => {
                        frame.items.push(MapItem::Entry(
                            name,
                            Entry {
                                key_span: span,
                                value: built.node,
                            },
                        ));
                        None
                    }
                    Some(PendingKey::Merge { .. }) if is_mergeable(&built.node) => {
                        frame.items.push(MapItem::Merge(built.node));
                        None
                    }
                    Some(PendingKey::Merge { .. }) => Some((
                        ErrorRank::Decode,
                        Diagnostic::new(
                            "map merge requires map or sequence of maps as the value",
                            built.node.span,
                        )
                        .with_hint(
                            "`<<` takes a mapping or a list of mappings, usually aliases such as `*defaults`",
                        ),
                    )),
                    Some(PendingKey::Skip { .. }) => None,
                }
            }
        };
        if let Some((rank, error)) = error {
            self.defer_error(rank, error);
        }
    }

    /// The path to the innermost open mapping or sequence (for messages about its keys).
    fn current_path(&self) -> Vec<PathSegment> {
        let Some((_, parents)) = self.stack.split_last() else {
            return Vec::new();
        };
        parents
            .iter()
            .map(|frame| match frame {
                Frame::Sequence(sequence) => PathSegment::Index(sequence.items.len()),
                Frame::Mapping(mapping) => PathSegment::Key(match &mapping.pending_key {
                    Some(PendingKey::Key { name, .. }) => name.clone(),
                    _ => "<<".to_owned(),
                }),
            })
            .collect()
    }

    /// Where an empty plain scalar "starts": its tag or anchor if it has one, else the key
    /// it is the value of, else the `-` of its sequence entry.
    fn empty_scalar_span(&mut self, marker: Marker, has_properties: bool) -> Span {
        let in_sequence = matches!(self.stack.last(), Some(Frame::Sequence(_)));
        if !has_properties {
            match self.stack.last() {
                Some(Frame::Mapping(frame)) => {
                    if let Some(pending) = &frame.pending_key {
                        return pending.span();
                    }
                }
                Some(Frame::Sequence(_)) => {}
                None => return self.span(marker),
            }
        }
        let layout = self.layout();
        let Some((token_index, kind)) = layout.token_before(marker.index()) else {
            return self.span(marker);
        };
        let found = match kind {
            TokenKind::Property => Some(layout.first_property_from(token_index)),
            TokenKind::BlockEntry if !has_properties => layout.dash_before_token(token_index),
            // An empty key: point at its `?` or `:`.
            TokenKind::KeyOrValue if !has_properties => Some(layout.token_start(token_index)),
            _ => None,
        }
        // An entry `- ` at the very end of the text: its token starts at the end too.
        .or_else(|| {
            (in_sequence && !has_properties)
                .then(|| layout.dash_before(marker.index()))
                .flatten()
        });
        let position = found.map(|index| layout.position(index));
        self.span_or_marker(position, marker)
    }

    fn span_or_marker(&self, position: Option<(u32, u32)>, marker: Marker) -> Span {
        position.map_or_else(
            || self.span(marker),
            |(line, column)| Span::new(self.source, line, column),
        )
    }

    fn layout(&mut self) -> &Layout {
        self.layout.get_or_insert_with(|| Layout::new(self.text))
    }

    /// A sequence starts at its `[` or first `-`; the parser points past the `-` of a
    /// sequence that is not indented under its key.
    fn sequence_span(&mut self, marker: Marker) -> Span {
        let layout = self.layout();
        if matches!(layout.char_at(marker.index()), Some('-' | '[')) {
            return self.span(marker);
        }
        let position = layout
            .dash_before(marker.index())
            .map(|index| layout.position(index));
        self.span_or_marker(position, marker)
    }

    /// A block scalar starts at its `|` or `>`; the parser points at its first content line.
    fn block_scalar_span(&mut self, marker: Marker) -> Span {
        let layout = self.layout();
        let position = layout
            .block_indicator_before(marker.index())
            .map(|index| layout.position(index));
        self.span_or_marker(position, marker)
    }
}

/// Records a mapping key; returns an error to report when the key is refused.
fn accept_key(
    frame: &mut MappingFrame,
    built: &Built,
    key: Option<&ScalarKey>,
    path: &[PathSegment],
) -> Option<(ErrorRank, Diagnostic)> {
    let span = built.node.span;
    if !frame.has_first_key {
        frame.has_first_key = true;
        // A block mapping's start event points just past its first key: use the key.
        if built.start_index < frame.start_index {
            frame.span = span;
        }
    }
    let raw = match (&key, &built.node.value) {
        (Some(key), _) => key.raw.clone(),
        (None, Value::String(text)) => text.clone(),
        (None, _) => String::new(),
    };
    if let Some(first_line) = frame.seen_keys.get(&raw) {
        frame.pending_key = Some(PendingKey::Skip { span });
        return Some((
            ErrorRank::DuplicateKey,
            Diagnostic::new(
                format!("mapping key `{raw}` already defined at line {first_line}"),
                span,
            ),
        ));
    }
    frame.seen_keys.insert(raw, span.line);
    if key.as_ref().is_some_and(|key| key.is_merge) {
        frame.pending_key = Some(PendingKey::Merge { span });
        return None;
    }
    if let Value::String(name) = &built.node.value {
        frame.pending_key = Some(PendingKey::Key {
            name: name.clone(),
            span,
        });
        return None;
    }
    frame.pending_key = Some(PendingKey::Skip { span });
    // compose-go `convertToStringKeysRecursive`: keys must decode to strings.
    let shown = match (&key, &built.node.value) {
        (_, Value::Seq(_)) => "a sequence".to_owned(),
        (_, Value::Map(_)) => "a mapping".to_owned(),
        (Some(key), _) if key.raw.is_empty() => "an empty key".to_owned(),
        (Some(key), _) => format!("`{}`", key.raw),
        (None, _) => "an alias".to_owned(),
    };
    let location = if path.is_empty() {
        "at top level".to_owned()
    } else {
        format!("in `{}`", display_path(path))
    };
    let diagnostic = Diagnostic::new(format!("non-string key {location}: {shown}"), span);
    let diagnostic = match &key {
        Some(key)
            if !key.raw.is_empty()
                && !matches!(built.node.value, Value::Seq(_) | Value::Map(_)) =>
        {
            diagnostic.with_hint(format!(
                "quote the key to make it a string: `\"{}\"`",
                key.raw
            ))
        }
        _ => diagnostic,
    };
    Some((ErrorRank::KeyType, diagnostic))
}

fn is_mergeable(node: &Node) -> bool {
    match &node.value {
        Value::Map(_) => true,
        Value::Seq(items) => items.iter().all(|item| item.as_map().is_some()),
        _ => false,
    }
}

/// Builds the mapping: local keys win over merged ones; among merged mappings the
/// earlier one wins (yaml.v3 `decoder.merge`). Merged keys take the place of `<<`.
fn finish_mapping(frame: MappingFrame) -> Built {
    let local: HashSet<String> = frame
        .items
        .iter()
        .filter_map(|item| match item {
            MapItem::Entry(name, _) => Some(name.clone()),
            MapItem::Merge(_) => None,
        })
        .collect();
    let mut mapping = Mapping::with_capacity_and_hasher(
        frame.items.len(),
        foldhash::fast::RandomState::default(),
    );
    for item in frame.items {
        match item {
            MapItem::Entry(name, entry) => {
                mapping.insert(name, entry);
            }
            MapItem::Merge(node) => {
                let sources = match node.value {
                    Value::Map(map) => vec![map],
                    Value::Seq(items) => items
                        .into_iter()
                        .filter_map(|item| match item.value {
                            Value::Map(map) => Some(map),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for source in sources {
                    for (name, entry) in source {
                        if !local.contains(&name) && !mapping.contains_key(&name) {
                            mapping.insert(name, entry);
                        }
                    }
                }
            }
        }
    }
    Built {
        node: Node {
            value: Value::Map(mapping),
            span: frame.span,
            tag: frame.tag,
        },
        start_index: frame.start_index,
    }
}

/// The anchor or alias name at a character index (pointing at its `&` or `*`).
pub fn name_at(text: &str, char_index: usize) -> String {
    text.chars()
        .skip(char_index + 1)
        .take_while(|character| {
            !character.is_whitespace() && !matches!(character, ',' | '[' | ']' | '{' | '}')
        })
        .collect()
}
