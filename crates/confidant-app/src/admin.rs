//! Staff, care teams and caseloads: who works here and whose clients they
//! see. The admin manages staff and teams; caseloads are assigned by an
//! admin, a supervisor or a case manager. Nobody grants themselves access:
//! another staff member makes the assignment, and one's own urgent access
//! goes through break-glass, where it is flagged and reviewed.

use confidant_store::Detail;
use confidant_store::{AuditEvent, AuditKind, NewStaff, StaffRole};

use crate::access::{client_access, refuse};
use crate::ops::via;
use crate::{Actor, App, AppError};

impl App<'_> {
    /// Adds a staff member (admin).
    pub async fn add_staff(&self, actor: &Actor, new: NewStaff) -> Result<String, AppError> {
        self.require_admin(actor, "add staff").await?;
        let event = AuditEvent::new(AuditKind::StaffAdded, actor.id()).with_all(via(actor)).with(Detail::Role(new.role));
        Ok(self.store.add_staff_audited(new, event).await?.0)
    }

    /// Activates or deactivates an account (admin; never one's own). A
    /// deactivation also ends the account's sessions and API tokens.
    pub async fn set_staff_active(&self, actor: &Actor, staff_id: &str, active: bool) -> Result<(), AppError> {
        self.require_admin(actor, "activate or deactivate staff").await?;
        if actor.id() == Some(staff_id) {
            return Err(AppError::Forbidden("staff_id: another admin changes your own account".into()));
        }
        self.store.staff(staff_id).await?;
        let (mut sessions, mut tokens) = (0, 0);
        if !active {
            sessions = self.store.revoke_sessions_of(staff_id, None).await?;
            tokens = self.store.revoke_api_tokens_of(staff_id).await?;
        }
        let event = AuditEvent::new(AuditKind::StaffActiveChanged, actor.id()).with_all(via(actor)).with_all([
            Detail::Staff(staff_id.to_string()),
            Detail::Active(active),
            Detail::SessionsEnded(sessions),
            Detail::TokensRevoked(tokens),
        ]);
        self.store.set_staff_active_audited(staff_id, active, event).await?;
        Ok(())
    }

    /// Gives a staff member another role (admin; never one's own account).
    /// Their sessions and API tokens end: both were granted under the old
    /// role (a token's scopes were chosen for it), so after a demotion
    /// nothing issued before it still works, and after a promotion they sign
    /// in again into the new role. Returns the role they had.
    pub async fn set_staff_role(&self, actor: &Actor, staff_id: &str, role: StaffRole) -> Result<StaffRole, AppError> {
        self.require_admin(actor, "change a staff member's role").await?;
        self.no_own_account(actor, staff_id, "change your own role").await?;
        let current = self.store.staff(staff_id).await?;
        if current.role == role {
            return Err(AppError::Conflict(format!("role: staff `{staff_id}` is already {}", role.as_str())));
        }
        // Revoked first: a failure afterwards leaves the old role with fewer
        // live credentials, never the new role with old ones.
        let sessions = self.store.revoke_sessions_of(staff_id, None).await?;
        let tokens = self.store.revoke_api_tokens_of(staff_id).await?;
        let event = AuditEvent::new(AuditKind::StaffChanged, actor.id()).with_all(via(actor)).with_all([
            Detail::Staff(staff_id.to_string()),
            Detail::Role(role),
            Detail::SessionsEnded(sessions),
            Detail::TokensRevoked(tokens),
        ]);
        Ok(self.store.set_staff_role_audited(staff_id, role, event).await?.0)
    }

    /// Adds a care team (admin).
    pub async fn add_team(&self, actor: &Actor, id: Option<&str>, name: &str) -> Result<String, AppError> {
        self.require_admin(actor, "add a care team").await?;
        let event = AuditEvent::new(AuditKind::TeamAdded, actor.id()).with_all(via(actor));
        Ok(self.store.add_team_audited(id, name, event).await?.0)
    }

    /// Adds a staff member to a care team (admin; never oneself). `team` is
    /// the team's id or name.
    pub async fn add_team_member(&self, actor: &Actor, team: &str, staff_id: &str) -> Result<(), AppError> {
        self.require_admin(actor, "add a team member").await?;
        self.no_self_grant(actor, staff_id, "join a care team").await?;
        let team = self.store.team_id(team).await?;
        let event = AuditEvent::new(AuditKind::TeamMemberAdded, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Staff(staff_id.to_string()), Detail::Team(team.clone())]);
        self.store.add_team_member_audited(&team, staff_id, event).await?;
        Ok(())
    }

    /// Assigns a client to a staff member's caseload, from today: an admin
    /// (who assigns without seeing the client), or a supervisor or case
    /// manager who has the client themselves. Never to oneself.
    pub async fn assign_caseload(&self, actor: &Actor, client_id: &str, staff_id: &str) -> Result<(), AppError> {
        let role = actor.role();
        if !(actor.is_operator() || matches!(role, Some(StaffRole::Admin | StaffRole::Supervisor | StaffRole::CaseManager))) {
            refuse(self, actor, Some(client_id), "assign caseload").await?;
            return Err(AppError::Forbidden("only an admin, supervisor or case manager assigns caseloads".into()));
        }
        self.no_self_grant(actor, staff_id, "be assigned a client").await?;
        if role != Some(StaffRole::Admin) {
            client_access(self, actor, client_id, "assign caseload").await?;
        }
        let event = AuditEvent::new(AuditKind::CaseloadAssigned, actor.id())
            .client(client_id)
            .with_all(via(actor))
            .with(Detail::Staff(staff_id.to_string()));
        self.store.assign_audited(staff_id, client_id, self.store.today(), event).await?;
        Ok(())
    }

    /// The admin, or the operator at the command line.
    pub(crate) async fn require_admin(&self, actor: &Actor, doing: &str) -> Result<(), AppError> {
        if actor.is_operator() || actor.role() == Some(StaffRole::Admin) {
            return Ok(());
        }
        refuse(self, actor, None, doing).await?;
        Err(AppError::Forbidden(format!("{doing}: only an admin manages staff and teams")))
    }

    /// Refuses, audited, an assignment of the actor to themselves.
    pub(crate) async fn no_self_grant(&self, actor: &Actor, staff_id: &str, doing: &str) -> Result<(), AppError> {
        if actor.id() != Some(staff_id) {
            return Ok(());
        }
        let event = AuditEvent::new(AuditKind::AccessDenied, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Doing(doing.to_string()), Detail::SelfGrant(true)]);
        self.audit.record(vec![event]).await?;
        Err(AppError::Forbidden(format!("staff_id: nobody may {doing} for themselves; ask a colleague, or use break-glass with a reason")))
    }

    /// An admin's own account is changed by another admin (a stolen admin
    /// session must not reset, unlock or strip its own account); the
    /// refusal is audited like a self-grant.
    pub(crate) async fn no_own_account(&self, actor: &Actor, staff_id: &str, doing: &str) -> Result<(), AppError> {
        if actor.id() != Some(staff_id) {
            return Ok(());
        }
        let event = AuditEvent::new(AuditKind::AccessDenied, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Doing(doing.to_string()), Detail::SelfGrant(true)]);
        self.audit.record(vec![event]).await?;
        Err(AppError::Forbidden(format!("staff_id: another admin changes your own account ({doing})")))
    }
}
