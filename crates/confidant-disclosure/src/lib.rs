//! The act after the decision: [`disclose`] decides a request about a stored
//! client, releases only the categories that come out `permit` or
//! `required`, records the disclosure, its accounting entry (when the
//! decision obliges one) and its audit leaf in one transaction, and returns a
//! [`Package`] holding exactly the released records, with a cover listing
//! what was withheld and why. A denial releases nothing; the decision itself
//! is audited either way.
//!
//! [`accounting`] renders a client's accounting of disclosures as text, JSON
//! or a printable page.
//!
//! Why a crate of its own: the CLI and the server both release, and neither
//! should decide what a package holds. The store stays the only crate that
//! knows SQL, the engine stays free of I/O.

#![deny(missing_docs)]

pub mod accounting;
mod html;
mod package;

use confidant_policy::vocab::{Category, Effect, ObligationKind, Outcome, OverallDecision};
use confidant_policy::{Decision, Engine, FiredRule};
use confidant_store::{
    AccountingBasis, AuditEvent, AuditKind, Detail, NewDisclosure, Record, RequestSpec, Staff, StaffRole, Store, StoreError,
    StoredAuthorization, decision_details,
};

pub use html::{STYLE as PACKAGE_STYLE, escape};
pub use package::{HeldBack, Package, PackageRecord, REDISCLOSURE_NOTICE, ReleasedCategory, WithheldCategory};

/// Why a release could not be made. A failed release has released and
/// recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum DiscloseError {
    /// The vault refused or failed: an unknown client or staff member, a
    /// client whose status bars the release, a database error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine failed on a valid request (a defect, never the caller's).
    #[error("engine: {0}")]
    Engine(#[source] confidant_policy::EngineError),
    /// The decision could not be written into the disclosure's record.
    #[error("recording the decision: {0}")]
    Encode(#[from] serde_json::Error),
    /// The request names what the loaded packs do not cover (a jurisdiction).
    #[error("{0}")]
    Input(String),
    /// The law would allow it, but the releaser may not hand over what is
    /// on file (psychotherapy notes written by someone else).
    #[error("{0}")]
    NotReleasable(String),
}

impl DiscloseError {
    /// Whether the caller is at fault (bad input) rather than the system.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, DiscloseError::Store(e) if e.is_bad_input())
            || matches!(self, DiscloseError::NotReleasable(_) | DiscloseError::Input(_))
    }
}

/// A request to release a stored client's information.
#[derive(Clone, Debug)]
pub struct DiscloseRequest {
    /// What is asked: the client, recipient, purpose, categories and facts;
    /// the vault adds the authorizations and restrictions on file, and its
    /// own date replaces `as_of`.
    pub spec: RequestSpec,
    /// The staff member releasing; recorded with the disclosure.
    pub staff_id: String,
    /// Where the package is sent, recorded with the disclosure and shown on
    /// the package (an accounting entry must say to whom it went).
    pub recipient_address: Option<String>,
    /// Access outside the staff member's caseload under a stated reason.
    pub break_glass: bool,
}

/// What [`disclose`] did.
#[derive(Clone, Debug)]
pub enum Release {
    /// Nothing may be released; the decision carries the remedies.
    Denied {
        /// The decision, with why each category is withheld.
        decision: Box<Decision>,
        /// The sequence number of the audit log entry that records the
        /// denied decision.
        audit_seq: u64,
    },
    /// Some or all categories were released.
    Released(Box<Package>),
}

/// Decides and, when anything may go, releases. See the crate docs.
///
/// A release happens today: the request's `as_of` is replaced by the vault's
/// date, so a disclosure can be neither backdated out of the accounting nor
/// dated ahead past an authorization's end.
///
/// The decision is made inside the release's transaction
/// ([`Store::begin_release`]): the authorizations, restrictions and client
/// status it rests on are the ones in force when the disclosure commits.
pub async fn disclose(store: &Store, engine: &Engine, mut request: DiscloseRequest) -> Result<Release, DiscloseError> {
    request.spec.as_of = store.today();
    let client_id = request.spec.client_id.clone();
    let recipient = request.spec.recipient.clone();
    let purpose = request.spec.purpose;
    let as_of = request.spec.as_of;
    let mut release = store.begin_release(&client_id).await?;
    let staff = release.staff(&request.staff_id).await?;
    let engine_request = release.request_for(request.spec).await?;
    let decision = engine.decide(&engine_request).map_err(|e| match e {
        confidant_policy::EngineError::Input(input) => DiscloseError::Input(input.to_string()),
        other => DiscloseError::Engine(other),
    })?;

    if decision.decision == OverallDecision::Deny || decision.release.is_empty() {
        let event = AuditEvent::new(AuditKind::Decision, Some(&staff.id))
            .client(&client_id)
            .categories(&engine_request.categories)
            .break_glass(request.break_glass)
            .with_all(decision_details(&engine_request, &decision))
            // Nothing goes, whatever the categories' answers were.
            .with(Detail::Outcome("deny"));
        let audit_seq = release.record_decision(event).await?;
        return Ok(Release::Denied { decision: Box::new(decision), audit_seq });
    }

    let client = release.client().clone();
    let documented = release.authorizations().iter().any(|a| documents_notes_release(a, as_of));
    let held = std::sync::Mutex::new(Vec::<Category>::new());
    let keep = |r: &Record| {
        if !decision.release.contains(&r.category) {
            return false;
        }
        let ok = releaser_may_hand_over(&staff, r, documented);
        if !ok && let Ok(mut held) = held.lock() {
            held.push(r.category);
        }
        ok
    };
    // Only what goes is decrypted.
    let records = release.records_selected(&keep).await?;
    let held = held.into_inner().unwrap_or_default();
    let held_back = HeldBack::count(&held);
    // A category whose every record was held back was not disclosed: it is
    // neither in the package nor in the accounting.
    let dropped: Vec<Category> = held_back.iter().map(|h| h.category).filter(|c| !records.iter().any(|r| r.category == *c)).collect();
    let mut decision = decision;
    decision.release.retain(|c| !dropped.contains(c));
    if decision.release.is_empty() {
        // Only psychotherapy notes are ever held back (`releaser_may_hand_over`).
        return Err(DiscloseError::NotReleasable(format!("categories: the law allows this release, but {}", package::NOTES_HELD_BACK)));
    }
    let accounting = accounting_basis(&decision, purpose.as_str());
    let (recorded, head) = release
        .record_disclosure(NewDisclosure {
            client_id: client_id.clone(),
            staff_id: staff.id.clone(),
            disclosed_on: as_of,
            recipient_kind: recipient.kind,
            recipient_name: recipient.name.clone(),
            recipient_address: request.recipient_address.clone(),
            purpose,
            released: decision.release.clone(),
            withheld: decision.withhold.clone(),
            record_ids: records.iter().map(|r| r.id.clone()).collect(),
            decision: serde_json::to_value(&decision)?,
            request: confidant_policy::request_to_value(&engine_request),
            accounting,
        })
        .await?;
    let head = match head {
        Some(head) => Some(head),
        None => store.tree_head().await?,
    };
    Ok(Release::Released(Box::new(Package::build(
        &client,
        &staff,
        &recipient,
        request.recipient_address,
        purpose,
        as_of,
        decision,
        records,
        recorded,
        head,
        &dropped,
        held_back,
    ))))
}

/// Whether the releaser may hand over `record`: anything they may read, and
/// psychotherapy notes only their own — or, for the privacy officer, another
/// clinician's under a signed authorization for the notes on file (45 CFR
/// 164.508(a)(2): notes go only on an authorization of their own).
fn releaser_may_hand_over(staff: &Staff, record: &Record, documented_notes_authorization: bool) -> bool {
    record.category != Category::PsychotherapyNotes
        || record.author_id == staff.id
        || (staff.role == StaffRole::PrivacyOfficer && documented_notes_authorization)
}

/// A live authorization for psychotherapy notes with its signed form attached.
fn documents_notes_release(auth: &StoredAuthorization, on: confidant_policy::Date) -> bool {
    let a = &auth.authorization;
    auth.has_document
        && a.revoked_on.is_none()
        && a.categories.contains(&Category::PsychotherapyNotes)
        && a.expires_on.is_none_or(|end| end >= on)
}

/// The accounting entry a decision obliges: the released categories under
/// `record_in_accounting`, the cites of the rules that impose it, a short
/// description and a statement of the basis. `None` when it is exempt.
pub fn accounting_basis(decision: &Decision, purpose: &str) -> Option<AccountingBasis> {
    let obligation = decision.obligations.iter().find(|o| o.kind == ObligationKind::RecordInAccounting)?;
    let categories: Vec<Category> = obligation.categories.iter().copied().filter(|c| decision.release.contains(c)).collect();
    if categories.is_empty() {
        return None;
    }
    let obliging: Vec<&FiredRule> = decision.rules.iter().map(|r| &**r).filter(|r| obligation.rules.contains(&r.id)).collect();
    // The client reads the basis of the disclosure (164.528(b)(2)(iv)): the
    // rules that released it. A rule that only obliges the entry (Part 2's
    // accounting of consent disclosures, 42 CFR 2.25(a)) speaks to staff, so
    // its basis is the first releasing rule of its layer behind the
    // categories it lists (for Part 2, the consent).
    let mut basis_rules: Vec<&FiredRule> = obliging.iter().copied().filter(|r| r.effect != Effect::Obligate).collect();
    if basis_rules.is_empty() {
        // A rule's provisions are always cited together, on each category it
        // explains.
        let released = || decision.categories.iter().filter(|c| categories.contains(&c.category));
        let releasing = || {
            decision
                .rules
                .iter()
                .map(|r| &**r)
                .filter(|r| matches!(r.effect, Effect::Permit | Effect::Require) && released().any(|c| r.cited_in(&c.cites)))
        };
        let same_layer = releasing().find(|r| obliging.iter().any(|o| o.layer == r.layer));
        basis_rules.extend(same_layer.or_else(|| releasing().next()));
    }
    let mut cites: Vec<String> = Vec::new();
    for rule in basis_rules.iter().chain(&obliging) {
        if !cites.contains(&rule.cite) {
            cites.push(rule.cite.clone());
        }
    }
    let description = categories.iter().map(|c| confidant_policy::plain_category(*c)).collect::<Vec<_>>().join(", ");
    let basis = basis_rules.iter().map(|r| for_the_client(&r.summary)).collect::<Vec<_>>().join("; ");
    let statement = format!("{} ({}): {}.", purpose.replace('_', " "), cites.join("; "), basis);
    Some(AccountingBasis { categories, cites, description: package::capital(&description), statement: package::capital(&statement) })
}

/// A rule's summary as the client reads it in the accounting: without the
/// position note that tells staff how the project reads the law.
fn for_the_client(summary: &str) -> String {
    let cut = [" Position (", " Position:"].iter().filter_map(|p| summary.find(p)).min().unwrap_or(summary.len());
    summary.get(..cut).unwrap_or(summary).trim_end_matches('.').to_string()
}

/// The outcome of one released category, for covers and summaries.
pub fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Required => "required",
        Outcome::Permit => "permitted",
        Outcome::Deny => "withheld",
    }
}

#[cfg(test)]
mod tests {
    use super::for_the_client;

    #[test]
    fn the_client_reads_the_basis_without_the_projects_position_notes() {
        assert_eq!(for_the_client("A valid consent allows what it covers."), "A valid consent allows what it covers");
        for position in [" Position (42 CFR 2.33): staff read it so.", " Position: staff read it so."] {
            assert_eq!(for_the_client(&format!("The basis.{position}")), "The basis");
        }
    }
}
