//! The accounting of disclosures and the audit log.

#[allow(clippy::wildcard_imports)]
use super::*;

// ── accounting, audit, review, rules ─────────────────────────────────────

/// The accounting a client is handed; printable.
pub fn accounting(viewer: &Viewer, client: &Client, accounting: &Accounting) -> Markup {
    frame(
        Some(viewer),
        &format!("Accounting of disclosures — {}", client.name),
        None,
        html! {
            p { "Disclosures from " (accounting.since) " to " (accounting.as_of) " that the law requires us to list (45 CFR 164.528)." }
            @if accounting.entries.is_empty() { p { "No such disclosures were made in this period." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Date" } th scope="col" { "Recipient" } th scope="col" { "Information" } th scope="col" { "Purpose or basis" } } }
                    tbody {
                        @for e in &accounting.entries {
                            tr {
                                td { (e.disclosed_on) }
                                td { (e.recipient_name.clone().unwrap_or_else(|| humanize(e.recipient_kind.as_str()))) @if let Some(a) = &e.recipient_address { br; (a) } }
                                td { (e.description) }
                                td { (e.statement) @if let Some(old) = &e.corrects { br; span.muted { "Corrects entry " (old) } } }
                            }
                        }
                    }
                }
            }
            @if accounting.suspended_entries > 0 {
                p { "Some disclosures to a health oversight agency or law enforcement are left out for now, at that agency's request (45 CFR 164.528(a)(2))." }
            }
            p.muted { "Not listed, as the law allows: disclosures for treatment, payment and health care operations; to the client; under the client's written authorization; and to people involved in the client's care." }
            p.noprint { button type="button" data-print { "Print" } }
        },
    )
}

/// The audit log: the signed head, whether it verifies, recent entries.
pub fn audit(
    viewer: &Viewer,
    head: Option<&SignedTreeHead>,
    public_key: Option<&str>,
    verification: Option<&AuditVerification>,
    entries: &[AuditEntry],
) -> Markup {
    frame(
        Some(viewer),
        "Audit log",
        None,
        html! {
            section.card {
                h2 { "Signed tree head" }
                @if let Some(head) = head {
                    dl.facts {
                        dt { "Entries" } dd { (head.head.size) }
                        dt { "Root" } dd { code { (hex(&head.head.root)) } }
                        dt { "Signed at (ms)" } dd { (head.head.timestamp_ms) }
                        @if let Some(key) = public_key { dt { "Log public key" } dd { code { (key) } } }
                    }
                } @else { p { "The log is empty." } }
                @match verification {
                    Some(v) => @match &v.problem {
                        None => p.flash.ok { "Verified: " (v.size) " entries and " (v.heads_checked) " signed heads recomputed; nothing was changed." },
                        Some(problem) => p.flash.err role="alert" { "Verification failed: " (problem.to_string()) },
                    },
                    None => form method="post" action=(routes::AUDIT_VERIFY) { (csrf_field(viewer)) button type="submit" { "Verify the whole log now" } },
                }
            }
            h2 { "Latest entries" }
            table {
                thead { tr { th scope="col" { "Entry" } th scope="col" { "When (UTC ms)" } th scope="col" { "What" } th scope="col" { "Who" } th scope="col" { "Client" } th scope="col" { "Information" } th scope="col" { "Proof" } } }
                tbody {
                    @for e in entries {
                        tr class=(if e.break_glass { "flagged" } else { "" }) {
                            td { (e.seq) }
                            td { (e.at_ms) }
                            td { (humanize(e.kind.as_str())) @if e.break_glass { " " span class="badge badge-bad" { "Break-glass" } } }
                            td { (e.actor.as_deref().unwrap_or("—")) }
                            td { (e.client_id.as_deref().unwrap_or("—")) }
                            td { (e.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { a href=(routes::audit_entry(e.seq)) { "Inclusion proof" } }
                        }
                    }
                }
            }
        },
    )
}

/// One entry's inclusion proof against the signed head.
pub fn audit_proof(viewer: &Viewer, entry: &AuditEntry, proof: &InclusionProof, head: &SignedTreeHead, verified: bool) -> Markup {
    frame(
        Some(viewer),
        &format!("Audit entry {}", entry.seq),
        None,
        html! {
            p class=(if verified { "flash ok" } else { "flash err" }) { @if verified { "Verified: the tree head's signature checks out under this server's log key, and this entry's proof leads to that head's root." } @else { "NOT verified: the tree head's signature or this entry's proof does not check out." } }
            dl.facts {
                dt { "Leaf hash" } dd { code { (entry.leaf_hash.to_hex()) } }
                dt { "Tree size" } dd { (proof.tree_size) }
                dt { "Signed root" } dd { code { (hex(&head.head.root)) } }
            }
            h2 { "Audit path (leaf to root)" }
            ol { @for h in &proof.path { li { code { (hex(h)) } } } }
            p.muted { "Anyone can check this with the log's public key: " code { "confidant audit check-proof FILE --public-key KEY" } " on the JSON from " code { "GET /v1/audit/entries/" (entry.seq) "/proof" } "." }
        },
    )
}
