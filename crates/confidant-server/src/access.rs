//! Who may *see* (beside the engine's who may *receive*): staff see the
//! clients on their caseload or care team, or one they opened under
//! break-glass; psychotherapy notes only to their author; the privacy
//! officer (and admin) oversee the audit log and the accounting. Every
//! refusal is audited. A refusal is a 404 whose wording is the same whether
//! or not the client exists, so ids cannot be probed.

use confidant_store::{AuditEvent, AuditKind, Record};
use confidant_policy::vocab::Category;
use serde_json::json;

use crate::AppState;
use crate::auth::Principal;
use crate::problem::Problem;

/// Why the principal may see a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Caseload,
    BreakGlass,
}

/// The one need-to-know check for a client's data.
pub async fn client_access(state: &AppState, principal: &Principal, client_id: &str, doing: &str) -> Result<Access, Problem> {
    if state.store.on_caseload(principal.id(), client_id).await? {
        return Ok(Access::Caseload);
    }
    if state.store.has_break_glass(principal.id(), client_id).await? {
        return Ok(Access::BreakGlass);
    }
    let event = AuditEvent::new(AuditKind::AccessDenied, Some(principal.id())).client(client_id).details(json!({ "doing": doing }));
    state.audit.one(event).await?;
    Err(refused(client_id))
}

/// The refusal for a client outside one's caseload (or that does not exist).
pub fn refused(client_id: &str) -> Problem {
    Problem::not_found(format!(
        "client `{client_id}`: not on your caseload or care team; if you must open it now, use break-glass with a reason"
    ))
}

/// Oversight (audit log, accounting, review queue): privacy officer or admin.
pub async fn require_oversight(state: &AppState, principal: &Principal, doing: &str) -> Result<(), Problem> {
    if principal.oversees() { Ok(()) } else { refuse_role(state, principal, doing).await }
}

/// The privacy officer only (not the admin): work that reads or judges a
/// client's protected information across the organization.
pub async fn require_privacy_officer(state: &AppState, principal: &Principal, doing: &str) -> Result<(), Problem> {
    if principal.is_privacy_officer() { Ok(()) } else { refuse_role(state, principal, doing).await }
}

/// An audited refusal of work the principal's role does not do.
async fn refuse_role(state: &AppState, principal: &Principal, doing: &str) -> Result<(), Problem> {
    let event = AuditEvent::new(AuditKind::AccessDenied, Some(principal.id())).details(json!({ "doing": doing }));
    state.audit.one(event).await?;
    Err(Problem::forbidden(format!("{doing}: only the privacy officer may do this")))
}

/// Psychotherapy notes are shown only to their author (45 CFR 164.501 keeps
/// them apart); returns the records the principal may read and how many
/// notes were held back.
pub fn visible_records(principal: &Principal, records: Vec<Record>) -> (Vec<Record>, usize) {
    let mut hidden = 0;
    let visible = records
        .into_iter()
        .filter(|r| {
            let ok = r.category != Category::PsychotherapyNotes || r.author_id == principal.id();
            if !ok {
                hidden += 1;
            }
            ok
        })
        .collect();
    (visible, hidden)
}
