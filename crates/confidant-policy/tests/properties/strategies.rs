//! Strategies: requests biased toward recipient/purpose pairs and papers
//! that match, so most cases reach a rule other than the default deny.

use super::*;

/// Recipient/purpose pairs that some rule speaks to, with the facts that
/// make that rule fire and whether the recipient is usually inside the
/// program; uniform pairs and facts mostly meet the default deny.
pub(crate) const TYPICAL: &[(RecipientKind, Purpose, &[Fact], bool)] = &[
    (RecipientKind::TreatingProvider, Purpose::Treatment, &[Fact::ClientAgrees], false),
    (RecipientKind::CareTeamMember, Purpose::Treatment, &[Fact::ClientAgrees], false),
    (RecipientKind::EmergencyProvider, Purpose::Emergency, &[Fact::MedicalEmergency], false),
    (RecipientKind::Client, Purpose::ClientRequest, &[Fact::IdentityVerified], false),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[], false),
    (RecipientKind::PersonalRepresentative, Purpose::CareInvolvement, &[Fact::ClientPresent, Fact::ClientAgrees], false),
    (
        RecipientKind::FamilyOrFriend,
        Purpose::CareInvolvement,
        &[Fact::ClientPresent, Fact::ClientAgrees, Fact::RecipientInvolvedInCare],
        false,
    ),
    (RecipientKind::PotentialVictim, Purpose::PreventSeriousThreat, &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim], false),
    (
        RecipientKind::LawEnforcement,
        Purpose::PreventSeriousThreat,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim, Fact::RecipientCanPreventOrLessen],
        false,
    ),
    (RecipientKind::ChildWelfareAgency, Purpose::ReportChildAbuse, &[Fact::SuspectedChildAbuse], false),
    (RecipientKind::LawEnforcement, Purpose::ReportChildAbuse, &[Fact::SuspectedChildAbuse], false),
    (RecipientKind::AdultProtectiveServices, Purpose::ReportElderAbuse, &[Fact::SuspectedElderAbuse], false),
    (RecipientKind::Court, Purpose::JudicialProceeding, &[Fact::CourtOrder], false),
    (RecipientKind::Attorney, Purpose::JudicialProceeding, &[Fact::Subpoena, Fact::SatisfactoryAssurance], false),
    (RecipientKind::Attorney, Purpose::LegalDefense, &[], false),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::Warrant], false),
    (RecipientKind::PublicHealthAuthority, Purpose::PublicHealth, &[Fact::RequiredByLaw], false),
    (RecipientKind::HealthPlan, Purpose::Payment, &[Fact::PaidInFullOutOfPocket], false),
    (RecipientKind::HealthPlan, Purpose::HealthCareOperations, &[], false),
    (RecipientKind::BusinessAssociate, Purpose::HealthCareOperations, &[], false),
    (RecipientKind::WorkforceMember, Purpose::Treatment, &[], true),
    (RecipientKind::Supervisor, Purpose::Training, &[], true),
    (RecipientKind::Supervisor, Purpose::HealthCareOperations, &[], true),
    (RecipientKind::Researcher, Purpose::Research, &[Fact::IrbWaiver], false),
    (RecipientKind::Employer, Purpose::Employment, &[], false),
    (RecipientKind::School, Purpose::Marketing, &[], false),
    (RecipientKind::Coroner, Purpose::DeathInvestigation, &[], false),
    (RecipientKind::HealthOversightAgency, Purpose::HealthOversight, &[], false),
    // Contract v2.
    (RecipientKind::FamilyOrFriend, Purpose::Notification, &[Fact::ClientIncapacitated], false),
    (RecipientKind::FamilyOrFriend, Purpose::CareInvolvement, &[Fact::RecipientInvolvedInCare], false),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[Fact::MinorConsentedToOwnCare], false),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[Fact::RepresentativeMayEndanger], false),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::LocatingSuspectOrMissingPerson], false),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::CrimeOnPremises], false),
    (RecipientKind::CorrectionalInstitution, Purpose::Treatment, &[Fact::ClientInCustody], false),
    (RecipientKind::SocialServicesAgency, Purpose::Treatment, &[], false),
    (RecipientKind::HealthPlan, Purpose::Payment, &[Fact::Cmia56104Request], false),
    (RecipientKind::Court, Purpose::JudicialProceeding, &[Fact::Part2CourtOrder, Fact::CourtOrder], false),
    (RecipientKind::Employer, Purpose::PreventSeriousThreat, &[Fact::SeriousImminentThreat, Fact::RecipientCanPreventOrLessen], false),
];

pub(crate) const NAMES: &[&str] = &["Dr. Rivera", "dr.  RIVERA", "Acme", "R", ""];

/// 1990-01-01 ..= 2080-12-31.
pub(crate) fn as_of_days() -> impl Strategy<Value = i64> {
    days_from_civil(1990, 1, 1)..=days_from_civil(2080, 12, 31)
}

pub(crate) fn name() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(0.7, select(NAMES).prop_map(String::from))
}

pub(crate) fn categories() -> impl Strategy<Value = Vec<Category>> {
    prop_oneof![
        3 => subsequence(Category::ALL.to_vec(), 1..=4),
        1 => subsequence(Category::ALL.to_vec(), 1..=Category::ALL.len()),
    ]
    .prop_shuffle()
}

pub(crate) fn facts() -> impl Strategy<Value = Facts> {
    vec(proptest::bool::weighted(0.15), Fact::ALL.len()).prop_map(|bits| {
        let mut facts = Facts::default();
        for (fact, on) in Fact::ALL.iter().zip(bits) {
            facts.set(*fact, on);
        }
        facts
    })
}

/// Recipient kind, purpose, same_organization and the facts: usually a
/// typical pair with the facts that make its rule fire, over random facts.
pub(crate) fn situation() -> impl Strategy<Value = (RecipientKind, Purpose, bool, Facts)> {
    let typical = (select(TYPICAL), proptest::bool::weighted(0.75), proptest::bool::weighted(0.8), facts()).prop_map(
        |((kind, purpose, key_facts, inside), with_key_facts, keep_inside, mut facts)| {
            if with_key_facts {
                for fact in key_facts {
                    facts.set(*fact, true);
                }
            }
            (kind, purpose, inside && keep_inside, facts)
        },
    );
    let random = (select(RecipientKind::ALL), select(Purpose::ALL), proptest::bool::weighted(0.3), facts());
    prop_oneof![3 => typical, 2 => random]
}

pub(crate) fn client(as_of: i64) -> impl Strategy<Value = Client> {
    // Some deaths more than fifty years back (18 262 days), around the boundary too.
    let died_ago = prop_oneof![3 => 0i64..=3_650, 1 => 18_200i64..=18_300, 1 => 18_300i64..=22_000];
    (0u8..=130, select(ClientStatus::ALL), died_ago, proptest::bool::weighted(0.3), proptest::bool::weighted(0.3)).prop_map(
        move |(age, status, ago, part2_program, lps_program)| Client {
            age,
            status,
            died_on: (status == ClientStatus::Deceased).then(|| date(as_of - ago)),
            part2_program,
            lps_program,
        },
    )
}

/// A request without authorizations or restrictions.
pub(crate) fn base() -> impl Strategy<Value = Request> {
    as_of_days().prop_flat_map(|as_of| {
        let law = (select(Jurisdiction::ALL), select(OrganizationPolicy::ALL));
        let discloser = (select(Role::ALL), proptest::option::weighted(0.3, any::<bool>()))
            .prop_map(|(role, mandated_reporter)| Discloser { role, mandated_reporter });
        (law, discloser, client(as_of), situation(), name(), categories()).prop_map(
            move |((jurisdiction, organization_policy), discloser, client, (kind, purpose, same_organization, facts), name, categories)| {
                Request {
                    as_of: date(as_of),
                    jurisdiction,
                    organization_policy,
                    discloser,
                    client,
                    recipient: Recipient { kind, name, same_organization },
                    purpose,
                    categories,
                    facts,
                    authorizations: Vec::new(),
                    restrictions: Vec::new(),
                }
            },
        )
    })
}

/// Situations in which the law requires a disclosure (hipaa.access, ca.access,
/// ca.duty_to_protect, ca.threat_report, ca.child_abuse_mandate, ca.elder_abuse_mandate, and
/// from contract v2 what Cal. Civ. Code 56.10(b) compels: a court order (b)(1),
/// an agency's adjudication (b)(2) or investigative subpoena (b)(4), a search
/// warrant (b)(6), a coroner's investigation (b)(8), another law (b)(9)), with
/// the categories they require.
pub(crate) const REQUIRING: &[(RecipientKind, Purpose, &[Fact], &[Category])] = &[
    (RecipientKind::Client, Purpose::ClientRequest, &[], &[Category::Diagnosis, Category::ProgressNotes]),
    (RecipientKind::PersonalRepresentative, Purpose::ClientRequest, &[], &[Category::Medications]),
    (
        RecipientKind::PotentialVictim,
        Purpose::PreventSeriousThreat,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim],
        &[Category::Demographics, Category::ProgressNotes],
    ),
    (
        RecipientKind::LawEnforcement,
        Purpose::PreventSeriousThreat,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim],
        &[Category::Diagnosis],
    ),
    (
        RecipientKind::LawEnforcement,
        Purpose::LawEnforcement,
        &[Fact::SeriousImminentThreat, Fact::IdentifiableVictim],
        &[Category::Demographics],
    ),
    (
        RecipientKind::ChildWelfareAgency,
        Purpose::ReportChildAbuse,
        &[Fact::SuspectedChildAbuse],
        &[Category::Demographics, Category::PeerSupportNotes],
    ),
    (RecipientKind::LawEnforcement, Purpose::ReportChildAbuse, &[Fact::SuspectedChildAbuse], &[Category::ProgressNotes]),
    (
        RecipientKind::AdultProtectiveServices,
        Purpose::ReportElderAbuse,
        &[Fact::SuspectedElderAbuse],
        &[Category::Demographics, Category::PeerSupportNotes],
    ),
    (RecipientKind::LawEnforcement, Purpose::ReportElderAbuse, &[Fact::SuspectedElderAbuse], &[Category::ProgressNotes]),
    (RecipientKind::Court, Purpose::JudicialProceeding, &[Fact::CourtOrder], &[Category::Diagnosis, Category::ProgressNotes]),
    (RecipientKind::HealthOversightAgency, Purpose::JudicialProceeding, &[Fact::Subpoena], &[Category::Diagnosis]),
    (RecipientKind::HealthOversightAgency, Purpose::HealthOversight, &[Fact::Subpoena], &[Category::ProgressNotes]),
    (RecipientKind::LawEnforcement, Purpose::LawEnforcement, &[Fact::Warrant], &[Category::Demographics, Category::TreatmentPlan]),
    // A coroner's request is about a deceased client (requiring_base sees to it).
    (RecipientKind::Coroner, Purpose::DeathInvestigation, &[], &[Category::Diagnosis, Category::Medications]),
    (RecipientKind::PublicHealthAuthority, Purpose::PublicHealth, &[Fact::RequiredByLaw], &[Category::Demographics]),
];

/// A request steered toward a legal requirement: a requiring situation, in
/// California, by a clinician (a mandated reporter and psychotherapist where
/// it matters), an elder client, asking for a required category among others.
/// Everything else (Part 2, organization layer, facts, restrictions) stays random.
pub(crate) fn requiring_base() -> impl Strategy<Value = Request> {
    let clinician = select(&[Role::Psychotherapist, Role::Psychiatrist, Role::Nurse, Role::CaseManager][..]);
    (base(), select(REQUIRING), clinician, proptest::bool::weighted(0.85), 65u8..=100, any::<Index>()).prop_map(
        |(mut r, (kind, purpose, key_facts, required), role, california, age, which)| {
            r.recipient.kind = kind;
            r.recipient.same_organization = false;
            r.purpose = purpose;
            for fact in key_facts {
                r.facts.set(*fact, true);
            }
            r.facts.set(Fact::AccessWouldEndanger, false);
            if california {
                r.jurisdiction = Jurisdiction::UsCa;
            }
            r.discloser.role = role;
            r.client.age = age;
            if kind == RecipientKind::Coroner && r.client.status != ClientStatus::Deceased {
                r.client.status = ClientStatus::Deceased;
                r.client.died_on = Some(date(day_number(r.as_of) - 30));
            }
            let category = *which.get(required);
            if !r.categories.contains(&category) {
                let at = which.index(r.categories.len() + 1);
                r.categories.insert(at, category);
            }
            r
        },
    )
}

/// An authorization with random fields, usually matching the request's
/// recipient, purpose and categories so that it can count.
pub(crate) fn authorization(base: &Request) -> impl Strategy<Value = Authorization> + use<> {
    let as_of = day_number(base.as_of);
    let (kind, rname, purpose) = (base.recipient.kind, base.recipient.name.clone(), base.purpose);
    let requested = base.categories.clone();
    let n = requested.len();
    let categories = prop_oneof![
        4 => subsequence(requested, 0..=n),
        1 => subsequence(Category::ALL.to_vec(), 0..=3),
    ];
    let random_recipient = (select(RecipientKind::ALL), name()).prop_map(|(kind, name)| AuthorizedRecipient { kind, name });
    let recipients = prop_oneof![
        3 => Just(vec![AuthorizedRecipient { kind, name: rname }]),
        1 => Just(vec![AuthorizedRecipient { kind, name: None }]),
        1 => vec(random_recipient, 0..=2),
    ];
    let purposes = prop_oneof![4 => Just(vec![purpose]), 1 => subsequence(Purpose::ALL.to_vec(), 0..=3)];
    let signed = (
        select(AuthorizationKind::ALL),
        prop_oneof![8 => select(Signer::ALL).prop_map(Some), 1 => Just(None)],
        prop_oneof![8 => (-3_000i64..=0).prop_map(Some), 1 => (1i64..=400).prop_map(Some), 1 => Just(None)],
    );
    let lifetime = (
        prop_oneof![8 => (0i64..=3_000).prop_map(Some), 2 => (-400i64..0).prop_map(Some), 1 => Just(None)],
        proptest::option::weighted(0.15, Just("end of treatment".to_string())),
        prop_oneof![7 => Just(None), 3 => (-400i64..=400).prop_map(Some)],
    );
    let statements = (proptest::bool::weighted(0.9), proptest::bool::weighted(0.9), proptest::bool::weighted(0.9))
        .prop_map(|(right_to_revoke, no_conditioning, redisclosure)| Statements { right_to_revoke, no_conditioning, redisclosure });
    (categories, recipients, purposes, signed, lifetime, statements).prop_map(
        move |(categories, recipients, purposes, (kind, signed_by, signed), (expires, expiry_event, revoked), statements)| Authorization {
            id: String::new(),
            kind,
            signed_by,
            signed_on: signed.map(|d| date(as_of + d)),
            categories,
            recipients,
            purposes,
            expires_on: expires.map(|d| date(as_of + d)),
            expiry_event,
            revoked_on: revoked.map(|d| date(as_of + d)),
            statements,
        },
    )
}

/// A client's restriction, usually reaching the request.
pub(crate) fn restriction(base: &Request) -> impl Strategy<Value = Restriction> + use<> {
    let requested = base.categories.clone();
    let n = requested.len();
    let categories = prop_oneof![
        1 => Just(Vec::new()),
        2 => subsequence(requested, 1..=n),
        1 => subsequence(Category::ALL.to_vec(), 1..=3),
    ];
    let kinds = prop_oneof![
        1 => Just(Vec::new()),
        2 => Just(vec![base.recipient.kind]),
        1 => subsequence(RecipientKind::ALL.to_vec(), 1..=2),
    ];
    let purposes = prop_oneof![
        1 => Just(Vec::new()),
        2 => Just(vec![base.purpose]),
        1 => subsequence(Purpose::ALL.to_vec(), 1..=2),
    ];
    (categories, kinds, purposes, proptest::bool::weighted(0.6)).prop_map(|(categories, recipient_kinds, purposes, agreed)| Restriction {
        categories,
        recipient_kinds,
        purposes,
        agreed,
    })
}

/// A valid request: 0–3 authorizations, 0–2 restrictions.
pub(crate) fn request() -> impl Strategy<Value = Request> {
    with_papers(base())
}

/// Half ordinary requests, half steered toward a legal requirement.
pub(crate) fn request_often_requiring() -> impl Strategy<Value = Request> {
    with_papers(prop_oneof![base(), requiring_base()])
}

/// Adds authorizations and restrictions drawn against the request.
pub(crate) fn with_papers(base: impl Strategy<Value = Request>) -> impl Strategy<Value = Request> {
    base.prop_flat_map(|base| {
        let auths = vec(authorization(&base), 0..=3);
        let restrictions = prop_oneof![3 => Just(Vec::new()), 2 => vec(restriction(&base), 1..=2)];
        (Just(base), auths, restrictions)
    })
    .prop_map(|(mut request, mut auths, restrictions)| {
        for (i, auth) in auths.iter_mut().enumerate() {
            auth.id = format!("auth-{i}");
        }
        request.authorizations = auths;
        request.restrictions = restrictions;
        request
    })
}
