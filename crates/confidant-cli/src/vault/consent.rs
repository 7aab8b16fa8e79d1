//! `confidant consent import` and `confidant consent export`: a client's
//! authorizations, Part 2 consents and restrictions as FHIR R4 `Consent`
//! resources, mapped by `confidant_server::fhir` (the same mapping as the
//! `/fhir` endpoints) and filed or read through `confidant-app`, so the
//! `--as` staff member's need-to-know and the audit log apply.

#[allow(clippy::wildcard_imports)]
use super::*;

use confidant_server::fhir::{self, Filing, Imported};

#[derive(Debug, Subcommand)]
pub enum ConsentCmd {
    /// File the authorizations and restrictions in a FHIR Consent or a
    /// Bundle of them. Every Consent is mapped and checked before any is
    /// filed; one that cannot be mapped names its element and nothing is filed.
    Import {
        /// The JSON file; `-` reads standard input.
        file: String,
    },
    /// Write a client's authorizations and restrictions as a FHIR Bundle
    /// (`collection`) of Consents to standard output.
    Export {
        #[arg(long)]
        client: String,
    },
}

fn read_input(file: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    if file == "-" {
        io::stdin().lock().read_to_end(&mut bytes).map_err(|e| Failure::Input(format!("FILE: readable standard input ({e})")))?;
    } else {
        bytes = fs::read(file).map_err(|e| Failure::Input(format!("FILE: a readable file ({file}: {e})")))?;
    }
    Ok(bytes)
}

/// Parses and checks every Consent in the document, before the vault is opened.
fn prepare(bytes: &[u8]) -> Result<Vec<Imported>, Failure> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        Failure::Input(format!("FILE: a FHIR Consent or Bundle in JSON ({})", message.split(" at line ").next().unwrap_or(&message)))
    })?;
    let imported = fhir::parse_document(value).map_err(|e| Failure::Input(e.to_string()))?;
    for (i, one) in imported.iter().enumerate() {
        fhir::consent::check_filable(one).map_err(|outcome| {
            let issues: Vec<String> = outcome
                .issue
                .iter()
                .map(|issue| {
                    let element = issue.expression.first().map(String::as_str).unwrap_or("Consent");
                    let element = if imported.len() > 1 || element.starts_with("Bundle") {
                        element.replacen("Consent", &format!("Bundle.entry[{i}].resource"), 1)
                    } else {
                        element.to_string()
                    };
                    format!("{element}: {}", issue.diagnostics.split_once(": ").map_or(issue.diagnostics.as_str(), |(_, d)| d))
                })
                .collect();
            Failure::Input(issues.join("; "))
        })?;
    }
    Ok(imported)
}

pub fn consent(location: &Location, cmd: ConsentCmd) -> Result<(), Failure> {
    let prepared = match &cmd {
        ConsentCmd::Import { file } => Some(prepare(&read_input(file)?)?),
        ConsentCmd::Export { .. } => None,
    };
    block_on(async {
        let store = open(location).await?;
        let result = consent_inner(&store, location, cmd, prepared).await;
        store.close().await;
        result
    })
}

async fn consent_inner(store: &Store, location: &Location, cmd: ConsentCmd, prepared: Option<Vec<Imported>>) -> Result<(), Failure> {
    let actor = actor(store, location, "--as", None).await?;
    let app = App::new(store, store);
    match cmd {
        ConsentCmd::Import { .. } => {
            let imported = prepared.unwrap_or_default();
            let total = imported.len();
            for (i, one) in imported.into_iter().enumerate() {
                // Each Consent is filed in its own transaction; all were checked above.
                let filed = match one.filing {
                    Filing::Authorization(mut auth) => {
                        let from = std::mem::take(&mut auth.id);
                        let filed = app.file_authorization(&actor, &one.client_id, &auth, None).await;
                        filed.map(|f| {
                            format!("authorization {}{}", f.id, if from.is_empty() { String::new() } else { format!(" (Consent {from})") })
                        })
                    }
                    Filing::Ascmi(mut form) => {
                        let from = std::mem::take(&mut form.id);
                        let filed = app.file_ascmi(&actor, &one.client_id, &form, None).await;
                        filed.map(|id| format!("ASCMI {id}{}", if from.is_empty() { String::new() } else { format!(" (Consent {from})") }))
                    }
                    Filing::Restriction { id, restriction, requested_on } => {
                        let filed = app.add_restriction(&actor, &one.client_id, &restriction, requested_on).await;
                        filed.map(|new| format!("restriction {new}{}", id.map(|from| format!(" (Consent {from})")).unwrap_or_default()))
                    }
                };
                match filed {
                    Ok(what) => say(&format!("filed {what} for client {}", one.client_id))?,
                    Err(e) if i > 0 => {
                        return Err(Failure::Input(format!(
                            "{} (the {i} Consents before it were filed, of {total})",
                            app_failure(e).message()
                        )));
                    }
                    Err(e) => return Err(app_failure(e)),
                }
            }
            Ok(())
        }
        ConsentCmd::Export { client } => {
            let authorizations = app.authorizations_of(&actor, &client).await.map_err(app_failure)?;
            let ascmis = app.ascmis_of(&actor, &client).await.map_err(app_failure)?;
            let restrictions = app.restrictions_of(&actor, &client).await.map_err(app_failure)?;
            let bundle = fhir::collection(fhir::consents_of(&client, &authorizations, &ascmis, &restrictions));
            let text = serde_json::to_string_pretty(&bundle).map_err(|e| Failure::Internal(format!("bundle: {e}")))?;
            say(&text)
        }
    }
}
