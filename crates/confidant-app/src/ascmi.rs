//! California ASCMI forms for every front end: filing one with its care
//! partners and the client's choices, attaching the signed scan, revoking,
//! and reading them back. Each operation checks need-to-know and is audited
//! (writes in the same transaction as the change); audit entries name the
//! form and count its care partners, never who they are.

use confidant_policy::Date;
use confidant_policy::vocab::Category;
use confidant_store::{Ascmi, AuditEvent, AuditKind, Detail, StoredAscmi};

use crate::access::{client_access, refuse};
use crate::ops::via;
use crate::{Actor, App, AppError};

/// Whether a form lets any care partner receive Part 2 (substance use)
/// records: such a form is entered like an authorization for them.
fn covers_part2(form: &Ascmi) -> bool {
    form.partners.iter().any(|p| p.categories.contains(&Category::SubstanceUse))
}

/// Every category any care partner may receive, each once, for the audit
/// entry's categories.
fn categories(form: &Ascmi) -> Vec<Category> {
    let mut out: Vec<Category> = Vec::new();
    for c in form.partners.iter().flat_map(|p| p.categories.iter()) {
        if !out.contains(c) {
            out.push(*c);
        }
    }
    out
}

impl App<'_> {
    /// Files an ASCMI form entered by the actor, with the signed scan when
    /// there is one. A form that lets a care partner receive substance use
    /// records is entered only by a clinician on the client's care team, the
    /// privacy officer or the operator, like an authorization for Part 2
    /// records; anyone else is refused and the refusal audited. Returns the
    /// form's id.
    pub async fn file_ascmi(&self, actor: &Actor, client_id: &str, form: &Ascmi, document: Option<&[u8]>) -> Result<String, AppError> {
        let access = client_access(self, actor, client_id, "add ASCMI").await?;
        let may_enter = actor.is_operator() || (actor.is_clinician() && access == crate::Access::Caseload) || actor.is_privacy_officer();
        if covers_part2(form) && !may_enter {
            refuse(self, actor, Some(client_id), "add ASCMI sharing Part 2 records").await?;
            return Err(AppError::Forbidden(
                "partners: an ASCMI that shares substance use records is entered by a clinician on the client's care team or by the privacy officer"
                    .into(),
            ));
        }
        let event = AuditEvent::new(AuditKind::AscmiFiled, actor.id())
            .client(client_id)
            .categories(&categories(form))
            .with_all(via(actor))
            .with(Detail::Document(document.is_some()));
        let (id, _) = self.store.file_ascmi_audited(client_id, form, document, actor.on_behalf_of(), event).await?;
        Ok(id)
    }

    /// A client's ASCMI forms. They name the care partners, so reading them
    /// is audited like a chart read.
    pub async fn ascmis_of(&self, actor: &Actor, client_id: &str) -> Result<Vec<StoredAscmi>, AppError> {
        let access = client_access(self, actor, client_id, "read ASCMI forms").await?;
        let list = self.store.ascmis(client_id).await?;
        let event = AuditEvent::new(AuditKind::ClientRead, actor.id())
            .client(client_id)
            .break_glass(access.is_break_glass())
            .with_all(via(actor))
            .with_all([Detail::Read("ascmi forms"), Detail::Items(list.len())]);
        self.audit.record(vec![event]).await?;
        Ok(list)
    }

    /// One of a client's ASCMI forms (audited as [`App::ascmis_of`]).
    pub async fn ascmi_of(&self, actor: &Actor, client_id: &str, ascmi_id: &str) -> Result<StoredAscmi, AppError> {
        self.ascmis_of(actor, client_id)
            .await?
            .into_iter()
            .find(|a| a.ascmi.id == ascmi_id)
            .ok_or_else(|| AppError::NotFound(format!("ascmi: no ASCMI form `{ascmi_id}` for this client")))
    }

    /// Attaches the signed scan to a form that has none; audited.
    pub async fn attach_ascmi_document(&self, actor: &Actor, client_id: &str, ascmi_id: &str, document: &[u8]) -> Result<(), AppError> {
        client_access(self, actor, client_id, "attach an ASCMI's signed scan").await?;
        self.form_of(client_id, ascmi_id).await?;
        let event = AuditEvent::new(AuditKind::AscmiDocumentAttached, actor.id()).client(client_id).with_all(via(actor));
        self.store.attach_ascmi_document_audited(ascmi_id, document, event).await?;
        Ok(())
    }

    /// The signed scan of a form, decrypted (none when nothing is
    /// attached). It names the client and the care partners, so it is read
    /// under need-to-know and audited as `ascmi_document_read`.
    pub async fn ascmi_document(&self, actor: &Actor, client_id: &str, ascmi_id: &str) -> Result<Option<Vec<u8>>, AppError> {
        let access = client_access(self, actor, client_id, "read an ASCMI's signed scan").await?;
        self.form_of(client_id, ascmi_id).await?;
        let document = self.store.ascmi_document(ascmi_id).await?;
        if document.is_some() {
            let event = AuditEvent::new(AuditKind::AscmiDocumentRead, actor.id())
                .client(client_id)
                .break_glass(access.is_break_glass())
                .with_all(via(actor))
                .with(Detail::Ascmi(ascmi_id.to_string()));
            self.audit.record(vec![event]).await?;
        }
        Ok(document)
    }

    /// Records the client's written revocation of a form, received on `on`
    /// (today when absent) by the staff member acting. From that day the
    /// form releases nothing.
    pub async fn revoke_ascmi(&self, actor: &Actor, client_id: &str, ascmi_id: &str, on: Option<Date>) -> Result<(), AppError> {
        client_access(self, actor, client_id, "revoke ASCMI").await?;
        self.form_of(client_id, ascmi_id).await?;
        let on = on.unwrap_or_else(|| self.store.today());
        let by = match actor.on_behalf_of() {
            Some(id) => id.to_string(),
            None => return Err(AppError::input("--as", "the staff member who received the revocation")),
        };
        let event = AuditEvent::new(AuditKind::AscmiRevoked, actor.id()).client(client_id).with_all(via(actor));
        self.store.revoke_ascmi_audited(ascmi_id, on, &by, event).await?;
        Ok(())
    }

    /// Checks that `ascmi_id` is one of `client_id`'s forms, so an id from
    /// another client's file is not found rather than acted on.
    async fn form_of(&self, client_id: &str, ascmi_id: &str) -> Result<(), AppError> {
        match self.store.ascmi_client(ascmi_id).await {
            Ok(owner) if owner == client_id => Ok(()),
            _ => Err(AppError::NotFound(format!("ascmi: no ASCMI form `{ascmi_id}` for this client"))),
        }
    }
}
