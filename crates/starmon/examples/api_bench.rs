//! API benchmark: `starmon serve` answering its HTTP API over 200 clusters with 7 days of history,
//! while it keeps collecting those 200 clusters from the release `starrocks-sim`.
//!
//! What it measures (issue: "a 7-day range of one metric of one cluster reduced to ≤ 1,000 points
//! at p99 ≤ 20 ms; /overview from cache at p99 ≤ 50 ms; under a load tool at 200 requests/s the
//! collector still collects every cluster in every cycle"):
//!
//! 1. A database with N clusters × D days of 30 s snapshots and their `collection_status` rows,
//!    daily rollups, and D days of per-node samples for a few clusters only (all clusters would be
//!    ~32 M node rows). Filling it takes minutes, so a template is cached (`--cache`) and copied for
//!    each run, topped up to the present and trimmed by the store's own retention.
//! 2. `starmon serve --collect-interval 30` on the copy, collecting the emulator's clusters.
//! 3. Collection cycles aligned to 30 s buckets: one warm-up cycle, quiet cycles (no API traffic),
//!    a sequential phase (7-day history queries one at a time; /overview miss then cache hits),
//!    then an open-loop load of a fixed number of requests per second for whole cycles.
//! 4. From the database: clusters collected per cycle and collection durations per phase; from
//!    /proc: starmon's CPU seconds per phase and peak RSS.
//!
//! cargo build --release -p starrocks-sim -p starmon --bins --examples
//! target/release/examples/api_bench --clusters 200 --days 7 --rps 200 --load-cycles 4

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Bytes;
use clap::Parser;
use secrecy::ExposeSecret;
use serde_json::Value;
use starmon::model::{
    ClusterUpdate, Collected, CollectionStatus, DiskPath, NewCluster, NodeKind, NodeSample,
    Outcome, Snapshot, SourceError,
};
use starmon::secretbox::key_path;
use starmon::store::sqlite::SqliteStore;
use starmon::store::Store;

mod bench_common;
use bench_common::{percentile, proc_stat};

const DAY_MS: i64 = 86_400_000;
/// The detail step of the synthetic history: serve's default collection interval.
const STEP_MS: i64 = 30_000;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 200)]
    clusters: usize,
    #[arg(long, default_value_t = 3)]
    fes: usize,
    #[arg(long, default_value_t = 5)]
    bes: usize,
    #[arg(long, default_value = "3.3")]
    version: String,
    /// Days of detail history (also serve's default detail retention).
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// Clusters (the first ids) that also get per-node history for the whole range.
    #[arg(long, default_value_t = 4)]
    node_history_clusters: usize,
    /// The filled template database, reused while its parameters match.
    #[arg(long, default_value = "/tmp/starmon-api-bench/history.db")]
    cache: PathBuf,
    /// Rebuild the template even if one exists.
    #[arg(long)]
    rebuild: bool,
    /// Snapshots written through `Store::write_collection` while building, to measure its rate.
    #[arg(long, default_value_t = 2000)]
    measure_writes: usize,
    /// Where the per-run copy goes (a fresh directory is made inside, removed at the end).
    #[arg(long, default_value = "/tmp")]
    workdir: PathBuf,
    /// Keep the per-run copy and serve's log.
    #[arg(long)]
    keep: bool,
    #[arg(long, default_value_t = 30)]
    interval: u64,
    /// Cycles without API traffic, after the warm-up cycle.
    #[arg(long, default_value_t = 2)]
    quiet_cycles: u64,
    /// Sequential 7-day history requests.
    #[arg(long, default_value_t = 500)]
    history_requests: usize,
    /// Clusters whose /overview is asked once (miss) and then repeatedly within the cache TTL.
    #[arg(long, default_value_t = 5)]
    overview_clusters: usize,
    /// Seconds of cached /overview requests per cluster (below the 5 s TTL).
    #[arg(long, default_value_t = 3.0)]
    overview_secs: f64,
    /// Open-loop request rate of the load phase.
    #[arg(long, default_value_t = 200.0)]
    rps: f64,
    /// Whole collection cycles under load.
    #[arg(long, default_value_t = 4)]
    load_cycles: u64,
    /// Load mix as kind:weight (history = 7-day range of one metric, 1,000 points).
    #[arg(long, default_value = "history:25,overview:25,latest:25,kpis:25")]
    mix: String,
    /// /overview under load picks among this many clusters (a few dashboards watched by many).
    #[arg(long, default_value_t = 20)]
    overview_hot: usize,
}

/// One emulated cluster as the emulator announces it.
struct SimCluster {
    name: String,
    host: String,
    query_port: u16,
    http_port: u16,
    user: String,
    password: String,
}

/// A child process stopped on every exit path: SIGTERM first so serve shuts down cleanly.
struct Proc {
    child: Child,
    what: &'static str,
}

impl Proc {
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.what);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// "n=… p50=… p90=… p99=… max=…" of latencies in milliseconds.
fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "n={:>6}  p50={:>8.2}  p90={:>8.2}  p99={:>8.2}  max={:>8.2} ms",
        ms.len(),
        percentile(&ms, 0.5).unwrap_or(f64::NAN),
        percentile(&ms, 0.9).unwrap_or(f64::NAN),
        percentile(&ms, 0.99).unwrap_or(f64::NAN),
        percentile(&ms, 1.0).unwrap_or(f64::NAN)
    )
}

/// splitmix64: a deterministic value per (cluster, instant, field) without a rand dependency.
fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Uniform in [0, 1) for (cluster, instant, field).
fn unit(cluster: i64, t: i64, field: u64) -> f64 {
    let h =
        mix64(((cluster as u64) << 40) ^ (t as u64 / 1000) ^ field.wrapping_mul(0x1000_0000_01b3));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Small xorshift for the request mix and cluster choice.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic history.

/// Where cluster `c`'s samples fall within each 30 s step, so clusters do not share instants.
fn offset(c: i64) -> i64 {
    (c * 7_919) % STEP_MS
}

/// Daily shape of a workload: low at night, high in the afternoon (UTC), in [0, 1].
fn diurnal(t: i64) -> f64 {
    let phase = (t.rem_euclid(DAY_MS)) as f64 / DAY_MS as f64;
    0.5 - 0.5 * (2.0 * std::f64::consts::PI * phase).cos()
}

/// The collection of cluster `c` at `t`: a snapshot with realistic magnitudes, and its status.
/// About 0.5 % of collections are partial (FE /metrics unreachable: query figures NULL), jobs
/// figures are NULL every other sample (60 s tier), as serve writes them.
fn synthetic(c: i64, t: i64, fes: usize, bes: usize) -> (Snapshot, CollectionStatus) {
    let u = |f: u64| unit(c, t, f);
    let base_qps = 2.0 + (mix64(c as u64) % 800) as f64;
    let day = diurnal(t);
    let partial = u(1) < 0.005;
    let qps = base_qps * (0.3 + 0.9 * day) * (0.9 + 0.2 * u(2));
    let total = (qps * 30.0).round() as i64;
    let errors = (total as f64 * 0.003 * u(3)).round() as i64;
    let p50 = 4.0 + 20.0 * u(4) + 10.0 * day;
    let spike = if u(5) < 0.01 { 8.0 } else { 1.0 };
    let disk_total = (bes as i64) * 2 * 2_000_000_000_000;
    // Fill grows ~0.4 % of capacity a day from a per-cluster start between 20 % and 70 %.
    let fill = 0.2
        + 0.5 * (mix64(c as u64 ^ 0xd15c) % 1000) as f64 / 1000.0
        + 0.004 * (t as f64 / DAY_MS as f64 - 20_000.0).max(0.0);
    let fill = fill.min(0.95);
    let used = (disk_total as f64 * fill) as i64;
    let usage_pct = fill * 100.0;
    let jobs = (t / STEP_MS) % 2 == 0;
    let be_alive = if u(6) < 0.002 {
        bes as i64 - 1
    } else {
        bes as i64
    };
    let s = Snapshot {
        collected_at: t,
        interval_secs: Some(30.0 + (u(7) - 0.5) * 0.2),
        query_total: (!partial).then_some(total),
        query_success: (!partial).then_some(total - errors),
        query_error: (!partial).then_some(errors),
        query_timeout: (!partial).then_some(errors / 10),
        query_latency_p50: (!partial).then_some(p50),
        query_latency_p90: (!partial).then_some(p50 * 2.5),
        query_latency_p95: (!partial).then_some(p50 * 3.5),
        query_latency_p99: (!partial).then_some(p50 * 7.0 * spike),
        qps: (!partial).then_some(qps),
        rps: (!partial).then_some(qps * 1.2),
        disk_total_bytes: Some(disk_total),
        disk_used_bytes: Some(used),
        disk_data_used_bytes: Some((used as f64 * 0.93) as i64),
        disk_usage_pct: Some(usage_pct),
        max_disk_used_pct: Some((usage_pct + 3.0 + 4.0 * u(8)).min(100.0)),
        cpu_usage_pct: Some(8.0 + 55.0 * day + 10.0 * u(9)),
        mem_usage_pct: Some(35.0 + 20.0 * u(10)),
        be_node_total: Some(bes as i64),
        be_node_alive: Some(be_alive),
        fe_node_total: Some(fes as i64),
        fe_node_alive: Some(fes as i64),
        cn_node_total: Some(0),
        cn_node_alive: Some(0),
        total_tablet_count: Some(100_000 + (mix64(c as u64) % 50_000) as i64 + t / 3_600_000),
        total_database_count: Some(12),
        total_table_count: Some(340),
        total_data_bytes: Some((used as f64 * 0.93) as i64),
        running_queries: (!partial).then_some((qps * 0.04 * (0.5 + u(11))).round() as i64),
        connections: Some(40 + (60.0 * u(12)) as i64),
        mv_refresh_running: Some(i64::from(u(13) < 0.1)),
        mv_refresh_success_total: jobs.then_some((3.0 * u(14)) as i64),
        mv_refresh_failed_total: jobs.then_some(i64::from(u(15) < 0.01)),
        txn_begin_total: Some((120.0 * u(16)) as i64),
        txn_success_total: Some((118.0 * u(16)) as i64),
        txn_failed_total: Some(i64::from(u(17) < 0.05)),
        load_finished_total: Some((20.0 * u(18)) as i64),
        routine_load_rows_total: Some((300_000.0 * u(19)) as i64),
        max_compaction_score: Some(5.0 + 60.0 * u(20)),
        base_compaction_requests_total: Some((4.0 * u(21)) as i64),
        base_compaction_failures_total: Some(0),
        cumulative_compaction_requests_total: Some((90.0 * u(22)) as i64),
        cumulative_compaction_failures_total: Some(i64::from(u(23) < 0.02)),
        load_running: Some((5.0 * u(24)) as i64),
        routine_load_running: Some(3),
        routine_load_paused: Some(i64::from(u(25) < 0.01)),
        schema_change_running: Some(i64::from(u(26) < 0.005)),
    };
    let status = CollectionStatus {
        collected_at: t,
        outcome: if partial {
            Outcome::Partial
        } else {
            Outcome::Ok
        },
        duration_ms: 40 + (120.0 * u(27) * u(27)) as i64,
        errors: if partial {
            vec![SourceError {
                source: "fe 127.0.0.1:8030 /metrics".into(),
                error: "timed out after 5000 ms".into(),
            }]
        } else {
            Vec::new()
        },
    };
    (s, status)
}

/// The nodes of cluster `c` at `t`: FEs by name, BEs by the emulator's ids, two paths per BE.
fn synthetic_nodes(c: i64, t: i64, fes: usize, bes: usize) -> Vec<NodeSample> {
    let u = |f: u64| unit(c, t, 100 + f);
    let mut out = Vec::with_capacity(fes + bes);
    for i in 0..fes {
        out.push(NodeSample {
            node_id: format!("127.0.0.1_9010_fe{}", i + 1),
            kind: Some(NodeKind::Fe),
            host: "127.0.0.1".into(),
            alive: Some(true),
            role: Some(if i == 0 { "LEADER" } else { "FOLLOWER" }.into()),
            cpu_usage_pct: Some(5.0 + 20.0 * u(i as u64)),
            qps: Some(50.0 * u(10 + i as u64)),
            connections: Some(10 + (20.0 * u(20 + i as u64)) as i64),
            jvm_heap_used_pct: Some(30.0 + 40.0 * u(30 + i as u64)),
            query_latency_p99: Some(50.0 + 200.0 * u(40 + i as u64)),
            replayed_journal_id: Some(1_000_000 + t / 1000),
            ..NodeSample::default()
        });
    }
    for i in 0..bes {
        let k = 50 + 20 * i as u64;
        let total = 2_000_000_000_000i64;
        let disks: Vec<DiskPath> = (0..2)
            .map(|p| {
                let used = (total as f64 * (0.4 + 0.2 * u(k + p))) as i64;
                DiskPath {
                    path: format!("/data{}/starrocks/storage", p + 1),
                    total_bytes: total,
                    avail_bytes: total - used,
                    data_used_bytes: Some((used as f64 * 0.93) as i64),
                }
            })
            .collect();
        let used: i64 = disks.iter().map(|d| d.total_bytes - d.avail_bytes).sum();
        out.push(NodeSample {
            node_id: (10_001 + i).to_string(),
            kind: Some(NodeKind::Be),
            host: "127.0.0.1".into(),
            alive: Some(true),
            cpu_usage_pct: Some(10.0 + 60.0 * u(k + 3)),
            mem_usage_pct: Some(20.0 + 30.0 * u(k + 4)),
            mem_used_bytes: Some((40e9 * u(k + 5)) as i64),
            disk_total_bytes: Some(2 * total),
            disk_used_bytes: Some(used),
            disk_data_used_bytes: Some((used as f64 * 0.93) as i64),
            max_disk_used_pct: Some(60.0),
            tablets: Some(20_000 + (5_000.0 * u(k + 6)) as i64),
            compaction_score: Some(5.0 + 50.0 * u(k + 7)),
            running_queries: Some((10.0 * u(k + 8)) as i64),
            net_rx_bytes_per_sec: Some(1e8 * u(k + 9)),
            net_tx_bytes_per_sec: Some(1e8 * u(k + 10)),
            disk_read_bytes_per_sec: Some(2e8 * u(k + 11)),
            disk_write_bytes_per_sec: Some(1e8 * u(k + 12)),
            disks,
            ..NodeSample::default()
        });
    }
    out
}

/// Cluster `c`'s 30 s grid from `from_ms` (inclusive) to `to_ms` (exclusive).
fn instants(c: i64, from_ms: i64, to_ms: i64) -> impl Iterator<Item = i64> {
    let first = from_ms + (offset(c) - from_ms).rem_euclid(STEP_MS);
    (first..to_ms).step_by(STEP_MS as usize)
}

/// The collection of cluster `c` at `t` as serve would store it; node samples only `with_nodes`.
fn collection(c: i64, t: i64, with_nodes: bool, fes: usize, bes: usize) -> Collected {
    let (snapshot, status) = synthetic(c, t, fes, bes);
    let nodes = if with_nodes {
        synthetic_nodes(c, t, fes, bes)
    } else {
        Vec::new()
    };
    Collected {
        snapshot,
        nodes,
        status,
    }
}

/// Appends the synthetic history of every cluster after its newest stored snapshot (or from
/// `from_ms`) up to `to_ms`, one transaction per cluster (~20,000 snapshots: big enough that
/// commits do not count). The first `node_clusters` of `ids` also get node samples. Returns the
/// snapshots written.
fn fill(
    store: &SqliteStore,
    ids: &[i64],
    from_ms: i64,
    to_ms: i64,
    node_clusters: usize,
    fes: usize,
    bes: usize,
) -> anyhow::Result<u64> {
    let mut written = 0;
    for (i, &c) in ids.iter().enumerate() {
        let newest = store.latest_snapshot(c)?.map(|s| s.collected_at);
        let start = newest.map_or(from_ms, |n| (n + 1).max(from_ms));
        let with_nodes = i < node_clusters;
        let history = instants(c, start, to_ms).map(|t| collection(c, t, with_nodes, fes, bes));
        written += store.write_collections(c, history)? as u64;
    }
    Ok(written)
}

/// Writes `n` collections of cluster `c` from `from_ms` through the store, one call each, and
/// returns snapshots per second: the rate the ordinary write path would fill the database at.
fn measure_store_writes(
    store: &SqliteStore,
    c: i64,
    from_ms: i64,
    n: usize,
    nodes: bool,
    fes: usize,
    bes: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    for t in instants(c, from_ms, i64::MAX).take(n) {
        let x = collection(c, t, nodes, fes, bes);
        store.write_collection(c, &x.snapshot, &x.nodes, &x.status)?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

/// What a template was built with; a template built otherwise is rebuilt.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct TemplateMeta {
    clusters: usize,
    days: i64,
    fes: usize,
    bes: usize,
    node_history_clusters: usize,
    built_at_ms: i64,
}

fn meta_path(cache: &Path) -> PathBuf {
    let mut p = cache.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// The database file, its WAL and shared memory, and the key of its encrypted passwords.
fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// True when the cached template has the same shape and the emulator's names and password.
fn template_usable(args: &Args, sims: &[SimCluster]) -> anyhow::Result<bool> {
    let Ok(raw) = std::fs::read_to_string(meta_path(&args.cache)) else {
        return Ok(false);
    };
    let Ok(meta) = serde_json::from_str::<TemplateMeta>(&raw) else {
        return Ok(false);
    };
    if !args.cache.exists()
        || meta.clusters != args.clusters
        || meta.days != args.days
        || meta.fes != args.fes
        || meta.bes != args.bes
        || meta.node_history_clusters != args.node_history_clusters
    {
        return Ok(false);
    }
    let store = SqliteStore::open(&args.cache)?;
    for s in sims {
        let Some(rec) = store.cluster_by_name(&s.name)? else {
            return Ok(false);
        };
        // An error here (e.g. a lost key file) also means: build a new one.
        let same = store
            .cluster_password(rec.id)
            .ok()
            .flatten()
            .is_some_and(|p| p.expose_secret() == s.password);
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

fn build_template(args: &Args, sims: &[SimCluster]) -> anyhow::Result<()> {
    let building = args.cache.with_extension("building");
    remove_db(&building);
    let _ = std::fs::remove_file(meta_path(&args.cache));
    let store = SqliteStore::open(&building)?;
    let mut ids = Vec::new();
    for s in sims {
        let rec = store.add_cluster(&NewCluster {
            name: s.name.clone(),
            fe_host: s.host.clone(),
            fe_query_port: s.query_port,
            fe_http_port: s.http_port,
            user: s.user.clone(),
            password: s.password.clone().into(),
        })?;
        ids.push(rec.id);
    }
    let end = now_ms();
    let from = end - args.days * DAY_MS;
    let node_clusters = args.node_history_clusters.min(ids.len());

    // The store's own write path, one transaction per collection, for a first stretch of two
    // clusters: with and without 8 nodes (10 disk paths).
    if args.measure_writes > 0 && ids.len() > args.node_history_clusters {
        let with_nodes = if args.node_history_clusters > 0 {
            Some(measure_store_writes(
                &store,
                ids[0],
                from,
                args.measure_writes,
                true,
                args.fes,
                args.bes,
            )?)
        } else {
            None
        };
        let without = measure_store_writes(
            &store,
            ids[args.node_history_clusters],
            from,
            args.measure_writes,
            false,
            args.fes,
            args.bes,
        )?;
        let rows = ids.len() as f64 * (args.days * DAY_MS / STEP_MS) as f64;
        println!(
            "Store::write_collection: {without:.0} snapshots/s without nodes{} → {rows:.0} snapshots would take {:.1} min one call each",
            with_nodes
                .map(|w| format!(", {w:.0}/s with {} nodes", args.fes + args.bes))
                .unwrap_or_default(),
            rows / without / 60.0
        );
    }

    let started = Instant::now();
    let rows = fill(&store, &ids, from, end, node_clusters, args.fes, args.bes)?;
    println!(
        "bulk fill: {rows} snapshots (+ statuses, + node history of {node_clusters} clusters) in {:.1} s = {:.0} snapshots/s",
        started.elapsed().as_secs_f64(),
        rows as f64 / started.elapsed().as_secs_f64().max(1e-9)
    );

    // Rollups as serve would have written them day by day; done once here instead of at every
    // serve start.
    let started = Instant::now();
    let report = store.rollup_daily(chrono_tz::UTC, end)?;
    println!(
        "rollup_daily: {} cluster-days in {:.1} s",
        report.days_written,
        started.elapsed().as_secs_f64()
    );
    drop(store);
    // Everything into the main file: the template is copied without its WAL.
    let conn = rusqlite::Connection::open(&building)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    remove_db(&args.cache);
    std::fs::rename(&building, &args.cache)?;
    std::fs::rename(key_path(&building), key_path(&args.cache))?;
    remove_db(&building);
    let meta = TemplateMeta {
        clusters: args.clusters,
        days: args.days,
        fes: args.fes,
        bes: args.bes,
        node_history_clusters: args.node_history_clusters,
        built_at_ms: end,
    };
    std::fs::write(meta_path(&args.cache), serde_json::to_string_pretty(&meta)?)?;
    Ok(())
}

/// Copies the template, points its clusters at this emulator, tops the history up to now and
/// applies the rollup and retention serve would apply, so serve starts in steady state.
/// Returns the store open on the copy and the clusters' ids in the emulator's order.
fn prepare_run_db(
    args: &Args,
    sims: &[SimCluster],
    db: &Path,
) -> anyhow::Result<(SqliteStore, Vec<i64>)> {
    let started = Instant::now();
    std::fs::copy(&args.cache, db).context("copying the template")?;
    // The passwords are encrypted with the template's key (copy keeps its 0600 mode).
    std::fs::copy(key_path(&args.cache), key_path(db)).context("copying the key file")?;
    let copied = started.elapsed().as_secs_f64();
    let store = SqliteStore::open(db)?;
    let mut ids = Vec::new();
    for s in sims {
        // Emulator ports change from run to run; the password is left as add_cluster stored it.
        let rec = store
            .cluster_by_name(&s.name)?
            .with_context(|| format!("the template has no cluster {:?}", s.name))?;
        let update = ClusterUpdate {
            fe_host: Some(s.host.clone()),
            fe_query_port: Some(s.query_port),
            fe_http_port: Some(s.http_port),
            user: Some(s.user.clone()),
            ..ClusterUpdate::default()
        };
        store.update_cluster(rec.id, &update)?;
        ids.push(rec.id);
    }
    let end = now_ms();
    let node_clusters = args.node_history_clusters.min(ids.len());
    let topped = fill(
        &store,
        &ids,
        end - args.days * DAY_MS,
        end,
        node_clusters,
        args.fes,
        args.bes,
    )?;
    let rolled = store.rollup_daily(chrono_tz::UTC, end - 2 * STEP_MS)?;
    let removed = store.enforce_retention(chrono_tz::UTC, now_ms(), args.days * DAY_MS, 30)?;
    // The storage part of a history request alone, in process: reading every detail row of the
    // range as the handler does, before any downsampling or JSON.
    let mut read_ms = Vec::new();
    let mut rows = 0;
    for i in 0..20 {
        let c = ids[(i * 37) % ids.len()];
        let t0 = Instant::now();
        let to = now_ms();
        rows = store.snapshots(c, to - args.days * DAY_MS, to)?.len();
        read_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "Store::snapshots over {} days ({rows} rows), in process: {}",
        args.days,
        summary(read_ms)
    );
    println!(
        "run database: copied in {copied:.1} s, topped up {topped} snapshots, {} new rollup days, retention removed {} snapshots; ready in {:.1} s",
        rolled.days_written,
        removed.snapshots_deleted,
        started.elapsed().as_secs_f64()
    );
    Ok((store, ids))
}

// ---------------------------------------------------------------------------------------------
// HTTP phases.

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Kind {
    History,
    Overview,
    Latest,
    Kpis,
}

impl Kind {
    fn parse(s: &str) -> anyhow::Result<Kind> {
        Ok(match s {
            "history" => Kind::History,
            "overview" => Kind::Overview,
            "latest" => Kind::Latest,
            "kpis" => Kind::Kpis,
            other => bail!("--mix: unknown kind {other:?} (history, overview, latest, kpis)"),
        })
    }
    fn name(self) -> &'static str {
        match self {
            Kind::History => "history 7d",
            Kind::Overview => "overview",
            Kind::Latest => "latest",
            Kind::Kpis => "kpis",
        }
    }
}

fn history_url(base: &str, id: i64, days: i64) -> String {
    let to = now_ms();
    format!(
        "{base}/api/v1/clusters/{id}/metrics?names=qps&from={}&to={to}&points=1000",
        to - days * DAY_MS
    )
}

/// GET with the full body read: (latency ms, status, body).
async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<(f64, u16, Bytes)> {
    let t0 = Instant::now();
    let resp = client.get(url).send().await?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await?;
    Ok((t0.elapsed().as_secs_f64() * 1000.0, status, body))
}

struct HistoryResult {
    latencies: Vec<f64>,
    max_points: usize,
    over_limit: usize,
    failures: usize,
    bytes: usize,
    detail_hours: Vec<f64>,
    null_points: usize,
    points: usize,
}

async fn history_phase(
    client: &reqwest::Client,
    base: &str,
    ids: &[i64],
    n: usize,
    days: i64,
    rng: &mut Rng,
) -> HistoryResult {
    let mut r = HistoryResult {
        latencies: Vec::with_capacity(n),
        max_points: 0,
        over_limit: 0,
        failures: 0,
        bytes: 0,
        detail_hours: Vec::new(),
        null_points: 0,
        points: 0,
    };
    for _ in 0..n {
        let id = ids[rng.below(ids.len())];
        let url = history_url(base, id, days);
        match get(client, &url).await {
            Ok((ms, 200, body)) => {
                r.latencies.push(ms);
                r.bytes += body.len();
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let pts = v["series"]["qps"].as_array().map_or(0, |a| a.len());
                r.points += pts;
                r.null_points += v["series"]["qps"]
                    .as_array()
                    .map_or(0, |a| a.iter().filter(|p| p["avg"].is_null()).count());
                r.max_points = r.max_points.max(pts);
                if pts > 1000 || pts == 0 {
                    r.over_limit += 1;
                }
                if let (Some(df), Some(to)) = (v["detail_from"].as_i64(), v["to"].as_i64()) {
                    r.detail_hours.push((to - df) as f64 / 3_600_000.0);
                }
            }
            Ok((_, status, body)) => {
                r.failures += 1;
                eprintln!(
                    "history {url}: HTTP {status} {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Err(e) => {
                r.failures += 1;
                eprintln!("history {url}: {e}");
            }
        }
    }
    r
}

struct OverviewResult {
    misses: Vec<f64>,
    hits: Vec<f64>,
    live: usize,
    failures: usize,
}

async fn overview_phase(
    client: &reqwest::Client,
    base: &str,
    ids: &[i64],
    secs: f64,
) -> OverviewResult {
    let mut r = OverviewResult {
        misses: Vec::new(),
        hits: Vec::new(),
        live: 0,
        failures: 0,
    };
    for &id in ids {
        let url = format!("{base}/api/v1/clusters/{id}/overview");
        let first = Instant::now();
        match get(client, &url).await {
            Ok((ms, 200, body)) => {
                r.misses.push(ms);
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if v["source"] == "live" {
                    r.live += 1;
                }
            }
            _ => {
                r.failures += 1;
                continue;
            }
        }
        // Only inside the 5 s TTL, so every one of these is answered from the cache.
        while first.elapsed().as_secs_f64() < secs {
            match get(client, &url).await {
                Ok((ms, 200, _)) => r.hits.push(ms),
                _ => r.failures += 1,
            }
        }
    }
    r
}

struct Sample {
    kind: Kind,
    /// From the scheduled send time, so client-side queueing counts (no coordinated omission).
    latency_ms: f64,
    ok: bool,
}

/// What the load phase sends.
struct LoadPlan {
    base: String,
    ids: Vec<i64>,
    /// Clusters /overview picks from.
    hot: Vec<i64>,
    mix: Vec<(Kind, u32)>,
    rps: f64,
    secs: f64,
    days: i64,
}

/// Open loop: request i is sent at start + i / rps whatever the answers before it did.
/// Returns the samples, the largest delay of a send behind its schedule, and the seconds spent
/// sending (the answers may come in later).
async fn load_phase(client: reqwest::Client, plan: LoadPlan) -> (Vec<Sample>, f64, f64) {
    let LoadPlan {
        base,
        ids,
        hot,
        mix,
        rps,
        secs,
        days,
    } = plan;
    let total_weight: u32 = mix.iter().map(|m| m.1).sum();
    let n = (rps * secs).round() as u64;
    let start = tokio::time::Instant::now();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut tasks = tokio::task::JoinSet::new();
    let mut max_lag = 0f64;
    let mut samples = Vec::with_capacity(n as usize);
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / rps);
        tokio::time::sleep_until(due).await;
        max_lag = max_lag.max(due.elapsed().as_secs_f64() * 1000.0);
        let mut pick = (rng.next() % u64::from(total_weight.max(1))) as u32;
        let kind = mix
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or(Kind::Latest, |m| m.0);
        let id = ids[rng.below(ids.len())];
        let url = match kind {
            Kind::History => history_url(&base, id, days),
            Kind::Overview => format!(
                "{base}/api/v1/clusters/{}/overview",
                hot[rng.below(hot.len())]
            ),
            Kind::Latest => format!("{base}/api/v1/clusters/{id}/latest"),
            Kind::Kpis => format!("{base}/api/v1/clusters/{id}/kpis"),
        };
        let client = client.clone();
        tasks.spawn(async move {
            let ok = matches!(get(&client, &url).await, Ok((_, 200, _)));
            Sample {
                kind,
                latency_ms: due.elapsed().as_secs_f64() * 1000.0,
                ok,
            }
        });
        // Collect the finished ones as we go so the set stays small.
        while let Some(r) = tasks.try_join_next() {
            if let Ok(s) = r {
                samples.push(s);
            }
        }
    }
    let sent_secs = start.elapsed().as_secs_f64();
    while let Some(r) = tasks.join_next().await {
        if let Ok(s) = r {
            samples.push(s);
        }
    }
    (samples, max_lag, sent_secs)
}

/// `starmon_overview_requests_total` by result, from serve's own metrics.
async fn overview_counters(client: &reqwest::Client, base: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Ok((_, 200, body)) = get(client, &format!("{base}/metrics")).await else {
        return out;
    };
    for line in String::from_utf8_lossy(&body).lines() {
        if let Some(rest) = line.strip_prefix("starmon_overview_requests_total{") {
            if let Some((labels, v)) = rest.split_once("} ") {
                out.insert(labels.to_string(), v.trim().parse().unwrap_or(0.0));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Collections, read back from the database.

struct StatusRow {
    cluster: i64,
    at: i64,
    duration_ms: i64,
    ok: bool,
}

/// The collections of `ids` stored at or after `since`, oldest first.
fn read_statuses(store: &SqliteStore, ids: &[i64], since: i64) -> anyhow::Result<Vec<StatusRow>> {
    let mut rows = Vec::new();
    for &cluster in ids {
        for s in store.statuses(cluster, since, i64::MAX)? {
            rows.push(StatusRow {
                cluster,
                at: s.collected_at,
                duration_ms: s.duration_ms,
                ok: s.outcome == Outcome::Ok,
            });
        }
    }
    rows.sort_by_key(|r| r.at);
    Ok(rows)
}

/// Sleeps until the wall clock reaches `ms`.
fn sleep_until_ms(ms: i64) {
    let left = ms - now_ms();
    if left > 0 {
        std::thread::sleep(Duration::from_millis(left as u64));
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mix: Vec<(Kind, u32)> = args
        .mix
        .split(',')
        .map(|p| {
            let (k, w) = p
                .split_once(':')
                .with_context(|| format!("--mix: {p:?} is not kind:weight"))?;
            Ok((Kind::parse(k.trim())?, w.trim().parse::<u32>()?))
        })
        .collect::<anyhow::Result<_>>()?;
    let bin_dir = std::env::current_exe()?
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .context("cannot locate target/release")?;

    // The emulator first: the clusters registered must point at it.
    let mut sim_child = Command::new(bin_dir.join("starrocks-sim"))
        .args(["--clusters", &args.clusters.to_string()])
        .args([
            "--fes",
            &args.fes.to_string(),
            "--bes",
            &args.bes.to_string(),
        ])
        .args(["--version", &args.version])
        .stdout(Stdio::piped())
        .spawn()
        .context("starting starrocks-sim (build it with --release)")?;
    let out = sim_child.stdout.take().context("no emulator stdout")?;
    let sim = Proc {
        child: sim_child,
        what: "starrocks-sim",
    };
    let mut lines = BufReader::new(out).lines();
    let mut sims = Vec::new();
    for _ in 0..args.clusters {
        let line = lines.next().context("the emulator exited")??;
        let v: Value = serde_json::from_str(&line)?;
        let fe = &v["frontends"][0];
        sims.push(SimCluster {
            name: v["name"].as_str().unwrap_or_default().to_string(),
            host: fe["host"].as_str().unwrap_or_default().to_string(),
            query_port: fe["query_port"].as_u64().unwrap_or(0) as u16,
            http_port: fe["http_port"].as_u64().unwrap_or(0) as u16,
            user: v["user"].as_str().unwrap_or_default().to_string(),
            password: v["password"].as_str().unwrap_or_default().to_string(),
        });
    }

    if let Some(dir) = args.cache.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if args.rebuild || !template_usable(&args, &sims)? {
        println!(
            "building the template {} ({} clusters × {} days)…",
            args.cache.display(),
            args.clusters,
            args.days
        );
        let started = Instant::now();
        build_template(&args, &sims)?;
        println!(
            "template built in {:.1} s, {:.2} GB",
            started.elapsed().as_secs_f64(),
            std::fs::metadata(&args.cache)?.len() as f64 / 1e9
        );
    } else {
        println!("reusing the template {}", args.cache.display());
    }
    let dir = args
        .workdir
        .join(format!("starmon-api-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("starmon.db");
    let (store, ids) = prepare_run_db(&args, &sims, &db)?;
    // Rows per table, read with SQL: the store counts nothing this way.
    {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [], |r| r.get(0)) };
        println!(
            "database: {} clusters, {} snapshots, {} statuses, {} node samples, {} node disks, {} daily rows, {:.2} GB",
            count("SELECT COUNT(*) FROM clusters")?,
            count("SELECT COUNT(*) FROM metrics_snapshots")?,
            count("SELECT COUNT(*) FROM collection_status")?,
            count("SELECT COUNT(*) FROM node_samples")?,
            count("SELECT COUNT(*) FROM node_disks")?,
            count("SELECT COUNT(*) FROM daily_snapshots")?,
            std::fs::metadata(&db)?.len() as f64 / 1e9
        );
    }

    // A free port for serve; it is released just before serve binds it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("serve.log"))?;
    let serve_started_ms = now_ms();
    let serve_child = Command::new(bin_dir.join("starmon"))
        .args(["serve", "--db"])
        .arg(&db)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--collect-interval", &args.interval.to_string()])
        .stderr(Stdio::from(log))
        .spawn()
        .context("starting starmon serve")?;
    let pid = serve_child.id();
    let mut serve = Proc {
        child: serve_child,
        what: "starmon serve",
    };

    // RSS sampled every second until the end, besides the kernel's own high-water mark.
    let stop_sampling = Arc::new(AtomicBool::new(false));
    let peak_rss = Arc::new(Mutex::new(0u64));
    let sampler = {
        let (stop, peak) = (stop_sampling.clone(), peak_rss.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let rss = proc_stat(pid).2;
                if let Ok(mut p) = peak.lock() {
                    *p = (*p).max(rss);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((_, 200, _)) = get(&client, &format!("{base}/healthz")).await {
                return Ok(());
            }
            // An exited serve (e.g. a database from a newer build) says why in its log.
            if let Ok(Some(status)) = serve.child.try_wait() {
                let log = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
                bail!(
                    "starmon serve exited ({status}): {}",
                    log.lines().last().unwrap_or("")
                );
            }
            if Instant::now() > deadline {
                bail!("serve did not answer /healthz within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })?;
    let healthy_ms = now_ms();

    // Cycle 0 starts with the first collection; later cycles are 30 s buckets from there.
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        let rows = read_statuses(&store, &ids, serve_started_ms)?;
        if let Some(r) = rows.first() {
            break r.at;
        }
        if Instant::now() > deadline {
            bail!(
                "serve wrote no collection within 60 s (see {})",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let cycle_ms = args.interval as i64 * 1000;
    let boundary = |b: i64| first + b * cycle_ms;
    println!(
        "serve healthy {} ms after start; first collection at +{} ms",
        healthy_ms - serve_started_ms,
        first - serve_started_ms
    );

    // Each cycle's collections start at its boundary and take a second or two; a phase runs
    // from 2 s before the boundary of its first cycle to 2 s before the one after its last.
    // Quiet: cycle 0 (warm-up: new connections, no rates yet), then the quiet cycles.
    let lead = 2_000;
    let quiet_end = args.quiet_cycles as i64 + 1;
    sleep_until_ms(boundary(1) - lead);
    let cpu_quiet_start = proc_stat(pid).0;
    sleep_until_ms(boundary(quiet_end) - lead);
    let cpu_quiet_end = proc_stat(pid).0;

    // Sequential phase.
    let seq_start = now_ms();
    let mut rng = Rng(0x00c0_ffee_1234_5678);
    let history = rt.block_on(history_phase(
        &client,
        &base,
        &ids,
        args.history_requests,
        args.days,
        &mut rng,
    ));
    // Clusters the API has not asked yet, so the first /overview is a true miss.
    let ov_ids: Vec<i64> = ids
        .iter()
        .rev()
        .take(args.overview_clusters)
        .copied()
        .collect();
    let overview = rt.block_on(overview_phase(&client, &base, &ov_ids, args.overview_secs));
    let seq_end = now_ms();
    let cpu_seq_end = proc_stat(pid).0;

    // Load: every collection of cycles load_first..=load_last starts under load.
    let load_first = (seq_end + lead - first).div_euclid(cycle_ms) + 1;
    let load_last = load_first + args.load_cycles as i64 - 1;
    sleep_until_ms(boundary(load_first) - lead);
    let ov_before = rt.block_on(overview_counters(&client, &base));
    let cpu_load_start = proc_stat(pid).0;
    let load_start = now_ms();
    let load_secs = (boundary(load_last + 1) - lead - load_start) as f64 / 1000.0;
    let hot: Vec<i64> = ids.iter().take(args.overview_hot.max(1)).copied().collect();
    let (samples, max_lag, sent_secs) = rt.block_on(load_phase(
        client.clone(),
        LoadPlan {
            base: base.clone(),
            ids: ids.clone(),
            hot,
            mix,
            rps: args.rps,
            secs: load_secs,
            days: args.days,
        },
    ));
    let load_end = now_ms();
    let cpu_load_end = proc_stat(pid).0;
    let ov_after = rt.block_on(overview_counters(&client, &base));
    // Let the last cycle's writes land before reading the database.
    std::thread::sleep(Duration::from_secs(3));
    let (cpu_total, hwm, _) = proc_stat(pid);
    serve.stop();
    stop_sampling.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    drop(sim);

    // ---- Report.
    let statuses = read_statuses(&store, &ids, serve_started_ms)?;
    // Centred on the boundaries: a tick may fire a millisecond early.
    let cycle_of = |at: i64| (at - first + cycle_ms / 2).div_euclid(cycle_ms);
    let mut by_cycle: BTreeMap<i64, (HashSet<i64>, usize, usize)> = BTreeMap::new();
    for s in &statuses {
        let e = by_cycle.entry(cycle_of(s.at)).or_default();
        e.0.insert(s.cluster);
        e.1 += 1;
        e.2 += usize::from(s.ok);
    }
    let phase_of = |c: i64| match c {
        0 => "warm-up",
        c if c < quiet_end => "quiet",
        c if (load_first..=load_last).contains(&c) => "load",
        c if c > load_last => "after",
        // Between the quiet and the load cycles: busy if its collections (the first seconds
        // after the boundary) overlapped the sequential requests.
        c if boundary(c) < seq_end && boundary(c) + lead > seq_start => "sequential",
        _ => "idle",
    };
    let mut durations: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for s in &statuses {
        durations
            .entry(phase_of(cycle_of(s.at)))
            .or_default()
            .push(s.duration_ms as f64);
    }
    // Longest gap between two collections of the same cluster within the load cycles.
    let mut last_at: HashMap<i64, i64> = HashMap::new();
    let mut max_gap_load = 0i64;
    for s in &statuses {
        // From the cycle before, so a cycle missed at the start of the load shows as a gap.
        if (load_first - 1..=load_last).contains(&cycle_of(s.at)) {
            if let Some(prev) = last_at.insert(s.cluster, s.at) {
                max_gap_load = max_gap_load.max(s.at - prev);
            }
        }
    }

    println!();
    println!(
        "== starmon API: {} clusters × ({} FE + {} BE), {} days of history, collect every {} s",
        args.clusters, args.fes, args.bes, args.days, args.interval
    );
    println!("-- sequential phase: 7-day history of one metric (qps), points=1000, one request at a time");
    println!("history  {}", summary(history.latencies.clone()));
    let mut dh = history.detail_hours.clone();
    dh.sort_by(f64::total_cmp);
    println!(
        "history  max points {} (answers over 1000 or empty: {}), null points {:.1} %, mean body {} B, failures {}, detail rows covered {:.1}–{:.1} h of the 168 h (the rest from daily rollups)",
        history.max_points,
        history.over_limit,
        100.0 * history.null_points as f64 / history.points.max(1) as f64,
        history.bytes / history.latencies.len().max(1),
        history.failures,
        percentile(&dh, 0.0).unwrap_or(f64::NAN),
        percentile(&dh, 1.0).unwrap_or(f64::NAN),
    );
    println!(
        "overview first request (cache miss, live={} of {}): {}",
        overview.live,
        overview.misses.len(),
        overview
            .misses
            .iter()
            .map(|m| format!("{m:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
            + " ms"
    );
    println!(
        "overview cached  {}  failures {}",
        summary(overview.hits.clone()),
        overview.failures
    );

    println!(
        "-- load phase: open loop at {} requests/s, sending for {sent_secs:.1} s, last answer after {:.1} s (cycles {}–{}), mix {}; /overview over {} clusters; latency from the scheduled send time, client timeout 30 s",
        args.rps,
        (load_end - load_start) as f64 / 1000.0,
        load_first,
        load_last,
        args.mix,
        args.overview_hot
    );
    let mut by_kind: BTreeMap<Kind, (Vec<f64>, usize)> = BTreeMap::new();
    for s in &samples {
        let e = by_kind.entry(s.kind).or_default();
        e.0.push(s.latency_ms);
        e.1 += usize::from(!s.ok);
    }
    for (k, (lat, errs)) in &by_kind {
        println!("{:<11} {}  errors {}", k.name(), summary(lat.clone()), errs);
    }
    println!(
        "all         {}  errors {}  (achieved {:.1} requests/s, max send lag {:.1} ms)",
        summary(samples.iter().map(|s| s.latency_ms).collect()),
        samples.iter().filter(|s| !s.ok).count(),
        samples.len() as f64 / sent_secs.max(1e-9),
        max_lag
    );
    let delta = |key: &str| {
        ov_after.get(key).copied().unwrap_or(0.0) - ov_before.get(key).copied().unwrap_or(0.0)
    };
    println!(
        "overview cache under load (serve's starmon_overview_requests_total): {}",
        ov_after
            .keys()
            .map(|k| format!("{} {}", k.replace('"', ""), delta(k)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    println!("-- collector (collection_status rows written during the run)");
    for (c, (clusters, rows, ok)) in &by_cycle {
        println!(
            "cycle {c:>2} [{:<10}] clusters {:>4}  collections {:>4}  ok {:>4}",
            phase_of(*c),
            clusters.len(),
            rows,
            ok
        );
    }
    let complete = |cycles: std::ops::RangeInclusive<i64>| {
        cycles.into_iter().all(|c| {
            by_cycle
                .get(&c)
                .is_some_and(|(cl, _, _)| cl.len() == args.clusters)
        })
    };
    let yes = |b: bool| if b { "yes" } else { "NO" };
    println!(
        "every cluster in every load cycle: {}; in every cycle 0–{load_last}: {}; longest gap between two collections of a cluster under load: {:.1} s",
        yes(complete(load_first..=load_last)),
        yes(complete(0..=load_last)),
        max_gap_load as f64 / 1000.0
    );
    for phase in ["warm-up", "quiet", "sequential", "load"] {
        if let Some(d) = durations.get(phase) {
            println!("duration {:<10} {}", phase, summary(d.clone()));
        }
    }
    // CPU per phase as a share of one core.
    let share = |cpu: f64, from_ms: i64, to_ms: i64| {
        let secs = (to_ms - from_ms) as f64 / 1000.0;
        format!(
            "{cpu:.1} s over {secs:.0} s = {:.1} %",
            100.0 * cpu / secs.max(1e-9)
        )
    };
    println!(
        "starmon CPU: {cpu_total:.1} s in all (start-up and warm-up {cpu_quiet_start:.1} s); quiet {}; sequential {}; load {}",
        share(
            cpu_quiet_end - cpu_quiet_start,
            boundary(1) - lead,
            boundary(quiet_end) - lead
        ),
        share(cpu_seq_end - cpu_quiet_end, seq_start, seq_end),
        share(cpu_load_end - cpu_load_start, load_start, load_end) + " (until the last answer)",
    );
    println!(
        "starmon RSS: peak sampled {} MiB, VmHWM {} MiB",
        peak_rss.lock().map(|p| *p).unwrap_or(0) / 1024,
        hwm / 1024
    );
    println!("bench client CPU: {:.1} s", proc_stat(std::process::id()).0);

    if args.keep {
        println!("kept {}", dir.display());
    } else {
        drop(store);
        remove_db(&db);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
