//! Time passing: fixed ticks that move counters, gauges, jobs and disks forward.

use rand::Rng;

use super::{uuid_like, ClusterState, LoadJob, SchemaChange, TaskRun, Txn, LATENCY_SIGMA, TICK_MS};

/// Past this much catch-up, ticks become a minute long so that jumping days ahead stays cheap.
const COARSE_AFTER_MS: i64 = 6 * 3600 * 1000;
const COARSE_TICK_MS: i64 = 60_000;
/// Quantile points of the summary and their standard-normal z values.
const SUMMARY_Z: [f64; 5] = [0.674_49, 1.644_85, 2.053_75, 2.326_35, 3.090_23];

impl ClusterState {
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

    /// `MetricCalculator` runs every 15 s and divides by 16 (docs/starrocks-facts.md §6.3).
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

    pub(super) fn update_latency_quantiles(&mut self) {
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
    pub(super) fn update_table_sizes(&mut self) {
        let stored: i64 = self
            .bes
            .iter()
            .flat_map(|b| b.disks.iter())
            .map(|d| d.data_used)
            .sum();
        self.catalog.distribute_size(stored);
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
