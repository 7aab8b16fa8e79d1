-- Sign-in, sessions, API tokens and break-glass, version 3.
-- Never edit a migration that has shipped; add a new one.

-- One credential per staff member: an Argon2id PHC string (salt inside),
-- the failed-attempt counter behind backoff and lockout, and the TOTP
-- secret sealed under the staff member's data key (NULL until enrolled).
CREATE TABLE staff_credentials (
    staff_id TEXT PRIMARY KEY REFERENCES staff (id),
    password_hash TEXT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    totp_secret BLOB,
    totp_enabled BIGINT NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1)),
    updated_at BIGINT NOT NULL
);

-- Sessions: only the SHA-256 of the cookie's token is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_staff ON sessions (staff_id);

-- API tokens for integrations: hashed, scoped, revocable.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- Break-glass: access to a client outside one's caseload for a while, under
-- a stated reason (sealed), queued for the privacy officer's review.
CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    reason BLOB NOT NULL,
    opened_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    reviewed_by TEXT REFERENCES staff (id),
    reviewed_at BIGINT,
    outcome TEXT CHECK (outcome IN ('justified', 'unjustified')),
    audit_seq BIGINT NOT NULL
);
CREATE INDEX break_glass_staff_client ON break_glass (staff_id, client_id);
