//! The living cluster: what every FE, BE and CN would report, advanced in one-second ticks.
//!
//! Everything the emulator shows (SHOW results, /metrics, the control API's truth) is read from
//! this one state, so SQL and HTTP always agree. The state only moves forward when someone looks
//! (`advance_to`), one fixed tick at a time with a seeded RNG, so a given seed and a given
//! sequence of faults produce the same numbers whatever the scrape timing.

use chrono::FixedOffset;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::version::Version;

/// Model time advances in ticks of this length.
pub const TICK_MS: i64 = 1000;
/// Past this much catch-up, ticks become a minute long so that jumping days ahead stays cheap.
const COARSE_AFTER_MS: i64 = 6 * 3600 * 1000;
const COARSE_TICK_MS: i64 = 60_000;

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

/// SQL the synthetic sessions run, so the processlist looks like a real workload.
const QUERY_TEXTS: &[&str] = &[
    "SELECT region, SUM(amount) AS total FROM dw.sales_fact WHERE dt >= '2025-03-01' GROUP BY region",
    "SELECT user_id, COUNT(*) FROM ods.events WHERE event_time > now() - interval 1 hour GROUP BY user_id ORDER BY 2 DESC LIMIT 100",
    "INSERT INTO ods.orders_daily SELECT o.order_id, o.user_id, o.amount, o.created_at FROM ods.orders_rt o WHERE o.created_at >= '2025-03-18'",
    "SELECT * FROM dim.customers WHERE customer_id = 48211",
    "SELECT dt, COUNT(DISTINCT user_id) FROM dw.page_views GROUP BY dt",
    "SELECT p.category, AVG(s.price) FROM dw.sales_fact s JOIN dim.products p ON s.product_id = p.id GROUP BY p.category",
];
const SESSION_USERS: &[(&str, &str)] = &[
    ("bi_reader", "dw"),
    ("etl_user", "ods"),
    ("analyst", "dw"),
    ("monitor", ""),
    ("root", ""),
];
/// Quantile points of the summary and their standard-normal z values.
const SUMMARY_Z: [f64; 5] = [0.674_49, 1.644_85, 2.053_75, 2.326_35, 3.090_23];
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
    pub fn new(spec: &ClusterSpec, topo: Topology<'_>, now_ms: i64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        // The cluster "started" a while ago, so lifetime counters are not tiny.
        let uptime_ms = rng.random_range(3..20) * 86_400_000i64;
        let started_ms = now_ms - uptime_ms;
        let fes = topo
            .fes
            .iter()
            .enumerate()
            .map(|(i, addr)| {
                let start_ms = started_ms + i as i64 * 23_000;
                let counters = FeCounters {
                    query_total: rng.random_range(100_000..900_000),
                    request_total: rng.random_range(1_000_000..2_000_000),
                    edit_log_write: rng.random_range(1_000_000..2_000_000),
                    ..FeCounters::default()
                };
                let mut counters = counters;
                counters.query_err = counters.query_total / 500;
                counters.query_timeout = counters.query_err / 60;
                counters.query_success = counters.query_total - counters.query_err;
                counters.query_analysis_err = counters.query_err * 2 / 3;
                counters.query_internal_err =
                    counters.query_err - counters.query_analysis_err - counters.query_timeout;
                counters.latency_count = counters.query_success;
                counters.latency_sum_ms = counters.query_success as f64 * 60.0;
                Fe {
                    id: (i + 1) as u8,
                    name: format!("{}_9010_{}", addr.ip, start_ms),
                    addr: addr.clone(),
                    role: if i < 3 {
                        FeRole::Follower
                    } else {
                        FeRole::Observer
                    },
                    alive: true,
                    start_ms,
                    last_heartbeat_ms: now_ms,
                    counters,
                    latency_quantiles_ms: [0.0; 5],
                    replayed_journal_id: 48_000_000,
                    sessions: Vec::new(),
                    heap_max: 17_179_869_184,
                    heap_used: rng.random_range(3_000_000_000..9_000_000_000),
                    thread_count: rng.random_range(400..700),
                    qps_gauge: 0.0,
                    rps_gauge: 0.0,
                    err_rate_gauge: 0.0,
                    gauge_base: (0, 0, 0, now_ms),
                    next_conn_seq: 1,
                    carry: [0.0; 4],
                }
            })
            .collect::<Vec<_>>();
        let mut bes = Vec::new();
        for (i, addr) in topo.bes.iter().chain(topo.cns.iter()).enumerate() {
            let compute_node = i >= topo.bes.len();
            let cores = 32;
            let total: i64 = 3_840_755_982_336;
            let disks = if compute_node || spec.shared_data {
                Vec::new()
            } else {
                (1..=2)
                    .map(|p| {
                        let data_used = (total as f64 * rng.random_range(0.30..0.40)) as i64;
                        let other_used = (total as f64 * rng.random_range(0.005..0.02)) as i64;
                        Disk {
                            path: format!("/data{p}/starrocks/storage"),
                            total,
                            avail: total - data_used - other_used,
                            data_used,
                        }
                    })
                    .collect()
            };
            let idle = rng.random_range(2_000_000_000u64..3_000_000_000);
            let mut jiffies = [0u64; 10];
            jiffies[0] = idle / 8; // user
            jiffies[1] = idle / 250_000; // nice
            jiffies[2] = idle / 50; // system
            jiffies[3] = idle; // idle
            jiffies[4] = idle / 700; // iowait
            jiffies[6] = idle / 900; // soft_irq
            let mem_limit = 121_885_803_151;
            bes.push(Be {
                id: if compute_node {
                    20001 + i as i64
                } else {
                    10001 + i as i64
                },
                addr: addr.clone(),
                heartbeat_port: 9050,
                be_port: 9060,
                brpc_port: 8060,
                compute_node,
                alive: true,
                start_ms: started_ms + 40_000 + i as i64 * 4_000,
                last_heartbeat_ms: now_ms,
                last_report_ms: now_ms,
                err_msg: String::new(),
                cpu_cores: cores,
                cpu_jiffies: jiffies,
                cpu_busy: spec.workload.cpu_busy,
                mem_limit,
                mem_used: (mem_limit as f64 * rng.random_range(0.2..0.4)) as i64,
                disks,
                tablets: if compute_node {
                    0
                } else {
                    rng.random_range(20_000..30_000)
                },
                base_score: rng.random_range(1..10),
                cumulative_score: spec.workload.compaction_score as i64,
                running_queries: 0,
                counters: BeCounters {
                    base_compaction_total: rng.random_range(50_000..90_000),
                    cumulative_compaction_total: rng.random_range(1_000_000..2_000_000),
                    publish_total: rng.random_range(300_000..600_000),
                    report_tablet_total: 20_000,
                    create_tablet_total: 9_000,
                    query_scan_bytes: rng.random_range(1u64 << 40..1u64 << 50),
                    query_scan_rows: rng.random_range(1u64 << 36..1u64 << 46),
                    fragment_requests: rng.random_range(1_000_000..5_000_000),
                    ..BeCounters::default()
                },
                net_rx_bytes: rng.random_range(1u64 << 40..1u64 << 45),
                net_tx_bytes: rng.random_range(1u64 << 40..1u64 << 45),
                disk_read_bytes: rng.random_range(1u64 << 40..1u64 << 45),
                disk_written_bytes: rng.random_range(1u64 << 40..1u64 << 45),
                disk_io_time_ms: rng.random_range(100_000_000..300_000_000),
                fill_multiplier: 1.0,
                carry: [0.0; 12],
            });
        }
        let catalog = Catalog::generate(&mut rng, spec.version, now_ms);
        let mv_count = catalog.mvs.len();
        let mut state = ClusterState {
            name: spec.name.clone(),
            version: spec.version,
            tz: spec.tz,
            shared_data: spec.shared_data,
            workload: spec.workload.clone(),
            now_ms,
            fes,
            bes,
            leader: if topo.fes.is_empty() { None } else { Some(0) },
            catalog,
            task_runs: Vec::new(),
            routine_loads: Vec::new(),
            loads: Vec::new(),
            schema_changes: Vec::new(),
            txns: Vec::new(),
            profiles: Vec::new(),
            corrupt_show: false,
            cluster_id: rng.random_range(1_000_000_000..2_000_000_000),
            latency_median_walk: 1.0,
            next_id: 100_000,
            mv_next_refresh_ms: (0..mv_count)
                .map(|i| now_ms + 20_000 + i as i64 * 37_000)
                .collect(),
            next_load_ms: now_ms + 5_000,
            next_schema_change_ms: now_ms + 60_000,
            rng,
        };
        state.init_jobs();
        for fe in 0..state.fes.len() {
            state.refresh_sessions(fe, now_ms);
        }
        state.update_latency_quantiles();
        state.update_table_sizes();
        state
    }

    fn init_jobs(&mut self) {
        let user_dbs: Vec<String> = self.catalog.user_db_names();
        let n = self.rng.random_range(3..6);
        for i in 0..n {
            let db = user_dbs[i % user_dbs.len().max(1)].clone();
            let id = self.alloc_id();
            let paused = i == n - 1;
            self.routine_loads.push(RoutineLoad {
                id,
                name: format!("rl_events_{i}"),
                db: db.clone(),
                table: format!("events_{i}"),
                state: if paused { "PAUSED" } else { "RUNNING" },
                create_ms: self.now_ms - 3 * 86_400_000,
                pause_ms: if paused {
                    Some(self.now_ms - 3_600_000)
                } else {
                    None
                },
                rows_per_sec: self.rng.random_range(500.0..5_000.0),
                total_rows: self.rng.random_range(1_000_000..100_000_000),
                error_rows: self.rng.random_range(0..20),
                received_bytes: self.rng.random_range(1_000_000_000..50_000_000_000),
                committed_tasks: self.rng.random_range(1_000..10_000),
                aborted_tasks: self.rng.random_range(0..10),
                offsets: [self.rng.random_range(1_000..1_000_000); 3],
                reason: if paused {
                    "ErrorReason{code=errCode = 100, msg='too many filtered rows'}".into()
                } else {
                    String::new()
                },
            });
        }
    }

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

    /// Runs ticks until model time reaches `target_ms`.
    pub fn advance_to(&mut self, target_ms: i64) {
        let start = self.now_ms;
        while self.now_ms + TICK_MS <= target_ms {
            let step = if target_ms - self.now_ms > COARSE_AFTER_MS {
                COARSE_TICK_MS
            } else {
                TICK_MS
            };
            self.now_ms += step;
            self.tick(step as f64 / 1000.0);
        }
        // Derived values are only read at the end, so they are computed once per advance.
        if self.now_ms != start {
            self.update_latency_quantiles();
            self.update_table_sizes();
            if self.profiles.len() > 500 {
                self.profiles.drain(..self.profiles.len() - 500);
            }
        }
    }

    fn tick(&mut self, dt: f64) {
        let now = self.now_ms;
        let w = self.workload.clone();
        // A slow random walk of the latency level keeps quantiles moving like a real reservoir.
        self.latency_median_walk = (self.latency_median_walk
            * (1.0 + self.rng.random_range(-0.02..0.02) * dt.sqrt()))
        .clamp(0.6, 1.6);
        let alive_fes: Vec<usize> = (0..self.fes.len()).filter(|&i| self.fes[i].alive).collect();
        let share = if alive_fes.is_empty() {
            0.0
        } else {
            1.0 / alive_fes.len() as f64
        };
        let mean_latency = w.latency_median_ms
            * self.latency_median_walk
            * (LATENCY_SIGMA * LATENCY_SIGMA / 2.0).exp();
        for &i in &alive_fes {
            let jitter = self.rng.random_range(0.8..1.2);
            let fe = &mut self.fes[i];
            let queries = take(&mut fe.carry[0], w.qps * share * dt * jitter);
            let errors = take(&mut fe.carry[1], queries as f64 * w.error_fraction);
            let timeouts = take(&mut fe.carry[2], queries as f64 * w.timeout_fraction).min(errors);
            let c = &mut fe.counters;
            c.query_total += queries;
            c.query_err += errors;
            c.query_timeout += timeouts;
            c.query_success += queries - errors;
            let rest = errors - timeouts;
            c.query_analysis_err += rest * 2 / 3;
            c.query_internal_err += rest - rest * 2 / 3;
            c.slow_query += take(&mut fe.carry[3], queries as f64 * 0.001);
            c.request_total += queries * 2 + (dt * 3.0) as u64;
            c.latency_count += queries - errors;
            c.latency_sum_ms += (queries - errors) as f64 * mean_latency;
            c.young_gc_count += (dt / 20.0).ceil() as u64;
            c.young_gc_time_ms += (dt * 0.7) as u64;
            fe.last_heartbeat_ms = now;
            fe.heap_used = (fe.heap_used as f64 * self.rng.random_range(0.995..1.005))
                .clamp(2e9, 1.5e10) as i64;
        }
        // Journal ids: every FE replays the leader's journal.
        if let Some(l) = self.alive_leader() {
            let writes = (dt * 20.0) as i64;
            self.fes[l].counters.edit_log_write += writes as u64;
            let leader_journal = self.fes[l].replayed_journal_id + writes;
            for (j, fe) in self.fes.iter_mut().enumerate().filter(|(_, f)| f.alive) {
                // Followers trail the leader by a journal entry or so.
                fe.replayed_journal_id = leader_journal - i64::from(j != l);
            }
            self.tick_leader_jobs(l, dt);
        }
        for i in 0..self.fes.len() {
            if self.fes[i].alive {
                self.recompute_gauges(i);
                self.refresh_sessions(i, now);
            }
        }
        self.tick_backends(dt);
        self.tick_mvs();
        self.tick_loads();
    }

    /// `MetricCalculator` runs every 15 s and divides by 16 (FACTS §6.3).
    fn recompute_gauges(&mut self, i: usize) {
        let now = self.now_ms;
        let fe = &mut self.fes[i];
        let (q, r, e, at) = fe.gauge_base;
        if now - at < 15_000 {
            return;
        }
        let c = &fe.counters;
        if at > 0 && c.query_total >= q {
            fe.qps_gauge = (c.query_total - q) as f64 / 16.0;
            fe.rps_gauge = c.request_total.saturating_sub(r) as f64 / 16.0;
            fe.err_rate_gauge = c.query_err.saturating_sub(e) as f64 / 16.0;
        }
        fe.gauge_base = (c.query_total, c.request_total, c.query_err, now);
    }

    fn tick_leader_jobs(&mut self, l: usize, dt: f64) {
        let w = self.workload.clone();
        let begun = {
            let v = w.txn_per_sec * dt;
            let whole = v.floor();
            whole as u64 + u64::from(self.rng.random::<f64>() < v - whole)
        };
        let mut failed = 0;
        for _ in 0..begun {
            if self.rng.random::<f64>() < w.txn_failure_fraction {
                failed += 1;
            }
        }
        let c = &mut self.fes[l].counters;
        c.txn_begin += begun;
        c.txn_success += begun - failed;
        c.txn_failed += failed;
        if begun > 0 {
            let id = self.alloc_id();
            let db_id = self
                .catalog
                .user_db_ids()
                .first()
                .copied()
                .unwrap_or(10_001);
            let leader_ip = self.fes[l].addr.ip.clone();
            self.txns.push(Txn {
                id,
                db_id,
                label: format!("insert_{id:x}"),
                coordinator: format!("FE: {leader_ip}"),
                status: if failed > 0 { "ABORTED" } else { "VISIBLE" },
                source: "INSERT_STREAMING",
                prepare_ms: self.now_ms - 800,
                commit_ms: if failed > 0 {
                    None
                } else {
                    Some(self.now_ms - 200)
                },
                finish_ms: Some(self.now_ms),
                reason: if failed > 0 {
                    "cancelled by user".into()
                } else {
                    String::new()
                },
            });
            if self.txns.len() > 200 {
                self.txns.drain(..self.txns.len() - 200);
            }
        }
        let mut rows = 0u64;
        let mut bytes = 0u64;
        let mut err_rows = 0u64;
        for rl in self
            .routine_loads
            .iter_mut()
            .filter(|r| r.state == "RUNNING")
        {
            let n = (rl.rows_per_sec * dt) as u64;
            rl.total_rows += n;
            rl.received_bytes += n * 120;
            rl.committed_tasks += (dt / 10.0).ceil() as u64;
            for o in rl.offsets.iter_mut() {
                *o += n / 3;
            }
            if n > 0 && self.rng.random::<f64>() < 0.01 {
                rl.error_rows += 1;
                err_rows += 1;
            }
            rows += n;
            bytes += n * 120;
        }
        let c = &mut self.fes[l].counters;
        c.routine_load_rows += rows;
        c.routine_load_receive_bytes += bytes;
        c.routine_load_error_rows += err_rows;
    }

    fn tick_backends(&mut self, dt: f64) {
        let w = self.workload.clone();
        let alive_fe_sessions: i64 = self
            .fes
            .iter()
            .filter(|f| f.alive)
            .map(|f| f.sessions.iter().filter(|s| s.command == "Query").count() as i64)
            .sum();
        let alive_bes = self.bes.iter().filter(|b| b.alive).count().max(1) as i64;
        let now = self.now_ms;
        for be in self.bes.iter_mut() {
            // The host keeps running while the BE process is down, but nobody can see its
            // counters then; freezing them keeps SHOW BACKENDS' stale columns consistent.
            if !be.alive {
                continue;
            }
            let rng = &mut self.rng;
            be.cpu_busy = (be.cpu_busy
                + rng.random_range(-0.03..0.03) * dt.sqrt()
                + (w.cpu_busy - be.cpu_busy) * 0.05)
                .clamp(0.01, 0.99);
            let total = be.cpu_cores as f64 * 100.0 * dt;
            let busy = be.cpu_busy * total;
            let parts = [
                busy * 0.80,
                busy * 0.001,
                busy * 0.15,
                total - busy - total * 0.004,
                total * 0.004,
                0.0,
                busy * 0.049,
            ];
            for (mode, amount) in parts.iter().enumerate() {
                be.cpu_jiffies[mode] += take(&mut be.carry[mode], amount.max(0.0));
            }
            be.mem_used = (be.mem_used as f64 * (1.0 + rng.random_range(-0.01..0.01)))
                .clamp(be.mem_limit as f64 * 0.05, be.mem_limit as f64 * 0.95)
                as i64;
            for (p, disk) in be.disks.iter_mut().enumerate() {
                let grow = w.disk_fill_bytes_per_sec
                    * dt
                    * be.fill_multiplier
                    * rng.random_range(0.5..1.5);
                let grow = take(&mut be.carry[7 + p.min(1)], grow) as i64;
                let grow = grow.min(disk.avail);
                disk.data_used += grow;
                disk.avail -= grow;
            }
            if rng.random::<f64>() < 0.01 * dt && !be.compute_node {
                be.tablets += 1;
                be.counters.create_tablet_total += 1;
            }
            be.cumulative_score = (be.cumulative_score as f64
                + rng.random_range(-2.0..2.0)
                + (w.compaction_score - be.cumulative_score as f64) * 0.1)
                .max(0.0)
                .round() as i64;
            if rng.random::<f64>() < 0.05 * dt {
                be.base_score = (be.base_score + rng.random_range(-1..=1)).max(0);
            }
            let cumu = take(&mut be.carry[9], 0.6 * dt);
            let base = take(&mut be.carry[10], 0.02 * dt);
            let mut failed = 0;
            for _ in 0..(cumu + base) {
                if rng.random::<f64>() < w.compaction_failure_fraction {
                    failed += 1;
                }
            }
            let c = &mut be.counters;
            c.cumulative_compaction_total += cumu;
            c.base_compaction_total += base;
            c.cumulative_compaction_failed += failed;
            c.compaction_bytes_cumulative += cumu * 3_000_000;
            c.compaction_bytes_base += base * 80_000_000;
            c.publish_total += take(&mut be.carry[11], w.txn_per_sec * dt / alive_bes as f64);
            c.query_scan_rows += (w.qps * dt * 50_000.0 / alive_bes as f64) as u64;
            c.query_scan_bytes += (w.qps * dt * 4_000_000.0 / alive_bes as f64) as u64;
            c.fragment_requests += (w.qps * dt / alive_bes as f64 * 3.0) as u64;
            c.load_rows += (w.txn_per_sec * dt * 1_000.0 / alive_bes as f64) as u64;
            c.load_bytes += (w.txn_per_sec * dt * 120_000.0 / alive_bes as f64) as u64;
            be.net_rx_bytes += (dt * rng.random_range(20e6..90e6)) as u64;
            be.net_tx_bytes += (dt * rng.random_range(20e6..90e6)) as u64;
            be.disk_read_bytes += (dt * rng.random_range(10e6..60e6)) as u64;
            be.disk_written_bytes += (dt * (w.disk_fill_bytes_per_sec * 3.0 + 1e6)) as u64;
            be.disk_io_time_ms += (dt * 1000.0 * be.cpu_busy * 0.5) as u64;
            be.running_queries = (alive_fe_sessions + alive_bes - 1) / alive_bes;
            be.last_heartbeat_ms = now;
            be.last_report_ms = now;
        }
    }

    /// Materialized views refresh every five minutes; some refreshes fail.
    fn tick_mvs(&mut self) {
        let now = self.now_ms;
        let fail_share = self.workload.mv_failure_fraction;
        let leader = self.alive_leader();
        for run in self.task_runs.iter_mut().filter(|r| r.finish_ms.is_none()) {
            if now - run.create_ms >= 8_000 + (run.mv_index as i64 % 5) * 3_000 {
                run.finish_ms = Some(now);
                if run.will_fail {
                    run.state = "FAILED";
                    run.error_message =
                        Some("Refresh materialized view failed: memory exceed limit".into());
                    if let Some(l) = leader {
                        self.fes[l].counters.mv_refresh_failed += 1;
                    }
                    if let Some(mv) = self.catalog.mvs.get_mut(run.mv_index) {
                        mv.failed_refreshes += 1;
                    }
                } else {
                    run.state = "SUCCESS";
                    if let Some(l) = leader {
                        self.fes[l].counters.mv_refresh_success += 1;
                    }
                    if let Some(mv) = self.catalog.mvs.get_mut(run.mv_index) {
                        mv.successful_refreshes += 1;
                    }
                }
                if let Some(mv) = self.catalog.mvs.get_mut(run.mv_index) {
                    mv.last_refresh = Some((run.create_ms, now, run.state));
                }
            } else if run.state == "PENDING" {
                run.state = "RUNNING";
            }
        }
        if leader.is_none() {
            return;
        }
        for i in 0..self.mv_next_refresh_ms.len() {
            if now >= self.mv_next_refresh_ms[i] {
                self.mv_next_refresh_ms[i] = now + 300_000;
                let will_fail = self.rng.random::<f64>() < fail_share;
                let task_name = self.catalog.mvs[i].task_name.clone();
                self.task_runs.push(TaskRun {
                    query_id: uuid_like(&mut self.rng),
                    task_name,
                    mv_index: i,
                    create_ms: now,
                    finish_ms: None,
                    state: "PENDING",
                    error_message: None,
                    will_fail,
                });
            }
        }
        if self.task_runs.len() > 500 {
            self.task_runs.drain(..self.task_runs.len() - 500);
        }
    }

    fn tick_loads(&mut self) {
        let now = self.now_ms;
        let leader = match self.alive_leader() {
            Some(l) => l,
            None => return,
        };
        for job in self.loads.iter_mut().filter(|j| j.finish_ms.is_none()) {
            if now >= job.ends_ms {
                job.finish_ms = Some(now);
                if job.error.is_some() {
                    job.state = "CANCELLED";
                } else {
                    job.state = "FINISHED";
                    self.fes[leader].counters.load_finished += 1;
                }
            } else if job.state == "PENDING" {
                job.state = "LOADING";
            }
        }
        if now >= self.next_load_ms {
            self.next_load_ms = now + self.rng.random_range(20_000..90_000);
            let id = self.alloc_id();
            let dbs = self.catalog.user_db_names();
            let db = dbs[self.rng.random_range(0..dbs.len().max(1)) % dbs.len().max(1)].clone();
            let fail = self.rng.random::<f64>() < 0.05;
            self.loads.push(LoadJob {
                id,
                label: format!("load_{db}_{id}"),
                db,
                kind: if self.rng.random::<bool>() {
                    "BROKER"
                } else {
                    "INSERT"
                },
                state: "PENDING",
                create_ms: now,
                finish_ms: None,
                ends_ms: now + self.rng.random_range(10_000..120_000),
                rows: self.rng.random_range(1_000..5_000_000),
                error: fail.then(|| {
                    "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel".into()
                }),
            });
            self.fes[leader].counters.load_add += 1;
            if self.loads.len() > 300 {
                self.loads.drain(..self.loads.len() - 300);
            }
        }
        for sc in self
            .schema_changes
            .iter_mut()
            .filter(|s| s.finish_ms.is_none())
        {
            sc.done_tablets = (sc.done_tablets + 1).min(sc.total_tablets);
            sc.state = "RUNNING";
            if sc.done_tablets == sc.total_tablets {
                sc.state = "FINISHED";
                sc.finish_ms = Some(now);
            }
        }
        if now >= self.next_schema_change_ms {
            self.next_schema_change_ms = now + self.rng.random_range(600_000..3_600_000);
            let job_id = self.alloc_id();
            let txn_id = self.alloc_id();
            let (db, table) = self.catalog.random_table(&mut self.rng);
            self.schema_changes.push(SchemaChange {
                job_id,
                db,
                table,
                create_ms: now,
                finish_ms: None,
                state: "PENDING",
                total_tablets: self.rng.random_range(30..300),
                done_tablets: 0,
                txn_id,
            });
        }
    }

    /// Synthetic sessions: each starts statements at random and runs each for a latency drawn
    /// from the same distribution the summary reports.
    fn refresh_sessions(&mut self, fe_idx: usize, now: i64) {
        let w = &self.workload;
        let qps_share = w.qps / self.fes.iter().filter(|f| f.alive).count().max(1) as f64;
        let median = w.latency_median_ms * self.latency_median_walk;
        let target_sessions = (4.0 + qps_share.sqrt()).min(40.0) as usize;
        let global_ids = self.version.processlist_all_fes();
        let fe = &mut self.fes[fe_idx];
        let synthetic = fe.sessions.iter().filter(|s| !s.real).count();
        for _ in synthetic..target_sessions {
            let (user, db) = SESSION_USERS[self.rng.random_range(0..SESSION_USERS.len())];
            let seq = fe.next_conn_seq;
            fe.next_conn_seq += 1;
            let id = if global_ids {
                (u64::from(fe.id) << 24) | seq
            } else {
                seq
            };
            fe.sessions.push(Session {
                id,
                user: user.into(),
                host: format!(
                    "10.20.40.{}:{}",
                    self.rng.random_range(2..250),
                    self.rng.random_range(30000..65000)
                ),
                db: db.into(),
                command: "Sleep",
                connect_ms: now - self.rng.random_range(1_000..86_400_000),
                command_start_ms: now - self.rng.random_range(0..600_000),
                state: "EOF",
                info: QUERY_TEXTS[self.rng.random_range(0..QUERY_TEXTS.len())].into(),
                ends_ms: 0,
                real: false,
            });
        }
        // Most queries end long before a SHOW PROCESSLIST could catch them; 5 % of the query rate
        // appears as sessions running a statement for a second or more.
        let start_p = (qps_share / target_sessions.max(1) as f64).min(1.0);
        for s in fe.sessions.iter_mut().filter(|s| !s.real) {
            if s.command == "Query" {
                if now >= s.ends_ms {
                    // What SHOW PROFILELIST lists: the statements that ran long enough to see.
                    self.profiles.push(Profile {
                        query_id: uuid_like(&mut self.rng),
                        start_ms: s.command_start_ms,
                        duration_ms: now - s.command_start_ms,
                        state: "Finished",
                        statement: s.info.clone(),
                    });
                    s.command = "Sleep";
                    s.state = "EOF";
                    s.command_start_ms = now;
                }
            } else if self.rng.random::<f64>() < start_p * 0.05 {
                let z: f64 = self.rng.random_range(-2.0..3.0);
                let dur = (median * (LATENCY_SIGMA * z).exp()).max(1.0) as i64 + 1_000;
                s.command = "Query";
                s.state = "OK";
                s.command_start_ms = now;
                s.ends_ms = now + dur;
                s.info = QUERY_TEXTS[self.rng.random_range(0..QUERY_TEXTS.len())].into();
            }
        }
    }

    fn update_latency_quantiles(&mut self) {
        let median = self.workload.latency_median_ms * self.latency_median_walk;
        for fe in self.fes.iter_mut().filter(|f| f.alive) {
            for (q, z) in fe.latency_quantiles_ms.iter_mut().zip(SUMMARY_Z) {
                // The reservoir holds whole milliseconds.
                *q = (median * (LATENCY_SIGMA * z).exp()).round();
            }
        }
    }

    /// Table sizes are shares of what the BEs store, so SHOW DATA and information_schema add
    /// up to the disks' data-used bytes.
    fn update_table_sizes(&mut self) {
        let stored: i64 = self
            .bes
            .iter()
            .flat_map(|b| b.disks.iter())
            .map(|d| d.data_used)
            .sum();
        self.catalog.distribute_size(stored);
    }

    // ---- faults ------------------------------------------------------------------------------

    pub fn stop_fe(&mut self, i: usize) {
        let Some(fe) = self.fes.get_mut(i) else {
            return;
        };
        fe.alive = false;
        fe.sessions.clear();
        if self.leader == Some(i) {
            self.elect_leader(Some(i));
        }
    }

    pub fn start_fe(&mut self, i: usize) {
        let now = self.now_ms;
        let Some(fe) = self.fes.get_mut(i) else {
            return;
        };
        if fe.alive {
            return;
        }
        fe.alive = true;
        fe.start_ms = now;
        fe.last_heartbeat_ms = now;
        fe.counters = FeCounters::default();
        fe.gauge_base = (0, 0, 0, now);
        fe.qps_gauge = 0.0;
        fe.rps_gauge = 0.0;
        fe.err_rate_gauge = 0.0;
        fe.carry = [0.0; 4];
        fe.heap_used = 2_500_000_000;
        if self.alive_leader().is_none() {
            self.elect_leader(None);
        }
        self.refresh_sessions(i, now);
    }

    /// A restart: the process goes away and comes back with fresh counters.
    pub fn restart_fe(&mut self, i: usize) {
        self.stop_fe(i);
        self.start_fe(i);
    }

    /// Picks the first alive follower other than `except` as leader.
    fn elect_leader(&mut self, except: Option<usize>) {
        let candidate = (0..self.fes.len()).find(|&j| {
            Some(j) != except && self.fes[j].alive && self.fes[j].role == FeRole::Follower
        });
        if let Some(c) = candidate {
            self.leader = Some(c);
        }
    }

    pub fn move_leader(&mut self, to: Option<usize>) -> Result<usize, String> {
        let target = match to {
            Some(t) => t,
            None => {
                let cur = self.leader.unwrap_or(0);
                (1..=self.fes.len())
                    .map(|k| (cur + k) % self.fes.len())
                    .find(|&j| {
                        self.fes[j].alive
                            && self.fes[j].role == FeRole::Follower
                            && Some(j) != self.leader
                    })
                    .ok_or("no other alive follower FE can become leader")?
            }
        };
        let fe = self
            .fes
            .get(target)
            .ok_or(format!("no FE with index {target}"))?;
        if !fe.alive {
            return Err(format!("FE {target} is stopped"));
        }
        if fe.role != FeRole::Follower {
            return Err(format!("FE {target} is an observer and cannot be leader"));
        }
        self.leader = Some(target);
        Ok(target)
    }

    pub fn stop_be(&mut self, i: usize) {
        let Some(be) = self.bes.get_mut(i) else {
            return;
        };
        be.alive = false;
        be.err_msg = "java.net.ConnectException: Connection refused (Connection refused)".into();
    }

    pub fn start_be(&mut self, i: usize) {
        let now = self.now_ms;
        let Some(be) = self.bes.get_mut(i) else {
            return;
        };
        if be.alive {
            return;
        }
        be.alive = true;
        be.err_msg.clear();
        be.start_ms = now;
        be.last_heartbeat_ms = now;
        be.last_report_ms = now;
        be.counters = BeCounters::default();
    }

    /// Fills one data path (or all) of a BE to `used_pct` percent at once.
    pub fn fill_disk(&mut self, i: usize, path: Option<&str>, used_pct: f64) -> Result<(), String> {
        let be = self
            .bes
            .get_mut(i)
            .ok_or(format!("no backend with index {i}"))?;
        if !(0.0..=100.0).contains(&used_pct) {
            return Err(format!(
                "used_pct must be between 0 and 100, got {used_pct}"
            ));
        }
        let mut touched = false;
        for d in be
            .disks
            .iter_mut()
            .filter(|d| path.is_none_or(|p| p == d.path))
        {
            let other = d.total - d.avail - d.data_used;
            let target_used = (d.total as f64 * used_pct / 100.0) as i64;
            d.data_used = (target_used - other).max(0);
            d.avail = (d.total - other - d.data_used).max(0);
            touched = true;
        }
        if touched {
            Ok(())
        } else {
            Err(match path {
                Some(p) => format!("backend {i} has no data path {p:?}"),
                None => format!("backend {i} has no data paths (compute node or shared-data)"),
            })
        }
    }

    // ---- real client connections -------------------------------------------------------------

    /// A connection id as the FE hands it out at accept time (3.5+: global, FE id in the top byte).
    pub fn alloc_conn_id(&mut self, fe_idx: usize) -> u64 {
        let global_ids = self.version.processlist_all_fes();
        let Some(fe) = self.fes.get_mut(fe_idx) else {
            return 0;
        };
        let seq = fe.next_conn_seq;
        fe.next_conn_seq += 1;
        if global_ids {
            (u64::from(fe.id) << 24) | seq
        } else {
            seq
        }
    }

    /// Lists an authenticated client connection in the processlist.
    pub fn register_session(
        &mut self,
        fe_idx: usize,
        id: u64,
        user: &str,
        host: &str,
        db: Option<&str>,
    ) {
        let now = self.now_ms;
        let Some(fe) = self.fes.get_mut(fe_idx) else {
            return;
        };
        fe.sessions.push(Session {
            id,
            user: user.into(),
            host: host.into(),
            db: db.unwrap_or_default().into(),
            command: "Sleep",
            connect_ms: now,
            command_start_ms: now,
            state: "OK",
            info: String::new(),
            ends_ms: 0,
            real: true,
        });
    }

    pub fn close_session(&mut self, fe_idx: usize, id: u64) {
        if let Some(fe) = self.fes.get_mut(fe_idx) {
            fe.sessions.retain(|s| !(s.real && s.id == id));
        }
    }

    pub fn session_mut(&mut self, fe_idx: usize, id: u64) -> Option<&mut Session> {
        self.fes
            .get_mut(fe_idx)?
            .sessions
            .iter_mut()
            .find(|s| s.real && s.id == id)
    }

    /// Counts a statement a real client ran: every command is a request, SELECTs are queries.
    pub fn count_statement(&mut self, fe_idx: usize, is_query: bool, ok: bool) {
        let Some(fe) = self.fes.get_mut(fe_idx) else {
            return;
        };
        let c = &mut fe.counters;
        c.request_total += 1;
        if is_query {
            c.query_total += 1;
            if ok {
                c.query_success += 1;
                c.latency_count += 1;
                c.latency_sum_ms += 1.0;
            } else {
                c.query_err += 1;
                c.query_analysis_err += 1;
            }
        }
    }
}

/// Adds `amount` to a fractional carry and takes out the whole part, so that rates below one
/// per tick still add up exactly over time.
fn take(carry: &mut f64, amount: f64) -> u64 {
    *carry += amount;
    let whole = carry.floor();
    *carry -= whole;
    whole.max(0.0) as u64
}

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
