//! `confidant ascmi …`: California ASCMI forms — file one with its care
//! partners and the client's choices, list them, attach or write out the
//! signed scan, revoke.

#[allow(clippy::wildcard_imports)]
use super::*;
use confidant_store::{Ascmi, CarePartner};

use super::authorizations::statements_of;

#[derive(Debug, Subcommand)]
pub enum AscmiCmd {
    /// File a signed ASCMI; one not valid as written is refused naming the field.
    Add {
        #[arg(long)]
        client: String,
        #[arg(long)]
        id: Option<String>,
        /// `client` or `personal_representative`.
        #[arg(long)]
        signed_by: Option<String>,
        #[arg(long)]
        signed_on: Option<String>,
        #[arg(long)]
        expires_on: Option<String>,
        /// A care partner and the client's choices for it, as
        /// `KIND:NAME;CATEGORIES;PURPOSES` (comma-separated lists; leave both
        /// empty to share nothing with it); repeat for each care partner.
        #[arg(long = "partner")]
        partners: Vec<String>,
        /// Comma-separated statements the form carries: right_to_revoke, no_conditioning, redisclosure.
        #[arg(long, default_value = "")]
        statements: String,
        /// The signed scan to attach (stored encrypted).
        #[arg(long)]
        document: Option<PathBuf>,
    },
    /// A client's ASCMI forms: each care partner and what it may receive.
    List {
        #[arg(long)]
        client: String,
        #[command(flatten)]
        output: Output,
    },
    /// Attach the signed scan to a form that has none.
    Attach {
        id: String,
        #[arg(long)]
        document: PathBuf,
    },
    /// Write a form's signed scan, decrypted, to a new file.
    Document {
        id: String,
        /// A path that does not exist yet (created mode 0600); `-` writes standard output.
        #[arg(long)]
        out: PathBuf,
    },
    /// Record the client's written revocation.
    Revoke {
        id: String,
        #[arg(long)]
        on: Option<String>,
        /// The staff member who received it [default: the --as staff member].
        #[arg(long)]
        by: Option<String>,
    },
}

fn partner(i: usize, text: &str) -> Result<CarePartner, Failure> {
    let flag = format!("--partner[{i}]");
    let mut parts = text.splitn(3, ';');
    let who = parts.next().unwrap_or_default();
    let (kind, name) =
        who.split_once(':').ok_or_else(|| Failure::Input(format!("{flag}: `KIND:NAME;CATEGORIES;PURPOSES`, got `{text}`")))?;
    Ok(CarePartner {
        name: name.trim().to_string(),
        kind: RecipientKind::parse(kind.trim()).ok_or_else(|| expected(&flag, RecipientKind::expected(), kind))?,
        categories: list(&format!("{flag} categories"), parts.next().unwrap_or_default(), Category::parse, Category::expected)?,
        purposes: list(&format!("{flag} purposes"), parts.next().unwrap_or_default(), Purpose::parse, Purpose::expected)?,
    })
}

fn read_file(flag: &str, path: &Path) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|e| Failure::Input(format!("{flag}: a readable file ({}: {e})", path.display())))
}

pub fn ascmi(location: &Location, cmd: AscmiCmd) -> Result<(), Failure> {
    // Everything is parsed and files read before the vault is touched.
    let prepared = match cmd {
        AscmiCmd::Add { client, id, signed_by, signed_on, expires_on, partners, statements, document } => {
            let statements = statements_of(&statements)?;
            let form = Ascmi {
                id: id.unwrap_or_default(),
                signed_by: signed_by
                    .map(|s| Signer::parse(&s).ok_or_else(|| expected("--signed-by", Signer::expected(), &s)))
                    .transpose()?,
                signed_on: signed_on.map(|d| date("--signed-on", &d)).transpose()?,
                expires_on: expires_on.map(|d| date("--expires-on", &d)).transpose()?,
                expiry_event: None,
                statements,
                partners: partners.iter().enumerate().map(|(i, p)| partner(i, p)).collect::<Result<_, _>>()?,
                revoked_on: None,
            };
            let document = document.map(|p| read_file("--document", &p)).transpose()?;
            Prepared::Add { client, form: Box::new(form), document }
        }
        AscmiCmd::List { client, output } => Prepared::List { client, format: output.format },
        AscmiCmd::Attach { id, document } => Prepared::Attach { id, document: read_file("--document", &document)? },
        AscmiCmd::Document { id, out } => Prepared::Document { id, out },
        AscmiCmd::Revoke { id, on, by } => Prepared::Revoke { id, on: on.map(|d| date("--on", &d)).transpose()?, by },
    };
    block_on(async {
        let store = open(location).await?;
        let result = ascmi_inner(&store, location, prepared).await;
        store.close().await;
        result
    })
}

enum Prepared {
    Add { client: String, form: Box<Ascmi>, document: Option<Vec<u8>> },
    List { client: String, format: Format },
    Attach { id: String, document: Vec<u8> },
    Document { id: String, out: PathBuf },
    Revoke { id: String, on: Option<Date>, by: Option<String> },
}

async fn ascmi_inner(store: &Store, location: &Location, prepared: Prepared) -> Result<(), Failure> {
    let app = App::new(store, store);
    match prepared {
        Prepared::Add { client, form, document } => {
            let actor = actor(store, location, "--as", None).await?;
            let id = app.file_ascmi(&actor, &client, &form, document.as_deref()).await.map_err(app_failure)?;
            say(&format!("filed ASCMI {id} with {} care partner(s)", form.partners.len()))
        }
        Prepared::List { client, format } => {
            let actor = actor(store, location, "--as", None).await?;
            let forms = app.ascmis_of(&actor, &client).await.map_err(app_failure)?;
            let values: Vec<Value> = forms
                .iter()
                .map(|s| {
                    let f = &s.ascmi;
                    json!({
                        "id": f.id, "signed_by": f.signed_by, "signed_on": f.signed_on, "expires_on": f.expires_on,
                        "revoked_on": f.revoked_on, "revoked_by": s.revoked_by, "has_document": s.has_document,
                        "partners": f.partners.iter().map(|p| json!({ "kind": p.kind, "name": p.name, "categories": p.categories, "purposes": p.purposes })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let rows = forms
                .iter()
                .flat_map(|s| {
                    let f = &s.ascmi;
                    f.partners.iter().map(move |p| {
                        vec![
                            f.id.clone(),
                            format!("{}:{}", p.kind, p.name),
                            if p.categories.is_empty() { "(nothing)".into() } else { join(&p.categories) },
                            join(&p.purposes),
                            f.expires_on.map(|d| d.to_string()).unwrap_or_default(),
                            f.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
                        ]
                    })
                })
                .collect::<Vec<_>>();
            emit(format, &json!(values), &table(&["ID", "CARE PARTNER", "MAY RECEIVE", "FOR", "EXPIRES", "REVOKED"], &rows))
        }
        Prepared::Attach { id, document } => {
            let actor = actor(store, location, "--as", None).await?;
            let client = store.ascmi_client(&id).await.map_err(store_failure)?;
            app.attach_ascmi_document(&actor, &client, &id, &document).await.map_err(app_failure)?;
            say(&format!("attached the signed scan to ASCMI {id} ({} bytes)", document.len()))
        }
        Prepared::Document { id, out } => {
            let actor = actor(store, location, "--as", None).await?;
            let client = store.ascmi_client(&id).await.map_err(store_failure)?;
            let document = app
                .ascmi_document(&actor, &client, &id)
                .await
                .map_err(app_failure)?
                .ok_or_else(|| Failure::Input(format!("ascmi: `{id}` has no signed scan attached")))?;
            if out.as_os_str() == "-" {
                return io::stdout().lock().write_all(&document).map_err(|e| Failure::Internal(format!("standard output: {e}")));
            }
            write_private_new(&out, &document)?;
            let _ = writeln!(io::stderr().lock(), "wrote ASCMI {id}'s signed scan to {} ({} bytes)", out.display(), document.len());
            Ok(())
        }
        Prepared::Revoke { id, on, by } => {
            let actor = actor(store, location, "--by", by.as_deref()).await?;
            let client = store.ascmi_client(&id).await.map_err(store_failure)?;
            let on = on.unwrap_or_else(|| store.today());
            app.revoke_ascmi(&actor, &client, &id, Some(on)).await.map_err(app_failure)?;
            say(&format!("revoked ASCMI {id} on {on}"))
        }
    }
}
