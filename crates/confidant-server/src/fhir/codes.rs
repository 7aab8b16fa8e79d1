//! The one table between the contract's vocabulary and the code systems
//! FHIR and CDS Hooks speak: v3 `PurposeOfUse` (ActReason) for purposes,
//! HL7 security labels (v3 ActCode, DS4P) for data classes, and the
//! consent policy codes and law texts for an authorization's kind. Where
//! HL7 has no code for one of our values, it is written in Confidant's own
//! code system (`urn:confidant:fhir:…`), so every value round-trips.

use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind};

/// v3 ActReason, whose `PurposeOfUse` codes name purposes.
pub const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
/// v3 ActCode, whose sensitivity codes are the DS4P security labels.
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// v3 ParticipationType: `IRCP`, the information recipient.
pub const PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
/// Consent scopes: `patient-privacy`.
pub const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
/// Consent policy codes: `hipaa-auth`, `hipaa-restrictions`.
pub const CONSENT_POLICY: &str = "http://terminology.hl7.org/CodeSystem/consentpolicycodes";
/// Consent actions: `disclose`.
pub const CONSENT_ACTION: &str = "http://terminology.hl7.org/CodeSystem/consentaction";
/// LOINC, for the consent's category.
pub const LOINC: &str = "http://loinc.org";
/// LOINC 64292-6: release of information consent (an authorization).
pub const LOINC_RELEASE: &str = "64292-6";
/// LOINC 59284-0: patient consent (a restriction the client asked for).
pub const LOINC_CONSENT: &str = "59284-0";

/// Confidant's code system for categories HL7 has no security label for.
pub const CATEGORY_SYSTEM: &str = "urn:confidant:fhir:category";
/// Confidant's code system for purposes v3 `PurposeOfUse` has no code for.
pub const PURPOSE_SYSTEM: &str = "urn:confidant:fhir:purpose";
/// Confidant's code system for recipient kinds, carried in an actor's role
/// beside `IRCP`.
pub const RECIPIENT_KIND_SYSTEM: &str = "urn:confidant:fhir:recipient-kind";
/// Confidant's consent policy codes (`part2-consent`, `ascmi`).
pub const POLICY_SYSTEM: &str = "urn:confidant:fhir:policy";
/// Extension: the day an authorization was revoked (`valueDate`).
pub const EXT_REVOKED_ON: &str = "urn:confidant:fhir:extension:revoked-on";
/// Extension: the event that ends an authorization (`valueString`).
pub const EXT_EXPIRY_EVENT: &str = "urn:confidant:fhir:extension:expiry-event";
/// Extension: a required statement the form carries (`valueCode`, repeated).
pub const EXT_STATEMENT: &str = "urn:confidant:fhir:extension:statement";

/// Purposes with a v3 `PurposeOfUse` code: what we write, and read back.
const PURPOSES: [(Purpose, &str); 11] = [
    (Purpose::Treatment, "TREAT"),
    (Purpose::Emergency, "ETREAT"),
    (Purpose::Payment, "HPAYMT"),
    (Purpose::HealthCareOperations, "HOPERAT"),
    (Purpose::ClientRequest, "PATRQT"),
    (Purpose::CareInvolvement, "FAMRQT"),
    (Purpose::PublicHealth, "PUBHLTH"),
    (Purpose::Research, "HRESCH"),
    (Purpose::Marketing, "HMARKT"),
    (Purpose::JudicialProceeding, "HLEGAL"),
    (Purpose::Training, "TRAIN"),
];

/// Codes read as a purpose but never written (another code is ours).
const PURPOSE_ALIASES: [(&str, Purpose); 4] = [
    ("HSYSADMIN", Purpose::Training),
    ("THREAT", Purpose::PreventSeriousThreat),
    ("LAW", Purpose::LawEnforcement),
    ("OVERSIGHT", Purpose::HealthOversight),
];

/// A v3 `PurposeOfUse` code (or one of our aliases) as a purpose.
pub fn purpose_of_use(code: &str) -> Option<Purpose> {
    PURPOSES.iter().find(|(_, c)| *c == code).map(|(p, _)| *p).or_else(|| PURPOSE_ALIASES.iter().find(|(c, _)| *c == code).map(|(_, p)| *p))
}

/// A purpose as a FHIR coding: `(system, code)`.
pub fn purpose_coding(purpose: Purpose) -> (&'static str, &'static str) {
    match PURPOSES.iter().find(|(p, _)| *p == purpose) {
        Some((_, code)) => (ACT_REASON, code),
        None => (PURPOSE_SYSTEM, purpose.as_str()),
    }
}

/// A FHIR coding as a purpose: v3 ActReason or Confidant's system.
pub fn purpose_from(system: &str, code: &str) -> Option<Purpose> {
    match system {
        ACT_REASON => purpose_of_use(code),
        PURPOSE_SYSTEM => Purpose::parse(code),
        _ => None,
    }
}

/// Categories with an HL7 security label that names exactly that category.
/// `PSY` (any mental-health information) is not one: in a mental-health
/// program it is the whole record, so the sender names the categories.
const LABELS: [(Category, &str); 3] = [(Category::PsychotherapyNotes, "PSYTHPN"), (Category::SubstanceUse, "ETH"), (Category::Hiv, "HIV")];

/// An HL7 security label (or `SUD`, an alias of `ETH`) as a category.
pub fn security_label(code: &str) -> Option<Category> {
    match code {
        "SUD" => Some(Category::SubstanceUse),
        _ => LABELS.iter().find(|(_, c)| *c == code).map(|(cat, _)| *cat),
    }
}

/// A category as a FHIR coding: the HL7 label where one exists.
pub fn category_coding(category: Category) -> (&'static str, &'static str) {
    match LABELS.iter().find(|(c, _)| *c == category) {
        Some((_, code)) => (ACT_CODE, code),
        None => (CATEGORY_SYSTEM, category.as_str()),
    }
}

/// A FHIR coding as a category: an HL7 label or Confidant's system.
pub fn category_from(system: &str, code: &str) -> Option<Category> {
    match system {
        ACT_CODE => security_label(code),
        CATEGORY_SYSTEM => Category::parse(code),
        _ => None,
    }
}

/// The codes an error message offers for a category.
pub fn category_expected() -> String {
    format!("an HL7 security label (`PSYTHPN`, `ETH`, `HIV`) or a `{CATEGORY_SYSTEM}` code ({})", Category::expected())
}

/// The codes an error message offers for a purpose.
pub fn purpose_expected() -> String {
    let codes: Vec<String> = PURPOSES.iter().map(|(_, c)| format!("`{c}`")).collect();
    format!("a v3 PurposeOfUse code ({}) or a `{PURPOSE_SYSTEM}` code ({})", codes.join(", "), Purpose::expected())
}

/// The FHIR resource type a recipient of this kind is, for an actor's
/// reference.
pub fn recipient_resource_type(kind: RecipientKind) -> &'static str {
    use RecipientKind as K;
    match kind {
        K::Client => "Patient",
        K::PersonalRepresentative | K::FamilyOrFriend | K::PotentialVictim => "RelatedPerson",
        K::TreatingProvider | K::CareTeamMember | K::WorkforceMember | K::Supervisor | K::EmergencyProvider | K::Researcher => {
            "Practitioner"
        }
        _ => "Organization",
    }
}

/// The law an authorization kind is written under: the consent policy
/// coding, the law's authority and the text's address.
pub struct Law {
    /// The `policyRule` coding's system.
    pub system: &'static str,
    /// The `policyRule` coding's code.
    pub code: &'static str,
    /// The `policyRule` coding's display.
    pub display: &'static str,
    /// `policy.authority`.
    pub authority: &'static str,
    /// `policy.uri`: where the law (or the form's rules) can be read.
    pub uri: &'static str,
}

/// The law each kind is written under.
pub fn law(kind: AuthorizationKind) -> Law {
    match kind {
        AuthorizationKind::Hipaa => Law {
            system: CONSENT_POLICY,
            code: "hipaa-auth",
            display: "HIPAA Authorization (45 CFR 164.508)",
            authority: "https://www.hhs.gov",
            uri: "https://www.ecfr.gov/current/title-45/section-164.508",
        },
        AuthorizationKind::Part2 => Law {
            system: POLICY_SYSTEM,
            code: "part2-consent",
            display: "42 CFR Part 2 consent (42 CFR 2.31)",
            authority: "https://www.samhsa.gov",
            uri: "https://www.ecfr.gov/current/title-42/section-2.31",
        },
        AuthorizationKind::Ascmi => Law {
            system: POLICY_SYSTEM,
            code: "ascmi",
            display: "California ASCMI (DHCS Authorization to Share Confidential Medi-Cal Information)",
            authority: "https://www.dhcs.ca.gov",
            uri: "urn:confidant:fhir:policy:ascmi",
        },
    }
}

/// The law a restriction is asked under (45 CFR 164.522(a)).
pub const RESTRICTION_LAW: Law = Law {
    system: CONSENT_POLICY,
    code: "hipaa-restrictions",
    display: "HIPAA restrictions (45 CFR 164.522(a))",
    authority: "https://www.hhs.gov",
    uri: "https://www.ecfr.gov/current/title-45/section-164.522",
};

/// A `policyRule` coding or a `policy.uri` as an authorization kind.
pub fn kind_from_policy(system: Option<&str>, code: &str) -> Option<AuthorizationKind> {
    AuthorizationKind::ALL.iter().copied().find(|k| {
        let law = law(*k);
        match system {
            Some(system) => law.system == system && law.code == code,
            None => law.uri == code,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_and_category_round_trips_through_its_coding() {
        for p in Purpose::ALL {
            let (system, code) = purpose_coding(*p);
            assert_eq!(purpose_from(system, code), Some(*p), "{p}");
        }
        for c in Category::ALL {
            let (system, code) = category_coding(*c);
            assert_eq!(category_from(system, code), Some(*c), "{c}");
        }
        for k in AuthorizationKind::ALL {
            let law = law(*k);
            assert_eq!(kind_from_policy(Some(law.system), law.code), Some(*k));
            assert_eq!(kind_from_policy(None, law.uri), Some(*k));
        }
    }

    #[test]
    fn psy_names_no_single_category() {
        assert_eq!(security_label("PSY"), None);
        assert_eq!(security_label("ETH"), Some(Category::SubstanceUse));
        assert_eq!(purpose_of_use("TREAT"), Some(Purpose::Treatment));
        assert_eq!(purpose_of_use("NOPE"), None);
    }
}
