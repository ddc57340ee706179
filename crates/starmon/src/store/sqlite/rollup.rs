//! The daily tables: rolling complete local days of detail up into `daily_snapshots` and
//! `node_disk_daily` (catching up missed days, once each), and reading them back.

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use tracing::debug;

use super::clusters::cluster_ids;
use super::columns::{decode_date, encode_date};
use super::{all_rows, now_ms, SqliteStore};
use crate::store::{
    day_start_ms, local_date, DailySnapshot, NodeDiskDaily, RollupReport, StoreError,
};

pub(super) fn rollup_daily(
    store: &SqliteStore,
    tz: Tz,
    now_ms: i64,
) -> Result<RollupReport, StoreError> {
    let today = local_date(tz, now_ms)?;
    // Every instant before today's start belongs to a complete day.
    let complete_before = day_start_ms(tz, today)?;
    let ids = cluster_ids(&store.conn())?;
    let mut report = RollupReport::default();
    for cluster_id in ids {
        // The lock and a transaction per cluster: collectors write between clusters instead
        // of waiting for all of them. Within the transaction a day's growth reads the
        // previous day's rollup, possibly written a moment earlier in the same catch-up.
        let mut conn = store.conn();
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

pub(super) fn daily(
    store: &SqliteStore,
    cluster_id: i64,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> Result<Vec<DailySnapshot>, StoreError> {
    let conn = store.read()?;
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
    all_rows(
        &mut stmt,
        params![cluster_id, encode_date(from_date), encode_date(to_date)],
        |row| {
            Ok(DailySnapshot {
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
            })
        },
    )
}

pub(super) fn node_disk_daily(
    store: &SqliteStore,
    cluster_id: i64,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> Result<Vec<NodeDiskDaily>, StoreError> {
    let conn = store.read()?;
    let mut stmt = conn.prepare_cached(
        "SELECT snapshot_date, node_id, path, max_used_bytes, total_bytes
         FROM node_disk_daily
         WHERE cluster_id = ?1 AND snapshot_date >= ?2 AND snapshot_date <= ?3
         ORDER BY snapshot_date, node_id, path",
    )?;
    all_rows(
        &mut stmt,
        params![cluster_id, encode_date(from_date), encode_date(to_date)],
        |row| {
            Ok(NodeDiskDaily {
                date: decode_date(&row.get::<_, String>(0)?)?,
                node_id: row.get(1)?,
                path: row.get(2)?,
                max_used_bytes: row.get(3)?,
                total_bytes: row.get(4)?,
            })
        },
    )
}

/// Writes the rollup of `day` for one cluster unless it exists; true if it wrote one.
/// `next_start` is the first instant of the following day.
pub(super) fn write_day_if_missing(
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
