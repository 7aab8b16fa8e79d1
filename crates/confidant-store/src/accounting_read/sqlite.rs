//! SQLite's accounting read: rusqlite steps the statement on a blocking
//! thread, which hands full chunks to opener threads and, once the rows
//! are read, opens the chunks still waiting itself.

use std::sync::Mutex;
use std::sync::mpsc::channel;

use super::{COLUMNS, Chunk, Chunker, ENTRIES_ALONE, RawRow, Run, helpers, join, null, open_chunk, open_queued, sorted};
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::vault::corrupt;

/// A data key's KEK id and wrapped bytes.
const KEY_BY_ID: &str = "SELECT kek_id, wrapped FROM data_keys WHERE id = $1";

impl<'a> RawRow<'a> {
    /// A row of [`ENTRIES_OF_CLIENT`] (or, without the key's columns, of
    /// [`ENTRIES_ALONE`]) stepped by rusqlite, each column of the type
    /// sqlx's decoding would accept.
    pub(crate) fn from_sqlite(row: &'a rusqlite::Row<'a>) -> Result<RawRow<'a>, StoreError> {
        use rusqlite::types::ValueRef;
        let with_keys = row.as_ref().column_count() == COLUMNS;
        let value = |i: usize| row.get_ref(i).map_err(StoreError::from);
        let text_or_null = |i: usize, column: &str| -> Result<Option<&'a [u8]>, StoreError> {
            match value(i)? {
                ValueRef::Text(t) => Ok(Some(t)),
                ValueRef::Null => Ok(None),
                _ => Err(corrupt(format!("accounting entry: {column} is not text"))),
            }
        };
        let text = |i: usize, column: &str| text_or_null(i, column)?.ok_or_else(|| null(column));
        let blob_or_null = |i: usize, column: &str| -> Result<Option<&'a [u8]>, StoreError> {
            match value(i)? {
                ValueRef::Blob(b) => Ok(Some(b)),
                ValueRef::Null => Ok(None),
                _ => Err(corrupt(format!("accounting entry: {column} is not a blob"))),
            }
        };
        let integer = |i: usize, column: &str| match value(i)? {
            ValueRef::Integer(n) => Ok(n),
            ValueRef::Null => Err(null(column)),
            _ => Err(corrupt(format!("accounting entry: {column} is not an integer"))),
        };
        Ok(RawRow {
            id: text(0, "id")?,
            disclosure_id: text_or_null(1, "disclosure_id")?,
            disclosed_on: text(2, "disclosed_on")?,
            recipient_kind: text(3, "recipient_kind")?,
            purpose: text(4, "purpose")?,
            categories: text(5, "categories")?,
            cites: text(6, "cites")?,
            corrects: text_or_null(7, "corrects")?,
            details: blob_or_null(8, "details")?.ok_or_else(|| null("details"))?,
            audit_seq: integer(9, "audit_seq")?,
            data_key_id: text(10, "data_key_id")?,
            recorded_at: integer(11, "recorded_at")?,
            kek_id: if with_keys { text_or_null(12, "kek_id")? } else { None },
            wrapped: if with_keys { blob_or_null(13, "wrapped")? } else { None },
        })
    }
}

/// Reads [`ENTRIES_OF_CLIENT`] for `client_id` through rusqlite and opens
/// the rows: full chunks go to opener threads (started with the first
/// one), and once the rows are read this thread opens what is left beside
/// them.
pub(crate) fn read_sqlite(conn: &rusqlite::Connection, client_id: &str, keys: &KeyRing) -> Result<Vec<Run>, StoreError> {
    let mut statement = conn.prepare_cached(ENTRIES_ALONE)?;
    let mut key_by_id = conn.prepare_cached(KEY_BY_ID)?;
    let mut lookup = move |id: &str| -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let mut rows = key_by_id.query([id])?;
        let Some(row) = rows.next()? else { return Ok(None) };
        let kek_id = crate::sqlite_reads::text(row, 0).map_err(|_| corrupt(format!("data key `{id}`: kek_id is not text")))?;
        let wrapped = crate::sqlite_reads::blob(row, 1).map_err(|_| corrupt(format!("data key `{id}`: wrapped is not a blob")))?;
        Ok(Some((kek_id.to_string(), wrapped.to_vec())))
    };
    let mut rows = statement.query([client_id])?;
    let (send, queue) = channel::<Chunk>();
    let queue = Mutex::new(queue);
    std::thread::scope(|scope| {
        let mut chunker = Chunker::new(keys);
        let mut openers = Vec::new();
        let mut stopped = false;
        while let Some(row) = rows.next()? {
            let Some(full) = chunker.push_looking_up(&RawRow::from_sqlite(row)?, Some(&mut lookup))? else { continue };
            if openers.is_empty() {
                openers.extend((0..helpers()).map(|_| scope.spawn(|| open_queued(&queue, Vec::new()))));
            }
            // A send fails only when every opener has stopped on an error,
            // which their join below reports.
            if send.send(full).is_err() {
                stopped = true;
                break;
            }
        }
        let last = chunker.finish();
        let mut out = Vec::new();
        if openers.is_empty() {
            // Too few rows for a chunk of their own: opened right here.
            open_chunk(&last, &mut out)?;
            out = sorted(out);
        } else if !stopped && send.send(last).is_ok() {
            // This thread joins the openers on the chunks still queued.
            drop(send);
            out = open_queued(&queue, out)?;
        }
        join(openers, out)
    })
}
