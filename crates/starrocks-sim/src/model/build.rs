//! Construction: a cluster's starting state from its spec, topology and seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    Be, BeCounters, ClusterSpec, ClusterState, Disk, Fe, FeCounters, FeRole, RoutineLoad, Topology,
};
use crate::catalog::Catalog;

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
}
