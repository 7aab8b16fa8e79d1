-- The organization's own settings, set at `init`: which body of law its
-- requests are decided under by default (`jurisdiction`), the same for the
-- CLI, the server and the console.
CREATE TABLE organization_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
