//! The C2SP `tlog-tiles` layout: the tree's hashes cut into tiles of 256
//! hashes per level, the entries cut into bundles of 256, their paths
//! (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`, with `N` in
//! `x`-prefixed groups of three digits), a builder that produces them while
//! entries are appended, and proofs served from tiles.
//!
//! A tile at level `L` holds the hashes of tree level `8·L`: level 0 the
//! record hashes, level 1 the roots of full level-0 tiles, and so on. The
//! last tile of a level is partial (`W` < 256 hashes) until it fills; a
//! partial tile for a smaller tree is a prefix of the one for a larger tree.
//! Hashes at levels in between are recomputed inside a tile (at most 127
//! node hashes per proof step).

use std::collections::HashMap;
use std::fmt;

use crate::hash::{Hash, LeafHash, node_hash};
use crate::nodes::{Frontier, NodeId, NodeSource};

/// Tree levels per tile.
pub const TILE_HEIGHT: u32 = 8;

/// Hashes (or entries) in a full tile: `2^TILE_HEIGHT`.
pub const TILE_WIDTH: u64 = 256;

/// Which kind of tile: hashes at a tile level, or an entry bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Hashes of tree level `8 · level`.
    Hashes(u8),
    /// Entries, each a big-endian `u16` length and the entry's bytes.
    Entries,
}

/// One tile: its kind, its index within its level and its width (1–256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Hash tile or entry bundle.
    pub kind: TileKind,
    /// Position within the level.
    pub index: u64,
    /// Hashes or entries held: 256 for a full tile.
    pub width: u64,
}

/// A tile path that does not follow `tlog-tiles`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a tile path (`tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, N in x-prefixed groups of 3 digits)")]
pub struct TilePathError(pub String);

/// Tile index `n` in the path form: groups of three digits, all but the
/// last prefixed with `x` (1234067 is `x001/x234/067`).
#[must_use]
pub fn encode_index(n: u64) -> String {
    let mut out = format!("{:03}", n % 1000);
    let mut rest = n / 1000;
    while rest > 0 {
        out = format!("x{:03}/{out}", rest % 1000);
        rest /= 1000;
    }
    out
}

fn three_digits(text: &str) -> Option<u64> {
    (text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

fn canonical_decimal(text: &str) -> Option<u64> {
    let ok = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if ok { text.parse().ok() } else { None }
}

impl TileId {
    /// True when the tile holds 256 hashes or entries.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The tile's path, `tile/…`.
    #[must_use]
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes(level) => level.to_string(),
            TileKind::Entries => "entries".to_string(),
        };
        let partial = if self.is_full() { String::new() } else { format!(".p/{}", self.width) };
        format!("tile/{level}/{}{partial}", encode_index(self.index))
    }

    /// Parses a path as written by [`TileId::path`] (with or without the
    /// leading `tile/`); refuses every non-canonical spelling.
    pub fn parse_path(path: &str) -> Result<Self, TilePathError> {
        let bad = || TilePathError(path.to_string());
        let rest = path.strip_prefix("tile/").unwrap_or(path);
        let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            let level = canonical_decimal(level).filter(|l| *l < 64).ok_or_else(bad)?;
            TileKind::Hashes(u8::try_from(level).map_err(|_| bad())?)
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let width = canonical_decimal(width).filter(|w| (1..TILE_WIDTH).contains(w)).ok_or_else(bad)?;
                (index, width)
            }
            None => (rest, TILE_WIDTH),
        };
        let groups: Vec<&str> = index.split('/').collect();
        let (last, leading) = groups.split_last().ok_or_else(bad)?;
        let mut n = three_digits(last).ok_or_else(bad)?;
        let mut scale = 1000u64;
        for group in leading.iter().rev() {
            let digits = group.strip_prefix('x').and_then(three_digits).ok_or_else(bad)?;
            n = digits.checked_mul(scale).and_then(|d| d.checked_add(n)).ok_or_else(bad)?;
            scale = scale.checked_mul(1000).ok_or_else(bad)?;
        }
        let tile = Self { kind, index: n, width };
        // Leading zero groups (`x000/…`) are a second spelling: refused.
        if tile.path() != format!("tile/{}", rest_with_level(path)) {
            return Err(bad());
        }
        Ok(tile)
    }
}

fn rest_with_level(path: &str) -> &str {
    path.strip_prefix("tile/").unwrap_or(path)
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Every tile of a tree of `size` entries, hash tiles level by level and
/// then the entry bundles, each full tile and the partial last one.
#[must_use]
pub fn tiles_for_size(size: u64) -> Vec<TileId> {
    let mut out = Vec::new();
    let mut level = 0u8;
    loop {
        let count = size.checked_shr(TILE_HEIGHT * u32::from(level)).unwrap_or(0);
        if count == 0 {
            break;
        }
        push_level(&mut out, TileKind::Hashes(level), count);
        level += 1;
    }
    push_level(&mut out, TileKind::Entries, size);
    out
}

fn push_level(out: &mut Vec<TileId>, kind: TileKind, count: u64) {
    for index in 0..count / TILE_WIDTH {
        out.push(TileId { kind, index, width: TILE_WIDTH });
    }
    if !count.is_multiple_of(TILE_WIDTH) {
        out.push(TileId { kind, index: count / TILE_WIDTH, width: count % TILE_WIDTH });
    }
}

/// The partial (last, not full) tile of each hash level of a tree of
/// `size` entries: what an appender must load to go on.
#[must_use]
pub fn partial_tiles(size: u64) -> Vec<TileId> {
    tiles_for_size(size).into_iter().filter(|t| !t.is_full()).collect()
}

/// An entry bundle that is not a run of length-prefixed entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("entry bundle is cut short at byte {offset}")]
pub struct BundleError {
    /// Where the bundle stops making sense.
    pub offset: usize,
}

/// Appends one entry to a bundle: big-endian `u16` length, then the bytes.
/// Entries longer than 65,535 bytes cannot be bundled (ours are 32).
pub fn push_bundle_entry(bundle: &mut Vec<u8>, entry: &[u8]) {
    let len = u16::try_from(entry.len()).unwrap_or(u16::MAX);
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry.get(..usize::from(len)).unwrap_or(entry));
}

/// The entries of a bundle, in order.
pub fn bundle_entries(bundle: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < bundle.len() {
        let Some(&[high, low]) = bundle.get(offset..offset + 2) else {
            return Err(BundleError { offset });
        };
        let len = usize::from(u16::from_be_bytes([high, low]));
        let entry = bundle.get(offset + 2..offset + 2 + len).ok_or(BundleError { offset })?;
        out.push(entry);
        offset += 2 + len;
    }
    Ok(out)
}

/// The root of a perfect subtree over `hashes` (a power of two of them).
fn perfect_root(hashes: &[u8]) -> Option<Hash> {
    let mut level: Vec<Hash> = hashes.chunks_exact(32).map(|c| c.try_into().unwrap_or([0; 32])).collect();
    if level.is_empty() || !level.len().is_power_of_two() {
        return None;
    }
    while level.len() > 1 {
        level =
            level.chunks_exact(2).filter_map(|pair| if let [left, right] = pair { Some(node_hash(left, right)) } else { None }).collect();
    }
    level.first().copied()
}

/// Hash tiles held in memory, keyed by (tile level, index), as a
/// [`NodeSource`]: any complete subtree is one tile lookup and at most 127
/// node hashes.
#[derive(Debug, Clone, Default)]
pub struct TileSet {
    tiles: HashMap<(u8, u64), Vec<u8>>,
}

impl TileSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the hashes of tile `index` at tile `level`.
    pub fn insert(&mut self, level: u8, index: u64, hashes: Vec<u8>) {
        self.tiles.insert((level, index), hashes);
    }

    /// The bytes of a tile, if held.
    #[must_use]
    pub fn get(&self, level: u8, index: u64) -> Option<&[u8]> {
        self.tiles.get(&(level, index)).map(Vec::as_slice)
    }

    /// The (tile level, index) pairs holding `ids`, deduplicated.
    #[must_use]
    pub fn tiles_holding(ids: &[NodeId]) -> Vec<(u8, u64)> {
        let mut out: Vec<(u8, u64)> = ids
            .iter()
            .filter_map(|id| {
                let level = u8::try_from(id.level / TILE_HEIGHT).ok()?;
                let start = id.index.checked_shl(id.level % TILE_HEIGHT)?;
                Some((level, start / TILE_WIDTH))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl NodeSource for TileSet {
    fn node(&self, id: NodeId) -> Option<Hash> {
        let level = u8::try_from(id.level / TILE_HEIGHT).ok()?;
        let within = id.level % TILE_HEIGHT;
        let start = id.index.checked_shl(within)?;
        let tile = self.tiles.get(&(level, start / TILE_WIDTH))?;
        let offset = usize::try_from(start % TILE_WIDTH).ok()? * 32;
        let len = 32usize << within;
        perfect_root(tile.get(offset..offset + len)?)
    }
}

/// A tile or bundle as the builder hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileData {
    /// Which tile.
    pub id: TileId,
    /// Its bytes: 32 per hash, or the bundle encoding.
    pub bytes: Vec<u8>,
}

/// Builds the tiles and bundles of a log entry by entry, keeping only the
/// last (partial) tile of each level and the right edge of the tree.
#[derive(Debug, Clone, Default)]
pub struct TileBuilder {
    frontier: Frontier,
    /// The partial tile of each hash level, 32 bytes per hash.
    open: Vec<Vec<u8>>,
    /// The partial entry bundle.
    bundle: Vec<u8>,
}

/// Stored tiles that do not fit the tree size they are resumed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the stored partial tiles do not fit a tree of {size} entries")]
pub struct ResumeError {
    /// The tree size.
    pub size: u64,
}

impl TileBuilder {
    /// An empty log.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes at `size` entries from that size's partial hash tiles (as
    /// listed by [`partial_tiles`]) and its partial bundle (empty when
    /// `size` is a multiple of 256).
    pub fn resume(size: u64, tiles: &TileSet, bundle: Vec<u8>) -> Result<Self, ResumeError> {
        let error = ResumeError { size };
        let mut open = Vec::new();
        for tile in partial_tiles(size) {
            match tile.kind {
                TileKind::Hashes(level) => {
                    let bytes = tiles.get(level, tile.index).ok_or(error)?;
                    if bytes.len() as u64 != tile.width * 32 {
                        return Err(error);
                    }
                    while open.len() < usize::from(level) {
                        open.push(Vec::new());
                    }
                    open.push(bytes.to_vec());
                }
                TileKind::Entries => {
                    if bundle_entries(&bundle).map_err(|_| error)?.len() as u64 != tile.width {
                        return Err(error);
                    }
                }
            }
        }
        if size.is_multiple_of(TILE_WIDTH) && !bundle.is_empty() {
            return Err(error);
        }
        // Every peak of the tree lies inside the partial tile of its level.
        let peaks = Frontier::peak_ids(size).iter().map(|id| tiles.node(*id)).collect::<Option<Vec<Hash>>>().ok_or(error)?;
        let frontier = Frontier::from_peaks(size, peaks).ok_or(error)?;
        Ok(Self { frontier, open, bundle })
    }

    /// Entries so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The RFC 6962 root of the entries so far.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// Appends one entry and returns its record hash (`SHA-256(0x00 ||
    /// entry)`); hands `full` each tile and bundle the entry completes.
    pub fn push(&mut self, entry: &[u8], mut full: impl FnMut(TileData)) -> LeafHash {
        let record = LeafHash::of(entry);
        let index = self.size();
        push_bundle_entry(&mut self.bundle, entry);
        if (index + 1).is_multiple_of(TILE_WIDTH) {
            let bytes = std::mem::take(&mut self.bundle);
            full(TileData { id: TileId { kind: TileKind::Entries, index: index / TILE_WIDTH, width: TILE_WIDTH }, bytes });
        }
        let open = &mut self.open;
        self.frontier.push_reporting(record, |id, hash| {
            if id.level % TILE_HEIGHT != 0 {
                return;
            }
            let Ok(level) = u8::try_from(id.level / TILE_HEIGHT) else { return };
            while open.len() <= usize::from(level) {
                open.push(Vec::new());
            }
            let Some(tile) = open.get_mut(usize::from(level)) else { return };
            tile.extend_from_slice(&hash);
            if tile.len() as u64 == TILE_WIDTH * 32 {
                let bytes = std::mem::take(tile);
                full(TileData { id: TileId { kind: TileKind::Hashes(level), index: id.index / TILE_WIDTH, width: TILE_WIDTH }, bytes });
            }
        });
        record
    }

    /// The partial tiles and bundle at the current size, as
    /// [`partial_tiles`] lists them (empty levels omitted).
    #[must_use]
    pub fn partials(&self) -> Vec<TileData> {
        let size = self.size();
        let mut out = Vec::new();
        for (level, bytes) in self.open.iter().enumerate() {
            let Ok(level) = u8::try_from(level) else { continue };
            if bytes.is_empty() {
                continue;
            }
            let count = size >> (TILE_HEIGHT * u32::from(level));
            out.push(TileData {
                id: TileId { kind: TileKind::Hashes(level), index: count / TILE_WIDTH, width: bytes.len() as u64 / 32 },
                bytes: bytes.clone(),
            });
        }
        if !self.bundle.is_empty() {
            out.push(TileData {
                id: TileId { kind: TileKind::Entries, index: size / TILE_WIDTH, width: size % TILE_WIDTH },
                bytes: self.bundle.clone(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::MerkleTree;
    use crate::nodes::inclusion_proof_from;

    #[test]
    fn indexes_are_written_in_x_prefixed_groups() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(999), "999");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(1_234_067), "x001/x234/067");
        let tile = TileId { kind: TileKind::Hashes(1), index: 1_234_067, width: 7 };
        assert_eq!(tile.path(), "tile/1/x001/x234/067.p/7");
        assert_eq!(TileId::parse_path(&tile.path()).unwrap(), tile);
        let bundle = TileId { kind: TileKind::Entries, index: 5, width: 256 };
        assert_eq!(bundle.path(), "tile/entries/005");
        assert_eq!(TileId::parse_path("entries/005").unwrap(), bundle);
    }

    #[test]
    fn non_canonical_paths_are_refused() {
        for path in [
            "tile/0/5",
            "tile/0/x000/005",
            "tile/0/005.p/0",
            "tile/0/005.p/256",
            "tile/0/005.p/07",
            "tile/01/005",
            "tile/0/x1/005",
            "tile/64/000",
        ] {
            assert!(TileId::parse_path(path).is_err(), "{path}");
        }
    }

    #[test]
    fn bundles_round_trip_and_a_cut_one_is_refused() {
        let mut bundle = Vec::new();
        push_bundle_entry(&mut bundle, &[1; 32]);
        push_bundle_entry(&mut bundle, b"");
        assert_eq!(bundle_entries(&bundle).unwrap(), vec![&[1u8; 32][..], &[][..]]);
        assert_eq!(bundle_entries(&bundle[..20]), Err(BundleError { offset: 0 }));
    }

    fn build(size: u64) -> (TileBuilder, Vec<TileData>) {
        let mut builder = TileBuilder::new();
        let mut full = Vec::new();
        for i in 0..size {
            builder.push(&i.to_be_bytes(), |t| full.push(t));
        }
        (builder, full)
    }

    #[test]
    fn tiles_hold_the_trees_nodes_and_serve_its_proofs() {
        let size = 256 * 256 + 300;
        let (builder, mut tiles) = build(size);
        tiles.extend(builder.partials());
        let ids: Vec<TileId> = tiles.iter().map(|t| t.id).collect();
        let mut listed = tiles_for_size(size);
        listed.sort_unstable();
        let mut built = ids.clone();
        built.sort_unstable();
        assert_eq!(built, listed);
        let tree: MerkleTree = (0..size).map(|i| LeafHash::of(&i.to_be_bytes())).collect();
        assert_eq!(builder.root(), tree.root());
        let mut set = TileSet::new();
        for tile in &tiles {
            if let TileKind::Hashes(level) = tile.id.kind {
                set.insert(level, tile.id.index, tile.bytes.clone());
            }
        }
        for index in [0, 255, 256, 40_000, size - 1] {
            assert_eq!(inclusion_proof_from(&set, index, size).unwrap(), tree.inclusion_proof(index, size).unwrap());
        }
    }

    #[test]
    fn a_builder_resumes_from_the_partial_tiles() {
        for size in [0, 1, 255, 256, 257, 700, 256 * 256, 256 * 256 + 1] {
            let (builder, full) = build(size);
            let mut set = TileSet::new();
            let mut bundle = Vec::new();
            for tile in builder.partials() {
                match tile.id.kind {
                    TileKind::Hashes(level) => set.insert(level, tile.id.index, tile.bytes),
                    TileKind::Entries => bundle = tile.bytes,
                }
            }
            let mut resumed = TileBuilder::resume(size, &set, bundle).unwrap();
            let (mut whole, _) = build(size);
            let _ = full;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for i in size..size + 600 {
                resumed.push(&i.to_be_bytes(), |t| a.push(t));
                whole.push(&i.to_be_bytes(), |t| b.push(t));
            }
            assert_eq!(a, b, "size {size}");
            assert_eq!(resumed.partials(), whole.partials());
            assert_eq!(resumed.root(), whole.root());
        }
        assert!(TileBuilder::resume(5, &TileSet::new(), Vec::new()).is_err());
    }
}
