//! The vault subcommands (`init`, `client`, `record`, `auth`, `restriction`,
//! `staff`, `team`, `keys`): argument shapes and the glue from them to
//! `confidant-store`. Where the data lives: `--data-dir` (or
//! `CONFIDANT_DATA_DIR`, else the platform data directory from the
//! `directories` crate) holds the key file and the SQLite database;
//! `--database` (or `CONFIDANT_DATABASE_URL`) selects PostgreSQL instead.
//! Record contents are printed only by `record list --show-content`.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
use confidant_store::{
    AUDIT_KEY_ENV, AUDIT_KEY_FILE_NAME, AuditEvent, AuditKind, Birth, DATABASE_FILE_NAME, DatabaseUrl, KEY_ENV, KEY_FILE_NAME, KeyRing, NewClient,
    NewStaff, StaffRole, Store, StoreError, WITNESS_FILE_NAME, load_or_create_audit_key, today,
};
use serde_json::{Value, json};

use confidant_app::{Actor, App, AppError, Channel, StatusChange};

use crate::{Failure, Format};

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
pub enum ClientCmd {
    /// Add a client (name, contact and notes are stored encrypted).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long, conflicts_with = "age", required_unless_present = "age")]
        dob: Option<String>,
        /// Age in years today, when the date of birth is not known.
        #[arg(long)]
        age: Option<u8>,
        /// The records come from a federally assisted SUD program (42 CFR Part 2).
        #[arg(long)]
        part2: bool,
        /// The records come from a California county mental-health, Medi-Cal
        /// specialty mental-health or MHSA program (LPS Act, Welf. & Inst. Code 5328).
        #[arg(long)]
        lps: bool,
        /// A care team's id or name.
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    List {
        #[command(flatten)]
        output: Output,
    },
    Show {
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Record a discharge (confidentiality continues).
    Discharge {
        id: String,
        /// Default: today.
        #[arg(long)]
        on: Option<String>,
    },
    /// Record a client's death (confidentiality continues).
    RecordDeath {
        id: String,
        #[arg(long)]
        on: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecordCmd {
    /// Add a record; psychotherapy notes are kept in their own table.
    Add {
        #[arg(long)]
        client: String,
        #[arg(long)]
        category: String,
        /// The staff member writing it [default: the --as staff member].
        #[arg(long)]
        author: Option<String>,
        /// The content; `-` reads standard input.
        #[arg(long)]
        content: String,
        #[arg(long)]
        id: Option<String>,
    },
    /// Import records from JSON Lines (one object a line: client, category,
    /// author, content, optional id), committing one transaction per batch.
    /// A bad line stores nothing from its batch; earlier batches stay.
    Import {
        /// The file; `-` reads standard input.
        file: String,
        /// Records per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        batch: u32,
    },
    /// List a client's records (metadata only unless --show-content).
    List {
        #[arg(long)]
        client: String,
        /// Decrypt and print the contents (an explicit read).
        #[arg(long)]
        show_content: bool,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once per process")]
pub enum AuthCmd {
    /// File a HIPAA authorization or Part 2 consent; an incomplete one is refused.
    Add {
        #[arg(long)]
        client: String,
        #[arg(long)]
        id: Option<String>,
        /// `hipaa` or `part2`.
        #[arg(long, default_value = "hipaa")]
        kind: String,
        /// `client` or `personal_representative`.
        #[arg(long)]
        signed_by: Option<String>,
        #[arg(long)]
        signed_on: Option<String>,
        /// Comma-separated categories.
        #[arg(long, default_value = "")]
        categories: String,
        /// A recipient as `KIND` or `KIND:NAME`; repeat for more.
        #[arg(long = "recipient")]
        recipients: Vec<String>,
        /// Comma-separated purposes.
        #[arg(long, default_value = "")]
        purposes: String,
        #[arg(long)]
        expires_on: Option<String>,
        #[arg(long)]
        expiry_event: Option<String>,
        /// Comma-separated statements present: right_to_revoke, no_conditioning, redisclosure.
        #[arg(long, default_value = "")]
        statements: String,
        /// The signed form to attach (stored encrypted).
        #[arg(long)]
        document: Option<PathBuf>,
    },
    /// Record a written revocation.
    Revoke {
        id: String,
        #[arg(long)]
        on: Option<String>,
        /// The staff member who received it [default: the --as staff member].
        #[arg(long)]
        by: Option<String>,
    },
    List {
        #[arg(long)]
        client: String,
        #[command(flatten)]
        output: Output,
    },
    /// Write an authorization's attached signed document, decrypted, to a new file.
    Document {
        id: String,
        /// A path that does not exist yet (created mode 0600); `-` writes standard output.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticeCmd {
    /// Record that a client acknowledged receiving the notice of privacy practices.
    Ack {
        #[arg(long)]
        client: String,
        /// Default: today.
        #[arg(long)]
        on: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// The days a client acknowledged the notice, oldest first.
    List {
        #[arg(long)]
        client: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum RestrictionCmd {
    /// Record a restriction the client asked for; an empty list restricts everything.
    Add {
        #[arg(long)]
        client: String,
        #[arg(long, default_value = "")]
        categories: String,
        #[arg(long, default_value = "")]
        recipient_kinds: String,
        #[arg(long, default_value = "")]
        purposes: String,
        /// The organization agreed to it.
        #[arg(long)]
        agreed: bool,
        #[arg(long)]
        requested_on: Option<String>,
    },
    List {
        #[arg(long)]
        client: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        id: Option<String>,
    },
    List {
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// Create a care team.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        id: Option<String>,
    },
    /// Put a client on a staff member's caseload, or a staff member on a team.
    Assign {
        #[arg(long)]
        staff: String,
        #[arg(long, required_unless_present = "team", conflicts_with = "team")]
        client: Option<String>,
        /// A team's id or name.
        #[arg(long)]
        team: Option<String>,
    },
    List {
        #[command(flatten)]
        output: Output,
    },
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

/// `init --jurisdiction J`: the organization decides under `J` by default.
pub fn init_in(location: &Location, demo: bool, jurisdiction: &str) -> Result<(), Failure> {
    use confidant_policy::vocab::Jurisdiction;
    // The organization's own default is one the built-in packs cover.
    let j = Jurisdiction::parse(jurisdiction)
        .filter(|j| Jurisdiction::ALL.contains(j))
        .ok_or_else(|| Failure::Input(format!("--jurisdiction: `US-CA` or `US`, got `{jurisdiction}`")))?;
    init_inner(location, demo, j, true)
}

/// `init` without the report on standard output (for `serve --demo`).
pub fn init_quietly(location: &Location, demo: bool) -> Result<(), Failure> {
    init_inner(location, demo, confidant_policy::vocab::Jurisdiction::UsCa, false)
}

fn init_inner(location: &Location, demo: bool, jurisdiction: confidant_policy::vocab::Jurisdiction, report: bool) -> Result<(), Failure> {
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
        let signing_key = load_or_create_audit_key(&dir.join(AUDIT_KEY_FILE_NAME)).map_err(|e| Failure::Input(format!("audit key: {e}")))?;
        store.enable_audit(signing_key, Some(dir.join(WITNESS_FILE_NAME))).await.map_err(store_failure)?;
        store.set_jurisdiction(jurisdiction).await.map_err(store_failure)?;
        let summary = if demo {
            Some(confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.map_err(store_failure)?)
        } else {
            None
        };
        store.close().await;
        Ok(summary)
    });
    let summary = match result {
        Ok(summary) => summary,
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
    let mut file = options
        .open(path)
        .map_err(|e| Failure::Input(format!("--out: a new file that can be created ({}: {e})", path.display())))?;
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

pub fn client(location: &Location, cmd: ClientCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = client_inner(&store, location, cmd).await;
        store.close().await;
        result
    })
}

async fn client_inner(store: &Store, location: &Location, cmd: ClientCmd) -> Result<(), Failure> {
    match cmd {
        ClientCmd::Add { name, contact, notes, dob, age, part2, lps, team, id, output } => {
            let birth = match (dob, age) {
                (Some(dob), _) => Birth::DateOfBirth(date("--dob", &dob)?),
                (None, Some(years)) => Birth::Age { years, on: today() },
                (None, None) => return Err(Failure::Input("--dob: a date of birth, or --age".into())),
            };
            let team_id = match team {
                Some(t) => Some(store.team_id(&t).await.map_err(store_failure)?),
                None => None,
            };
            let actor = actor(store, location, "--as", None).await?;
            let new = NewClient { id, name, contact, notes, birth, part2_program: part2, lps_program: lps, team_id };
            let id = App::new(store, store).add_client(&actor, new).await.map_err(app_failure)?;
            emit(output.format, &json!({ "id": id }), &format!("added client {id}"))
        }
        ClientCmd::List { output } => {
            let clients = store.list_clients().await.map_err(store_failure)?;
            store
                .append_audit(vec![AuditEvent::new(AuditKind::ClientRead, None).categories(&[Category::Demographics]).details(json!({ "via": "cli", "clients": clients.len() }))])
                .await
                .map_err(store_failure)?;
            let rows = clients
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        c.name.clone(),
                        c.status.to_string(),
                        c.birth.age_on(today()).map(|a| a.to_string()).unwrap_or_default(),
                        if c.part2_program { "yes".into() } else { String::new() },
                        c.team_id.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            emit(output.format, &json!(clients), &table(&["ID", "NAME", "STATUS", "AGE", "PART 2", "TEAM"], &rows))
        }
        ClientCmd::Show { id, output } => {
            // Identifying details are opened: need-to-know and the log.
            let actor = actor(store, location, "--as", None).await?;
            let c = App::new(store, store).show_client(&actor, &id).await.map_err(app_failure)?;
            let staff = store.client_staff(&id).await.map_err(store_failure)?;
            let acks = store.privacy_notice_acknowledgments(&id).await.map_err(store_failure)?;
            let mut value = json!(c);
            if let Some(obj) = value.as_object_mut() {
                obj.insert("caseload_staff".into(), json!(staff));
                obj.insert("privacy_notice_acknowledged_on".into(), json!(acks));
            }
            let birth = match c.birth {
                Birth::DateOfBirth(d) => format!("born {d}"),
                Birth::Age { years, on } => format!("{years} years old on {on}"),
            };
            let text = [
                format!("{}  {}", c.id, c.name),
                format!("status:    {}{}{}", c.status, c.discharged_on.map(|d| format!(", discharged {d}")).unwrap_or_default(), c.died_on.map(|d| format!(", died {d}")).unwrap_or_default()),
                format!("age:       {birth}"),
                format!("part 2:    {}", if c.part2_program { "yes" } else { "no" }),
                format!("team:      {}", c.team_id.clone().unwrap_or_else(|| "–".into())),
                format!("contact:   {}", c.contact.clone().unwrap_or_else(|| "–".into())),
                format!("notes:     {}", c.notes.clone().unwrap_or_else(|| "–".into())),
                format!("caseload:  {}", if staff.is_empty() { "–".into() } else { staff.join(", ") }),
                format!("privacy notice acknowledged: {}", if acks.is_empty() { "no".into() } else { acks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ") }),
            ]
            .join("\n");
            emit(output.format, &value, &text)
        }
        ClientCmd::Discharge { id, on } => {
            let on = on.map(|d| date("--on", &d)).transpose()?.unwrap_or_else(|| store.today());
            let actor = actor(store, location, "--as", None).await?;
            App::new(store, store).change_status(&actor, &id, StatusChange::Discharge, Some(on)).await.map_err(app_failure)?;
            say(&format!("discharged client {id} on {on}"))
        }
        ClientCmd::RecordDeath { id, on } => {
            let on = date("--on", &on)?;
            let actor = actor(store, location, "--as", None).await?;
            App::new(store, store).change_status(&actor, &id, StatusChange::Death, Some(on)).await.map_err(app_failure)?;
            say(&format!("recorded the death of client {id} on {on}"))
        }
    }
}

pub fn record(location: &Location, cmd: RecordCmd) -> Result<(), Failure> {
    if let RecordCmd::Import { file, batch } = cmd {
        return crate::import::run(location, &file, batch);
    }
    // Read standard input before opening the vault, so a bad read changes nothing.
    let cmd = match cmd {
        RecordCmd::Add { client, category, author, content, id } if content == "-" => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map_err(|e| Failure::Input(format!("--content: readable standard input ({e})")))?;
            RecordCmd::Add { client, category, author, content: text, id }
        }
        other => other,
    };
    block_on(async {
        let store = open(location).await?;
        let result = record_inner(&store, location, cmd).await;
        store.close().await;
        result
    })
}

async fn record_inner(store: &Store, location: &Location, cmd: RecordCmd) -> Result<(), Failure> {
    match cmd {
        RecordCmd::Add { client, category, author, content, id } => {
            let category = Category::parse(&category).ok_or_else(|| expected("--category", Category::expected(), &category))?;
            let actor = actor(store, location, "--author", author.as_deref()).await?;
            let id = App::new(store, store).add_record(&actor, &client, category, content, id).await.map_err(app_failure)?;
            say(&format!("added record {id}"))
        }
        RecordCmd::Import { .. } => Err(Failure::Internal("record import runs through import::run".into())),
        RecordCmd::List { client, show_content, output } => {
            // Contents are a read of the chart: need-to-know and the audit
            // log, as on the server; psychotherapy notes only their author's.
            let records = if show_content {
                let actor = actor(store, location, "--as", None).await?;
                App::new(store, store).read_records(&actor, &client).await.map_err(app_failure)?.records
            } else {
                store.records(&client, false).await.map_err(store_failure)?
            };
            let mut headers = vec!["ID", "CATEGORY", "AUTHOR", "CREATED"];
            if show_content {
                headers.push("CONTENT");
            }
            let rows = records
                .iter()
                .map(|r| {
                    let mut row = vec![r.id.clone(), r.category.to_string(), r.author_id.clone(), day_of(r.created_at)];
                    if let Some(c) = &r.content {
                        row.push(c.clone());
                    }
                    row
                })
                .collect::<Vec<_>>();
            emit(output.format, &json!(records), &table(&headers, &rows))
        }
    }
}

pub fn auth(location: &Location, cmd: AuthCmd) -> Result<(), Failure> {
    // Everything is parsed and the document read before the vault is touched.
    let prepared = match cmd {
        AuthCmd::Add {
            client, id, kind, signed_by, signed_on, categories, recipients, purposes, expires_on, expiry_event, statements, document,
        } => {
            let statements = list("--statements", &statements, |s| Some(s.to_string()), || "`right_to_revoke`, `no_conditioning`, `redisclosure`".into())?;
            for s in &statements {
                if !["right_to_revoke", "no_conditioning", "redisclosure"].contains(&s.as_str()) {
                    return Err(expected("--statements", "`right_to_revoke`, `no_conditioning`, `redisclosure`".into(), s));
                }
            }
            let auth = Authorization {
                id: id.unwrap_or_default(),
                kind: AuthorizationKind::parse(&kind).ok_or_else(|| expected("--kind", AuthorizationKind::expected(), &kind))?,
                signed_by: signed_by.map(|s| Signer::parse(&s).ok_or_else(|| expected("--signed-by", Signer::expected(), &s))).transpose()?,
                signed_on: signed_on.map(|d| date("--signed-on", &d)).transpose()?,
                categories: list("--categories", &categories, Category::parse, Category::expected)?,
                recipients: recipients.iter().map(|r| recipient(r)).collect::<Result<Vec<_>, _>>()?,
                purposes: list("--purposes", &purposes, Purpose::parse, Purpose::expected)?,
                expires_on: expires_on.map(|d| date("--expires-on", &d)).transpose()?,
                expiry_event: expiry_event.filter(|e| !e.trim().is_empty()),
                revoked_on: None,
                statements: Statements {
                    right_to_revoke: statements.iter().any(|s| s == "right_to_revoke"),
                    no_conditioning: statements.iter().any(|s| s == "no_conditioning"),
                    redisclosure: statements.iter().any(|s| s == "redisclosure"),
                },
            };
            let document = document
                .map(|p| fs::read(&p).map_err(|e| Failure::Input(format!("--document: a readable file ({}: {e})", p.display()))))
                .transpose()?;
            Prepared::Add { client, auth: Box::new(auth), document }
        }
        AuthCmd::Revoke { id, on, by } => Prepared::Revoke { id, on: on.map(|d| date("--on", &d)).transpose()?, by },
        AuthCmd::List { client, output } => Prepared::List { client, format: output.format },
        AuthCmd::Document { id, out } => Prepared::Document { id, out },
    };
    block_on(async {
        let store = open(location).await?;
        let result = auth_inner(&store, location, prepared).await;
        store.close().await;
        result
    })
}

enum Prepared {
    Add { client: String, auth: Box<Authorization>, document: Option<Vec<u8>> },
    Revoke { id: String, on: Option<Date>, by: Option<String> },
    List { client: String, format: Format },
    Document { id: String, out: PathBuf },
}

async fn auth_inner(store: &Store, location: &Location, prepared: Prepared) -> Result<(), Failure> {
    match prepared {
        Prepared::Document { id, out } => {
            let document = store
                .authorization_document(&id)
                .await
                .map_err(store_failure)?
                .ok_or_else(|| Failure::Input(format!("authorization: `{id}` has no document attached")))?;
            if out.as_os_str() == "-" {
                return io::stdout().lock().write_all(&document).map_err(|e| Failure::Internal(format!("standard output: {e}")));
            }
            write_private_new(&out, &document)?;
            // The message goes to standard error so `--out -` and a file behave alike on stdout.
            let _ = writeln!(io::stderr().lock(), "wrote authorization {id}'s document to {} ({} bytes)", out.display(), document.len());
            Ok(())
        }
        Prepared::Add { client, auth, document } => {
            let actor = actor(store, location, "--as", None).await?;
            let filed = App::new(store, store).file_authorization(&actor, &client, &auth, document.as_deref()).await.map_err(app_failure)?;
            let queued = if filed.awaiting_review { " (awaiting the privacy officer's review)" } else { "" };
            say(&format!("filed authorization {}{queued}", filed.id))
        }
        Prepared::Revoke { id, on, by } => {
            let actor = actor(store, location, "--by", by.as_deref()).await?;
            let client = store.authorization_client(&id).await.map_err(store_failure)?;
            let on = on.unwrap_or_else(|| store.today());
            App::new(store, store).revoke_authorization(&actor, &client, &id, Some(on)).await.map_err(app_failure)?;
            say(&format!("revoked authorization {id} on {on}"))
        }
        Prepared::List { client, format } => {
            let auths = store.authorizations(&client).await.map_err(store_failure)?;
            let values: Vec<Value> = auths
                .iter()
                .map(|s| {
                    let a = &s.authorization;
                    json!({
                        "id": a.id, "kind": a.kind, "signed_by": a.signed_by, "signed_on": a.signed_on,
                        "categories": a.categories,
                        "recipients": a.recipients.iter().map(|r| json!({ "kind": r.kind, "name": r.name })).collect::<Vec<_>>(),
                        "purposes": a.purposes, "expires_on": a.expires_on, "expiry_event": a.expiry_event,
                        "revoked_on": a.revoked_on, "revoked_by": s.revoked_by,
                        "statements": { "right_to_revoke": a.statements.right_to_revoke, "no_conditioning": a.statements.no_conditioning, "redisclosure": a.statements.redisclosure },
                        "has_document": s.has_document,
                    })
                })
                .collect();
            let rows = auths
                .iter()
                .map(|s| {
                    let a = &s.authorization;
                    vec![
                        a.id.clone(),
                        a.kind.to_string(),
                        a.signed_on.map(|d| d.to_string()).unwrap_or_default(),
                        join(&a.categories),
                        a.recipients.iter().map(|r| match &r.name { Some(n) => format!("{}:{n}", r.kind), None => r.kind.to_string() }).collect::<Vec<_>>().join(", "),
                        join(&a.purposes),
                        a.expires_on.map(|d| d.to_string()).or_else(|| a.expiry_event.clone()).unwrap_or_default(),
                        a.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            emit(format, &json!(values), &table(&["ID", "KIND", "SIGNED", "CATEGORIES", "RECIPIENTS", "PURPOSES", "EXPIRES", "REVOKED"], &rows))
        }
    }
}

pub fn notice(location: &Location, cmd: NoticeCmd) -> Result<(), Failure> {
    let on = match &cmd {
        NoticeCmd::Ack { on: Some(d), .. } => Some(date("--on", d)?),
        _ => None,
    };
    block_on(async {
        let store = open(location).await?;
        let result = async {
            match cmd {
                NoticeCmd::Ack { client, output, .. } => {
                    let on = on.unwrap_or_else(today);
                    let actor = actor(&store, location, "--as", None).await?;
                    App::new(&store, &store).acknowledge_notice(&actor, &client, on).await.map_err(app_failure)?;
                    emit(
                        output.format,
                        &json!({ "client": client, "acknowledged_on": on }),
                        &format!("recorded that client {client} acknowledged the privacy notice on {on}"),
                    )
                }
                NoticeCmd::List { client, output } => {
                    let days = store.privacy_notice_acknowledgments(&client).await.map_err(store_failure)?;
                    let rows = days.iter().map(|d| vec![d.to_string()]).collect::<Vec<_>>();
                    emit(output.format, &json!({ "client": client, "acknowledged_on": days }), &table(&["ACKNOWLEDGED ON"], &rows))
                }
            }
        }
        .await;
        store.close().await;
        result
    })
}

pub fn restriction(location: &Location, cmd: RestrictionCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = restriction_inner(&store, location, cmd).await;
        store.close().await;
        result
    })
}

async fn restriction_inner(store: &Store, location: &Location, cmd: RestrictionCmd) -> Result<(), Failure> {
    match cmd {
        RestrictionCmd::Add { client, categories, recipient_kinds, purposes, agreed, requested_on } => {
            let r = Restriction {
                categories: list("--categories", &categories, Category::parse, Category::expected)?,
                recipient_kinds: list("--recipient-kinds", &recipient_kinds, RecipientKind::parse, RecipientKind::expected)?,
                purposes: list("--purposes", &purposes, Purpose::parse, Purpose::expected)?,
                agreed,
            };
            let on = requested_on.map(|d| date("--requested-on", &d)).transpose()?;
            let actor = actor(store, location, "--as", None).await?;
            let id = App::new(store, store).add_restriction(&actor, &client, &r, on).await.map_err(app_failure)?;
            say(&format!("recorded restriction {id}"))
        }
        RestrictionCmd::List { client, output } => {
            let list = store.restrictions(&client).await.map_err(store_failure)?;
            let all = |s: String| if s.is_empty() { "(all)".to_string() } else { s };
            let values: Vec<Value> = list
                .iter()
                .map(|s| json!({ "id": s.id, "categories": s.restriction.categories, "recipient_kinds": s.restriction.recipient_kinds, "purposes": s.restriction.purposes, "agreed": s.restriction.agreed, "requested_on": s.requested_on }))
                .collect();
            let rows = list
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        all(join(&s.restriction.categories)),
                        all(join(&s.restriction.recipient_kinds)),
                        all(join(&s.restriction.purposes)),
                        if s.restriction.agreed { "yes".into() } else { "no".into() },
                        s.requested_on.to_string(),
                    ]
                })
                .collect::<Vec<_>>();
            emit(output.format, &json!(values), &table(&["ID", "CATEGORIES", "RECIPIENT KINDS", "PURPOSES", "AGREED", "REQUESTED"], &rows))
        }
    }
}

pub fn staff(location: &Location, cmd: StaffCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = async {
            match cmd {
                StaffCmd::Add { name, role, id } => {
                    let role = StaffRole::parse(&role).ok_or_else(|| expected("--role", StaffRole::expected(), &role))?;
                    let actor = actor(&store, location, "--as", None).await?;
                    let id = App::new(&store, &store).add_staff(&actor, NewStaff { id, display_name: name, role }).await.map_err(app_failure)?;
                    say(&format!("added staff {id}"))
                }
                StaffCmd::List { output } => {
                    let staff = store.list_staff().await.map_err(store_failure)?;
                    let rows = staff
                        .iter()
                        .map(|s| vec![s.id.clone(), s.display_name.clone(), s.role.to_string(), if s.active { "yes".into() } else { "no".into() }])
                        .collect::<Vec<_>>();
                    emit(output.format, &json!(staff), &table(&["ID", "NAME", "ROLE", "ACTIVE"], &rows))
                }
            }
        }
        .await;
        store.close().await;
        result
    })
}

pub fn team(location: &Location, cmd: TeamCmd) -> Result<(), Failure> {
    block_on(async {
        let store = open(location).await?;
        let result = async {
            match cmd {
                TeamCmd::Add { name, id } => {
                    let actor = actor(&store, location, "--as", None).await?;
                    let id = App::new(&store, &store).add_team(&actor, id.as_deref(), &name).await.map_err(app_failure)?;
                    say(&format!("added team {id}"))
                }
                TeamCmd::Assign { staff, client: Some(client), .. } => {
                    let actor = actor(&store, location, "--as", None).await?;
                    App::new(&store, &store).assign_caseload(&actor, &client, &staff).await.map_err(app_failure)?;
                    say(&format!("assigned client {client} to {staff}'s caseload"))
                }
                TeamCmd::Assign { staff, team, .. } => {
                    let team = store.team_id(&team.unwrap_or_default()).await.map_err(store_failure)?;
                    let actor = actor(&store, location, "--as", None).await?;
                    App::new(&store, &store).add_team_member(&actor, &team, &staff).await.map_err(app_failure)?;
                    say(&format!("added {staff} to team {team}"))
                }
                TeamCmd::List { output } => {
                    let teams = store.list_teams().await.map_err(store_failure)?;
                    let rows = teams.iter().map(|t| vec![t.id.clone(), t.name.clone(), t.members.join(", ")]).collect::<Vec<_>>();
                    emit(output.format, &json!(teams), &table(&["ID", "NAME", "MEMBERS"], &rows))
                }
            }
        }
        .await;
        store.close().await;
        result
    })
}

pub fn keys(location: &Location, cmd: KeysCmd) -> Result<(), Failure> {
    match cmd {
        KeysCmd::Rotate => block_on(async {
            let mut store = open(location).await?;
            let result = store.rotate_keys().await.map_err(store_failure);
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
pub fn list<T: PartialEq>(flag: &str, text: &str, parse: fn(&str) -> Option<T>, expected_values: fn() -> String) -> Result<Vec<T>, Failure> {
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
