//! `confidant audit …`: verify the whole log, prove one entry's inclusion
//! or two heads' consistency, show entries, print the latest signed head,
//! check a proof with nothing but the proof file and the log's public key
//! (no database), and publish the log: `export` writes it in the C2SP
//! tlog-tiles layout, `vkey` prints the checkpoint's verifier key.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Subcommand;
use confidant_audit::{ConsistencyProof, InclusionProof, LeafHash, LogVerifyingKey, SignedTreeHead};
use confidant_store::{AUDIT_KEY_FILE_NAME, AuditFilter, AuditKind, WITNESS_FILE_NAME, load_audit_key, read_witness, unix_days};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::release::with_store;
use crate::vault::{Location, date, expected, store_failure};
use crate::{Failure, Format};

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the log and check every entry, node and signed tree head;
    /// exit 0 when intact, 1 naming the first problem.
    Verify {
        /// The log's public key (hex) [default: from the signing key file].
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
    /// The inclusion proof of one entry, as JSON.
    Prove {
        /// The entry's sequence number.
        entry: u64,
        /// Prove against the signed head of this size [default: the latest].
        #[arg(long)]
        size: Option<u64>,
    },
    /// The consistency proof between two signed tree sizes, as JSON.
    Consistency { old_size: u64, new_size: u64 },
    /// List entries (ids, kinds and categories; no contents).
    Show {
        #[arg(long)]
        client: Option<String>,
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// At most this many, newest first.
        #[arg(long)]
        limit: Option<u64>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Include each entry's sealed details (JSON only; the operator or
        /// the privacy officer). Details may name people.
        #[arg(long)]
        details: bool,
    },
    /// The latest signed tree head and the log's public key, as JSON.
    Head,
    /// Write the log as a C2SP transparency log under DIR, as of its latest
    /// checkpoint: `checkpoint` (a signed note), `tile/<L>/<N>[.p/<W>]` and
    /// `tile/entries/<N>[.p/<W>]`. Entries are commitments; no event leaves.
    Export { dir: PathBuf },
    /// The checkpoint's verifier key in signed-note form (`name+hash+base64`).
    Vkey,
    /// Check a proof printed by `audit prove` or `audit consistency`, using
    /// only that file and the log's public key (no database).
    CheckProof {
        file: PathBuf,
        #[arg(long, value_name = "HEX")]
        public_key: String,
    },
}

/// What `audit prove` prints and `audit check-proof` reads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionDocument {
    entry: u64,
    leaf_hash: LeafHash,
    proof: InclusionProof,
    tree_head: SignedTreeHead,
}

/// What `audit consistency` prints and `audit check-proof` reads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyDocument {
    proof: ConsistencyProof,
    old_head: SignedTreeHead,
    new_head: SignedTreeHead,
}

fn public_key(text: &str) -> Result<LogVerifyingKey, Failure> {
    text.parse().map_err(|_| Failure::Input("--public-key: 64 hex digits of an Ed25519 public key".into()))
}

fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))?;
    let _ = writeln!(io::stdout().lock(), "{text}");
    Ok(())
}

pub fn run(location: &Location, cmd: AuditCmd) -> Result<(), Failure> {
    match cmd {
        AuditCmd::Verify { public_key: given } => verify(location, given),
        AuditCmd::Prove { entry, size } => {
            let document = with_store(location, |store| async move {
                let (proof, head) = store.audit_inclusion_proof(entry, size).await.map_err(store_failure)?;
                let stored = store.audit_entry(entry).await.map_err(store_failure)?;
                Ok(InclusionDocument { entry, leaf_hash: stored.leaf_hash, proof, tree_head: head })
            })?;
            print_json(&document)
        }
        AuditCmd::Consistency { old_size, new_size } => {
            let document = with_store(location, |store| async move {
                let (proof, old_head, new_head) = store.audit_consistency_proof(old_size, new_size).await.map_err(store_failure)?;
                Ok(ConsistencyDocument { proof, old_head, new_head })
            })?;
            print_json(&document)
        }
        AuditCmd::Show { client, since, kind, limit, format, details } => {
            if details && format != Format::Json {
                return Err(Failure::Input("--details: only with `--format json`".into()));
            }
            let since_ms = since.as_deref().map(|d| date("--since", d)).transpose()?.map(|d| unix_days(d) * 86_400_000);
            let kind = kind.as_deref().map(|k| AuditKind::parse(k).ok_or_else(|| expected("--kind", kinds(), k))).transpose()?;
            let filter = AuditFilter { client_id: client, since_ms, kind, newest_first: limit.is_some(), limit, with_details: details };
            let entries = with_store(location, |store| async move {
                let actor = crate::vault::actor(&store, location, "--as", None).await?;
                confidant_app::App::new(&store, &*store).audit_entries(&actor, &filter).await.map_err(crate::vault::app_failure)
            })?;
            match format {
                Format::Json => {
                    let rows: Vec<_> = entries
                        .iter()
                        .map(|e| {
                            let mut row = json!({
                                "entry": e.seq, "at_ms": e.at_ms, "kind": e.kind.as_str(), "actor": e.actor,
                                "client": e.client_id, "categories": e.categories, "break_glass": e.break_glass,
                                "leaf_hash": e.leaf_hash,
                            });
                            if let (Some(d), Some(map)) = (&e.details, row.as_object_mut()) {
                                map.insert("details".into(), d.clone());
                            }
                            row
                        })
                        .collect();
                    print_json(&rows)
                }
                Format::Text => {
                    let mut out = io::stdout().lock();
                    let _ = writeln!(
                        out,
                        "{:>8}  {:<24}  {:<28}  {:<12}  {:<12}  CATEGORIES",
                        "ENTRY", "TIME (UTC)", "KIND", "ACTOR", "CLIENT"
                    );
                    for e in &entries {
                        let _ = writeln!(
                            out,
                            "{:>8}  {:<24}  {:<28}  {:<12}  {:<12}  {}{}",
                            e.seq,
                            time_of(e.at_ms),
                            e.kind.as_str(),
                            e.actor.as_deref().unwrap_or("-"),
                            e.client_id.as_deref().unwrap_or("-"),
                            e.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","),
                            if e.break_glass { "  BREAK-GLASS" } else { "" }
                        );
                    }
                    Ok(())
                }
            }
        }
        AuditCmd::Head => {
            let (head, key) = with_store(location, |store| async move {
                Ok((store.tree_head().await.map_err(store_failure)?, store.audit_public_key().await.map_err(store_failure)?))
            })?;
            print_json(&json!({ "tree_head": head, "public_key": key }))
        }
        AuditCmd::CheckProof { file, public_key: key } => check_proof(&file, &public_key(&key)?),
        AuditCmd::Export { dir } => {
            let target = dir.clone();
            let (files, size) = with_store(location, |store| async move { store.export_audit_log(&target).await.map_err(store_failure) })?;
            let _ = writeln!(io::stdout().lock(), "exported {files} files of the log at size {size} to {}", dir.display());
            Ok(())
        }
        AuditCmd::Vkey => {
            // From the signing key kept outside the database (the store
            // refuses to open with one the log was not signed by).
            let key = with_store(location, |store| async move { Ok(store.audit_verifying_key()) })?
                .map(confidant_audit::VerifierKey::for_log)
                .ok_or_else(|| Failure::Input("audit: a vault whose log has a key (run `confidant init`)".into()))?;
            let _ = writeln!(io::stdout().lock(), "{key}");
            Ok(())
        }
    }
}

fn kinds() -> String {
    AuditKind::ALL.iter().map(|k| format!("`{}`", k.as_str())).collect::<Vec<_>>().join(", ")
}

fn time_of(ms: i64) -> String {
    let day = confidant_store::date_from_unix_days(ms.div_euclid(86_400_000));
    let secs = ms.rem_euclid(86_400_000) / 1000;
    format!("{day} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn verify(location: &Location, given: Option<String>) -> Result<(), Failure> {
    let dir = location.data_dir()?;
    let key = match given {
        Some(text) => public_key(&text)?,
        None => load_audit_key(&dir.join(AUDIT_KEY_FILE_NAME)).map_err(|e| Failure::Input(format!("audit key: {e}")))?.verifying_key(),
    };
    let witness = read_witness(&dir.join(WITNESS_FILE_NAME)).map_err(store_failure)?;
    let report = with_store(location, |store| async move {
        let registered = store.audit_public_key().await.map_err(store_failure)?;
        let report = store.verify_audit(&key, witness.as_ref()).await.map_err(store_failure)?;
        Ok((registered, report))
    })?;
    let (registered, report) = report;
    let mut out = io::stdout().lock();
    if let Some(registered) = registered
        && registered != key
    {
        return Err(Failure::Check(format!("audit: the log's registered public key {registered} is not the key checked against ({key})")));
    }
    match report.problem {
        None => {
            let root: String = report.root.iter().map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(
                out,
                "audit log intact: {} entries, {} signed checkpoints and {} tiles checked, root {root}",
                report.size, report.heads_checked, report.tiles_checked
            );
            Ok(())
        }
        Some(problem) => Err(Failure::Check(format!("audit: {problem}"))),
    }
}

fn check_proof(file: &PathBuf, key: &LogVerifyingKey) -> Result<(), Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| Failure::Input(format!("file: a readable proof file ({e})")))?;
    let bad = |what: String| Failure::Check(format!("proof: {what}"));
    if let Ok(doc) = serde_json::from_str::<InclusionDocument>(&text) {
        doc.tree_head.verify(key).map_err(|_| bad("the tree head's signature does not verify under this key".into()))?;
        if doc.proof.tree_size != doc.tree_head.head.size || doc.proof.leaf_index != doc.entry {
            return Err(bad("the proof is for another entry or tree size than the document says".into()));
        }
        doc.proof.verify(&doc.leaf_hash, &doc.tree_head.head.root).map_err(|e| bad(e.to_string()))?;
        let _ = writeln!(io::stdout().lock(), "entry {} is in the log of {} entries signed by {key}", doc.entry, doc.tree_head.head.size);
        return Ok(());
    }
    if let Ok(doc) = serde_json::from_str::<ConsistencyDocument>(&text) {
        for head in [&doc.old_head, &doc.new_head] {
            head.verify(key).map_err(|_| bad(format!("the tree head of size {} has a bad signature", head.head.size)))?;
        }
        if doc.proof.old_size != doc.old_head.head.size || doc.proof.new_size != doc.new_head.head.size {
            return Err(bad("the proof's sizes differ from the heads'".into()));
        }
        doc.proof.verify(&doc.old_head.head.root, &doc.new_head.head.root).map_err(|e| bad(e.to_string()))?;
        let _ = writeln!(
            io::stdout().lock(),
            "the log of {} entries extends the log of {} entries",
            doc.new_head.head.size,
            doc.old_head.head.size
        );
        return Ok(());
    }
    Err(Failure::Input("file: the JSON printed by `audit prove` or `audit consistency`".into()))
}
