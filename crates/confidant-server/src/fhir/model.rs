//! A narrow, hand-written serde model of the FHIR R4 elements Confidant
//! reads and writes: `Consent` (with the datatypes it uses), `Bundle` and
//! `OperationOutcome`. Elements Confidant does not map are ignored on
//! reading unless they change what the consent means (modifier
//! extensions, nested provisions, data references): those are refused by
//! the mapping, naming the element. Why hand-written and not a FHIR model
//! crate: see the note in `fhir/mod.rs`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Coding`: a code in a code system.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    /// The code system's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What the code means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    /// A coding with a system, a code and no display.
    pub fn new(system: &str, code: &str) -> Coding {
        Coding { system: Some(system.to_string()), code: Some(code.to_string()), display: None }
    }

    /// The same coding with a display.
    pub fn display(mut self, display: &str) -> Coding {
        self.display = Some(display.to_string());
        self
    }

    /// Whether this is `code` in `system`.
    pub fn is(&self, system: &str, code: &str) -> bool {
        self.system.as_deref() == Some(system) && self.code.as_deref() == Some(code)
    }
}

/// `CodeableConcept`: codings that mean one thing, and text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeableConcept {
    /// The codings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// A concept of these codings.
    pub fn of(coding: Vec<Coding>) -> CodeableConcept {
        CodeableConcept { coding, text: None }
    }
}

/// `Reference`: to a resource, by literal reference, type or display.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// `Type/id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The referenced resource's type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Text naming the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `Period`: a start and an end (dateTime).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// The first moment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The last moment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// `Extension`, with the value types Confidant uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// What the extension means.
    pub url: String,
    /// A date value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<String>,
    /// A string value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// A code value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
}

/// `Consent.policy`: the law or policy the consent is given under.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Who enforces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Where its text is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// `Consent.provision.actor`: who the provision is about, in which role.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// `IRCP` (information recipient), with the recipient's kind.
    pub role: CodeableConcept,
    /// The recipient: its resource type and, when named, its name.
    pub reference: Reference,
}

/// `Consent.provision`: the rule, permit or deny.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provision {
    /// `permit` or `deny`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// When it is in force (its end is the expiration date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Who may (or may not) receive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actor: Vec<Actor>,
    /// What may be done: `disclose`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<CodeableConcept>,
    /// The data classes, as security labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_label: Vec<Coding>,
    /// The purposes of use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purpose: Vec<Coding>,
    /// Not mapped: refused when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class: Vec<Value>,
    /// Not mapped: refused when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code: Vec<Value>,
    /// Not mapped: refused when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_period: Option<Value>,
    /// Not mapped: refused when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<Value>,
    /// Nested provisions: an ASCMI's care partners, one each; refused
    /// anywhere else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision: Vec<Provision>,
}

/// The `Consent` resource, R4 (unchanged in R4B).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    /// Always `Consent`.
    pub resource_type: String,
    /// The authorization's or restriction's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Confidant's extensions (revocation day, expiry event, statements).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Not mapped: refused when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifier_extension: Vec<Value>,
    /// `active`, `inactive` (revoked), `rejected` (a declined restriction).
    #[serde(default)]
    pub status: String,
    /// `patient-privacy`.
    #[serde(default)]
    pub scope: CodeableConcept,
    /// LOINC 64292-6 (release of information) or 59284-0 (patient consent).
    #[serde(default)]
    pub category: Vec<CodeableConcept>,
    /// `Patient/<client id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Reference>,
    /// The day it was signed (or the restriction asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    /// Who signed: the client, or a personal representative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    /// The law it is given under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<Policy>,
    /// The law as a code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_rule: Option<CodeableConcept>,
    /// The rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision: Option<Provision>,
}

/// One `OperationOutcome.issue`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// `error`.
    pub severity: String,
    /// The issue type: `code-invalid`, `required`, `not-supported`, `structure`, `invalid`.
    pub code: String,
    /// What was expected, for people.
    pub diagnostics: String,
    /// The element at fault, FHIRPath (`Consent.provision.purpose[0].code`).
    pub expression: Vec<String>,
}

/// `OperationOutcome`: why a resource was refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    pub resource_type: String,
    /// The issues.
    pub issue: Vec<Issue>,
}

/// One `Bundle.entry`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The resource's absolute URL, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// The resource.
    pub resource: Consent,
    /// `{"mode": "match"}` in a search result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<Value>,
}

/// `Bundle`: a search result (`searchset`) or an export (`collection`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `Bundle`.
    pub resource_type: String,
    /// `searchset` or `collection`.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many matched (search results only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// The resources (absent when none: FHIR JSON has no empty arrays).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<Entry>,
}
