-- Contract version 2: records from services under Cal. Welf. & Inst. Code
-- Divisions 4-7 (county mental health, Medi-Cal specialty mental health,
-- MHSA; the LPS Act's Welf. & Inst. Code 5328 and following apply).
ALTER TABLE clients ADD COLUMN lps_program BIGINT NOT NULL DEFAULT 0 CHECK (lps_program IN (0, 1));
