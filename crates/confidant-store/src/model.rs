//! The vault's data model as plain Rust values: staff, care teams, clients,
//! records, authorizations and restrictions, decrypted. Contract vocabulary
//! (categories, recipient kinds, purposes) is the engine's own types.
//! `serde` serializes them for `--format json`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use confidant_policy::vocab::{AuthorizationKind, Category, ClientStatus, Purpose, RecipientKind, Role, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
use serde::Serialize;

/// A staff member's role in the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffRole {
    /// A peer support specialist (not licensed; not a clinician).
    PeerSupportSpecialist,
    /// A licensed psychotherapist.
    Psychotherapist,
    /// A psychiatrist.
    Psychiatrist,
    /// A nurse.
    Nurse,
    /// A case manager (not a clinician).
    CaseManager,
    /// A clinical supervisor; discloses as a psychotherapist.
    Supervisor,
    /// The privacy officer: reviews break-glass access and authorizations, oversees the audit log.
    PrivacyOfficer,
    /// An administrator: manages staff and teams; discloses as administrative staff.
    Admin,
}

impl StaffRole {
    /// Every role, in the order screens list them.
    pub const ALL: &'static [StaffRole] = &[
        StaffRole::PeerSupportSpecialist,
        StaffRole::Psychotherapist,
        StaffRole::Psychiatrist,
        StaffRole::Nurse,
        StaffRole::CaseManager,
        StaffRole::Supervisor,
        StaffRole::PrivacyOfficer,
        StaffRole::Admin,
    ];

    /// The wire name, e.g. `peer_support_specialist`.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::PeerSupportSpecialist => "peer_support_specialist",
            StaffRole::Psychotherapist => "psychotherapist",
            StaffRole::Psychiatrist => "psychiatrist",
            StaffRole::Nurse => "nurse",
            StaffRole::CaseManager => "case_manager",
            StaffRole::Supervisor => "supervisor",
            StaffRole::PrivacyOfficer => "privacy_officer",
            StaffRole::Admin => "admin",
        }
    }

    /// The role with this wire name.
    pub fn parse(text: &str) -> Option<StaffRole> {
        StaffRole::ALL.iter().copied().find(|r| r.as_str() == text)
    }

    /// The accepted wire names, for an error message.
    pub fn expected() -> String {
        StaffRole::ALL.iter().map(|r| format!("`{}`", r.as_str())).collect::<Vec<_>>().join(", ")
    }

    /// Licensed clinical staff: psychotherapists, psychiatrists, nurses and
    /// (clinical) supervisors. They record a death or a discharge and enter
    /// authorizations for psychotherapy notes or Part 2 records.
    pub fn is_clinician(self) -> bool {
        matches!(self, StaffRole::Psychotherapist | StaffRole::Psychiatrist | StaffRole::Nurse | StaffRole::Supervisor)
    }

    /// The contract's discloser role for this staff role: supervisors are
    /// clinicians (psychotherapists); privacy officers and admins are
    /// administrative staff.
    pub fn discloser_role(self) -> Role {
        match self {
            StaffRole::PeerSupportSpecialist => Role::PeerSupportSpecialist,
            StaffRole::Psychotherapist | StaffRole::Supervisor => Role::Psychotherapist,
            StaffRole::Psychiatrist => Role::Psychiatrist,
            StaffRole::Nurse => Role::Nurse,
            StaffRole::CaseManager => Role::CaseManager,
            StaffRole::PrivacyOfficer | StaffRole::Admin => Role::AdministrativeStaff,
        }
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StaffRole {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A staff member to add.
#[derive(Clone, Debug)]
pub struct NewStaff {
    /// Generated when absent.
    pub id: Option<String>,
    /// The name shown to other staff (sealed at rest).
    pub display_name: String,
    /// What they do in the program.
    pub role: StaffRole,
}

/// A staff member on file, decrypted.
#[derive(Clone, Debug, Serialize)]
pub struct Staff {
    /// The staff id (`st-…` unless one was given).
    pub id: String,
    /// The name shown to other staff.
    pub display_name: String,
    /// What they do in the program.
    pub role: StaffRole,
    /// An inactive staff member cannot sign in; their history stays.
    pub active: bool,
}

/// How a client's age is known: a date of birth, or an age stated on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Birth {
    /// The date of birth (sealed at rest).
    DateOfBirth(Date),
    /// An age the client stated, and the day they stated it.
    Age {
        /// Whole years.
        years: u8,
        /// The day the age was true.
        on: Date,
    },
}

impl Birth {
    /// Whole years of age on `day`; `None` before birth.
    pub fn age_on(self, day: Date) -> Option<u8> {
        let (start, base) = match self {
            Birth::DateOfBirth(d) => (d, 0u16),
            Birth::Age { years, on } => (on, u16::from(years)),
        };
        if day < start {
            return match self {
                // Before the day an age was stated, count back (not below zero).
                Birth::Age { years, on } => {
                    let back = whole_years(day, on);
                    Some(years.saturating_sub(u8::try_from(back).unwrap_or(u8::MAX)))
                }
                Birth::DateOfBirth(_) => None,
            };
        }
        u8::try_from(base + whole_years(start, day)).ok()
    }
}

/// Whole years from `from` to `to` (`from` ≤ `to`).
fn whole_years(from: Date, to: Date) -> u16 {
    let mut years = to.year().saturating_sub(from.year());
    if years > 0 && from.plus_years(years) > to {
        years -= 1;
    }
    years
}

/// A client to add.
#[derive(Clone, Debug)]
pub struct NewClient {
    /// Generated when absent.
    pub id: Option<String>,
    /// The client's name (sealed at rest).
    pub name: String,
    /// How to reach them (sealed at rest).
    pub contact: Option<String>,
    /// Intake notes (sealed at rest).
    pub notes: Option<String>,
    /// How their age is known.
    pub birth: Birth,
    /// Seen in a federally assisted substance-use program: 42 CFR Part 2 applies.
    pub part2_program: bool,
    /// LPS Act records (Cal. Welf. & Inst. Code 5328): a county mental-health,
    /// Medi-Cal specialty mental-health or MHSA program.
    pub lps_program: bool,
    /// A care team's id.
    pub team_id: Option<String>,
}

/// A client on file, decrypted.
#[derive(Clone, Debug, Serialize)]
pub struct Client {
    /// The client id (`cl-…` unless one was given).
    pub id: String,
    /// The client's name.
    pub name: String,
    /// How to reach them.
    pub contact: Option<String>,
    /// Intake notes.
    pub notes: Option<String>,
    /// How their age is known.
    pub birth: Birth,
    /// The status as stored; [`Client::status_on`] gives it for a given day.
    pub status: ClientStatus,
    /// The day services ended, when they have.
    pub discharged_on: Option<Date>,
    /// The day the client died, when recorded.
    pub died_on: Option<Date>,
    /// 42 CFR Part 2 applies to their records.
    pub part2_program: bool,
    /// Cal. Welf. & Inst. Code 5328 (LPS) applies to their records.
    pub lps_program: bool,
    /// Their care team's id.
    pub team_id: Option<String>,
}

impl Client {
    /// The client's status on `day`: dead from `died_on`, discharged from `discharged_on`.
    pub fn status_on(&self, day: Date) -> (ClientStatus, Option<Date>) {
        match (self.died_on, self.discharged_on) {
            (Some(d), _) if d <= day => (ClientStatus::Deceased, Some(d)),
            (_, Some(d)) if d <= day => (ClientStatus::Discharged, None),
            _ => (ClientStatus::Active, None),
        }
    }
}

/// A record to add; psychotherapy notes go to their own table.
#[derive(Clone)]
pub struct NewRecord {
    /// Generated when absent.
    pub id: Option<String>,
    /// Whose record it is.
    pub client_id: String,
    /// What kind of information it holds; decides who may see and release it.
    pub category: Category,
    /// The staff member who wrote it.
    pub author_id: String,
    /// The text, sealed under the record's own data key.
    pub content: String,
}

impl fmt::Debug for NewRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRecord")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("category", &self.category)
            .field("author_id", &self.author_id)
            .field("content", &"<redacted>")
            .finish()
    }
}

/// A stored record; `content` is present only when it was asked for.
#[derive(Clone, Serialize)]
pub struct Record {
    /// The record's id.
    pub id: String,
    /// Whose record it is.
    pub client_id: String,
    /// What kind of information it holds.
    pub category: Category,
    /// The staff member who wrote it.
    pub author_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The decrypted text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The earlier version this one corrects (which is kept unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("category", &self.category)
            .field("author_id", &self.author_id)
            .field("created_at", &self.created_at)
            .field("content", &self.content.as_ref().map(|_| "<redacted>"))
            .field("corrects", &self.corrects)
            .finish()
    }
}

/// An authorization or Part 2 consent on file, with who revoked it.
#[derive(Clone, Debug)]
pub struct StoredAuthorization {
    /// Whose authorization it is.
    pub client_id: String,
    /// Its terms as the engine reads them (revocation included).
    pub authorization: Authorization,
    /// Who recorded the revocation, when it is revoked.
    pub revoked_by: Option<String>,
    /// Whether a signed document is attached.
    pub has_document: bool,
    /// The staff member who entered it (`None`: before this was recorded, or
    /// an operator at the command line).
    pub entered_by: Option<String>,
    /// Queued for the privacy officer and not yet reviewed.
    pub awaiting_review: bool,
}

/// An authorization in the privacy officer's review queue.
#[derive(Clone, Debug, Serialize)]
pub struct AwaitingReview {
    /// The authorization's id.
    pub id: String,
    /// Whose authorization it is.
    pub client_id: String,
    /// The authorization kind's wire name.
    pub kind: String,
    /// The categories it covers.
    pub categories: Vec<Category>,
    /// The staff member who entered it.
    pub entered_by: Option<String>,
    /// Whether a signed document is attached.
    pub has_document: bool,
    /// Unix seconds.
    pub filed_at: i64,
}

/// A restriction on file.
#[derive(Clone, Debug)]
pub struct StoredRestriction {
    /// The restriction's id.
    pub id: String,
    /// Whose restriction it is.
    pub client_id: String,
    /// What it restricts, and whether the program agreed.
    pub restriction: Restriction,
    /// The day the client asked.
    pub requested_on: Date,
    /// The privacy officer's answer; `None` while the request waits (or
    /// when it was filed already agreed, before decisions were recorded).
    pub decision: Option<RestrictionDecision>,
}

/// The privacy officer's answer to a requested restriction (45 CFR 164.522(a)(1)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RestrictionDecision {
    /// Agreed (it binds from then on) or declined.
    pub agreed: bool,
    /// The privacy officer who decided (none when entered by the operator).
    pub by: Option<String>,
    /// The day it was decided.
    pub on: Date,
}

/// Why the acknowledgment of the privacy notice could not be obtained
/// (45 CFR 164.520(c)(2)(ii)): the good-faith attempt is documented with one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeNotObtained {
    /// The client declined to sign.
    Declined,
    /// Emergency treatment came first.
    Emergency,
    /// The client could not communicate at the time.
    UnableToCommunicate,
    /// The client left before signing.
    LeftBeforeSigning,
}

impl NoticeNotObtained {
    /// Every reason, in the order forms list them.
    pub const ALL: &'static [NoticeNotObtained] = &[
        NoticeNotObtained::Declined,
        NoticeNotObtained::Emergency,
        NoticeNotObtained::UnableToCommunicate,
        NoticeNotObtained::LeftBeforeSigning,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeNotObtained::Declined => "declined",
            NoticeNotObtained::Emergency => "emergency",
            NoticeNotObtained::UnableToCommunicate => "unable_to_communicate",
            NoticeNotObtained::LeftBeforeSigning => "left_before_signing",
        }
    }

    /// The reason in words.
    pub fn describe(self) -> &'static str {
        match self {
            NoticeNotObtained::Declined => "The client declined to sign the acknowledgment",
            NoticeNotObtained::Emergency => "Emergency treatment came first",
            NoticeNotObtained::UnableToCommunicate => "The client could not communicate at the time",
            NoticeNotObtained::LeftBeforeSigning => "The client left before signing",
        }
    }

    /// The reason a wire spelling names.
    pub fn parse(text: &str) -> Option<NoticeNotObtained> {
        NoticeNotObtained::ALL.iter().copied().find(|r| r.as_str() == text)
    }
}

/// Where a client's privacy-notice acknowledgment stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NoticeStatus {
    /// Days the client acknowledged the notice.
    pub acknowledged: Vec<Date>,
    /// Days an acknowledgment was sought but not obtained, and why.
    pub not_obtained: Vec<(Date, NoticeNotObtained)>,
}

/// A care team: staff who share a caseload.
#[derive(Clone, Debug, Serialize)]
pub struct CareTeam {
    /// The team's id.
    pub id: String,
    /// The team's name.
    pub name: String,
    /// Its members' staff ids.
    pub members: Vec<String>,
}

/// The time the vault decides with. Production runs on the system clock;
/// tests hold a [`Clock::fixed`] and move it, so time rules (break-glass
/// expiry, lockout windows, a disclosure's date) are tested without sleeping.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<std::sync::Arc<std::sync::atomic::AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock standing at `unix_secs` until set or advanced.
    pub fn fixed(unix_secs: i64) -> Clock {
        Clock(Some(std::sync::Arc::new(std::sync::atomic::AtomicI64::new(unix_secs))))
    }

    /// Sets a fixed clock to `unix_secs` (no effect on the system clock).
    pub fn set(&self, unix_secs: i64) {
        if let Some(at) = &self.0 {
            at.store(unix_secs, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Sets a fixed clock to noon (UTC) of `day`.
    pub fn set_day(&self, day: Date) {
        self.set(unix_days(day) * 86_400 + 43_200);
    }

    /// Moves a fixed clock by `secs` (no effect on the system clock).
    pub fn advance(&self, secs: i64) {
        if let Some(at) = &self.0 {
            at.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Unix seconds now.
    pub fn now_secs(&self) -> i64 {
        match &self.0 {
            Some(at) => at.load(std::sync::atomic::Ordering::SeqCst),
            None => now_secs(),
        }
    }

    /// Today's date in UTC.
    pub fn today(&self) -> Date {
        date_from_unix_days(self.now_secs().div_euclid(86_400))
    }
}

/// Unix seconds now, on the system clock.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// Today's date in UTC.
pub fn today() -> Date {
    date_from_unix_days(now_secs().div_euclid(86_400))
}

/// Days since 1970-01-01 of a civil date (the inverse of [`date_from_unix_days`]).
pub fn unix_days(date: Date) -> i64 {
    date.unix_days()
}

/// The day `days` after `date`.
pub fn plus_days(date: Date, days: i64) -> Date {
    date.plus_days(days)
}

/// The civil date of a day count since 1970-01-01.
pub fn date_from_unix_days(days: i64) -> Date {
    Date::from_unix_days(days)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn civil_dates_from_day_counts() {
        assert_eq!(date_from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(date_from_unix_days(20_513).to_string(), "2026-03-01");
        assert_eq!(date_from_unix_days(19_782).to_string(), "2024-02-29");
        for days in [-719_162, -1, 0, 59, 60, 19_782, 20_513, 2_932_896] {
            assert_eq!(unix_days(date_from_unix_days(days)), days);
        }
        assert_eq!(plus_days(d("2024-02-28"), 30).to_string(), "2024-03-29");
    }

    #[test]
    fn ages_count_whole_years() {
        let dob = Birth::DateOfBirth(d("1990-06-15"));
        assert_eq!(dob.age_on(d("2026-06-14")), Some(35));
        assert_eq!(dob.age_on(d("2026-06-15")), Some(36));
        assert_eq!(dob.age_on(d("1980-01-01")), None);
        let stated = Birth::Age { years: 40, on: d("2024-03-01") };
        assert_eq!(stated.age_on(d("2026-03-01")), Some(42));
        assert_eq!(stated.age_on(d("2023-03-01")), Some(39));
    }

    #[test]
    fn status_follows_the_day() {
        let c = Client {
            id: "c".into(),
            name: "n".into(),
            contact: None,
            notes: None,
            birth: Birth::Age { years: 30, on: d("2026-01-01") },
            status: ClientStatus::Deceased,
            discharged_on: Some(d("2025-05-01")),
            died_on: Some(d("2026-02-01")),
            part2_program: false,
            lps_program: false,
            team_id: None,
        };
        assert_eq!(c.status_on(d("2025-01-01")).0, ClientStatus::Active);
        assert_eq!(c.status_on(d("2025-06-01")).0, ClientStatus::Discharged);
        assert_eq!(c.status_on(d("2026-02-01")), (ClientStatus::Deceased, Some(d("2026-02-01"))));
    }
}

/// One care partner an ASCMI names, with what the client chose to let it
/// receive. Empty `categories` (and `purposes`) record the client's choice
/// not to share with it.
#[derive(Clone, Debug, PartialEq)]
pub struct CarePartner {
    /// The organization or person, as written on the form.
    pub name: String,
    /// What kind of recipient it is, as the engine matches requests.
    pub kind: RecipientKind,
    /// The kinds of information it may receive (never psychotherapy notes).
    pub categories: Vec<Category>,
    /// What it may use them for: among
    /// [`confidant_policy::authorization::ASCMI_PURPOSES`].
    pub purposes: Vec<Purpose>,
}

/// California's ASCMI form (DHCS's Authorization to Share Confidential
/// Member Information): one signature, several care partners, and per care
/// partner the client's choices. The engine sees it as one `ascmi`
/// authorization per care partner the client shares with
/// ([`Ascmi::authorizations`]), so it releases what was chosen for that
/// partner and nothing more.
#[derive(Clone, Debug, PartialEq)]
pub struct Ascmi {
    /// Its id; empty when filing asks the vault to make one.
    pub id: String,
    /// Who signed it; `None` is refused when filing.
    pub signed_by: Option<Signer>,
    /// The day it was signed; `None` is refused when filing.
    pub signed_on: Option<Date>,
    /// The last day it is valid.
    pub expires_on: Option<Date>,
    /// The event that ends it, when it ends on an event.
    pub expiry_event: Option<String>,
    /// The statements the form carries (all three are required).
    pub statements: Statements,
    /// The care partners, in the order the form lists them.
    pub partners: Vec<CarePartner>,
    /// The day the client revoked it, if they did.
    pub revoked_on: Option<Date>,
}

impl Ascmi {
    /// The id the engine sees for care partner `index` (0-based): the
    /// form's id and the partner's 1-based place on it, `ascmi-1/2`.
    pub fn partner_authorization_id(&self, index: usize) -> String {
        format!("{}/{}", self.id, index + 1)
    }

    /// The form as the engine reads it: one `ascmi` authorization per care
    /// partner the client shares with, naming that partner alone, with the
    /// categories and purposes chosen for it. A partner the client chose
    /// not to share with yields none.
    pub fn authorizations(&self) -> Vec<Authorization> {
        self.partners
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.categories.is_empty())
            .map(|(i, p)| Authorization {
                id: self.partner_authorization_id(i),
                kind: AuthorizationKind::Ascmi,
                signed_by: self.signed_by,
                signed_on: self.signed_on,
                categories: p.categories.clone(),
                recipients: vec![AuthorizedRecipient { kind: p.kind, name: Some(p.name.clone()) }],
                purposes: p.purposes.clone(),
                expires_on: self.expires_on,
                expiry_event: self.expiry_event.clone(),
                revoked_on: self.revoked_on,
                statements: self.statements,
            })
            .collect()
    }
}

/// An ASCMI on file.
#[derive(Clone, Debug)]
pub struct StoredAscmi {
    /// Whose form it is.
    pub client_id: String,
    /// Its terms (revocation included).
    pub ascmi: Ascmi,
    /// Who recorded the revocation, when it is revoked.
    pub revoked_by: Option<String>,
    /// Whether the signed scan is attached.
    pub has_document: bool,
    /// The staff member who entered it (`None`: an operator at the command line).
    pub entered_by: Option<String>,
    /// When it was filed, Unix seconds.
    pub filed_at: i64,
}
