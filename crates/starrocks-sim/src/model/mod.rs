//! The living cluster: what every FE, BE and CN would report, advanced in one-second ticks.
//!
//! Everything the emulator shows (SHOW results, /metrics, the control API's truth) is read from
//! this one state, so SQL and HTTP always agree. The state only moves forward when someone looks
//! (`advance_to`), one fixed tick at a time with a seeded RNG, so a given seed and a given
//! sequence of faults produce the same numbers whatever the scrape timing.
//!
//! This module holds the types and the state; the state's other jobs live beside it:
//! `build` (construction from a spec), `tick` (time passing), `faults` (stops, starts, fills,
//! leader moves) and `sessions` (the processlist: synthetic sessions and real connections).

mod build;
mod faults;
mod sessions;
mod tick;

use chrono::FixedOffset;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::version::Version;

/// Model time advances in ticks of this length.
pub const TICK_MS: i64 = 1000;

/// The rates that drive the model; all can be changed at run time through the control API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Queries per second over the whole cluster, spread over the alive FEs.
    pub qps: f64,
    /// Share of queries that fail (timeouts included).
    pub error_fraction: f64,
    /// Share of queries that time out (part of the errors).
    pub timeout_fraction: f64,
    /// Median query latency in milliseconds (latencies are log-normal).
    pub latency_median_ms: f64,
    /// Bytes written per second to each data path of each BE.
    pub disk_fill_bytes_per_sec: f64,
    /// Load transactions begun per second (on the leader).
    pub txn_per_sec: f64,
    /// Share of transactions that fail.
    pub txn_failure_fraction: f64,
    /// Share of materialized-view refreshes that fail.
    pub mv_failure_fraction: f64,
    /// Share of compactions that fail.
    pub compaction_failure_fraction: f64,
    /// The level around which the cumulative compaction score moves.
    pub compaction_score: f64,
    /// Mean CPU busy share of a BE (0..1).
    pub cpu_busy: f64,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            qps: 40.0,
            error_fraction: 0.01,
            timeout_fraction: 0.002,
            latency_median_ms: 40.0,
            disk_fill_bytes_per_sec: 2.0e6,
            txn_per_sec: 2.0,
            txn_failure_fraction: 0.005,
            mv_failure_fraction: 0.1,
            compaction_failure_fraction: 0.002,
            compaction_score: 20.0,
            cpu_busy: 0.35,
        }
    }
}

impl Workload {
    pub fn validate(&self) -> Result<(), String> {
        let fraction = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must be between 0 and 1, got {v}"))
            }
        };
        let non_negative = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a non-negative number, got {v}"))
            }
        };
        non_negative("qps", self.qps)?;
        fraction("error_fraction", self.error_fraction)?;
        fraction("timeout_fraction", self.timeout_fraction)?;
        if self.timeout_fraction > self.error_fraction {
            return Err(
                "timeout_fraction cannot exceed error_fraction (timeouts are errors)".into(),
            );
        }
        non_negative("latency_median_ms", self.latency_median_ms)?;
        non_negative("disk_fill_bytes_per_sec", self.disk_fill_bytes_per_sec)?;
        non_negative("txn_per_sec", self.txn_per_sec)?;
        fraction("txn_failure_fraction", self.txn_failure_fraction)?;
        fraction("mv_failure_fraction", self.mv_failure_fraction)?;
        fraction(
            "compaction_failure_fraction",
            self.compaction_failure_fraction,
        )?;
        non_negative("compaction_score", self.compaction_score)?;
        fraction("cpu_busy", self.cpu_busy)?;
        Ok(())
    }
}

/// Where a node listens; assigned by the network layer before the model is built.
#[derive(Debug, Clone, Serialize)]
pub struct FeAddr {
    pub ip: String,
    pub query_port: u16,
    pub http_port: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct BeAddr {
    pub ip: String,
    pub http_port: u16,
}

#[derive(Debug, Clone)]
pub struct ClusterSpec {
    pub name: String,
    pub version: Version,
    pub seed: u64,
    pub user: String,
    pub password: String,
    /// The FE JVM time zone, used for every time string.
    pub tz: FixedOffset,
    pub shared_data: bool,
    pub workload: Workload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FeRole {
    Follower,
    Observer,
}

/// Lifetime counters of one FE process; a restart starts them from zero.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeCounters {
    pub query_total: u64,
    pub query_success: u64,
    pub query_err: u64,
    pub query_timeout: u64,
    pub query_analysis_err: u64,
    pub query_internal_err: u64,
    pub slow_query: u64,
    pub request_total: u64,
    pub txn_begin: u64,
    pub txn_success: u64,
    pub txn_failed: u64,
    pub txn_reject: u64,
    pub load_add: u64,
    pub load_finished: u64,
    pub routine_load_rows: u64,
    pub routine_load_receive_bytes: u64,
    pub routine_load_error_rows: u64,
    pub routine_load_paused: u64,
    pub edit_log_write: u64,
    pub image_write: u64,
    pub mv_refresh_success: u64,
    pub mv_refresh_failed: u64,
    /// `query_latency_ms_count`: successful queries only.
    pub latency_count: u64,
    /// `query_latency_ms_sum` in milliseconds.
    pub latency_sum_ms: f64,
    pub young_gc_count: u64,
    pub young_gc_time_ms: u64,
}

/// A session in SHOW PROCESSLIST.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: u64,
    pub user: String,
    pub host: String,
    pub db: String,
    /// `Query` while a statement runs, `Sleep` otherwise.
    pub command: &'static str,
    pub connect_ms: i64,
    pub command_start_ms: i64,
    pub state: &'static str,
    pub info: String,
    /// When the running statement ends (synthetic sessions only).
    #[serde(skip)]
    pub ends_ms: i64,
    /// A real client connection of the emulator, not a synthetic one.
    pub real: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fe {
    pub id: u8,
    pub name: String,
    pub addr: FeAddr,
    pub role: FeRole,
    /// The process runs (a stopped FE neither answers nor evolves).
    pub alive: bool,
    pub start_ms: i64,
    pub last_heartbeat_ms: i64,
    pub counters: FeCounters,
    /// `query_latency_ms` quantiles 0.75, 0.95, 0.98, 0.99, 0.999.
    pub latency_quantiles_ms: [f64; 5],
    pub replayed_journal_id: i64,
    pub sessions: Vec<Session>,
    pub heap_max: i64,
    pub heap_used: i64,
    pub thread_count: i64,
    /// The 15-second gauges `qps`, `rps`, `query_err_rate` as the FE last computed them.
    pub qps_gauge: f64,
    pub rps_gauge: f64,
    pub err_rate_gauge: f64,
    #[serde(skip)]
    gauge_base: (u64, u64, u64, i64),
    #[serde(skip)]
    next_conn_seq: u64,
    #[serde(skip)]
    carry: [f64; 4],
}

pub const CPU_MODES: [&str; 10] = [
    "user",
    "nice",
    "system",
    "idle",
    "iowait",
    "irq",
    "soft_irq",
    "steal",
    "guest",
    "guest_nice",
];

#[derive(Debug, Clone, Serialize)]
pub struct Disk {
    pub path: String,
    pub total: i64,
    pub avail: i64,
    pub data_used: i64,
}

impl Disk {
    pub fn used(&self) -> i64 {
        self.total - self.avail
    }
    pub fn used_pct(&self) -> f64 {
        if self.total <= 0 {
            0.0
        } else {
            self.used() as f64 * 100.0 / self.total as f64
        }
    }
}

/// Cumulative counters of one BE process (engine requests restart from zero with the process;
/// CPU, network and disk I/O counters belong to the host and keep growing).
#[derive(Debug, Clone, Default, Serialize)]
pub struct BeCounters {
    pub base_compaction_total: u64,
    pub base_compaction_failed: u64,
    pub cumulative_compaction_total: u64,
    pub cumulative_compaction_failed: u64,
    pub publish_total: u64,
    pub publish_failed: u64,
    pub report_tablet_total: u64,
    pub create_tablet_total: u64,
    pub clone_total: u64,
    pub schema_change_total: u64,
    pub schema_change_failed: u64,
    pub compaction_bytes_base: u64,
    pub compaction_bytes_cumulative: u64,
    pub query_scan_bytes: u64,
    pub query_scan_rows: u64,
    pub fragment_requests: u64,
    pub load_rows: u64,
    pub load_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Be {
    pub id: i64,
    pub addr: BeAddr,
    pub heartbeat_port: u16,
    pub be_port: u16,
    pub brpc_port: u16,
    /// A compute node (shared-data): no local tablets on disks.
    pub compute_node: bool,
    pub alive: bool,
    pub start_ms: i64,
    pub last_heartbeat_ms: i64,
    pub last_report_ms: i64,
    pub err_msg: String,
    pub cpu_cores: u32,
    /// Host CPU jiffies in `CPU_MODES` order.
    pub cpu_jiffies: [u64; 10],
    /// CPU busy share of the last tick, what the BE last reported (`CpuUsedPct`).
    pub cpu_busy: f64,
    pub mem_limit: i64,
    pub mem_used: i64,
    pub disks: Vec<Disk>,
    pub tablets: i64,
    pub base_score: i64,
    pub cumulative_score: i64,
    pub running_queries: i64,
    pub counters: BeCounters,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
    pub disk_read_bytes: u64,
    pub disk_written_bytes: u64,
    pub disk_io_time_ms: u64,
    /// Multiplies the disk fill rate (the "fill a disk quickly" fault).
    pub fill_multiplier: f64,
    #[serde(skip)]
    carry: [f64; 12],
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskRun {
    pub query_id: String,
    pub task_name: String,
    pub mv_index: usize,
    pub create_ms: i64,
    pub finish_ms: Option<i64>,
    pub state: &'static str,
    pub error_message: Option<String>,
    #[serde(skip)]
    pub will_fail: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoutineLoad {
    pub id: i64,
    pub name: String,
    pub db: String,
    pub table: String,
    pub state: &'static str,
    pub create_ms: i64,
    pub pause_ms: Option<i64>,
    pub rows_per_sec: f64,
    pub total_rows: u64,
    pub error_rows: u64,
    pub received_bytes: u64,
    pub committed_tasks: u64,
    pub aborted_tasks: u64,
    pub offsets: [u64; 3],
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadJob {
    pub id: i64,
    pub label: String,
    pub db: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub create_ms: i64,
    pub finish_ms: Option<i64>,
    pub ends_ms: i64,
    pub rows: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaChange {
    pub job_id: i64,
    pub db: String,
    pub table: String,
    pub create_ms: i64,
    pub finish_ms: Option<i64>,
    pub state: &'static str,
    pub total_tablets: u32,
    pub done_tablets: u32,
    pub txn_id: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Txn {
    pub id: i64,
    pub db_id: i64,
    pub label: String,
    pub coordinator: String,
    pub status: &'static str,
    pub source: &'static str,
    pub prepare_ms: i64,
    pub commit_ms: Option<i64>,
    pub finish_ms: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub query_id: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub state: &'static str,
    pub statement: String,
}

/// Spread of the log-normal query latencies (sigma of their logarithm).
const LATENCY_SIGMA: f64 = 1.0;

pub struct ClusterState {
    pub name: String,
    pub version: Version,
    pub tz: FixedOffset,
    pub shared_data: bool,
    pub workload: Workload,
    /// Model time reached so far (unix ms).
    pub now_ms: i64,
    pub fes: Vec<Fe>,
    /// Backends, then compute nodes.
    pub bes: Vec<Be>,
    pub leader: Option<usize>,
    pub catalog: Catalog,
    pub task_runs: Vec<TaskRun>,
    pub routine_loads: Vec<RoutineLoad>,
    pub loads: Vec<LoadJob>,
    pub schema_changes: Vec<SchemaChange>,
    pub txns: Vec<Txn>,
    pub profiles: Vec<Profile>,
    /// Fault: numeric cells of SHOW BACKENDS / FRONTENDS come out malformed.
    pub corrupt_show: bool,
    pub cluster_id: u32,
    rng: ChaCha8Rng,
    latency_median_walk: f64,
    next_id: i64,
    mv_next_refresh_ms: Vec<i64>,
    next_load_ms: i64,
    next_schema_change_ms: i64,
}

pub struct Topology<'a> {
    pub fes: &'a [FeAddr],
    pub bes: &'a [BeAddr],
    pub cns: &'a [BeAddr],
}

impl ClusterState {
    pub fn alloc_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// SHOW FRONTENDS `Role`: LEADER for the current leader, else the node type.
    pub fn role_name(&self, i: usize) -> &'static str {
        if self.leader == Some(i) {
            return "LEADER";
        }
        match self.fes.get(i).map(|f| f.role) {
            Some(FeRole::Observer) => "OBSERVER",
            _ => "FOLLOWER",
        }
    }

    pub fn alive_leader(&self) -> Option<usize> {
        self.leader
            .filter(|&i| self.fes.get(i).is_some_and(|f| f.alive))
    }
}

/// A random id in UUID form, as query ids are shown.
fn uuid_like(rng: &mut ChaCha8Rng) -> String {
    let a: u128 = rng.random();
    let h = format!("{a:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topo_state(seed: u64) -> ClusterState {
        let fes: Vec<FeAddr> = (0..3)
            .map(|i| FeAddr {
                ip: format!("127.0.1.{}", 11 + i),
                query_port: 9030,
                http_port: 8030,
            })
            .collect();
        let bes: Vec<BeAddr> = (0..3)
            .map(|i| BeAddr {
                ip: format!("127.0.1.{}", 41 + i),
                http_port: 8040,
            })
            .collect();
        let spec = ClusterSpec {
            name: "c".into(),
            version: "3.3".parse().expect("version"),
            seed,
            user: "root".into(),
            password: "pw".into(),
            tz: FixedOffset::east_opt(0).expect("tz"),
            shared_data: false,
            workload: Workload::default(),
        };
        ClusterState::new(
            &spec,
            Topology {
                fes: &fes,
                bes: &bes,
                cns: &[],
            },
            1_700_000_000_000,
        )
    }

    #[test]
    fn same_seed_same_numbers_whatever_the_steps() {
        let mut a = topo_state(7);
        let mut b = topo_state(7);
        a.advance_to(1_700_000_060_000);
        for s in 1..=60 {
            b.advance_to(1_700_000_000_000 + s * 1000);
        }
        assert_eq!(a.fes[0].counters.query_total, b.fes[0].counters.query_total);
        assert_eq!(a.bes[1].cpu_jiffies, b.bes[1].cpu_jiffies);
        assert_eq!(a.bes[2].disks[0].avail, b.bes[2].disks[0].avail);
        let c = topo_state(8);
        assert_ne!(c.bes[0].disks[0].avail, topo_state(7).bes[0].disks[0].avail);
    }

    #[test]
    fn query_counters_follow_the_configured_rates() {
        let mut s = topo_state(1);
        s.workload.qps = 100.0;
        s.workload.error_fraction = 0.1;
        s.workload.timeout_fraction = 0.02;
        let before: Vec<FeCounters> = s.fes.iter().map(|f| f.counters.clone()).collect();
        s.advance_to(s.now_ms + 600_000);
        let sum = |f: &dyn Fn(&FeCounters) -> u64| -> u64 {
            s.fes
                .iter()
                .zip(&before)
                .map(|(a, b)| f(&a.counters) - f(b))
                .sum()
        };
        let total = sum(&|c| c.query_total) as f64;
        assert!(
            (total / 600.0 - 100.0).abs() < 5.0,
            "qps was {}",
            total / 600.0
        );
        let err = sum(&|c| c.query_err) as f64;
        assert!((err / total - 0.1).abs() < 0.01);
        let timeouts = sum(&|c| c.query_timeout) as f64;
        assert!((timeouts / total - 0.02).abs() < 0.005);
        assert_eq!(
            sum(&|c| c.query_success) + sum(&|c| c.query_err),
            sum(&|c| c.query_total)
        );
    }

    #[test]
    fn disks_fill_at_the_configured_rate_and_stop_full() {
        let mut s = topo_state(2);
        s.workload.disk_fill_bytes_per_sec = 1e6;
        let before = s.bes[0].disks[0].data_used;
        s.advance_to(s.now_ms + 1000 * 1000);
        let grown = (s.bes[0].disks[0].data_used - before) as f64;
        assert!((grown / 1e9 - 1.0).abs() < 0.1, "grew {grown}");
        s.fill_disk(0, None, 99.9).expect("fill");
        s.workload.disk_fill_bytes_per_sec = 1e12;
        s.advance_to(s.now_ms + 10_000);
        assert_eq!(s.bes[0].disks[0].avail, 0);
    }

    #[test]
    fn stopped_backend_freezes_and_restarted_fe_counts_from_zero() {
        let mut s = topo_state(3);
        s.stop_be(1);
        let frozen = s.bes[1].clone();
        s.advance_to(s.now_ms + 120_000);
        assert_eq!(s.bes[1].cpu_busy, frozen.cpu_busy);
        assert_eq!(s.bes[1].last_heartbeat_ms, frozen.last_heartbeat_ms);
        assert!(s.bes[0].last_heartbeat_ms > frozen.last_heartbeat_ms);
        let before = s.fes[1].counters.query_total;
        s.restart_fe(1);
        assert!(s.fes[1].counters.query_total < before);
        s.stop_fe(0);
        assert_eq!(s.leader, Some(1));
    }
}
