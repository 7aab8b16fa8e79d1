//! Who may sign for the client: a minor or the parent, both together, or a
//! personal representative after death (45 CFR 164.502(g); 42 CFR 2.14,
//! 2.15; Cal. Civ. Code 56.11(b)(3)).

use super::Standing;
use super::form::{Element, Reason};
use crate::request::Request;
use crate::vocab::{AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, RecipientKind, Signer};

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
}

/// Whether no form can be had for this child today: both must sign
/// (`child_and_parent_sign`), and the only parent the request shows is one
/// the provider set aside (45 CFR 164.502(g)(5)). The child's signature
/// alone still does not count (Cal. Civ. Code 56.11(b)(3)(A)); another
/// guardian, or a court, must act.
pub(crate) fn child_lacks_a_cosigner(request: &Request) -> bool {
    child_and_parent_sign(request) && request.facts.get(Fact::RepresentativeMayEndanger)
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
/// apply. A parent's agreement to keep the care confidential, or the
/// provider's fear that the parent may endanger the minor, are HIPAA's
/// grounds for not treating the parent as representative (45 CFR
/// 164.502(g)(3)(iii), (g)(5)); neither makes the minor's consent alone
/// enough where state law required the parent's consent to the treatment,
/// and 2.14(b)(1) still asks for both signatures (`parent_cosigns`).
pub fn joint_consent_required(request: &Request) -> bool {
    request.client.part2_program
        && request.client.age < 18
        && request.client.status != ClientStatus::Deceased
        && !request.facts.get(Fact::MinorConsentedToOwnCare)
        && !minor_may_consent_to_sud_care_alone(request)
}

/// Whether the parent's signature completes a Part 2 consent (or ASCMI)
/// that 42 CFR 2.14(b)(1) asks both to sign. A parent who agreed to keep the
/// care confidential still co-signs: the agreement keeps the parent from
/// acting for the minor alone, not from giving the consent state law asked
/// of them. A parent the provider believes may endanger the minor does not
/// (164.502(g)(5)): another person state law authorizes to act for the
/// minor, or a court, must, which the request cannot show, so no consent
/// on file opens the record (`nobody_may_consent`).
pub(crate) fn parent_cosigns(request: &Request) -> bool {
    joint_consent_required(request) && !request.facts.get(Fact::RepresentativeMayEndanger)
}

/// Whether no Part 2 consent can be had for this client today: 2.14(b)(1)
/// asks for the parent's signature beside the minor's, and the only parent
/// the request shows is one the provider set aside; or the client has died
/// and the only representative the request shows is one the provider
/// declined to recognize (2.15(b), 45 CFR 164.502(g)(5)).
pub(crate) fn nobody_may_consent(request: &Request) -> bool {
    request.facts.get(Fact::RepresentativeMayEndanger)
        && (joint_consent_required(request) || request.client.status == ClientStatus::Deceased)
}

/// Whether a personal representative's signature counts on a form of this
/// kind: as the client's representative (`signer_recognized`), or as the
/// parent's half of a consent 2.14(b)(1) asks both to sign.
pub(super) fn representative_may_sign_form(request: &Request, kind: AuthorizationKind) -> bool {
    signer_recognized(request) || (kind != AuthorizationKind::Hipaa && parent_cosigns(request))
}

/// Applies 42 CFR 2.14(b): a Part 2 consent (or ASCMI) opens a category only
/// together with a counting consent of the other signer that covers it too;
/// one without such a partner lacks a required signature (2.31(a), the
/// signature of the person authorized to consent under 2.14). The exception
/// is 2.14(b)(2)(i): the minor's own written consent alone lets the parent
/// be told that the minor applied for treatment (`presence_and_condition`).
pub(super) fn require_joint_consent(standings: &mut [Standing], request: &Request) {
    let is_consent = |s: &Standing| matches!(s.kind, AuthorizationKind::Part2 | AuthorizationKind::Ascmi);
    let minor_alone_may_tell_parent = request.recipient.kind == RecipientKind::PersonalRepresentative;
    require_joint_signature(standings, is_consent, minor_alone_may_tell_parent);
}

/// The forms `is_joint` selects open a category only beside a counting form
/// of the other signer that covers it too; one without such a partner lacks
/// a required signature. With `minor_alone_may_tell_parent`, the minor's
/// own form alone still opens `presence_and_condition`.
pub(super) fn require_joint_signature(
    standings: &mut [Standing],
    is_consent: impl Fn(&Standing) -> bool,
    minor_alone_may_tell_parent: bool,
) {
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
    // 164.502(g)(5): a provider who declined to treat this person as the
    // representative (they abused or may endanger the client) does not take
    // their signature either, before or after the client's death; the
    // access they are refused (hipaa.personal_representative.may_endanger)
    // is not one form away. Another representative, or a court, must act.
    let declined = facts.get(Fact::RepresentativeMayEndanger);
    !minor_controls && !declined
}

/// Whether the recipient is a personal representative the provider does not
/// recognize for this request: a parent set aside for care the minor
/// controls, or a representative the provider judged may endanger the client
/// (164.502(g)(3), (g)(5)). Such a person is told, if at all, as family is.
pub(crate) fn representative_set_aside(request: &Request) -> bool {
    request.recipient.kind == RecipientKind::PersonalRepresentative && !signer_recognized(request)
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

/// Whether the client's own signature counts. An adult signs; a minor
/// "has the authority to act as an individual" only for care they lawfully
/// consented to alone or that the parent agreed to keep confidential (45
/// CFR 164.502(g)(3)(i)); otherwise the parent acts for them (AMB-8), so a
/// minor's own signature counts only in those cases, whatever their age.
/// California says the same from its side: a minor signs only for care
/// they "could lawfully have consented to" (Cal. Civ. Code 56.11(b)(3)(A),
/// numbered (c)(1) before the section was reorganized), and the legal
/// representative may not sign for that care ((b)(3)(B)), so the two
/// signers never both count. Position (issue 12): whether a minor of 12 or
/// more could have consented to outpatient care turns on the professional's
/// finding of maturity (Fam. Code 6924(b), Health & Safety Code 124260(b)),
/// which only `minor_consented_to_own_care` states; without it the parent
/// is the representative (AMB-8) and the minor's signature alone does not
/// count, as under federal law. The exception is a Part 2 client of 12 or
/// more in California, who may obtain substance use treatment alone (Fam.
/// Code 6929(b); `minor_may_consent_to_sud_care_alone`) and so signs any
/// form for those records. A parent the provider will not treat as
/// representative (164.502(g)(5)) does not make the minor's signature
/// valid: another guardian (or a court) must act, which the request cannot
/// show, so nothing signed opens the record. A child under 12 whose parent
/// agreed to confidentiality signs, but only beside the parent
/// (`child_and_parent_sign`).
fn client_may_sign(request: &Request) -> bool {
    let facts = request.facts;
    let minor_acts_alone = facts.get(Fact::MinorConsentedToOwnCare)
        || facts.get(Fact::ParentAgreedToConfidentiality)
        || minor_may_consent_to_sud_care_alone(request);
    request.client.age >= 18 || minor_acts_alone
}

/// Whether the client's own signature counts on a form of this kind. A Part
/// 2 consent (or an ASCMI, which is one) keeps 42 CFR 2.14's rule: the
/// minor signs it, beside the parent where `joint_consent_required`. A HIPAA
/// authorization for a Part 2 client's records is still a California
/// authorization, and a child under 12 signs it only as `client_may_sign`
/// allows.
pub(super) fn client_may_sign_form(request: &Request, kind: AuthorizationKind) -> bool {
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
