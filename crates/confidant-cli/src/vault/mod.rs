//! The vault subcommands (`init`, `client`, `record`, `auth`, `ascmi`, `restriction`, `consent`,
//! `staff`, `team`, `keys`): argument shapes and the glue from them to
//! `confidant-store`. Where the data lives: `--data-dir` (or
//! `CONFIDANT_DATA_DIR`, else the platform data directory from the
//! `directories` crate) holds the key file and the SQLite database;
//! `--database` (or `CONFIDANT_DATABASE_URL`) selects PostgreSQL instead.
//! Record contents are printed only by `record list --show-content`.

use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
use confidant_store::{
    AUDIT_KEY_ENV, AUDIT_KEY_FILE_NAME, Birth, DATABASE_FILE_NAME, DatabaseUrl, KEY_ENV, KEY_FILE_NAME, KeyRing, NewClient, NewStaff,
    StaffRole, Store, StoreError, WITNESS_FILE_NAME, load_or_create_audit_key, today,
};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use confidant_app::{Actor, App, AppError, Channel, StatusChange};

use crate::{Failure, Format};

mod ascmi;
mod authorizations;
mod clients;
mod consent;
mod records;
mod staff;

pub use ascmi::*;
pub use authorizations::*;
pub use clients::*;
pub use consent::*;
pub use records::*;
pub use staff::*;

/// Where the vault is: the global `--data-dir` and `--database` options.
#[derive(Clone, Debug, Args)]
pub struct Location {
    /// Directory for the key file and the SQLite database
    /// [default: the platform data directory]
    #[arg(long, global = true, env = "CONFIDANT_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A `postgres://` URL to keep the vault in PostgreSQL instead of SQLite
    #[arg(long, global = true, env = "CONFIDANT_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Act as this staff member: held to their need-to-know (caseload, care
    /// team, break-glass) and audited as them. Without it the command line
    /// acts as the vault's operator, audited as such.
    #[arg(long = "as", global = true, env = "CONFIDANT_AS", value_name = "STAFF_ID")]
    pub act_as: Option<String>,
}

impl Location {
    pub fn data_dir(&self) -> Result<PathBuf, Failure> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        directories::ProjectDirs::from("org", "Confidant", "confidant")
            .map(|d| d.data_dir().to_path_buf())
            .ok_or_else(|| Failure::Input("--data-dir: a directory (no home directory to default to)".into()))
    }

    fn key_file(&self) -> Result<PathBuf, Failure> {
        Ok(self.data_dir()?.join(KEY_FILE_NAME))
    }

    fn url(&self) -> Result<DatabaseUrl, Failure> {
        match &self.database {
            Some(url) if !url.is_empty() => {
                let url = DatabaseUrl::new(url.clone());
                url.backend().map_err(store_failure)?;
                Ok(url)
            }
            _ => Ok(DatabaseUrl::sqlite_file(&self.data_dir()?.join(DATABASE_FILE_NAME))),
        }
    }
}

#[derive(Debug, Args)]
pub struct Output {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// New key-encryption key; every data key is re-wrapped in one transaction.
    Rotate,
}

/// Runs an async vault operation on a small runtime.
pub fn block_on<T>(future: impl std::future::Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("runtime: {e}")))?
        .block_on(future)
}

pub fn store_failure(e: StoreError) -> Failure {
    if e.is_bad_input() { Failure::Input(e.to_string()) } else { Failure::Internal(e.to_string()) }
}

/// An operation's failure: the caller's faults (refused, not found, bad
/// input) exit 2, the system's exit 1.
pub fn app_failure(e: AppError) -> Failure {
    if e.is_callers() { Failure::Input(e.to_string()) } else { Failure::Internal(e.to_string()) }
}

/// Who the command line acts as: the `--as` staff member (active, held to
/// need-to-know), or the operator entering for `entering_for`. A command's
/// own staff option (`--author`, `--by`, `--staff`) must name the `--as`
/// staff member when both are given: nobody acts in another's name.
pub async fn actor(store: &Store, location: &Location, option: &str, entering_for: Option<&str>) -> Result<Actor, Failure> {
    let Some(id) = &location.act_as else {
        return Ok(Actor::operator(entering_for.map(str::to_string)));
    };
    if let Some(other) = entering_for.filter(|other| other != id) {
        return Err(Failure::Input(format!("{option}: the --as staff member `{id}` (or leave it out), got `{other}`")));
    }
    let staff = store.staff(id).await.map_err(|e| match e {
        StoreError::NotFound { .. } => Failure::Input(format!("--as: an existing staff id, got `{id}`")),
        other => store_failure(other),
    })?;
    if !staff.active {
        return Err(Failure::Input(format!("--as: an active staff member; `{id}` is deactivated")));
    }
    Ok(Actor::staff(staff, Channel::Cli))
}

/// Opens the vault at `location` with its key, and attaches the audit
/// log's signing key and witness file from the data directory (a vault made
/// before the audit log gets its signing key on first use).
pub async fn open(location: &Location) -> Result<Store, Failure> {
    let keys = KeyRing::load(&location.key_file()?).map_err(|e| Failure::Input(format!("key: {e}")))?;
    let mut store = Store::open(&location.url()?, keys).await.map_err(store_failure)?;
    let dir = location.data_dir()?;
    let signing_key = load_or_create_audit_key(&dir.join(AUDIT_KEY_FILE_NAME)).map_err(|e| Failure::Input(format!("audit key: {e}")))?;
    store.enable_audit(signing_key, Some(dir.join(WITNESS_FILE_NAME))).await.map_err(store_failure)?;
    Ok(store)
}

/// The first administrator `init` creates.
#[derive(Clone, Debug, Args)]
pub struct AdminArgs {
    /// The first administrator's staff id.
    #[arg(long, default_value = "admin", value_name = "ID")]
    pub admin_id: String,
    /// The first administrator's display name.
    #[arg(long, default_value = "Administrator", value_name = "NAME")]
    pub admin_name: String,
    /// Read the administrator's password from the first line of standard
    /// input instead of printing a one-time password.
    #[arg(long)]
    pub admin_password_stdin: bool,
}

/// How the first administrator got a password.
enum AdminPassword {
    /// Printed once; must be changed at first sign-in.
    OneTime(Zeroizing<String>),
    /// Chosen by the operator on standard input.
    Chosen,
}

/// Reads a secret from the first line of standard input (the line ending
/// dropped); `flag` names the option in errors.
pub fn stdin_secret(flag: &str) -> Result<Zeroizing<String>, Failure> {
    let mut line = Zeroizing::new(String::new());
    io::stdin().lock().read_line(&mut line).map_err(|e| Failure::Input(format!("{flag}: a line of text on standard input ({e})")))?;
    let text = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_string());
    if text.is_empty() {
        return Err(Failure::Input(format!("{flag}: a line of text on standard input")));
    }
    Ok(text)
}

/// `init --jurisdiction J`: the organization decides under `J` by default.
pub fn init_in(location: &Location, demo: bool, jurisdiction: &str, admin: &AdminArgs) -> Result<(), Failure> {
    use confidant_policy::vocab::Jurisdiction;
    // The organization's own default is one the built-in packs cover.
    let j = Jurisdiction::parse(jurisdiction)
        .filter(|j| Jurisdiction::ALL.contains(j))
        .ok_or_else(|| Failure::Input(format!("--jurisdiction: `US-CA` or `US`, got `{jurisdiction}`")))?;
    let password = if admin.admin_password_stdin { Some(stdin_secret("--admin-password-stdin")?) } else { None };
    // Checked before anything is created, so a refused password leaves no vault.
    if password.as_ref().is_some_and(|p| p.chars().count() < confidant_app::passwords::MIN_PASSWORD_CHARS) {
        return Err(Failure::Input(format!(
            "--admin-password-stdin: at least {} characters",
            confidant_app::passwords::MIN_PASSWORD_CHARS
        )));
    }
    init_inner(location, demo, j, Some((admin, password)))
}

/// `init` without the report on standard output or an administrator (for
/// `serve --demo`, whose demo accounts are made by the server).
pub fn init_quietly(location: &Location, demo: bool) -> Result<(), Failure> {
    init_inner(location, demo, confidant_policy::vocab::Jurisdiction::UsCa, None)
}

/// Creates the first administrator as the operator, audited.
async fn first_admin(store: &Store, admin: &AdminArgs, chosen: Option<Zeroizing<String>>) -> Result<AdminPassword, Failure> {
    let app = App::new(store, store);
    let actor = Actor::operator(None);
    let id = app
        .add_staff(&actor, NewStaff { id: Some(admin.admin_id.clone()), display_name: admin.admin_name.clone(), role: StaffRole::Admin })
        .await
        .map_err(app_failure)?;
    let (password, outcome) = match chosen {
        Some(p) => (p, AdminPassword::Chosen),
        None => {
            let one_time = Zeroizing::new(confidant_app::passwords::one_time_password());
            (one_time.clone(), AdminPassword::OneTime(one_time))
        }
    };
    let must_change = matches!(outcome, AdminPassword::OneTime(_));
    app.set_password(&actor, &id, &password, must_change, None).await.map_err(|e| match e {
        AppError::Input { expected, .. } => Failure::Input(format!("--admin-password-stdin: {expected}")),
        other => app_failure(other),
    })?;
    Ok(outcome)
}

fn init_inner(
    location: &Location,
    demo: bool,
    jurisdiction: confidant_policy::vocab::Jurisdiction,
    admin: Option<(&AdminArgs, Option<Zeroizing<String>>)>,
) -> Result<(), Failure> {
    let report = admin.is_some();
    let dir = location.data_dir()?;
    create_private_dir(&dir)?;
    let key_file = location.key_file()?;
    let from_env = std::env::var(KEY_ENV).is_ok_and(|v| !v.trim().is_empty());
    let ring = if from_env {
        KeyRing::from_env_value(&std::env::var(KEY_ENV).unwrap_or_default()).map_err(|e| Failure::Input(format!("key: {e}")))?
    } else {
        let ring = KeyRing::new(vec![confidant_store::crypto::Kek::generate("kek-1")]).map_err(|e| Failure::Internal(e.to_string()))?;
        ring.create_file(&key_file).map_err(|e| Failure::Input(format!("key: {e}")))?;
        KeyRing::read_file(&key_file).map_err(|e| Failure::Internal(e.to_string()))?
    };
    let url = location.url()?;
    let result = block_on(async {
        let mut store = Store::create(&url, ring).await.map_err(store_failure)?;
        let signing_key =
            load_or_create_audit_key(&dir.join(AUDIT_KEY_FILE_NAME)).map_err(|e| Failure::Input(format!("audit key: {e}")))?;
        store.enable_audit(signing_key, Some(dir.join(WITNESS_FILE_NAME))).await.map_err(store_failure)?;
        store.set_jurisdiction(jurisdiction).await.map_err(store_failure)?;
        let summary = if demo {
            Some(confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.map_err(store_failure)?)
        } else {
            None
        };
        let admin = match admin {
            Some((args, chosen)) => Some((args.admin_id.clone(), first_admin(&store, args, chosen).await?)),
            None => None,
        };
        store.close().await;
        Ok((summary, admin))
    });
    let (summary, admin) = match result {
        Ok(done) => done,
        Err(e) => {
            // Nothing half-made: a key file written for a vault that was not created goes again.
            if !from_env {
                let _ = fs::remove_file(&key_file);
            }
            if std::env::var(AUDIT_KEY_ENV).is_err() {
                let _ = fs::remove_file(dir.join(AUDIT_KEY_FILE_NAME));
            }
            return Err(e);
        }
    };
    // SQLite gives its -wal and -shm files the database file's mode.
    #[cfg(unix)]
    if location.database.as_deref().is_none_or(str::is_empty) {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir.join(DATABASE_FILE_NAME), fs::Permissions::from_mode(0o600));
    }
    if !report {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "Initialized the vault in {}", dir.display());
    let _ = writeln!(out, "  database: {url}");
    if from_env {
        let _ = writeln!(out, "  key: from {KEY_ENV}");
    } else {
        let _ = writeln!(out, "  key file: {} (mode 0600; back it up apart from the database)", key_file.display());
    }
    let _ = writeln!(out, "  audit signing key: {} (keep it apart from the key file)", dir.join(AUDIT_KEY_FILE_NAME).display());
    if let Some(s) = summary {
        let _ = writeln!(
            out,
            "  demo: {} staff, {} teams, {} clients, {} records, {} authorizations, {} restrictions",
            s.staff, s.teams, s.clients, s.records, s.authorizations, s.restrictions
        );
    }
    match admin {
        Some((id, AdminPassword::OneTime(password))) => {
            let _ = writeln!(out, "  administrator: {id}");
            let _ = writeln!(out, "  one-time password: {} (shown once; it must be changed at the first sign-in)", password.as_str());
            let _ = writeln!(out, "Next: `confidant serve`, then sign in as {id} at http://127.0.0.1:8080/console/sign-in");
        }
        Some((id, AdminPassword::Chosen)) => {
            let _ = writeln!(out, "  administrator: {id} (with the password read from standard input)");
            let _ = writeln!(out, "Next: `confidant serve`, then sign in as {id} at http://127.0.0.1:8080/console/sign-in");
        }
        None => {}
    }
    Ok(())
}

/// Writes a decrypted document to a file that must not exist yet, readable
/// by its owner only: a decrypted copy should not widen who can read it, nor
/// silently replace another file.
pub(crate) fn write_private_new(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file =
        options.open(path).map_err(|e| Failure::Input(format!("--out: a new file that can be created ({}: {e})", path.display())))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| Failure::Internal(format!("{}: {e}", path.display())))
}

fn create_private_dir(dir: &Path) -> Result<(), Failure> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| Failure::Input(format!("--data-dir: a directory that can be created ({}: {e})", dir.display())))
}

pub fn keys(location: &Location, cmd: KeysCmd) -> Result<(), Failure> {
    match cmd {
        KeysCmd::Rotate => block_on(async {
            let mut store = open(location).await?;
            // Only the operator rotates: it needs the key file. Audited.
            let event = confidant_store::AuditEvent::new(confidant_store::AuditKind::KeyRotated, None)
                .with(confidant_store::Detail::Via(confidant_app::Channel::Cli.as_str()));
            let result = store.rotate_keys_audited(event).await.map_err(store_failure);
            store.close().await;
            let r = result?;
            say(&format!(
                "rotated to key {}; re-wrapped {} data keys; retired {}",
                r.new_key_id,
                r.rewrapped_data_keys,
                r.retired_key_ids.join(", ")
            ))
        }),
    }
}

// ── parsing and output helpers ──────────────────────────────────────────────

pub fn date(flag: &str, text: &str) -> Result<Date, Failure> {
    Date::parse(text).ok_or_else(|| Failure::Input(format!("{flag}: a calendar date `YYYY-MM-DD`, got `{text}`")))
}

pub fn expected(flag: &str, expected: String, got: &str) -> Failure {
    Failure::Input(format!("{flag}: one of {expected}, got `{got}`"))
}

/// A comma-separated list of wire names, each once.
pub fn list<T: PartialEq>(
    flag: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    expected_values: fn() -> String,
) -> Result<Vec<T>, Failure> {
    let mut out: Vec<T> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let value = parse(item).ok_or_else(|| expected(flag, expected_values(), item))?;
        if out.contains(&value) {
            return Err(Failure::Input(format!("{flag}: each value once, got `{item}` twice")));
        }
        out.push(value);
    }
    Ok(out)
}

fn recipient(text: &str) -> Result<AuthorizedRecipient, Failure> {
    let (kind, name) = match text.split_once(':') {
        Some((k, n)) => (k, Some(n.trim().to_string()).filter(|n| !n.is_empty())),
        None => (text, None),
    };
    let kind = RecipientKind::parse(kind.trim()).ok_or_else(|| expected("--recipient", RecipientKind::expected(), kind))?;
    Ok(AuthorizedRecipient { kind, name })
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

fn day_of(secs: i64) -> String {
    confidant_store::date_from_unix_days(secs.div_euclid(86_400)).to_string()
}

fn say(text: &str) -> Result<(), Failure> {
    writeln!(io::stdout().lock(), "{text}").map_err(|e| Failure::Internal(e.to_string()))
}

fn emit(format: Format, value: &Value, text: &str) -> Result<(), Failure> {
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))?;
            say(&text)
        }
        Format::Text => say(text),
    }
}

/// A plain text table with left-aligned columns.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = vec![line(headers.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    if rows.is_empty() {
        out.push("(none)".into());
    }
    out.join("\n")
}
