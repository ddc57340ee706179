//! Collector benchmark: `starmon serve` collecting many emulated clusters.
//!
//! Starts the release `starrocks-sim` with N clusters, registers them in a fresh database, runs
//! the release `starmon serve` for a number of cycles, then reads what it wrote and what it cost:
//! clusters collected per cycle, cycle duration percentiles, CPU seconds per 1,000 collections,
//! peak RSS, and bytes on disk per snapshot row (extrapolated to 7 days).
//!
//! cargo build --release -p starrocks-sim -p starmon --bins --examples
//! target/release/examples/collect_bench --clusters 200 --interval 30 --cycles 6

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use starmon::model::NewCluster;
use starmon::store::sqlite::SqliteStore;
use starmon::store::Store;

mod bench_common;
use bench_common::{percentile, proc_stat};

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 200)]
    clusters: usize,
    #[arg(long, default_value_t = 3)]
    fes: usize,
    #[arg(long, default_value_t = 5)]
    bes: usize,
    #[arg(long, default_value_t = 30)]
    interval: u64,
    #[arg(long, default_value_t = 6)]
    cycles: u64,
    #[arg(long, default_value = "3.3")]
    version: String,
    /// Where the database goes (a fresh directory is made inside).
    #[arg(long, default_value = "/tmp")]
    workdir: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin_dir = std::env::current_exe()?
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("cannot locate target/release"))?;
    let mut sim = Command::new(bin_dir.join("starrocks-sim"))
        .args([
            "--clusters",
            &args.clusters.to_string(),
            "--fes",
            &args.fes.to_string(),
        ])
        .args(["--bes", &args.bes.to_string(), "--version", &args.version])
        .stdout(Stdio::piped())
        .spawn()?;
    let sim_pid = sim.id();
    let out = sim
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(out).lines();
    let dir = args
        .workdir
        .join(format!("starmon-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("starmon.db");
    let store = SqliteStore::open(&db)?;
    for _ in 0..args.clusters {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("emulator exited"))??;
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let fe = &v["frontends"][0];
        store.add_cluster(&NewCluster {
            name: v["name"].as_str().unwrap_or_default().to_string(),
            fe_host: fe["host"].as_str().unwrap_or_default().to_string(),
            fe_query_port: fe["query_port"].as_u64().unwrap_or(0) as u16,
            fe_http_port: fe["http_port"].as_u64().unwrap_or(0) as u16,
            user: v["user"].as_str().unwrap_or_default().to_string(),
            password: v["password"]
                .as_str()
                .unwrap_or_default()
                .to_string()
                .into(),
        })?;
    }
    drop(store);
    let started = Instant::now();
    let mut serve = Command::new(bin_dir.join("starmon"))
        .args([
            "serve",
            "--db",
            db.to_str().unwrap_or_default(),
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--collect-interval", &args.interval.to_string()])
        .env("STARMON_COLLECTOR_CONCURRENCY", "32")
        .stderr(Stdio::null())
        .spawn()?;
    let pid = serve.id();
    let run_for = Duration::from_secs(args.interval * args.cycles + 5);
    let mut peak_rss = 0;
    while started.elapsed() < run_for {
        std::thread::sleep(Duration::from_secs(1));
        peak_rss = peak_rss.max(proc_stat(pid).1);
    }
    let (cpu, hwm, _) = proc_stat(pid);
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = serve.wait();
    let _ = sim.kill();
    let _ = sim.wait();
    let _ = sim_pid;

    let conn = rusqlite::Connection::open(&db)?;
    let collections: i64 =
        conn.query_row("SELECT COUNT(*) FROM collection_status", [], |r| r.get(0))?;
    let ok: i64 = conn.query_row(
        "SELECT COUNT(*) FROM collection_status WHERE outcome = 'ok'",
        [],
        |r| r.get(0),
    )?;
    let mut durations: Vec<i64> = conn
        .prepare("SELECT duration_ms FROM collection_status")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    durations.sort_unstable();
    // Collections per cluster per cycle, bucketed by start time.
    let first: i64 =
        conn.query_row("SELECT MIN(collected_at) FROM collection_status", [], |r| {
            r.get(0)
        })?;
    let mut per_cycle = conn.prepare(
        "SELECT (collected_at - ?1) / (?2 * 1000) AS cycle, COUNT(DISTINCT cluster_id) FROM collection_status GROUP BY cycle ORDER BY cycle",
    )?;
    let cycles: Vec<(i64, i64)> = per_cycle
        .query_map([first, args.interval as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let snapshots: i64 =
        conn.query_row("SELECT COUNT(*) FROM metrics_snapshots", [], |r| r.get(0))?;
    let bytes = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?1 OR name LIKE ?2",
            [table, &format!("sqlite_autoindex_{table}%")],
            |r| r.get(0),
        )
    };
    println!(
        "starmon serve: {} clusters × ({} FE + {} BE), interval {} s, {} cycles",
        args.clusters, args.fes, args.bes, args.interval, args.cycles
    );
    println!(
        "collections: {collections} ({ok} ok), distinct clusters per cycle: {:?}",
        cycles.iter().map(|c| c.1).collect::<Vec<_>>()
    );
    println!(
        "collection duration ms: p50 {} p90 {} p99 {} max {}",
        percentile(&durations, 0.5).unwrap_or(-1),
        percentile(&durations, 0.9).unwrap_or(-1),
        percentile(&durations, 0.99).unwrap_or(-1),
        percentile(&durations, 1.0).unwrap_or(-1)
    );
    println!(
        "CPU: {cpu:.1} s total, {:.2} s per 1,000 collections",
        cpu * 1000.0 / collections.max(1) as f64
    );
    println!(
        "RSS: peak sampled {} MiB, VmHWM {} MiB",
        peak_rss / 1024,
        hwm / 1024
    );
    match (
        bytes("metrics_snapshots"),
        bytes("node_samples"),
        bytes("node_disks"),
    ) {
        (Ok(s), Ok(n), Ok(d)) => {
            let per_row = s as f64 / snapshots.max(1) as f64;
            let per_cluster_7d = per_row * 7.0 * 86_400.0 / args.interval as f64;
            println!(
                "disk: metrics_snapshots {s} bytes for {snapshots} rows = {per_row:.0} B/row → {:.2} MB per cluster for 7 days",
                per_cluster_7d / 1e6
            );
            let nodes_7d =
                (n + d) as f64 / snapshots.max(1) as f64 * 7.0 * 86_400.0 / args.interval as f64;
            println!(
                "disk: node history (node_samples + node_disks) {:.2} MB per cluster for 7 days",
                nodes_7d / 1e6
            );
        }
        _ => println!("disk: dbstat is not available in this SQLite build"),
    }
    println!(
        "database file: {} bytes",
        std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
    );
    Ok(())
}
