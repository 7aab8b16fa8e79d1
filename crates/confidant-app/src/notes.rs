//! Notes in the record: which categories a role writes, reading one record
//! with its history, and correcting a record as a new version (the old one
//! is kept unchanged, as records law expects of an amendment).

use std::collections::BTreeMap;

use confidant_policy::vocab::Category;
use confidant_store::{AuditEvent, AuditKind, NewRecord, Record, StaffRole};

use crate::access::{Access, client_access, refuse, visible_records};
use crate::ops::via;
use crate::{Actor, App, AppError};

/// The categories a staff member in `role` writes notes in. Psychotherapy
/// notes are only for the therapists who keep them (45 CFR 164.501); the
/// privacy officer writes no clinical notes.
pub fn writable_categories(role: StaffRole) -> Vec<Category> {
    use Category as C;
    match role {
        StaffRole::PeerSupportSpecialist => vec![C::PeerSupportNotes, C::Appointments],
        StaffRole::CaseManager => vec![C::ProgressNotes, C::TreatmentPlan, C::Appointments, C::Demographics, C::Billing],
        StaffRole::Nurse => vec![
            C::ProgressNotes,
            C::Medications,
            C::TestResults,
            C::TreatmentPlan,
            C::SubstanceUse,
            C::Hiv,
            C::Appointments,
            C::PresenceAndCondition,
        ],
        StaffRole::Psychotherapist | StaffRole::Psychiatrist | StaffRole::Supervisor => Category::ALL.to_vec(),
        StaffRole::Admin => vec![C::Demographics, C::Appointments, C::Billing],
        StaffRole::PrivacyOfficer => Vec::new(),
    }
}

/// One record as the actor may read it, with every version of it.
#[derive(Clone, Debug)]
pub struct RecordHistory {
    /// Every version, oldest first, with contents; the last is the current one.
    pub versions: Vec<Record>,
    /// Display names of the versions' authors, by staff id.
    pub authors: BTreeMap<String, String>,
}

impl RecordHistory {
    /// The current version.
    pub fn current(&self) -> Option<&Record> {
        self.versions.last()
    }
}

/// The chain of versions that contains `id`, oldest first.
pub fn versions_of(records: &[Record], id: &str) -> Vec<Record> {
    let by_id: BTreeMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let corrected_by: BTreeMap<&str, &Record> = records.iter().filter_map(|r| r.corrects.as_deref().map(|c| (c, r))).collect();
    let Some(mut first) = by_id.get(id).copied() else {
        return Vec::new();
    };
    // Back to the first version, then forward to the latest (bounded: a
    // chain never holds more versions than the client has records).
    for _ in 0..records.len() {
        match first.corrects.as_deref().and_then(|c| by_id.get(c)) {
            Some(earlier) => first = earlier,
            None => break,
        }
    }
    let mut chain = vec![first.clone()];
    let mut at = first;
    for _ in 0..records.len() {
        match corrected_by.get(at.id.as_str()) {
            Some(next) => {
                chain.push((*next).clone());
                at = next;
            }
            None => break,
        }
    }
    chain
}

/// The latest version of each record, newest first, with how many versions
/// it has (one: never corrected).
pub fn latest_versions(records: &[Record]) -> Vec<(&Record, usize)> {
    let corrected: std::collections::BTreeSet<&str> = records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let by_id: BTreeMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut out: Vec<(&Record, usize)> = records
        .iter()
        .filter(|r| !corrected.contains(r.id.as_str()))
        .map(|r| {
            let mut count = 1;
            let mut at = r;
            while let Some(earlier) = at.corrects.as_deref().and_then(|c| by_id.get(c)) {
                count += 1;
                at = earlier;
                if count > records.len() {
                    break;
                }
            }
            (r, count)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    out
}

impl App<'_> {
    /// Display names of staff by id, for showing who wrote what (the staff
    /// directory names no client).
    pub async fn staff_names(&self) -> Result<BTreeMap<String, String>, AppError> {
        Ok(self.store.list_staff().await?.into_iter().map(|s| (s.id, s.display_name)).collect())
    }

    /// Opens one record with its history (every version, oldest first),
    /// audited as a `record_read` naming each version before anything is
    /// returned. Psychotherapy notes open only for their author.
    pub async fn read_record(&self, actor: &Actor, client_id: &str, record_id: &str) -> Result<RecordHistory, AppError> {
        let versions = self.read_record_versions(actor, client_id, record_id).await?;
        Ok(RecordHistory { versions, authors: self.staff_names().await? })
    }

    /// [`App::read_record`] without the authors' display names (the API
    /// answers with ids only, so it skips reading the staff list): the
    /// same need-to-know check, and the same `record_read` entry, durable
    /// before anything is returned. Only the versions shown are decrypted,
    /// not the client's other records.
    pub async fn read_record_versions(&self, actor: &Actor, client_id: &str, record_id: &str) -> Result<Vec<Record>, AppError> {
        let choose = |all: Vec<Record>| versions_of(&visible_records(actor, all).0, record_id);
        // The common case, a staff member reading a client of their own
        // caseload, checks and reads in one go (one snapshot on SQLite);
        // anyone else takes the full check (break-glass, audited refusal).
        let on_caseload = match actor.as_staff() {
            Some(staff) => self.store.records_chosen_on_caseload(&staff.id, client_id, true, &choose).await?,
            None => None,
        };
        let (access, versions) = match on_caseload {
            Some(versions) => (Access::Caseload, versions),
            None => {
                let access = client_access(self, actor, client_id, "read record").await?;
                (access, self.store.records_chosen(client_id, true, &choose).await?)
            }
        };
        if versions.is_empty() {
            return Err(AppError::NotFound(format!("record: no record `{record_id}` you may read for this client")));
        }
        self.audit_read(actor, client_id, access, &versions, &[]).await?;
        Ok(versions)
    }

    /// Refuses, audited, a note in a category the actor's role does not write.
    pub(crate) async fn check_writes(&self, actor: &Actor, client_id: &str, category: Category) -> Result<(), AppError> {
        let Some(role) = actor.role() else {
            return Ok(());
        };
        if writable_categories(role).contains(&category) {
            return Ok(());
        }
        refuse(self, actor, Some(client_id), "write a note in this category").await?;
        Err(AppError::Forbidden(format!("category: a {} does not write `{}` notes", role.as_str().replace('_', " "), category.as_str())))
    }

    /// Corrects a record: `content` becomes a new version that names the
    /// one it corrects, which stays as it was. Only the record's author
    /// corrects it (others add a note of their own), and only its latest
    /// version. Audited as `record_corrected` in the same transaction.
    pub async fn correct_record(&self, actor: &Actor, client_id: &str, record_id: &str, content: String) -> Result<String, AppError> {
        let Some(author) = actor.on_behalf_of() else {
            return Err(AppError::input("--as", "the staff member correcting their record"));
        };
        client_access(self, actor, client_id, "correct record").await?;
        let records = self.store.records(client_id, false).await?;
        let Some(old) = records.iter().find(|r| r.id == record_id) else {
            return Err(AppError::NotFound(format!("record: no record `{record_id}` for this client")));
        };
        if old.author_id != author {
            refuse(self, actor, Some(client_id), "correct someone else's record").await?;
            return Err(AppError::Forbidden("record: only its author corrects a record; add a note of your own instead".into()));
        }
        if let Some(newer) = records.iter().find(|r| r.corrects.as_deref() == Some(record_id)) {
            return Err(AppError::Conflict(format!(
                "record: `{record_id}` was already corrected by `{}`; correct the latest version",
                newer.id
            )));
        }
        if content.trim().is_empty() {
            return Err(AppError::input("content", "the corrected note's text"));
        }
        let new = NewRecord { id: None, client_id: client_id.to_string(), category: old.category, author_id: author.to_string(), content };
        let event =
            AuditEvent::new(AuditKind::RecordCorrected, actor.id()).client(client_id).categories(&[old.category]).with_all(via(actor));
        Ok(self.store.correct_record_audited(record_id, new, event).await?.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn record(id: &str, corrects: Option<&str>) -> Record {
        Record {
            id: id.into(),
            client_id: "cl-1".into(),
            category: Category::PeerSupportNotes,
            author_id: "st-1".into(),
            created_at: 0,
            content: None,
            corrects: corrects.map(str::to_string),
        }
    }

    #[test]
    fn a_history_runs_from_the_first_version_to_the_latest_from_any_of_them() {
        let records = [record("a", None), record("x", None), record("b", Some("a")), record("c", Some("b"))];
        for id in ["a", "b", "c"] {
            let chain: Vec<String> = versions_of(&records, id).into_iter().map(|r| r.id).collect();
            assert_eq!(chain, ["a", "b", "c"]);
        }
        assert_eq!(versions_of(&records, "x").len(), 1);
        assert!(versions_of(&records, "nope").is_empty());
        let latest: Vec<(&str, usize)> = latest_versions(&records).into_iter().map(|(r, n)| (r.id.as_str(), n)).collect();
        assert_eq!(latest, [("x", 1), ("c", 3)]);
    }

    #[test]
    fn only_therapists_write_psychotherapy_notes_and_peers_write_peer_notes() {
        assert!(writable_categories(StaffRole::Psychotherapist).contains(&Category::PsychotherapyNotes));
        assert!(!writable_categories(StaffRole::Nurse).contains(&Category::PsychotherapyNotes));
        assert!(writable_categories(StaffRole::PeerSupportSpecialist).contains(&Category::PeerSupportNotes));
        assert!(!writable_categories(StaffRole::PeerSupportSpecialist).contains(&Category::Diagnosis));
        assert!(writable_categories(StaffRole::PrivacyOfficer).is_empty());
    }
}
