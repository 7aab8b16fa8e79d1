//! Disclosures and the accounting of disclosures (45 CFR 164.528) in the
//! database. A disclosure, its accounting entry and its audit leaf are
//! written in one transaction, so none exists without the others. Nothing
//! here updates or deletes (the tables also refuse it by trigger): a
//! correction is a new accounting entry naming the one it corrects.

use confidant_policy::Date;
use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{AuditEvent, AuditKind};
use crate::audit_detail::Detail;
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::vault::{Store, corrupt, join, new_id, not_found, require, split};

/// A release to record.
#[derive(Clone, Debug)]
pub struct NewDisclosure {
    /// The client whose information is released.
    pub client_id: String,
    /// The staff member who releases it.
    pub staff_id: String,
    /// The day of the release (the vault's today for a real one).
    pub disclosed_on: Date,
    /// Who receives it, as the contract names recipients.
    pub recipient_kind: RecipientKind,
    /// The recipient's name (sealed).
    pub recipient_name: Option<String>,
    /// The recipient's address (sealed).
    pub recipient_address: Option<String>,
    /// Why it is released.
    pub purpose: Purpose,
    /// The categories released; at least one.
    pub released: Vec<Category>,
    /// The categories asked for but withheld.
    pub withheld: Vec<Category>,
    /// The records sent (sealed in the disclosure, listed in its audit entry).
    pub record_ids: Vec<String>,
    /// The decision as its contract JSON, kept sealed with the disclosure.
    pub decision: Value,
    /// The request that was decided (contract JSON), kept in the sealed
    /// details of the disclosure's audit entry so it can be replayed.
    pub request: Value,
    /// Present when the decision obliges an accounting entry.
    pub accounting: Option<AccountingBasis>,
}

/// What an accounting entry says about why and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountingBasis {
    /// The released categories the obligation covers.
    pub categories: Vec<Category>,
    /// The provisions that oblige the entry, as the engine cites them.
    pub cites: Vec<String>,
    /// A brief description of the information disclosed.
    pub description: String,
    /// A brief statement of the purpose or basis.
    pub statement: String,
}

/// What [`Store::record_disclosure`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedDisclosure {
    /// The disclosure's id (`dis-…`).
    pub disclosure_id: String,
    /// The accounting entry's id (`acc-…`), when the decision obliged one.
    pub accounting_entry_id: Option<String>,
    /// The audit entry that recorded the disclosure.
    pub audit_seq: u64,
}

/// A stored disclosure, opened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredDisclosure {
    /// The disclosure's id (`dis-…`).
    pub id: String,
    /// The client whose information was released.
    pub client_id: String,
    /// The staff member who released it.
    pub staff_id: String,
    /// The day of the release.
    pub disclosed_on: Date,
    /// Who received it.
    pub recipient_kind: RecipientKind,
    /// The recipient's name, when one was given.
    pub recipient_name: Option<String>,
    /// The recipient's address, when one was given.
    pub recipient_address: Option<String>,
    /// Why it was released.
    pub purpose: Purpose,
    /// The categories released.
    pub released: Vec<Category>,
    /// The categories asked for but withheld.
    pub withheld: Vec<Category>,
    /// The records sent.
    pub record_ids: Vec<String>,
    /// The audit entry that recorded the disclosure.
    pub audit_seq: u64,
}

/// One line of a client's accounting, opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountingEntry {
    /// The entry's id (`acc-…`).
    pub id: String,
    /// The recorded disclosure it accounts for, when there is one (a correction keeps it).
    pub disclosure_id: Option<String>,
    /// The day of the disclosure (45 CFR 164.528(b)(2)(i)).
    pub disclosed_on: Date,
    /// Who received it.
    pub recipient_kind: RecipientKind,
    /// The recipient's name, when known.
    pub recipient_name: Option<String>,
    /// The recipient's address, when known.
    pub recipient_address: Option<String>,
    /// Why it was disclosed.
    pub purpose: Purpose,
    /// The categories disclosed that the obligation covers.
    pub categories: Vec<Category>,
    /// The provisions that obliged the entry.
    pub cites: Vec<String>,
    /// A brief description of the information disclosed.
    pub description: String,
    /// A brief statement of the purpose or basis.
    pub statement: String,
    /// The entry this one corrects.
    pub corrects: Option<String>,
    /// The entry that corrected this one, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<String>,
    /// The audit entry that recorded the entry (or its correction).
    pub audit_seq: u64,
}

/// A correction of an accounting entry: the fields that were wrong, as they
/// should read. Fields left `None` keep the old entry's value.
#[derive(Clone, Debug, Default)]
pub struct AccountingCorrection {
    /// The right day of the disclosure.
    pub disclosed_on: Option<Date>,
    /// The right recipient name.
    pub recipient_name: Option<String>,
    /// The right recipient address.
    pub recipient_address: Option<String>,
    /// The right description of what was disclosed.
    pub description: Option<String>,
    /// The right statement of purpose.
    pub statement: Option<String>,
    /// Why the entry is corrected (kept sealed).
    pub reason: String,
}

/// A temporary suspension of the client's right to an accounting of
/// disclosures to one health oversight agency or law enforcement official.
#[derive(Clone, Debug)]
pub struct NewSuspension {
    /// The client whose accounting is suspended.
    pub client_id: String,
    /// `health_oversight_agency` or `law_enforcement` (45 CFR 164.528(a)(2)).
    pub recipient_kind: RecipientKind,
    /// The agency or official; entries to recipients of that kind with this
    /// name are withheld (all of that kind when `None`).
    pub agency_name: Option<String>,
    /// The day the agency asked.
    pub requested_on: Date,
    /// The last day the agency asked for (an oral request is cut to 30 days).
    pub until: Date,
    /// A written statement was given; an oral one lasts at most 30 days.
    pub written: bool,
    /// The agency's statement that an accounting would impede its activities (sealed).
    pub statement: String,
    /// The staff member who records the request.
    pub recorded_by: String,
}

/// A suspension on file, opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suspension {
    /// The suspension's id (`susp-…`).
    pub id: String,
    /// The kind of agency that asked.
    pub recipient_kind: RecipientKind,
    /// The agency or official, when named.
    pub agency_name: Option<String>,
    /// The day the agency asked.
    pub requested_on: Date,
    /// The last day it is in force (already cut to 30 days for an oral request).
    pub until: Date,
    /// Whether the agency's statement was written.
    pub written: bool,
    /// The agency's statement.
    pub statement: String,
}

/// A client's accounting as of a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// The client it is for.
    pub client_id: String,
    /// The day it was made for.
    pub as_of: Date,
    /// The earliest day it covers (six years back unless asked for less).
    pub since: Date,
    /// The entries in the window, oldest first, corrected ones included.
    pub entries: Vec<AccountingEntry>,
    /// Entries left out while a suspension is in force (their number only).
    pub suspended_entries: usize,
    /// The suspensions in force on `as_of`.
    pub suspensions_in_force: Vec<Suspension>,
    /// Of `suspended_entries`, those held back for a law-enforcement agency.
    #[serde(skip)]
    pub suspended_for_law_enforcement: usize,
}

impl Accounting {
    /// The accounting as staff other than the privacy officer may see it: a
    /// law-enforcement suspension (45 CFR 164.528(a)(2)) is an open
    /// investigation, so neither it nor the entries it holds back are told.
    pub fn without_law_enforcement_suspensions(mut self) -> Accounting {
        self.suspensions_in_force.retain(|s| s.recipient_kind != RecipientKind::LawEnforcement);
        self.suspended_entries -= self.suspended_for_law_enforcement;
        self.suspended_for_law_enforcement = 0;
        self
    }
}

fn date_of(row: &AnyRow, column: &str) -> Result<Date, StoreError> {
    let text: String = row.try_get(column)?;
    Date::parse(&text).ok_or_else(|| corrupt(format!("stored {column}")))
}

fn text_of(details: &Value, key: &str) -> Option<String> {
    details.get(key).and_then(Value::as_str).map(str::to_string)
}

impl Store {
    /// Writes a disclosure, its accounting entry when the decision obliges
    /// one, and its audit leaf, in one transaction.
    pub async fn record_disclosure(&self, new: NewDisclosure) -> Result<RecordedDisclosure, StoreError> {
        let mut tx = self.begin().await?;
        let (recorded, head) = self.record_disclosure_in(&mut tx, new).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(recorded)
    }

    /// [`Store::record_disclosure`] inside `tx`; the caller commits and then
    /// calls [`Store::after_audit_commit`] with the head.
    pub(crate) async fn record_disclosure_in(
        &self,
        tx: &mut crate::vault::Tx,
        new: NewDisclosure,
    ) -> Result<(RecordedDisclosure, Option<confidant_audit::SignedTreeHead>), StoreError> {
        if new.released.is_empty() {
            return Err(StoreError::invalid("categories", "at least one released category to disclose"));
        }
        self.lock_client(tx, &new.client_id).await?;
        require(&mut **tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", &new.staff_id).await?;
        let id = new_id("dis");
        let (key_id, key) = self.new_data_key(tx).await?;
        let details = json!({
            "recipient_name": new.recipient_name,
            "recipient_address": new.recipient_address,
            "record_ids": new.record_ids,
            "decision": new.decision,
        });
        let sealed = key
            .seal(&field_aad("disclosures", "details", &id), details.to_string().as_bytes())
            .map_err(StoreError::crypto("disclosure"))?;
        let accounting_id = new.accounting.as_ref().map(|_| new_id("acc"));
        let mut event =
            AuditEvent::new(AuditKind::Disclosure, Some(&new.staff_id)).client(&new.client_id).categories(&new.released).with_all([
                Detail::Disclosure(id.clone()),
                Detail::RecipientKind(new.recipient_kind),
                Detail::Purpose(new.purpose),
                Detail::Withheld(new.withheld.clone()),
                Detail::RecordIds(new.record_ids.clone()),
                Detail::Request(new.request.clone()),
            ]);
        if let Some(entry) = &accounting_id {
            event = event.with(Detail::AccountingEntry(entry.clone()));
        }
        // The decision names the rule packs it came from (contract v2).
        if let Some(version) = new.decision.get("rules_version").and_then(Value::as_str) {
            event = event.with(Detail::RulesVersion(version.to_string()));
        }
        let (seqs, head) = self.append_audit_in(tx, &[event]).await?;
        let audit_seq = seqs.first().copied().ok_or_else(|| corrupt("audit sequence"))?;
        sqlx::query(
            "INSERT INTO disclosures (id, client_id, staff_id, disclosed_at, disclosed_on, recipient_kind, purpose, \
             released, withheld, data_key_id, details, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id.clone())
        .bind(new.client_id.clone())
        .bind(new.staff_id.clone())
        .bind(self.now_secs())
        .bind(new.disclosed_on.to_string())
        .bind(new.recipient_kind.as_str())
        .bind(new.purpose.as_str())
        .bind(join(&new.released))
        .bind(join(&new.withheld))
        .bind(key_id.clone())
        .bind(sealed)
        .bind(audit_seq as i64)
        .execute(&mut **tx)
        .await?;
        if let (Some(basis), Some(entry_id)) = (&new.accounting, &accounting_id) {
            // Under the client's key: an accounting is read whole, one unwrap.
            let (client_key_id, client_key) = self.client_key_with_id(tx, &new.client_id).await?;
            self.insert_accounting_entry(
                tx,
                entry_id,
                &new.client_id,
                Some(&id),
                new.disclosed_on,
                new.recipient_kind,
                new.purpose,
                basis,
                new.recipient_name.as_deref(),
                new.recipient_address.as_deref(),
                None,
                audit_seq,
                &client_key_id,
                &client_key,
            )
            .await?;
        }
        Ok((RecordedDisclosure { disclosure_id: id, accounting_entry_id: accounting_id, audit_seq }, head))
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_accounting_entry(
        &self,
        tx: &mut crate::vault::Tx,
        id: &str,
        client_id: &str,
        disclosure_id: Option<&str>,
        disclosed_on: Date,
        recipient_kind: RecipientKind,
        purpose: Purpose,
        basis: &AccountingBasis,
        recipient_name: Option<&str>,
        recipient_address: Option<&str>,
        corrects: Option<&str>,
        audit_seq: u64,
        key_id: &str,
        key: &crate::crypto::DataKey,
    ) -> Result<(), StoreError> {
        // The binary layout (`accounting_details.rs`): read 10k at a time.
        let details = crate::accounting_details::encode(recipient_name, recipient_address, &basis.description, &basis.statement);
        let sealed = key.seal(&field_aad("accounting_entries", "details", id), &details).map_err(StoreError::crypto("accounting entry"))?;
        sqlx::query(
            "INSERT INTO accounting_entries (id, client_id, disclosure_id, disclosed_on, recorded_at, recipient_kind, \
             purpose, categories, cites, corrects, data_key_id, details, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.to_string())
        .bind(client_id.to_string())
        .bind(disclosure_id.map(str::to_string))
        .bind(disclosed_on.to_string())
        .bind(self.now_secs())
        .bind(recipient_kind.as_str())
        .bind(purpose.as_str())
        .bind(join(&basis.categories))
        // Cites contain commas and spaces but never `|`.
        .bind(basis.cites.join("|"))
        .bind(corrects.map(str::to_string))
        .bind(key_id.to_string())
        .bind(sealed)
        .bind(audit_seq as i64)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// A client's disclosures, oldest first.
    pub async fn disclosures(&self, client_id: &str) -> Result<Vec<StoredDisclosure>, StoreError> {
        require(self.pool(), "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let rows = sqlx::query(
            "SELECT x.id, x.client_id, x.staff_id, x.disclosed_on, x.recipient_kind, x.purpose, x.released, x.withheld, \
             x.details, x.audit_seq, x.data_key_id, d.kek_id, d.wrapped \
             FROM disclosures x JOIN data_keys d ON d.id = x.data_key_id WHERE x.client_id = $1 ORDER BY x.disclosed_at, x.id",
        )
        .bind(client_id.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let details = self.open_details(row, "disclosures", &id)?;
            let released: String = row.try_get("released")?;
            let withheld: String = row.try_get("withheld")?;
            let kind: String = row.try_get("recipient_kind")?;
            let purpose: String = row.try_get("purpose")?;
            let seq: i64 = row.try_get("audit_seq")?;
            out.push(StoredDisclosure {
                client_id: row.try_get("client_id")?,
                staff_id: row.try_get("staff_id")?,
                disclosed_on: date_of(row, "disclosed_on")?,
                recipient_kind: RecipientKind::parse(&kind).ok_or_else(|| corrupt("disclosure recipient kind"))?,
                recipient_name: text_of(&details, "recipient_name"),
                recipient_address: text_of(&details, "recipient_address"),
                purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("disclosure purpose"))?,
                released: split(&released, Category::parse, "disclosure categories")?,
                withheld: split(&withheld, Category::parse, "disclosure categories")?,
                record_ids: details
                    .get("record_ids")
                    .and_then(Value::as_array)
                    .map(|ids| ids.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
                audit_seq: seq as u64,
                id,
            });
        }
        Ok(out)
    }

    fn open_details(&self, row: &AnyRow, table: &str, id: &str) -> Result<Value, StoreError> {
        let key = self.unwrap_row(row)?;
        let sealed: Vec<u8> = row.try_get("details")?;
        let plain = key.open(&field_aad(table, "details", id), &sealed).map_err(StoreError::crypto(format!("{table} `{id}`")))?;
        serde_json::from_slice(&plain).map_err(|_| corrupt(format!("{table} `{id}` details")))
    }

    /// Files a correction of an accounting entry as a new entry that names
    /// the old one; the old entry is kept as it was.
    pub async fn correct_accounting_entry(
        &self,
        entry_id: &str,
        correction: AccountingCorrection,
        staff_id: &str,
    ) -> Result<String, StoreError> {
        if correction.reason.trim().is_empty() {
            return Err(StoreError::invalid("reason", "why the entry is corrected"));
        }
        let row = sqlx::query("SELECT client_id FROM accounting_entries WHERE id = $1")
            .bind(entry_id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| not_found("accounting entry", entry_id))?;
        let client_id: String = row.try_get("client_id")?;
        let old = self
            .accounting_entries(&client_id)
            .await?
            .into_iter()
            .find(|e| e.id == entry_id)
            .ok_or_else(|| not_found("accounting entry", entry_id))?;
        if let Some(by) = &old.corrected_by {
            return Err(StoreError::invalid("entry", format!("the latest version of the entry; `{entry_id}` was corrected by `{by}`")));
        }
        let mut tx = self.begin().await?;
        self.lock_client(&mut tx, &client_id).await?;
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        let new_id = new_id("acc");
        let event = AuditEvent::new(AuditKind::AccountingCorrected, Some(staff_id))
            .client(&client_id)
            .categories(&old.categories)
            .with_all([Detail::Entry(new_id.clone()), Detail::Corrects(entry_id.to_string()), Detail::Reason(correction.reason.clone())]);
        let (seqs, head) = self.append_audit_in(&mut tx, &[event]).await?;
        let audit_seq = seqs.first().copied().ok_or_else(|| corrupt("audit sequence"))?;
        let (key_id, key) = self.client_key_with_id(&mut tx, &client_id).await?;
        let basis = AccountingBasis {
            categories: old.categories.clone(),
            cites: old.cites.clone(),
            description: correction.description.unwrap_or(old.description),
            statement: correction.statement.unwrap_or(old.statement),
        };
        let name = correction.recipient_name.or(old.recipient_name);
        let address = correction.recipient_address.or(old.recipient_address);
        self.insert_accounting_entry(
            &mut tx,
            &new_id,
            &client_id,
            old.disclosure_id.as_deref(),
            correction.disclosed_on.unwrap_or(old.disclosed_on),
            old.recipient_kind,
            old.purpose,
            &basis,
            name.as_deref(),
            address.as_deref(),
            Some(entry_id),
            audit_seq,
            &key_id,
            &key,
        )
        .await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(new_id)
    }

    /// Records an agency's request to suspend the client's accounting of
    /// disclosures to it. An oral request lasts at most 30 days.
    pub async fn suspend_accounting(&self, new: NewSuspension) -> Result<String, StoreError> {
        if !matches!(new.recipient_kind, RecipientKind::HealthOversightAgency | RecipientKind::LawEnforcement) {
            return Err(StoreError::invalid("agency", "`health_oversight_agency` or `law_enforcement` (164.528(a)(2))"));
        }
        if new.statement.trim().is_empty() {
            return Err(StoreError::invalid(
                "statement",
                "the agency's statement that an accounting would be reasonably likely to impede its activities",
            ));
        }
        if new.until < new.requested_on {
            return Err(StoreError::invalid("until", format!("a day on or after the request ({})", new.requested_on)));
        }
        let until = confidant_policy::accounting::suspension_ends(new.requested_on, new.until, new.written);
        let mut tx = self.begin().await?;
        self.lock_client(&mut tx, &new.client_id).await?;
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", &new.recorded_by).await?;
        let id = new_id("susp");
        let event = AuditEvent::new(AuditKind::AccountingSuspended, Some(&new.recorded_by)).client(&new.client_id).with_all([
            Detail::Suspension(id.clone()),
            Detail::RecipientKind(new.recipient_kind),
            Detail::Until(until),
            Detail::Written(new.written),
        ]);
        let (seqs, head) = self.append_audit_in(&mut tx, &[event]).await?;
        let audit_seq = seqs.first().copied().ok_or_else(|| corrupt("audit sequence"))?;
        let details = json!({ "agency_name": new.agency_name, "statement": new.statement });
        let (key_id, data_key) = self.new_data_key(&mut tx).await?;
        let sealed = data_key
            .seal(&field_aad("accounting_suspensions", "details", &id), details.to_string().as_bytes())
            .map_err(StoreError::crypto("suspension"))?;
        sqlx::query(
            "INSERT INTO accounting_suspensions (id, client_id, recipient_kind, requested_on, until_on, written, recorded_by, \
             created_at, data_key_id, details, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.clone())
        .bind(new.client_id.clone())
        .bind(new.recipient_kind.as_str())
        .bind(new.requested_on.to_string())
        .bind(until.to_string())
        .bind(i64::from(new.written))
        .bind(new.recorded_by.clone())
        .bind(self.now_secs())
        .bind(key_id)
        .bind(sealed)
        .bind(audit_seq as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(id)
    }

    /// Every suspension on file for a client.
    pub(crate) async fn suspensions(&self, client_id: &str) -> Result<Vec<Suspension>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.recipient_kind, s.requested_on, s.until_on, s.written, s.details, s.data_key_id, d.kek_id, d.wrapped \
             FROM accounting_suspensions s JOIN data_keys d ON d.id = s.data_key_id WHERE s.client_id = $1 ORDER BY s.created_at, s.id",
        )
        .bind(client_id.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let details = self.open_details(row, "accounting_suspensions", &id)?;
            let kind: String = row.try_get("recipient_kind")?;
            let written: i64 = row.try_get("written")?;
            out.push(Suspension {
                recipient_kind: RecipientKind::parse(&kind).ok_or_else(|| corrupt("suspension recipient kind"))?,
                agency_name: text_of(&details, "agency_name"),
                requested_on: date_of(row, "requested_on")?,
                until: date_of(row, "until_on")?,
                written: written != 0,
                statement: text_of(&details, "statement").unwrap_or_default(),
                id,
            });
        }
        Ok(out)
    }
}
