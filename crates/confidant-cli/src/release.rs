//! `confidant disclose` and `confidant accounting`: wiring over
//! `confidant-disclosure`. A denial exits 3 and prints the remedies; a
//! release writes the package (JSON, and an HTML page beside it, mode 0600)
//! and prints where.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use confidant_app::{App, SuspensionRequest};
use confidant_disclosure::{Release, accounting};
use confidant_policy::vocab::RecipientKind;
use confidant_store::AccountingCorrection;

use crate::check_client::{ClientCheck, option_failure, prepare, spec};
use crate::vault::{Location, block_on, date, expected, open};
use crate::{Failure, Format, render};

#[derive(Debug, Args)]
pub struct DiscloseArgs {
    #[command(flatten)]
    pub target: ClientCheck,
    /// The recipient's address, kept in the accounting when it is reportable.
    #[arg(long)]
    pub recipient_address: Option<String>,
    /// Where to write the package (JSON; the HTML page goes beside it)
    /// [default: <data-dir>/disclosures/<id>.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn disclose_cmd(location: &Location, args: DiscloseArgs) -> Result<(), Failure> {
    // A real disclosure is dated by the system; `check --client … --as-of`
    // answers what-if questions about other days.
    if args.target.as_of.is_some() {
        return Err(Failure::Input(
            "--as-of: a disclosure is made and recorded today; use `check --client … --as-of DATE` for another day".into(),
        ));
    }
    let prepared = prepare(&args.target)?;
    let engine = crate::packs::engine()?;
    let release = block_on(async {
        let store = open(location).await?;
        let result = async {
            let actor = crate::vault::actor(&store, location, "--staff", prepared.staff.as_deref()).await?;
            if actor.on_behalf_of().is_none() {
                return Err(Failure::Input("--staff: the staff member making the disclosure (or --as)".into()));
            }
            let mut prepared = prepared;
            prepared.staff = actor.on_behalf_of().map(str::to_string);
            let spec = spec(&store, &prepared).await?;
            App::new(&store, &store).release(&engine, &actor, spec, args.recipient_address.clone()).await.map_err(option_failure)
        }
        .await;
        store.close().await;
        result
    })?;
    match release {
        Release::Denied { decision, .. } => {
            let text = match args.format {
                Format::Json => serde_json::to_string_pretty(&decision).map_err(|e| Failure::Internal(e.to_string()))?,
                Format::Text => render::decision(&decision),
            };
            let _ = writeln!(io::stdout().lock(), "{text}");
            Err(Failure::Denied("nothing was released; see the remedies above".into()))
        }
        Release::Released(package) => {
            let json_path = match &args.out {
                Some(path) => path.clone(),
                None => location.data_dir()?.join("disclosures").join(format!("{}.json", package.disclosure_id)),
            };
            let html_path = json_path.with_extension("html");
            let json = serde_json::to_string_pretty(&package).map_err(|e| Failure::Internal(e.to_string()))?;
            write_private(&json_path, json.as_bytes())?;
            write_private(&html_path, package.to_html().as_bytes())?;
            let mut out = io::stdout().lock();
            match args.format {
                Format::Json => {
                    let summary = serde_json::json!({
                        "disclosure": package.disclosure_id,
                        "released": package.released.iter().map(|c| c.category.as_str()).collect::<Vec<_>>(),
                        "withheld": package.withheld.iter().map(|c| c.category.as_str()).collect::<Vec<_>>(),
                        "records": package.records().count(),
                        "held_back": package.held_back,
                        "accounting_entry": package.accounting_entry_id,
                        "audit_entry": package.audit_entry,
                        "package": json_path,
                        "page": html_path,
                    });
                    let _ = writeln!(out, "{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
                }
                Format::Text => {
                    let _ = writeln!(out, "Disclosure {} recorded (audit entry {}).", package.disclosure_id, package.audit_entry);
                    for c in &package.released {
                        let _ = writeln!(out, "  released {} ({} records)", c.category, c.records.len());
                    }
                    for c in &package.withheld {
                        let _ = writeln!(out, "  withheld {}: {}", c.category, c.reason);
                    }
                    for h in &package.held_back {
                        let _ = writeln!(
                            out,
                            "  not sent: {} {} record(s); {} (the package does not mention them)",
                            h.records, h.category, h.reason
                        );
                    }
                    if let Some(id) = &package.accounting_entry_id {
                        let _ = writeln!(out, "  recorded in the client's accounting of disclosures as {id}");
                    }
                    if package.redisclosure_notice.is_some() {
                        let _ = writeln!(out, "  the Part 2 redisclosure notice is on the package");
                    }
                    let _ = writeln!(out, "Package: {}\nPage:    {}", json_path.display(), html_path.display());
                }
            }
            Ok(())
        }
    }
}

/// Writes a file holding PHI: created 0600, parent directories made.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let failed = |e: io::Error| Failure::Input(format!("--out: a writable file `{}` ({e})", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).and_then(|mut f| f.write_all(bytes)).map_err(failed)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccountingFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AccountingArgs {
    #[command(subcommand)]
    pub command: Option<AccountingCmd>,
    /// The client whose accounting to give.
    #[arg(long)]
    pub client: Option<String>,
    /// From this day (at most six years back) [default: six years back].
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// As of this day [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The staff member giving it (audited).
    #[arg(long)]
    pub staff: Option<String>,
    #[arg(long, value_enum, default_value_t = AccountingFormat::Text)]
    pub format: AccountingFormat,
}

#[derive(Debug, Subcommand)]
pub enum AccountingCmd {
    /// File a correction: a new entry that names the old one (entries are never edited).
    Correct {
        /// The entry to correct.
        entry: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        staff: String,
        #[arg(long, value_name = "DATE")]
        disclosed_on: Option<String>,
        #[arg(long)]
        recipient_name: Option<String>,
        #[arg(long)]
        recipient_address: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        statement: Option<String>,
    },
    /// Suspend the client's accounting of disclosures to an agency (45 CFR 164.528(a)(2)).
    Suspend {
        #[arg(long)]
        client: String,
        /// `health_oversight_agency` or `law_enforcement`.
        #[arg(long)]
        agency: String,
        #[arg(long)]
        agency_name: Option<String>,
        /// The agency's statement of why, and for how long.
        #[arg(long)]
        statement: String,
        #[arg(long, value_name = "DATE")]
        until: String,
        /// The agency's statement is in writing (an oral one lasts at most 30 days).
        #[arg(long)]
        written: bool,
        #[arg(long, value_name = "DATE")]
        requested_on: Option<String>,
        #[arg(long)]
        staff: String,
    },
}

pub fn accounting_cmd(location: &Location, args: AccountingArgs) -> Result<(), Failure> {
    match args.command {
        Some(AccountingCmd::Correct { entry, reason, staff, disclosed_on, recipient_name, recipient_address, description, statement }) => {
            let correction = AccountingCorrection {
                disclosed_on: disclosed_on.as_deref().map(|d| date("--disclosed-on", d)).transpose()?,
                recipient_name,
                recipient_address,
                description,
                statement,
                reason,
            };
            let id = with_store(location, |store| async move {
                let actor = crate::vault::actor(&store, location, "--staff", Some(&staff)).await?;
                App::new(&store, &*store).correct_accounting(&actor, &entry, correction).await.map_err(crate::vault::app_failure)
            })?;
            let _ = writeln!(io::stdout().lock(), "filed correction {id}");
            Ok(())
        }
        Some(AccountingCmd::Suspend { client, agency, agency_name, statement, until, written, requested_on, staff }) => {
            let kind = RecipientKind::parse(&agency)
                .ok_or_else(|| expected("--agency", "`health_oversight_agency`, `law_enforcement`".into(), &agency))?;
            let request = SuspensionRequest {
                client_id: client,
                agency: kind,
                agency_name,
                requested_on: requested_on.as_deref().map(|d| date("--requested-on", d)).transpose()?,
                until: date("--until", &until)?,
                written,
                statement,
            };
            let id = with_store(location, |store| async move {
                let actor = crate::vault::actor(&store, location, "--staff", Some(&staff)).await?;
                App::new(&store, &*store).suspend_accounting(&actor, request).await.map_err(crate::vault::app_failure)
            })?;
            let _ = writeln!(io::stdout().lock(), "recorded suspension {id}");
            Ok(())
        }
        None => {
            let client = args.client.ok_or_else(|| Failure::Input("--client: the client whose accounting to give".into()))?;
            let since = args.since.as_deref().map(|d| date("--since", d)).transpose()?;
            let as_of = args.as_of.as_deref().map(|d| date("--as-of", d)).transpose()?;
            let staff = args.staff;
            let accounting = with_store(location, |store| async move {
                let actor = crate::vault::actor(&store, location, "--staff", staff.as_deref()).await?;
                App::new(&store, &*store).accounting(&actor, &client, since, as_of).await.map_err(crate::vault::app_failure)
            })?;
            let text = match args.format {
                AccountingFormat::Text => accounting::to_text(&accounting),
                AccountingFormat::Json => serde_json::to_string_pretty(&accounting::to_json(&accounting)).unwrap_or_default(),
                AccountingFormat::Html => accounting::to_html(&accounting),
            };
            let _ = write!(io::stdout().lock(), "{}{}", text, if text.ends_with('\n') { "" } else { "\n" });
            Ok(())
        }
    }
}

/// Opens the vault, runs `f`, closes the vault.
pub fn with_store<T, F, Fut>(location: &Location, f: F) -> Result<T, Failure>
where
    F: FnOnce(std::sync::Arc<confidant_store::Store>) -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    block_on(async {
        let store = std::sync::Arc::new(open(location).await?);
        let result = f(store.clone()).await;
        if let Ok(store) = std::sync::Arc::try_unwrap(store) {
            store.close().await;
        }
        result
    })
}
