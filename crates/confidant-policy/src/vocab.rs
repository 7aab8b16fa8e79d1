//! The contract's vocabulary: every enum of `spec/decisions.md` as a Rust type
//! with its exact wire spelling, so that parsing, Cedar attributes and output
//! all use one list.

use std::fmt;

/// Defines a closed vocabulary: a fieldless enum, its wire names, `ALL`,
/// `as_str`, `parse` and a `Display`/`Serialize` that use the wire name.
///
/// Every variant needs a doc comment saying what the word means in the
/// contract (the macro does not match a variant without one); the macro
/// appends the wire spelling to it.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[doc = $doc:literal])+ $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                $(#[doc = $doc])+
                #[doc = ""]
                #[doc = concat!("Wire spelling: `", $wire, "`.")]
                $variant
            ),+
        }

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
        /// The client's identifying details: name, date of birth, address, contact information.
        Demographics = "demographics",
        /// When the client was or will be seen: scheduling and attendance.
        Appointments = "appointments",
        /// Charges, claims and payments for the client's care.
        Billing = "billing",
        /// The client's diagnoses, part of the medical record.
        Diagnosis = "diagnosis",
        /// The goals and planned services of the client's care.
        TreatmentPlan = "treatment_plan",
        /// What the client is prescribed or takes, with doses.
        Medications = "medications",
        /// Notes in the medical record on sessions and progress; not
        /// psychotherapy notes.
        ProgressNotes = "progress_notes",
        /// A therapist's separately kept notes on the content of sessions
        /// (45 CFR 164.501); they need an authorization of their own.
        PsychotherapyNotes = "psychotherapy_notes",
        /// A peer support specialist's notes on their work with the client.
        PeerSupportNotes = "peer_support_notes",
        /// Results of laboratory tests and psychological assessments.
        TestResults = "test_results",
        /// Information about the client's use of alcohol or drugs; Part 2 protects
        /// it when it comes from a Part 2 program.
        SubstanceUse = "substance_use",
        /// HIV test results and status, which California protects further (Cal.
        /// Health & Safety Code 120980).
        Hiv = "hiv",
        /// Whether the client is receiving services or is in the facility,
        /// where, and their general condition in general terms (contract v2).
        PresenceAndCondition = "presence_and_condition",
    }
}

vocabulary! {
    /// Who would receive the information.
    RecipientKind {
        /// The client themself, e.g. exercising their right of access (45 CFR
        /// 164.524).
        Client = "client",
        /// Someone with authority to act for the client in health care: a
        /// minor's parent or guardian, a conservator, after death the executor
        /// (45 CFR 164.502(g)).
        PersonalRepresentative = "personal_representative",
        /// A family member, other relative or close friend who is not the personal
        /// representative (45 CFR 164.510(b)).
        FamilyOrFriend = "family_or_friend",
        /// A health care provider treating the client.
        TreatingProvider = "treating_provider",
        /// Someone on the client's care team, who takes part in treating them.
        CareTeamMember = "care_team_member",
        /// A member of the program's own workforce (staff, volunteers,
        /// trainees), for a use inside the program.
        WorkforceMember = "workforce_member",
        /// A supervisor inside the program, reviewing for consultation or
        /// training.
        Supervisor = "supervisor",
        /// An insurer, HMO or Medi-Cal plan that pays for the client's care.
        HealthPlan = "health_plan",
        /// A police officer, sheriff, prosecutor or other law-enforcement official.
        LawEnforcement = "law_enforcement",
        /// A court or administrative tribunal.
        Court = "court",
        /// A lawyer, for the client or for another party.
        Attorney = "attorney",
        /// A child protective services agency, which receives child abuse
        /// reports (Cal. Penal Code 11165.9).
        ChildWelfareAgency = "child_welfare_agency",
        /// The county agency that receives reports of elder and dependent-adult
        /// abuse (Cal. Welf. & Inst. Code 15630).
        AdultProtectiveServices = "adult_protective_services",
        /// A public health agency authorized by law to collect the information
        /// (45 CFR 164.512(b)).
        PublicHealthAuthority = "public_health_authority",
        /// A person the client has threatened, who may need to be warned (Cal.
        /// Civ. Code 43.92).
        PotentialVictim = "potential_victim",
        /// Emergency medical personnel treating the client in an emergency.
        EmergencyProvider = "emergency_provider",
        /// The client's employer.
        Employer = "employer",
        /// A school the client attends.
        School = "school",
        /// A researcher who wants the client's information for a study.
        Researcher = "researcher",
        /// An agency that oversees the health system: licensing boards, auditors,
        /// investigators (45 CFR 164.512(d)).
        HealthOversightAgency = "health_oversight_agency",
        /// A coroner or medical examiner (45 CFR 164.512(g)(1)).
        Coroner = "coroner",
        /// A contractor that handles the information on the program's behalf
        /// under a business associate agreement (45 CFR 164.502(e)); under Part 2,
        /// a qualified service organization.
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
        /// Providing, coordinating or managing the client's care (45 CFR
        /// 164.506(c)).
        Treatment = "treatment",
        /// Getting paid for the client's care: billing, claims, eligibility.
        Payment = "payment",
        /// Running the program: quality review, audits, legal services, business
        /// management (45 CFR 164.501).
        HealthCareOperations = "health_care_operations",
        /// The client (or their personal representative) exercising the right
        /// of access to their own records (45 CFR 164.524).
        ClientRequest = "client_request",
        /// Sharing with someone involved in the client's care or in paying for
        /// it (45 CFR 164.510(b)).
        CareInvolvement = "care_involvement",
        /// A medical emergency: the information is needed to treat the client now.
        Emergency = "emergency",
        /// Preventing or lessening a serious and imminent threat to someone's
        /// health or safety (45 CFR 164.512(j); Cal. Civ. Code 43.92).
        PreventSeriousThreat = "prevent_serious_threat",
        /// A report of suspected child abuse or neglect (Cal. Penal Code 11166).
        ReportChildAbuse = "report_child_abuse",
        /// A report of suspected elder or dependent-adult abuse (Cal. Welf. &
        /// Inst. Code 15630).
        ReportElderAbuse = "report_elder_abuse",
        /// A judicial or administrative proceeding: a court order, a subpoena,
        /// discovery (45 CFR 164.512(e)).
        JudicialProceeding = "judicial_proceeding",
        /// A law-enforcement purpose: a warrant, locating a suspect or missing
        /// person, a crime (45 CFR 164.512(f)).
        LawEnforcement = "law_enforcement",
        /// Public health activities such as disease reporting (45 CFR 164.512(b)).
        PublicHealth = "public_health",
        /// Audits, investigations, licensing and other oversight of the health
        /// system (45 CFR 164.512(d)).
        HealthOversight = "health_oversight",
        /// Research, under an authorization or an IRB or privacy board waiver
        /// (45 CFR 164.512(i)).
        Research = "research",
        /// Encouraging the use of a product or service; needs an authorization
        /// (45 CFR 164.508(a)(3)).
        Marketing = "marketing",
        /// Decisions about the client's employment, e.g. fitness for duty.
        Employment = "employment",
        /// The program or therapist defending a proceeding the client brought
        /// (45 CFR 164.508(a)(2)(i)(C); Cal. Evid. Code 1020).
        LegalDefense = "legal_defense",
        /// Supervised training of practitioners inside the program (45 CFR
        /// 164.501, 164.508(a)(2)(i)(B)).
        Training = "training",
        /// A coroner or medical examiner's inquiry into a death (45 CFR
        /// 164.512(g)).
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
        /// A licensed psychotherapist (psychologist, LCSW, LMFT, LPCC); the
        /// default role, and a mandated reporter in California by default.
        Psychotherapist = "psychotherapist",
        /// A psychiatrist; a mandated reporter in California by default.
        Psychiatrist = "psychiatrist",
        /// A nurse; a mandated reporter in California by default.
        Nurse = "nurse",
        /// A case manager, who links the client with services; a mandated
        /// reporter in California by default.
        CaseManager = "case_manager",
        /// A peer support specialist, who draws on their own lived experience
        /// of recovery; not a mandated reporter unless the request says so.
        PeerSupportSpecialist = "peer_support_specialist",
        /// Front-desk, records or billing staff; not a clinician, not a
        /// mandated reporter unless the request says so.
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
    "US", "US-CA", "US-AK", "US-AL", "US-AR", "US-AZ", "US-CO", "US-CT", "US-DE", "US-FL", "US-GA", "US-HI", "US-IA", "US-ID", "US-IL",
    "US-IN", "US-KS", "US-KY", "US-LA", "US-MA", "US-MD", "US-ME", "US-MI", "US-MN", "US-MO", "US-MS", "US-MT", "US-NC", "US-ND", "US-NE",
    "US-NH", "US-NJ", "US-NM", "US-NV", "US-NY", "US-OH", "US-OK", "US-OR", "US-PA", "US-RI", "US-SC", "US-SD", "US-TN", "US-TX", "US-UT",
    "US-VA", "US-VT", "US-WA", "US-WI", "US-WV", "US-WY", "US-DC", "US-AS", "US-GU", "US-MP", "US-PR", "US-VI",
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
        /// Apply the built-in organization and ethics layer on top of the law.
        Default = "default",
        /// Decide on law alone.
        None = "none",
    }
}

vocabulary! {
    /// Where the client stands with the program; confidentiality survives all three.
    ClientStatus {
        /// Currently receiving services.
        Active = "active",
        /// No longer receiving services; confidentiality does not end at
        /// discharge.
        Discharged = "discharged",
        /// Died on `died_on`; confidentiality continues after death.
        Deceased = "deceased",
    }
}

vocabulary! {
    /// A boolean fact of the request; missing facts are false.
    Fact {
        /// The client is present, or otherwise available, when the disclosure is
        /// made.
        ClientPresent = "client_present",
        /// The client agrees to the disclosure.
        ClientAgrees = "client_agrees",
        /// The client objects to the disclosure.
        ClientObjects = "client_objects",
        /// The client is incapacitated and cannot agree or object (45 CFR
        /// 164.510(b)(3)).
        ClientIncapacitated = "client_incapacitated",
        /// The recipient is involved in the client's care or in paying for it.
        RecipientInvolvedInCare = "recipient_involved_in_care",
        /// There is a serious and imminent threat to someone's health or safety.
        SeriousImminentThreat = "serious_imminent_threat",
        /// The threat is against a reasonably identifiable victim.
        IdentifiableVictim = "identifiable_victim",
        /// The recipient is reasonably able to prevent or lessen the threat.
        RecipientCanPreventOrLessen = "recipient_can_prevent_or_lessen",
        /// The discloser knows of or reasonably suspects child abuse or neglect.
        SuspectedChildAbuse = "suspected_child_abuse",
        /// The discloser knows of or reasonably suspects elder or dependent-adult
        /// abuse.
        SuspectedElderAbuse = "suspected_elder_abuse",
        /// A court order compels the disclosure (for Part 2 records, see
        /// `part2_court_order`).
        CourtOrder = "court_order",
        /// A subpoena or discovery request without a court order asks for it
        /// (45 CFR 164.512(e)(1)(ii)).
        Subpoena = "subpoena",
        /// The requester gave written assurance that the client was told of the
        /// subpoena or that a protective order was sought (45 CFR 164.512(e)(1)(ii)).
        SatisfactoryAssurance = "satisfactory_assurance",
        /// A warrant compels the disclosure.
        Warrant = "warrant",
        /// Another law requires the disclosure (45 CFR 164.512(a)).
        RequiredByLaw = "required_by_law",
        /// The client has a medical emergency.
        MedicalEmergency = "medical_emergency",
        /// The recipient's identity and authority have been verified.
        IdentityVerified = "identity_verified",
        /// A licensed professional judges that the client's access would
        /// endanger the client or another person (45 CFR 164.524(a)(3)(i)).
        AccessWouldEndanger = "access_would_endanger",
        /// An IRB or privacy board waived authorization for the research.
        IrbWaiver = "irb_waiver",
        /// The client paid in full out of pocket for the care the information is
        /// about (45 CFR 164.522(a)(1)(vi)).
        PaidInFullOutOfPocket = "paid_in_full_out_of_pocket",
        // Contract v2.
        /// The client is a minor who lawfully consented to this care without a
        /// parent, so the parent is not the personal representative for it
        /// (45 CFR 164.502(g)(3)(i)).
        MinorConsentedToOwnCare = "minor_consented_to_own_care",
        /// The parent agreed that the minor and the provider may keep this care
        /// confidential (45 CFR 164.502(g)(3)(iii)).
        ParentAgreedToConfidentiality = "parent_agreed_to_confidentiality",
        /// The provider reasonably believes the personal representative has
        /// abused or neglected the client, or could endanger them (45 CFR
        /// 164.502(g)(5)).
        RepresentativeMayEndanger = "representative_may_endanger",
        /// Law enforcement asks in order to identify or locate a suspect,
        /// fugitive, material witness or missing person (45 CFR 164.512(f)(2)).
        LocatingSuspectOrMissingPerson = "locating_suspect_or_missing_person",
        /// The requester sent the signed written request Cal. Civ. Code 56.104
        /// requires before outpatient psychotherapy details go to it.
        Cmia56104Request = "cmia_56104_request",
        /// A court order issued under 42 CFR 2.64–2.67 after the findings Part 2
        /// requires; for Part 2 records `court_order` alone is not enough.
        Part2CourtOrder = "part2_court_order",
        /// The request concerns a crime, or a threat of one, on the program's
        /// premises or against its personnel (42 CFR 2.12(c)(5)).
        CrimeOnPremises = "crime_on_premises",
        /// The client is an inmate of a correctional institution or in lawful
        /// custody (45 CFR 164.512(k)(5)).
        ClientInCustody = "client_in_custody",
    }
}

vocabulary! {
    /// Which law an authorization is written under.
    AuthorizationKind {
        /// A HIPAA authorization (45 CFR 164.508).
        Hipaa = "hipaa",
        /// A Part 2 consent (42 CFR 2.31).
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
        /// The client signed it.
        Client = "client",
        /// A personal representative signed it for the client (for a minor, usually
        /// a parent).
        PersonalRepresentative = "personal_representative",
    }
}

vocabulary! {
    /// The answer for one category.
    Outcome {
        /// The law requires this disclosure.
        Required = "required",
        /// The disclosure is allowed, not required.
        Permit = "permit",
        /// The category must be withheld.
        Deny = "deny",
    }
}

vocabulary! {
    /// The answer for the whole request.
    OverallDecision {
        /// Nothing requested is released.
        Deny = "deny",
        /// Some requested categories are released, others withheld.
        Partial = "partial",
        /// Everything is released and at least one category must be.
        Required = "required",
        /// Everything is released and none must be.
        Permit = "permit",
    }
}

vocabulary! {
    /// A layer of rules; the order is the order of the contract.
    Layer {
        /// The HIPAA Privacy Rule (45 CFR Parts 160 and 164).
        Hipaa = "hipaa",
        /// Confidentiality of substance-use-disorder records (42 CFR Part 2).
        Part2 = "part2",
        /// California law: CMIA, LPS Act records, minors, privilege, mandated
        /// reporting.
        California = "california",
        /// Another state's law, from a pack that declares its `@jurisdiction`.
        State = "state",
        /// The organization's own policy and professional ethics; it can narrow a
        /// permission but cannot require or block a requirement.
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
        /// Share only the minimum necessary for the purpose (45 CFR 164.502(b)).
        MinimumNecessary = "minimum_necessary",
        /// Record the disclosure in the client's accounting of disclosures
        /// (45 CFR 164.528).
        RecordInAccounting = "record_in_accounting",
        /// Verify the recipient's identity and authority first (45 CFR
        /// 164.514(h)).
        VerifyIdentity = "verify_identity",
        /// Send the Part 2 notice prohibiting redisclosure with the records
        /// (42 CFR 2.32).
        RedisclosureNotice = "redisclosure_notice",
        /// Tell the client what was shared and why, unless that would put someone
        /// at risk.
        InformClient = "inform_client",
        /// Write down what was shared, with whom, when and why.
        DocumentRationale = "document_rationale",
        /// Share only what is relevant to the purpose.
        LimitToRelevant = "limit_to_relevant",
        /// Get the request in writing.
        WrittenRequest = "written_request",
        /// Share only if, in your professional judgment, it is in the
        /// client's best interest (45 CFR 164.510(b)(3); contract v2).
        ProfessionalJudgment = "professional_judgment",
    }
}

vocabulary! {
    /// Something that would make a withheld disclosure lawful.
    RemedyKind {
        /// Have the client (or whoever may sign for them) sign a HIPAA
        /// authorization naming this recipient, purpose and information.
        ObtainAuthorization = "obtain_authorization",
        /// Have the client sign a Part 2 consent (42 CFR 2.31) covering this
        /// information and recipient.
        ObtainPart2Consent = "obtain_part2_consent",
        /// Ask the requester for a court order.
        ObtainCourtOrder = "obtain_court_order",
        /// Ask for a Part 2 court order (42 CFR 2.64, or 2.65 to investigate or
        /// prosecute the client), the only way to open Part 2 records without
        /// consent here.
        ObtainPart2CourtOrder = "obtain_part2_court_order",
        /// Ask the client whether they agree.
        AskClient = "ask_client",
        /// Ask for written assurance that the client was told of the subpoena or
        /// that a protective order was sought.
        ObtainSatisfactoryAssurance = "obtain_satisfactory_assurance",
        /// Confirm who the requester is and their authority.
        VerifyIdentity = "verify_identity",
        /// Offer a review of a denied access request by another licensed
        /// professional (45 CFR 164.524(a)(4)), or to send the records to a
        /// professional the client names.
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

impl RecipientKind {
    /// Whether research may be released to this recipient: a researcher, a
    /// public health authority doing it, or the clinicians and staff doing
    /// an approved study (45 CFR 164.512(i); Civ. Code 56.10(c)(7); Welf. &
    /// Inst. Code 5328(e)). Rules test this as Cedar's
    /// `context.recipient.does_research`, so the research rules agree on who
    /// may receive.
    pub fn does_research(self) -> bool {
        matches!(
            self,
            RecipientKind::Researcher
                | RecipientKind::PublicHealthAuthority
                | RecipientKind::TreatingProvider
                | RecipientKind::WorkforceMember
        )
    }

    /// The kind the rules see for an abuse report filed with this recipient.
    /// A report of child abuse filed with a social-services agency goes to
    /// the county welfare department, which Penal Code 11165.9 names beside
    /// the police; a report of elder or dependent-adult abuse goes to the
    /// adult protective services agency, which Welf. & Inst. Code 15610.13
    /// defines as the county welfare department; and 45 CFR 164.512(c)(1)
    /// names "a social service or protective services agency". So the rules,
    /// which name child welfare and protective services, decide the report
    /// as one to them. Only the two report purposes: a housing or benefits
    /// group asked for anything else stays a social-services agency.
    pub fn as_reported(self, purpose: Purpose) -> RecipientKind {
        match (self, purpose) {
            (RecipientKind::SocialServicesAgency, Purpose::ReportChildAbuse) => RecipientKind::ChildWelfareAgency,
            (RecipientKind::SocialServicesAgency, Purpose::ReportElderAbuse) => RecipientKind::AdultProtectiveServices,
            (kind, _) => kind,
        }
    }
}

impl Purpose {
    /// Whether a report to an agency can be filed under this purpose: the
    /// two report purposes, and the labels staff file the same call under
    /// (law enforcement, an emergency, preventing a threat, a notification,
    /// public health, oversight). Rules that read a report by its stated
    /// facts test this (Cedar's `context.reporting`), so every pack agrees
    /// on which labels a report may carry; the facts and the recipient
    /// decide whether it is one (45 CFR 164.512(b)(1)(ii), (c); Penal Code
    /// 11166(a); Welf. & Inst. Code 15630(b)(1); 42 CFR 2.12(c)(6)).
    pub fn carries_report(self) -> bool {
        matches!(
            self,
            Purpose::ReportChildAbuse
                | Purpose::ReportElderAbuse
                | Purpose::LawEnforcement
                | Purpose::Emergency
                | Purpose::PreventSeriousThreat
                | Purpose::Notification
                | Purpose::PublicHealth
                | Purpose::HealthOversight
        )
    }

    /// Whether a warning about a serious threat to `to` can be filed under
    /// this purpose: every reporting label, the involvement of the person
    /// who is told, and treatment when the recipient gives no care (staff
    /// may file a warning to the person threatened under the care they are
    /// giving; to a provider or the care team, treatment is treatment, and
    /// psychotherapy notes and the accounting follow it). A workforce member
    /// outside the program (`same_organization` false) gives no care here.
    /// 45 CFR 164.512(j) and Civ. Code 43.92 set no purpose
    /// condition, so a warning filed as a report (a threat to the client's
    /// child filed as a child-abuse report, say) is the same warning. Rules
    /// test this as Cedar's `context.warning`; a derived dimension keeps the
    /// rules' truth tables small, where a disjunction of `context.reporting`
    /// with the purpose merged the two (batch/varied_uncached +60%).
    pub fn carries_warning(self, to: RecipientKind, same_organization: bool) -> bool {
        let gives_care = matches!(
            to,
            RecipientKind::TreatingProvider | RecipientKind::CareTeamMember | RecipientKind::EmergencyProvider | RecipientKind::Supervisor
        ) || (to == RecipientKind::WorkforceMember && same_organization);
        self.carries_report() || self == Purpose::CareInvolvement || (self == Purpose::Treatment && !gives_care)
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

    #[test]
    fn only_an_abuse_report_filed_with_social_services_is_read_as_one_to_the_county_welfare_department() {
        let social = RecipientKind::SocialServicesAgency;
        assert_eq!(social.as_reported(Purpose::ReportChildAbuse), RecipientKind::ChildWelfareAgency);
        assert_eq!(social.as_reported(Purpose::ReportElderAbuse), RecipientKind::AdultProtectiveServices);
        for purpose in Purpose::ALL.iter().filter(|p| !matches!(p, Purpose::ReportChildAbuse | Purpose::ReportElderAbuse)) {
            assert_eq!(social.as_reported(*purpose), social, "{purpose:?}");
        }
        for kind in RecipientKind::ALL.iter().filter(|k| **k != social) {
            for purpose in Purpose::ALL {
                assert_eq!(kind.as_reported(*purpose), *kind, "{kind:?} {purpose:?}");
            }
        }
    }
}
