//! The vault itself: [`Store`] opens a database with a key ring, checks that
//! the key is this vault's, and reads and writes the data model. Every write
//! is one transaction, so a failed write leaves the store unchanged; every
//! identifying field and every record's content is sealed before it reaches
//! SQL (see `crypto`).

use confidant_policy::authorization::form_defects;
use confidant_policy::vocab::{AuthorizationKind, Category, ClientStatus, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Executor, Row, Transaction};

use crate::crypto::{DataKey, Kek, field_aad};
use crate::db::{self, Backend, DatabaseUrl, begin_write, rotation_lock};
use crate::error::StoreError;
use crate::keys::{KeyRing, KeySource};
use crate::audit::AuditEvent;
use crate::model::{
    AwaitingReview, Birth, CareTeam, Client, NewClient, NewRecord, NewStaff, Record, Staff, StaffRole, StoredAuthorization,
    StoredRestriction, now_secs,
};

/// An open vault: a connection pool and the keys that open it.
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    keys: KeyRing,
    /// The audit log's signer, once [`Store::enable_audit`] has checked it.
    pub(crate) audit: Option<std::sync::Arc<crate::audit::AuditSigner>>,
    clock: crate::model::Clock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("keys", &self.keys).finish_non_exhaustive()
    }
}

/// What a key rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub new_key_id: String,
    pub retired_key_ids: Vec<String>,
    pub rewrapped_data_keys: u64,
}

pub(crate) type Tx = Transaction<'static, Any>;

/// Data keys already unwrapped during one read (see [`Store::cached_key`]).
#[derive(Default)]
pub(crate) struct KeyCache(std::collections::HashMap<String, DataKey>);

/// What [`Store::check`] found; a sound vault has `integrity` empty or
/// `["ok"]`, no stray data keys and no undecryptable record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultCheck {
    /// SQLite's `PRAGMA integrity_check` lines (`["ok"]` when sound); empty on PostgreSQL.
    pub integrity: Vec<String>,
    /// Rows in `records` plus rows in `psychotherapy_notes`.
    pub records: u64,
    pub data_keys: u64,
    /// Data keys neither owned by exactly one row (staff, client, record or
    /// psychotherapy note) nor sealing what was written with them (an audit
    /// batch, a disclosure, a suspension, a break-glass reason). A key and
    /// what it seals are written in one transaction, so any such key means a
    /// write was torn.
    pub stray_data_keys: u64,
    /// Records whose content did not decrypt (or whose key did not unwrap).
    pub undecryptable_records: u64,
}

impl VaultCheck {
    pub fn is_sound(&self) -> bool {
        (self.integrity.is_empty() || self.integrity == ["ok"]) && self.stray_data_keys == 0 && self.undecryptable_records == 0
    }
}


impl Store {
    /// Creates a vault in an empty database and registers the ring's current key.
    pub async fn create(url: &DatabaseUrl, mut keys: KeyRing) -> Result<Store, StoreError> {
        let (pool, backend) = db::connect(url).await?;
        let mut tx = pool.begin_with(begin_write(backend)).await?;
        let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM key_encryption_keys").fetch_one(&mut *tx).await?.try_get("n")?;
        if existing > 0 {
            return Err(StoreError::AlreadyInitialized);
        }
        let current = keys.current().cloned().ok_or_else(|| StoreError::invalid("key", "at least one key"))?;
        let current = if current.id().is_empty() { current.with_id("kek-1") } else { current };
        let verifier = current.verifier().map_err(StoreError::crypto("key"))?;
        sqlx::query("INSERT INTO key_encryption_keys (id, verifier, created_at) VALUES ($1, $2, $3)")
            .bind(current.id().to_string())
            .bind(verifier)
            .bind(now_secs())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        keys.set_keys(vec![current]);
        Ok(Store { pool, backend, keys, audit: None, clock: crate::model::Clock::system() })
    }

    /// Opens an existing vault; fails, changing nothing, unless one of the
    /// ring's keys is the vault's current key.
    pub async fn open(url: &DatabaseUrl, mut keys: KeyRing) -> Result<Store, StoreError> {
        let (pool, backend) = db::connect(url).await?;
        let rows = sqlx::query("SELECT id, verifier, retired_at FROM key_encryption_keys ORDER BY created_at, id")
            .fetch_all(&pool)
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotInitialized);
        }
        let mut known: Vec<(String, Vec<u8>, bool)> = Vec::with_capacity(rows.len());
        for row in &rows {
            let retired: Option<i64> = row.try_get("retired_at")?;
            known.push((row.try_get("id")?, row.try_get("verifier")?, retired.is_some()));
        }
        let mut verified: Vec<Kek> = Vec::new();
        for kek in keys.keys() {
            let candidates: Vec<&(String, Vec<u8>, bool)> = if kek.id().is_empty() {
                known.iter().collect()
            } else {
                known.iter().filter(|(id, _, _)| id == kek.id()).collect()
            };
            if !kek.id().is_empty() && candidates.is_empty() {
                return Err(StoreError::WrongKey(format!("this vault has no key `{}`", kek.id())));
            }
            match candidates.into_iter().find(|(id, verifier, _)| kek.with_id(id).verifies(verifier)) {
                Some((id, _, _)) => verified.push(kek.with_id(id)),
                None if kek.id().is_empty() => {
                    return Err(StoreError::WrongKey(format!("{} does not match any key of this vault", crate::keys::KEY_ENV)));
                }
                None => return Err(StoreError::WrongKey(format!("key `{}` is not the key this vault knows by that id", kek.id()))),
            }
        }
        let active: Vec<&String> = known.iter().filter(|(_, _, retired)| !retired).map(|(id, _, _)| id).collect();
        // The current key is the active one; retired keys stay in the ring only to read mid-rotation.
        verified.sort_by_key(|k| active.iter().any(|id| *id == k.id()));
        if !verified.last().is_some_and(|k| active.iter().any(|id| *id == k.id())) {
            let names: Vec<String> = active.iter().map(|id| format!("`{id}`")).collect();
            return Err(StoreError::WrongKey(format!(
                "the key at hand was retired by a rotation; the vault's current key is {}",
                names.join(", ")
            )));
        }
        keys.set_keys(verified);
        Ok(Store { pool, backend, keys, audit: None, clock: crate::model::Clock::system() })
    }

    /// The organization's jurisdiction: what its requests are decided under
    /// unless one names another. `US-CA` until `init` sets it (this
    /// product's first users are California programs).
    pub async fn jurisdiction(&self) -> Result<confidant_policy::vocab::Jurisdiction, StoreError> {
        use confidant_policy::vocab::Jurisdiction;
        let row = sqlx::query("SELECT value FROM organization_settings WHERE key = 'jurisdiction'").fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(Jurisdiction::UsCa) };
        let value: String = row.try_get("value")?;
        Jurisdiction::parse(&value).ok_or_else(|| corrupt("organization jurisdiction"))
    }

    /// Sets the organization's jurisdiction (at `init`).
    pub async fn set_jurisdiction(&self, jurisdiction: confidant_policy::vocab::Jurisdiction) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO organization_settings (key, value) VALUES ('jurisdiction', $1) ON CONFLICT (key) DO UPDATE SET value = $1")
            .bind(jurisdiction.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs the vault on `clock` (tests; production keeps the system clock).
    pub fn set_clock(&mut self, clock: crate::model::Clock) {
        self.clock = clock;
    }

    /// The vault's clock.
    pub fn clock(&self) -> &crate::model::Clock {
        &self.clock
    }

    /// Unix seconds now, on the vault's clock.
    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }

    /// Today on the vault's clock: the date every real disclosure is made on.
    pub fn today(&self) -> Date {
        self.clock.today()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Closes the pool, waiting for connections to finish (checkpoints SQLite's WAL).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// The pool, for tests that look at raw rows.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin_with(begin_write(self.backend)).await?)
    }

    // ── keys ────────────────────────────────────────────────────────────────

    /// Makes, wraps and stores a new data key inside `tx`.
    pub(crate) async fn new_data_key(&self, tx: &mut Tx) -> Result<(String, DataKey), StoreError> {
        let kek = self.keys.current().ok_or_else(|| StoreError::invalid("key", "at least one key"))?;
        let id = new_id("dk");
        let key = DataKey::generate();
        let wrapped = kek.wrap(&id, &key).map_err(StoreError::crypto("data key"))?;
        // Only an active KEK may wrap: a rotation that retired it makes this insert nothing.
        let inserted = sqlx::query(
            "INSERT INTO data_keys (id, kek_id, wrapped) \
             SELECT $1, id, $3 FROM key_encryption_keys WHERE id = $2 AND retired_at IS NULL",
        )
        .bind(id.clone())
        .bind(kek.id().to_string())
        .bind(wrapped)
        .execute(&mut **tx)
        .await?;
        if inserted.rows_affected() != 1 {
            return Err(StoreError::KeyRotated);
        }
        Ok((id, key))
    }

    pub(crate) fn unwrap_row(&self, row: &AnyRow) -> Result<DataKey, StoreError> {
        let id: String = row.try_get("data_key_id")?;
        let kek_id: String = row.try_get("kek_id")?;
        let wrapped: Vec<u8> = row.try_get("wrapped")?;
        let kek = self
            .keys
            .get(&kek_id)
            .ok_or_else(|| StoreError::WrongKey(format!("data key `{id}` is wrapped by key `{kek_id}`, which is not at hand")))?;
        kek.unwrap_key(&id, &wrapped).map_err(StoreError::crypto(format!("data key `{id}`")))
    }

    /// Opens data keys by id, each unwrapped once however many rows share it.
    pub(crate) async fn cached_key<'k>(&self, cache: &'k mut KeyCache, id: &str) -> Result<&'k DataKey, StoreError> {
        if !cache.0.contains_key(id) {
            let row = sqlx::query("SELECT id AS data_key_id, kek_id, wrapped FROM data_keys WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| corrupt(format!("data key `{id}`")))?;
            cache.0.insert(id.to_string(), self.unwrap_row(&row)?);
        }
        cache.0.get(id).ok_or_else(|| corrupt(format!("data key `{id}`")))
    }

    /// The client's own data key with its id (for values sealed per client).
    pub(crate) async fn client_key_with_id(&self, tx: &mut Tx, client_id: &str) -> Result<(String, DataKey), StoreError> {
        let row = sqlx::query(
            "SELECT c.data_key_id, d.kek_id, d.wrapped FROM clients c JOIN data_keys d ON d.id = c.data_key_id WHERE c.id = $1",
        )
        .bind(client_id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found("client", client_id))?;
        Ok((row.try_get("data_key_id")?, self.unwrap_row(&row)?))
    }

    pub(crate) async fn client_key<'e, E: Executor<'e, Database = Any>>(&self, e: E, client_id: &str) -> Result<DataKey, StoreError> {
        let row = sqlx::query(
            "SELECT c.data_key_id, d.kek_id, d.wrapped FROM clients c JOIN data_keys d ON d.id = c.data_key_id WHERE c.id = $1",
        )
        .bind(client_id.to_string())
        .fetch_optional(e)
        .await?
        .ok_or_else(|| not_found("client", client_id))?;
        self.unwrap_row(&row)
    }

    /// Rotates the key-encryption key: a new KEK is written to the key file
    /// beside the old one, every data key is re-wrapped in one transaction
    /// (contents are not re-encrypted), the old KEK is retired, and the key
    /// file is rewritten with the new key alone.
    pub async fn rotate_keys(&mut self) -> Result<Rotation, StoreError> {
        let path = match self.keys.source() {
            KeySource::File(path) => Some(path.clone()),
            KeySource::Memory => None,
            KeySource::Env { .. } => {
                return Err(StoreError::invalid(
                    "key",
                    format!("a key file to rotate; {} is set, and a new key cannot be written there", crate::keys::KEY_ENV),
                ));
            }
        };
        let ids = sqlx::query("SELECT id FROM key_encryption_keys").fetch_all(&self.pool).await?;
        let mut highest = 0u64;
        for row in &ids {
            let id: String = row.try_get("id")?;
            if let Some(n) = id.strip_prefix("kek-").and_then(|n| n.parse::<u64>().ok()) {
                highest = highest.max(n);
            }
        }
        let new = Kek::generate(format!("kek-{}", highest + 1));
        let old_ring = self.keys.clone();
        let mut ring = self.keys.clone();
        ring.push(new.clone());
        // Both keys on disk before any data key changes: a crash leaves everything readable.
        if let Some(path) = &path {
            ring.write_file(path)?;
        }
        let rewrapped = match self.rewrap(&ring, &new).await {
            Ok(n) => n,
            Err(e) => {
                if let Some(path) = &path {
                    let _ = old_ring.write_file(path);
                }
                return Err(e);
            }
        };
        ring.keep_current_only();
        if let Some(path) = &path {
            ring.write_file(path)?;
        }
        self.keys = ring;
        Ok(Rotation {
            new_key_id: new.id().to_string(),
            retired_key_ids: old_ring.keys().iter().map(|k| k.id().to_string()).collect(),
            rewrapped_data_keys: rewrapped,
        })
    }

    async fn rewrap(&self, ring: &KeyRing, new: &Kek) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        if let Some(lock) = rotation_lock(self.backend) {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let now = self.now_secs();
        sqlx::query("INSERT INTO key_encryption_keys (id, verifier, created_at) VALUES ($1, $2, $3)")
            .bind(new.id().to_string())
            .bind(new.verifier().map_err(StoreError::crypto("key"))?)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query("SELECT id AS data_key_id, kek_id, wrapped FROM data_keys").fetch_all(&mut *tx).await?;
        let mut count = 0u64;
        for row in &rows {
            let id: String = row.try_get("data_key_id")?;
            let kek_id: String = row.try_get("kek_id")?;
            let wrapped: Vec<u8> = row.try_get("wrapped")?;
            let kek = ring
                .get(&kek_id)
                .ok_or_else(|| StoreError::WrongKey(format!("data key `{id}` is wrapped by key `{kek_id}`, which is not at hand")))?;
            let key = kek.unwrap_key(&id, &wrapped).map_err(StoreError::crypto(format!("data key `{id}`")))?;
            let rewrapped = new.wrap(&id, &key).map_err(StoreError::crypto(format!("data key `{id}`")))?;
            sqlx::query("UPDATE data_keys SET kek_id = $1, wrapped = $2 WHERE id = $3")
                .bind(new.id().to_string())
                .bind(rewrapped)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            count += 1;
        }
        sqlx::query("UPDATE key_encryption_keys SET retired_at = $1 WHERE id <> $2 AND retired_at IS NULL")
            .bind(now)
            .bind(new.id().to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(count)
    }

    /// Checks the vault end to end: the database's own integrity check
    /// (SQLite), the one-owner-per-data-key invariant, and that every record
    /// decrypts. Reads everything; meant for tests and after a crash.
    pub async fn check(&self) -> Result<VaultCheck, StoreError> {
        let mut integrity = Vec::new();
        if self.backend == Backend::Sqlite {
            for row in sqlx::query("PRAGMA integrity_check").fetch_all(&self.pool).await? {
                integrity.push(row.try_get::<String, _>(0)?);
            }
        }
        let data_keys: i64 = sqlx::query("SELECT COUNT(*) AS n FROM data_keys").fetch_one(&self.pool).await?.try_get("n")?;
        let stray: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM data_keys d LEFT JOIN (\
               SELECT data_key_id, COUNT(*) AS refs FROM (\
                 SELECT data_key_id FROM staff UNION ALL SELECT data_key_id FROM clients \
                 UNION ALL SELECT data_key_id FROM records UNION ALL SELECT data_key_id FROM psychotherapy_notes\
               ) owners GROUP BY data_key_id\
             ) o ON o.data_key_id = d.id LEFT JOIN (\
               SELECT DISTINCT data_key_id FROM (\
                 SELECT data_key_id FROM audit_entries UNION ALL SELECT data_key_id FROM disclosures \
                 UNION ALL SELECT data_key_id FROM accounting_suspensions UNION ALL SELECT data_key_id FROM break_glass\
               ) sealed\
             ) x ON x.data_key_id = d.id \
             WHERE (o.refs IS NOT NULL AND o.refs <> 1) OR (o.refs IS NULL AND x.data_key_id IS NULL)",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let mut records = 0u64;
        let mut undecryptable = 0u64;
        for table in ["records", "psychotherapy_notes"] {
            // A LEFT JOIN so a record whose key row is missing counts as undecryptable, not as absent.
            let sql = format!(
                "SELECT r.id, r.content, r.data_key_id, d.kek_id, d.wrapped FROM {table} r LEFT JOIN data_keys d ON d.id = r.data_key_id"
            );
            for row in sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await? {
                records += 1;
                let opened = (|| -> Result<(), StoreError> {
                    let id: String = row.try_get("id")?;
                    if row.try_get::<Option<String>, _>("kek_id")?.is_none() {
                        return Err(corrupt(format!("record `{id}` data key")));
                    }
                    let key = self.unwrap_row(&row)?;
                    let sealed: Vec<u8> = row.try_get("content")?;
                    key.open(&field_aad(table, "content", &id), &sealed).map_err(StoreError::crypto(format!("record `{id}`")))?;
                    Ok(())
                })();
                if opened.is_err() {
                    undecryptable += 1;
                }
            }
        }
        Ok(VaultCheck {
            integrity,
            records,
            data_keys: u64::try_from(data_keys).unwrap_or_default(),
            stray_data_keys: u64::try_from(stray).unwrap_or_default(),
            undecryptable_records: undecryptable,
        })
    }

    // ── staff and teams ─────────────────────────────────────────────────────

    pub async fn add_staff(&self, new: NewStaff) -> Result<String, StoreError> {
        let id = checked_id("staff", new.id.as_deref(), "st")?;
        non_empty("display_name", &new.display_name)?;
        let mut tx = self.begin().await?;
        if exists(&mut tx, "SELECT 1 AS x FROM staff WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "staff", id });
        }
        let (key_id, key) = self.new_data_key(&mut tx).await?;
        let name = key.seal(&field_aad("staff", "display_name", &id), new.display_name.as_bytes()).map_err(StoreError::crypto("staff"))?;
        sqlx::query("INSERT INTO staff (id, data_key_id, display_name, role, active, created_at) VALUES ($1, $2, $3, $4, 1, $5)")
            .bind(id.clone())
            .bind(key_id)
            .bind(name)
            .bind(new.role.as_str())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_staff(&self) -> Result<Vec<Staff>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.display_name, s.role, s.active, s.data_key_id, d.kek_id, d.wrapped \
             FROM staff s JOIN data_keys d ON d.id = s.data_key_id ORDER BY s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| self.staff_from_row(row)).collect()
    }

    pub async fn staff(&self, id: &str) -> Result<Staff, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.staff_on(&mut conn, id).await
    }

    pub(crate) async fn staff_on(&self, conn: &mut AnyConnection, id: &str) -> Result<Staff, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.display_name, s.role, s.active, s.data_key_id, d.kek_id, d.wrapped \
             FROM staff s JOIN data_keys d ON d.id = s.data_key_id WHERE s.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found("staff", id))?;
        self.staff_from_row(&row)
    }

    fn staff_from_row(&self, row: &AnyRow) -> Result<Staff, StoreError> {
        let id: String = row.try_get("id")?;
        let key = self.unwrap_row(row)?;
        let sealed: Vec<u8> = row.try_get("display_name")?;
        let display_name = key.open_text(&field_aad("staff", "display_name", &id), &sealed).map_err(StoreError::crypto(format!("staff `{id}`")))?;
        let role: String = row.try_get("role")?;
        let active: i64 = row.try_get("active")?;
        Ok(Staff {
            role: StaffRole::parse(&role).ok_or_else(|| corrupt(format!("staff `{id}` role")))?,
            active: active != 0,
            display_name,
            id,
        })
    }

    pub async fn set_staff_active(&self, id: &str, active: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("staff", id));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Creates a care team (names are not identifying and stay in clear text).
    pub async fn add_team(&self, id: Option<&str>, name: &str) -> Result<String, StoreError> {
        let id = checked_id("team", id, "team")?;
        non_empty("name", name)?;
        let mut tx = self.begin().await?;
        if exists(&mut tx, "SELECT 1 AS x FROM care_teams WHERE id = $1 OR name = $1", &id).await?
            || exists(&mut tx, "SELECT 1 AS x FROM care_teams WHERE name = $1", name).await?
        {
            return Err(StoreError::Duplicate { kind: "team", id: name.to_string() });
        }
        sqlx::query("INSERT INTO care_teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.clone())
            .bind(name.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A team's id, from its id or its name.
    pub async fn team_id(&self, id_or_name: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT id FROM care_teams WHERE id = $1 OR name = $1")
            .bind(id_or_name.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("team", id_or_name))?;
        Ok(row.try_get("id")?)
    }

    pub async fn add_team_member(&self, team_id: &str, staff_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        require(&mut *tx, "SELECT 1 AS x FROM care_teams WHERE id = $1", "team", team_id).await?;
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        // The primary key makes a repeated assignment a no-op, in one statement.
        sqlx::query("INSERT INTO care_team_members (team_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(team_id.to_string())
            .bind(staff_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_teams(&self) -> Result<Vec<CareTeam>, StoreError> {
        let teams = sqlx::query("SELECT id, name FROM care_teams ORDER BY name").fetch_all(&self.pool).await?;
        let members = sqlx::query("SELECT team_id, staff_id FROM care_team_members ORDER BY staff_id").fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(teams.len());
        for t in &teams {
            let id: String = t.try_get("id")?;
            let mut list = Vec::new();
            for m in &members {
                let team: String = m.try_get("team_id")?;
                if team == id {
                    list.push(m.try_get("staff_id")?);
                }
            }
            out.push(CareTeam { name: t.try_get("name")?, id, members: list });
        }
        Ok(out)
    }

    /// Puts a client on a staff member's caseload.
    pub async fn assign(&self, staff_id: &str, client_id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        require(&mut *tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", staff_id).await?;
        require(&mut *tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query("INSERT INTO caseload_assignments (staff_id, client_id, assigned_on) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(staff_id.to_string())
            .bind(client_id.to_string())
            .bind(on.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The staff on a client's caseload.
    pub async fn client_staff(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT staff_id FROM caseload_assignments WHERE client_id = $1 ORDER BY staff_id")
            .bind(client_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| r.try_get("staff_id").map_err(StoreError::from)).collect()
    }

    /// The clients on a staff member's caseload.
    pub async fn caseload(&self, staff_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT client_id FROM caseload_assignments WHERE staff_id = $1 ORDER BY client_id")
            .bind(staff_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| r.try_get("client_id").map_err(StoreError::from)).collect()
    }

    // ── clients ─────────────────────────────────────────────────────────────

    pub async fn add_client(&self, new: NewClient) -> Result<String, StoreError> {
        let id = checked_id("client", new.id.as_deref(), "cl")?;
        non_empty("name", &new.name)?;
        if let Birth::Age { years, .. } = new.birth
            && u64::from(years) > confidant_policy::MAX_AGE
        {
            return Err(StoreError::invalid("age", format!("a whole number of years from 0 to {}", confidant_policy::MAX_AGE)));
        }
        let mut tx = self.begin().await?;
        if exists(&mut tx, "SELECT 1 AS x FROM clients WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "client", id });
        }
        if let Some(team) = &new.team_id {
            require(&mut *tx, "SELECT 1 AS x FROM care_teams WHERE id = $1", "team", team).await?;
        }
        let (key_id, key) = self.new_data_key(&mut tx).await?;
        let seal = |field: &str, text: &str| key.seal(&field_aad("clients", field, &id), text.as_bytes()).map_err(StoreError::crypto("client"));
        let name = seal("name", &new.name)?;
        let contact = new.contact.as_deref().map(|c| seal("contact", c)).transpose()?;
        let notes = new.notes.as_deref().map(|n| seal("notes", n)).transpose()?;
        let (birth_date, age_years, age_on) = match new.birth {
            Birth::DateOfBirth(d) => (Some(seal("birth_date", &d.to_string())?), None, None),
            Birth::Age { years, on } => (None, Some(i64::from(years)), Some(on.to_string())),
        };
        sqlx::query(
            "INSERT INTO clients (id, data_key_id, name, contact, notes, birth_date, age_years, age_recorded_on, \
             status, part2_program, team_id, created_at, lps_program) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $12)",
        )
        .bind(id.clone())
        .bind(key_id)
        .bind(name)
        .bind(contact)
        .bind(notes)
        .bind(birth_date)
        .bind(age_years)
        .bind(age_on)
        .bind(i64::from(new.part2_program))
        .bind(new.team_id)
        .bind(self.now_secs())
        .bind(i64::from(new.lps_program))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.contact, c.notes, c.birth_date, c.age_years, c.age_recorded_on, c.status, \
             c.discharged_on, c.died_on, c.part2_program, c.lps_program, c.team_id, c.data_key_id, d.kek_id, d.wrapped \
             FROM clients c JOIN data_keys d ON d.id = c.data_key_id ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| self.client_from_row(row)).collect()
    }

    pub async fn client(&self, id: &str) -> Result<Client, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.client_on(&mut conn, id).await
    }

    pub(crate) async fn client_on(&self, conn: &mut AnyConnection, id: &str) -> Result<Client, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.name, c.contact, c.notes, c.birth_date, c.age_years, c.age_recorded_on, c.status, \
             c.discharged_on, c.died_on, c.part2_program, c.lps_program, c.team_id, c.data_key_id, d.kek_id, d.wrapped \
             FROM clients c JOIN data_keys d ON d.id = c.data_key_id WHERE c.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found("client", id))?;
        self.client_from_row(&row)
    }

    fn client_from_row(&self, row: &AnyRow) -> Result<Client, StoreError> {
        let id: String = row.try_get("id")?;
        let key = self.unwrap_row(row)?;
        let what = format!("client `{id}`");
        let open = |field: &str, sealed: &[u8]| key.open_text(&field_aad("clients", field, &id), sealed).map_err(StoreError::crypto(what.clone()));
        let name = open("name", &row.try_get::<Vec<u8>, _>("name")?)?;
        let contact = row.try_get::<Option<Vec<u8>>, _>("contact")?.map(|c| open("contact", &c)).transpose()?;
        let notes = row.try_get::<Option<Vec<u8>>, _>("notes")?.map(|n| open("notes", &n)).transpose()?;
        let birth = match row.try_get::<Option<Vec<u8>>, _>("birth_date")? {
            Some(sealed) => Birth::DateOfBirth(Date::parse(&open("birth_date", &sealed)?).ok_or_else(|| corrupt(what.clone()))?),
            None => {
                let years: Option<i64> = row.try_get("age_years")?;
                let on: Option<String> = row.try_get("age_recorded_on")?;
                match (years.and_then(|y| u8::try_from(y).ok()), on.as_deref().and_then(Date::parse)) {
                    (Some(years), Some(on)) => Birth::Age { years, on },
                    _ => return Err(corrupt(what)),
                }
            }
        };
        let status: String = row.try_get("status")?;
        let part2: i64 = row.try_get("part2_program")?;
        let lps: i64 = row.try_get("lps_program")?;
        Ok(Client {
            name,
            contact,
            notes,
            birth,
            status: ClientStatus::parse(&status).ok_or_else(|| corrupt(what.clone()))?,
            discharged_on: opt_date(row, "discharged_on", &what)?,
            died_on: opt_date(row, "died_on", &what)?,
            part2_program: part2 != 0,
            lps_program: lps != 0,
            team_id: row.try_get("team_id")?,
            id,
        })
    }

    /// Records a discharge; confidentiality continues.
    pub async fn discharge(&self, id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.discharge_in(&mut tx, id, on).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::discharge`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn discharge_audited(&self, id: &str, on: Date, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.discharge_in(&mut tx, id, on).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn discharge_in(&self, tx: &mut Tx, id: &str, on: Date) -> Result<(), StoreError> {

        let status = client_status(tx, id).await?;
        if status != ClientStatus::Active {
            return Err(StoreError::invalid("client", format!("an active client to discharge; `{id}` is {status}")));
        }
        sqlx::query("UPDATE clients SET status = 'discharged', discharged_on = $1 WHERE id = $2")
            .bind(on.to_string())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }


    /// Records a client's death; confidentiality continues (for 50 years under HIPAA).
    pub async fn record_death(&self, id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.record_death_in(&mut tx, id, on).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::record_death`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn record_death_audited(&self, id: &str, on: Date, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.record_death_in(&mut tx, id, on).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn record_death_in(&self, tx: &mut Tx, id: &str, on: Date) -> Result<(), StoreError> {

        let status = client_status(tx, id).await?;
        if status == ClientStatus::Deceased {
            return Err(StoreError::invalid("client", format!("a living client; `{id}`'s death is already recorded")));
        }
        sqlx::query("UPDATE clients SET status = 'deceased', died_on = $1 WHERE id = $2")
            .bind(on.to_string())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }


    /// The privacy officer's correction of a mistaken discharge or death:
    /// the client's status and dates are set to what they should have been
    /// (`None` for both: active). The caller audits it as a correction.
    pub async fn correct_client_status(&self, id: &str, discharged_on: Option<Date>, died_on: Option<Date>) -> Result<ClientStatus, StoreError> {
        let mut tx = self.begin().await?;
        client_status(&mut tx, id).await?;
        let status = match (discharged_on, died_on) {
            (_, Some(_)) => ClientStatus::Deceased,
            (Some(_), None) => ClientStatus::Discharged,
            (None, None) => ClientStatus::Active,
        };
        sqlx::query("UPDATE clients SET status = $1, discharged_on = $2, died_on = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(discharged_on.map(|d| d.to_string()))
            .bind(died_on.map(|d| d.to_string()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(status)
    }

    pub async fn acknowledge_privacy_notice(&self, client_id: &str, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        require(&mut *tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query("INSERT INTO privacy_notice_acknowledgments (client_id, acknowledged_on) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(client_id.to_string())
            .bind(on.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn privacy_notice_acknowledgments(&self, client_id: &str) -> Result<Vec<Date>, StoreError> {
        // An unknown client is an error, not an empty list that reads as "never acknowledged".
        require(&self.pool, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let rows = sqlx::query("SELECT acknowledged_on FROM privacy_notice_acknowledgments WHERE client_id = $1 ORDER BY acknowledged_on")
            .bind(client_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get("acknowledged_on")?;
                Date::parse(&text).ok_or_else(|| corrupt(format!("client `{client_id}` privacy notice")))
            })
            .collect()
    }

    // ── records ─────────────────────────────────────────────────────────────

    /// Stores a record under its own data key; psychotherapy notes go to their own table.
    pub async fn add_record(&self, new: NewRecord) -> Result<String, StoreError> {
        let mut ids = self.add_records(vec![new]).await.map_err(|e| match e {
            StoreError::InBatch { source, .. } => *source,
            other => other,
        })?;
        ids.pop().ok_or_else(|| corrupt("record batch"))
    }

    /// Stores many records in one transaction, all or none: each is checked
    /// as `add_record` checks it (the same code) and sealed under its own
    /// data key. A failure names the record's position in the batch
    /// ([`StoreError::InBatch`]).
    ///
    /// Why it is shaped like this: per-record cost is dominated by statement
    /// round trips, not by encryption, so after the per-record checks the
    /// keys and rows go in as multi-row inserts, and stored duplicates are
    /// looked for with one `IN (…)` query per chunk.
    pub async fn add_records(&self, batch: Vec<NewRecord>) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_records_in(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::add_records`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"records"`). Returns the
    /// audit entry's sequence number with the result.
    pub async fn add_records_audited(&self, batch: Vec<NewRecord>, audit: AuditEvent) -> Result<(Vec<String>, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_records_in(&mut tx, batch).await?;
        let seq = self.commit_audited(tx, audit.with_detail("records", json!(out))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn add_records_in(&self, tx: &mut Tx, batch: Vec<NewRecord>) -> Result<Vec<String>, StoreError> {

        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let at = |index: usize| move |e: StoreError| StoreError::InBatch { index, source: Box::new(e) };
        let mut checks = RecordChecks::default();
        let mut checked = Vec::with_capacity(batch.len());
        for (index, new) in batch.into_iter().enumerate() {
            checked.push(self.check_record(tx, new, &mut checks).await.map_err(at(index))?);
        }
        // Record ids are unique across both tables, which no single constraint can say.
        for (chunk_no, chunk) in checked.chunks(INSERT_CHUNK).enumerate() {
            let list = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT id FROM records WHERE id IN ({list}) UNION ALL SELECT id FROM psychotherapy_notes WHERE id IN ({list})");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q.bind(r.id.clone());
            }
            let stored = q.fetch_all(&mut **tx).await?;
            if let Some(row) = stored.first() {
                let id: String = row.try_get("id")?;
                let index = chunk_no * INSERT_CHUNK + chunk.iter().position(|r| r.id == id).unwrap_or_default();
                return Err(at(index)(StoreError::Duplicate { kind: "record", id }));
            }
        }
        // The first data key goes in through the guarded insert, which fails
        // if a rotation retired the KEK. Its row lock on `data_keys` then
        // holds off any rotation until this transaction ends, so the rest of
        // the batch's keys may be plain inserts wrapped by the same KEK.
        let kek = self.keys.current().ok_or_else(|| StoreError::invalid("key", "at least one key"))?.clone();
        let mut keys: Vec<(String, DataKey)> = Vec::with_capacity(checked.len());
        keys.push(self.new_data_key(tx).await.map_err(at(0))?);
        let mut wrapped: Vec<(String, Vec<u8>)> = Vec::with_capacity(checked.len());
        for _ in 1..checked.len() {
            let id = new_id("dk");
            let key = DataKey::generate();
            wrapped.push((id.clone(), kek.wrap(&id, &key).map_err(StoreError::crypto("data key"))?));
            keys.push((id, key));
        }
        for chunk in wrapped.chunks(INSERT_CHUNK) {
            let sql = multi_row_insert("INSERT INTO data_keys (id, kek_id, wrapped) VALUES ", 3, chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, w) in chunk {
                q = q.bind(id.clone()).bind(kek.id().to_string()).bind(w.clone());
            }
            q.execute(&mut **tx).await?;
        }
        let now = self.now_secs();
        let mut sealed: Vec<(CheckedRecord, String, Vec<u8>)> = Vec::with_capacity(checked.len());
        for (r, (key_id, key)) in checked.into_iter().zip(keys) {
            let content = key.seal(&field_aad(r.table(), "content", &r.id), r.content.as_bytes()).map_err(StoreError::crypto("record"))?;
            sealed.push((r, key_id, content));
        }
        let ids = sealed.iter().map(|(r, _, _)| r.id.clone()).collect();
        let (notes, records): (Vec<_>, Vec<_>) = sealed.into_iter().partition(|(r, _, _)| r.notes);
        for chunk in records.chunks(INSERT_CHUNK) {
            let sql = multi_row_insert(
                "INSERT INTO records (id, client_id, author_id, created_at, data_key_id, content, category) VALUES ",
                7,
                chunk.len(),
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (r, key_id, content) in chunk {
                q = q.bind(r.id.clone()).bind(r.client_id.clone()).bind(r.author_id.clone()).bind(now).bind(key_id.clone()).bind(content.clone());
                q = q.bind(r.category.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in notes.chunks(INSERT_CHUNK) {
            let sql = multi_row_insert(
                "INSERT INTO psychotherapy_notes (id, client_id, author_id, created_at, data_key_id, content) VALUES ",
                6,
                chunk.len(),
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (r, key_id, content) in chunk {
                q = q.bind(r.id.clone()).bind(r.client_id.clone()).bind(r.author_id.clone()).bind(now).bind(key_id.clone()).bind(content.clone());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(ids)
    }


    /// Checks one new record inside `tx`; the one place a record is validated.
    async fn check_record(&self, tx: &mut Tx, new: NewRecord, checks: &mut RecordChecks) -> Result<CheckedRecord, StoreError> {
        let id = checked_id("record", new.id.as_deref(), "rec")?;
        non_empty("content", &new.content)?;
        // Within one transaction a client or staff row cannot change under
        // us, so a batch looks each up once.
        if !checks.clients.contains(&new.client_id) {
            require(&mut **tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", &new.client_id).await?;
            checks.clients.insert(new.client_id.clone());
        }
        let (role, active) = match checks.authors.get(&new.author_id) {
            Some(&found) => found,
            None => {
                let author = sqlx::query("SELECT role, active FROM staff WHERE id = $1")
                    .bind(new.author_id.clone())
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| not_found("staff", &new.author_id))?;
                let active: i64 = author.try_get("active")?;
                let role: String = author.try_get("role")?;
                let role = StaffRole::parse(&role).ok_or_else(|| corrupt(format!("staff `{}` role", new.author_id)))?;
                checks.authors.insert(new.author_id.clone(), (role, active != 0));
                (role, active != 0)
            }
        };
        if !active {
            return Err(StoreError::invalid("author", format!("an active staff member; `{}` is inactive", new.author_id)));
        }
        let notes = new.category == Category::PsychotherapyNotes;
        if notes && !matches!(role, StaffRole::Psychotherapist | StaffRole::Psychiatrist | StaffRole::Supervisor) {
            return Err(StoreError::invalid(
                "author",
                format!("a psychotherapist, psychiatrist or supervisor for psychotherapy notes; `{}` is {role}", new.author_id),
            ));
        }
        // Duplicates within the batch here; against stored rows in bulk by the caller.
        if !checks.ids.insert(id.clone()) {
            return Err(StoreError::Duplicate { kind: "record", id });
        }
        Ok(CheckedRecord { id, client_id: new.client_id, author_id: new.author_id, category: new.category, notes, content: new.content })
    }

    /// A client's records, psychotherapy notes included, oldest first; the
    /// content is decrypted only when asked for.
    pub async fn records(&self, client_id: &str, with_content: bool) -> Result<Vec<Record>, StoreError> {
        self.records_selected(client_id, with_content, &|_| true).await
    }

    /// A client's records that `keep` accepts (it sees each record without
    /// its content); only those are decrypted. A release uses this so that
    /// nothing it will not hand over is ever opened.
    pub async fn records_selected(&self, client_id: &str, with_content: bool, keep: &(dyn Fn(&Record) -> bool + Sync)) -> Result<Vec<Record>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.records_selected_on(&mut conn, client_id, with_content, keep).await
    }

    pub(crate) async fn records_selected_on(
        &self,
        conn: &mut AnyConnection,
        client_id: &str,
        with_content: bool,
        keep: &(dyn Fn(&Record) -> bool + Sync),
    ) -> Result<Vec<Record>, StoreError> {
        require(&mut *conn, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let mut out = Vec::new();
        for (table, query) in [
            (
                "records",
                "SELECT r.id, r.client_id, r.category, r.author_id, r.created_at, r.content, r.data_key_id, d.kek_id, d.wrapped \
                 FROM records r JOIN data_keys d ON d.id = r.data_key_id WHERE r.client_id = $1",
            ),
            (
                "psychotherapy_notes",
                "SELECT r.id, r.client_id, 'psychotherapy_notes' AS category, r.author_id, r.created_at, r.content, \
                 r.data_key_id, d.kek_id, d.wrapped \
                 FROM psychotherapy_notes r JOIN data_keys d ON d.id = r.data_key_id WHERE r.client_id = $1",
            ),
        ] {
            for row in sqlx::query(query).bind(client_id.to_string()).fetch_all(&mut *conn).await? {
                let id: String = row.try_get("id")?;
                let category: String = row.try_get("category")?;
                let mut record = Record {
                    category: Category::parse(&category).ok_or_else(|| corrupt(format!("record `{id}` category")))?,
                    client_id: row.try_get("client_id")?,
                    author_id: row.try_get("author_id")?,
                    created_at: row.try_get("created_at")?,
                    content: None,
                    id,
                };
                if !keep(&record) {
                    continue;
                }
                if with_content {
                    let key = self.unwrap_row(&row)?;
                    let sealed: Vec<u8> = row.try_get("content")?;
                    let id = &record.id;
                    record.content =
                        Some(key.open_text(&field_aad(table, "content", id), &sealed).map_err(StoreError::crypto(format!("record `{id}`")))?);
                }
                out.push(record);
            }
        }
        out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(out)
    }

    // ── authorizations ──────────────────────────────────────────────────────

    /// Files an authorization or Part 2 consent, refusing one that is not
    /// valid as written (every defect listed). An empty id is generated.
    pub async fn add_authorization(&self, client_id: &str, auth: &Authorization, document: Option<&[u8]>) -> Result<String, StoreError> {
        self.file_authorization(client_id, auth, document, None).await
    }

    /// [`Store::add_authorization`], recording the staff member who entered
    /// it. One covering psychotherapy notes or Part 2 records is queued for
    /// the privacy officer's review ([`needs_privacy_review`]).
    pub async fn file_authorization(&self, client_id: &str, auth: &Authorization, document: Option<&[u8]>, entered_by: Option<&str>) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.file_authorization_in(&mut tx, client_id, auth, document, entered_by).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::file_authorization`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"authorization"`). Returns the
    /// audit entry's sequence number with the result.
    pub async fn file_authorization_audited(&self, client_id: &str, auth: &Authorization, document: Option<&[u8]>, entered_by: Option<&str>, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.file_authorization_in(&mut tx, client_id, auth, document, entered_by).await?;
        let seq = self.commit_audited(tx, audit.with_detail("authorization", json!(out))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn file_authorization_in(&self, tx: &mut Tx, client_id: &str, auth: &Authorization, document: Option<&[u8]>, entered_by: Option<&str>) -> Result<String, StoreError> {

        let defects = form_defects(auth);
        if !defects.is_empty() {
            return Err(StoreError::IncompleteAuthorization(defects));
        }
        if auth.revoked_on.is_some() {
            return Err(StoreError::invalid("revoked_on", "absent when filing; revoke a filed authorization instead"));
        }
        // The vault's schema (migration 1) holds HIPAA authorizations and
        // Part 2 consents; an ASCMI's care partners and choices need their
        // own columns first (the interoperability round).
        if auth.kind == confidant_policy::vocab::AuthorizationKind::Ascmi {
            return Err(StoreError::invalid("kind", "`hipaa` or `part2` (an ASCMI is decided on when sent in a request, but cannot be filed in the vault yet)"));
        }
        let id = checked_id("authorization", if auth.id.is_empty() { None } else { Some(&auth.id) }, "auth")?;
        let key = self.client_key(&mut **tx, client_id).await?;
        if exists(tx, "SELECT 1 AS x FROM authorizations WHERE id = $1", &id).await? {
            return Err(StoreError::Duplicate { kind: "authorization", id });
        }
        let recipients: Vec<Value> = auth.recipients.iter().map(|r| json!({ "kind": r.kind.as_str(), "name": r.name })).collect();
        let recipients = serde_json::to_vec(&recipients).map_err(|_| corrupt("recipients"))?;
        let sealed_recipients = key.seal(&field_aad("authorizations", "recipients", &id), &recipients).map_err(StoreError::crypto("authorization"))?;
        let document = document
            .map(|d| key.seal(&field_aad("authorizations", "document", &id), d))
            .transpose()
            .map_err(StoreError::crypto("authorization"))?;
        sqlx::query(
            "INSERT INTO authorizations (id, client_id, kind, signed_by, signed_on, categories, recipients, purposes, \
             expires_on, expiry_event, right_to_revoke, no_conditioning, redisclosure, document, created_at, entered_by, needs_review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(id.clone())
        .bind(client_id.to_string())
        .bind(auth.kind.as_str())
        .bind(auth.signed_by.map(|s| s.as_str()))
        .bind(auth.signed_on.map(|d| d.to_string()))
        .bind(join(&auth.categories))
        .bind(sealed_recipients)
        .bind(join(&auth.purposes))
        .bind(auth.expires_on.map(|d| d.to_string()))
        .bind(auth.expiry_event.clone())
        .bind(i64::from(auth.statements.right_to_revoke))
        .bind(i64::from(auth.statements.no_conditioning))
        .bind(i64::from(auth.statements.redisclosure))
        .bind(document)
        .bind(self.now_secs())
        .bind(entered_by.map(str::to_string))
        .bind(i64::from(needs_privacy_review(auth)))
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }


    /// Authorizations filed for psychotherapy notes or Part 2 records that
    /// the privacy officer has not yet reviewed, oldest first, every client.
    pub async fn authorizations_awaiting_review(&self) -> Result<Vec<AwaitingReview>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, client_id, kind, categories, entered_by, document IS NOT NULL AS has_document, created_at \
             FROM authorizations WHERE needs_review = 1 AND reviewed_at IS NULL ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let what = format!("authorization `{id}`");
                Ok(AwaitingReview {
                    client_id: row.try_get("client_id")?,
                    kind: row.try_get("kind")?,
                    categories: split(&row.try_get::<String, _>("categories")?, Category::parse, &what)?,
                    entered_by: row.try_get("entered_by")?,
                    has_document: row_bool(row, "has_document")?,
                    filed_at: row.try_get("created_at")?,
                    id,
                })
            })
            .collect()
    }

    /// Marks a queued authorization reviewed. Nobody reviews one they entered.
    pub async fn review_authorization(&self, id: &str, reviewer: &str) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT client_id, entered_by, needs_review, reviewed_at FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        let entered_by: Option<String> = row.try_get("entered_by")?;
        if entered_by.as_deref() == Some(reviewer) {
            return Err(StoreError::invalid("review", "a reviewer other than the staff member who entered the authorization"));
        }
        let done = sqlx::query("UPDATE authorizations SET reviewed_by = $2, reviewed_at = $3 WHERE id = $1 AND needs_review = 1 AND reviewed_at IS NULL")
            .bind(id.to_string())
            .bind(reviewer.to_string())
            .bind(self.now_secs())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::invalid("review", format!("an authorization awaiting review; `{id}` is not")));
        }
        tx.commit().await?;
        Ok(row.try_get("client_id")?)
    }

    /// Records a revocation in writing, received on `on` by a staff member.
    /// Of several concurrent revocations of one authorization exactly one
    /// wins; the others get [`StoreError::AlreadyRevoked`] naming the winner.
    pub async fn revoke_authorization(&self, id: &str, on: Date, by_staff: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.revoke_authorization_in(&mut tx, id, on, by_staff).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::revoke_authorization`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// Returns the audit entry's sequence number.
    pub async fn revoke_authorization_audited(&self, id: &str, on: Date, by_staff: &str, audit: AuditEvent) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        self.revoke_authorization_in(&mut tx, id, on, by_staff).await?;
        self.commit_audited(tx, audit).await
    }

    pub(crate) async fn revoke_authorization_in(&self, tx: &mut Tx, id: &str, on: Date, by_staff: &str) -> Result<(), StoreError> {

        let row = sqlx::query("SELECT signed_on, revoked_on, revoked_by FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        if let Some(err) = already_revoked(id, &row)? {
            return Err(err);
        }
        let signed: Option<String> = row.try_get("signed_on")?;
        if let Some(signed) = signed.as_deref().and_then(Date::parse)
            && on < signed
        {
            return Err(StoreError::invalid("revoked_on", format!("a day on or after it was signed ({signed})")));
        }
        require(&mut **tx, "SELECT 1 AS x FROM staff WHERE id = $1", "staff", by_staff).await?;
        // The read above is no lock on PostgreSQL: a concurrent revocation may
        // commit between it and here. The condition makes the update itself
        // the test, so the loser changes nothing instead of overwriting.
        let done = sqlx::query("UPDATE authorizations SET revoked_on = $1, revoked_by = $2 WHERE id = $3 AND revoked_on IS NULL")
            .bind(on.to_string())
            .bind(by_staff.to_string())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            // Read committed: this statement sees the winner's commit.
            let row = sqlx::query("SELECT signed_on, revoked_on, revoked_by FROM authorizations WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&mut **tx)
                .await?;
            return Err(already_revoked(id, &row)?.unwrap_or_else(|| corrupt(format!("authorization `{id}` revocation"))));
        }
        Ok(())
    }


    /// The client an authorization belongs to.
    pub async fn authorization_client(&self, id: &str) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT client_id FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        Ok(row.try_get("client_id")?)
    }

    /// A client's authorizations and consents, oldest first.
    pub async fn authorizations(&self, client_id: &str) -> Result<Vec<StoredAuthorization>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.authorizations_on(&mut conn, client_id).await
    }

    pub(crate) async fn authorizations_on(&self, conn: &mut AnyConnection, client_id: &str) -> Result<Vec<StoredAuthorization>, StoreError> {
        let key = self.client_key(&mut *conn, client_id).await?;
        let rows = sqlx::query(
            "SELECT id, kind, signed_by, signed_on, categories, recipients, purposes, expires_on, expiry_event, \
             revoked_on, revoked_by, right_to_revoke, no_conditioning, redisclosure, document IS NOT NULL AS has_document, \
             entered_by, needs_review, reviewed_by \
             FROM authorizations WHERE client_id = $1 ORDER BY created_at, id",
        )
        .bind(client_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let what = format!("authorization `{id}`");
            let sealed: Vec<u8> = row.try_get("recipients")?;
            let recipients = key.open(&field_aad("authorizations", "recipients", &id), &sealed).map_err(StoreError::crypto(what.clone()))?;
            let recipients: Vec<Value> = serde_json::from_slice(&recipients).map_err(|_| corrupt(what.clone()))?;
            let recipients = recipients
                .iter()
                .map(|r| {
                    let kind = r.get("kind").and_then(Value::as_str).and_then(RecipientKind::parse);
                    let name = r.get("name").and_then(Value::as_str).map(str::to_string);
                    kind.map(|kind| AuthorizedRecipient { kind, name }).ok_or_else(|| corrupt(what.clone()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let kind: String = row.try_get("kind")?;
            let signed_by: Option<String> = row.try_get("signed_by")?;
            let flag = |col: &str| -> Result<bool, StoreError> { Ok(row.try_get::<i64, _>(col)? != 0) };
            let has_document = row_bool(row, "has_document")?;
            let authorization = Authorization {
                kind: AuthorizationKind::parse(&kind).ok_or_else(|| corrupt(what.clone()))?,
                signed_by: signed_by.as_deref().map(|s| Signer::parse(s).ok_or_else(|| corrupt(what.clone()))).transpose()?,
                signed_on: opt_date(row, "signed_on", &what)?,
                categories: split(&row.try_get::<String, _>("categories")?, Category::parse, &what)?,
                recipients,
                purposes: split(&row.try_get::<String, _>("purposes")?, Purpose::parse, &what)?,
                expires_on: opt_date(row, "expires_on", &what)?,
                expiry_event: row.try_get("expiry_event")?,
                revoked_on: opt_date(row, "revoked_on", &what)?,
                statements: Statements {
                    right_to_revoke: flag("right_to_revoke")?,
                    no_conditioning: flag("no_conditioning")?,
                    redisclosure: flag("redisclosure")?,
                },
                id,
            };
            out.push(StoredAuthorization {
                client_id: client_id.to_string(),
                authorization,
                revoked_by: row.try_get("revoked_by")?,
                has_document,
                entered_by: row.try_get("entered_by")?,
                awaiting_review: row_bool(row, "needs_review")? && row.try_get::<Option<String>, _>("reviewed_by")?.is_none(),
            });
        }
        Ok(out)
    }

    /// The signed document attached to an authorization, decrypted.
    pub async fn authorization_document(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT client_id, document FROM authorizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("authorization", id))?;
        let Some(sealed) = row.try_get::<Option<Vec<u8>>, _>("document")? else {
            return Ok(None);
        };
        let client_id: String = row.try_get("client_id")?;
        let key = self.client_key(&self.pool, &client_id).await?;
        let doc = key.open(&field_aad("authorizations", "document", id), &sealed).map_err(StoreError::crypto(format!("authorization `{id}`")))?;
        Ok(Some(doc.to_vec()))
    }

    // ── restrictions ────────────────────────────────────────────────────────

    pub async fn add_restriction(&self, client_id: &str, restriction: &Restriction, requested_on: Date) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_restriction_in(&mut tx, client_id, restriction, requested_on).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::add_restriction`] with `audit` appended in the same transaction: the
    /// change and its audit entry are committed together or not at all.
    /// The entry's details name what was created (`"restriction"`). Returns the
    /// audit entry's sequence number with the result.
    pub async fn add_restriction_audited(&self, client_id: &str, restriction: &Restriction, requested_on: Date, audit: AuditEvent) -> Result<(String, u64), StoreError> {
        let mut tx = self.begin().await?;
        let out = self.add_restriction_in(&mut tx, client_id, restriction, requested_on).await?;
        let seq = self.commit_audited(tx, audit.with_detail("restriction", json!(out))).await?;
        Ok((out, seq))
    }

    pub(crate) async fn add_restriction_in(&self, tx: &mut Tx, client_id: &str, restriction: &Restriction, requested_on: Date) -> Result<String, StoreError> {

        let id = new_id("restr");
        require(&mut **tx, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        sqlx::query(
            "INSERT INTO restrictions (id, client_id, categories, recipient_kinds, purposes, agreed, requested_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.clone())
        .bind(client_id.to_string())
        .bind(join(&restriction.categories))
        .bind(join(&restriction.recipient_kinds))
        .bind(join(&restriction.purposes))
        .bind(i64::from(restriction.agreed))
        .bind(requested_on.to_string())
        .bind(self.now_secs())
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }


    pub async fn restrictions(&self, client_id: &str) -> Result<Vec<StoredRestriction>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.restrictions_on(&mut conn, client_id).await
    }

    pub(crate) async fn restrictions_on(&self, conn: &mut AnyConnection, client_id: &str) -> Result<Vec<StoredRestriction>, StoreError> {
        require(&mut *conn, "SELECT 1 AS x FROM clients WHERE id = $1", "client", client_id).await?;
        let rows = sqlx::query(
            "SELECT id, categories, recipient_kinds, purposes, agreed, requested_on FROM restrictions \
             WHERE client_id = $1 ORDER BY created_at, id",
        )
        .bind(client_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let what = format!("restriction `{id}`");
            let agreed: i64 = row.try_get("agreed")?;
            out.push(StoredRestriction {
                client_id: client_id.to_string(),
                restriction: Restriction {
                    categories: split(&row.try_get::<String, _>("categories")?, Category::parse, &what)?,
                    recipient_kinds: split(&row.try_get::<String, _>("recipient_kinds")?, RecipientKind::parse, &what)?,
                    purposes: split(&row.try_get::<String, _>("purposes")?, Purpose::parse, &what)?,
                    agreed: agreed != 0,
                },
                requested_on: opt_date(row, "requested_on", &what)?.ok_or_else(|| corrupt(what.clone()))?,
                id,
            });
        }
        Ok(out)
    }
}

// ── helpers ─────────────────────────────────────────────────────────────────

/// Rows per multi-row insert: large enough that round trips stop mattering,
/// small because sqlx's SQLite binding looks each parameter's name up in a
/// list, which grows quadratically with the parameters of one statement
/// (20% of insert time at 200 rows, found with `perf`).
const INSERT_CHUNK: usize = 50;

/// What one batch transaction already checked: clients that exist, each
/// author's role and status, and the ids taken so far in the batch.
#[derive(Default)]
struct RecordChecks {
    clients: std::collections::HashSet<String>,
    authors: std::collections::HashMap<String, (StaffRole, bool)>,
    ids: std::collections::HashSet<String>,
}

/// A new record that passed every check but the bulk duplicate query.
struct CheckedRecord {
    id: String,
    client_id: String,
    author_id: String,
    category: Category,
    notes: bool,
    content: String,
}

impl CheckedRecord {
    fn table(&self) -> &'static str {
        if self.notes { "psychotherapy_notes" } else { "records" }
    }
}

/// `head` followed by `rows` groups of `columns` placeholders: `($1, $2), ($3, $4)`.
pub(crate) fn multi_row_insert(head: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * columns * 6);
    sql.push_str(head);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..columns {
            if col > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(row * columns + col + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

pub(crate) fn not_found(kind: &'static str, id: &str) -> StoreError {
    StoreError::NotFound { kind, id: id.to_string() }
}

pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into() }
}

/// A random id such as `cl-3f9a1c2b7e04`.
pub(crate) fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 6];
    rand::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

/// The given id when it is well formed, else a new one.
fn checked_id(kind: &str, id: Option<&str>, prefix: &str) -> Result<String, StoreError> {
    match id {
        None => Ok(new_id(prefix)),
        Some(id) if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) => {
            Ok(id.to_string())
        }
        Some(id) => Err(StoreError::invalid(
            format!("{kind} id"),
            format!("1 to 64 letters, digits, `-`, `_` or `.`, got `{id}`"),
        )),
    }
}

fn non_empty(field: &str, text: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::invalid(field, "non-empty text"));
    }
    Ok(())
}

pub(crate) async fn exists(tx: &mut Tx, query: &'static str, value: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query(query).bind(value.to_string()).fetch_optional(&mut **tx).await?.is_some())
}

pub(crate) async fn require<'e, E: Executor<'e, Database = Any>>(e: E, query: &'static str, kind: &'static str, id: &str) -> Result<(), StoreError> {
    match sqlx::query(query).bind(id.to_string()).fetch_optional(e).await? {
        Some(_) => Ok(()),
        None => Err(not_found(kind, id)),
    }
}

async fn client_status(tx: &mut Tx, id: &str) -> Result<ClientStatus, StoreError> {
    let row = sqlx::query("SELECT status FROM clients WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found("client", id))?;
    let status: String = row.try_get("status")?;
    ClientStatus::parse(&status).ok_or_else(|| corrupt(format!("client `{id}` status")))
}

/// The error for an authorization row that already carries a revocation.
fn already_revoked(id: &str, row: &AnyRow) -> Result<Option<StoreError>, StoreError> {
    let on: Option<String> = row.try_get("revoked_on")?;
    let by: Option<String> = row.try_get("revoked_by")?;
    Ok(on.map(|on| StoreError::AlreadyRevoked { id: id.to_string(), on, by: by.unwrap_or_else(|| "an unrecorded staff member".into()) }))
}

pub(crate) fn opt_date(row: &AnyRow, column: &str, what: &str) -> Result<Option<Date>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| Date::parse(&t).ok_or_else(|| corrupt(format!("{what} {column}")))).transpose()
}

/// A boolean expression's value: SQLite gives an integer, PostgreSQL a boolean.
fn row_bool(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    match row.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

pub(crate) fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

pub(crate) fn split<T>(text: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, StoreError> {
    text.split(',').filter(|s| !s.is_empty()).map(|s| parse(s).ok_or_else(|| corrupt(what.to_string()))).collect()
}

/// Whether filing `auth` puts it in the privacy officer's review queue: it
/// covers psychotherapy notes (45 CFR 164.508(a)(2)) or Part 2 records
/// (42 CFR 2.31), where a forged or mistaken form does the most harm.
pub fn needs_privacy_review(auth: &Authorization) -> bool {
    auth.kind == AuthorizationKind::Part2
        || auth.categories.iter().any(|c| matches!(c, Category::PsychotherapyNotes | Category::SubstanceUse))
}
