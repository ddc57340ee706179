//! The detail history: one collection (snapshot, node samples, disk paths, status) written in one
//! transaction, or many of one cluster for a back-fill, and read back as rows, latest values or
//! downsampled buckets.

use std::sync::LazyLock;

use rusqlite::{params, Connection, Row, ToSql, Transaction, TransactionBehavior};

use super::columns::{
    bind_node, bind_snapshot, placeholders, read_node, read_snapshot, NODE_COLUMNS,
    SNAPSHOT_COLUMNS,
};
use super::{all_rows, conflict_on_duplicate, first_row, SqliteStore};
use crate::model::{
    Collected, CollectionStatus, DiskPath, NodeKind, NodeSample, Outcome, Snapshot, SourceError,
};
use crate::store::{bucket_start, Agg, Buckets, StoreError};

static INSERT_SNAPSHOT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO metrics_snapshots (cluster_id, {}) VALUES ({})",
        SNAPSHOT_COLUMNS.join(", "),
        placeholders(SNAPSHOT_COLUMNS.len() + 1)
    )
});

static SELECT_SNAPSHOTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM metrics_snapshots
         WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
         ORDER BY collected_at",
        SNAPSHOT_COLUMNS.join(", ")
    )
});

static SELECT_LATEST_SNAPSHOT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM metrics_snapshots WHERE cluster_id = ?1
         ORDER BY collected_at DESC LIMIT 1",
        SNAPSHOT_COLUMNS.join(", ")
    )
});

static SELECT_LATEST_USABLE_SNAPSHOT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM metrics_snapshots s WHERE cluster_id = ?1
         AND NOT EXISTS (SELECT 1 FROM collection_status c WHERE c.cluster_id = s.cluster_id
                         AND c.collected_at = s.collected_at AND c.outcome = 'failed')
         ORDER BY collected_at DESC LIMIT 1",
        SNAPSHOT_COLUMNS.join(", ")
    )
});

/// The columns before the measured ones in INSERT_NODE / SELECT_NODES.
const NODE_FIXED: &str = "cluster_id, collected_at, node_id, kind, host, alive, role";

static INSERT_NODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO node_samples ({NODE_FIXED}, {}) VALUES ({})",
        NODE_COLUMNS.join(", "),
        placeholders(NODE_COLUMNS.len() + 7)
    )
});

static SELECT_NODES_AT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {NODE_FIXED}, {} FROM node_samples
         WHERE cluster_id = ?1 AND collected_at = ?2
         ORDER BY kind, node_id",
        NODE_COLUMNS.join(", ")
    )
});

static SELECT_NODES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {NODE_FIXED}, {} FROM node_samples
         WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3 AND node_id = ?4
         ORDER BY collected_at",
        NODE_COLUMNS.join(", ")
    )
});

// Decoding of values whose SQL type is wider than the Rust one.

fn decode_snapshot(row: &Row<'_>) -> Result<Snapshot, StoreError> {
    let mut s = Snapshot::default();
    read_snapshot(row, 0, &mut s)?;
    Ok(s)
}

/// A `collection_status` row selected as (collected_at, outcome, duration_ms, errors).
fn decode_status(row: &Row<'_>) -> Result<CollectionStatus, StoreError> {
    let errors: String = row.get(3)?;
    let errors: Vec<SourceError> = serde_json::from_str(&errors)
        .map_err(|e| StoreError::Corrupt(format!("collection_status.errors {errors:?}: {e}")))?;
    Ok(CollectionStatus {
        collected_at: row.get(0)?,
        outcome: decode_outcome(&row.get::<_, String>(1)?)?,
        duration_ms: row.get(2)?,
        errors,
    })
}

/// A `node_samples` row selected as NODE_FIXED then NODE_COLUMNS; its disks are read apart.
fn decode_node(row: &Row<'_>) -> Result<NodeSample, StoreError> {
    let mut n = NodeSample {
        node_id: row.get(2)?,
        kind: decode_kind(row.get(3)?)?,
        host: row.get(4)?,
        alive: row.get(5)?,
        role: row.get(6)?,
        ..NodeSample::default()
    };
    read_node(row, 7, &mut n)?;
    Ok(n)
}

fn decode_kind(s: Option<String>) -> Result<Option<NodeKind>, StoreError> {
    match s.as_deref() {
        None => Ok(None),
        Some("fe") => Ok(Some(NodeKind::Fe)),
        Some("be") => Ok(Some(NodeKind::Be)),
        Some("cn") => Ok(Some(NodeKind::Cn)),
        Some(other) => Err(StoreError::Corrupt(format!("unknown node kind {other:?}"))),
    }
}

fn decode_outcome(s: &str) -> Result<Outcome, StoreError> {
    match s {
        "ok" => Ok(Outcome::Ok),
        "partial" => Ok(Outcome::Partial),
        "failed" => Ok(Outcome::Failed),
        other => Err(StoreError::Corrupt(format!(
            "unknown collection outcome {other:?}"
        ))),
    }
}

/// The requested columns of `table` aggregated per bucket (min, sum, max, count of the known
/// values). Column names are checked against `known` before they reach the SQL text.
#[allow(clippy::too_many_arguments)]
fn buckets(
    store: &SqliteStore,
    table: &str,
    known: &[&str],
    node_id: Option<&str>,
    cluster_id: i64,
    columns: &[String],
    from_ms: i64,
    to_ms: i64,
    step_ms: i64,
) -> Result<Buckets, StoreError> {
    if step_ms <= 0 {
        return Err(StoreError::Invalid(format!("bucket width {step_ms} ms")));
    }
    let mut select = String::new();
    for c in columns {
        if !known.contains(&c.as_str()) || c == "collected_at" {
            return Err(StoreError::Invalid(format!("no numeric column {c:?}")));
        }
        select.push_str(", ");
        select.push_str(c);
    }
    let node_filter = if node_id.is_some() {
        "AND node_id = ?4"
    } else {
        ""
    };
    // Rows come in key order; grouping them here as they stream by is cheaper than a GROUP BY,
    // which SQLite would do with a temporary B-tree.
    let sql = format!(
        "SELECT collected_at{select} FROM {table}
         WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3 {node_filter}
         ORDER BY collected_at"
    );
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = match node_id {
        Some(n) => stmt.query(params![cluster_id, from_ms, to_ms, n])?,
        None => stmt.query(params![cluster_id, from_ms, to_ms])?,
    };
    let mut out: Buckets = Vec::new();
    while let Some(row) = rows.next()? {
        let t: i64 = row.get(0)?;
        let bucket = bucket_start(from_ms, step_ms, t);
        if out.last().is_none_or(|(b, _)| *b != bucket) {
            out.push((bucket, vec![None; columns.len()]));
        }
        let Some((_, aggs)) = out.last_mut() else {
            continue;
        };
        for (i, agg) in aggs.iter_mut().enumerate() {
            let Some(v) = row.get::<_, Option<f64>>(i + 1)? else {
                continue;
            };
            Agg::fold(agg, v);
        }
    }
    Ok(out)
}

pub(super) fn write_collection(
    store: &SqliteStore,
    cluster_id: i64,
    snapshot: &Snapshot,
    nodes: &[NodeSample],
    status: &CollectionStatus,
) -> Result<(), StoreError> {
    let mut conn = store.conn();
    let tx = begin_writing(&mut conn, cluster_id)?;
    insert_collection(&tx, cluster_id, snapshot, nodes, status)?;
    tx.commit()?;
    Ok(())
}

/// Many collections of one cluster in one transaction, each written as [`write_collection`]
/// writes it: all of them or, on the first error, none.
pub(super) fn write_collections(
    store: &SqliteStore,
    cluster_id: i64,
    collections: impl IntoIterator<Item = Collected>,
) -> Result<usize, StoreError> {
    let mut conn = store.conn();
    let tx = begin_writing(&mut conn, cluster_id)?;
    let mut written = 0;
    for c in collections {
        insert_collection(&tx, cluster_id, &c.snapshot, &c.nodes, &c.status)?;
        written += 1;
    }
    tx.commit()?;
    Ok(written)
}

/// A write transaction for the history of a cluster that exists.
fn begin_writing(conn: &mut Connection, cluster_id: i64) -> Result<Transaction<'_>, StoreError> {
    // IMMEDIATE: take the write lock now, so another process's writer makes us wait
    // (busy timeout) instead of failing at the first INSERT.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists = tx
        .prepare_cached("SELECT 1 FROM clusters WHERE id = ?1")?
        .exists([cluster_id])?;
    if !exists {
        return Err(StoreError::NotFound(format!("cluster id {cluster_id}")));
    }
    Ok(tx)
}

/// The snapshot, its node samples with their disk paths, and the status, inside `tx`.
fn insert_collection(
    tx: &Transaction<'_>,
    cluster_id: i64,
    snapshot: &Snapshot,
    nodes: &[NodeSample],
    status: &CollectionStatus,
) -> Result<(), StoreError> {
    let errors = serde_json::to_string(&status.errors).map_err(|e| {
        StoreError::Corrupt(format!("collection errors do not encode as JSON: {e}"))
    })?;
    let at = snapshot.collected_at;

    let mut values: Vec<&dyn ToSql> = vec![&cluster_id];
    values.extend(bind_snapshot(snapshot));
    tx.prepare_cached(&INSERT_SNAPSHOT)?
        .execute(&*values)
        .map_err(|e| {
            conflict_on_duplicate(e, || {
                format!("cluster id {cluster_id} already has a snapshot at {at}")
            })
        })?;

    {
        let mut insert_node = tx.prepare_cached(&INSERT_NODE)?;
        let mut insert_disk = tx.prepare_cached(
            "INSERT INTO node_disks
                 (cluster_id, collected_at, node_id, path, total_bytes, avail_bytes,
                  data_used_bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for n in nodes {
            let kind = n.kind.map(NodeKind::as_str);
            let mut values: Vec<&dyn ToSql> = vec![
                &cluster_id,
                &at,
                &n.node_id,
                &kind,
                &n.host,
                &n.alive,
                &n.role,
            ];
            values.extend(bind_node(n));
            insert_node.execute(&*values).map_err(|e| {
                conflict_on_duplicate(e, || {
                    format!(
                        "node {:?} appears twice in the collection at {at}",
                        n.node_id
                    )
                })
            })?;
            for d in &n.disks {
                insert_disk
                    .execute(params![
                        cluster_id,
                        at,
                        n.node_id,
                        d.path,
                        d.total_bytes,
                        d.avail_bytes,
                        d.data_used_bytes
                    ])
                    .map_err(|e| {
                        conflict_on_duplicate(e, || {
                            format!("path {:?} appears twice on node {:?}", d.path, n.node_id)
                        })
                    })?;
            }
        }
    }

    tx.prepare_cached(
        "INSERT INTO collection_status (cluster_id, collected_at, outcome, duration_ms, errors)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        cluster_id,
        status.collected_at,
        status.outcome.as_str(),
        status.duration_ms,
        errors
    ])
    .map_err(|e| {
        conflict_on_duplicate(e, || {
            format!(
                "cluster id {cluster_id} already has a status at {}",
                status.collected_at
            )
        })
    })?;
    Ok(())
}

pub(super) fn latest_snapshot(
    store: &SqliteStore,
    cluster_id: i64,
) -> Result<Option<Snapshot>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(&SELECT_LATEST_SNAPSHOT)?;
    first_row(&mut stmt, [cluster_id], decode_snapshot)
}

pub(super) fn latest_usable_snapshot(
    store: &SqliteStore,
    cluster_id: i64,
) -> Result<Option<Snapshot>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(&SELECT_LATEST_USABLE_SNAPSHOT)?;
    first_row(&mut stmt, [cluster_id], decode_snapshot)
}

pub(super) fn snapshots(
    store: &SqliteStore,
    cluster_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Snapshot>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(&SELECT_SNAPSHOTS)?;
    all_rows(
        &mut stmt,
        params![cluster_id, from_ms, to_ms],
        decode_snapshot,
    )
}

pub(super) fn snapshot_buckets(
    store: &SqliteStore,
    cluster_id: i64,
    columns: &[String],
    from_ms: i64,
    to_ms: i64,
    step_ms: i64,
) -> Result<Buckets, StoreError> {
    buckets(
        store,
        "metrics_snapshots",
        SNAPSHOT_COLUMNS,
        None,
        cluster_id,
        columns,
        from_ms,
        to_ms,
        step_ms,
    )
}

pub(super) fn node_buckets(
    store: &SqliteStore,
    cluster_id: i64,
    node_id: &str,
    columns: &[String],
    from_ms: i64,
    to_ms: i64,
    step_ms: i64,
) -> Result<Buckets, StoreError> {
    buckets(
        store,
        "node_samples",
        NODE_COLUMNS,
        Some(node_id),
        cluster_id,
        columns,
        from_ms,
        to_ms,
        step_ms,
    )
}

pub(super) fn statuses(
    store: &SqliteStore,
    cluster_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<CollectionStatus>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(
        "SELECT collected_at, outcome, duration_ms, errors FROM collection_status
         WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
         ORDER BY collected_at",
    )?;
    all_rows(
        &mut stmt,
        params![cluster_id, from_ms, to_ms],
        decode_status,
    )
}

pub(super) fn latest_statuses(
    store: &SqliteStore,
    cluster_id: i64,
    limit: u32,
) -> Result<Vec<CollectionStatus>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(
        "SELECT collected_at, outcome, duration_ms, errors FROM collection_status
         WHERE cluster_id = ?1 ORDER BY collected_at DESC LIMIT ?2",
    )?;
    all_rows(&mut stmt, params![cluster_id, limit], decode_status)
}

pub(super) fn node_samples(
    store: &SqliteStore,
    cluster_id: i64,
    node_id: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(i64, NodeSample)>, StoreError> {
    let conn = store.read()?;
    let mut out: Vec<(i64, NodeSample)> = {
        let mut stmt = conn.prepare_cached(&SELECT_NODES)?;
        all_rows(
            &mut stmt,
            params![cluster_id, from_ms, to_ms, node_id],
            |row| Ok((row.get(1)?, decode_node(row)?)),
        )?
    };

    // Disks come in the same time order; attach each to its sample in one pass.
    let mut stmt = conn.prepare_cached(
        "SELECT collected_at, path, total_bytes, avail_bytes, data_used_bytes FROM node_disks
         WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3 AND node_id = ?4
         ORDER BY collected_at, path",
    )?;
    let mut rows = stmt.query(params![cluster_id, from_ms, to_ms, node_id])?;
    let mut samples = out.iter_mut().peekable();
    while let Some(row) = rows.next()? {
        let at: i64 = row.get(0)?;
        let disk = DiskPath {
            path: row.get(1)?,
            total_bytes: row.get(2)?,
            avail_bytes: row.get(3)?,
            data_used_bytes: row.get(4)?,
        };
        while samples.next_if(|(t, _)| *t < at).is_some() {}
        match samples.peek_mut() {
            Some((t, n)) if *t == at => n.disks.push(disk),
            // The foreign key makes a disk without its sample impossible.
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "disk {:?} of node {node_id:?} at {at} has no node sample",
                    disk.path
                )))
            }
        }
    }
    Ok(out)
}

pub(super) fn latest_nodes(
    store: &SqliteStore,
    cluster_id: i64,
) -> Result<Option<(i64, Vec<NodeSample>)>, StoreError> {
    let conn = store.read()?;
    let at: Option<i64> = conn
        .prepare_cached("SELECT MAX(collected_at) FROM node_samples WHERE cluster_id = ?1")?
        .query_row([cluster_id], |r| r.get(0))?;
    let Some(at) = at else { return Ok(None) };
    let mut nodes: Vec<NodeSample> = {
        let mut stmt = conn.prepare_cached(&SELECT_NODES_AT)?;
        all_rows(&mut stmt, params![cluster_id, at], decode_node)?
    };
    let mut stmt = conn.prepare_cached(
        "SELECT node_id, path, total_bytes, avail_bytes, data_used_bytes FROM node_disks
         WHERE cluster_id = ?1 AND collected_at = ?2 ORDER BY node_id, path",
    )?;
    let mut rows = stmt.query(params![cluster_id, at])?;
    while let Some(row) = rows.next()? {
        let node_id: String = row.get(0)?;
        let disk = DiskPath {
            path: row.get(1)?,
            total_bytes: row.get(2)?,
            avail_bytes: row.get(3)?,
            data_used_bytes: row.get(4)?,
        };
        match nodes.iter_mut().find(|n| n.node_id == node_id) {
            Some(n) => n.disks.push(disk),
            None => {
                return Err(StoreError::Corrupt(format!(
                    "disk {:?} of node {node_id:?} at {at} has no node sample",
                    disk.path
                )))
            }
        }
    }
    Ok(Some((at, nodes)))
}
