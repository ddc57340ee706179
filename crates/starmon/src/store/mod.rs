//! Where starmon's history lives: the [`Store`] trait the collector, rollup task and API use, its
//! error type and result types, the bucket fold and the local-day arithmetic every
//! implementation shares.
//! The SQL is in [`sqlite`]; a server database can implement the same trait later (docs/design.md
//! "Storage").

pub mod alerts;
pub mod auth;
pub mod sqlite;

use chrono::{LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::model::{
    ClusterRecord, ClusterUpdate, CollectionStatus, NewCluster, NodeSample, Snapshot,
};

pub use sqlite::{keycheck, SqliteStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write collides with what is stored, e.g. a cluster name that is taken or a second
    /// snapshot at the same instant.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(String),
    /// Stored data that does not decode (unknown enum text, bad JSON, out-of-range port).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// An argument the store cannot represent (e.g. a timestamp outside chrono's range).
    #[error("invalid argument: {0}")]
    Invalid(String),
    #[error("database connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The database file cannot be used at all: damaged, or not writable. `problem` says which
    /// and what to do.
    #[error("the database {} {problem}", path.display())]
    Unusable {
        path: std::path::PathBuf,
        problem: String,
    },
    /// The key of stored secrets cannot be read or created, does not open what is stored, or
    /// one stored secret does not open ([`crate::secretbox::SecretError::Unreadable`]: a state
    /// to show, e.g. as a failed collection, not an internal error).
    #[error(transparent)]
    Secret(#[from] crate::secretbox::SecretError),
}

/// One cluster's local day (`daily_snapshots`). Every figure is `None` when no sample of the day
/// carried it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailySnapshot {
    #[serde(serialize_with = "serialize_date")]
    pub date: NaiveDate,
    /// Last non-null value of the day.
    pub total_data_bytes: Option<i64>,
    pub total_tablet_count: Option<i64>,
    pub total_table_count: Option<i64>,
    pub total_database_count: Option<i64>,
    /// This day's value minus the previous day's.
    pub daily_data_growth_bytes: Option<i64>,
    pub daily_tablet_growth: Option<i64>,
    /// Sums of the day's per-interval increases.
    pub daily_query_total: Option<i64>,
    pub daily_query_success: Option<i64>,
    pub daily_query_error: Option<i64>,
    /// Σ query_total / Σ interval_secs over samples that have both (time-weighted).
    pub avg_qps: Option<f64>,
    pub avg_p95_latency: Option<f64>,
    pub avg_disk_usage_pct: Option<f64>,
    pub avg_cpu_usage_pct: Option<f64>,
    pub max_disk_used_pct: Option<f64>,
    /// Detail rows the day was computed from.
    pub samples: i64,
}

/// One BE data path on one local day: the basis of the capacity forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeDiskDaily {
    #[serde(serialize_with = "serialize_date")]
    pub date: NaiveDate,
    pub node_id: String,
    pub path: String,
    /// Maximum over the day of total − avail.
    pub max_used_bytes: i64,
    /// Maximum over the day of the path's capacity.
    pub total_bytes: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RollupReport {
    pub days_written: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub snapshots_deleted: usize,
    /// Node samples; their disk rows go with them and are not counted.
    pub node_samples_deleted: usize,
    pub statuses_deleted: usize,
    /// `daily_snapshots` rows; the `node_disk_daily` rows of the same days go with them.
    pub daily_deleted: usize,
}

/// One bucket of a downsampled column: min, sum, max and count of the values known in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agg {
    pub min: f64,
    pub sum: f64,
    pub max: f64,
    pub count: u64,
}

impl Agg {
    /// Folds the known value `v` into a bucket's aggregate, `None` until the bucket has one.
    /// The one place buckets are combined: the database reads and the API's merge of daily
    /// points both use it.
    pub fn fold(slot: &mut Option<Agg>, v: f64) {
        *slot = Some(match *slot {
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

/// The start of the bucket that holds instant `t`, buckets being `step_ms` wide from `from_ms`.
pub fn bucket_start(from_ms: i64, step_ms: i64, t: i64) -> i64 {
    from_ms + ((t - from_ms) / step_ms) * step_ms
}

/// A downsampled series: per bucket start, one [`Agg`] per requested column (None when no row of
/// the bucket knew it). Buckets without rows are absent.
pub type Buckets = Vec<(i64, Vec<Option<Agg>>)>;

/// The history store. Alert state lives beside it ([`alerts::AlertStore`]), in the same database.
pub trait Store: alerts::AlertStore + Send + Sync + 'static {
    /// Fails with [`StoreError::Conflict`] when the name is taken.
    fn add_cluster(&self, c: &NewCluster) -> Result<ClusterRecord, StoreError>;
    /// Ordered by name.
    fn list_clusters(&self) -> Result<Vec<ClusterRecord>, StoreError>;
    fn cluster_by_name(&self, name: &str) -> Result<Option<ClusterRecord>, StoreError>;
    fn cluster_by_id(&self, id: i64) -> Result<Option<ClusterRecord>, StoreError>;
    fn cluster_password(
        &self,
        cluster_id: i64,
    ) -> Result<Option<secrecy::SecretString>, StoreError>;
    /// Changes the given fields of a cluster (the password is encrypted again); Ok(None) for an
    /// unknown id, [`StoreError::Conflict`] when the new name is taken.
    fn update_cluster(
        &self,
        id: i64,
        u: &ClusterUpdate,
    ) -> Result<Option<ClusterRecord>, StoreError>;
    /// Removes the cluster and all its history. Ok(false) if there was none.
    fn remove_cluster(&self, name: &str) -> Result<bool, StoreError>;
    /// The snapshot, its node samples (with their disk paths) and the status, in ONE transaction.
    /// [`StoreError::NotFound`] for an unknown cluster; [`StoreError::Conflict`] for a second
    /// snapshot at the same instant or a node/path listed twice.
    fn write_collection(
        &self,
        cluster_id: i64,
        snapshot: &Snapshot,
        nodes: &[NodeSample],
        status: &CollectionStatus,
    ) -> Result<(), StoreError>;
    fn latest_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError>;
    /// The latest snapshot of a collection that did not fail outright: what to show when the
    /// cluster cannot be asked.
    fn latest_usable_snapshot(&self, cluster_id: i64) -> Result<Option<Snapshot>, StoreError>;
    /// Snapshots with from_ms <= collected_at < to_ms, oldest first.
    fn snapshots(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Snapshot>, StoreError>;
    /// The statuses of the latest `limit` collections, newest first.
    fn latest_statuses(
        &self,
        cluster_id: i64,
        limit: u32,
    ) -> Result<Vec<CollectionStatus>, StoreError>;
    /// Snapshot `columns` with from_ms <= collected_at < to_ms aggregated into buckets of
    /// `step_ms` starting at `from_ms`, by the database. [`StoreError::Invalid`] for a column
    /// that is not a numeric snapshot field.
    fn snapshot_buckets(
        &self,
        cluster_id: i64,
        columns: &[String],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Result<Buckets, StoreError>;
    /// The same over one node's samples.
    fn node_buckets(
        &self,
        cluster_id: i64,
        node_id: &str,
        columns: &[String],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Result<Buckets, StoreError>;
    /// Statuses with from_ms <= collected_at < to_ms, oldest first.
    fn statuses(
        &self,
        cluster_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CollectionStatus>, StoreError>;
    /// Node samples of one node (node_id) with their disks (ordered by path), oldest first.
    fn node_samples(
        &self,
        cluster_id: i64,
        node_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, NodeSample)>, StoreError>;
    /// Every node of the most recent collection that listed nodes, with its disks, and that
    /// collection's instant; `None` when the cluster has no node samples.
    fn latest_nodes(&self, cluster_id: i64) -> Result<Option<(i64, Vec<NodeSample>)>, StoreError>;
    /// Writes the daily rollup of every complete local day (in `tz`) that has detail rows and no
    /// rollup yet, for every cluster: catches up any number of missed days; running it twice
    /// changes nothing. A day is complete when `now_ms` is past the next local midnight.
    fn rollup_daily(&self, tz: Tz, now_ms: i64) -> Result<RollupReport, StoreError>;
    /// Rollups with from_date <= date <= to_date, oldest first.
    fn daily(
        &self,
        cluster_id: i64,
        from_date: NaiveDate,
        to_date: NaiveDate,
    ) -> Result<Vec<DailySnapshot>, StoreError>;
    /// Per-path daily maxima with from_date <= date <= to_date, ordered by date, node, path.
    fn node_disk_daily(
        &self,
        cluster_id: i64,
        from_date: NaiveDate,
        to_date: NaiveDate,
    ) -> Result<Vec<NodeDiskDaily>, StoreError>;
    /// Deletes detail rows (snapshots, node samples, node disks, statuses) with
    /// collected_at < now_ms - detail_ms, and daily rows (both daily tables) older than
    /// daily_days local days before today in `tz`. Never anything inside the windows.
    fn enforce_retention(
        &self,
        tz: Tz,
        now_ms: i64,
        detail_ms: i64,
        daily_days: u32,
    ) -> Result<RetentionReport, StoreError>;
    /// Bytes of the database file(s) on disk (main + WAL), for starmon's own metrics.
    fn size_bytes(&self) -> Result<u64, StoreError>;
}

/// The local date in `tz` of the instant `ms` (unix milliseconds).
pub fn local_date(tz: Tz, ms: i64) -> Result<NaiveDate, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz).date_naive())
        .ok_or_else(|| StoreError::Invalid(format!("timestamp {ms} ms is out of range")))
}

/// The first instant (unix milliseconds) whose local date in `tz` is `date`.
///
/// Usually local midnight, but not always: where a DST change skips midnight (e.g.
/// America/Santiago) the day starts at the end of the gap, and where it repeats midnight the day
/// starts at the earlier one. A date a zone skipped entirely (Pacific/Apia, 2011-12-30) is an
/// empty day that starts, and ends, where the next one starts.
pub fn day_start_ms(tz: Tz, date: NaiveDate) -> Result<i64, StoreError> {
    let out_of_range = || StoreError::Invalid(format!("date {date} is out of range"));
    let mut day = date;
    // At most one skipped day in a row has ever happened; two iterations cover it.
    for _ in 0..2 {
        let midnight = day.and_time(NaiveTime::MIN);
        // Offsets and DST gaps are multiples of 15 minutes, so stepping by 15 minutes finds the
        // end of a gap exactly.
        for step in 0..96 {
            let local = midnight
                .checked_add_signed(TimeDelta::minutes(15 * step))
                .ok_or_else(out_of_range)?;
            match tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return Ok(t.timestamp_millis()),
                LocalResult::Ambiguous(a, b) => {
                    return Ok(a.timestamp_millis().min(b.timestamp_millis()))
                }
                LocalResult::None => {}
            }
        }
        day = day.succ_opt().ok_or_else(out_of_range)?;
    }
    Err(out_of_range())
}

/// `YYYY-MM-DD`, the way the API shows dates (chrono is built without its serde feature).
fn serialize_date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("from_ymd_opt")
    }

    // Expected instants below were computed by hand: 2026-03-01T00:00Z = 1_772_323_200 s.
    const MAR_1_2026_UTC_MS: i64 = 1_772_323_200_000;
    const HOUR_MS: i64 = 3_600_000;

    #[test]
    fn local_date_uses_the_zone() {
        // 2026-03-01T16:30Z is 00:30 on 2026-03-02 in Shanghai (UTC+8).
        let t = MAR_1_2026_UTC_MS + 16 * HOUR_MS + 30 * 60_000;
        assert_eq!(
            local_date(Tz::UTC, t).expect("local_date"),
            date(2026, 3, 1)
        );
        assert_eq!(
            local_date(Tz::Asia__Shanghai, t).expect("local_date"),
            date(2026, 3, 2)
        );
        assert_eq!(
            local_date(Tz::Asia__Shanghai, t - HOUR_MS).expect("local_date"),
            date(2026, 3, 1)
        );
    }

    #[test]
    fn day_start_is_local_midnight() {
        assert_eq!(
            day_start_ms(Tz::UTC, date(2026, 3, 1)).expect("day_start_ms"),
            MAR_1_2026_UTC_MS
        );
        // Shanghai midnight of 03-02 is 16:00Z on 03-01.
        assert_eq!(
            day_start_ms(Tz::Asia__Shanghai, date(2026, 3, 2)).expect("day_start_ms"),
            MAR_1_2026_UTC_MS + 16 * HOUR_MS
        );
    }

    #[test]
    fn day_start_after_a_dst_gap_at_midnight() {
        // Santiago jumped from 2024-09-08 00:00 (-04) to 01:00 (-03): the day starts at
        // 01:00-03 = 04:00Z. 2024-09-08T00:00Z = 1_725_753_600 s.
        assert_eq!(
            day_start_ms(Tz::America__Santiago, date(2024, 9, 8)).expect("day_start_ms"),
            1_725_753_600_000 + 4 * HOUR_MS
        );
    }

    #[test]
    fn a_skipped_day_is_empty() {
        // Apia skipped 2011-12-30; 2011-12-31 00:00 +14 = 2011-12-30T10:00Z = 1_325_239_200 s.
        let start_31 = 1_325_239_200_000;
        assert_eq!(
            day_start_ms(Tz::Pacific__Apia, date(2011, 12, 31)).expect("day_start_ms"),
            start_31
        );
        assert_eq!(
            day_start_ms(Tz::Pacific__Apia, date(2011, 12, 30)).expect("day_start_ms"),
            start_31
        );
    }

    #[test]
    fn folding_keeps_min_sum_max_and_count_of_known_values() {
        let mut slot = None;
        for v in [3.0, -1.0, 4.0] {
            Agg::fold(&mut slot, v);
        }
        assert_eq!(
            slot,
            Some(Agg {
                min: -1.0,
                sum: 6.0,
                max: 4.0,
                count: 3
            })
        );
    }

    #[test]
    fn buckets_start_at_from_and_are_step_wide() {
        assert_eq!(bucket_start(1_000, 60_000, 1_000), 1_000);
        assert_eq!(bucket_start(1_000, 60_000, 60_999), 1_000);
        assert_eq!(bucket_start(1_000, 60_000, 61_000), 61_000);
    }

    #[test]
    fn daily_serializes_dates_as_iso() {
        let d = NodeDiskDaily {
            date: date(2026, 3, 2),
            node_id: "10001".into(),
            path: "/data1".into(),
            max_used_bytes: 5,
            total_bytes: 10,
        };
        let json = serde_json::to_value(&d).expect("to_value");
        assert_eq!(json["date"], "2026-03-02");
    }
}
