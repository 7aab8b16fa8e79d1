//! Records and psychotherapy notes, each under its own data key; bulk
//! import in batches.

use confidant_policy::vocab::Category;
use sqlx::{AssertSqlSafe, Row};

use sqlx::postgres::PgPool;

use crate::db::{Conn, NativePool, native, on_conn};

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::crypto::{DataKey, field_aad};
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::model::{NewRecord, Record, StaffRole};

use crate::vault::*;

impl Store {
    /// Stores a record under its own data key; psychotherapy notes go to their own table.
    pub async fn add_record(&self, new: NewRecord) -> Result<String, StoreError> {
        let mut ids = self.add_records(vec![new]).await.map_err(|e| match e {
            StoreError::InBatch { source, .. } => *source,
            other => other,
        })?;
        ids.pop().ok_or_else(|| corrupt("record batch"))
    }

    /// Stores many records in one transaction, all or none: each is checked
    /// as `add_record` checks it (the same code) and sealed under its own
    /// data key. A failure names the record's position in the batch
    /// ([`StoreError::InBatch`]).
    ///
    /// Why it is shaped like this: per-record cost is dominated by statement
    /// round trips, not by encryption, so after the per-record checks the
    /// keys and rows go in as multi-row inserts, and stored duplicates are
    /// looked for with one `IN (…)` query per chunk.
    pub async fn add_records(&self, batch: Vec<NewRecord>) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_records_in(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::add_records`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"records"`). Returns the
    /// audit entry's sequence number with the result.
    pub async fn add_records_audited(&self, batch: Vec<NewRecord>, audit: AuditEvent) -> Result<(Vec<String>, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_records_in(&mut tx, batch).await?;
        let seq = self.commit_audited(tx, audit.with(Detail::Records(out.clone()))).await?;
        Ok((out, seq))
    }

    /// A batch of records for many clients with one audit entry per client
    /// (a copy of `template` naming that client, its records' categories
    /// and ids), all in one transaction: a bulk import leaves the same trail
    /// in each client's history as records added one by one.
    pub async fn import_records_audited(&self, batch: Vec<NewRecord>, template: AuditEvent) -> Result<Vec<String>, StoreError> {
        let placed: Vec<(String, Category)> = batch.iter().map(|r| (r.client_id.clone(), r.category)).collect();
        let mut tx = self.begin().await?;
        let ids = self.add_records_in(&mut tx, batch).await?;
        let mut by_client: std::collections::BTreeMap<&str, (Vec<Category>, Vec<String>)> = std::collections::BTreeMap::new();
        for ((client, category), id) in placed.iter().zip(&ids) {
            let (categories, records) = by_client.entry(client.as_str()).or_default();
            if !categories.contains(category) {
                categories.push(*category);
            }
            records.push(id.clone());
        }
        let events: Vec<AuditEvent> = by_client
            .into_iter()
            .map(|(client, (categories, records))| template.clone().client(client).categories(&categories).with(Detail::Records(records)))
            .collect();
        let (_, head) = self.append_audit_in(&mut tx, &events).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(ids)
    }

    pub(crate) async fn add_records_in(&self, tx: &mut Tx, batch: Vec<NewRecord>) -> Result<Vec<String>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let at = |index: usize| move |e: StoreError| StoreError::InBatch { index, source: Box::new(e) };
        let mut checks = RecordChecks::default();
        let mut checked = Vec::with_capacity(batch.len());
        for (index, new) in batch.into_iter().enumerate() {
            checked.push(self.check_record(tx, new, &mut checks).await.map_err(at(index))?);
        }
        // Record ids are unique across both tables, which no single constraint can say.
        for (chunk_no, chunk) in checked.chunks(INSERT_CHUNK).enumerate() {
            let list = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql =
                format!("SELECT id FROM records WHERE id IN ({list}) UNION ALL SELECT id FROM psychotherapy_notes WHERE id IN ({list})");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q.bind(r.id.clone());
            }
            let stored = q.fetch_all(&mut **tx).await?;
            if let Some(row) = stored.first() {
                let id: String = row.try_get("id")?;
                let index = chunk_no * INSERT_CHUNK + chunk.iter().position(|r| r.id == id).unwrap_or_default();
                return Err(at(index)(StoreError::Duplicate { kind: "record", id }));
            }
        }
        // The first data key goes in through the guarded insert, which fails
        // if a rotation retired the KEK. Its row lock on `data_keys` then
        // holds off any rotation until this transaction ends, so the rest of
        // the batch's keys may be plain inserts wrapped by the same KEK.
        // Each record keeps a copy of its wrapped key in its own row.
        let kek = self.keys.current().ok_or_else(|| StoreError::invalid("key", "at least one key"))?.clone();
        let mut keys: Vec<(String, DataKey, Vec<u8>)> = Vec::with_capacity(checked.len());
        keys.push(self.new_wrapped_data_key_on(&mut Conn::Any(tx)).await.map_err(at(0))?);
        for _ in 1..checked.len() {
            let id = new_id("dk");
            let key = DataKey::generate();
            let wrapped = kek.wrap(&id, &key).map_err(StoreError::crypto("data key"))?;
            keys.push((id, key, wrapped));
        }
        for chunk in keys.get(1..).unwrap_or_default().chunks(INSERT_CHUNK) {
            let sql = multi_row_insert(self.backend(), "INSERT INTO data_keys (id, kek_id, wrapped) VALUES ", 3, chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, _, w) in chunk {
                q = q.bind(id.clone()).bind(kek.id().to_string()).bind(w.clone());
            }
            q.execute(&mut **tx).await?;
        }
        let now = self.now_secs();
        let mut sealed: Vec<(CheckedRecord, String, Vec<u8>, Vec<u8>)> = Vec::with_capacity(checked.len());
        for (r, (key_id, key, wrapped)) in checked.into_iter().zip(keys) {
            let content = key.seal(&field_aad(r.table(), "content", &r.id), r.content.as_bytes()).map_err(StoreError::crypto("record"))?;
            sealed.push((r, key_id, wrapped, content));
        }
        let ids = sealed.iter().map(|(r, _, _, _)| r.id.clone()).collect();
        let (mut notes, mut records): (Vec<_>, Vec<_>) = sealed.into_iter().partition(|(r, _, _, _)| r.notes);
        // Each client's rows of the batch side by side: PostgreSQL's heap
        // keeps rows in the order they were inserted, so a bulk import puts
        // a client's records on a few pages rather than a page each (SQLite
        // keys the tables by client anyway). The ids returned keep the
        // batch's order.
        records.sort_by(|a, b| a.0.client_id.cmp(&b.0.client_id));
        notes.sort_by(|a, b| a.0.client_id.cmp(&b.0.client_id));
        for chunk in records.chunks(INSERT_CHUNK) {
            let sql = multi_row_insert(
                self.backend(),
                "INSERT INTO records (id, client_id, author_id, created_at, data_key_id, kek_id, wrapped_key, content, category) VALUES ",
                9,
                chunk.len(),
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (r, key_id, wrapped, content) in chunk {
                q = q
                    .bind(r.id.clone())
                    .bind(r.client_id.clone())
                    .bind(r.author_id.clone())
                    .bind(now)
                    .bind(key_id.clone())
                    .bind(kek.id().to_string())
                    .bind(wrapped.clone())
                    .bind(content.clone());
                q = q.bind(r.category.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in notes.chunks(INSERT_CHUNK) {
            let sql = multi_row_insert(
                self.backend(),
                "INSERT INTO psychotherapy_notes (id, client_id, author_id, created_at, data_key_id, kek_id, wrapped_key, content) VALUES ",
                8,
                chunk.len(),
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (r, key_id, wrapped, content) in chunk {
                q = q
                    .bind(r.id.clone())
                    .bind(r.client_id.clone())
                    .bind(r.author_id.clone())
                    .bind(now)
                    .bind(key_id.clone())
                    .bind(kek.id().to_string())
                    .bind(wrapped.clone())
                    .bind(content.clone());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(ids)
    }

    /// Checks one new record inside `tx`; the one place a record is validated.
    async fn check_record(&self, tx: &mut Tx, new: NewRecord, checks: &mut RecordChecks) -> Result<CheckedRecord, StoreError> {
        let id = checked_id("record", new.id.as_deref(), "rec")?;
        non_empty("content", &new.content)?;
        // Within one transaction a client or staff row cannot change under
        // us, so a batch looks each up once.
        if !checks.clients.contains(&new.client_id) {
            require(&mut **tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", &new.client_id).await?;
            checks.clients.insert(new.client_id.clone());
        }
        let (role, active) = match checks.authors.get(&new.author_id) {
            Some(&found) => found,
            None => {
                let author = sqlx::query("SELECT role, active FROM staff WHERE id = $1")
                    .bind(new.author_id.clone())
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| not_found("staff", &new.author_id))?;
                let active: i64 = author.try_get("active")?;
                let role: String = author.try_get("role")?;
                let role = StaffRole::parse(&role).ok_or_else(|| corrupt(format!("staff `{}` role", new.author_id)))?;
                checks.authors.insert(new.author_id.clone(), (role, active != 0));
                (role, active != 0)
            }
        };
        if !active {
            return Err(StoreError::invalid("author", format!("an active staff member; `{}` is inactive", new.author_id)));
        }
        let notes = new.category == Category::PsychotherapyNotes;
        if !confidant_policy::authorship::may_author(role.discloser_role(), new.category) {
            return Err(StoreError::invalid(
                "author",
                format!("a psychotherapist, psychiatrist or supervisor for psychotherapy notes; `{}` is {role}", new.author_id),
            ));
        }
        // Duplicates within the batch here; against stored rows in bulk by the caller.
        if !checks.ids.insert(id.clone()) {
            return Err(StoreError::Duplicate { kind: "record", id });
        }
        Ok(CheckedRecord { id, client_id: new.client_id, author_id: new.author_id, category: new.category, notes, content: new.content })
    }

    /// A client's records, psychotherapy notes included, oldest first; the
    /// content is decrypted only when asked for.
    pub async fn records(&self, client_id: &str, with_content: bool) -> Result<Vec<Record>, StoreError> {
        self.records_selected(client_id, with_content, &|_| true).await
    }

    /// A client's records that `keep` accepts (it sees each record without
    /// its content); only those are decrypted. A release uses this so that
    /// nothing it will not hand over is ever opened.
    pub async fn records_selected(
        &self,
        client_id: &str,
        with_content: bool,
        keep: &(dyn Fn(&Record) -> bool + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        self.records_chosen(client_id, with_content, &|all: Vec<Record>| all.into_iter().filter(|r| keep(r)).collect()).await
    }

    /// The records `choose` picks from all of a client's records (given
    /// without contents, oldest first), in the order it returns them; only
    /// those are decrypted. Opening one record and its versions this way
    /// decrypts those versions and nothing else of the client's. A record
    /// `choose` returns that is not among those it was given is refused as
    /// not found.
    pub async fn records_chosen(
        &self,
        client_id: &str,
        with_content: bool,
        choose: &(dyn Fn(Vec<Record>) -> Vec<Record> + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        if let Some(reads) = &self.sqlite_reads {
            let client = client_id.to_string();
            let rows = reads.read(move |conn| record_rows_sqlite(conn, &client, with_content)).await?;
            return self.open_records(client_id, rows, with_content, choose).await;
        }
        if let (NativePool::Postgres(pool), false) = (&self.native, with_content) {
            return self.record_list_pg(pool, client_id, choose).await;
        }
        native!(&self.native, |p| self.records_chosen_on(&mut Conn::from(&mut *p.acquire().await?), client_id, with_content, choose).await)
    }

    /// [`Store::records_chosen`] for a staff member who has the client on
    /// their caseload or care team; `None` (nothing read) when they do not,
    /// and the caller then takes the long way (break-glass, the audited
    /// refusal). On SQLite the check and the read share one snapshot on one
    /// read connection, one trip to the blocking pool for both; elsewhere
    /// it is [`Store::on_caseload`] and then [`Store::records_chosen`].
    pub async fn records_chosen_on_caseload(
        &self,
        staff_id: &str,
        client_id: &str,
        with_content: bool,
        choose: &(dyn Fn(Vec<Record>) -> Vec<Record> + Sync),
    ) -> Result<Option<Vec<Record>>, StoreError> {
        if let Some(reads) = &self.sqlite_reads {
            let (staff, client) = (staff_id.to_string(), client_id.to_string());
            let rows = reads
                .read(move |conn| {
                    if !conn.prepare_cached(crate::accounts::ON_CASELOAD)?.exists([&staff, &client])? {
                        return Ok(None);
                    }
                    record_rows_sqlite(conn, &client, with_content).map(Some)
                })
                .await?;
            return match rows {
                Some(rows) => self.open_records(client_id, rows, with_content, choose).await.map(Some),
                None => Ok(None),
            };
        }
        if !self.on_caseload(staff_id, client_id).await? {
            return Ok(None);
        }
        self.records_chosen(client_id, with_content, choose).await.map(Some)
    }

    /// [`Store::records_chosen`] without contents on PostgreSQL: the
    /// client's record list from the covering indexes alone (migration 17),
    /// no heap page read once the pages are all-visible. With contents, the
    /// one statement that reads every row stays the faster: reading the
    /// list first and then the contents took two scans and a round trip
    /// more (measured in `benches/vault.rs`).
    async fn record_list_pg(
        &self,
        pool: &PgPool,
        client_id: &str,
        choose: &(dyn Fn(Vec<Record>) -> Vec<Record> + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        let mut conn = pool.acquire().await?;
        let rows: Vec<ListRow> = sqlx::query_as(RECORD_LIST_OF_CLIENT).bind(client_id).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            let known: Option<(String,)> =
                sqlx::query_as("SELECT id FROM clients WHERE id = $1").bind(client_id).fetch_optional(&mut *conn).await?;
            return match known {
                Some(_) => Ok(choose(Vec::new())),
                None => Err(not_found("client", client_id)),
            };
        }
        let mut all = Vec::with_capacity(rows.len());
        for (id, client_id, category, author_id, created_at, corrects) in rows {
            let category = Category::parse(&category).ok_or_else(|| corrupt(format!("record `{id}` category")))?;
            all.push(Record { category, client_id, author_id, created_at, content: None, corrects, id });
        }
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(choose(all))
    }

    pub(crate) async fn records_selected_on(
        &self,
        conn: &mut Conn<'_>,
        client_id: &str,
        with_content: bool,
        keep: &(dyn Fn(&Record) -> bool + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        self.records_chosen_on(conn, client_id, with_content, &|all: Vec<Record>| all.into_iter().filter(|r| keep(r)).collect()).await
    }

    async fn records_chosen_on(
        &self,
        conn: &mut Conn<'_>,
        client_id: &str,
        with_content: bool,
        choose: &(dyn Fn(Vec<Record>) -> Vec<Record> + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        // One round trip for a client with records; the client is looked up
        // only when there were none.
        let rows: Vec<RecordRow> = on_conn!(&mut *conn, |c| sqlx::query_as(RECORDS_OF_CLIENT).bind(client_id).fetch_all(&mut **c).await?);
        let rows = rows.into_iter().map(|row| read_record(row, with_content)).collect::<Result<Vec<_>, _>>()?;
        let rows = if rows.is_empty() {
            let known: Option<(String,)> = on_conn!(&mut *conn, |c| sqlx::query_as("SELECT id FROM clients WHERE id = $1")
                .bind(client_id)
                .fetch_optional(&mut **c)
                .await?);
            known.map(|_| rows)
        } else {
            Some(rows)
        };
        self.open_records(client_id, rows, with_content, choose).await
    }

    /// The records of `rows` (`None`: no such client) that `choose` picks,
    /// decrypted when asked (on the blocking pool, see [`open_contents`]).
    async fn open_records(
        &self,
        client_id: &str,
        rows: Option<Vec<ReadRecord>>,
        with_content: bool,
        choose: &(dyn Fn(Vec<Record>) -> Vec<Record> + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        let mut rows = rows.ok_or_else(|| not_found("client", client_id))?;
        rows.sort_by(|a, b| (a.record.created_at, &a.record.id).cmp(&(b.record.created_at, &b.record.id)));
        // The sealed parts stay here, in the records' order, while `choose`
        // sees the records alone; each chosen record finds its parts again
        // by its place in that order (a lookup in a hash map, keyed by a copy
        // of every id, was a tenth of the whole read of 1,000 records).
        let mut sealed = Vec::with_capacity(if with_content { rows.len() } else { 0 });
        let mut all = Vec::with_capacity(rows.len());
        // Rows carry sealed parts only when read with contents.
        for ReadRecord { record, sealed: parts } in rows {
            if let Some(parts) = parts {
                sealed.push((record.created_at, record.id.clone(), Some(parts)));
            }
            all.push(record);
        }
        let chosen = choose(all);
        if !with_content || chosen.is_empty() {
            return Ok(chosen);
        }
        let mut jobs = Vec::with_capacity(chosen.len());
        let mut next = 0;
        for record in chosen {
            let parts = take_sealed(&mut sealed, &mut next, &record).ok_or_else(|| not_found("record", &record.id))?;
            jobs.push((record, parts));
        }
        // A few records (one record's versions: the API's read) open here,
        // in microseconds; handing them to the blocking pool cost a thread
        // hand-off each way, behind whatever else waits there.
        if jobs.len() <= OPEN_INLINE {
            return open_contents(&self.keys, jobs);
        }
        let keys = self.keys.clone();
        tokio::task::spawn_blocking(move || open_contents(&keys, jobs)).await.map_err(StoreError::ReadTask)?
    }
}

/// The records' sealed parts in the records' order: created, id, and the
/// parts (`None` once taken).
type SealedInOrder = Vec<(i64, String, Option<SealedRecord>)>;

/// Takes `record`'s sealed parts out of `sealed`: at `next` when `choose`
/// kept the records' order (a filter, the usual case), else found by a
/// binary search on that order. `None` when the record was not read, or was
/// chosen twice.
fn take_sealed(sealed: &mut SealedInOrder, next: &mut usize, record: &Record) -> Option<SealedRecord> {
    let at = match sealed.get(*next) {
        Some((_, id, _)) if *id == record.id => *next,
        _ => {
            let key = (record.created_at, record.id.as_str());
            sealed.binary_search_by(|(created, id, _)| (*created, id.as_str()).cmp(&key)).ok()?
        }
    };
    *next = at + 1;
    sealed.get_mut(at)?.2.take()
}

/// A record's sealed content and its data key, as read from its row.
struct SealedRecord {
    content: Vec<u8>,
    key_id: String,
    kek_id: Option<String>,
    wrapped: Option<Vec<u8>>,
}

/// Records opened on the calling async worker rather than the blocking
/// pool: about 4 µs each, so at most some tens of microseconds.
const OPEN_INLINE: usize = 8;

/// Records per thread below which [`open_contents`] stays on one thread
/// (a thread costs tens of microseconds; a record about four).
const OPEN_PER_THREAD: usize = 64;

/// Unwraps each record's data key and decrypts its content, on every core
/// when there are many: each record is independent, and opening them is
/// what a read of a client's chart costs beyond SQL. Blocking: call it on
/// the blocking pool, unless there are at most [`OPEN_INLINE`] records.
/// Fails on a record that does not open.
fn open_contents(keys: &KeyRing, jobs: Vec<(Record, SealedRecord)>) -> Result<Vec<Record>, StoreError> {
    split_over_cores(jobs, OPEN_PER_THREAD, "opening records", |part| {
        part.into_iter()
            .map(|(mut record, parts)| {
                open_content(keys, &mut record, &parts)?;
                Ok(record)
            })
            .collect()
    })
}

/// Opens one record's content into `record`.
fn open_content(keys: &KeyRing, record: &mut Record, parts: &SealedRecord) -> Result<(), StoreError> {
    let id = &record.id;
    let (Some(kek_id), Some(wrapped)) = (&parts.kek_id, &parts.wrapped) else {
        return Err(corrupt(format!("record `{id}` data key")));
    };
    let key = unwrap_with(keys, &parts.key_id, kek_id, wrapped)?;
    // Psychotherapy notes have a table of their own (no other table's rows
    // may carry that category).
    let table = if record.category == Category::PsychotherapyNotes { "psychotherapy_notes" } else { "records" };
    record.content =
        Some(key.open_text(&field_aad(table, "content", id), &parts.content).map_err(StoreError::crypto(format!("record `{id}`")))?);
    Ok(())
}

/// A client's records and psychotherapy notes, each with the copy of its
/// wrapped data key it carries (migration 15), in one statement (`$1` the
/// client): the client's rows alone, with no lookup in `data_keys`.
const RECORDS_OF_CLIENT: &str = "SELECT r.id, r.client_id, r.category, r.author_id, r.created_at, r.content, r.corrects, r.data_key_id, \
     r.kek_id, r.wrapped_key FROM records r WHERE r.client_id = $1 \
     UNION ALL SELECT n.id, n.client_id, 'psychotherapy_notes', n.author_id, n.created_at, n.content, n.corrects, n.data_key_id, \
     n.kek_id, n.wrapped_key FROM psychotherapy_notes n WHERE n.client_id = $1";

/// A client's record list without contents or keys (`$1` the client): on
/// PostgreSQL an index-only scan of migration 17's covering indexes.
const RECORD_LIST_OF_CLIENT: &str = "SELECT r.id, r.client_id, r.category, r.author_id, r.created_at, r.corrects FROM records r \
     WHERE r.client_id = $1 \
     UNION ALL SELECT n.id, n.client_id, 'psychotherapy_notes', n.author_id, n.created_at, n.corrects FROM psychotherapy_notes n \
     WHERE n.client_id = $1";

/// A record list's row: id, client, category, author, created, corrects.
type ListRow = (String, String, String, String, i64, Option<String>);

/// [`RECORDS_OF_CLIENT`] through SQLite's own library (`None`: no such
/// client), inside the caller's snapshot. Without contents it reads
/// [`RECORD_LIST_OF_CLIENT`] instead: no sealed content or wrapped key is
/// copied out of the database only to be dropped.
fn record_rows_sqlite(conn: &rusqlite::Connection, client_id: &str, with_content: bool) -> Result<Option<Vec<ReadRecord>>, StoreError> {
    use crate::sqlite_reads::{blob, blob_or_null, integer, text, text_or_null};
    let mut statement = conn.prepare_cached(if with_content { RECORDS_OF_CLIENT } else { RECORD_LIST_OF_CLIENT })?;
    let mut rows = statement.query([client_id])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let id = text(row, 0)?;
        let category = Category::parse(text(row, 2)?).ok_or_else(|| corrupt(format!("record `{id}` category")))?;
        let corrects = text_or_null(row, if with_content { 6 } else { 5 })?.map(str::to_string);
        let record = Record {
            id: id.to_string(),
            // Every row is the client's (the statement's condition).
            client_id: client_id.to_string(),
            category,
            author_id: text(row, 3)?.to_string(),
            created_at: integer(row, 4)?,
            content: None,
            corrects,
        };
        let sealed = if with_content {
            Some(SealedRecord {
                content: blob(row, 5)?.to_vec(),
                key_id: text(row, 7)?.to_string(),
                kek_id: text_or_null(row, 8)?.map(str::to_string),
                wrapped: blob_or_null(row, 9)?.map(<[u8]>::to_vec),
            })
        } else {
            None
        };
        out.push(ReadRecord { record, sealed });
    }
    if out.is_empty() {
        let known = conn.prepare_cached("SELECT 1 FROM clients WHERE id = $1")?.exists([client_id])?;
        if !known {
            return Ok(None);
        }
    }
    Ok(Some(out))
}

/// A record as read, without its content, and its sealed parts when the
/// read was with contents.
struct ReadRecord {
    record: Record,
    sealed: Option<SealedRecord>,
}

/// [`RECORDS_OF_CLIENT`]'s row as sqlx reads it, made a [`ReadRecord`].
fn read_record(row: RecordRow, with_content: bool) -> Result<ReadRecord, StoreError> {
    let (id, client_id, category, author_id, created_at, content, corrects, key_id, kek_id, wrapped) = row;
    let category = Category::parse(&category).ok_or_else(|| corrupt(format!("record `{id}` category")))?;
    let sealed = with_content.then_some(SealedRecord { content, key_id, kek_id, wrapped });
    Ok(ReadRecord { record: Record { id, client_id, category, author_id, created_at, content: None, corrects }, sealed })
}

impl Store {
    /// Stores `new` as a correction of record `corrects`, with `audit` in
    /// the same transaction. The corrected version is left exactly as it
    /// was; the new one names it. Only the latest version is corrected (a
    /// version already corrected is refused, and of racing corrections one
    /// wins), and the correction keeps the client, the category and the
    /// table of what it corrects.
    pub async fn correct_record_audited(&self, corrects: &str, new: NewRecord, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let notes = new.category == Category::PsychotherapyNotes;
        let table = if notes { "psychotherapy_notes" } else { "records" };
        let old = sqlx::query(AssertSqlSafe(format!(
            "SELECT client_id, {} AS category FROM {table} WHERE id = $1",
            if notes { "'psychotherapy_notes'" } else { "category" }
        )))
        .bind(corrects.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| not_found("record", corrects))?;
        let client: String = old.try_get("client_id")?;
        let category: String = old.try_get("category")?;
        if client != new.client_id || category != new.category.as_str() {
            return Err(not_found("record", corrects));
        }
        let taken = sqlx::query(AssertSqlSafe(format!("SELECT id FROM {table} WHERE corrects = $1")))
            .bind(corrects.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = taken {
            let by: String = row.try_get("id")?;
            return Err(StoreError::invalid("record", format!("the latest version; `{corrects}` was already corrected by `{by}`")));
        }
        let mut ids = self.add_records_in(&mut tx, vec![new]).await.map_err(|e| match e {
            StoreError::InBatch { source, .. } => *source,
            other => other,
        })?;
        let id = ids.pop().ok_or_else(|| corrupt("record correction"))?;
        // The new row's own link, set before anyone can see it; the old row is not touched.
        sqlx::query(AssertSqlSafe(format!("UPDATE {table} SET corrects = $1 WHERE id = $2")))
            .bind(corrects.to_string())
            .bind(id.clone())
            .execute(&mut *tx)
            .await?;
        let seq = self.commit_audited(tx, audit.with_all([Detail::Record(id.clone()), Detail::Corrects(corrects.to_string())])).await?;
        Ok((id, seq))
    }
}

/// A record row with its data key: id, client, category, author, created,
/// sealed content, corrects, data key id, its KEK's id and the wrapped key
/// (the row's copy; NULL only in a vault migration 15 has not filled).
type RecordRow = (String, String, String, String, i64, Vec<u8>, Option<String>, String, Option<String>, Option<Vec<u8>>);

/// Rows per multi-row insert: large enough that round trips stop mattering,
/// small because sqlx's SQLite binding looks each parameter's name up in a
/// list, which grows quadratically with the parameters of one statement
/// (20% of insert time at 200 rows, found with `perf`).
pub(crate) const INSERT_CHUNK: usize = 50;

/// What one batch transaction already checked: clients that exist, each
/// author's role and status, and the ids taken so far in the batch.
#[derive(Default)]
pub(crate) struct RecordChecks {
    clients: std::collections::HashSet<String>,
    authors: std::collections::HashMap<String, (StaffRole, bool)>,
    ids: std::collections::HashSet<String>,
}

/// A new record that passed every check but the bulk duplicate query.
pub(crate) struct CheckedRecord {
    id: String,
    client_id: String,
    author_id: String,
    category: Category,
    notes: bool,
    content: String,
}

impl CheckedRecord {
    fn table(&self) -> &'static str {
        if self.notes { "psychotherapy_notes" } else { "records" }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn record(created_at: i64, id: &str) -> Record {
        Record {
            id: id.into(),
            client_id: "cl-1".into(),
            category: Category::ProgressNotes,
            author_id: "st-1".into(),
            created_at,
            content: None,
            corrects: None,
        }
    }

    fn sealed_in_order(records: &[Record]) -> SealedInOrder {
        records
            .iter()
            .map(|r| {
                let parts = SealedRecord { content: r.id.as_bytes().to_vec(), key_id: format!("dk-{}", r.id), kek_id: None, wrapped: None };
                (r.created_at, r.id.clone(), Some(parts))
            })
            .collect()
    }

    #[test]
    fn each_chosen_record_gets_its_own_sealed_parts_in_any_order_and_only_once() {
        let all: Vec<Record> = [(1, "r-a"), (1, "r-b"), (2, "r-0"), (5, "r-c"), (9, "r-d")].iter().map(|(t, id)| record(*t, id)).collect();
        // In order (a filter), reversed (newest first), and shuffled.
        let orders: [Vec<usize>; 3] = [vec![0, 2, 4], vec![4, 3, 2, 1, 0], vec![3, 0, 4, 1]];
        for order in orders {
            let mut sealed = sealed_in_order(&all);
            let mut next = 0;
            for &i in &order {
                let parts = take_sealed(&mut sealed, &mut next, &all[i]).unwrap();
                assert_eq!(parts.content, all[i].id.as_bytes(), "order {order:?}");
            }
            // Chosen twice: refused the second time.
            let mut next = 0;
            assert!(take_sealed(&mut sealed, &mut next, &all[order[0]]).is_none());
        }
    }

    #[test]
    fn a_record_that_was_not_read_has_no_sealed_parts() {
        let all = vec![record(1, "r-a"), record(3, "r-b")];
        let mut sealed = sealed_in_order(&all);
        let mut next = 0;
        assert!(take_sealed(&mut sealed, &mut next, &record(3, "r-x")).is_none());
        assert!(take_sealed(&mut sealed, &mut next, &record(0, "r-0")).is_none());
        assert!(take_sealed(&mut sealed, &mut next, &record(3, "r-b")).is_some());
        assert!(take_sealed(&mut sealed, &mut next, &record(1, "r-a")).is_some());
    }
}
