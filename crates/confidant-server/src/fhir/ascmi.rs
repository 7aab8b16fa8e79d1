//! A California ASCMI form to and from FHIR R4 `Consent`.
//!
//! The form is a `permit` Consent like an authorization (category LOINC
//! 64292-6, `policyRule` Confidant's `ascmi`, `policy` the ASCMI; signer,
//! signature day, expiry, statements and revocation as for an
//! authorization), whose top-level provision carries only the period and
//! the action. Each care partner is one nested `provision.provision`, in
//! the form's order: `permit` with the partner as its one `actor` (role
//! `IRCP` and the recipient kind, the name as `display`), the purposes the
//! client chose for it as `purpose` and the kinds of information as
//! `securityLabel`; or `deny` with the actor alone when the client chose not
//! to share with that partner.

use confidant_policy::Authorization;
use confidant_policy::vocab::AuthorizationKind;
use confidant_store::{Ascmi, CarePartner, StoreError};

use super::codes;
use super::consent::{
    Filing, Imported, Unmappable, actor, authorization_from, authorization_to_consent, disclose, labels, one_coding, purposes,
    recipient_of, refuse_present,
};
use super::model::{Consent, OperationOutcome, Provision};

/// An ASCMI of `client_id` as a Consent.
pub fn ascmi_to_consent(client_id: &str, form: &Ascmi) -> Consent {
    let envelope = Authorization {
        id: form.id.clone(),
        kind: AuthorizationKind::Ascmi,
        signed_by: form.signed_by,
        signed_on: form.signed_on,
        categories: Vec::new(),
        recipients: Vec::new(),
        purposes: Vec::new(),
        expires_on: form.expires_on,
        expiry_event: form.expiry_event.clone(),
        revoked_on: form.revoked_on,
        statements: form.statements,
    };
    let mut consent = authorization_to_consent(client_id, &envelope);
    if let Some(p) = consent.provision.as_mut() {
        p.provision = form.partners.iter().map(partner_provision).collect();
    }
    consent
}

fn partner_provision(partner: &CarePartner) -> Provision {
    let shares = !partner.categories.is_empty();
    Provision {
        kind: Some(if shares { "permit" } else { "deny" }.into()),
        actor: vec![actor(partner.kind, Some(&partner.name))],
        action: disclose(),
        security_label: labels(&partner.categories),
        purpose: purposes(&partner.purposes),
        ..Provision::default()
    }
}

/// Reads an ASCMI Consent (a `permit` under the ASCMI policy with nested
/// provisions); the caller has checked scope, category and patient.
pub(super) fn ascmi_from(c: &Consent, p: &Provision, client_id: String) -> Result<Imported, Unmappable> {
    let top = "not on the top-level provision of an ASCMI: each care partner's provision (`provision.provision`) names its actor, purposes and data classes";
    refuse_present(!p.actor.is_empty(), "Consent.provision.actor", top)?;
    refuse_present(!p.purpose.is_empty(), "Consent.provision.purpose", top)?;
    refuse_present(!p.security_label.is_empty(), "Consent.provision.securityLabel", top)?;
    let unsupported = "not supported on an ASCMI";
    refuse_present(!p.class.is_empty(), "Consent.provision.class", unsupported)?;
    refuse_present(!p.code.is_empty(), "Consent.provision.code", unsupported)?;
    refuse_present(!p.data.is_empty(), "Consent.provision.data", unsupported)?;
    refuse_present(p.data_period.is_some(), "Consent.provision.dataPeriod", unsupported)?;
    check_actions(p, "Consent.provision")?;
    let envelope = authorization_from(c, p, &client_id, Vec::new(), Vec::new(), Vec::new())?;
    let mut partners = Vec::with_capacity(p.provision.len());
    for (i, nested) in p.provision.iter().enumerate() {
        partners.push(partner_from(nested, &format!("Consent.provision.provision[{i}]"))?);
    }
    let form = Ascmi {
        id: envelope.id,
        signed_by: envelope.signed_by,
        signed_on: envelope.signed_on,
        expires_on: envelope.expires_on,
        expiry_event: envelope.expiry_event,
        statements: envelope.statements,
        partners,
        revoked_on: envelope.revoked_on,
    };
    Ok(Imported { client_id, filing: Filing::Ascmi(form) })
}

fn check_actions(p: &Provision, at: &str) -> Result<(), Unmappable> {
    for (i, action) in p.action.iter().enumerate() {
        for (j, coding) in action.coding.iter().enumerate() {
            if !coding.is(codes::CONSENT_ACTION, "disclose") {
                return Err(Unmappable::new(
                    format!("{at}.action[{i}].coding[{j}].code"),
                    "code-invalid",
                    format!("`disclose` in `{}`", codes::CONSENT_ACTION),
                ));
            }
        }
    }
    Ok(())
}

fn partner_from(p: &Provision, at: &str) -> Result<CarePartner, Unmappable> {
    let unsupported = "not supported on a care partner's provision";
    refuse_present(!p.provision.is_empty(), &format!("{at}.provision"), unsupported)?;
    refuse_present(p.period.is_some(), &format!("{at}.period"), "the form's period, on the top-level provision")?;
    refuse_present(!p.class.is_empty(), &format!("{at}.class"), unsupported)?;
    refuse_present(!p.code.is_empty(), &format!("{at}.code"), unsupported)?;
    refuse_present(!p.data.is_empty(), &format!("{at}.data"), unsupported)?;
    refuse_present(p.data_period.is_some(), &format!("{at}.dataPeriod"), unsupported)?;
    check_actions(p, at)?;
    let [one] = p.actor.as_slice() else {
        return Err(Unmappable::new(format!("{at}.actor"), "required", "exactly one actor: the care partner"));
    };
    let recipient = recipient_of(one, &format!("{at}.actor[0]"))?;
    let name =
        recipient.name.ok_or_else(|| Unmappable::new(format!("{at}.actor[0].reference.display"), "required", "the care partner's name"))?;
    let purposes = one_coding(&p.purpose, &format!("{at}.purpose"), codes::purpose_from, codes::purpose_expected)?;
    let categories = one_coding(&p.security_label, &format!("{at}.securityLabel"), codes::category_from, codes::category_expected)?;
    match p.kind.as_deref() {
        Some("permit") => {}
        Some("deny") => {
            let why = "none on a `deny` care partner: the client chose to share nothing with it";
            refuse_present(!categories.is_empty(), &format!("{at}.securityLabel"), why)?;
            refuse_present(!purposes.is_empty(), &format!("{at}.purpose"), why)?;
        }
        _ => {
            return Err(Unmappable::new(
                format!("{at}.type"),
                "code-invalid",
                "`permit` (what the client shares with this care partner) or `deny` (nothing)",
            ));
        }
    }
    Ok(CarePartner { name, kind: recipient.kind, categories, purposes })
}

/// Whether the vault files the form as written: the vault's own check
/// ([`confidant_store::check_ascmi`]), its field named as the element.
pub(super) fn check_filable(form: &Ascmi) -> Result<(), OperationOutcome> {
    let mut problems = Vec::new();
    if form.revoked_on.is_some() {
        problems.push(Unmappable::new("Consent.status", "not-supported", "`active`: file the ASCMI, then record its revocation"));
    }
    let filable = Ascmi { revoked_on: None, ..form.clone() };
    match confidant_store::check_ascmi(&filable) {
        Ok(()) => {}
        Err(StoreError::Invalid { field, expected }) => problems.push(Unmappable::new(element_of(&field), "required", expected)),
        Err(other) => problems.push(Unmappable::new("Consent", "business-rule", other.to_string())),
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(OperationOutcome { resource_type: "OperationOutcome".into(), issue: problems.iter().flat_map(|p| p.outcome().issue).collect() })
}

/// The FHIRPath of the element that carries a vault field of an ASCMI.
fn element_of(field: &str) -> String {
    let mut parts = field.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("signed_by"), ..) => "Consent.performer".into(),
        (Some("signed_on"), ..) => "Consent.dateTime".into(),
        (Some("expires_on"), ..) => "Consent.provision.period.end".into(),
        (Some("expiry_event" | "statements"), ..) => "Consent.extension".into(),
        (Some("partners"), Some(i), Some(rest)) => {
            let element = match rest {
                "name" => "actor[0].reference.display",
                "categories" => "securityLabel",
                _ => "purpose",
            };
            format!("Consent.provision.provision[{i}].{element}")
        }
        (Some("partners"), ..) => "Consent.provision.provision".into(),
        _ => "Consent".into(),
    }
}
