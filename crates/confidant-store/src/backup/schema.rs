//! What a backup needs to know of the schema, read from the database itself
//! rather than listed by hand (so a table added by a later migration is
//! backed up without touching this code): the tables, their columns with a
//! portable type, the foreign keys, and an order that puts every table after
//! the tables it references.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::BackupError;
use crate::db::Backend;
use crate::error::StoreError;

/// The migrator's own bookkeeping, never backed up (restore re-creates it).
pub(crate) const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// A column's type, the same on both backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ColumnType {
    Integer,
    Real,
    Text,
    Blob,
}

impl ColumnType {
    fn of_declared(declared: &str) -> Option<ColumnType> {
        let d = declared.to_ascii_lowercase();
        if d.contains("int") {
            Some(ColumnType::Integer)
        } else if d.contains("double") || d.contains("real") || d.contains("float") {
            Some(ColumnType::Real)
        } else if d.contains("blob") || d == "bytea" {
            Some(ColumnType::Blob)
        } else if d.contains("text") || d.contains("char") {
            Some(ColumnType::Text)
        } else {
            None
        }
    }
}

/// One column: its name and type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

/// A foreign key of one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ForeignKey {
    pub column: String,
    pub parent: String,
    pub parent_column: String,
}

/// A table's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    /// The foreign key that points at this same table, if any (rows must then
    /// be ordered so a referenced row comes first).
    pub fn self_reference(&self) -> Option<&ForeignKey> {
        self.foreign_keys.iter().find(|fk| fk.parent == self.name)
    }
}

/// Reads every table of the vault, in an order where each table follows
/// those it references.
pub(crate) async fn tables(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<Table>, BackupError> {
    let list = match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    let names: Vec<String> = sqlx::query(list)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from)?
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .collect::<Result<_, _>>()
        .map_err(StoreError::from)?;
    let mut tables = Vec::new();
    for name in names.into_iter().filter(|n| n != MIGRATIONS_TABLE) {
        let columns = columns(conn, backend, &name).await?;
        let foreign_keys = foreign_keys(conn, backend, &name).await?;
        tables.push(Table { name, columns, foreign_keys });
    }
    order(tables)
}

async fn columns(conn: &mut AnyConnection, backend: Backend, table: &str) -> Result<Vec<Column>, BackupError> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type AS declared FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text AS name, data_type::text AS declared FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql).bind(table.to_string()).fetch_all(&mut *conn).await.map_err(StoreError::from)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("name").map_err(StoreError::from)?;
        let declared: String = row.try_get("declared").map_err(StoreError::from)?;
        let kind = ColumnType::of_declared(&declared)
            .ok_or_else(|| BackupError::Schema(format!("column `{table}.{name}` has a type backups do not carry (`{declared}`)")))?;
        out.push(Column { name, kind });
    }
    Ok(out)
}

async fn foreign_keys(conn: &mut AnyConnection, backend: Backend, table: &str) -> Result<Vec<ForeignKey>, BackupError> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT \"from\" AS col, \"table\" AS parent, COALESCE(\"to\", 'id') AS parent_col FROM pragma_foreign_key_list($1)"
        }
        Backend::Postgres => {
            "SELECT a.attname::text AS col, p.relname::text AS parent, pa.attname::text AS parent_col \
             FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_class p ON p.oid = c.confrelid \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] \
             WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1"
        }
    };
    let rows = sqlx::query(sql).bind(table.to_string()).fetch_all(&mut *conn).await.map_err(StoreError::from)?;
    rows.iter()
        .map(|row| {
            Ok(ForeignKey {
                column: row.try_get("col").map_err(StoreError::from)?,
                parent: row.try_get("parent").map_err(StoreError::from)?,
                parent_column: row.try_get("parent_col").map_err(StoreError::from)?,
            })
        })
        .collect()
}

/// Orders tables so that each follows every table it references (ties by
/// name, so the order is stable); a cycle is refused.
fn order(tables: Vec<Table>) -> Result<Vec<Table>, BackupError> {
    let mut pending: BTreeMap<String, Table> = tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<String> = pending
            .values()
            .filter(|t| {
                t.foreign_keys.iter().all(|fk| fk.parent == t.name || placed.contains(&fk.parent) || !pending_has(&pending, &fk.parent))
            })
            .map(|t| t.name.clone())
            .collect();
        if ready.is_empty() {
            let names: Vec<&String> = pending.keys().collect();
            return Err(BackupError::Schema(format!("the foreign keys of {names:?} form a cycle")));
        }
        for name in ready {
            if let Some(table) = pending.remove(&name) {
                placed.insert(name);
                out.push(table);
            }
        }
    }
    Ok(out)
}

fn pending_has(pending: &BTreeMap<String, Table>, name: &str) -> bool {
    pending.contains_key(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![],
            foreign_keys: parents
                .iter()
                .map(|p| ForeignKey { column: format!("{p}_id"), parent: (*p).into(), parent_column: "id".into() })
                .collect(),
        }
    }

    #[test]
    fn tables_follow_the_tables_they_reference_and_cycles_are_refused() {
        let ordered = order(vec![
            table("records", &["clients", "staff", "data_keys"]),
            table("clients", &["data_keys"]),
            table("staff", &["data_keys"]),
            table("data_keys", &["key_encryption_keys"]),
            table("key_encryption_keys", &[]),
            table("accounting_entries", &["accounting_entries", "clients"]),
        ])
        .unwrap();
        let names: Vec<&str> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["key_encryption_keys", "data_keys", "clients", "staff", "accounting_entries", "records"]);
        assert!(order(vec![table("a", &["b"]), table("b", &["a"])]).is_err());
        assert_eq!(ColumnType::of_declared("DOUBLE PRECISION"), Some(ColumnType::Real));
        assert_eq!(ColumnType::of_declared("bytea"), Some(ColumnType::Blob));
        assert_eq!(ColumnType::of_declared("BIGINT"), Some(ColumnType::Integer));
        assert_eq!(ColumnType::of_declared("character varying"), Some(ColumnType::Text));
    }
}
