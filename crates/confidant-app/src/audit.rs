//! Reading the audit log: oversight's work (the privacy officer or the
//! admin, or the operator), and itself a logged act, so who looked at the
//! log is in the log. The sealed details (which may name people) are shown
//! only to the privacy officer and the operator.

use confidant_store::{AuditEntry, AuditEvent, AuditFilter, AuditKind, Detail};

use crate::access::{refuse, require_oversight};
use crate::ops::via;
use crate::{Actor, App, AppError};

impl App<'_> {
    /// The entries `filter` selects, audited as `audit_viewed`.
    pub async fn audit_entries(&self, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
        require_oversight(self, actor, "read the audit log").await?;
        if filter.with_details && !(actor.is_operator() || actor.is_privacy_officer()) {
            refuse(self, actor, None, "read the audit log's sealed details").await?;
            return Err(AppError::Forbidden("details: only the privacy officer reads the audit log's sealed details".into()));
        }
        let entries = self.store.audit_entries(filter).await?;
        let event = AuditEvent::new(AuditKind::AuditViewed, actor.id()).with_all(via(actor)).with(Detail::Entries(entries.len()));
        self.audit.record(vec![event]).await?;
        Ok(entries)
    }
}
