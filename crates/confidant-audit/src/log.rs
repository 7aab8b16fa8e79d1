//! Whole-log audits: recompute the tree from the stored entries and check it
//! against every signed tree head, and find the first entry whose stored
//! hash no longer matches its bytes. This is the core of `audit verify`.

use crate::hash::{Hash, LeafHash};
use crate::head::{LogVerifyingKey, SignedTreeHead, TreeHead};
use crate::nodes::Frontier;

/// The first thing found wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// A tree head whose signature does not verify under the log key: it was
    /// altered, replaced, or signed by someone else.
    #[error("signed tree head #{position} (size {size}) has a bad signature")]
    BadSignature {
        /// Position of the head in the list given.
        position: usize,
        /// The size the head claims.
        size: u64,
    },
    /// The log's root at a signed size differs from the signed root: an
    /// entry at or before that size was changed, removed, reordered or
    /// inserted after the head was signed.
    #[error(
        "log root at size {size} is {}, but signed tree head #{position} says {}",
        hex::encode(.log_root),
        hex::encode(.head_root)
    )]
    HeadMismatch {
        /// Position of the head in the list given.
        position: usize,
        /// The size both roots are for.
        size: u64,
        /// Root the head signed.
        head_root: Hash,
        /// Root recomputed from the log.
        log_root: Hash,
    },
    /// A signed head covers more entries than the log holds: its tail was
    /// truncated.
    #[error("signed tree head #{position} covers {head_size} entries but the log has {log_size}")]
    HeadBeyondLog {
        /// Position of the head in the list given.
        position: usize,
        /// The size the head claims.
        head_size: u64,
        /// Entries in the log.
        log_size: u64,
    },
    /// An entry whose stored leaf hash is not the hash of its bytes.
    #[error("entry {index}: stored leaf hash {stored} but its bytes hash to {recomputed}")]
    LeafMismatch {
        /// Zero-based index of the entry.
        index: u64,
        /// The hash kept in storage.
        stored: LeafHash,
        /// The hash of the entry's bytes.
        recomputed: LeafHash,
    },
    /// Stored leaf hashes and entries differ in number.
    #[error("{stored} stored leaf hashes but {recomputed} entries")]
    LeafCountMismatch {
        /// Stored leaf hashes.
        stored: u64,
        /// Entries the hashes were recomputed from.
        recomputed: u64,
    },
}

/// What a successful [`verify_log`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedLog {
    /// Entries in the log.
    pub size: u64,
    /// Root over all of them.
    pub root: Hash,
    /// Signed tree heads checked.
    pub heads_checked: usize,
}

/// Recomputes the log's tree from `leaves` (in log order) and checks every
/// signed tree head against it: its signature under `key`, then the root at
/// its size.
///
/// Signatures are checked first, in list order. Roots are then checked in
/// order of size, so the error names the earliest point in the log that
/// disagrees with what was signed; a head larger than the log is reported
/// after every smaller head has matched.
///
/// Streams the leaves keeping only O(log n) hashes, so a log of any length
/// is checked in constant memory.
pub fn verify_log<I>(leaves: I, heads: &[SignedTreeHead], key: &LogVerifyingKey) -> Result<VerifiedLog, LogError>
where
    I: IntoIterator<Item = LeafHash>,
{
    for (position, signed) in heads.iter().enumerate() {
        signed.verify(key).map_err(|_| LogError::BadSignature { position, size: signed.head.size })?;
    }
    // Stable sort: heads of equal size keep their list order.
    let mut by_size: Vec<(usize, TreeHead)> = heads.iter().map(|signed| signed.head).enumerate().collect();
    by_size.sort_by_key(|(_, head)| head.size);
    let mut pending = by_size.into_iter().peekable();

    let mut frontier = Frontier::default();
    let mut leaves = leaves.into_iter();
    loop {
        // Check every head whose size the log has reached.
        while let Some((position, head)) = pending.next_if(|(_, h)| h.size == frontier.size()) {
            let log_root = frontier.root();
            if log_root != head.root {
                return Err(LogError::HeadMismatch { position, size: head.size, head_root: head.root, log_root });
            }
        }
        match leaves.next() {
            Some(leaf) => frontier.push(leaf),
            None => break,
        }
    }
    if let Some((position, head)) = pending.next() {
        return Err(LogError::HeadBeyondLog { position, head_size: head.size, log_size: frontier.size() });
    }
    Ok(VerifiedLog { size: frontier.size(), root: frontier.root(), heads_checked: heads.len() })
}

/// Compares the leaf hashes kept in storage with those recomputed from the
/// entries' bytes, and names the first entry that differs. Returns the
/// number of entries when all match.
pub fn check_leaf_hashes<S, R>(stored: S, recomputed: R) -> Result<u64, LogError>
where
    S: IntoIterator<Item = LeafHash>,
    R: IntoIterator<Item = LeafHash>,
{
    let mut stored = stored.into_iter();
    let mut recomputed = recomputed.into_iter();
    let mut index = 0u64;
    loop {
        match (stored.next(), recomputed.next()) {
            (Some(s), Some(r)) if s == r => index += 1,
            (Some(s), Some(r)) => {
                return Err(LogError::LeafMismatch { index, stored: s, recomputed: r });
            }
            (None, None) => return Ok(index),
            (Some(_), None) => {
                return Err(LogError::LeafCountMismatch { stored: index + 1 + stored.count() as u64, recomputed: index });
            }
            (None, Some(_)) => {
                return Err(LogError::LeafCountMismatch { stored: index, recomputed: index + 1 + recomputed.count() as u64 });
            }
        }
    }
}
