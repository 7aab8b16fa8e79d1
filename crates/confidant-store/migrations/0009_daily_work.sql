-- Daily work in the console (issue 19).
--
-- A correction is a new record that names the version it corrects; the old
-- version stays as it was (records law expects amendments, never edits in
-- place). At most one version corrects another, so a record's history is a
-- line, and of two racing corrections of the same version one fails.
ALTER TABLE records ADD COLUMN corrects TEXT;
ALTER TABLE psychotherapy_notes ADD COLUMN corrects TEXT;
CREATE UNIQUE INDEX records_corrects ON records (corrects);
CREATE UNIQUE INDEX psychotherapy_notes_corrects ON psychotherapy_notes (corrects);

-- The privacy officer's answer to a requested restriction (45 CFR
-- 164.522(a)(1)): 'agreed' (then `agreed` is 1 and the restriction binds) or
-- 'declined'; NULL while it waits. Decided once.
ALTER TABLE restrictions ADD COLUMN decision TEXT CHECK (decision IN ('agreed', 'declined'));
ALTER TABLE restrictions ADD COLUMN decided_by TEXT REFERENCES staff (id);
ALTER TABLE restrictions ADD COLUMN decided_on TEXT;

-- When the acknowledgment of the notice of privacy practices could not be
-- obtained: the good-faith attempt and why (45 CFR 164.520(c)(2)(ii)),
-- as a reason code, so no free text about the client is kept in clear.
CREATE TABLE privacy_notice_not_obtained (
    client_id TEXT NOT NULL REFERENCES clients (id),
    attempted_on TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('declined', 'emergency', 'unable_to_communicate', 'left_before_signing')),
    recorded_by TEXT REFERENCES staff (id),
    PRIMARY KEY (client_id, attempted_on)
);
