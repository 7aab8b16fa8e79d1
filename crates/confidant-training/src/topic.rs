//! The ten topics of the confidentiality domain that questions and cards are
//! tagged with, with their wire names (used in JSON, the CLI's `--topic` and
//! the vault).

use std::fmt;

use serde::{Serialize, Serializer};

/// A topic of the confidentiality domain; its order is the order reports
/// and mastery list topics in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// What confidentiality is, informed consent, valid authorizations.
    ConsentAndAuthorization,
    /// Sharing only what the purpose needs; need to know inside the program.
    MinimumNecessary,
    /// Warning of a serious threat of violence against an identifiable person.
    DutyToProtect,
    /// Reporting child, elder and dependent-adult abuse.
    MandatedReporting,
    /// A therapist's separate notes and their own authorization.
    PsychotherapyNotes,
    /// 42 CFR Part 2 substance-use-disorder records.
    SubstanceUseRecords,
    /// Talking with family and friends involved in care.
    FamilyAndFriends,
    /// Confidentiality after discharge and after death.
    AfterDischargeOrDeath,
    /// Access, privilege, restrictions and the client's other rights.
    ClientRights,
    /// Keeping records and the accounting of disclosures.
    RecordsAndAccounting,
}

impl Topic {
    /// Every topic, in order.
    pub const ALL: &'static [Topic] = &[
        Topic::ConsentAndAuthorization,
        Topic::MinimumNecessary,
        Topic::DutyToProtect,
        Topic::MandatedReporting,
        Topic::PsychotherapyNotes,
        Topic::SubstanceUseRecords,
        Topic::FamilyAndFriends,
        Topic::AfterDischargeOrDeath,
        Topic::ClientRights,
        Topic::RecordsAndAccounting,
    ];

    /// The wire name, e.g. `duty_to_protect`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Topic::ConsentAndAuthorization => "consent_and_authorization",
            Topic::MinimumNecessary => "minimum_necessary",
            Topic::DutyToProtect => "duty_to_protect",
            Topic::MandatedReporting => "mandated_reporting",
            Topic::PsychotherapyNotes => "psychotherapy_notes",
            Topic::SubstanceUseRecords => "substance_use_records",
            Topic::FamilyAndFriends => "family_and_friends",
            Topic::AfterDischargeOrDeath => "after_discharge_or_death",
            Topic::ClientRights => "client_rights",
            Topic::RecordsAndAccounting => "records_and_accounting",
        }
    }

    /// The topic in words, for screens.
    pub const fn title(self) -> &'static str {
        match self {
            Topic::ConsentAndAuthorization => "Consent and authorization",
            Topic::MinimumNecessary => "Minimum necessary",
            Topic::DutyToProtect => "Duty to protect",
            Topic::MandatedReporting => "Mandated reporting",
            Topic::PsychotherapyNotes => "Psychotherapy notes",
            Topic::SubstanceUseRecords => "Substance-use records",
            Topic::FamilyAndFriends => "Family and friends",
            Topic::AfterDischargeOrDeath => "After discharge or death",
            Topic::ClientRights => "Client rights",
            Topic::RecordsAndAccounting => "Records and accounting",
        }
    }

    /// The topic with this wire name.
    pub fn parse(text: &str) -> Option<Topic> {
        Topic::ALL.iter().copied().find(|t| t.as_str() == text)
    }

    /// The accepted spellings, for an error message.
    pub fn expected() -> String {
        Topic::ALL.iter().map(|t| format!("`{}`", t.as_str())).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Topic {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
