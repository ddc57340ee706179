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
//! Modules: `procs` (the emulator, serve, the RSS sampler), `template` (the database),
//! `synthetic` (the history it holds), `requests` (HTTP), `report` (what is printed).
//!
//! cargo build --release -p starrocks-sim -p starmon --bins --examples
//! target/release/examples/api_bench --clusters 200 --days 7 --rps 200 --load-cycles 4

#[path = "../bench_common/mod.rs"]
mod bench_common;
mod procs;
mod report;
mod requests;
mod synthetic;
mod template;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use starmon::store::sqlite::SqliteStore;

use bench_common::proc_stat;
use procs::{RssSampler, Serve, SimCluster};
use report::{Cycles, Load, Quiet, Sequential, Totals};
use requests::{Kind, LoadPlan, Rng};

pub const DAY_MS: i64 = 86_400_000;
/// The detail step of the synthetic history: serve's default collection interval.
pub const STEP_MS: i64 = 30_000;

#[derive(Debug, Parser)]
pub struct Args {
    #[arg(long, default_value_t = 200)]
    pub clusters: usize,
    #[arg(long, default_value_t = 3)]
    pub fes: usize,
    #[arg(long, default_value_t = 5)]
    pub bes: usize,
    #[arg(long, default_value = "3.3")]
    pub version: String,
    /// Days of detail history (also serve's default detail retention).
    #[arg(long, default_value_t = 7)]
    pub days: i64,
    /// Clusters (the first ids) that also get per-node history for the whole range.
    #[arg(long, default_value_t = 4)]
    pub node_history_clusters: usize,
    /// The filled template database, reused while its parameters match.
    #[arg(long, default_value = "/tmp/starmon-api-bench/history.db")]
    pub cache: PathBuf,
    /// Rebuild the template even if one exists.
    #[arg(long)]
    pub rebuild: bool,
    /// Snapshots written through `Store::write_collection` while building, to measure its rate.
    #[arg(long, default_value_t = 2000)]
    pub measure_writes: usize,
    /// Where the per-run copy goes (a fresh directory is made inside, removed at the end).
    #[arg(long, default_value = "/tmp")]
    pub workdir: PathBuf,
    /// Keep the per-run copy and serve's log.
    #[arg(long)]
    pub keep: bool,
    #[arg(long, default_value_t = 30)]
    pub interval: u64,
    /// Cycles without API traffic, after the warm-up cycle.
    #[arg(long, default_value_t = 2)]
    pub quiet_cycles: u64,
    /// Sequential 7-day history requests.
    #[arg(long, default_value_t = 500)]
    pub history_requests: usize,
    /// Clusters whose /overview is asked once (miss) and then repeatedly within the cache TTL.
    #[arg(long, default_value_t = 5)]
    pub overview_clusters: usize,
    /// Seconds of cached /overview requests per cluster (below the 5 s TTL).
    #[arg(long, default_value_t = 3.0)]
    pub overview_secs: f64,
    /// Open-loop request rate of the load phase.
    #[arg(long, default_value_t = 200.0)]
    pub rps: f64,
    /// Whole collection cycles under load.
    #[arg(long, default_value_t = 4)]
    pub load_cycles: u64,
    /// Load mix as kind:weight (history = 7-day range of one metric, 1,000 points).
    #[arg(long, default_value = "history:25,overview:25,latest:25,kpis:25")]
    pub mix: String,
    /// /overview under load picks among this many clusters (a few dashboards watched by many).
    #[arg(long, default_value_t = 20)]
    pub overview_hot: usize,
}

/// A phase runs from `LEAD` ms before the boundary of its first cycle to `LEAD` before the one
/// after its last: each cycle's collections start at its boundary and take a second or two.
pub const LEAD: i64 = 2_000;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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
    let mix = requests::parse_mix(&args.mix)?;
    let bin_dir = std::env::current_exe()?
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .context("cannot locate target/release")?;
    // The emulator first: the clusters registered must point at it.
    let (sim, sims) = procs::start_sim(&bin_dir, &args)?;
    let run = prepare_db(&args, &sims)?;
    let mut serve = procs::start_serve(&bin_dir, &run.db, &run.dir, args.interval)?;
    let rss = RssSampler::start(serve.pid);
    let bench = Bench::new(&args, &serve, &run.ids)?;
    let cycles = bench.wait_for_serve(&mut serve, &run)?;
    let quiet = bench.quiet_cycles(&cycles);
    let sequential = bench.sequential_phase();
    let load = bench.load_phase(&cycles, &sequential, mix);
    drop(bench);
    // Let the last cycle's writes land before reading the database.
    std::thread::sleep(Duration::from_secs(3));
    let (cpu_secs, hwm_kib, _) = proc_stat(serve.pid);
    serve.proc.stop();
    let peak_rss_kib = rss.stop();
    drop(sim);

    report::print(&report::Run {
        args: &args,
        statuses: report::statuses(&run.store, &run.ids, serve.started_ms)?,
        cycles,
        quiet,
        sequential,
        load,
        totals: Totals {
            cpu_secs,
            hwm_kib,
            peak_rss_kib,
        },
    });
    run.finish(args.keep);
    Ok(())
}

/// This run's copy of the template, in a directory of its own.
struct RunDb {
    dir: PathBuf,
    db: PathBuf,
    store: SqliteStore,
    ids: Vec<i64>,
}

impl RunDb {
    /// Removes the run's directory unless asked to keep it.
    fn finish(self, keep: bool) {
        if keep {
            println!("kept {}", self.dir.display());
        } else {
            drop(self.store);
            template::remove_db(&self.db);
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The template (reused or built), copied and made current for this run.
fn prepare_db(args: &Args, sims: &[SimCluster]) -> anyhow::Result<RunDb> {
    template::ensure(args, sims)?;
    let dir = args
        .workdir
        .join(format!("starmon-api-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("starmon.db");
    let (store, ids) = template::prepare_run_db(args, sims, &db)?;
    template::print_contents(&db)?;
    Ok(RunDb {
        dir,
        db,
        store,
        ids,
    })
}

/// What the phases talk to once serve runs.
struct Bench<'a> {
    args: &'a Args,
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    /// Serve's process, for its CPU time.
    pid: u32,
    ids: &'a [i64],
}

impl<'a> Bench<'a> {
    fn new(args: &'a Args, serve: &Serve, ids: &'a [i64]) -> anyhow::Result<Bench<'a>> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Bench {
            args,
            rt,
            client,
            base: serve.base.clone(),
            pid: serve.pid,
            ids,
        })
    }

    fn cpu(&self) -> f64 {
        proc_stat(self.pid).0
    }

    /// Waits for /healthz, then for serve's first stored collection, which starts cycle 0.
    fn wait_for_serve(&self, serve: &mut Serve, run: &RunDb) -> anyhow::Result<Cycles> {
        self.rt.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let healthz = format!("{}/healthz", self.base);
                if let Ok((_, 200, _)) = requests::get(&self.client, &healthz).await {
                    return Ok(());
                }
                // An exited serve (e.g. a database from a newer build) says why in its log.
                if let Ok(Some(status)) = serve.proc.child.try_wait() {
                    let log =
                        std::fs::read_to_string(run.dir.join("serve.log")).unwrap_or_default();
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

        let deadline = Instant::now() + Duration::from_secs(60);
        let first = loop {
            let rows = report::statuses(&run.store, &run.ids, serve.started_ms)?;
            if let Some(r) = rows.first() {
                break r.at;
            }
            if Instant::now() > deadline {
                bail!(
                    "serve wrote no collection within 60 s (see {})",
                    run.dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        println!(
            "serve healthy {} ms after start; first collection at +{} ms",
            healthy_ms - serve.started_ms,
            first - serve.started_ms
        );
        Ok(Cycles {
            first,
            cycle_ms: self.args.interval as i64 * 1000,
        })
    }

    /// No API traffic: cycle 0 (warm-up: new connections, no rates yet), then the quiet cycles.
    fn quiet_cycles(&self, cycles: &Cycles) -> Quiet {
        let end_cycle = self.args.quiet_cycles as i64 + 1;
        sleep_until_ms(cycles.boundary(1) - LEAD);
        let cpu_start = self.cpu();
        sleep_until_ms(cycles.boundary(end_cycle) - LEAD);
        Quiet {
            end_cycle,
            cpu_start,
            cpu_end: self.cpu(),
        }
    }

    /// One request at a time: history requests, then /overview of clusters not asked yet.
    fn sequential_phase(&self) -> Sequential {
        let start_ms = now_ms();
        let mut rng = Rng(0x00c0_ffee_1234_5678);
        let history = self.rt.block_on(requests::history_requests(
            &self.client,
            &self.base,
            self.ids,
            self.args.history_requests,
            self.args.days,
            &mut rng,
        ));
        // Clusters the API has not asked yet, so the first /overview is a true miss.
        let fresh: Vec<i64> = self
            .ids
            .iter()
            .rev()
            .take(self.args.overview_clusters)
            .copied()
            .collect();
        let overview = self.rt.block_on(requests::overview_requests(
            &self.client,
            &self.base,
            &fresh,
            self.args.overview_secs,
        ));
        Sequential {
            history,
            overview,
            start_ms,
            end_ms: now_ms(),
            cpu_end: self.cpu(),
        }
    }

    /// The open-loop load, timed so that every collection of its cycles starts under load.
    fn load_phase(&self, cycles: &Cycles, seq: &Sequential, mix: Vec<(Kind, u32)>) -> Load {
        let first_cycle = (seq.end_ms + LEAD - cycles.first).div_euclid(cycles.cycle_ms) + 1;
        let last_cycle = first_cycle + self.args.load_cycles as i64 - 1;
        sleep_until_ms(cycles.boundary(first_cycle) - LEAD);
        let overview_before = self
            .rt
            .block_on(requests::overview_counters(&self.client, &self.base));
        let cpu_start = self.cpu();
        let start_ms = now_ms();
        let secs = (cycles.boundary(last_cycle + 1) - LEAD - start_ms) as f64 / 1000.0;
        let plan = LoadPlan {
            base: self.base.clone(),
            ids: self.ids.to_vec(),
            hot: self
                .ids
                .iter()
                .take(self.args.overview_hot.max(1))
                .copied()
                .collect(),
            mix,
            rps: self.args.rps,
            secs,
            days: self.args.days,
        };
        let (samples, max_lag_ms, sent_secs) = self
            .rt
            .block_on(requests::open_loop(self.client.clone(), plan));
        let end_ms = now_ms();
        let cpu_end = self.cpu();
        let overview_after = self
            .rt
            .block_on(requests::overview_counters(&self.client, &self.base));
        Load {
            samples,
            max_lag_ms,
            sent_secs,
            first_cycle,
            last_cycle,
            start_ms,
            end_ms,
            cpu_start,
            cpu_end,
            overview_before,
            overview_after,
        }
    }
}
