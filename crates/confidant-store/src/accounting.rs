//! Reading a client's accounting of disclosures: its entries opened, the
//! window and the suspensions in force applied, and the reading audited.
//!
//! The read and its `accounting_viewed` audit entry run side by side: the
//! entry is appended (a durable commit) while the rows are read and
//! opened, and the accounting is handed over only once both have
//! succeeded. If the append fails the caller gets its error and nothing
//! read, so no accounting is ever seen unaudited.

use confidant_policy::Date;
use confidant_policy::vocab::RecipientKind;

use crate::accounting_read::{self, ENTRIES_OF_CLIENT, RawRow};
use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::db::{NativePool, native};
use crate::disclosure::{Accounting, AccountingEntry, Suspension};
use crate::error::StoreError;
use crate::vault::{Store, require};

/// An accounting entry's columns as sqlx reads [`ENTRIES_OF_CLIENT`]: id,
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

/// The columns of a row read through sqlx, as the openers take them.
fn raw(row: &AccountingRow) -> RawRow<'_> {
    let (id, disclosure_id, disclosed_on, kind, purpose, categories, cites, corrects, details, seq, key_id, at, kek_id, wrapped) = row;
    RawRow {
        id: id.as_bytes(),
        disclosure_id: disclosure_id.as_deref().map(str::as_bytes),
        disclosed_on: disclosed_on.as_bytes(),
        recipient_kind: kind.as_bytes(),
        purpose: purpose.as_bytes(),
        categories: categories.as_bytes(),
        cites: cites.as_bytes(),
        corrects: corrects.as_deref().map(str::as_bytes),
        details,
        audit_seq: *seq,
        data_key_id: key_id.as_bytes(),
        recorded_at: *at,
        kek_id: kek_id.as_deref().map(str::as_bytes),
        wrapped: wrapped.as_deref(),
    }
}

impl Store {
    /// Every accounting entry of a client, corrections included, oldest first.
    pub(crate) async fn accounting_entries(&self, client_id: &str) -> Result<Vec<AccountingEntry>, StoreError> {
        self.accounting_entries_through(client_id, true).await
    }

    /// [`Store::accounting_entries`] through each backend's fast path when
    /// `native_path` (SQLite's own library; PostgreSQL's binary copy), else
    /// through sqlx's driver (tests compare the two).
    pub(crate) async fn accounting_entries_through(&self, client_id: &str, native_path: bool) -> Result<Vec<AccountingEntry>, StoreError> {
        let opened = match (&self.sqlite_reads, &self.native) {
            (Some(reads), _) if native_path => {
                let client = client_id.to_string();
                let keys = self.keys.clone();
                reads.read(move |conn| accounting_read::read_sqlite(conn, &client, &keys)).await?
            }
            (_, NativePool::Postgres(pool)) if native_path => match accounting_read::read_postgres(pool, client_id, &self.keys).await? {
                Some(opened) => opened,
                None => self.accounting_through_sqlx(client_id).await?,
            },
            _ => self.accounting_through_sqlx(client_id).await?,
        };
        Ok(accounting_read::in_order(opened))
    }

    /// The entries read whole through sqlx, then opened off the async
    /// workers.
    async fn accounting_through_sqlx(&self, client_id: &str) -> Result<Vec<accounting_read::Run>, StoreError> {
        let rows: Vec<AccountingRow> = native!(&self.native, |p| sqlx::query_as(ENTRIES_OF_CLIENT).bind(client_id).fetch_all(p).await?);
        let keys = self.keys.clone();
        tokio::task::spawn_blocking(move || accounting_read::open_rows(&keys, rows.iter().map(raw))).await.map_err(StoreError::ReadTask)?
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
        let mut suspended_entries = 0;
        let mut suspended_for_law_enforcement = 0;
        // Filtered in place: the entries are not moved again when all stay.
        let mut entries = self.accounting_entries(client_id).await?;
        entries.retain(|entry| {
            if entry.disclosed_on < since || entry.disclosed_on > as_of || entry.corrected_by.is_some() {
                return false;
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
            }
            !suspended
        });
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
