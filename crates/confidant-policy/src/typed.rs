//! The fast path of request parsing: JSON text read straight into a
//! [`Request`], without building a `serde_json::Value` first.
//!
//! It decides acceptance only; it never words an error. Every value the
//! contract refuses becomes [`Bad`] and parsing carries on to the end of the
//! text, so the result is exactly the validator's (`request::request_from_value`)
//! on the same text, duplicate keys included (the last one counts, as in a
//! parsed `Value`). When this path says no, [`crate::parse_input`] runs the
//! validator, which names the field and what was expected.
//!
//! Every JSON value, wanted or not, is read through `deserialize_any`, so the
//! text is checked exactly as a `Value` parse checks it (escapes, number
//! range, nesting depth).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::date::Date;
use crate::request::{Authorization, AuthorizedRecipient, Client, Discloser, Facts, MAX_AGE, Recipient, Request, Restriction, Statements};
use crate::vocab::{
    AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Role, Signer,
};

/// Parses one request object from JSON text on the fast path: `Some` exactly
/// when the validator would accept the text as one request, with the same
/// request; `None` for anything else, including well-formed requests the
/// validator refuses (it then says why).
pub fn parse_request_typed(text: &str) -> Option<Request> {
    let mut de = serde_json::Deserializer::from_str(text);
    let request = Expect(RequestShape).deserialize(&mut de).ok()?;
    de.end().ok()?;
    request.ok()
}

/// Well-formed JSON that the contract does not accept where it stands.
#[derive(Debug)]
struct Bad;

/// A value read against what the contract accepts at its place.
type Ck<T> = Result<T, Bad>;

/// What one JSON value must be. Each method takes one kind of JSON value;
/// the defaults refuse it (reading arrays and objects through to their end).
trait Shape<'de>: Sized {
    type Out;

    fn null(self) -> Ck<Self::Out> {
        Err(Bad)
    }

    fn boolean(self, _value: bool) -> Ck<Self::Out> {
        Err(Bad)
    }

    /// A number: `Some` for a whole number from 0 to `u64::MAX` (what
    /// `serde_json::Number::as_u64` gives), `None` for any other.
    fn number(self, _value: Option<u64>) -> Ck<Self::Out> {
        Err(Bad)
    }

    fn string(self, _value: &str) -> Ck<Self::Out> {
        Err(Bad)
    }

    fn array<A: SeqAccess<'de>>(self, seq: A) -> Result<Ck<Self::Out>, A::Error> {
        Discard.array(seq).map(|_| Err(Bad))
    }

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Self::Out>, A::Error> {
        Discard.object(map).map(|_| Err(Bad))
    }
}

/// Reads one JSON value against a shape.
struct Expect<S>(S);

impl<'de, S: Shape<'de>> DeserializeSeed<'de> for Expect<S> {
    type Value = Ck<S::Out>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(ShapeVisitor(self.0, PhantomData))
    }
}

struct ShapeVisitor<'de, S>(S, PhantomData<&'de ()>);

impl<'de, S: Shape<'de>> Visitor<'de> for ShapeVisitor<'de, S> {
    type Value = Ck<S::Out>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.null())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.0.boolean(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.0.number(Some(v)))
    }

    // `serde_json::Number::from(i64)` keeps a non-negative value whole.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.0.number(u64::try_from(v).ok()))
    }

    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<Self::Value, E> {
        Ok(self.0.number(None))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.string(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.array(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.object(map)
    }
}

/// Any JSON value, read to its end and dropped.
struct Discard;

impl<'de> Shape<'de> for Discard {
    type Out = ();

    fn null(self) -> Ck<()> {
        Ok(())
    }

    fn boolean(self, _value: bool) -> Ck<()> {
        Ok(())
    }

    fn number(self, _value: Option<u64>) -> Ck<()> {
        Ok(())
    }

    fn string(self, _value: &str) -> Ck<()> {
        Ok(())
    }

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ck<()>, A::Error> {
        while seq.next_element_seed(Expect(Discard))?.is_some() {}
        Ok(Ok(()))
    }

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Ck<()>, A::Error> {
        while map.next_key_seed(Expect(Discard))?.is_some() {
            skip_value(&mut map)?;
        }
        Ok(Ok(()))
    }
}

/// Reads the next member's value to its end and drops it.
fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value_seed(Expect(Discard)).map(drop)
}

/// An object member's name, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// An optional member's reading: `Ok(None)` while absent or null (the
/// validator treats the two alike), the last occurrence's value otherwise.
type Slot<T> = Ck<Option<T>>;

/// Reads the next member's value into its slot; a later duplicate replaces
/// an earlier one, as in a parsed `Value`.
fn fill<'de, A: MapAccess<'de>, S: Shape<'de>>(map: &mut A, slot: &mut Slot<S::Out>, shape: S) -> Result<(), A::Error> {
    *slot = map.next_value_seed(Expect(Nullable(shape)))?;
    Ok(())
}

/// Reads the members of an object: `member` reads the value of a known name
/// (and says it knew it); an unknown name makes the object bad.
fn members<'de, A: MapAccess<'de>>(mut map: A, mut member: impl FnMut(&str, &mut A) -> Result<bool, A::Error>) -> Result<Ck<()>, A::Error> {
    let mut known = true;
    while let Some(key) = map.next_key_seed(Key)? {
        if !member(&key[..], &mut map)? {
            known = false;
            skip_value(&mut map)?;
        }
    }
    Ok(if known { Ok(()) } else { Err(Bad) })
}

/// A required member: present and not null.
fn required<T>(slot: Slot<T>) -> Ck<T> {
    slot?.ok_or(Bad)
}

/// Null, or a value of the inner shape.
struct Nullable<S>(S);

impl<'de, S: Shape<'de>> Shape<'de> for Nullable<S> {
    type Out = Option<S::Out>;

    fn null(self) -> Ck<Self::Out> {
        Ok(None)
    }

    fn boolean(self, value: bool) -> Ck<Self::Out> {
        self.0.boolean(value).map(Some)
    }

    fn number(self, value: Option<u64>) -> Ck<Self::Out> {
        self.0.number(value).map(Some)
    }

    fn string(self, value: &str) -> Ck<Self::Out> {
        self.0.string(value).map(Some)
    }

    fn array<A: SeqAccess<'de>>(self, seq: A) -> Result<Ck<Self::Out>, A::Error> {
        Ok(self.0.array(seq)?.map(Some))
    }

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Self::Out>, A::Error> {
        Ok(self.0.object(map)?.map(Some))
    }
}

/// `true` or `false`.
struct Bool;

impl Shape<'_> for Bool {
    type Out = bool;

    fn boolean(self, value: bool) -> Ck<bool> {
        Ok(value)
    }
}

/// Any string.
struct Text;

impl Shape<'_> for Text {
    type Out = String;

    fn string(self, value: &str) -> Ck<String> {
        Ok(value.to_owned())
    }
}

/// A calendar date `YYYY-MM-DD`.
struct Day;

impl Shape<'_> for Day {
    type Out = Date;

    fn string(self, value: &str) -> Ck<Date> {
        Date::parse(value).ok_or(Bad)
    }
}

/// An age in whole years, 0 to [`MAX_AGE`].
struct Age;

impl Shape<'_> for Age {
    type Out = u8;

    fn number(self, value: Option<u64>) -> Ck<u8> {
        value.filter(|a| *a <= MAX_AGE).and_then(|a| u8::try_from(a).ok()).ok_or(Bad)
    }
}

/// One word of a vocabulary, by its wire spelling.
struct Word<T>(fn(&str) -> Option<T>);

impl<T> Shape<'_> for Word<T> {
    type Out = T;

    fn string(self, value: &str) -> Ck<T> {
        (self.0)(value).ok_or(Bad)
    }
}

/// An array of words of one vocabulary, each at most once.
struct Words<T>(fn(&str) -> Option<T>);

impl<'de, T: PartialEq> Shape<'de> for Words<T> {
    type Out = Vec<T>;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ck<Vec<T>>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        let mut good = true;
        while let Some(word) = seq.next_element_seed(Expect(Word(self.0)))? {
            match word {
                Ok(word) if good && !out.contains(&word) => out.push(word),
                _ => good = false,
            }
        }
        Ok(if good { Ok(out) } else { Err(Bad) })
    }
}

/// An array whose every element has one shape.
struct List<S>(fn() -> S);

impl<'de, S: Shape<'de>> Shape<'de> for List<S> {
    type Out = Vec<S::Out>;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ck<Vec<S::Out>>, A::Error> {
        let mut out = Vec::new();
        let mut good = true;
        while let Some(item) = seq.next_element_seed(Expect((self.0)()))? {
            match item {
                Ok(item) if good => out.push(item),
                _ => good = false,
            }
        }
        Ok(if good { Ok(out) } else { Err(Bad) })
    }
}

/// The request object.
struct RequestShape;

impl<'de> Shape<'de> for RequestShape {
    type Out = Request;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Request>, A::Error> {
        let mut as_of = Ok(None);
        let mut jurisdiction = Ok(None);
        let mut organization_policy = Ok(None);
        let mut discloser = Ok(None);
        let mut client = Ok(None);
        let mut recipient = Ok(None);
        let mut purpose = Ok(None);
        let mut categories = Ok(None);
        let mut facts = Ok(None);
        let mut authorizations = Ok(None);
        let mut restrictions = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "as_of" => fill(map, &mut as_of, Day)?,
                "jurisdiction" => fill(map, &mut jurisdiction, Word(Jurisdiction::parse))?,
                "organization_policy" => fill(map, &mut organization_policy, Word(OrganizationPolicy::parse))?,
                "discloser" => fill(map, &mut discloser, DiscloserShape)?,
                "client" => fill(map, &mut client, ClientShape)?,
                "recipient" => fill(map, &mut recipient, RecipientShape)?,
                "purpose" => fill(map, &mut purpose, Word(Purpose::parse))?,
                "categories" => fill(map, &mut categories, Words(Category::parse))?,
                "facts" => fill(map, &mut facts, FactsShape)?,
                "authorizations" => fill(map, &mut authorizations, List(|| AuthorizationShape))?,
                "restrictions" => fill(map, &mut restrictions, List(|| RestrictionShape))?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| {
            let as_of = required(as_of)?;
            let categories = required(categories)?;
            if categories.is_empty() {
                return Err(Bad);
            }
            let authorizations: Vec<Authorization> = authorizations?.unwrap_or_default();
            for (i, a) in authorizations.iter().enumerate() {
                if authorizations.iter().take(i).any(|earlier| earlier.id == a.id) {
                    return Err(Bad);
                }
            }
            Ok(Request {
                as_of,
                jurisdiction: required(jurisdiction)?,
                organization_policy: organization_policy?.unwrap_or(OrganizationPolicy::Default),
                discloser: discloser?.unwrap_or(Discloser { role: Role::Psychotherapist, mandated_reporter: None }),
                client: required(client)?.check(as_of)?,
                recipient: required(recipient)?,
                purpose: required(purpose)?,
                categories,
                facts: facts?.unwrap_or_default(),
                authorizations,
                restrictions: restrictions?.unwrap_or_default(),
            })
        }))
    }
}

struct DiscloserShape;

impl<'de> Shape<'de> for DiscloserShape {
    type Out = Discloser;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Discloser>, A::Error> {
        let mut role = Ok(None);
        let mut mandated_reporter = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "role" => fill(map, &mut role, Word(Role::parse))?,
                "mandated_reporter" => fill(map, &mut mandated_reporter, Bool)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| Ok(Discloser { role: role?.unwrap_or(Role::Psychotherapist), mandated_reporter: mandated_reporter? })))
    }
}

/// The client as written, before its death date is held against `as_of`
/// (which may come later in the text).
struct ClientFields {
    age: u8,
    status: ClientStatus,
    died_on: Option<Date>,
    part2_program: bool,
    lps_program: bool,
}

impl ClientFields {
    fn check(self, as_of: Date) -> Ck<Client> {
        match (self.status, self.died_on) {
            (ClientStatus::Deceased, Some(died)) if died <= as_of => {}
            (ClientStatus::Active | ClientStatus::Discharged, None) => {}
            _ => return Err(Bad),
        }
        Ok(Client {
            age: self.age,
            status: self.status,
            died_on: self.died_on,
            part2_program: self.part2_program,
            lps_program: self.lps_program,
        })
    }
}

struct ClientShape;

impl<'de> Shape<'de> for ClientShape {
    type Out = ClientFields;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<ClientFields>, A::Error> {
        let mut age = Ok(None);
        let mut status = Ok(None);
        let mut died_on = Ok(None);
        let mut part2_program = Ok(None);
        let mut lps_program = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "age" => fill(map, &mut age, Age)?,
                "status" => fill(map, &mut status, Word(ClientStatus::parse))?,
                "died_on" => fill(map, &mut died_on, Day)?,
                "part2_program" => fill(map, &mut part2_program, Bool)?,
                "lps_program" => fill(map, &mut lps_program, Bool)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| {
            Ok(ClientFields {
                age: required(age)?,
                status: required(status)?,
                died_on: died_on?,
                part2_program: part2_program?.unwrap_or(false),
                lps_program: lps_program?.unwrap_or(false),
            })
        }))
    }
}

struct RecipientShape;

impl<'de> Shape<'de> for RecipientShape {
    type Out = Recipient;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Recipient>, A::Error> {
        let mut kind = Ok(None);
        let mut name = Ok(None);
        let mut same_organization = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "kind" => fill(map, &mut kind, Word(RecipientKind::parse))?,
                "name" => fill(map, &mut name, Text)?,
                "same_organization" => fill(map, &mut same_organization, Bool)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known
            .and_then(|()| Ok(Recipient { kind: required(kind)?, name: name?, same_organization: same_organization?.unwrap_or(false) })))
    }
}

/// The facts object: known fact names, each `true` or `false` (null is
/// refused here, unlike an optional member).
struct FactsShape;

impl<'de> Shape<'de> for FactsShape {
    type Out = Facts;

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Ck<Facts>, A::Error> {
        let mut facts = Facts::default();
        // Facts whose last value is not a boolean: a later duplicate may still
        // mend one, as the last of duplicate keys counts.
        let mut bad = Facts::default();
        let mut known = true;
        while let Some(key) = map.next_key_seed(Key)? {
            match Fact::parse(&key) {
                Some(fact) => {
                    let value = map.next_value_seed(Expect(Bool))?;
                    bad.set(fact, value.is_err());
                    facts.set(fact, value.unwrap_or(false));
                }
                None => {
                    known = false;
                    skip_value(&mut map)?;
                }
            }
        }
        Ok(if known && bad == Facts::default() { Ok(facts) } else { Err(Bad) })
    }
}

struct AuthorizationShape;

impl<'de> Shape<'de> for AuthorizationShape {
    type Out = Authorization;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Authorization>, A::Error> {
        let mut id = Ok(None);
        let mut kind = Ok(None);
        let mut signed_by = Ok(None);
        let mut signed_on = Ok(None);
        let mut categories = Ok(None);
        let mut recipients = Ok(None);
        let mut purposes = Ok(None);
        let mut expires_on = Ok(None);
        let mut expiry_event = Ok(None);
        let mut revoked_on = Ok(None);
        let mut statements = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "id" => fill(map, &mut id, Text)?,
                "kind" => fill(map, &mut kind, Word(AuthorizationKind::parse))?,
                "signed_by" => fill(map, &mut signed_by, Word(Signer::parse))?,
                "signed_on" => fill(map, &mut signed_on, Day)?,
                "categories" => fill(map, &mut categories, Words(Category::parse))?,
                "recipients" => fill(map, &mut recipients, List(|| AuthorizedRecipientShape))?,
                "purposes" => fill(map, &mut purposes, Words(Purpose::parse))?,
                "expires_on" => fill(map, &mut expires_on, Day)?,
                "expiry_event" => fill(map, &mut expiry_event, Text)?,
                "revoked_on" => fill(map, &mut revoked_on, Day)?,
                "statements" => fill(map, &mut statements, StatementsShape)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| {
            let id: String = required(id)?;
            if id.is_empty() {
                return Err(Bad);
            }
            Ok(Authorization {
                id,
                kind: required(kind)?,
                signed_by: signed_by?,
                signed_on: signed_on?,
                categories: categories?.unwrap_or_default(),
                recipients: recipients?.unwrap_or_default(),
                purposes: purposes?.unwrap_or_default(),
                expires_on: expires_on?,
                expiry_event: expiry_event?.filter(|e: &String| !e.trim().is_empty()),
                revoked_on: revoked_on?,
                statements: statements?.unwrap_or_default(),
            })
        }))
    }
}

struct AuthorizedRecipientShape;

impl<'de> Shape<'de> for AuthorizedRecipientShape {
    type Out = AuthorizedRecipient;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<AuthorizedRecipient>, A::Error> {
        let mut kind = Ok(None);
        let mut name = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "kind" => fill(map, &mut kind, Word(RecipientKind::parse))?,
                "name" => fill(map, &mut name, Text)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| Ok(AuthorizedRecipient { kind: required(kind)?, name: name? })))
    }
}

struct StatementsShape;

impl<'de> Shape<'de> for StatementsShape {
    type Out = Statements;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Statements>, A::Error> {
        let mut right_to_revoke = Ok(None);
        let mut no_conditioning = Ok(None);
        let mut redisclosure = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "right_to_revoke" => fill(map, &mut right_to_revoke, Bool)?,
                "no_conditioning" => fill(map, &mut no_conditioning, Bool)?,
                "redisclosure" => fill(map, &mut redisclosure, Bool)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| {
            Ok(Statements {
                right_to_revoke: right_to_revoke?.unwrap_or(false),
                no_conditioning: no_conditioning?.unwrap_or(false),
                redisclosure: redisclosure?.unwrap_or(false),
            })
        }))
    }
}

struct RestrictionShape;

impl<'de> Shape<'de> for RestrictionShape {
    type Out = Restriction;

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Ck<Restriction>, A::Error> {
        let mut categories = Ok(None);
        let mut recipient_kinds = Ok(None);
        let mut purposes = Ok(None);
        let mut agreed = Ok(None);
        let known = members(map, |key, map| {
            match key {
                "categories" => fill(map, &mut categories, Words(Category::parse))?,
                "recipient_kinds" => fill(map, &mut recipient_kinds, Words(RecipientKind::parse))?,
                "purposes" => fill(map, &mut purposes, Words(Purpose::parse))?,
                "agreed" => fill(map, &mut agreed, Bool)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(known.and_then(|()| {
            Ok(Restriction {
                categories: required(categories)?,
                recipient_kinds: required(recipient_kinds)?,
                purposes: required(purposes)?,
                agreed: agreed?.unwrap_or(false),
            })
        }))
    }
}
