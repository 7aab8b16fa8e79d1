//! PostgreSQL's binary copy format, read as it streams in: the row source of
//! `audit verify` (`audit/pg_pages.rs`) and of the accounting of disclosures
//! (`accounting_read.rs`).
//!
//! `COPY (SELECT …) TO STDOUT (FORMAT binary)` sends a signature and a
//! header, then each row as its count of fields and each field as its
//! length (-1: NULL) and its bytes in PostgreSQL's binary send format
//! (big-endian integers, text as UTF-8, bytea as is), then a trailer of -1.
//! Read as ordinary rows through sqlx, each row becomes a row object whose
//! columns are type-checked as they are taken; here the fields are handed
//! over as slices of the stream's own bytes.

use crate::error::StoreError;
use crate::vault::corrupt;

/// The columns of one row (`None`: NULL).
pub(crate) type Fields<'a, const N: usize> = [Option<&'a [u8]>; N];

/// The start of every binary copy (PostgreSQL's documented signature).
pub(crate) const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Splits a binary copy stream of `N`-column rows, arriving in chunks cut
/// anywhere, into rows. `what` names the copy in errors (`audit copy`).
pub(crate) struct CopyRows<const N: usize> {
    what: &'static str,
    /// Bytes of a row (or of the header) not complete yet.
    pending: Vec<u8>,
    header_read: bool,
    ended: bool,
}

impl<const N: usize> CopyRows<N> {
    /// A reader of a copy named `what` in errors.
    pub(crate) fn new(what: &'static str) -> CopyRows<N> {
        CopyRows { what, pending: Vec::new(), header_read: false, ended: false }
    }

    /// Takes the next chunk and hands every row it completes to `row`.
    pub(crate) fn feed(&mut self, chunk: &[u8], row: &mut dyn FnMut(&Fields<'_, N>) -> Result<(), StoreError>) -> Result<(), StoreError> {
        // The common case, a chunk that starts on a row, is read in place.
        if self.pending.is_empty() {
            let at = self.rows(chunk, row)?;
            self.pending.extend_from_slice(chunk.get(at..).unwrap_or_default());
        } else {
            let mut pending = std::mem::take(&mut self.pending);
            pending.extend_from_slice(chunk);
            let at = self.rows(&pending, row)?;
            pending.drain(..at);
            self.pending = pending;
        }
        Ok(())
    }

    /// Hands every whole row at the start of `bytes` to `row`; returns how
    /// many bytes they (and the header or trailer) took.
    fn rows(&mut self, bytes: &[u8], row: &mut dyn FnMut(&Fields<'_, N>) -> Result<(), StoreError>) -> Result<usize, StoreError> {
        let mut at = 0;
        let mut fields: Fields<'_, N> = [None; N];
        loop {
            let rest = bytes.get(at..).unwrap_or_default();
            if !self.header_read {
                match header_len(rest, self.what)? {
                    Some(len) => {
                        at += len;
                        self.header_read = true;
                        continue;
                    }
                    None => break,
                }
            }
            if rest.is_empty() {
                break;
            }
            if self.ended {
                return Err(corrupt(format!("{}: data after its end", self.what)));
            }
            match next_row(rest, &mut fields, self.what)? {
                Some(Next::Row(len)) => {
                    row(&fields)?;
                    at += len;
                }
                Some(Next::End) => {
                    at += 2;
                    self.ended = true;
                }
                None => break,
            }
        }
        Ok(at)
    }

    /// Checks that the stream ended where a copy ends.
    pub(crate) fn finish(&self) -> Result<(), StoreError> {
        if self.ended && self.pending.is_empty() { Ok(()) } else { Err(corrupt(format!("{}: a stream cut short", self.what))) }
    }
}

/// The length of the copy header at the start of `bytes`, or `None` when
/// more bytes are needed.
pub(crate) fn header_len(bytes: &[u8], what: &str) -> Result<Option<usize>, StoreError> {
    let Some(signature) = bytes.get(..SIGNATURE.len()) else { return Ok(None) };
    if signature != SIGNATURE {
        return Err(corrupt(format!("{what}: not a binary copy")));
    }
    // Flags (4 bytes), then the header extension's length and the extension.
    let Some(extension) = be_u32(bytes, SIGNATURE.len() + 4) else { return Ok(None) };
    let len = SIGNATURE.len() + 8 + extension as usize;
    Ok((bytes.len() >= len).then_some(len))
}

/// What starts a copy stream's next bytes.
enum Next {
    /// A whole row of this many bytes, its columns written to the fields.
    Row(usize),
    /// The trailer.
    End,
}

/// Reads the row at the start of `bytes` into `fields`; `None` when the
/// row is not complete yet.
fn next_row<'a, const N: usize>(bytes: &'a [u8], fields: &mut Fields<'a, N>, what: &str) -> Result<Option<Next>, StoreError> {
    let Some(count) = bytes.get(..2).and_then(|b| <[u8; 2]>::try_from(b).ok()) else { return Ok(None) };
    let count = i16::from_be_bytes(count);
    if count == -1 {
        return Ok(Some(Next::End));
    }
    if usize::try_from(count).ok() != Some(N) {
        return Err(corrupt(format!("{what}: a row of {count} columns")));
    }
    let mut at = 2;
    for field in fields.iter_mut() {
        let Some(len) = be_u32(bytes, at) else { return Ok(None) };
        at += 4;
        if len == u32::MAX {
            *field = None;
            continue;
        }
        let Some(value) = bytes.get(at..at + len as usize) else { return Ok(None) };
        *field = Some(value);
        at += len as usize;
    }
    Ok(Some(Next::Row(at)))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A BIGINT in the binary format.
pub(crate) fn int8(bytes: &[u8]) -> Option<i64> {
    Some(i64::from_be_bytes(bytes.try_into().ok()?))
}

/// Test helpers: streams written as PostgreSQL writes them.
#[cfg(test)]
pub(crate) mod writing {
    use super::SIGNATURE;

    /// The signature, flags and a header extension of three bytes.
    pub(crate) fn header() -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&3u32.to_be_bytes());
        out.extend_from_slice(b"ext");
        out
    }

    /// One field: its length and bytes, or -1 for NULL.
    pub(crate) fn field(out: &mut Vec<u8>, value: Option<&[u8]>) {
        match value {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(v) => {
                out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                out.extend_from_slice(v);
            }
        }
    }

    /// A row of `fields`.
    pub(crate) fn row(out: &mut Vec<u8>, fields: &[Option<&[u8]>]) {
        out.extend_from_slice(&(fields.len() as i16).to_be_bytes());
        for value in fields {
            field(out, *value);
        }
    }

    /// The trailer.
    pub(crate) fn trailer(out: &mut Vec<u8>) {
        out.extend_from_slice(&(-1i16).to_be_bytes());
    }
}
