//! The sealed details of an audit event, typed. Each fact an event may
//! carry is one [`Detail`] variant with one wire key and one payload type,
//! so a misspelt key or a count written where an id belongs is a compile
//! error rather than a log entry nobody can query. The stored form is
//! unchanged: a JSON object, sealed at rest, read back as JSON (old entries
//! keep whatever keys they were written with).

use confidant_policy::Date;
use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use serde_json::{Map, Value, json};

use crate::exams::TopicTally;
use confidant_policy::vocab::ClientStatus;

use crate::model::StaffRole;

/// A client's status before or after a privacy officer's correction.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusSnapshot {
    /// Active, discharged or deceased.
    pub status: ClientStatus,
    /// The day of discharge, when discharged.
    pub discharged_on: Option<Date>,
    /// The day of death, when deceased.
    pub died_on: Option<Date>,
}

/// How a payload is written into the details object.
trait DetailValue {
    fn detail_value(self) -> Value;
}

macro_rules! plain_detail_values {
    ($($t:ty),+) => { $(impl DetailValue for $t { fn detail_value(self) -> Value { json!(self) } })+ };
}
plain_detail_values!(String, &'static str, bool, u8, u16, u32, u64, i64, usize, Vec<String>, Vec<TopicTally>);

impl DetailValue for Date {
    fn detail_value(self) -> Value {
        Value::String(self.to_string())
    }
}

impl DetailValue for Option<&'static str> {
    fn detail_value(self) -> Value {
        self.map_or(Value::Null, Value::from)
    }
}

impl DetailValue for StaffRole {
    fn detail_value(self) -> Value {
        Value::from(self.as_str())
    }
}

impl DetailValue for RecipientKind {
    fn detail_value(self) -> Value {
        Value::from(self.as_str())
    }
}

impl DetailValue for Purpose {
    fn detail_value(self) -> Value {
        Value::from(self.as_str())
    }
}

impl DetailValue for Vec<Category> {
    fn detail_value(self) -> Value {
        Value::Array(self.iter().map(|c| Value::from(c.as_str())).collect())
    }
}

impl DetailValue for StatusSnapshot {
    fn detail_value(self) -> Value {
        let day = |d: Option<Date>| d.map_or(Value::Null, |d| Value::String(d.to_string()));
        json!({ "status": self.status.as_str(), "discharged_on": day(self.discharged_on), "died_on": day(self.died_on) })
    }
}

/// A contract-shaped object (a decision request as the contract spells it):
/// its shape is the contract's, so it is kept as the contract's JSON.
impl DetailValue for Value {
    fn detail_value(self) -> Value {
        self
    }
}

macro_rules! details {
    ($($(#[$doc:meta])* $variant:ident($payload:ty) = $key:literal),+ $(,)?) => {
        /// One fact in an audit event's sealed details.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Detail {
            $($(#[$doc])* $variant($payload)),+
        }

        impl Detail {
            /// The key this fact is stored under.
            pub const fn key(&self) -> &'static str {
                match self { $(Detail::$variant(_) => $key),+ }
            }

            /// Every key a detail may be written under, for readers and tests.
            pub const KEYS: &'static [&'static str] = &[$($key),+];

            fn into_value(self) -> Value {
                match self { $(Detail::$variant(v) => v.detail_value()),+ }
            }
        }
    };
}

details! {
    // ── who acted, and through what ──
    /// The channel: `api`, `console`, `cli` (or a console sub-view).
    Via(&'static str) = "via",
    /// The staff member the CLI operator entered a record for.
    EnteredFor(String) = "entered_for",
    /// The caller's network address (sign-in events).
    Address(String) = "address",
    /// Failed password checks counted so far.
    Failures(u32) = "failures",
    /// Whether the account is now locked.
    Locked(bool) = "locked",
    /// What a refused caller tried to do.
    Doing(String) = "doing",
    /// The refusal was of someone granting themselves access.
    SelfGrant(bool) = "self_grant",
    /// The stated reason (break-glass, corrections).
    Reason(String) = "reason",
    /// How long a break-glass grant lasts, in minutes.
    Minutes(i64) = "minutes",
    // ── accounts ──
    /// The staff member acted upon.
    Staff(String) = "staff",
    /// The role given to a new staff member, or the one a role change gives.
    Role(StaffRole) = "role",
    /// The role a role change took away.
    PreviousRole(StaffRole) = "previous_role",
    /// A password someone else set, to be changed at the next sign-in.
    MustChange(bool) = "must_change",
    /// Whether an account is active after the change.
    Active(bool) = "active",
    /// Sessions ended by the change.
    SessionsEnded(u64) = "sessions_ended",
    /// API tokens revoked by the change.
    TokensRevoked(u64) = "tokens_revoked",
    /// An API token's id (never its value).
    Token(String) = "token",
    /// Whose token it is.
    For(String) = "for",
    /// The scopes granted to a token.
    Scopes(Vec<String>) = "scopes",
    /// Whether a second factor is enabled after the change.
    Enabled(bool) = "enabled",
    /// The care team acted upon.
    Team(String) = "team",
    // ── clients and their records ──
    /// The client created.
    Client(String) = "client",
    /// How many clients a list showed.
    Clients(usize) = "clients",
    /// Whether a caseload list was narrowed by a search (never what was typed).
    Search(bool) = "search",
    /// How many clients the assignment directory showed.
    Directory(usize) = "directory",
    /// The record written (a correction's new version).
    Record(String) = "record",
    /// The records written or shown.
    Records(Vec<String>) = "records",
    /// What was read, when it is not a record.
    Read(&'static str) = "read",
    /// How many items a queue showed.
    Items(usize) = "items",
    /// The day an acknowledgment or revocation took effect.
    On(Date) = "on",
    /// The day of a discharge.
    DischargedOn(Date) = "discharged_on",
    /// The day of a death.
    DiedOn(Date) = "died_on",
    /// The change corrects a mistaken one.
    Correction(bool) = "correction",
    /// The status before a correction.
    Before(StatusSnapshot) = "before",
    /// The status after a correction.
    After(StatusSnapshot) = "after",
    // ── authorizations and restrictions ──
    /// The authorization acted upon.
    Authorization(String) = "authorization",
    /// The authorization waits for the privacy officer's review.
    AwaitingReview(bool) = "awaiting_review",
    /// A signed document was attached.
    Document(bool) = "document",
    /// The ASCMI form acted upon.
    Ascmi(String) = "ascmi",
    /// How many care partners an ASCMI names.
    CarePartners(usize) = "care_partners",
    /// The restriction filed.
    Restriction(String) = "restriction",
    /// Whether the organization agreed to the restriction.
    Agreed(bool) = "agreed",
    // ── decisions and disclosures ──
    /// The decision's overall outcome, or a review's.
    Outcome(&'static str) = "outcome",
    /// Who the information was for.
    RecipientKind(RecipientKind) = "recipient_kind",
    /// Why it was asked for.
    Purpose(Purpose) = "purpose",
    /// The rules that fired.
    Rules(Vec<String>) = "rules",
    /// The catalog digest the decision was made under (contract v2).
    RulesVersion(String) = "rules_version",
    /// Whether anything was released.
    Released(bool) = "released",
    /// The request as the contract spells it.
    Request(Value) = "request",
    /// The disclosure recorded.
    Disclosure(String) = "disclosure",
    /// Its accounting entry.
    AccountingEntry(String) = "accounting_entry",
    /// Categories held back.
    Withheld(Vec<Category>) = "withheld",
    /// The records released.
    RecordIds(Vec<String>) = "record_ids",
    /// The break-glass grant acted upon.
    BreakGlass(String) = "break_glass",
    // ── the accounting ──
    /// The first day the accounting covers.
    Since(Date) = "since",
    /// The day the accounting was drawn up for.
    AsOf(Date) = "as_of",
    /// How many entries were shown.
    Entries(usize) = "entries",
    /// How many entries a suspension held back.
    SuspendedEntries(usize) = "suspended_entries",
    /// The accounting entry written.
    Entry(String) = "entry",
    /// The accounting entry a correction replaces.
    Corrects(String) = "corrects",
    /// The suspension recorded.
    Suspension(String) = "suspension",
    /// The last day of a suspension.
    Until(Date) = "until",
    /// Whether the request was in writing.
    Written(bool) = "written",
    // ── keys ──
    /// The key-encryption key a rotation made current.
    NewKey(String) = "new_key",
    /// The key-encryption keys a rotation retired.
    RetiredKeys(Vec<String>) = "retired_keys",
    /// How many data keys a rotation re-wrapped.
    RewrappedDataKeys(u64) = "rewrapped_data_keys",
    // ── the log itself ──
    /// The layout a re-commit moved the log from.
    LogLayoutFrom(&'static str) = "from",
    /// The layout it moved the log to.
    LogLayoutTo(&'static str) = "to",
    /// The old log's size, in entries.
    Size(u64) = "size",
    /// The old log's root hash, hex.
    Root(String) = "root",
    /// Signed heads of the old log checked before the re-commit.
    HeadsVerified(usize) = "heads_verified",
    // ── backups ──
    /// The newest migration the backup's schema had.
    SchemaVersion(i64) = "schema_version",
    /// The backend the backup was taken from (`sqlite`, `postgres`).
    SourceBackend(String) = "source_backend",
    /// When the backup's snapshot was taken, in Unix milliseconds.
    TakenAtMs(i64) = "taken_at_ms",
    /// Rows in the backup.
    Rows(u64) = "rows",
    /// Audit entries in the backup.
    AuditEntries(u64) = "audit_entries",
    /// The backup's size in bytes.
    Bytes(u64) = "bytes",
    /// The size of the log the witness file had seen before a restore.
    PreviousWitnessSize(u64) = "previous_witness_size",
    /// Entries written after the backup, which the restore dropped.
    EntriesAfterBackupDropped(u64) = "entries_after_backup_dropped",
    // ── rules ──
    /// The catalog digest before a reload.
    OldRulesVersion(String) = "old_rules_version",
    /// The catalog digest after a reload.
    NewRulesVersion(String) = "new_rules_version",
    /// Past decisions replayed against the new rules.
    Replayed(usize) = "replayed",
    /// How many of them came out differently.
    Changed(usize) = "changed",
    /// The first day of a decisions diff over stored requests.
    RulesDiffSince(Date) = "rules_diff_since",
    /// How many stored requests a diff read.
    Requests(usize) = "requests",
    // ── training ──
    /// The exam acted upon.
    Exam(String) = "exam",
    /// Questions drawn.
    Questions(usize) = "questions",
    /// The topic an exam was drawn from, if one.
    Topic(Option<&'static str>) = "topic",
    /// Questions answered so far.
    Answered(usize) = "answered",
    /// Questions in the exam.
    Of(usize) = "of",
    /// Correct answers.
    Correct(u32) = "correct",
    /// Questions scored.
    Asked(u32) = "asked",
    /// Whether the exam was passed.
    Passed(bool) = "passed",
    /// The pass mark, in percent.
    PassPercent(u8) = "pass_percent",
    /// Months between required trainings.
    IntervalMonths(u16) = "interval_months",
    /// The score per topic.
    ByTopic(Vec<TopicTally>) = "by_topic",
    /// An exam was submitted again (the first result stands).
    SubmittedAgain(bool) = "submitted_again",
    /// Completed exams shown.
    Exams(usize) = "exams",
    /// Staff counted in a training report.
    StaffInReport(usize) = "staff_in_report",
    /// Staff whose training is current.
    Current(usize) = "current",
    /// Staff whose training is overdue.
    Overdue(usize) = "overdue",
    /// Staff never trained.
    Untrained(usize) = "untrained",
    /// Whether the question bank was shown with its answer keys.
    Keys(bool) = "keys",
}

/// The facts every audited decision carries: its outcome, who it was for
/// and why, the rules that fired, the rules version, and the request as the
/// contract spells it (so a later rules change can be replayed against it).
pub fn decision_details(request: &confidant_policy::Request, decision: &confidant_policy::Decision) -> [Detail; 7] {
    [
        Detail::Outcome(decision.decision.as_str()),
        Detail::RecipientKind(request.recipient.kind),
        Detail::Purpose(request.purpose),
        Detail::Rules(decision.rules.iter().map(|r| r.id.clone()).collect()),
        Detail::RulesVersion(decision.rules_version.clone()),
        Detail::Released(false),
        Detail::Request(confidant_policy::request_to_value(request)),
    ]
}

/// An event's details: facts in the order they were added, a later fact
/// replacing an earlier one with the same key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details(Vec<Detail>);

impl Details {
    /// No details.
    pub fn new() -> Details {
        Details(Vec::new())
    }

    /// Adds a fact, replacing one with the same key.
    pub fn push(&mut self, detail: Detail) {
        self.0.retain(|d| d.key() != detail.key());
        self.0.push(detail);
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fact stored under `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Detail> {
        self.0.iter().find(|d| d.key() == key)
    }

    /// The stored form: a JSON object, or null when there are none.
    pub fn to_value(&self) -> Value {
        if self.0.is_empty() {
            return Value::Null;
        }
        let map: Map<String, Value> = self.0.iter().cloned().map(|d| (d.key().to_string(), d.into_value())).collect();
        Value::Object(map)
    }
}

impl FromIterator<Detail> for Details {
    fn from_iter<I: IntoIterator<Item = Detail>>(iter: I) -> Details {
        let mut details = Details::new();
        for d in iter {
            details.push(d);
        }
        details
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn every_detail_key_is_distinct() {
        let mut keys = Detail::KEYS.to_vec();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "two variants share a key");
    }

    #[test]
    fn details_are_stored_as_one_object_and_a_repeated_key_keeps_the_last() {
        let details: Details = [Detail::Via("api"), Detail::Entries(3), Detail::Via("console")].into_iter().collect();
        assert_eq!(details.to_value(), json!({ "via": "console", "entries": 3 }));
        assert_eq!(Details::new().to_value(), Value::Null);
    }

    #[test]
    fn dates_roles_and_snapshots_are_written_as_the_contract_spells_them() {
        let on = Date::parse("2026-02-20").unwrap();
        let details: Details = [
            Detail::DischargedOn(on),
            Detail::Role(StaffRole::PeerSupportSpecialist),
            Detail::Before(StatusSnapshot { status: ClientStatus::Discharged, discharged_on: Some(on), died_on: None }),
            Detail::Withheld(vec![Category::PsychotherapyNotes]),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            details.to_value(),
            json!({
                "discharged_on": "2026-02-20",
                "role": "peer_support_specialist",
                "before": { "status": "discharged", "discharged_on": "2026-02-20", "died_on": null },
                "withheld": ["psychotherapy_notes"],
            })
        );
    }
}
