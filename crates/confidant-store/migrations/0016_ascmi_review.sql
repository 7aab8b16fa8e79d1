-- An ASCMI form that lets a care partner receive substance use disorder
-- (Part 2) records or psychotherapy notes waits for the privacy officer's
-- review, as an authorization covering them does (0006): the reviewer is
-- never who entered it. Forms already on file that share either are queued.
ALTER TABLE ascmi_forms ADD COLUMN needs_review BIGINT NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1));
ALTER TABLE ascmi_forms ADD COLUMN reviewed_by TEXT REFERENCES staff (id);
ALTER TABLE ascmi_forms ADD COLUMN reviewed_at BIGINT;
UPDATE ascmi_forms SET needs_review = 1 WHERE id IN (
    SELECT ascmi_id FROM ascmi_partners
    WHERE ',' || categories || ',' LIKE '%,substance_use,%' OR ',' || categories || ',' LIKE '%,psychotherapy_notes,%'
);
