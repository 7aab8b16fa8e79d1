//! A rule's `@cite` may name several provisions in the way lawyers write
//! them (`45 CFR 164.512(c)(1)(i), (ii)`, `42 CFR 2.31, 2.33(a)`,
//! `Cal. Civ. Code 56.10(b)(3); 42 CFR 2.61(b)`). A decision's category cites
//! list each provision as a full cite of its own, because the contract matches
//! a cite as a prefix: `45 CFR 164.512(c)(1)(ii)` is no prefix of the string
//! that names it second.

/// The provisions a cite names, each written out in full, in order.
/// A cite that names one provision (and an organization's `org:` cite) is
/// returned as it is.
pub fn provisions(cite: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in cite.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut items = part.split(", ").map(str::trim);
        let Some(first) = items.next() else { continue };
        // The code ("45 CFR ", "Cal. Civ. Code ") is everything before the
        // first item's section number.
        let (code, first_section) = match first.rfind(' ') {
            Some(i) => (&first[..=i], &first[i + 1..]),
            None => ("", first),
        };
        let mut previous = first_section.to_string();
        push_ranges(&mut out, code, &previous);
        for item in items {
            let section = if item.starts_with('(') { continue_from(&previous, item) } else { item.to_string() };
            push_ranges(&mut out, code, &section);
            previous = section;
        }
    }
    if out.is_empty() {
        out.push(cite.to_string());
    }
    out
}

/// Adds `code` + `section`, writing out a range of one-character paragraphs
/// (`121015(a)-(b)`) as each paragraph.
fn push_ranges(out: &mut Vec<String>, code: &str, section: &str) {
    let range = section.split_once(")-(").or_else(|| section.split_once(")–("));
    if let Some((from, to)) = range {
        let (base, start) = from.rsplit_once('(').unwrap_or((from, ""));
        let end = to.trim_end_matches(')');
        let (mut s, mut e) = (start.chars(), end.chars());
        if let (Some(a), None, Some(b), None) = (s.next(), s.next(), e.next(), e.next())
            && a < b
            && u32::from(b) - u32::from(a) <= 25
        {
            for c in a..=b {
                push_unique(out, format!("{code}{base}({c})"));
            }
            return;
        }
    }
    push_unique(out, format!("{code}{section}"));
}

fn push_unique(out: &mut Vec<String>, cite: String) {
    if !out.contains(&cite) {
        out.push(cite);
    }
}

/// `164.512(c)(1)(i)` continued by `(ii)` is `164.512(c)(1)(ii)`: the
/// continuation replaces the deepest paragraph of its own kind.
fn continue_from(previous: &str, continuation: &str) -> String {
    let (section, groups) = split_groups(previous);
    let (_, tail) = split_groups(continuation);
    let Some(head) = tail.first() else { return format!("{previous}{continuation}") };
    // A continuation's own `(i)` is read as roman: as a letter it would
    // follow `(h)`, which no cite here continues.
    let wanted = kind(head, Some("1"));
    let parent = |i: usize| i.checked_sub(1).and_then(|j| groups.get(j)).map(String::as_str);
    let depth = groups.iter().enumerate().rev().find(|(i, g)| kind(g, parent(*i)) == wanted).map(|(i, _)| i);
    match depth {
        Some(d) => {
            let kept: String = groups.iter().take(d).map(|g| format!("({g})")).collect();
            let added: String = tail.iter().map(|g| format!("({g})")).collect();
            format!("{section}{kept}{added}")
        }
        // Nothing of that kind to replace: a new paragraph below the last.
        None => format!("{previous}{continuation}"),
    }
}

/// `164.512(c)(1)(i)` → (`164.512`, [`c`, `1`, `i`]).
fn split_groups(s: &str) -> (&str, Vec<String>) {
    let start = s.find('(').unwrap_or(s.len());
    let groups = s[start..].split(['(', ')']).filter(|g| !g.is_empty()).map(str::to_string).collect();
    (&s[..start], groups)
}

#[derive(PartialEq, Eq, Debug)]
enum Kind {
    Digit,
    Upper,
    Lower,
    Roman,
}

/// The kind of a paragraph label, given the label above it (`None` at the
/// top). A lone `i`, `v`, `x` or `l` is a roman numeral when it sits under a
/// numbered or capital-lettered paragraph (`(c)(1)(i)`, `(a)(1)(A)(i)`), as
/// the CFR and the California codes nest them, and a letter at the top
/// (`164.512(l)`).
fn kind(label: &str, parent: Option<&str>) -> Kind {
    let roman = !label.is_empty() && label.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l'));
    let under_number_or_capital =
        parent.is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()) || p.chars().all(|c| c.is_ascii_uppercase()));
    if label.chars().all(|c| c.is_ascii_digit()) {
        Kind::Digit
    } else if label.chars().all(|c| c.is_ascii_uppercase()) {
        Kind::Upper
    } else if roman && (label.len() > 1 || under_number_or_capital) {
        Kind::Roman
    } else {
        Kind::Lower
    }
}

#[cfg(test)]
mod tests {
    use super::provisions;

    fn p(cite: &str) -> Vec<String> {
        provisions(cite)
    }

    #[test]
    fn a_single_provision_is_returned_as_written() {
        assert_eq!(p("45 CFR 164.512(j)(1)(i)"), ["45 CFR 164.512(j)(1)(i)"]);
        assert_eq!(p("Cal. Civ. Code 43.92"), ["Cal. Civ. Code 43.92"]);
        assert_eq!(p("org:no_social_media"), ["org:no_social_media"]);
    }

    #[test]
    fn a_sibling_paragraph_replaces_the_deepest_of_its_kind() {
        assert_eq!(p("45 CFR 164.512(c)(1)(i), (ii)"), ["45 CFR 164.512(c)(1)(i)", "45 CFR 164.512(c)(1)(ii)"]);
        assert_eq!(
            p("Cal. Health & Safety Code 123110(a), (b)"),
            ["Cal. Health & Safety Code 123110(a)", "Cal. Health & Safety Code 123110(b)"]
        );
        assert_eq!(p("42 CFR 2.35(a)(1), (d)"), ["42 CFR 2.35(a)(1)", "42 CFR 2.35(d)"]);
        assert_eq!(p("45 CFR 164.512(j)(1)(i)(A), (B)"), ["45 CFR 164.512(j)(1)(i)(A)", "45 CFR 164.512(j)(1)(i)(B)"]);
        assert_eq!(p("Cal. Civ. Code 43.92(a), (b)"), ["Cal. Civ. Code 43.92(a)", "Cal. Civ. Code 43.92(b)"]);
        assert_eq!(p("45 CFR 164.512(f)(1)(ii)(A), (B)"), ["45 CFR 164.512(f)(1)(ii)(A)", "45 CFR 164.512(f)(1)(ii)(B)"]);
        // `(l)` at the top is a letter, so `(k)` replaces it, not a numeral.
        assert_eq!(p("45 CFR 164.512(l), (k)(1)"), ["45 CFR 164.512(l)", "45 CFR 164.512(k)(1)"]);
        assert_eq!(p("45 CFR 164.510(b)(2)(i), (iii)"), ["45 CFR 164.510(b)(2)(i)", "45 CFR 164.510(b)(2)(iii)"]);
    }

    #[test]
    fn a_new_section_keeps_the_code() {
        assert_eq!(p("45 CFR 164.506(c)(1), 164.501"), ["45 CFR 164.506(c)(1)", "45 CFR 164.501"]);
        assert_eq!(p("42 CFR 2.31, 2.33(a)"), ["42 CFR 2.31", "42 CFR 2.33(a)"]);
        assert_eq!(p("Cal. Welf. & Inst. Code 5328.4, 5152.1(b)"), ["Cal. Welf. & Inst. Code 5328.4", "Cal. Welf. & Inst. Code 5152.1(b)"]);
    }

    #[test]
    fn each_law_after_a_semicolon_names_its_own_code() {
        assert_eq!(
            p("Cal. Welf. & Inst. Code 5328; Cal. Penal Code 11167(a); Cal. Welf. & Inst. Code 15658(a)(2)"),
            ["Cal. Welf. & Inst. Code 5328", "Cal. Penal Code 11167(a)", "Cal. Welf. & Inst. Code 15658(a)(2)"]
        );
        assert_eq!(p("Cal. Civ. Code 56.10(b)(3); 42 CFR 2.61(b)"), ["Cal. Civ. Code 56.10(b)(3)", "42 CFR 2.61(b)"]);
    }

    #[test]
    fn a_range_of_paragraphs_is_written_out() {
        assert_eq!(
            p("Cal. Health & Safety Code 121015(a)-(b)"),
            ["Cal. Health & Safety Code 121015(a)", "Cal. Health & Safety Code 121015(b)"]
        );
        assert_eq!(
            p("Cal. Civ. Code 56.10(b)(1)–(3)"),
            ["Cal. Civ. Code 56.10(b)(1)", "Cal. Civ. Code 56.10(b)(2)", "Cal. Civ. Code 56.10(b)(3)"]
        );
    }

    #[test]
    fn every_provision_starts_like_a_cite_the_contract_names() {
        // Every piece keeps its code, so none is a bare paragraph.
        for cite in ["45 CFR 164.502(f), 160.103", "42 CFR 2.20, 2.12(c)(6)", "42 CFR 2.65(d), 2.66"] {
            for piece in p(cite) {
                assert!(piece.starts_with("45 CFR ") || piece.starts_with("42 CFR "), "{piece}");
            }
        }
    }
}
