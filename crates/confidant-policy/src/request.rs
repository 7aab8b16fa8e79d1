//! Disclosure requests: the validated shape of the contract's request, and the
//! parser that turns JSON into it or into an [`InputError`] naming the field
//! (as a JSON pointer) and what was expected. Bad input never reaches the rules.

use serde_json::{Map, Value};

use crate::date::Date;
use crate::vocab::{
    AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Role, Signer,
};

/// A request larger than this is refused before parsing.
pub const MAX_INPUT_BYTES: usize = 10 * 1024 * 1024;

/// A batch (JSON array) may be larger than one request, up to this; each of
/// its requests is still held to [`MAX_INPUT_BYTES`].
pub const MAX_BATCH_BYTES: usize = 256 * 1024 * 1024;

/// Ages outside this range are bad input.
pub const MAX_AGE: u64 = 130;

/// A disclosure request, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The day of the disclosure: authorizations, revocations and deaths
    /// are judged on this day.
    pub as_of: Date,
    /// `US` applies federal law only; a state adds that state's law.
    pub jurisdiction: Jurisdiction,
    /// Whether the organization's own policy layer applies (`default`) or
    /// the decision rests on law alone (`none`).
    pub organization_policy: OrganizationPolicy,
    /// Who would disclose.
    pub discloser: Discloser,
    /// Whose information it is.
    pub client: Client,
    /// Who would receive it.
    pub recipient: Recipient,
    /// Why it would be disclosed.
    pub purpose: Purpose,
    /// Non-empty, without duplicates, in the order asked.
    pub categories: Vec<Category>,
    /// The situation's boolean facts; missing facts are false.
    pub facts: Facts,
    /// HIPAA authorizations, Part 2 consents and ASCMI forms on file, in
    /// the order given; each is reported in the decision.
    pub authorizations: Vec<Authorization>,
    /// Restrictions the client asked for (45 CFR 164.522).
    pub restrictions: Vec<Restriction>,
}

/// The staff member who would disclose.
#[derive(Clone, Debug, PartialEq)]
pub struct Discloser {
    /// Their professional role (default `psychotherapist`); it decides,
    /// among other things, whether they are a mandated reporter.
    pub role: Role,
    /// Overrides the jurisdiction's default for the role when present.
    pub mandated_reporter: Option<bool>,
}

/// The client whose information is asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    /// Age in years, 0 to [`MAX_AGE`]; a minor's parent is usually, not
    /// always, the personal representative.
    pub age: u8,
    /// Active, discharged or deceased; confidentiality survives all three.
    pub status: ClientStatus,
    /// Present exactly when `status` is deceased.
    pub died_on: Option<Date>,
    /// The records come from a federally assisted substance-use-disorder
    /// program, so 42 CFR Part 2 applies to them.
    pub part2_program: bool,
    /// The records come from services under Cal. Welf. & Inst. Code
    /// Divisions 4–7 (LPS Act records; contract v2).
    pub lps_program: bool,
}

/// Who would receive the information.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    /// The kind of recipient, as the contract names them.
    pub kind: RecipientKind,
    /// The recipient's name, matched against authorization recipients.
    pub name: Option<String>,
    /// A use inside the covered entity or program rather than a disclosure
    /// outside it.
    pub same_organization: bool,
}

/// The request's boolean facts; a fact not given is false.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Facts(u32);

impl Facts {
    /// Whether the fact is true.
    pub fn get(self, fact: Fact) -> bool {
        self.0 & Self::bit(fact) != 0
    }

    /// Makes the fact true or false.
    pub fn set(&mut self, fact: Fact, value: bool) {
        if value {
            self.0 |= Self::bit(fact);
        } else {
            self.0 &= !Self::bit(fact);
        }
    }

    /// Builds facts from the ones that are true.
    pub fn with(facts: &[Fact]) -> Facts {
        let mut out = Facts::default();
        for f in facts {
            out.set(*f, true);
        }
        out
    }

    fn bit(fact: Fact) -> u32 {
        1 << (fact as u32)
    }
}

/// A HIPAA authorization or Part 2 consent on file, as written; whether it
/// counts is decided by [`crate::authorization`].
#[derive(Clone, Debug, PartialEq)]
pub struct Authorization {
    /// The caller's identifier, echoed in the decision's `authorizations`.
    pub id: String,
    /// The law it is written under: HIPAA (164.508), Part 2 (2.31) or
    /// California's ASCMI.
    pub kind: AuthorizationKind,
    /// Who signed it; `None` is a missing signature.
    pub signed_by: Option<Signer>,
    /// The day it was signed; `None` is a missing date.
    pub signed_on: Option<Date>,
    /// The categories it covers (its description of the information).
    pub categories: Vec<Category>,
    /// Who may receive the information under it.
    pub recipients: Vec<AuthorizedRecipient>,
    /// What the information may be used for under it.
    pub purposes: Vec<Purpose>,
    /// The last day it is valid, if it expires on a date.
    pub expires_on: Option<Date>,
    /// The event that ends it (e.g. "end of treatment"), if it expires on
    /// an event rather than a date.
    pub expiry_event: Option<String>,
    /// The day the client revoked it, if they did; it no longer counts
    /// from that day.
    pub revoked_on: Option<Date>,
    /// Which required statements it carries.
    pub statements: Statements,
}

/// One recipient an authorization names: a kind, and a name when it names a person.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizedRecipient {
    /// Must equal the request's recipient kind.
    pub kind: RecipientKind,
    /// When given, must equal the request's recipient name (ignoring case
    /// and runs of whitespace).
    pub name: Option<String>,
}

/// The required statements of 45 CFR 164.508(c)(2) / 42 CFR 2.31(a).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statements {
    /// The client's right to revoke it in writing.
    pub right_to_revoke: bool,
    /// That treatment, payment or eligibility is not conditioned on signing.
    pub no_conditioning: bool,
    /// That the recipient may redisclose the information.
    pub redisclosure: bool,
}

/// A restriction the client asked for (45 CFR 164.522). An empty list
/// restricts every value of that dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Restriction {
    /// The categories restricted.
    pub categories: Vec<Category>,
    /// The recipient kinds restricted.
    pub recipient_kinds: Vec<RecipientKind>,
    /// The purposes restricted.
    pub purposes: Vec<Purpose>,
    /// The covered entity agreed to it; an agreed restriction binds except
    /// for emergency treatment, and one on disclosure to a health plan for
    /// payment or operations binds without agreement when the client paid in
    /// full out of pocket.
    pub agreed: bool,
}

impl Restriction {
    /// Whether the restriction reaches this category, recipient kind and purpose.
    pub fn covers(&self, category: Category, recipient: RecipientKind, purpose: Purpose) -> bool {
        fn any_or<T: PartialEq>(list: &[T], value: &T) -> bool {
            list.is_empty() || list.contains(value)
        }
        // A health plan's "oversight" is its own payment review or
        // fraud-and-abuse work (hipaa.operations.plan_audit; 164.512(d)
        // reaches only government agencies), so a restriction on payment or
        // operations disclosures to the plan reaches it under that label too.
        let plan_audit = recipient == RecipientKind::HealthPlan
            && purpose == Purpose::HealthOversight
            && (self.purposes.contains(&Purpose::Payment) || self.purposes.contains(&Purpose::HealthCareOperations));
        any_or(&self.categories, &category) && any_or(&self.recipient_kinds, &recipient) && (any_or(&self.purposes, &purpose) || plan_audit)
    }
}

/// Bad input: the JSON pointer of the offending field and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {expected}", display_pointer(.pointer))]
pub struct InputError {
    /// RFC 6901 pointer; empty for the whole input.
    pub pointer: String,
    /// What the field should have held, in words.
    pub expected: String,
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "input" } else { pointer }
}

impl InputError {
    pub(crate) fn new(pointer: impl Into<String>, expected: impl Into<String>) -> InputError {
        InputError { pointer: pointer.into(), expected: expected.into() }
    }

    /// The same error found in request `index` of a batch (`/index/…`).
    pub fn in_batch(self, index: usize) -> InputError {
        InputError { pointer: format!("/{index}{}", self.pointer), expected: self.expected }
    }
}

/// One request or a batch, as the input held it.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A single request object; answered with one decision.
    One(Box<Request>),
    /// A JSON array of requests; answered with an array of decisions in the
    /// same order.
    Batch(Vec<Request>),
}

/// Parses request text: one JSON object, or a JSON array of them.
///
/// Each request is read first on the typed fast path
/// ([`crate::parse_request_typed`]); only when that refuses it is the text
/// parsed into a `serde_json::Value` and validated field by field, which
/// words the error.
pub fn parse_input(text: &str) -> Result<Input, InputError> {
    if text.trim_start().starts_with('[') {
        return parse_batch(text).map(Input::Batch);
    }
    if text.len() > MAX_INPUT_BYTES {
        return Err(too_large("", text.len(), MAX_INPUT_BYTES));
    }
    if let Some(request) = crate::typed::parse_request_typed(text) {
        return Ok(Input::One(Box::new(request)));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| InputError::new("", format!("valid JSON ({e})")))?;
    match &value {
        Value::Object(_) => Ok(Input::One(Box::new(request_from_value(&value, "")?))),
        other => Err(InputError::new("", format!("a request object or an array of requests, got {}", type_name(other)))),
    }
}

/// A batch is split into its elements' raw text first, so each request is
/// held to the single-request size limit and parsed on its own.
fn parse_batch(text: &str) -> Result<Vec<Request>, InputError> {
    if text.len() > MAX_BATCH_BYTES {
        return Err(too_large("", text.len(), MAX_BATCH_BYTES));
    }
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(text).map_err(|e| InputError::new("", format!("valid JSON ({e})")))?;
    items
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let here = format!("/{i}");
            if raw.get().len() > MAX_INPUT_BYTES {
                return Err(too_large(&here, raw.get().len(), MAX_INPUT_BYTES));
            }
            if let Some(request) = crate::typed::parse_request_typed(raw.get()) {
                return Ok(request);
            }
            let value: Value = serde_json::from_str(raw.get()).map_err(|e| InputError::new(&here, format!("valid JSON ({e})")))?;
            request_from_value(&value, &here)
        })
        .collect()
}

fn too_large(pointer: &str, got: usize, limit: usize) -> InputError {
    InputError::new(pointer, format!("at most {limit} bytes ({} MiB), got {got} bytes", limit / (1024 * 1024)))
}

/// Parses and validates one request from JSON text.
pub fn parse_request(text: &str) -> Result<Request, InputError> {
    match parse_input(text)? {
        Input::One(request) => Ok(*request),
        Input::Batch(_) => Err(InputError::new("", "a request object, got an array")),
    }
}

/// The request in the contract's JSON shape: what [`request_from_value`]
/// reads back as the same request. Recorded decisions keep it, so a change
/// of rules can be replayed against what was actually asked.
pub fn request_to_value(r: &Request) -> Value {
    let names = |items: &[Category]| items.iter().map(|c| c.as_str()).collect::<Vec<_>>();
    let facts: Map<String, Value> =
        Fact::ALL.iter().filter(|f| r.facts.get(**f)).map(|f| (f.as_str().to_string(), Value::Bool(true))).collect();
    let mut client = serde_json::json!({
        "age": r.client.age, "status": r.client.status.as_str(),
        "part2_program": r.client.part2_program, "lps_program": r.client.lps_program,
    });
    if let Some(died) = r.client.died_on {
        put(&mut client, "died_on", Value::String(died.to_string()));
    }
    let mut discloser = serde_json::json!({ "role": r.discloser.role.as_str() });
    if let Some(mandated) = r.discloser.mandated_reporter {
        put(&mut discloser, "mandated_reporter", Value::Bool(mandated));
    }
    let authorizations: Vec<Value> = r
        .authorizations
        .iter()
        .map(|a| {
            let mut out = serde_json::json!({
                "id": a.id, "kind": a.kind.as_str(), "categories": names(&a.categories),
                "recipients": a.recipients.iter().map(|p| {
                    let mut who = serde_json::json!({ "kind": p.kind.as_str() });
                    if let Some(name) = &p.name { put(&mut who, "name", Value::String(name.clone())); }
                    who
                }).collect::<Vec<_>>(),
                "purposes": a.purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                "statements": { "right_to_revoke": a.statements.right_to_revoke, "no_conditioning": a.statements.no_conditioning, "redisclosure": a.statements.redisclosure },
            });
            let mut put_some = |key: &str, value: Option<String>| {
                if let Some(value) = value {
                    put(&mut out, key, Value::String(value));
                }
            };
            put_some("signed_by", a.signed_by.map(|s| s.as_str().to_string()));
            put_some("signed_on", a.signed_on.map(|d| d.to_string()));
            put_some("expires_on", a.expires_on.map(|d| d.to_string()));
            put_some("expiry_event", a.expiry_event.clone());
            put_some("revoked_on", a.revoked_on.map(|d| d.to_string()));
            out
        })
        .collect();
    let restrictions: Vec<Value> = r
        .restrictions
        .iter()
        .map(|x| {
            serde_json::json!({
                "categories": names(&x.categories),
                "recipient_kinds": x.recipient_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                "purposes": x.purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                "agreed": x.agreed,
            })
        })
        .collect();
    let mut recipient = serde_json::json!({ "kind": r.recipient.kind.as_str(), "same_organization": r.recipient.same_organization });
    if let Some(name) = &r.recipient.name {
        put(&mut recipient, "name", Value::String(name.clone()));
    }
    serde_json::json!({
        "as_of": r.as_of.to_string(),
        "jurisdiction": r.jurisdiction.as_str(),
        "organization_policy": r.organization_policy.as_str(),
        "discloser": discloser,
        "client": client,
        "recipient": recipient,
        "purpose": r.purpose.as_str(),
        "categories": names(&r.categories),
        "facts": facts,
        "authorizations": authorizations,
        "restrictions": restrictions,
    })
}

/// Sets `key` on a JSON object (no-op on anything else).
fn put(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

/// Validates one request object found at `base` in the input.
pub fn request_from_value(value: &Value, base: &str) -> Result<Request, InputError> {
    let top = Obj::new(value, base)?;
    top.only(&[
        "as_of",
        "jurisdiction",
        "organization_policy",
        "discloser",
        "client",
        "recipient",
        "purpose",
        "categories",
        "facts",
        "authorizations",
        "restrictions",
    ])?;
    let as_of = date(top.required("as_of")?, &top.at("as_of"))?;
    let jurisdiction = vocab(top.required("jurisdiction")?, &top.at("jurisdiction"), Jurisdiction::parse, Jurisdiction::expected)?;
    let organization_policy = match top.optional("organization_policy") {
        Some(v) => vocab(v, &top.at("organization_policy"), OrganizationPolicy::parse, OrganizationPolicy::expected)?,
        None => OrganizationPolicy::Default,
    };
    let discloser = match top.optional("discloser") {
        Some(v) => discloser(v, &top.at("discloser"))?,
        None => Discloser { role: Role::Psychotherapist, mandated_reporter: None },
    };
    let client = client(top.required("client")?, &top.at("client"), as_of)?;
    let recipient = recipient(top.required("recipient")?, &top.at("recipient"))?;
    let purpose = vocab(top.required("purpose")?, &top.at("purpose"), Purpose::parse, Purpose::expected)?;
    let categories = vocab_list(top.required("categories")?, &top.at("categories"), Category::parse, Category::expected, NonEmpty::Yes)?;
    let facts = match top.optional("facts") {
        Some(v) => facts(v, &top.at("facts"))?,
        None => Facts::default(),
    };
    let authorizations = match top.optional("authorizations") {
        Some(v) => authorizations(v, &top.at("authorizations"))?,
        None => Vec::new(),
    };
    let restrictions = match top.optional("restrictions") {
        Some(v) => array(v, &top.at("restrictions"))?
            .iter()
            .enumerate()
            .map(|(i, r)| restriction(r, &format!("{}/{i}", top.at("restrictions"))))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    Ok(Request {
        as_of,
        jurisdiction,
        organization_policy,
        discloser,
        client,
        recipient,
        purpose,
        categories,
        facts,
        authorizations,
        restrictions,
    })
}

fn discloser(value: &Value, ptr: &str) -> Result<Discloser, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&["role", "mandated_reporter"])?;
    let role = match o.optional("role") {
        Some(v) => vocab(v, &o.at("role"), Role::parse, Role::expected)?,
        None => Role::Psychotherapist,
    };
    let mandated_reporter = o.optional("mandated_reporter").map(|v| boolean(v, &o.at("mandated_reporter"))).transpose()?;
    Ok(Discloser { role, mandated_reporter })
}

fn client(value: &Value, ptr: &str, as_of: Date) -> Result<Client, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&["age", "status", "died_on", "part2_program", "lps_program"])?;
    let age_ptr = o.at("age");
    let age = match o.required("age")? {
        Value::Number(n) => n
            .as_u64()
            .filter(|a| *a <= MAX_AGE)
            .and_then(|a| u8::try_from(a).ok())
            .ok_or_else(|| InputError::new(&age_ptr, format!("a whole number of years from 0 to {MAX_AGE}, got {n}")))?,
        other => return Err(InputError::new(age_ptr, format!("a whole number of years from 0 to {MAX_AGE}, got {}", type_name(other)))),
    };
    let status = vocab(o.required("status")?, &o.at("status"), ClientStatus::parse, ClientStatus::expected)?;
    let died_on = o.optional("died_on").map(|v| date(v, &o.at("died_on"))).transpose()?;
    match (status, died_on) {
        (ClientStatus::Deceased, None) => {
            return Err(InputError::new(o.at("died_on"), "a date `YYYY-MM-DD` (required when status is `deceased`)"));
        }
        (ClientStatus::Deceased, Some(d)) if d > as_of => {
            return Err(InputError::new(
                o.at("died_on"),
                format!("a date on or before `as_of` ({as_of}) for a deceased client, got `{d}`"),
            ));
        }
        (ClientStatus::Active | ClientStatus::Discharged, Some(_)) => {
            return Err(InputError::new(o.at("died_on"), "null or absent unless status is `deceased`"));
        }
        _ => {}
    }
    let part2_program = o.optional("part2_program").map(|v| boolean(v, &o.at("part2_program"))).transpose()?.unwrap_or(false);
    let lps_program = o.optional("lps_program").map(|v| boolean(v, &o.at("lps_program"))).transpose()?.unwrap_or(false);
    Ok(Client { age, status, died_on, part2_program, lps_program })
}

fn recipient(value: &Value, ptr: &str) -> Result<Recipient, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&["kind", "name", "same_organization"])?;
    let kind = vocab(o.required("kind")?, &o.at("kind"), RecipientKind::parse, RecipientKind::expected)?;
    let name = o.optional("name").map(|v| string(v, &o.at("name"))).transpose()?;
    let same_organization = o.optional("same_organization").map(|v| boolean(v, &o.at("same_organization"))).transpose()?.unwrap_or(false);
    Ok(Recipient { kind, name, same_organization })
}

fn facts(value: &Value, ptr: &str) -> Result<Facts, InputError> {
    let o = Obj::new(value, ptr)?;
    let mut facts = Facts::default();
    for (key, v) in o.map {
        let here = o.at(key);
        let fact = Fact::parse(key).ok_or_else(|| InputError::new(&here, format!("a known fact; expected one of {}", Fact::expected())))?;
        facts.set(fact, boolean(v, &here)?);
    }
    Ok(facts)
}

fn authorizations(value: &Value, ptr: &str) -> Result<Vec<Authorization>, InputError> {
    let items = array(value, ptr)?;
    let mut out: Vec<Authorization> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = format!("{ptr}/{i}");
        let auth = authorization(item, &here)?;
        if out.iter().any(|a| a.id == auth.id) {
            return Err(InputError::new(format!("{here}/id"), format!("an id not used by another authorization, got `{}` twice", auth.id)));
        }
        out.push(auth);
    }
    Ok(out)
}

fn authorization(value: &Value, ptr: &str) -> Result<Authorization, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&[
        "id",
        "kind",
        "signed_by",
        "signed_on",
        "categories",
        "recipients",
        "purposes",
        "expires_on",
        "expiry_event",
        "revoked_on",
        "statements",
    ])?;
    let id = string(o.required("id")?, &o.at("id"))?;
    if id.is_empty() {
        return Err(InputError::new(o.at("id"), "a non-empty identifier"));
    }
    let kind = vocab(o.required("kind")?, &o.at("kind"), AuthorizationKind::parse, AuthorizationKind::expected)?;
    let signed_by = o.optional("signed_by").map(|v| vocab(v, &o.at("signed_by"), Signer::parse, Signer::expected)).transpose()?;
    let signed_on = o.optional("signed_on").map(|v| date(v, &o.at("signed_on"))).transpose()?;
    // Empty lists are not bad input: they are missing elements, reported as reasons.
    let categories = match o.optional("categories") {
        Some(v) => vocab_list(v, &o.at("categories"), Category::parse, Category::expected, NonEmpty::No)?,
        None => Vec::new(),
    };
    let recipients = match o.optional("recipients") {
        Some(v) => array(v, &o.at("recipients"))?
            .iter()
            .enumerate()
            .map(|(i, r)| authorized_recipient(r, &format!("{}/{i}", o.at("recipients"))))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let purposes = match o.optional("purposes") {
        Some(v) => vocab_list(v, &o.at("purposes"), Purpose::parse, Purpose::expected, NonEmpty::No)?,
        None => Vec::new(),
    };
    let expires_on = o.optional("expires_on").map(|v| date(v, &o.at("expires_on"))).transpose()?;
    let expiry_event = o.optional("expiry_event").map(|v| string(v, &o.at("expiry_event"))).transpose()?.filter(|e| !e.trim().is_empty());
    let revoked_on = o.optional("revoked_on").map(|v| date(v, &o.at("revoked_on"))).transpose()?;
    let statements = match o.optional("statements") {
        Some(v) => statements(v, &o.at("statements"))?,
        None => Statements::default(),
    };
    Ok(Authorization { id, kind, signed_by, signed_on, categories, recipients, purposes, expires_on, expiry_event, revoked_on, statements })
}

fn authorized_recipient(value: &Value, ptr: &str) -> Result<AuthorizedRecipient, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&["kind", "name"])?;
    let kind = vocab(o.required("kind")?, &o.at("kind"), RecipientKind::parse, RecipientKind::expected)?;
    let name = o.optional("name").map(|v| string(v, &o.at("name"))).transpose()?;
    Ok(AuthorizedRecipient { kind, name })
}

fn statements(value: &Value, ptr: &str) -> Result<Statements, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&["right_to_revoke", "no_conditioning", "redisclosure"])?;
    let flag =
        |key: &str| -> Result<bool, InputError> { Ok(o.optional(key).map(|v| boolean(v, &o.at(key))).transpose()?.unwrap_or(false)) };
    Ok(Statements {
        right_to_revoke: flag("right_to_revoke")?,
        no_conditioning: flag("no_conditioning")?,
        redisclosure: flag("redisclosure")?,
    })
}

fn restriction(value: &Value, ptr: &str) -> Result<Restriction, InputError> {
    let o = Obj::new(value, ptr)?;
    o.only(&["categories", "recipient_kinds", "purposes", "agreed"])?;
    // An empty list restricts every value: the default is privacy.
    let categories = vocab_list(o.required("categories")?, &o.at("categories"), Category::parse, Category::expected, NonEmpty::No)?;
    let recipient_kinds =
        vocab_list(o.required("recipient_kinds")?, &o.at("recipient_kinds"), RecipientKind::parse, RecipientKind::expected, NonEmpty::No)?;
    let purposes = vocab_list(o.required("purposes")?, &o.at("purposes"), Purpose::parse, Purpose::expected, NonEmpty::No)?;
    let agreed = o.optional("agreed").map(|v| boolean(v, &o.at("agreed"))).transpose()?.unwrap_or(false);
    Ok(Restriction { categories, recipient_kinds, purposes, agreed })
}

/// A JSON object being validated, with the pointer it was found at.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    ptr: &'a str,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, ptr: &'a str) -> Result<Obj<'a>, InputError> {
        match value {
            Value::Object(map) => Ok(Obj { map, ptr }),
            other => Err(InputError::new(ptr, format!("an object, got {}", type_name(other)))),
        }
    }

    /// The pointer of a member of this object.
    fn at(&self, key: &str) -> String {
        // Built for every member read, so one allocation when nothing needs escaping.
        let mut out = String::with_capacity(self.ptr.len() + 1 + key.len());
        out.push_str(self.ptr);
        out.push('/');
        if key.contains(['~', '/']) {
            out.push_str(&key.replace('~', "~0").replace('/', "~1"));
        } else {
            out.push_str(key);
        }
        out
    }

    /// Refuses members the contract does not define, so a misspelt optional
    /// field is reported instead of silently taking its default.
    fn only(&self, known: &[&str]) -> Result<(), InputError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(key) => Err(InputError::new(
                self.at(key),
                format!("no such field; expected one of {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A member that is present and not null.
    fn optional(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn required(&self, key: &str) -> Result<&'a Value, InputError> {
        self.optional(key).ok_or_else(|| InputError::new(self.at(key), "a value (this field is required)"))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum NonEmpty {
    Yes,
    No,
}

fn vocab<T>(value: &Value, ptr: &str, parse: fn(&str) -> Option<T>, expected: fn() -> String) -> Result<T, InputError> {
    match value {
        Value::String(s) => parse(s).ok_or_else(|| InputError::new(ptr, format!("one of {}, got `{s}`", expected()))),
        other => Err(InputError::new(ptr, format!("a string, one of {}, got {}", expected(), type_name(other)))),
    }
}

fn vocab_list<T: PartialEq + Copy + std::fmt::Display>(
    value: &Value,
    ptr: &str,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
    non_empty: NonEmpty,
) -> Result<Vec<T>, InputError> {
    let items = array(value, ptr)?;
    if non_empty == NonEmpty::Yes && items.is_empty() {
        return Err(InputError::new(ptr, "a non-empty array"));
    }
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = format!("{ptr}/{i}");
        let v = vocab(item, &here, parse, expected)?;
        if out.contains(&v) {
            return Err(InputError::new(here, format!("each value once, got `{v}` twice")));
        }
        out.push(v);
    }
    Ok(out)
}

fn array<'a>(value: &'a Value, ptr: &str) -> Result<&'a Vec<Value>, InputError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(InputError::new(ptr, format!("an array, got {}", type_name(other)))),
    }
}

fn date(value: &Value, ptr: &str) -> Result<Date, InputError> {
    match value {
        Value::String(s) => Date::parse(s).ok_or_else(|| InputError::new(ptr, format!("a calendar date `YYYY-MM-DD`, got `{s}`"))),
        other => Err(InputError::new(ptr, format!("a date string `YYYY-MM-DD`, got {}", type_name(other)))),
    }
}

fn boolean(value: &Value, ptr: &str) -> Result<bool, InputError> {
    value.as_bool().ok_or_else(|| InputError::new(ptr, format!("true or false, got {}", type_name(value))))
}

fn string(value: &Value, ptr: &str) -> Result<String, InputError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(InputError::new(ptr, format!("a string, got {}", type_name(other)))),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
