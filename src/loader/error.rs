//! Loader errors and warnings: plain data with a position, rendered once by
//! `output::diagnostic`. A load collects as many errors as it can before failing.

use super::source::{Sources, Span};

/// One problem found while loading a compose project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Lowercase message, values in backticks: "service `web` depends on undefined service `db`".
    pub message: String,
    /// Where the offending value was set (synthetic when not known).
    pub span: Span,
    /// Optional help: "did you mean `web`?".
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            span,
            hint: None,
        }
    }

    /// A diagnostic about something that has no position in a file (missing file, bad flag).
    pub fn global(message: impl Into<String>) -> Self {
        Self::new(message, Span::synthetic())
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A failed load: every error found, and the sources needed to show them.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl LoadError {
    pub fn single(diagnostic: Diagnostic, sources: Sources) -> Self {
        Self {
            diagnostics: vec![diagnostic],
            sources,
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, diagnostic) in self.diagnostics.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            match self.sources.location(diagnostic.span) {
                Some(location) => write!(f, "{location}: {}", diagnostic.message)?,
                None => write!(f, "{}", diagnostic.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// The closest candidate to `word` by edit distance, for "did you mean" hints.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(word, candidate);
        let limit = word.len().max(candidate.len()) / 3 + 1;
        if distance <= limit && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right_chars: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right_chars.len()).collect();
    for (i, left_char) in left.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, right_char) in right_chars.iter().enumerate() {
            let cost = usize::from(left_char != *right_char);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[right_chars.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("wbe", ["web", "db"]), Some("web"));
        assert_eq!(
            suggest("networks", ["network_mode", "networks_x"]),
            Some("networks_x")
        );
        assert_eq!(suggest("zzz", ["web", "db"]), None);
    }
}
