//! The PostgreSQL row source of `audit verify`: the same pages as SQLite's
//! (`sqlite_pages.rs`), each page's events read with one
//! `COPY (SELECT …) TO STDOUT (FORMAT binary)` and hashed straight from the
//! copy stream. Read as ordinary rows, sqlx builds a row object per event
//! and checks each column's type as it is taken: `perf` put that at about
//! a third of the reader's time. The stream is split into rows by
//! `pg_copy.rs`.

use std::collections::HashMap;

use confidant_audit::{CommitmentHasher, Hash, TILE_WIDTH};
use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnection, PgPool};
use tokio::sync::mpsc;

use super::verify::Page;
use super::{ENTRY_COLUMNS, PAGE, encode_entry};
use crate::error::StoreError;
use crate::pg_copy::{CopyRows, int8};
use crate::vault::corrupt;

/// Reads the log page by page on one connection of `pool` and sends the
/// pages to the checker; stops after the first empty page or when the
/// checker hangs up. Runs as a task of its own, beside the tree's
/// rebuilding.
///
/// Two stages, so that reading overlaps hashing: this task only moves
/// bytes (each page's binary copy, whole, with its tiles), and a thread of
/// the blocking pool splits the copies into rows and hashes each event
/// into its commitment. At most [`RAW_AHEAD`] copies wait between the two
/// (a few megabytes each), so memory stays bounded whatever the log's size.
pub(super) async fn read_pages(pool: PgPool, out: mpsc::Sender<Result<Page, StoreError>>) {
    let (send, raw) = mpsc::channel(RAW_AHEAD);
    let hasher = tokio::task::spawn_blocking(move || hash_pages(raw, &out));
    if let Err(e) = read_all(&pool, &send).await {
        let _ = send.send(Err(e)).await;
    }
    drop(send);
    let _ = hasher.await;
}

/// Raw pages read ahead of the hashing thread.
const RAW_AHEAD: usize = 2;

/// One page as read, before hashing: its events' binary copy, whole, and
/// its bundles and level-0 tiles.
struct RawPage {
    copy: Vec<u8>,
    bundles: HashMap<u64, Vec<u8>>,
    level0: HashMap<u64, Vec<u8>>,
    /// For a copy with no rows: the first stored sequence beyond it.
    beyond: Option<u64>,
}

async fn read_all(pool: &PgPool, out: &mpsc::Sender<Result<RawPage, StoreError>>) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?;
    let tiles_per_page = PAGE / TILE_WIDTH as i64;
    let mut from: i64 = 0;
    let mut capacity = 0;
    loop {
        let first_tile = from / TILE_WIDTH as i64;
        let bundles: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, entries FROM audit_bundles WHERE idx >= $1 AND idx < $2")
            .bind(first_tile)
            .bind(first_tile + tiles_per_page)
            .fetch_all(&mut *conn)
            .await?;
        let level0: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, hashes FROM audit_tiles WHERE level = 0 AND idx >= $1 AND idx < $2")
            .bind(first_tile)
            .bind(first_tile + tiles_per_page)
            .fetch_all(&mut *conn)
            .await?;
        let copy = match page_copy(&mut conn, from, capacity).await {
            Ok(copy) => copy,
            Err(e) => {
                // A copy stopped part-way may leave the connection
                // mid-protocol: it must not go back to the pool.
                conn.close_on_drop();
                return Err(e);
            }
        };
        capacity = capacity.max(copy.len());
        let last = copy_is_empty(&copy)?;
        let beyond = if last {
            // Anything stored beyond a gap of a whole page is still a gap.
            let (next,): (Option<i64>,) =
                sqlx::query_as("SELECT MIN(seq) FROM audit_entries WHERE seq >= $1").bind(from).fetch_one(&mut *conn).await?;
            next.map(|n| n as u64)
        } else {
            None
        };
        let page = RawPage {
            copy,
            bundles: bundles.into_iter().map(|(i, b)| (i as u64, b)).collect::<HashMap<_, _>>(),
            level0: level0.into_iter().map(|(i, b)| (i as u64, b)).collect::<HashMap<_, _>>(),
            beyond,
        };
        if out.send(Ok(page)).await.is_err() || last {
            return Ok(());
        }
        from += PAGE;
    }
}

/// The binary copy of the events `from..from + PAGE`, whole, in the order
/// the server finds them: no `ORDER BY`, the hashing stage sorts the page.
/// With one, PostgreSQL planned a bitmap scan of the page and a sort of its
/// ~4 MB (close to `work_mem`); the copies run on the one core the server
/// has and are the verify's critical path. `psql` put a page's copy at
/// 24-31 ms without the sort and 26-31 ms with it (1M entries, loaded
/// machine); sorting an in-order page here is one pass.
async fn page_copy(conn: &mut PgConnection, from: i64, capacity: usize) -> Result<Vec<u8>, StoreError> {
    // Two integers of ours in the text: nothing from outside is spliced in.
    let sql =
        format!("COPY (SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE seq >= {from} AND seq < {}) TO STDOUT (FORMAT binary)", from + PAGE);
    let mut stream = conn.copy_out_raw(&sql).await?;
    let mut copy = Vec::with_capacity(capacity);
    while let Some(chunk) = stream.try_next().await? {
        copy.extend_from_slice(&chunk);
    }
    Ok(copy)
}

/// Whether a whole binary copy holds no rows: its header, then at once
/// its trailer. Anything else is left to the hashing thread, which reads
/// every row or names what is wrong.
fn copy_is_empty(copy: &[u8]) -> Result<bool, StoreError> {
    let Some(header) = crate::pg_copy::header_len(copy, "audit copy")? else { return Err(corrupt("audit copy: a stream cut short")) };
    Ok(copy.get(header..) == Some(&(-1i16).to_be_bytes()[..]))
}

/// The hashing stage: each raw page's events into their commitments, sent
/// on to the checker with the page's tiles. Blocks: runs on the blocking
/// pool. Stops when the reader is done or the checker hangs up.
fn hash_pages(mut raw: mpsc::Receiver<Result<RawPage, StoreError>>, out: &mpsc::Sender<Result<Page, StoreError>>) {
    while let Some(page) = raw.blocking_recv() {
        let page = page.and_then(|raw| {
            let entries = copy_entries(&raw.copy)?;
            Ok(Page { entries, bundles: raw.bundles, level0: raw.level0, beyond: raw.beyond })
        });
        let failed = page.is_err();
        if out.blocking_send(page).is_err() || failed {
            return;
        }
    }
}

/// The events of one whole binary copy, each with its commitment (or why
/// its row could not be read), in sequence order whatever order the rows
/// came in. The checker still sees every row: a gap or a duplicate shows
/// as a sequence number out of place, as before.
fn copy_entries(copy: &[u8]) -> Result<Entries, StoreError> {
    let mut rows = CopyRows::<COLUMNS>::new("audit copy");
    let mut entries = Vec::with_capacity(PAGE as usize);
    rows.feed(copy, &mut |fields| {
        entries.push(commitment_of_fields(fields)?);
        Ok(())
    })?;
    rows.finish()?;
    // Usually in order already (an append-only heap): a single pass then.
    entries.sort_by_key(|(seq, _)| *seq);
    Ok(entries)
}

/// A page's events: each sequence number with its commitment, or why its
/// row could not be read.
type Entries = Vec<(u64, Result<Hash, String>)>;

/// The columns of one event row, in [`ENTRY_COLUMNS`] order (`None`: NULL).
type Fields<'a> = crate::pg_copy::Fields<'a, COLUMNS>;

/// How many columns [`ENTRY_COLUMNS`] names.
const COLUMNS: usize = 9;

/// An event's sequence number and its commitment, the same as
/// `commitment_of_row` computes from a row read through sqlx: a column that
/// does not read as its type makes the entry unreadable, as it does there.
fn commitment_of_fields(fields: &Fields<'_>) -> Result<(u64, Result<Hash, String>), StoreError> {
    let column = |i: usize| fields.get(i).copied().flatten();
    let seq = column(0).and_then(int8).ok_or_else(|| corrupt("audit copy: a row without its sequence number"))?;
    Ok((seq as u64, commitment(fields, seq)))
}

fn commitment(fields: &Fields<'_>, seq: i64) -> Result<Hash, String> {
    let column = |i: usize| fields.get(i).copied().flatten();
    let at_ms = column(1).and_then(int8).ok_or("at_ms: not an integer")?;
    let text = |i: usize, name: &str| -> Result<Option<&str>, String> {
        column(i).map(std::str::from_utf8).transpose().map_err(|_| format!("{name}: not UTF-8 text"))
    };
    let required = |i: usize, name: &str| text(i, name)?.ok_or_else(|| format!("{name}: NULL"));
    let kind = required(2, "kind")?;
    let actor = text(3, "actor_id")?;
    let client = text(4, "client_id")?;
    let categories = required(5, "categories")?;
    let break_glass = column(6).and_then(int8).ok_or("break_glass: not an integer")?;
    let data_key_id = required(7, "data_key_id")?;
    let details = column(8).ok_or("details: NULL")?;
    let mut hasher = CommitmentHasher::new();
    encode_entry(
        &mut |piece| hasher.update(piece),
        seq as u64,
        at_ms,
        [Some(kind), actor, client, Some(categories), Some(data_key_id)],
        break_glass != 0,
        details,
    );
    Ok(hasher.finish())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::pg_copy::SIGNATURE;
    use crate::pg_copy::writing::{field, header};

    /// A binary copy of two event rows (the second with NULL actor and
    /// client), as PostgreSQL writes one, with a header extension.
    fn stream() -> Vec<u8> {
        let mut out = header();
        for seq in [7i64, 8] {
            out.extend_from_slice(&9i16.to_be_bytes());
            field(&mut out, Some(&seq.to_be_bytes()));
            field(&mut out, Some(&1_700i64.to_be_bytes()));
            field(&mut out, Some(b"record_read"));
            field(&mut out, (seq == 7).then_some(b"st-1".as_slice()));
            field(&mut out, (seq == 7).then_some(b"cl-1".as_slice()));
            field(&mut out, Some(b"diagnosis"));
            field(&mut out, Some(&0i64.to_be_bytes()));
            field(&mut out, Some(b"dk-1"));
            field(&mut out, Some(&[1, 2, 3]));
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn expected(seq: u64, with_names: bool) -> Hash {
        let (actor, client) = if with_names { (Some("st-1"), Some("cl-1")) } else { (None, None) };
        let bytes = super::super::entry_bytes(seq, 1_700, "record_read", actor, client, "diagnosis", false, "dk-1", &[1, 2, 3]);
        confidant_audit::entry_commitment(&bytes)
    }

    fn read(chunks: &[&[u8]]) -> Result<Entries, StoreError> {
        let mut rows = CopyRows::<COLUMNS>::new("audit copy");
        let mut out = Vec::new();
        for chunk in chunks {
            rows.feed(chunk, &mut |fields| {
                out.push(commitment_of_fields(fields)?);
                Ok(())
            })?;
        }
        rows.finish()?;
        Ok(out)
    }

    #[test]
    fn copied_rows_hash_to_the_commitments_of_the_rows_read_through_sqlx() {
        let read = read(&[&stream()]).unwrap();
        assert_eq!(read, [(7, Ok(expected(7, true))), (8, Ok(expected(8, false)))]);
    }

    #[test]
    fn rows_split_across_chunks_at_every_byte_read_the_same() {
        let whole = stream();
        for cut in 0..=whole.len() {
            let (a, b) = whole.split_at(cut);
            assert_eq!(read(&[a, b]).unwrap(), read(&[&whole]).unwrap(), "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = whole.chunks(1).collect();
        assert_eq!(read(&bytes).unwrap().len(), 2);
    }

    #[test]
    fn a_stream_cut_short_or_not_a_binary_copy_is_an_error() {
        let whole = stream();
        assert!(read(&[&whole[..whole.len() - 1]]).is_err());
        assert!(read(&[b"PGCOPX\n\xff\r\n\0\0\0\0\0\0\0\0\0"]).is_err());
        let mut extra = whole.clone();
        extra.extend_from_slice(&[0, 9]);
        assert!(read(&[&extra]).is_err());
    }

    #[test]
    fn a_page_copied_out_of_order_reaches_the_checker_in_sequence_order() {
        // The same two rows as `stream()`, the later one first (the copy has
        // no ORDER BY: the server sends rows in the order it finds them).
        let mut swapped = header();
        for seq in [8i64, 7] {
            let named = seq == 7;
            crate::pg_copy::writing::row(
                &mut swapped,
                &[
                    Some(&seq.to_be_bytes()),
                    Some(&1_700i64.to_be_bytes()),
                    Some(b"record_read"),
                    named.then_some(b"st-1".as_slice()),
                    named.then_some(b"cl-1".as_slice()),
                    Some(b"diagnosis"),
                    Some(&0i64.to_be_bytes()),
                    Some(b"dk-1"),
                    Some(&[1, 2, 3]),
                ],
            );
        }
        crate::pg_copy::writing::trailer(&mut swapped);
        assert_eq!(read(&[&swapped]).unwrap()[0].0, 8);
        assert_eq!(copy_entries(&swapped).unwrap(), [(7, Ok(expected(7, true))), (8, Ok(expected(8, false)))]);
    }

    #[test]
    fn only_a_copy_of_a_header_and_its_trailer_is_empty() {
        let mut empty = SIGNATURE.to_vec();
        empty.extend_from_slice(&0u32.to_be_bytes());
        empty.extend_from_slice(&0u32.to_be_bytes());
        empty.extend_from_slice(&(-1i16).to_be_bytes());
        assert!(copy_is_empty(&empty).unwrap());
        assert!(copy_entries(&empty).unwrap().is_empty());
        assert!(!copy_is_empty(&stream()).unwrap());
        assert_eq!(copy_entries(&stream()).unwrap(), read(&[&stream()]).unwrap());
        assert!(copy_is_empty(&empty[..5]).is_err());
        // A header with nothing after it is not empty: the hashing stage
        // finds the stream cut short.
        let cut = &empty[..empty.len() - 2];
        assert!(!copy_is_empty(cut).unwrap());
        assert!(copy_entries(cut).is_err());
    }

    #[test]
    fn a_column_that_does_not_read_as_its_type_makes_only_its_entry_unreadable() {
        let mut bad = stream();
        // The first row's `kind` ("record_read", after the header and two
        // integers) gets a byte that is not UTF-8.
        let kind_at = SIGNATURE.len() + 8 + 3 + 2 + (4 + 8) * 2 + 4;
        assert_eq!(&bad[kind_at..kind_at + 6], b"record");
        bad[kind_at] = 0xff;
        let read = read(&[&bad]).unwrap();
        assert_eq!(read[0].0, 7);
        assert_eq!(read[0].1, Err("kind: not UTF-8 text".to_string()));
        assert_eq!(read[1], (8, Ok(expected(8, false))));
    }
}
