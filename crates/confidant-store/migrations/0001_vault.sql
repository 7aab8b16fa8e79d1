-- The records vault, version 1. One migration set for SQLite and PostgreSQL:
-- portable types only (TEXT, BIGINT, BLOB); the loader writes BLOB as BYTEA
-- for PostgreSQL. Dates are TEXT `YYYY-MM-DD`; instants are BIGINT Unix
-- seconds; flags are BIGINT 0/1. Columns of type BLOB hold sealed values
-- (see crypto.rs) except `verifier` and `wrapped`, which are sealed by a KEK.
-- Never edit a migration that has shipped; add a new one.

CREATE TABLE key_encryption_keys (
    id TEXT PRIMARY KEY,
    verifier BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    kek_id TEXT NOT NULL REFERENCES key_encryption_keys (id),
    wrapped BLOB NOT NULL
);
CREATE INDEX data_keys_kek ON data_keys (kek_id);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    display_name BLOB NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('peer_support_specialist', 'psychotherapist', 'psychiatrist', 'nurse',
        'case_manager', 'supervisor', 'privacy_officer', 'admin')),
    active BIGINT NOT NULL CHECK (active IN (0, 1)),
    created_at BIGINT NOT NULL
);

CREATE TABLE care_teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE care_team_members (
    team_id TEXT NOT NULL REFERENCES care_teams (id),
    staff_id TEXT NOT NULL REFERENCES staff (id),
    PRIMARY KEY (team_id, staff_id)
);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    name BLOB NOT NULL,
    contact BLOB,
    notes BLOB,
    birth_date BLOB,
    age_years BIGINT,
    age_recorded_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'discharged', 'deceased')),
    discharged_on TEXT,
    died_on TEXT,
    part2_program BIGINT NOT NULL CHECK (part2_program IN (0, 1)),
    team_id TEXT REFERENCES care_teams (id),
    created_at BIGINT NOT NULL,
    CHECK (birth_date IS NOT NULL OR (age_years IS NOT NULL AND age_recorded_on IS NOT NULL)),
    CHECK (status <> 'deceased' OR died_on IS NOT NULL),
    CHECK (status <> 'discharged' OR discharged_on IS NOT NULL)
);

CREATE TABLE caseload_assignments (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    assigned_on TEXT NOT NULL,
    PRIMARY KEY (staff_id, client_id)
);
CREATE INDEX caseload_client ON caseload_assignments (client_id);

CREATE TABLE records (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    category TEXT NOT NULL CHECK (category IN ('demographics', 'appointments', 'billing', 'diagnosis',
        'treatment_plan', 'medications', 'progress_notes', 'peer_support_notes', 'test_results',
        'substance_use', 'hiv')),
    author_id TEXT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    content BLOB NOT NULL
);
CREATE INDEX records_client ON records (client_id);

-- Psychotherapy notes (45 CFR 164.501) are kept apart from the medical record.
CREATE TABLE psychotherapy_notes (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    author_id TEXT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    data_key_id TEXT NOT NULL REFERENCES data_keys (id),
    content BLOB NOT NULL
);
CREATE INDEX psychotherapy_notes_client ON psychotherapy_notes (client_id);

-- HIPAA authorizations and Part 2 consents. Lists are comma-separated wire
-- names; recipients (which name people) are sealed under the client's data key.
CREATE TABLE authorizations (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    kind TEXT NOT NULL CHECK (kind IN ('hipaa', 'part2')),
    signed_by TEXT CHECK (signed_by IN ('client', 'personal_representative')),
    signed_on TEXT,
    categories TEXT NOT NULL,
    recipients BLOB NOT NULL,
    purposes TEXT NOT NULL,
    expires_on TEXT,
    expiry_event TEXT,
    revoked_on TEXT,
    revoked_by TEXT REFERENCES staff (id),
    right_to_revoke BIGINT NOT NULL CHECK (right_to_revoke IN (0, 1)),
    no_conditioning BIGINT NOT NULL CHECK (no_conditioning IN (0, 1)),
    redisclosure BIGINT NOT NULL CHECK (redisclosure IN (0, 1)),
    document BLOB,
    created_at BIGINT NOT NULL
);
CREATE INDEX authorizations_client ON authorizations (client_id);

-- Restrictions the client asked for (45 CFR 164.522); an empty list restricts everything.
CREATE TABLE restrictions (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    categories TEXT NOT NULL,
    recipient_kinds TEXT NOT NULL,
    purposes TEXT NOT NULL,
    agreed BIGINT NOT NULL CHECK (agreed IN (0, 1)),
    requested_on TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX restrictions_client ON restrictions (client_id);

CREATE TABLE privacy_notice_acknowledgments (
    client_id TEXT NOT NULL REFERENCES clients (id),
    acknowledged_on TEXT NOT NULL,
    PRIMARY KEY (client_id, acknowledged_on)
);
