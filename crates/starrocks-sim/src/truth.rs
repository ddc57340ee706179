//! The model's exact numbers as JSON, so tests can compare what a collector computed with what
//! really happened (unrounded: bytes, jiffies and counters as integers).

use serde_json::{json, Value};

use crate::model::{ClusterState, CPU_MODES};

pub fn truth(st: &ClusterState) -> Value {
    let fes: Vec<Value> = st
        .fes
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "index": i,
                "id": f.id,
                "name": f.name,
                "host": f.addr.ip,
                "query_port": f.addr.query_port,
                "http_port": f.addr.http_port,
                "role": st.role_name(i),
                "alive": f.alive,
                "start_ms": f.start_ms,
                "counters": f.counters,
                "query_latency_ms": {
                    "0.75": f.latency_quantiles_ms[0], "0.95": f.latency_quantiles_ms[1],
                    "0.98": f.latency_quantiles_ms[2], "0.99": f.latency_quantiles_ms[3],
                    "0.999": f.latency_quantiles_ms[4],
                },
                "replayed_journal_id": f.replayed_journal_id,
                "connections": f.sessions.len(),
                "running_queries": f.sessions.iter().filter(|s| s.command == "Query").count(),
                "jvm_heap_used_bytes": f.heap_used,
                "jvm_heap_max_bytes": f.heap_max,
            })
        })
        .collect();
    let bes: Vec<Value> = st
        .bes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let cpu: serde_json::Map<String, Value> =
                CPU_MODES.iter().zip(b.cpu_jiffies).map(|(m, j)| ((*m).to_string(), json!(j))).collect();
            json!({
                "index": i,
                "id": b.id,
                "host": b.addr.ip,
                "http_port": b.addr.http_port,
                "compute_node": b.compute_node,
                "alive": b.alive,
                "start_ms": b.start_ms,
                "cpu_jiffies": cpu,
                "cpu_used_pct": b.cpu_busy * 100.0,
                "mem_limit_bytes": b.mem_limit,
                "mem_used_bytes": b.mem_used,
                "mem_used_pct": b.mem_used as f64 * 100.0 / b.mem_limit.max(1) as f64,
                "disks": b.disks.iter().map(|d| json!({
                    "path": d.path, "total_bytes": d.total, "avail_bytes": d.avail,
                    "used_bytes": d.used(), "data_used_bytes": d.data_used, "used_pct": d.used_pct(),
                })).collect::<Vec<_>>(),
                "tablets": b.tablets,
                "base_compaction_score": b.base_score,
                "cumulative_compaction_score": b.cumulative_score,
                "running_queries": b.running_queries,
                "counters": b.counters,
            })
        })
        .collect();
    let backends: Vec<_> = st.bes.iter().filter(|b| !b.compute_node).collect();
    let alive_bes: Vec<_> = backends.iter().filter(|b| b.alive).collect();
    let disks = || backends.iter().flat_map(|b| b.disks.iter());
    let sum_fe = |f: &dyn Fn(&crate::model::FeCounters) -> u64| -> u64 {
        st.fes.iter().map(|fe| f(&fe.counters)).sum()
    };
    let user_tables = st
        .catalog
        .tables
        .iter()
        .filter(|t| st.catalog.db(&t.db).is_some_and(|d| !d.system))
        .count();
    json!({
        "name": st.name,
        "version": st.version.to_string(),
        "now_ms": st.now_ms,
        "leader": st.leader,
        "workload": st.workload,
        "frontends": fes,
        "backends": bes,
        "summary": {
            "fe_total": st.fes.len(),
            "fe_alive": st.fes.iter().filter(|f| f.alive).count(),
            "be_total": backends.len(),
            "be_alive": alive_bes.len(),
            "cn_total": st.bes.iter().filter(|b| b.compute_node).count(),
            "cn_alive": st.bes.iter().filter(|b| b.compute_node && b.alive).count(),
            "query_total": sum_fe(&|c| c.query_total),
            "query_success": sum_fe(&|c| c.query_success),
            "query_err": sum_fe(&|c| c.query_err),
            "query_timeout": sum_fe(&|c| c.query_timeout),
            "request_total": sum_fe(&|c| c.request_total),
            "running_queries": st.fes.iter().filter(|f| f.alive).map(|f| f.sessions.iter().filter(|s| s.command == "Query").count()).sum::<usize>(),
            "connections": st.fes.iter().filter(|f| f.alive).map(|f| f.sessions.len()).sum::<usize>(),
            "tablets": backends.iter().map(|b| b.tablets).sum::<i64>(),
            "disk_total_bytes": disks().map(|d| d.total).sum::<i64>(),
            "disk_used_bytes": disks().map(|d| d.used()).sum::<i64>(),
            "disk_data_used_bytes": disks().map(|d| d.data_used).sum::<i64>(),
            "max_disk_used_pct": disks().map(|d| d.used_pct()).fold(0.0, f64::max),
            "mem_used_pct_avg_alive": if alive_bes.is_empty() { None } else {
                Some(alive_bes.iter().map(|b| b.mem_used as f64 * 100.0 / b.mem_limit.max(1) as f64).sum::<f64>() / alive_bes.len() as f64)
            },
            "databases": st.catalog.dbs.len(),
            "user_databases": st.catalog.dbs.iter().filter(|d| !d.system).count(),
            "tables": st.catalog.tables.len(),
            "user_tables": user_tables,
            "mv_refresh_success": st.catalog.mvs.iter().map(|m| m.successful_refreshes).sum::<u64>(),
            "mv_refresh_failed": st.catalog.mvs.iter().map(|m| m.failed_refreshes).sum::<u64>(),
            "routine_load_jobs": st.routine_loads.len(),
            "max_compaction_score": backends.iter().map(|b| b.base_score.max(b.cumulative_score)).max(),
        },
    })
}
