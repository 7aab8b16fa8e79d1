//! Templates of realistic situations — who asks, why, what, which facts,
//! which paperwork — each varied over its parameters into contract requests.
//! A template says nothing about the answer: the engine decides it. It only
//! names the category asked, the topic, a hint, and the misconceptions that
//! tempt people in that situation. Templates are split along the domain:
//! `everyday` (consent, minimum necessary, threats, reports, psychotherapy
//! notes), `records` (Part 2, family, after the relationship, rights,
//! accounting), `california` and `federal` (one situation per rule a staff
//! member should know, each naming the rule it exercises) and `concepts`
//! (what confidentiality is for and what it covers).

mod california;
mod concepts;
mod everyday;
mod federal;
mod records;

use confidant_policy::vocab::{Category, ObligationKind};
use serde_json::{Value, json};

use crate::claim::Claim;
use crate::misconceptions::Misconception;
use crate::topic::Topic;

/// The day every question is set on; authorization dates are relative to it.
const AS_OF: &str = "2026-03-01";

/// One instantiated template, before the engine has answered it.
pub(crate) struct Situation {
    pub template: &'static str,
    /// The parameters that make this instance; with `template`, its id.
    pub params: Vec<String>,
    pub topic: Topic,
    pub stem: String,
    pub request: Value,
    pub category: Category,
    /// An obligation whose presence the options state (for topics about it).
    pub focus: Option<ObligationKind>,
    pub hint: String,
    pub misconceptions: Vec<Misconception>,
    /// For a question about which of two categories to release: the second.
    pub second: Option<Category>,
    /// For a conceptual question: its statements, one of which the engine bears out.
    pub statements: Vec<Statement>,
    /// The flashcard a conceptual question rests on.
    pub card: Option<&'static str>,
    /// The rule the situation was written to exercise (checked to fire).
    pub grounds: Option<&'static str>,
    /// Pointers the template set that name no field of the request.
    pub pointer_errors: Vec<String>,
}

/// One statement of a conceptual question: its words, what it claims about
/// the engine's decision on the question's request, and the misconception
/// behind it when it is wrong.
#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub text: &'static str,
    pub claim: Claim,
    pub belief: Option<&'static str>,
}

/// A contract request under construction. A pointer that names no field
/// (nor a new key of an existing object) is recorded, and the bank refuses
/// the template.
#[derive(Clone)]
struct Req {
    value: Value,
    errors: Vec<String>,
}

impl Req {
    fn new(jurisdiction: &str) -> Req {
        Req {
            errors: Vec::new(),
            value: json!({
                "as_of": AS_OF,
                "jurisdiction": jurisdiction,
                "organization_policy": "default",
                "discloser": { "role": "peer_support_specialist" },
                "client": { "age": 34, "status": "active", "part2_program": false },
                "recipient": { "kind": "treating_provider", "same_organization": false },
                "purpose": "treatment",
                "categories": ["diagnosis"],
                "facts": {},
                "authorizations": [],
                "restrictions": []
            }),
        }
    }
    fn set(mut self, pointer: &str, value: Value) -> Req {
        if let Some(slot) = self.value.pointer_mut(pointer) {
            *slot = value;
        } else if let Some((parent, key)) = pointer.rsplit_once('/')
            && let Some(Value::Object(map)) = self.value.pointer_mut(parent)
        {
            map.insert(key.to_string(), value);
        } else {
            self.errors.push(pointer.to_string());
        }
        self
    }
    fn role(self, role: &str) -> Req {
        self.set("/discloser/role", json!(role))
    }
    fn to(self, kind: &str) -> Req {
        self.set("/recipient/kind", json!(kind))
    }
    fn named(self, name: &str) -> Req {
        self.set("/recipient/name", json!(name))
    }
    fn inside(self) -> Req {
        self.set("/recipient/same_organization", json!(true))
    }
    fn purpose(self, purpose: &str) -> Req {
        self.set("/purpose", json!(purpose))
    }
    fn category(self, category: Category) -> Req {
        self.set("/categories", json!([category.as_str()]))
    }
    fn fact(self, fact: &str) -> Req {
        self.set(&format!("/facts/{fact}"), json!(true))
    }
    fn facts(self, facts: &[&str]) -> Req {
        facts.iter().fold(self, |r, f| r.fact(f))
    }
    fn age(self, age: u8) -> Req {
        self.set("/client/age", json!(age))
    }
    fn discharged(self) -> Req {
        self.set("/client/status", json!("discharged"))
    }
    fn deceased(self, died_on: &str) -> Req {
        self.set("/client/status", json!("deceased")).set("/client/died_on", json!(died_on))
    }
    fn part2(self) -> Req {
        self.set("/client/part2_program", json!(true))
    }
    fn law_only(self) -> Req {
        self.set("/organization_policy", json!("none"))
    }
    fn mandated(self, yes: bool) -> Req {
        self.set("/discloser/mandated_reporter", json!(yes))
    }
    fn lps(self) -> Req {
        self.set("/client/lps_program", json!(true))
    }
    fn authorization(self, auth: Value) -> Req {
        self.push("/authorizations", auth)
    }
    fn restriction(self, restriction: Value) -> Req {
        self.push("/restrictions", restriction)
    }
    fn push(mut self, pointer: &str, item: Value) -> Req {
        if let Some(Value::Array(list)) = self.value.pointer_mut(pointer) {
            list.push(item);
        } else {
            self.errors.push(pointer.to_string());
        }
        self
    }
    fn categories(self, categories: &[Category]) -> Req {
        self.set("/categories", json!(categories.iter().map(|c| c.as_str()).collect::<Vec<_>>()))
    }
    fn text(&self, pointer: &str) -> &str {
        self.value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
    }
}

/// The states of paperwork a question can turn on.
#[derive(Clone, Copy)]
enum Paper {
    Valid,
    Expired,
    Revoked,
    MissingRevocationStatement,
    NotYetSigned,
    Unsigned,
    OtherRecipient,
}

impl Paper {
    const ALL: &'static [Paper] = &[
        Paper::Valid,
        Paper::Expired,
        Paper::Revoked,
        Paper::MissingRevocationStatement,
        Paper::NotYetSigned,
        Paper::Unsigned,
        Paper::OtherRecipient,
    ];
    fn name(self) -> &'static str {
        match self {
            Paper::Valid => "valid",
            Paper::Expired => "expired",
            Paper::Revoked => "revoked",
            Paper::MissingRevocationStatement => "no_revocation_statement",
            Paper::NotYetSigned => "not_yet_signed",
            Paper::Unsigned => "unsigned",
            Paper::OtherRecipient => "other_recipient",
        }
    }
    /// The paperwork in the stem's words.
    fn describe(self, what: &str, to: &str) -> String {
        match self {
            Paper::Valid => format!(
                "The file holds a signed, dated {what} naming {to}, this purpose and this information, with every required statement; it expires at the end of the year."
            ),
            Paper::Expired => format!("The file holds a signed {what} naming {to} and this information; it expired last December."),
            Paper::Revoked => format!("The file holds a signed {what} naming {to}; the client revoked it in writing last month."),
            Paper::MissingRevocationStatement => format!(
                "The file holds a signed {what} naming {to} and this information, but it never tells the client they may revoke it."
            ),
            Paper::NotYetSigned => format!("A {what} naming {to} is dated for next month; the client has not signed it yet."),
            Paper::Unsigned => format!("The file holds a {what} naming {to} and this information, dated but never signed."),
            Paper::OtherRecipient => format!("The file holds a signed, current {what} — but it names a different recipient, not {to}."),
        }
    }
}

/// An authorization (`hipaa`) or consent (`part2`) in the given state.
fn paper(kind: &str, paper: Paper, categories: &[Category], recipient: &str, name: Option<&str>, purposes: &[&str]) -> Value {
    let cats: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    let recipient_entry = match (paper, name) {
        (Paper::OtherRecipient, _) => json!({ "kind": if recipient == "employer" { "school" } else { "employer" } }),
        (_, Some(n)) => json!({ "kind": recipient, "name": n }),
        (_, None) => json!({ "kind": recipient }),
    };
    let signed_by = if matches!(paper, Paper::Unsigned) { Value::Null } else { json!("client") };
    let signed_on = if matches!(paper, Paper::NotYetSigned) { "2026-04-01" } else { "2026-01-10" };
    let expires_on = if matches!(paper, Paper::Expired) { "2025-12-31" } else { "2026-12-31" };
    let revoked_on = if matches!(paper, Paper::Revoked) { json!("2026-02-01") } else { Value::Null };
    let right_to_revoke = !matches!(paper, Paper::MissingRevocationStatement);
    json!({
        "id": format!("{kind}-{}", paper.name()),
        "kind": kind,
        "signed_by": signed_by,
        "signed_on": signed_on,
        "categories": cats,
        "recipients": [recipient_entry],
        "purposes": purposes,
        "expires_on": expires_on,
        "revoked_on": revoked_on,
        "statements": { "right_to_revoke": right_to_revoke, "no_conditioning": true, "redisclosure": true }
    })
}

fn role_words(role: &str) -> &'static str {
    match role {
        "psychotherapist" => "a psychotherapist",
        "psychiatrist" => "a psychiatrist",
        "nurse" => "a nurse",
        "case_manager" => "a case manager",
        "administrative_staff" => "a member of the front-desk staff",
        _ => "a peer support specialist",
    }
}

fn place(jurisdiction: &str) -> &'static str {
    if jurisdiction == "US-CA" { "in a California program" } else { "in a program outside California (federal law only)" }
}

struct Builder {
    out: Vec<Situation>,
}

impl Builder {
    #[expect(clippy::too_many_arguments, reason = "one call per situation reads best with every part named in order")]
    fn add(
        &mut self,
        template: &'static str,
        params: &[&str],
        topic: Topic,
        stem: String,
        req: Req,
        category: Category,
        focus: Option<ObligationKind>,
        hint: &str,
        misconceptions: Vec<Misconception>,
    ) {
        let req = req.category(category);
        self.out.push(Situation {
            template,
            params: params.iter().map(|p| p.to_string()).collect(),
            topic,
            stem,
            request: req.value,
            category,
            focus,
            hint: hint.to_string(),
            misconceptions,
            second: None,
            statements: Vec::new(),
            card: None,
            grounds: None,
            pointer_errors: req.errors,
        });
    }

    /// A question about which of two categories to release.
    #[expect(clippy::too_many_arguments, reason = "one call per situation reads best with every part named in order")]
    fn add_pair(
        &mut self,
        template: &'static str,
        params: &[&str],
        topic: Topic,
        stem: String,
        req: Req,
        categories: [Category; 2],
        hint: &str,
    ) {
        let req = req.categories(&categories);
        let [category, second] = categories;
        self.out.push(Situation {
            template,
            params: params.iter().map(|p| p.to_string()).collect(),
            topic,
            stem,
            request: req.value,
            category,
            focus: None,
            hint: hint.to_string(),
            misconceptions: Vec::new(),
            second: Some(second),
            statements: Vec::new(),
            card: None,
            grounds: None,
            pointer_errors: req.errors,
        });
    }

    /// A situation written to exercise `rule`: the stem names the discloser
    /// and the law that applies from the request; `categories` is the one
    /// asked about, or the two of a which-to-release question.
    #[expect(clippy::too_many_arguments, reason = "one call per situation reads best with every part named in order")]
    fn grounded(
        &mut self,
        template: &'static str,
        name: &str,
        rule: &'static str,
        topic: Topic,
        situation: &str,
        req: Req,
        categories: &[Category],
        hint: &str,
        misconceptions: Vec<Misconception>,
    ) {
        let (Some(&category), second) = (categories.first(), categories.get(1).copied()) else { return };
        let stem = format!(
            "You are {} {}. {situation} What do you do?",
            role_words(req.text("/discloser/role")),
            place(req.text("/jurisdiction"))
        );
        let req = req.categories(categories);
        self.out.push(Situation {
            template,
            params: vec![name.to_string()],
            topic,
            stem,
            request: req.value,
            category,
            focus: None,
            hint: hint.to_string(),
            misconceptions,
            second,
            statements: Vec::new(),
            card: None,
            grounds: Some(rule),
            pointer_errors: req.errors,
        });
    }

    /// A conceptual question resting on flashcard `card`: its statements are
    /// judged on the engine's decision for `req`, which the stem describes.
    #[expect(clippy::too_many_arguments, reason = "one call per situation reads best with every part named in order")]
    fn concept(
        &mut self,
        name: &str,
        card: &'static str,
        topic: Topic,
        stem: String,
        req: Req,
        category: Category,
        hint: &str,
        statements: Vec<Statement>,
    ) {
        let req = req.category(category);
        self.out.push(Situation {
            template: "concept.statement",
            params: vec![name.to_string()],
            topic,
            stem,
            request: req.value,
            category,
            focus: None,
            hint: hint.to_string(),
            misconceptions: Vec::new(),
            second: None,
            statements,
            card: Some(card),
            grounds: None,
            pointer_errors: req.errors,
        });
    }
}

/// Every situation of every template.
pub(crate) fn situations() -> Vec<Situation> {
    let mut b = Builder { out: Vec::new() };
    everyday::consent(&mut b);
    everyday::routine(&mut b);
    everyday::minimum_necessary(&mut b);
    everyday::duty_to_protect(&mut b);
    everyday::mandated_reporting(&mut b);
    everyday::psychotherapy_notes(&mut b);
    records::substance_use(&mut b);
    records::family(&mut b);
    records::after_discharge_or_death(&mut b);
    records::client_rights(&mut b);
    records::accounting(&mut b);
    california::situations(&mut b);
    federal::situations(&mut b);
    concepts::situations(&mut b);
    b.out
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use confidant_policy::Engine;

    use super::*;
    use crate::question::{BankError, build};

    #[test]
    fn a_misspelt_pointer_is_recorded_not_ignored() {
        assert!(Req::new("US").set("/client/age", json!(40)).errors.is_empty());
        assert!(Req::new("US").set("/facts/subpoena", json!(true)).errors.is_empty(), "a new key of an existing object is fine");
        assert_eq!(Req::new("US").set("/clent/age", json!(40)).errors, vec!["/clent/age".to_string()]);
        assert_eq!(Req::new("US").push("/authorisations", json!({})).errors, vec!["/authorisations".to_string()]);
    }

    #[test]
    fn a_template_with_a_misspelt_pointer_stops_the_bank() {
        let mut b = Builder { out: Vec::new() };
        let req = Req::new("US").set("/recipent/kind", json!("employer"));
        b.add("test.misspelt", &["x"], Topic::ClientRights, "stem".into(), req, Category::Diagnosis, None, "hint", Vec::new());
        let engine = Engine::new().unwrap();
        let situation = b.out.pop().unwrap();
        assert!(matches!(build(&engine, situation), Err(BankError::Pointer { pointer, .. }) if pointer == "/recipent/kind"));
    }

    #[test]
    fn no_template_sets_a_pointer_that_names_no_field() {
        for s in situations() {
            assert!(s.pointer_errors.is_empty(), "{} {:?}: {:?}", s.template, s.params, s.pointer_errors);
        }
    }

    #[test]
    fn every_grounded_situation_names_a_rule_of_the_catalog() {
        let engine = Engine::new().unwrap();
        for s in situations() {
            if let Some(rule) = s.grounds {
                assert!(engine.rule(rule).is_some(), "{} {:?}: no rule `{rule}`", s.template, s.params);
            }
        }
    }
}
