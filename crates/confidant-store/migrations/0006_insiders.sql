-- Security round 2 (insiders).
-- Who entered each authorization, and whether the privacy officer still has
-- to look at it: one covering psychotherapy notes or Part 2 records is
-- queued for review when filed (NULL entered_by: filed before this migration
-- or by an operator at the command line).
ALTER TABLE authorizations ADD COLUMN entered_by TEXT REFERENCES staff (id);
ALTER TABLE authorizations ADD COLUMN needs_review BIGINT NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1));
ALTER TABLE authorizations ADD COLUMN reviewed_by TEXT REFERENCES staff (id);
ALTER TABLE authorizations ADD COLUMN reviewed_at BIGINT;

-- The last TOTP time step accepted per account: a code is good once.
ALTER TABLE staff_credentials ADD COLUMN totp_last_step BIGINT;
