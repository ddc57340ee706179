//! Retention: deleting detail rows older than the detail window and daily rows older than the
//! daily window, one cluster per transaction.

use chrono::Days;
use chrono_tz::Tz;
use rusqlite::{params, TransactionBehavior};

use super::clusters::cluster_ids;
use super::columns::encode_date;
use super::SqliteStore;
use crate::store::{local_date, RetentionReport, StoreError};

pub(super) fn enforce_retention(
    store: &SqliteStore,
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

    let ids = cluster_ids(&store.conn())?;
    let mut report = RetentionReport::default();
    for cluster_id in ids {
        // The lock and a transaction per cluster, so that a large first clean-up does not
        // hold up every collector. Children first: each DELETE is one primary-key range, and
        // the cascades from the parents then find nothing left to do.
        let mut conn = store.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let detail = params![cluster_id, detail_cutoff];
        tx.prepare_cached("DELETE FROM node_disks WHERE cluster_id = ?1 AND collected_at < ?2")?
            .execute(detail)?;
        report.node_samples_deleted += tx
            .prepare_cached("DELETE FROM node_samples WHERE cluster_id = ?1 AND collected_at < ?2")?
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
