//! Yes/no questions, asked as the reference asks them (`cmd/prompt/prompt.go`) on stdout
//! and answered on stdin. On a terminal, survey's form: `? question (y/N) `, asked again
//! until the reply is valid, then redrawn with the answer. Otherwise the question as is and
//! one word of stdin, where `y`, `1`, `t` and `true` mean yes. Commands ask; plan decides.

use std::io::{BufRead, IsTerminal};

use super::printer;
use super::progress::StatusStream;

/// Survey's colours: a bright green `?`, the question in bold, the hint in grey, the
/// answer in cyan, an invalid reply in red.
const MARK: &str = "\x1b[1;92m";
const QUESTION: &str = "\x1b[1;99m";
const HINT: &str = "\x1b[37m";
const ANSWER: &str = "\x1b[36m";
const INVALID: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

/// How the question is put, and how its reply is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptStyle {
    /// Stdin is a terminal: survey's prompt, with colours or not.
    Terminal { colour: bool },
    /// Stdin is a pipe or a file (or closed): the question as is, one word read.
    Pipe,
}

impl PromptStyle {
    /// The style for this process's stdin.
    pub fn detect(colour: bool) -> Self {
        if std::io::stdin().is_terminal() {
            Self::Terminal { colour }
        } else {
            Self::Pipe
        }
    }
}

/// Asks `message` and reads the answer; `default` is what an empty reply (or the end of
/// stdin) means.
pub fn confirm(message: &str, default: bool, style: PromptStyle) -> bool {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    match style {
        PromptStyle::Pipe => {
            printer::stdout(message);
            let mut line = String::new();
            if input.read_line(&mut line).is_err() {
                return default;
            }
            pipe_answer(&line)
        }
        PromptStyle::Terminal { colour } => loop {
            printer::stdout(&question(message, default, colour));
            let mut line = String::new();
            let read = input.read_line(&mut line);
            if matches!(read, Ok(0) | Err(_)) {
                // Ctrl-D: the default, on a line of its own.
                printer::stdout(&format!("\n{}", answered(message, default, colour)));
                return default;
            }
            // The question and the reply as typed, wrapped by the terminal: cleared to be
            // written again with the answer (or the complaint).
            let width = StatusStream::Stdout
                .terminal_size()
                .map_or(0, |size| size.width);
            let typed = question(message, default, false).chars().count()
                + line.trim_end_matches(['\r', '\n']).chars().count();
            let back = back_over(typed, width);
            match terminal_answer(&line, default) {
                Some(answer) => {
                    printer::stdout(&format!("{back}{}", answered(message, answer, colour)));
                    return answer;
                }
                None => printer::stdout(&format!("{back}{}", invalid(line.trim(), colour))),
            }
        },
    }
}

/// Back to the start of the `typed` characters just entered (wrapped at `width` columns,
/// unknown when 0), and clear from there down.
fn back_over(typed: usize, width: usize) -> String {
    let rows = if width == 0 {
        1
    } else {
        typed.div_ceil(width).max(1)
    };
    format!("\x1b[{rows}A\r\x1b[J")
}

/// The reference's `utils.StringToBool` on the first word of a piped line: `y`, or what
/// Go's `ParseBool` calls true (`yes` is not).
pub fn pipe_answer(line: &str) -> bool {
    let word = line.split_whitespace().next().unwrap_or_default();
    matches!(word.to_lowercase().as_str(), "y" | "1" | "t" | "true")
}

/// Survey's reading of a terminal reply: empty is the default, `y`/`yes` and `n`/`no` in
/// any case; anything else is invalid (`None`) and the question is asked again.
pub fn terminal_answer(line: &str, default: bool) -> Option<bool> {
    match line.trim().to_lowercase().as_str() {
        "" => Some(default),
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

/// `? question (y/N) ` (the capital letter is the default).
pub fn question(message: &str, default: bool, colour: bool) -> String {
    let hint = if default { "(Y/n)" } else { "(y/N)" };
    if colour {
        format!("{MARK}? {RESET}{QUESTION}{message} {RESET}{HINT}{hint} {RESET}")
    } else {
        format!("? {message} {hint} ")
    }
}

/// The question once answered: `? question Yes`.
pub fn answered(message: &str, answer: bool, colour: bool) -> String {
    let word = if answer { "Yes" } else { "No" };
    if colour {
        format!("{MARK}? {RESET}{QUESTION}{message} {RESET}{ANSWER}{word}{RESET}\n")
    } else {
        format!("? {message} {word}\n")
    }
}

/// Survey's line for a reply it does not understand.
pub fn invalid(reply: &str, colour: bool) -> String {
    let text = format!(
        "X Sorry, your reply was invalid: \"{reply}\" is not a valid answer, please try again."
    );
    if colour {
        format!("{INVALID}{text}{RESET}\n")
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piped_replies_read_as_the_reference_reads_them() {
        for yes in ["y\n", "Y", "true", "T", "1", "y n\n"] {
            assert!(pipe_answer(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "yes", "no", "0", " x y"] {
            assert!(!pipe_answer(no), "{no:?}");
        }
    }

    #[test]
    fn terminal_replies_read_as_survey_reads_them() {
        assert_eq!(terminal_answer("\n", false), Some(false));
        assert_eq!(terminal_answer("", true), Some(true));
        assert_eq!(terminal_answer("Yes\n", false), Some(true));
        assert_eq!(terminal_answer(" y ", false), Some(true));
        assert_eq!(terminal_answer("NO", true), Some(false));
        assert_eq!(terminal_answer("t", false), None);
    }

    #[test]
    fn the_redraw_goes_back_over_every_wrapped_row() {
        assert_eq!(back_over(10, 0), "\x1b[1A\r\x1b[J");
        assert_eq!(back_over(80, 80), "\x1b[1A\r\x1b[J");
        assert_eq!(back_over(81, 80), "\x1b[2A\r\x1b[J");
        assert_eq!(back_over(0, 80), "\x1b[1A\r\x1b[J");
    }

    #[test]
    fn terminal_lines_are_surveys() {
        assert_eq!(question("Go?", false, false), "? Go? (y/N) ");
        assert_eq!(question("Go?", true, false), "? Go? (Y/n) ");
        assert_eq!(
            question("Go?", false, true),
            "\x1b[1;92m? \x1b[0m\x1b[1;99mGo? \x1b[0m\x1b[37m(y/N) \x1b[0m"
        );
        assert_eq!(answered("Go?", false, false), "? Go? No\n");
        assert_eq!(
            answered("Go?", true, true),
            "\x1b[1;92m? \x1b[0m\x1b[1;99mGo? \x1b[0m\x1b[36mYes\x1b[0m\n"
        );
        assert_eq!(
            invalid("t", false),
            "X Sorry, your reply was invalid: \"t\" is not a valid answer, please try again.\n"
        );
    }
}
