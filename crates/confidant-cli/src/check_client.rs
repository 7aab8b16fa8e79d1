//! `confidant check --client ID …`: the request is assembled from the vault
//! (the client's age and status on the day, and every authorization and
//! restriction on file) instead of read from a file, then decided and printed
//! like any other request.

use std::io::{self, IsTerminal, Write};

use clap::Args;
use confidant_app::App;
use confidant_policy::vocab::{Category, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Role};
use confidant_policy::{Discloser, Facts, Recipient};
use confidant_store::{RequestSpec, Store, today};

use crate::vault::{Location, block_on, date, expected, list, open, store_failure};
use crate::{Failure, Format, render};

/// The options of `check` that name a stored client.
#[derive(Debug, Default, Args)]
pub struct ClientCheck {
    /// Decide for this stored client (the request is built from the vault).
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// The recipient kind, e.g. `treating_provider`.
    #[arg(long = "to", value_name = "KIND", requires = "client")]
    pub to: Option<String>,
    /// The recipient's name, matched against authorizations.
    #[arg(long, requires = "client")]
    pub recipient_name: Option<String>,
    /// The recipient is inside the organization.
    #[arg(long, requires = "client")]
    pub same_organization: bool,
    #[arg(long, requires = "client")]
    pub purpose: Option<String>,
    /// Comma-separated categories.
    #[arg(long, requires = "client")]
    pub categories: Option<String>,
    /// A fact that is true; repeat for more.
    #[arg(long = "fact", value_name = "FACT", requires = "client")]
    pub facts: Vec<String>,
    /// The day of the disclosure [default: today].
    #[arg(long, value_name = "DATE", requires = "client")]
    pub as_of: Option<String>,
    /// `US`, `US-CA`, or a state a loaded pack covers [default: the
    /// organization's, set at `init`].
    #[arg(long, requires = "client")]
    pub jurisdiction: Option<String>,
    /// The discloser's role [default: psychotherapist, or the role of --staff].
    #[arg(long, requires = "client", conflicts_with = "staff")]
    pub role: Option<String>,
    /// The staff member disclosing; their role is the discloser's.
    #[arg(long, requires = "client")]
    pub staff: Option<String>,
    /// `default` or `none`.
    #[arg(long, default_value = "default", requires = "client")]
    pub organization_policy: String,
}

/// The options, parsed and checked before the vault is opened.
pub struct Prepared {
    client: String,
    kind: RecipientKind,
    recipient_name: Option<String>,
    same_organization: bool,
    purpose: Purpose,
    categories: Vec<Category>,
    facts: Facts,
    as_of: confidant_policy::Date,
    /// `None`: the organization's.
    jurisdiction: Option<Jurisdiction>,
    organization_policy: OrganizationPolicy,
    role: Option<Role>,
    pub staff: Option<String>,
}

/// Parses the options of a request about a stored client.
pub fn prepare(args: &ClientCheck) -> Result<Prepared, Failure> {
    let client = args.client.clone().ok_or_else(|| Failure::Input("--client: a client id".into()))?;
    let to = args.to.as_deref().ok_or_else(|| Failure::Input("--to: a recipient kind (required with --client)".into()))?;
    let kind = RecipientKind::parse(to).ok_or_else(|| expected("--to", RecipientKind::expected(), to))?;
    let purpose_text = args.purpose.as_deref().ok_or_else(|| Failure::Input("--purpose: a purpose (required with --client)".into()))?;
    let purpose = Purpose::parse(purpose_text).ok_or_else(|| expected("--purpose", Purpose::expected(), purpose_text))?;
    let categories = list("--categories", args.categories.as_deref().unwrap_or_default(), Category::parse, Category::expected)?;
    if categories.is_empty() {
        return Err(Failure::Input("--categories: at least one category (required with --client)".into()));
    }
    let mut facts = Facts::default();
    for f in &args.facts {
        facts.set(Fact::parse(f).ok_or_else(|| expected("--fact", Fact::expected(), f))?, true);
    }
    let as_of = args.as_of.as_deref().map(|d| date("--as-of", d)).transpose()?.unwrap_or_else(today);
    let jurisdiction = args
        .jurisdiction
        .as_deref()
        .map(|j| Jurisdiction::parse(j).ok_or_else(|| expected("--jurisdiction", Jurisdiction::expected(), j)))
        .transpose()?;
    let organization_policy = OrganizationPolicy::parse(&args.organization_policy)
        .ok_or_else(|| expected("--organization-policy", OrganizationPolicy::expected(), &args.organization_policy))?;
    let role = args.role.as_deref().map(|r| Role::parse(r).ok_or_else(|| expected("--role", Role::expected(), r))).transpose()?;
    Ok(Prepared {
        client,
        kind,
        recipient_name: args.recipient_name.clone(),
        same_organization: args.same_organization,
        purpose,
        categories,
        facts,
        as_of,
        jurisdiction,
        organization_policy,
        role,
        staff: args.staff.clone(),
    })
}

/// The engine request spec: the discloser's role is the staff member's when one is named.
pub async fn spec(store: &Store, p: &Prepared) -> Result<RequestSpec, Failure> {
    let role = match (&p.staff, p.role) {
        (Some(staff), _) => store.staff(staff).await.map_err(store_failure)?.role.discloser_role(),
        (None, Some(role)) => role,
        (None, None) => Role::Psychotherapist,
    };
    Ok(RequestSpec {
        client_id: p.client.clone(),
        as_of: p.as_of,
        jurisdiction: match p.jurisdiction {
            Some(j) => j,
            None => store.jurisdiction().await.map_err(store_failure)?,
        },
        organization_policy: p.organization_policy,
        discloser: Discloser { role, mandated_reporter: None },
        recipient: Recipient { kind: p.kind, name: p.recipient_name.clone(), same_organization: p.same_organization },
        purpose: p.purpose,
        categories: p.categories.clone(),
        facts: p.facts,
    })
}

pub fn run(location: &Location, args: ClientCheck, format: Option<Format>) -> Result<(), Failure> {
    let prepared = prepare(&args)?;
    let engine = crate::packs::engine()?;

    let decision = block_on(async {
        let store = open(location).await?;
        let result = async {
            let actor = crate::vault::actor(&store, location, "--staff", prepared.staff.as_deref()).await?;
            let mut prepared = prepared;
            prepared.staff = actor.on_behalf_of().map(str::to_string);
            let spec = spec(&store, &prepared).await?;
            // A decision about a stored client reads its facts: audited.
            App::new(&store, &store).decide_for_client(&engine, &actor, spec).await.map_err(option_failure)
        }
        .await;
        store.close().await;
        result
    })?;

    let format = format.unwrap_or(if io::stdout().is_terminal() { Format::Text } else { Format::Json });
    let mut out = io::stdout().lock();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&decision).map_err(|e| Failure::Internal(e.to_string()))?,
        Format::Text => render::decision(&decision),
    };
    writeln!(out, "{text}").map_err(|e| Failure::Internal(e.to_string()))
}

/// An operation's failure, naming the command-line option for a field the
/// engine refused (`/jurisdiction` is `--jurisdiction` here).
pub fn option_failure(e: confidant_app::AppError) -> Failure {
    match e {
        confidant_app::AppError::Input { field, expected } if field == "/jurisdiction" => {
            Failure::Input(format!("--jurisdiction: {expected}"))
        }
        other => crate::vault::app_failure(other),
    }
}
