//! Where things are in the text, for the few positions yaml-rust2's events do not give
//! exactly: a node's tag or anchor, the `-` of a sequence entry, a block scalar's `|`/`>`.
//! Built lazily (most documents never need it); indexes are character indexes, as in
//! yaml-rust2 markers.

use std::cell::OnceCell;

use yaml_rust2::scanner::{Scanner, TokenType};

/// The kinds of scanner token the position fix-ups look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A tag or an anchor.
    Property,
    /// A block sequence `-` (its marker points past the dash and the blanks after it).
    BlockEntry,
    /// A `?` or `:` mapping indicator.
    KeyOrValue,
    Other,
}

pub struct Layout {
    chars: Vec<char>,
    /// Character index of the first character of each line.
    line_starts: Vec<usize>,
    /// Token start indexes and kinds, sorted by index.
    tokens: OnceCell<Vec<(usize, TokenKind)>>,
}

impl Layout {
    pub fn new(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        // Lines end as the parser ends them: `\n`, `\r\n` or a lone `\r`.
        let mut line_starts = vec![0];
        line_starts.extend(
            chars
                .iter()
                .enumerate()
                .filter(|(index, character)| {
                    **character == '\n'
                        || (**character == '\r' && chars.get(index + 1) != Some(&'\n'))
                })
                .map(|(index, _)| index + 1),
        );
        // Stops at the first scan error: positions before it are all that can be asked for.
        Self {
            chars,
            line_starts,
            tokens: OnceCell::new(),
        }
    }

    /// The scanner's tokens, scanned on first need: a sequence's span only needs
    /// characters, and re-scanning a large file costs as much as parsing it.
    fn tokens(&self) -> &[(usize, TokenKind)] {
        self.tokens.get_or_init(|| {
            let mut tokens: Vec<(usize, TokenKind)> = Scanner::new(self.chars.iter().copied())
                .map(|token| {
                    let kind = match token.1 {
                        TokenType::Tag(..) | TokenType::Anchor(_) => TokenKind::Property,
                        TokenType::BlockEntry => TokenKind::BlockEntry,
                        TokenType::Key | TokenType::Value => TokenKind::KeyOrValue,
                        _ => TokenKind::Other,
                    };
                    (token.0.index(), kind)
                })
                .collect();
            tokens.sort_by_key(|(index, _)| *index);
            tokens
        })
    }

    pub fn char_at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    /// 1-based line and column of a character index.
    pub fn position(&self, index: usize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|start| *start <= index);
        let column = index - self.line_starts[line.saturating_sub(1)] + 1;
        let to_u32 = |number: usize| u32::try_from(number).unwrap_or(u32::MAX);
        (to_u32(line), to_u32(column))
    }

    /// The last token starting before `index`, as (position in the token list, kind).
    pub fn token_before(&self, index: usize) -> Option<(usize, TokenKind)> {
        let count = self.tokens().partition_point(|(start, _)| *start < index);
        let last = count.checked_sub(1)?;
        Some((last, self.tokens()[last].1))
    }

    pub fn token_start(&self, token_position: usize) -> usize {
        self.tokens()[token_position].0
    }

    /// The character index of the first of consecutive property tokens (`&a !tag`)
    /// ending with the token at `token_position`.
    pub fn first_property_from(&self, token_position: usize) -> usize {
        let mut first = token_position;
        while first > 0 && self.tokens()[first - 1].1 == TokenKind::Property {
            first -= 1;
        }
        self.tokens()[first].0
    }

    /// The `-` of the block entry token at `token_position` (its marker points past it).
    pub fn dash_before_token(&self, token_position: usize) -> Option<usize> {
        self.dash_before(self.tokens().get(token_position)?.0)
    }

    /// The index of a `-` found by walking back over blanks from a character index.
    pub fn dash_before(&self, index: usize) -> Option<usize> {
        let mut position = index.min(self.chars.len());
        while position > 0 {
            position -= 1;
            match self.chars[position] {
                '-' => return Some(position),
                ' ' | '\t' | '\r' | '\n' => {}
                _ => return None,
            }
        }
        None
    }

    /// The `|` or `>` introducing the block scalar whose content starts at `content`: the
    /// first one after the previous token (`:`, `-`, a tag...) that follows a blank.
    pub fn block_indicator_before(&self, content: usize) -> Option<usize> {
        let (token_position, _) = self.token_before(content)?;
        let start = self.tokens()[token_position].0;
        (start..content.min(self.chars.len())).find(|&index| {
            matches!(self.chars[index], '|' | '>')
                && (index == start || matches!(self.chars[index - 1], ' ' | '\t' | '\n'))
        })
    }
}
