//! Builds the engine's [`Request`] for a stored client: the client's age and
//! status on the day asked, and every authorization and restriction on file,
//! from the vault; the recipient, purpose, categories and facts from the
//! caller. This is the "resolved" stage of a request — the engine stays free
//! of I/O.

use confidant_policy::vocab::{Category, Jurisdiction, OrganizationPolicy, Purpose};
use confidant_policy::{Client as RequestClient, Date, Discloser, Facts, Recipient, Request};

use crate::error::StoreError;
use crate::model::{Client, StoredAscmi, StoredAuthorization, StoredRestriction};
use crate::vault::Store;

/// What the caller supplies for a decision about a stored client.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    /// The stored client the request is about.
    pub client_id: String,
    /// The day to decide for: the client's age, status and authorizations are taken as of it.
    pub as_of: Date,
    /// The law to decide under.
    pub jurisdiction: Jurisdiction,
    /// The organization's own, stricter rules.
    pub organization_policy: OrganizationPolicy,
    /// Who would disclose.
    pub discloser: Discloser,
    /// Who would receive.
    pub recipient: Recipient,
    /// Why.
    pub purpose: Purpose,
    /// Non-empty, without duplicates.
    pub categories: Vec<Category>,
    /// The circumstances the caller asserts (emergency, court order, …).
    pub facts: Facts,
}

impl Store {
    /// The request for `spec.client_id` with the vault's authorizations and restrictions.
    pub async fn request_for(&self, spec: RequestSpec) -> Result<Request, StoreError> {
        check_categories(&spec)?;
        let client = self.client(&spec.client_id).await?;
        let authorizations = self.authorizations(&client.id).await?;
        let ascmis = self.ascmis(&client.id).await?;
        let restrictions = self.restrictions(&client.id).await?;
        assemble(spec, &client, &authorizations, &ascmis, &restrictions)
    }
}

/// The categories asked for: at least one, each once.
pub(crate) fn check_categories(spec: &RequestSpec) -> Result<(), StoreError> {
    if spec.categories.is_empty() {
        return Err(StoreError::invalid("categories", "at least one category"));
    }
    for (i, c) in spec.categories.iter().enumerate() {
        if spec.categories.iter().take(i).any(|d| d == c) {
            return Err(StoreError::invalid("categories", format!("each category once, got `{c}` twice")));
        }
    }
    Ok(())
}

/// The engine's request from what the vault holds about the client.
pub(crate) fn assemble(
    spec: RequestSpec,
    client: &Client,
    authorizations: &[StoredAuthorization],
    ascmis: &[StoredAscmi],
    restrictions: &[StoredRestriction],
) -> Result<Request, StoreError> {
    let age = client.birth.age_on(spec.as_of).filter(|a| u64::from(*a) <= confidant_policy::MAX_AGE).ok_or_else(|| {
        StoreError::invalid(
            "as_of",
            format!("a day on which client `{}` was alive and at most {} years old", client.id, confidant_policy::MAX_AGE),
        )
    })?;
    let (status, died_on) = client.status_on(spec.as_of);
    Ok(Request {
        as_of: spec.as_of,
        jurisdiction: spec.jurisdiction,
        organization_policy: spec.organization_policy,
        discloser: spec.discloser,
        client: RequestClient { age, status, died_on, part2_program: client.part2_program, lps_program: client.lps_program },
        recipient: spec.recipient,
        purpose: spec.purpose,
        categories: spec.categories,
        facts: spec.facts,
        // An ASCMI reaches the engine as one `ascmi` authorization per care
        // partner the client shares with (see `Ascmi::authorizations`).
        authorizations: authorizations
            .iter()
            .map(|a| a.authorization.clone())
            .chain(ascmis.iter().flat_map(|a| a.ascmi.authorizations()))
            .collect(),
        restrictions: restrictions.iter().map(|r| r.restriction.clone()).collect(),
    })
}
