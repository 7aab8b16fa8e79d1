//! Clients: intake, reading the identifying details, the privacy officer's
//! corrections of a recorded discharge or death, privacy-notice
//! acknowledgments, and the privacy officer's review of queued
//! authorizations.

use confidant_policy::Date;
use confidant_policy::vocab::{Category, ClientStatus};
use confidant_store::{AuditEvent, AuditKind, Client, NewClient, NoticeNotObtained, StaffRole, StoreError, StoredRestriction};
use confidant_store::{Detail, StatusSnapshot};

use crate::access::{client_access, refuse, require_privacy_officer};
use crate::ops::via;
use crate::{Actor, App, AppError};

impl App<'_> {
    /// Intake: adds a client and puts them on the intake worker's caseload,
    /// in one transaction with its audit entry. Done by case managers,
    /// clinicians, supervisors or admins (or the operator, who assigns no one).
    pub async fn add_client(&self, actor: &Actor, new: NewClient) -> Result<String, AppError> {
        let may = actor.is_operator()
            || matches!(
                actor.role(),
                Some(
                    StaffRole::Admin
                        | StaffRole::Supervisor
                        | StaffRole::CaseManager
                        | StaffRole::Psychotherapist
                        | StaffRole::Psychiatrist
                )
            );
        if !may {
            refuse(self, actor, None, "add client").await?;
            return Err(AppError::Forbidden("intake is done by case managers, clinicians, supervisors or admins".into()));
        }
        let today = self.store.today();
        let assign = actor.id().map(|staff| (staff, today));
        let event = AuditEvent::new(AuditKind::ClientAdded, actor.id()).with_all(via(actor));
        Ok(self.store.intake_client(new, assign, event).await?.0)
    }

    /// The client's identifying details, audited as a read of demographics.
    pub async fn show_client(&self, actor: &Actor, client_id: &str) -> Result<Client, AppError> {
        let access = client_access(self, actor, client_id, "read client").await?;
        let client = self.store.client(client_id).await?;
        let event = AuditEvent::new(AuditKind::ClientRead, actor.id())
            .client(client_id)
            .categories(&[Category::Demographics])
            .break_glass(access.is_break_glass())
            .with_all(via(actor));
        self.audit.record(vec![event]).await?;
        Ok(client)
    }

    /// The privacy officer's correction of a mistaken discharge or death:
    /// the status and dates are set to what they should have been (`None`
    /// for both: active), audited with the reason, before and after.
    pub async fn correct_status(
        &self,
        actor: &Actor,
        client_id: &str,
        discharged_on: Option<Date>,
        died_on: Option<Date>,
        reason: &str,
    ) -> Result<ClientStatus, AppError> {
        if !(actor.is_operator() || actor.is_privacy_officer()) {
            refuse(self, actor, Some(client_id), "correct a discharge or death").await?;
            return Err(AppError::Forbidden("only the privacy officer corrects a recorded discharge or death".into()));
        }
        if !(10..=1000).contains(&reason.trim().chars().count()) {
            return Err(AppError::input("reason", "why the status was wrong, in 10 to 1000 characters"));
        }
        let before = self.store.client(client_id).await.map_err(|_| AppError::Refused(client_id.to_string()))?;
        let after = match (discharged_on, died_on) {
            (_, Some(_)) => ClientStatus::Deceased,
            (Some(_), None) => ClientStatus::Discharged,
            (None, None) => ClientStatus::Active,
        };
        let event = AuditEvent::new(AuditKind::ClientChanged, actor.id()).client(client_id).with_all(via(actor)).with_all([
            Detail::Correction(true),
            Detail::Reason(reason.to_string()),
            Detail::Before(StatusSnapshot { status: before.status, discharged_on: before.discharged_on, died_on: before.died_on }),
            Detail::After(StatusSnapshot { status: after, discharged_on, died_on }),
        ]);
        Ok(self.store.correct_client_status_audited(client_id, discharged_on, died_on, event).await?.0)
    }

    /// Records that the client acknowledged the notice of privacy practices
    /// on `on` (45 CFR 164.520(c)(2)(ii)).
    pub async fn acknowledge_notice(&self, actor: &Actor, client_id: &str, on: Date) -> Result<(), AppError> {
        client_access(self, actor, client_id, "record privacy notice acknowledgment").await?;
        let event =
            AuditEvent::new(AuditKind::PrivacyNoticeAcknowledged, actor.id()).client(client_id).with_all(via(actor)).with(Detail::On(on));
        self.store.acknowledge_privacy_notice_audited(client_id, on, event).await?;
        Ok(())
    }

    /// The privacy officer's review of a queued authorization or ASCMI form
    /// (never by who entered it), audited against its client.
    pub async fn review_authorization(&self, actor: &Actor, auth_id: &str) -> Result<(), AppError> {
        require_privacy_officer(self, actor, "review an authorization").await?;
        let Some(reviewer) = actor.on_behalf_of() else {
            return Err(AppError::input("--as", "the privacy officer reviewing it"));
        };
        // An id names an authorization or, failing that, an ASCMI form.
        let (client, ascmi) = match self.store.authorization_client(auth_id).await {
            Ok(client) => (client, false),
            Err(StoreError::NotFound { .. }) => match self.store.ascmi_client(auth_id).await {
                Ok(client) => (client, true),
                // Neither: the answer names what the caller asked for.
                Err(StoreError::NotFound { .. }) => {
                    return Err(StoreError::NotFound { kind: "authorization", id: auth_id.to_string() }.into());
                }
                Err(e) => return Err(e.into()),
            },
            Err(e) => return Err(e.into()),
        };
        let reviewed = if ascmi { Detail::Ascmi(auth_id.to_string()) } else { Detail::Authorization(auth_id.to_string()) };
        let event = AuditEvent::new(AuditKind::AuthorizationReviewed, actor.id()).client(&client).with_all(via(actor)).with(reviewed);
        if ascmi {
            self.store.review_ascmi_audited(auth_id, reviewer, event).await?;
        } else {
            self.store.review_authorization_audited(auth_id, reviewer, event).await?;
        }
        Ok(())
    }

    /// Records that the notice's acknowledgment was sought on `on` but not
    /// obtained, and why (45 CFR 164.520(c)(2)(ii)).
    pub async fn notice_not_obtained(&self, actor: &Actor, client_id: &str, on: Date, reason: NoticeNotObtained) -> Result<(), AppError> {
        client_access(self, actor, client_id, "record privacy notice not obtained").await?;
        if on > self.store.today() {
            return Err(AppError::input("on", "a day no later than today"));
        }
        let event = AuditEvent::new(AuditKind::PrivacyNoticeNotObtained, actor.id())
            .client(client_id)
            .with_all(via(actor))
            .with_all([Detail::On(on), Detail::Reason(reason.as_str().to_string())]);
        self.store.privacy_notice_not_obtained_audited(client_id, on, reason, actor.on_behalf_of(), event).await?;
        Ok(())
    }

    /// Restrictions waiting for the privacy officer's answer, across clients
    /// (what is restricted, not the record; the privacy officer's queue).
    pub async fn restrictions_awaiting_decision(&self, actor: &Actor) -> Result<Vec<StoredRestriction>, AppError> {
        require_privacy_officer(self, actor, "list restriction requests").await?;
        Ok(self.store.restrictions_awaiting_decision().await?)
    }

    /// The privacy officer agrees to a requested restriction (from then on
    /// it binds, 45 CFR 164.522(a)(1)(ii)) or declines it; decided once,
    /// audited as `restriction_decided` in the same transaction.
    pub async fn decide_restriction(&self, actor: &Actor, restriction_id: &str, agreed: bool) -> Result<String, AppError> {
        require_privacy_officer(self, actor, "decide a restriction request").await?;
        let Some(by) = actor.on_behalf_of() else {
            return Err(AppError::input("--as", "the privacy officer deciding it"));
        };
        let event = AuditEvent::new(AuditKind::RestrictionDecided, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Restriction(restriction_id.to_string()), Detail::Agreed(agreed)]);
        let (client, _) = self.store.decide_restriction_audited(restriction_id, agreed, by, self.store.today(), event).await?;
        Ok(client)
    }
}
