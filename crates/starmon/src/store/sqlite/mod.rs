//! The SQLite [`Store`]: opens the file (permissions, pragmas, health and key checks, the read
//! pool) and routes each trait method to the module of its table family; all SQL is below here.

mod alerts;
mod auth;
mod clusters;
mod columns;
mod health;
mod history;
pub mod keycheck;
mod migrate;
mod retention;
mod rollup;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::{ffi, Connection, ErrorCode, Params, Row, Statement};
use secrecy::SecretString;
use tracing::warn;

use super::{
    Buckets, DailySnapshot, NodeDiskDaily, RetentionReport, RollupReport, Store, StoreError,
};
use crate::model::{
    ClusterRecord, ClusterUpdate, Collected, CollectionStatus, NewCluster, NodeSample, Snapshot,
};
use crate::secretbox::SecretBox;

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
    /// Encrypts cluster passwords; its key is in [`crate::secretbox::key_path`] of `path`.
    secrets: SecretBox,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date; loads
    /// the key of stored secrets from `<path>.key` and checks it opens them (creating it only
    /// while nothing is stored, see [`keycheck`]), and encrypts any cluster password still
    /// stored in clear by an older starmon.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        create_private(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Before anything reads the schema: a damaged file fails here with a message saying so.
        health::check_not_corrupt(&conn, path)?;
        health::check_writable(&mut conn, path)?;
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
        migrate::migrate(&mut conn)?;
        let secrets = keycheck::open_key(&conn, path)?;
        clusters::encrypt_clear_passwords(&mut conn, &secrets)?;
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

    /// Back-fills history: many collections of one cluster, each stored as
    /// [`Store::write_collection`] stores it, in ONE transaction (all or, on the first error,
    /// none; the same errors). Holds the writer until the batch is done. Returns how many were
    /// written. Not on [`Store`]: nothing that works through the trait writes history in bulk.
    pub fn write_collections(
        &self,
        cluster_id: i64,
        collections: impl IntoIterator<Item = Collected>,
    ) -> Result<usize, StoreError> {
        history::write_collections(self, cluster_id, collections)
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

pub(super) fn now_ms() -> i64 {
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

/// Every row `stmt` gives for `params`, decoded by `decode`: the one loop behind each list query.
pub(super) fn all_rows<T>(
    stmt: &mut Statement<'_>,
    params: impl Params,
    mut decode: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(row)?);
    }
    Ok(out)
}

/// The first row `stmt` gives for `params`, decoded by `decode`; None when there is none.
pub(super) fn first_row<T>(
    stmt: &mut Statement<'_>,
    params: impl Params,
    decode: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut rows = stmt.query(params)?;
    match rows.next()? {
        Some(row) => Ok(Some(decode(row)?)),
        None => Ok(None),
    }
}

/// Each method's SQL is in the module of its table family; this impl only routes to it.
impl Store for SqliteStore {
    fn add_cluster(&self, c: &NewCluster) -> Result<ClusterRecord, StoreError> {
        clusters::add_cluster(self, c)
    }

    fn list_clusters(&self) -> Result<Vec<ClusterRecord>, StoreError> {
        clusters::list_clusters(self)
    }

    fn cluster_by_name(&self, name: &str) -> Result<Option<ClusterRecord>, StoreError> {
        clusters::cluster_by_name(self, name)
    }

    fn cluster_by_id(&self, id: i64) -> Result<Option<ClusterRecord>, StoreError> {
        clusters::cluster_by_id(self, id)
    }

    fn cluster_password(&self, cluster_id: i64) -> Result<Option<SecretString>, StoreError> {
        clusters::cluster_password(self, cluster_id)
    }

    fn update_cluster(
        &self,
        id: i64,
        u: &ClusterUpdate,
    ) -> Result<Option<ClusterRecord>, StoreError> {
        clusters::update_cluster(self, id, u)
    }

    fn remove_cluster(&self, name: &str) -> Result<bool, StoreError> {
        clusters::remove_cluster(self, name)
    }

    fn write_collection(
        &self,
        cluster_id: i64,
        snapshot: &Snapshot,
        nodes: &[NodeSample],
        status: &CollectionStatus,
    ) -> Result<(), StoreError> {
        history::write_collection(self, cluster_id, snapshot, nodes, status)
    }

    fn latest_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError> {
        history::latest_snapshot(self, cluster_id)
    }

    fn latest_usable_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError> {
        history::latest_usable_snapshot(self, cluster_id)
    }

    fn snapshots(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Snapshot>, StoreError> {
        history::snapshots(self, cluster_id, from_ms, to_ms)
    }

    fn latest_statuses(
        &self,
        cluster_id: i64,
        limit: u32,
    ) -> Result<Vec<CollectionStatus>, StoreError> {
        history::latest_statuses(self, cluster_id, limit)
    }

    fn snapshot_buckets(
        &self,
        cluster_id: i64,
        columns: &[String],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Result<Buckets, StoreError> {
        history::snapshot_buckets(self, cluster_id, columns, from_ms, to_ms, step_ms)
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
        history::node_buckets(self, cluster_id, node_id, columns, from_ms, to_ms, step_ms)
    }

    fn statuses(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CollectionStatus>, StoreError> {
        history::statuses(self, cluster_id, from_ms, to_ms)
    }

    fn node_samples(
        &self,
        cluster_id: i64,
        node_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, NodeSample)>, StoreError> {
        history::node_samples(self, cluster_id, node_id, from_ms, to_ms)
    }

    fn latest_nodes(&self, cluster_id: i64) -> Result<Option<(i64, Vec<NodeSample>)>, StoreError> {
        history::latest_nodes(self, cluster_id)
    }

    fn rollup_daily(&self, tz: Tz, now_ms: i64) -> Result<RollupReport, StoreError> {
        rollup::rollup_daily(self, tz, now_ms)
    }

    fn daily(
        &self,
        cluster_id: i64,
        from_date: NaiveDate,
        to_date: NaiveDate,
    ) -> Result<Vec<DailySnapshot>, StoreError> {
        rollup::daily(self, cluster_id, from_date, to_date)
    }

    fn node_disk_daily(
        &self,
        cluster_id: i64,
        from_date: NaiveDate,
        to_date: NaiveDate,
    ) -> Result<Vec<NodeDiskDaily>, StoreError> {
        rollup::node_disk_daily(self, cluster_id, from_date, to_date)
    }

    fn enforce_retention(
        &self,
        tz: Tz,
        now_ms: i64,
        detail_ms: i64,
        daily_days: u32,
    ) -> Result<RetentionReport, StoreError> {
        retention::enforce_retention(self, tz, now_ms, detail_ms, daily_days)
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
