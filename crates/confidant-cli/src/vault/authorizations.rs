//! `confidant auth …` and `confidant restriction …`: authorizations, Part 2 consents, revocations, restrictions.

#[allow(clippy::wildcard_imports)]
use super::*;

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

pub fn auth(location: &Location, cmd: AuthCmd) -> Result<(), Failure> {
    // Everything is parsed and the document read before the vault is touched.
    let prepared = match cmd {
        AuthCmd::Add {
            client,
            id,
            kind,
            signed_by,
            signed_on,
            categories,
            recipients,
            purposes,
            expires_on,
            expiry_event,
            statements,
            document,
        } => {
            let statements = statements_of(&statements)?;
            let auth = Authorization {
                id: id.unwrap_or_default(),
                kind: AuthorizationKind::parse(&kind).ok_or_else(|| expected("--kind", AuthorizationKind::expected(), &kind))?,
                signed_by: signed_by
                    .map(|s| Signer::parse(&s).ok_or_else(|| expected("--signed-by", Signer::expected(), &s)))
                    .transpose()?,
                signed_on: signed_on.map(|d| date("--signed-on", &d)).transpose()?,
                categories: list("--categories", &categories, Category::parse, Category::expected)?,
                recipients: recipients.iter().map(|r| recipient(r)).collect::<Result<Vec<_>, _>>()?,
                purposes: list("--purposes", &purposes, Purpose::parse, Purpose::expected)?,
                expires_on: expires_on.map(|d| date("--expires-on", &d)).transpose()?,
                expiry_event: expiry_event.filter(|e| !e.trim().is_empty()),
                revoked_on: None,
                statements,
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
            let actor = actor(store, location, "--as", None).await?;
            let document = App::new(store, store)
                .authorization_document(&actor, &id)
                .await
                .map_err(app_failure)?
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
            let filed =
                App::new(store, store).file_authorization(&actor, &client, &auth, document.as_deref()).await.map_err(app_failure)?;
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
            let actor = actor(store, location, "--as", None).await?;
            let auths = App::new(store, store).authorizations_of(&actor, &client).await.map_err(app_failure)?;
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
                        a.recipients
                            .iter()
                            .map(|r| match &r.name {
                                Some(n) => format!("{}:{n}", r.kind),
                                None => r.kind.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        join(&a.purposes),
                        a.expires_on.map(|d| d.to_string()).or_else(|| a.expiry_event.clone()).unwrap_or_default(),
                        a.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            emit(
                format,
                &json!(values),
                &table(&["ID", "KIND", "SIGNED", "CATEGORIES", "RECIPIENTS", "PURPOSES", "EXPIRES", "REVOKED"], &rows),
            )
        }
    }
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
            let actor = actor(store, location, "--as", None).await?;
            let list = App::new(store, store).restrictions_of(&actor, &client).await.map_err(app_failure)?;
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

/// `--statements`: the comma-separated statements a signed form carries
/// (an authorization's or an ASCMI's), each one of the three the law asks for.
pub(super) fn statements_of(text: &str) -> Result<Statements, Failure> {
    const EXPECTED: &str = "`right_to_revoke`, `no_conditioning`, `redisclosure`";
    let named = list("--statements", text, |s| Some(s.to_string()), || EXPECTED.into())?;
    for s in &named {
        if !["right_to_revoke", "no_conditioning", "redisclosure"].contains(&s.as_str()) {
            return Err(expected("--statements", EXPECTED.into(), s));
        }
    }
    let has = |statement: &str| named.iter().any(|s| s == statement);
    Ok(Statements { right_to_revoke: has("right_to_revoke"), no_conditioning: has("no_conditioning"), redisclosure: has("redisclosure") })
}
