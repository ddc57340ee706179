//! Scale benchmark: starts the real `starrocks-sim` binary with many clusters, scrapes every FE
//! and BE `/metrics` on a 30-second cycle like a monitor would, then once more all at once, and
//! prints latency percentiles and the emulator's memory.
//!
//! cargo build --release -p starrocks-sim --examples
//! target/release/examples/scrape_bench --clusters 200 --fes 3 --bes 5 --interval 30 --cycles 3

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::{Mutex, Semaphore};

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
    /// Seconds between two scrapes of one endpoint.
    #[arg(long, default_value_t = 30)]
    interval: u64,
    /// Scrape cycles to run (each `interval` long).
    #[arg(long, default_value_t = 3)]
    cycles: u64,
    /// Concurrent requests in the burst phase.
    #[arg(long, default_value_t = 64)]
    burst_concurrency: usize,
    /// The emulator binary (default: next to this example's directory).
    #[arg(long)]
    sim_bin: Option<std::path::PathBuf>,
}

#[derive(Clone)]
struct Endpoint {
    url: String,
    fe: bool,
}

#[derive(Default)]
struct Samples {
    fe: Vec<Duration>,
    be: Vec<Duration>,
    errors: usize,
    bytes: usize,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, s: &Samples) {
    for (kind, v) in [("FE", &s.fe), ("BE", &s.be)] {
        let mut v = v.clone();
        v.sort();
        println!(
            "{name:6} {kind} /metrics  n={:6}  p50={:.2} ms  p90={:.2} ms  p99={:.2} ms  max={:.2} ms",
            v.len(),
            pct(&v, 0.5),
            pct(&v, 0.9),
            pct(&v, 0.99),
            pct(&v, 1.0)
        );
    }
    let n = s.fe.len() + s.be.len();
    println!(
        "{name:6} errors={}  mean body={} bytes",
        s.errors,
        s.bytes / n.max(1)
    );
}

fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn scrape(client: &reqwest::Client, ep: &Endpoint, samples: &Mutex<Samples>) {
    let started = Instant::now();
    let result = async {
        client
            .get(&ep.url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await
    }
    .await;
    let took = started.elapsed();
    let mut s = samples.lock().await;
    match result {
        Ok(body) => {
            s.bytes += body.len();
            if ep.fe {
                s.fe.push(took)
            } else {
                s.be.push(took)
            }
        }
        Err(_) => s.errors += 1,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match args.sim_bin.clone() {
        Some(b) => b,
        None => std::env::current_exe()?
            .parent()
            .and_then(|p| p.parent())
            .map(|p| p.join("starrocks-sim"))
            .ok_or_else(|| anyhow::anyhow!("cannot locate starrocks-sim; pass --sim-bin"))?,
    };
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .args([
            "--clusters",
            &args.clusters.to_string(),
            "--fes",
            &args.fes.to_string(),
        ])
        .args(["--bes", &args.bes.to_string(), "--version", &args.version])
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let mut endpoints = Vec::new();
    for _ in 0..args.clusters {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("emulator exited early"))??;
        let v: serde_json::Value = serde_json::from_str(&line)?;
        for (key, fe) in [("frontends", true), ("backends", false)] {
            for n in v[key].as_array().into_iter().flatten() {
                let url = format!(
                    "http://{}:{}/metrics",
                    n["host"].as_str().unwrap_or_default(),
                    n["http_port"]
                );
                endpoints.push(Endpoint { url, fe });
            }
        }
    }
    let ready = started.elapsed();
    let (rss0, _) = rss_kb(pid);
    println!(
        "emulator: {} clusters × ({} FE + {} BE) = {} HTTP endpoints, ready in {:.3} s, RSS {} MiB",
        args.clusters,
        args.fes,
        args.bes,
        endpoints.len(),
        ready.as_secs_f64(),
        rss0 / 1024
    );

    // Phase 1: every endpoint once per interval, spread evenly, keep-alive connections.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(10))
        .build()?;
    let samples = Arc::new(Mutex::new(Samples::default()));
    let t0 = tokio::time::Instant::now();
    let n = endpoints.len() as f64;
    let mut tasks = Vec::new();
    for (i, ep) in endpoints.iter().cloned().enumerate() {
        let (client, samples) = (client.clone(), samples.clone());
        let offset = Duration::from_secs_f64(args.interval as f64 * i as f64 / n);
        let (interval, cycles) = (Duration::from_secs(args.interval), args.cycles);
        tasks.push(tokio::spawn(async move {
            for cycle in 0..cycles {
                tokio::time::sleep_until(t0 + offset + interval * cycle as u32).await;
                scrape(&client, &ep, &samples).await;
            }
        }));
    }
    let mut peak = 0;
    while !tasks.iter().all(|t| t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        peak = peak.max(rss_kb(pid).0);
    }
    println!(
        "spread phase: {} cycles of {} s, {:.1} requests/s",
        args.cycles,
        args.interval,
        n / args.interval as f64
    );
    report("spread", &*samples.lock().await);

    // Phase 2: every endpoint at once (bounded), the worst case for a collector that does not spread.
    let burst = Arc::new(Mutex::new(Samples::default()));
    let sem = Arc::new(Semaphore::new(args.burst_concurrency));
    let began = Instant::now();
    let mut tasks = Vec::new();
    for ep in endpoints.clone() {
        let (client, burst, sem) = (client.clone(), burst.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            scrape(&client, &ep, &burst).await;
        }));
    }
    for t in tasks {
        t.await?;
    }
    println!(
        "burst phase: {} requests, {} concurrent, {:.2} s wall",
        endpoints.len(),
        args.burst_concurrency,
        began.elapsed().as_secs_f64()
    );
    report("burst", &*burst.lock().await);
    let (rss, hwm) = rss_kb(pid);
    println!(
        "emulator memory: RSS now {} MiB, peak sampled {} MiB, VmHWM {} MiB",
        rss / 1024,
        peak / 1024,
        hwm / 1024
    );
    child.kill()?;
    child.wait()?;
    Ok(())
}
