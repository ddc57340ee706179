//! The SQLite [`Store`]: the only place with SQL. Owns the connection and its pragmas, the
//! versioned migrations, row encoding/decoding, and the rollup and retention queries.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use rusqlite::{
    ffi, params, Connection, ErrorCode, OptionalExtension, Row, ToSql, Transaction,
    TransactionBehavior,
};
use secrecy::SecretString;
use tracing::{debug, info, warn};

use crate::secretbox::{self, SecretBox};

use super::{
    day_start_ms, local_date, Agg, Buckets, DailySnapshot, NodeDiskDaily, RetentionReport,
    RollupReport, Store, StoreError,
};
use crate::model::{
    ClusterRecord, ClusterUpdate, CollectionStatus, DiskPath, NewCluster, NodeKind, NodeSample,
    Outcome, Snapshot, SourceError,
};

/// Versioned migrations, applied in order, each in its own transaction. Append only: a released
/// migration is never edited.
const MIGRATIONS: &[Migration] = &[
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

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// A writer waits this long for another process's lock before failing with SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// After a checkpoint the WAL is truncated back to this, so `size_bytes` does not keep reporting
/// one past burst.
const WAL_SIZE_LIMIT: i64 = 16 * 1024 * 1024;

/// Read connections: API reads run beside each other and beside the collector's writes (WAL lets
/// readers and one writer work at once), instead of queueing on the one writing connection.
const READERS: u32 = 4;

/// Page cache of each read connection, in KiB (negative: SQLite's unit for KiB).
const READ_CACHE_KIB: i64 = -16 * 1024;

type ReadPool = r2d2::Pool<r2d2_sqlite::SqliteConnectionManager>;

pub struct SqliteStore {
    /// The only connection that writes.
    conn: Mutex<Connection>,
    readers: ReadPool,
    path: PathBuf,
    /// Encrypts cluster passwords; its key is in [`secretbox::key_path`] of `path`.
    secrets: SecretBox,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date; loads
    /// the key of stored secrets from `<path>.key` and checks it opens them (creating it only
    /// while nothing is stored, see [`super::keycheck`]), and encrypts any cluster password still
    /// stored in clear by an older starmon.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        create_private(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Before anything reads the schema: a damaged file fails here with a message saying so.
        super::health::check_not_corrupt(&conn, path)?;
        super::health::check_writable(&mut conn, path)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // e.g. a file system without shared memory: still correct, only slower.
            warn!(path = %path.display(), mode, "SQLite refused WAL mode");
        }
        // NORMAL is durable in WAL mode except for the last commits before a power loss.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
        // Enough for every distinct statement below, so none is ever re-prepared.
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn)?;
        let secrets = super::keycheck::open_key(&conn, path)?;
        encrypt_clear_passwords(&mut conn, &secrets)?;
        let manager = r2d2_sqlite::SqliteConnectionManager::file(path)
            .with_flags(
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .with_init(|c| {
                c.busy_timeout(BUSY_TIMEOUT)?;
                // History reads scan thousands of rows: keep more pages. (Mapping the file was
                // as fast, but counts every page touched in the process's resident memory.)
                c.pragma_update(None, "cache_size", READ_CACHE_KIB)?;
                c.set_prepared_statement_cache_capacity(64);
                Ok(())
            });
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .connection_timeout(BUSY_TIMEOUT)
            .build(manager)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            readers,
            path: path.to_path_buf(),
            secrets,
        })
    }

    /// The key that encrypts stored secrets (cluster passwords, channel URLs).
    pub(crate) fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection from the pool.
    pub(crate) fn read(
        &self,
    ) -> Result<r2d2::PooledConnection<r2d2_sqlite::SqliteConnectionManager>, StoreError> {
        Ok(self.readers.get()?)
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (Transaction rolls back
        // on drop), so the connection is still usable.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creates the file readable by its owner only: it holds cluster passwords. SQLite gives the
/// WAL and shared-memory files the same permissions.
#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Encrypts, in one transaction, the passwords written in clear before encryption existed.
fn encrypt_clear_passwords(conn: &mut Connection, secrets: &SecretBox) -> Result<(), StoreError> {
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

fn schema_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// True when `e` is the constraint violation `extended` (e.g. `ffi::SQLITE_CONSTRAINT_UNIQUE`).
fn is_constraint(e: &rusqlite::Error, extended: std::ffi::c_int) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == ErrorCode::ConstraintViolation && f.extended_code == extended)
}

/// Maps a duplicate key to [`StoreError::Conflict`] with `what`, any other error unchanged.
pub(super) fn conflict_on_duplicate(
    e: rusqlite::Error,
    what: impl FnOnce() -> String,
) -> StoreError {
    if is_constraint(&e, ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
        || is_constraint(&e, ffi::SQLITE_CONSTRAINT_UNIQUE)
    {
        StoreError::Conflict(what())
    } else {
        StoreError::Sqlite(e)
    }
}

// ---------------------------------------------------------------------------------------------
// Column lists. Each measured field is named once; the SQL column list, the parameter binding
// and the decoding are generated from that list in the same order, and the compile-time
// pattern below fails to build when model.rs gains a field this list does not mention.

macro_rules! columns {
    (
        $ty:ident { $($field:ident),+ $(,)? }
        handled elsewhere { $($other:ident),* }
        => $names:ident, $bind:ident, $read:ident
    ) => {
        const $names: &[&str] = &[$(stringify!($field)),+];

        fn $bind(v: &$ty) -> Vec<&dyn ToSql> {
            vec![$(&v.$field as &dyn ToSql),+]
        }

        /// Fills the listed fields from consecutive columns starting at `first`.
        fn $read(row: &Row<'_>, first: usize, v: &mut $ty) -> rusqlite::Result<()> {
            let mut i = first;
            $(
                v.$field = row.get(i)?;
                i += 1;
            )+
            let _ = i;
            Ok(())
        }

        const _: fn(&$ty) = |v| {
            let $ty { $($field: _,)+ $($other: _,)* } = v;
        };
    };
}

columns! {
    Snapshot {
        collected_at, interval_secs,
        query_total, query_success, query_error, query_timeout,
        query_latency_p50, query_latency_p90, query_latency_p95, query_latency_p99, qps, rps,
        disk_total_bytes, disk_used_bytes, disk_data_used_bytes, disk_usage_pct,
        max_disk_used_pct, cpu_usage_pct, mem_usage_pct,
        be_node_total, be_node_alive, fe_node_total, fe_node_alive, cn_node_total, cn_node_alive,
        total_tablet_count, total_database_count, total_table_count, total_data_bytes,
        running_queries, connections,
        mv_refresh_running, mv_refresh_success_total, mv_refresh_failed_total,
        txn_begin_total, txn_success_total, txn_failed_total, load_finished_total,
        routine_load_rows_total,
        max_compaction_score, base_compaction_requests_total, base_compaction_failures_total,
        cumulative_compaction_requests_total, cumulative_compaction_failures_total,
        load_running, routine_load_running, routine_load_paused, schema_change_running,
    }
    handled elsewhere {}
    => SNAPSHOT_COLUMNS, bind_snapshot, read_snapshot
}

columns! {
    NodeSample {
        cpu_usage_pct, mem_usage_pct, mem_used_bytes, disk_total_bytes, disk_used_bytes,
        disk_data_used_bytes, max_disk_used_pct, tablets, compaction_score, running_queries,
        net_rx_bytes_per_sec, net_tx_bytes_per_sec, disk_read_bytes_per_sec,
        disk_write_bytes_per_sec, qps, connections, jvm_heap_used_pct, query_latency_p99,
        replayed_journal_id,
    }
    handled elsewhere { node_id, kind, host, alive, role, disks }
    => NODE_COLUMNS, bind_node, read_node
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

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

// ---------------------------------------------------------------------------------------------
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

fn decode_port(v: i64, column: &str) -> Result<u16, StoreError> {
    u16::try_from(v).map_err(|_| StoreError::Corrupt(format!("{column} {v} is not a port")))
}

/// Dates are stored as `YYYY-MM-DD` text so that they sort, compare and read as dates.
fn encode_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn decode_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
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

fn cluster_ids(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM clusters ORDER BY id")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------

impl SqliteStore {
    /// The cluster whose `column` (a fixed column name, never user input) equals `key`.
    fn one_cluster(
        &self,
        column: &str,
        key: rusqlite::types::Value,
    ) -> Result<Option<ClusterRecord>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CLUSTER_COLUMNS} FROM clusters WHERE {column} = ?1"
        ))?;
        let mut rows = stmt.query([key])?;
        match rows.next()? {
            Some(row) => Ok(Some(decode_cluster(row)?)),
            None => Ok(None),
        }
    }
}

impl SqliteStore {
    /// The requested columns of `table` aggregated per bucket (min, sum, max, count of the known
    /// values). Column names are checked against `known` before they reach the SQL text.
    #[allow(clippy::too_many_arguments)]
    fn buckets(
        &self,
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
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = match node_id {
            Some(n) => stmt.query(params![cluster_id, from_ms, to_ms, n])?,
            None => stmt.query(params![cluster_id, from_ms, to_ms])?,
        };
        let mut out: Buckets = Vec::new();
        while let Some(row) = rows.next()? {
            let t: i64 = row.get(0)?;
            let bucket = from_ms + ((t - from_ms) / step_ms) * step_ms;
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
                *agg = Some(match *agg {
                    None => Agg {
                        min: v,
                        sum: v,
                        max: v,
                        count: 1,
                    },
                    Some(a) => Agg {
                        min: a.min.min(v),
                        sum: a.sum + v,
                        max: a.max.max(v),
                        count: a.count + 1,
                    },
                });
            }
        }
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn add_cluster(&self, c: &NewCluster) -> Result<ClusterRecord, StoreError> {
        let conn = self.conn();
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
            self.secrets.encrypt(&c.password)?,
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

    fn list_clusters(&self) -> Result<Vec<ClusterRecord>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CLUSTER_COLUMNS} FROM clusters ORDER BY name"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode_cluster(row)?);
        }
        Ok(out)
    }

    fn cluster_by_name(&self, name: &str) -> Result<Option<ClusterRecord>, StoreError> {
        self.one_cluster("name", rusqlite::types::Value::Text(name.to_string()))
    }

    fn cluster_by_id(&self, id: i64) -> Result<Option<ClusterRecord>, StoreError> {
        self.one_cluster("id", rusqlite::types::Value::Integer(id))
    }

    fn cluster_password(&self, cluster_id: i64) -> Result<Option<SecretString>, StoreError> {
        let conn = self.read()?;
        let password: Option<String> = conn
            .prepare_cached("SELECT password FROM clusters WHERE id = ?1")?
            .query_row([cluster_id], |r| r.get(0))
            .optional()?;
        password
            .map(|p| {
                self.secrets.decrypt(&p).map_err(|_| {
                    StoreError::Secret(secretbox::SecretError::Unreadable {
                        what: format!("the password of cluster {cluster_id}"),
                        key: secretbox::key_path(&self.path),
                    })
                })
            })
            .transpose()
    }

    fn update_cluster(
        &self,
        id: i64,
        u: &ClusterUpdate,
    ) -> Result<Option<ClusterRecord>, StoreError> {
        let password = u
            .password
            .as_ref()
            .map(|p| self.secrets.encrypt(p))
            .transpose()?;
        {
            let conn = self.conn();
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
        self.cluster_by_id(id)
    }

    fn remove_cluster(&self, name: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        // The history goes with it through ON DELETE CASCADE.
        let n = conn
            .prepare_cached("DELETE FROM clusters WHERE name = ?1")?
            .execute([name])?;
        Ok(n > 0)
    }

    fn write_collection(
        &self,
        cluster_id: i64,
        snapshot: &Snapshot,
        nodes: &[NodeSample],
        status: &CollectionStatus,
    ) -> Result<(), StoreError> {
        let errors = serde_json::to_string(&status.errors).map_err(|e| {
            StoreError::Corrupt(format!("collection errors do not encode as JSON: {e}"))
        })?;
        let at = snapshot.collected_at;

        let mut conn = self.conn();
        // IMMEDIATE: take the write lock now, so another process's writer makes us wait
        // (busy timeout) instead of failing at the first INSERT.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists = tx
            .prepare_cached("SELECT 1 FROM clusters WHERE id = ?1")?
            .exists([cluster_id])?;
        if !exists {
            return Err(StoreError::NotFound(format!("cluster id {cluster_id}")));
        }

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
        tx.commit()?;
        Ok(())
    }

    fn latest_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&SELECT_LATEST_SNAPSHOT)?;
        let mut rows = stmt.query([cluster_id])?;
        match rows.next()? {
            Some(row) => Ok(Some(decode_snapshot(row)?)),
            None => Ok(None),
        }
    }

    fn latest_usable_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&SELECT_LATEST_USABLE_SNAPSHOT)?;
        let mut rows = stmt.query([cluster_id])?;
        match rows.next()? {
            Some(row) => Ok(Some(decode_snapshot(row)?)),
            None => Ok(None),
        }
    }

    fn snapshots(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Snapshot>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&SELECT_SNAPSHOTS)?;
        let mut rows = stmt.query(params![cluster_id, from_ms, to_ms])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode_snapshot(row)?);
        }
        Ok(out)
    }

    fn snapshot_buckets(
        &self,
        cluster_id: i64,
        columns: &[String],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Result<Buckets, StoreError> {
        self.buckets(
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

    fn node_buckets(
        &self,
        cluster_id: i64,
        node_id: &str,
        columns: &[String],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Result<Buckets, StoreError> {
        self.buckets(
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

    fn statuses(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CollectionStatus>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT collected_at, outcome, duration_ms, errors FROM collection_status
             WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
             ORDER BY collected_at",
        )?;
        let mut rows = stmt.query(params![cluster_id, from_ms, to_ms])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode_status(row)?);
        }
        Ok(out)
    }

    fn latest_statuses(
        &self,
        cluster_id: i64,
        limit: u32,
    ) -> Result<Vec<CollectionStatus>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT collected_at, outcome, duration_ms, errors FROM collection_status
             WHERE cluster_id = ?1 ORDER BY collected_at DESC LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![cluster_id, limit])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode_status(row)?);
        }
        Ok(out)
    }

    fn node_samples(
        &self,
        cluster_id: i64,
        node_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, NodeSample)>, StoreError> {
        let conn = self.read()?;
        let mut out: Vec<(i64, NodeSample)> = Vec::new();
        {
            let mut stmt = conn.prepare_cached(&SELECT_NODES)?;
            let mut rows = stmt.query(params![cluster_id, from_ms, to_ms, node_id])?;
            while let Some(row) = rows.next()? {
                let mut n = NodeSample {
                    node_id: row.get(2)?,
                    kind: decode_kind(row.get(3)?)?,
                    host: row.get(4)?,
                    alive: row.get(5)?,
                    role: row.get(6)?,
                    ..NodeSample::default()
                };
                read_node(row, 7, &mut n)?;
                out.push((row.get(1)?, n));
            }
        }

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

    fn latest_nodes(&self, cluster_id: i64) -> Result<Option<(i64, Vec<NodeSample>)>, StoreError> {
        let conn = self.read()?;
        let at: Option<i64> = conn
            .prepare_cached("SELECT MAX(collected_at) FROM node_samples WHERE cluster_id = ?1")?
            .query_row([cluster_id], |r| r.get(0))?;
        let Some(at) = at else { return Ok(None) };
        let mut nodes: Vec<NodeSample> = Vec::new();
        {
            let mut stmt = conn.prepare_cached(&SELECT_NODES_AT)?;
            let mut rows = stmt.query(params![cluster_id, at])?;
            while let Some(row) = rows.next()? {
                let mut n = NodeSample {
                    node_id: row.get(2)?,
                    kind: decode_kind(row.get(3)?)?,
                    host: row.get(4)?,
                    alive: row.get(5)?,
                    role: row.get(6)?,
                    ..NodeSample::default()
                };
                read_node(row, 7, &mut n)?;
                nodes.push(n);
            }
        }
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

    fn rollup_daily(&self, tz: Tz, now_ms: i64) -> Result<RollupReport, StoreError> {
        let today = local_date(tz, now_ms)?;
        // Every instant before today's start belongs to a complete day.
        let complete_before = day_start_ms(tz, today)?;
        let ids = cluster_ids(&self.conn())?;
        let mut report = RollupReport::default();
        for cluster_id in ids {
            // The lock and a transaction per cluster: collectors write between clusters instead
            // of waiting for all of them. Within the transaction a day's growth reads the
            // previous day's rollup, possibly written a moment earlier in the same catch-up.
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut cursor = i64::MIN;
            // Jump from one day with rows to the next, so gaps of any length cost one seek.
            while let Some(first) = tx
                .prepare_cached(
                    "SELECT collected_at FROM metrics_snapshots
                     WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
                     ORDER BY collected_at LIMIT 1",
                )?
                .query_row(params![cluster_id, cursor, complete_before], |r| r.get(0))
                .optional()?
            {
                let day = local_date(tz, first)?;
                let next_day = day
                    .succ_opt()
                    .ok_or_else(|| StoreError::Invalid(format!("date {day} is out of range")))?;
                let next_start = day_start_ms(tz, next_day)?;
                if next_start <= first {
                    // Cannot happen with a consistent zone database; guards the loop's progress.
                    return Err(StoreError::Invalid(format!(
                        "day {day} in {tz} does not contain instant {first}"
                    )));
                }
                if write_day_if_missing(&tx, tz, cluster_id, day, next_start)? {
                    report.days_written += 1;
                    debug!(cluster_id, %day, "wrote daily rollup");
                }
                cursor = next_start;
            }
            tx.commit()?;
        }
        Ok(report)
    }

    fn daily(
        &self,
        cluster_id: i64,
        from_date: NaiveDate,
        to_date: NaiveDate,
    ) -> Result<Vec<DailySnapshot>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT snapshot_date, total_data_bytes, total_tablet_count, total_table_count,
                    total_database_count, daily_data_growth_bytes, daily_tablet_growth,
                    daily_query_total, daily_query_success, daily_query_error, avg_qps,
                    avg_p95_latency, avg_disk_usage_pct, avg_cpu_usage_pct, max_disk_used_pct,
                    samples
             FROM daily_snapshots
             WHERE cluster_id = ?1 AND snapshot_date >= ?2 AND snapshot_date <= ?3
             ORDER BY snapshot_date",
        )?;
        let mut rows = stmt.query(params![
            cluster_id,
            encode_date(from_date),
            encode_date(to_date)
        ])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(DailySnapshot {
                date: decode_date(&row.get::<_, String>(0)?)?,
                total_data_bytes: row.get(1)?,
                total_tablet_count: row.get(2)?,
                total_table_count: row.get(3)?,
                total_database_count: row.get(4)?,
                daily_data_growth_bytes: row.get(5)?,
                daily_tablet_growth: row.get(6)?,
                daily_query_total: row.get(7)?,
                daily_query_success: row.get(8)?,
                daily_query_error: row.get(9)?,
                avg_qps: row.get(10)?,
                avg_p95_latency: row.get(11)?,
                avg_disk_usage_pct: row.get(12)?,
                avg_cpu_usage_pct: row.get(13)?,
                max_disk_used_pct: row.get(14)?,
                samples: row.get(15)?,
            });
        }
        Ok(out)
    }

    fn node_disk_daily(
        &self,
        cluster_id: i64,
        from_date: NaiveDate,
        to_date: NaiveDate,
    ) -> Result<Vec<NodeDiskDaily>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT snapshot_date, node_id, path, max_used_bytes, total_bytes
             FROM node_disk_daily
             WHERE cluster_id = ?1 AND snapshot_date >= ?2 AND snapshot_date <= ?3
             ORDER BY snapshot_date, node_id, path",
        )?;
        let mut rows = stmt.query(params![
            cluster_id,
            encode_date(from_date),
            encode_date(to_date)
        ])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(NodeDiskDaily {
                date: decode_date(&row.get::<_, String>(0)?)?,
                node_id: row.get(1)?,
                path: row.get(2)?,
                max_used_bytes: row.get(3)?,
                total_bytes: row.get(4)?,
            });
        }
        Ok(out)
    }

    fn enforce_retention(
        &self,
        tz: Tz,
        now_ms: i64,
        detail_ms: i64,
        daily_days: u32,
    ) -> Result<RetentionReport, StoreError> {
        if detail_ms < 0 {
            return Err(StoreError::Invalid(format!(
                "detail retention {detail_ms} ms is negative"
            )));
        }
        let detail_cutoff = now_ms.saturating_sub(detail_ms);
        let today = local_date(tz, now_ms)?;
        let oldest_day_kept = today
            .checked_sub_days(Days::new(u64::from(daily_days)))
            .ok_or_else(|| {
                StoreError::Invalid(format!("{daily_days} days before {today} is out of range"))
            })?;
        let oldest_day_kept = encode_date(oldest_day_kept);

        let ids = cluster_ids(&self.conn())?;
        let mut report = RetentionReport::default();
        for cluster_id in ids {
            // The lock and a transaction per cluster, so that a large first clean-up does not
            // hold up every collector. Children first: each DELETE is one primary-key range, and
            // the cascades from the parents then find nothing left to do.
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let detail = params![cluster_id, detail_cutoff];
            tx.prepare_cached(
                "DELETE FROM node_disks WHERE cluster_id = ?1 AND collected_at < ?2",
            )?
            .execute(detail)?;
            report.node_samples_deleted += tx
                .prepare_cached(
                    "DELETE FROM node_samples WHERE cluster_id = ?1 AND collected_at < ?2",
                )?
                .execute(detail)?;
            report.snapshots_deleted += tx
                .prepare_cached(
                    "DELETE FROM metrics_snapshots WHERE cluster_id = ?1 AND collected_at < ?2",
                )?
                .execute(detail)?;
            report.statuses_deleted += tx
                .prepare_cached(
                    "DELETE FROM collection_status WHERE cluster_id = ?1 AND collected_at < ?2",
                )?
                .execute(detail)?;

            let daily = params![cluster_id, oldest_day_kept];
            tx.prepare_cached(
                "DELETE FROM node_disk_daily WHERE cluster_id = ?1 AND snapshot_date < ?2",
            )?
            .execute(daily)?;
            report.daily_deleted += tx
                .prepare_cached(
                    "DELETE FROM daily_snapshots WHERE cluster_id = ?1 AND snapshot_date < ?2",
                )?
                .execute(daily)?;
            tx.commit()?;
        }
        Ok(report)
    }

    fn size_bytes(&self) -> Result<u64, StoreError> {
        let mut wal = OsString::from(self.path.as_os_str());
        wal.push("-wal");
        let mut total = std::fs::metadata(&self.path)?.len();
        match std::fs::metadata(&wal) {
            Ok(m) => total += m.len(),
            // No WAL between a checkpoint-on-close and the next write.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Ok(total)
    }
}

/// Writes the rollup of `day` for one cluster unless it exists; true if it wrote one.
/// `next_start` is the first instant of the following day.
fn write_day_if_missing(
    tx: &Transaction<'_>,
    tz: Tz,
    cluster_id: i64,
    day: NaiveDate,
    next_start: i64,
) -> Result<bool, StoreError> {
    let date = encode_date(day);
    let exists = tx
        .prepare_cached(
            "SELECT 1 FROM daily_snapshots WHERE cluster_id = ?1 AND snapshot_date = ?2",
        )?
        .exists(params![cluster_id, date])?;
    if exists {
        return Ok(false);
    }
    let start = day_start_ms(tz, day)?;

    // Counters are per-interval increases, so a day's total is their sum (NULL when every
    // sample is NULL — SUM, unlike TOTAL, keeps that). avg_qps divides sums over the samples
    // that have both a count and a duration, so long intervals weigh more.
    let agg = tx
        .prepare_cached(
            "SELECT COUNT(*),
                    SUM(query_total), SUM(query_success), SUM(query_error),
                    SUM(CASE WHEN interval_secs IS NOT NULL THEN query_total END),
                    SUM(CASE WHEN query_total IS NOT NULL THEN interval_secs END),
                    AVG(query_latency_p95), AVG(disk_usage_pct), AVG(cpu_usage_pct),
                    MAX(max_disk_used_pct)
             FROM metrics_snapshots
             WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3",
        )?
        .query_row(params![cluster_id, start, next_start], |r| {
            Ok(DayAggregates {
                samples: r.get(0)?,
                query_total: r.get(1)?,
                query_success: r.get(2)?,
                query_error: r.get(3)?,
                weighted_queries: r.get(4)?,
                weighted_secs: r.get(5)?,
                avg_p95: r.get(6)?,
                avg_disk_pct: r.get(7)?,
                avg_cpu_pct: r.get(8)?,
                max_disk_pct: r.get(9)?,
            })
        })?;
    let avg_qps = match (agg.weighted_queries, agg.weighted_secs) {
        (Some(q), Some(s)) if s > 0.0 => Some(q as f64 / s),
        _ => None,
    };

    let last = last_values(tx, cluster_id, start, next_start)?;
    // The previous day's figures come from its rollup; without one, from its detail rows. Never
    // from further back: a difference across a gap is not one day's growth.
    let previous_day = day.pred_opt();
    let previous = match previous_day {
        Some(p) => {
            let from_rollup = tx
                .prepare_cached(
                    "SELECT total_data_bytes, total_tablet_count FROM daily_snapshots
                     WHERE cluster_id = ?1 AND snapshot_date = ?2",
                )?
                .query_row(params![cluster_id, encode_date(p)], |r| {
                    Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?))
                })
                .optional()?;
            match from_rollup {
                Some(v) => v,
                None => {
                    let l = last_values(tx, cluster_id, day_start_ms(tz, p)?, start)?;
                    (l.data_bytes, l.tablets)
                }
            }
        }
        None => (None, None),
    };
    let growth = |cur: Option<i64>, prev: Option<i64>| cur?.checked_sub(prev?);

    tx.prepare_cached(
        "INSERT INTO daily_snapshots
             (cluster_id, snapshot_date, total_data_bytes, total_tablet_count, total_table_count,
              total_database_count, daily_data_growth_bytes, daily_tablet_growth,
              daily_query_total, daily_query_success, daily_query_error, avg_qps,
              avg_p95_latency, avg_disk_usage_pct, avg_cpu_usage_pct, max_disk_used_pct,
              samples, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        cluster_id,
        date,
        last.data_bytes,
        last.tablets,
        last.tables,
        last.databases,
        growth(last.data_bytes, previous.0),
        growth(last.tablets, previous.1),
        agg.query_total,
        agg.query_success,
        agg.query_error,
        avg_qps,
        agg.avg_p95,
        agg.avg_disk_pct,
        agg.avg_cpu_pct,
        agg.max_disk_pct,
        agg.samples,
        now_ms()
    ])?;

    // OR REPLACE: the per-path rows are derived from the same detail, so rewriting stray ones
    // (left by a crash between releases, say) is always right and never blocks the rollup.
    tx.prepare_cached(
        "INSERT OR REPLACE INTO node_disk_daily
             (cluster_id, snapshot_date, node_id, path, max_used_bytes, total_bytes)
         SELECT ?1, ?2, node_id, path, MAX(total_bytes - avail_bytes), MAX(total_bytes)
         FROM node_disks
         WHERE cluster_id = ?1 AND collected_at >= ?3 AND collected_at < ?4
         GROUP BY node_id, path",
    )?
    .execute(params![cluster_id, date, start, next_start])?;
    Ok(true)
}

struct DayAggregates {
    samples: i64,
    query_total: Option<i64>,
    query_success: Option<i64>,
    query_error: Option<i64>,
    weighted_queries: Option<i64>,
    weighted_secs: Option<f64>,
    avg_p95: Option<f64>,
    avg_disk_pct: Option<f64>,
    avg_cpu_pct: Option<f64>,
    max_disk_pct: Option<f64>,
}

/// The last non-null value of each size column with start <= collected_at < end.
struct LastValues {
    data_bytes: Option<i64>,
    tablets: Option<i64>,
    tables: Option<i64>,
    databases: Option<i64>,
}

fn last_values(
    tx: &Transaction<'_>,
    cluster_id: i64,
    start: i64,
    end: i64,
) -> Result<LastValues, StoreError> {
    // Each sub-select walks the primary key backwards from `end` and stops at the first row
    // that has the value (these fields come from the 5-minute tier, so it is near).
    let v = tx
        .prepare_cached(
            "SELECT
               (SELECT total_data_bytes FROM metrics_snapshots
                 WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
                   AND total_data_bytes IS NOT NULL ORDER BY collected_at DESC LIMIT 1),
               (SELECT total_tablet_count FROM metrics_snapshots
                 WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
                   AND total_tablet_count IS NOT NULL ORDER BY collected_at DESC LIMIT 1),
               (SELECT total_table_count FROM metrics_snapshots
                 WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
                   AND total_table_count IS NOT NULL ORDER BY collected_at DESC LIMIT 1),
               (SELECT total_database_count FROM metrics_snapshots
                 WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3
                   AND total_database_count IS NOT NULL ORDER BY collected_at DESC LIMIT 1)",
        )?
        .query_row(params![cluster_id, start, end], |r| {
            Ok(LastValues {
                data_bytes: r.get(0)?,
                tablets: r.get(1)?,
                tables: r.get(2)?,
                databases: r.get(3)?,
            })
        })?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rusqlite::types::ValueRef;
    use secrecy::ExposeSecret;
    use tempfile::TempDir;

    const SEC: i64 = 1_000;
    const MIN: i64 = 60 * SEC;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;

    fn open() -> (TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("starmon.db")).expect("open");
        (dir, store)
    }

    fn new_cluster(name: &str) -> NewCluster {
        NewCluster {
            name: name.into(),
            fe_host: "10.0.0.1".into(),
            fe_query_port: 9030,
            fe_http_port: 8030,
            user: "monitor".into(),
            password: SecretString::from("s3cret"),
        }
    }

    fn add(store: &SqliteStore, name: &str) -> i64 {
        store
            .add_cluster(&new_cluster(name))
            .expect("add_cluster")
            .id
    }

    /// Unix milliseconds of a UTC wall-clock time.
    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("a valid UTC time")
            .timestamp_millis()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("from_ymd_opt")
    }

    fn ok_status(at: i64) -> CollectionStatus {
        CollectionStatus {
            collected_at: at,
            outcome: Outcome::Ok,
            duration_ms: 120,
            errors: vec![],
        }
    }

    fn snap(at: i64) -> Snapshot {
        Snapshot {
            collected_at: at,
            ..Snapshot::default()
        }
    }

    /// Writes a snapshot without nodes and an ok status.
    fn write(store: &SqliteStore, cluster: i64, s: &Snapshot) {
        store
            .write_collection(cluster, s, &[], &ok_status(s.collected_at))
            .expect("write_collection");
    }

    /// Every field set, each to a different value, so a swapped column cannot go unnoticed.
    fn full_snapshot(at: i64) -> Snapshot {
        Snapshot {
            collected_at: at,
            interval_secs: Some(30.25),
            query_total: Some(1),
            query_success: Some(2),
            query_error: Some(3),
            query_timeout: Some(4),
            query_latency_p50: Some(5.5),
            query_latency_p90: Some(6.5),
            query_latency_p95: Some(7.5),
            query_latency_p99: Some(8.5),
            qps: Some(9.5),
            rps: Some(10.5),
            disk_total_bytes: Some(11_000_000_000_000),
            disk_used_bytes: Some(12),
            disk_data_used_bytes: Some(13),
            disk_usage_pct: Some(14.5),
            max_disk_used_pct: Some(15.5),
            cpu_usage_pct: Some(16.5),
            mem_usage_pct: Some(17.5),
            be_node_total: Some(18),
            be_node_alive: Some(19),
            fe_node_total: Some(20),
            fe_node_alive: Some(21),
            cn_node_total: Some(22),
            cn_node_alive: Some(23),
            total_tablet_count: Some(24),
            total_database_count: Some(25),
            total_table_count: Some(26),
            total_data_bytes: Some(27),
            running_queries: Some(28),
            connections: Some(29),
            mv_refresh_running: Some(30),
            mv_refresh_success_total: Some(31),
            mv_refresh_failed_total: Some(32),
            txn_begin_total: Some(33),
            txn_success_total: Some(34),
            txn_failed_total: Some(35),
            load_finished_total: Some(36),
            routine_load_rows_total: Some(-37),
            max_compaction_score: Some(38.5),
            base_compaction_requests_total: Some(39),
            base_compaction_failures_total: Some(40),
            cumulative_compaction_requests_total: Some(41),
            cumulative_compaction_failures_total: Some(42),
            load_running: Some(43),
            routine_load_running: Some(44),
            routine_load_paused: Some(45),
            schema_change_running: Some(46),
        }
    }

    fn full_node(id: &str) -> NodeSample {
        NodeSample {
            node_id: id.into(),
            kind: Some(NodeKind::Be),
            host: "10.0.0.3".into(),
            alive: Some(true),
            role: Some("FOLLOWER".into()),
            cpu_usage_pct: Some(1.5),
            mem_usage_pct: Some(2.5),
            mem_used_bytes: Some(3),
            disk_total_bytes: Some(4),
            disk_used_bytes: Some(5),
            disk_data_used_bytes: Some(6),
            max_disk_used_pct: Some(7.5),
            tablets: Some(8),
            compaction_score: Some(9.5),
            running_queries: Some(10),
            net_rx_bytes_per_sec: Some(11.5),
            net_tx_bytes_per_sec: Some(12.5),
            disk_read_bytes_per_sec: Some(13.5),
            disk_write_bytes_per_sec: Some(14.5),
            qps: Some(15.5),
            connections: Some(16),
            jvm_heap_used_pct: Some(17.5),
            query_latency_p99: Some(18.5),
            replayed_journal_id: Some(19),
            disks: vec![
                DiskPath {
                    path: "/data1".into(),
                    total_bytes: 1_000,
                    avail_bytes: 400,
                    data_used_bytes: Some(550),
                },
                DiskPath {
                    path: "/data2".into(),
                    total_bytes: 2_000,
                    avail_bytes: 1_500,
                    data_used_bytes: None,
                },
            ],
        }
    }

    fn bare_node(id: &str) -> NodeSample {
        NodeSample {
            node_id: id.into(),
            host: "10.0.0.9".into(),
            ..NodeSample::default()
        }
    }

    fn disk(path: &str, total: i64, avail: i64) -> DiskPath {
        DiskPath {
            path: path.into(),
            total_bytes: total,
            avail_bytes: avail,
            data_used_bytes: None,
        }
    }

    fn count(store: &SqliteStore, table: &str, cluster: i64) -> i64 {
        store
            .conn()
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE cluster_id = ?1"),
                [cluster],
                |r| r.get(0),
            )
            .expect("query_row")
    }

    const HISTORY_TABLES: [&str; 6] = [
        "metrics_snapshots",
        "node_samples",
        "node_disks",
        "collection_status",
        "daily_snapshots",
        "node_disk_daily",
    ];

    // --- opening and migrations ---------------------------------------------------------------

    #[test]
    fn open_creates_directories_and_an_owner_only_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/starmon.db");
        let store = SqliteStore::open(&path).expect("open");
        assert!(path.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let conn = store.conn();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("query_row");
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("query_row");
        assert_eq!(fk, 1);
        // synchronous NORMAL is 1.
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("query_row");
        assert_eq!(sync, 1);
    }

    #[test]
    fn reopening_applies_nothing_twice_and_keeps_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let id = {
            let store = SqliteStore::open(&path).expect("open");
            let id = add(&store, "prod");
            store
                .write_collection(
                    id,
                    &full_snapshot(1_000),
                    &[full_node("10001")],
                    &ok_status(1_000),
                )
                .expect("write_collection");
            id
        };
        for _ in 0..2 {
            let store = SqliteStore::open(&path).expect("open");
            let versions: Vec<i64> = store
                .conn()
                .prepare("SELECT version FROM schema_migrations ORDER BY version")
                .expect("prepare")
                .query_map([], |r| r.get(0))
                .expect("query_map")
                .collect::<Result<_, _>>()
                .expect("rows");
            // Every migration applied, each once.
            let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
            assert_eq!(versions, all);
            assert_eq!(versions, (1..=all.len() as i64).collect::<Vec<_>>());
            assert_eq!(store.list_clusters().expect("list_clusters").len(), 1);
            assert_eq!(
                store.latest_snapshot(id).expect("latest_snapshot"),
                Some(full_snapshot(1_000))
            );
            let nodes = store
                .node_samples(id, "10001", 0, 2_000)
                .expect("node_samples");
            assert_eq!(nodes, vec![(1_000, full_node("10001"))]);
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        drop(SqliteStore::open(&path).expect("open"));
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
                [],
            )
            .expect("execute");
        }
        match SqliteStore::open(&path) {
            Err(StoreError::Migration(msg)) => {
                assert!(msg.contains("version 99"), "{msg}");
                assert!(msg.contains("newer"), "{msg}");
            }
            Err(other) => panic!("expected a migration error, got {other}"),
            Ok(_) => panic!("opened a database from the future"),
        }
    }

    #[test]
    fn a_foreign_database_is_not_migrated_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("other.db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch("CREATE TABLE clusters (x TEXT)")
                .expect("execute_batch");
        }
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::Migration(_))
        ));
    }

    // --- clusters -----------------------------------------------------------------------------

    #[test]
    fn clusters_are_added_listed_and_found() {
        let (_dir, store) = open();
        let before = now_ms();
        let b = store.add_cluster(&new_cluster("b")).expect("add_cluster");
        let a = store.add_cluster(&new_cluster("a")).expect("add_cluster");
        assert_ne!(a.id, b.id);
        assert!(b.created_at >= before);
        assert_eq!(b.fe_query_port, 9030);
        assert_eq!(b.fe_http_port, 8030);
        assert_eq!(b.user, "monitor");
        // Listed by name.
        assert_eq!(
            store.list_clusters().expect("list_clusters"),
            vec![a.clone(), b.clone()]
        );
        assert_eq!(
            store.cluster_by_name("a").expect("cluster_by_name"),
            Some(a.clone())
        );
        assert_eq!(store.cluster_by_name("c").expect("cluster_by_name"), None);
        let pw = store
            .cluster_password(a.id)
            .expect("cluster_password")
            .expect("a password");
        assert_eq!(pw.expose_secret(), "s3cret");
        assert!(store
            .cluster_password(a.id + 100)
            .expect("cluster_password")
            .is_none());
    }

    fn raw_passwords(store: &SqliteStore) -> Vec<String> {
        store
            .conn()
            .prepare("SELECT password FROM clusters ORDER BY id")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query_map")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn passwords_are_stored_encrypted() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let raw = raw_passwords(&store);
        assert_eq!(raw.len(), 1);
        assert!(raw[0].starts_with("v1:"), "{}", raw[0]);
        assert!(!raw[0].contains("s3cret"));
        let pw = store.cluster_password(id).expect("decrypts").expect("some");
        assert_eq!(pw.expose_secret(), "s3cret");
    }

    #[test]
    fn clear_text_passwords_of_an_older_starmon_are_encrypted_on_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let (a, b) = {
            let store = SqliteStore::open(&path).expect("open");
            let (a, b) = (add(&store, "a"), add(&store, "b"));
            // As written before encryption existed.
            store
                .conn()
                .execute("UPDATE clusters SET password = 'legacy-' || name", [])
                .expect("update");
            (a, b)
        };
        let store = SqliteStore::open(&path).expect("reopen");
        for raw in raw_passwords(&store) {
            assert!(raw.starts_with("v1:") && !raw.contains("legacy"), "{raw}");
        }
        let pw = |id| {
            store
                .cluster_password(id)
                .expect("decrypts")
                .expect("some")
                .expose_secret()
                .to_string()
        };
        assert_eq!(pw(a), "legacy-a");
        assert_eq!(pw(b), "legacy-b");
    }

    #[test]
    fn a_password_sealed_by_another_key_is_a_typed_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let store = SqliteStore::open(&path).expect("open");
        let id = add(&store, "prod");
        // As if written by another starmon with its own key: the start-up check passed.
        let foreign = SecretBox::from_key(&[9; secretbox::KEY_LEN])
            .encrypt(&SecretString::from("x"))
            .expect("encrypt");
        store
            .conn()
            .execute(
                "UPDATE clusters SET password = ?1 WHERE id = ?2",
                params![foreign, id],
            )
            .expect("update");
        match store.cluster_password(id) {
            Err(e @ StoreError::Secret(secretbox::SecretError::Unreadable { .. })) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("password of cluster {id}")), "{msg}");
                assert!(msg.contains("another key"), "{msg}");
            }
            other => panic!("expected Unreadable, got {other:?}"),
        }
        // The clusters themselves are still listed, and a new password can be entered.
        assert_eq!(store.list_clusters().expect("list").len(), 1);
        store
            .update_cluster(
                id,
                &ClusterUpdate {
                    password: Some(SecretString::from("fresh")),
                    ..ClusterUpdate::default()
                },
            )
            .expect("update")
            .expect("found");
        let pw = store.cluster_password(id).expect("decrypts").expect("some");
        assert_eq!(pw.expose_secret(), "fresh");
    }

    #[test]
    fn a_bad_key_file_refuses_to_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        std::fs::write(secretbox::key_path(&path), b"short").expect("write");
        match SqliteStore::open(&path) {
            Err(e @ StoreError::Secret(_)) => assert!(e.to_string().contains("expected 32"), "{e}"),
            Err(other) => panic!("expected a key error, got {other}"),
            Ok(_) => panic!("opened with a 5-byte key file"),
        }
    }

    #[test]
    fn update_changes_only_the_given_fields() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        add(&store, "taken");
        let before = store.cluster_by_id(id).expect("get").expect("found");
        let after = store
            .update_cluster(
                id,
                &ClusterUpdate {
                    fe_host: Some("10.0.0.9".into()),
                    fe_http_port: Some(18030),
                    password: Some(SecretString::from("n3w-pass")),
                    ..ClusterUpdate::default()
                },
            )
            .expect("update")
            .expect("found");
        assert_eq!(
            after,
            ClusterRecord {
                fe_host: "10.0.0.9".into(),
                fe_http_port: 18030,
                ..before.clone()
            }
        );
        let pw = store.cluster_password(id).expect("decrypts").expect("some");
        assert_eq!(pw.expose_secret(), "n3w-pass");
        let raw = raw_passwords(&store);
        assert!(raw
            .iter()
            .all(|r| r.starts_with("v1:") && !r.contains("n3w-pass")));
        // Renaming onto a taken name is a conflict and changes nothing.
        let clash = ClusterUpdate {
            name: Some("taken".into()),
            user: Some("other".into()),
            ..ClusterUpdate::default()
        };
        assert!(matches!(
            store.update_cluster(id, &clash),
            Err(StoreError::Conflict(m)) if m.contains("taken")
        ));
        assert_eq!(
            store.cluster_by_id(id).expect("get").expect("found").user,
            "monitor"
        );
        assert_eq!(
            store
                .update_cluster(id + 100, &ClusterUpdate::default())
                .expect("update"),
            None
        );
    }

    #[test]
    fn a_duplicate_name_is_a_conflict() {
        let (_dir, store) = open();
        add(&store, "prod");
        match store.add_cluster(&new_cluster("prod")) {
            Err(StoreError::Conflict(msg)) => assert!(msg.contains("prod"), "{msg}"),
            other => panic!("expected Conflict, got {other:?}"),
        }
        assert_eq!(store.list_clusters().expect("list_clusters").len(), 1);
    }

    #[test]
    fn ids_of_removed_clusters_are_not_reused() {
        let (_dir, store) = open();
        let first = add(&store, "a");
        assert!(store.remove_cluster("a").expect("remove_cluster"));
        let second = add(&store, "a");
        assert!(second > first);
    }

    #[test]
    fn removing_a_cluster_removes_its_history_only() {
        let (_dir, store) = open();
        let gone = add(&store, "gone");
        let kept = add(&store, "kept");
        let day = utc(2026, 3, 1, 12, 0, 0);
        for id in [gone, kept] {
            store
                .write_collection(
                    id,
                    &full_snapshot(day),
                    &[full_node("10001")],
                    &ok_status(day),
                )
                .expect("write_collection");
        }
        assert_eq!(
            store
                .rollup_daily(Tz::UTC, utc(2026, 3, 2, 1, 0, 0))
                .expect("rollup_daily")
                .days_written,
            2
        );
        for table in HISTORY_TABLES {
            assert!(count(&store, table, gone) > 0, "{table} was not filled");
        }

        assert!(store.remove_cluster("gone").expect("remove_cluster"));
        assert!(!store.remove_cluster("gone").expect("remove_cluster"));
        assert_eq!(
            store.cluster_by_name("gone").expect("cluster_by_name"),
            None
        );
        for table in HISTORY_TABLES {
            assert_eq!(count(&store, table, gone), 0, "{table} kept rows");
            assert!(
                count(&store, table, kept) > 0,
                "{table} lost the other cluster"
            );
        }
    }

    // --- detail round trips -------------------------------------------------------------------

    #[test]
    fn a_full_snapshot_round_trips() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let s = full_snapshot(1_772_323_200_123);
        // Guard against the fixture silently losing a field.
        let json = serde_json::to_value(&s).expect("to_value");
        let nulls: Vec<_> = json
            .as_object()
            .expect("as_object")
            .iter()
            .filter(|(_, v)| v.is_null())
            .map(|(k, _)| k.clone())
            .collect();
        assert!(nulls.is_empty(), "fixture leaves {nulls:?} unset");

        write(&store, id, &s);
        assert_eq!(
            store.latest_snapshot(id).expect("latest_snapshot"),
            Some(s.clone())
        );
        assert_eq!(
            store
                .snapshots(id, s.collected_at, s.collected_at + 1)
                .expect("snapshots"),
            vec![s]
        );
    }

    #[test]
    fn an_empty_snapshot_round_trips_as_nulls() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let s = snap(5_000);
        write(&store, id, &s);
        assert_eq!(store.latest_snapshot(id).expect("latest_snapshot"), Some(s));

        // Unknown is stored as NULL, not as 0.
        let conn = store.conn();
        let mut stmt = conn
            .prepare("SELECT * FROM metrics_snapshots")
            .expect("prepare");
        let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).expect("query");
        let row = rows.next().expect("next").expect("one row");
        for (i, name) in names.iter().enumerate() {
            if name == "cluster_id" || name == "collected_at" {
                continue;
            }
            assert_eq!(row.get_ref(i).expect("get_ref"), ValueRef::Null, "{name}");
        }
    }

    #[test]
    fn every_snapshot_column_is_in_the_schema_and_the_list() {
        let (_dir, store) = open();
        let conn = store.conn();
        let table: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('metrics_snapshots') WHERE name <> 'cluster_id'")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query_map")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(table, SNAPSHOT_COLUMNS);
    }

    #[test]
    fn buckets_are_aggregated_by_the_database_over_known_values_only() {
        let (_dir, store) = open();
        let id = add(&store, "c");
        // qps 1..=6 every 10 s from t=0; p99 known on even seconds only.
        for i in 0..6i64 {
            let s = Snapshot {
                collected_at: i * 10_000,
                qps: Some((i + 1) as f64),
                query_latency_p99: (i % 2 == 0).then_some(100.0 * (i + 1) as f64),
                ..Snapshot::default()
            };
            write(&store, id, &s);
        }
        let cols = vec!["qps".to_string(), "query_latency_p99".to_string()];
        // Buckets of 30 s from t=0, the range ending before the last sample.
        let b = store
            .snapshot_buckets(id, &cols, 0, 50_000, 30_000)
            .expect("buckets");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].0, 0);
        let qps = b[0].1[0].expect("qps known");
        assert_eq!((qps.min, qps.sum, qps.max, qps.count), (1.0, 6.0, 3.0, 3));
        let p99 = b[0].1[1].expect("p99 known");
        assert_eq!(
            (p99.min, p99.sum, p99.max, p99.count),
            (100.0, 400.0, 300.0, 2)
        );
        // The second bucket holds t=30 s and 40 s only (50 s is outside the range).
        assert_eq!(b[1].0, 30_000);
        assert_eq!(b[1].1[0].map(|a| a.count), Some(2));
        assert_eq!(b[1].1[1].map(|a| a.sum), Some(500.0));
        // A column nobody knew in a bucket is None, not zero.
        let b = store
            .snapshot_buckets(id, &["cpu_usage_pct".to_string()], 0, 60_000, 60_000)
            .expect("buckets");
        assert_eq!(b, vec![(0, vec![None])]);
        for bad in ["qps; DROP TABLE clusters", "collected_at", "kind"] {
            assert!(matches!(
                store.snapshot_buckets(id, &[bad.to_string()], 0, 1, 1),
                Err(StoreError::Invalid(_))
            ));
        }
    }

    #[test]
    fn snapshot_ranges_are_half_open_and_oldest_first() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let other = add(&store, "other");
        for at in [300, 100, 200, 400] {
            write(&store, id, &snap(at));
        }
        write(&store, other, &snap(250));
        let got: Vec<i64> = store
            .snapshots(id, 100, 400)
            .expect("snapshots")
            .iter()
            .map(|s| s.collected_at)
            .collect();
        assert_eq!(got, vec![100, 200, 300]);
        assert_eq!(
            store.latest_snapshot(id).expect("latest_snapshot"),
            Some(snap(400))
        );
        assert_eq!(
            store.latest_snapshot(other + 1).expect("latest_snapshot"),
            None
        );
    }

    #[test]
    fn node_samples_round_trip_with_their_disks() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let mut leader = bare_node("fe-1");
        leader.kind = Some(NodeKind::Fe);
        leader.alive = Some(false);
        leader.role = Some("LEADER".into());
        let mut cn = bare_node("20001");
        cn.kind = Some(NodeKind::Cn);

        let mut later = full_node("10001");
        later.disks = vec![disk("*", 5_000, 1_000)];
        store
            .write_collection(
                id,
                &snap(1_000),
                &[full_node("10001"), leader.clone(), cn.clone()],
                &ok_status(1_000),
            )
            .expect("write_collection");
        store
            .write_collection(id, &snap(2_000), &[later.clone()], &ok_status(2_000))
            .expect("write_collection");
        store
            .write_collection(id, &snap(3_000), &[bare_node("10001")], &ok_status(3_000))
            .expect("write_collection");

        assert_eq!(
            store
                .node_samples(id, "10001", 0, 10_000)
                .expect("node_samples"),
            vec![
                (1_000, full_node("10001")),
                (2_000, later),
                (3_000, bare_node("10001")),
            ]
        );
        assert_eq!(
            store
                .node_samples(id, "fe-1", 0, 10_000)
                .expect("node_samples"),
            vec![(1_000, leader)]
        );
        assert_eq!(
            store
                .node_samples(id, "20001", 0, 10_000)
                .expect("node_samples"),
            vec![(1_000, cn)]
        );
        // Half-open range.
        let ats: Vec<i64> = store
            .node_samples(id, "10001", 2_000, 3_000)
            .expect("node_samples")
            .into_iter()
            .map(|(at, _)| at)
            .collect();
        assert_eq!(ats, vec![2_000]);
        assert!(store
            .node_samples(id, "nope", 0, 10_000)
            .expect("node_samples")
            .is_empty());
    }

    #[test]
    fn statuses_round_trip_with_their_errors() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let partial = CollectionStatus {
            collected_at: 2_000,
            outcome: Outcome::Partial,
            duration_ms: 3_456,
            errors: vec![
                SourceError {
                    source: "be 10.0.0.3:8040 /metrics".into(),
                    error: "timed out after 5s".into(),
                },
                SourceError {
                    source: "fe 10.0.0.1:9030 SHOW PROC '/transactions'".into(),
                    error: "Access denied; \"quoted\" ✓".into(),
                },
            ],
        };
        let failed = CollectionStatus {
            collected_at: 3_000,
            outcome: Outcome::Failed,
            duration_ms: 10_000,
            errors: vec![SourceError {
                source: "fe".into(),
                error: "no FE reachable".into(),
            }],
        };
        store
            .write_collection(id, &snap(1_000), &[], &ok_status(1_000))
            .expect("write_collection");
        store
            .write_collection(id, &snap(2_000), &[], &partial)
            .expect("write_collection");
        store
            .write_collection(id, &snap(3_000), &[], &failed)
            .expect("write_collection");
        assert_eq!(
            store.statuses(id, 0, 10_000).expect("statuses"),
            vec![ok_status(1_000), partial.clone(), failed]
        );
        assert_eq!(
            store.statuses(id, 2_000, 3_000).expect("statuses"),
            vec![partial]
        );
    }

    #[test]
    fn undecodable_errors_are_reported_as_corrupt() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        write(&store, id, &snap(1_000));
        store
            .conn()
            .execute("UPDATE collection_status SET errors = 'not json'", [])
            .expect("execute");
        assert!(matches!(
            store.statuses(id, 0, 2_000),
            Err(StoreError::Corrupt(_))
        ));
    }

    // --- one transaction ----------------------------------------------------------------------

    fn assert_nothing_stored(store: &SqliteStore, id: i64) {
        for table in [
            "metrics_snapshots",
            "node_samples",
            "node_disks",
            "collection_status",
        ] {
            assert_eq!(count(store, table, id), 0, "{table} has rows");
        }
    }

    #[test]
    fn a_bad_node_sample_stores_nothing_of_the_collection() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        // The second sample of node 10001 violates the primary key after the snapshot, the
        // first node and its disks were written.
        let nodes = [full_node("10001"), bare_node("10002"), bare_node("10001")];
        match store.write_collection(id, &full_snapshot(1_000), &nodes, &ok_status(1_000)) {
            Err(StoreError::Conflict(msg)) => assert!(msg.contains("10001"), "{msg}"),
            other => panic!("expected Conflict, got {other:?}"),
        }
        assert_nothing_stored(&store, id);
        assert_eq!(store.latest_snapshot(id).expect("latest_snapshot"), None);
    }

    #[test]
    fn a_bad_disk_path_stores_nothing_of_the_collection() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let mut node = full_node("10001");
        node.disks.push(disk("/data1", 1, 1));
        assert!(matches!(
            store.write_collection(id, &snap(1_000), &[node], &ok_status(1_000)),
            Err(StoreError::Conflict(_))
        ));
        assert_nothing_stored(&store, id);
    }

    #[test]
    fn a_failing_status_stores_nothing_of_the_collection() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        write(&store, id, &snap(1_000));
        // A new snapshot whose status collides with the stored one.
        assert!(matches!(
            store.write_collection(id, &snap(2_000), &[full_node("10001")], &ok_status(1_000)),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store.snapshots(id, 0, 10_000).expect("snapshots"),
            vec![snap(1_000)]
        );
        assert_eq!(count(&store, "node_samples", id), 0);
    }

    #[test]
    fn a_second_snapshot_at_the_same_instant_is_a_conflict() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        write(&store, id, &snap(1_000));
        let other = full_snapshot(1_000);
        assert!(matches!(
            store.write_collection(id, &other, &[], &ok_status(1_001)),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store.snapshots(id, 0, 10_000).expect("snapshots"),
            vec![snap(1_000)]
        );
        assert_eq!(count(&store, "collection_status", id), 1);
    }

    #[test]
    fn writing_for_an_unknown_cluster_is_not_found() {
        let (_dir, store) = open();
        assert!(matches!(
            store.write_collection(42, &snap(1), &[], &ok_status(1)),
            Err(StoreError::NotFound(_))
        ));
    }

    // --- rollups ------------------------------------------------------------------------------

    #[test]
    fn rollup_of_a_utc_day() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        // The day before: one sample, only sizes known.
        write(
            &store,
            id,
            &Snapshot {
                collected_at: utc(2026, 2, 28, 23, 59, 59) + 999,
                total_data_bytes: Some(900),
                total_tablet_count: Some(8),
                ..Snapshot::default()
            },
        );
        // 2026-03-01: first instant, noon, last instant.
        write(
            &store,
            id,
            &Snapshot {
                collected_at: utc(2026, 3, 1, 0, 0, 0),
                interval_secs: Some(30.0),
                query_total: Some(60),
                query_success: Some(58),
                query_error: Some(2),
                query_latency_p95: Some(100.0),
                disk_usage_pct: Some(40.0),
                cpu_usage_pct: Some(10.0),
                max_disk_used_pct: Some(50.0),
                total_data_bytes: Some(1_000),
                total_tablet_count: Some(10),
                total_table_count: Some(5),
                total_database_count: Some(2),
                ..Snapshot::default()
            },
        );
        write(
            &store,
            id,
            &Snapshot {
                collected_at: utc(2026, 3, 1, 12, 0, 0),
                interval_secs: Some(60.0),
                query_total: Some(240),
                query_success: Some(230),
                query_error: Some(10),
                disk_usage_pct: Some(50.0),
                max_disk_used_pct: Some(70.0),
                total_tablet_count: Some(12),
                ..Snapshot::default()
            },
        );
        write(
            &store,
            id,
            &Snapshot {
                collected_at: utc(2026, 3, 1, 23, 59, 59) + 999,
                // First sample after a restart: no interval, so it does not weigh in avg_qps.
                interval_secs: None,
                query_total: Some(30),
                query_latency_p95: Some(200.0),
                cpu_usage_pct: Some(30.0),
                max_disk_used_pct: Some(60.0),
                total_data_bytes: Some(1_500),
                total_table_count: Some(6),
                ..Snapshot::default()
            },
        );
        // 2026-03-02, not complete yet.
        write(
            &store,
            id,
            &Snapshot {
                collected_at: utc(2026, 3, 2, 0, 0, 0),
                query_total: Some(999),
                ..Snapshot::default()
            },
        );

        let report = store
            .rollup_daily(Tz::UTC, utc(2026, 3, 2, 0, 0, 0))
            .expect("rollup_daily");
        assert_eq!(report.days_written, 2);
        let days = store
            .daily(id, date(2026, 2, 1), date(2026, 3, 31))
            .expect("daily");
        assert_eq!(
            days,
            vec![
                DailySnapshot {
                    date: date(2026, 2, 28),
                    total_data_bytes: Some(900),
                    total_tablet_count: Some(8),
                    total_table_count: None,
                    total_database_count: None,
                    daily_data_growth_bytes: None,
                    daily_tablet_growth: None,
                    daily_query_total: None,
                    daily_query_success: None,
                    daily_query_error: None,
                    avg_qps: None,
                    avg_p95_latency: None,
                    avg_disk_usage_pct: None,
                    avg_cpu_usage_pct: None,
                    max_disk_used_pct: None,
                    samples: 1,
                },
                DailySnapshot {
                    date: date(2026, 3, 1),
                    total_data_bytes: Some(1_500),
                    total_tablet_count: Some(12),
                    total_table_count: Some(6),
                    total_database_count: Some(2),
                    daily_data_growth_bytes: Some(600),
                    daily_tablet_growth: Some(4),
                    daily_query_total: Some(330),
                    daily_query_success: Some(288),
                    daily_query_error: Some(12),
                    // (60 + 240) queries / (30 + 60) s
                    avg_qps: Some(300.0 / 90.0),
                    avg_p95_latency: Some(150.0),
                    avg_disk_usage_pct: Some(45.0),
                    avg_cpu_usage_pct: Some(20.0),
                    max_disk_used_pct: Some(70.0),
                    samples: 3,
                },
            ]
        );
        // from/to are inclusive.
        assert_eq!(
            store
                .daily(id, date(2026, 3, 1), date(2026, 3, 1))
                .expect("daily")
                .len(),
            1
        );
    }

    #[test]
    fn rollup_in_shanghai_uses_local_days() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let node = |at_disk: (i64, i64), other: (i64, i64)| {
            let mut n = bare_node("10001");
            n.disks = vec![
                disk("/data1", at_disk.0, at_disk.1),
                disk("/data2", other.0, other.1),
            ];
            n
        };
        // (instant, query_total, /data1 (total, avail), /data2 (total, avail))
        let rows = [
            // 2026-03-01 23:59:59.999 local
            (utc(2026, 3, 1, 15, 59, 59) + 999, 7, (1_000, 100), (500, 0)),
            // 2026-03-02 00:00 local
            (utc(2026, 3, 1, 16, 0, 0), 11, (1_000, 600), (500, 250)),
            // 2026-03-02 12:00 local: the disk grew
            (utc(2026, 3, 2, 4, 0, 0), 5, (1_200, 700), (500, 450)),
            // 2026-03-02 23:59:59.999 local
            (
                utc(2026, 3, 2, 15, 59, 59) + 999,
                13,
                (1_000, 700),
                (500, 300),
            ),
            // 2026-03-03 00:00 local
            (utc(2026, 3, 2, 16, 0, 0), 17, (1_000, 0), (500, 0)),
        ];
        for (at, q, d1, d2) in rows {
            let s = Snapshot {
                collected_at: at,
                query_total: Some(q),
                ..Snapshot::default()
            };
            store
                .write_collection(id, &s, &[node(d1, d2)], &ok_status(at))
                .expect("write_collection");
        }
        // 2026-03-03 00:00 local: 03-01 and 03-02 are complete, 03-03 is not.
        let now = utc(2026, 3, 2, 16, 0, 0);
        assert_eq!(
            store
                .rollup_daily(Tz::Asia__Shanghai, now)
                .expect("rollup_daily")
                .days_written,
            2
        );
        let days: Vec<_> = store
            .daily(id, date(2026, 2, 1), date(2026, 3, 31))
            .expect("daily")
            .into_iter()
            .map(|d| (d.date, d.daily_query_total, d.samples))
            .collect();
        assert_eq!(
            days,
            vec![
                (date(2026, 3, 1), Some(7), 1),
                (date(2026, 3, 2), Some(11 + 5 + 13), 3),
            ]
        );
        let disks = store
            .node_disk_daily(id, date(2026, 3, 2), date(2026, 3, 2))
            .expect("node_disk_daily");
        let expect = |path: &str, max_used, total| NodeDiskDaily {
            date: date(2026, 3, 2),
            node_id: "10001".into(),
            path: path.into(),
            max_used_bytes: max_used,
            total_bytes: total,
        };
        assert_eq!(
            disks,
            vec![
                // used 400, 500, 300; total up to 1200
                expect("/data1", 500, 1_200),
                // used 250, 50, 200
                expect("/data2", 250, 500),
            ]
        );
        assert_eq!(
            store
                .node_disk_daily(id, date(2026, 3, 1), date(2026, 3, 3))
                .expect("node_disk_daily")
                .len(),
            4
        );
    }

    #[test]
    fn rollup_catches_up_missed_days_once() {
        let (_dir, store) = open();
        let a = add(&store, "a");
        let b = add(&store, "b");
        // Collections kept running for three days while no rollup ran.
        let day1 = utc(2026, 3, 1, 0, 0, 0);
        for d in 0..4 {
            for h in [0, 8, 16] {
                write(&store, a, &snap(day1 + d * DAY + h * HOUR));
            }
        }
        write(&store, b, &snap(day1 + DAY + HOUR));

        // Exactly midnight after day 3: days 1–3 of a and day 2 of b are complete.
        let now = day1 + 3 * DAY;
        assert_eq!(
            store
                .rollup_daily(Tz::UTC, now)
                .expect("rollup_daily")
                .days_written,
            4
        );
        assert_eq!(
            store
                .rollup_daily(Tz::UTC, now)
                .expect("rollup_daily")
                .days_written,
            0
        );
        assert_eq!(
            store
                .rollup_daily(Tz::UTC, now + DAY - 1)
                .expect("rollup_daily")
                .days_written,
            0
        );
        let dates = |id| -> Vec<(NaiveDate, i64)> {
            store
                .daily(id, date(2026, 1, 1), date(2026, 12, 31))
                .expect("daily")
                .into_iter()
                .map(|d| (d.date, d.samples))
                .collect()
        };
        assert_eq!(
            dates(a),
            vec![
                (date(2026, 3, 1), 3),
                (date(2026, 3, 2), 3),
                (date(2026, 3, 3), 3),
            ]
        );
        assert_eq!(dates(b), vec![(date(2026, 3, 2), 1)]);

        // The next day completes and is written alone.
        assert_eq!(
            store
                .rollup_daily(Tz::UTC, now + DAY)
                .expect("rollup_daily")
                .days_written,
            1
        );
        assert_eq!(dates(a).len(), 4);
    }

    #[test]
    fn growth_is_against_the_previous_day() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let day1 = utc(2026, 3, 1, 0, 0, 0);
        let sized = |at, bytes: Option<i64>, tablets: Option<i64>| Snapshot {
            collected_at: at,
            total_data_bytes: bytes,
            total_tablet_count: tablets,
            ..Snapshot::default()
        };
        // Day 1: last values 1000 / 10. Day 2: bytes unknown all day, tablets 15.
        // Day 3: 1800 / 12. Day 4: nothing. Day 5: 2000 / 20.
        write(&store, id, &sized(day1 + HOUR, Some(400), Some(4)));
        write(&store, id, &sized(day1 + 20 * HOUR, Some(1_000), Some(10)));
        write(&store, id, &sized(day1 + 23 * HOUR, None, None));
        write(&store, id, &sized(day1 + DAY + HOUR, None, Some(15)));
        write(
            &store,
            id,
            &sized(day1 + 2 * DAY + HOUR, Some(1_800), Some(12)),
        );
        write(
            &store,
            id,
            &sized(day1 + 4 * DAY + HOUR, Some(2_000), Some(20)),
        );
        store
            .rollup_daily(Tz::UTC, day1 + 5 * DAY)
            .expect("rollup_daily");

        let growth: Vec<_> = store
            .daily(id, date(2026, 3, 1), date(2026, 3, 31))
            .expect("daily")
            .into_iter()
            .map(|d| {
                (
                    d.date,
                    d.total_data_bytes,
                    d.daily_data_growth_bytes,
                    d.daily_tablet_growth,
                )
            })
            .collect();
        assert_eq!(
            growth,
            vec![
                // Nothing before the first day.
                (date(2026, 3, 1), Some(1_000), None, None),
                (date(2026, 3, 2), None, None, Some(5)),
                // The previous day's bytes are unknown: no growth, even though day 1 had some.
                (date(2026, 3, 3), Some(1_800), None, Some(-3)),
                // Day 4 has no data: a difference across the gap is not one day's growth.
                (date(2026, 3, 5), Some(2_000), None, None),
            ]
        );

        // The previous day's figure comes from its rollup, not from its detail rows.
        {
            let conn = store.conn();
            conn.execute(
                "UPDATE daily_snapshots SET total_data_bytes = 1100 WHERE snapshot_date = '2026-03-02'",
                [],
            )
            .expect("execute");
            conn.execute(
                "DELETE FROM daily_snapshots WHERE snapshot_date = '2026-03-03'",
                [],
            )
            .expect("execute");
        }
        assert_eq!(
            store
                .rollup_daily(Tz::UTC, day1 + 5 * DAY)
                .expect("rollup_daily")
                .days_written,
            1
        );
        let day3 = store
            .daily(id, date(2026, 3, 3), date(2026, 3, 3))
            .expect("daily");
        assert_eq!(day3[0].daily_data_growth_bytes, Some(700));
    }

    #[test]
    fn growth_falls_back_to_the_previous_days_detail() {
        let (_dir, store) = open();
        let id = add(&store, "prod");
        let day1 = utc(2026, 3, 1, 0, 0, 0);
        let sized = |at, bytes| Snapshot {
            collected_at: at,
            total_data_bytes: Some(bytes),
            ..Snapshot::default()
        };
        write(&store, id, &sized(day1 + 22 * HOUR, 700));
        write(&store, id, &sized(day1 + 23 * HOUR, 1_000));
        write(&store, id, &sized(day1 + DAY + HOUR, 1_250));
        // Day 1 has detail but no rollup (say it was lost): day 2 uses day 1's last value.
        // Through the helper, because rollup_daily would first write day 1 again.
        let mut conn = store.conn();
        let tx = conn.transaction().expect("transaction");
        assert!(
            write_day_if_missing(&tx, Tz::UTC, id, date(2026, 3, 2), day1 + 2 * DAY)
                .expect("write_day_if_missing")
        );
        tx.commit().expect("commit");
        drop(conn);
        let day2 = store
            .daily(id, date(2026, 3, 2), date(2026, 3, 2))
            .expect("daily");
        assert_eq!(day2[0].daily_data_growth_bytes, Some(250));
    }

    // --- retention ----------------------------------------------------------------------------

    #[test]
    fn retention_deletes_exactly_what_is_outside_the_windows() {
        let (_dir, store) = open();
        let a = add(&store, "a");
        let b = add(&store, "b");
        let tz = Tz::Asia__Shanghai;
        // 2026-04-01 01:00 in Shanghai: today is 04-01 there (03-31 in UTC).
        let now = utc(2026, 3, 31, 17, 0, 0);
        let detail_ms = 7 * DAY;
        let cutoff = now - detail_ms;
        let nodes = [full_node("10001"), bare_node("fe-1")];
        let old_days = [
            utc(2026, 2, 28, 12, 0, 0),
            utc(2026, 3, 1, 12, 0, 0),
            utc(2026, 3, 2, 12, 0, 0),
        ];
        for at in old_days
            .into_iter()
            .chain([cutoff - 1, cutoff, cutoff + 1, now])
        {
            store
                .write_collection(a, &snap(at), &nodes, &ok_status(at))
                .expect("write_collection");
        }
        store
            .write_collection(b, &snap(cutoff - 1), &nodes[1..], &ok_status(cutoff - 1))
            .expect("write_collection");
        store
            .write_collection(b, &snap(cutoff), &nodes[1..], &ok_status(cutoff))
            .expect("write_collection");
        // Local days: a has 02-28, 03-01, 03-02 and 03-25 (cutoff ± 1 ms is 01:00 local);
        // b has 03-25.
        assert_eq!(
            store
                .rollup_daily(tz, now)
                .expect("rollup_daily")
                .days_written,
            5
        );

        let report = store
            .enforce_retention(tz, now, detail_ms, 30)
            .expect("enforce_retention");
        // Detail before the cutoff: a's 3 old days + cutoff-1, b's cutoff-1. Daily: 30 days
        // before 04-01 is 03-02, which stays; 02-28 and 03-01 of a go.
        assert_eq!(
            report,
            RetentionReport {
                snapshots_deleted: 5,
                node_samples_deleted: 4 * 2 + 1,
                statuses_deleted: 5,
                daily_deleted: 2,
            }
        );
        let ats = |id| -> Vec<i64> {
            store
                .snapshots(id, i64::MIN, i64::MAX)
                .expect("snapshots")
                .iter()
                .map(|s| s.collected_at)
                .collect()
        };
        assert_eq!(ats(a), vec![cutoff, cutoff + 1, now]);
        assert_eq!(ats(b), vec![cutoff]);
        let status_ats: Vec<i64> = store
            .statuses(a, i64::MIN, i64::MAX)
            .expect("statuses")
            .iter()
            .map(|s| s.collected_at)
            .collect();
        assert_eq!(status_ats, vec![cutoff, cutoff + 1, now]);
        let node_ats: Vec<i64> = store
            .node_samples(a, "10001", i64::MIN, i64::MAX)
            .expect("node_samples")
            .into_iter()
            .map(|(at, n)| {
                assert_eq!(n.disks.len(), 2);
                at
            })
            .collect();
        assert_eq!(node_ats, vec![cutoff, cutoff + 1, now]);
        // 3 samples × 2 paths of node 10001 remain.
        assert_eq!(count(&store, "node_disks", a), 6);

        let daily_dates: Vec<NaiveDate> = store
            .daily(a, date(2000, 1, 1), date(2100, 1, 1))
            .expect("daily")
            .iter()
            .map(|d| d.date)
            .collect();
        assert_eq!(daily_dates, vec![date(2026, 3, 2), date(2026, 3, 25)]);
        let disk_dates: Vec<NaiveDate> = store
            .node_disk_daily(a, date(2000, 1, 1), date(2100, 1, 1))
            .expect("node_disk_daily")
            .iter()
            .map(|d| d.date)
            .collect();
        assert_eq!(
            disk_dates,
            vec![
                date(2026, 3, 2),
                date(2026, 3, 2),
                date(2026, 3, 25),
                date(2026, 3, 25)
            ]
        );
        assert_eq!(store.list_clusters().expect("list_clusters").len(), 2);

        // Nothing left to do.
        assert_eq!(
            store
                .enforce_retention(tz, now, detail_ms, 30)
                .expect("enforce_retention"),
            RetentionReport::default()
        );
    }

    // --- size ---------------------------------------------------------------------------------

    #[test]
    fn size_counts_the_main_file_and_the_wal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let store = SqliteStore::open(&path).expect("open");
        let id = add(&store, "prod");
        for i in 0..200 {
            write(&store, id, &full_snapshot(i * 30 * SEC));
        }
        let main = std::fs::metadata(&path).expect("metadata").len();
        let wal = std::fs::metadata(dir.path().join("starmon.db-wal"))
            .expect("metadata")
            .len();
        assert!(wal > 0);
        assert_eq!(store.size_bytes().expect("size_bytes"), main + wal);
    }

    // --- size benchmark -----------------------------------------------------------------------

    /// Deterministic noise for realistic-looking values (xorshift).
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Uniform in [lo, hi).
        fn f(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.next()
        }
        fn i(&mut self, lo: i64, hi: i64) -> i64 {
            self.f(lo as f64, hi as f64) as i64
        }
    }

    /// A 30 s snapshot of a mid-size cluster (3 FE, 5 BE, ~40 TB) with every field filled: the
    /// largest row the collector can produce.
    fn realistic_snapshot(n: &mut Noise, at: i64, i: i64) -> Snapshot {
        let q = n.i(3_000, 9_000);
        let disk_total = 5 * 8_000_000_000_000i64;
        let used = 24_000_000_000_000 + i * 50_000_000;
        Snapshot {
            collected_at: at,
            interval_secs: Some(n.f(29.9, 30.2)),
            query_total: Some(q),
            query_success: Some(q - 3),
            query_error: Some(3),
            query_timeout: Some(0),
            query_latency_p50: Some(n.f(5.0, 20.0)),
            query_latency_p90: Some(n.f(50.0, 200.0)),
            query_latency_p95: Some(n.f(200.0, 800.0)),
            query_latency_p99: Some(n.f(800.0, 5_000.0)),
            qps: Some(q as f64 / 30.0),
            rps: Some(n.f(100.0, 400.0)),
            disk_total_bytes: Some(disk_total),
            disk_used_bytes: Some(used),
            disk_data_used_bytes: Some(used - 1_000_000_000),
            disk_usage_pct: Some(used as f64 * 100.0 / disk_total as f64),
            max_disk_used_pct: Some(n.f(60.0, 80.0)),
            cpu_usage_pct: Some(n.f(10.0, 90.0)),
            mem_usage_pct: Some(n.f(40.0, 70.0)),
            be_node_total: Some(5),
            be_node_alive: Some(5),
            fe_node_total: Some(3),
            fe_node_alive: Some(3),
            cn_node_total: Some(0),
            cn_node_alive: Some(0),
            total_tablet_count: Some(480_000 + i),
            total_database_count: Some(40),
            total_table_count: Some(2_300),
            total_data_bytes: Some(used - 1_000_000_000),
            running_queries: Some(n.i(0, 60)),
            connections: Some(n.i(100, 400)),
            mv_refresh_running: Some(n.i(0, 3)),
            mv_refresh_success_total: Some(n.i(0, 5)),
            mv_refresh_failed_total: Some(0),
            txn_begin_total: Some(n.i(50, 300)),
            txn_success_total: Some(n.i(50, 300)),
            txn_failed_total: Some(n.i(0, 2)),
            load_finished_total: Some(n.i(20, 100)),
            routine_load_rows_total: Some(n.i(100_000, 3_000_000)),
            max_compaction_score: Some(n.f(1.0, 50.0)),
            base_compaction_requests_total: Some(n.i(0, 20)),
            base_compaction_failures_total: Some(0),
            cumulative_compaction_requests_total: Some(n.i(50, 500)),
            cumulative_compaction_failures_total: Some(n.i(0, 2)),
            load_running: Some(n.i(0, 10)),
            routine_load_running: Some(12),
            routine_load_paused: Some(1),
            schema_change_running: Some(0),
        }
    }

    fn realistic_be(n: &mut Noise, id: usize) -> NodeSample {
        let disks: Vec<DiskPath> = (1..=2)
            .map(|p| {
                let total = 4_000_000_000_000;
                let avail = total - n.i(2_000_000_000_000, 3_000_000_000_000);
                DiskPath {
                    path: format!("/data{p}/starrocks/storage"),
                    total_bytes: total,
                    avail_bytes: avail,
                    data_used_bytes: Some(total - avail - 5_000_000_000),
                }
            })
            .collect();
        NodeSample {
            node_id: format!("{}", 10_001 + id),
            kind: Some(NodeKind::Be),
            host: format!("10.0.1.{}", 10 + id),
            alive: Some(true),
            role: None,
            cpu_usage_pct: Some(n.f(10.0, 90.0)),
            mem_usage_pct: Some(n.f(40.0, 70.0)),
            mem_used_bytes: Some(n.i(60_000_000_000, 100_000_000_000)),
            disk_total_bytes: Some(8_000_000_000_000),
            disk_used_bytes: Some(n.i(4_000_000_000_000, 6_000_000_000_000)),
            disk_data_used_bytes: Some(n.i(4_000_000_000_000, 6_000_000_000_000)),
            max_disk_used_pct: Some(n.f(50.0, 80.0)),
            tablets: Some(96_000 + id as i64),
            compaction_score: Some(n.f(1.0, 50.0)),
            running_queries: Some(n.i(0, 20)),
            net_rx_bytes_per_sec: Some(n.f(1e6, 1e9)),
            net_tx_bytes_per_sec: Some(n.f(1e6, 1e9)),
            disk_read_bytes_per_sec: Some(n.f(1e6, 1e9)),
            disk_write_bytes_per_sec: Some(n.f(1e6, 1e9)),
            qps: None,
            connections: None,
            jvm_heap_used_pct: None,
            query_latency_p99: None,
            replayed_journal_id: None,
            disks,
        }
    }

    fn realistic_fe(n: &mut Noise, id: usize) -> NodeSample {
        NodeSample {
            node_id: format!("10.0.0.{}_9010_1718000000000", 10 + id),
            kind: Some(NodeKind::Fe),
            host: format!("10.0.0.{}", 10 + id),
            alive: Some(true),
            role: Some(if id == 0 { "LEADER" } else { "FOLLOWER" }.into()),
            qps: Some(n.f(10.0, 100.0)),
            connections: Some(n.i(30, 150)),
            jvm_heap_used_pct: Some(n.f(20.0, 80.0)),
            query_latency_p99: Some(n.f(800.0, 5_000.0)),
            replayed_journal_id: Some(n.i(10_000_000, 20_000_000)),
            ..NodeSample::default()
        }
    }

    fn table_bytes(store: &SqliteStore, table: &str) -> i64 {
        store
            .conn()
            .query_row(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .expect("query_row")
    }

    /// Seven days at one collection per 30 s for one cluster. Run with
    /// `cargo test --release -- --ignored --nocapture bytes_per_row`.
    #[test]
    #[ignore = "benchmark: writes 20,160 collections"]
    fn bytes_per_row() {
        const ROWS: i64 = 7 * 24 * 60 * 2;
        for with_nodes in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("starmon.db");
            let store = SqliteStore::open(&path).expect("open");
            let id = add(&store, "prod");
            let mut n = Noise(0x9E37_79B9_7F4A_7C15);
            let start = utc(2026, 3, 1, 0, 0, 0);
            let started = std::time::Instant::now();
            for i in 0..ROWS {
                let at = start + i * 30 * SEC + n.i(0, 500);
                let s = realistic_snapshot(&mut n, at, i);
                let mut nodes = Vec::new();
                if with_nodes {
                    nodes.extend((0..3).map(|k| realistic_fe(&mut n, k)));
                    nodes.extend((0..5).map(|k| realistic_be(&mut n, k)));
                }
                let status = CollectionStatus {
                    collected_at: at,
                    outcome: Outcome::Ok,
                    duration_ms: n.i(200, 2_000),
                    errors: vec![],
                };
                store
                    .write_collection(id, &s, &nodes, &status)
                    .expect("write_collection");
            }
            let elapsed = started.elapsed();
            let started = std::time::Instant::now();
            let days = store
                .rollup_daily(Tz::Asia__Shanghai, start + 8 * DAY)
                .expect("rollup_daily")
                .days_written;
            println!(
                "nodes={with_nodes}: rollup of {days} days in {:?}",
                started.elapsed()
            );
            let started = std::time::Instant::now();
            let one_node = store
                .node_samples(id, "10001", start, start + 7 * DAY)
                .expect("node_samples")
                .len();
            println!(
                "nodes={with_nodes}: read 7 days of one node ({one_node} samples) in {:?}",
                started.elapsed()
            );
            store
                .conn()
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                .expect("execute_batch");
            let file = std::fs::metadata(&path).expect("metadata").len() as f64;
            let snapshots = table_bytes(&store, "metrics_snapshots") as f64;
            println!(
                "nodes={with_nodes}: {ROWS} collections in {elapsed:?}; file {:.2} MB \
                 ({:.0} B/collection); metrics_snapshots {:.2} MB = {:.0} B/row; \
                 collection_status {:.0} B/row; node_samples {:.0} B/row; node_disks {:.0} B/row",
                file / 1e6,
                file / ROWS as f64,
                snapshots / 1e6,
                snapshots / ROWS as f64,
                table_bytes(&store, "collection_status") as f64 / ROWS as f64,
                table_bytes(&store, "node_samples") as f64 / (ROWS * 8) as f64,
                table_bytes(&store, "node_disks") as f64 / (ROWS * 10) as f64,
            );
            if !with_nodes {
                assert!(
                    snapshots / ROWS as f64 <= 300.0,
                    "rows grew past the size budget"
                );
            }
        }
    }
}
