//! How rows map to Rust: the measured-column lists of snapshots and node samples (named once,
//! binding and decoding generated from them), and the date encoding of the daily tables.

use chrono::NaiveDate;
use rusqlite::{Row, ToSql};

use crate::model::{NodeSample, Snapshot};
use crate::store::StoreError;

// Column lists. Each measured field is named once; the SQL column list, the parameter binding
// and the decoding are generated from that list in the same order, and the compile-time
// pattern below fails to build when model.rs gains a field this list does not mention.

macro_rules! columns {
    (
        $ty:ident { $($field:ident),+ $(,)? }
        handled elsewhere { $($other:ident),* }
        => $names:ident, $bind:ident, $read:ident
    ) => {
        pub(super) const $names: &[&str] = &[$(stringify!($field)),+];

        pub(super) fn $bind(v: &$ty) -> Vec<&dyn ToSql> {
            vec![$(&v.$field as &dyn ToSql),+]
        }

        /// Fills the listed fields from consecutive columns starting at `first`.
        pub(super) fn $read(row: &Row<'_>, first: usize, v: &mut $ty) -> rusqlite::Result<()> {
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

pub(super) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Dates are stored as `YYYY-MM-DD` text so that they sort, compare and read as dates.
pub(super) fn encode_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn decode_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
}
