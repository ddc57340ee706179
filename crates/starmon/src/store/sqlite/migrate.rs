//! The schema: versioned migrations from `migrations/`, applied in order on open, append only.

use rusqlite::{params, Connection, TransactionBehavior};
use tracing::info;

use super::now_ms;
use crate::store::StoreError;

/// Versioned migrations, applied in order, each in its own transaction. Append only: a released
/// migration is never edited.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/0001_initial.sql"
        )),
    },
    Migration {
        version: 2,
        name: "auth",
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/0002_auth.sql"
        )),
    },
    Migration {
        version: 3,
        name: "alerts",
        sql: include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/0003_alerts.sql"
        )),
    },
];

pub(super) struct Migration {
    pub(super) version: i64,
    name: &'static str,
    sql: &'static str,
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at INTEGER NOT NULL
         ) STRICT",
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    for m in MIGRATIONS {
        // IMMEDIATE, and the version read inside: two processes starting together apply each
        // migration once.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = schema_version(&tx)?;
        if current > known {
            return Err(StoreError::Migration(format!(
                "the database schema is version {current}, but this starmon knows versions up \
                 to {known}: the file was written by a newer starmon; upgrade starmon or use \
                 another database file"
            )));
        }
        if m.version <= current {
            continue;
        }
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Migration(format!("migration {:04}_{} failed: {e}", m.version, m.name))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, now_ms()],
        )?;
        tx.commit()?;
        info!(
            version = m.version,
            name = m.name,
            "applied database migration"
        );
    }
    Ok(())
}

pub(super) fn schema_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?)
}
