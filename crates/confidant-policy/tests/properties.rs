//! Properties over generated requests: the layer precedence, monotonicity in
//! authorizations, the contract's invariants on every decision, the JSON
//! round trip of the parser, and bad input reported at the corrupted field.
//!
//! Requests are built directly as [`Request`] values (valid by construction)
//! and biased toward recipient/purpose pairs and authorizations that match,
//! so most cases reach a rule other than the default deny.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::sync::LazyLock;

use confidant_policy::authorization::ASCMI_PURPOSES;
use confidant_policy::vocab::{
    AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, Layer, ObligationKind, OrganizationPolicy, Outcome, OverallDecision,
    Purpose, RecipientKind, RemedyKind, Role, Signer,
};
use confidant_policy::{
    Authorization, AuthorizedRecipient, Client, Date, Decision, Discloser, Engine, Facts, Recipient, Request, Restriction, Statements,
    parse_request,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value, json};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new().expect("engine loads"));

fn config() -> ProptestConfig {
    // No regression files: a failure prints the minimized request, which is
    // what goes into a scenario or a unit test.
    ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() }
}

// ── Dates as day numbers (proleptic Gregorian, days since 1970-01-01) ─────────

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn date(day: i64) -> Date {
    let (y, m, d) = civil_from_days(day);
    Date::new(u16::try_from(y).unwrap(), u8::try_from(m).unwrap(), u8::try_from(d).unwrap()).unwrap()
}

fn day_number(d: Date) -> i64 {
    let text = d.to_string();
    let part = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    days_from_civil(part(0..4), part(5..7), part(8..10))
}

#[test]
fn day_numbers_round_trip_through_dates() {
    for day in (days_from_civil(1900, 1, 1)..days_from_civil(2101, 1, 1)).step_by(7) {
        assert_eq!(day_number(date(day)), day);
    }
    assert_eq!(date(days_from_civil(2024, 2, 28) + 1).to_string(), "2024-02-29");
    assert_eq!(date(0).to_string(), "1970-01-01");
}

// ── Strategies ───────────────────────────────────────────────────────────────

/// Recipient/purpose pairs that some rule speaks to, with the facts that
/// make that rule fire and whether the recipient is usually inside the
/// program; uniform pairs and facts mostly meet the default deny.
const TYPICAL: &[(RecipientKind, Purpose, &[Fact], bool)] = &[
    (RecipientKind::TreatingProvider, Purpose::Treatment, &[Fact::ClientAgrees], false),
    (RecipientKind::CareTeamMember, Purpose::Treatment, &[Fact::ClientAgrees], false),
    (RecipientKind::EmergencyProvider, Purpose::Emergency, &[Fact::MedicalEmergency], false),
    (RecipientKind::Client, Purpose::ClientRequest, &[Fact::IdentityVerified], false),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[], false),
    (RecipientKind::PersonalRepresentative, Purpose::CareInvolvement, &[Fact::ClientPresent, Fact::ClientAgrees], false),
    (
        RecipientKind::FamilyOrFriend,
        Purpose::CareInvolvement,
        &[Fact::ClientPresent, Fact::ClientAgrees, Fact::RecipientInvolvedInCare],
        false,
    ),
    (RecipientKind::PotentialVictim, Purpose::PreventSeriousThreat, &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim], false),
    (
        RecipientKind::LawEnforcement,
        Purpose::PreventSeriousThreat,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim, Fact::RecipientCanPreventOrLessen],
        false,
    ),
    (RecipientKind::ChildWelfareAgency, Purpose::ReportChildAbuse, &[Fact::SuspectedChildAbuse], false),
    (RecipientKind::LawEnforcement, Purpose::ReportChildAbuse, &[Fact::SuspectedChildAbuse], false),
    (RecipientKind::AdultProtectiveServices, Purpose::ReportElderAbuse, &[Fact::SuspectedElderAbuse], false),
    (RecipientKind::Court, Purpose::JudicialProceeding, &[Fact::CourtOrder], false),
    (RecipientKind::Attorney, Purpose::JudicialProceeding, &[Fact::Subpoena, Fact::SatisfactoryAssurance], false),
    (RecipientKind::Attorney, Purpose::LegalDefense, &[], false),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::Warrant], false),
    (RecipientKind::PublicHealthAuthority, Purpose::PublicHealth, &[Fact::RequiredByLaw], false),
    (RecipientKind::HealthPlan, Purpose::Payment, &[Fact::PaidInFullOutOfPocket], false),
    (RecipientKind::HealthPlan, Purpose::HealthCareOperations, &[], false),
    (RecipientKind::BusinessAssociate, Purpose::HealthCareOperations, &[], false),
    (RecipientKind::WorkforceMember, Purpose::Treatment, &[], true),
    (RecipientKind::Supervisor, Purpose::Training, &[], true),
    (RecipientKind::Supervisor, Purpose::HealthCareOperations, &[], true),
    (RecipientKind::Researcher, Purpose::Research, &[Fact::IrbWaiver], false),
    (RecipientKind::Employer, Purpose::Employment, &[], false),
    (RecipientKind::School, Purpose::Marketing, &[], false),
    (RecipientKind::Coroner, Purpose::DeathInvestigation, &[], false),
    (RecipientKind::HealthOversightAgency, Purpose::HealthOversight, &[], false),
    // Contract v2.
    (RecipientKind::FamilyOrFriend, Purpose::Notification, &[Fact::ClientIncapacitated], false),
    (RecipientKind::FamilyOrFriend, Purpose::CareInvolvement, &[Fact::RecipientInvolvedInCare], false),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[Fact::MinorConsentedToOwnCare], false),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[Fact::RepresentativeMayEndanger], false),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::LocatingSuspectOrMissingPerson], false),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::CrimeOnPremises], false),
    (RecipientKind::CorrectionalInstitution, Purpose::Treatment, &[Fact::ClientInCustody], false),
    (RecipientKind::SocialServicesAgency, Purpose::Treatment, &[], false),
    (RecipientKind::HealthPlan, Purpose::Payment, &[Fact::Cmia56104Request], false),
    (RecipientKind::Court, Purpose::JudicialProceeding, &[Fact::Part2CourtOrder, Fact::CourtOrder], false),
    (RecipientKind::Employer, Purpose::PreventSeriousThreat, &[Fact::SeriousImminentThreat, Fact::RecipientCanPreventOrLessen], false),
];

const NAMES: &[&str] = &["Dr. Rivera", "dr.  RIVERA", "Acme", "R", ""];

/// 1990-01-01 ..= 2080-12-31.
fn as_of_days() -> impl Strategy<Value = i64> {
    days_from_civil(1990, 1, 1)..=days_from_civil(2080, 12, 31)
}

fn name() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(0.7, select(NAMES).prop_map(String::from))
}

fn categories() -> impl Strategy<Value = Vec<Category>> {
    prop_oneof![
        3 => subsequence(Category::ALL.to_vec(), 1..=4),
        1 => subsequence(Category::ALL.to_vec(), 1..=Category::ALL.len()),
    ]
    .prop_shuffle()
}

fn facts() -> impl Strategy<Value = Facts> {
    vec(proptest::bool::weighted(0.15), Fact::ALL.len()).prop_map(|bits| {
        let mut facts = Facts::default();
        for (fact, on) in Fact::ALL.iter().zip(bits) {
            facts.set(*fact, on);
        }
        facts
    })
}

/// Recipient kind, purpose, same_organization and the facts: usually a
/// typical pair with the facts that make its rule fire, over random facts.
fn situation() -> impl Strategy<Value = (RecipientKind, Purpose, bool, Facts)> {
    let typical = (select(TYPICAL), proptest::bool::weighted(0.75), proptest::bool::weighted(0.8), facts()).prop_map(
        |((kind, purpose, key_facts, inside), with_key_facts, keep_inside, mut facts)| {
            if with_key_facts {
                for fact in key_facts {
                    facts.set(*fact, true);
                }
            }
            (kind, purpose, inside && keep_inside, facts)
        },
    );
    let random = (select(RecipientKind::ALL), select(Purpose::ALL), proptest::bool::weighted(0.3), facts());
    prop_oneof![3 => typical, 2 => random]
}

fn client(as_of: i64) -> impl Strategy<Value = Client> {
    // Some deaths more than fifty years back (18 262 days), around the boundary too.
    let died_ago = prop_oneof![3 => 0i64..=3_650, 1 => 18_200i64..=18_300, 1 => 18_300i64..=22_000];
    (0u8..=130, select(ClientStatus::ALL), died_ago, proptest::bool::weighted(0.3), proptest::bool::weighted(0.3)).prop_map(
        move |(age, status, ago, part2_program, lps_program)| Client {
            age,
            status,
            died_on: (status == ClientStatus::Deceased).then(|| date(as_of - ago)),
            part2_program,
            lps_program,
        },
    )
}

/// A request without authorizations or restrictions.
fn base() -> impl Strategy<Value = Request> {
    as_of_days().prop_flat_map(|as_of| {
        let law = (select(Jurisdiction::ALL), select(OrganizationPolicy::ALL));
        let discloser = (select(Role::ALL), proptest::option::weighted(0.3, any::<bool>()))
            .prop_map(|(role, mandated_reporter)| Discloser { role, mandated_reporter });
        (law, discloser, client(as_of), situation(), name(), categories()).prop_map(
            move |((jurisdiction, organization_policy), discloser, client, (kind, purpose, same_organization, facts), name, categories)| {
                Request {
                    as_of: date(as_of),
                    jurisdiction,
                    organization_policy,
                    discloser,
                    client,
                    recipient: Recipient { kind, name, same_organization },
                    purpose,
                    categories,
                    facts,
                    authorizations: Vec::new(),
                    restrictions: Vec::new(),
                }
            },
        )
    })
}

/// Situations in which the law requires a disclosure (hipaa.access, ca.access,
/// ca.duty_to_protect, ca.child_abuse_mandate, ca.elder_abuse_mandate, and
/// from contract v2 what Cal. Civ. Code 56.10(b) compels: a court order (b)(1),
/// an agency's adjudication (b)(2) or investigative subpoena (b)(4), a search
/// warrant (b)(6), a coroner's investigation (b)(8), another law (b)(9)), with
/// the categories they require.
const REQUIRING: &[(RecipientKind, Purpose, &[Fact], &[Category])] = &[
    (RecipientKind::Client, Purpose::ClientRequest, &[], &[Category::Diagnosis, Category::ProgressNotes]),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[], &[Category::Medications]),
    (
        RecipientKind::PotentialVictim,
        Purpose::PreventSeriousThreat,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim],
        &[Category::Demographics, Category::ProgressNotes],
    ),
    (
        RecipientKind::LawEnforcement,
        Purpose::PreventSeriousThreat,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim],
        &[Category::Diagnosis],
    ),
    (
        RecipientKind::ChildWelfareAgency,
        Purpose::ReportChildAbuse,
        &[Fact::SuspectedChildAbuse],
        &[Category::Demographics, Category::PeerSupportNotes],
    ),
    (RecipientKind::LawEnforcement, Purpose::ReportChildAbuse, &[Fact::SuspectedChildAbuse], &[Category::ProgressNotes]),
    (
        RecipientKind::AdultProtectiveServices,
        Purpose::ReportElderAbuse,
        &[Fact::SuspectedElderAbuse],
        &[Category::Demographics, Category::PeerSupportNotes],
    ),
    (RecipientKind::LawEnforcement, Purpose::ReportElderAbuse, &[Fact::SuspectedElderAbuse], &[Category::ProgressNotes]),
    (RecipientKind::Court, Purpose::JudicialProceeding, &[Fact::CourtOrder], &[Category::Diagnosis, Category::ProgressNotes]),
    (RecipientKind::HealthOversightAgency, Purpose::JudicialProceeding, &[Fact::Subpoena], &[Category::Diagnosis]),
    (RecipientKind::HealthOversightAgency, Purpose::HealthOversight, &[Fact::Subpoena], &[Category::ProgressNotes]),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::Warrant], &[Category::Demographics, Category::TreatmentPlan]),
    // A coroner's request is about a deceased client (requiring_base sees to it).
    (RecipientKind::Coroner, Purpose::DeathInvestigation, &[], &[Category::Diagnosis, Category::Medications]),
    (RecipientKind::PublicHealthAuthority, Purpose::PublicHealth, &[Fact::RequiredByLaw], &[Category::Demographics]),
];

/// A request steered toward a legal requirement: a requiring situation, in
/// California, by a clinician (a mandated reporter and psychotherapist where
/// it matters), an elder client, asking for a required category among others.
/// Everything else (Part 2, organization layer, facts, restrictions) stays random.
fn requiring_base() -> impl Strategy<Value = Request> {
    let clinician = select(&[Role::Psychotherapist, Role::Psychiatrist, Role::Nurse, Role::CaseManager][..]);
    (base(), select(REQUIRING), clinician, proptest::bool::weighted(0.85), 65u8..=100, any::<Index>()).prop_map(
        |(mut r, (kind, purpose, key_facts, required), role, california, age, which)| {
            r.recipient.kind = kind;
            r.recipient.same_organization = false;
            r.purpose = purpose;
            for fact in key_facts {
                r.facts.set(*fact, true);
            }
            r.facts.set(Fact::AccessWouldEndanger, false);
            if california {
                r.jurisdiction = Jurisdiction::UsCa;
            }
            r.discloser.role = role;
            r.client.age = age;
            if kind == RecipientKind::Coroner && r.client.status != ClientStatus::Deceased {
                r.client.status = ClientStatus::Deceased;
                r.client.died_on = Some(date(day_number(r.as_of) - 30));
            }
            let category = *which.get(required);
            if !r.categories.contains(&category) {
                let at = which.index(r.categories.len() + 1);
                r.categories.insert(at, category);
            }
            r
        },
    )
}

/// An authorization with random fields, usually matching the request's
/// recipient, purpose and categories so that it can count.
fn authorization(base: &Request) -> impl Strategy<Value = Authorization> + use<> {
    let as_of = day_number(base.as_of);
    let (kind, rname, purpose) = (base.recipient.kind, base.recipient.name.clone(), base.purpose);
    let requested = base.categories.clone();
    let n = requested.len();
    let categories = prop_oneof![
        4 => subsequence(requested, 0..=n),
        1 => subsequence(Category::ALL.to_vec(), 0..=3),
    ];
    let random_recipient = (select(RecipientKind::ALL), name()).prop_map(|(kind, name)| AuthorizedRecipient { kind, name });
    let recipients = prop_oneof![
        3 => Just(vec![AuthorizedRecipient { kind, name: rname }]),
        1 => Just(vec![AuthorizedRecipient { kind, name: None }]),
        1 => vec(random_recipient, 0..=2),
    ];
    let purposes = prop_oneof![4 => Just(vec![purpose]), 1 => subsequence(Purpose::ALL.to_vec(), 0..=3)];
    let signed = (
        select(AuthorizationKind::ALL),
        prop_oneof![8 => select(Signer::ALL).prop_map(Some), 1 => Just(None)],
        prop_oneof![8 => (-3_000i64..=0).prop_map(Some), 1 => (1i64..=400).prop_map(Some), 1 => Just(None)],
    );
    let lifetime = (
        prop_oneof![8 => (0i64..=3_000).prop_map(Some), 2 => (-400i64..0).prop_map(Some), 1 => Just(None)],
        proptest::option::weighted(0.15, Just("end of treatment".to_string())),
        prop_oneof![7 => Just(None), 3 => (-400i64..=400).prop_map(Some)],
    );
    let statements = (proptest::bool::weighted(0.9), proptest::bool::weighted(0.9), proptest::bool::weighted(0.9))
        .prop_map(|(right_to_revoke, no_conditioning, redisclosure)| Statements { right_to_revoke, no_conditioning, redisclosure });
    (categories, recipients, purposes, signed, lifetime, statements).prop_map(
        move |(categories, recipients, purposes, (kind, signed_by, signed), (expires, expiry_event, revoked), statements)| Authorization {
            id: String::new(),
            kind,
            signed_by,
            signed_on: signed.map(|d| date(as_of + d)),
            categories,
            recipients,
            purposes,
            expires_on: expires.map(|d| date(as_of + d)),
            expiry_event,
            revoked_on: revoked.map(|d| date(as_of + d)),
            statements,
        },
    )
}

/// A client's restriction, usually reaching the request.
fn restriction(base: &Request) -> impl Strategy<Value = Restriction> + use<> {
    let requested = base.categories.clone();
    let n = requested.len();
    let categories = prop_oneof![
        1 => Just(Vec::new()),
        2 => subsequence(requested, 1..=n),
        1 => subsequence(Category::ALL.to_vec(), 1..=3),
    ];
    let kinds = prop_oneof![
        1 => Just(Vec::new()),
        2 => Just(vec![base.recipient.kind]),
        1 => subsequence(RecipientKind::ALL.to_vec(), 1..=2),
    ];
    let purposes = prop_oneof![
        1 => Just(Vec::new()),
        2 => Just(vec![base.purpose]),
        1 => subsequence(Purpose::ALL.to_vec(), 1..=2),
    ];
    (categories, kinds, purposes, proptest::bool::weighted(0.6)).prop_map(|(categories, recipient_kinds, purposes, agreed)| Restriction {
        categories,
        recipient_kinds,
        purposes,
        agreed,
    })
}

/// A valid request: 0–3 authorizations, 0–2 restrictions.
fn request() -> impl Strategy<Value = Request> {
    with_papers(base())
}

/// Half ordinary requests, half steered toward a legal requirement.
fn request_often_requiring() -> impl Strategy<Value = Request> {
    with_papers(prop_oneof![base(), requiring_base()])
}

/// Adds authorizations and restrictions drawn against the request.
fn with_papers(base: impl Strategy<Value = Request>) -> impl Strategy<Value = Request> {
    base.prop_flat_map(|base| {
        let auths = vec(authorization(&base), 0..=3);
        let restrictions = prop_oneof![3 => Just(Vec::new()), 2 => vec(restriction(&base), 1..=2)];
        (Just(base), auths, restrictions)
    })
    .prop_map(|(mut request, mut auths, restrictions)| {
        for (i, auth) in auths.iter_mut().enumerate() {
            auth.id = format!("auth-{i}");
        }
        request.authorizations = auths;
        request.restrictions = restrictions;
        request
    })
}

// ── Helpers ──────────────────────────────────────────────────────────────────

fn decide(request: &Request) -> Result<Decision, TestCaseError> {
    ENGINE.decide(request).map_err(|e| TestCaseError::fail(format!("decide failed: {e}")))
}

fn released(d: &Decision) -> BTreeSet<Category> {
    d.release.iter().copied().collect()
}

fn outcome(d: &Decision, category: Category) -> Option<Outcome> {
    d.categories.iter().find(|c| c.category == category).map(|c| c.outcome)
}

fn with_policy(request: &Request, policy: OrganizationPolicy) -> Request {
    Request { organization_policy: policy, ..request.clone() }
}

/// A valid authorization that matches the request, built from it: signed by
/// the client (or, for a child who cannot sign, the parent) before `as_of`, expiring after it, every statement present,
/// naming the request's recipient and purpose, and covering `categories`.
fn matching_authorization(
    request: &Request,
    kind: AuthorizationKind,
    categories: Vec<Category>,
    signed_ago: i64,
    expires_in: i64,
) -> Authorization {
    let as_of = day_number(request.as_of);
    Authorization {
        id: "added".to_string(),
        kind,
        // A child the parent signs for (Cal. Civ. Code 56.11(c)(2)) cannot sign.
        signed_by: Some(if confidant_policy::authorization::client_may_sign(request) {
            Signer::Client
        } else {
            Signer::PersonalRepresentative
        }),
        signed_on: Some(date(as_of - signed_ago)),
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
fn covered_subset(requested: &[Category], mask: u16) -> Vec<Category> {
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
fn request_json(r: &Request, sparse: bool) -> Value {
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
fn check_invariants(r: &Request, d: &Decision) -> Result<(), TestCaseError> {
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
            prop_assert!(d.rules.iter().any(|rule| &rule.cite == cite), "cite `{}` of {} is not among rules[]", cite, c.category);
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
    if d.release.is_empty() {
        prop_assert!(!d.obligations.iter().any(|o| o.kind == ObligationKind::RecordInAccounting), "accounting with nothing released");
        prop_assert!(d.obligations.is_empty(), "obligations with nothing released");
    }
    let mut kinds = BTreeSet::new();
    for o in &d.obligations {
        prop_assert!(kinds.insert(o.kind), "obligation {} listed twice", o.kind);
        prop_assert!(o.categories.iter().all(|c| d.release.contains(c)), "obligation {} on a withheld category", o.kind);
    }
    let mut kinds = BTreeSet::new();
    for m in &d.remedies {
        prop_assert!(kinds.insert(m.kind), "remedy {} listed twice", m.kind);
        prop_assert!(m.categories.iter().all(|c| d.withhold.contains(c)), "remedy {} for a released category", m.kind);
    }
    prop_assert!(!d.explanation.trim().is_empty(), "empty explanation");
    Ok(())
}

// ── Properties of the decision ───────────────────────────────────────────────

proptest! {
    #![proptest_config(config())]

    /// rules.md §1.4: an organization forbid blocks only permits, never a
    /// required disclosure.
    #[test]
    fn organization_layer_never_turns_a_required_disclosure_into_a_deny(r in request_often_requiring()) {
        let law = decide(&with_policy(&r, OrganizationPolicy::None))?;
        let org = decide(&with_policy(&r, OrganizationPolicy::Default))?;
        for c in law.categories.iter().filter(|c| c.outcome == Outcome::Required) {
            prop_assert_eq!(outcome(&org, c.category), Some(Outcome::Required), "{} is required by law alone", c.category);
        }
    }

    /// The organization layer narrows the law's permissions; it adds none.
    #[test]
    fn organization_layer_only_narrows_what_the_law_releases(r in request()) {
        let law = decide(&with_policy(&r, OrganizationPolicy::None))?;
        let org = decide(&with_policy(&r, OrganizationPolicy::Default))?;
        let widened: Vec<Category> = released(&org).difference(&released(&law)).copied().collect();
        prop_assert!(widened.is_empty(), "released only with the organization layer: {:?}", widened);
    }

    /// Taking an authorization away (revoking it on `as_of`, or removing it)
    /// never releases more.
    #[test]
    fn revoking_or_removing_an_authorization_never_widens_the_release(
        r in request().prop_filter("an authorization on file", |r| !r.authorizations.is_empty()),
    ) {
        let with = released(&decide(&r)?);
        for i in 0..r.authorizations.len() {
            let mut revoked = r.clone();
            revoked.authorizations[i].revoked_on = Some(r.as_of);
            let after = released(&decide(&revoked)?);
            prop_assert!(after.is_subset(&with), "revoking {} released more: {:?} ⊄ {:?}", &r.authorizations[i].id, after, with);
            let mut removed = r.clone();
            removed.authorizations.remove(i);
            let after = released(&decide(&removed)?);
            prop_assert!(after.is_subset(&with), "removing {} released more: {:?} ⊄ {:?}", &r.authorizations[i].id, after, with);
        }
    }

    /// A valid authorization (HIPAA or Part 2) that matches the request never
    /// withholds something that was released without it.
    #[test]
    fn adding_a_valid_matching_authorization_never_narrows_the_release(
        r in request(),
        kind in select(AuthorizationKind::ALL),
        mask in any::<u16>(),
        signed_ago in 0i64..=3_000,
        expires_in in 1i64..=3_000,
    ) {
        let covered = covered_subset(&r.categories, mask);
        // The ASCMI form names only its four purposes and never opens psychotherapy notes.
        prop_assume!(kind != AuthorizationKind::Ascmi
            || (ASCMI_PURPOSES.contains(&r.purpose) && covered != [Category::PsychotherapyNotes]));
        let before = released(&decide(&r)?);
        let mut more = r.clone();
        more.authorizations.push(matching_authorization(&r, kind, covered, signed_ago, expires_in));
        let d = decide(&more)?;
        let added = d.authorizations.last().unwrap();
        // A Part 2 minor's consent counts only beside the other signer's (42 CFR 2.14(b)(1)).
        let joint = confidant_policy::authorization::joint_consent_required(&r) && kind != AuthorizationKind::Hipaa;
        prop_assert!(added.counts || joint, "the added authorization must count: {:?}", added.reasons);
        let after = released(&d);
        prop_assert!(before.is_subset(&after), "adding a valid authorization withheld {:?}", before.difference(&after).collect::<Vec<_>>());
    }

    /// Every decision satisfies the contract's invariants.
    #[test]
    fn decisions_satisfy_the_contract_invariants(r in request_often_requiring()) {
        let d = decide(&r)?;
        check_invariants(&r, &d)?;
    }

    /// Deciding a valid request never fails, and the decision serializes to
    /// the contract's JSON, which survives a text round trip unchanged.
    #[test]
    fn deciding_never_fails_and_the_decision_serializes(r in request()) {
        let d = ENGINE.decide(&r);
        prop_assert!(d.is_ok(), "decide failed: {:?}", d.err());
        let d = d.unwrap();
        let value = serde_json::to_value(&d);
        prop_assert!(value.is_ok(), "serialize failed: {:?}", value.err());
        let value = value.unwrap();
        let keys: BTreeSet<&str> = value.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
        let expected: BTreeSet<&str> = ["decision", "categories", "release", "withhold", "rules", "authorizations", "obligations", "remedies", "explanation", "rules_version"].into_iter().collect();
        prop_assert_eq!(keys, expected);
        prop_assert_eq!(&value["decision"], &json!(d.decision.as_str()));
        prop_assert_eq!(&value["release"], &json!(d.release.iter().map(|c| c.as_str()).collect::<Vec<_>>()));
        for (i, a) in d.authorizations.iter().enumerate() {
            let reasons: Vec<String> = a.reasons.iter().map(|x| x.code()).collect();
            prop_assert_eq!(&value["authorizations"][i]["reasons"], &json!(reasons));
        }
        let text = serde_json::to_string(&value).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, value);
    }

    /// The decision's hand-written JSON (`Decision::write_json`, what the
    /// server sends) is byte for byte serde's.
    #[test]
    fn a_decision_writes_the_same_json_bytes_as_serde(r in request_often_requiring()) {
        let d = decide(&r)?;
        let mut written = Vec::new();
        d.write_json(&mut written);
        prop_assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&d).unwrap());
    }

    /// The parser gives back the request its contract JSON was written from,
    /// with every optional field written out or left out.
    #[test]
    fn a_request_survives_a_trip_through_the_contract_json(r in request(), sparse in any::<bool>()) {
        let text = request_json(&r, sparse).to_string();
        let parsed = parse_request(&text);
        prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.as_ref().err(), text);
        prop_assert_eq!(parsed.unwrap(), r);
    }
}

// ── Part 2 records and ordinary legal process ────────────────────────────────

/// Recipients with no Part 2 exception of their own for a proceeding or an
/// investigation (not the client or representative, 42 CFR 2.23; not medical
/// personnel in an emergency, 2.51; not a coroner, 2.15(b)).
const PROCESS_RECIPIENTS: &[RecipientKind] = &[
    RecipientKind::Court,
    RecipientKind::Attorney,
    RecipientKind::LawEnforcement,
    RecipientKind::HealthOversightAgency,
    RecipientKind::PublicHealthAuthority,
    RecipientKind::ChildWelfareAgency,
    RecipientKind::AdultProtectiveServices,
    RecipientKind::CorrectionalInstitution,
    RecipientKind::Employer,
    RecipientKind::School,
    RecipientKind::FamilyOrFriend,
    RecipientKind::PotentialVictim,
    RecipientKind::HealthPlan,
    RecipientKind::SocialServicesAgency,
];

/// A Part 2 client's substance use records asked for in a proceeding or by
/// law enforcement on an ordinary court order, subpoena or warrant (never a
/// Part 2 order), any facts, laws and HIPAA authorizations otherwise.
fn part2_ordinary_process() -> impl Strategy<Value = Request> {
    let process = select(&[Fact::CourtOrder, Fact::Subpoena, Fact::Warrant][..]);
    let purpose = select(&[Purpose::JudicialProceeding, Purpose::LawEnforcement][..]);
    (request(), select(PROCESS_RECIPIENTS), purpose, process, any::<Index>()).prop_map(|(mut r, kind, purpose, process, at)| {
        r.client.part2_program = true;
        r.recipient.kind = kind;
        r.purpose = purpose;
        r.facts.set(process, true);
        r.facts.set(Fact::Part2CourtOrder, false);
        // A HIPAA authorization never opens Part 2 records; a Part 2 consent would.
        r.authorizations.retain(|a| a.kind == AuthorizationKind::Hipaa);
        if !r.categories.contains(&Category::SubstanceUse) {
            let i = at.index(r.categories.len() + 1);
            r.categories.insert(i, Category::SubstanceUse);
        }
        r
    })
}

proptest! {
    #![proptest_config(config())]

    /// 42 CFR 2.61, 2.64–2.66: only a Part 2 order (or the client's Part 2
    /// consent) opens a Part 2 client's records for a proceeding or the
    /// police; an ordinary court order, subpoena or warrant never does, under
    /// any other rule of any layer.
    #[test]
    fn ordinary_process_never_opens_part2_substance_use_records(r in part2_ordinary_process()) {
        let d = decide(&r)?;
        prop_assert_eq!(outcome(&d, Category::SubstanceUse), Some(Outcome::Deny), "released: {:?}", d.rules.iter().map(|x| x.id.as_str()).collect::<Vec<_>>());
    }
}

// ── Remedies that work ───────────────────────────────────────────────────────

/// The request as it would be once `remedy` is done for `category`: the
/// authorization or consent signed for exactly that category, recipient and
/// purpose, the order issued, the client asked and agreeing.
fn with_remedy(r: &Request, category: Category, remedy: RemedyKind) -> Request {
    let mut out = r.clone();
    match remedy {
        RemedyKind::ObtainAuthorization => {
            out.authorizations.push(matching_authorization(r, AuthorizationKind::Hipaa, vec![category], 1, 365))
        }
        RemedyKind::ObtainPart2Consent => {
            out.authorizations.push(matching_authorization(r, AuthorizationKind::Part2, vec![category], 1, 365));
            // Where the parent's consent to treatment was required, the
            // consent is the minor's and the parent's together (42 CFR 2.14(b)(1)).
            if confidant_policy::authorization::joint_consent_required(r) {
                let mut parents = matching_authorization(r, AuthorizationKind::Part2, vec![category], 1, 365);
                parents.signed_by = Some(Signer::PersonalRepresentative);
                out.authorizations.push(parents);
            }
        }
        RemedyKind::ObtainCourtOrder => out.facts.set(Fact::CourtOrder, true),
        RemedyKind::ObtainPart2CourtOrder => {
            out.facts.set(Fact::CourtOrder, true);
            out.facts.set(Fact::Part2CourtOrder, true);
        }
        RemedyKind::AskClient => {
            out.facts.set(Fact::ClientAgrees, true);
            out.facts.set(Fact::ClientObjects, false);
        }
        RemedyKind::ObtainSatisfactoryAssurance => out.facts.set(Fact::SatisfactoryAssurance, true),
        RemedyKind::VerifyIdentity => out.facts.set(Fact::IdentityVerified, true),
        RemedyKind::ObtainWrittenRequest => out.facts.set(Fact::Cmia56104Request, true),
        RemedyKind::OfferProfessionalReview => {}
    }
    for (i, auth) in out.authorizations.iter_mut().enumerate() {
        auth.id = format!("auth-{i}");
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// A remedy is offered only if doing it releases the category it is
    /// offered for (issue: "a remedy must be something that, done, makes the
    /// disclosure lawful"). A professional review reviews the denial instead;
    /// a Part 2 client's psychotherapy notes need the notes' own authorization
    /// and the Part 2 consent together.
    #[test]
    fn every_offered_remedy_releases_what_it_is_offered_for(r in request_often_requiring()) {
        let d = decide(&r)?;
        for remedy in d.remedies.iter().filter(|m| m.kind != RemedyKind::OfferProfessionalReview) {
            for &category in &remedy.categories {
                let pair = r.client.part2_program && category == Category::PsychotherapyNotes
                    && matches!(remedy.kind, RemedyKind::ObtainAuthorization | RemedyKind::ObtainPart2Consent)
                    && d.remedies.iter().any(|m| m.kind == RemedyKind::ObtainAuthorization && m.categories.contains(&category))
                    && d.remedies.iter().any(|m| m.kind == RemedyKind::ObtainPart2Consent && m.categories.contains(&category));
                let done = if pair {
                    with_remedy(&with_remedy(&r, category, RemedyKind::ObtainAuthorization), category, RemedyKind::ObtainPart2Consent)
                } else {
                    with_remedy(&r, category, remedy.kind)
                };
                let after = decide(&done)?;
                prop_assert!(
                    after.release.contains(&category),
                    "{} offered for {} but doing it still withholds it: {}",
                    remedy.kind, category, after.explanation
                );
            }
        }
    }
}

// ── Bad input: one corruption, reported at its field ─────────────────────────

#[derive(Clone, Debug)]
enum Edit {
    Set(String, Value),
    Remove(String),
    Push(String, Value),
}

#[derive(Clone, Debug)]
struct Corruption {
    what: &'static str,
    edit: Edit,
    /// The pointer the error must name.
    pointer: String,
}

fn set(what: &'static str, pointer: String, value: Value) -> Corruption {
    Corruption { what, edit: Edit::Set(pointer.clone(), value), pointer }
}

const BAD_DATES: &[&str] = &["2026-13-45", "2025-02-29", "2026-3-2", "2026-03-02T00:00", "yesterday", "20260302", ""];

/// Every single corruption of the (fully written) JSON of `r`; `pick` chooses
/// among variants (which bad date, which bad age).
fn corruptions(r: &Request, v: &Value, pick: &Index) -> Vec<Corruption> {
    let mut out = Vec::new();
    let bogus = || json!("no_such_value");
    let bad_date = || json!(pick.get(BAD_DATES));
    let bad_age = || pick.get(&[json!(131), json!(-1), json!(34.5), json!(1000)]).clone();

    // Unknown enum values.
    let mut enums: Vec<String> =
        ["/jurisdiction", "/organization_policy", "/discloser/role", "/client/status", "/recipient/kind", "/purpose"]
            .iter()
            .map(|p| (*p).to_string())
            .collect();
    enums.extend((0..r.categories.len()).map(|i| format!("/categories/{i}")));
    for (i, a) in r.authorizations.iter().enumerate() {
        let at = format!("/authorizations/{i}");
        enums.push(format!("{at}/kind"));
        enums.push(format!("{at}/signed_by"));
        enums.extend((0..a.categories.len()).map(|j| format!("{at}/categories/{j}")));
        enums.extend((0..a.recipients.len()).map(|j| format!("{at}/recipients/{j}/kind")));
        enums.extend((0..a.purposes.len()).map(|j| format!("{at}/purposes/{j}")));
    }
    for (i, x) in r.restrictions.iter().enumerate() {
        let at = format!("/restrictions/{i}");
        enums.extend((0..x.categories.len()).map(|j| format!("{at}/categories/{j}")));
        enums.extend((0..x.recipient_kinds.len()).map(|j| format!("{at}/recipient_kinds/{j}")));
        enums.extend((0..x.purposes.len()).map(|j| format!("{at}/purposes/{j}")));
    }
    out.extend(enums.into_iter().map(|p| set("unknown enum value", p, bogus())));

    // Malformed dates, and a death after `as_of`.
    let mut dates = vec!["/as_of".to_string()];
    if r.client.died_on.is_some() {
        dates.push("/client/died_on".into());
        out.push(set("died after as_of", "/client/died_on".into(), json!(date(day_number(r.as_of) + 1).to_string())));
    }
    for i in 0..r.authorizations.len() {
        dates.extend(["signed_on", "expires_on", "revoked_on"].map(|k| format!("/authorizations/{i}/{k}")));
    }
    out.extend(dates.into_iter().map(|p| set("malformed date", p, bad_date())));

    // Required fields removed.
    let mut required: Vec<String> =
        ["/as_of", "/jurisdiction", "/client", "/client/age", "/client/status", "/recipient", "/recipient/kind", "/purpose", "/categories"]
            .iter()
            .map(|p| (*p).to_string())
            .collect();
    if r.client.status == ClientStatus::Deceased {
        required.push("/client/died_on".into());
    }
    for (i, a) in r.authorizations.iter().enumerate() {
        let at = format!("/authorizations/{i}");
        required.push(format!("{at}/id"));
        required.push(format!("{at}/kind"));
        required.extend((0..a.recipients.len()).map(|j| format!("{at}/recipients/{j}/kind")));
    }
    for i in 0..r.restrictions.len() {
        required.extend(["categories", "recipient_kinds", "purposes"].map(|k| format!("/restrictions/{i}/{k}")));
    }
    out.extend(required.into_iter().map(|p| Corruption { what: "required field removed", edit: Edit::Remove(p.clone()), pointer: p }));

    // Duplicates in a list that must hold each value once, and an empty category list.
    let mut lists: Vec<(String, Vec<String>)> = vec![("/categories".into(), r.categories.iter().map(|c| c.to_string()).collect())];
    for (i, a) in r.authorizations.iter().enumerate() {
        lists.push((format!("/authorizations/{i}/categories"), a.categories.iter().map(|c| c.to_string()).collect()));
        lists.push((format!("/authorizations/{i}/purposes"), a.purposes.iter().map(|c| c.to_string()).collect()));
    }
    for (i, x) in r.restrictions.iter().enumerate() {
        lists.push((format!("/restrictions/{i}/categories"), x.categories.iter().map(|c| c.to_string()).collect()));
        lists.push((format!("/restrictions/{i}/recipient_kinds"), x.recipient_kinds.iter().map(|c| c.to_string()).collect()));
        lists.push((format!("/restrictions/{i}/purposes"), x.purposes.iter().map(|c| c.to_string()).collect()));
    }
    for (p, items) in lists.into_iter().filter(|(_, items)| !items.is_empty()) {
        let dup = pick.get(&items).clone();
        out.push(Corruption { what: "duplicate value", edit: Edit::Push(p.clone(), json!(dup)), pointer: format!("{p}/{}", items.len()) });
    }
    out.push(set("empty categories", "/categories".into(), json!([])));
    if r.authorizations.len() >= 2 {
        out.push(set("duplicate authorization id", "/authorizations/1/id".into(), json!(r.authorizations[0].id)));
    }
    for i in 0..r.authorizations.len() {
        out.push(set("empty authorization id", format!("/authorizations/{i}/id"), json!("")));
    }

    // Unknown keys: a fact, and a field in each object.
    out.push(set("unknown fact", "/facts/horoscope".into(), json!(true)));
    let mut objects = vec!["".to_string(), "/discloser".into(), "/client".into(), "/recipient".into()];
    for (i, a) in r.authorizations.iter().enumerate() {
        objects.push(format!("/authorizations/{i}"));
        objects.push(format!("/authorizations/{i}/statements"));
        objects.extend((0..a.recipients.len()).map(|j| format!("/authorizations/{i}/recipients/{j}")));
    }
    objects.extend((0..r.restrictions.len()).map(|i| format!("/restrictions/{i}")));
    out.extend(objects.into_iter().map(|p| set("unknown field", format!("{p}/colour"), json!("blue"))));

    // Ages out of range or not whole.
    out.push(set("bad age", "/client/age".into(), bad_age()));

    // The wrong JSON type anywhere (null is skipped: it means absent).
    let mut nodes = Vec::new();
    collect_nodes(v, "", &mut nodes);
    for (p, node) in nodes {
        let wrong = match node {
            Value::Null => continue,
            Value::Bool(_) => json!("yes"),
            Value::Number(_) => json!("34"),
            Value::String(_) => json!(7),
            Value::Array(_) => json!({}),
            Value::Object(_) => json!([]),
        };
        out.push(set("wrong JSON type", p, wrong));
    }
    out
}

fn collect_nodes<'v>(v: &'v Value, at: &str, out: &mut Vec<(String, &'v Value)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{k}");
                out.push((p.clone(), child));
                collect_nodes(child, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push((p.clone(), child));
                collect_nodes(child, &p, out);
            }
        }
        _ => {}
    }
}

fn split(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap()
}

fn apply(v: &mut Value, edit: &Edit) {
    match edit {
        Edit::Set(p, value) => {
            let (parent, key) = split(p);
            match v.pointer_mut(parent).unwrap() {
                Value::Object(m) => {
                    m.insert(key.to_string(), value.clone());
                }
                Value::Array(items) => items[key.parse::<usize>().unwrap()] = value.clone(),
                other => panic!("cannot set {p} in {other}"),
            }
        }
        Edit::Remove(p) => {
            let (parent, key) = split(p);
            v.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key).unwrap();
        }
        Edit::Push(p, value) => v.pointer_mut(p).unwrap().as_array_mut().unwrap().push(value.clone()),
    }
}

proptest! {
    #![proptest_config(config())]

    /// One corruption of a valid request (unknown enum value, malformed date,
    /// missing required field, duplicate, unknown fact or field, wrong JSON
    /// type, age out of range) is bad input naming exactly that field.
    #[test]
    fn one_corruption_is_reported_at_the_corrupted_field(
        r in request(),
        class in any::<Index>(),
        which in any::<Index>(),
        pick in any::<Index>(),
    ) {
        let valid = request_json(&r, false);
        let all = corruptions(&r, &valid, &pick);
        // Each kind of corruption equally often, then one field of that kind.
        let classes: Vec<&str> = all.iter().map(|c| c.what).collect::<BTreeSet<_>>().into_iter().collect();
        let what = *class.get(&classes);
        let of_class: Vec<&Corruption> = all.iter().filter(|c| c.what == what).collect();
        let corruption = *which.get(&of_class);
        let mut bad = valid.clone();
        apply(&mut bad, &corruption.edit);
        let text = bad.to_string();
        match parse_request(&text) {
            Ok(_) => prop_assert!(false, "{} at {} was accepted:\n{}", corruption.what, &corruption.pointer, text),
            Err(e) => prop_assert_eq!(&e.pointer, &corruption.pointer, "{}: error `{}`\n{}", corruption.what, e, text),
        }
    }
}
