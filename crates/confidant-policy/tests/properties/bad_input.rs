//! Bad input: one corruption, reported at its field.

use super::*;

#[derive(Clone, Debug)]
pub(crate) enum Edit {
    Set(String, Value),
    Remove(String),
    Push(String, Value),
}

#[derive(Clone, Debug)]
pub(crate) struct Corruption {
    what: &'static str,
    edit: Edit,
    /// The pointer the error must name.
    pointer: String,
}

pub(crate) fn set(what: &'static str, pointer: String, value: Value) -> Corruption {
    Corruption { what, edit: Edit::Set(pointer.clone(), value), pointer }
}

pub(crate) const BAD_DATES: &[&str] = &["2026-13-45", "2025-02-29", "2026-3-2", "2026-03-02T00:00", "yesterday", "20260302", ""];

/// Every single corruption of the (fully written) JSON of `r`; `pick` chooses
/// among variants (which bad date, which bad age).
pub(crate) fn corruptions(r: &Request, v: &Value, pick: &Index) -> Vec<Corruption> {
    let mut out = Vec::new();
    let bogus = || json!("no_such_value");
    let bad_date = || json!(pick.get(BAD_DATES));
    let bad_age = || pick.get(&[json!(131), json!(-1), json!(34.5), json!(1000)]).clone();

    // Unknown enum values.
    let mut enums: Vec<String> =
        ["/jurisdiction", "/organization_policy", "/discloser/role", "/client/status", "/recipient/kind", "/purpose"]
            .iter()
            .map(|p| (*p).to_string())
            .collect();
    enums.extend((0..r.categories.len()).map(|i| format!("/categories/{i}")));
    for (i, a) in r.authorizations.iter().enumerate() {
        let at = format!("/authorizations/{i}");
        enums.push(format!("{at}/kind"));
        enums.push(format!("{at}/signed_by"));
        enums.extend((0..a.categories.len()).map(|j| format!("{at}/categories/{j}")));
        enums.extend((0..a.recipients.len()).map(|j| format!("{at}/recipients/{j}/kind")));
        enums.extend((0..a.purposes.len()).map(|j| format!("{at}/purposes/{j}")));
    }
    for (i, x) in r.restrictions.iter().enumerate() {
        let at = format!("/restrictions/{i}");
        enums.extend((0..x.categories.len()).map(|j| format!("{at}/categories/{j}")));
        enums.extend((0..x.recipient_kinds.len()).map(|j| format!("{at}/recipient_kinds/{j}")));
        enums.extend((0..x.purposes.len()).map(|j| format!("{at}/purposes/{j}")));
    }
    out.extend(enums.into_iter().map(|p| set("unknown enum value", p, bogus())));

    // Malformed dates, and a death after `as_of`.
    let mut dates = vec!["/as_of".to_string()];
    if r.client.died_on.is_some() {
        dates.push("/client/died_on".into());
        out.push(set("died after as_of", "/client/died_on".into(), json!(date(day_number(r.as_of) + 1).to_string())));
    }
    for i in 0..r.authorizations.len() {
        dates.extend(["signed_on", "expires_on", "revoked_on"].map(|k| format!("/authorizations/{i}/{k}")));
    }
    out.extend(dates.into_iter().map(|p| set("malformed date", p, bad_date())));

    // Required fields removed.
    let mut required: Vec<String> =
        ["/as_of", "/jurisdiction", "/client", "/client/age", "/client/status", "/recipient", "/recipient/kind", "/purpose", "/categories"]
            .iter()
            .map(|p| (*p).to_string())
            .collect();
    if r.client.status == ClientStatus::Deceased {
        required.push("/client/died_on".into());
    }
    for (i, a) in r.authorizations.iter().enumerate() {
        let at = format!("/authorizations/{i}");
        required.push(format!("{at}/id"));
        required.push(format!("{at}/kind"));
        required.extend((0..a.recipients.len()).map(|j| format!("{at}/recipients/{j}/kind")));
    }
    for i in 0..r.restrictions.len() {
        required.extend(["categories", "recipient_kinds", "purposes"].map(|k| format!("/restrictions/{i}/{k}")));
    }
    out.extend(required.into_iter().map(|p| Corruption { what: "required field removed", edit: Edit::Remove(p.clone()), pointer: p }));

    // Duplicates in a list that must hold each value once, and an empty category list.
    let mut lists: Vec<(String, Vec<String>)> = vec![("/categories".into(), r.categories.iter().map(|c| c.to_string()).collect())];
    for (i, a) in r.authorizations.iter().enumerate() {
        lists.push((format!("/authorizations/{i}/categories"), a.categories.iter().map(|c| c.to_string()).collect()));
        lists.push((format!("/authorizations/{i}/purposes"), a.purposes.iter().map(|c| c.to_string()).collect()));
    }
    for (i, x) in r.restrictions.iter().enumerate() {
        lists.push((format!("/restrictions/{i}/categories"), x.categories.iter().map(|c| c.to_string()).collect()));
        lists.push((format!("/restrictions/{i}/recipient_kinds"), x.recipient_kinds.iter().map(|c| c.to_string()).collect()));
        lists.push((format!("/restrictions/{i}/purposes"), x.purposes.iter().map(|c| c.to_string()).collect()));
    }
    for (p, items) in lists.into_iter().filter(|(_, items)| !items.is_empty()) {
        let dup = pick.get(&items).clone();
        out.push(Corruption { what: "duplicate value", edit: Edit::Push(p.clone(), json!(dup)), pointer: format!("{p}/{}", items.len()) });
    }
    out.push(set("empty categories", "/categories".into(), json!([])));
    if r.authorizations.len() >= 2 {
        out.push(set("duplicate authorization id", "/authorizations/1/id".into(), json!(r.authorizations[0].id)));
    }
    for i in 0..r.authorizations.len() {
        out.push(set("empty authorization id", format!("/authorizations/{i}/id"), json!("")));
    }

    // Unknown keys: a fact, and a field in each object.
    out.push(set("unknown fact", "/facts/horoscope".into(), json!(true)));
    let mut objects = vec!["".to_string(), "/discloser".into(), "/client".into(), "/recipient".into()];
    for (i, a) in r.authorizations.iter().enumerate() {
        objects.push(format!("/authorizations/{i}"));
        objects.push(format!("/authorizations/{i}/statements"));
        objects.extend((0..a.recipients.len()).map(|j| format!("/authorizations/{i}/recipients/{j}")));
    }
    objects.extend((0..r.restrictions.len()).map(|i| format!("/restrictions/{i}")));
    out.extend(objects.into_iter().map(|p| set("unknown field", format!("{p}/colour"), json!("blue"))));

    // Ages out of range or not whole.
    out.push(set("bad age", "/client/age".into(), bad_age()));

    // The wrong JSON type anywhere (null is skipped: it means absent).
    let mut nodes = Vec::new();
    collect_nodes(v, "", &mut nodes);
    for (p, node) in nodes {
        let wrong = match node {
            Value::Null => continue,
            Value::Bool(_) => json!("yes"),
            Value::Number(_) => json!("34"),
            Value::String(_) => json!(7),
            Value::Array(_) => json!({}),
            Value::Object(_) => json!([]),
        };
        out.push(set("wrong JSON type", p, wrong));
    }
    out
}

pub(crate) fn collect_nodes<'v>(v: &'v Value, at: &str, out: &mut Vec<(String, &'v Value)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{k}");
                out.push((p.clone(), child));
                collect_nodes(child, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push((p.clone(), child));
                collect_nodes(child, &p, out);
            }
        }
        _ => {}
    }
}

pub(crate) fn split(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap()
}

pub(crate) fn apply(v: &mut Value, edit: &Edit) {
    match edit {
        Edit::Set(p, value) => {
            let (parent, key) = split(p);
            match v.pointer_mut(parent).unwrap() {
                Value::Object(m) => {
                    m.insert(key.to_string(), value.clone());
                }
                Value::Array(items) => items[key.parse::<usize>().unwrap()] = value.clone(),
                other => panic!("cannot set {p} in {other}"),
            }
        }
        Edit::Remove(p) => {
            let (parent, key) = split(p);
            v.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key).unwrap();
        }
        Edit::Push(p, value) => v.pointer_mut(p).unwrap().as_array_mut().unwrap().push(value.clone()),
    }
}

proptest! {
    #![proptest_config(config())]

    /// One corruption of a valid request (unknown enum value, malformed date,
    /// missing required field, duplicate, unknown fact or field, wrong JSON
    /// type, age out of range) is bad input naming exactly that field.
    #[test]
    fn one_corruption_is_reported_at_the_corrupted_field(
        r in request(),
        class in any::<Index>(),
        which in any::<Index>(),
        pick in any::<Index>(),
    ) {
        let valid = request_json(&r, false);
        let all = corruptions(&r, &valid, &pick);
        // Each kind of corruption equally often, then one field of that kind.
        let classes: Vec<&str> = all.iter().map(|c| c.what).collect::<BTreeSet<_>>().into_iter().collect();
        let what = *class.get(&classes);
        let of_class: Vec<&Corruption> = all.iter().filter(|c| c.what == what).collect();
        let corruption = *which.get(&of_class);
        let mut bad = valid.clone();
        apply(&mut bad, &corruption.edit);
        let text = bad.to_string();
        match parse_request(&text) {
            Ok(_) => prop_assert!(false, "{} at {} was accepted:\n{}", corruption.what, &corruption.pointer, text),
            Err(e) => prop_assert_eq!(&e.pointer, &corruption.pointer, "{}: error `{}`\n{}", corruption.what, e, text),
        }
    }
}
