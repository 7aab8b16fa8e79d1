//! `confidant record import FILE`: bulk import of records from JSON Lines,
//! one transaction per batch (`App::import_records`: the operator's or an
//! admin's, with one audit entry per client in the batch). Lines are parsed and
//! checked here (shape, field types, category) and by the store (client,
//! author, id, content), and every failure names the line. Batches already
//! committed stay: a bad line costs only its own batch, which the message
//! says, so a rerun can start from that batch's first line.
//!
//! Progress goes to standard error after each commit (`committed ... through
//! line N`), so a long import shows where it is, and a killed one where to
//! resume.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

use confidant_app::{Actor, App, AppError};
use confidant_policy::vocab::Category;
use confidant_store::{NewRecord, Store, StoreError};
use serde_json::Value;

use crate::Failure;
use crate::vault::{Location, block_on, expected, open, store_failure};

/// The fields a line may hold; everything else is refused, so a misspelt
/// optional field (`"ID"`) is not silently dropped.
const FIELDS: &[&str] = &["client", "category", "author", "content", "id"];

pub fn run(location: &Location, file: &str, batch: u32) -> Result<(), Failure> {
    // Open the input before the vault, so an unreadable file changes nothing.
    let input: Box<dyn BufRead> = if file == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        let f = File::open(file).map_err(|e| Failure::Input(format!("FILE: a readable file ({file}: {e})")))?;
        Box::new(BufReader::with_capacity(1 << 16, f))
    };
    let batch = usize::try_from(batch).map_err(|_| Failure::Input("--batch: a smaller number".into()))?;
    block_on(async {
        let store = open(location).await?;
        let result = match crate::vault::actor(&store, location, "--as", None).await {
            Ok(actor) => import(&store, &actor, input, batch).await,
            Err(e) => Err(e),
        };
        store.close().await;
        let totals = result?;
        writeln!(io::stdout().lock(), "imported {} records in {} batches", totals.records, totals.batches)
            .map_err(|e| Failure::Internal(e.to_string()))
    })
}

#[derive(Default)]
struct Totals {
    records: usize,
    batches: usize,
}

async fn import(store: &Store, actor: &Actor, input: Box<dyn BufRead>, batch_size: usize) -> Result<Totals, Failure> {
    let mut totals = Totals::default();
    let mut batch: Vec<NewRecord> = Vec::with_capacity(batch_size);
    // The line number of each record in `batch`, to name the line a store error is about.
    let mut lines: Vec<usize> = Vec::with_capacity(batch_size);
    let mut last_line = 0usize;
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        last_line = number;
        let line = line.map_err(|e| failed(&totals, &lines, number, format!("readable UTF-8 text ({e})")))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = parse_line(&line).map_err(|message| failed(&totals, &lines, number, message))?;
        batch.push(record);
        lines.push(number);
        if batch.len() == batch_size {
            commit(store, actor, &mut batch, &mut lines, &mut totals, number).await?;
        }
    }
    if !batch.is_empty() {
        commit(store, actor, &mut batch, &mut lines, &mut totals, last_line).await?;
    }
    Ok(totals)
}

async fn commit(
    store: &Store,
    actor: &Actor,
    batch: &mut Vec<NewRecord>,
    lines: &mut Vec<usize>,
    totals: &mut Totals,
    through: usize,
) -> Result<(), Failure> {
    let records = std::mem::take(batch);
    let count = records.len();
    let stored = match App::new(store, store).import_records(actor, records).await {
        Ok(ids) => Ok(ids),
        Err(AppError::Store(e)) => Err(e),
        // Refused (not an admin): nothing was written, nothing to resume.
        Err(other) => return Err(crate::vault::app_failure(other)),
    };
    match stored {
        Ok(_) => {
            totals.records += count;
            totals.batches += 1;
            lines.clear();
            let _ = writeln!(
                io::stderr().lock(),
                "committed batch {} ({} records so far) through line {through}",
                totals.batches,
                totals.records
            );
            Ok(())
        }
        Err(StoreError::InBatch { index, source }) => {
            let number = lines.get(index).copied().unwrap_or(through);
            let failure = store_failure(*source);
            Err(match failure {
                Failure::Input(message) => failed(totals, lines, number, message),
                Failure::Internal(message) | Failure::Check(message) | Failure::Denied(message) => {
                    Failure::Internal(format!("line {number}: {message}{}", aftermath(totals, lines)))
                }
            })
        }
        Err(e) => Err(match store_failure(e) {
            Failure::Input(message) => Failure::Input(format!("{message}{}", aftermath(totals, lines))),
            Failure::Internal(message) | Failure::Check(message) | Failure::Denied(message) => {
                Failure::Internal(format!("{message}{}", aftermath(totals, lines)))
            }
        }),
    }
}

/// Bad input on line `number`: the message names the line and field, then
/// what was and was not stored.
fn failed(totals: &Totals, lines: &[usize], number: usize, message: String) -> Failure {
    Failure::Input(format!("line {number}: {message}{}", aftermath(totals, lines)))
}

fn aftermath(totals: &Totals, lines: &[usize]) -> String {
    let first = lines.first().copied();
    let batch = match first {
        Some(first) => format!("nothing from this batch (from line {first}) was stored"),
        None => "nothing from this batch was stored".to_string(),
    };
    if totals.records == 0 {
        format!(" ({batch}; nothing was imported)")
    } else {
        format!(" ({batch}; the {} records of the {} earlier batches were imported and stay)", totals.records, totals.batches)
    }
}

/// One line as a new record; the error names the field and what it should hold.
fn parse_line(line: &str) -> Result<NewRecord, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("a JSON object ({e})"))?;
    let Value::Object(object) = value else {
        return Err("a JSON object with client, category, author, content and optional id".into());
    };
    if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("{unknown}: not a record field (expected client, category, author, content, id)"));
    }
    let text = |field: &str| -> Result<String, String> {
        match object.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{field}: a string")),
            None => Err(format!("{field}: present (a string)")),
        }
    };
    let id = match object.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("id: a string".into()),
    };
    let category = text("category")?;
    let category = Category::parse(&category).ok_or_else(|| match expected("category", Category::expected(), &category) {
        Failure::Input(m) | Failure::Internal(m) | Failure::Check(m) | Failure::Denied(m) => m,
    })?;
    Ok(NewRecord { id, client_id: text("client")?, category, author_id: text("author")?, content: text("content")? })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_line_names_the_field_it_lacks_or_gets_wrong() {
        let ok = parse_line(r#"{"client":"cl-1","category":"diagnosis","author":"st-1","content":"x","id":"rec-1"}"#).unwrap();
        assert_eq!((ok.id.as_deref(), ok.client_id.as_str(), ok.category), (Some("rec-1"), "cl-1", Category::Diagnosis));
        let cases = [
            (r#"{"category":"diagnosis","author":"st-1","content":"x"}"#, "client: "),
            (r#"{"client":"cl-1","category":"horoscope","author":"st-1","content":"x"}"#, "category: one of"),
            (r#"{"client":"cl-1","category":"diagnosis","author":7,"content":"x"}"#, "author: a string"),
            (r#"{"client":"cl-1","category":"diagnosis","author":"st-1","content":"x","ID":"r"}"#, "ID: not a record field"),
            (r#"["cl-1"]"#, "a JSON object"),
            ("{not json", "a JSON object ("),
        ];
        for (line, start) in cases {
            let err = parse_line(line).unwrap_err();
            assert!(err.starts_with(start), "{line} → {err}");
        }
    }
}
