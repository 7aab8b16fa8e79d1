//! Restrictions a client asked for (45 CFR 164.522).

use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use confidant_policy::{Date, Restriction};
use sqlx::{AnyConnection, Row};

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::error::StoreError;
use crate::model::{RestrictionDecision, StoredRestriction};

use crate::vault::*;

impl Store {
    /// Files a client's requested restriction (45 CFR 164.522(a)); returns
    /// its id. Unaudited; the operations layer uses [`Store::add_restriction_audited`].
    pub async fn add_restriction(&self, client_id: &str, restriction: &Restriction, requested_on: Date) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_restriction_in(&mut tx, client_id, restriction, requested_on).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::add_restriction`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"restriction"`). Returns the
    /// audit entry's sequence number with the result.
    pub async fn add_restriction_audited(
        &self,
        client_id: &str,
        restriction: &Restriction,
        requested_on: Date,
        audit: AuditEvent,
    ) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_restriction_in(&mut tx, client_id, restriction, requested_on).await?;
        let seq = self.commit_audited(tx, audit.with(Detail::Restriction(out.clone()))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn add_restriction_in(
        &self,
        tx: &mut Tx,
        client_id: &str,
        restriction: &Restriction,
        requested_on: Date,
    ) -> Result<String, StoreError> {
        let id = new_id("restr");
        require(&mut **tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query(
            "INSERT INTO restrictions (id, client_id, categories, recipient_kinds, purposes, agreed, requested_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.clone())
        .bind(client_id.to_string())
        .bind(join(&restriction.categories))
        .bind(join(&restriction.recipient_kinds))
        .bind(join(&restriction.purposes))
        .bind(i64::from(restriction.agreed))
        .bind(requested_on.to_string())
        .bind(self.now_secs())
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// The client a restriction belongs to.
    pub async fn restriction_client(&self, id: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT client_id FROM restrictions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("restriction", id))?;
        Ok(row.try_get("client_id")?)
    }

    /// Every restriction on file for a client, oldest first.
    pub async fn restrictions(&self, client_id: &str) -> Result<Vec<StoredRestriction>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.restrictions_on(&mut conn, client_id).await
    }

    pub(crate) async fn restrictions_on(&self, conn: &mut AnyConnection, client_id: &str) -> Result<Vec<StoredRestriction>, StoreError> {
        require(&mut *conn, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let rows = sqlx::query(
            "SELECT id, client_id, categories, recipient_kinds, purposes, agreed, requested_on, decision, decided_by, decided_on \
             FROM restrictions WHERE client_id = $1 ORDER BY created_at, id",
        )
        .bind(client_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(restriction_row).collect()
    }

    /// Restrictions still waiting for the privacy officer's answer, across
    /// every client, oldest first.
    pub async fn restrictions_awaiting_decision(&self) -> Result<Vec<StoredRestriction>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, client_id, categories, recipient_kinds, purposes, agreed, requested_on, decision, decided_by, decided_on \
             FROM restrictions WHERE decision IS NULL AND agreed = 0 ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(restriction_row).collect()
    }

    /// Records the privacy officer's answer to a requested restriction, with
    /// `audit` in the same transaction. Decided once: a restriction already
    /// agreed or declined is refused (the update is conditional, so of two
    /// racing answers one wins). Returns the client's id and the audit
    /// entry's sequence number.
    pub async fn decide_restriction_audited(
        &self,
        id: &str,
        agreed: bool,
        by: &str,
        on: Date,
        audit: AuditEvent,
    ) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT client_id FROM restrictions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("restriction", id))?;
        let client: String = row.try_get("client_id")?;
        let done = sqlx::query(
            "UPDATE restrictions SET decision = $1, agreed = $2, decided_by = $3, decided_on = $4 \
             WHERE id = $5 AND decision IS NULL AND agreed = 0",
        )
        .bind(if agreed { "agreed" } else { "declined" })
        .bind(i64::from(agreed))
        .bind(by.to_string())
        .bind(on.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::invalid("restriction", format!("a request still waiting for an answer; `{id}` was already decided")));
        }
        let audit = audit.client(&client).with(Detail::Restriction(id.to_string()));
        let seq = self.commit_audited(tx, audit).await?;
        Ok((client, seq))
    }
}

fn restriction_row(row: &sqlx::any::AnyRow) -> Result<StoredRestriction, StoreError> {
    let id: String = row.try_get("id")?;
    let what = format!("restriction `{id}`");
    let agreed: i64 = row.try_get("agreed")?;
    let decision: Option<String> = row.try_get("decision")?;
    let decision = match decision.as_deref() {
        None => None,
        Some(answer @ ("agreed" | "declined")) => Some(RestrictionDecision {
            agreed: answer == "agreed",
            by: row.try_get("decided_by")?,
            on: opt_date(row, "decided_on", &what)?.ok_or_else(|| corrupt(what.clone()))?,
        }),
        Some(_) => return Err(corrupt(what)),
    };
    Ok(StoredRestriction {
        client_id: row.try_get("client_id")?,
        restriction: Restriction {
            categories: split(&row.try_get::<String, _>("categories")?, Category::parse, &what)?,
            recipient_kinds: split(&row.try_get::<String, _>("recipient_kinds")?, RecipientKind::parse, &what)?,
            purposes: split(&row.try_get::<String, _>("purposes")?, Purpose::parse, &what)?,
            agreed: agreed != 0,
        },
        requested_on: opt_date(row, "requested_on", &what)?.ok_or_else(|| corrupt(what.clone()))?,
        decision,
        id,
    })
}
