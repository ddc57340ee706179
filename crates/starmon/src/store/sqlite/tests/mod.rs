//! Tests of the SQLite store, one file per table family; the fixtures they share are here.

use super::columns::SNAPSHOT_COLUMNS;
use super::migrate::MIGRATIONS;
use super::rollup::write_day_if_missing;
use super::*;
use crate::model::{DiskPath, NodeKind, Outcome, SourceError};
use crate::secretbox::{self, SecretBox};
use chrono::{TimeZone, Utc};
use rusqlite::params;
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

mod clusters;
mod history;
mod open;
mod retention;
mod rollup;
mod size;
