//! Helpers: deciding, reading a decision, the JSON form of a request, and
//! the contract's invariants checked on every decision.

use super::*;

pub(crate) fn decide(request: &Request) -> Result<Decision, TestCaseError> {
    ENGINE.decide(request).map_err(|e| TestCaseError::fail(format!("decide failed: {e}")))
}

pub(crate) fn released(d: &Decision) -> BTreeSet<Category> {
    d.release.iter().copied().collect()
}

pub(crate) fn outcome(d: &Decision, category: Category) -> Option<Outcome> {
    d.categories.iter().find(|c| c.category == category).map(|c| c.outcome)
}

pub(crate) fn with_policy(request: &Request, policy: OrganizationPolicy) -> Request {
    Request { organization_policy: policy, ..request.clone() }
}

/// A valid authorization that matches the request, built from it: signed by
/// the client (or, for a child who cannot sign, the parent) before `as_of`, expiring after it, every statement present,
/// naming the request's recipient and purpose, and covering `categories`.
pub(crate) fn matching_authorization(
    request: &Request,
    kind: AuthorizationKind,
    categories: Vec<Category>,
    signed_ago: i64,
    expires_in: i64,
) -> Authorization {
    let as_of = day_number(request.as_of);
    // A form obtained from a deceased client's representative is signed
    // after death: one signed in life is judged by who could sign then.
    let signed_on = match request.client.died_on {
        Some(died) => (as_of - signed_ago).max(day_number(died)),
        None => as_of - signed_ago,
    };
    Authorization {
        id: "added".to_string(),
        kind,
        // A child the parent signs for (Cal. Civ. Code 56.11(b)(3)(B)) cannot
        // sign, nor can a client who has died.
        signed_by: Some(confidant_policy::authorization::signer_today(request, kind)),
        signed_on: Some(date(signed_on)),
        categories,
        recipients: vec![AuthorizedRecipient { kind: request.recipient.kind, name: request.recipient.name.clone() }],
        purposes: vec![request.purpose],
        expires_on: Some(date(as_of + expires_in)),
        expiry_event: None,
        revoked_on: None,
        statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
    }
}

/// The requested categories picked by `mask`, never psychotherapy notes
/// together with another category (that would be a compound authorization).
pub(crate) fn covered_subset(requested: &[Category], mask: u16) -> Vec<Category> {
    let mut picked: Vec<Category> = requested.iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, c)| *c).collect();
    if picked.is_empty() {
        picked.extend(requested.first());
    }
    if picked.len() > 1 && picked.contains(&Category::PsychotherapyNotes) {
        if mask & 0x8000 != 0 {
            picked = vec![Category::PsychotherapyNotes];
        } else {
            picked.retain(|c| *c != Category::PsychotherapyNotes);
        }
    }
    picked
}

/// The request as the contract's JSON. `sparse` leaves out what may be left
/// out (defaults, nulls, false facts); otherwise every field is written,
/// absent values as `null`.
pub(crate) fn request_json(r: &Request, sparse: bool) -> Value {
    fn put(map: &mut Map<String, Value>, key: &str, value: Value, omit: bool) {
        if !omit {
            map.insert(key.to_string(), value);
        }
    }
    fn opt<T: ToString>(value: Option<&T>) -> Value {
        value.map_or(Value::Null, |v| Value::String(v.to_string()))
    }
    fn names<T: ToString>(list: &[T]) -> Value {
        Value::Array(list.iter().map(|v| Value::String(v.to_string())).collect())
    }
    let mut top = Map::new();
    top.insert("as_of".into(), json!(r.as_of.to_string()));
    top.insert("jurisdiction".into(), json!(r.jurisdiction.as_str()));
    put(
        &mut top,
        "organization_policy",
        json!(r.organization_policy.as_str()),
        sparse && r.organization_policy == OrganizationPolicy::Default,
    );

    let mut discloser = Map::new();
    put(&mut discloser, "role", json!(r.discloser.role.as_str()), sparse && r.discloser.role == Role::Psychotherapist);
    put(
        &mut discloser,
        "mandated_reporter",
        r.discloser.mandated_reporter.map_or(Value::Null, Value::Bool),
        sparse && r.discloser.mandated_reporter.is_none(),
    );
    put(&mut top, "discloser", Value::Object(discloser.clone()), sparse && discloser.is_empty());

    let mut client = Map::new();
    client.insert("age".into(), json!(r.client.age));
    client.insert("status".into(), json!(r.client.status.as_str()));
    put(&mut client, "died_on", opt(r.client.died_on.as_ref()), sparse && r.client.died_on.is_none());
    put(&mut client, "part2_program", json!(r.client.part2_program), sparse && !r.client.part2_program);
    put(&mut client, "lps_program", json!(r.client.lps_program), sparse && !r.client.lps_program);
    top.insert("client".into(), Value::Object(client));

    let mut recipient = Map::new();
    recipient.insert("kind".into(), json!(r.recipient.kind.as_str()));
    put(&mut recipient, "name", opt(r.recipient.name.as_ref()), sparse && r.recipient.name.is_none());
    put(&mut recipient, "same_organization", json!(r.recipient.same_organization), sparse && !r.recipient.same_organization);
    top.insert("recipient".into(), Value::Object(recipient));

    top.insert("purpose".into(), json!(r.purpose.as_str()));
    top.insert("categories".into(), names(&r.categories));

    let mut facts = Map::new();
    for fact in Fact::ALL {
        put(&mut facts, fact.as_str(), json!(r.facts.get(*fact)), sparse && !r.facts.get(*fact));
    }
    put(&mut top, "facts", Value::Object(facts.clone()), sparse && facts.is_empty());

    let auths: Vec<Value> = r
        .authorizations
        .iter()
        .map(|a| {
            let mut m = Map::new();
            m.insert("id".into(), json!(a.id));
            m.insert("kind".into(), json!(a.kind.as_str()));
            put(&mut m, "signed_by", opt(a.signed_by.as_ref()), sparse && a.signed_by.is_none());
            put(&mut m, "signed_on", opt(a.signed_on.as_ref()), sparse && a.signed_on.is_none());
            put(&mut m, "categories", names(&a.categories), sparse && a.categories.is_empty());
            let recipients: Vec<Value> = a
                .recipients
                .iter()
                .map(|x| {
                    let mut rm = Map::new();
                    rm.insert("kind".into(), json!(x.kind.as_str()));
                    put(&mut rm, "name", opt(x.name.as_ref()), sparse && x.name.is_none());
                    Value::Object(rm)
                })
                .collect();
            put(&mut m, "recipients", Value::Array(recipients), sparse && a.recipients.is_empty());
            put(&mut m, "purposes", names(&a.purposes), sparse && a.purposes.is_empty());
            put(&mut m, "expires_on", opt(a.expires_on.as_ref()), sparse && a.expires_on.is_none());
            put(&mut m, "expiry_event", opt(a.expiry_event.as_ref()), sparse && a.expiry_event.is_none());
            put(&mut m, "revoked_on", opt(a.revoked_on.as_ref()), sparse && a.revoked_on.is_none());
            let s = a.statements;
            let mut sm = Map::new();
            put(&mut sm, "right_to_revoke", json!(s.right_to_revoke), sparse && !s.right_to_revoke);
            put(&mut sm, "no_conditioning", json!(s.no_conditioning), sparse && !s.no_conditioning);
            put(&mut sm, "redisclosure", json!(s.redisclosure), sparse && !s.redisclosure);
            put(&mut m, "statements", Value::Object(sm.clone()), sparse && sm.is_empty());
            Value::Object(m)
        })
        .collect();
    put(&mut top, "authorizations", Value::Array(auths), sparse && r.authorizations.is_empty());

    let restrictions: Vec<Value> = r
        .restrictions
        .iter()
        .map(|x| {
            let mut m = Map::new();
            m.insert("categories".into(), names(&x.categories));
            m.insert("recipient_kinds".into(), names(&x.recipient_kinds));
            m.insert("purposes".into(), names(&x.purposes));
            put(&mut m, "agreed", json!(x.agreed), sparse && !x.agreed);
            Value::Object(m)
        })
        .collect();
    put(&mut top, "restrictions", Value::Array(restrictions), sparse && r.restrictions.is_empty());
    Value::Object(top)
}

/// The contract's invariants of one decision for one request.
pub(crate) fn check_invariants(r: &Request, d: &Decision) -> Result<(), TestCaseError> {
    // One entry per requested category, in order; release/withhold partition
    // them in the same order, and deny ⇔ withheld.
    let order: Vec<Category> = d.categories.iter().map(|c| c.category).collect();
    prop_assert_eq!(&order, &r.categories, "categories[] must follow the request");
    let not_denied: Vec<Category> = d.categories.iter().filter(|c| c.outcome != Outcome::Deny).map(|c| c.category).collect();
    let denied: Vec<Category> = d.categories.iter().filter(|c| c.outcome == Outcome::Deny).map(|c| c.category).collect();
    prop_assert_eq!(&d.release, &not_denied, "release = the categories not denied, in order");
    prop_assert_eq!(&d.withhold, &denied, "withhold = the denied categories, in order");
    prop_assert_eq!(d.release.len() + d.withhold.len(), r.categories.len());
    for c in &d.categories {
        prop_assert_eq!(c.reason.is_some(), c.outcome == Outcome::Deny, "a reason exactly for denied {}", c.category);
        prop_assert!(!c.cites.is_empty(), "{} has no cite", c.category);
        for cite in &c.cites {
            prop_assert!(!cite.trim().is_empty(), "empty cite for {}", c.category);
            // Each cite is a provision of a rule in rules[], or the paragraph
            // that makes a form on file count for nothing.
            let of_a_rule = d.rules.iter().any(|rule| confidant_policy::provisions(&rule.cite).contains(cite));
            let of_a_defect =
                (cite.starts_with("45 CFR 164.508(") || cite.starts_with("42 CFR 2.31(")) && d.authorizations.iter().any(|a| !a.counts);
            prop_assert!(of_a_rule || of_a_defect, "cite `{}` of {} is not among rules[]", cite, c.category);
        }
    }

    // Overall decision by the contract's precedence.
    let expected = if d.release.is_empty() {
        OverallDecision::Deny
    } else if !d.withhold.is_empty() {
        OverallDecision::Partial
    } else if d.categories.iter().any(|c| c.outcome == Outcome::Required) {
        OverallDecision::Required
    } else {
        OverallDecision::Permit
    };
    prop_assert_eq!(d.decision, expected);

    // Every authorization on file, once, in order; counts ⇔ no reasons.
    let on_file: Vec<&str> = r.authorizations.iter().map(|a| a.id.as_str()).collect();
    let reported: Vec<&str> = d.authorizations.iter().map(|a| a.id.as_str()).collect();
    prop_assert_eq!(reported, on_file);
    for a in &d.authorizations {
        prop_assert_eq!(a.counts, a.reasons.is_empty(), "authorization {}: counts ⇔ no reasons", &a.id);
    }

    // Only applicable layers fire; every rule has a cite; each rule once.
    let mut ids = BTreeSet::new();
    for rule in &d.rules {
        let applicable = match rule.layer {
            Layer::Hipaa => true,
            Layer::Part2 => r.client.part2_program,
            Layer::California => r.jurisdiction == Jurisdiction::UsCa,
            // The built-in packs have no other state's rules.
            Layer::State => false,
            Layer::Organization => r.organization_policy == OrganizationPolicy::Default,
        };
        prop_assert!(applicable, "rule {} of layer {} fired but the layer does not apply", &rule.id, rule.layer);
        prop_assert!(!rule.cite.trim().is_empty(), "rule {} has an empty cite", &rule.id);
        prop_assert!(ids.insert(rule.id.as_str()), "rule {} reported twice", &rule.id);
    }

    // Obligations go with released categories, remedies with withheld ones; kinds unique.
    if r.recipient.same_organization {
        prop_assert!(!d.obligations.iter().any(|o| o.kind == ObligationKind::RecordInAccounting), "accounting for a use (164.528(a))");
    }
    if d.release.is_empty() {
        prop_assert!(!d.obligations.iter().any(|o| o.kind == ObligationKind::RecordInAccounting), "accounting with nothing released");
        prop_assert!(d.obligations.is_empty(), "obligations with nothing released");
    }
    let mut kinds = BTreeSet::new();
    for o in &d.obligations {
        prop_assert!(kinds.insert(o.kind), "obligation {} listed twice", o.kind);
        prop_assert!(o.categories.iter().all(|c| d.release.contains(c)), "obligation {} on a withheld category", o.kind);
    }
    // A kind appears once, except that psychotherapy notes get a form of
    // their own (164.508(b)(3)(ii), 2.31(b)): one entry for the notes alone,
    // one for the rest.
    let mut kinds = BTreeSet::new();
    for m in &d.remedies {
        let notes_alone = m.is_notes_form();
        prop_assert!(!notes_alone || m.categories == [Category::PsychotherapyNotes], "notes form with other categories");
        prop_assert!(kinds.insert((m.kind, notes_alone)), "remedy {} listed twice", m.kind);
        prop_assert!(m.categories.iter().all(|c| d.withhold.contains(c)), "remedy {} for a released category", m.kind);
    }
    prop_assert!(!d.explanation.trim().is_empty(), "empty explanation");
    Ok(())
}
