//! Reading a client's accounting of disclosures: its entries opened, the
//! window and the suspensions in force applied, and the reading audited.
//!
//! The read and its `accounting_viewed` audit entry run side by side: the
//! entry is appended (a durable commit) while the rows are read and
//! opened, and the accounting is handed over only once both have
//! succeeded. If the append fails the caller gets its error and nothing
//! read, so no accounting is ever seen unaudited.

use confidant_policy::Date;
use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::crypto::{DataKey, field_aad};
use crate::db::native;
use crate::disclosure::{Accounting, AccountingEntry, Suspension};
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::vault::{Store, corrupt, require, split, split_over_cores, unwrap_with};

/// An accounting entry's columns as [`ENTRIES_OF_CLIENT`] reads them: id,
/// disclosure, day, recipient kind, purpose, categories, cites, corrects,
/// sealed details, audit sequence, data key id, recorded at, and the data
/// key's KEK id and wrapped bytes (`None` when its row is missing).
type AccountingRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Vec<u8>,
    i64,
    String,
    i64,
    Option<String>,
    Option<Vec<u8>>,
);

/// Every accounting entry of a client (`$1`), with its wrapped data key.
/// The key comes in the same row: asked for one query per entry (each
/// disclosure seals with a key of its own), 10k keys cost five times the
/// read of the rows. A LEFT JOIN, so an entry whose key row is missing is
/// an error, not left out. Unordered: an ORDER BY beyond the index made
/// SQLite sort the rows, costing more than reading them.
const ENTRIES_OF_CLIENT: &str = "SELECT a.id, a.disclosure_id, a.disclosed_on, a.recipient_kind, a.purpose, a.categories, a.cites, \
     a.corrects, a.details, a.audit_seq, a.data_key_id, a.recorded_at, k.kek_id, k.wrapped \
     FROM accounting_entries a LEFT JOIN data_keys k ON k.id = a.data_key_id WHERE a.client_id = $1";

/// The sealed part of an entry (written by `insert_accounting_entry`).
#[derive(Deserialize)]
struct SealedDetails {
    recipient_name: Option<String>,
    recipient_address: Option<String>,
    description: Option<String>,
    statement: Option<String>,
}

impl Store {
    /// Every accounting entry of a client, corrections included, oldest first.
    pub(crate) async fn accounting_entries(&self, client_id: &str) -> Result<Vec<AccountingEntry>, StoreError> {
        self.accounting_entries_through(client_id, true).await
    }

    /// [`Store::accounting_entries`], on SQLite through its own library
    /// when `sqlite_library`, else through sqlx's driver (tests compare).
    pub(crate) async fn accounting_entries_through(
        &self,
        client_id: &str,
        sqlite_library: bool,
    ) -> Result<Vec<AccountingEntry>, StoreError> {
        let rows: Vec<AccountingRow> = match &self.sqlite_reads {
            Some(reads) if sqlite_library => {
                let client = client_id.to_string();
                reads.read(move |conn| accounting_rows_sqlite(conn, &client)).await?
            }
            _ => native!(&self.native, |p| sqlx::query_as(ENTRIES_OF_CLIENT).bind(client_id).fetch_all(p).await?),
        };
        // Opening 10k entries (a key unwrapped and details unsealed and
        // parsed for each) is CPU work: off the async workers, in two halves.
        let keys = self.keys.clone();
        let mut out = tokio::task::spawn_blocking(move || open_rows(&keys, rows)).await.map_err(StoreError::ReadTask)??;
        out.sort_by(|(a_at, a), (b_at, b)| (a.disclosed_on, a_at, &a.id).cmp(&(b.disclosed_on, b_at, &b.id)));
        let mut out: Vec<AccountingEntry> = out.into_iter().map(|(_, e)| e).collect();
        let corrected: std::collections::HashMap<String, String> =
            out.iter().filter_map(|e| e.corrects.clone().map(|old| (old, e.id.clone()))).collect();
        if !corrected.is_empty() {
            for entry in &mut out {
                if let Some(new) = corrected.get(&entry.id) {
                    entry.corrected_by = Some(new.clone());
                }
            }
        }
        Ok(out)
    }

    /// The accounting a client is entitled to on `as_of`: disclosures from
    /// `since` (at most six years back) to `as_of`, corrected entries shown
    /// as corrected, and entries to an agency whose suspension is in force
    /// left out. Viewing it is audited as `accounting_viewed` by `viewer`.
    pub async fn accounting(
        &self,
        client_id: &str,
        since: Option<Date>,
        as_of: Date,
        viewer: Option<&str>,
    ) -> Result<Accounting, StoreError> {
        self.accounting_seen(client_id, since, as_of, AuditEvent::new(crate::audit::AuditKind::AccountingViewed, viewer)).await
    }

    /// [`Store::accounting`], audited by `seen` (an `accounting_viewed`
    /// event naming who looked and through what) to which the client and
    /// the window are added.
    ///
    /// The entry is appended while the accounting is read, and the
    /// accounting is returned only when both succeeded: a failed append is
    /// this call's error, and what was read is dropped unseen.
    pub async fn accounting_seen(
        &self,
        client_id: &str,
        since: Option<Date>,
        as_of: Date,
        seen: AuditEvent,
    ) -> Result<Accounting, StoreError> {
        require(self.pool(), "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let since = confidant_policy::accounting::covers_from(as_of, since);
        let seen = seen.client(client_id).with_all([Detail::Since(since), Detail::AsOf(as_of)]);
        let (accounting, _) = tokio::try_join!(self.accounting_read(client_id, since, as_of), self.append_audit(vec![seen]))?;
        Ok(accounting)
    }

    /// The read half of [`Store::accounting_seen`]; never call it alone.
    async fn accounting_read(&self, client_id: &str, since: Date, as_of: Date) -> Result<Accounting, StoreError> {
        let suspensions: Vec<Suspension> =
            self.suspensions(client_id).await?.into_iter().filter(|s| s.requested_on <= as_of && as_of <= s.until).collect();
        let mut entries = Vec::new();
        let mut suspended_entries = 0;
        let mut suspended_for_law_enforcement = 0;
        for entry in self.accounting_entries(client_id).await? {
            if entry.disclosed_on < since || entry.disclosed_on > as_of || entry.corrected_by.is_some() {
                continue;
            }
            let suspended = suspensions.iter().any(|s| {
                s.recipient_kind == entry.recipient_kind
                    && s.agency_name
                        .as_ref()
                        .is_none_or(|name| entry.recipient_name.as_ref().is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim())))
            });
            if suspended {
                suspended_entries += 1;
                if entry.recipient_kind == RecipientKind::LawEnforcement {
                    suspended_for_law_enforcement += 1;
                }
            } else {
                entries.push(entry);
            }
        }
        Ok(Accounting {
            client_id: client_id.to_string(),
            as_of,
            since,
            entries,
            suspended_entries,
            suspensions_in_force: suspensions,
            suspended_for_law_enforcement,
        })
    }
}

/// Rows below which opening stays on one thread (each thread unwraps the
/// keys its rows need once).
const OPEN_PER_THREAD: usize = 1_024;

/// Opens accounting rows (each with its `recorded_at`), split over the
/// cores when there are many. Call it off the async workers.
fn open_rows(keys: &KeyRing, rows: Vec<AccountingRow>) -> Result<Vec<(i64, AccountingEntry)>, StoreError> {
    split_over_cores(rows, OPEN_PER_THREAD, "opening accounting entries", |part| open_part(keys, part))
}

/// Opens rows on this thread: each data key unwrapped once, each entry's
/// details unsealed.
fn open_part(keys: &KeyRing, rows: Vec<AccountingRow>) -> Result<Vec<(i64, AccountingEntry)>, StoreError> {
    let mut out: Vec<(i64, AccountingEntry)> = Vec::with_capacity(rows.len());
    let mut opened: HashMap<String, DataKey> = HashMap::new();
    for (id, disclosure_id, disclosed_on, kind, purpose, categories, cites, corrects, sealed, seq, key_id, recorded_at, kek_id, wrapped) in
        rows
    {
        let key = match opened.entry(key_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let (Some(kek_id), Some(wrapped)) = (kek_id, wrapped) else {
                    return Err(corrupt(format!("data key `{}`", new.key())));
                };
                let key = unwrap_with(keys, new.key(), &kek_id, &wrapped)?;
                new.insert(key)
            }
        };
        let plain = key
            .open(&field_aad("accounting_entries", "details", &id), &sealed)
            .map_err(StoreError::crypto(format!("accounting entry `{id}`")))?;
        let details: SealedDetails = serde_json::from_slice(&plain).map_err(|_| corrupt(format!("accounting entry `{id}` details")))?;
        out.push((
            recorded_at,
            AccountingEntry {
                disclosure_id,
                disclosed_on: Date::parse(&disclosed_on).ok_or_else(|| corrupt("stored disclosed_on"))?,
                recipient_kind: RecipientKind::parse(&kind).ok_or_else(|| corrupt("accounting recipient kind"))?,
                recipient_name: details.recipient_name,
                recipient_address: details.recipient_address,
                purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("accounting purpose"))?,
                categories: split(&categories, Category::parse, "accounting categories")?,
                cites: cites.split('|').filter(|c| !c.is_empty()).map(str::to_string).collect(),
                description: details.description.unwrap_or_default(),
                statement: details.statement.unwrap_or_default(),
                corrects,
                corrected_by: None,
                audit_seq: seq as u64,
                id,
            },
        ));
    }
    Ok(out)
}

/// [`ENTRIES_OF_CLIENT`] through SQLite's own library.
fn accounting_rows_sqlite(conn: &rusqlite::Connection, client_id: &str) -> Result<Vec<AccountingRow>, StoreError> {
    use crate::sqlite_reads::{blob, blob_or_null, integer, text, text_or_null};
    let mut statement = conn.prepare_cached(ENTRIES_OF_CLIENT)?;
    let mut rows = statement.query([client_id])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((
            text(row, 0)?.to_string(),
            text_or_null(row, 1)?.map(str::to_string),
            text(row, 2)?.to_string(),
            text(row, 3)?.to_string(),
            text(row, 4)?.to_string(),
            text(row, 5)?.to_string(),
            text(row, 6)?.to_string(),
            text_or_null(row, 7)?.map(str::to_string),
            blob(row, 8)?.to_vec(),
            integer(row, 9)?,
            text(row, 10)?.to_string(),
            integer(row, 11)?,
            text_or_null(row, 12)?.map(str::to_string),
            blob_or_null(row, 13)?.map(<[u8]>::to_vec),
        ));
    }
    Ok(out)
}
