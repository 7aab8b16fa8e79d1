//! Reading a client's accounting entries fast: the rows copied as they are
//! read into chunks (one buffer per few hundred rows, not a string per
//! column), and the chunks opened (details unsealed and parsed) on the
//! other core while the reading goes on.
//!
//! - SQLite ([`sqlite`]): rusqlite steps the statement on a blocking
//!   thread, which hands full chunks to opener threads.
//! - PostgreSQL ([`postgres`]): one binary `COPY` split into rows as it
//!   arrives, the chunks opened on the blocking pool meanwhile.
//! - sqlx's driver (the reference the tests compare with): the rows read
//!   whole, then put through the same chunks.
//!
//! A data key is unwrapped once, by the reader, the first time a row names
//! it. A row that does not read as its columns' types (text that is not
//! UTF-8, a NULL where the schema forbids one, a day that is no day) is a
//! [`StoreError::Corrupt`] naming the column, never a panic.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use confidant_policy::Date;
use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use zeroize::Zeroizing;

use crate::accounting_details;
use crate::crypto::DataKey;
use crate::disclosure::AccountingEntry;
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::vault::{cores, corrupt, split, unwrap_with};

mod postgres;
mod sqlite;

pub(crate) use postgres::read_postgres;
pub(crate) use sqlite::read_sqlite;

/// Every accounting entry of a client (`$1`), with its wrapped data key.
/// The key comes in the same row: asked for one query per entry (each
/// disclosure sealed with a key of its own before entries were sealed
/// under the client's key), 10k keys cost five times the read of the rows.
/// A LEFT JOIN, so an entry whose key row is missing is an error, not left
/// out. Unordered: an ORDER BY beyond the index made SQLite sort the rows,
/// costing more than reading them.
pub(crate) const ENTRIES_OF_CLIENT: &str = "SELECT a.id, a.disclosure_id, a.disclosed_on, a.recipient_kind, a.purpose, a.categories, \
     a.cites, a.corrects, a.details, a.audit_seq, a.data_key_id, a.recorded_at, k.kek_id, k.wrapped \
     FROM accounting_entries a LEFT JOIN data_keys k ON k.id = a.data_key_id WHERE a.client_id = $1";

/// [`ENTRIES_OF_CLIENT`] without the data keys, for SQLite, which looks
/// each key up once (by its id, `sqlite.rs`) in the same snapshot: the join looked
/// the key up again for every row, a B-tree descent each, and was a
/// third of the bare read of 10k rows. A client's entries share its key
/// (entries written before had one key each, and take one look-up each,
/// as the join did).
pub(super) const ENTRIES_ALONE: &str = "SELECT id, disclosure_id, disclosed_on, recipient_kind, purpose, categories, cites, corrects, details, \
     audit_seq, data_key_id, recorded_at FROM accounting_entries WHERE client_id = $1";

/// The associated data of an entry's details, but for the entry's id
/// (`field_aad("accounting_entries", "details", id)`).
const DETAILS_AAD: &str = "confidant/v1/accounting_entries/details/";

/// How many columns [`ENTRIES_OF_CLIENT`] reads.
pub(crate) const COLUMNS: usize = 14;

/// Rows per chunk: 10k entries make about forty, so both cores stay busy to
/// the end, and a client with few entries is opened on the reading thread.
const CHUNK_ROWS: usize = 256;

/// An entry's columns as read, borrowed from the reader's buffers:
/// [`ENTRIES_OF_CLIENT`]'s, in its order (`None`: NULL).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawRow<'a> {
    pub(crate) id: &'a [u8],
    pub(crate) disclosure_id: Option<&'a [u8]>,
    pub(crate) disclosed_on: &'a [u8],
    pub(crate) recipient_kind: &'a [u8],
    pub(crate) purpose: &'a [u8],
    pub(crate) categories: &'a [u8],
    pub(crate) cites: &'a [u8],
    pub(crate) corrects: Option<&'a [u8]>,
    pub(crate) details: &'a [u8],
    pub(crate) audit_seq: i64,
    pub(crate) data_key_id: &'a [u8],
    pub(crate) recorded_at: i64,
    pub(crate) kek_id: Option<&'a [u8]>,
    pub(crate) wrapped: Option<&'a [u8]>,
}

/// A column the schema declares NOT NULL that came back NULL.
fn null(column: &str) -> StoreError {
    corrupt(format!("accounting entry: {column} is NULL"))
}

/// UTF-8 text of `column`, as stored.
fn text<'a>(bytes: &'a [u8], column: &str) -> Result<&'a str, StoreError> {
    std::str::from_utf8(bytes).map_err(|_| corrupt(format!("accounting entry: {column} is not UTF-8 text")))
}

/// Where one row's columns sit in its chunk's buffer.
struct Spans {
    /// id, disclosure id, day, recipient kind, purpose, categories, cites,
    /// corrects, sealed details (`None`: NULL).
    columns: [Option<Range<u32>>; 9],
    audit_seq: i64,
    recorded_at: i64,
    /// Index into the chunk's keys.
    key: usize,
}

/// Rows copied out of the reader's buffers, ready to open on any thread.
#[derive(Default)]
pub(crate) struct Chunk {
    bytes: Vec<u8>,
    rows: Vec<Spans>,
    keys: Vec<Arc<DataKey>>,
}

impl Chunk {
    fn span(&mut self, value: Option<&[u8]>) -> Result<Option<Range<u32>>, StoreError> {
        let Some(value) = value else { return Ok(None) };
        let start = self.bytes.len();
        self.bytes.extend_from_slice(value);
        let range = u32::try_from(start).ok().zip(u32::try_from(self.bytes.len()).ok());
        range.map(|(start, end)| Some(start..end)).ok_or_else(|| corrupt("accounting entries: a chunk past 4 GiB"))
    }

    fn column(&self, spans: &Spans, at: usize) -> Option<&[u8]> {
        let range = spans.columns.get(at)?.as_ref()?;
        self.bytes.get(range.start as usize..range.end as usize)
    }
}

/// Turns rows into chunks, unwrapping each data key the first time a row
/// names it.
pub(crate) struct Chunker<'k> {
    keys: &'k KeyRing,
    opened: HashMap<Vec<u8>, Arc<DataKey>>,
    /// The key the last row named, with its id.
    last: Option<(Vec<u8>, Arc<DataKey>)>,
    chunk: Chunk,
    /// How many bytes the last full chunk held: the next one's buffer is
    /// sized from it, not grown by doubling (each regrowth a copy).
    last_bytes: usize,
}

/// A data key's KEK id and wrapped bytes by the key's id, `None` when there
/// is no such key: where a key the rows do not carry is looked up. Passed
/// to each push rather than held, so that a chunker stays `Send` for the
/// PostgreSQL read's task while SQLite's look-up borrows its connection.
type KeyLookup<'a> = &'a mut dyn FnMut(&str) -> Result<Option<(String, Vec<u8>)>, StoreError>;

impl<'k> Chunker<'k> {
    pub(crate) fn new(keys: &'k KeyRing) -> Chunker<'k> {
        Chunker { keys, opened: HashMap::new(), last: None, chunk: Chunk::default(), last_bytes: 0 }
    }

    /// Copies `row` into the chunk being filled; returns that chunk when it
    /// is full.
    pub(crate) fn push(&mut self, row: &RawRow<'_>) -> Result<Option<Chunk>, StoreError> {
        self.push_looking_up(row, None)
    }

    /// [`Chunker::push`] for rows without their keys' columns, whose keys
    /// `lookup` finds.
    fn push_looking_up(&mut self, row: &RawRow<'_>, lookup: Option<KeyLookup<'_>>) -> Result<Option<Chunk>, StoreError> {
        if self.chunk.rows.is_empty() {
            self.chunk.rows.reserve(CHUNK_ROWS);
            self.chunk.bytes.reserve(self.last_bytes + self.last_bytes / 8);
        }
        // Rows come in runs under one key (a client's entries share theirs).
        if self.last.as_ref().is_none_or(|(id, _)| id.as_slice() != row.data_key_id) {
            let key = self.key(row, lookup)?;
            self.last = Some((row.data_key_id.to_vec(), key.clone()));
            self.chunk.keys.push(key);
        } else if self.chunk.keys.is_empty()
            && let Some((_, key)) = &self.last
        {
            self.chunk.keys.push(key.clone());
        }
        let key = self.chunk.keys.len().saturating_sub(1);
        let columns = [
            self.chunk.span(Some(row.id))?,
            self.chunk.span(row.disclosure_id)?,
            self.chunk.span(Some(row.disclosed_on))?,
            self.chunk.span(Some(row.recipient_kind))?,
            self.chunk.span(Some(row.purpose))?,
            self.chunk.span(Some(row.categories))?,
            self.chunk.span(Some(row.cites))?,
            self.chunk.span(row.corrects)?,
            self.chunk.span(Some(row.details))?,
        ];
        self.chunk.rows.push(Spans { columns, audit_seq: row.audit_seq, recorded_at: row.recorded_at, key });
        if self.chunk.rows.len() < CHUNK_ROWS {
            return Ok(None);
        }
        self.last_bytes = self.chunk.bytes.len();
        Ok(Some(std::mem::take(&mut self.chunk)))
    }

    /// The chunk being filled (perhaps empty).
    pub(crate) fn finish(self) -> Chunk {
        self.chunk
    }

    /// The data key of `row`, unwrapped on first use.
    fn key(&mut self, row: &RawRow<'_>, lookup: Option<KeyLookup<'_>>) -> Result<Arc<DataKey>, StoreError> {
        if let Some(key) = self.opened.get(row.data_key_id) {
            return Ok(key.clone());
        }
        let id = text(row.data_key_id, "data_key_id")?;
        let key = match (row.kek_id, row.wrapped, lookup) {
            (Some(kek_id), Some(wrapped), _) => unwrap_with(self.keys, id, text(kek_id, "kek_id")?, wrapped)?,
            (None, None, Some(lookup)) => {
                let (kek_id, wrapped) = lookup(id)?.ok_or_else(|| corrupt(format!("data key `{id}`")))?;
                unwrap_with(self.keys, id, &kek_id, &wrapped)?
            }
            _ => return Err(corrupt(format!("data key `{id}`"))),
        };
        let key = Arc::new(key);
        self.opened.insert(row.data_key_id.to_vec(), key.clone());
        Ok(key)
    }
}

/// An opened entry with its `recorded_at` (the order's second key).
pub(crate) type Opened = (i64, AccountingEntry);

/// Entries opened by one thread, in the accounting's order once [`sorted`]:
/// each thread sorts its own run while the others still open theirs, and
/// [`in_order`] merges the runs, moving each entry once.
pub(crate) type Run = Vec<Opened>;

/// Opens every row of `chunk` into `out`: details unsealed and parsed,
/// days, kinds, purposes and categories parsed.
pub(crate) fn open_chunk(chunk: &Chunk, out: &mut Vec<Opened>) -> Result<(), StoreError> {
    out.reserve(chunk.rows.len());
    // One associated-data string and one plaintext buffer for the chunk
    // (the buffer wiped when dropped), not two allocations an entry.
    let mut aad = String::from(DETAILS_AAD);
    let mut plain = Zeroizing::new(Vec::new());
    for spans in &chunk.rows {
        let column = |at: usize, name: &str| -> Result<Option<&str>, StoreError> {
            chunk.column(spans, at).map(|bytes| text(bytes, name)).transpose()
        };
        let required = |at: usize, name: &str| column(at, name)?.ok_or_else(|| null(name));
        let id = required(0, "id")?;
        let key = chunk.keys.get(spans.key).ok_or_else(|| corrupt(format!("accounting entry `{id}`: its data key")))?;
        let sealed = chunk.column(spans, 8).ok_or_else(|| null("details"))?;
        aad.truncate(DETAILS_AAD.len());
        aad.push_str(id);
        key.open_into(aad.as_bytes(), sealed, &mut plain).map_err(StoreError::crypto(format!("accounting entry `{id}`")))?;
        let details = accounting_details::decode(&plain).ok_or_else(|| corrupt(format!("accounting entry `{id}` details")))?;
        let entry = AccountingEntry {
            disclosure_id: column(1, "disclosure_id")?.map(str::to_string),
            disclosed_on: Date::parse(required(2, "disclosed_on")?).ok_or_else(|| corrupt("stored disclosed_on"))?,
            recipient_kind: RecipientKind::parse(required(3, "recipient_kind")?).ok_or_else(|| corrupt("accounting recipient kind"))?,
            recipient_name: details.recipient_name,
            recipient_address: details.recipient_address,
            purpose: Purpose::parse(required(4, "purpose")?).ok_or_else(|| corrupt("accounting purpose"))?,
            categories: split(required(5, "categories")?, Category::parse, "accounting categories")?,
            cites: required(6, "cites")?.split('|').filter(|c| !c.is_empty()).map(str::to_string).collect(),
            description: details.description.unwrap_or_default(),
            statement: details.statement.unwrap_or_default(),
            corrects: column(7, "corrects")?.map(str::to_string),
            corrected_by: None,
            audit_seq: spans.audit_seq as u64,
            id: id.to_string(),
        };
        out.push((spans.recorded_at, entry));
    }
    Ok(())
}

/// Opens chunks from `queue` into `out` (what this thread already opened)
/// until its sender hangs up; the run sorted.
fn open_queued(queue: &Mutex<Receiver<Chunk>>, mut out: Run) -> Result<Run, StoreError> {
    while let Some(chunk) = next_chunk(queue)? {
        open_chunk(&chunk, &mut out)?;
    }
    Ok(sorted(out))
}

/// The next chunk on the shared queue; `None` once its sender hung up.
fn next_chunk(queue: &Mutex<Receiver<Chunk>>) -> Result<Option<Chunk>, StoreError> {
    match queue.lock() {
        Ok(queue) => Ok(queue.recv().ok()),
        Err(_) => Err(corrupt("opening accounting entries (a thread doing it failed)")),
    }
}

/// How many threads open chunks beside the one that reads.
fn helpers() -> usize {
    cores().saturating_sub(1).max(1)
}

/// The run `out` beside each opener thread's, or the first error one met.
fn join(openers: Vec<std::thread::ScopedJoinHandle<'_, Result<Run, StoreError>>>, out: Run) -> Result<Vec<Run>, StoreError> {
    let mut runs = vec![out];
    for opener in openers {
        runs.push(opener.join().map_err(|_| corrupt("opening accounting entries (a thread doing it failed)"))??);
    }
    Ok(runs)
}

/// Opens the chunks `queue` brings until its sender hangs up: on this
/// thread and, from the second chunk on, on one more per further core.
/// Call it off the async workers.
fn open_all(queue: Receiver<Chunk>) -> Result<Vec<Run>, StoreError> {
    let queue = Mutex::new(queue);
    std::thread::scope(|scope| {
        let mut out = Vec::new();
        let Some(first) = next_chunk(&queue)? else { return Ok(Vec::new()) };
        let openers: Vec<_> = if first.rows.len() >= CHUNK_ROWS {
            (0..helpers()).map(|_| scope.spawn(|| open_queued(&queue, Vec::new()))).collect()
        } else {
            Vec::new()
        };
        open_chunk(&first, &mut out)?;
        join(openers, open_queued(&queue, out)?)
    })
}

/// Opens rows already read whole (sqlx's path), in chunks over the cores.
pub(crate) fn open_rows<'a>(keys: &KeyRing, rows: impl Iterator<Item = RawRow<'a>>) -> Result<Vec<Run>, StoreError> {
    let (send, queue) = channel::<Chunk>();
    let mut chunker = Chunker::new(keys);
    for row in rows {
        if let Some(chunk) = chunker.push(&row)? {
            let _ = send.send(chunk);
        }
    }
    let _ = send.send(chunker.finish());
    drop(send);
    open_all(queue)
}

/// Where an opened entry comes in the accounting: by day, then when
/// recorded, then id.
fn order_key(opened: &Opened) -> (Date, i64, &str) {
    (opened.1.disclosed_on, opened.0, opened.1.id.as_str())
}

/// `run` in the accounting's order. Sorting the keys, not the entries (an
/// entry is a few hundred bytes that each swap would move), then moving
/// each entry once into its place.
fn sorted(run: Run) -> Run {
    if run.is_sorted_by(|a, b| order_key(a) <= order_key(b)) {
        return run;
    }
    let mut order: Vec<((Date, i64, &str), usize)> = run.iter().enumerate().map(|(i, o)| (order_key(o), i)).collect();
    order.sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    let mut slots: Vec<Option<Opened>> = run.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    out.extend(order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)));
    out
}

/// The entries of `runs` in the accounting's order: by day, then when
/// recorded, then id; each corrected entry marked with the entry that
/// corrected it. The runs (one per thread that opened entries, so a few)
/// are merged, each entry moved once.
pub(crate) fn in_order(runs: Vec<Run>) -> Vec<AccountingEntry> {
    let mut runs: Vec<std::vec::IntoIter<Opened>> = runs.into_iter().map(|run| sorted(run).into_iter()).collect();
    let mut out: Vec<AccountingEntry> = Vec::with_capacity(runs.iter().map(ExactSizeIterator::len).sum());
    loop {
        let mut first: Option<(usize, (Date, i64, &str))> = None;
        for (i, run) in runs.iter().enumerate() {
            if let Some(head) = run.as_slice().first().map(order_key)
                && first.as_ref().is_none_or(|(_, key)| head < *key)
            {
                first = Some((i, head));
            }
        }
        let Some((i, _)) = first else { break };
        match runs.get_mut(i).and_then(Iterator::next) {
            Some((_, entry)) => out.push(entry),
            None => break,
        }
    }
    let corrected: HashMap<String, String> = out.iter().filter_map(|e| e.corrects.clone().map(|old| (old, e.id.clone()))).collect();
    if !corrected.is_empty() {
        for entry in &mut out {
            if let Some(new) = corrected.get(&entry.id) {
                entry.corrected_by = Some(new.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::crypto::{Kek, field_aad};
    use crate::pg_copy::writing::{header, row, trailer};
    use crate::pg_copy::{CopyRows, int8};

    /// A key ring, and data key `dk-1` wrapped by its KEK.
    fn keys() -> (KeyRing, DataKey, Vec<u8>) {
        let kek = Kek::generate("kek-1");
        let key = DataKey::generate();
        let wrapped = kek.wrap("dk-1", &key).unwrap();
        (KeyRing::new(vec![kek]).unwrap(), key, wrapped)
    }

    /// The columns of entry `n` as stored (details sealed under `key`, in
    /// the binary layout for even `n` and as JSON, as written before, for
    /// odd); every third has no recipient name and corrects the entry
    /// before it.
    fn stored(n: usize, key: &DataKey) -> Vec<Vec<u8>> {
        let id = format!("acc-{n:05}");
        let name = (!n.is_multiple_of(3)).then(|| format!("Agency \"{n}\""));
        let statement = format!("Public health, case {n}.");
        let details = if n.is_multiple_of(2) {
            accounting_details::encode(name.as_deref(), Some("1 Main St"), "Diagnosis", &statement)
        } else {
            serde_json::json!({
                "recipient_name": name,
                "recipient_address": "1 Main St",
                "description": "Diagnosis",
                "statement": statement,
            })
            .to_string()
            .into_bytes()
        };
        let sealed = key.seal(&field_aad("accounting_entries", "details", &id), &details).unwrap();
        vec![
            id.into_bytes(),
            format!("dis-{n}").into_bytes(),
            format!("2025-{:02}-{:02}", 1 + n % 12, 1 + n % 28).into_bytes(),
            b"public_health_authority".to_vec(),
            b"public_health".to_vec(),
            b"diagnosis,medications".to_vec(),
            b"45 CFR 164.512(b)(1)(i)|42 CFR 2.53".to_vec(),
            if n.is_multiple_of(3) && n > 0 { format!("acc-{:05}", n - 1).into_bytes() } else { Vec::new() },
            sealed,
            (n as i64).to_be_bytes().to_vec(),
            b"dk-1".to_vec(),
            (1_700_000_000i64 + (n % 5) as i64).to_be_bytes().to_vec(),
            b"kek-1".to_vec(),
        ]
    }

    /// A binary copy of `rows` (stored columns plus the wrapped key), with
    /// `corrects` NULL where it is empty.
    fn copy_of(rows: &[Vec<Vec<u8>>], wrapped: &[u8]) -> Vec<u8> {
        let mut out = header();
        for columns in rows {
            let mut fields: Vec<Option<&[u8]>> = columns.iter().map(|c| Some(c.as_slice())).collect();
            if columns[7].is_empty() {
                fields[7] = None;
            }
            fields.push(Some(wrapped));
            row(&mut out, &fields);
        }
        trailer(&mut out);
        out
    }

    /// Reads a copy stream delivered in `chunks` as the PostgreSQL path
    /// does, and opens it.
    fn read_copy(keys: &KeyRing, chunks: &[&[u8]]) -> Result<Vec<AccountingEntry>, StoreError> {
        let mut rows = CopyRows::<COLUMNS>::new("accounting copy");
        let mut chunker = Chunker::new(keys);
        let mut out = Vec::new();
        for bytes in chunks {
            rows.feed(bytes, &mut |fields| {
                if let Some(chunk) = chunker.push(&RawRow::from_copy(fields)?)? {
                    open_chunk(&chunk, &mut out)?;
                }
                Ok(())
            })?;
        }
        rows.finish()?;
        open_chunk(&chunker.finish(), &mut out)?;
        Ok(in_order(vec![out]))
    }

    fn expected(n: usize) -> AccountingEntry {
        AccountingEntry {
            id: format!("acc-{n:05}"),
            disclosure_id: Some(format!("dis-{n}")),
            disclosed_on: Date::parse(&format!("2025-{:02}-{:02}", 1 + n % 12, 1 + n % 28)).unwrap(),
            recipient_kind: RecipientKind::PublicHealthAuthority,
            recipient_name: (!n.is_multiple_of(3)).then(|| format!("Agency \"{n}\"")),
            recipient_address: Some("1 Main St".into()),
            purpose: Purpose::PublicHealth,
            categories: vec![Category::Diagnosis, Category::Medications],
            cites: vec!["45 CFR 164.512(b)(1)(i)".into(), "42 CFR 2.53".into()],
            description: "Diagnosis".into(),
            statement: format!("Public health, case {n}."),
            corrects: (n.is_multiple_of(3) && n > 0).then(|| format!("acc-{:05}", n - 1)),
            corrected_by: (n % 3 == 2).then(|| format!("acc-{:05}", n + 1)),
            audit_seq: n as u64,
        }
    }

    #[test]
    fn the_details_associated_data_is_the_fields() {
        assert_eq!(format!("{DETAILS_AAD}acc-1"), field_aad("accounting_entries", "details", "acc-1"));
    }

    #[test]
    fn copied_rows_open_into_the_entries_in_the_accountings_order() {
        let (keys, key, wrapped) = keys();
        let rows: Vec<_> = (0..6).map(|n| stored(n, &key)).collect();
        let read = read_copy(&keys, &[&copy_of(&rows, &wrapped)]).unwrap();
        let mut want: Vec<AccountingEntry> = (0..6).map(expected).collect();
        // Nothing corrects the last entry here.
        want[5].corrected_by = None;
        want.sort_by(|a, b| (a.disclosed_on, &a.id).cmp(&(b.disclosed_on, &b.id)));
        assert_eq!(read, want);
    }

    #[test]
    fn a_copy_split_at_every_byte_reads_the_same() {
        let (keys, key, wrapped) = keys();
        let rows: Vec<_> = (0..3).map(|n| stored(n, &key)).collect();
        let whole = copy_of(&rows, &wrapped);
        let once = read_copy(&keys, &[&whole]).unwrap();
        for cut in 0..=whole.len() {
            let (a, b) = whole.split_at(cut);
            assert_eq!(read_copy(&keys, &[a, b]).unwrap(), once, "cut at {cut}");
        }
    }

    #[test]
    fn many_rows_opened_on_several_threads_are_all_there_once_in_order() {
        let (keys, key, wrapped) = keys();
        let count = CHUNK_ROWS * 4 + 7;
        let rows: Vec<Vec<Vec<u8>>> = (0..count).map(|n| stored(n, &key)).collect();
        let raws = rows.iter().map(|c| RawRow {
            id: &c[0],
            disclosure_id: Some(&c[1]),
            disclosed_on: &c[2],
            recipient_kind: &c[3],
            purpose: &c[4],
            categories: &c[5],
            cites: &c[6],
            corrects: (!c[7].is_empty()).then_some(c[7].as_slice()),
            details: &c[8],
            audit_seq: int8(&c[9]).unwrap(),
            data_key_id: &c[10],
            recorded_at: int8(&c[11]).unwrap(),
            kek_id: Some(&c[12]),
            wrapped: Some(&wrapped),
        });
        let read = in_order(open_rows(&keys, raws).unwrap());
        let mut want: Vec<AccountingEntry> = (0..count).map(expected).collect();
        want.sort_by(|a, b| {
            (a.disclosed_on, 1_700_000_000 + (a.audit_seq % 5), &a.id).cmp(&(b.disclosed_on, 1_700_000_000 + (b.audit_seq % 5), &b.id))
        });
        // The last entry corrects the one before, but nothing corrects it.
        let last = want.iter_mut().find(|e| e.audit_seq == count as u64 - 1).unwrap();
        last.corrected_by = None;
        assert_eq!(read.len(), count);
        assert_eq!(read, want);
    }

    #[test]
    fn runs_merge_into_the_order_one_sorted_list_has_whatever_their_split() {
        let (keys, key, wrapped) = keys();
        let whole = read_copy(&keys, &[&copy_of(&(0..40).map(|n| stored(n, &key)).collect::<Vec<_>>(), &wrapped)]).unwrap();
        // The same entries opened as three unsorted runs of uneven length,
        // an empty one among them, as threads would hand them over.
        let opened = |range: std::ops::Range<usize>| -> Run {
            let mut out = Vec::new();
            let rows: Vec<_> = range.rev().map(|n| stored(n, &key)).collect();
            let mut copy = CopyRows::<COLUMNS>::new("accounting copy");
            let mut chunker = Chunker::new(&keys);
            copy.feed(&copy_of(&rows, &wrapped), &mut |fields| {
                assert!(chunker.push(&RawRow::from_copy(fields)?)?.is_none());
                Ok(())
            })
            .unwrap();
            open_chunk(&chunker.finish(), &mut out).unwrap();
            out
        };
        let merged = in_order(vec![opened(25..40), Vec::new(), opened(0..3), opened(3..25)]);
        assert_eq!(merged, whole);
    }

    /// The first row of a copy of one stored row after `damage`.
    fn read_damaged(damage: impl FnOnce(&mut Vec<Vec<u8>>, &mut Vec<u8>)) -> Result<Vec<AccountingEntry>, StoreError> {
        let (keys, key, mut wrapped) = keys();
        let mut columns = stored(1, &key);
        damage(&mut columns, &mut wrapped);
        read_copy(&keys, &[&copy_of(&[columns], &wrapped)])
    }

    fn corrupt_about(result: Result<Vec<AccountingEntry>, StoreError>, about: &str) {
        match result {
            Err(StoreError::Corrupt { what }) => assert!(what.contains(about), "{what}"),
            other => panic!("expected a corrupt {about}, got {other:?}"),
        }
    }

    #[test]
    fn a_damaged_stored_row_is_a_typed_error_naming_what_is_wrong() {
        corrupt_about(read_damaged(|c, _| c[0] = vec![0xff, 0xfe]), "id is not UTF-8 text");
        corrupt_about(read_damaged(|c, _| c[2] = b"2025-13-40".to_vec()), "disclosed_on");
        corrupt_about(read_damaged(|c, _| c[3] = b"astrologer".to_vec()), "recipient kind");
        corrupt_about(read_damaged(|c, _| c[4] = b"curiosity".to_vec()), "purpose");
        corrupt_about(read_damaged(|c, _| c[5] = b"diagnosis,horoscope".to_vec()), "categories");
        corrupt_about(read_damaged(|c, _| c[9] = vec![1, 2, 3]), "audit_seq is not a BIGINT");
        corrupt_about(read_damaged(|c, _| c[12] = vec![0xc3]), "kek_id is not UTF-8 text");
        // A data key row that is missing (the LEFT JOIN gives NULLs).
        let (keys, key, _) = keys();
        let mut stream = header();
        let columns = stored(1, &key);
        let mut fields: Vec<Option<&[u8]>> = columns.iter().map(|c| Some(c.as_slice())).collect();
        fields[7] = None;
        fields[12] = None;
        fields.push(None);
        row(&mut stream, &fields);
        trailer(&mut stream);
        corrupt_about(read_copy(&keys, &[&stream]), "data key `dk-1`");
        // A NULL where the schema forbids one.
        let mut stream = header();
        let mut fields: Vec<Option<&[u8]>> = columns.iter().map(|c| Some(c.as_slice())).collect();
        fields[2] = None;
        fields.push(Some(b"x"));
        row(&mut stream, &fields);
        trailer(&mut stream);
        corrupt_about(read_copy(&keys, &[&stream]), "disclosed_on is NULL");
        // A row of the wrong width.
        let mut stream = header();
        row(&mut stream, &[Some(b"acc-1")]);
        trailer(&mut stream);
        corrupt_about(read_copy(&keys, &[&stream]), "a row of 1 columns");
    }

    #[test]
    fn details_that_do_not_open_or_do_not_parse_are_errors_not_panics() {
        // Sealed for another row (the AAD names the row): the AEAD refuses.
        let read = read_damaged(|c, _| c[0] = b"acc-other".to_vec());
        assert!(matches!(read, Err(StoreError::Crypto { .. })), "{read:?}");
        // Wrapped by another KEK of the same id: the unwrap refuses.
        let read = read_damaged(|_, wrapped| *wrapped = Kek::generate("kek-1").wrap("dk-1", &DataKey::generate()).unwrap());
        assert!(matches!(read, Err(StoreError::Crypto { .. })), "{read:?}");
        // Opened, but not the details' JSON.
        let (keys, key, wrapped) = keys();
        for plain in [&b"not json"[..], b"{\"recipient_name\": 7}", b""] {
            let mut columns = stored(1, &key);
            columns[8] = key.seal(&field_aad("accounting_entries", "details", "acc-00001"), plain).unwrap();
            corrupt_about(read_copy(&keys, &[&copy_of(&[columns], &wrapped)]), "acc-00001` details");
        }
    }
}
