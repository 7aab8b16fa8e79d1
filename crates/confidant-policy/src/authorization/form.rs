//! The authorization as a document: its core elements and required
//! statements (45 CFR 164.508(c), 42 CFR 2.31(a)), the reasons a form fails,
//! and which purposes each kind of form may name.

use std::fmt;

use crate::date::Date;
use crate::request::Authorization;
use crate::vocab::{AuthorizationKind, Category, Purpose};

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

    /// The paragraphs that make a form with this defect count for nothing,
    /// under HIPAA (164.508(b)(2), which names the elements of (c)) or, for a
    /// Part 2 consent, 42 CFR 2.31(c). A mismatch with the request is no
    /// defect of the form, and `not_yet_signed` has no paragraph of its own.
    pub(crate) fn cites(self, part2: bool) -> &'static [&'static str] {
        if part2 {
            // 2.31(c): no disclosure on a consent that has expired (1), on
            // its face fails (a) (2), or is known to be revoked (3).
            return match self {
                Reason::CompoundPsychotherapyNotes => &["42 CFR 2.31(b)"],
                Reason::MissingElement(_) | Reason::MissingStatement(_) => &["42 CFR 2.31(c)(2)", "42 CFR 2.31(a)"],
                Reason::Expired => &["42 CFR 2.31(c)(1)"],
                Reason::Revoked => &["42 CFR 2.31(c)(3)"],
                _ => &[],
            };
        }
        match self {
            Reason::MissingElement(e) => match e {
                Element::Description => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(1)(i)"],
                Element::Recipient => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(1)(iii)"],
                Element::Purpose => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(1)(iv)"],
                Element::Expiration => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(1)(v)"],
                Element::Signature | Element::Date => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(1)(vi)"],
            },
            Reason::MissingStatement(st) => match st {
                Statement::RightToRevoke => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(2)(i)"],
                Statement::NoConditioning => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(2)(ii)"],
                Statement::Redisclosure => &["45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)(2)(iii)"],
            },
            Reason::CompoundPsychotherapyNotes => &["45 CFR 164.508(b)(2)(iv)", "45 CFR 164.508(b)(3)(ii)"],
            Reason::Expired => &["45 CFR 164.508(b)(2)(i)"],
            Reason::Revoked => &["45 CFR 164.508(b)(2)(iii)", "45 CFR 164.508(b)(5)"],
            Reason::NotYetSigned | Reason::RecipientMismatch | Reason::PurposeMismatch | Reason::CategoryNotCovered => &[],
        }
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

/// Whether the form names no end at all: no date, and an "event" such as
/// "none".
pub(crate) fn never_expires(auth: &Authorization) -> bool {
    auth.expires_on.is_none() && auth.expiry_event.as_deref().is_some_and(says_never_expires)
}

/// An expiry "event" that is no end at all: "none", "never", "forever",
/// "until revoked", or a mark in place of one ("n/a", "-"). An event is
/// something that happens and ends the form (164.508(c)(1)(v) "an
/// expiration date or an expiration event that relates to the individual or
/// the purpose"); the client's own revocation is a right every form carries
/// (164.508(b)(5)), not an end the form sets.
fn says_never_expires(event: &str) -> bool {
    let lower = event.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let text = words.join(" ");
    const NO_END: &[&str] = &[
        "",
        "none",
        "na",
        "n a",
        "no",
        "nil",
        "null",
        "never",
        "forever",
        "always",
        "perpetual",
        "perpetually",
        "permanent",
        "permanently",
        "indefinite",
        "indefinitely",
        "ongoing",
        "continuous",
        "continuing",
        "unlimited",
        "open",
        "open ended",
        "no end",
        "no end date",
        "no date",
    ];
    const NO_END_PHRASES: &[&str] = &["never expire", "no expir", "not expire", "without expir", "does not end", "no termination"];
    NO_END.contains(&text.as_str()) || NO_END_PHRASES.iter().any(|p| text.contains(p)) || only_revocation(&words)
}

/// Whether the words name nothing but the client's own revocation ("until
/// revoked", "until I revoke it in writing", "upon revocation"). "End of
/// treatment or until revoked" names an event and is not this.
fn only_revocation(words: &[&str]) -> bool {
    const REVOKE: &[&str] = &[
        "revoked",
        "revoke",
        "revokes",
        "revocation",
        "cancelled",
        "canceled",
        "cancel",
        "cancels",
        "withdrawn",
        "withdraw",
        "withdraws",
        "rescinded",
        "rescind",
    ];
    const FILLER: &[&str] = &[
        "until",
        "upon",
        "when",
        "on",
        "unless",
        "till",
        "i",
        "the",
        "client",
        "patient",
        "it",
        "this",
        "my",
        "is",
        "am",
        "in",
        "writing",
        "written",
        "authorization",
        "consent",
        "form",
        "by",
        "me",
    ];
    words.iter().any(|w| REVOKE.contains(w)) && words.iter().all(|w| REVOKE.contains(w) || FILLER.contains(w))
}

/// Whether a form may say it never expires. HIPAA allows "none" only for
/// research (45 CFR 164.508(c)(1)(v)); a Part 2 consent only when it is for
/// treatment, payment or health care operations (42 CFR 2.31(a)(7), 2024).
/// An ASCMI's `care_involvement` is care coordination (contract v2), which
/// is treatment (45 CFR 164.501). Anywhere else the form lacks an expiration.
fn may_never_expire(auth: &Authorization) -> bool {
    let all = |allowed: &[Purpose]| !auth.purposes.is_empty() && auth.purposes.iter().all(|p| allowed.contains(p));
    match auth.kind {
        AuthorizationKind::Hipaa => all(&[Purpose::Research]),
        AuthorizationKind::Part2 => all(&[Purpose::Treatment, Purpose::Payment, Purpose::HealthCareOperations]),
        AuthorizationKind::Ascmi => all(&[Purpose::Treatment, Purpose::Payment, Purpose::HealthCareOperations, Purpose::CareInvolvement]),
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
    let never = never_expires(auth);
    let dated = auth.expires_on.is_some() || auth.expiry_event.is_some();
    missing(dated && (!never || may_never_expire(auth)), Element::Expiration);
    missing(auth.signed_by.is_some(), Element::Signature);
    missing(auth.signed_on.is_some(), Element::Date);
    for statement in required_statements_on(auth.kind, as_of) {
        if !carries(auth, *statement) {
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

/// Whether the form carries every statement a form of `kind` must on
/// `as_of`.
pub fn has_statements(auth: &Authorization, kind: AuthorizationKind, as_of: Date) -> bool {
    required_statements_on(kind, as_of).iter().all(|statement| carries(auth, *statement))
}

/// Whether the form carries `statement`.
fn carries(auth: &Authorization, statement: Statement) -> bool {
    match statement {
        Statement::RightToRevoke => auth.statements.right_to_revoke,
        Statement::NoConditioning => auth.statements.no_conditioning,
        Statement::Redisclosure => auth.statements.redisclosure,
    }
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
