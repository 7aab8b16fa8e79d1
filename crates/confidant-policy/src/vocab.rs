//! The contract's vocabulary: every enum of `spec/decisions.md` as a Rust type
//! with its exact wire spelling, so that parsing, Cedar attributes and output
//! all use one list.

use std::fmt;

/// Defines a closed vocabulary: a fieldless enum, its wire names, `ALL`,
/// `as_str`, `parse` and a `Display`/`Serialize` that use the wire name.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling used in requests, decisions and Cedar.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the wire spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The accepted spellings joined for an error message.
            pub fn expected() -> String {
                let names: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
                names.join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// A category of a client's information.
    Category {
        Demographics = "demographics",
        Appointments = "appointments",
        Billing = "billing",
        Diagnosis = "diagnosis",
        TreatmentPlan = "treatment_plan",
        Medications = "medications",
        ProgressNotes = "progress_notes",
        PsychotherapyNotes = "psychotherapy_notes",
        PeerSupportNotes = "peer_support_notes",
        TestResults = "test_results",
        SubstanceUse = "substance_use",
        Hiv = "hiv",
        /// Whether the client is receiving services or is in the facility,
        /// where, and their general condition in general terms (contract v2).
        PresenceAndCondition = "presence_and_condition",
    }
}

vocabulary! {
    /// Who would receive the information.
    RecipientKind {
        Client = "client",
        PersonalRepresentative = "personal_representative",
        FamilyOrFriend = "family_or_friend",
        TreatingProvider = "treating_provider",
        CareTeamMember = "care_team_member",
        WorkforceMember = "workforce_member",
        Supervisor = "supervisor",
        HealthPlan = "health_plan",
        LawEnforcement = "law_enforcement",
        Court = "court",
        Attorney = "attorney",
        ChildWelfareAgency = "child_welfare_agency",
        AdultProtectiveServices = "adult_protective_services",
        PublicHealthAuthority = "public_health_authority",
        PotentialVictim = "potential_victim",
        EmergencyProvider = "emergency_provider",
        Employer = "employer",
        School = "school",
        Researcher = "researcher",
        HealthOversightAgency = "health_oversight_agency",
        Coroner = "coroner",
        BusinessAssociate = "business_associate",
        /// A county or community social-services organization that is not a
        /// health care provider (contract v2).
        SocialServicesAgency = "social_services_agency",
        /// A correctional institution or law-enforcement official with lawful
        /// custody of the client (contract v2).
        CorrectionalInstitution = "correctional_institution",
    }
}

vocabulary! {
    /// Why the information would be disclosed.
    Purpose {
        Treatment = "treatment",
        Payment = "payment",
        HealthCareOperations = "health_care_operations",
        ClientRequest = "client_request",
        CareInvolvement = "care_involvement",
        Emergency = "emergency",
        PreventSeriousThreat = "prevent_serious_threat",
        ReportChildAbuse = "report_child_abuse",
        ReportElderAbuse = "report_elder_abuse",
        JudicialProceeding = "judicial_proceeding",
        LawEnforcement = "law_enforcement",
        PublicHealth = "public_health",
        HealthOversight = "health_oversight",
        Research = "research",
        Marketing = "marketing",
        Employment = "employment",
        LegalDefense = "legal_defense",
        Training = "training",
        DeathInvestigation = "death_investigation",
        /// Locating or notifying family or another person responsible for
        /// the client's care of the client's location, condition or death
        /// (contract v2; 45 CFR 164.510(b)(1)(ii)).
        Notification = "notification",
    }
}

vocabulary! {
    /// The discloser's professional role.
    Role {
        Psychotherapist = "psychotherapist",
        Psychiatrist = "psychiatrist",
        Nurse = "nurse",
        CaseManager = "case_manager",
        PeerSupportSpecialist = "peer_support_specialist",
        AdministrativeStaff = "administrative_staff",
    }
}

/// Which body of law applies: federal law only (`US`), or federal law and a
/// state's (`US-CA`, or another ISO 3166-2 code such as `US-NY`). Every
/// state code parses; a request is accepted only for `US`, `US-CA` or a
/// state a loaded pack declares with `@jurisdiction` (`Engine::accepts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jurisdiction(u8);

/// `US`, then the states, DC and the territories (ISO 3166-2:US).
const JURISDICTION_CODES: [&str; 57] = [
    "US", "US-CA", "US-AK", "US-AL", "US-AR", "US-AZ", "US-CO", "US-CT", "US-DE", "US-FL", "US-GA", "US-HI", "US-IA", "US-ID",
    "US-IL", "US-IN", "US-KS", "US-KY", "US-LA", "US-MA", "US-MD", "US-ME", "US-MI", "US-MN", "US-MO", "US-MS", "US-MT",
    "US-NC", "US-ND", "US-NE", "US-NH", "US-NJ", "US-NM", "US-NV", "US-NY", "US-OH", "US-OK", "US-OR", "US-PA", "US-RI",
    "US-SC", "US-SD", "US-TN", "US-TX", "US-UT", "US-VA", "US-VT", "US-WA", "US-WI", "US-WV", "US-WY", "US-DC", "US-AS",
    "US-GU", "US-MP", "US-PR", "US-VI",
];

#[allow(non_upper_case_globals)]
impl Jurisdiction {
    /// Federal law only.
    pub const Us: Jurisdiction = Jurisdiction(0);
    /// California (the built-in state layer).
    pub const UsCa: Jurisdiction = Jurisdiction(1);
    /// The jurisdictions the built-in packs cover.
    pub const ALL: &'static [Jurisdiction] = &[Jurisdiction::Us, Jurisdiction::UsCa];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        JURISDICTION_CODES.get(usize::from(self.0)).copied().unwrap_or("US")
    }

    /// Parses `US` or a US state, DC or territory code; `None` otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        JURISDICTION_CODES.iter().position(|c| *c == text).and_then(|i| u8::try_from(i).ok()).map(Jurisdiction)
    }

    /// Whether this is a state's (not federal law alone).
    pub fn is_state(self) -> bool {
        self != Jurisdiction::Us
    }

    /// The built-in spellings, for an error message.
    pub fn expected() -> String {
        "`US`, `US-CA`, or a state whose rules a loaded pack declares with `@jurisdiction`".to_string()
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Jurisdiction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

vocabulary! {
    /// Whether the organization's own policy layer applies.
    OrganizationPolicy {
        Default = "default",
        None = "none",
    }
}

vocabulary! {
    /// Where the client stands with the program; confidentiality survives all three.
    ClientStatus {
        Active = "active",
        Discharged = "discharged",
        Deceased = "deceased",
    }
}

vocabulary! {
    /// A boolean fact of the request; missing facts are false.
    Fact {
        ClientPresent = "client_present",
        ClientAgrees = "client_agrees",
        ClientObjects = "client_objects",
        ClientIncapacitated = "client_incapacitated",
        RecipientInvolvedInCare = "recipient_involved_in_care",
        SeriousImminentThreat = "serious_imminent_threat",
        IdentifiableVictim = "identifiable_victim",
        RecipientCanPreventOrLessen = "recipient_can_prevent_or_lessen",
        SuspectedChildAbuse = "suspected_child_abuse",
        SuspectedElderAbuse = "suspected_elder_abuse",
        CourtOrder = "court_order",
        Subpoena = "subpoena",
        SatisfactoryAssurance = "satisfactory_assurance",
        Warrant = "warrant",
        RequiredByLaw = "required_by_law",
        MedicalEmergency = "medical_emergency",
        IdentityVerified = "identity_verified",
        AccessWouldEndanger = "access_would_endanger",
        IrbWaiver = "irb_waiver",
        PaidInFullOutOfPocket = "paid_in_full_out_of_pocket",
        // Contract v2.
        MinorConsentedToOwnCare = "minor_consented_to_own_care",
        ParentAgreedToConfidentiality = "parent_agreed_to_confidentiality",
        RepresentativeMayEndanger = "representative_may_endanger",
        LocatingSuspectOrMissingPerson = "locating_suspect_or_missing_person",
        Cmia56104Request = "cmia_56104_request",
        Part2CourtOrder = "part2_court_order",
        CrimeOnPremises = "crime_on_premises",
        ClientInCustody = "client_in_custody",
    }
}

vocabulary! {
    /// Which law an authorization is written under.
    AuthorizationKind {
        Hipaa = "hipaa",
        Part2 = "part2",
        /// California's standard multi-party Authorization to Share
        /// Confidential Member Information (DHCS); counts as a HIPAA
        /// authorization and a Part 2 consent for what it covers, never for
        /// psychotherapy notes (contract v2).
        Ascmi = "ascmi",
    }
}

vocabulary! {
    /// Who signed an authorization.
    Signer {
        Client = "client",
        PersonalRepresentative = "personal_representative",
    }
}

vocabulary! {
    /// The answer for one category.
    Outcome {
        Required = "required",
        Permit = "permit",
        Deny = "deny",
    }
}

vocabulary! {
    /// The answer for the whole request.
    OverallDecision {
        Deny = "deny",
        Partial = "partial",
        Required = "required",
        Permit = "permit",
    }
}

vocabulary! {
    /// A layer of rules; the order is the order of the contract.
    Layer {
        Hipaa = "hipaa",
        Part2 = "part2",
        California = "california",
        /// Another state's law, from a pack that declares its `@jurisdiction`.
        State = "state",
        Organization = "organization",
    }
}

vocabulary! {
    /// What a fired rule says about a category.
    Effect {
        /// The law requires the disclosure.
        Require = "require",
        /// The disclosure is allowed.
        Permit = "permit",
        /// The disclosure is not allowed (subject to the layer precedence).
        Forbid = "forbid",
        /// The layer's default deny: withholds unless a rule of the same layer releases.
        Gate = "gate",
        /// Adds obligations to a released category; releases nothing.
        Obligate = "obligate",
        /// Offers remedies for a withheld category; releases nothing.
        Advise = "advise",
    }
}

vocabulary! {
    /// Something the discloser must do when releasing.
    ObligationKind {
        MinimumNecessary = "minimum_necessary",
        RecordInAccounting = "record_in_accounting",
        VerifyIdentity = "verify_identity",
        RedisclosureNotice = "redisclosure_notice",
        InformClient = "inform_client",
        DocumentRationale = "document_rationale",
        LimitToRelevant = "limit_to_relevant",
        WrittenRequest = "written_request",
        /// Share only if, in your professional judgment, it is in the
        /// client's best interest (45 CFR 164.510(b)(3); contract v2).
        ProfessionalJudgment = "professional_judgment",
    }
}

vocabulary! {
    /// Something that would make a withheld disclosure lawful.
    RemedyKind {
        ObtainAuthorization = "obtain_authorization",
        ObtainPart2Consent = "obtain_part2_consent",
        ObtainCourtOrder = "obtain_court_order",
        ObtainPart2CourtOrder = "obtain_part2_court_order",
        AskClient = "ask_client",
        ObtainSatisfactoryAssurance = "obtain_satisfactory_assurance",
        VerifyIdentity = "verify_identity",
        OfferProfessionalReview = "offer_professional_review",
        /// Ask the requester for the signed written request of Cal. Civ.
        /// Code 56.104 (contract v2).
        ObtainWrittenRequest = "obtain_written_request",
    }
}

impl Category {
    /// Every category except psychotherapy notes: the medical record.
    pub fn is_record(self) -> bool {
        self != Category::PsychotherapyNotes
    }
}

impl Layer {
    /// Law layers can require; the organization layer cannot.
    pub fn is_law(self) -> bool {
        self != Layer::Organization
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_name_round_trips() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        for f in Fact::ALL {
            assert_eq!(Fact::parse(f.as_str()), Some(*f));
        }
        assert_eq!(Jurisdiction::parse("US-CA"), Some(Jurisdiction::UsCa));
        assert_eq!(Category::parse("horoscope"), None);
    }

    #[test]
    fn contract_lists_have_the_contract_sizes() {
        // Version 1 of the contract plus its version 2 additions.
        assert_eq!(Category::ALL.len(), 12 + 1);
        assert_eq!(RecipientKind::ALL.len(), 22 + 2);
        assert_eq!(Purpose::ALL.len(), 19 + 1);
        assert_eq!(Fact::ALL.len(), 20 + 8);
        assert_eq!(ObligationKind::ALL.len(), 8 + 1);
        assert_eq!(RemedyKind::ALL.len(), 8 + 1);
        assert_eq!(AuthorizationKind::ALL.len(), 2 + 1);
    }
}
