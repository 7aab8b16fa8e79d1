//! Confidant's tamper-evident audit log, as a pure library (no storage, no
//! I/O): an append-only Merkle tree hashed exactly as RFC 6962 §2.1, with
//! inclusion and consistency proofs, proof verification that needs no tree
//! (RFC 9162 §2.1.3.2, §2.1.4.2), Ed25519-signed tree heads, the whole-log
//! check behind `audit verify`, and the published form of the log: C2SP
//! `tlog-tiles` tiles and entry bundles with a C2SP `signed-note`
//! checkpoint.
//!
//! ```
//! use confidant_audit::{LeafHash, LogSigningKey, MerkleTree, TreeHead, verify_log};
//!
//! let mut tree = MerkleTree::new();
//! for entry in [&b"disclosure 1"[..], b"disclosure 2", b"disclosure 3"] {
//!     tree.append(LeafHash::of(entry));
//! }
//! let key = LogSigningKey::from_seed(&[7; 32]);
//! let head = key.sign(TreeHead { size: 3, root: tree.root(), timestamp_ms: 1 });
//!
//! let proof = tree.inclusion_proof(1, 3)?;
//! proof.verify(&LeafHash::of(b"disclosure 2"), &head.head.root)?;
//!
//! let leaves = (0..3).filter_map(|i| tree.leaf(i));
//! verify_log(leaves, &[head], &key.verifying_key())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod hash;
mod head;
mod log;
mod nodes;
mod note;
mod proof;
mod tile_nodes;
mod tiles;
mod tree;

pub use hash::{CommitmentHasher, Hash, LeafHash, empty_root, entry_commitment};
pub use head::{
    KeyError, LogSigningKey, LogVerifyingKey, SignatureError, SignedTreeHead, TREE_HEAD_DOMAIN, TREE_HEAD_SIGNING_LEN, TreeHead,
};
pub use log::{LogError, VerifiedLog, check_leaf_hashes, verify_log};
pub use nodes::{
    Frontier, NodeId, NodeSource, consistency_nodes, consistency_proof_from, inclusion_nodes, inclusion_proof_from, root_from, root_nodes,
};
pub use note::{Checkpoint, NoteError, VerifierKey, log_origin};
pub use proof::{ConsistencyProof, InclusionProof, ProofError, verify_consistency, verify_inclusion};
pub use tile_nodes::{TileNodeSet, TileNodes};
pub use tiles::{
    BundleError, ResumeError, TILE_HEIGHT, TILE_WIDTH, TileBuilder, TileData, TileId, TileKind, TilePathError, TileSet, bundle_entries,
    encode_index, partial_tiles, push_bundle_entry, tiles_for_size,
};
pub use tree::{MerkleTree, TreeError};
