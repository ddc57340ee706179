//! The clusters table: add, list, find, update and remove clusters, their encrypted passwords,
//! and the one-time encryption of passwords an older starmon stored in clear.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use secrecy::SecretString;
use tracing::info;

use super::{all_rows, conflict_on_duplicate, first_row, now_ms, SqliteStore};
use crate::model::{ClusterRecord, ClusterUpdate, NewCluster};
use crate::secretbox::{self, SecretBox};
use crate::store::StoreError;

/// Encrypts, in one transaction, the passwords written in clear before encryption existed.
pub(super) fn encrypt_clear_passwords(
    conn: &mut Connection,
    secrets: &SecretBox,
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT id, password FROM clusters")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut encrypted = 0;
    for (id, password) in rows {
        if secretbox::is_encrypted(&password) {
            continue;
        }
        let stored = secrets.encrypt(&SecretString::from(password))?;
        tx.execute(
            "UPDATE clusters SET password = ?1 WHERE id = ?2",
            params![stored, id],
        )?;
        encrypted += 1;
    }
    tx.commit()?;
    if encrypted > 0 {
        info!(
            clusters = encrypted,
            "encrypted cluster passwords stored in clear"
        );
    }
    Ok(())
}

const CLUSTER_COLUMNS: &str = "id, name, fe_host, fe_query_port, fe_http_port, user, created_at";

fn decode_cluster(row: &Row<'_>) -> Result<ClusterRecord, StoreError> {
    Ok(ClusterRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        fe_host: row.get(2)?,
        fe_query_port: decode_port(row.get(3)?, "fe_query_port")?,
        fe_http_port: decode_port(row.get(4)?, "fe_http_port")?,
        user: row.get(5)?,
        created_at: row.get(6)?,
    })
}

pub(super) fn cluster_ids(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM clusters ORDER BY id")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// The cluster whose `column` (a fixed column name, never user input) equals `key`.
fn one_cluster(
    store: &SqliteStore,
    column: &str,
    key: rusqlite::types::Value,
) -> Result<Option<ClusterRecord>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CLUSTER_COLUMNS} FROM clusters WHERE {column} = ?1"
    ))?;
    first_row(&mut stmt, [key], decode_cluster)
}

fn decode_port(v: i64, column: &str) -> Result<u16, StoreError> {
    u16::try_from(v).map_err(|_| StoreError::Corrupt(format!("{column} {v} is not a port")))
}

pub(super) fn add_cluster(
    store: &SqliteStore,
    c: &NewCluster,
) -> Result<ClusterRecord, StoreError> {
    let conn = store.conn();
    let created_at = now_ms();
    conn.prepare_cached(
        "INSERT INTO clusters
             (name, fe_host, fe_query_port, fe_http_port, user, password, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        c.name,
        c.fe_host,
        c.fe_query_port,
        c.fe_http_port,
        c.user,
        store.secrets.encrypt(&c.password)?,
        created_at
    ])
    .map_err(|e| {
        conflict_on_duplicate(e, || format!("a cluster named {:?} already exists", c.name))
    })?;
    Ok(ClusterRecord {
        id: conn.last_insert_rowid(),
        name: c.name.clone(),
        fe_host: c.fe_host.clone(),
        fe_query_port: c.fe_query_port,
        fe_http_port: c.fe_http_port,
        user: c.user.clone(),
        created_at,
    })
}

pub(super) fn list_clusters(store: &SqliteStore) -> Result<Vec<ClusterRecord>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CLUSTER_COLUMNS} FROM clusters ORDER BY name"
    ))?;
    all_rows(&mut stmt, [], decode_cluster)
}

pub(super) fn cluster_by_name(
    store: &SqliteStore,
    name: &str,
) -> Result<Option<ClusterRecord>, StoreError> {
    one_cluster(
        store,
        "name",
        rusqlite::types::Value::Text(name.to_string()),
    )
}

pub(super) fn cluster_by_id(
    store: &SqliteStore,
    id: i64,
) -> Result<Option<ClusterRecord>, StoreError> {
    one_cluster(store, "id", rusqlite::types::Value::Integer(id))
}

pub(super) fn cluster_password(
    store: &SqliteStore,
    cluster_id: i64,
) -> Result<Option<SecretString>, StoreError> {
    let conn = store.read()?;
    let password: Option<String> = conn
        .prepare_cached("SELECT password FROM clusters WHERE id = ?1")?
        .query_row([cluster_id], |r| r.get(0))
        .optional()?;
    password
        .map(|p| {
            store.secrets.decrypt(&p).map_err(|_| {
                StoreError::Secret(secretbox::SecretError::Unreadable {
                    what: format!("the password of cluster {cluster_id}"),
                    key: secretbox::key_path(&store.path),
                })
            })
        })
        .transpose()
}

pub(super) fn update_cluster(
    store: &SqliteStore,
    id: i64,
    u: &ClusterUpdate,
) -> Result<Option<ClusterRecord>, StoreError> {
    let password = u
        .password
        .as_ref()
        .map(|p| store.secrets.encrypt(p))
        .transpose()?;
    {
        let conn = store.conn();
        let n = conn
            .prepare_cached(
                "UPDATE clusters SET
                     name = COALESCE(?1, name),
                     fe_host = COALESCE(?2, fe_host),
                     fe_query_port = COALESCE(?3, fe_query_port),
                     fe_http_port = COALESCE(?4, fe_http_port),
                     user = COALESCE(?5, user),
                     password = COALESCE(?6, password)
                 WHERE id = ?7",
            )?
            .execute(params![
                u.name,
                u.fe_host,
                u.fe_query_port,
                u.fe_http_port,
                u.user,
                password,
                id
            ])
            .map_err(|e| {
                conflict_on_duplicate(e, || {
                    format!(
                        "a cluster named {:?} already exists",
                        u.name.as_deref().unwrap_or_default()
                    )
                })
            })?;
        if n == 0 {
            return Ok(None);
        }
    }
    cluster_by_id(store, id)
}

pub(super) fn remove_cluster(store: &SqliteStore, name: &str) -> Result<bool, StoreError> {
    let conn = store.conn();
    // The history goes with it through ON DELETE CASCADE.
    let n = conn
        .prepare_cached("DELETE FROM clusters WHERE name = ?1")?
        .execute([name])?;
    Ok(n > 0)
}
