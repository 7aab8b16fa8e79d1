//! Terminal output for training: wrapping at the terminal's width, a
//! question with lettered options, and every option's rationale.

use std::io::{self, IsTerminal, Write};

use confidant_training::Question;
use serde_json::Value;

use crate::Failure;

pub(super) fn out(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| Failure::Internal(format!("stdout: {e}")))
}

pub(super) fn line(text: &str) -> Result<(), Failure> {
    out(&format!("{text}\n"))
}

pub(super) fn json_out(value: &Value) -> Result<(), Failure> {
    line(&serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))?)
}

pub(super) const LETTERS: &[char] = &['a', 'b', 'c', 'd', 'e'];

pub(super) fn letter(i: usize) -> char {
    LETTERS.get(i).copied().unwrap_or('?')
}

/// The width to wrap at: the terminal's when stdout is one, else 80.
pub(super) fn width() -> usize {
    if io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        return usize::from(w).clamp(30, 200);
    }
    80
}

/// `text` wrapped at word boundaries to `width`, each line of it (text may
/// hold line breaks) starting with `first` and continuing with `rest`.
pub(super) fn wrap_to(text: &str, width: usize, first: &str, rest: &str) -> String {
    let options = textwrap::Options::new(width).initial_indent(first).subsequent_indent(rest).break_words(false);
    let mut out = String::new();
    for (n, paragraph) in text.split('\n').enumerate() {
        let options = if n == 0 { options.clone() } else { options.clone().initial_indent(rest) };
        for line in textwrap::wrap(paragraph, options) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// [`wrap_to`] at the output's width.
pub(super) fn wrap(text: &str, first: &str, rest: &str) -> String {
    wrap_to(text, width(), first, rest)
}

/// Prints `text` wrapped, with no indent.
pub(super) fn para(text: &str) -> Result<(), Failure> {
    out(&wrap(text, "", ""))
}

pub(super) fn render_question(q: &Question) -> String {
    let mut text = wrap(&q.stem, "", "");
    for (i, option) in q.options.iter().enumerate() {
        text.push_str(&wrap(option, &format!("  {}) ", letter(i)), "     "));
    }
    text
}

/// Every option with its rationale, the key and the learner's choice
/// marked: shown only once the question is answered.
pub(super) fn render_rationales(q: &Question, chosen: Option<usize>) -> String {
    let mut text = String::from("Why each option is right or wrong:\n");
    for (i, option) in q.options.iter().enumerate() {
        let mut marks = Vec::new();
        if i == q.key {
            marks.push("the answer");
        }
        if chosen == Some(i) {
            marks.push("your answer");
        }
        let mark = if marks.is_empty() { String::new() } else { format!(" [{}]", marks.join(", ")) };
        text.push_str(&wrap(&format!("{option}{mark}"), &format!("  {}) ", letter(i)), "     "));
        text.push_str(&wrap(q.rationales.get(i).map_or("", String::as_str), "     ", "     "));
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn wrapping_breaks_at_word_boundaries_within_the_width() {
        let text = "A peer support specialist is asked by a client's employer whether the client attended group this week.";
        let wrapped = wrap_to(text, 30, "  a) ", "     ");
        assert!(wrapped.lines().all(|l| l.chars().count() <= 30), "{wrapped}");
        assert!(wrapped.starts_with("  a) A peer"));
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("     ") && !l.starts_with("      ")), "{wrapped}");
        // No word is split; the words read back in order.
        let words: Vec<&str> = wrapped.split_whitespace().skip(1).collect();
        assert_eq!(words.join(" "), text);
        // Line breaks in the text are kept.
        assert_eq!(wrap_to("one\ntwo", 80, "", "  "), "one\n  two\n");
    }
}
