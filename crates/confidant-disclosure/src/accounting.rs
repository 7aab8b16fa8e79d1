//! A client's accounting of disclosures (45 CFR 164.528) in the forms it is
//! handed over: plain text, JSON, and a printable page. Each entry gives the
//! date, the recipient and their address when known, a description of the
//! information and a statement of the purpose or basis.

use confidant_store::Accounting;

use crate::html::{escape, page};
use crate::package::capital;

/// The accounting as JSON (the store's types serialized).
pub fn to_json(accounting: &Accounting) -> serde_json::Value {
    serde_json::to_value(accounting).unwrap_or(serde_json::Value::Null)
}

fn recipient(entry: &confidant_store::AccountingEntry) -> String {
    let kind = entry.recipient_kind.as_str().replace('_', " ");
    let mut text = match &entry.recipient_name {
        Some(name) => format!("{name} ({kind})"),
        None => capital(&kind),
    };
    if let Some(address) = &entry.recipient_address {
        text.push_str(&format!(", {address}"));
    }
    text
}

fn corrected_note(entry: &confidant_store::AccountingEntry) -> Option<String> {
    entry.corrects.as_ref().map(|old| format!("This entry corrects entry {old}."))
}

/// The accounting as text for a terminal or a letter.
pub fn to_text(accounting: &Accounting) -> String {
    let mut out =
        format!("Accounting of disclosures for client {} from {} to {}\n", accounting.client_id, accounting.since, accounting.as_of);
    if accounting.entries.is_empty() {
        out.push_str("\nNo disclosures that must be accounted for were made in this period.\n");
    }
    for entry in &accounting.entries {
        out.push_str(&format!(
            "\n{}  {}\n  Information: {}\n  Purpose: {}\n",
            entry.disclosed_on,
            recipient(entry),
            entry.description,
            entry.statement
        ));
        if let Some(note) = corrected_note(entry) {
            out.push_str(&format!("  {note}\n"));
        }
    }
    if accounting.suspended_entries > 0 || !accounting.suspensions_in_force.is_empty() {
        out.push_str(&suspension_text(accounting));
    }
    out.push_str(&format!("\n{}\n", EXEMPT_NOTE));
    out
}

/// Why some disclosures are not listed, in the words handed to the client.
const EXEMPT_NOTE: &str = "Not listed, as the law allows (45 CFR 164.528(a)(1)): disclosures for your treatment, \
for payment and for health care operations; disclosures to you; disclosures you authorized in writing; \
and disclosures to people involved in your care. Disclosures of substance use disorder treatment records made with \
your written consent are listed whatever their purpose (42 CFR 2.25(a)).";

fn suspension_text(accounting: &Accounting) -> String {
    let until = accounting.suspensions_in_force.iter().map(|s| s.until).max();
    format!(
        "\nAt the request of a health oversight agency or law enforcement official, disclosures to that agency \
         are temporarily left out of this accounting (45 CFR 164.528(a)(2)){}.\n",
        until.map(|d| format!(" until {d}")).unwrap_or_default()
    )
}

/// The printable page handed to the client.
pub fn to_html(accounting: &Accounting) -> String {
    let mut body = format!(
        "<h1>Accounting of disclosures</h1>\n<p>Client {} — disclosures from {} to {}.</p>\n",
        escape(&accounting.client_id),
        accounting.since,
        accounting.as_of
    );
    if accounting.entries.is_empty() {
        body.push_str("<p>No disclosures that must be accounted for were made in this period.</p>\n");
    } else {
        body.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Recipient</th>\
             <th scope=\"col\">Information</th><th scope=\"col\">Purpose or basis</th></tr></thead>\n<tbody>\n",
        );
        for entry in &accounting.entries {
            let note = corrected_note(entry).map(|n| format!("<br><span class=\"muted\">{}</span>", escape(&n))).unwrap_or_default();
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{note}</td></tr>\n",
                entry.disclosed_on,
                escape(&recipient(entry)),
                escape(&entry.description),
                escape(&entry.statement)
            ));
        }
        body.push_str("</tbody>\n</table>\n");
    }
    if accounting.suspended_entries > 0 || !accounting.suspensions_in_force.is_empty() {
        body.push_str(&format!("<p>{}</p>\n", escape(suspension_text(accounting).trim())));
    }
    body.push_str(&format!("<p class=\"muted\">{}</p>\n", escape(EXEMPT_NOTE)));
    page(&format!("Accounting of disclosures — {}", accounting.client_id), &body)
}
