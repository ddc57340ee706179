//! The bytes a realistic row costs (a measurement, ignored by default).

use super::*;

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
