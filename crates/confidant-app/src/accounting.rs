//! The accounting of disclosures (45 CFR 164.528), its corrections and
//! suspensions, the disclosures on file, and break-glass: opening a client
//! in an emergency and the privacy officer's review of it.

use confidant_policy::Date;
use confidant_policy::vocab::RecipientKind;
use confidant_store::{Accounting, AccountingCorrection, AuditEvent, AuditKind, BreakGlass, NewSuspension, StoredDisclosure};

use crate::access::{client_access, require_oversight, require_privacy_officer};
use crate::ops::via;
use crate::{Actor, App, AppError};

/// A suspension as asked for (45 CFR 164.528(a)(2)).
#[derive(Clone, Debug)]
pub struct SuspensionRequest {
    /// The client whose accounting is suspended.
    pub client_id: String,
    /// `health_oversight_agency` or `law_enforcement`.
    pub agency: RecipientKind,
    /// The agency or official (all of that kind when absent).
    pub agency_name: Option<String>,
    /// When the agency asked (today when absent).
    pub requested_on: Option<Date>,
    /// Until when.
    pub until: Date,
    /// A written statement was given; an oral one lasts at most 30 days.
    pub written: bool,
    /// The agency's statement that an accounting would impede its work.
    pub statement: String,
}

impl App<'_> {
    /// A client's accounting as the actor may see it: the privacy officer's
    /// for any client; anyone else's only with access to the client and
    /// without law-enforcement suspensions (an open investigation is not
    /// told). Reading it is audited (`accounting_viewed`).
    pub async fn accounting(
        &self,
        actor: &Actor,
        client_id: &str,
        since: Option<Date>,
        as_of: Option<Date>,
    ) -> Result<Accounting, AppError> {
        let full = actor.is_privacy_officer() || actor.is_operator();
        if !full {
            client_access(self, actor, client_id, "read accounting").await?;
        }
        let as_of = as_of.unwrap_or_else(|| self.store.today());
        let seen = AuditEvent::new(AuditKind::AccountingViewed, actor.id()).with_all(via(actor));
        let accounting = self.store.accounting_seen(client_id, since, as_of, seen).await?;
        Ok(if full { accounting } else { accounting.without_law_enforcement_suspensions() })
    }

    /// The disclosures made of a client's information (privacy officer, or
    /// with access to the client).
    pub async fn disclosures(&self, actor: &Actor, client_id: &str) -> Result<Vec<StoredDisclosure>, AppError> {
        if !(actor.is_privacy_officer() || actor.is_operator()) {
            client_access(self, actor, client_id, "read disclosures").await?;
        }
        Ok(self.store.disclosures(client_id).await?)
    }

    /// Corrects an accounting entry by a new entry naming the old one (the
    /// privacy officer or the admin; entries are never edited in place).
    pub async fn correct_accounting(&self, actor: &Actor, entry_id: &str, correction: AccountingCorrection) -> Result<String, AppError> {
        require_oversight(self, actor, "correct the accounting").await?;
        let by = actor.on_behalf_of().ok_or_else(|| AppError::input("--staff", "the staff member making the correction"))?;
        Ok(self.store.correct_accounting_entry(entry_id, correction, by).await?)
    }

    /// Suspends a client's accounting for a health oversight agency or law
    /// enforcement (the privacy officer).
    pub async fn suspend_accounting(&self, actor: &Actor, request: SuspensionRequest) -> Result<String, AppError> {
        require_privacy_officer(self, actor, "suspend the accounting").await?;
        let by = actor.on_behalf_of().ok_or_else(|| AppError::input("--staff", "the staff member recording the suspension"))?;
        let suspension = NewSuspension {
            client_id: request.client_id,
            recipient_kind: request.agency,
            agency_name: request.agency_name,
            requested_on: request.requested_on.unwrap_or_else(|| self.store.today()),
            until: request.until,
            written: request.written,
            statement: request.statement,
            recorded_by: by.to_string(),
        };
        Ok(self.store.suspend_accounting(suspension).await?)
    }

    /// Opens a client outside the actor's caseload for `minutes`, under a
    /// stated reason: flagged in every entry it covers and queued for review.
    pub async fn open_break_glass(&self, actor: &Actor, client_id: &str, reason: &str, minutes: i64) -> Result<BreakGlass, AppError> {
        let Some(staff) = actor.as_staff() else {
            return Err(AppError::input("--as", "the staff member who needs the client (break-glass is always someone's)"));
        };
        Ok(self.store.open_break_glass(&staff.id, client_id, reason, minutes).await?)
    }

    /// The break-glass review queue (unreviewed, or `all`).
    pub async fn break_glass_queue(&self, actor: &Actor, all: bool) -> Result<Vec<BreakGlass>, AppError> {
        require_oversight(self, actor, "read the break-glass queue").await?;
        Ok(self.store.break_glass_queue(all).await?)
    }

    /// Reviews a break-glass access (never one's own); "unjustified" ends it.
    pub async fn review_break_glass(&self, actor: &Actor, id: &str, justified: bool) -> Result<(), AppError> {
        require_oversight(self, actor, "review break-glass").await?;
        let by = actor.on_behalf_of().ok_or_else(|| AppError::input("--as", "the reviewer"))?;
        Ok(self.store.review_break_glass(id, by, justified).await?)
    }
}
