//! PostgreSQL's accounting read: one `COPY (SELECT …) TO STDOUT (FORMAT
//! binary)` whose stream is split into rows as it arrives (`pg_copy.rs`),
//! the chunks opened on the blocking pool meanwhile.

use std::sync::mpsc::{Sender, channel};

use futures_util::TryStreamExt;

use super::{COLUMNS, Chunk, Chunker, ENTRIES_ALONE, ENTRIES_OF_CLIENT, RawRow, Run, null, open_all};
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::pg_copy::{CopyRows, int8};
use crate::vault::{corrupt, is_plain_id};

impl<'a> RawRow<'a> {
    /// A row of a binary copy of [`ENTRIES_OF_CLIENT`].
    pub(crate) fn from_copy(fields: &crate::pg_copy::Fields<'a, COLUMNS>) -> Result<RawRow<'a>, StoreError> {
        let [id, disclosure_id, disclosed_on, kind, purpose, categories, cites, corrects, details, seq, key_id, at, kek_id, wrapped] =
            *fields;
        let integer = |value: Option<&[u8]>, column: &str| {
            int8(value.ok_or_else(|| null(column))?).ok_or_else(|| corrupt(format!("accounting entry: {column} is not a BIGINT")))
        };
        Ok(RawRow {
            id: id.ok_or_else(|| null("id"))?,
            disclosure_id,
            disclosed_on: disclosed_on.ok_or_else(|| null("disclosed_on"))?,
            recipient_kind: kind.ok_or_else(|| null("recipient_kind"))?,
            purpose: purpose.ok_or_else(|| null("purpose"))?,
            categories: categories.ok_or_else(|| null("categories"))?,
            cites: cites.ok_or_else(|| null("cites"))?,
            corrects,
            details: details.ok_or_else(|| null("details"))?,
            audit_seq: integer(seq, "audit_seq")?,
            data_key_id: key_id.ok_or_else(|| null("data_key_id"))?,
            recorded_at: integer(at, "recorded_at")?,
            kek_id,
            wrapped,
        })
    }

    /// A row of a binary copy of [`ENTRIES_OF_CLIENT`] or, without the
    /// key's columns, of [`ENTRIES_ALONE`].
    pub(crate) fn from_copy_fields<const N: usize>(fields: &crate::pg_copy::Fields<'a, N>) -> Result<RawRow<'a>, StoreError> {
        let mut all: crate::pg_copy::Fields<'a, COLUMNS> = [None; COLUMNS];
        for (to, from) in all.iter_mut().zip(fields.iter()) {
            *to = *from;
        }
        RawRow::from_copy(&all)
    }
}

/// Reads a client's entries with one binary copy on a connection of
/// `pool`, handing chunks to openers on the blocking pool as the stream
/// arrives. `None` when the id cannot be a literal of the copy (COPY takes
/// no parameters); the caller then reads through sqlx.
///
/// In one REPEATABLE READ snapshot the client's own key is read first and
/// the entries are copied without their keys ([`ENTRIES_ALONE`]): every
/// entry written since entries were sealed per client is under that key,
/// and joining each of 10k rows with `data_keys` was a third of the
/// server's time for the copy. A client with entries under keys of their
/// own (written before) is read again in the same snapshot with the join
/// ([`ENTRIES_OF_CLIENT`]).
pub(crate) async fn read_postgres(pool: &sqlx::PgPool, client_id: &str, keys: &KeyRing) -> Result<Option<Vec<Run>>, StoreError> {
    if !is_plain_id(client_id) {
        return Ok(None);
    }
    // The id is checked above to hold only letters, digits, `-`, `_` and
    // `.`, so it cannot end the literal.
    let copy_of = |select: &str| format!("COPY ({}) TO STDOUT (FORMAT binary)", select.replace("$1", &format!("'{client_id}'")));
    let mut conn = pool.acquire().await?;
    let read = read_in_snapshot(&mut conn, client_id, keys, &copy_of(ENTRIES_ALONE), &copy_of(ENTRIES_OF_CLIENT)).await;
    if read.is_err() {
        // A copy stopped part-way leaves the connection mid-protocol.
        conn.close_on_drop();
    }
    read.map(Some)
}

/// [`read_postgres`] on `conn`: `alone` and `joined` the copies of
/// [`ENTRIES_ALONE`] and [`ENTRIES_OF_CLIENT`].
async fn read_in_snapshot(
    conn: &mut sqlx::PgConnection,
    client_id: &str,
    keys: &KeyRing,
    alone: &str,
    joined: &str,
) -> Result<Vec<Run>, StoreError> {
    let mut tx = sqlx::Connection::begin_with(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    let client_key: Option<(String, String, Vec<u8>)> = sqlx::query_as(CLIENT_KEY).bind(client_id).fetch_optional(&mut *tx).await?;
    if let Some(client_key) = client_key
        && let Some(runs) = copy_and_open::<ALONE_COLUMNS>(&mut tx, alone, keys, Some(&client_key)).await?
    {
        tx.commit().await?;
        return Ok(runs);
    }
    // Without a client key every row brings its own, so this copy is read
    // whole.
    let runs = copy_and_open::<COLUMNS>(&mut tx, joined, keys, None).await?.ok_or_else(|| corrupt("accounting copy"))?;
    tx.commit().await?;
    Ok(runs)
}

/// Streams the copy `sql` ([`copy_chunks`]) while openers on the blocking
/// pool open its chunks; `None` when a row named a key other than
/// `client_key`.
async fn copy_and_open<const N: usize>(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    keys: &KeyRing,
    client_key: Option<&(String, String, Vec<u8>)>,
) -> Result<Option<Vec<Run>>, StoreError> {
    let (send, queue) = channel::<Chunk>();
    let opening = tokio::task::spawn_blocking(move || open_all(queue));
    let read = copy_chunks::<N>(conn, sql, keys, client_key, send).await;
    let opened = opening.await.map_err(StoreError::ReadTask)?;
    if !read? {
        return Ok(None);
    }
    opened.map(Some)
}

/// A client's data key: its id, KEK id and wrapped bytes.
const CLIENT_KEY: &str =
    "SELECT c.data_key_id, d.kek_id, d.wrapped FROM clients c JOIN data_keys d ON d.id = c.data_key_id WHERE c.id = $1";

/// How many columns [`ENTRIES_ALONE`] reads.
const ALONE_COLUMNS: usize = COLUMNS - 2;

/// Streams the copy `sql` of `N`-column rows ([`ENTRIES_OF_CLIENT`]'s, or
/// [`ENTRIES_ALONE`]'s with `client_key` the one key they may name),
/// splitting it into rows and sending full chunks (and the last) to
/// `send`. `false` when a row named a key other than `client_key`: the
/// copy is then left unread (the connection drains it before its next
/// statement) and the caller reads the rows with their keys.
async fn copy_chunks<const N: usize>(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    keys: &KeyRing,
    client_key: Option<&(String, String, Vec<u8>)>,
    send: Sender<Chunk>,
) -> Result<bool, StoreError> {
    let mut stream = conn.copy_out_raw(sql).await?;
    let mut rows = CopyRows::<N>::new("accounting copy");
    let mut chunker = Chunker::new(keys);
    let mut full = Vec::new();
    let mut other_key = false;
    while let Some(bytes) = stream.try_next().await? {
        let fed = rows.feed(&bytes, &mut |fields| {
            let row = RawRow::from_copy_fields(fields)?;
            let pushed = match client_key {
                None => chunker.push(&row)?,
                Some((id, kek_id, wrapped)) => {
                    let mut lookup = |key_id: &str| -> Result<Option<(String, Vec<u8>)>, StoreError> {
                        if key_id == id {
                            return Ok(Some((kek_id.clone(), wrapped.clone())));
                        }
                        other_key = true;
                        Ok(None)
                    };
                    chunker.push_looking_up(&row, Some(&mut lookup))?
                }
            };
            if let Some(chunk) = pushed {
                full.push(chunk);
            }
            Ok(())
        });
        if other_key {
            // Read to its end: sqlx does not drain a copy left unread.
            while stream.try_next().await?.is_some() {}
            return Ok(false);
        }
        fed?;
        for chunk in full.drain(..) {
            if send.send(chunk).is_err() {
                // The openers stopped on an error, which they report.
                return Ok(true);
            }
        }
    }
    rows.finish()?;
    let _ = send.send(chunker.finish());
    Ok(true)
}
