//! Writes a JSON array of N varied, valid disclosure requests to stdout, for
//! batch-throughput measurements of `confidant check`:
//!
//! ```text
//! cargo run --release -p confidant-policy --example gen_batch -- 100000 > batch.json
//! confidant check batch.json --format json > /dev/null
//! ```
//!
//! Requests are drawn deterministically (fixed seed, or the second argument)
//! from a mix of templates modelled on the public conformance scenarios, each
//! varied in date, jurisdiction, organization policy, role, age, recipient
//! name, categories and facts. Every request is valid input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{self, BufWriter, Write};

use confidant_policy::vocab::{Category, Role};
use serde_json::{Value, json};

/// One kind of everyday question, as in the scenarios.
struct Template {
    weight: u32,
    jurisdiction: &'static str,
    organization_policy: &'static str,
    role: &'static str,
    status: &'static str,
    part2: bool,
    recipient: &'static str,
    names: &'static [&'static str],
    same_organization: bool,
    purpose: &'static str,
    categories: &'static [&'static str],
    facts: &'static [&'static str],
    /// Facts that may be toggled to vary the question.
    varying: &'static [&'static str],
    /// Authorizations on file: (kind, categories, expired, revoked).
    auths: &'static [(&'static str, &'static [&'static str], bool, bool)],
    /// Restrictions: (categories, agreed).
    restrictions: &'static [(&'static [&'static str], bool)],
}

const PROVIDERS: &[&str] = &["Dr. Rivera", "Dr. Okafor", "Dr. Chen", "Dr. Haddad", "Eastside Clinic"];

const TEMPLATES: &[Template] = &[
    // 101–103: a new therapist asks for the record.
    Template {
        weight: 14,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "treating_provider",
        names: PROVIDERS,
        same_organization: false,
        purpose: "treatment",
        categories: &["diagnosis", "treatment_plan", "medications"],
        facts: &[],
        varying: &["client_agrees", "medical_emergency"],
        auths: &[],
        restrictions: &[],
    },
    // 104: the client asks for their own record.
    Template {
        weight: 8,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "client",
        names: &[],
        same_organization: false,
        purpose: "client_request",
        categories: &["diagnosis", "progress_notes", "medications"],
        facts: &["identity_verified"],
        varying: &["access_would_endanger", "identity_verified"],
        auths: &[],
        restrictions: &[],
    },
    // 105–107: family and friends.
    Template {
        weight: 10,
        jurisdiction: "US",
        organization_policy: "default",
        role: "peer_support_specialist",
        status: "active",
        part2: false,
        recipient: "family_or_friend",
        names: &["Maria", "Sam", "Ana"],
        same_organization: false,
        purpose: "care_involvement",
        categories: &["appointments", "diagnosis"],
        facts: &["client_present", "recipient_involved_in_care"],
        varying: &["client_agrees", "client_objects", "client_incapacitated", "client_present"],
        auths: &[],
        restrictions: &[],
    },
    // 108–109: serious threat, duty to protect.
    Template {
        weight: 5,
        jurisdiction: "US-CA",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "potential_victim",
        names: &["J. Doe"],
        same_organization: false,
        purpose: "prevent_serious_threat",
        categories: &["progress_notes", "demographics"],
        facts: &["serious_imminent_threat", "identifiable_victim", "recipient_can_prevent_or_lessen"],
        varying: &["identifiable_victim"],
        auths: &[],
        restrictions: &[],
    },
    // 110–112: abuse reports.
    Template {
        weight: 6,
        jurisdiction: "US-CA",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "child_welfare_agency",
        names: &["County CPS"],
        same_organization: false,
        purpose: "report_child_abuse",
        categories: &["demographics", "progress_notes"],
        facts: &["suspected_child_abuse"],
        varying: &[],
        auths: &[],
        restrictions: &[],
    },
    Template {
        weight: 4,
        jurisdiction: "US-CA",
        organization_policy: "default",
        role: "nurse",
        status: "active",
        part2: false,
        recipient: "adult_protective_services",
        names: &["County APS"],
        same_organization: false,
        purpose: "report_elder_abuse",
        categories: &["demographics", "progress_notes"],
        facts: &["suspected_elder_abuse"],
        varying: &["client_agrees", "required_by_law"],
        auths: &[],
        restrictions: &[],
    },
    // 113–115: Part 2 programs.
    Template {
        weight: 8,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: true,
        recipient: "emergency_provider",
        names: &["Mercy ED"],
        same_organization: false,
        purpose: "emergency",
        categories: &["substance_use", "medications"],
        facts: &["medical_emergency"],
        varying: &["medical_emergency"],
        auths: &[("part2", &["substance_use", "medications"], false, false)],
        restrictions: &[],
    },
    Template {
        weight: 3,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: true,
        recipient: "court",
        names: &["Superior Court"],
        same_organization: false,
        purpose: "judicial_proceeding",
        categories: &["substance_use"],
        facts: &["subpoena"],
        varying: &["court_order"],
        auths: &[],
        restrictions: &[],
    },
    // 116–119: courts and police.
    Template {
        weight: 5,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "court",
        names: &["District Court"],
        same_organization: false,
        purpose: "judicial_proceeding",
        categories: &["diagnosis"],
        facts: &["court_order"],
        varying: &["court_order", "subpoena", "satisfactory_assurance"],
        auths: &[],
        restrictions: &[],
    },
    Template {
        weight: 4,
        jurisdiction: "US",
        organization_policy: "default",
        role: "peer_support_specialist",
        status: "active",
        part2: false,
        recipient: "law_enforcement",
        names: &["City PD"],
        same_organization: false,
        purpose: "law_enforcement",
        categories: &["demographics", "diagnosis"],
        facts: &[],
        varying: &["warrant", "court_order"],
        auths: &[],
        restrictions: &[],
    },
    // 120–126: employers and authorizations.
    Template {
        weight: 8,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "employer",
        names: &["Acme Logistics"],
        same_organization: false,
        purpose: "employment",
        categories: &["diagnosis", "psychotherapy_notes"],
        facts: &[],
        varying: &[],
        auths: &[
            ("hipaa", &["diagnosis"], false, false),
            ("hipaa", &["psychotherapy_notes"], false, false),
            ("hipaa", &["diagnosis"], true, false),
        ],
        restrictions: &[],
    },
    Template {
        weight: 3,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "employer",
        names: &["Acme Logistics"],
        same_organization: false,
        purpose: "employment",
        categories: &["diagnosis"],
        facts: &[],
        varying: &[],
        auths: &[("hipaa", &["diagnosis"], false, true)],
        restrictions: &[],
    },
    // 128–129: discharged and deceased clients.
    Template {
        weight: 3,
        jurisdiction: "US",
        organization_policy: "default",
        role: "peer_support_specialist",
        status: "discharged",
        part2: false,
        recipient: "family_or_friend",
        names: &["Former roommate"],
        same_organization: false,
        purpose: "care_involvement",
        categories: &["diagnosis", "appointments"],
        facts: &[],
        varying: &["client_agrees"],
        auths: &[],
        restrictions: &[],
    },
    Template {
        weight: 2,
        jurisdiction: "US",
        organization_policy: "none",
        role: "psychotherapist",
        status: "deceased",
        part2: false,
        recipient: "family_or_friend",
        names: &["Ana"],
        same_organization: false,
        purpose: "care_involvement",
        categories: &["medications"],
        facts: &["recipient_involved_in_care"],
        varying: &["client_objects"],
        auths: &[],
        restrictions: &[],
    },
    // 130–131: payment and the self-pay restriction.
    Template {
        weight: 6,
        jurisdiction: "US",
        organization_policy: "none",
        role: "administrative_staff",
        status: "active",
        part2: false,
        recipient: "health_plan",
        names: &["Medi-Cal", "Blue Plan"],
        same_organization: false,
        purpose: "payment",
        categories: &["billing", "diagnosis"],
        facts: &[],
        varying: &["paid_in_full_out_of_pocket"],
        auths: &[],
        restrictions: &[(&["billing"], false)],
    },
    // 132–134: marketing, research, the workforce.
    Template {
        weight: 2,
        jurisdiction: "US",
        organization_policy: "default",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "business_associate",
        names: &["WellnessCo"],
        same_organization: false,
        purpose: "marketing",
        categories: &["demographics"],
        facts: &[],
        varying: &[],
        auths: &[],
        restrictions: &[],
    },
    Template {
        weight: 2,
        jurisdiction: "US",
        organization_policy: "none",
        role: "psychotherapist",
        status: "active",
        part2: false,
        recipient: "researcher",
        names: &["State University"],
        same_organization: false,
        purpose: "research",
        categories: &["diagnosis"],
        facts: &["irb_waiver"],
        varying: &["irb_waiver"],
        auths: &[],
        restrictions: &[],
    },
    Template {
        weight: 7,
        jurisdiction: "US",
        organization_policy: "default",
        role: "peer_support_specialist",
        status: "active",
        part2: false,
        recipient: "workforce_member",
        names: &["Care coordinator"],
        same_organization: true,
        purpose: "treatment",
        categories: &["appointments", "peer_support_notes"],
        facts: &[],
        varying: &[],
        auths: &[],
        restrictions: &[(&["peer_support_notes"], true)],
    },
];

/// SplitMix64: small, deterministic, good enough for a workload mix.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }
}

/// A date `days` after 2024-01-01, kept simple: 28-day months.
fn date(days: u64) -> String {
    let (year, rest) = (2024 + days / 336, days % 336);
    format!("{year:04}-{:02}-{:02}", rest / 28 + 1, rest % 28 + 1)
}

fn request(rng: &mut Rng, t: &Template) -> Value {
    let as_of_days = 336 + rng.below(336 * 2); // 2025-01-01 ..= 2026-12-28
    let flip = |rng: &mut Rng, value: &'static str, other: &'static str| if rng.chance(20) { other } else { value };
    let jurisdiction = flip(rng, t.jurisdiction, if t.jurisdiction == "US" { "US-CA" } else { "US" });
    let organization_policy = flip(rng, t.organization_policy, if t.organization_policy == "default" { "none" } else { "default" });
    let role = if rng.chance(15) { rng.pick(Role::ALL).as_str() } else { t.role };
    let age = if rng.chance(15) { 65 + rng.below(30) } else { 18 + rng.below(50) };

    let mut categories: Vec<&str> = t.categories.to_vec();
    if rng.chance(25) {
        let extra = rng.pick(Category::ALL).as_str();
        if !categories.contains(&extra) {
            categories.push(extra);
        }
    }
    let mut facts = serde_json::Map::new();
    for f in t.facts {
        facts.insert((*f).to_string(), json!(true));
    }
    if !t.varying.is_empty() && rng.chance(40) {
        let f = rng.pick(t.varying);
        let on = facts.get(*f).and_then(Value::as_bool).unwrap_or(false);
        facts.insert((*f).to_string(), json!(!on));
    }

    let name = if t.names.is_empty() { None } else { Some(*rng.pick(t.names)) };
    let mut recipient = json!({ "kind": t.recipient, "same_organization": t.same_organization });
    if let Some(n) = name {
        recipient["name"] = json!(n);
    }
    let mut client = json!({ "age": age, "status": t.status, "part2_program": t.part2 });
    if t.status == "deceased" {
        client["died_on"] = json!(date(as_of_days - 1 - rng.below(300)));
    }
    let authorizations: Vec<Value> = t
        .auths
        .iter()
        .enumerate()
        .map(|(i, (kind, cats, expired, revoked))| {
            let mut a = json!({
                "id": format!("auth-{}", i + 1), "kind": kind, "signed_by": "client",
                "signed_on": date(as_of_days - 30 - rng.below(200)),
                "categories": cats,
                "recipients": [{ "kind": t.recipient, "name": name }],
                "purposes": [t.purpose],
                "expires_on": if *expired { date(as_of_days - 1 - rng.below(20)) } else { date(as_of_days + 1 + rng.below(300)) },
                "revoked_on": null,
                "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
            });
            if *revoked {
                a["revoked_on"] = json!(date(as_of_days - rng.below(20)));
            }
            a
        })
        .collect();
    let restrictions: Vec<Value> = t
        .restrictions
        .iter()
        .map(|(cats, agreed)| json!({ "categories": cats, "recipient_kinds": [t.recipient], "purposes": [t.purpose], "agreed": agreed }))
        .collect();
    json!({
        "as_of": date(as_of_days),
        "jurisdiction": jurisdiction,
        "organization_policy": organization_policy,
        "discloser": { "role": role },
        "client": client,
        "recipient": recipient,
        "purpose": t.purpose,
        "categories": categories,
        "facts": facts,
        "authorizations": authorizations,
        "restrictions": restrictions,
    })
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(100_000, |a| a.parse().expect("N must be a whole number"));
    let seed: u64 = args.next().map_or(0xC0FF_1DA7, |a| a.parse().expect("the seed must be a whole number"));
    let total: u32 = TEMPLATES.iter().map(|t| t.weight).sum();
    let mut rng = Rng(seed);
    let mut out = BufWriter::new(io::stdout().lock());
    out.write_all(b"[")?;
    for i in 0..n {
        let mut ticket = u32::try_from(rng.below(u64::from(total))).unwrap();
        let template = TEMPLATES
            .iter()
            .find(|t| {
                let hit = ticket < t.weight;
                ticket = ticket.saturating_sub(t.weight);
                hit
            })
            .unwrap();
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &request(&mut rng, template))?;
    }
    out.write_all(b"]\n")?;
    out.flush()
}
