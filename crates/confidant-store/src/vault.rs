//! The vault itself: [`Store`] opens a database with a key ring, checks that
//! the key is this vault's, and reads and writes the data model. Every write
//! is one transaction, so a failed write leaves the store unchanged; every
//! identifying field and every record's content is sealed before it reaches
//! SQL (see `crypto`).

use confidant_policy::vocab::{AuthorizationKind, Category, ClientStatus};
use confidant_policy::{Authorization, Date};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Executor, Row, Transaction};

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::crypto::{DataKey, Kek, field_aad};
use crate::db::{self, Backend, DatabaseUrl, begin_write, rotation_lock};
use crate::error::StoreError;
use crate::keys::{KeyRing, KeySource};
use crate::model::now_secs;

/// An open vault: a connection pool and the keys that open it.
pub struct Store {
    pub(crate) pool: AnyPool,
    /// The database's own driver, for the hot paths (see `db::NativePool`).
    pub(crate) native: db::NativePool,
    /// On SQLite, the hot reads through SQLite's own library (see `sqlite_reads`).
    pub(crate) sqlite_reads: Option<crate::sqlite_reads::SqliteReads>,
    backend: Backend,
    pub(crate) keys: KeyRing,
    /// The audit log's signer, once [`Store::enable_audit`] has checked it.
    pub(crate) audit: Option<std::sync::Arc<crate::audit::AuditSigner>>,
    /// The newest checkpoint seen and recently used tiles, for proofs.
    pub(crate) audit_cache: crate::audit::ProofCache,
    clock: crate::model::Clock,
    /// On SQLite, the thread that checkpoints the WAL (see `wal`).
    wal: Option<crate::wal::WalCheckpointer>,
    /// On SQLite, the connection [`Store::append_audit`] commits through.
    pub(crate) sqlite_append: Option<std::sync::Arc<crate::audit::SqliteAppender>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("keys", &self.keys).finish_non_exhaustive()
    }
}

/// What a key rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// The new current key-encryption key.
    pub new_key_id: String,
    /// The keys retired by the rotation (they open nothing any more).
    pub retired_key_ids: Vec<String>,
    /// How many data keys were re-wrapped under the new key.
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
    /// Rows in `data_keys`.
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
    /// Whether nothing was found wrong.
    pub fn is_sound(&self) -> bool {
        (self.integrity.is_empty() || self.integrity == ["ok"]) && self.stray_data_keys == 0 && self.undecryptable_records == 0
    }
}

impl Store {
    /// The store over a checked database: adds the native pool for the hot
    /// paths and, on SQLite, the rusqlite readers beside `pool`.
    async fn with_pools(pool: AnyPool, url: &DatabaseUrl, backend: Backend, keys: KeyRing) -> Result<Store, StoreError> {
        let native = db::connect_native(url, backend).await?;
        let sqlite_reads = db::sqlite_reads(url, backend)?;
        let wal = sqlite_reads.as_ref().map(|reads| crate::wal::WalCheckpointer::start(reads.path().to_path_buf())).transpose()?;
        let sqlite_append =
            sqlite_reads.as_ref().map(|reads| std::sync::Arc::new(crate::audit::SqliteAppender::new(reads.path().to_path_buf())));
        Ok(Store {
            pool,
            native,
            sqlite_reads,
            backend,
            keys,
            audit: None,
            audit_cache: Default::default(),
            clock: crate::model::Clock::system(),
            wal,
            sqlite_append,
        })
    }

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
        Store::with_pools(pool, url, backend, keys).await
    }

    /// Opens an existing vault; fails, changing nothing, unless one of the
    /// ring's keys is the vault's current key.
    pub async fn open(url: &DatabaseUrl, mut keys: KeyRing) -> Result<Store, StoreError> {
        let (pool, backend) = db::connect(url).await?;
        let rows = sqlx::query("SELECT id, verifier, retired_at FROM key_encryption_keys ORDER BY created_at, id").fetch_all(&pool).await?;
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
            let candidates: Vec<&(String, Vec<u8>, bool)> =
                if kek.id().is_empty() { known.iter().collect() } else { known.iter().filter(|(id, _, _)| id == kek.id()).collect() };
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
        Store::with_pools(pool, url, backend, keys).await
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
        sqlx::query(
            "INSERT INTO organization_settings (key, value) VALUES ('jurisdiction', $1) ON CONFLICT (key) DO UPDATE SET value = $1",
        )
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

    /// The database the vault is kept in.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The key-encryption keys the vault was opened with (current last).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Closes the pool, waiting for connections to finish (checkpoints SQLite's WAL).
    pub async fn close(mut self) {
        // The checkpoint thread ends first (after a checkpoint under way,
        // which may wait on the busy timeout: off the async workers).
        if let Some(wal) = self.wal.take() {
            let _ = tokio::task::spawn_blocking(move || drop(wal)).await;
        }
        if let Some(reads) = &self.sqlite_reads {
            reads.close();
        }
        if let Some(append) = &self.sqlite_append {
            append.close();
        }
        self.native.close().await;
        self.pool.close().await;
    }

    /// The native pool, for benchmarks' bare reads and tests that look at raw rows.
    pub fn native_pool(&self) -> &db::NativePool {
        &self.native
    }

    /// Whether the database answers on both pools (the `Any` pool of the
    /// cold paths and the native one of the hot paths): readiness needs both,
    /// since losing either stops writes that must reach the audit log.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        db::native!(&self.native, |p| sqlx::query("SELECT 1").execute(p).await?.rows_affected());
        Ok(())
    }

    /// The pool, for tests that look at raw rows.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Checks that the client exists and, on PostgreSQL, takes a share lock
    /// on its row, in a write that will also append to the audit log. A
    /// release holds the client's row `FOR UPDATE` and then appends; taking
    /// the row before the log here keeps one lock order (client, then log),
    /// so the two wait for each other instead of deadlocking.
    pub(crate) async fn lock_client(&self, tx: &mut Tx, client_id: &str) -> Result<(), StoreError> {
        let query = match self.backend {
            Backend::Postgres => "SELECT 1 AS x FROM clients WHERE id = $1 FOR KEY SHARE",
            Backend::Sqlite => "SELECT 1 AS x FROM clients WHERE id = $1",
        };
        require(&mut **tx, query, "client", client_id).await
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin_with(begin_write(self.backend)).await?)
    }

    // ── keys ────────────────────────────────────────────────────────────────

    /// Makes, wraps and stores a new data key inside `tx`.
    pub(crate) async fn new_data_key(&self, tx: &mut Tx) -> Result<(String, DataKey), StoreError> {
        self.new_data_key_on(&mut db::Conn::Any(tx)).await
    }

    /// [`Store::new_data_key`] on a connection of either driver.
    pub(crate) async fn new_data_key_on(&self, conn: &mut db::Conn<'_>) -> Result<(String, DataKey), StoreError> {
        let (id, key, _) = self.new_wrapped_data_key_on(conn).await?;
        Ok((id, key))
    }

    /// [`Store::new_data_key_on`], also returning the wrapped bytes stored
    /// (a record keeps a copy in its own row).
    pub(crate) async fn new_wrapped_data_key_on(&self, conn: &mut db::Conn<'_>) -> Result<(String, DataKey, Vec<u8>), StoreError> {
        let kek = self.keys.current().ok_or_else(|| StoreError::invalid("key", "at least one key"))?;
        let id = new_id("dk");
        let key = DataKey::generate();
        let wrapped = kek.wrap(&id, &key).map_err(StoreError::crypto("data key"))?;
        // Only an active KEK may wrap: a rotation that retired it makes this insert nothing.
        let sql =
            "INSERT INTO data_keys (id, kek_id, wrapped) SELECT $1, id, $3 FROM key_encryption_keys WHERE id = $2 AND retired_at IS NULL";
        let inserted = db::on_conn!(conn, |c| sqlx::query(sql)
            .bind(id.as_str())
            .bind(kek.id())
            .bind(wrapped.as_slice())
            .execute(&mut **c)
            .await?
            .rows_affected());
        if inserted != 1 {
            return Err(StoreError::KeyRotated);
        }
        Ok((id, key, wrapped))
    }

    pub(crate) fn unwrap_row(&self, row: &AnyRow) -> Result<DataKey, StoreError> {
        let id: String = row.try_get("data_key_id")?;
        let kek_id: String = row.try_get("kek_id")?;
        let wrapped: Vec<u8> = row.try_get("wrapped")?;
        self.unwrap_parts(&id, &kek_id, &wrapped)
    }

    /// Unwraps data key `id`, wrapped by KEK `kek_id`.
    pub(crate) fn unwrap_parts(&self, id: &str, kek_id: &str, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        unwrap_with(&self.keys, id, kek_id, wrapped)
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
        self.rotate_keys_inner().await
    }

    /// [`Store::rotate_keys`], then `audit` appended naming the new key, the
    /// retired ones and how many data keys were re-wrapped. The entry goes
    /// in right after the rotation commits, under the new key, rather than
    /// inside it: on PostgreSQL the rotation holds the data-key table
    /// exclusively, and an append inside it would wait on the log's lock
    /// that a concurrent writer holds while it waits on the data keys. If
    /// the append fails the rotation stands and the error says so.
    pub async fn rotate_keys_audited(&mut self, audit: AuditEvent) -> Result<Rotation, StoreError> {
        let rotation = self.rotate_keys_inner().await?;
        let event = audit.with_all([
            Detail::NewKey(rotation.new_key_id.clone()),
            Detail::RetiredKeys(rotation.retired_key_ids.clone()),
            Detail::RewrappedDataKeys(rotation.rewrapped_data_keys),
        ]);
        self.append_audit(vec![event]).await?;
        Ok(rotation)
    }

    async fn rotate_keys_inner(&mut self) -> Result<Rotation, StoreError> {
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
        // Records keep a copy of their wrapped key in their own row (migration 15).
        for copy in RECORD_KEY_COPIES {
            sqlx::query(copy).execute(&mut *tx).await?;
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
            // A LEFT JOIN so a record whose key row is missing counts as
            // undecryptable, not as absent. The record must open both under
            // its `data_keys` row and under the copy in its own row, which
            // is what reads use.
            let sql = format!(
                "SELECT r.id, r.content, r.data_key_id, d.kek_id, d.wrapped, r.kek_id AS row_kek_id, r.wrapped_key \
                 FROM {table} r LEFT JOIN data_keys d ON d.id = r.data_key_id"
            );
            for row in sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await? {
                records += 1;
                let opened = (|| -> Result<(), StoreError> {
                    let id: String = row.try_get("id")?;
                    let key_id: String = row.try_get("data_key_id")?;
                    let sealed: Vec<u8> = row.try_get("content")?;
                    let pairs = [("kek_id", "wrapped"), ("row_kek_id", "wrapped_key")];
                    for (kek_column, wrapped_column) in pairs {
                        let (Some(kek_id), Some(wrapped)) =
                            (row.try_get::<Option<String>, _>(kek_column)?, row.try_get::<Option<Vec<u8>>, _>(wrapped_column)?)
                        else {
                            return Err(corrupt(format!("record `{id}` data key")));
                        };
                        let key = self.unwrap_parts(&key_id, &kek_id, &wrapped)?;
                        key.open(&field_aad(table, "content", &id), &sealed).map_err(StoreError::crypto(format!("record `{id}`")))?;
                    }
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
}

// ── helpers ─────────────────────────────────────────────────────────────────

/// Runs `work` over `items` split into consecutive parts, one per core but
/// none smaller than `min_part`, on scoped threads (this one takes the
/// first part), and joins the results in order. For opening many sealed
/// rows, each independent of the others: CPU work, so call it off the
/// async workers. `what` names the work in the error a panicked part gives.
pub(crate) fn split_over_cores<T: Send, R: Send>(
    mut items: Vec<T>,
    min_part: usize,
    what: &str,
    work: impl Fn(Vec<T>) -> Result<Vec<R>, StoreError> + Sync,
) -> Result<Vec<R>, StoreError> {
    // Too few items for two parts: no need to ask how many cores there are.
    if items.len() < min_part.max(1).saturating_mul(2) {
        return work(items);
    }
    let parts = cores().min(items.len() / min_part.max(1)).max(1);
    if parts == 1 {
        return work(items);
    }
    let per_part = items.len().div_ceil(parts);
    let mut split = Vec::with_capacity(parts);
    while items.len() > per_part {
        let rest = items.split_off(per_part);
        split.push(std::mem::replace(&mut items, rest));
    }
    split.push(items);
    let mut split = split.into_iter();
    let first = split.next().unwrap_or_default();
    let work = &work;
    std::thread::scope(|scope| {
        let others: Vec<_> = split.map(|part| scope.spawn(move || work(part))).collect();
        let mut out = work(first)?;
        for other in others {
            out.extend(other.join().map_err(|_| corrupt(format!("{what} (a thread doing it failed)")))??);
        }
        Ok(out)
    })
}

/// The cores this process may use, asked once: `available_parallelism`
/// reads the cgroup's files each time (an `open`, a `read` and a `statx`,
/// seen in a profile of the server's record reads).
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// Unwraps data key `id`, wrapped by KEK `kek_id`, with a key of `keys`.
pub(crate) fn unwrap_with(keys: &KeyRing, id: &str, kek_id: &str, wrapped: &[u8]) -> Result<DataKey, StoreError> {
    let kek = keys
        .get(kek_id)
        .ok_or_else(|| StoreError::WrongKey(format!("data key `{id}` is wrapped by key `{kek_id}`, which is not at hand")))?;
    kek.unwrap_key(id, wrapped).map_err(StoreError::crypto(format!("data key `{id}`")))
}

/// Statements that copy each record's wrapped data key from `data_keys`
/// into the record's own row (the same text as migration 15's).
pub(crate) const RECORD_KEY_COPIES: [&str; 2] = [
    "UPDATE records SET kek_id = (SELECT d.kek_id FROM data_keys d WHERE d.id = records.data_key_id), \
     wrapped_key = (SELECT d.wrapped FROM data_keys d WHERE d.id = records.data_key_id)",
    "UPDATE psychotherapy_notes SET kek_id = (SELECT d.kek_id FROM data_keys d WHERE d.id = psychotherapy_notes.data_key_id), \
     wrapped_key = (SELECT d.wrapped FROM data_keys d WHERE d.id = psychotherapy_notes.data_key_id)",
];

/// `head` followed by `rows` groups of `columns` placeholders: `($1, $2), ($3, $4)`.
///
/// PostgreSQL gets those numbered placeholders; SQLite gets anonymous `?`,
/// bound in order: for numbered ones sqlx's SQLite driver looks each
/// parameter's name up in a list as long as the statement's parameters
/// (`sqlite3_bind_parameter_name`), so binding a 900-parameter insert
/// took quadratic time (a third of an audit append's CPU).
pub(crate) fn multi_row_insert(backend: Backend, head: &str, columns: usize, rows: usize) -> String {
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
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * columns + col + 1).to_string());
                }
            }
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
/// Whether `id` is one the vault gives and accepts: 1 to 64 letters,
/// digits, `-`, `_` or `.` (so it can stand in SQL as a quoted literal).
pub(crate) fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub(crate) fn checked_id(kind: &str, id: Option<&str>, prefix: &str) -> Result<String, StoreError> {
    match id {
        None => Ok(new_id(prefix)),
        Some(id) if is_plain_id(id) => Ok(id.to_string()),
        Some(id) => Err(StoreError::invalid(format!("{kind} id"), format!("1 to 64 letters, digits, `-`, `_` or `.`, got `{id}`"))),
    }
}

pub(crate) fn non_empty(field: &str, text: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::invalid(field, "non-empty text"));
    }
    Ok(())
}

pub(crate) async fn exists(tx: &mut Tx, query: &'static str, value: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query(query).bind(value.to_string()).fetch_optional(&mut **tx).await?.is_some())
}

pub(crate) async fn require<'e, E: Executor<'e, Database = Any>>(
    e: E,
    query: &'static str,
    kind: &'static str,
    id: &str,
) -> Result<(), StoreError> {
    match sqlx::query(query).bind(id.to_string()).fetch_optional(e).await? {
        Some(_) => Ok(()),
        None => Err(not_found(kind, id)),
    }
}

pub(crate) async fn client_status(tx: &mut Tx, id: &str) -> Result<ClientStatus, StoreError> {
    let row = sqlx::query("SELECT status FROM clients WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found("client", id))?;
    let status: String = row.try_get("status")?;
    ClientStatus::parse(&status).ok_or_else(|| corrupt(format!("client `{id}` status")))
}

/// The error for an authorization row that already carries a revocation.
pub(crate) fn already_revoked(id: &str, row: &AnyRow) -> Result<Option<StoreError>, StoreError> {
    let on: Option<String> = row.try_get("revoked_on")?;
    let by: Option<String> = row.try_get("revoked_by")?;
    Ok(on.map(|on| StoreError::AlreadyRevoked { id: id.to_string(), on, by: by.unwrap_or_else(|| "an unrecorded staff member".into()) }))
}

pub(crate) fn opt_date(row: &AnyRow, column: &str, what: &str) -> Result<Option<Date>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| Date::parse(&t).ok_or_else(|| corrupt(format!("{what} {column}")))).transpose()
}

/// A boolean expression's value: SQLite gives an integer, PostgreSQL a boolean.
pub(crate) fn row_bool(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn work_split_over_the_cores_keeps_the_order_and_every_item() {
        let items: Vec<u32> = (0..1_001).collect();
        let doubled = split_over_cores(items, 10, "doubling", |part| Ok(part.into_iter().map(|i| i * 2).collect())).unwrap();
        assert_eq!(doubled, (0..1_001).map(|i| i * 2).collect::<Vec<u32>>());
        // Too few for a second part: one call on this thread.
        let calls = std::sync::atomic::AtomicUsize::new(0);
        split_over_cores(vec![1, 2, 3], 10, "counting", |part| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(part)
        })
        .unwrap();
        assert_eq!(calls.into_inner(), 1);
    }

    #[test]
    fn a_failing_part_fails_the_whole_split() {
        let items: Vec<u32> = (0..1_000).collect();
        let result = split_over_cores(items, 1, "checking", |part| if part.contains(&999) { Err(corrupt("item 999")) } else { Ok(part) });
        assert!(matches!(result, Err(StoreError::Corrupt { .. })), "{result:?}");
    }
}
