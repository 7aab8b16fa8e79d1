//! The decision's JSON written by hand: byte for byte what
//! `serde_json::to_writer` writes for a [`Decision`] (compact, fields in
//! declaration order, `reason` left out when absent), without going through
//! serde's serializer. Strings that need no escaping (nearly all of them)
//! are copied whole instead of byte by byte.
//!
//! Each rule's JSON is written once, when the catalog is built
//! (`FiredRule::new`), and copied into every decision that reports it.
//!
//! Every struct is taken apart with an exhaustive pattern (a rule's in
//! `FiredRule::new`), so a field added to a decision type does not compile
//! until it is written here too; the tests compare this writer with serde's
//! on every scenario's decision and on generated ones.

use crate::decision::{AuthorizationReport, CategoryDecision, Decision, Obligation, Remedy};
use crate::vocab::{Effect, Layer};

impl Decision {
    /// Appends the decision's compact JSON to `out`: the same bytes as
    /// `serde_json::to_writer`, written faster.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let Decision { decision, categories, release, withhold, rules, authorizations, obligations, remedies, explanation, rules_version } =
            self;
        out.extend_from_slice(b"{\"decision\":");
        string(out, decision.as_str());
        out.extend_from_slice(b",\"categories\":");
        list(out, categories, category);
        out.extend_from_slice(b",\"release\":");
        list(out, release, |out, c| string(out, c.as_str()));
        out.extend_from_slice(b",\"withhold\":");
        list(out, withhold, |out, c| string(out, c.as_str()));
        out.extend_from_slice(b",\"rules\":");
        // Each rule's JSON was written when the catalog was built.
        list(out, rules, |out, r| out.extend_from_slice(r.json().as_bytes()));
        out.extend_from_slice(b",\"authorizations\":");
        list(out, authorizations, authorization);
        out.extend_from_slice(b",\"obligations\":");
        list(out, obligations, obligation);
        out.extend_from_slice(b",\"remedies\":");
        list(out, remedies, remedy);
        out.extend_from_slice(b",\"explanation\":");
        string(out, explanation);
        out.extend_from_slice(b",\"rules_version\":");
        string(out, rules_version);
        out.push(b'}');
    }
}

fn category(out: &mut Vec<u8>, c: &CategoryDecision) {
    let CategoryDecision { category, outcome, cites, reason } = c;
    out.extend_from_slice(b"{\"category\":");
    string(out, category.as_str());
    out.extend_from_slice(b",\"outcome\":");
    string(out, outcome.as_str());
    out.extend_from_slice(b",\"cites\":");
    list(out, cites, |out, s| string(out, s));
    if let Some(reason) = reason {
        out.extend_from_slice(b",\"reason\":");
        string(out, reason);
    }
    out.push(b'}');
}

/// A rule as a decision reports it; run once per rule, when the catalog is
/// built ([`FiredRule::new`]).
pub(crate) fn fired_rule(out: &mut Vec<u8>, id: &str, layer: Layer, cite: &str, effect: Effect, summary: &str) {
    out.extend_from_slice(b"{\"id\":");
    string(out, id);
    out.extend_from_slice(b",\"layer\":");
    string(out, layer.as_str());
    out.extend_from_slice(b",\"cite\":");
    string(out, cite);
    out.extend_from_slice(b",\"effect\":");
    string(out, effect.as_str());
    out.extend_from_slice(b",\"summary\":");
    string(out, summary);
    out.push(b'}');
}

fn authorization(out: &mut Vec<u8>, a: &AuthorizationReport) {
    let AuthorizationReport { id, counts, reasons } = a;
    out.extend_from_slice(b"{\"id\":");
    string(out, id);
    out.extend_from_slice(if *counts { b",\"counts\":true" } else { b",\"counts\":false" });
    out.extend_from_slice(b",\"reasons\":");
    let mut text = String::new();
    list(out, reasons, |out, reason| {
        use std::fmt::Write as _;
        text.clear();
        // Writing to a String cannot fail.
        let _ = write!(text, "{reason}");
        string(out, &text);
    });
    out.push(b'}');
}

fn obligation(out: &mut Vec<u8>, o: &Obligation) {
    let Obligation { kind, detail, categories, rules } = o;
    out.extend_from_slice(b"{\"kind\":");
    string(out, kind.as_str());
    out.extend_from_slice(b",\"detail\":");
    string(out, detail);
    out.extend_from_slice(b",\"categories\":");
    list(out, categories, |out, c| string(out, c.as_str()));
    out.extend_from_slice(b",\"rules\":");
    list(out, rules, |out, s| string(out, s));
    out.push(b'}');
}

fn remedy(out: &mut Vec<u8>, r: &Remedy) {
    let Remedy { kind, categories, detail } = r;
    out.extend_from_slice(b"{\"kind\":");
    string(out, kind.as_str());
    out.extend_from_slice(b",\"categories\":");
    list(out, categories, |out, c| string(out, c.as_str()));
    out.extend_from_slice(b",\"detail\":");
    string(out, detail);
    out.push(b'}');
}

/// A JSON array of `items`, each written by `item`.
fn list<T>(out: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, it);
    }
    out.push(b']');
}

/// A JSON string, escaped as serde_json escapes: `"` and `\` with a
/// backslash, the control characters below U+0020 as `\b`, `\t`, `\n`, `\f`,
/// `\r` or `\u00xx` (lowercase hex), everything else as it is.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most strings need no escaping and end here.
    if clean(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => {
                let hex = |n: u8| if n < 10 { b'0' + n } else { b'a' + (n - 10) };
                out.extend_from_slice(b"\\u00");
                out.push(hex(b >> 4));
                out.push(hex(b & 0xF));
            }
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// Whether no byte needs escaping: sixteen bytes at a time without an early
/// exit inside each block, which the compiler turns into vector compares.
fn clean(bytes: &[u8]) -> bool {
    let (blocks, rest) = bytes.as_chunks::<16>();
    for block in blocks {
        if block.iter().fold(false, |dirty, &b| dirty | needs_escape(b)) {
            return false;
        }
    }
    !rest.iter().any(|&b| needs_escape(b))
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::string;

    fn written(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn strings_escape_as_serde_json_escapes_every_control_character_and_quote() {
        for c in (0u8..0x80).map(char::from).chain(['é', '\u{2028}', '\u{7f}', '😀']) {
            // Short and past one 16-byte block, the character early and late.
            for s in [format!("a{c}b{c}"), format!("{c}{}", "x".repeat(40)), format!("{}{c}", "x".repeat(33))] {
                assert_eq!(written(&s), serde_json::to_string(&s).unwrap_or_default(), "{c:?}");
            }
        }
        assert_eq!(written(""), "\"\"");
    }

    proptest! {
        #[test]
        fn strings_write_as_serde_json_writes_them(s in any::<String>()) {
            prop_assert_eq!(written(&s), serde_json::to_string(&s).unwrap_or_default());
        }
    }
}
