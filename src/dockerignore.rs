//! `.dockerignore` exactly as the Docker CLI reads it (`docker/cli` `ignorefile.ReadAll`)
//! and matches it (`moby/patternmatcher`: patterns become anchored regular expressions, `*`
//! and `?` never cross `/`, `**` crosses any number of directories, later patterns win,
//! `!` re-includes, a pattern matching a parent directory excludes what is inside).
//! Pure: no file system access beyond what the caller passes in.

pub use crate::slash_path::clean as clean_path;
use regex::Regex;

/// One compiled line of a `.dockerignore`.
#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, without the leading `!`.
    text: String,
    exclusion: bool,
    regex: Regex,
}

/// The ignore rules of a build context, in file order.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
}

/// A pattern that cannot be compiled (the engine's CLI refuses it too).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `.dockerignore` pattern `{pattern}`: {message}")]
pub struct PatternError {
    pub pattern: String,
    pub message: String,
}

/// Reads the lines of a `.dockerignore` into patterns (`ignorefile.ReadAll`): a UTF-8 BOM
/// is dropped, lines starting with `#` are comments (checked *before* trimming), blank
/// lines are skipped, each pattern is trimmed, cleaned (`filepath.Clean`) and a leading `/`
/// is dropped so that absolute patterns are relative to the context.
pub fn read_patterns(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patterns = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean_path(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        if invert {
            cleaned.insert(0, '!');
        }
        patterns.push(cleaned);
    }
    patterns
}

impl Matcher {
    /// Compiles patterns as `patternmatcher.New` does (trim, skip empty, clean, `!` prefix).
    pub fn new(patterns: &[String]) -> Result<Self, PatternError> {
        let mut compiled = Vec::new();
        for raw in patterns {
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            let mut text = clean_path(trimmed);
            let exclusion = text.starts_with('!');
            if exclusion {
                if text.len() == 1 {
                    return Err(PatternError {
                        pattern: raw.clone(),
                        message: "illegal exclusion pattern: \"!\"".to_owned(),
                    });
                }
                text.remove(0);
            }
            let regex = Regex::new(&to_regex(&text)).map_err(|error| PatternError {
                pattern: raw.clone(),
                message: error.to_string(),
            })?;
            compiled.push(Pattern {
                text,
                exclusion,
                regex,
            });
        }
        Ok(Self { patterns: compiled })
    }

    /// Whether the matcher has `!` patterns (then excluded directories must still be walked).
    pub fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|pattern| pattern.exclusion)
    }

    /// The patterns' cleaned text (for messages and tests).
    pub fn pattern_texts(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|pattern| pattern.text.as_str())
    }

    /// `MatchesOrParentMatches`: whether `path` (relative, `/`-separated) is excluded, taking
    /// every pattern in order; a pattern also applies when it matches a parent directory.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = clean_path(path);
        let parent = match path.rsplit_once('/') {
            Some((parent, _)) => parent.to_owned(),
            None => ".".to_owned(),
        };
        let parent_parts: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for pattern in &self.patterns {
            // An inclusion cannot change an excluded path, an exclusion an included one.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.regex.is_match(&path);
            if !hit && parent != "." {
                hit = (1..=parent_parts.len())
                    .any(|length| pattern.regex.is_match(&parent_parts[..length].join("/")));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// `MatchesUsingParentResults`, what the context walk uses: a pattern applies when it
    /// matches `path` or already matched its parent directory (`parent` is the parent's
    /// per-pattern result, empty at the root). Returns the verdict and this path's results.
    pub fn matches_with_parent(&self, path: &str, parent: &[bool]) -> (bool, Vec<bool>) {
        let mut current = vec![false; self.patterns.len()];
        let mut matched = false;
        for (index, pattern) in self.patterns.iter().enumerate() {
            if pattern.exclusion != matched {
                continue;
            }
            if let Some(parent_result) = parent.get(index) {
                current[index] = *parent_result;
            }
            if !current[index] {
                current[index] = pattern.regex.is_match(path);
            }
            if current[index] {
                matched = !pattern.exclusion;
            }
        }
        (matched, current)
    }

    /// Whether an excluded directory must still be walked because a `!` pattern names
    /// something below it literally (moby `archive.TarWithOptions`: only a plain prefix
    /// counts, `!**/x` does not keep a directory open).
    pub fn may_reinclude_below(&self, directory: &str) -> bool {
        let prefix = format!("{directory}/");
        self.patterns
            .iter()
            .any(|pattern| pattern.exclusion && format!("{}/", pattern.text).starts_with(&prefix))
    }
}

/// The regular expression of one cleaned pattern (`Pattern.compile` with `/` separators).
fn to_regex(pattern: &str) -> String {
    let mut regex = String::from("^");
    let characters: Vec<char> = pattern.chars().collect();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        index += 1;
        match character {
            '*' if characters.get(index) == Some(&'*') => {
                index += 1;
                // `**/` is `**`.
                if characters.get(index) == Some(&'/') {
                    index += 1;
                }
                if index >= characters.len() {
                    regex.push_str(".*");
                } else {
                    // Any number of directories, even none.
                    regex.push_str("(.*/)?");
                }
            }
            '*' => regex.push_str("[^/]*"),
            '?' => regex.push_str("[^/]"),
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                regex.push('\\');
                regex.push(character);
            }
            '\\' => {
                // Escapes the next character; a trailing `\` stays a literal backslash.
                regex.push('\\');
                if let Some(next) = characters.get(index) {
                    regex.push(*next);
                    index += 1;
                } else {
                    regex.push('\\');
                }
            }
            other => regex.push(other),
        }
    }
    regex.push('$');
    regex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(lines: &str) -> Matcher {
        Matcher::new(&read_patterns(lines)).unwrap()
    }

    #[test]
    fn reading_skips_comments_blank_lines_and_cleans() {
        assert_eq!(
            read_patterns(
                "\u{feff}# comment\n\n  node_modules/  \n/abs\n! keep.txt\n#x\n a/./b/../c\n/\n"
            ),
            ["node_modules", "abs", "!keep.txt", "a/c", "/"]
        );
        // Only a `#` in the first column starts a comment.
        assert_eq!(read_patterns(" #x"), ["#x"]);
    }

    #[test]
    fn clean_path_as_go() {
        for (input, expected) in [
            ("a//b/", "a/b"),
            ("./a", "a"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("", "."),
            ("/", "/"),
            ("a/b/../../c", "c"),
        ] {
            assert_eq!(clean_path(input), expected, "{input}");
        }
    }

    #[test]
    fn star_does_not_cross_directories() {
        let rules = matcher("*.log");
        assert!(rules.is_excluded("debug.log"));
        assert!(!rules.is_excluded("sub/debug.log"));
        let rules = matcher("*/*.log");
        assert!(rules.is_excluded("sub/debug.log"));
        assert!(!rules.is_excluded("a/b/debug.log"));
    }

    #[test]
    fn double_star_crosses_any_depth() {
        let rules = matcher("**/*.log");
        assert!(rules.is_excluded("debug.log"));
        assert!(rules.is_excluded("a/b/c/debug.log"));
        assert!(!rules.is_excluded("a/b/c/debug.txt"));
        let rules = matcher("a/**/z");
        assert!(rules.is_excluded("a/z"));
        assert!(rules.is_excluded("a/b/c/z"));
        assert!(!rules.is_excluded("b/z"));
        let rules = matcher("build/**");
        assert!(rules.is_excluded("build/x/y"));
        // The directory itself stays (only what is below it matches).
        assert!(!rules.is_excluded("build"));
        let rules = matcher("**");
        assert!(rules.is_excluded("anything/at/all"));
    }

    #[test]
    fn parent_directory_match_excludes_contents() {
        let rules = matcher("node_modules\n");
        assert!(rules.is_excluded("node_modules"));
        assert!(rules.is_excluded("node_modules/pkg/index.js"));
        // Not anchored anywhere but at the context root.
        assert!(!rules.is_excluded("web/node_modules/x"));
        let rules = matcher("secrets/");
        assert!(rules.is_excluded("secrets/key"));
    }

    #[test]
    fn exceptions_re_include_and_order_matters() {
        let rules = matcher("*.md\n!README.md");
        assert!(rules.is_excluded("CHANGES.md"));
        assert!(!rules.is_excluded("README.md"));
        let rules = matcher("!README.md\n*.md");
        assert!(rules.is_excluded("README.md"));
        let rules = matcher("docs\n!docs/keep.txt");
        assert!(rules.is_excluded("docs/other.txt"));
        assert!(!rules.is_excluded("docs/keep.txt"));
        assert!(rules.may_reinclude_below("docs"));
        assert!(!matcher("docs").may_reinclude_below("docs"));
        assert!(!matcher("docs\n!**/keep.txt").may_reinclude_below("docs"));
        // Re-excluded after the exception.
        let rules = matcher("*\n!src\nsrc/*.tmp");
        assert!(!rules.is_excluded("src/main.rs"));
        assert!(rules.is_excluded("src/a.tmp"));
        assert!(rules.is_excluded("other"));
    }

    #[test]
    fn question_mark_classes_and_escapes() {
        let rules = matcher("file?.txt\n[ab].c\nlit\\*eral");
        assert!(rules.is_excluded("file1.txt"));
        assert!(!rules.is_excluded("file10.txt"));
        assert!(!rules.is_excluded("file/.txt"));
        assert!(rules.is_excluded("a.c"));
        assert!(!rules.is_excluded("c.c"));
        assert!(rules.is_excluded("lit*eral"));
        assert!(!rules.is_excluded("litXeral"));
        // Regex characters are literal.
        let rules = matcher("a+b(c).txt");
        assert!(rules.is_excluded("a+b(c).txt"));
        assert!(!rules.is_excluded("aab(c)xtxt"));
    }

    #[test]
    fn leading_slash_and_dot_patterns() {
        let rules = matcher("/tmp\n./cache");
        assert!(rules.is_excluded("tmp/x"));
        assert!(rules.is_excluded("cache"));
    }

    #[test]
    fn lone_exclamation_mark_is_refused() {
        assert!(Matcher::new(&["!".to_owned()]).is_err());
    }
}
