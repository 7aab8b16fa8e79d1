//! When an authorization or Part 2 consent counts (45 CFR 164.508(b)–(c),
//! 42 CFR 2.31): the checklist of `spec/rules.md` §7, reported per
//! authorization with every failing reason, and the per-category coverage the
//! rules read.
//!
//! `form` checks the document, `signers` who may sign it; this module
//! matches each form on file against one request.

mod form;
mod signers;

pub use form::{
    ASCMI_PURPOSES, Element, PART2_2024_COMPLIANCE, PROCEEDING_PURPOSES, Reason, Statement, combines_proceeding_with_other_purposes,
    form_defects, form_defects_on, required_statements, required_statements_on,
};
pub use signers::{child_and_parent_sign, joint_consent_required, joint_signature_required, signer_today};
pub(crate) use signers::{
    child_lacks_a_cosigner, minor_may_consent_to_sud_care_alone, nobody_may_consent, representative_set_aside, signer_recognized,
};
use signers::{client_may_sign_form, representative_may_sign_form, require_joint_consent, require_joint_signature};

use crate::request::{Authorization, Request};
use crate::vocab::{AuthorizationKind, Category, ClientStatus, Jurisdiction, Purpose, RecipientKind, Signer};

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
    /// Says it never expires ("none"): a Part 2 consent for treatment,
    /// payment and operations may (42 CFR 2.31(a)(7)), a HIPAA authorization
    /// only for research (45 CFR 164.508(c)(1)(v)).
    pub open_ended: bool,
    /// Carries the statements a HIPAA authorization must (45 CFR
    /// 164.508(c)(2)). A Part 2 consent signed to the rule before its 2024
    /// amendments needs only the right to revoke; without the other two it
    /// is a Part 2 consent and no HIPAA authorization (164.508(b)(2)(ii)).
    pub hipaa_statements: bool,
}

/// Checks every authorization on file against the request, in order.
pub fn assess(request: &Request) -> Vec<Standing> {
    let signed_then: Vec<bool> = request.authorizations.iter().map(|auth| signed_in_life(auth, request)).collect();
    let in_life = signed_then.contains(&true).then(|| as_in_life(request));
    let mut standings: Vec<Standing> = request
        .authorizations
        .iter()
        .zip(&signed_then)
        .map(|(auth, &then)| {
            let signer_view = match &in_life {
                Some(living) if then => living,
                _ => request,
            };
            assess_one(auth, request, signer_view)
        })
        .collect();
    require_joint_signatures(&mut standings, request);
    // A form signed while the client lived needed the signatures the law
    // asked for then; a parent's signature that lacked the minor's does not
    // become complete because the minor has since died.
    if let Some(living) = &in_life {
        let mut then: Vec<Standing> = standings.iter().zip(&signed_then).filter(|(_, then)| **then).map(|(s, _)| s.clone()).collect();
        require_joint_signatures(&mut then, living);
        for (standing, judged) in standings.iter_mut().zip(&signed_then).filter(|(_, then)| **then).map(|(s, _)| s).zip(then) {
            *standing = judged;
        }
    }
    standings
}

fn require_joint_signatures(standings: &mut [Standing], request: &Request) {
    if joint_consent_required(request) {
        require_joint_consent(standings, request);
    }
    if child_and_parent_sign(request) {
        require_joint_signature(standings, |_| true, false);
    }
}

/// For a client who has died, the request as it would have stood while they
/// lived: who could sign for them then. Built only when a form on file was
/// signed in life.
fn as_in_life(request: &Request) -> Request {
    let mut living = request.clone();
    living.client.status = ClientStatus::Active;
    living.client.died_on = None;
    living
}

/// Whether the form was signed before the day the client died. Such a form
/// is judged by who could sign for the client then: a signature that
/// lacked authority when given (a parent for care the minor controlled, a
/// representative the provider declined under 45 CFR 164.502(g)(5), a
/// parent alone under 42 CFR 2.14) makes a defective form (164.508(b)(2);
/// 2.31(a)), and death does not cure it. Only a representative acting after
/// death signs under 164.502(g)(4) and 2.15(b). On the day of death itself
/// either could have signed, as `signed_after_death` reads it for the client.
fn signed_in_life(auth: &Authorization, request: &Request) -> bool {
    request.client.status == ClientStatus::Deceased
        && matches!((auth.signed_on, request.client.died_on), (Some(signed), Some(died)) if signed < died)
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

/// `signer_view` is the request as it stood when the form was signed; it
/// decides only who could sign (`as_in_life`).
fn assess_one(auth: &Authorization, request: &Request, signer_view: &Request) -> Standing {
    let mut reasons = form_defects_on(auth, request.as_of);
    // HIPAA accepts an expiry event; California's authorization needs "a
    // specific date" after which the provider may no longer disclose (Cal.
    // Civ. Code 56.11(b)(8)). A Part 2 consent keeps 42 CFR 2.31(a)(7)'s
    // event or condition. LPS records are outside the CMIA (56.30(a)), and
    // the LPS consent form names the use, the information and the recipient,
    // not a date (Welf. & Inst. Code 5328.7), so HIPAA's event stands there.
    if request.jurisdiction == Jurisdiction::UsCa
        && auth.kind == AuthorizationKind::Hipaa
        && !request.client.lps_program
        && !cmia_needs_no_authorization(request)
        && auth.expires_on.is_none()
        && auth.expiry_event.is_some()
        && !reasons.contains(&Reason::MissingElement(Element::Expiration))
    {
        reasons.push(Reason::MissingElement(Element::Expiration));
    }
    // An ASCMI may say it never expires because, for Part 2 records, it is a
    // Part 2 consent for treatment, payment and operations (42 CFR
    // 2.31(a)(7)). For anyone else's records it is only a HIPAA
    // authorization, and HIPAA accepts "none" only for research
    // (164.508(c)(1)(v)), which the form cannot name.
    if auth.kind == AuthorizationKind::Ascmi
        && !request.client.part2_program
        && form::never_expires(auth)
        && !reasons.contains(&Reason::MissingElement(Element::Expiration))
    {
        reasons.push(Reason::MissingElement(Element::Expiration));
    }
    // A parent who is not the minor's representative for this care, or a
    // representative the provider declined to recognize, cannot sign for the
    // client (45 CFR 164.502(g)(3)(i), (g)(5); 42 CFR 2.14(a)): the form then
    // lacks a valid signature. A parent still co-signs the Part 2 consent
    // 2.14(b)(1) asks both to give.
    if auth.signed_by == Some(Signer::PersonalRepresentative) && !representative_may_sign_form(signer_view, auth.kind) {
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
        open_ended: form::never_expires(auth),
        hipaa_statements: form::has_statements(auth, AuthorizationKind::Hipaa, request.as_of),
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

/// Whether a Part 2 consent or ASCMI on file says it never expires and
/// counts for this request, covering something asked: it is a Part 2
/// consent and still fails as a HIPAA or California authorization
/// (164.508(c)(1)(v)), so a remedy must ask for a form with an end.
pub(crate) fn open_ended_consent_on_file(request: &Request) -> bool {
    counting_form_on_file(request, |a| a.kind != AuthorizationKind::Hipaa && form::never_expires(a))
}

/// Whether a form on file that `candidate` picks counts for this request
/// and covers something asked. Cheap test first: the full assessment runs
/// only when such a form is on file.
fn counting_form_on_file(request: &Request, candidate: impl Fn(&Authorization) -> bool) -> bool {
    request.authorizations.iter().any(&candidate)
        && assess(request)
            .iter()
            .zip(&request.authorizations)
            .any(|(s, a)| candidate(a) && s.counts && request.categories.iter().any(|c| s.covers.contains(c)))
}

/// Whether a Part 2 consent on file counts for this request, covering
/// something asked, but lacks the statements a HIPAA authorization must
/// carry (a consent signed to the rule before its 2024 amendments): it
/// opens the records under Part 2 and fails as a HIPAA authorization
/// (164.508(c)(2)), so a remedy must ask for a form with them.
pub(crate) fn consent_without_hipaa_statements_on_file(request: &Request) -> bool {
    counting_form_on_file(request, |a| {
        a.kind == AuthorizationKind::Part2 && !form::has_statements(a, AuthorizationKind::Hipaa, request.as_of)
    })
}

/// The coverage of one category by the assessed authorizations.
pub fn coverage(standings: &[Standing], category: Category) -> Coverage {
    let mut out = Coverage::default();
    let covering = || standings.iter().filter(|s| s.counts && s.covers.contains(&category));
    out.by_representative_only = covering().next().is_some() && covering().all(|s| s.by_representative);
    for s in covering() {
        match s.kind {
            AuthorizationKind::Hipaa => out.authorized = true,
            // A consent that never expires is a Part 2 consent only: as a
            // HIPAA authorization it lacks the expiration HIPAA asks of any
            // form not for research (164.508(c)(1)(v)); so is one without
            // HIPAA's statements (164.508(c)(2)).
            AuthorizationKind::Part2 => {
                out.consented = true;
                if category != Category::PsychotherapyNotes && !s.open_ended && s.hipaa_statements {
                    out.authorized = true;
                }
            }
            // Designed to meet both laws; never covers psychotherapy notes
            // (excluded from `covers` above).
            AuthorizationKind::Ascmi => {
                out.consented = true;
                out.authorized |= !s.open_ended;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
