-- State that several `confidant serve` processes on one database share,
-- version 14. Never edit a migration that has shipped; add a new one.

-- One row, bumped (by triggers added per dialect) in the same transaction
-- as any change that can make a cached principal wrong: a staff member's
-- role, name or activation, a session or API token revoked or removed, a
-- password that must now be changed. Each server polls it and forgets its
-- cached principals when it moves, so a change made through one server (or
-- the CLI) stops working on every server within one poll.
CREATE TABLE principal_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);

-- Recent sign-in attempts per subject, shared by every server: the
-- per-address rate limit and the failures of staff ids that do not exist.
-- `subject` is the SHA-256 (hex) of what is limited, never the address or
-- the typed id itself; `attempts` the attempts' Unix milliseconds inside
-- the window, oldest first, comma-separated (a handful at most); rows
-- whose last attempt is older than every window are deleted.
CREATE TABLE sign_in_limits (
    subject TEXT PRIMARY KEY,
    attempts TEXT NOT NULL,
    last_ms BIGINT NOT NULL
);
CREATE INDEX sign_in_limits_last ON sign_in_limits (last_ms);
