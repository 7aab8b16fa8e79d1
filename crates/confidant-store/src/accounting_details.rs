//! The sealed part of an accounting entry (recipient name and address,
//! description, statement): what the plaintext inside `details` looks like.
//!
//! Two formats, told apart by the plaintext's first byte:
//!
//! - `2` (written since issue 17's accounting work): a fixed binary layout.
//!   Byte 1 says which optional fields are there (bit 0 the recipient's
//!   name, bit 1 its address); then each field present, in the order name,
//!   address, description, statement, as its length (LEB128) and its UTF-8
//!   bytes. Nothing may follow the statement.
//! - `{` (everything written before): a JSON object with the four fields,
//!   each a string or null.
//!
//! Why: opening 10k entries spent about a third of its time parsing JSON;
//! the binary layout reads in a few bounds-checked slices and is about
//! half the JSON's size, so the stored rows are narrower too.

use serde::Deserialize;

/// The binary layout's first byte.
const BINARY: u8 = 2;
/// A JSON object's first byte: the layout before the binary one.
const JSON: u8 = b'{';
const HAS_NAME: u8 = 1;
const HAS_ADDRESS: u8 = 2;

/// The sealed part of an entry, opened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct SealedDetails {
    pub(crate) recipient_name: Option<String>,
    pub(crate) recipient_address: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) statement: Option<String>,
}

/// The plaintext to seal for an entry, in the binary layout.
pub(crate) fn encode(recipient_name: Option<&str>, recipient_address: Option<&str>, description: &str, statement: &str) -> Vec<u8> {
    let fields = [recipient_name, recipient_address, Some(description), Some(statement)];
    let mut out = Vec::with_capacity(2 + fields.iter().flatten().map(|f| f.len() + 2).sum::<usize>());
    out.push(BINARY);
    out.push(if recipient_name.is_some() { HAS_NAME } else { 0 } | if recipient_address.is_some() { HAS_ADDRESS } else { 0 });
    for field in fields.into_iter().flatten() {
        let mut len = field.len();
        while len >= 0x80 {
            out.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// The details in `plain`, in either layout; `None` when it is neither.
pub(crate) fn decode(plain: &[u8]) -> Option<SealedDetails> {
    match *plain.first()? {
        BINARY => decode_binary(plain.get(1..)?),
        JSON => serde_json::from_slice(plain).ok(),
        _ => None,
    }
}

fn decode_binary(bytes: &[u8]) -> Option<SealedDetails> {
    let (&flags, mut rest) = bytes.split_first()?;
    if flags & !(HAS_NAME | HAS_ADDRESS) != 0 {
        return None;
    }
    let mut field = |present: bool| -> Option<Option<String>> {
        if !present {
            return Some(None);
        }
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let (&byte, tail) = rest.split_first()?;
            rest = tail;
            // Four bytes of length are 256 MiB, far past any entry.
            if shift > 21 {
                return None;
            }
            len |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let text = rest.get(..len)?;
        rest = rest.get(len..)?;
        std::str::from_utf8(text).ok().map(|t| Some(t.to_string()))
    };
    let details = SealedDetails {
        recipient_name: field(flags & HAS_NAME != 0)?,
        recipient_address: field(flags & HAS_ADDRESS != 0)?,
        description: field(true)?,
        statement: field(true)?,
    };
    rest.is_empty().then_some(details)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn details(name: Option<&str>, address: Option<&str>, description: &str, statement: &str) -> SealedDetails {
        SealedDetails {
            recipient_name: name.map(str::to_string),
            recipient_address: address.map(str::to_string),
            description: Some(description.to_string()),
            statement: Some(statement.to_string()),
        }
    }

    #[test]
    fn the_binary_layout_reads_back_what_was_written() {
        let long = "é".repeat(300);
        for (name, address, description, statement) in [
            (Some("County Health"), Some("1 Main St"), "Diagnosis", "Public health (45 CFR 164.512(b)(1)(i))."),
            (None, Some("1 Main St"), "", ""),
            (Some(""), None, "Diagnosis", long.as_str()),
            (None, None, long.as_str(), "x"),
        ] {
            let plain = encode(name, address, description, statement);
            assert_eq!(plain[0], BINARY);
            assert_eq!(decode(&plain), Some(details(name, address, description, statement)));
        }
    }

    #[test]
    fn the_binary_layout_is_smaller_than_the_json_it_replaces() {
        let (name, address, description, statement) =
            ("County Health", "1 Main St", "Diagnosis", "Public health (45 CFR 164.512(b)(1)(i)).");
        let json = serde_json::json!({
            "recipient_name": name, "recipient_address": address, "description": description, "statement": statement,
        })
        .to_string();
        let binary = encode(Some(name), Some(address), description, statement);
        assert!(binary.len() * 3 < json.len() * 2, "{} against {}", binary.len(), json.len());
    }

    #[test]
    fn details_written_as_json_before_still_read() {
        let json = br#"{"recipient_name":null,"recipient_address":"1 Main St","description":"Diagnosis","statement":"Public health."}"#;
        assert_eq!(decode(json), Some(details(None, Some("1 Main St"), "Diagnosis", "Public health.")));
        // Fields the JSON leaves out read as absent, as they always did.
        assert_eq!(decode(b"{}"), Some(SealedDetails::default()));
    }

    #[test]
    fn damaged_details_do_not_read() {
        let plain = encode(Some("County Health"), Some("1 Main St"), "Diagnosis", "Public health.");
        // Cut anywhere, or with a byte more: not the layout.
        for cut in 0..plain.len() {
            assert_eq!(decode(&plain[..cut]), None, "cut at {cut}");
        }
        let mut longer = plain.clone();
        longer.push(b'x');
        assert_eq!(decode(&longer), None);
        // Unknown flags, an unknown first byte, text that is not UTF-8, a
        // length past any entry.
        let mut flags = plain.clone();
        flags[1] |= 4;
        assert_eq!(decode(&flags), None);
        assert_eq!(decode(&[3, 0, 0, 0]), None);
        assert_eq!(decode(&[BINARY, 0, 1, 0xff, 0]), None);
        assert_eq!(decode(&[BINARY, 0, 0xff, 0xff, 0xff, 0xff, 0x7f]), None);
        // JSON that is not the details' object.
        assert_eq!(decode(br#"{"recipient_name": 7}"#), None);
        assert_eq!(decode(b"{not json"), None);
    }

    /// Entries written before the binary layout, as that code wrote them
    /// (details sealed as JSON, each under a data key of its own), in a
    /// populated vault of the latest schema: they read as before beside an
    /// entry written now (a correction of one of them, under the client's
    /// key), through each backend's own path as through sqlx, on SQLite
    /// and on PostgreSQL (under `scripts/with-postgres`).
    #[tokio::test]
    async fn entries_written_as_json_before_read_beside_new_ones() {
        use crate::crypto::{DataKey, field_aad};
        for db in crate::testing::test_databases().await {
            let kek = crate::db::populated_vault_at(&db.url, crate::db::latest_migration()).await;
            let store = crate::Store::open(&db.url, crate::KeyRing::new(vec![kek.clone()]).unwrap()).await.unwrap();
            for (n, name) in [(1, serde_json::Value::Null), (2, "County Health".into())] {
                let (id, key_id, key) = (format!("acc-old{n}"), format!("dk-a{n}"), DataKey::generate());
                sqlx::query("INSERT INTO data_keys (id, kek_id, wrapped) VALUES ($1, 'kek-1', $2)")
                    .bind(key_id.clone())
                    .bind(kek.wrap(&key_id, &key).unwrap())
                    .execute(store.pool())
                    .await
                    .unwrap();
                let details = serde_json::json!({
                    "recipient_name": name, "recipient_address": "1 Main St", "description": "Diagnosis", "statement": format!("Case {n}."),
                });
                sqlx::query(
                    "INSERT INTO accounting_entries (id, client_id, disclosure_id, disclosed_on, recorded_at, recipient_kind, \
                     purpose, categories, cites, corrects, data_key_id, details, audit_seq) \
                     VALUES ($1, 'cl', NULL, $2, 0, 'public_health_authority', 'public_health', 'diagnosis', '45 CFR 164.512(b)', NULL, $3, $4, $5)",
                )
                .bind(id.clone())
                .bind(format!("2025-0{n}-01"))
                .bind(key_id)
                .bind(key.seal(&field_aad("accounting_entries", "details", &id), details.to_string().as_bytes()).unwrap())
                .bind(n)
                .execute(store.pool())
                .await
                .unwrap();
            }
            let mut store = store;
            store.enable_audit(confidant_audit::LogSigningKey::from_seed(&[3; 32]), None).await.unwrap();
            let correction = crate::AccountingCorrection {
                recipient_name: Some("County Health Dept.".into()),
                reason: "name as on the letter".into(),
                ..Default::default()
            };
            let new = store.correct_accounting_entry("acc-old2", correction, "st").await.unwrap();
            let read = store.accounting_entries_for_tests("cl", true).await.unwrap();
            assert_eq!(read, store.accounting_entries_for_tests("cl", false).await.unwrap(), "{}", db.name());
            let shown: Vec<_> = read
                .iter()
                .map(|e| (e.id.as_str(), e.recipient_name.as_deref(), e.statement.as_str(), e.corrected_by.as_deref()))
                .collect();
            assert_eq!(
                shown,
                [
                    ("acc-old1", None, "Case 1.", None),
                    ("acc-old2", Some("County Health"), "Case 2.", Some(new.as_str())),
                    (new.as_str(), Some("County Health Dept."), "Case 2.", None),
                ],
                "{}",
                db.name()
            );
            assert!(read.iter().all(|e| e.recipient_address.as_deref() == Some("1 Main St") && e.description == "Diagnosis"));
            // The correction went in under the binary layout.
            let (key_id, sealed): (String, Vec<u8>) = sqlx::query_as("SELECT data_key_id, details FROM accounting_entries WHERE id = $1")
                .bind(new.clone())
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(key_id, "dk-cl");
            let (kek_id, wrapped): (String, Vec<u8>) =
                sqlx::query_as("SELECT kek_id, wrapped FROM data_keys WHERE id = 'dk-cl'").fetch_one(store.pool()).await.unwrap();
            let key = crate::vault::unwrap_with(store.keys(), "dk-cl", &kek_id, &wrapped).unwrap();
            let plain = key.open(&field_aad("accounting_entries", "details", &new), &sealed).unwrap();
            assert_eq!(plain.first(), Some(&BINARY));
            store.close().await;
        }
    }
}
