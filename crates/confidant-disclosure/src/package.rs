//! The disclosure package: what goes to the recipient. JSON for systems, a
//! page for people; both hold only the released records, a cover listing
//! what was withheld and why, the obligations, the Part 2 redisclosure
//! notice when the decision carries it, and where the release sits in the
//! audit log (entry number and signed tree head) so its inclusion can be
//! proved later.

use confidant_audit::SignedTreeHead;
use confidant_policy::vocab::{Category, ObligationKind, Outcome, Purpose};
use confidant_policy::{Date, Decision, Recipient, plain_category};
use confidant_store::{Birth, Client, Record, RecordedDisclosure, Staff, date_from_unix_days};
use serde::Serialize;

use crate::html::{escape, page};

/// The abbreviated notice 42 CFR 2.32(a)(2) allows to accompany each
/// disclosure of Part 2 records made with the patient's consent.
pub const REDISCLOSURE_NOTICE: &str = "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";

/// A released record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackageRecord {
    /// The record's id in the vault (for demographics, `<client>-demographics`).
    pub id: String,
    /// The day it was written.
    pub written_on: Date,
    /// The staff member who wrote it (`vault` for the client's identifying
    /// details).
    pub author_id: String,
    /// The record's text, decrypted for this release.
    pub content: String,
}

/// One released category with its records.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReleasedCategory {
    /// The category released.
    pub category: Category,
    /// `required` or `permit`: whether the law required this disclosure.
    pub outcome: Outcome,
    /// The provisions that allow or require it.
    pub cites: Vec<String>,
    /// Its records that went; may be empty when none are on file.
    pub records: Vec<PackageRecord>,
}

/// One withheld category and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WithheldCategory {
    /// The category withheld.
    pub category: Category,
    /// Why, in one sentence (the deciding rule's summary).
    pub reason: String,
    /// The provisions that withhold it.
    pub cites: Vec<String>,
}

/// Why psychotherapy notes the law would let go were held back.
pub(crate) const NOTES_HELD_BACK: &str =
    "psychotherapy notes go only from their author, or from the privacy officer under a signed authorization on file";

/// Records the decision allowed but the releaser may not hand over, by
/// category. Told to the releaser, never put in what the recipient gets:
/// saying that notes exist is itself a disclosure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeldBack {
    /// The category the records belong to (only psychotherapy notes are
    /// ever held back).
    pub category: Category,
    /// How many of its records were held back.
    pub records: usize,
    /// Why the releaser may not hand them over.
    pub reason: String,
}

impl HeldBack {
    pub(crate) fn count(categories: &[Category]) -> Vec<HeldBack> {
        let mut out: Vec<HeldBack> = Vec::new();
        for c in categories {
            match out.iter_mut().find(|h| h.category == *c) {
                Some(h) => h.records += 1,
                None => out.push(HeldBack { category: *c, records: 1, reason: NOTES_HELD_BACK.into() }),
            }
        }
        out
    }
}

/// Who received it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackageRecipient {
    /// The recipient kind's wire spelling, e.g. `treating_provider`.
    pub kind: String,
    /// The recipient's name, when the request gave one.
    pub name: Option<String>,
    /// Where the package was sent, when given.
    pub address: Option<String>,
}

/// Everything released in one disclosure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Package {
    /// The disclosure's id in the vault.
    pub disclosure_id: String,
    /// The vault's date of the release, never the request's.
    pub disclosed_on: Date,
    /// The client whose information went.
    pub client_id: String,
    /// The client's name, so the recipient can match the records.
    pub client_name: String,
    /// The staff member who released it.
    pub discloser_id: String,
    /// Who received it.
    pub recipient: PackageRecipient,
    /// Why it was disclosed.
    pub purpose: Purpose,
    /// The categories that went, with their records.
    pub released: Vec<ReleasedCategory>,
    /// The requested categories that did not go, and why.
    pub withheld: Vec<WithheldCategory>,
    /// What the discloser must still do, in words.
    pub obligations: Vec<String>,
    /// [`REDISCLOSURE_NOTICE`] when Part 2 records went under consent
    /// (42 CFR 2.32); the recipient must not redisclose them.
    pub redisclosure_notice: Option<String>,
    /// The accounting of disclosures entry it was recorded in, when the
    /// decision obliged one (45 CFR 164.528).
    pub accounting_entry_id: Option<String>,
    /// The sequence number of the audit log entry that records the release.
    pub audit_entry: u64,
    /// A signed tree head covering that entry, so its inclusion can be
    /// proved later.
    pub tree_head: Option<SignedTreeHead>,
    /// The full decision, for the record.
    pub decision: Decision,
    /// For the releaser only (not serialized into the package).
    #[serde(skip)]
    pub held_back: Vec<HeldBack>,
}

impl Package {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        client: &Client,
        staff: &Staff,
        recipient: &Recipient,
        address: Option<String>,
        purpose: Purpose,
        on: Date,
        decision: Decision,
        records: Vec<Record>,
        recorded: RecordedDisclosure,
        tree_head: Option<SignedTreeHead>,
        dropped: &[Category],
        held_back: Vec<HeldBack>,
    ) -> Package {
        let released = decision
            .categories
            .iter()
            .filter(|c| c.outcome != Outcome::Deny && !dropped.contains(&c.category))
            .map(|c| ReleasedCategory {
                category: c.category,
                outcome: c.outcome,
                cites: c.cites.clone(),
                records: demographics(client, c.category, on)
                    .into_iter()
                    .chain(records.iter().filter(|r| r.category == c.category).map(|r| PackageRecord {
                        id: r.id.clone(),
                        written_on: date_from_unix_days(r.created_at.div_euclid(86_400)),
                        author_id: r.author_id.clone(),
                        content: r.content.clone().unwrap_or_default(),
                    }))
                    .collect(),
            })
            .collect();
        let withheld = decision
            .categories
            .iter()
            .filter(|c| c.outcome == Outcome::Deny)
            .map(|c| WithheldCategory {
                category: c.category,
                reason: c.reason.clone().unwrap_or_else(|| "No rule allows this disclosure.".to_string()),
                cites: c.cites.clone(),
            })
            .collect();
        let notice = decision.obligations.iter().any(|o| o.kind == ObligationKind::RedisclosureNotice);
        Package {
            disclosure_id: recorded.disclosure_id,
            disclosed_on: on,
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            discloser_id: staff.id.clone(),
            recipient: PackageRecipient { kind: recipient.kind.as_str().to_string(), name: recipient.name.clone(), address },
            purpose,
            released,
            withheld,
            obligations: decision.obligations.iter().map(|o| o.detail.clone()).collect(),
            redisclosure_notice: notice.then(|| REDISCLOSURE_NOTICE.to_string()),
            accounting_entry_id: recorded.accounting_entry_id,
            audit_entry: recorded.audit_seq,
            tree_head,
            decision,
            held_back,
        }
    }

    /// Every released record, in category order.
    pub fn records(&self) -> impl Iterator<Item = (&Category, &PackageRecord)> {
        self.released.iter().flat_map(|c| c.records.iter().map(move |r| (&c.category, r)))
    }

    /// The human-readable page.
    pub fn to_html(&self) -> String {
        let mut body = String::new();
        body.push_str("<h1>Disclosure of health information</h1>\n");
        if let Some(notice) = &self.redisclosure_notice {
            body.push_str(&format!("<p class=\"notice\" role=\"note\"><strong>Notice to the recipient.</strong> {}</p>\n", escape(notice)));
        }
        body.push_str("<table>\n");
        let rows = [
            ("Client", format!("{} ({})", self.client_name, self.client_id)),
            ("Date", self.disclosed_on.to_string()),
            ("To", recipient_line(&self.recipient)),
            ("Purpose", self.purpose.as_str().replace('_', " ")),
            ("Released by", self.discloser_id.clone()),
            ("Disclosure", self.disclosure_id.clone()),
        ];
        for (label, value) in rows {
            body.push_str(&format!("<tr><th scope=\"row\">{label}</th><td>{}</td></tr>\n", escape(&value)));
        }
        body.push_str("</table>\n<h2>Released</h2>\n");
        for category in &self.released {
            body.push_str(&format!(
                "<h3>{} <span class=\"muted\">({}; {})</span></h3>\n",
                escape(&capital(plain_category(category.category))),
                crate::outcome_word(category.outcome),
                escape(&category.cites.join("; "))
            ));
            if category.records.is_empty() {
                body.push_str("<p class=\"muted\">No records of this kind are on file.</p>\n");
            }
            for record in &category.records {
                body.push_str(&format!(
                    "<article><p class=\"muted\">Record {} written {} by {}</p><pre>{}</pre></article>\n",
                    escape(&record.id),
                    record.written_on,
                    escape(&record.author_id),
                    escape(&record.content)
                ));
            }
        }
        if !self.withheld.is_empty() {
            body.push_str("<h2>Withheld</h2>\n<ul>\n");
            for category in &self.withheld {
                body.push_str(&format!(
                    "<li><strong>{}</strong>: {} <span class=\"muted\">({})</span></li>\n",
                    escape(&capital(plain_category(category.category))),
                    escape(&category.reason),
                    escape(&category.cites.join("; "))
                ));
            }
            body.push_str("</ul>\n");
        }
        if !self.obligations.is_empty() {
            body.push_str("<h2>Conditions of this release</h2>\n<ul>\n");
            for obligation in &self.obligations {
                body.push_str(&format!("<li>{}</li>\n", escape(obligation)));
            }
            body.push_str("</ul>\n");
        }
        body.push_str(&format!(
            "<p class=\"muted\">Recorded as entry {} of the audit log{}.</p>\n",
            self.audit_entry,
            self.tree_head
                .as_ref()
                .map(|h| format!(" (signed tree head: size {}, root {})", h.head.size, hex(&h.head.root)))
                .unwrap_or_default()
        ));
        page(&format!("Disclosure {}", self.disclosure_id), &body)
    }
}

/// The client's identifying details as a record of the package, when
/// demographics are released: they live on the client, not in a record.
fn demographics(client: &Client, category: Category, on: Date) -> Option<PackageRecord> {
    if category != Category::Demographics {
        return None;
    }
    let mut lines = vec![format!("Name: {}", client.name)];
    match client.birth {
        Birth::DateOfBirth(day) => lines.push(format!("Date of birth: {day}")),
        Birth::Age { .. } => {
            if let Some(age) = client.birth.age_on(on) {
                lines.push(format!("Age: {age}"));
            }
        }
    }
    if let Some(contact) = &client.contact {
        lines.push(format!("Contact: {contact}"));
    }
    Some(PackageRecord { id: format!("{}-demographics", client.id), written_on: on, author_id: "vault".into(), content: lines.join("\n") })
}

pub(crate) fn recipient_line(recipient: &PackageRecipient) -> String {
    let mut parts = vec![recipient.name.clone().unwrap_or_else(|| recipient.kind.replace('_', " "))];
    if recipient.name.is_some() {
        parts.push(format!("({})", recipient.kind.replace('_', " ")));
    }
    if let Some(address) = &recipient.address {
        parts.push(format!("— {address}"));
    }
    parts.join(" ")
}

pub(crate) fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
