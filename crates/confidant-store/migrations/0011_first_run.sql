-- A password set by someone else (the one-time password `init` prints, an
-- operator's or an admin's reset) must be changed at the next sign-in: until
-- it is, a session may only change it or sign out.
ALTER TABLE staff_credentials ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
