-- California's ASCMI (DHCS's Authorization to Share Confidential Member
-- Information): one form names several care partners, and for each the
-- client chooses which kinds of information it may receive and for which
-- purposes. The form itself (who signed, when, until when, the signed scan,
-- its revocation) is one row of ascmi_forms; each care partner and the
-- client's choices for it is one row of ascmi_partners. A care partner's name
-- and kind are sealed under the client's data key, like an authorization's
-- recipients; categories and purposes are comma-separated wire names. An
-- empty category list records the client's choice not to share with that
-- care partner at all.
CREATE TABLE ascmi_forms (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    signed_by TEXT NOT NULL CHECK (signed_by IN ('client', 'personal_representative')),
    signed_on TEXT NOT NULL,
    expires_on TEXT,
    expiry_event TEXT,
    right_to_revoke BIGINT NOT NULL CHECK (right_to_revoke IN (0, 1)),
    no_conditioning BIGINT NOT NULL CHECK (no_conditioning IN (0, 1)),
    redisclosure BIGINT NOT NULL CHECK (redisclosure IN (0, 1)),
    document BLOB,
    revoked_on TEXT,
    revoked_by TEXT REFERENCES staff (id),
    entered_by TEXT REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    CHECK (expires_on IS NOT NULL OR expiry_event IS NOT NULL)
);
CREATE INDEX ascmi_forms_client ON ascmi_forms (client_id);

CREATE TABLE ascmi_partners (
    ascmi_id TEXT NOT NULL REFERENCES ascmi_forms (id),
    position BIGINT NOT NULL,
    partner BLOB NOT NULL,
    categories TEXT NOT NULL,
    purposes TEXT NOT NULL,
    PRIMARY KEY (ascmi_id, position)
);
