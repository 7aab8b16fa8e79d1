//! California ASCMI forms: filing one with its care partners and the
//! client's choices (refused, naming the field, when not valid as written),
//! the signed scan, revocation, and reading them back. The engine reads a
//! filed form through [`crate::Ascmi::authorizations`].

use confidant_policy::authorization::{ASCMI_PURPOSES, form_defects};
use confidant_policy::vocab::{Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Date, Statements};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::authorizations::Queued;
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::model::{Ascmi, AwaitingReview, CarePartner, StoredAscmi};

use crate::vault::*;

/// The longest care partner name the vault keeps.
const MAX_PARTNER_NAME: usize = 200;

/// The longest expiry event the vault keeps.
const MAX_EXPIRY_EVENT: usize = 200;

/// Checks a form as filing does, without the vault: the first fault is a
/// [`StoreError::Invalid`] naming its field (`signed_on`,
/// `partners/1/purposes`, …).
pub fn check_ascmi(form: &Ascmi) -> Result<(), StoreError> {
    if form.signed_by.is_none() {
        return Err(StoreError::invalid("signed_by", "`client` or `personal_representative`: who signed the form"));
    }
    let Some(signed_on) = form.signed_on else {
        return Err(StoreError::invalid("signed_on", "the day the form was signed (YYYY-MM-DD)"));
    };
    if let Some(event) = &form.expiry_event
        && (event.trim().is_empty() || event.chars().count() > MAX_EXPIRY_EVENT)
    {
        return Err(StoreError::invalid("expiry_event", format!("an event of 1 to {MAX_EXPIRY_EVENT} characters, or none")));
    }
    match form.expires_on {
        None if form.expiry_event.is_none() => {
            return Err(StoreError::invalid("expires_on", "the day the form expires (or an expiry event)"));
        }
        Some(expires) if expires < signed_on => {
            return Err(StoreError::invalid("expires_on", format!("a day on or after it was signed ({signed_on})")));
        }
        _ => {}
    }
    let statements = [
        (form.statements.right_to_revoke, "right_to_revoke", "the client's right to revoke the form in writing"),
        (form.statements.no_conditioning, "no_conditioning", "that care, payment or eligibility does not depend on signing"),
        (form.statements.redisclosure, "redisclosure", "that a care partner may share what it receives further"),
    ];
    for (present, name, what) in statements {
        if !present {
            return Err(StoreError::invalid(format!("statements/{name}"), format!("true: the form states {what}")));
        }
    }
    if form.revoked_on.is_some() {
        return Err(StoreError::invalid("revoked_on", "absent when filing; revoke a filed form instead"));
    }
    if form.partners.is_empty() {
        return Err(StoreError::invalid("partners", "at least one care partner"));
    }
    for (i, partner) in form.partners.iter().enumerate() {
        check_partner(form, i, partner)?;
    }
    // The engine's own checklist on what it will read: nothing should be
    // left once the checks above pass, but a form the engine would not count
    // is never filed.
    for auth in form.authorizations() {
        let defects = form_defects(&auth);
        if !defects.is_empty() {
            return Err(StoreError::IncompleteAuthorization(defects));
        }
    }
    Ok(())
}

fn check_partner(form: &Ascmi, i: usize, partner: &CarePartner) -> Result<(), StoreError> {
    let field = |name: &str| format!("partners/{i}/{name}");
    let name = partner.name.trim();
    if name.is_empty() || partner.name.chars().count() > MAX_PARTNER_NAME || partner.name.chars().any(char::is_control) {
        return Err(StoreError::invalid(field("name"), format!("the care partner's name, 1 to {MAX_PARTNER_NAME} characters")));
    }
    let same = |other: &CarePartner| other.kind == partner.kind && other.name.trim().eq_ignore_ascii_case(name);
    if form.partners.iter().take(i).any(same) {
        return Err(StoreError::invalid(field("name"), "each care partner once"));
    }
    if partner.categories.contains(&Category::PsychotherapyNotes) {
        return Err(StoreError::invalid(
            field("categories"),
            "categories other than `psychotherapy_notes`: an ASCMI never covers psychotherapy notes, which need an authorization of their own",
        ));
    }
    for (j, c) in partner.categories.iter().enumerate() {
        if partner.categories.iter().take(j).any(|d| d == c) {
            return Err(StoreError::invalid(field("categories"), format!("each category once, got `{c}` twice")));
        }
    }
    if partner.categories.is_empty() {
        if !partner.purposes.is_empty() {
            return Err(StoreError::invalid(field("purposes"), "none when nothing is shared with this care partner"));
        }
        return Ok(());
    }
    if partner.purposes.is_empty() {
        return Err(StoreError::invalid(field("purposes"), "at least one purpose for what is shared with this care partner"));
    }
    for (j, p) in partner.purposes.iter().enumerate() {
        if !ASCMI_PURPOSES.contains(p) {
            return Err(StoreError::invalid(field("purposes"), format!("purposes the form can name ({}), not `{p}`", ascmi_purposes())));
        }
        if partner.purposes.iter().take(j).any(|q| q == p) {
            return Err(StoreError::invalid(field("purposes"), format!("each purpose once, got `{p}` twice")));
        }
    }
    Ok(())
}

/// Whether a form waits for the privacy officer: it lets a care partner
/// receive SUD (Part 2) records or psychotherapy notes, as an authorization
/// covering them would ([`crate::vault::needs_privacy_review`]).
fn ascmi_needs_review(form: &Ascmi) -> bool {
    form.partners.iter().flat_map(|p| &p.categories).any(|c| matches!(c, Category::SubstanceUse | Category::PsychotherapyNotes))
}

fn ascmi_purposes() -> String {
    ASCMI_PURPOSES.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Files an ASCMI form for a client, with the signed scan when there is
    /// one, and `audit` in the same transaction: the form, its care partners
    /// and the audit entry are committed together or not at all. The entry
    /// names the form (`"ascmi"`) and how many care partners it lists, never
    /// who they are. Returns the form's id (made when `form.id` is empty)
    /// and the audit entry's sequence number.
    pub async fn file_ascmi_audited(
        &self,
        client_id: &str,
        form: &Ascmi,
        document: Option<&[u8]>,
        entered_by: Option<&str>,
        audit: AuditEvent,
    ) -> Result<(String, u64), StoreError> {
        check_ascmi(form)?;
        if document.is_some_and(<[u8]>::is_empty) {
            return Err(StoreError::invalid("document", "the signed scan's bytes, or no document"));
        }
        let mut tx = self.begin().await?;
        let id = checked_id("ascmi", if form.id.is_empty() { None } else { Some(&form.id) }, "ascmi")?;
        let key = self.client_key(&mut *tx, client_id).await?;
        if exists(&mut tx, "SELECT 1 AS x FROM ascmi_forms WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "ascmi", id });
        }
        if let Some(by) = entered_by {
            require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", by).await?;
        }
        let document =
            document.map(|d| key.seal(&field_aad("ascmi_forms", "document", &id), d)).transpose().map_err(StoreError::crypto("ascmi"))?;
        sqlx::query(
            "INSERT INTO ascmi_forms (id, client_id, signed_by, signed_on, expires_on, expiry_event, right_to_revoke, \
             no_conditioning, redisclosure, document, entered_by, created_at, needs_review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.clone())
        .bind(client_id.to_string())
        .bind(form.signed_by.map(|s| s.as_str()))
        .bind(form.signed_on.map(|d| d.to_string()))
        .bind(form.expires_on.map(|d| d.to_string()))
        .bind(form.expiry_event.clone())
        .bind(i64::from(form.statements.right_to_revoke))
        .bind(i64::from(form.statements.no_conditioning))
        .bind(i64::from(form.statements.redisclosure))
        .bind(document)
        .bind(entered_by.map(str::to_string))
        .bind(self.now_secs())
        .bind(i64::from(ascmi_needs_review(form)))
        .execute(&mut *tx)
        .await?;
        for (i, partner) in form.partners.iter().enumerate() {
            let position = i64::try_from(i).map_err(|_| StoreError::invalid("partners", "fewer care partners"))?;
            let sealed =
                serde_json::to_vec(&json!({ "kind": partner.kind.as_str(), "name": partner.name })).map_err(|_| corrupt("care partner"))?;
            let sealed = key
                .seal(&field_aad("ascmi_partners", "partner", &format!("{id}/{position}")), &sealed)
                .map_err(StoreError::crypto("ascmi"))?;
            sqlx::query("INSERT INTO ascmi_partners (ascmi_id, position, partner, categories, purposes) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.clone())
                .bind(position)
                .bind(sealed)
                .bind(join(&partner.categories))
                .bind(join(&partner.purposes))
                .execute(&mut *tx)
                .await?;
        }
        let audit = audit.with_all([Detail::Ascmi(id.clone()), Detail::CarePartners(form.partners.len())]);
        let seq = self.commit_audited(tx, audit).await?;
        Ok((id, seq))
    }

    /// Attaches the signed scan to a filed form that has none yet, with
    /// `audit` in the same transaction. A form's scan is never replaced: a
    /// new signature is a new form.
    pub async fn attach_ascmi_document_audited(&self, id: &str, document: &[u8], audit: AuditEvent) -> Result<u64, StoreError> {
        if document.is_empty() {
            return Err(StoreError::invalid("document", "the signed scan's bytes"));
        }
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT client_id, document IS NOT NULL AS has_document FROM ascmi_forms WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("ascmi", id))?;
        if row_bool(&row, "has_document")? {
            return Err(StoreError::invalid("document", format!("a form without a signed scan; `{id}` has one already")));
        }
        let client_id: String = row.try_get("client_id")?;
        let key = self.client_key(&mut *tx, &client_id).await?;
        let sealed = key.seal(&field_aad("ascmi_forms", "document", id), document).map_err(StoreError::crypto("ascmi"))?;
        let done = sqlx::query("UPDATE ascmi_forms SET document = $1 WHERE id = $2 AND document IS NULL")
            .bind(sealed)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::invalid("document", format!("a form without a signed scan; `{id}` has one already")));
        }
        self.commit_audited(tx, audit.with(Detail::Ascmi(id.to_string()))).await
    }

    /// Records the client's written revocation of a form, received on `on`
    /// by a staff member, with `audit` in the same transaction. Of two
    /// concurrent revocations exactly one wins; the other gets
    /// [`StoreError::AlreadyRevoked`].
    pub async fn revoke_ascmi_audited(&self, id: &str, on: Date, by_staff: &str, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT signed_on, revoked_on, revoked_by FROM ascmi_forms WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("ascmi", id))?;
        if let Some(err) = already_revoked(id, &row)? {
            return Err(err);
        }
        let signed: String = row.try_get("signed_on")?;
        if let Some(signed) = Date::parse(&signed)
            && on < signed
        {
            return Err(StoreError::invalid("revoked_on", format!("a day on or after it was signed ({signed})")));
        }
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", by_staff).await?;
        let done = sqlx::query("UPDATE ascmi_forms SET revoked_on = $1, revoked_by = $2 WHERE id = $3 AND revoked_on IS NULL")
            .bind(on.to_string())
            .bind(by_staff.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            let row = sqlx::query("SELECT revoked_on, revoked_by FROM ascmi_forms WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
            return Err(already_revoked(id, &row)?.unwrap_or_else(|| corrupt(format!("ascmi `{id}` revocation"))));
        }
        self.commit_audited(tx, audit.with_all([Detail::Ascmi(id.to_string()), Detail::On(on)])).await
    }

    /// ASCMI forms sharing SUD records or psychotherapy notes that the
    /// privacy officer has not yet reviewed, oldest first, every client;
    /// listed as authorizations of kind `ascmi`, covering what any of the
    /// form's care partners may receive.
    pub(crate) async fn ascmis_awaiting_review(&self) -> Result<Vec<AwaitingReview>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.id, f.client_id, f.entered_by, f.document IS NOT NULL AS has_document, f.created_at, p.categories \
             FROM ascmi_forms f JOIN ascmi_partners p ON p.ascmi_id = f.id \
             WHERE f.needs_review = 1 AND f.reviewed_at IS NULL ORDER BY f.created_at, f.id, p.position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<AwaitingReview> = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let categories = split(&row.try_get::<String, _>("categories")?, Category::parse, &format!("ascmi `{id}`"))?;
            if let Some(form) = out.last_mut().filter(|f| f.id == id) {
                for c in categories {
                    if !form.categories.contains(&c) {
                        form.categories.push(c);
                    }
                }
                continue;
            }
            out.push(AwaitingReview {
                client_id: row.try_get("client_id")?,
                kind: "ascmi".into(),
                categories,
                entered_by: row.try_get("entered_by")?,
                has_document: row_bool(row, "has_document")?,
                filed_at: row.try_get("created_at")?,
                id,
            });
        }
        Ok(out)
    }

    /// Marks a queued ASCMI form reviewed, with `audit` in the same
    /// transaction. Nobody reviews a form they entered. Returns the form's
    /// client and the entry's sequence number.
    pub async fn review_ascmi_audited(&self, id: &str, reviewer: &str, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let client = self.mark_reviewed(&mut tx, Queued::Ascmi, id, reviewer).await?;
        let seq = self.commit_audited(tx, audit).await?;
        Ok((client, seq))
    }

    /// The client a form belongs to.
    pub async fn ascmi_client(&self, id: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT client_id FROM ascmi_forms WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("ascmi", id))?;
        Ok(row.try_get("client_id")?)
    }

    /// A client's ASCMI forms, oldest first, care partners decrypted.
    pub async fn ascmis(&self, client_id: &str) -> Result<Vec<StoredAscmi>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.ascmis_on(&mut conn, client_id).await
    }

    pub(crate) async fn ascmis_on(&self, conn: &mut AnyConnection, client_id: &str) -> Result<Vec<StoredAscmi>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, signed_by, signed_on, expires_on, expiry_event, right_to_revoke, no_conditioning, redisclosure, \
             document IS NOT NULL AS has_document, revoked_on, revoked_by, entered_by, created_at \
             FROM ascmi_forms WHERE client_id = $1 ORDER BY created_at, id",
        )
        .bind(client_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.client_key(&mut *conn, client_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let what = format!("ascmi `{id}`");
            let partner_rows =
                sqlx::query("SELECT position, partner, categories, purposes FROM ascmi_partners WHERE ascmi_id = $1 ORDER BY position")
                    .bind(id.clone())
                    .fetch_all(&mut *conn)
                    .await?;
            let mut partners = Vec::with_capacity(partner_rows.len());
            for p in &partner_rows {
                let position: i64 = p.try_get("position")?;
                let sealed: Vec<u8> = p.try_get("partner")?;
                let plain = key
                    .open(&field_aad("ascmi_partners", "partner", &format!("{id}/{position}")), &sealed)
                    .map_err(StoreError::crypto(what.clone()))?;
                let value: Value = serde_json::from_slice(&plain).map_err(|_| corrupt(what.clone()))?;
                let kind = value.get("kind").and_then(Value::as_str).and_then(RecipientKind::parse).ok_or_else(|| corrupt(what.clone()))?;
                let name = value.get("name").and_then(Value::as_str).ok_or_else(|| corrupt(what.clone()))?.to_string();
                partners.push(CarePartner {
                    name,
                    kind,
                    categories: split(&p.try_get::<String, _>("categories")?, Category::parse, &what)?,
                    purposes: split(&p.try_get::<String, _>("purposes")?, Purpose::parse, &what)?,
                });
            }
            let signed_by: String = row.try_get("signed_by")?;
            let flag = |col: &str| -> Result<bool, StoreError> { Ok(row.try_get::<i64, _>(col)? != 0) };
            let ascmi = Ascmi {
                signed_by: Some(Signer::parse(&signed_by).ok_or_else(|| corrupt(what.clone()))?),
                signed_on: opt_date(row, "signed_on", &what)?,
                expires_on: opt_date(row, "expires_on", &what)?,
                expiry_event: row.try_get("expiry_event")?,
                statements: Statements {
                    right_to_revoke: flag("right_to_revoke")?,
                    no_conditioning: flag("no_conditioning")?,
                    redisclosure: flag("redisclosure")?,
                },
                partners,
                revoked_on: opt_date(row, "revoked_on", &what)?,
                id,
            };
            out.push(StoredAscmi {
                client_id: client_id.to_string(),
                ascmi,
                revoked_by: row.try_get("revoked_by")?,
                has_document: row_bool(row, "has_document")?,
                entered_by: row.try_get("entered_by")?,
                filed_at: row.try_get("created_at")?,
            });
        }
        Ok(out)
    }

    /// The signed scan attached to a form, decrypted (`None` when none is).
    pub async fn ascmi_document(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT client_id, document FROM ascmi_forms WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("ascmi", id))?;
        let Some(sealed) = row.try_get::<Option<Vec<u8>>, _>("document")? else {
            return Ok(None);
        };
        let client_id: String = row.try_get("client_id")?;
        let key = self.client_key(&self.pool, &client_id).await?;
        let doc = key.open(&field_aad("ascmi_forms", "document", id), &sealed).map_err(StoreError::crypto(format!("ascmi `{id}`")))?;
        Ok(Some(doc.to_vec()))
    }
}
