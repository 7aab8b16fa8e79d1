//! When an authorization or Part 2 consent counts (45 CFR 164.508(b)–(c),
//! 42 CFR 2.31): the checklist of `spec/rules.md` §7, reported per
//! authorization with every failing reason, and the per-category coverage the
//! rules read.

use std::fmt;

use crate::date::Date;
use crate::request::{Authorization, Request};
use crate::vocab::{AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, Purpose, RecipientKind, Signer};

/// Why an authorization does not count for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `missing_element:<name>`: a core element of the form is absent, or
    /// its signer cannot sign for the client on this request.
    MissingElement(Element),
    /// `missing_statement:<name>`: a statement the form must carry is absent.
    MissingStatement(Statement),
    /// `compound_psychotherapy_notes`: psychotherapy notes are covered
    /// together with other categories, so the form counts for nothing
    /// (164.508(b)(3)(ii)).
    CompoundPsychotherapyNotes,
    /// `not_yet_signed`: signed after the day of the disclosure.
    NotYetSigned,
    /// `expired`: its expiration date is before the day of the disclosure
    /// and it names no expiry event.
    Expired,
    /// `revoked`: revoked on or before the day of the disclosure.
    Revoked,
    /// `recipient_mismatch`: no recipient entry matches the request's
    /// recipient kind and name.
    RecipientMismatch,
    /// `purpose_mismatch`: the request's purpose is not among its purposes
    /// (for an ASCMI, not among the four the form can name; for a Part 2
    /// consent, not a proceeding it names together with other purposes,
    /// 42 CFR 2.31(d)).
    PurposeMismatch,
    /// `category_not_covered`: recipient and purpose match, but it covers
    /// none of the requested categories.
    CategoryNotCovered,
}

/// A core element of an authorization (164.508(c)(1), 2.31(a)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Element {
    /// What information may be disclosed: at least one category.
    Description,
    /// Who may receive it: at least one recipient entry.
    Recipient,
    /// Why it may be disclosed: at least one purpose.
    Purpose,
    /// An expiration date or an expiry event.
    Expiration,
    /// The signature of the client or of a personal representative who may
    /// sign for them.
    Signature,
    /// The day it was signed.
    Date,
}

/// A required statement (164.508(c)(2), 2.31(a)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Statement {
    /// The client may revoke it in writing (164.508(c)(2)(i)).
    RightToRevoke,
    /// Treatment, payment, enrollment or eligibility is not conditioned on
    /// signing (164.508(c)(2)(ii)).
    NoConditioning,
    /// The information may be redisclosed by the recipient and no longer
    /// protected (164.508(c)(2)(iii)).
    Redisclosure,
}

impl Element {
    /// The contract's spelling, as in `missing_element:<name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Element::Description => "description",
            Element::Recipient => "recipient",
            Element::Purpose => "purpose",
            Element::Expiration => "expiration",
            Element::Signature => "signature",
            Element::Date => "date",
        }
    }

    /// What the element is, for a person filling in the form.
    pub fn describe(self) -> &'static str {
        match self {
            Element::Description => "a description of the information to be disclosed",
            Element::Recipient => "who may receive the information",
            Element::Purpose => "the purpose of the disclosure",
            Element::Expiration => "an expiration date or event",
            Element::Signature => "the signature of the client or personal representative",
            Element::Date => "the date it was signed",
        }
    }
}

impl Statement {
    /// The contract's spelling, as in `missing_statement:<name>` and the
    /// authorization's `statements` object.
    pub fn as_str(self) -> &'static str {
        match self {
            Statement::RightToRevoke => "right_to_revoke",
            Statement::NoConditioning => "no_conditioning",
            Statement::Redisclosure => "redisclosure",
        }
    }

    /// What the statement says, for a person filling in the form.
    pub fn describe(self) -> &'static str {
        match self {
            Statement::RightToRevoke => "the client's right to revoke it in writing",
            Statement::NoConditioning => "that treatment, payment or eligibility is not conditioned on signing",
            Statement::Redisclosure => "that the recipient may redisclose the information",
        }
    }
}

impl Reason {
    /// The contract's spelling, e.g. `missing_element:signature`.
    pub fn code(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::MissingElement(e) => write!(f, "missing_element:{}", e.as_str()),
            Reason::MissingStatement(s) => write!(f, "missing_statement:{}", s.as_str()),
            Reason::CompoundPsychotherapyNotes => f.write_str("compound_psychotherapy_notes"),
            Reason::NotYetSigned => f.write_str("not_yet_signed"),
            Reason::Expired => f.write_str("expired"),
            Reason::Revoked => f.write_str("revoked"),
            Reason::RecipientMismatch => f.write_str("recipient_mismatch"),
            Reason::PurposeMismatch => f.write_str("purpose_mismatch"),
            Reason::CategoryNotCovered => f.write_str("category_not_covered"),
        }
    }
}

impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The defects of an authorization as a document, whatever it is used for:
/// missing elements and statements, and the compound psychotherapy-notes bar.
/// This is the checklist a form shows while the authorization is written,
/// judged under the rules in force today (after the 2024 Part 2 rule's
/// compliance date).
pub fn form_defects(auth: &Authorization) -> Vec<Reason> {
    form_defects_on(auth, PART2_2024_COMPLIANCE)
}

/// The 2024 Part 2 rule's compliance date: from this day a Part 2 consent
/// carries the same statements as a HIPAA authorization (42 CFR 2.31(a), as
/// amended, 89 FR 12472).
pub const PART2_2024_COMPLIANCE: Date = Date::from_ymd_const(2026, 2, 16);

/// The purposes the ASCMI form can name (DHCS; contract v2).
pub const ASCMI_PURPOSES: [Purpose; 4] = [Purpose::Treatment, Purpose::Payment, Purpose::HealthCareOperations, Purpose::CareInvolvement];

/// The purposes that use or disclose records in a civil, criminal,
/// administrative or legislative investigation or proceeding: a court case
/// (`judicial_proceeding`), a criminal investigation (`law_enforcement`) and
/// the program's defense of a case (`legal_defense`). 42 CFR 2.31(d) (2024):
/// a Part 2 consent for these cannot be combined with a consent for any other
/// purpose. A health oversight agency's audit is not among them: 2.53 governs
/// it without consent.
pub const PROCEEDING_PURPOSES: [Purpose; 3] = [Purpose::JudicialProceeding, Purpose::LawEnforcement, Purpose::LegalDefense];

/// Whether a Part 2 consent names a proceeding or investigation together with
/// any other purpose (42 CFR 2.31(d), 2024). Position: such a consent does not
/// count for the proceeding (reported as `purpose_mismatch`, the purpose the
/// form may not lawfully name, as for an ASCMI purpose the form cannot name);
/// it still counts for its other purposes, which the rule does not touch. A
/// consent naming only proceedings (a court case and the investigation
/// leading to it) is not combined.
pub fn combines_proceeding_with_other_purposes(auth: &Authorization) -> bool {
    auth.kind == AuthorizationKind::Part2
        && auth.purposes.iter().any(|p| PROCEEDING_PURPOSES.contains(p))
        && auth.purposes.iter().any(|p| !PROCEEDING_PURPOSES.contains(p))
}

/// An expiry "event" that is no end at all: "none", "never", "no expiration".
fn says_never_expires(event: &str) -> bool {
    let words: String = event.trim().trim_end_matches('.').to_lowercase();
    matches!(
        words.as_str(),
        "none"
            | "never"
            | "never expires"
            | "no expiration"
            | "no expiration date"
            | "does not expire"
            | "n/a"
            | "until revoked"
            | "indefinite"
            | "indefinitely"
    )
}

/// Whether a form may say it never expires. HIPAA allows "none" only for
/// research (45 CFR 164.508(c)(1)(v)); a Part 2 consent only when it is for
/// treatment, payment or health care operations (42 CFR 2.31(a)(7), 2024).
/// Anywhere else the form lacks an expiration.
fn may_never_expire(auth: &Authorization) -> bool {
    let all = |allowed: &[Purpose]| !auth.purposes.is_empty() && auth.purposes.iter().all(|p| allowed.contains(p));
    match auth.kind {
        AuthorizationKind::Hipaa => all(&[Purpose::Research]),
        AuthorizationKind::Part2 | AuthorizationKind::Ascmi => all(&[Purpose::Treatment, Purpose::Payment, Purpose::HealthCareOperations]),
    }
}

/// [`form_defects`] as the rules stood on `as_of`.
pub fn form_defects_on(auth: &Authorization, as_of: Date) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let mut missing = |present: bool, element: Element| {
        if !present {
            reasons.push(Reason::MissingElement(element));
        }
    };
    missing(!auth.categories.is_empty(), Element::Description);
    missing(!auth.recipients.is_empty(), Element::Recipient);
    missing(!auth.purposes.is_empty(), Element::Purpose);
    // "None" is an expiration only where the law lets a form say so.
    let never = auth.expires_on.is_none() && auth.expiry_event.as_deref().is_some_and(says_never_expires);
    let dated = auth.expires_on.is_some() || auth.expiry_event.is_some();
    missing(dated && (!never || may_never_expire(auth)), Element::Expiration);
    missing(auth.signed_by.is_some(), Element::Signature);
    missing(auth.signed_on.is_some(), Element::Date);
    for statement in required_statements_on(auth.kind, as_of) {
        let present = match statement {
            Statement::RightToRevoke => auth.statements.right_to_revoke,
            Statement::NoConditioning => auth.statements.no_conditioning,
            Statement::Redisclosure => auth.statements.redisclosure,
        };
        if !present {
            reasons.push(Reason::MissingStatement(*statement));
        }
    }
    // Psychotherapy notes (and, for Part 2, SUD counseling notes, 42 CFR
    // 2.31(b)) need a document of their own; an ASCMI is checked like any
    // authorization, so it is compound too if it lists them with others.
    if auth.categories.contains(&Category::PsychotherapyNotes) && auth.categories.len() > 1 {
        reasons.push(Reason::CompoundPsychotherapyNotes);
    }
    reasons
}

/// Statements each kind must carry today.
pub fn required_statements(kind: AuthorizationKind) -> &'static [Statement] {
    required_statements_on(kind, PART2_2024_COMPLIANCE)
}

/// Statements each kind must carry on `as_of`. A Part 2 consent needed only
/// the right to revoke until the 2024 rule's compliance date; from then on it
/// carries HIPAA's statements too (rules.md §7). An ASCMI is built to meet
/// both laws and always carries all three.
pub fn required_statements_on(kind: AuthorizationKind, as_of: Date) -> &'static [Statement] {
    const ALL: &[Statement] = &[Statement::RightToRevoke, Statement::NoConditioning, Statement::Redisclosure];
    match kind {
        AuthorizationKind::Hipaa | AuthorizationKind::Ascmi => ALL,
        AuthorizationKind::Part2 if as_of >= PART2_2024_COMPLIANCE => ALL,
        AuthorizationKind::Part2 => &[Statement::RightToRevoke],
    }
}

/// How one authorization on file stands against one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The authorization's `id` as filed.
    pub id: String,
    /// The law it is written under; decides whether it opens HIPAA, Part 2
    /// or both.
    pub kind: AuthorizationKind,
    /// Whether it is valid on `as_of` and matches this request.
    pub counts: bool,
    /// Every reason it does not count, in checklist order; empty when it
    /// counts.
    pub reasons: Vec<Reason>,
    /// Requested categories it opens when it counts.
    pub covers: Vec<Category>,
    /// Signed by a personal representative rather than the client.
    pub by_representative: bool,
}

/// Checks every authorization on file against the request, in order.
pub fn assess(request: &Request) -> Vec<Standing> {
    let mut standings: Vec<Standing> = request.authorizations.iter().map(|auth| assess_one(auth, request)).collect();
    if joint_consent_required(request) {
        require_joint_consent(&mut standings, request);
    }
    if child_and_parent_sign(request) {
        require_joint_signature(&mut standings, |_| true, false);
    }
    standings
}

/// Whether, under `US-CA`, an authorization for a child under 12 whose
/// parent agreed to keep the care confidential needs both signatures.
/// Position (Cal. Civ. Code 56.11(b)(3)(A)-(B); 45 CFR 164.502(g)(3)(iii)):
/// California lets a minor sign only for care the minor could lawfully have
/// consented to, and its minor-consent laws for mental-health care start at
/// 12 (Fam. Code 6924, Health & Safety Code 124260), so the child's own
/// signature cannot stand alone; the parent's agreement to confidentiality
/// makes the child, not the parent, the one HIPAA lets act for that care,
/// so the parent's cannot stand alone either. Signed by both, the form meets
/// both laws. Part 2 records keep 42 CFR 2.14's own rule.
pub fn child_and_parent_sign(request: &Request) -> bool {
    let facts = request.facts;
    request.jurisdiction == Jurisdiction::UsCa
        && !request.client.part2_program
        && request.client.age < 12
        && request.client.status != ClientStatus::Deceased
        && facts.get(Fact::ParentAgreedToConfidentiality)
        && !facts.get(Fact::MinorConsentedToOwnCare)
        && !facts.get(Fact::RepresentativeMayEndanger)
}

/// Whether a form must be signed by the client and the personal
/// representative together for this request (42 CFR 2.14(b)(1) for a Part 2
/// consent; `child_and_parent_sign` for any form).
pub fn joint_signature_required(request: &Request, kind: AuthorizationKind) -> bool {
    (joint_consent_required(request) && kind != AuthorizationKind::Hipaa) || child_and_parent_sign(request)
}

/// Whether a Part 2 consent for this client must be given by both the minor
/// and the parent (42 CFR 2.14(b)(1)): a living minor in a Part 2 program who
/// did not lawfully consent to the care alone. Position: without
/// `minor_consented_to_own_care` the parent's consent to the treatment is
/// taken as the one state law required, the reading that keeps both the
/// minor's and the parent's say; where the minor could consent alone, only
/// the minor signs (2.14(a)). Under `US-CA` a minor of 12 or more may
/// consent to substance use treatment alone (Cal. Fam. Code 6929(b)), so
/// state law does not require the parent's consent and 2.14(b) does not
/// apply. Where the parent agreed the care stays confidential or may
/// endanger the minor, the parent cannot sign for the minor either, and the
/// minor's own consent is the one that counts. `signer_recognized` decides
/// all of these: the parent is a signer only where none holds.
pub fn joint_consent_required(request: &Request) -> bool {
    request.client.part2_program && request.client.age < 18 && request.client.status != ClientStatus::Deceased && signer_recognized(request)
}

/// Applies 42 CFR 2.14(b): a Part 2 consent (or ASCMI) opens a category only
/// together with a counting consent of the other signer that covers it too;
/// one without such a partner lacks a required signature (2.31(a), the
/// signature of the person authorized to consent under 2.14). The exception
/// is 2.14(b)(2)(i): the minor's own written consent alone lets the parent
/// be told that the minor applied for treatment (`presence_and_condition`).
fn require_joint_consent(standings: &mut [Standing], request: &Request) {
    let is_consent = |s: &Standing| matches!(s.kind, AuthorizationKind::Part2 | AuthorizationKind::Ascmi);
    let minor_alone_may_tell_parent = request.recipient.kind == RecipientKind::PersonalRepresentative;
    require_joint_signature(standings, is_consent, minor_alone_may_tell_parent);
}

/// The forms `is_joint` selects open a category only beside a counting form
/// of the other signer that covers it too; one without such a partner lacks
/// a required signature. With `minor_alone_may_tell_parent`, the minor's
/// own form alone still opens `presence_and_condition`.
fn require_joint_signature(standings: &mut [Standing], is_consent: impl Fn(&Standing) -> bool, minor_alone_may_tell_parent: bool) {
    let covered_by = |standings: &[Standing], by_representative: bool| -> Vec<Category> {
        let mut out: Vec<Category> = Vec::new();
        for s in standings.iter().filter(|s| s.counts && is_consent(s) && s.by_representative == by_representative) {
            for c in &s.covers {
                if !out.contains(c) {
                    out.push(*c);
                }
            }
        }
        out
    };
    let by_minor = covered_by(standings, false);
    let by_parent = covered_by(standings, true);
    for s in standings.iter_mut().filter(|s| s.counts && is_consent(s)) {
        let partner = if s.by_representative { &by_minor } else { &by_parent };
        let by_representative = s.by_representative;
        s.covers
            .retain(|c| partner.contains(c) || (!by_representative && minor_alone_may_tell_parent && *c == Category::PresenceAndCondition));
        if s.covers.is_empty() {
            s.counts = false;
            s.reasons.push(Reason::MissingElement(Element::Signature));
        }
    }
}

/// Nobody signs after their own death: from then on only a personal
/// representative may authorize (45 CFR 164.502(g)(4); 42 CFR 2.15(b)).
/// A form the client signed while alive still counts until it expires.
fn signed_after_death(auth: &Authorization, request: &Request) -> bool {
    request.client.status == ClientStatus::Deceased
        && matches!((auth.signed_on, request.client.died_on), (Some(signed), Some(died)) if signed > died)
}

/// The CMIA's own form (and its specific-date element, Cal. Civ. Code
/// 56.11(b)(8)) is asked only of a disclosure 56.10(b) or (c) does not
/// already allow (56.11(a)). A disclosure to a provider or plan for the
/// client's treatment is one it allows (56.10(c)(1)), so there only HIPAA's
/// form counts, and HIPAA accepts an expiry event (164.508(c)(1)(v)).
fn cmia_needs_no_authorization(request: &Request) -> bool {
    request.purpose == Purpose::Treatment
        && (matches!(
            request.recipient.kind,
            RecipientKind::TreatingProvider | RecipientKind::CareTeamMember | RecipientKind::EmergencyProvider | RecipientKind::HealthPlan
        ) || (request.recipient.kind == RecipientKind::Supervisor && !request.recipient.same_organization))
}

fn assess_one(auth: &Authorization, request: &Request) -> Standing {
    let mut reasons = form_defects_on(auth, request.as_of);
    // HIPAA accepts an expiry event; California's authorization needs "a
    // specific date" after which the provider may no longer disclose (Cal.
    // Civ. Code 56.11(b)(8)). A Part 2 consent keeps 42 CFR 2.31(a)(7)'s
    // event or condition.
    if request.jurisdiction == Jurisdiction::UsCa
        && auth.kind == AuthorizationKind::Hipaa
        && !cmia_needs_no_authorization(request)
        && auth.expires_on.is_none()
        && auth.expiry_event.is_some()
        && !reasons.contains(&Reason::MissingElement(Element::Expiration))
    {
        reasons.push(Reason::MissingElement(Element::Expiration));
    }
    // A parent who is not the minor's representative for this care, or a
    // representative the provider declined to recognize, cannot sign for the
    // client (45 CFR 164.502(g)(3)(i), (g)(5); 42 CFR 2.14(a)): the form then
    // lacks a valid signature.
    if auth.signed_by == Some(Signer::PersonalRepresentative) && !signer_recognized(request) {
        reasons.push(Reason::MissingElement(Element::Signature));
    }
    if auth.signed_by == Some(Signer::Client) && (!client_may_sign_form(request, auth.kind) || signed_after_death(auth, request)) {
        reasons.push(Reason::MissingElement(Element::Signature));
    }
    if let Some(signed) = auth.signed_on
        && signed > request.as_of
    {
        reasons.push(Reason::NotYetSigned);
    }
    // A form that names both a date and an event is invalid once either has
    // come (45 CFR 164.508(b)(2)(i): "the expiration date has passed or the
    // expiration event is known ... to have occurred"); the request can
    // show only the date passing. An event alone never expires here.
    if let Some(expires) = auth.expires_on
        && expires < request.as_of
    {
        reasons.push(Reason::Expired);
    }
    if let Some(revoked) = auth.revoked_on
        && revoked <= request.as_of
    {
        reasons.push(Reason::Revoked);
    }
    let recipient_matches = auth.recipients.iter().any(|r| {
        r.kind == request.recipient.kind
            && match (&r.name, &request.recipient.name) {
                (None, _) => true,
                (Some(named), Some(asked)) => same_name(named, asked),
                (Some(_), None) => false,
            }
    });
    // The ASCMI form can name only its four purposes; any other is not on it.
    // For a Part 2 client's records, a consent that folds a proceeding into
    // a consent for other purposes cannot open them for the proceeding
    // (42 CFR 2.31(d)); the rule came with the 2024 amendments, so it binds
    // from their compliance date.
    let separate_consent_needed = request.client.part2_program
        && request.as_of >= PART2_2024_COMPLIANCE
        && PROCEEDING_PURPOSES.contains(&request.purpose)
        && combines_proceeding_with_other_purposes(auth);
    let purpose_matches = auth.purposes.contains(&request.purpose)
        && (auth.kind != AuthorizationKind::Ascmi || ASCMI_PURPOSES.contains(&request.purpose))
        && !separate_consent_needed;
    if !auth.recipients.is_empty() && !recipient_matches {
        reasons.push(Reason::RecipientMismatch);
    }
    if !auth.purposes.is_empty() && !purpose_matches {
        reasons.push(Reason::PurposeMismatch);
    }
    let covers: Vec<Category> = request
        .categories
        .iter()
        .copied()
        .filter(|c| auth.categories.contains(c))
        .filter(|c| !(auth.kind == AuthorizationKind::Ascmi && *c == Category::PsychotherapyNotes))
        .collect();
    if recipient_matches && purpose_matches && !auth.categories.is_empty() && covers.is_empty() {
        reasons.push(Reason::CategoryNotCovered);
    }
    let counts = reasons.is_empty();
    Standing {
        id: auth.id.clone(),
        kind: auth.kind,
        counts,
        reasons,
        covers: if counts { covers } else { Vec::new() },
        by_representative: auth.signed_by == Some(Signer::PersonalRepresentative),
    }
}

/// Whether a personal representative may sign for the client on this request.
pub(crate) fn signer_recognized(request: &Request) -> bool {
    let facts = request.facts;
    // After death the personal representative acts for the client
    // (45 CFR 164.502(g)(4); 42 CFR 2.15(b)), whatever the minor controlled.
    let minor_controls = request.client.age < 18
        && request.client.status != ClientStatus::Deceased
        && (facts.get(Fact::MinorConsentedToOwnCare)
            || minor_may_consent_to_sud_care_alone(request)
            || (facts.get(Fact::ParentAgreedToConfidentiality) && !child_and_parent_sign(request)));
    // 164.502(g)(5) shields a living client from a representative who may
    // endanger them; after death the executor or administrator signs, and
    // there is no one left for the provider's doubt to protect.
    let declined = facts.get(Fact::RepresentativeMayEndanger) && request.client.status != ClientStatus::Deceased;
    !minor_controls && !declined
}

/// Whether state law lets this living Part 2 client, a minor, obtain
/// substance use treatment alone, so that under 42 CFR 2.14(a) only the
/// minor may consent to a disclosure and a parent's signature alone counts
/// for nothing. Under `US-CA` that is from 12 (Cal. Fam. Code 6929(b)).
pub(crate) fn minor_may_consent_to_sud_care_alone(request: &Request) -> bool {
    request.client.part2_program
        && request.jurisdiction == Jurisdiction::UsCa
        && (12..18).contains(&request.client.age)
        && request.client.status != ClientStatus::Deceased
}

/// Whether the client's own signature counts under California law. A minor
/// signs only for care they could lawfully have consented to alone (Cal. Civ.
/// Code 56.11(b)(3)(A), numbered (c)(1) before the section was reorganized);
/// otherwise the legal representative signs ((b)(3)(B), formerly (c)(2)),
/// who in turn may not sign for care the minor could consent to alone.
/// California's minor-consent laws for mental-health and substance-use care
/// start at 12 (Fam. Code 6924, 6929; Health & Safety Code 124260), so a
/// child under 12 whose care the minor did not consent to alone cannot sign.
/// From 12 the minor could have consented to outpatient care on their own
/// maturity, which the request does not state, so their signature stands.
/// A parent the provider will not treat as representative (164.502(g)(5))
/// does not make a young child's signature valid: 56.11(b)(3)(A) still
/// lets the child sign only for care they could have consented to, and
/// another guardian (or a court) must act, which the request cannot show,
/// so nothing signed opens the record. A child under 12 whose parent
/// agreed to confidentiality signs, but only beside the parent
/// (`child_and_parent_sign`).
fn client_may_sign(request: &Request) -> bool {
    let facts = request.facts;
    request.jurisdiction != Jurisdiction::UsCa
        || request.client.age >= 12
        || facts.get(Fact::MinorConsentedToOwnCare)
        || facts.get(Fact::ParentAgreedToConfidentiality)
}

/// Whether the client's own signature counts on a form of this kind. A Part
/// 2 consent (or an ASCMI, which is one) keeps 42 CFR 2.14's rule: the
/// minor signs it, beside the parent where `joint_consent_required`. A HIPAA
/// authorization for a Part 2 client's records is still a California
/// authorization, and a child under 12 signs it only as `client_may_sign`
/// allows.
fn client_may_sign_form(request: &Request, kind: AuthorizationKind) -> bool {
    client_may_sign(request) || (request.client.part2_program && kind != AuthorizationKind::Hipaa)
}

/// Who signs a form of this kind obtained today: the client where their own
/// signature counts, otherwise (a child who cannot sign, a client who has
/// died) the personal representative.
pub fn signer_today(request: &Request, kind: AuthorizationKind) -> Signer {
    if request.client.status != ClientStatus::Deceased && client_may_sign_form(request, kind) {
        Signer::Client
    } else {
        Signer::PersonalRepresentative
    }
}

/// Names match ignoring case and runs of whitespace: "Dr.  Rivera" is "dr. rivera".
fn same_name(a: &str, b: &str) -> bool {
    let fold = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    fold(a) == fold(b)
}

/// Per requested category: which counting authorizations open it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// A counting HIPAA authorization covers it, or a counting Part 2 consent
    /// does and it is not psychotherapy notes (a Part 2 consent satisfies
    /// HIPAA for what it covers, except psychotherapy notes).
    pub authorized: bool,
    /// A counting Part 2 consent covers it.
    pub consented: bool,
    /// Every counting authorization that covers it was signed by a personal
    /// representative (for a minor, a parent), none by the client.
    pub by_representative_only: bool,
}

/// The coverage of one category by the assessed authorizations.
pub fn coverage(standings: &[Standing], category: Category) -> Coverage {
    let mut out = Coverage::default();
    let covering = || standings.iter().filter(|s| s.counts && s.covers.contains(&category));
    out.by_representative_only = covering().next().is_some() && covering().all(|s| s.by_representative);
    for s in covering() {
        match s.kind {
            AuthorizationKind::Hipaa => out.authorized = true,
            AuthorizationKind::Part2 => {
                out.consented = true;
                if category != Category::PsychotherapyNotes {
                    out.authorized = true;
                }
            }
            // Designed to meet both laws; never covers psychotherapy notes
            // (excluded from `covers` above).
            AuthorizationKind::Ascmi => {
                out.consented = true;
                out.authorized = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse_request;

    fn request_with(auth: &str) -> Request {
        let text = format!(
            r#"{{"as_of":"2026-03-02","jurisdiction":"US","client":{{"age":34,"status":"active"}},
               "recipient":{{"kind":"employer","name":"Acme"}},"purpose":"employment",
               "categories":["diagnosis"],"authorizations":[{auth}]}}"#
        );
        match parse_request(&text) {
            Ok(r) => r,
            Err(e) => unreachable!("test request must parse: {e}"),
        }
    }

    const VALID: &str = r#"{"id":"a","kind":"hipaa","signed_by":"client","signed_on":"2026-01-10",
        "categories":["diagnosis"],"recipients":[{"kind":"employer","name":"Acme"}],
        "purposes":["employment"],"expires_on":"2026-12-31",
        "statements":{"right_to_revoke":true,"no_conditioning":true,"redisclosure":true}}"#;

    fn reasons(auth: &str) -> Vec<String> {
        reasons_of(&request_with(auth))
    }

    fn reasons_of(request: &Request) -> Vec<String> {
        assess(request).iter().flat_map(|s| s.reasons.iter().map(|r| r.code())).collect()
    }

    #[test]
    fn a_complete_matching_authorization_counts() {
        let s = assess(&request_with(VALID));
        assert_eq!(s.len(), 1);
        assert!(s.iter().all(|s| s.counts && s.covers == vec![Category::Diagnosis]));
    }

    #[test]
    fn every_missing_element_is_reported() {
        let r = reasons(r#"{"id":"a","kind":"hipaa"}"#);
        for code in [
            "missing_element:description",
            "missing_element:recipient",
            "missing_element:purpose",
            "missing_element:expiration",
            "missing_element:signature",
            "missing_element:date",
            "missing_statement:right_to_revoke",
            "missing_statement:no_conditioning",
            "missing_statement:redisclosure",
        ] {
            assert!(r.contains(&code.to_string()), "{code} missing from {r:?}");
        }
    }

    #[test]
    fn in_california_a_child_under_12_cannot_sign_alone_for_care_a_parent_consented_to_or_agreed_to_keep_confidential() {
        let mut request = request_with(VALID);
        request.jurisdiction = Jurisdiction::UsCa;
        request.client.age = 10;
        assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
        // The parent's signature counts instead (Cal. Civ. Code 56.11(b)(3)(B)).
        let by_parent = VALID.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
        let mut parent_signed = request_with(&by_parent);
        parent_signed.jurisdiction = Jurisdiction::UsCa;
        parent_signed.client.age = 10;
        assert!(reasons_of(&parent_signed).is_empty());
        // Care the child lawfully consented to alone is the child's to release.
        request.facts.set(Fact::MinorConsentedToOwnCare, true);
        assert!(reasons_of(&request).is_empty());
        // From 12 the minor could have consented alone; federal law alone is unchanged.
        request.facts.set(Fact::MinorConsentedToOwnCare, false);
        request.client.age = 12;
        assert!(reasons_of(&request).is_empty());
        request.client.age = 10;
        // A parent's agreement to confidentiality does not let a child under
        // 12 sign alone, nor the parent: both sign (child_and_parent_sign).
        request.facts.set(Fact::ParentAgreedToConfidentiality, true);
        parent_signed.facts.set(Fact::ParentAgreedToConfidentiality, true);
        assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
        assert_eq!(reasons_of(&parent_signed), vec!["missing_element:signature"]);
        let mut both = request.clone();
        both.authorizations.extend(parent_signed.authorizations.iter().cloned());
        assert!(assess(&both).iter().all(|s| s.counts));
        request.jurisdiction = Jurisdiction::Us;
        assert!(reasons_of(&request).is_empty());
    }

    #[test]
    fn a_child_under_12_signs_no_hipaa_form_in_california_even_for_part2_records() {
        let mut request = request_with(VALID);
        request.jurisdiction = Jurisdiction::UsCa;
        request.client.age = 8;
        request.client.part2_program = true;
        assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
        // A Part 2 consent is the child's to sign, beside the parent (42 CFR 2.14(b)).
        let consent = VALID.replace("\"hipaa\"", "\"part2\"");
        let mut part2 = request_with(&consent);
        part2.jurisdiction = Jurisdiction::UsCa;
        part2.client.age = 8;
        part2.client.part2_program = true;
        let parent = consent.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
        part2.authorizations.extend(request_with(&parent).authorizations);
        assert!(assess(&part2).iter().all(|s| s.counts), "{:?}", assess(&part2));
    }

    #[test]
    fn a_form_dated_after_the_clients_death_carries_no_signature_of_the_client() {
        let mut request = request_with(VALID);
        request.client.status = ClientStatus::Deceased;
        request.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
        assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
        // Signed the day they died, or before: it counts until it expires.
        request.client.died_on = Some(Date::from_ymd_const(2026, 1, 10));
        assert!(reasons_of(&request).is_empty());
        // Their personal representative signs after death.
        let by_rep = VALID.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
        let mut rep = request_with(&by_rep);
        rep.client.status = ClientStatus::Deceased;
        rep.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
        assert!(reasons_of(&rep).is_empty());
        // A California child under 12 who could not have signed anyway: the
        // form lacks the one signature, reported once.
        request.jurisdiction = Jurisdiction::UsCa;
        request.client.age = 10;
        request.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
        assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
    }

    #[test]
    fn part2_consent_needed_only_the_revocation_statement_before_the_2024_rule() {
        let auth = VALID
            .replace("\"hipaa\"", "\"part2\"")
            .replace("\"no_conditioning\":true,\"redisclosure\":true", "\"no_conditioning\":false,\"redisclosure\":false");
        let mut request = request_with(&auth);
        request.as_of = Date::from_ymd_const(2026, 2, 15);
        assert!(assess(&request).iter().all(|s| s.counts), "{:?}", assess(&request));
    }

    #[test]
    fn part2_consent_carries_hipaas_statements_from_the_compliance_date() {
        let auth = VALID
            .replace("\"hipaa\"", "\"part2\"")
            .replace("\"no_conditioning\":true,\"redisclosure\":true", "\"no_conditioning\":false,\"redisclosure\":false");
        let mut request = request_with(&auth);
        request.as_of = Date::from_ymd_const(2026, 2, 16);
        assert_eq!(reasons_of(&request), vec!["missing_statement:no_conditioning", "missing_statement:redisclosure"]);
    }

    #[test]
    fn an_ascmi_never_covers_psychotherapy_notes_and_counts_for_both_laws() {
        let auth = VALID.replace("\"hipaa\"", "\"ascmi\"").replace("\"employment\"]", "\"employment\",\"treatment\"]");
        let mut request = request_with(&auth);
        request.purpose = Purpose::Employment;
        // Employment is not a purpose the form can name.
        assert!(assess(&request).iter().all(|s| !s.counts && s.reasons.contains(&Reason::PurposeMismatch)));
        request.purpose = Purpose::Treatment;
        request.categories = vec![Category::Diagnosis, Category::PsychotherapyNotes];
        let s = assess(&request);
        assert!(s.iter().all(|s| s.counts && s.covers == vec![Category::Diagnosis]));
        let c = coverage(&s, Category::Diagnosis);
        assert!(c.authorized && c.consented);
        assert_eq!(coverage(&s, Category::PsychotherapyNotes), Coverage::default());
    }

    #[test]
    fn expires_on_the_day_still_counts_and_the_day_after_does_not() {
        assert!(reasons(&VALID.replace("2026-12-31", "2026-03-02")).is_empty());
        assert_eq!(reasons(&VALID.replace("2026-12-31", "2026-03-01")), vec!["expired"]);
    }

    #[test]
    fn an_expiry_event_never_expires() {
        let r = reasons(&VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#));
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn none_is_an_expiration_only_for_research_or_a_part2_consent_for_treatment_payment_or_operations() {
        let never = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"None""#);
        assert_eq!(reasons(&never), vec!["missing_element:expiration"], "164.508(c)(1)(v): not for employment");
        let research = never.replace(r#""purposes":["employment"]"#, r#""purposes":["research"]"#);
        assert!(form_defects(&parse_auth(&research)).is_empty(), "164.508(c)(1)(v): research may say none");
        let tpo = never.replace("\"hipaa\"", "\"part2\"").replace(r#""purposes":["employment"]"#, r#""purposes":["treatment","payment"]"#);
        assert!(form_defects(&parse_auth(&tpo)).is_empty(), "2.31(a)(7): a TPO consent may say none");
        let part2_employer = never.replace("\"hipaa\"", "\"part2\"");
        assert!(form_defects(&parse_auth(&part2_employer)).contains(&Reason::MissingElement(Element::Expiration)));
    }

    #[test]
    fn a_california_authorization_needs_a_date_not_only_an_event() {
        let event = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#);
        let mut request = request_with(&event);
        request.jurisdiction = Jurisdiction::UsCa;
        assert_eq!(reasons_of(&request), vec!["missing_element:expiration"], "Cal. Civ. Code 56.11(b)(8)");
    }

    #[test]
    fn a_california_treatment_disclosure_takes_a_hipaa_form_with_an_event() {
        let event = VALID
            .replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#)
            .replace(r#"{"kind":"employer","name":"Acme"}"#, r#"{"kind":"treating_provider"}"#)
            .replace(r#""purposes":["employment"]"#, r#""purposes":["treatment"]"#);
        let mut request = request_with(&event);
        request.jurisdiction = Jurisdiction::UsCa;
        request.recipient.kind = RecipientKind::TreatingProvider;
        request.recipient.name = None;
        request.purpose = Purpose::Treatment;
        assert!(reasons_of(&request).is_empty(), "56.11(a): 56.10(c)(1) already allows it, so 56.11(b)(8) does not apply");
    }

    fn parse_auth(auth: &str) -> Authorization {
        request_with(auth).authorizations.remove(0)
    }

    #[test]
    fn a_passed_date_expires_a_form_that_also_names_an_event() {
        let both = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expires_on":"2026-03-01","expiry_event":"end of treatment""#);
        assert_eq!(reasons(&both), vec!["expired"]);
        let date_to_come = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expires_on":"2026-03-02","expiry_event":"end of treatment""#);
        assert!(reasons(&date_to_come).is_empty());
    }

    #[test]
    fn revoked_on_or_before_the_day_stops_counting() {
        assert_eq!(reasons(&VALID.replace(r#""expires_on""#, r#""revoked_on":"2026-03-02","expires_on""#)), vec!["revoked"]);
        assert!(reasons(&VALID.replace(r#""expires_on""#, r#""revoked_on":"2026-03-03","expires_on""#)).is_empty());
    }

    #[test]
    fn signed_after_the_day_is_not_yet_signed() {
        assert_eq!(reasons(&VALID.replace("2026-01-10", "2026-03-03")), vec!["not_yet_signed"]);
    }

    #[test]
    fn compound_psychotherapy_notes_never_count() {
        let r = reasons(&VALID.replace(r#"["diagnosis"]"#, r#"["diagnosis","psychotherapy_notes"]"#));
        assert_eq!(r, vec!["compound_psychotherapy_notes"]);
    }

    #[test]
    fn mismatches_are_named() {
        assert_eq!(reasons(&VALID.replace(r#""name":"Acme""#, r#""name":"Other Co""#)), vec!["recipient_mismatch"]);
        assert_eq!(reasons(&VALID.replace(r#""purposes":["employment"]"#, r#""purposes":["research"]"#)), vec!["purpose_mismatch"]);
        assert_eq!(reasons(&VALID.replace(r#""categories":["diagnosis"]"#, r#""categories":["billing"]"#)), vec!["category_not_covered"]);
    }

    #[test]
    fn a_recipient_class_without_name_matches_any_name_and_names_ignore_case() {
        assert!(reasons(&VALID.replace(r#","name":"Acme""#, "")).is_empty());
        assert!(reasons(&VALID.replace(r#""name":"Acme""#, r#""name":"  acme ""#)).is_empty());
    }

    fn minor_part2_request(facts: &str, auths: &[(&str, &str, &str)]) -> Request {
        let auths: Vec<String> = auths
            .iter()
            .map(|(id, signer, categories)| {
                format!(
                    r#"{{"id":"{id}","kind":"part2","signed_by":"{signer}","signed_on":"2026-01-10","categories":{categories},
                       "recipients":[{{"kind":"personal_representative"}}],"purposes":["notification"],"expires_on":"2026-12-31",
                       "statements":{{"right_to_revoke":true,"no_conditioning":true,"redisclosure":true}}}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"as_of":"2026-03-02","jurisdiction":"US","client":{{"age":15,"status":"active","part2_program":true}},
               "recipient":{{"kind":"personal_representative"}},"purpose":"notification","facts":{facts},
               "categories":["substance_use","presence_and_condition"],"authorizations":[{}]}}"#,
            auths.join(",")
        );
        match parse_request(&text) {
            Ok(r) => r,
            Err(e) => unreachable!("test request must parse: {e}"),
        }
    }

    #[test]
    fn a_part2_minors_consent_needs_the_parents_signature_too_where_the_parent_consented_to_treatment() {
        let both = r#"["substance_use","presence_and_condition"]"#;
        let only = |facts: &str, auths: &[(&str, &str, &str)]| match assess(&minor_part2_request(facts, auths)).as_slice() {
            [one] => one.clone(),
            other => unreachable!("one authorization on file, got {other:?}"),
        };
        // The minor alone: only the fact of treatment may go to the parent (2.14(b)(2)(i)).
        let s = only("{}", &[("m", "client", both)]);
        assert!(s.counts && s.covers == vec![Category::PresenceAndCondition], "{s:?}");
        // The parent alone: nothing (2.14(b)(1)).
        let s = only("{}", &[("p", "personal_representative", both)]);
        assert!(!s.counts && s.reasons == vec![Reason::MissingElement(Element::Signature)], "{s:?}");
        // Both: what both cover.
        let s = assess(&minor_part2_request("{}", &[("m", "client", both), ("p", "personal_representative", r#"["substance_use"]"#)]));
        assert!(s.iter().all(|s| s.counts), "{s:?}");
        assert!(coverage(&s, Category::SubstanceUse).consented);
        // The minor's consent alone still reaches the fact of treatment.
        assert!(coverage(&s, Category::PresenceAndCondition).consented);
        // Where the minor consented to the care alone, the minor's signature is the one that counts (2.14(a)).
        let s = only(r#"{"minor_consented_to_own_care":true}"#, &[("m", "client", both)]);
        assert!(s.counts && s.covers.len() == 2, "{s:?}");
    }

    fn part2_proceeding_request(purpose: &str, purposes: &str, kind: &str, as_of: &str, part2: bool) -> Request {
        let text = format!(
            r#"{{"as_of":"{as_of}","jurisdiction":"US","client":{{"age":34,"status":"active","part2_program":{part2}}},
               "recipient":{{"kind":"court"}},"purpose":"{purpose}","categories":["substance_use"],
               "authorizations":[{{"id":"c","kind":"{kind}","signed_by":"client","signed_on":"2025-01-10",
                 "categories":["substance_use"],"recipients":[{{"kind":"court"}}],"purposes":{purposes},
                 "expires_on":"2027-12-31","statements":{{"right_to_revoke":true,"no_conditioning":true,"redisclosure":true}}}}]}}"#
        );
        match parse_request(&text) {
            Ok(r) => r,
            Err(e) => unreachable!("test request must parse: {e}"),
        }
    }

    fn codes_for(request: &Request) -> Vec<String> {
        assess(request).iter().flat_map(|s| s.reasons.iter().map(|r| r.code())).collect()
    }

    #[test]
    fn a_part2_consent_folding_a_proceeding_into_other_purposes_does_not_count_for_the_proceeding() {
        let combined = r#"["judicial_proceeding","treatment"]"#;
        let r = part2_proceeding_request("judicial_proceeding", combined, "part2", "2026-03-02", true);
        assert_eq!(codes_for(&r), vec!["purpose_mismatch"]);
        // Its other purposes are untouched (2.31(d) bars only the proceeding part).
        let r = part2_proceeding_request("treatment", combined, "part2", "2026-03-02", true);
        assert!(codes_for(&r).is_empty());
        // A consent for proceedings alone, or for a court case and the
        // investigation behind it, counts.
        for purposes in [r#"["judicial_proceeding"]"#, r#"["judicial_proceeding","law_enforcement"]"#] {
            let r = part2_proceeding_request("judicial_proceeding", purposes, "part2", "2026-03-02", true);
            assert!(codes_for(&r).is_empty(), "{purposes}");
        }
        // Investigations and the program's own defense are proceedings too.
        for (purpose, purposes) in
            [("law_enforcement", r#"["law_enforcement","payment"]"#), ("legal_defense", r#"["legal_defense","health_care_operations"]"#)]
        {
            let r = part2_proceeding_request(purpose, purposes, "part2", "2026-03-02", true);
            assert_eq!(codes_for(&r), vec!["purpose_mismatch"], "{purpose}");
        }
    }

    #[test]
    fn the_separate_proceeding_consent_binds_part2_records_from_the_2024_compliance_date() {
        let combined = r#"["judicial_proceeding","treatment"]"#;
        let before = part2_proceeding_request("judicial_proceeding", combined, "part2", "2026-02-15", true);
        assert!(codes_for(&before).is_empty());
        // A HIPAA authorization may combine them (164.508(b)(3)), and records
        // outside a Part 2 program are not Part 2 records.
        let hipaa = part2_proceeding_request("judicial_proceeding", combined, "hipaa", "2026-03-02", true);
        assert!(codes_for(&hipaa).is_empty());
        let not_part2 = part2_proceeding_request("judicial_proceeding", combined, "part2", "2026-03-02", false);
        assert!(codes_for(&not_part2).is_empty());
    }

    #[test]
    fn part2_consent_satisfies_hipaa_except_for_psychotherapy_notes() {
        let s = Standing {
            id: "c".into(),
            kind: AuthorizationKind::Part2,
            counts: true,
            reasons: vec![],
            covers: vec![Category::SubstanceUse, Category::PsychotherapyNotes],
            by_representative: false,
        };
        let su = coverage(std::slice::from_ref(&s), Category::SubstanceUse);
        assert!(su.authorized && su.consented);
        let pn = coverage(std::slice::from_ref(&s), Category::PsychotherapyNotes);
        assert!(!pn.authorized && pn.consented);
    }
}
