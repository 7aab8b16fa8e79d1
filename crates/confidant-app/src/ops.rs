//! The operations on a client's data. Each checks need-to-know, acts, and
//! audits: a write in the same transaction as its effect (the store's
//! `*_audited` calls), a read or a decision through the [`AuditSink`]
//! before anything is returned.

use std::future::Future;
use std::pin::Pin;

use confidant_disclosure::{DiscloseRequest, Release};
use confidant_policy::vocab::Category;
use confidant_policy::{Authorization, Date, Decision, Engine, Restriction};
use confidant_store::{AuditEvent, AuditKind, NewRecord, Record, RequestSpec, Store, StoreError};
use confidant_store::{Detail, decision_details};

use crate::access::{client_access, refuse};
use crate::{Actor, AppError};

/// Where audit entries of reads and decisions go: the store directly, or
/// the server's group-commit writer (one commit for many requests).
pub trait AuditSink: Send + Sync {
    /// Appends `events`, returning once they are committed, with their sequence numbers.
    fn record<'a>(&'a self, events: Vec<AuditEvent>) -> Pin<Box<dyn Future<Output = Result<Vec<u64>, AppError>> + Send + 'a>>;
}

impl AuditSink for Store {
    fn record<'a>(&'a self, events: Vec<AuditEvent>) -> Pin<Box<dyn Future<Output = Result<Vec<u64>, AppError>> + Send + 'a>> {
        Box::pin(async move { Ok(self.append_audit(events).await?) })
    }
}

/// The vault and where its audit entries go, for one call.
#[derive(Clone, Copy)]
pub struct App<'a> {
    /// The vault.
    pub store: &'a Store,
    /// Where reads and decisions are audited.
    pub audit: &'a dyn AuditSink,
}

impl std::fmt::Debug for App<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("store", self.store).finish_non_exhaustive()
    }
}

/// A client's records as the actor may read them.
#[derive(Clone, Debug)]
pub struct RecordsRead {
    /// Oldest first, with contents.
    pub records: Vec<Record>,
    /// Psychotherapy notes on file that someone else wrote (not shown).
    pub notes_withheld: usize,
}

/// Everything on a client's page, as the actor may see it.
#[derive(Clone, Debug)]
pub struct ClientFile {
    /// The client.
    pub client: confidant_store::Client,
    /// Records, oldest first, with contents (psychotherapy notes only the actor's).
    pub records: Vec<Record>,
    /// Psychotherapy notes on file that someone else wrote (not shown).
    pub notes_withheld: usize,
    /// Authorizations and consents on file.
    pub authorizations: Vec<confidant_store::StoredAuthorization>,
    /// Restrictions on file.
    pub restrictions: Vec<confidant_store::StoredRestriction>,
    /// Where the privacy-notice acknowledgment stands.
    pub notice: confidant_store::NoticeStatus,
    /// Display names of staff by id (the records' authors among them).
    pub authors: std::collections::BTreeMap<String, String>,
    /// Why the actor may see it.
    pub access: crate::Access,
}

/// An authorization as filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    /// Its id.
    pub id: String,
    /// Queued for the privacy officer's review (notes or Part 2 records).
    pub awaiting_review: bool,
}

/// A change of a client's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// Discharged; confidentiality continues.
    Discharge,
    /// Died; confidentiality continues (the decedent rules apply).
    Death,
}

impl StatusChange {
    fn doing(self) -> &'static str {
        match self {
            StatusChange::Discharge => "discharge",
            StatusChange::Death => "record death",
        }
    }
}

impl App<'_> {
    /// A new call context.
    pub fn new<'a>(store: &'a Store, audit: &'a dyn AuditSink) -> App<'a> {
        App { store, audit }
    }

    /// Decides for a stored client: the request is built from the vault (age
    /// and status on the day, every authorization and restriction on file)
    /// and audited as a decision. What-if questions may name another day.
    pub async fn decide_for_client(&self, engine: &Engine, actor: &Actor, spec: RequestSpec) -> Result<Decision, AppError> {
        let client_id = spec.client_id.clone();
        let access = client_access(self, actor, &client_id, "decide").await?;
        let request = self.store.request_for(spec).await?;
        let decision = engine.decide(&request)?;
        let event = AuditEvent::new(AuditKind::Decision, actor.id())
            .client(&client_id)
            .categories(&request.categories)
            .break_glass(access.is_break_glass())
            .with_all(via(actor))
            .with_all(decision_details(&request, &decision));
        self.audit.record(vec![event]).await?;
        Ok(decision)
    }

    /// Releases what the law allows, today: decided, recorded, accounted and
    /// audited in one transaction (`confidant_disclosure::disclose`). Only a
    /// staff member releases; the operator names one with `--as`.
    pub async fn release(
        &self,
        engine: &Engine,
        actor: &Actor,
        spec: RequestSpec,
        recipient_address: Option<String>,
    ) -> Result<Release, AppError> {
        let Some(staff_id) = actor.on_behalf_of() else {
            return Err(AppError::input("--as", "the staff member making the disclosure (a release is always someone's)"));
        };
        let access = client_access(self, actor, &spec.client_id, "disclose").await?;
        let request = DiscloseRequest {
            spec,
            staff_id: staff_id.to_string(),
            recipient_address: recipient_address.filter(|a| !a.trim().is_empty()),
            break_glass: access.is_break_glass(),
        };
        Ok(confidant_disclosure::disclose(self.store, engine, request).await?)
    }

    /// Reads a client's records (psychotherapy notes only their author's),
    /// audited as `record_read` naming each record before any is returned.
    pub async fn read_records(&self, actor: &Actor, client_id: &str) -> Result<RecordsRead, AppError> {
        let access = client_access(self, actor, client_id, "read records").await?;
        let (records, notes_withheld) = crate::access::open_visible_records(self, actor, client_id).await?;
        self.audit_read(actor, client_id, access, &records, &[]).await?;
        Ok(RecordsRead { records, notes_withheld })
    }

    /// What a release of `categories` would hand over, shown to the actor
    /// before they release: the current version of each record they may
    /// read in those categories (a corrected one is never released).
    /// Audited as a `record_read` naming each record shown.
    pub async fn preview_release(&self, actor: &Actor, client_id: &str, categories: &[Category]) -> Result<Vec<Record>, AppError> {
        let access = client_access(self, actor, client_id, "preview a release").await?;
        // Only what is shown is decrypted.
        let shown = self
            .store
            .records_chosen(client_id, true, &|all: Vec<Record>| {
                let (records, _) = crate::access::visible_records(actor, all);
                let corrected: Vec<String> = records.iter().filter_map(|r| r.corrects.clone()).collect();
                records.into_iter().filter(|r| categories.contains(&r.category) && !corrected.contains(&r.id)).collect()
            })
            .await?;
        if !shown.is_empty() {
            self.audit_read(actor, client_id, access, &shown, &[]).await?;
        }
        Ok(shown)
    }

    /// Opens a client's whole file (the console's client page): the client,
    /// the records the actor may read, authorizations and restrictions,
    /// audited as one `record_read` naming each record and demographics.
    pub async fn open_client_file(&self, actor: &Actor, client_id: &str) -> Result<ClientFile, AppError> {
        let access = client_access(self, actor, client_id, "open client page").await?;
        let client = self.store.client(client_id).await?;
        let (records, notes_withheld) = crate::access::open_visible_records(self, actor, client_id).await?;
        let authorizations = self.store.authorizations(client_id).await?;
        let restrictions = self.store.restrictions(client_id).await?;
        let notice = self.store.privacy_notice_status(client_id).await?;
        let authors = self.staff_names().await?;
        self.audit_read(actor, client_id, access, &records, &[Category::Demographics]).await?;
        Ok(ClientFile { client, records, notes_withheld, authorizations, restrictions, notice, authors, access })
    }

    /// Audits a read of `records` (and of `also`, such as demographics) as
    /// one `record_read` naming each record.
    /// One `record_read` entry naming `records` (and the `also` categories).
    pub(crate) async fn audit_read(
        &self,
        actor: &Actor,
        client_id: &str,
        access: crate::Access,
        records: &[Record],
        also: &[Category],
    ) -> Result<(), AppError> {
        let mut categories: Vec<Category> = records.iter().map(|r| r.category).chain(also.iter().copied()).collect();
        categories.sort();
        categories.dedup();
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        let event = AuditEvent::new(AuditKind::RecordRead, actor.id())
            .client(client_id)
            .categories(&categories)
            .break_glass(access.is_break_glass())
            .with_all(via(actor))
            .with(Detail::Records(ids));
        self.audit.record(vec![event]).await?;
        Ok(())
    }

    /// Adds a record written by the actor (the author), audited with it.
    /// `id` is generated when absent.
    pub async fn add_record(
        &self,
        actor: &Actor,
        client_id: &str,
        category: Category,
        content: String,
        id: Option<String>,
    ) -> Result<String, AppError> {
        let Some(author) = actor.on_behalf_of() else {
            return Err(AppError::input("--as", "the staff member who wrote the record (its author)"));
        };
        client_access(self, actor, client_id, "add record").await?;
        self.check_writes(actor, client_id, category).await?;
        let new = NewRecord { id, client_id: client_id.to_string(), category, author_id: author.to_string(), content };
        let event = AuditEvent::new(AuditKind::RecordAdded, actor.id()).client(client_id).categories(&[category]).with_all(via(actor));
        let (mut ids, _) = self.store.add_records_audited(vec![new], event).await.map_err(unbatched)?;
        ids.pop().ok_or_else(|| AppError::Store(StoreError::invalid("records", "one stored record")))
    }

    /// Imports a batch of records written elsewhere (a migration from
    /// another system): the operator's or an admin's work, each record under
    /// its stated author, one audit entry per client in the batch's own
    /// transaction. A failure names the record's index in the batch
    /// ([`StoreError::InBatch`]) and nothing of the batch is kept.
    pub async fn import_records(&self, actor: &Actor, batch: Vec<NewRecord>) -> Result<Vec<String>, AppError> {
        self.require_admin(actor, "import records").await?;
        let template = AuditEvent::new(AuditKind::RecordAdded, actor.id()).with_all(via(actor));
        Ok(self.store.import_records_audited(batch, template).await?)
    }

    /// Files an authorization entered by the actor. One covering
    /// psychotherapy notes or Part 2 records is entered only by a clinician on
    /// the client's care team or by the privacy officer, and is queued for the
    /// privacy officer's review.
    pub async fn file_authorization(
        &self,
        actor: &Actor,
        client_id: &str,
        auth: &Authorization,
        document: Option<&[u8]>,
    ) -> Result<Filed, AppError> {
        let access = client_access(self, actor, client_id, "add authorization").await?;
        let sensitive = confidant_store::needs_privacy_review(auth);
        let may_enter = actor.is_operator() || (actor.is_clinician() && access == crate::Access::Caseload) || actor.is_privacy_officer();
        if sensitive && !may_enter {
            refuse(self, actor, Some(client_id), "add authorization for psychotherapy notes or Part 2 records").await?;
            return Err(AppError::Forbidden(
                "categories: an authorization for psychotherapy notes or Part 2 records is entered by a clinician on the client's care team or by the privacy officer".into(),
            ));
        }
        let event = AuditEvent::new(AuditKind::AuthorizationAdded, actor.id())
            .client(client_id)
            .categories(&auth.categories)
            .with_all(via(actor))
            .with_all([Detail::AwaitingReview(sensitive), Detail::Document(document.is_some())]);
        let (id, _) = self.store.file_authorization_audited(client_id, auth, document, actor.on_behalf_of(), event).await?;
        Ok(Filed { id, awaiting_review: sensitive })
    }

    /// Records a written revocation received on `on` (today when absent).
    pub async fn revoke_authorization(&self, actor: &Actor, client_id: &str, auth_id: &str, on: Option<Date>) -> Result<(), AppError> {
        client_access(self, actor, client_id, "revoke authorization").await?;
        if !self.store.authorizations(client_id).await?.iter().any(|a| a.authorization.id == auth_id) {
            return Err(AppError::NotFound(format!("authorization: no authorization `{auth_id}` for this client")));
        }
        let on = on.unwrap_or_else(|| self.store.today());
        let by = match actor.on_behalf_of() {
            Some(id) => id.to_string(),
            None => return Err(AppError::input("--as", "the staff member who received the revocation")),
        };
        let event = AuditEvent::new(AuditKind::AuthorizationRevoked, actor.id())
            .client(client_id)
            .with_all(via(actor))
            .with_all([Detail::Authorization(auth_id.to_string()), Detail::On(on)]);
        self.store.revoke_authorization_audited(auth_id, on, &by, event).await?;
        Ok(())
    }

    /// Files a restriction the client requested on `requested_on` (today when absent).
    pub async fn add_restriction(
        &self,
        actor: &Actor,
        client_id: &str,
        restriction: &Restriction,
        requested_on: Option<Date>,
    ) -> Result<String, AppError> {
        client_access(self, actor, client_id, "add restriction").await?;
        // Agreeing binds the whole organization (45 CFR 164.522(a)(1)(ii)):
        // that is the privacy officer's decision, made on the request
        // (`decide_restriction`), not something a clinician files directly.
        if restriction.agreed && !(actor.is_operator() || actor.is_privacy_officer()) {
            refuse(self, actor, Some(client_id), "file a restriction as already agreed").await?;
            return Err(AppError::Forbidden(
                "agreed: only the privacy officer agrees to a restriction; file it as requested and the privacy officer decides".into(),
            ));
        }
        let on = requested_on.unwrap_or_else(|| self.store.today());
        let event = AuditEvent::new(AuditKind::RestrictionAdded, actor.id())
            .client(client_id)
            .categories(&restriction.categories)
            .with_all(via(actor))
            .with(Detail::Agreed(restriction.agreed));
        let (id, _) = self.store.add_restriction_audited(client_id, restriction, on, event).await?;
        Ok(id)
    }

    /// Records a discharge or a death on `on` (today when absent, never
    /// later). Both change what the law allows for the whole record (a death
    /// opens the decedent rules), so they are a clinician's or the privacy
    /// officer's act.
    pub async fn change_status(&self, actor: &Actor, client_id: &str, change: StatusChange, on: Option<Date>) -> Result<(), AppError> {
        let doing = change.doing();
        if !(actor.is_operator() || actor.is_clinician() || actor.is_privacy_officer()) {
            refuse(self, actor, Some(client_id), doing).await?;
            return Err(AppError::Forbidden(format!(
                "{doing}: a clinician (psychotherapist, psychiatrist, nurse or clinical supervisor) or the privacy officer records this"
            )));
        }
        client_access(self, actor, client_id, doing).await?;
        let today = self.store.today();
        let on = on.unwrap_or(today);
        if on > today {
            return Err(AppError::input("on", "a day no later than today"));
        }
        let day = match change {
            StatusChange::Discharge => Detail::DischargedOn(on),
            StatusChange::Death => Detail::DiedOn(on),
        };
        let event = AuditEvent::new(AuditKind::ClientChanged, actor.id()).client(client_id).with_all(via(actor)).with(day);
        match change {
            StatusChange::Discharge => self.store.discharge_audited(client_id, on, event).await?,
            StatusChange::Death => self.store.record_death_audited(client_id, on, event).await?,
        };
        Ok(())
    }
}

/// Audit details with where the act came from (`"via"`) and, for the
/// operator, whom they entered it for.
pub(crate) fn via(actor: &Actor) -> Vec<Detail> {
    let mut details = vec![Detail::Via(actor.via().as_str())];
    if let Actor::Operator { entering_for: Some(staff) } = actor {
        details.push(Detail::EnteredFor(staff.clone()));
    }
    details
}

/// A one-record batch's failure is the record's own.
fn unbatched(e: StoreError) -> StoreError {
    match e {
        StoreError::InBatch { source, .. } => *source,
        other => other,
    }
}
