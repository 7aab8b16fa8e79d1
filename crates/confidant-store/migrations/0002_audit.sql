-- The audit log, disclosures and the accounting of disclosures, version 2.
-- Never edit a migration that has shipped; add a new one.

-- One row per leaf of the RFC 6962 Merkle tree, in log order (`seq` is the
-- leaf index). Ids, kinds and categories are in clear so the log can be
-- searched; everything else about the event is in `details`, sealed under a
-- data key (one per appended batch). No foreign keys: the log outlives and
-- describes the rows it names.
CREATE TABLE audit_entries (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_id TEXT,
    client_id TEXT,
    categories TEXT NOT NULL,
    break_glass BIGINT NOT NULL CHECK (break_glass IN (0, 1)),
    data_key_id TEXT NOT NULL,
    details BLOB NOT NULL
);
CREATE INDEX audit_entries_client ON audit_entries (client_id, seq);
CREATE INDEX audit_entries_at ON audit_entries (at_ms);

-- Every complete subtree of the tree (level 0 = leaf hashes), so roots and
-- proofs need O(log n) lookups and an append needs only the right edge.
CREATE TABLE audit_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- A signed tree head per committed append (Ed25519 over TreeHead::signing_bytes).
CREATE TABLE audit_tree_heads (
    size BIGINT PRIMARY KEY,
    root BLOB NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    signature BLOB NOT NULL
);

-- The log's public key, registered when the first signing key is used.
CREATE TABLE audit_log_keys (
    public_key TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- What went out: one row per release. Recipient name and address, the
-- decision and the released record ids are sealed in `details`.
CREATE TABLE disclosures (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    staff_id TEXT NOT NULL REFERENCES staff (id),
    disclosed_at BIGINT NOT NULL,
    disclosed_on TEXT NOT NULL,
    recipient_kind TEXT NOT NULL,
    purpose TEXT NOT NULL,
    released TEXT NOT NULL,
    withheld TEXT NOT NULL,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    details BLOB NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX disclosures_client ON disclosures (client_id, disclosed_on);

-- The accounting of disclosures (45 CFR 164.528). Append-only: a correction
-- is a new entry whose `corrects` names the old one. Recipient, address,
-- description and purpose statement are sealed in `details`.
CREATE TABLE accounting_entries (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    disclosure_id TEXT REFERENCES disclosures (id),
    disclosed_on TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recipient_kind TEXT NOT NULL,
    purpose TEXT NOT NULL,
    categories TEXT NOT NULL,
    cites TEXT NOT NULL,
    corrects TEXT REFERENCES accounting_entries (id),
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    details BLOB NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX accounting_entries_client ON accounting_entries (client_id, disclosed_on);

-- Temporary suspensions of a client's right to an accounting of disclosures
-- to one agency (164.528(a)(2)). The agency's name and statement are sealed.
CREATE TABLE accounting_suspensions (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('health_oversight_agency', 'law_enforcement')),
    requested_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    written BIGINT NOT NULL CHECK (written IN (0, 1)),
    recorded_by TEXT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    details BLOB NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX accounting_suspensions_client ON accounting_suspensions (client_id);
