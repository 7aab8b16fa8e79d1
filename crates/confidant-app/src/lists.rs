//! What staff look through before they act: the clients on their caseload,
//! the directory the admin and privacy officer assign from, a client's
//! authorizations and restrictions on file (and an authorization's signed
//! document), and the authorization review queue. Each is a read of client information, checked and audited once
//! here for the API, the console and the CLI alike.

use confidant_policy::vocab::Category;
use confidant_store::{AuditEvent, AuditKind, AwaitingReview, Client, Detail, StoredAuthorization, StoredRestriction};

use crate::access::{client_access, require_oversight, require_privacy_officer};
use crate::ops::via;
use crate::{Actor, App, AppError};

impl App<'_> {
    /// The clients the actor may see: those on their caseload or care team,
    /// whatever their role (oversight is of the log, not of charts); every
    /// client for the operator. With a `query`, only those whose name or id
    /// contains it (any case): nobody finds a client beyond need-to-know,
    /// because the search runs over the caseload only. Audited as one read
    /// of demographics.
    pub async fn caseload(&self, actor: &Actor, query: Option<&str>) -> Result<Vec<Client>, AppError> {
        let mut clients = self.store.list_clients().await?;
        if let Some(staff) = actor.id() {
            let visible = self.store.visible_clients(staff).await?;
            clients.retain(|c| visible.contains(&c.id));
        }
        let needle = query.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        if let Some(q) = &needle {
            clients.retain(|c| c.name.to_lowercase().contains(q) || c.id.to_lowercase().contains(q));
        }
        let event = AuditEvent::new(AuditKind::ClientRead, actor.id())
            .categories(&[Category::Demographics])
            .with_all(via(actor))
            .with_all([Detail::Clients(clients.len()), Detail::Search(needle.is_some())]);
        self.audit.record(vec![event]).await?;
        Ok(clients)
    }

    /// Every client, for the admin's and the privacy officer's assignment
    /// work. Front ends show only id, name and team from it: even that a
    /// client is in a Part 2 program is protected (42 CFR 2.13(c)).
    pub async fn directory(&self, actor: &Actor) -> Result<Vec<Client>, AppError> {
        require_oversight(self, actor, "read the client directory").await?;
        let clients = self.store.list_clients().await?;
        let event = AuditEvent::new(AuditKind::ClientRead, actor.id()).with_all(via(actor)).with(Detail::Directory(clients.len()));
        self.audit.record(vec![event]).await?;
        Ok(clients)
    }

    /// A client's authorizations and consents on file. They name the people
    /// information may go to, so reading them is audited like a chart read.
    pub async fn authorizations_of(&self, actor: &Actor, client_id: &str) -> Result<Vec<StoredAuthorization>, AppError> {
        let access = client_access(self, actor, client_id, "read authorizations").await?;
        let list = self.store.authorizations(client_id).await?;
        self.audit.record(vec![read_of(actor, client_id, access.is_break_glass(), "authorizations")]).await?;
        Ok(list)
    }

    /// A client's restriction requests, agreed or declined; audited.
    pub async fn restrictions_of(&self, actor: &Actor, client_id: &str) -> Result<Vec<StoredRestriction>, AppError> {
        let access = client_access(self, actor, client_id, "read restrictions").await?;
        let list = self.store.restrictions(client_id).await?;
        self.audit.record(vec![read_of(actor, client_id, access.is_break_glass(), "restrictions")]).await?;
        Ok(list)
    }

    /// The signed document attached to an authorization, decrypted (none
    /// when nothing is attached). It names the client and the recipients,
    /// so it is read under need-to-know and audited as
    /// `authorization_document_read`.
    pub async fn authorization_document(&self, actor: &Actor, auth_id: &str) -> Result<Option<Vec<u8>>, AppError> {
        let client_id = self
            .store
            .authorization_client(auth_id)
            .await
            .map_err(|_| AppError::NotFound(format!("authorization: `{auth_id}` is not on file")))?;
        let access = client_access(self, actor, &client_id, "read an authorization's document").await?;
        let document = self.store.authorization_document(auth_id).await?;
        if document.is_some() {
            let event = AuditEvent::new(AuditKind::AuthorizationDocumentRead, actor.id())
                .client(&client_id)
                .break_glass(access.is_break_glass())
                .with_all(via(actor))
                .with(Detail::Authorization(auth_id.to_string()));
            self.audit.record(vec![event]).await?;
        }
        Ok(document)
    }

    /// Authorizations and ASCMI forms for psychotherapy notes or Part 2 records waiting for
    /// the privacy officer's review; audited.
    pub async fn review_queue(&self, actor: &Actor) -> Result<Vec<AwaitingReview>, AppError> {
        require_privacy_officer(self, actor, "read the authorization review queue").await?;
        let queue = self.store.authorizations_awaiting_review().await?;
        let event = AuditEvent::new(AuditKind::ClientRead, actor.id())
            .with_all(via(actor))
            .with_all([Detail::Read("authorization review queue"), Detail::Items(queue.len())]);
        self.audit.record(vec![event]).await?;
        Ok(queue)
    }
}

fn read_of(actor: &Actor, client_id: &str, break_glass: bool, what: &'static str) -> AuditEvent {
    AuditEvent::new(AuditKind::ClientRead, actor.id())
        .client(client_id)
        .break_glass(break_glass)
        .with_all(via(actor))
        .with(Detail::Read(what))
}
