//! The FE's `starrocks_fe_` samples: the registry in registration order, MVs, node info.

use std::collections::BTreeMap;

use super::{fe, int, MvDetail, FE};
use crate::exposition::{Kind, Sample, Value};
use crate::model::ClusterState;

/// Registry metrics in registration order, then the per-scrape families.
pub(super) fn registry_samples(st: &ClusterState, i: usize) -> Vec<Sample> {
    let v = st.version;
    let f = &st.fes[i];
    let c = &f.counters;
    let is_leader = st.leader == Some(i);
    let leader_only = |x: i64| if is_leader { x } else { 0 };
    // LeaderAware metrics carry `is_leader` as their first label.
    let leader_label = |s: Sample, on: bool| -> Sample {
        if on {
            let mut s = s;
            s.labels.insert(0, ("is_leader", is_leader.to_string()));
            s
        } else {
            s
        }
    };
    let jobs_aware = v.fe_is_leader_on_jobs();
    let txn_aware = v.fe_is_leader_on_txn();
    let mut out = Vec::new();

    // job{job="load", type, state}
    let loads_by: BTreeMap<(&str, &str), i64> =
        st.loads.iter().fold(BTreeMap::new(), |mut m, j| {
            *m.entry((j.kind, j.state)).or_insert(0) += 1;
            m
        });
    for ty in v.fe_load_job_types() {
        for state in v.fe_load_job_states() {
            let n = loads_by.get(&(*ty, *state)).copied().unwrap_or(0);
            out.push(leader_label(
                fe("job", Kind::Gauge, "job statistics", int(leader_only(n)))
                    .label("job", "load")
                    .label("type", *ty)
                    .label("state", *state),
                jobs_aware,
            ));
        }
    }
    let running_sc = st
        .schema_changes
        .iter()
        .filter(|s| s.state == "RUNNING")
        .count() as i64;
    for (ty, n) in [("ROLLUP", 0), ("SCHEMA_CHANGE", running_sc)] {
        out.push(leader_label(
            fe("job", Kind::Gauge, "job statistics", int(leader_only(n)))
                .label("job", "alter")
                .label("type", ty)
                .label("state", "running"),
            jobs_aware,
        ));
    }
    // tablet_num and tablet_max_compaction_score interleave per BE: the family is split.
    let mut max_score = 0;
    for be in st.bes.iter().filter(|b| !b.compute_node) {
        let backend = format!("{}:{}", be.addr.ip, be.heartbeat_port);
        let score = be.base_score.max(be.cumulative_score);
        max_score = max_score.max(score);
        out.push(
            fe(
                "tablet_num",
                Kind::Gauge,
                "tablet number",
                int(leader_only(be.tablets)),
            )
            .label("backend", backend.clone()),
        );
        out.push(leader_label(
            fe(
                "tablet_max_compaction_score",
                Kind::Gauge,
                "tablet max compaction score",
                int(leader_only(score)),
            )
            .label("backend", backend),
            jobs_aware,
        ));
    }
    out.push(fe(
        "max_journal_id",
        Kind::Gauge,
        "max journal id of this frontends",
        int(f.replayed_journal_id),
    ));
    out.push(fe(
        "meta_log_count",
        Kind::Gauge,
        "meta log total count",
        int(21_937),
    ));
    out.push(leader_label(
        fe(
            "scheduled_tablet_num",
            Kind::Gauge,
            "number of tablets being scheduled",
            int(0),
        ),
        jobs_aware,
    ));
    let mut rl_states = vec!["NEED_SCHEDULE", "RUNNING", "PAUSED", "STOPPED", "CANCELLED"];
    if v.fe_has_unstable_routine_state() {
        rl_states.push("UNSTABLE");
    }
    for state in rl_states {
        let n = st.routine_loads.iter().filter(|r| r.state == state).count() as i64;
        out.push(leader_label(
            fe(
                "routine_load_jobs",
                Kind::Gauge,
                "routine load jobs",
                int(leader_only(n)),
            )
            .label("state", state),
            jobs_aware,
        ));
    }
    out.push(fe(
        "qps",
        Kind::Gauge,
        "query per second",
        Value::Double(f.qps_gauge),
    ));
    out.push(fe(
        "rps",
        Kind::Gauge,
        "request per second",
        Value::Double(f.rps_gauge),
    ));
    out.push(fe(
        "query_err_rate",
        Kind::Gauge,
        "query error rate",
        Value::Double(f.err_rate_gauge),
    ));
    if v.fe_has_query_err_breakdown() {
        out.push(fe(
            "query_internal_err_rate",
            Kind::Gauge,
            "query internal error rate",
            Value::Double(0.0),
        ));
        out.push(fe(
            "query_analysis_err_rate",
            Kind::Gauge,
            "query analysis error rate",
            Value::Double(f.err_rate_gauge),
        ));
        out.push(fe(
            "query_timeout_rate",
            Kind::Gauge,
            "query timeout rate",
            Value::Double(0.0),
        ));
    }
    out.push(leader_label(
        fe(
            "max_tablet_compaction_score",
            Kind::Gauge,
            "max tablet compaction score of all backends",
            int(leader_only(max_score)),
        ),
        txn_aware,
    ));
    out.push(fe(
        "editlog_stacked_num",
        Kind::Gauge,
        "counter of edit log that are stacked",
        int(0),
    ));
    if v >= crate::version::Version::new(3, 3, 0) {
        out.push(fe(
            "encryption_key_num",
            Kind::Gauge,
            "number of encryption keys in key manager",
            int(0),
        ));
    }
    for ty in [
        "mean",
        "50_quantile",
        "75_quantile",
        "90_quantile",
        "95_quantile",
        "99_quantile",
        "999_quantile",
    ] {
        // Stays 0.0 unless enable_collect_query_detail_info=true, which the emulator leaves off.
        out.push(
            fe(
                "query_latency",
                Kind::Gauge,
                "mean of query latency",
                Value::Double(0.0),
            )
            .label("type", ty),
        );
    }
    if v.fe_has_safe_mode() {
        out.push(fe("safe_mode", Kind::Gauge, "safe mode flag", int(0)).label("type", "safe_mode"));
    }
    let counter = |name: &str, help: &'static str, x: u64| fe(name, Kind::Counter, help, int(x));
    out.push(counter("request_total", "total request", c.request_total));
    out.push(counter("query_total", "total query", c.query_total));
    out.push(counter("query_err", "total error query", c.query_err));
    out.push(counter(
        "query_timeout",
        "total timeout query",
        c.query_timeout,
    ));
    out.push(counter(
        "query_success",
        "total success query",
        c.query_success,
    ));
    out.push(counter("slow_query", "total slow query", c.slow_query));
    out.push(counter("query_queue_pending", "total pending query", 0));
    if v >= crate::version::Version::new(3, 3, 0) {
        out.push(counter(
            "query_queue_slot_pending",
            "total pending query slot",
            0,
        ));
        out.push(counter(
            "query_queue_slot_running",
            "total running query slot",
            0,
        ));
    }
    out.push(counter(
        "query_queue_total",
        "total history queued query",
        0,
    ));
    out.push(counter(
        "query_queue_timeout",
        "total history query for timeout in queue",
        0,
    ));
    out.push(counter("load_add", "total load submit", c.load_add));
    out.push(counter(
        "routine_load_paused",
        "counter of routine load paused",
        c.routine_load_paused,
    ));
    out.push(counter(
        "load_finished",
        "total load finished",
        c.load_finished,
    ));
    out.push(counter(
        "edit_log_write",
        "counter of edit log write into bdbje",
        c.edit_log_write,
    ));
    out.push(counter(
        "edit_log_read",
        "counter of edit log read from bdbje",
        0,
    ));
    out.push(counter(
        "edit_log_size_bytes",
        "size of edit log",
        c.edit_log_write * 2_650,
    ));
    out.push(counter(
        "image_write",
        "counter of image generated",
        c.image_write,
    ));
    out.push(counter(
        "image_push",
        "counter of image succeeded in pushing to other frontends",
        c.image_write * 2,
    ));
    if v.fe_has_shortcircuit() {
        out.push(counter("shortcircuit_query", "total shortcircuit query", 0));
        out.push(counter("shortcircuit_rpc", "total shortcircuit rpc", 0));
    }
    if v.fe_has_query_err_breakdown() {
        out.push(counter(
            "query_analysis_err",
            "total analysis error query",
            c.query_analysis_err,
        ));
        out.push(counter(
            "query_internal_err",
            "total internal error query",
            c.query_internal_err,
        ));
    }
    for (name, help, x) in [
        (
            "txn_reject",
            "counter of rejected transactions",
            c.txn_reject,
        ),
        (
            "txn_begin",
            "counter of beginning transactions",
            c.txn_begin,
        ),
        (
            "txn_success",
            "counter of success transactions",
            c.txn_success,
        ),
        ("txn_failed", "counter of failed transactions", c.txn_failed),
    ] {
        let value = if txn_aware && !is_leader { 0 } else { x };
        out.push(leader_label(counter(name, help, value), txn_aware));
    }
    out.push(counter(
        "routine_load_rows",
        "total rows of routine load",
        c.routine_load_rows,
    ));
    out.push(counter(
        "routine_load_receive_bytes",
        "total received bytes of routine load",
        c.routine_load_receive_bytes,
    ));
    out.push(counter(
        "routine_load_error_rows",
        "total error rows of routine load",
        c.routine_load_error_rows,
    ));
    if v.fe_has_backup_jobs() {
        out.push(counter(
            "unfinished_backup_job",
            "current unfinished backup job",
            0,
        ));
        out.push(counter(
            "unfinished_restore_job",
            "current unfinished restore job",
            0,
        ));
    }
    for (name, val) in [
        ("tcp_retrans_segs", 118_237i64),
        ("tcp_in_errs", 4),
        ("tcp_in_segs", 2_918_834_412),
        ("tcp_out_segs", 3_022_910_087),
    ] {
        out.push(
            fe(
                "snmp",
                Kind::Gauge,
                "All TCP packets retransmitted",
                int(val),
            )
            .label("name", name),
        );
    }
    if !v.fe_has_memory_usage() {
        for (ty, val) in [
            (
                "tablet_count",
                st.bes.iter().map(|b| b.tablets).sum::<i64>(),
            ),
            ("replica_count", 0),
        ] {
            out.push(fe("memory", Kind::Gauge, "memory statistics", int(val)).label("type", ty));
        }
    }
    let mut pool_types = vec!["pool_size", "active_thread_num", "task_in_queue"];
    if v.fe_thread_pool_has_completed() {
        pool_types.push("completed_task_count");
    }
    for ty in pool_types {
        let val = match ty {
            "pool_size" => 4,
            "completed_task_count" => c.request_total as i64 / 2,
            _ => 0,
        };
        out.push(
            fe(
                "thread_pool",
                Kind::Gauge,
                "thread_pool statistics",
                int(val),
            )
            .label("name", "agent-task-pool")
            .label("type", ty),
        );
    }
    // Per-scrape families, always after the registry block.
    for db in &st.catalog.dbs {
        let n = st.catalog.tables_of(&db.name).count();
        out.push(
            fe("table_num", Kind::Gauge, "count of table", int(n))
                .label("db_name", db.name.clone()),
        );
    }
    out.push(fe(
        "database_num",
        Kind::Gauge,
        "count of database",
        int(st.catalog.dbs.len()),
    ));
    if v.fe_has_size_metrics() {
        let mut total = 0i64;
        for db in st.catalog.dbs.iter().filter(|d| !d.system) {
            let size: i64 = st.catalog.tables_of(&db.name).map(|t| t.data_length).sum();
            total += size;
            out.push(
                fe("db_size_bytes", Kind::Gauge, "size of database", int(size))
                    .label("db_name", db.name.clone()),
            );
        }
        out.push(fe(
            "total_data_size_bytes",
            Kind::Gauge,
            "total data size",
            int(total),
        ));
    }
    summary(
        &mut out,
        "editlog_write_latency_ms",
        [2.0, 4.0, 6.0, 9.0, 41.0],
        c.edit_log_write as f64 * 1.3,
        c.edit_log_write,
    );
    let batches = c.edit_log_write * 5 / 7;
    summary(
        &mut out,
        "journal_write_batch",
        [1.0, 3.0, 4.0, 6.0, 18.0],
        batches as f64 * 1.56,
        batches,
    );
    summary(
        &mut out,
        "journal_write_bytes",
        [2391.0, 7880.0, 12022.0, 16384.0, 131072.0],
        c.edit_log_write as f64 * 2_650.0,
        batches,
    );
    summary(
        &mut out,
        "journal_write_latency_ms",
        [2.0, 4.0, 6.0, 9.0, 40.0],
        batches as f64 * 1.5,
        batches,
    );
    summary(
        &mut out,
        "query_latency_ms",
        f.latency_quantiles_ms,
        c.latency_sum_ms,
        c.latency_count,
    );
    if v.fe_has_shortcircuit() {
        summary(&mut out, "shortcircuit_latency_ms", [0.0; 5], 0.0, 0);
    }
    if v.fe_has_memory_usage() {
        out.push(
            fe(
                "memory_usage",
                Kind::Gauge,
                "The bytes of module",
                int(18_874_368),
            )
            .label("module", "Load")
            .label("className", "LoadMgr"),
        );
        out.push(
            fe(
                "object_count",
                Kind::Gauge,
                "The count of object",
                int(st.loads.len()),
            )
            .label("module", "Load")
            .label("className", "LoadMgr")
            .label("objectName", "LoadJob"),
        );
    }
    if v.fe_has_http_metrics() {
        out.push(fe(
            "http_connections_num",
            Kind::Counter,
            "the number of established http connections currently",
            int(14),
        ));
        out.push(fe(
            "http_handling_requests_num",
            Kind::Counter,
            "the number of http requests that is being handled",
            int(1),
        ));
        out.push(fe(
            "http_workers_num",
            Kind::Gauge,
            "the number of http workers",
            int(32),
        ));
        summary(
            &mut out,
            "http_request_handle_latency_ms",
            [3.0, 18.0, 41.0, 77.0, 402.0],
            c.request_total as f64 * 2.0,
            c.request_total * 58 / 100,
        );
    }
    // connection_total: per user or one total, by version (docs/starrocks-facts.md §6.4).
    let mut per_user: BTreeMap<&str, i64> = BTreeMap::new();
    for sess in &f.sessions {
        *per_user.entry(sess.user.as_str()).or_insert(0) += 1;
    }
    if v.fe_connection_total_per_user() {
        for (user, n) in per_user {
            out.push(
                fe("connection_total", Kind::Gauge, "total connection", int(n)).label("user", user),
            );
        }
    } else {
        let help = if v >= crate::version::Version::new(3, 4, 9) {
            "total connections"
        } else {
            "total connection"
        };
        out.push(fe(
            "connection_total",
            Kind::Gauge,
            help,
            int(f.sessions.len()),
        ));
    }
    if v.fe_has_txn_running() {
        for db in st.catalog.dbs.iter().filter(|d| !d.system) {
            let running = st
                .txns
                .iter()
                .filter(|t| t.db_id == db.id && t.finish_ms.is_none())
                .count() as i64;
            out.push(leader_label(
                fe(
                    "txn_running",
                    Kind::Gauge,
                    "number of running transactions",
                    int(leader_only(running)),
                )
                .label("db", db.name.clone()),
                txn_aware,
            ));
        }
    }
    out
}

fn summary(out: &mut Vec<Sample>, name: &str, quantiles: [f64; 5], sum: f64, count: u64) {
    let family = format!("{FE}{name}");
    for (q, value) in ["0.75", "0.95", "0.98", "0.99", "0.999"]
        .iter()
        .zip(quantiles)
    {
        let mut s = Sample::new(family.clone(), Kind::Summary, "", Value::Double(value))
            .label("quantile", *q);
        s.family = family.clone();
        out.push(s);
    }
    for (suffix, value) in [("_sum", Value::Double(sum)), ("_count", int(count))] {
        let mut s = Sample::new(format!("{family}{suffix}"), Kind::Summary, "", value);
        s.family = family.clone();
        out.push(s);
    }
}

pub(super) fn node_info_samples(st: &ClusterState, i: usize) -> Vec<Sample> {
    let v = st.version;
    let n = |ty: &str, state: Option<&str>, val: usize| {
        let s = Sample::new("node_info", Kind::Gauge, "", int(val)).label("type", ty);
        match state {
            Some(state) => s.label("state", state),
            None => s,
        }
    };
    let bes: Vec<_> = st.bes.iter().filter(|b| !b.compute_node).collect();
    let cns: Vec<_> = st.bes.iter().filter(|b| b.compute_node).collect();
    let mut out = vec![n("fe_node_num", Some("total"), st.fes.len())];
    if v.fe_has_alive_fe_node_info() {
        out.push(n(
            "fe_node_num",
            Some("alive"),
            st.fes.iter().filter(|f| f.alive).count(),
        ));
    }
    out.push(n("be_node_num", Some("total"), bes.len()));
    out.push(n(
        "be_node_num",
        Some("alive"),
        bes.iter().filter(|b| b.alive).count(),
    ));
    out.push(n("be_node_num", Some("decommissioned"), 0));
    out.push(n("broker_node_num", Some("dead"), 0));
    if v.fe_has_cn_node_info() {
        out.push(n("cn_node_num", Some("total"), cns.len()));
        out.push(n(
            "cn_node_num",
            Some("alive"),
            cns.iter().filter(|b| b.alive).count(),
        ));
    }
    out.push(n("is_master", None, usize::from(st.leader == Some(i))));
    out
}

pub(super) fn mv_samples(st: &ClusterState, i: usize, detail: MvDetail) -> Vec<Sample> {
    let is_leader = st.leader == Some(i);
    let mut out = Vec::new();
    for mv in &st.catalog.mvs {
        let labels = |s: Sample| {
            s.label("db_name", mv.db.clone())
                .label("mv_name", mv.name.clone())
                .label("mv_id", mv.id.to_string())
        };
        let (ok, failed) = if is_leader {
            (mv.successful_refreshes, mv.failed_refreshes)
        } else {
            (0, 0)
        };
        let counters = [
            ("mv_refresh_jobs", ok + failed),
            ("mv_refresh_total_success_jobs", ok),
            ("mv_refresh_total_failed_jobs", failed),
            ("mv_refresh_total_empty_jobs", 0),
            ("mv_refresh_total_retry_meta_count", 0),
            ("mv_query_total_count", 0),
            ("mv_query_total_hit_count", 0),
            ("mv_query_total_considered_count", 0),
            ("mv_query_total_matched_count", 0),
        ];
        for (name, value) in counters {
            // minified drops gauges and counters that are zero.
            if detail == MvDetail::Minified && value == 0 {
                continue;
            }
            out.push(labels(fe(name, Kind::Counter, "", int(value))));
        }
        if detail == MvDetail::All {
            let running = st
                .task_runs
                .iter()
                .filter(|r| r.finish_ms.is_none() && r.task_name == mv.task_name)
                .count();
            for (name, value) in [
                ("mv_refresh_pending_jobs", 0i64),
                (
                    "mv_refresh_running_jobs",
                    if is_leader { running as i64 } else { 0 },
                ),
                ("mv_row_count", mv.rows),
                ("mv_storage_size", mv.rows * 120),
                ("mv_inactive_state", i64::from(!mv.active)),
                ("mv_partition_count", 1),
            ] {
                out.push(labels(fe(name, Kind::Gauge, "", int(value))));
            }
        }
    }
    out
}
