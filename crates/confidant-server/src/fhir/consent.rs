//! Authorizations, revocations and restrictions to and from FHIR R4
//! `Consent`. Writing never fails; reading refuses anything it cannot map
//! with an [`Unmappable`] naming the element (FHIRPath) and what was
//! expected, which becomes an `OperationOutcome`.
//!
//! The mapping, in both directions:
//! - an authorization is a `permit` Consent, category LOINC 64292-6
//!   (release of information), its kind in `policyRule` (`hipaa-auth`, or
//!   Confidant's `part2-consent` and `ascmi`) and in `policy` (45 CFR
//!   164.508, 42 CFR 2.31, California's ASCMI); `active`, or `inactive`
//!   once revoked with the day in an extension; signed by the client
//!   (`performer` is the patient) or a personal representative (a
//!   `RelatedPerson`); signed on `dateTime`; expiring at
//!   `provision.period.end` or on the event in an extension; its statements
//!   in extensions;
//! - a restriction is a `deny` Consent, category LOINC 59284-0, policy
//!   `hipaa-restrictions` (45 CFR 164.522(a)): `active` when the program
//!   agreed, `rejected` when it declined; asked for on `dateTime`;
//! - both: scope `patient-privacy`, `patient` the client, recipients as
//!   `provision.actor` with role `IRCP` and the recipient kind, purposes as
//!   `provision.purpose` (v3 `PurposeOfUse`), categories as
//!   `provision.securityLabel` (HL7 labels where one names the category).

use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
use confidant_store::Ascmi;
use serde_json::Value;

use super::codes::{self, Law};
use super::model::{Actor, CodeableConcept, Coding, Consent, Extension, Issue, OperationOutcome, Period, Policy, Provision, Reference};

/// A Consent (or part of one) that Confidant cannot map: the element and
/// what it should have held.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{element}: {expected}")]
pub struct Unmappable {
    /// FHIRPath of the element at fault, e.g. `Consent.provision.purpose[0].code`.
    pub element: String,
    /// What was expected, in words.
    pub expected: String,
    /// The FHIR issue type (`code-invalid`, `required`, `not-supported`, `structure`, `value`).
    pub issue: &'static str,
}

impl Unmappable {
    pub(super) fn new(element: impl Into<String>, issue: &'static str, expected: impl Into<String>) -> Unmappable {
        Unmappable { element: element.into(), expected: expected.into(), issue }
    }

    /// The same problem inside a Bundle's entry `index`.
    pub fn in_entry(mut self, index: usize) -> Unmappable {
        let rest = self.element.strip_prefix("Consent").unwrap_or(&self.element).to_string();
        self.element = format!("Bundle.entry[{index}].resource{rest}");
        self
    }

    /// The problem as an `OperationOutcome`.
    pub fn outcome(&self) -> OperationOutcome {
        OperationOutcome {
            resource_type: "OperationOutcome".into(),
            issue: vec![Issue {
                severity: "error".into(),
                code: self.issue.into(),
                diagnostics: self.to_string(),
                expression: vec![self.element.clone()],
            }],
        }
    }
}

/// What a Consent read from outside says, ready to file for `client_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The client (`Consent.patient`).
    pub client_id: String,
    /// An authorization or a restriction.
    pub filing: Filing,
}

/// The vault's side of a Consent.
#[derive(Clone, Debug, PartialEq)]
pub enum Filing {
    /// A `permit` Consent: an authorization or Part 2 consent (or an ASCMI
    /// written as one flat provision, which the vault does not file).
    Authorization(Authorization),
    /// A `permit` Consent under the ASCMI policy with one nested provision
    /// per care partner.
    Ascmi(Ascmi),
    /// A `deny` Consent: a restriction the client asked for.
    Restriction {
        /// The Consent's id, if it had one.
        id: Option<String>,
        /// What it restricts and whether the program agreed.
        restriction: Restriction,
        /// The day the client asked (`Consent.dateTime`).
        requested_on: Option<Date>,
    },
}

pub(super) fn scope() -> CodeableConcept {
    CodeableConcept::of(vec![Coding::new(codes::CONSENT_SCOPE, "patient-privacy").display("Privacy Consent")])
}

pub(super) fn category(code: &str, display: &str) -> Vec<CodeableConcept> {
    vec![CodeableConcept::of(vec![Coding::new(codes::LOINC, code).display(display)])]
}

pub(super) fn patient(client_id: &str) -> Reference {
    Reference { reference: Some(format!("Patient/{client_id}")), ..Reference::default() }
}

pub(super) fn policy(law: &Law) -> (Vec<Policy>, Option<CodeableConcept>) {
    (
        vec![Policy { authority: Some(law.authority.into()), uri: Some(law.uri.into()) }],
        Some(CodeableConcept::of(vec![Coding::new(law.system, law.code).display(law.display)])),
    )
}

pub(super) fn actor(kind: RecipientKind, name: Option<&str>) -> Actor {
    Actor {
        role: CodeableConcept::of(vec![
            Coding::new(codes::PARTICIPATION_TYPE, "IRCP").display("information recipient"),
            Coding::new(codes::RECIPIENT_KIND_SYSTEM, kind.as_str()),
        ]),
        reference: Reference {
            reference: None,
            kind: Some(codes::recipient_resource_type(kind).into()),
            display: name.map(str::to_string),
        },
    }
}

pub(super) fn purposes(list: &[Purpose]) -> Vec<Coding> {
    list.iter()
        .map(|p| {
            let (system, code) = codes::purpose_coding(*p);
            Coding::new(system, code)
        })
        .collect()
}

pub(super) fn labels(list: &[Category]) -> Vec<Coding> {
    list.iter()
        .map(|c| {
            let (system, code) = codes::category_coding(*c);
            Coding::new(system, code)
        })
        .collect()
}

pub(super) fn disclose() -> Vec<CodeableConcept> {
    vec![CodeableConcept::of(vec![Coding::new(codes::CONSENT_ACTION, "disclose")])]
}

/// An authorization of `client_id` as a Consent.
pub fn authorization_to_consent(client_id: &str, auth: &Authorization) -> Consent {
    let (policy, policy_rule) = policy(&codes::law(auth.kind));
    let mut extension = Vec::new();
    if let Some(on) = auth.revoked_on {
        extension.push(Extension { url: codes::EXT_REVOKED_ON.into(), value_date: Some(on.to_string()), ..Extension::default() });
    }
    if let Some(event) = &auth.expiry_event {
        extension.push(Extension { url: codes::EXT_EXPIRY_EVENT.into(), value_string: Some(event.clone()), ..Extension::default() });
    }
    let s = auth.statements;
    for (present, code) in
        [(s.right_to_revoke, "right_to_revoke"), (s.no_conditioning, "no_conditioning"), (s.redisclosure, "redisclosure")]
    {
        if present {
            extension.push(Extension { url: codes::EXT_STATEMENT.into(), value_code: Some(code.into()), ..Extension::default() });
        }
    }
    let performer = match auth.signed_by {
        None => Vec::new(),
        Some(Signer::Client) => vec![patient(client_id)],
        Some(Signer::PersonalRepresentative) => {
            vec![Reference { reference: None, kind: Some("RelatedPerson".into()), display: Some("personal representative".into()) }]
        }
    };
    Consent {
        resource_type: "Consent".into(),
        id: (!auth.id.is_empty()).then(|| auth.id.clone()),
        extension,
        modifier_extension: Vec::new(),
        status: if auth.revoked_on.is_some() { "inactive" } else { "active" }.into(),
        scope: scope(),
        category: category(codes::LOINC_RELEASE, "Release of information consent"),
        patient: Some(patient(client_id)),
        date_time: auth.signed_on.map(|d| d.to_string()),
        performer,
        policy,
        policy_rule,
        provision: Some(Provision {
            kind: Some("permit".into()),
            period: auth.expires_on.map(|d| Period { start: None, end: Some(d.to_string()) }),
            actor: auth.recipients.iter().map(|r| actor(r.kind, r.name.as_deref())).collect(),
            action: disclose(),
            security_label: labels(&auth.categories),
            purpose: purposes(&auth.purposes),
            ..Provision::default()
        }),
    }
}

/// A restriction of `client_id` (filed as `id`, asked for on `requested_on`)
/// as a Consent: `active` when agreed to, `rejected` when declined, and
/// `proposed` while the request waits for the privacy officer (`decided`
/// false).
pub fn restriction_to_consent(client_id: &str, id: &str, restriction: &Restriction, requested_on: Date, decided: bool) -> Consent {
    let (policy, policy_rule) = policy(&codes::RESTRICTION_LAW);
    Consent {
        resource_type: "Consent".into(),
        id: Some(id.to_string()),
        extension: Vec::new(),
        modifier_extension: Vec::new(),
        status: match (restriction.agreed, decided) {
            (true, _) => "active",
            (false, true) => "rejected",
            (false, false) => "proposed",
        }
        .into(),
        scope: scope(),
        category: category(codes::LOINC_CONSENT, "Patient consent"),
        patient: Some(patient(client_id)),
        date_time: Some(requested_on.to_string()),
        performer: vec![patient(client_id)],
        policy,
        policy_rule,
        provision: Some(Provision {
            kind: Some("deny".into()),
            actor: restriction.recipient_kinds.iter().map(|k| actor(*k, None)).collect(),
            action: disclose(),
            security_label: labels(&restriction.categories),
            purpose: purposes(&restriction.purposes),
            ..Provision::default()
        }),
    }
}

/// Reads a Consent from JSON, naming the element when its shape is wrong.
pub fn parse_consent(value: Value) -> Result<Imported, Unmappable> {
    if value.get("resourceType").and_then(Value::as_str) != Some("Consent") {
        return Err(Unmappable::new("Consent.resourceType", "structure", "`Consent`"));
    }
    let consent: Consent = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let element = if path == "." { "Consent".to_string() } else { format!("Consent.{path}") };
        let message = e.inner().to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        Unmappable::new(element, "structure", format!("a value of the right FHIR type ({message})"))
    })?;
    consent_from(&consent)
}

/// Reads the resources of a JSON document: one Consent, or a Bundle of
/// them (each entry's `resource`). Problems name `Bundle.entry[i]…`.
pub fn parse_document(value: Value) -> Result<Vec<Imported>, Unmappable> {
    match value.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {
            let entries = match value.get("entry") {
                None => return Ok(Vec::new()),
                Some(Value::Array(entries)) => entries.clone(),
                Some(_) => return Err(Unmappable::new("Bundle.entry", "structure", "an array of entries")),
            };
            entries
                .into_iter()
                .enumerate()
                .map(|(i, entry)| {
                    let resource = entry
                        .get("resource")
                        .cloned()
                        .ok_or_else(|| Unmappable::new(format!("Bundle.entry[{i}].resource"), "required", "a Consent"))?;
                    parse_consent(resource).map_err(|e| e.in_entry(i))
                })
                .collect()
        }
        _ => parse_consent(value).map(|one| vec![one]),
    }
}

pub(super) fn date(element: &str, text: &str) -> Result<Date, Unmappable> {
    // A dateTime's day: `2026-01-10` or `2026-01-10T09:30:00Z`.
    text.get(..10)
        .filter(|_| text.len() == 10 || text.as_bytes().get(10) == Some(&b'T'))
        .and_then(Date::parse)
        .ok_or_else(|| Unmappable::new(element, "value", format!("a date (YYYY-MM-DD, or a dateTime on that day), got `{text}`")))
}

fn client_of(reference: Option<&Reference>, element: &str) -> Result<String, Unmappable> {
    let expected = "a reference `Patient/<client id>`";
    let text = reference.and_then(|r| r.reference.as_deref()).ok_or_else(|| Unmappable::new(element, "required", expected))?;
    let id = text.strip_prefix("Patient/").unwrap_or_default();
    let ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(id.to_string()) } else { Err(Unmappable::new(element, "value", format!("{expected}, got `{text}`"))) }
}

pub(super) fn one_coding<T: PartialEq>(
    list: &[Coding],
    element: &str,
    read: fn(&str, &str) -> Option<T>,
    expected: fn() -> String,
) -> Result<Vec<T>, Unmappable> {
    let mut out = Vec::with_capacity(list.len());
    for (i, coding) in list.iter().enumerate() {
        let at = format!("{element}[{i}]");
        let system = coding.system.as_deref().ok_or_else(|| Unmappable::new(format!("{at}.system"), "required", expected()))?;
        let code = coding.code.as_deref().ok_or_else(|| Unmappable::new(format!("{at}.code"), "required", expected()))?;
        let value = read(system, code)
            .ok_or_else(|| Unmappable::new(format!("{at}.code"), "code-invalid", format!("{}; got `{code}` in `{system}`", expected())))?;
        if out.contains(&value) {
            return Err(Unmappable::new(format!("{at}.code"), "value", format!("each value once; `{code}` repeats an earlier one")));
        }
        out.push(value);
    }
    Ok(out)
}

pub(super) fn refuse_present(present: bool, element: &str, why: &str) -> Result<(), Unmappable> {
    if present { Err(Unmappable::new(element, "not-supported", why)) } else { Ok(()) }
}

/// One `provision.actor` (at FHIRPath `at`) as an authorization's recipient.
pub(super) fn recipient_of(a: &Actor, at: &str) -> Result<AuthorizedRecipient, Unmappable> {
    if !a.role.coding.iter().any(|k| k.is(codes::PARTICIPATION_TYPE, "IRCP") || k.is(codes::PARTICIPATION_TYPE, "PRCP")) {
        return Err(Unmappable::new(
            format!("{at}.role"),
            "code-invalid",
            format!("`IRCP` (information recipient) in `{}`", codes::PARTICIPATION_TYPE),
        ));
    }
    let expected = || format!("a recipient kind in `{}` beside `IRCP` ({})", codes::RECIPIENT_KIND_SYSTEM, RecipientKind::expected());
    let (j, coding) = a
        .role
        .coding
        .iter()
        .enumerate()
        .find(|(_, k)| k.system.as_deref() == Some(codes::RECIPIENT_KIND_SYSTEM))
        .ok_or_else(|| Unmappable::new(format!("{at}.role"), "required", expected()))?;
    let code = coding.code.as_deref().unwrap_or_default();
    let kind = RecipientKind::parse(code)
        .ok_or_else(|| Unmappable::new(format!("{at}.role.coding[{j}].code"), "code-invalid", format!("{}; got `{code}`", expected())))?;
    refuse_present(
        a.reference.reference.is_some(),
        &format!("{at}.reference.reference"),
        "the recipient by kind and name (`display`), not by a reference Confidant cannot resolve",
    )?;
    Ok(AuthorizedRecipient { kind, name: a.reference.display.clone() })
}

/// Maps a Consent read from outside to what the vault files.
pub fn consent_from(c: &Consent) -> Result<Imported, Unmappable> {
    refuse_present(!c.modifier_extension.is_empty(), "Consent.modifierExtension", "no modifier extensions (Confidant cannot honour them)")?;
    if !c.scope.coding.iter().any(|k| k.is(codes::CONSENT_SCOPE, "patient-privacy")) {
        return Err(Unmappable::new("Consent.scope", "code-invalid", format!("`patient-privacy` in `{}`", codes::CONSENT_SCOPE)));
    }
    let known = [codes::LOINC_RELEASE, codes::LOINC_CONSENT];
    if !c.category.iter().flat_map(|cc| &cc.coding).any(|k| known.iter().any(|code| k.is(codes::LOINC, code))) {
        return Err(Unmappable::new(
            "Consent.category",
            "code-invalid",
            "LOINC 64292-6 (release of information) or 59284-0 (patient consent)",
        ));
    }
    let client_id = client_of(c.patient.as_ref(), "Consent.patient")?;
    let p = c.provision.as_ref().ok_or_else(|| Unmappable::new("Consent.provision", "required", "a provision: `permit` or `deny`"))?;
    if p.kind.as_deref() == Some("permit") && !p.provision.is_empty() && matches!(kind_of(c), Ok(AuthorizationKind::Ascmi)) {
        return super::ascmi::ascmi_from(c, p, client_id);
    }
    let unsupported = "not supported: name data classes as security labels and the rule in one provision";
    refuse_present(!p.provision.is_empty(), "Consent.provision.provision", unsupported)?;
    refuse_present(!p.class.is_empty(), "Consent.provision.class", unsupported)?;
    refuse_present(!p.code.is_empty(), "Consent.provision.code", unsupported)?;
    refuse_present(!p.data.is_empty(), "Consent.provision.data", unsupported)?;
    refuse_present(p.data_period.is_some(), "Consent.provision.dataPeriod", unsupported)?;
    for (i, action) in p.action.iter().enumerate() {
        for (j, coding) in action.coding.iter().enumerate() {
            if !coding.is(codes::CONSENT_ACTION, "disclose") {
                return Err(Unmappable::new(
                    format!("Consent.provision.action[{i}].coding[{j}].code"),
                    "code-invalid",
                    format!("`disclose` in `{}`", codes::CONSENT_ACTION),
                ));
            }
        }
    }
    let purposes = one_coding(&p.purpose, "Consent.provision.purpose", codes::purpose_from, codes::purpose_expected)?;
    let categories = one_coding(&p.security_label, "Consent.provision.securityLabel", codes::category_from, codes::category_expected)?;
    let mut recipients = Vec::with_capacity(p.actor.len());
    for (i, a) in p.actor.iter().enumerate() {
        recipients.push(recipient_of(a, &format!("Consent.provision.actor[{i}]"))?);
    }
    let filing = match p.kind.as_deref() {
        Some("permit") => Filing::Authorization(authorization_from(c, p, &client_id, categories, recipients, purposes)?),
        Some("deny") => {
            let agreed = match c.status.as_str() {
                "active" => true,
                "rejected" | "proposed" => false,
                other => {
                    return Err(Unmappable::new(
                        "Consent.status",
                        "code-invalid",
                        format!("`active` (a restriction agreed to), `proposed` (waiting) or `rejected` (declined), got `{other}`"),
                    ));
                }
            };
            let mut recipient_kinds = Vec::with_capacity(recipients.len());
            for (i, r) in recipients.into_iter().enumerate() {
                refuse_present(
                    r.name.is_some(),
                    &format!("Consent.provision.actor[{i}].reference.display"),
                    "a restriction names kinds of recipient, not persons",
                )?;
                recipient_kinds.push(r.kind);
            }
            Filing::Restriction {
                id: c.id.clone(),
                restriction: Restriction { categories, recipient_kinds, purposes, agreed },
                requested_on: c.date_time.as_deref().map(|d| date("Consent.dateTime", d)).transpose()?,
            }
        }
        _ => {
            return Err(Unmappable::new("Consent.provision.type", "code-invalid", "`permit` (an authorization) or `deny` (a restriction)"));
        }
    };
    Ok(Imported { client_id, filing })
}

pub(super) fn authorization_from(
    c: &Consent,
    p: &Provision,
    client_id: &str,
    categories: Vec<Category>,
    recipients: Vec<AuthorizedRecipient>,
    purposes: Vec<Purpose>,
) -> Result<Authorization, Unmappable> {
    let kind = kind_of(c)?;
    fn extension<'a>(c: &'a Consent, url: &'a str) -> impl Iterator<Item = (usize, &'a Extension)> + 'a {
        c.extension.iter().enumerate().filter(move |(_, e)| e.url == url)
    }
    let revoked_on = match extension(c, codes::EXT_REVOKED_ON).next() {
        Some((i, e)) => Some(date(&format!("Consent.extension[{i}].valueDate"), e.value_date.as_deref().unwrap_or_default())?),
        None => None,
    };
    match (c.status.as_str(), revoked_on) {
        ("active", None) | ("inactive", Some(_)) => {}
        ("inactive", None) => {
            return Err(Unmappable::new(
                "Consent.extension",
                "required",
                format!("the day it was revoked, in `{}`", codes::EXT_REVOKED_ON),
            ));
        }
        (other, _) => {
            return Err(Unmappable::new(
                "Consent.status",
                "code-invalid",
                format!("`active`, or `inactive` with the day it was revoked in `{}`; got `{other}`", codes::EXT_REVOKED_ON),
            ));
        }
    }
    let expiry_event = extension(c, codes::EXT_EXPIRY_EVENT).next().and_then(|(_, e)| e.value_string.clone());
    let mut statements = Statements::default();
    for (i, e) in extension(c, codes::EXT_STATEMENT) {
        match e.value_code.as_deref() {
            Some("right_to_revoke") => statements.right_to_revoke = true,
            Some("no_conditioning") => statements.no_conditioning = true,
            Some("redisclosure") => statements.redisclosure = true,
            other => {
                return Err(Unmappable::new(
                    format!("Consent.extension[{i}].valueCode"),
                    "code-invalid",
                    format!("`right_to_revoke`, `no_conditioning` or `redisclosure`, got `{}`", other.unwrap_or_default()),
                ));
            }
        }
    }
    let signed_by = match c.performer.as_slice() {
        [] => None,
        [one] if one.reference.as_deref() == Some(&format!("Patient/{client_id}")) => Some(Signer::Client),
        [one] if one.reference.is_none() && one.kind.as_deref() == Some("RelatedPerson") => Some(Signer::PersonalRepresentative),
        [_] => {
            return Err(Unmappable::new(
                "Consent.performer[0]",
                "value",
                "the patient (`Patient/<client id>`, signed by the client) or a `RelatedPerson` (a personal representative)",
            ));
        }
        _ => return Err(Unmappable::new("Consent.performer[1]", "value", "one signer")),
    };
    let signed_on = c.date_time.as_deref().map(|d| date("Consent.dateTime", d)).transpose()?;
    let period = p.period.as_ref();
    if let Some(start) = period.and_then(|p| p.start.as_deref()) {
        let start = date("Consent.provision.period.start", start)?;
        if Some(start) != signed_on {
            return Err(Unmappable::new(
                "Consent.provision.period.start",
                "not-supported",
                "no start other than the day it was signed (`dateTime`): an authorization is in force from its signature",
            ));
        }
    }
    let expires_on = period.and_then(|p| p.end.as_deref()).map(|d| date("Consent.provision.period.end", d)).transpose()?;
    Ok(Authorization {
        id: c.id.clone().unwrap_or_default(),
        kind,
        signed_by,
        signed_on,
        categories,
        recipients,
        purposes,
        expires_on,
        expiry_event,
        revoked_on,
        statements,
    })
}

pub(super) fn kind_of(c: &Consent) -> Result<AuthorizationKind, Unmappable> {
    let from_rule = c
        .policy_rule
        .iter()
        .flat_map(|r| &r.coding)
        .find_map(|k| codes::kind_from_policy(Some(k.system.as_deref().unwrap_or_default()), k.code.as_deref().unwrap_or_default()));
    let from_policy = || c.policy.iter().find_map(|p| codes::kind_from_policy(None, p.uri.as_deref().unwrap_or_default()));
    from_rule.or_else(from_policy).ok_or_else(|| {
        Unmappable::new(
            "Consent.policyRule",
            "code-invalid",
            format!(
                "the law it is given under: `hipaa-auth` in `{}`, `part2-consent` or `ascmi` in `{}` (or `policy.uri` 45 CFR 164.508 or 42 CFR 2.31)",
                codes::CONSENT_POLICY,
                codes::POLICY_SYSTEM
            ),
        )
    })
}

/// Whether the vault can file what a Consent says: an authorization must
/// be complete as a form (every element and statement, 45 CFR
/// 164.508(c), 42 CFR 2.31(a)), not yet revoked, and not an ASCMI written
/// as one flat provision (the vault files an ASCMI with its care partners,
/// one nested provision each). An ASCMI is checked as the vault checks it
/// ([`confidant_store::check_ascmi`]). Every defect is an issue naming its
/// element.
pub fn check_filable(imported: &Imported) -> Result<(), OperationOutcome> {
    use confidant_policy::authorization::{Element, Reason};
    let auth = match &imported.filing {
        Filing::Authorization(auth) => auth,
        Filing::Ascmi(form) => return super::ascmi::check_filable(form),
        Filing::Restriction { .. } => return Ok(()),
    };
    let mut problems = Vec::new();
    if auth.revoked_on.is_some() {
        problems.push(Unmappable::new("Consent.status", "not-supported", "`active`: file the authorization, then record its revocation"));
    }
    if auth.kind == AuthorizationKind::Ascmi {
        problems.push(Unmappable::new(
            "Consent.provision.provision",
            "required",
            "an ASCMI's care partners, one nested provision each (actor, purposes and data classes)",
        ));
    }
    for reason in confidant_policy::authorization::form_defects(auth) {
        let element = match reason {
            Reason::MissingElement(Element::Description) | Reason::CompoundPsychotherapyNotes => "Consent.provision.securityLabel",
            Reason::MissingElement(Element::Recipient) => "Consent.provision.actor",
            Reason::MissingElement(Element::Purpose) => "Consent.provision.purpose",
            Reason::MissingElement(Element::Expiration) => "Consent.provision.period.end",
            Reason::MissingElement(Element::Signature) => "Consent.performer",
            Reason::MissingElement(Element::Date) => "Consent.dateTime",
            Reason::MissingStatement(_) => "Consent.extension",
            _ => "Consent",
        };
        let expected = match reason {
            Reason::MissingElement(e) => format!("{} (`{reason}`)", e.describe()),
            Reason::MissingStatement(s) => {
                format!("{} (`{reason}`), as `{}` with valueCode `{}`", s.describe(), codes::EXT_STATEMENT, s.as_str())
            }
            Reason::CompoundPsychotherapyNotes => "psychotherapy notes on a Consent of their own (`compound_psychotherapy_notes`)".into(),
            other => other.to_string(),
        };
        let issue = if matches!(reason, Reason::CompoundPsychotherapyNotes) { "business-rule" } else { "required" };
        problems.push(Unmappable::new(element, issue, expected));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(OperationOutcome { resource_type: "OperationOutcome".into(), issue: problems.iter().flat_map(|p| p.outcome().issue).collect() })
}
