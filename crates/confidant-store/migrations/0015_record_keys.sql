-- Each record carries its own wrapped data key, version 15 (issue 17).
-- Never edit a migration that has shipped; add a new one.
--
-- Reading a client's records joined each row with `data_keys`, whose rows
-- lie in random order: on SQLite that lookup was 95% of the bare read of a
-- client's thousand records (10 ms against 0.5 ms without it). Records and
-- psychotherapy notes now also hold their data key's KEK id and wrapped
-- bytes, so the read takes the client's rows alone. The wrapping binds the
-- data key's id and the KEK's id, not the row, so the copy opens exactly
-- as the `data_keys` row does.
--
-- `data_keys` stays the authority: every data key keeps its one owner row
-- there, a rotation re-wraps it and then copies it into the record rows in
-- the same transaction, and `Store::check` verifies that a record opens
-- under both. The columns are NULL only before this migration fills them.
ALTER TABLE records ADD COLUMN kek_id TEXT REFERENCES key_encryption_keys (id);
ALTER TABLE records ADD COLUMN wrapped_key BLOB;
ALTER TABLE psychotherapy_notes ADD COLUMN kek_id TEXT REFERENCES key_encryption_keys (id);
ALTER TABLE psychotherapy_notes ADD COLUMN wrapped_key BLOB;

UPDATE records SET
    kek_id = (SELECT d.kek_id FROM data_keys d WHERE d.id = records.data_key_id),
    wrapped_key = (SELECT d.wrapped FROM data_keys d WHERE d.id = records.data_key_id);
UPDATE psychotherapy_notes SET
    kek_id = (SELECT d.kek_id FROM data_keys d WHERE d.id = psychotherapy_notes.data_key_id),
    wrapped_key = (SELECT d.wrapped FROM data_keys d WHERE d.id = psychotherapy_notes.data_key_id);
