//! The common misconceptions that make good wrong answers, each with the
//! claim it makes so the generator can keep only the ones the engine shows
//! wrong for a given request. Written in our own words.

use confidant_policy::vocab::{ObligationKind, Outcome};

use crate::question::Claim;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Misconception {
    pub text: String,
    pub claim: Claim,
}

fn m(outcome: Outcome, text: &str) -> Misconception {
    Misconception { text: text.to_string(), claim: Claim::outcome(outcome) }
}

/// The opening of an option that states this claim.
pub(crate) fn claim_lead(claim: &Claim) -> String {
    let base = match claim.outcome {
        Outcome::Required => "You must share it",
        Outcome::Permit => "You may share it (allowed, not required)",
        Outcome::Deny => "Do not share it",
    };
    match (claim.obligation, claim.obligation_applies) {
        (Some(ObligationKind::MinimumNecessary), Some(true)) if claim.outcome != Outcome::Deny => {
            format!("{base}, limited to the minimum necessary")
        }
        (Some(ObligationKind::MinimumNecessary), Some(false)) if claim.outcome != Outcome::Deny => {
            format!("{base}; the minimum-necessary limit does not apply")
        }
        (Some(ObligationKind::RecordInAccounting), Some(true)) if claim.outcome != Outcome::Deny => {
            format!("{base}, and log it in the client's accounting of disclosures")
        }
        (Some(ObligationKind::RecordInAccounting), Some(false)) if claim.outcome != Outcome::Deny => {
            format!("{base}; it does not go in the accounting of disclosures")
        }
        _ => base.to_string(),
    }
}

/// Generic wrong answers, used when a template's own do not fill the options.
pub(crate) fn generic(key: &Claim) -> Vec<Misconception> {
    let mut out = Vec::new();
    if let (Some(kind), Some(applies)) = (key.obligation, key.obligation_applies)
        && key.outcome != Outcome::Deny
    {
        let flipped = Claim::with_obligation(key.outcome, kind, !applies);
        let why = match (kind, applies) {
            (ObligationKind::MinimumNecessary, true) => "once a disclosure is allowed, the whole record may go",
            (ObligationKind::MinimumNecessary, false) => "every disclosure, of any kind, must be cut to the minimum",
            (ObligationKind::RecordInAccounting, true) => "only disclosures the client signed for are logged",
            (ObligationKind::RecordInAccounting, false) => "every disclosure of any kind goes in the accounting",
            _ => "that is what the form says",
        };
        out.push(Misconception { text: format!("{} — {why}.", claim_lead(&flipped)), claim: flipped });
    }
    out.push(never_without_written_consent());
    out.push(m(Outcome::Permit, "You may share it (allowed, not required) — the person asking has a legitimate reason."));
    out.push(m(Outcome::Required, "You must share it — you cannot refuse a professional's request."));
    out.push(m(Outcome::Deny, "Do not share it — when in doubt, the law never allows it."));
    out
}

pub(crate) fn any_provider() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — anything may be shared with another provider.")
}
pub(crate) fn only_financial() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — only financial information is protected.")
}
pub(crate) fn only_medical_record() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — only the medical record is protected, and this is not part of it.")
}
pub(crate) fn ends_at_discharge() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — confidentiality ended when the client was discharged.")
}
pub(crate) fn ends_at_death() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — confidentiality ends when the client dies.")
}
pub(crate) fn verbal_ok() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — the client's verbal OK is a valid authorization.")
}
pub(crate) fn subpoena_opens() -> Misconception {
    m(Outcome::Required, "You must share it — a subpoena alone opens these records.")
}
pub(crate) fn never_without_written_consent() -> Misconception {
    m(Outcome::Deny, "Do not share it — nothing may ever be shared without the client's written consent.")
}
pub(crate) fn report_optional() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — reporting is your personal choice.")
}
pub(crate) fn only_clinicians_report() -> Misconception {
    m(Outcome::Deny, "Do not share it — only licensed clinicians may make reports.")
}
pub(crate) fn family_entitled() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — close family are entitled to know.")
}
pub(crate) fn family_never() -> Misconception {
    m(Outcome::Deny, "Do not share it — family and friends may never be told anything.")
}
pub(crate) fn any_signed_form() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — a signed form on file is enough, whatever it says.")
}
pub(crate) fn no_right_to_own_record() -> Misconception {
    m(Outcome::Deny, "Do not share it — clients have no right to see their own records.")
}
pub(crate) fn police_must_be_answered() -> Misconception {
    m(Outcome::Required, "You must share it — any request from law enforcement must be answered.")
}
pub(crate) fn part2_never_even_emergency() -> Misconception {
    m(Outcome::Deny, "Do not share it — substance-use records can never be shared without consent, even in an emergency.")
}
pub(crate) fn threat_needs_consent() -> Misconception {
    m(Outcome::Deny, "Do not share it — a threat is confidential like everything else the client says.")
}
pub(crate) fn hipaa_auth_opens_part2() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — a HIPAA authorization covers substance-use records too.")
}
pub(crate) fn restriction_ignorable() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — a client's restriction request is only a wish.")
}
pub(crate) fn staff_see_everything() -> Misconception {
    m(Outcome::Permit, "You may share it (allowed, not required) — everyone on staff may see every record.")
}
pub(crate) fn signed_means_must() -> Misconception {
    m(Outcome::Required, "You must share it — once the client signs, you have to send whatever is asked.")
}
pub(crate) fn never_to_employers() -> Misconception {
    m(Outcome::Deny, "Do not share it — employers and schools may never be told about a client's health, whatever the client signs.")
}
pub(crate) fn every_threat_to_police() -> Misconception {
    m(Outcome::Required, "You must share it — every threat a client makes must be reported, whoever hears it.")
}
pub(crate) fn threats_only_for_clinicians() -> Misconception {
    m(Outcome::Deny, "Do not share it — only a licensed clinician may ever act on a threat.")
}
pub(crate) fn providers_must_get_it() -> Misconception {
    m(Outcome::Required, "You must share it — a treating provider is entitled to the whole record on request.")
}
