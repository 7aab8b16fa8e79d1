-- The audit log as a C2SP transparency log (tlog-tiles with a signed-note
-- checkpoint). Never edit a migration that has shipped; add a new one.
--
-- Each log entry is a 32-byte commitment, SHA-256 of the stored row of
-- `audit_entries` (sealed details included); the tree's leaves are
-- SHA-256(0x00 || commitment). What the log publishes is stored here, tile
-- by tile, so reading a million entries' tree is a few thousand rows.
--
-- The tree of version 2 (`audit_nodes` over the rows' own hashes, heads in
-- `audit_tree_heads`) is re-committed into these tables by the first store
-- opened with the signing key, after it verifies; `audit_tree_heads` stays
-- as the signed history of that tree and `audit_nodes` is emptied.

-- Hash tiles: `hashes` holds the hashes of tree level 8·level, indexes
-- idx·256 .. idx·256+255, 32 bytes each; the last tile of a level is
-- partial and grows in place (a partial tile is a prefix of the full one).
CREATE TABLE audit_tiles (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Entry bundles: entries idx·256 .. idx·256+255, each a big-endian u16
-- length (always 32) and the commitment; served as `tile/entries/<N>`.
CREATE TABLE audit_bundles (
    idx BIGINT PRIMARY KEY,
    entries BLOB NOT NULL
);

-- A checkpoint per committed append: the tree head signed twice with the
-- log key, as before (`signature`, over TreeHead::signing_bytes, with the
-- time) and as a C2SP signed note (`note_signature`, over the checkpoint
-- text `origin\nsize\nbase64(root)\n`).
CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    root BLOB NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    signature BLOB NOT NULL,
    note_signature BLOB NOT NULL
);
