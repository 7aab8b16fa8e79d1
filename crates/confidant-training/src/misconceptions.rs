//! The common misconceptions that make good wrong answers: each is a belief
//! and the claim it leads to, so the generator keeps a misconception only
//! when the engine shows its claim wrong for the request, and the wrong
//! option's rationale names the belief before the rule that refutes it.
//! Written in our own words.

use confidant_policy::vocab::Outcome;

use crate::claim::Claim;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Misconception {
    /// What the learner believes, as a clause ("only financial information is protected").
    pub belief: &'static str,
    pub claim: Claim,
}

const fn m(outcome: Outcome, belief: &'static str) -> Misconception {
    Misconception { belief, claim: Claim::outcome(outcome) }
}

/// Beliefs that lead to each outcome, used when a template's own do not fill the options.
pub(crate) fn generic() -> Vec<Misconception> {
    vec![
        never_without_written_consent(),
        m(Outcome::Permit, "a legitimate reason for asking is enough to share"),
        m(Outcome::Required, "you cannot refuse a professional's request"),
        m(Outcome::Deny, "when in doubt, the law never allows sharing"),
    ]
}

pub(crate) fn any_provider() -> Misconception {
    m(Outcome::Permit, "anything may be shared with another provider")
}

pub(crate) fn only_financial() -> Misconception {
    m(Outcome::Permit, "only financial information is protected")
}

pub(crate) fn only_medical_record() -> Misconception {
    m(Outcome::Permit, "only the medical record is protected, and this is not part of it")
}

pub(crate) fn ends_at_discharge() -> Misconception {
    m(Outcome::Permit, "confidentiality ended when the client was discharged")
}

pub(crate) fn ends_at_death() -> Misconception {
    m(Outcome::Permit, "confidentiality ends when the client dies")
}

pub(crate) fn verbal_ok() -> Misconception {
    m(Outcome::Permit, "the client's verbal OK is a valid authorization")
}

pub(crate) fn subpoena_opens() -> Misconception {
    m(Outcome::Required, "a subpoena alone opens these records")
}

pub(crate) fn never_without_written_consent() -> Misconception {
    m(Outcome::Deny, "nothing may ever be shared without the client's written consent")
}

pub(crate) fn report_optional() -> Misconception {
    m(Outcome::Permit, "reporting is your personal choice")
}

pub(crate) fn report_opens_record() -> Misconception {
    m(Outcome::Permit, "once you make a report, the agency may have the whole record")
}

pub(crate) fn state_law_opens_part2() -> Misconception {
    m(Outcome::Required, "a state law requiring the report is enough on its own")
}

pub(crate) fn order_compels() -> Misconception {
    m(Outcome::Required, "an order that allows a disclosure also obliges you to make it")
}

pub(crate) fn only_clinicians_report() -> Misconception {
    m(Outcome::Deny, "only licensed clinicians may make reports")
}

pub(crate) fn family_entitled() -> Misconception {
    m(Outcome::Permit, "close family are entitled to know")
}

pub(crate) fn family_never() -> Misconception {
    m(Outcome::Deny, "family and friends may never be told anything")
}

pub(crate) fn any_signed_form() -> Misconception {
    m(Outcome::Permit, "a signed form on file is enough, whatever it says")
}

pub(crate) fn no_right_to_own_record() -> Misconception {
    m(Outcome::Deny, "clients have no right to see their own records")
}

pub(crate) fn police_must_be_answered() -> Misconception {
    m(Outcome::Required, "any request from law enforcement must be answered")
}

pub(crate) fn part2_never_even_emergency() -> Misconception {
    m(Outcome::Deny, "substance-use records can never be shared without consent, even in an emergency")
}

pub(crate) fn threat_needs_consent() -> Misconception {
    m(Outcome::Deny, "a threat is confidential like everything else the client says")
}

pub(crate) fn hipaa_auth_opens_part2() -> Misconception {
    m(Outcome::Permit, "a HIPAA authorization covers substance-use records too")
}

pub(crate) fn restriction_ignorable() -> Misconception {
    m(Outcome::Permit, "a client's restriction request is only a wish")
}

pub(crate) fn staff_see_everything() -> Misconception {
    m(Outcome::Permit, "everyone on staff may see every record")
}

pub(crate) fn signed_means_must() -> Misconception {
    m(Outcome::Required, "once the client signs, you have to send whatever is asked")
}

pub(crate) fn never_to_employers() -> Misconception {
    m(Outcome::Deny, "employers and schools may never be told about a client's health, whatever the client signs")
}

pub(crate) fn every_threat_to_police() -> Misconception {
    m(Outcome::Required, "every threat a client makes must be reported, whoever hears it")
}

pub(crate) fn any_agency_takes_reports() -> Misconception {
    m(Outcome::Required, "any government health agency can take a child-abuse report")
}

pub(crate) fn report_requires_chart() -> Misconception {
    m(Outcome::Required, "a law that requires the report requires the whole chart to go with it")
}

pub(crate) fn any_warning_discharges_duty() -> Misconception {
    m(Outcome::Required, "warning whoever can help is the warning the law requires")
}

pub(crate) fn threats_only_for_clinicians() -> Misconception {
    m(Outcome::Deny, "only a licensed clinician may ever act on a threat")
}

pub(crate) fn board_may_have_anything() -> Misconception {
    m(Outcome::Permit, "a licensing board may have whatever it asks for")
}

pub(crate) fn board_must_be_answered() -> Misconception {
    m(Outcome::Required, "a licensing board's request must be answered like an order")
}

pub(crate) fn coroner_gets_everything() -> Misconception {
    m(Outcome::Required, "a coroner is entitled to the whole record, whatever is in it")
}

pub(crate) fn providers_must_get_it() -> Misconception {
    m(Outcome::Required, "a treating provider is entitled to the whole record on request")
}

pub(crate) fn own_defense_opens_record() -> Misconception {
    m(Outcome::Permit, "the program may always hand its own lawyer a client's record to defend itself")
}

pub(crate) fn notes_are_the_warning() -> Misconception {
    m(Outcome::Required, "the duty to warn requires handing the therapy notes to the person threatened")
}

pub(crate) fn said_to_be_required() -> Misconception {
    m(Outcome::Required, "a requester who says the law requires the records must be given them")
}

pub(crate) fn client_right_survives() -> Misconception {
    m(Outcome::Required, "whoever asks in the client's name has the client's right to the record, even after death")
}
