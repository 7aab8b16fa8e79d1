//! The `confidant` binary: argument parsing and wiring only. The logic lives
//! in the library crates; this file maps their results to output and exit
//! codes (0 an answer, 1 an internal failure or a failed check, 2 bad
//! input, 3 a disclosure that was denied).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

mod audit_cmd;
mod backup_cmd;
mod check;
mod check_client;
mod config;
mod import;
mod packs;
mod release;
mod render;
mod rules;
mod serve;
mod serve_log;
mod train;
mod vault;

/// Confidant: may I share this, with this person, for this reason?
#[derive(Debug, Parser)]
#[command(name = "confidant", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    location: vault::Location,
    /// A directory of rule packs laid over the built-in ones (a file named
    /// like a built-in pack replaces it; see `confidant rules export`)
    #[arg(long, global = true, env = "CONFIDANT_POLICIES", value_name = "DIR")]
    policies: Option<std::path::PathBuf>,
    /// A `confidant.toml` with the installation's settings; environment
    /// variables and flags override it (see the README)
    #[arg(long, global = true, env = "CONFIDANT_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Check the config file, print the settings in effect and where each
    /// comes from, and exit (0 valid, 2 not)
    #[arg(long)]
    check_config: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide a disclosure request (JSON object) or a batch (JSON array), or
    /// one for a stored client with `--client`.
    Check {
        /// The request file; `-` or nothing reads standard input.
        #[arg(conflicts_with = "client")]
        file: Option<String>,
        /// Output format; defaults to `text` on a terminal and `json` otherwise.
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[command(flatten)]
        client: check_client::ClientCheck,
    },
    /// List every rule, or explain one rule by id; export, lint, test and diff packs.
    #[command(args_conflicts_with_subcommands = true)]
    Rules {
        #[command(subcommand)]
        action: Option<rules::RulesCmd>,
        /// A rule id such as `hipaa.treatment`.
        id: Option<String>,
        /// `markdown` writes the whole catalog as `docs/rules.md` holds it.
        #[arg(long, value_enum, default_value_t = rules::RulesFormat::Text)]
        format: rules::RulesFormat,
    },
    /// Create the data directory, the key file (mode 0600), the vault and its
    /// first administrator, whose one-time password is printed once (or read
    /// with `--admin-password-stdin`).
    Init {
        /// Fill the vault with a fictional demo organization.
        #[arg(long)]
        demo: bool,
        /// The law the organization's requests are decided under unless one
        /// names another: `US-CA` (federal and California law) or `US`.
        #[arg(long, default_value = "US-CA")]
        jurisdiction: String,
        #[command(flatten)]
        admin: vault::AdminArgs,
    },
    /// Clients: add, list, show, discharge, record a death.
    #[command(subcommand)]
    Client(vault::ClientCmd),
    /// Records (contents are encrypted; shown only with --show-content).
    #[command(subcommand)]
    Record(vault::RecordCmd),
    /// HIPAA authorizations and Part 2 consents.
    #[command(subcommand)]
    Auth(vault::AuthCmd),
    /// California ASCMI forms: care partners and the client's choices for each.
    #[command(subcommand)]
    Ascmi(vault::AscmiCmd),
    /// Acknowledgments of the notice of privacy practices.
    #[command(subcommand)]
    Notice(vault::NoticeCmd),
    /// Restrictions clients asked for (45 CFR 164.522).
    #[command(subcommand)]
    Restriction(vault::RestrictionCmd),
    /// Authorizations and restrictions as FHIR R4 Consent: import a Consent or Bundle, export a client's.
    #[command(subcommand)]
    Consent(vault::ConsentCmd),
    /// Staff members.
    #[command(subcommand)]
    Staff(vault::StaffCmd),
    /// Care teams and caseloads.
    #[command(subcommand)]
    Team(vault::TeamCmd),
    /// Key-encryption keys.
    #[command(subcommand)]
    Keys(vault::KeysCmd),
    /// Release a stored client's information: decide, release only what is
    /// allowed, write the package, record it (exit 3 when nothing may go).
    Disclose(release::DiscloseArgs),
    /// A client's accounting of disclosures (45 CFR 164.528); corrections and suspensions.
    Accounting(release::AccountingArgs),
    /// Serve the HTTP API and the staff console (`--demo`: a throwaway demo organization).
    Serve(serve::ServeArgs),
    /// The tamper-evident audit log: verify, prove, show.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCmd),
    /// Write an encrypted backup of the vault while it keeps serving (the key
    /// file and the audit signing key are not in it: keep them apart).
    Backup(backup_cmd::BackupArgs),
    /// Restore a backup into an empty vault (`--data-dir` or `--database`),
    /// keeping it only if the vault check and the audit log verify.
    Restore(backup_cmd::RestoreArgs),
    /// Exam practice generated from the engine: a study session, `--exam N`,
    /// or `questions`, `flashcards`, `progress`.
    Train(train::TrainArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Text,
}

/// How a command ended: the exit code and, on failure, the one-line message.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit 2.
    Input(String),
    /// A defect or I/O failure: exit 1.
    Internal(String),
    /// A check that found a problem (e.g. a tampered audit log): exit 1.
    Check(String),
    /// A disclosure that was denied and released nothing: exit 3.
    Denied(String),
}

impl Failure {
    /// The message, whatever the kind.
    pub fn message(self) -> String {
        match self {
            Failure::Input(m) | Failure::Internal(m) | Failure::Check(m) | Failure::Denied(m) => m,
        }
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    finish(run(cli, &matches))
}

fn run(mut cli: Cli, matches: &clap::ArgMatches) -> Result<(), Failure> {
    let file = match &cli.config {
        Some(path) => config::load(path)?,
        None => config::ConfigFile::default(),
    };
    config::apply_location(&file, &mut cli.location, &mut cli.policies);
    packs::set_dir(cli.policies.clone());
    let location = cli.location;
    if cli.check_config {
        print!("{}", config::report(cli.config.as_deref(), &file, matches, &location));
        return Ok(());
    }
    let Some(command) = cli.command else {
        return Err(Failure::Input("a command: one of check, rules, init, serve, … (see `confidant --help`)".into()));
    };
    match command {
        Command::Check { file: _, format, client } if client.client.is_some() => check_client::run(&location, client, format),
        Command::Check { file, format, .. } => check::run(file.as_deref(), format),
        Command::Rules { action, id, format } => rules::run(&location, action, id.as_deref(), format),
        Command::Init { demo, jurisdiction, admin } => vault::init_in(&location, demo, &jurisdiction, &admin),
        Command::Client(cmd) => vault::client(&location, cmd),
        Command::Record(cmd) => vault::record(&location, cmd),
        Command::Auth(cmd) => vault::auth(&location, cmd),
        Command::Ascmi(cmd) => vault::ascmi(&location, cmd),
        Command::Notice(cmd) => vault::notice(&location, cmd),
        Command::Restriction(cmd) => vault::restriction(&location, cmd),
        Command::Consent(cmd) => vault::consent(&location, cmd),
        Command::Staff(cmd) => vault::staff(&location, cmd),
        Command::Team(cmd) => vault::team(&location, cmd),
        Command::Keys(cmd) => vault::keys(&location, cmd),
        Command::Disclose(args) => release::disclose_cmd(&location, args),
        Command::Accounting(args) => release::accounting_cmd(&location, args),
        Command::Audit(cmd) => audit_cmd::run(&location, cmd),
        Command::Serve(mut args) => {
            if let Some(serve) = matches.subcommand_matches("serve") {
                config::apply_serve(&file, serve, &mut args)?;
            }
            serve::run(&location, args, &file)
        }
        Command::Train(args) => train::run(&location, args),
        Command::Backup(args) => backup_cmd::backup(&location, args),
        Command::Restore(args) => backup_cmd::restore(&location, args),
    }
}

fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Check(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Denied(message)) => {
            eprintln!("error: denied: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Internal(message)) => {
            eprintln!("error: internal: {message}");
            ExitCode::from(1)
        }
    }
}
