//! `confidant backup` and `confidant restore`: wiring over
//! `confidant_store::backup`. The passphrase comes from standard input
//! (`--passphrase-stdin`, first line) or `CONFIDANT_BACKUP_PASSPHRASE`,
//! never from an argument (which other users can read in the process list).
//!
//! A SQLite restore is written to `confidant.sqlite.restoring` in the data
//! directory and renamed into place only once it has passed the vault check
//! and the audit verification; a failed one leaves no file behind. The data
//! directory must already hold the key file (or `CONFIDANT_KEY`) and the
//! audit signing key (or `CONFIDANT_AUDIT_KEY`), restored from where they
//! were kept apart.

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use confidant_store::{
    AUDIT_KEY_FILE_NAME, BackupError, BackupSummary, DATABASE_FILE_NAME, DatabaseUrl, KeyRing, RestoreKeys, WITNESS_FILE_NAME,
    inspect_backup, load_audit_key, read_witness, restore_backup, write_witness,
};

use zeroize::Zeroizing;

use crate::Failure;
use crate::vault::{Location, block_on, open, stdin_secret};

/// The environment variable that may hold the backup passphrase.
const PASSPHRASE_ENV: &str = "CONFIDANT_BACKUP_PASSPHRASE";

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist; written mode 0600).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Read the passphrase from the first line of standard input
    /// [default: CONFIDANT_BACKUP_PASSPHRASE].
    #[arg(long)]
    passphrase_stdin: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file.
    file: PathBuf,
    /// Read the passphrase from the first line of standard input
    /// [default: CONFIDANT_BACKUP_PASSPHRASE].
    #[arg(long)]
    passphrase_stdin: bool,
    /// Only read and authenticate the whole file and report what it holds;
    /// write nothing.
    #[arg(long)]
    verify_only: bool,
}

fn passphrase(from_stdin: bool) -> Result<Zeroizing<String>, Failure> {
    if from_stdin {
        return stdin_secret("--passphrase-stdin");
    }
    match std::env::var(PASSPHRASE_ENV) {
        Ok(value) if !value.is_empty() => Ok(Zeroizing::new(value)),
        _ => Err(Failure::Input(format!("--passphrase-stdin: a passphrase on standard input (or {PASSPHRASE_ENV})"))),
    }
}

fn failure(e: BackupError) -> Failure {
    match e {
        e if e.is_bad_input() => Failure::Input(e.to_string()),
        e @ (BackupError::Damaged { .. }
        | BackupError::Truncated
        | BackupError::TrailingData
        | BackupError::Format(_)
        | BackupError::Schema(_)
        | BackupError::CheckFailed(_)
        | BackupError::AuditFailed(_)) => Failure::Check(e.to_string()),
        e => Failure::Internal(e.to_string()),
    }
}

fn describe(summary: &BackupSummary) -> String {
    format!(
        "{} rows in {} tables ({} audit entries), schema version {}, from {}, {} bytes",
        summary.rows(),
        summary.tables.len(),
        summary.audit_entries,
        summary.schema_version,
        summary.source_backend,
        summary.bytes
    )
}

pub fn backup(location: &Location, args: BackupArgs) -> Result<(), Failure> {
    let secret = passphrase(args.passphrase_stdin)?;
    block_on(async {
        let store = open(location).await?;
        let result = store.backup(&args.out, secret.as_bytes()).await.map_err(failure);
        store.close().await;
        let summary = result?;
        println!("backed up to {}: {}", args.out.display(), describe(&summary));
        println!("  not included, on purpose: the key file and the audit signing key; keep copies of both apart from this backup");
        Ok(())
    })
}

pub fn restore(location: &Location, args: RestoreArgs) -> Result<(), Failure> {
    let secret = passphrase(args.passphrase_stdin)?;
    if args.verify_only {
        let summary = inspect_backup(&args.file, secret.as_bytes()).map_err(failure)?;
        println!("{}: intact; {}", args.file.display(), describe(&summary));
        return Ok(());
    }
    let dir = location.data_dir()?;
    let keys = KeyRing::load(&dir.join(confidant_store::KEY_FILE_NAME)).map_err(|e| Failure::Input(format!("key: {e}")))?;
    let audit_key = load_audit_key(&dir.join(AUDIT_KEY_FILE_NAME)).map_err(|e| Failure::Input(format!("audit key: {e}")))?;
    let witness_path = dir.join(WITNESS_FILE_NAME);
    let previous_witness = read_witness(&witness_path).map_err(|e| Failure::Input(e.to_string()))?;
    let restore_keys = RestoreKeys { keys, audit_key, previous_witness: previous_witness.clone() };

    let postgres = location.database.as_deref().filter(|u| !u.is_empty());
    let (target, staged) = match postgres {
        Some(url) => (DatabaseUrl::new(url), None),
        None => {
            let file = dir.join(DATABASE_FILE_NAME);
            if file.exists() {
                return Err(Failure::Input(format!(
                    "--data-dir: a directory without a vault to restore into; {} exists (move it away first)",
                    file.display()
                )));
            }
            let staged = dir.join(format!("{DATABASE_FILE_NAME}.restoring"));
            remove_sqlite(&staged);
            (DatabaseUrl::sqlite_file(&staged), Some((staged, file)))
        }
    };
    let result = block_on(async { restore_backup(&args.file, secret.as_bytes(), &target, restore_keys).await.map_err(failure) });
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            if let Some((staged, _)) = &staged {
                remove_sqlite(staged);
            }
            return Err(e);
        }
    };
    if let Some((staged, file)) = &staged {
        fs::rename(staged, file).map_err(|e| Failure::Internal(format!("{}: {e}", file.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(file, fs::Permissions::from_mode(0o600));
        }
    }
    // The old witness records a head the restored log may be behind: keep it
    // beside, and start the witness again from the restored log's head.
    if let Some(old) = &previous_witness {
        let aside = dir.join(format!("{WITNESS_FILE_NAME}.before-restore-{}", old.head.size));
        fs::rename(&witness_path, &aside).map_err(|e| Failure::Internal(format!("{}: {e}", witness_path.display())))?;
        println!("  the previous witness (log size {}) is kept as {}", old.head.size, aside.display());
    }
    if let Some(head) = &report.head {
        write_witness(&witness_path, head).map_err(|e| Failure::Internal(e.to_string()))?;
    }
    let into = staged.as_ref().map_or_else(|| target.to_string(), |(_, file)| file.display().to_string());
    println!("restored {} into {into}: {}", args.file.display(), describe(&report.backup));
    println!(
        "  vault check: sound ({} records, {} data keys); audit log: {} entries verified",
        report.check.records, report.check.data_keys, report.audit_verified
    );
    Ok(())
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}
