//! Templates of realistic situations — who asks, why, what, which facts,
//! which paperwork — each varied over its parameters into contract requests.
//! A template says nothing about the answer: the engine decides it. It only
//! names the category asked, the topic, a hint, and the misconceptions that
//! tempt people in that situation.

use confidant_policy::plain_category;
use confidant_policy::vocab::{Category, ObligationKind};
use serde_json::{Value, json};

use crate::misconceptions::{self as mc, Misconception};
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
}

/// A contract request under construction.
#[derive(Clone)]
struct Req(Value);

impl Req {
    fn new(jurisdiction: &str) -> Req {
        Req(json!({
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
        }))
    }
    fn set(mut self, pointer: &str, value: Value) -> Req {
        if let Some(slot) = self.0.pointer_mut(pointer) {
            *slot = value;
        } else if let Some((parent, key)) = pointer.rsplit_once('/')
            && let Some(Value::Object(map)) = self.0.pointer_mut(parent)
        {
            map.insert(key.to_string(), value);
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
    fn authorization(mut self, auth: Value) -> Req {
        if let Some(Value::Array(list)) = self.0.pointer_mut("/authorizations") {
            list.push(auth);
        }
        self
    }
    fn restriction(mut self, restriction: Value) -> Req {
        if let Some(Value::Array(list)) = self.0.pointer_mut("/restrictions") {
            list.push(restriction);
        }
        self
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
            Paper::Valid => format!("The file holds a signed, dated {what} naming {to}, this purpose and this information, with every required statement; it expires at the end of the year."),
            Paper::Expired => format!("The file holds a signed {what} naming {to} and this information; it expired last December."),
            Paper::Revoked => format!("The file holds a signed {what} naming {to}; the client revoked it in writing last month."),
            Paper::MissingRevocationStatement => format!("The file holds a signed {what} naming {to} and this information, but it never tells the client they may revoke it."),
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
        self.out.push(Situation {
            template,
            params: params.iter().map(|p| p.to_string()).collect(),
            topic,
            stem,
            request: req.category(category).0,
            category,
            focus,
            hint: hint.to_string(),
            misconceptions,
        });
    }
}

/// Every situation of every template.
pub(crate) fn situations() -> Vec<Situation> {
    let mut b = Builder { out: Vec::new() };
    consent(&mut b);
    minimum_necessary(&mut b);
    duty_to_protect(&mut b);
    mandated_reporting(&mut b);
    psychotherapy_notes(&mut b);
    substance_use(&mut b);
    family(&mut b);
    after_discharge_or_death(&mut b);
    client_rights(&mut b);
    accounting(&mut b);
    b.out
}

fn consent(b: &mut Builder) {
    let askers = [("employer", "employment", "the client's employer's HR office", "asks whether the client is fit to return to work"), ("school", "client_request", "the client's college disability office", "asks for records the client wants sent")];
    for (kind, purpose, who, why) in askers {
        for category in [Category::Diagnosis, Category::Medications] {
            for p in Paper::ALL {
                let what = plain_category(category);
                let stem = format!(
                    "You are a peer support specialist {}. {} {why} and wants {what}. {} What do you do?",
                    place("US-CA"),
                    capitalize(who),
                    p.describe("HIPAA authorization", who)
                );
                let req = Req::new("US-CA").to(kind).purpose(purpose).authorization(paper("hipaa", *p, &[category], kind, None, &[purpose]));
                b.add("consent.outside_recipient", &[kind, category.as_str(), p.name()], Topic::ConsentAndAuthorization, stem, req, category, None,
                    "An authorization counts only if it is signed, dated, current, unrevoked, complete, and names this recipient.",
                    vec![mc::any_signed_form(), mc::signed_means_must(), mc::never_to_employers(), mc::verbal_ok(), mc::only_financial()]);
            }
            let stem = format!(
                "You are a peer support specialist {}. {} {why} and wants {}. The client told you on the phone, \"sure, tell them\", but nothing is in writing. What do you do?",
                place("US-CA"), capitalize(who), plain_category(category)
            );
            let req = Req::new("US-CA").to(kind).purpose(purpose).fact("client_agrees");
            b.add("consent.verbal_only", &[kind, category.as_str()], Topic::ConsentAndAuthorization, stem, req, category, None,
                "For recipients outside health care, what form must the client's permission take?",
                vec![mc::verbal_ok(), mc::only_medical_record(), mc::never_to_employers()]);
        }
    }
    for agrees in [true, false] {
        for jurisdiction in ["US", "US-CA"] {
            let stem = format!(
                "You are a peer support specialist {}. A psychiatrist at another clinic, who is starting to treat your client, calls for the diagnosis. {} What do you do?",
                place(jurisdiction),
                if agrees { "The client has told you they want the new psychiatrist to know." } else { "You have not asked the client about it." }
            );
            let mut req = Req::new(jurisdiction).to("treating_provider").named("Dr. Rivera").purpose("treatment");
            if agrees {
                req = req.fact("client_agrees");
            }
            b.add("consent.new_provider", &[jurisdiction, if agrees { "agrees" } else { "not_asked" }], Topic::ConsentAndAuthorization, stem, req, Category::Diagnosis, None,
                "The law allows treatment sharing between providers; your program's policy may ask for more.",
                vec![mc::any_provider(), mc::never_without_written_consent(), mc::providers_must_get_it()]);
        }
    }
}

fn minimum_necessary(b: &mut Builder) {
    let cases: [(&str, &str, &str, bool, &str, Category); 7] = [
        ("health_plan", "payment", "the client's health plan asks for information to pay a claim", false, "health_plan_claim", Category::Diagnosis),
        ("health_plan", "payment", "the client's health plan asks for information to pay a claim", false, "health_plan_billing", Category::Billing),
        ("treating_provider", "treatment", "the client's primary-care doctor asks for information to coordinate treatment", false, "provider_treatment", Category::Medications),
        ("workforce_member", "health_care_operations", "a quality-improvement analyst in your own program asks for records for a chart audit", true, "quality_audit", Category::ProgressNotes),
        ("care_team_member", "treatment", "a nurse on the client's own care team asks before a medication review", true, "care_team", Category::Medications),
        ("business_associate", "health_care_operations", "the program's contracted billing-audit company asks for records", false, "business_associate", Category::TreatmentPlan),
        ("public_health_authority", "public_health", "the county health department asks for information for disease reporting", false, "public_health", Category::TestResults),
    ];
    for (kind, purpose, who, inside, name, category) in cases {
        let stem = format!(
            "Going by the law alone (no program policy), you are a case manager {}: {who}, and wants {}. The client has agreed. What do you do?",
            place("US"),
            plain_category(category)
        );
        let mut req = Req::new("US").role("case_manager").to(kind).purpose(purpose).fact("client_agrees").law_only();
        if inside {
            req = req.inside();
        }
        b.add("minimum_necessary.law_only", &[name, category.as_str()], Topic::MinimumNecessary, stem, req, category, Some(ObligationKind::MinimumNecessary),
            "Minimum necessary covers most uses and disclosures, with a few exceptions: treatment between providers, the client, an authorization, and what the law requires.",
            vec![mc::staff_see_everything()]);
    }
    for category in [Category::ProgressNotes, Category::Diagnosis] {
        let stem = format!(
            "You are a peer support specialist {}. A coworker in your program who does not work with this client asks to read {} \"just to understand the case\". What do you do?",
            place("US-CA"),
            plain_category(category)
        );
        let req = Req::new("US-CA").to("workforce_member").inside().purpose("marketing");
        b.add("minimum_necessary.need_to_know", &[category.as_str()], Topic::MinimumNecessary, stem, req, category, None,
            "Being on staff is not a reason; a need to know for treatment, payment or operations is.",
            vec![mc::staff_see_everything(), mc::only_medical_record()]);
    }
}

fn duty_to_protect(b: &mut Builder) {
    for jurisdiction in ["US-CA", "US"] {
        for role in ["psychotherapist", "psychiatrist", "peer_support_specialist"] {
            for (victim, victim_words) in [(true, "names a former partner and says where she lives"), (false, "says he is angry at \"people in general\" but names no one")] {
                let stem = format!(
                    "You are {} {}. In session, a client makes a serious threat of violence he seems ready to carry out and {victim_words}. You consider calling the person at risk. What do you do about the client's identifying details?",
                    role_words(role), place(jurisdiction)
                );
                let mut req = Req::new(jurisdiction).role(role).to("potential_victim").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "recipient_can_prevent_or_lessen"]);
                if victim {
                    req = req.fact("identifiable_victim");
                }
                b.add("duty_to_protect.threat", &[jurisdiction, role, if victim { "named_victim" } else { "no_victim" }], Topic::DutyToProtect, stem, req, Category::Demographics, None,
                    "Ask: is there a serious, imminent threat to a reasonably identifiable person, and who is the discloser?",
                    vec![mc::threat_needs_consent(), mc::report_optional(), mc::every_threat_to_police(), mc::threats_only_for_clinicians()]);
            }
        }
    }
}

fn mandated_reporting(b: &mut Builder) {
    for jurisdiction in ["US-CA", "US"] {
        for (role, designated) in [("psychotherapist", None), ("case_manager", None), ("peer_support_specialist", None), ("peer_support_specialist", Some(true))] {
            let who = match designated {
                Some(true) => format!("{}, designated a mandated reporter by your employer,", role_words(role)),
                _ => role_words(role).to_string(),
            };
            let stem = format!(
                "You are {who} {}. A parent in your program describes injuries to their child that make you suspect abuse. You consider calling child protective services. What do you do with your progress notes about it?",
                place(jurisdiction)
            );
            let mut req = Req::new(jurisdiction).role(role).to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse");
            if let Some(d) = designated {
                req = req.mandated(d);
            }
            let tag = if designated.is_some() { "designated" } else { "role_default" };
            b.add("mandated_reporting.child", &[jurisdiction, role, tag], Topic::MandatedReporting, stem, req, Category::ProgressNotes, None,
                "Who is a mandated reporter depends on the role and the state; a report is allowed even when it is not required.",
                vec![mc::report_optional(), mc::only_clinicians_report(), mc::never_without_written_consent()]);
        }
    }
    for age in [72u8, 45] {
        for role in ["case_manager", "peer_support_specialist"] {
            let stem = format!(
                "You are {} {}. Your {age}-year-old client shows signs that a relative is taking their money and leaving them without food. You consider calling Adult Protective Services. What do you do with your progress notes about it?",
                role_words(role), place("US-CA")
            );
            let req = Req::new("US-CA").role(role).age(age).to("adult_protective_services").purpose("report_elder_abuse").fact("suspected_elder_abuse");
            let age_tag = age.to_string();
            b.add("mandated_reporting.elder", &[role, &age_tag], Topic::MandatedReporting, stem, req, Category::ProgressNotes, None,
                "California's elder and dependent adult abuse mandate covers clients 65 and over; without a mandate, HIPAA permits such reports only in limited cases.",
                vec![mc::report_optional(), mc::only_clinicians_report(), mc::never_without_written_consent()]);
        }
    }
}

fn psychotherapy_notes(b: &mut Builder) {
    for jurisdiction in ["US-CA", "US"] {
        let base = || Req::new(jurisdiction).role("psychotherapist");
        let cases: Vec<(&str, String, Req)> = vec![
            ("new_provider_agrees", "A new treating psychiatrist asks for your separately kept psychotherapy notes; the client agrees out loud.".into(),
                base().to("treating_provider").purpose("treatment").fact("client_agrees")),
            ("own_authorization", "The client's life-insurance company asks for your psychotherapy notes. The file holds a signed, current authorization naming the insurer, this purpose and the psychotherapy notes only, with every required statement.".into(),
                base().to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::PsychotherapyNotes], "employer", None, &["employment"]))),
            ("compound_authorization", "The client's employer asks for your psychotherapy notes. The file holds one signed, current authorization naming the employer that covers the diagnosis and the psychotherapy notes together.".into(),
                base().to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::Diagnosis, Category::PsychotherapyNotes], "employer", None, &["employment"]))),
            ("verbal_ok", "The client's employer asks for your psychotherapy notes; the client says on the phone that it is fine with them.".into(),
                base().to("employer").purpose("employment").fact("client_agrees")),
            ("supervised_training", "Your clinical supervisor, in your own program, asks to review your psychotherapy notes as part of your supervised training.".into(),
                base().to("supervisor").inside().purpose("training")),
            ("health_plan_payment", "The client's health plan asks for your psychotherapy notes before paying a claim.".into(),
                base().to("health_plan").purpose("payment")),
        ];
        for (name, situation, req) in cases {
            let stem = format!("You are a psychotherapist {}. {situation} What do you do?", place(jurisdiction));
            b.add("psychotherapy_notes.request", &[jurisdiction, name], Topic::PsychotherapyNotes, stem, req, Category::PsychotherapyNotes, None,
                "Psychotherapy notes are kept apart from the medical record and need an authorization of their own, with few exceptions.",
                vec![mc::verbal_ok(), mc::any_provider(), mc::any_signed_form(), mc::only_medical_record()]);
        }
    }
}

fn substance_use(b: &mut Builder) {
    let consent = |p: Paper, recipient: &str, purposes: &[&str]| paper("part2", p, &[Category::SubstanceUse], recipient, None, purposes);
    let cases: Vec<(&str, String, Req, Vec<Misconception>)> = vec![
        ("provider_no_consent", "A primary-care doctor treating the client asks for the client's substance-use treatment history. The client agrees out loud; there is no written consent.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees"), vec![mc::any_provider(), mc::verbal_ok()]),
        ("provider_part2_consent", "A primary-care doctor treating the client asks for the client's substance-use treatment history. The client signed a current Part 2 consent naming treating providers for treatment.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees").authorization(consent(Paper::Valid, "treating_provider", &["treatment"])), vec![mc::never_without_written_consent()]),
        ("provider_revoked_consent", "A primary-care doctor treating the client asks for the client's substance-use treatment history. The client's Part 2 consent naming treating providers was revoked last month.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees").authorization(consent(Paper::Revoked, "treating_provider", &["treatment"])), vec![mc::any_signed_form(), mc::any_provider()]),
        ("hipaa_authorization_only", "The client's employer asks for substance-use information. The file holds a valid HIPAA authorization naming the employer, but no Part 2 consent.".into(),
            Req::new("US").to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::SubstanceUse], "employer", None, &["employment"])), vec![mc::hipaa_auth_opens_part2(), mc::any_signed_form()]),
        ("medical_emergency", "An emergency-room doctor calls: the client is unconscious after an overdose, and the doctor needs to know what substances they were being treated for.".into(),
            Req::new("US").to("emergency_provider").purpose("emergency").facts(&["medical_emergency", "client_incapacitated"]), vec![mc::part2_never_even_emergency()]),
        ("subpoena_alone", "An attorney serves a subpoena for the client's substance-use records; there is no court order.".into(),
            Req::new("US").to("attorney").purpose("judicial_proceeding").fact("subpoena"), vec![mc::subpoena_opens()]),
        ("subpoena_with_assurance", "A court clerk sends a subpoena for the client's substance-use records, with written assurance that the client was notified; there is no court order.".into(),
            Req::new("US").to("court").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance"]), vec![mc::subpoena_opens()]),
        ("part2_court_order", "A judge issues an order under 42 CFR 2.64, after the required findings, for the client's substance-use records.".into(),
            Req::new("US").to("court").purpose("judicial_proceeding").fact("court_order"), vec![mc::never_without_written_consent()]),
        ("police_warrant", "A police officer arrives with a search warrant (no court order) for the client's substance-use records.".into(),
            Req::new("US").to("law_enforcement").purpose("law_enforcement").fact("warrant"), vec![mc::police_must_be_answered()]),
        ("threat_to_victim", "The client makes a serious, imminent threat against a named coworker; there is no consent or court order.".into(),
            Req::new("US").to("potential_victim").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "identifiable_victim", "recipient_can_prevent_or_lessen"]), vec![mc::report_optional()]),
        ("child_abuse_report", "You suspect the client is abusing their child and consider the initial report to child protective services.".into(),
            Req::new("US").to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse"), vec![mc::part2_never_even_emergency()]),
        ("auditor", "A state licensing auditor reviewing the program asks for the client's substance-use records.".into(),
            Req::new("US").to("health_oversight_agency").purpose("health_oversight"), vec![mc::never_without_written_consent()]),
    ];
    for (name, situation, req, misc) in cases {
        for category in [Category::SubstanceUse, Category::Diagnosis] {
            let stem = format!(
                "You are a peer support specialist in a federally assisted substance-use-disorder program (42 CFR Part 2 applies). {situation} What do you do about {}?",
                plain_category(category)
            );
            // Consents on file describe the substance-use information only,
            // so the diagnosis variant asks about what they do not cover.
            let req = req.clone().part2();
            b.add("substance_use.part2", &[name, category.as_str()], Topic::SubstanceUseRecords, stem, req, category, None,
                "In a Part 2 program every record identifies the client as in SUD treatment; only a Part 2 consent or one of Part 2's own exceptions opens it.",
                misc.clone());
        }
    }
}

fn family(b: &mut Builder) {
    let cases: [(&str, &str, &[&str]); 5] = [
        ("present_agrees", "The client is in the room and says they want their sister to know.", &["client_present", "client_agrees"]),
        ("present_silent", "The client is in the room, was asked, and did not object, but never said yes.", &["client_present"]),
        ("present_objects", "The client is in the room and says they do not want their sister told anything.", &["client_present", "client_objects"]),
        ("incapacitated_involved", "The client is in hospital and unable to communicate; the sister has been helping with their care for months.", &["client_incapacitated", "recipient_involved_in_care"]),
        ("absent_not_involved", "The client is not around, and the sister has not been involved in their care.", &[]),
    ];
    for (name, situation, facts) in cases {
        for category in [Category::Appointments, Category::Medications, Category::ProgressNotes] {
            for jurisdiction in ["US-CA", "US"] {
                let stem = format!(
                    "You are a peer support specialist {}. The client's sister, who drives them to appointments, asks about {}. {situation} What do you do?",
                    place(jurisdiction),
                    plain_category(category)
                );
                let req = Req::new(jurisdiction).to("family_or_friend").purpose("care_involvement").facts(facts);
                b.add("family.sister_asks", &[name, category.as_str(), jurisdiction], Topic::FamilyAndFriends, stem, req, category, None,
                    "Family may hear what is relevant to their involvement when the client agrees or, if the client cannot say, when it is in their best interest.",
                    vec![mc::family_entitled(), mc::family_never(), mc::never_without_written_consent()]);
            }
        }
    }
}

fn after_discharge_or_death(b: &mut Builder) {
    let cases: Vec<(&str, String, Req, Category, Vec<Misconception>)> = vec![
        ("discharged_friend", "A former client was discharged last year. A friend who was never involved in their care asks how they did in the program.".into(),
            Req::new("US-CA").discharged().to("family_or_friend").purpose("care_involvement"), Category::ProgressNotes, vec![mc::ends_at_discharge()]),
        ("discharged_employer", "A former client was discharged last year. Their new employer calls to ask what the diagnosis was.".into(),
            Req::new("US-CA").discharged().to("employer").purpose("employment"), Category::Diagnosis, vec![mc::ends_at_discharge(), mc::only_financial()]),
        ("discharged_new_provider", "A former client was discharged last year. Their new therapist asks for the treatment plan; the client wants them to have it.".into(),
            Req::new("US-CA").discharged().to("treating_provider").purpose("treatment").fact("client_agrees"), Category::TreatmentPlan, vec![mc::never_without_written_consent()]),
        ("deceased_family_involved", "A client died last month. Their mother, who cared for them through treatment, asks about the medications they were on.".into(),
            Req::new("US-CA").deceased("2026-02-01").to("family_or_friend").purpose("care_involvement").fact("recipient_involved_in_care"), Category::Medications, vec![mc::family_never()]),
        ("deceased_reporter", "A client died last month. A journalist writing about the death asks for the diagnosis.".into(),
            Req::new("US-CA").deceased("2026-02-01").to("employer").purpose("marketing"), Category::Diagnosis, vec![mc::ends_at_death()]),
        ("deceased_coroner", "A client died last week. The county coroner investigating the cause of death asks for progress notes.".into(),
            Req::new("US-CA").deceased("2026-02-20").to("coroner").purpose("death_investigation"), Category::ProgressNotes, vec![mc::never_without_written_consent()]),
        ("deceased_60_years", "A historian asks about a client of the program who died in 1960.".into(),
            Req::new("US").deceased("1960-05-01").to("researcher").purpose("research").law_only(), Category::Diagnosis, vec![mc::never_without_written_consent()]),
        ("deceased_friend_not_involved", "A client died last month. An old friend who was not involved in their care asks what they were being treated for.".into(),
            Req::new("US-CA").deceased("2026-02-01").to("family_or_friend").purpose("care_involvement"), Category::Diagnosis, vec![mc::ends_at_death(), mc::family_entitled()]),
    ];
    for (name, situation, req, category, misc) in cases {
        let stem = format!("You are a peer support specialist. {situation} What do you do?");
        b.add("after.relationship_ends", &[name], Topic::AfterDischargeOrDeath, stem, req, category, None,
            "Confidentiality does not end at discharge, and continues after death (for 50 years under HIPAA).", misc);
    }
}

fn client_rights(b: &mut Builder) {
    let cases: Vec<(&str, String, Req, Category, Vec<Misconception>)> = vec![
        ("access_progress_notes", "The client asks in writing for a copy of their progress notes.".into(),
            Req::new("US-CA").to("client").purpose("client_request").fact("identity_verified"), Category::ProgressNotes, vec![mc::no_right_to_own_record()]),
        ("access_diagnosis", "The client asks in writing for a copy of their diagnosis.".into(),
            Req::new("US").to("client").purpose("client_request").fact("identity_verified"), Category::Diagnosis, vec![mc::no_right_to_own_record()]),
        ("access_psychotherapy_notes", "The client asks their psychotherapist for the separately kept psychotherapy notes.".into(),
            Req::new("US-CA").role("psychotherapist").to("client").purpose("client_request").fact("identity_verified"), Category::PsychotherapyNotes, vec![mc::no_right_to_own_record()]),
        ("access_endangers", "The client asks for their progress notes; a licensed clinician has found that reading them would likely endanger the client's life.".into(),
            Req::new("US-CA").role("psychotherapist").to("client").purpose("client_request").facts(&["identity_verified", "access_would_endanger"]), Category::ProgressNotes, vec![mc::no_right_to_own_record()]),
        ("personal_representative", "The court-appointed conservator of the client, acting as their personal representative, asks for the treatment plan.".into(),
            Req::new("US").to("personal_representative").purpose("client_request").fact("identity_verified"), Category::TreatmentPlan, vec![mc::never_without_written_consent()]),
        ("self_pay_restriction", "The client paid in full out of pocket for their sessions and asked you not to tell their health plan. The plan asks for the diagnosis for payment.".into(),
            Req::new("US").to("health_plan").purpose("payment").fact("paid_in_full_out_of_pocket").restriction(json!({ "categories": ["diagnosis"], "recipient_kinds": ["health_plan"], "purposes": ["payment"], "agreed": false })), Category::Diagnosis, vec![mc::restriction_ignorable()]),
        ("agreed_restriction", "The program agreed to the client's request not to share anything with their health plan. The plan asks for the medications for payment.".into(),
            Req::new("US").to("health_plan").purpose("payment").restriction(json!({ "categories": [], "recipient_kinds": ["health_plan"], "purposes": [], "agreed": true })), Category::Medications, vec![mc::restriction_ignorable()]),
        ("restriction_emergency", "The program agreed not to share the medications with other providers; now the client is in the emergency room and the doctor asks for them.".into(),
            Req::new("US").to("emergency_provider").purpose("emergency").facts(&["medical_emergency"]).restriction(json!({ "categories": ["medications"], "recipient_kinds": [], "purposes": [], "agreed": true })), Category::Medications, vec![mc::never_without_written_consent()]),
    ];
    for (name, situation, req, category, misc) in cases {
        let stem = format!("{situation} What do you do?");
        b.add("client_rights.request", &[name], Topic::ClientRights, stem, req, category, None,
            "Clients have a right to their records (with narrow exceptions) and to ask for restrictions; some restrictions bind.", misc);
    }
}

fn accounting(b: &mut Builder) {
    let cases: Vec<(&str, String, Req, Category)> = vec![
        ("court_order", "A judge orders the program to produce the client's progress notes.".into(),
            Req::new("US").to("court").purpose("judicial_proceeding").fact("court_order"), Category::ProgressNotes),
        ("public_health", "The county health department asks for test results for required disease reporting.".into(),
            Req::new("US").to("public_health_authority").purpose("public_health"), Category::TestResults),
        ("treatment", "The client's primary-care doctor asks for the medication list for treatment; the client agrees.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees"), Category::Medications),
        ("authorization", "The client's employer asks for the diagnosis; a valid authorization naming the employer is on file.".into(),
            Req::new("US").to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::Diagnosis], "employer", None, &["employment"])), Category::Diagnosis),
        ("payment", "The client's health plan asks for billing information to pay a claim.".into(),
            Req::new("US").to("health_plan").purpose("payment"), Category::Billing),
        ("research_waiver", "A university researcher asks for diagnoses under an IRB waiver of authorization.".into(),
            Req::new("US").to("researcher").purpose("research").fact("irb_waiver"), Category::Diagnosis),
        ("oversight", "A state licensing auditor asks for progress notes during an inspection.".into(),
            Req::new("US").to("health_oversight_agency").purpose("health_oversight"), Category::ProgressNotes),
        ("police_warrant", "A police officer presents a warrant for the client's demographics.".into(),
            Req::new("US").to("law_enforcement").purpose("law_enforcement").fact("warrant"), Category::Demographics),
        ("client_copy", "The client asks in writing for a copy of their progress notes.".into(),
            Req::new("US").to("client").purpose("client_request").fact("identity_verified"), Category::ProgressNotes),
    ];
    for (name, situation, req, category) in cases {
        let stem = format!("You are a case manager {}. {situation} What do you do, and does it go in the client's accounting of disclosures?", place("US"));
        b.add("accounting.disclosure", &[name], Topic::RecordsAndAccounting, stem, req.role("case_manager"), category, Some(ObligationKind::RecordInAccounting),
            "The accounting lists disclosures made without the client's say-so for other than treatment, payment or operations: courts, public health, oversight, research, police, threats.",
            vec![]);
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
