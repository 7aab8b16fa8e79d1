//! `audit verify`: recompute the whole log from the stored events, in one
//! streaming pass that holds a page of events and their tiles at a time.
//! Each event's commitment is checked against its entry in the bundle,
//! every tile and bundle against the one rebuilt from the commitments,
//! every checkpoint (both signatures, and its root) against the tree at its
//! size, and the latest head against the witness kept outside the database.

use std::collections::{HashMap, VecDeque};

use confidant_audit::Hash;
use confidant_audit::{
    Checkpoint, LeafHash, LogVerifyingKey, SignedTreeHead, TILE_WIDTH, TileBuilder, TileData, TileId, TileKind, VerifierKey,
    bundle_entries, empty_root, partial_tiles, tiles_for_size,
};
use tokio::sync::mpsc;

use super::append::{fetch_bundle, fetch_tiles};
use super::{AuditProblem, AuditVerification, CHECKPOINT_COLUMNS, CheckpointRow, StoredCheckpoint, checkpoint_of_row};
use crate::db::{Conn, NativePool, native};
use crate::error::StoreError;
use crate::vault::Store;

/// Checkpoints read per query while walking the log.
const HEAD_PAGE: i64 = 10_000;

/// The tiles of one page of entries, and the upper levels (all of them:
/// 1/256 of the log's size).
struct Stored {
    bundles: HashMap<u64, Vec<u8>>,
    level0: HashMap<u64, Vec<u8>>,
    upper: HashMap<(u8, u64), Vec<u8>>,
}

impl Stored {
    fn get(&self, id: TileId) -> Option<&Vec<u8>> {
        match id.kind {
            TileKind::Entries => self.bundles.get(&id.index),
            TileKind::Hashes(0) => self.level0.get(&id.index),
            TileKind::Hashes(level) => self.upper.get(&(level, id.index)),
        }
    }

    /// The stored tile against the rebuilt one.
    fn check(&self, tile: &TileData) -> Option<AuditProblem> {
        let path = tile.id.path();
        match self.get(tile.id) {
            None => Some(AuditProblem::TileMissing { path }),
            Some(stored) if *stored != tile.bytes => Some(AuditProblem::TileAltered { path }),
            Some(_) => None,
        }
    }
}

/// One page of the log as read: each event's sequence number with its
/// commitment (or why its row could not be read), and the page's bundles
/// and level-0 tiles. Only commitments cross to the checker, never rows, so
/// a page costs a few hundred kilobytes whatever the events hold.
pub(super) struct Page {
    pub(super) entries: Vec<(u64, Result<Hash, String>)>,
    pub(super) bundles: HashMap<u64, Vec<u8>>,
    pub(super) level0: HashMap<u64, Vec<u8>>,
    /// For a page with no entries: the first stored sequence beyond it.
    pub(super) beyond: Option<u64>,
}

/// Pages read ahead of the checker: one being read and hashed while the
/// checker works through the one before (by `pg_pages.rs` on PostgreSQL,
/// `sqlite_pages.rs` on SQLite).
const PAGES_AHEAD: usize = 2;

/// The checkpoints in size order, a page at a time.
struct Heads<'a> {
    store: &'a Store,
    queue: VecDeque<StoredCheckpoint>,
    after: i64,
    done: bool,
}

impl Heads<'_> {
    async fn peek(&mut self) -> Result<Option<&StoredCheckpoint>, StoreError> {
        if self.queue.is_empty() && !self.done {
            let sql = format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE size > $1 ORDER BY size LIMIT {HEAD_PAGE}");
            let rows: Vec<CheckpointRow> =
                native!(&self.store.native, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(self.after).fetch_all(p).await?);
            self.done = (rows.len() as i64) < HEAD_PAGE;
            for row in rows {
                let checkpoint = checkpoint_of_row(row)?;
                self.after = checkpoint.head.head.size as i64;
                self.queue.push_back(checkpoint);
            }
        }
        Ok(self.queue.front())
    }
}

/// Checks one checkpoint's two signatures and its root against the tree.
fn check_head(checkpoint: &StoredCheckpoint, verifier: &VerifierKey, builder: &TileBuilder, from: u64) -> Option<AuditProblem> {
    let head = &checkpoint.head.head;
    if checkpoint.head.verify(verifier.key()).is_err() {
        return Some(AuditProblem::HeadSignature { size: head.size });
    }
    let body = Checkpoint { origin: verifier.name().to_string(), size: head.size, root: head.root };
    if Checkpoint::open(&body.to_note(verifier, &checkpoint.note_signature), verifier).is_err() {
        return Some(AuditProblem::CheckpointSignature { size: head.size });
    }
    (builder.root() != head.root).then_some(AuditProblem::HeadMismatch { from, to: head.size })
}

impl Store {
    /// Recomputes the whole log from its events and checks every entry,
    /// tile and bundle, every checkpoint (under `key`) and the witness
    /// head. Names the first problem found; database failures are errors.
    ///
    /// Streams: one task reads pages of events on the native driver and
    /// hashes them into commitments while this one rebuilds the tree, so
    /// memory stays at a few pages whatever the log's size.
    pub async fn verify_audit(&self, key: &LogVerifyingKey, witness: Option<&SignedTreeHead>) -> Result<AuditVerification, StoreError> {
        let recommit = {
            let mut conn = self.pool().acquire().await?;
            Self::needs_recommit(&mut conn).await?
        };
        if recommit {
            let mut report = self.verify_v1(key, witness).await?;
            if report.problem.is_none() {
                report.problem = Some(AuditProblem::NotRecommitted { size: report.size });
            }
            return Ok(report);
        }
        let verifier = VerifierKey::for_log(*key);
        let latest = self.latest().await?;
        let signed = latest.as_ref().map_or(0, |c| c.head.head.size);
        let upper_rows: Vec<(i64, i64, Vec<u8>)> =
            native!(&self.native, |p| sqlx::query_as("SELECT level, idx, hashes FROM audit_tiles WHERE level >= 1").fetch_all(p).await?);
        let mut upper = HashMap::with_capacity(upper_rows.len());
        for (level, index, hashes) in upper_rows {
            upper.insert((u8::try_from(level).unwrap_or(u8::MAX), index as u64), hashes);
        }
        let mut result = AuditVerification {
            size: 0,
            root: empty_root(),
            heads_checked: 0,
            tiles_checked: 0,
            latest: latest.map(|c| c.head),
            problem: None,
        };
        match self.walk(&verifier, upper, signed, &mut result).await? {
            Some(problem) => result.problem = Some(problem),
            None => result.problem = self.check_witness(key, witness, &result).await?,
        }
        Ok(result)
    }

    /// The streaming pass; fills `result` and returns the first problem.
    async fn walk(
        &self,
        verifier: &VerifierKey,
        upper: HashMap<(u8, u64), Vec<u8>>,
        signed: u64,
        result: &mut AuditVerification,
    ) -> Result<Option<AuditProblem>, StoreError> {
        let (send, mut pages) = mpsc::channel(PAGES_AHEAD);
        let reader = match &self.sqlite_reads {
            // SQLite: read through its own library (`sqlite_pages.rs`).
            Some(reads) => {
                let path = reads.path().to_path_buf();
                tokio::task::spawn_blocking(move || super::sqlite_pages::read_pages(&path, &send))
            }
            // PostgreSQL: binary copies of each page (`pg_pages.rs`).
            None => match &self.native {
                NativePool::Postgres(pool) => tokio::spawn(super::pg_pages::read_pages(pool.clone(), send)),
                NativePool::Sqlite(_) => {
                    return Err(StoreError::invalid("audit", "a SQLite store with its own reader"));
                }
            },
        };
        let found = self.check_pages(verifier, upper, signed, result, &mut pages).await;
        // Hang up first, so a reader still going stops at its next page.
        drop(pages);
        let _ = reader.await;
        found
    }

    /// The checker's side of [`Store::walk`].
    async fn check_pages(
        &self,
        verifier: &VerifierKey,
        upper: HashMap<(u8, u64), Vec<u8>>,
        signed: u64,
        result: &mut AuditVerification,
        pages: &mut mpsc::Receiver<Result<Page, StoreError>>,
    ) -> Result<Option<AuditProblem>, StoreError> {
        let mut stored = Stored { bundles: HashMap::new(), level0: HashMap::new(), upper };
        let mut heads = Heads { store: self, queue: VecDeque::new(), after: 0, done: false };
        let mut builder = TileBuilder::new();
        let mut last_head = 0u64;
        loop {
            let page = pages.recv().await.ok_or_else(|| StoreError::invalid("audit", "a log reader that ran to the end"))??;
            stored.bundles = page.bundles;
            stored.level0 = page.level0;
            if page.entries.is_empty() {
                if let Some(next) = page.beyond {
                    return Ok(Some(AuditProblem::EntryMissing { seq: builder.size(), next }));
                }
                break;
            }
            let parsed: HashMap<u64, Vec<&[u8]>> =
                stored.bundles.iter().filter_map(|(index, bytes)| Some((*index, bundle_entries(bytes).ok()?))).collect();
            for (seq, commitment) in page.entries {
                if seq != builder.size() {
                    return Ok(Some(AuditProblem::EntryMissing { seq: builder.size(), next: seq }));
                }
                let commitment = match commitment {
                    Ok(commitment) => commitment,
                    Err(what) => return Ok(Some(AuditProblem::EntryUnreadable { seq, what })),
                };
                let (tile, position) = (seq / TILE_WIDTH, (seq % TILE_WIDTH) as usize);
                let committed = parsed.get(&tile).and_then(|entries| entries.get(position).copied());
                if committed != Some(&commitment[..]) {
                    let bundle = TileId { kind: TileKind::Entries, index: tile, width: width_at_least(tile, seq, signed) };
                    let in_tree = stored.level0.get(&tile).and_then(|t| t.get(position * 32..position * 32 + 32));
                    // The bundle still agrees with the tree: the event changed.
                    let problem = match committed {
                        Some(entry) if in_tree == Some(&LeafHash::of(entry).as_bytes()[..]) => AuditProblem::EntryAltered { seq },
                        Some(_) => AuditProblem::TileAltered { path: bundle.path() },
                        None if stored.bundles.contains_key(&tile) => AuditProblem::TileAltered { path: bundle.path() },
                        None => AuditProblem::TileMissing { path: bundle.path() },
                    };
                    return Ok(Some(problem));
                }
                let mut problem = None;
                builder.push(&commitment, |full| {
                    result.tiles_checked += 1;
                    problem = problem.take().or_else(|| stored.check(&full));
                });
                if problem.is_some() {
                    return Ok(problem);
                }
                while let Some(head) = heads.peek().await? {
                    if head.head.head.size != builder.size() {
                        break;
                    }
                    if let Some(problem) = check_head(head, verifier, &builder, last_head) {
                        return Ok(Some(problem));
                    }
                    last_head = head.head.head.size;
                    result.heads_checked += 1;
                    heads.queue.pop_front();
                }
            }
        }
        let size = builder.size();
        result.size = size;
        result.root = builder.root();
        if let Some(head) = heads.peek().await? {
            return Ok(Some(AuditProblem::HeadBeyondLog { size: head.head.head.size, log_size: size }));
        }
        if signed < size {
            return Ok(Some(AuditProblem::UnsignedEntries { from: signed, to: size }));
        }
        // The partial tiles, which no page compared.
        let ids: Vec<(u8, u64)> = partial_tiles(size)
            .iter()
            .filter_map(|t| match t.kind {
                TileKind::Hashes(level) => Some((level, t.index)),
                TileKind::Entries => None,
            })
            .collect();
        let (partial, bundle, tiles, bundles) = native!(&self.native, |p| {
            let mut conn = p.acquire().await?;
            let mut conn = Conn::from(&mut *conn);
            let partial = fetch_tiles(&mut conn, &ids).await?;
            let bundle = if size.is_multiple_of(TILE_WIDTH) { None } else { fetch_bundle(&mut conn, size / TILE_WIDTH).await? };
            let (tiles,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_tiles").fetch_one(p).await?;
            let (bundles,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_bundles").fetch_one(p).await?;
            (partial, bundle, tiles, bundles)
        });
        for tile in builder.partials() {
            result.tiles_checked += 1;
            let found = match tile.id.kind {
                TileKind::Hashes(level) => partial.get(level, tile.id.index),
                TileKind::Entries => bundle.as_deref(),
            };
            match found {
                None => return Ok(Some(AuditProblem::TileMissing { path: tile.id.path() })),
                Some(bytes) if bytes != tile.bytes.as_slice() => return Ok(Some(AuditProblem::TileAltered { path: tile.id.path() })),
                Some(_) => {}
            }
        }
        // Nothing stored beyond what the tree has.
        let expected = tiles_for_size(size).len() as u64;
        if (tiles + bundles) as u64 != expected {
            return Ok(Some(AuditProblem::TileCount { size, expected, found: (tiles + bundles) as u64 }));
        }
        Ok(None)
    }

    /// The witness kept outside the database against the checkpoints.
    async fn check_witness(
        &self,
        key: &LogVerifyingKey,
        witness: Option<&SignedTreeHead>,
        result: &AuditVerification,
    ) -> Result<Option<AuditProblem>, StoreError> {
        let Some(witness) = witness else { return Ok(None) };
        let size = witness.head.size;
        if witness.verify(key).is_err() {
            return Ok(Some(AuditProblem::Witness { size, what: "cannot trust: its signature is bad" }));
        }
        if size > result.size {
            return Ok(Some(AuditProblem::Witness { size, what: "no longer reaches: the tail was truncated" }));
        }
        let same = match self.tree_head_at(size).await {
            Ok(head) => head.head == witness.head,
            Err(StoreError::Invalid { .. }) => false,
            Err(e) => return Err(e),
        };
        Ok((!same).then_some(AuditProblem::Witness { size, what: "holds with a different root or time" }))
    }
}

/// The width of bundle `tile` in the log as far as it is known: its width
/// at the signed size, or enough to hold `seq`.
fn width_at_least(tile: u64, seq: u64, signed: u64) -> u64 {
    let known = signed.max(seq + 1);
    known.saturating_sub(tile * TILE_WIDTH).min(TILE_WIDTH)
}
