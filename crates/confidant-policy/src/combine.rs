//! The layer precedence of `spec/rules.md` §1.4, in one place: given the rules
//! that fired for one category, decide whether it is released, whether the
//! release is required, and which rules explain the answer.
//!
//! - A permit or require is *effective* unless a standing forbid blocks it.
//! - A forbid blocks permissions, and requirements only when it says so
//!   (`@blocks_required`, which the organization layer may never carry).
//!   `@spares` and `@only_blocks` narrow what it reaches.
//! - A yielding forbid (`@yields`) stands down while a rule of its own layer
//!   (or, with `requirement`, any legal requirement) is effective; this is how
//!   a layer's deny-by-default and Part 2's "only what Part 2 allows" work.
//!   Yielding is re-checked until nothing changes, because a standing forbid
//!   can remove the permission another forbid was yielding to. Whether a
//!   forbid yields is a question of law: the organization's forbids are set
//!   aside for it, so narrowing a permission never revives a law's default
//!   against a requirement.
//! - A category is released only by a law's permission or requirement: the
//!   organization layer narrows and never adds.

use crate::catalog::Rule;
use crate::vocab::{Effect, Layer, ObligationKind, RemedyKind};

/// What the combination says about one category.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub released: bool,
    pub required: bool,
    /// Releasing rules (effective permits and requirements), catalog order.
    pub releasing: Vec<usize>,
    /// Permits and requirements that fired but were blocked.
    pub overruled: Vec<usize>,
    /// Forbids that stand and matter: they withheld the category or blocked a permission.
    pub blocking: Vec<usize>,
    /// Advise rules, reported only for a withheld category.
    pub advising: Vec<usize>,
    /// Obligate rules that apply to the released category.
    pub obligating: Vec<usize>,
}

/// Combines the fired rules (indices into `rules`, already filtered for
/// applicability) for one category.
pub(crate) fn combine(rules: &[Rule], fired: &[usize]) -> Verdict {
    let rule = |i: usize| rules.get(i);
    let effect = |i: usize| rule(i).map(|r| r.effect);
    let permits: Vec<usize> = fired.iter().copied().filter(|&i| matches!(effect(i), Some(Effect::Permit | Effect::Require))).collect();
    let forbids: Vec<usize> = fired.iter().copied().filter(|&i| effect(i) == Some(Effect::Forbid)).collect();
    let yielding = |f: usize| rule(f).is_some_and(|r| r.blocking.yields_to_layer || r.blocking.yields_to_requirement);

    // Whether a layer's default stands down is a question of law: the
    // permissions effective with the organization's forbids set aside. An
    // organization forbid narrows a permission, but must not thereby revive
    // a law's default deny against a required disclosure (a Part 2 order
    // blocked by our policy must not let Part 2's default block California's
    // mandate).
    let is_law = |f: usize| rule(f).is_some_and(|r| r.layer.is_law());
    let mut law_effective: Vec<usize> =
        permits.iter().copied().filter(|&p| !forbids.iter().any(|&f| is_law(f) && !yielding(f) && blocks(rules, f, p))).collect();
    // Whether Part 2 allows the disclosure on its own terms: a permission of
    // its own that none of its own fixed forbids blocks. Another law's forbid
    // is that law's question, settled by its own exceptions: with a Part 2
    // counseling-notes consent on file and HIPAA's own notes exception met
    // (supervised training, the author's defense), both laws allow it, though
    // HIPAA's notes forbid would block the consent as a permission. (HIPAA's
    // and California's defaults still read what survives every law: the
    // California forbids name the HIPAA permissions they narrow and rely on
    // HIPAA's default to hold back the rest.)
    let in_part2 = |i: usize| rule(i).is_some_and(|r| r.layer == Layer::Part2);
    let part2_allows = forbids.iter().any(|&f| in_part2(f) && yielding(f))
        && permits
            .iter()
            .copied()
            .filter(|&p| in_part2(p))
            .any(|p| !forbids.iter().any(|&f| in_part2(f) && !yielding(f) && blocks(rules, f, p)));
    let stands_down = |f: usize, effective: &[usize]| stands_down(rules, f, effective, part2_allows);
    loop {
        let before = law_effective.len();
        for &f in forbids.iter().filter(|&&f| yielding(f)) {
            if !stands_down(f, &law_effective) {
                law_effective.retain(|&p| !blocks(rules, f, p));
            }
        }
        if law_effective.len() == before {
            break;
        }
    }
    let standing = |f: usize| yielding(f) && !stands_down(f, &law_effective);
    let effective: Vec<usize> =
        permits.iter().copied().filter(|&p| !forbids.iter().any(|&f| (!yielding(f) || standing(f)) && blocks(rules, f, p))).collect();

    // The organization only narrows: its own permissions never release what
    // no law permits (they matter where a law's default is off, e.g. fifty
    // years after death, when nothing else would stop them).
    let released = effective.iter().any(|&p| is_law(p));
    let required = effective.iter().any(|&p| effect(p) == Some(Effect::Require));
    let blocking: Vec<usize> = forbids.iter().copied().filter(|&f| !(yielding(f) && stands_down(f, &law_effective))).collect();
    // A forbid aimed at particular permissions explains a withholding only
    // when it met one of them, or when nothing else blocked anything (then
    // it is the reason the law gives: "the client objected").
    let met = |f: usize| permits.iter().any(|&p| blocks(rules, f, p));
    let any_met = blocking.iter().any(|&f| met(f));
    let blocking: Vec<usize> = blocking
        .into_iter()
        .filter(|&f| met(f) || (!released && (rule(f).is_some_and(|r| r.blocking.only_blocks.is_none()) || !any_met)))
        .collect();
    let advising = if released { Vec::new() } else { fired.iter().copied().filter(|&i| effect(i) == Some(Effect::Advise)).collect() };
    let obligating = if released {
        fired
            .iter()
            .copied()
            .filter(|&i| effect(i) == Some(Effect::Obligate))
            .filter(|&i| !(required && rule(i).is_some_and(|r| r.blocking.unless_required)))
            .collect()
    } else {
        Vec::new()
    };
    let overruled = permits.iter().copied().filter(|p| !effective.contains(p)).collect();
    Verdict { released, required, releasing: effective, overruled, blocking, advising, obligating }
}

/// Whether forbid `f` blocks permission `p`.
fn blocks(rules: &[Rule], f: usize, p: usize) -> bool {
    let (Some(forbid), Some(permit)) = (rules.get(f), rules.get(p)) else { return false };
    let b = &forbid.blocking;
    if b.spares.contains(&p) {
        return false;
    }
    if let Some(only) = &b.only_blocks
        && !only.contains(&p)
    {
        return false;
    }
    if permit.effect == Effect::Require && !b.blocks_required {
        return false;
    }
    true
}

/// Whether a yielding forbid stands down: its layer allows the disclosure
/// (Part 2 on its own terms, any other layer by a permission still
/// effective), or (with `requirement`) a law's requirement is effective.
fn stands_down(rules: &[Rule], f: usize, effective: &[usize], part2_allows: bool) -> bool {
    let Some(forbid) = rules.get(f) else { return true };
    let layer_effective = || effective.iter().filter_map(|&p| rules.get(p)).any(|p| p.layer == forbid.layer);
    let layer = if forbid.layer == Layer::Part2 { part2_allows } else { layer_effective() };
    (forbid.blocking.yields_to_layer && layer)
        || (forbid.blocking.yields_to_requirement
            && effective.iter().filter_map(|&p| rules.get(p)).any(|p| p.effect == Effect::Require && p.layer.is_law()))
}

impl Verdict {
    /// Obligations owed when releasing: from the releasing and obligate rules.
    pub fn obligations<'r>(&self, rules: &'r [Rule]) -> impl Iterator<Item = (ObligationKind, &'r Rule)> + use<'r, '_> {
        self.releasing.iter().chain(&self.obligating).filter_map(|&i| rules.get(i)).flat_map(|r| r.obligations.iter().map(move |o| (*o, r)))
    }

    /// Remedies for a withheld category: the standing forbids' and advise
    /// rules'; a deny-by-default's only when nothing more specific explains.
    pub fn remedies<'r>(&self, rules: &'r [Rule]) -> Vec<(RemedyKind, &'r Rule)> {
        if self.released {
            return Vec::new();
        }
        let specific = self.blocking.iter().filter_map(|&i| rules.get(i)).any(|r| !r.blocking.default_deny);
        self.blocking
            .iter()
            .chain(&self.advising)
            .filter_map(|&i| rules.get(i))
            .filter(|r| !(specific && r.blocking.default_deny))
            .flat_map(|r| r.remedies.iter().map(move |m| (*m, r)))
            .collect()
    }

    /// The index of the rule that best says why a withheld category is
    /// withheld: a specific forbid before a layer's deny-by-default.
    pub fn main_reason_index(&self, rules: &[Rule]) -> Option<usize> {
        // A forbid whose own law allowed the disclosure by a permission it
        // does not block (5328(e)'s research under the LPS Act's bar) is
        // not why it is withheld: another forbid (the program's policy)
        // stopped that permission. Such forbids come after the others.
        let layer = |i: usize| rules.get(i).map(|r| r.layer);
        let decisive = |f: usize| !self.overruled.iter().any(|&p| layer(p) == layer(f) && !blocks(rules, f, p));
        let specific_where = |law: bool| {
            let candidates = || {
                self.blocking
                    .iter()
                    .copied()
                    .filter(move |&i| rules.get(i).is_some_and(|r| !r.blocking.default_deny && (!law || r.layer.is_law())))
            };
            candidates().find(|&i| decisive(i)).or_else(|| candidates().next())
        };
        let specific = specific_where(false);
        // Of two layers' defaults, the one whose own layer allowed nothing:
        // when HIPAA allowed it and Part 2 did not, Part 2 is the reason.
        // Part 2's bar, where Part 2 allowed nothing, comes before HIPAA's:
        // the Part 2 consent that lifts it also satisfies HIPAA.
        let part2_bar = self.part2_bar(rules);
        let unexplained_default = part2_bar.or_else(|| self.blocking.iter().copied().find(|&i| !self.allowed_in_layer_of(i, rules)));
        // Advice about this very situation ("a subpoena alone is not enough")
        // says more than a layer's default.
        let advice = self.applicable_advice(rules).find(|&i| rules.get(i).is_some_and(|r| !r.blocking.aside));
        // Under Part 2's bar, another layer's advice (California's "needs an
        // authorization") names a document that would not be enough: the
        // bar, or Part 2's own advice, is the reason.
        let under_bar = part2_bar
            .map(|bar| self.applicable_advice(rules).find(|&i| rules.get(i).map(|r| r.layer) == Some(Layer::Part2)).unwrap_or(bar));
        // The law's own specific forbid, then Part 2's bar, come before the
        // organization's: "our policy, even where the law would allow it"
        // misstates a Part 2 record, which the law itself withholds.
        let specific_law = specific_where(true).filter(|&i| decisive(i) || specific == Some(i));
        specific_law.or(under_bar).or(specific).or(advice).or(unexplained_default).or_else(|| self.blocking.first().copied())
    }

    /// The advise rules that speak to a withheld category, except HIPAA's
    /// under Part 2's bar: what they ask for (the client's spoken agreement,
    /// a fact) would still leave Part 2's written consent missing.
    pub fn applicable_advice<'a>(&'a self, rules: &'a [Rule]) -> impl Iterator<Item = usize> + 'a {
        let barred = self.part2_bar(rules).is_some();
        // An aside (call 911 for emergency care) asks for no document.
        self.advising
            .iter()
            .copied()
            .filter(move |&i| !(barred && rules.get(i).is_some_and(|r| r.layer == Layer::Hipaa && !r.blocking.aside)))
    }

    /// Part 2's deny-by-default or forbid, where Part 2 itself allowed nothing.
    fn part2_bar(&self, rules: &[Rule]) -> Option<usize> {
        self.blocking.iter().copied().find(|&i| rules.get(i).map(|r| r.layer) == Some(Layer::Part2) && !self.allowed_in_layer_of(i, rules))
    }

    /// Whether some rule of rule `i`'s layer would have released, had it not
    /// been overruled.
    fn allowed_in_layer_of(&self, i: usize, rules: &[Rule]) -> bool {
        let layer = |i: usize| rules.get(i).map(|r| r.layer);
        self.overruled.iter().any(|&p| layer(p) == layer(i))
    }

    /// The rule that best says why a withheld category is withheld.
    pub fn main_reason<'r>(&self, rules: &'r [Rule]) -> Option<&'r Rule> {
        self.main_reason_index(rules).and_then(|i| rules.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Blocking;

    fn rule(id: &str, layer: Layer, effect: Effect, blocking: Blocking) -> Rule {
        Rule {
            id: id.into(),
            layer,
            cite: id.into(),
            provisions: vec![id.into()],
            effect,
            summary: String::new(),
            plain_end: 0,
            obligations: vec![],
            remedies: vec![],
            advice: None,
            source: String::new(),
            jurisdiction: None,
            duty: None,
            blocking,
        }
    }

    fn gate(to_requirement: bool, blocks_required: bool) -> Blocking {
        Blocking {
            yields_to_layer: true,
            yields_to_requirement: to_requirement,
            blocks_required,
            default_deny: true,
            ..Blocking::default()
        }
    }

    /// A small catalog shaped like the real one.
    fn catalog() -> Vec<Rule> {
        vec![
            rule("hipaa.treatment", Layer::Hipaa, Effect::Permit, Blocking::default()), // 0
            rule("hipaa.gate", Layer::Hipaa, Effect::Forbid, gate(true, false)),        // 1
            rule("part2.gate", Layer::Part2, Effect::Forbid, gate(false, true)),        // 2
            rule("part2.emergency", Layer::Part2, Effect::Permit, Blocking::default()), // 3
            rule("ca.mandate", Layer::California, Effect::Require, Blocking::default()), // 4
            rule("org.forbid", Layer::Organization, Effect::Forbid, Blocking::default()), // 5
            rule("hipaa.restriction", Layer::Hipaa, Effect::Forbid, Blocking { only_blocks: Some(vec![0]), ..Blocking::default() }), // 6
            rule("hipaa.serious_threat", Layer::Hipaa, Effect::Permit, Blocking::default()), // 7
            rule("hipaa.pn", Layer::Hipaa, Effect::Forbid, Blocking { spares: vec![7], ..Blocking::default() }), // 8
            rule("hipaa.family_advice", Layer::Hipaa, Effect::Advise, Blocking::default()), // 9
        ]
    }

    #[test]
    fn nothing_permits_means_withheld_by_the_default_deny() {
        let v = combine(&catalog(), &[1]);
        assert!(!v.released);
        assert_eq!(v.blocking, vec![1]);
    }

    #[test]
    fn a_permit_of_the_layer_lifts_its_default_deny() {
        let v = combine(&catalog(), &[0, 1]);
        assert!(v.released && !v.required);
        assert!(v.blocking.is_empty());
    }

    #[test]
    fn the_organization_never_blocks_a_requirement() {
        let v = combine(&catalog(), &[1, 4, 5]);
        assert!(v.released && v.required);
    }

    #[test]
    fn the_organization_narrows_a_permission() {
        let v = combine(&catalog(), &[0, 1, 5]);
        assert!(!v.released);
        assert!(v.blocking.contains(&5));
    }

    #[test]
    fn part2_blocks_a_state_requirement_unless_part2_allows() {
        assert!(!combine(&catalog(), &[1, 2, 4]).released);
        let v = combine(&catalog(), &[1, 2, 3, 4]);
        assert!(v.released && v.required);
    }

    #[test]
    fn a_restriction_blocks_only_what_it_names() {
        assert!(!combine(&catalog(), &[0, 1, 6]).released);
        assert!(combine(&catalog(), &[0, 1, 6, 7]).released);
    }

    #[test]
    fn an_exception_the_law_lists_is_spared() {
        assert!(combine(&catalog(), &[1, 7, 8]).released);
        assert!(!combine(&catalog(), &[0, 1, 8]).released);
    }

    #[test]
    fn an_organization_forbid_on_a_part2_permission_does_not_revive_part2_against_a_mandate() {
        // part2.emergency (3) lets Part 2's gate (2) stand down; the
        // organization (5) narrows that permission, yet California's mandate
        // (4) still goes out.
        let v = combine(&catalog(), &[1, 2, 3, 4, 5]);
        assert!(v.released && v.required, "{v:?}");
    }

    #[test]
    fn part2_allows_on_its_own_terms_when_hipaa_blocks_its_permission() {
        // HIPAA's notes rule (8) blocks Part 2's consent (3) as a permission
        // but spares HIPAA's own exception (7). Part 2 allowed the notes, so
        // its gate (2) stands down and the exception releases them; without
        // the consent the gate holds.
        let v = combine(&catalog(), &[1, 2, 3, 7, 8]);
        assert!(v.released && v.releasing == vec![7], "{v:?}");
        assert!(!combine(&catalog(), &[1, 2, 7, 8]).released);
        // Without HIPAA's exception the notes stay withheld by HIPAA.
        let v = combine(&catalog(), &[0, 1, 2, 3, 8]);
        assert!(!v.released && v.blocking.contains(&8), "{v:?}");
    }

    #[test]
    fn an_organization_permission_alone_releases_nothing() {
        let org_permit = rule("org.supervision", Layer::Organization, Effect::Permit, Blocking::default());
        let v = combine(&[org_permit], &[0]);
        assert!(!v.released, "{v:?}");
    }

    #[test]
    fn a_permit_blocked_elsewhere_does_not_lift_the_default_deny() {
        // hipaa.treatment is blocked by the restriction, so the HIPAA gate stands.
        let v = combine(&catalog(), &[0, 1, 6]);
        assert!(v.blocking.contains(&1) && v.blocking.contains(&6));
    }

    #[test]
    fn hipaa_advice_explains_a_hipaa_bar_but_not_part2s_written_consent() {
        let rules = catalog();
        let v = combine(&rules, &[1, 9]);
        assert_eq!(v.main_reason_index(&rules), Some(9), "{v:?}");
        // Part 2 allows nothing here: its consent is the reason, not the
        // family advice that agreement would satisfy under HIPAA alone.
        let v = combine(&rules, &[1, 2, 9]);
        assert_eq!(v.main_reason_index(&rules), Some(2), "{v:?}");
    }
}
