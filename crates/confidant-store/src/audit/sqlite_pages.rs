//! The SQLite row source of `audit verify`: the same pages as the native
//! reader in `verify.rs`, read through SQLite's own library on a thread of
//! the blocking pool. sqlx's SQLite driver hands each row from its
//! connection thread over a channel; here each row is stepped, its columns
//! borrowed in place and hashed into its commitment without a copy.

use std::collections::HashMap;
use std::path::Path;

use confidant_audit::{Hash, TILE_WIDTH};
use tokio::sync::mpsc;

use super::verify::Page;
use super::{ENTRY_COLUMNS, PAGE, entry_bytes};
use crate::error::StoreError;
use crate::sqlite_reads::{blob, integer, open_read_connection, text, text_or_null};

/// Reads the log at `path` page by page and sends the pages to the checker;
/// stops after the first empty page or when the checker hangs up. Blocks:
/// run it on the blocking pool.
pub(super) fn read_pages(path: &Path, out: &mpsc::Sender<Result<Page, StoreError>>) {
    if let Err(e) = read_all(path, out) {
        let _ = out.blocking_send(Err(e));
    }
}

fn read_all(path: &Path, out: &mpsc::Sender<Result<Page, StoreError>>) -> Result<(), StoreError> {
    // No memory map: it would leave every page of the file resident in
    // this process; read(2) into SQLite's small page cache instead. The
    // connection is closed at the end, not kept.
    let conn = open_read_connection(path, 0)?;
    let entries_sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq");
    let mut bundles_of = conn.prepare("SELECT idx, entries FROM audit_bundles WHERE idx >= $1 AND idx < $2")?;
    let mut level0_of = conn.prepare("SELECT idx, hashes FROM audit_tiles WHERE level = 0 AND idx >= $1 AND idx < $2")?;
    let mut entries_of = conn.prepare(&entries_sql)?;
    let mut next_of = conn.prepare("SELECT MIN(seq) FROM audit_entries WHERE seq >= $1")?;
    let tiles_per_page = PAGE / TILE_WIDTH as i64;
    let mut from: i64 = 0;
    loop {
        let first_tile = from / TILE_WIDTH as i64;
        let tiles = |statement: &mut rusqlite::Statement<'_>| -> Result<HashMap<u64, Vec<u8>>, StoreError> {
            let mut rows = statement.query([first_tile, first_tile + tiles_per_page])?;
            let mut out = HashMap::new();
            while let Some(row) = rows.next()? {
                out.insert(integer(row, 0)? as u64, blob(row, 1)?.to_vec());
            }
            Ok(out)
        };
        let bundles = tiles(&mut bundles_of)?;
        let level0 = tiles(&mut level0_of)?;
        let mut entries = Vec::with_capacity(PAGE as usize);
        {
            let mut rows = entries_of.query([from, from + PAGE])?;
            while let Some(row) = rows.next()? {
                let seq = integer(row, 0)? as u64;
                entries.push((seq, commitment(row).map_err(|e| e.to_string())));
            }
        }
        let beyond = if entries.is_empty() {
            // Anything stored beyond a gap of a whole page is still a gap.
            let next: Option<i64> = next_of.query_row([from], |row| row.get(0))?;
            next.map(|n| n as u64)
        } else {
            None
        };
        let last = entries.is_empty();
        if out.blocking_send(Ok(Page { entries, bundles, level0, beyond })).is_err() || last {
            return Ok(());
        }
        from += PAGE;
    }
}

/// The commitment to an entry row (columns in [`ENTRY_COLUMNS`] order).
fn commitment(row: &rusqlite::Row<'_>) -> Result<Hash, rusqlite::Error> {
    let bytes = entry_bytes(
        integer(row, 0)? as u64,
        integer(row, 1)?,
        text(row, 2)?,
        text_or_null(row, 3)?,
        text_or_null(row, 4)?,
        text(row, 5)?,
        integer(row, 6)? != 0,
        text(row, 7)?,
        blob(row, 8)?,
    );
    Ok(confidant_audit::entry_commitment(&bytes))
}
