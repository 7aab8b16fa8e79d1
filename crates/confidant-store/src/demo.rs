//! A fictional demo organization for `confidant init --demo`: staff of every
//! role, three care teams, 50 clients (some discharged, some deceased, some
//! in the Part 2 program), records of several categories, authorizations
//! (some expired, some revoked), restrictions and privacy-notice
//! acknowledgments. Names come from small embedded lists; everything but the
//! random keys and nonces follows from the seed (a small SplitMix64
//! generator, so the demo does not change when `rand` does).

use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};

use crate::error::StoreError;
use crate::model::{Birth, NewClient, NewRecord, NewStaff, StaffRole};
use crate::vault::Store;

/// The seed `confidant init --demo` uses.
pub const DEFAULT_SEED: u64 = 20_260_115;

const FIRST: &[&str] = &[
    "Avery", "Blake", "Camila", "Darius", "Elena", "Farah", "Gabriel", "Hana", "Isaac", "Jasmine", "Kenji", "Lucia", "Malik", "Nadia",
    "Omar", "Priya", "Quinn", "Rosa", "Samir", "Tessa", "Uma", "Victor", "Wren", "Ximena", "Yusuf", "Zoe", "Mateo", "Ingrid", "Tobias",
    "Leilani",
];

const LAST: &[&str] = &[
    "Abernathy",
    "Bautista",
    "Castellanos",
    "Delacroix",
    "Eriksen",
    "Fairweather",
    "Galloway",
    "Halvorsen",
    "Iwasaki",
    "Jaramillo",
    "Kowalczyk",
    "Lindqvist",
    "Montoya",
    "Nakashima",
    "Oyelaran",
    "Pemberton",
    "Quintanilla",
    "Rosenthal",
    "Szabo",
    "Thorncastle",
    "Umberton",
    "Valdivia",
    "Whitlock",
    "Yarborough",
    "Zielinski",
];

const NOTES: &[&str] = &[
    "Prefers afternoon appointments.",
    "Works night shifts; text before calling.",
    "Needs a Spanish-speaking interpreter.",
    "Brings a service dog to sessions.",
    "Transportation assistance requested.",
    "Prefers to be called by a nickname.",
];

const CONTENT: &[(Category, &str)] = &[
    (Category::ProgressNotes, "Session focused on coping skills; client reports improved sleep and fewer panic episodes."),
    (Category::ProgressNotes, "Reviewed safety plan; client identifies two supports and agrees to follow-up in one week."),
    (Category::Diagnosis, "Working diagnosis: generalized anxiety disorder; rule out major depressive episode."),
    (Category::TreatmentPlan, "Goals: reduce avoidance, resume part-time work; weekly CBT for twelve weeks."),
    (Category::Medications, "Sertraline 50 mg daily; tolerating well, no side effects reported."),
    (Category::Appointments, "Missed two appointments this month; outreach call scheduled."),
    (Category::TestResults, "PHQ-9 score 14 at intake, 9 at six weeks."),
    (Category::Billing, "Sliding-scale fee agreed; first three sessions paid."),
    (Category::Demographics, "Lives with a roommate; emergency contact on file."),
];

/// What the demo made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Staff members added.
    pub staff: usize,
    /// Care teams added.
    pub teams: usize,
    /// Clients added (all fictional).
    pub clients: usize,
    /// Records added.
    pub records: usize,
    /// Authorizations and Part 2 consents filed.
    pub authorizations: usize,
    /// Restrictions filed.
    pub restrictions: usize,
}

/// SplitMix64: tiny, deterministic, good enough to pick demo data.
struct Picker(u64);

impl Picker {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn name(&mut self) -> String {
        format!("{} {}", self.pick(FIRST).unwrap_or(&"Alex"), self.pick(LAST).unwrap_or(&"Doe"))
    }

    /// A day in `[from_year, to_year]` (days 1–28, so every month has it).
    fn day(&mut self, from_year: u16, to_year: u16) -> Result<Date, StoreError> {
        let span = usize::from(to_year.saturating_sub(from_year)) + 1;
        let year = from_year + u16::try_from(self.below(span)).unwrap_or(0);
        let month = 1 + u8::try_from(self.below(12)).unwrap_or(0);
        let day = 1 + u8::try_from(self.below(28)).unwrap_or(0);
        Date::new(year, month, day).ok_or_else(|| StoreError::invalid("demo", "a valid date"))
    }
}

fn date(text: &str) -> Result<Date, StoreError> {
    Date::parse(text).ok_or_else(|| StoreError::invalid("demo", "a valid date"))
}

/// Fills an empty vault with the demo organization.
pub async fn fill(store: &Store, seed: u64) -> Result<Summary, StoreError> {
    let mut rng = Picker(seed);
    let mut summary = Summary::default();

    let mut staff: Vec<(String, StaffRole)> = Vec::new();
    for role in StaffRole::ALL {
        for n in 1..=2 {
            let id = format!("st-{}-{n}", role.as_str().replace('_', "-"));
            let title = match role {
                StaffRole::Psychiatrist => "Dr. ",
                _ => "",
            };
            store.add_staff(NewStaff { id: Some(id.clone()), display_name: format!("{title}{}", rng.name()), role: *role }).await?;
            staff.push((id, *role));
        }
    }
    summary.staff = staff.len();
    let of_role = |role: StaffRole| -> Vec<String> { staff.iter().filter(|(_, r)| *r == role).map(|(id, _)| id.clone()).collect() };

    let teams = [("team-adult", "Adult outpatient"), ("team-recovery", "Recovery services (Part 2)"), ("team-youth", "Youth and family")];
    for (id, name) in teams {
        store.add_team(Some(id), name).await?;
    }
    summary.teams = teams.len();
    for (i, (id, role)) in staff.iter().enumerate() {
        if *role == StaffRole::Admin || *role == StaffRole::PrivacyOfficer {
            continue;
        }
        let (team, _) = teams.get(i % teams.len()).copied().unwrap_or(("team-adult", ""));
        store.add_team_member(team, id).await?;
    }

    let therapists: Vec<String> = [of_role(StaffRole::Psychotherapist), of_role(StaffRole::Psychiatrist)].concat();
    let clinicians: Vec<String> = [therapists.clone(), of_role(StaffRole::Nurse), of_role(StaffRole::CaseManager)].concat();
    let peers = of_role(StaffRole::PeerSupportSpecialist);
    let privacy = of_role(StaffRole::PrivacyOfficer);

    for n in 1..=50usize {
        let id = format!("cl-{n:03}");
        let part2 = n % 5 == 0;
        let team = if part2 {
            "team-recovery"
        } else if n % 3 == 0 {
            "team-youth"
        } else {
            "team-adult"
        };
        let intake = rng.day(2022, 2025)?;
        let birth = if n % 2 == 0 {
            let year = if team == "team-youth" {
                2008 + u16::try_from(rng.below(6)).unwrap_or(0)
            } else {
                1950 + u16::try_from(rng.below(50)).unwrap_or(0)
            };
            Birth::DateOfBirth(rng.day(year, year)?)
        } else {
            let years = if team == "team-youth" { 13 + rng.below(5) } else { 19 + rng.below(60) };
            Birth::Age { years: u8::try_from(years).unwrap_or(30), on: intake }
        };
        let contact = format!("555-01{:02} · {}@example.org", n, rng.pick(FIRST).unwrap_or(&"client").to_lowercase());
        store
            .add_client(NewClient {
                id: Some(id.clone()),
                name: rng.name(),
                contact: Some(contact),
                notes: if rng.chance(60) { rng.pick(NOTES).map(|s| s.to_string()) } else { None },
                birth,
                part2_program: part2,
                lps_program: false,
                team_id: Some(team.to_string()),
            })
            .await?;
        store.acknowledge_privacy_notice(&id, intake).await?;
        let primary = rng.pick(&clinicians).cloned().unwrap_or_default();
        store.assign(&primary, &id, intake).await?;
        let peer = rng.pick(&peers).cloned().unwrap_or_default();
        if rng.chance(50) {
            store.assign(&peer, &id, intake).await?;
        }

        // Records: a few of the medical record, peer notes, psychotherapy notes, Part 2 records.
        for _ in 0..(2 + rng.below(3)) {
            let Some((category, text)) = rng.pick(CONTENT).copied() else { continue };
            store
                .add_record(NewRecord { id: None, client_id: id.clone(), category, author_id: primary.clone(), content: text.to_string() })
                .await?;
            summary.records += 1;
        }
        if rng.chance(40) {
            let content = "Met at the drop-in center; talked through the housing application and a plan for the weekend.";
            store
                .add_record(NewRecord {
                    id: None,
                    client_id: id.clone(),
                    category: Category::PeerSupportNotes,
                    author_id: peer.clone(),
                    content: content.into(),
                })
                .await?;
            summary.records += 1;
        }
        if rng.chance(35)
            && let Some(therapist) = rng.pick(&therapists).cloned()
        {
            let content = "Process note: transference themes around the father; explore next session. Kept apart from the record.";
            store
                .add_record(NewRecord {
                    id: None,
                    client_id: id.clone(),
                    category: Category::PsychotherapyNotes,
                    author_id: therapist,
                    content: content.into(),
                })
                .await?;
            summary.records += 1;
        }
        if part2 {
            let content = "Alcohol use disorder, moderate; attending group twice weekly; 60 days abstinent per self-report.";
            store
                .add_record(NewRecord {
                    id: None,
                    client_id: id.clone(),
                    category: Category::SubstanceUse,
                    author_id: primary.clone(),
                    content: content.into(),
                })
                .await?;
            summary.records += 1;
        }

        // Authorizations: one to an outside provider for most clients, a Part 2 consent for Part 2 clients.
        if rng.chance(70) {
            let signed = rng.day(2023, 2025)?;
            let expired = rng.chance(25);
            let expires = if expired { date(&format!("{}-12-31", signed.year()))? } else { date("2027-06-30")? };
            let id_auth = format!("auth-{n:03}-1");
            let auth = Authorization {
                id: id_auth.clone(),
                kind: AuthorizationKind::Hipaa,
                signed_by: Some(Signer::Client),
                signed_on: Some(signed),
                categories: vec![Category::Diagnosis, Category::Medications, Category::TreatmentPlan],
                recipients: vec![AuthorizedRecipient {
                    kind: RecipientKind::TreatingProvider,
                    name: Some(format!("Dr. {}", rng.pick(LAST).unwrap_or(&"Rivera"))),
                }],
                purposes: vec![Purpose::Treatment],
                expires_on: Some(expires),
                expiry_event: None,
                revoked_on: None,
                statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
            };
            store.add_authorization(&id, &auth, Some(b"%PDF-1.4 demo signed authorization form")).await?;
            summary.authorizations += 1;
            if !expired && rng.chance(20) {
                let by = privacy.first().cloned().unwrap_or_default();
                store.revoke_authorization(&id_auth, date("2025-12-30")?, &by).await?;
            }
        }
        if part2 {
            let auth = Authorization {
                id: format!("consent-{n:03}"),
                kind: AuthorizationKind::Part2,
                signed_by: Some(Signer::Client),
                signed_on: Some(intake),
                categories: vec![Category::SubstanceUse, Category::Diagnosis],
                recipients: vec![AuthorizedRecipient { kind: RecipientKind::HealthPlan, name: None }],
                purposes: vec![Purpose::Payment],
                expires_on: None,
                expiry_event: Some("end of treatment".into()),
                revoked_on: None,
                // A consent on the 2024 rule's form carries HIPAA's statements too (42 CFR 2.31(a)).
                statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
            };
            store.add_authorization(&id, &auth, None).await?;
            summary.authorizations += 1;
        }

        if n % 7 == 0 {
            let r =
                Restriction { categories: vec![], recipient_kinds: vec![RecipientKind::FamilyOrFriend], purposes: vec![], agreed: true };
            store.add_restriction(&id, &r, intake).await?;
            summary.restrictions += 1;
        }
        if n % 11 == 0 {
            let r = Restriction {
                categories: vec![Category::Diagnosis, Category::Medications],
                recipient_kinds: vec![RecipientKind::HealthPlan],
                purposes: vec![Purpose::Payment, Purpose::HealthCareOperations],
                agreed: false,
            };
            store.add_restriction(&id, &r, intake).await?;
            summary.restrictions += 1;
        }

        match n {
            41..=47 => store.discharge(&id, rng.day(2025, 2025)?).await?,
            48..=50 => store.record_death(&id, rng.day(2024, 2025)?).await?,
            _ => {}
        }
        summary.clients += 1;
    }
    Ok(summary)
}
