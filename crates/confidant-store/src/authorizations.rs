//! Authorizations and Part 2 consents: filing (refused when not valid as
//! written), review, revocation.

use confidant_policy::authorization::form_defects;
use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Statements};
use serde_json::{Value, json};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::model::{AwaitingReview, StoredAuthorization};

use crate::vault::*;

impl Store {
    /// Files an authorization or Part 2 consent, refusing one that is not
    /// valid as written (every defect listed). An empty id is generated.
    pub async fn add_authorization(&self, client_id: &str, auth: &Authorization, document: Option<&[u8]>) -> Result<String, StoreError> {
        self.file_authorization(client_id, auth, document, None).await
    }

    /// [`Store::add_authorization`], recording the staff member who entered
    /// it. One covering psychotherapy notes or Part 2 records is queued for
    /// the privacy officer's review ([`needs_privacy_review`]).
    pub async fn file_authorization(
        &self,
        client_id: &str,
        auth: &Authorization,
        document: Option<&[u8]>,
        entered_by: Option<&str>,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.file_authorization_in(&mut tx, client_id, auth, document, entered_by).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::file_authorization`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"authorization"`). Returns the
    /// audit entry's sequence number with the result.
    pub async fn file_authorization_audited(
        &self,
        client_id: &str,
        auth: &Authorization,
        document: Option<&[u8]>,
        entered_by: Option<&str>,
        audit: AuditEvent,
    ) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.file_authorization_in(&mut tx, client_id, auth, document, entered_by).await?;
        let seq = self.commit_audited(tx, audit.with(Detail::Authorization(out.clone()))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn file_authorization_in(
        &self,
        tx: &mut Tx,
        client_id: &str,
        auth: &Authorization,
        document: Option<&[u8]>,
        entered_by: Option<&str>,
    ) -> Result<String, StoreError> {
        let defects = form_defects(auth);
        if !defects.is_empty() {
            return Err(StoreError::IncompleteAuthorization(defects));
        }
        if auth.revoked_on.is_some() {
            return Err(StoreError::invalid("revoked_on", "absent when filing; revoke a filed authorization instead"));
        }
        // The vault's schema (migration 1) holds HIPAA authorizations and
        // Part 2 consents; an ASCMI's care partners and choices need their
        // own columns first (the interoperability round).
        if auth.kind == confidant_policy::vocab::AuthorizationKind::Ascmi {
            return Err(StoreError::invalid(
                "kind",
                "`hipaa` or `part2` (an ASCMI is decided on when sent in a request, but cannot be filed in the vault yet)",
            ));
        }
        let id = checked_id("authorization", if auth.id.is_empty() { None } else { Some(&auth.id) }, "auth")?;
        let key = self.client_key(&mut **tx, client_id).await?;
        if exists(tx, "SELECT 1 AS x FROM authorizations WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "authorization", id });
        }
        let recipients: Vec<Value> = auth.recipients.iter().map(|r| json!({ "kind": r.kind.as_str(), "name": r.name })).collect();
        let recipients = serde_json::to_vec(&recipients).map_err(|_| corrupt("recipients"))?;
        let sealed_recipients =
            key.seal(&field_aad("authorizations", "recipients", &id), &recipients).map_err(StoreError::crypto("authorization"))?;
        let document = document
            .map(|d| key.seal(&field_aad("authorizations", "document", &id), d))
            .transpose()
            .map_err(StoreError::crypto("authorization"))?;
        sqlx::query(
            "INSERT INTO authorizations (id, client_id, kind, signed_by, signed_on, categories, recipients, purposes, \
             expires_on, expiry_event, right_to_revoke, no_conditioning, redisclosure, document, created_at, entered_by, needs_review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(id.clone())
        .bind(client_id.to_string())
        .bind(auth.kind.as_str())
        .bind(auth.signed_by.map(|s| s.as_str()))
        .bind(auth.signed_on.map(|d| d.to_string()))
        .bind(join(&auth.categories))
        .bind(sealed_recipients)
        .bind(join(&auth.purposes))
        .bind(auth.expires_on.map(|d| d.to_string()))
        .bind(auth.expiry_event.clone())
        .bind(i64::from(auth.statements.right_to_revoke))
        .bind(i64::from(auth.statements.no_conditioning))
        .bind(i64::from(auth.statements.redisclosure))
        .bind(document)
        .bind(self.now_secs())
        .bind(entered_by.map(str::to_string))
        .bind(i64::from(needs_privacy_review(auth)))
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// Authorizations filed for psychotherapy notes or Part 2 records, and
    /// ASCMI forms sharing them, that the privacy officer has not yet
    /// reviewed, oldest first, every client.
    pub async fn authorizations_awaiting_review(&self) -> Result<Vec<AwaitingReview>, StoreError> {
        let mut out = self.authorizations_only_awaiting_review().await?;
        out.extend(self.ascmis_awaiting_review().await?);
        out.sort_by(|a, b| (a.filed_at, &a.id).cmp(&(b.filed_at, &b.id)));
        Ok(out)
    }

    async fn authorizations_only_awaiting_review(&self) -> Result<Vec<AwaitingReview>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, client_id, kind, categories, entered_by, document IS NOT NULL AS has_document, created_at \
             FROM authorizations WHERE needs_review = 1 AND reviewed_at IS NULL ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let what = format!("authorization `{id}`");
                Ok(AwaitingReview {
                    client_id: row.try_get("client_id")?,
                    kind: row.try_get("kind")?,
                    categories: split(&row.try_get::<String, _>("categories")?, Category::parse, &what)?,
                    entered_by: row.try_get("entered_by")?,
                    has_document: row_bool(row, "has_document")?,
                    filed_at: row.try_get("created_at")?,
                    id,
                })
            })
            .collect()
    }

    /// Marks a queued authorization reviewed. Nobody reviews one they entered.
    pub async fn review_authorization(&self, id: &str, reviewer: &str) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.review_authorization_in(&mut tx, id, reviewer).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::review_authorization`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number with the result.
    pub async fn review_authorization_audited(&self, id: &str, reviewer: &str, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.review_authorization_in(&mut tx, id, reviewer).await?;
        let seq = self.commit_audited(tx, audit).await?;
        Ok((out, seq))
    }

    pub(crate) async fn review_authorization_in(&self, tx: &mut Tx, id: &str, reviewer: &str) -> Result<String, StoreError> {
        self.mark_reviewed(tx, Queued::Authorization, id, reviewer).await
    }

    /// Marks a queued authorization or ASCMI form reviewed by `reviewer`,
    /// never the staff member who entered it, and only once. Returns its
    /// client.
    pub(crate) async fn mark_reviewed(&self, tx: &mut Tx, queued: Queued, id: &str, reviewer: &str) -> Result<String, StoreError> {
        let (table, kind, noun) = match queued {
            Queued::Authorization => ("authorizations", "authorization", "an authorization"),
            Queued::Ascmi => ("ascmi_forms", "ascmi", "a form"),
        };
        let row = sqlx::query(AssertSqlSafe(format!("SELECT client_id, entered_by FROM {table} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        let entered_by: Option<String> = row.try_get("entered_by")?;
        if entered_by.as_deref() == Some(reviewer) {
            return Err(StoreError::invalid("review", format!("a reviewer other than the staff member who entered {noun}")));
        }
        let done = sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET reviewed_by = $2, reviewed_at = $3 WHERE id = $1 AND needs_review = 1 AND reviewed_at IS NULL"
        )))
        .bind(id.to_string())
        .bind(reviewer.to_string())
        .bind(self.now_secs())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::invalid("review", format!("{noun} awaiting review; `{id}` is not")));
        }
        Ok(row.try_get("client_id")?)
    }

    /// Records a revocation in writing, received on `on` by a staff member.
    /// Of several concurrent revocations of one authorization exactly one
    /// wins; the others get [`StoreError::AlreadyRevoked`] naming the winner.
    pub async fn revoke_authorization(&self, id: &str, on: Date, by_staff: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.revoke_authorization_in(&mut tx, id, on, by_staff).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::revoke_authorization`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn revoke_authorization_audited(&self, id: &str, on: Date, by_staff: &str, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.revoke_authorization_in(&mut tx, id, on, by_staff).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn revoke_authorization_in(&self, tx: &mut Tx, id: &str, on: Date, by_staff: &str) -> Result<(), StoreError> {
        let row = sqlx::query("SELECT signed_on, revoked_on, revoked_by FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        if let Some(err) = already_revoked(id, &row)? {
            return Err(err);
        }
        let signed: Option<String> = row.try_get("signed_on")?;
        if let Some(signed) = signed.as_deref().and_then(Date::parse)
            && on < signed
        {
            return Err(StoreError::invalid("revoked_on", format!("a day on or after it was signed ({signed})")));
        }
        require(&mut **tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", by_staff).await?;
        // The read above is no lock on PostgreSQL: a concurrent revocation may
        // commit between it and here. The condition makes the update itself
        // the test, so the loser changes nothing instead of overwriting.
        let done = sqlx::query("UPDATE authorizations SET revoked_on = $1, revoked_by = $2 WHERE id = $3 AND revoked_on IS NULL")
            .bind(on.to_string())
            .bind(by_staff.to_string())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            // Read committed: this statement sees the winner's commit.
            let row = sqlx::query("SELECT signed_on, revoked_on, revoked_by FROM authorizations WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&mut **tx)
                .await?;
            return Err(already_revoked(id, &row)?.unwrap_or_else(|| corrupt(format!("authorization `{id}` revocation"))));
        }
        Ok(())
    }

    /// The client an authorization belongs to.
    pub async fn authorization_client(&self, id: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT client_id FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        Ok(row.try_get("client_id")?)
    }

    /// A client's authorizations and consents, oldest first.
    pub async fn authorizations(&self, client_id: &str) -> Result<Vec<StoredAuthorization>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.authorizations_on(&mut conn, client_id).await
    }

    pub(crate) async fn authorizations_on(
        &self,
        conn: &mut AnyConnection,
        client_id: &str,
    ) -> Result<Vec<StoredAuthorization>, StoreError> {
        let key = self.client_key(&mut *conn, client_id).await?;
        let rows = sqlx::query(
            "SELECT id, kind, signed_by, signed_on, categories, recipients, purposes, expires_on, expiry_event, \
             revoked_on, revoked_by, right_to_revoke, no_conditioning, redisclosure, document IS NOT NULL AS has_document, \
             entered_by, needs_review, reviewed_by \
             FROM authorizations WHERE client_id = $1 ORDER BY created_at, id",
        )
        .bind(client_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let what = format!("authorization `{id}`");
            let sealed: Vec<u8> = row.try_get("recipients")?;
            let recipients =
                key.open(&field_aad("authorizations", "recipients", &id), &sealed).map_err(StoreError::crypto(what.clone()))?;
            let recipients: Vec<Value> = serde_json::from_slice(&recipients).map_err(|_| corrupt(what.clone()))?;
            let recipients = recipients
                .iter()
                .map(|r| {
                    let kind = r.get("kind").and_then(Value::as_str).and_then(RecipientKind::parse);
                    let name = r.get("name").and_then(Value::as_str).map(str::to_string);
                    kind.map(|kind| AuthorizedRecipient { kind, name }).ok_or_else(|| corrupt(what.clone()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let kind: String = row.try_get("kind")?;
            let signed_by: Option<String> = row.try_get("signed_by")?;
            let flag = |col: &str| -> Result<bool, StoreError> { Ok(row.try_get::<i64, _>(col)? != 0) };
            let has_document = row_bool(row, "has_document")?;
            let authorization = Authorization {
                kind: AuthorizationKind::parse(&kind).ok_or_else(|| corrupt(what.clone()))?,
                signed_by: signed_by.as_deref().map(|s| Signer::parse(s).ok_or_else(|| corrupt(what.clone()))).transpose()?,
                signed_on: opt_date(row, "signed_on", &what)?,
                categories: split(&row.try_get::<String, _>("categories")?, Category::parse, &what)?,
                recipients,
                purposes: split(&row.try_get::<String, _>("purposes")?, Purpose::parse, &what)?,
                expires_on: opt_date(row, "expires_on", &what)?,
                expiry_event: row.try_get("expiry_event")?,
                revoked_on: opt_date(row, "revoked_on", &what)?,
                statements: Statements {
                    right_to_revoke: flag("right_to_revoke")?,
                    no_conditioning: flag("no_conditioning")?,
                    redisclosure: flag("redisclosure")?,
                },
                id,
            };
            out.push(StoredAuthorization {
                client_id: client_id.to_string(),
                authorization,
                revoked_by: row.try_get("revoked_by")?,
                has_document,
                entered_by: row.try_get("entered_by")?,
                awaiting_review: row_bool(row, "needs_review")? && row.try_get::<Option<String>, _>("reviewed_by")?.is_none(),
            });
        }
        Ok(out)
    }

    /// The signed document attached to an authorization, decrypted.
    pub async fn authorization_document(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT client_id, document FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        let Some(sealed) = row.try_get::<Option<Vec<u8>>, _>("document")? else {
            return Ok(None);
        };
        let client_id: String = row.try_get("client_id")?;
        let key = self.client_key(&self.pool, &client_id).await?;
        let doc =
            key.open(&field_aad("authorizations", "document", id), &sealed).map_err(StoreError::crypto(format!("authorization `{id}`")))?;
        Ok(Some(doc.to_vec()))
    }
}

/// What waits in the privacy officer's review queue.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Queued {
    /// An authorization covering psychotherapy notes or Part 2 records.
    Authorization,
    /// An ASCMI form sharing SUD records.
    Ascmi,
}
