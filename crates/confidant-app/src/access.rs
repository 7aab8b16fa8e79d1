//! Who may *see* (beside the engine's who may *receive*): staff see the
//! clients on their caseload or care team, or one they opened under
//! break-glass; psychotherapy notes only their author; the privacy officer
//! judges across the organization. Every refusal is audited.

use confidant_policy::vocab::Category;
use confidant_store::Detail;
use confidant_store::{AuditEvent, AuditKind, Record, StaffRole};

use crate::{Actor, App, AppError};

/// Why the actor may see a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// On the actor's caseload or care team.
    Caseload,
    /// Opened under break-glass, within its window.
    BreakGlass,
    /// The operator at the command line (see [`Actor::Operator`]).
    Operator,
}

impl Access {
    /// Whether the access is flagged as break-glass in the audit log.
    pub fn is_break_glass(self) -> bool {
        self == Access::BreakGlass
    }
}

/// The one need-to-know check for a client's data; a refusal is audited
/// (`access_denied`, naming what was attempted).
pub async fn client_access(app: &App<'_>, actor: &Actor, client_id: &str, doing: &str) -> Result<Access, AppError> {
    let Some(staff) = actor.as_staff() else {
        return Ok(Access::Operator);
    };
    if app.store.on_caseload(&staff.id, client_id).await? {
        return Ok(Access::Caseload);
    }
    if app.store.has_break_glass(&staff.id, client_id).await? {
        return Ok(Access::BreakGlass);
    }
    refuse(app, actor, Some(client_id), doing).await?;
    Err(AppError::Refused(client_id.to_string()))
}

/// Work only the privacy officer does (or the operator); a refusal is audited.
pub async fn require_privacy_officer(app: &App<'_>, actor: &Actor, doing: &str) -> Result<(), AppError> {
    if actor.is_operator() || actor.is_privacy_officer() {
        return Ok(());
    }
    refuse(app, actor, None, doing).await?;
    Err(AppError::Forbidden(format!("{doing}: only the privacy officer may do this")))
}

/// Oversight (the audit log, accounting corrections, break-glass review):
/// the privacy officer or the admin (or the operator); a refusal is audited.
pub async fn require_oversight(app: &App<'_>, actor: &Actor, doing: &str) -> Result<(), AppError> {
    if actor.is_operator() || matches!(actor.role(), Some(StaffRole::PrivacyOfficer | StaffRole::Admin)) {
        return Ok(());
    }
    refuse(app, actor, None, doing).await?;
    Err(AppError::Forbidden(format!("{doing}: only the privacy officer may do this")))
}

/// Writes an `access_denied` entry for `doing`.
pub async fn refuse(app: &App<'_>, actor: &Actor, client_id: Option<&str>, doing: &str) -> Result<(), AppError> {
    let mut event =
        AuditEvent::new(AuditKind::AccessDenied, actor.id()).with_all(crate::ops::via(actor)).with(Detail::Doing(doing.to_string()));
    if let Some(client) = client_id {
        event = event.client(client);
    }
    app.audit.record(vec![event]).await?;
    Ok(())
}

/// Psychotherapy notes are shown only to their author (45 CFR 164.501 keeps
/// them apart from the record); returns the records the actor may read and
/// how many notes were held back. The operator reads none of them either:
/// notes are the author's.
pub fn visible_records(actor: &Actor, records: Vec<Record>) -> (Vec<Record>, usize) {
    let mut hidden = 0;
    let visible = records
        .into_iter()
        .filter(|r| {
            let ok = r.category != Category::PsychotherapyNotes || Some(r.author_id.as_str()) == actor.id();
            if !ok {
                hidden += 1;
            }
            ok
        })
        .collect();
    (visible, hidden)
}

/// The client's records the actor may read ([`visible_records`]), with
/// their contents, and how many notes were held back. Only the records
/// shown are decrypted: another author's psychotherapy notes are never
/// opened for this actor.
pub(crate) async fn open_visible_records(app: &App<'_>, actor: &Actor, client_id: &str) -> Result<(Vec<Record>, usize), AppError> {
    let hidden = std::sync::atomic::AtomicUsize::new(0);
    let records = app
        .store
        .records_chosen(client_id, true, &|all: Vec<Record>| {
            let (visible, held_back) = visible_records(actor, all);
            hidden.store(held_back, std::sync::atomic::Ordering::Relaxed);
            visible
        })
        .await?;
    Ok((records, hidden.load(std::sync::atomic::Ordering::Relaxed)))
}
