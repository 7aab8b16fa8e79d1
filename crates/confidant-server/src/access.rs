//! Need-to-know for the server's handlers, over the operations layer's one
//! check (`confidant_app::access`): staff see the clients on their caseload
//! or care team, or one they opened under break-glass; psychotherapy notes
//! only their author; the privacy officer (and admin) oversee the audit log
//! and the accounting. Every refusal is audited. A refusal is a 404 whose
//! wording is the same whether or not the client exists, so ids cannot be
//! probed.

use confidant_app::Channel;
use confidant_store::Record;

pub use confidant_app::Access;

use crate::AppState;
use crate::auth::Principal;
use crate::problem::Problem;

/// The one need-to-know check for a client's data.
pub async fn client_access(state: &AppState, principal: &Principal, client_id: &str, doing: &str) -> Result<Access, Problem> {
    Ok(confidant_app::access::client_access(&state.app(), &principal.actor(Channel::Api), client_id, doing).await?)
}

/// The refusal for a client outside one's caseload (or that does not exist).
pub fn refused(client_id: &str) -> Problem {
    confidant_app::AppError::Refused(client_id.to_string()).into()
}

/// Oversight (audit log, accounting, review queue): privacy officer or admin.
pub async fn require_oversight(state: &AppState, principal: &Principal, doing: &str) -> Result<(), Problem> {
    Ok(confidant_app::access::require_oversight(&state.app(), &principal.actor(Channel::Api), doing).await?)
}

/// Psychotherapy notes are shown only to their author; returns the records
/// the principal may read and how many notes were held back.
pub fn visible_records(principal: &Principal, records: Vec<Record>) -> (Vec<Record>, usize) {
    confidant_app::access::visible_records(&principal.actor(Channel::Api), records)
}
