//! The mapping's own tests: authorization → Consent → authorization and
//! restriction → Consent → restriction are identical (property tests over
//! generated ones, through JSON), and a Consent with codes Confidant does
//! not know is refused naming the element.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Value, json};

use super::consent::check_filable;
use super::*;

fn date() -> impl Strategy<Value = Date> {
    (2000i32..2040, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| Date::parse(&format!("{y:04}-{m:02}-{d:02}")).unwrap())
}

fn name() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{1,8}( [A-Z][a-z.]{0,8}){0,2}"
}

fn recipient() -> impl Strategy<Value = AuthorizedRecipient> {
    (select(RecipientKind::ALL.to_vec()), proptest::option::of(name())).prop_map(|(kind, name)| AuthorizedRecipient { kind, name })
}

fn authorization() -> impl Strategy<Value = Authorization> {
    (
        (
            "auth-[0-9a-f]{12}",
            select(AuthorizationKind::ALL.to_vec()),
            proptest::option::of(select(Signer::ALL.to_vec())),
            proptest::option::of(date()),
            subsequence(Category::ALL.to_vec(), 0..=Category::ALL.len()).prop_shuffle(),
            proptest::collection::vec(recipient(), 0..4),
        ),
        (
            subsequence(Purpose::ALL.to_vec(), 0..=Purpose::ALL.len()).prop_shuffle(),
            proptest::option::of(date()),
            proptest::option::of("[a-z]{3,10}( [a-z]{2,8}){0,3}"),
            proptest::option::of(date()),
            any::<(bool, bool, bool)>(),
        ),
    )
        .prop_map(
            |(
                (id, kind, signed_by, signed_on, categories, recipients),
                (purposes, expires_on, expiry_event, revoked_on, (right_to_revoke, no_conditioning, redisclosure)),
            )| Authorization {
                id,
                kind,
                signed_by,
                signed_on,
                categories,
                recipients,
                purposes,
                expires_on,
                expiry_event,
                revoked_on,
                statements: Statements { right_to_revoke, no_conditioning, redisclosure },
            },
        )
}

fn restriction() -> impl Strategy<Value = Restriction> {
    (
        subsequence(Category::ALL.to_vec(), 0..=Category::ALL.len()).prop_shuffle(),
        subsequence(RecipientKind::ALL.to_vec(), 0..5).prop_shuffle(),
        subsequence(Purpose::ALL.to_vec(), 0..5).prop_shuffle(),
        any::<bool>(),
    )
        .prop_map(|(categories, recipient_kinds, purposes, agreed)| Restriction { categories, recipient_kinds, purposes, agreed })
}

/// Through JSON text, as it goes over the wire.
fn through_json(consent: &Consent) -> Imported {
    let text = serde_json::to_string(consent).unwrap();
    parse_consent(serde_json::from_str(&text).unwrap()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_authorization_survives_the_round_trip_through_consent(auth in authorization()) {
        let back = through_json(&authorization_to_consent("cl-1", &auth));
        prop_assert_eq!(back.client_id, "cl-1");
        prop_assert_eq!(back.filing, Filing::Authorization(auth));
    }

    #[test]
    fn a_restriction_survives_the_round_trip_through_consent(r in restriction(), on in date(), decided in any::<bool>()) {
        let back = through_json(&restriction_to_consent("cl-2", "restr-0123456789ab", &r, on, decided));
        prop_assert_eq!(back.client_id, "cl-2");
        prop_assert_eq!(
            back.filing,
            Filing::Restriction { id: Some("restr-0123456789ab".into()), restriction: r, requested_on: Some(on) }
        );
    }
}

/// A complete HIPAA authorization as an EHR might send it.
fn outside() -> Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": codes::CONSENT_SCOPE, "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "64292-6" }] }],
        "patient": { "reference": "Patient/cl-1" },
        "dateTime": "2026-01-10T09:30:00Z",
        "performer": [{ "reference": "Patient/cl-1" }],
        "policyRule": { "coding": [{ "system": codes::CONSENT_POLICY, "code": "hipaa-auth" }] },
        "extension": [
            { "url": codes::EXT_STATEMENT, "valueCode": "right_to_revoke" },
            { "url": codes::EXT_STATEMENT, "valueCode": "no_conditioning" },
            { "url": codes::EXT_STATEMENT, "valueCode": "redisclosure" },
        ],
        "provision": {
            "type": "permit",
            "period": { "end": "2026-12-31" },
            "actor": [{
                "role": { "coding": [
                    { "system": codes::PARTICIPATION_TYPE, "code": "IRCP" },
                    { "system": codes::RECIPIENT_KIND_SYSTEM, "code": "treating_provider" },
                ] },
                "reference": { "display": "Dr. Rivera" },
            }],
            "purpose": [{ "system": codes::ACT_REASON, "code": "TREAT" }],
            "securityLabel": [{ "system": codes::ACT_CODE, "code": "ETH" }, { "system": codes::CATEGORY_SYSTEM, "code": "diagnosis" }],
        },
    })
}

#[test]
fn a_consent_from_outside_maps_hl7_codes_to_the_contract() {
    let imported = parse_consent(outside()).unwrap();
    let Filing::Authorization(auth) = &imported.filing else { panic!("not an authorization") };
    assert_eq!(auth.kind, AuthorizationKind::Hipaa);
    assert_eq!(auth.purposes, [Purpose::Treatment]);
    assert_eq!(auth.categories, [Category::SubstanceUse, Category::Diagnosis]);
    assert_eq!(auth.signed_on, Date::parse("2026-01-10"));
    assert_eq!(auth.signed_by, Some(Signer::Client));
    assert_eq!(auth.recipients[0].name.as_deref(), Some("Dr. Rivera"));
    assert!(check_filable(&imported).is_ok());
}

fn refused(mut value: Value, pointer: &str, replacement: Value) -> Unmappable {
    *value.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = replacement;
    parse_consent(value).expect_err("accepted")
}

#[test]
fn unknown_codes_are_refused_naming_the_element() {
    let cases = [
        ("/provision/purpose/0/code", json!("COVID"), "Consent.provision.purpose[0].code"),
        ("/provision/securityLabel/1/code", json!("PSY"), "Consent.provision.securityLabel[1].code"),
        ("/provision/securityLabel/0/system", json!("http://example.org/labels"), "Consent.provision.securityLabel[0].code"),
        ("/provision/actor/0/role/coding/1/code", json!("astrologer"), "Consent.provision.actor[0].role.coding[1].code"),
        ("/provision/actor/0/role/coding/0/code", json!("AUT"), "Consent.provision.actor[0].role"),
        ("/provision/type", json!("maybe"), "Consent.provision.type"),
        ("/scope/coding/0/code", json!("research"), "Consent.scope"),
        ("/category/0/coding/0/code", json!("57016-8"), "Consent.category"),
        ("/policyRule/coding/0/code", json!("cric"), "Consent.policyRule"),
        ("/patient/reference", json!("Group/7"), "Consent.patient"),
        ("/status", json!("proposed"), "Consent.status"),
        ("/extension/0/valueCode", json!("everything"), "Consent.extension[0].valueCode"),
        ("/provision/period/end", json!("next year"), "Consent.provision.period.end"),
        ("/provision/purpose", json!({ "code": "TREAT" }), "Consent.provision.purpose"),
    ];
    for (pointer, replacement, element) in cases {
        let e = refused(outside(), pointer, replacement);
        assert_eq!(e.element, element, "{pointer}: {e}");
        let outcome = serde_json::to_value(e.outcome()).unwrap();
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["expression"][0], element);
        assert_eq!(outcome["issue"][0]["severity"], "error");
    }
}

#[test]
fn elements_that_would_widen_or_change_the_consent_are_refused() {
    let mut nested = outside();
    nested["provision"]["provision"] = json!([{ "type": "deny" }]);
    assert_eq!(parse_consent(nested).unwrap_err().element, "Consent.provision.provision");
    let mut modifier = outside();
    modifier["modifierExtension"] = json!([{ "url": "http://example.org/x", "valueBoolean": true }]);
    assert_eq!(parse_consent(modifier).unwrap_err().element, "Consent.modifierExtension");
}

#[test]
fn a_bundle_names_the_entry_at_fault() {
    let mut bad = outside();
    bad["provision"]["purpose"][0]["code"] = json!("NOPE");
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [{ "resource": outside() }, { "resource": bad }] });
    assert_eq!(parse_document(bundle).unwrap_err().element, "Bundle.entry[1].resource.provision.purpose[0].code");
}

#[test]
fn an_incomplete_or_revoked_authorization_is_not_filed_and_each_defect_is_named() {
    let mut incomplete = outside();
    incomplete.as_object_mut().unwrap().remove("performer");
    incomplete["extension"] = json!([{ "url": codes::EXT_REVOKED_ON, "valueDate": "2026-02-01" }]);
    incomplete["status"] = json!("inactive");
    let outcome = check_filable(&parse_consent(incomplete).unwrap()).unwrap_err();
    let elements: Vec<&str> = outcome.issue.iter().flat_map(|i| i.expression.iter().map(String::as_str)).collect();
    assert!(elements.contains(&"Consent.status"), "{elements:?}");
    assert!(elements.contains(&"Consent.performer"), "{elements:?}");
    assert!(elements.contains(&"Consent.extension"), "{elements:?}");
}

fn care_partner() -> impl Strategy<Value = confidant_store::CarePartner> {
    let ascmi_purposes = confidant_policy::authorization::ASCMI_PURPOSES.to_vec();
    let categories: Vec<Category> = Category::ALL.iter().copied().filter(|c| *c != Category::PsychotherapyNotes).collect();
    (
        name(),
        select(RecipientKind::ALL.to_vec()),
        subsequence(categories.clone(), 0..=categories.len()).prop_shuffle(),
        subsequence(ascmi_purposes, 1..=4),
    )
        .prop_map(|(name, kind, categories, purposes)| {
            let purposes = if categories.is_empty() { Vec::new() } else { purposes };
            confidant_store::CarePartner { name, kind, categories, purposes }
        })
}

fn ascmi() -> impl Strategy<Value = confidant_store::Ascmi> {
    (
        "ascmi-[0-9a-f]{12}",
        proptest::option::of(select(Signer::ALL.to_vec())),
        proptest::option::of(date()),
        proptest::option::of(date()),
        proptest::option::of("[a-z]{3,10}( [a-z]{2,8}){0,3}"),
        proptest::option::of(date()),
        any::<(bool, bool, bool)>(),
        proptest::collection::vec(care_partner(), 1..5),
    )
        .prop_map(|(id, signed_by, signed_on, expires_on, expiry_event, revoked_on, (a, b, c), partners)| confidant_store::Ascmi {
            id,
            signed_by,
            signed_on,
            expires_on,
            expiry_event,
            statements: Statements { right_to_revoke: a, no_conditioning: b, redisclosure: c },
            partners,
            revoked_on,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_ascmi_survives_the_round_trip_through_consent(form in ascmi()) {
        let consent = ascmi_to_consent("cl-3", &form);
        let provision = consent.provision.as_ref().unwrap();
        prop_assert_eq!(provision.provision.len(), form.partners.len(), "one provision per care partner");
        prop_assert!(provision.actor.is_empty() && provision.purpose.is_empty() && provision.security_label.is_empty());
        let back = through_json(&consent);
        prop_assert_eq!(back.client_id, "cl-3");
        prop_assert_eq!(back.filing, Filing::Ascmi(form));
    }
}

/// A complete ASCMI as this server writes it.
fn filable_ascmi() -> Value {
    let form = confidant_store::Ascmi {
        id: "ascmi-1".into(),
        signed_by: Some(Signer::Client),
        signed_on: Date::parse("2026-01-10"),
        expires_on: Date::parse("2027-01-10"),
        expiry_event: None,
        statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
        partners: vec![
            confidant_store::CarePartner {
                name: "Quillfeather Health Plan".into(),
                kind: RecipientKind::HealthPlan,
                categories: vec![Category::Diagnosis],
                purposes: vec![Purpose::Payment],
            },
            confidant_store::CarePartner {
                name: "Eastbrook Food Bank".into(),
                kind: RecipientKind::SocialServicesAgency,
                categories: vec![],
                purposes: vec![],
            },
        ],
        revoked_on: None,
    };
    serde_json::to_value(ascmi_to_consent("cl-1", &form)).unwrap()
}

#[test]
fn an_ascmi_care_partner_provision_is_written_as_permit_or_deny() {
    let value = filable_ascmi();
    assert_eq!(value["policyRule"]["coding"][0]["code"], "ascmi");
    assert_eq!(value["provision"]["provision"][0]["type"], "permit");
    assert_eq!(value["provision"]["provision"][0]["actor"][0]["reference"]["display"], "Quillfeather Health Plan");
    assert_eq!(value["provision"]["provision"][1]["type"], "deny");
    assert!(value["provision"]["provision"][1].get("securityLabel").is_none());
    assert!(check_filable(&parse_consent(value).unwrap()).is_ok());
}

#[test]
fn an_ascmi_with_unknown_codes_or_bad_choices_is_refused_naming_the_element() {
    let cases = [
        ("/provision/provision/0/purpose/0/code", json!("COVID"), "Consent.provision.provision[0].purpose[0].code"),
        ("/provision/provision/0/securityLabel/0/code", json!("XYZ"), "Consent.provision.provision[0].securityLabel[0].code"),
        ("/provision/provision/1/type", json!("maybe"), "Consent.provision.provision[1].type"),
        (
            "/provision/provision/0/actor/0/role/coding/1/code",
            json!("astrologer"),
            "Consent.provision.provision[0].actor[0].role.coding[1].code",
        ),
        ("/provision/provision/0/actor", json!([]), "Consent.provision.provision[0].actor"),
    ];
    for (pointer, replacement, element) in cases {
        let e = refused(filable_ascmi(), pointer, replacement);
        assert_eq!(e.element, element, "{pointer}: {e}");
    }
    // Mapped, but not a form the vault files: each names its element.
    let filed = |pointer: &str, replacement: Value| {
        let mut value = filable_ascmi();
        *value.pointer_mut(pointer).unwrap() = replacement;
        let outcome = check_filable(&parse_consent(value).unwrap()).unwrap_err();
        outcome.issue[0].expression[0].clone()
    };
    let notes = json!([{ "system": codes::ACT_CODE, "code": "PSYTHPN" }]);
    assert_eq!(filed("/provision/provision/0/securityLabel", notes), "Consent.provision.provision[0].securityLabel");
    let marketing = json!([{ "system": codes::ACT_REASON, "code": "HMARKT" }]);
    assert_eq!(filed("/provision/provision/0/purpose", marketing), "Consent.provision.provision[0].purpose");
    assert_eq!(filed("/dateTime", json!(null)), "Consent.dateTime");
}

#[test]
fn a_restriction_waiting_for_a_decision_is_proposed_and_a_declined_one_rejected() {
    let r = Restriction { categories: vec![Category::Hiv], recipient_kinds: vec![], purposes: vec![], agreed: false };
    let on = Date::parse("2026-02-01").unwrap();
    assert_eq!(restriction_to_consent("cl-1", "restr-1", &r, on, false).status, "proposed");
    assert_eq!(restriction_to_consent("cl-1", "restr-1", &r, on, true).status, "rejected");
    let agreed = Restriction { agreed: true, ..r };
    assert_eq!(restriction_to_consent("cl-1", "restr-1", &agreed, on, true).status, "active");
}
