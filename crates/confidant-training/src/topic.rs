//! The ten topics of the confidentiality domain that questions and cards are
//! tagged with, with their wire names (used in JSON, the CLI's `--topic` and
//! the vault).

use std::fmt;

use serde::{Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    ConsentAndAuthorization,
    MinimumNecessary,
    DutyToProtect,
    MandatedReporting,
    PsychotherapyNotes,
    SubstanceUseRecords,
    FamilyAndFriends,
    AfterDischargeOrDeath,
    ClientRights,
    RecordsAndAccounting,
}

impl Topic {
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
