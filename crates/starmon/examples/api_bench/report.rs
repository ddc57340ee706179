//! What a run measured and how it is printed: latencies per phase and kind, the collections
//! serve stored per cycle (read back through the store), serve's CPU and memory. The lines keep
//! the format BENCHMARKS.md quotes.

use std::collections::{BTreeMap, HashMap, HashSet};

use starmon::model::Outcome;
use starmon::store::sqlite::SqliteStore;
use starmon::store::Store;

use crate::bench_common::{percentile, proc_stat};
use crate::requests::{HistoryResult, Kind, OverviewResult, Sample};
use crate::{Args, LEAD};

/// "n=… p50=… p90=… p99=… max=…" of latencies in milliseconds.
pub fn summary(mut ms: Vec<f64>) -> String {
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

/// Serve's collection cycles: cycle 0 starts with its first collection, later cycles are
/// `cycle_ms` buckets from there.
pub struct Cycles {
    pub first: i64,
    pub cycle_ms: i64,
}

impl Cycles {
    /// The start of cycle `b`.
    pub fn boundary(&self, b: i64) -> i64 {
        self.first + b * self.cycle_ms
    }

    /// The cycle a collection at `at` belongs to. Centred on the boundaries: a tick may fire a
    /// millisecond early.
    pub fn of(&self, at: i64) -> i64 {
        (at - self.first + self.cycle_ms / 2).div_euclid(self.cycle_ms)
    }
}

/// One collection serve stored.
pub struct StatusRow {
    cluster: i64,
    pub at: i64,
    duration_ms: i64,
    ok: bool,
}

/// The collections of `ids` stored at or after `since`, oldest first.
pub fn statuses(store: &SqliteStore, ids: &[i64], since: i64) -> anyhow::Result<Vec<StatusRow>> {
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

/// The quiet cycles: serve's CPU seconds from `LEAD` before cycle 1 to `LEAD` before `end_cycle`.
pub struct Quiet {
    pub end_cycle: i64,
    pub cpu_start: f64,
    pub cpu_end: f64,
}

/// The sequential phase: history requests, then /overview misses and cache hits.
pub struct Sequential {
    pub history: HistoryResult,
    pub overview: OverviewResult,
    pub start_ms: i64,
    pub end_ms: i64,
    pub cpu_end: f64,
}

/// The open-loop load over cycles `first_cycle..=last_cycle`.
pub struct Load {
    pub samples: Vec<Sample>,
    pub max_lag_ms: f64,
    pub sent_secs: f64,
    pub first_cycle: i64,
    pub last_cycle: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub cpu_start: f64,
    pub cpu_end: f64,
    /// `starmon_overview_requests_total` by result, before and after.
    pub overview_before: BTreeMap<String, f64>,
    pub overview_after: BTreeMap<String, f64>,
}

/// Serve at the end of the run.
pub struct Totals {
    pub cpu_secs: f64,
    pub hwm_kib: u64,
    pub peak_rss_kib: u64,
}

/// Everything a run measured.
pub struct Run<'a> {
    pub args: &'a Args,
    pub cycles: Cycles,
    pub quiet: Quiet,
    pub sequential: Sequential,
    pub load: Load,
    pub totals: Totals,
    pub statuses: Vec<StatusRow>,
}

pub fn print(run: &Run<'_>) {
    println!();
    println!(
        "== starmon API: {} clusters × ({} FE + {} BE), {} days of history, collect every {} s",
        run.args.clusters, run.args.fes, run.args.bes, run.args.days, run.args.interval
    );
    print_sequential(&run.sequential);
    print_load(run.args, &run.load);
    print_collector(run);
    print_resources(run);
}

fn print_sequential(seq: &Sequential) {
    let (history, overview) = (&seq.history, &seq.overview);
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
}

fn print_load(args: &Args, load: &Load) {
    println!(
        "-- load phase: open loop at {} requests/s, sending for {:.1} s, last answer after {:.1} s (cycles {}–{}), mix {}; /overview over {} clusters; latency from the scheduled send time, client timeout 30 s",
        args.rps,
        load.sent_secs,
        (load.end_ms - load.start_ms) as f64 / 1000.0,
        load.first_cycle,
        load.last_cycle,
        args.mix,
        args.overview_hot
    );
    let mut by_kind: BTreeMap<Kind, (Vec<f64>, usize)> = BTreeMap::new();
    for s in &load.samples {
        let e = by_kind.entry(s.kind).or_default();
        e.0.push(s.latency_ms);
        e.1 += usize::from(!s.ok);
    }
    for (k, (lat, errs)) in &by_kind {
        println!("{:<11} {}  errors {}", k.name(), summary(lat.clone()), errs);
    }
    println!(
        "all         {}  errors {}  (achieved {:.1} requests/s, max send lag {:.1} ms)",
        summary(load.samples.iter().map(|s| s.latency_ms).collect()),
        load.samples.iter().filter(|s| !s.ok).count(),
        load.samples.len() as f64 / load.sent_secs.max(1e-9),
        load.max_lag_ms
    );
    let (before, after) = (&load.overview_before, &load.overview_after);
    let delta = |key: &str| {
        after.get(key).copied().unwrap_or(0.0) - before.get(key).copied().unwrap_or(0.0)
    };
    println!(
        "overview cache under load (serve's starmon_overview_requests_total): {}",
        after
            .keys()
            .map(|k| format!("{} {}", k.replace('"', ""), delta(k)))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// Which phase cycle `c` belongs to.
fn phase_of(run: &Run<'_>, c: i64) -> &'static str {
    let (seq, load) = (&run.sequential, &run.load);
    match c {
        0 => "warm-up",
        c if c < run.quiet.end_cycle => "quiet",
        c if (load.first_cycle..=load.last_cycle).contains(&c) => "load",
        c if c > load.last_cycle => "after",
        // Between the quiet and the load cycles: busy if its collections (the first seconds
        // after the boundary) overlapped the sequential requests.
        c if run.cycles.boundary(c) < seq.end_ms
            && run.cycles.boundary(c) + LEAD > seq.start_ms =>
        {
            "sequential"
        }
        _ => "idle",
    }
}

fn print_collector(run: &Run<'_>) {
    let cycles = &run.cycles;
    let (load_first, load_last) = (run.load.first_cycle, run.load.last_cycle);
    // Per cycle: the clusters collected, the collections, those that were ok.
    let mut by_cycle: BTreeMap<i64, (HashSet<i64>, usize, usize)> = BTreeMap::new();
    let mut durations: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for s in &run.statuses {
        let e = by_cycle.entry(cycles.of(s.at)).or_default();
        e.0.insert(s.cluster);
        e.1 += 1;
        e.2 += usize::from(s.ok);
        durations
            .entry(phase_of(run, cycles.of(s.at)))
            .or_default()
            .push(s.duration_ms as f64);
    }
    // Longest gap between two collections of the same cluster within the load cycles.
    let mut last_at: HashMap<i64, i64> = HashMap::new();
    let mut max_gap_load = 0i64;
    for s in &run.statuses {
        // From the cycle before, so a cycle missed at the start of the load shows as a gap.
        if (load_first - 1..=load_last).contains(&cycles.of(s.at)) {
            if let Some(prev) = last_at.insert(s.cluster, s.at) {
                max_gap_load = max_gap_load.max(s.at - prev);
            }
        }
    }

    println!("-- collector (collection_status rows written during the run)");
    for (c, (clusters, rows, ok)) in &by_cycle {
        println!(
            "cycle {c:>2} [{:<10}] clusters {:>4}  collections {:>4}  ok {:>4}",
            phase_of(run, *c),
            clusters.len(),
            rows,
            ok
        );
    }
    let complete = |range: std::ops::RangeInclusive<i64>| {
        range.into_iter().all(|c| {
            by_cycle
                .get(&c)
                .is_some_and(|(cl, _, _)| cl.len() == run.args.clusters)
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
}

fn print_resources(run: &Run<'_>) {
    let (quiet, seq, load, totals) = (&run.quiet, &run.sequential, &run.load, &run.totals);
    // CPU per phase as a share of one core.
    let share = |cpu: f64, from_ms: i64, to_ms: i64| {
        let secs = (to_ms - from_ms) as f64 / 1000.0;
        format!(
            "{cpu:.1} s over {secs:.0} s = {:.1} %",
            100.0 * cpu / secs.max(1e-9)
        )
    };
    println!(
        "starmon CPU: {:.1} s in all (start-up and warm-up {:.1} s); quiet {}; sequential {}; load {}",
        totals.cpu_secs,
        quiet.cpu_start,
        share(
            quiet.cpu_end - quiet.cpu_start,
            run.cycles.boundary(1) - LEAD,
            run.cycles.boundary(quiet.end_cycle) - LEAD
        ),
        share(seq.cpu_end - quiet.cpu_end, seq.start_ms, seq.end_ms),
        share(load.cpu_end - load.cpu_start, load.start_ms, load.end_ms)
            + " (until the last answer)",
    );
    println!(
        "starmon RSS: peak sampled {} MiB, VmHWM {} MiB",
        totals.peak_rss_kib / 1024,
        totals.hwm_kib / 1024
    );
    println!("bench client CPU: {:.1} s", proc_stat(std::process::id()).0);
}
