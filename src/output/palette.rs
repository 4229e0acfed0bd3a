//! The log multiplexer's colours: the reference's rainbow (`cmd/formatter/colors.go`), one
//! colour per container in the order they are registered, and when colour is used at all.

use crate::cli::AnsiMode;

/// ANSI SGR codes in the reference's order: cyan, yellow, green, magenta, blue, then the
/// intense (bold) versions of the same, then round again.
pub const RAINBOW: [&str; 10] = [
    "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1",
];

/// Hands out the rainbow's colours in turn.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    next_index: usize,
}

impl Palette {
    pub fn next_colour(&mut self) -> &'static str {
        let colour = RAINBOW[self.next_index % RAINBOW.len()];
        self.next_index = (self.next_index + 1) % RAINBOW.len();
        colour
    }
}

/// Appends `text` wrapped in the colour `code` (`ESC[<code>m … ESC[0m`), or as is without one.
pub fn paint(code: Option<&str>, text: &[u8], output: &mut Vec<u8>) {
    match code {
        Some(code) => {
            output.extend_from_slice(b"\x1b[");
            output.extend_from_slice(code.as_bytes());
            output.push(b'm');
            output.extend_from_slice(text);
            output.extend_from_slice(b"\x1b[0m");
        }
        None => output.extend_from_slice(text),
    }
}

/// Whether log lines are coloured, as the reference decides: `--no-color` and a non-empty
/// `NO_COLOR` turn colour off; `--ansi always` forces it; `auto` (the default, also from
/// `COMPOSE_ANSI`) colours only when stdout is a terminal; `--no-ansi` means `never`.
pub fn log_colour(
    ansi: AnsiMode,
    no_ansi: bool,
    no_color_flag: bool,
    no_color_env: Option<&str>,
    stdout_is_terminal: bool,
) -> bool {
    if no_color_flag || no_ansi || no_color_env.is_some_and(|value| !value.is_empty()) {
        return false;
    }
    match ansi {
        AnsiMode::Always => true,
        AnsiMode::Never => false,
        AnsiMode::Auto => stdout_is_terminal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rainbow_turns_round_in_the_reference_order() {
        let mut palette = Palette::default();
        let colours: Vec<&str> = (0..12).map(|_| palette.next_colour()).collect();
        assert_eq!(
            colours,
            [
                "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1", "36", "33"
            ]
        );
        let mut output = Vec::new();
        paint(Some("33;1"), b"web-1 | ", &mut output);
        assert_eq!(output, b"\x1b[33;1mweb-1 | \x1b[0m");
    }

    #[test]
    fn colour_needs_a_terminal_or_always_and_no_opt_out() {
        assert!(log_colour(AnsiMode::Auto, false, false, None, true));
        assert!(!log_colour(AnsiMode::Auto, false, false, None, false));
        assert!(log_colour(AnsiMode::Always, false, false, Some(""), false));
        assert!(!log_colour(AnsiMode::Always, false, false, Some("1"), true));
        assert!(!log_colour(AnsiMode::Always, false, true, None, true));
        assert!(!log_colour(AnsiMode::Always, true, false, None, true));
        assert!(!log_colour(AnsiMode::Never, false, false, None, true));
    }
}
