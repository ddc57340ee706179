//! One collection of one cluster: discover the nodes, read every source with a timeout, and turn
//! what answered into a snapshot, node samples and a status. A failing source leaves its fields
//! NULL and an entry in the status; it never discards what others returned.

mod live;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use secrecy::SecretString;

use super::arith::{
    cpu_busy_pct, mean, one_increase, rate, sum_increase, weighted_quantile, Reading,
};
use crate::config::CollectorConfig;
use crate::model::{
    CollectionStatus, DiskPath, NodeKind, NodeSample, Outcome, Snapshot, SourceError,
};
use crate::starrocks::client::{Http, ScrapeError, SqlConn};
use crate::starrocks::prom::Exposition;
use crate::starrocks::values::{parse_bool, parse_bytes, parse_int, parse_pct, Rows};

pub use live::{LiveDetails, MAX_DATABASES, MAX_ENTRIES};

/// Where and as whom to reach a cluster.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub fe_host: String,
    pub fe_query_port: u16,
    pub fe_http_port: u16,
    pub user: String,
    pub password: SecretString,
}

impl Target {
    /// A registered cluster, with its password from the store.
    pub fn from_record(record: &crate::model::ClusterRecord, password: SecretString) -> Target {
        Target {
            name: record.name.clone(),
            fe_host: record.fe_host.clone(),
            fe_query_port: record.fe_query_port,
            fe_http_port: record.fe_http_port,
            user: record.user.clone(),
            password,
        }
    }
}

/// What one collection produced.
#[derive(Debug, Clone)]
pub struct Collected {
    pub snapshot: Snapshot,
    pub nodes: Vec<NodeSample>,
    pub status: CollectionStatus,
}

/// FE counters read from /metrics into `Reading`s (summed over `is_leader`/`user` series).
const FE_COUNTERS: &[(&str, &str)] = &[
    ("query_total", "starrocks_fe_query_total"),
    ("query_success", "starrocks_fe_query_success"),
    ("query_err", "starrocks_fe_query_err"),
    ("query_timeout", "starrocks_fe_query_timeout"),
    ("request_total", "starrocks_fe_request_total"),
    ("txn_begin", "starrocks_fe_txn_begin"),
    ("txn_success", "starrocks_fe_txn_success"),
    ("txn_failed", "starrocks_fe_txn_failed"),
    ("load_finished", "starrocks_fe_load_finished"),
    ("routine_load_rows", "starrocks_fe_routine_load_rows"),
];

struct Prev {
    at_ms: i64,
    fes: HashMap<String, Reading>,
    /// BE process counters (engine requests), keyed by backend id; reset with the process.
    bes: HashMap<String, Reading>,
    /// BE host counters (CPU jiffies, network, disk I/O); they survive a BE restart.
    hosts: HashMap<String, Reading>,
}

#[derive(Default, Clone)]
struct Carried {
    mv_refresh_running: Option<i64>,
    database_count: Option<i64>,
    table_count: Option<i64>,
    total_data_bytes: Option<i64>,
}

/// Collects one cluster again and again, remembering what increases and failover need.
pub struct ClusterCollector {
    target: Target,
    cfg: CollectorConfig,
    http: Http,
    main: Option<SqlConn>,
    /// Connections to the other FEs, for SHOW PROCESSLIST before 3.5 (each FE lists only its own).
    others: HashMap<String, SqlConn>,
    /// Alive FEs seen last time, to fail over to when the one in use stops answering.
    known_fes: Vec<(String, u16)>,
    prev: Option<Prev>,
    last_jobs_ms: Option<i64>,
    last_size_ms: Option<i64>,
    carried: Carried,
    seen_task_runs: Option<HashSet<String>>,
    /// `current_version()` of the FE in use.
    pub version: Option<String>,
}

/// A row of SHOW FRONTENDS.
struct Fe {
    name: String,
    ip: String,
    query_port: Option<u16>,
    role: Option<String>,
    alive: Option<bool>,
    journal: Option<i64>,
    start: Option<String>,
    err: String,
}

/// A row of SHOW BACKENDS / SHOW COMPUTE NODES.
struct Be {
    id: String,
    kind: NodeKind,
    ip: String,
    http_port: Option<u16>,
    alive: Option<bool>,
    tablets: Option<i64>,
    data_used: Option<i64>,
    avail: Option<i64>,
    total: Option<i64>,
    max_disk_pct: Option<f64>,
    cpu_pct: Option<f64>,
    mem_pct: Option<f64>,
    running: Option<i64>,
    start: Option<String>,
    err: String,
}

struct Errors(Vec<SourceError>);

impl Errors {
    fn add(&mut self, source: impl Into<String>, error: impl ToString) {
        self.0.push(SourceError {
            source: source.into(),
            error: error.to_string(),
        });
    }
}

/// Reads a SHOW cell that must parse; a malformed value becomes NULL and a recorded error.
fn cell<T>(
    rows: &Rows,
    i: usize,
    col: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
    errors: &mut Errors,
) -> Option<T> {
    let raw = rows.get(i, col)?;
    let v = parse(raw);
    if v.is_none() {
        errors.add(what.to_string(), format!("malformed {col} value {raw:?}"));
    }
    v
}

fn port(s: &str) -> Option<u16> {
    s.trim().parse().ok()
}

fn parse_fes(rows: &Rows, errors: &mut Errors) -> Vec<Fe> {
    (0..rows.len())
        .filter_map(|i| {
            let name = rows.get(i, "Name")?.to_string();
            Some(Fe {
                ip: rows.get(i, "IP").unwrap_or_default().to_string(),
                query_port: cell(rows, i, "QueryPort", port, "SHOW FRONTENDS", errors),
                role: rows.get(i, "Role").map(String::from),
                alive: cell(rows, i, "Alive", parse_bool, "SHOW FRONTENDS", errors),
                journal: cell(
                    rows,
                    i,
                    "ReplayedJournalId",
                    parse_int,
                    "SHOW FRONTENDS",
                    errors,
                ),
                start: rows
                    .get(i, "StartTime")
                    .filter(|s| *s != "NULL")
                    .map(String::from),
                err: rows.get(i, "ErrMsg").unwrap_or_default().to_string(),
                name,
            })
        })
        .collect()
}

fn parse_bes(rows: &Rows, kind: NodeKind, errors: &mut Errors) -> Vec<Be> {
    let (id_col, what) = match kind {
        NodeKind::Cn => ("ComputeNodeId", "SHOW COMPUTE NODES"),
        _ => ("BackendId", "SHOW BACKENDS"),
    };
    (0..rows.len())
        .filter_map(|i| {
            let id = rows.get(i, id_col)?.to_string();
            Some(Be {
                kind,
                ip: rows.get(i, "IP").unwrap_or_default().to_string(),
                http_port: cell(rows, i, "HttpPort", port, what, errors),
                alive: cell(rows, i, "Alive", parse_bool, what, errors),
                tablets: cell(rows, i, "TabletNum", parse_int, what, errors),
                data_used: cell(rows, i, "DataUsedCapacity", parse_bytes, what, errors),
                avail: cell(rows, i, "AvailCapacity", parse_bytes, what, errors),
                total: cell(rows, i, "TotalCapacity", parse_bytes, what, errors),
                max_disk_pct: cell(rows, i, "MaxDiskUsedPct", parse_pct, what, errors),
                cpu_pct: cell(rows, i, "CpuUsedPct", parse_pct, what, errors),
                mem_pct: cell(rows, i, "MemUsedPct", parse_pct, what, errors),
                running: cell(rows, i, "NumRunningQueries", parse_int, what, errors),
                start: rows.get(i, "LastStartTime").map(String::from),
                err: rows.get(i, "ErrMsg").unwrap_or_default().to_string(),
                id,
            })
        })
        .collect()
}

/// What one FE's /metrics says.
struct FeMetrics {
    reading: Reading,
    p50: Option<f64>,
    p90: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
    connections: Option<f64>,
    heap_pct: Option<f64>,
    is_master: bool,
    exp: Exposition,
}

fn fe_metrics(exp: Exposition, epoch: Option<String>) -> FeMetrics {
    let mut values = HashMap::new();
    for (key, name) in FE_COUNTERS {
        if let Some(v) = exp.sum(name, &[]) {
            values.insert(*key, v);
        }
    }
    // The p50/p90 gauge is 0.0 unless enable_collect_query_detail_info: 0 means "not collected".
    let gauge = |ty: &str| {
        exp.value("starrocks_fe_query_latency", &[("type", ty)])
            .filter(|v| *v > 0.0)
    };
    let heap = |ty: &str| exp.value("jvm_heap_size_bytes", &[("type", ty)]);
    FeMetrics {
        p50: gauge("50_quantile"),
        p90: gauge("90_quantile"),
        p95: exp.value("starrocks_fe_query_latency_ms", &[("quantile", "0.95")]),
        p99: exp.value("starrocks_fe_query_latency_ms", &[("quantile", "0.99")]),
        connections: exp.sum("starrocks_fe_connection_total", &[]),
        heap_pct: match (heap("used"), heap("max")) {
            (Some(u), Some(m)) if m > 0.0 => Some(u * 100.0 / m),
            _ => None,
        },
        is_master: exp.value("node_info", &[("type", "is_master")]) == Some(1.0),
        reading: Reading { epoch, values },
        exp,
    }
}

/// What one BE's /metrics says.
struct BeMetrics {
    process: Reading,
    host: Reading,
    disks: Vec<DiskPath>,
    mem_bytes: Option<f64>,
    compaction_score: Option<f64>,
}

fn be_metrics(exp: &Exposition, epoch: Option<String>) -> BeMetrics {
    let mut process = HashMap::new();
    for (key, ty, status) in [
        ("base_total", "base_compaction", "total"),
        ("base_failed", "base_compaction", "failed"),
        ("cumu_total", "cumulative_compaction", "total"),
        ("cumu_failed", "cumulative_compaction", "failed"),
    ] {
        if let Some(v) = exp.value(
            "starrocks_be_engine_requests_total",
            &[("type", ty), ("status", status)],
        ) {
            process.insert(key, v);
        }
    }
    let mut host = HashMap::new();
    if let (Some(idle), Some(total)) = (
        exp.value("starrocks_be_cpu", &[("mode", "idle")]),
        exp.sum("starrocks_be_cpu", &[]),
    ) {
        host.insert("cpu_idle", idle);
        host.insert("cpu_total", total);
    }
    let not_lo = |name: &str| -> Option<f64> {
        let mut any = false;
        let sum = exp
            .matching(name, &[])
            .filter(|s| s.label("device") != Some("lo"))
            .map(|s| {
                any = true;
                s.value
            })
            .sum::<f64>();
        any.then_some(sum)
    };
    for (key, name) in [
        ("net_rx", "starrocks_be_network_receive_bytes"),
        ("net_tx", "starrocks_be_network_send_bytes"),
        ("disk_read", "starrocks_be_disk_bytes_read"),
        ("disk_write", "starrocks_be_disk_bytes_written"),
    ] {
        if let Some(v) = not_lo(name) {
            host.insert(key, v);
        }
    }
    let mut disks: Vec<DiskPath> = exp
        .matching("starrocks_be_disks_total_capacity", &[])
        .filter_map(|s| {
            let path = s.label("path")?.to_string();
            let avail = exp.value("starrocks_be_disks_avail_capacity", &[("path", &path)])?;
            let data = exp.value("starrocks_be_disks_data_used_capacity", &[("path", &path)]);
            Some(DiskPath {
                total_bytes: s.value as i64,
                avail_bytes: avail as i64,
                data_used_bytes: data.map(|d| d as i64),
                path,
            })
        })
        .collect();
    disks.sort_by(|a, b| a.path.cmp(&b.path));
    let scores = [
        exp.value("starrocks_be_tablet_base_max_compaction_score", &[]),
        exp.value("starrocks_be_tablet_cumulative_max_compaction_score", &[]),
    ];
    BeMetrics {
        process: Reading {
            epoch: epoch.clone(),
            values: process,
        },
        host: Reading {
            epoch,
            values: host,
        },
        disks,
        mem_bytes: exp.value("starrocks_be_process_mem_bytes", &[]),
        compaction_score: scores.into_iter().flatten().reduce(f64::max),
    }
}

fn pct(used: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| used as f64 * 100.0 / total as f64)
}

impl ClusterCollector {
    pub fn new(target: Target, cfg: CollectorConfig) -> Result<ClusterCollector, ScrapeError> {
        let http = Http::new(cfg.http_timeout())?;
        Ok(ClusterCollector::with_http(target, cfg, http))
    }

    /// Shares one HTTP client (and its connection pool) between the collectors of many clusters.
    pub fn with_http(target: Target, cfg: CollectorConfig, http: Http) -> ClusterCollector {
        ClusterCollector {
            target,
            cfg,
            http,
            main: None,
            others: HashMap::new(),
            known_fes: Vec::new(),
            prev: None,
            last_jobs_ms: None,
            last_size_ms: None,
            carried: Carried::default(),
            seen_task_runs: None,
            version: None,
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    async fn connect(&self, host: &str, port: u16) -> Result<SqlConn, ScrapeError> {
        SqlConn::connect(
            host,
            port,
            &self.target.user,
            &self.target.password,
            self.cfg.connect_timeout(),
            self.cfg.sql_timeout(),
        )
        .await
    }

    /// A working SQL connection: the one in use, else the registered FE, else any FE seen alive.
    /// An authentication failure stops the search (every FE would refuse the same way).
    async fn ensure_main(&mut self, errors: &mut Errors) -> Result<(), ScrapeError> {
        if self.main.is_some() {
            return Ok(());
        }
        let mut candidates = vec![(self.target.fe_host.clone(), self.target.fe_query_port)];
        for fe in &self.known_fes {
            if !candidates.contains(fe) {
                candidates.push(fe.clone());
            }
        }
        let mut last = ScrapeError::Connect("no FE to connect to".into());
        for (host, port) in candidates {
            match self.connect(&host, port).await {
                Ok(conn) => {
                    self.main = Some(conn);
                    return Ok(());
                }
                Err(e) => {
                    errors.add(format!("sql {host}:{port}"), &e);
                    let auth = matches!(e, ScrapeError::Auth(_));
                    last = e;
                    if auth {
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    /// Runs a statement on the FE in use, failing over once to another FE if the connection broke.
    async fn query(&mut self, sql: &str, errors: &mut Errors) -> Option<Rows> {
        for _ in 0..2 {
            if self.ensure_main(errors).await.is_err() {
                return None;
            }
            let conn = self.main.as_mut()?;
            match conn.query(sql).await {
                Ok(rows) => return Some(rows),
                Err(e) => {
                    errors.add(format!("sql {} {sql}", conn.endpoint()), &e);
                    if !e.is_connection_error() {
                        return None;
                    }
                    if let Some(c) = self.main.take() {
                        // Try another FE first next time.
                        let ep = (c.host.clone(), c.port);
                        self.known_fes.retain(|f| *f != ep);
                        self.known_fes.push(ep);
                        drop(c);
                    }
                }
            }
        }
        None
    }

    /// Checks that the cluster answers at all: logs in and reads its version.
    pub async fn probe(&mut self) -> Result<String, ScrapeError> {
        let mut errors = Errors(Vec::new());
        self.ensure_main(&mut errors).await?;
        let rows = self.query("SELECT current_version()", &mut errors).await;
        let version = rows.and_then(|r| {
            r.rows
                .first()
                .and_then(|row| row.first().cloned().flatten())
        });
        match version {
            Some(v) => {
                self.version = Some(v.clone());
                Ok(v)
            }
            None => Err(errors
                .0
                .pop()
                .map(|e| ScrapeError::Protocol(e.error))
                .unwrap_or_else(|| ScrapeError::Protocol("no version".into()))),
        }
    }

    /// Collects the cluster once. `now_ms` stamps the snapshot.
    pub async fn collect_once(&mut self, now_ms: i64) -> Collected {
        let started = Instant::now();
        let mut errors = Errors(Vec::new());
        let mut snap = Snapshot {
            collected_at: now_ms,
            ..Snapshot::default()
        };
        if self.ensure_main(&mut errors).await.is_err() {
            return self.finish(snap, Vec::new(), errors, started, true);
        }
        if self.version.is_none() {
            if let Some(rows) = self.query("SELECT current_version()", &mut errors).await {
                self.version = rows.rows.first().and_then(|r| r.first().cloned().flatten());
            }
        }
        let fes = self
            .query("SHOW FRONTENDS", &mut errors)
            .await
            .map(|r| parse_fes(&r, &mut errors));
        let mut bes = self
            .query("SHOW BACKENDS", &mut errors)
            .await
            .map(|r| parse_bes(&r, NodeKind::Be, &mut errors));
        let cns = self
            .query("SHOW COMPUTE NODES", &mut errors)
            .await
            .map(|r| parse_bes(&r, NodeKind::Cn, &mut errors));
        if self.main.is_none() {
            // Every FE we tried stopped answering during the statements.
            return self.finish(snap, Vec::new(), errors, started, true);
        }
        if let Some(fes) = &fes {
            self.known_fes = fes
                .iter()
                .filter(|f| f.alive == Some(true))
                .filter_map(|f| Some((f.ip.clone(), f.query_port?)))
                .collect();
            snap.fe_node_total = Some(fes.len() as i64);
            snap.fe_node_alive = Some(fes.iter().filter(|f| f.alive == Some(true)).count() as i64);
            for f in fes.iter().filter(|f| f.alive != Some(true)) {
                errors.add(format!("fe {}", f.ip), format!("not alive: {}", f.err));
            }
        }
        let be_list = bes.get_or_insert_with(Vec::new);
        snap.be_node_total = Some(be_list.len() as i64);
        snap.be_node_alive = Some(be_list.iter().filter(|b| b.alive == Some(true)).count() as i64);
        if let Some(cns) = &cns {
            snap.cn_node_total = Some(cns.len() as i64);
            snap.cn_node_alive = Some(cns.iter().filter(|b| b.alive == Some(true)).count() as i64);
        }
        let mut nodes_be: Vec<Be> = bes.unwrap_or_default();
        nodes_be.extend(cns.unwrap_or_default());
        for b in nodes_be.iter().filter(|b| b.alive != Some(true)) {
            errors.add(
                format!("{} {} {}", b.kind.as_str(), b.id, b.ip),
                format!("not alive: {}", b.err),
            );
        }

        let running = self.running_queries(fes.as_deref(), &mut errors).await;
        snap.running_queries = running;

        // HTTP: every alive FE and BE/CN at once.
        let fe_list: Vec<&Fe> = fes
            .iter()
            .flatten()
            .filter(|f| f.alive == Some(true))
            .collect();
        let fe_urls: Vec<String> = fe_list
            .iter()
            .map(|f| format!("http://{}:{}/metrics", f.ip, self.target.fe_http_port))
            .collect();
        let be_alive: Vec<&Be> = nodes_be.iter().filter(|b| b.alive == Some(true)).collect();
        let be_urls: Vec<Option<String>> = be_alive
            .iter()
            .map(|b| b.http_port.map(|p| format!("http://{}:{p}/metrics", b.ip)))
            .collect();
        let http = self.http.clone();
        let fe_fut = join_all(fe_urls.iter().map(|u| http.get_text(u, None)));
        let be_fut = join_all(be_urls.iter().map(|u| {
            let http = http.clone();
            async move {
                match u {
                    Some(u) => http.get_text(u, None).await,
                    None => Err(ScrapeError::Parse("no HTTP port in SHOW BACKENDS".into())),
                }
            }
        }));
        let (fe_bodies, be_bodies) = tokio::join!(fe_fut, be_fut);

        let mut fe_metrics_by_name: HashMap<String, FeMetrics> = HashMap::new();
        for ((fe, url), body) in fe_list.iter().zip(&fe_urls).zip(fe_bodies) {
            match body
                .and_then(|t| Exposition::parse(&t).map_err(|e| ScrapeError::Parse(e.to_string())))
            {
                Ok(exp) => {
                    fe_metrics_by_name.insert(fe.name.clone(), fe_metrics(exp, fe.start.clone()));
                }
                Err(e) => errors.add(format!("fe {url}"), e),
            }
        }
        let mut be_metrics_by_id: HashMap<String, BeMetrics> = HashMap::new();
        for ((be, url), body) in be_alive.iter().zip(&be_urls).zip(be_bodies) {
            let source = format!(
                "{} {} {}",
                be.kind.as_str(),
                be.id,
                url.as_deref().unwrap_or(&be.ip)
            );
            match body
                .and_then(|t| Exposition::parse(&t).map_err(|e| ScrapeError::Parse(e.to_string())))
            {
                Ok(exp) => {
                    be_metrics_by_id.insert(be.id.clone(), be_metrics(&exp, be.start.clone()));
                }
                Err(e) => errors.add(source, e),
            }
        }

        // Counters: increases since the previous collection, summed over FEs / BEs.
        let cur_fes: HashMap<String, Reading> = fe_metrics_by_name
            .iter()
            .map(|(k, m)| (k.clone(), m.reading.clone()))
            .collect();
        let cur_bes: HashMap<String, Reading> = be_metrics_by_id
            .iter()
            .map(|(k, m)| (k.clone(), m.process.clone()))
            .collect();
        let cur_hosts: HashMap<String, Reading> = be_metrics_by_id
            .iter()
            .map(|(k, m)| (k.clone(), m.host.clone()))
            .collect();
        let prev = self.prev.take();
        let interval = prev
            .as_ref()
            .map(|p| (now_ms - p.at_ms) as f64 / 1000.0)
            .filter(|s| *s > 0.0);
        snap.interval_secs = interval;
        let empty = HashMap::new();
        let (pf, pb, ph) = match &prev {
            Some(p) => (&p.fes, &p.bes, &p.hosts),
            None => (&empty, &empty, &empty),
        };
        let fe_inc = |c: &str| sum_increase(pf, &cur_fes, c);
        let as_i = |v: Option<f64>| v.map(|x| x.round() as i64);
        let q_total = fe_inc("query_total");
        snap.query_total = as_i(q_total);
        snap.query_success = as_i(fe_inc("query_success"));
        snap.query_error = as_i(fe_inc("query_err"));
        snap.query_timeout = as_i(fe_inc("query_timeout"));
        snap.qps = rate(q_total, interval);
        snap.rps = rate(fe_inc("request_total"), interval);
        snap.txn_begin_total = as_i(fe_inc("txn_begin"));
        snap.txn_success_total = as_i(fe_inc("txn_success"));
        snap.txn_failed_total = as_i(fe_inc("txn_failed"));
        snap.load_finished_total = as_i(fe_inc("load_finished"));
        snap.routine_load_rows_total = as_i(fe_inc("routine_load_rows"));
        let be_inc = |c: &str| as_i(sum_increase(pb, &cur_bes, c));
        snap.base_compaction_requests_total = be_inc("base_total");
        snap.base_compaction_failures_total = be_inc("base_failed");
        snap.cumulative_compaction_requests_total = be_inc("cumu_total");
        snap.cumulative_compaction_failures_total = be_inc("cumu_failed");

        // Latency: each FE weighted by the queries it served in the interval.
        let weights: HashMap<&String, Option<f64>> = fe_metrics_by_name
            .iter()
            .map(|(k, m)| (k, one_increase(pf.get(k), &m.reading, "query_total")))
            .collect();
        let combine = |pick: fn(&FeMetrics) -> Option<f64>| {
            let per: Vec<(f64, Option<f64>)> = fe_metrics_by_name
                .iter()
                .filter_map(|(k, m)| pick(m).map(|q| (q, weights.get(k).copied().flatten())))
                .collect();
            weighted_quantile(&per)
        };
        snap.query_latency_p50 = combine(|m| m.p50);
        snap.query_latency_p90 = combine(|m| m.p90);
        snap.query_latency_p95 = combine(|m| m.p95);
        snap.query_latency_p99 = combine(|m| m.p99);
        if !fe_metrics_by_name.is_empty() {
            snap.connections = fe_metrics_by_name
                .values()
                .map(|m| m.connections)
                .sum::<Option<f64>>()
                .map(|c| c as i64);
        }

        // The leader's view: jobs, compaction score, catalog sizes.
        let leader = fe_metrics_by_name.values().find(|m| m.is_master);
        if let Some(l) = leader {
            let e = &l.exp;
            snap.max_compaction_score = e.sum("starrocks_fe_max_tablet_compaction_score", &[]);
            let loads: f64 = ["PENDING", "ETL", "LOADING", "QUEUEING"]
                .iter()
                .filter_map(|st| e.sum("starrocks_fe_job", &[("job", "load"), ("state", st)]))
                .sum();
            snap.load_running = e
                .sum("starrocks_fe_job", &[("job", "load")])
                .map(|_| loads as i64);
            snap.schema_change_running = e
                .sum(
                    "starrocks_fe_job",
                    &[("job", "alter"), ("type", "SCHEMA_CHANGE")],
                )
                .map(|v| v as i64);
            let rl = |st: &str| e.sum("starrocks_fe_routine_load_jobs", &[("state", st)]);
            snap.routine_load_running =
                rl("RUNNING").map(|r| (r + rl("UNSTABLE").unwrap_or(0.0)) as i64);
            snap.routine_load_paused = rl("PAUSED").map(|v| v as i64);
        }
        if snap.max_compaction_score.is_none() {
            snap.max_compaction_score = be_metrics_by_id
                .values()
                .filter_map(|m| m.compaction_score)
                .reduce(f64::max);
        }

        // Size tier: catalog counts and stored bytes, carried forward between tier runs.
        let size_due = self
            .last_size_ms
            .is_none_or(|t| now_ms - t >= (self.cfg.size_interval_secs as i64) * 1000 - 500);
        if size_due {
            self.collect_sizes(leader, &nodes_be, &be_metrics_by_id, &mut errors)
                .await;
            self.last_size_ms = Some(now_ms);
        }
        snap.total_database_count = self.carried.database_count;
        snap.total_table_count = self.carried.table_count;
        snap.total_data_bytes = self.carried.total_data_bytes;

        // Jobs tier: MV refreshes from information_schema.task_runs.
        let jobs_due = self
            .last_jobs_ms
            .is_none_or(|t| now_ms - t >= (self.cfg.jobs_interval_secs as i64) * 1000 - 500);
        if jobs_due {
            self.collect_mv_refreshes(&mut snap, &mut errors).await;
            self.last_jobs_ms = Some(now_ms);
        }
        // A gauge, carried like the sizes; the refresh counts are increases and are not.
        snap.mv_refresh_running = self.carried.mv_refresh_running;

        // Resources and disks, BE by BE.
        let mut nodes = Vec::new();
        let mut disk_total = 0i64;
        let mut disk_used = 0i64;
        let mut disk_data = 0i64;
        let mut data_known = true;
        let mut any_disk = false;
        let mut max_disk: Option<f64> = None;
        let mut cpus = Vec::new();
        let mut mems = Vec::new();
        let mut tablets = Some(0i64);
        for b in &nodes_be {
            let alive = b.alive == Some(true);
            let m = be_metrics_by_id.get(&b.id);
            let mut ns = NodeSample {
                node_id: b.id.clone(),
                kind: Some(b.kind),
                host: b.ip.clone(),
                alive: b.alive,
                tablets: b.tablets,
                running_queries: b.running,
                mem_usage_pct: b.mem_pct,
                ..NodeSample::default()
            };
            if b.kind == NodeKind::Be {
                tablets = match (tablets, b.tablets) {
                    (Some(t), Some(x)) => Some(t + x),
                    _ => None,
                };
            }
            // CPU from jiffies; the FE's CpuUsedPct when the BE endpoint cannot tell.
            let cpu = m
                .and_then(|m| {
                    let p = ph.get(&b.id)?;
                    let v = |r: &Reading, k| r.values.get(k).copied();
                    cpu_busy_pct(
                        v(p, "cpu_idle")?,
                        v(p, "cpu_total")?,
                        v(&m.host, "cpu_idle")?,
                        v(&m.host, "cpu_total")?,
                    )
                })
                .or(b.cpu_pct);
            ns.cpu_usage_pct = cpu;
            if alive {
                cpus.extend(cpu);
                mems.extend(b.mem_pct);
            }
            if let Some(m) = m {
                ns.mem_used_bytes = m.mem_bytes.map(|v| v as i64);
                ns.compaction_score = m.compaction_score;
                let host_rate = |k| {
                    let p = ph.get(&b.id)?.values.get(k).copied()?;
                    let c = m.host.values.get(k).copied()?;
                    // Host counters only go down if the host rebooted: then the rate is unknown.
                    (c >= p).then_some(c - p)
                };
                ns.net_rx_bytes_per_sec = rate(host_rate("net_rx"), interval);
                ns.net_tx_bytes_per_sec = rate(host_rate("net_tx"), interval);
                ns.disk_read_bytes_per_sec = rate(host_rate("disk_read"), interval);
                ns.disk_write_bytes_per_sec = rate(host_rate("disk_write"), interval);
                ns.disks = m.disks.clone();
            } else if b.kind == NodeKind::Be {
                // The BE endpoint failed: SHOW BACKENDS totals (the FE's last report) as one path.
                if let (Some(total), Some(avail)) = (b.total, b.avail) {
                    if total > 0 {
                        ns.disks = vec![DiskPath {
                            path: "*".into(),
                            total_bytes: total,
                            avail_bytes: avail,
                            data_used_bytes: b.data_used,
                        }];
                    }
                }
            }
            if !ns.disks.is_empty() {
                let t: i64 = ns.disks.iter().map(|d| d.total_bytes).sum();
                let u: i64 = ns.disks.iter().map(|d| d.total_bytes - d.avail_bytes).sum();
                let dmax = if m.is_some() {
                    ns.disks
                        .iter()
                        .filter_map(|d| pct(d.total_bytes - d.avail_bytes, d.total_bytes))
                        .reduce(f64::max)
                } else {
                    b.max_disk_pct.or(pct(u, t))
                };
                let data: Option<i64> = ns.disks.iter().map(|d| d.data_used_bytes).sum();
                ns.disk_total_bytes = Some(t);
                ns.disk_used_bytes = Some(u);
                ns.disk_data_used_bytes = data;
                ns.max_disk_used_pct = dmax;
                any_disk = true;
                disk_total += t;
                disk_used += u;
                match data {
                    Some(d) => disk_data += d,
                    None => data_known = false,
                }
                max_disk = match (max_disk, dmax) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            nodes.push(ns);
        }
        if any_disk {
            snap.disk_total_bytes = Some(disk_total);
            snap.disk_used_bytes = Some(disk_used);
            snap.disk_data_used_bytes = data_known.then_some(disk_data);
            snap.disk_usage_pct = pct(disk_used, disk_total);
            snap.max_disk_used_pct = max_disk;
        }
        snap.cpu_usage_pct = mean(cpus);
        snap.mem_usage_pct = mean(mems);
        snap.total_tablet_count = if snap.be_node_total.is_some() {
            tablets
        } else {
            None
        };

        for f in fes.iter().flatten() {
            let m = fe_metrics_by_name.get(&f.name);
            nodes.push(NodeSample {
                node_id: f.name.clone(),
                kind: Some(NodeKind::Fe),
                host: f.ip.clone(),
                alive: f.alive,
                role: f.role.clone(),
                replayed_journal_id: f.journal,
                qps: m.and_then(|m| {
                    rate(
                        one_increase(pf.get(&f.name), &m.reading, "query_total"),
                        interval,
                    )
                }),
                connections: m.and_then(|m| m.connections).map(|c| c as i64),
                jvm_heap_used_pct: m.and_then(|m| m.heap_pct),
                query_latency_p99: m.and_then(|m| m.p99),
                ..NodeSample::default()
            });
        }

        self.prev = Some(Prev {
            at_ms: now_ms,
            fes: cur_fes,
            bes: cur_bes,
            hosts: cur_hosts,
        });
        // Keep readings of processes we could not see this time, so a BE that misses one scrape
        // still has a baseline next time.
        if let (Some(old), Some(new)) = (prev, self.prev.as_mut()) {
            for (k, v) in old.bes {
                new.bes.entry(k).or_insert(v);
            }
            for (k, v) in old.hosts {
                new.hosts.entry(k).or_insert(v);
            }
        }
        self.finish(snap, nodes, errors, started, false)
    }

    fn finish(
        &mut self,
        snap: Snapshot,
        nodes: Vec<NodeSample>,
        errors: Errors,
        started: Instant,
        failed: bool,
    ) -> Collected {
        let outcome = if failed {
            Outcome::Failed
        } else if errors.0.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Partial
        };
        Collected {
            status: CollectionStatus {
                collected_at: snap.collected_at,
                outcome,
                duration_ms: started.elapsed().as_millis() as i64,
                errors: errors.0,
            },
            snapshot: snap,
            nodes,
        }
    }

    /// Statements executing on all FEs: SHOW PROCESSLIST rows with `Command = 'Query'`, not
    /// counting our own statement. 3.5+ lists every FE's connections in one result (with a
    /// `ServerName` column); before, each FE lists only its own, so each alive FE is asked.
    async fn running_queries(&mut self, fes: Option<&[Fe]>, errors: &mut Errors) -> Option<i64> {
        let own = self.main.as_ref().map(|c| c.id())?;
        let rows = self.query("SHOW PROCESSLIST", errors).await?;
        let count = |rows: &Rows, own: u32| -> i64 {
            (0..rows.len())
                .filter(|&i| rows.get(i, "Command") == Some("Query"))
                .filter(|&i| rows.get(i, "Id").and_then(parse_int) != Some(i64::from(own)))
                .count() as i64
        };
        let mut total = count(&rows, own);
        if rows.has_column("ServerName") {
            return Some(total);
        }
        let main_ep = self.main.as_ref().map(|c| (c.host.clone(), c.port))?;
        let others: Vec<(String, u16)> = fes?
            .iter()
            .filter(|f| f.alive == Some(true))
            .filter_map(|f| Some((f.ip.clone(), f.query_port?)))
            .filter(|ep| *ep != main_ep)
            .collect();
        let complete = self
            .on_other_fes(&others, "SHOW PROCESSLIST", errors, |r, _, id| {
                total += count(r, id)
            })
            .await;
        // A partial count would look like a quiet cluster: unknown instead.
        complete.then_some(total)
    }

    /// Runs `sql` on each FE of `others` over a kept connection (opened when missing, dropped
    /// when it fails), handing `each` the rows, the FE's `host:port` and our connection id on it.
    /// Connections to FEs no longer in `others` are closed. False if any FE could not be asked.
    async fn on_other_fes(
        &mut self,
        others: &[(String, u16)],
        sql: &str,
        errors: &mut Errors,
        mut each: impl FnMut(&Rows, &str, u32),
    ) -> bool {
        self.others
            .retain(|k, _| others.iter().any(|(h, p)| format!("{h}:{p}") == *k));
        let mut complete = true;
        for (host, port) in others {
            let key = format!("{host}:{port}");
            if !self.others.contains_key(&key) {
                match self.connect(host, *port).await {
                    Ok(c) => {
                        self.others.insert(key.clone(), c);
                    }
                    Err(e) => {
                        errors.add(format!("sql {key} {sql}"), e);
                        complete = false;
                        continue;
                    }
                }
            }
            let Some(conn) = self.others.get_mut(&key) else {
                continue;
            };
            let id = conn.id();
            match conn.query(sql).await {
                Ok(r) => each(&r, &key, id),
                Err(e) => {
                    errors.add(format!("sql {key} {sql}"), &e);
                    self.others.remove(&key);
                    complete = false;
                }
            }
        }
        complete
    }

    async fn collect_sizes(
        &mut self,
        leader: Option<&FeMetrics>,
        bes: &[Be],
        be_metrics: &HashMap<String, BeMetrics>,
        errors: &mut Errors,
    ) {
        let from_metrics = leader.and_then(|l| {
            let dbs = l.exp.value("starrocks_fe_database_num", &[])?;
            let tables = l.exp.sum("starrocks_fe_table_num", &[])?;
            Some((dbs as i64, tables as i64))
        });
        match from_metrics {
            Some((dbs, tables)) => {
                self.carried.database_count = Some(dbs);
                self.carried.table_count = Some(tables);
            }
            None => {
                let dbs = self
                    .query("SELECT COUNT(*) FROM information_schema.schemata", errors)
                    .await;
                let tables = self
                    .query("SELECT COUNT(*) FROM information_schema.tables", errors)
                    .await;
                let first = |r: Option<Rows>| {
                    r.and_then(|r| r.rows.first().and_then(|x| x.first().cloned().flatten()))
                        .and_then(|s| parse_int(&s))
                };
                self.carried.database_count = first(dbs);
                self.carried.table_count = first(tables);
            }
        }
        // Σ data-used bytes over BEs; unknown if any BE with disks could not tell.
        let mut total = Some(0i64);
        for b in bes.iter().filter(|b| b.kind == NodeKind::Be) {
            let v = match be_metrics.get(&b.id) {
                Some(m) => m
                    .disks
                    .iter()
                    .map(|d| d.data_used_bytes)
                    .sum::<Option<i64>>(),
                None => b.data_used,
            };
            total = match (total, v) {
                (Some(t), Some(v)) => Some(t + v),
                _ => None,
            };
        }
        self.carried.total_data_bytes = if bes.iter().any(|b| b.kind == NodeKind::Be) {
            total
        } else {
            None
        };
    }

    /// MV refreshes: running now, and finished since the last look (by task-run id, so neither
    /// the FE's clock nor its time zone matter). The first look only learns what exists.
    async fn collect_mv_refreshes(&mut self, snap: &mut Snapshot, errors: &mut Errors) {
        let Some(rows) = self
            .query(
                "SELECT QUERY_ID, STATE FROM information_schema.task_runs WHERE CREATE_TIME >= DATE_SUB(NOW(), INTERVAL 2 HOUR)",
                errors,
            )
            .await
        else {
            return;
        };
        let mut running = 0;
        let (mut ok, mut failed) = (0i64, 0i64);
        let mut now_seen = HashSet::new();
        let first = self.seen_task_runs.is_none();
        let seen = self.seen_task_runs.get_or_insert_with(HashSet::new);
        for i in 0..rows.len() {
            let (Some(id), Some(state)) = (rows.get(i, "QUERY_ID"), rows.get(i, "STATE")) else {
                continue;
            };
            match state {
                "RUNNING" | "PENDING" => running += 1,
                _ => {
                    now_seen.insert(id.to_string());
                    if !seen.contains(id) {
                        match state {
                            "SUCCESS" | "MERGED" | "SKIPPED" => ok += 1,
                            "FAILED" => failed += 1,
                            _ => {}
                        }
                    }
                }
            }
        }
        *seen = now_seen;
        self.carried.mv_refresh_running = Some(running);
        if !first {
            snap.mv_refresh_success_total = Some(ok);
            snap.mv_refresh_failed_total = Some(failed);
        }
    }

    /// Closes the SQL connections.
    pub async fn close(mut self) {
        if let Some(c) = self.main.take() {
            c.close().await;
        }
        for (_, c) in self.others.drain() {
            c.close().await;
        }
    }

    /// The collection deadline for one cycle: 80 % of the interval.
    pub fn cycle_budget(&self) -> Duration {
        self.cfg.interval().mul_f64(0.8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_show_values_are_null_and_reported() {
        let rows = Rows::new(
            vec![
                "BackendId".into(),
                "IP".into(),
                "Alive".into(),
                "TabletNum".into(),
                "UsedPct".into(),
            ],
            vec![vec![
                Some("1".into()),
                Some("10.0.0.1".into()),
                Some("true".into()),
                Some("28k".into()),
                Some("39,35 %".into()),
            ]],
        );
        let mut errors = Errors(Vec::new());
        let bes = parse_bes(&rows, NodeKind::Be, &mut errors);
        assert_eq!(bes[0].tablets, None);
        assert_eq!(bes[0].alive, Some(true));
        assert!(
            errors.0.iter().any(|e| e.error.contains("TabletNum")),
            "{:?}",
            errors.0
        );
    }

    #[test]
    fn missing_columns_are_null_without_error() {
        let rows = Rows::new(
            vec!["BackendId".into(), "IP".into()],
            vec![vec![Some("1".into()), Some("h".into())]],
        );
        let mut errors = Errors(Vec::new());
        let bes = parse_bes(&rows, NodeKind::Be, &mut errors);
        assert_eq!(bes[0].cpu_pct, None);
        assert!(errors.0.is_empty());
    }
}
