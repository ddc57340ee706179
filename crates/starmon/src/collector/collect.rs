//! One collection of one cluster: discover the nodes, read every source with a timeout, and turn
//! what answered into a snapshot, node samples and a status. A failing source leaves its fields
//! NULL and an entry in the status; it never discards what others returned, and a figure summed
//! over nodes is NULL unless every node it covers answered (a partial sum is a wrong number).
//! Every call fits the cycle's [`Budget`], so a stalled node costs its own fields, not the cycle.

mod live;
mod nodes;
mod readings;
mod tiers;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use secrecy::SecretString;

use super::arith::{one_increase, rate, sum_increase_all, weighted_quantile, Reading};
use super::budget::Budget;
use crate::config::CollectorConfig;
use crate::model::{
    Collected, CollectionStatus, NodeKind, NodeSample, Outcome, Snapshot, SourceError,
};
use crate::starrocks::client::{Http, ScrapeError, SqlConn};
use crate::starrocks::prom::Exposition;
use crate::starrocks::show::{self, Backend, Frontend};
use crate::starrocks::values::{parse_int, Rows};
use readings::{be_metrics, fe_metrics, BeMetrics, FeMetrics};

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
    /// FEs whose statements or connections failed, oldest failure first: tried last.
    suspects: Vec<(String, u16)>,
    /// The time of the collection (or overview request) under way.
    budget: Budget,
    /// Overrides the cycle budget (80 % of the interval), for a caller with its own deadline.
    budget_total: Option<Duration>,
    prev: Option<Prev>,
    last_jobs_ms: Option<i64>,
    last_size_ms: Option<i64>,
    carried: Carried,
    seen_task_runs: Option<HashSet<String>>,
    /// `current_version()` of the FE in use.
    pub version: Option<String>,
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

/// Why a call was not made: the collection's time was spent on slower ones.
const NO_TIME_LEFT: &str = "skipped: the collection's time budget is spent";

impl ClusterCollector {
    pub fn new(target: Target, cfg: CollectorConfig) -> Result<ClusterCollector, ScrapeError> {
        let http = Http::new(cfg.http_timeout())?;
        Ok(ClusterCollector::with_http(target, cfg, http))
    }

    /// Shares one HTTP client (and its connection pool) between the collectors of many clusters.
    pub fn with_http(target: Target, cfg: CollectorConfig, http: Http) -> ClusterCollector {
        let budget = Budget::new(cfg.interval().mul_f64(0.8));
        ClusterCollector {
            target,
            cfg,
            http,
            main: None,
            others: HashMap::new(),
            known_fes: Vec::new(),
            suspects: Vec::new(),
            budget,
            budget_total: None,
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

    /// FEs to try when the registered one does not answer, before this collector has read SHOW
    /// FRONTENDS itself (e.g. the FEs of the latest stored collection): without them a stalled
    /// or stopped registered FE would leave nothing to fail over to.
    pub fn add_known_fes(&mut self, fes: impl IntoIterator<Item = (String, u16)>) {
        for fe in fes {
            if !self.known_fes.contains(&fe) {
                self.known_fes.push(fe);
            }
        }
    }

    /// Starts a new budget of one cycle for the calls that follow.
    fn start_budget(&mut self) {
        self.budget = Budget::new(self.cycle_budget());
    }

    async fn connect(&self, host: &str, port: u16) -> Result<SqlConn, ScrapeError> {
        let Some(limit) = self.budget.call(self.cfg.connect_timeout()) else {
            return Err(ScrapeError::Timeout(0));
        };
        SqlConn::connect(
            host,
            port,
            &self.target.user,
            &self.target.password,
            limit,
            self.cfg.sql_timeout(),
        )
        .await
    }

    fn suspect(&mut self, endpoint: (String, u16)) {
        self.suspects.retain(|s| *s != endpoint);
        self.suspects.push(endpoint);
    }

    /// Where to look for a working FE: the registered one and those seen alive, FEs that failed
    /// lately last (the oldest failure first), so one stalled FE is not asked first every cycle.
    fn candidates(&self) -> Vec<(String, u16)> {
        let mut all = vec![(self.target.fe_host.clone(), self.target.fe_query_port)];
        for fe in &self.known_fes {
            if !all.contains(fe) {
                all.push(fe.clone());
            }
        }
        let (mut trusted, suspected): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|e| !self.suspects.contains(e));
        trusted.extend(
            self.suspects
                .iter()
                .filter(|s| suspected.contains(s))
                .cloned(),
        );
        trusted
    }

    /// A working SQL connection: the one in use, else the registered FE, else any FE seen alive.
    /// An authentication failure stops the search (every FE would refuse the same way).
    async fn ensure_main(&mut self, errors: &mut Errors) -> Result<(), ScrapeError> {
        if self.main.as_ref().is_some_and(|c| !c.is_usable()) {
            // Left mid-statement by a cancelled collection: its next reply is not ours.
            self.main = None;
        }
        if self.main.is_some() {
            return Ok(());
        }
        let mut last = ScrapeError::Connect("no FE to connect to".into());
        for (host, port) in self.candidates() {
            if self.budget.call(self.cfg.connect_timeout()).is_none() {
                errors.add(format!("sql {host}:{port}"), NO_TIME_LEFT);
                break;
            }
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
                    self.suspect((host, port));
                }
            }
        }
        Err(last)
    }

    /// Runs a statement on the FE in use, failing over once to another FE if the connection broke
    /// or the FE did not answer in time.
    async fn query(&mut self, sql: &str, errors: &mut Errors) -> Option<Rows> {
        for _ in 0..2 {
            if self.ensure_main(errors).await.is_err() {
                return None;
            }
            let Some(limit) = self.budget.call(self.cfg.sql_timeout()) else {
                errors.add(format!("sql {sql}"), NO_TIME_LEFT);
                return None;
            };
            let conn = self.main.as_mut()?;
            match conn.query_within(sql, limit).await {
                Ok(rows) => return Some(rows),
                Err(e) => {
                    errors.add(format!("sql {} {sql}", conn.endpoint()), &e);
                    if !e.is_connection_error() {
                        return None;
                    }
                    if let Some(c) = self.main.take() {
                        self.suspect((c.host.clone(), c.port));
                    }
                }
            }
        }
        None
    }

    /// Checks that the cluster answers at all: logs in and reads its version.
    pub async fn probe(&mut self) -> Result<String, ScrapeError> {
        self.start_budget();
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

    /// A node list statement: its rows parsed, or None with the error recorded (never an empty
    /// list for a reply that is not the list asked for).
    async fn node_list<T>(
        &mut self,
        sql: &str,
        errors: &mut Errors,
        parse: impl FnOnce(&Rows, &mut Vec<SourceError>) -> Result<Vec<T>, show::NotANodeList>,
    ) -> Option<Vec<T>> {
        let rows = self.query(sql, errors).await?;
        match parse(&rows, &mut errors.0) {
            Ok(list) => Some(list),
            Err(e) => {
                errors.add(format!("sql {sql}"), e);
                // Whatever handed us that reply is not to be trusted with the next statement.
                self.main = None;
                None
            }
        }
    }

    /// Collects the cluster once. `now_ms` stamps the snapshot.
    pub async fn collect_once(&mut self, now_ms: i64) -> Collected {
        let started = Instant::now();
        self.start_budget();
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
            .node_list("SHOW FRONTENDS", &mut errors, show::frontends)
            .await;
        let bes = self
            .node_list("SHOW BACKENDS", &mut errors, |r, p| {
                show::backends(r, NodeKind::Be, p)
            })
            .await;
        let cns = self
            .node_list("SHOW COMPUTE NODES", &mut errors, |r, p| {
                show::backends(r, NodeKind::Cn, p)
            })
            .await;
        if fes.is_none() && bes.is_none() && cns.is_none() {
            // No FE told us anything about the cluster.
            return self.finish(snap, Vec::new(), errors, started, true);
        }
        if let Some(fes) = &fes {
            let alive: Vec<(String, u16)> = fes
                .iter()
                .filter(|f| f.alive == Some(true))
                .filter_map(|f| Some((f.ip.clone(), f.query_port?)))
                .collect();
            if !alive.is_empty() {
                self.known_fes = alive;
            }
            snap.fe_node_total = Some(fes.len() as i64);
            snap.fe_node_alive = Some(fes.iter().filter(|f| f.alive == Some(true)).count() as i64);
            for f in fes.iter().filter(|f| f.alive != Some(true)) {
                errors.add(format!("fe {}", f.ip), format!("not alive: {}", f.err));
            }
        }
        if let Some(bes) = &bes {
            snap.be_node_total = Some(bes.len() as i64);
            snap.be_node_alive = Some(bes.iter().filter(|b| b.alive == Some(true)).count() as i64);
        }
        if let Some(cns) = &cns {
            snap.cn_node_total = Some(cns.len() as i64);
            snap.cn_node_alive = Some(cns.iter().filter(|b| b.alive == Some(true)).count() as i64);
        }
        let bes_known = bes.is_some();
        let mut nodes_be: Vec<Backend> = bes.unwrap_or_default();
        nodes_be.extend(cns.unwrap_or_default());
        for b in nodes_be.iter().filter(|b| b.alive != Some(true)) {
            errors.add(
                format!("{} {} {}", b.kind.as_str(), b.id, b.ip),
                format!("not alive: {}", b.err),
            );
        }

        snap.running_queries = self.running_queries(fes.as_deref(), &mut errors).await;

        // HTTP: every alive FE and BE/CN at once, within what is left of the budget.
        let fe_list: Vec<&Frontend> = fes
            .iter()
            .flatten()
            .filter(|f| f.alive == Some(true))
            .collect();
        let be_alive: Vec<&Backend> = nodes_be.iter().filter(|b| b.alive == Some(true)).collect();
        let (fe_metrics_by_name, be_metrics_by_id) =
            self.scrape(&fe_list, &be_alive, &mut errors).await;

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
        // A cluster total is known only if every node it sums answered: FE counters need every
        // alive FE (the FE list itself known), BE counters every alive BE of a known list.
        let all_fes = fes.is_some() && fe_list.iter().all(|f| cur_fes.contains_key(&f.name));
        let all_bes = bes_known
            && be_alive
                .iter()
                .filter(|b| b.kind == NodeKind::Be)
                .all(|b| cur_bes.contains_key(&b.id));
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
        let fe_inc = |c: &str| all_fes.then(|| sum_increase_all(pf, &cur_fes, c)).flatten();
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
        let be_inc = |c: &str| {
            all_bes
                .then(|| as_i(sum_increase_all(pb, &cur_bes, c)))
                .flatten()
        };
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
        if all_fes && !fe_metrics_by_name.is_empty() {
            snap.connections = fe_metrics_by_name
                .values()
                .map(|m| m.connections)
                .sum::<Option<f64>>()
                .map(|c| c as i64);
        }

        // The leader's view: jobs, compaction score, catalog sizes.
        let leader = fe_metrics_by_name.values().find(|m| m.is_master);
        if let Some(l) = leader {
            leader_view(&l.exp, &mut snap);
        }
        if snap.max_compaction_score.is_none() && all_bes {
            snap.max_compaction_score = be_metrics_by_id
                .values()
                .filter_map(|m| m.compaction_score)
                .reduce(f64::max);
        }

        // Size tier: catalog counts and stored bytes, carried forward between tier runs.
        let size_due = self
            .last_size_ms
            .is_none_or(|t| now_ms - t >= (self.cfg.size_interval_secs as i64) * 1000 - 500);
        if size_due
            && self
                .collect_sizes(leader, &nodes_be, &be_metrics_by_id, &mut errors)
                .await
        {
            self.last_size_ms = Some(now_ms);
        }
        snap.total_database_count = self.carried.database_count;
        snap.total_table_count = self.carried.table_count;
        snap.total_data_bytes = self.carried.total_data_bytes;

        // Jobs tier: MV refreshes from information_schema.task_runs.
        let jobs_due = self
            .last_jobs_ms
            .is_none_or(|t| now_ms - t >= (self.cfg.jobs_interval_secs as i64) * 1000 - 500);
        if jobs_due && self.collect_mv_refreshes(&mut snap, &mut errors).await {
            self.last_jobs_ms = Some(now_ms);
        }
        // A gauge, carried like the sizes; the refresh counts are increases and are not.
        snap.mv_refresh_running = self.carried.mv_refresh_running;

        // Resources and disks, BE by BE; then the FEs.
        let mut nodes = nodes::backend_nodes(&nodes_be, &be_metrics_by_id, ph, interval, &mut snap);
        for f in fes.iter().flatten() {
            let m = fe_metrics_by_name.get(&f.name);
            nodes.push(NodeSample {
                node_id: f.name.clone(),
                kind: Some(NodeKind::Fe),
                host: f.ip.clone(),
                alive: f.alive,
                role: f.role.clone(),
                // SHOW FRONTENDS keeps a dead FE's last ReplayedJournalId: stale, not current.
                replayed_journal_id: f.journal.filter(|_| f.alive == Some(true)),
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

    /// Every alive FE's and BE/CN's `/metrics` at once, each bounded by what is left of the
    /// budget; a node that fails or is late is an error and missing from the maps.
    async fn scrape(
        &self,
        fe_list: &[&Frontend],
        be_alive: &[&Backend],
        errors: &mut Errors,
    ) -> (HashMap<String, FeMetrics>, HashMap<String, BeMetrics>) {
        let mut fe_out = HashMap::new();
        let mut be_out = HashMap::new();
        let Some(limit) = self.budget.scrape(self.cfg.http_timeout()) else {
            if !fe_list.is_empty() || !be_alive.is_empty() {
                errors.add("/metrics", NO_TIME_LEFT);
            }
            return (fe_out, be_out);
        };
        let fe_urls: Vec<String> = fe_list
            .iter()
            .map(|f| format!("http://{}:{}/metrics", f.ip, self.target.fe_http_port))
            .collect();
        let be_urls: Vec<Option<String>> = be_alive
            .iter()
            .map(|b| b.http_port.map(|p| format!("http://{}:{p}/metrics", b.ip)))
            .collect();
        let http = &self.http;
        let fe_fut = join_all(fe_urls.iter().map(|u| http.get_text_within(u, None, limit)));
        let be_fut = join_all(be_urls.iter().map(|u| async move {
            match u {
                Some(u) => http.get_text_within(u, None, limit).await,
                None => Err(ScrapeError::Parse("no HTTP port in SHOW BACKENDS".into())),
            }
        }));
        let (fe_bodies, be_bodies) = tokio::join!(fe_fut, be_fut);
        let parse = |body: Result<String, ScrapeError>| {
            body.and_then(|t| Exposition::parse(&t).map_err(|e| ScrapeError::Parse(e.to_string())))
        };
        for ((fe, url), body) in fe_list.iter().zip(&fe_urls).zip(fe_bodies) {
            match parse(body) {
                Ok(exp) => {
                    fe_out.insert(fe.name.clone(), fe_metrics(exp, fe.start.clone()));
                }
                Err(e) => errors.add(format!("fe {url}"), e),
            }
        }
        for ((be, url), body) in be_alive.iter().zip(&be_urls).zip(be_bodies) {
            let source = format!(
                "{} {} {}",
                be.kind.as_str(),
                be.id,
                url.as_deref().unwrap_or(&be.ip)
            );
            match parse(body) {
                Ok(exp) => {
                    be_out.insert(be.id.clone(), be_metrics(&exp, be.start.clone()));
                }
                Err(e) => errors.add(source, e),
            }
        }
        (fe_out, be_out)
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
    async fn running_queries(
        &mut self,
        fes: Option<&[Frontend]>,
        errors: &mut Errors,
    ) -> Option<i64> {
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

    /// Runs `sql` on each FE of `others` at once over a kept connection (opened when missing,
    /// dropped when it fails), handing `each` the rows, the FE's `host:port` and our connection id
    /// on it. Connections to FEs no longer in `others` are closed. False if any FE could not be
    /// asked in time.
    async fn on_other_fes(
        &mut self,
        others: &[(String, u16)],
        sql: &str,
        errors: &mut Errors,
        mut each: impl FnMut(&Rows, &str, u32),
    ) -> bool {
        let mut kept = std::mem::take(&mut self.others);
        let Some(limit) = self.budget.call(self.cfg.sql_timeout()) else {
            errors.add(format!("sql {sql}"), NO_TIME_LEFT);
            return false;
        };
        let this = &*self;
        let asks = others.iter().map(|(host, port)| {
            let key = format!("{host}:{port}");
            // A connection left mid-statement is not reused: its next reply is not ours.
            let conn = kept.remove(&key).filter(SqlConn::is_usable);
            async move {
                let mut conn = match conn {
                    Some(c) => c,
                    None => match this.connect(host, *port).await {
                        Ok(c) => c,
                        Err(e) => return (key, None, Err(e)),
                    },
                };
                let left = this.budget.remaining().min(limit);
                let rows = conn.query_within(sql, left).await;
                (key, Some(conn), rows)
            }
        });
        let answers = join_all(asks).await;
        let mut complete = true;
        for (key, conn, rows) in answers {
            match (conn, rows) {
                (Some(conn), Ok(r)) => {
                    each(&r, &key, conn.id());
                    self.others.insert(key, conn);
                }
                (_, Err(e)) => {
                    errors.add(format!("sql {key} {sql}"), &e);
                    complete = false;
                }
                (None, Ok(_)) => complete = false,
            }
        }
        // What is left in `kept` belongs to FEs no longer asked; dropping closes them.
        complete
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

    /// The collection deadline for one cycle: 80 % of the interval, unless set.
    pub fn cycle_budget(&self) -> Duration {
        self.budget_total
            .unwrap_or_else(|| self.cfg.interval().mul_f64(0.8))
    }

    /// Bounds each later collection (and each [`ClusterCollector::live_details`]) to `total`
    /// instead of 80 % of the interval: for a request that must answer in its own time.
    pub fn set_cycle_budget(&mut self, total: Duration) {
        self.budget_total = Some(total);
    }
}

/// What only the leader FE's `/metrics` says: jobs and the compaction score.
fn leader_view(e: &Exposition, snap: &mut Snapshot) {
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
    snap.routine_load_running = rl("RUNNING").map(|r| (r + rl("UNSTABLE").unwrap_or(0.0)) as i64);
    snap.routine_load_paused = rl("PAUSED").map(|v| v as i64);
}
