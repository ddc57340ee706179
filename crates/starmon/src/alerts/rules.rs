//! The rules: StarRocks' recommended alerts (its documentation's Prometheus rules, here evaluated
//! on what the collector already stores) and user thresholds on any stored metric. Evaluating a
//! rule turns one collection (plus a few minutes of history) into observations per subject — the
//! cluster, a node, or a data path — each saying whether the condition holds.
//!
//! Hysteresis: a numeric condition fires past its threshold but clears only once the value is
//! back by more than `hysteresis_pct` of the threshold, so a value hovering at the threshold
//! neither fires and resolves on every collection nor resolves on noise.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

pub use crate::model::alerts::{Op, Scope, Settings, Severity, UserRule};
use crate::model::{CollectionStatus, NodeKind, NodeSample, Outcome, Snapshot};

/// Where a condition stands after one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The condition holds.
    Fire,
    /// Past the threshold's clearing margin but not over it: a firing alert stays firing, a
    /// pending one is dropped.
    Hold,
    /// The condition clearly does not hold.
    Clear,
    /// Could not be told (a NULL): nothing changes.
    Unknown,
}

/// The level of `value` against `threshold` with a clearing margin of `hysteresis_pct` percent of
/// the threshold.
pub fn level(value: Option<f64>, op: Op, threshold: f64, hysteresis_pct: f64) -> Level {
    let Some(v) = value else {
        return Level::Unknown;
    };
    let margin = threshold.abs() * hysteresis_pct / 100.0;
    let (fires, holds) = match op {
        Op::Gt => (v > threshold, v > threshold - margin),
        Op::Ge => (v >= threshold, v >= threshold - margin),
        Op::Lt => (v < threshold, v < threshold + margin),
        Op::Le => (v <= threshold, v <= threshold + margin),
    };
    if fires {
        Level::Fire
    } else if holds {
        Level::Hold
    } else {
        Level::Clear
    }
}

/// A built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub unit: &'static str,
    pub op: Op,
    pub threshold: f64,
    pub for_secs: u64,
    pub severity: Severity,
    /// Whether the rule is judged on a failed collection too (`collection_failing`); every
    /// other rule is about the cluster's state, of which nothing is known then.
    pub on_failed_collections: bool,
    /// The rule's own evaluation.
    pub eval: fn(&Eval<'_>) -> Vec<Observation>,
}

impl Builtin {
    pub fn defaults(&self) -> Settings {
        Settings {
            enabled: true,
            threshold: self.threshold,
            for_secs: self.for_secs,
            severity: self.severity,
        }
    }

    /// Judged on failed collections too.
    const fn also_on_failed_collections(mut self) -> Builtin {
        self.on_failed_collections = true;
        self
    }
}

// A positional constructor keeps the rule table below one line per rule.
#[allow(clippy::too_many_arguments)]
const fn rule(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    op: Op,
    threshold: f64,
    for_secs: u64,
    severity: Severity,
    eval: fn(&Eval<'_>) -> Vec<Observation>,
) -> Builtin {
    Builtin {
        id,
        name,
        description,
        unit,
        op,
        threshold,
        for_secs,
        severity,
        on_failed_collections: false,
        eval,
    }
}

use Severity::{Critical, Warning};

/// StarRocks' recommended alerts (docs: "Monitor and alert with Prometheus and Grafana").
pub const BUILTINS: &[Builtin] = &[
    rule(
        "fe_down",
        "FE down",
        "An FE is not alive (SHOW FRONTENDS)",
        "",
        Op::Ge,
        1.0,
        0,
        Critical,
        fe_down,
    ),
    rule(
        "be_down",
        "BE/CN down",
        "A BE or CN is not alive (SHOW BACKENDS / COMPUTE NODES)",
        "",
        Op::Ge,
        1.0,
        0,
        Critical,
        be_down,
    ),
    rule(
        "be_cpu_high",
        "BE CPU busy",
        "CPU busy of a BE/CN above the threshold",
        "%",
        Op::Gt,
        90.0,
        300,
        Warning,
        be_cpu_high,
    ),
    rule(
        "be_mem_high",
        "BE memory high",
        "Memory of a BE/CN above the threshold, in % of its limit",
        "%",
        Op::Gt,
        90.0,
        300,
        Warning,
        be_mem_high,
    ),
    rule(
        "disk_path_warning",
        "Data disk filling",
        "A BE data path used above the threshold",
        "%",
        Op::Gt,
        90.0,
        0,
        Warning,
        disk_path_used,
    ),
    rule(
        "disk_path_critical",
        "Data disk nearly full",
        "A BE data path used above the threshold",
        "%",
        Op::Gt,
        95.0,
        0,
        Critical,
        disk_path_used,
    ),
    rule(
        "disk_forecast",
        "Data disk full soon",
        "A data path is forecast to reach StarRocks' 90 % limit within the threshold (days)",
        "days",
        Op::Le,
        7.0,
        0,
        Warning,
        disk_forecast,
    ),
    rule(
        "fe_heap_high",
        "FE JVM heap high",
        "JVM heap of an FE above the threshold",
        "%",
        Op::Gt,
        90.0,
        300,
        Warning,
        fe_heap_high,
    ),
    rule(
        "compaction_score_warning",
        "Compaction score high",
        "Max tablet compaction score above the threshold",
        "",
        Op::Gt,
        100.0,
        300,
        Warning,
        compaction_score,
    ),
    rule(
        "compaction_score_critical",
        "Compaction score very high",
        "Max tablet compaction score above the threshold",
        "",
        Op::Gt,
        800.0,
        300,
        Critical,
        compaction_score,
    ),
    rule(
        "query_error_rate",
        "Query errors",
        "Failed queries per second over the last minute",
        "/s",
        Op::Gt,
        0.05,
        0,
        Warning,
        query_error_rate,
    ),
    rule(
        "query_latency_p95",
        "Slow queries",
        "Query latency p95 above the threshold",
        "ms",
        Op::Gt,
        5000.0,
        60,
        Warning,
        query_latency_p95,
    ),
    rule(
        "txn_failed_share",
        "Failing transactions",
        "Share of failed load transactions over the last 5 minutes",
        "%",
        Op::Gt,
        5.0,
        0,
        Warning,
        txn_failed_share,
    ),
    rule(
        "mv_refresh_failed",
        "MV refresh failures",
        "Materialized-view refreshes failed in the last 5 minutes",
        "",
        Op::Gt,
        0.0,
        0,
        Warning,
        mv_refresh_failed,
    ),
    rule(
        "routine_load_paused",
        "Routine load paused",
        "Routine load jobs paused",
        "",
        Op::Gt,
        0.0,
        0,
        Warning,
        routine_load_paused,
    ),
    rule(
        "compaction_failures",
        "Compaction failures",
        "Failed base and cumulative compactions in the last 5 minutes",
        "",
        Op::Gt,
        10.0,
        0,
        Warning,
        compaction_failures,
    ),
    rule(
        "collection_failing",
        "Cluster unreachable",
        "Collections of the cluster failed this many times in a row",
        "",
        Op::Ge,
        3.0,
        0,
        Critical,
        collection_failing,
    )
    .also_on_failed_collections(),
];

pub fn builtin(id: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.id == id)
}

/// What a rule sees: the collection just made and a little history.
pub struct Input<'a> {
    pub now_ms: i64,
    pub snapshot: &'a Snapshot,
    pub nodes: &'a [NodeSample],
    pub status: &'a CollectionStatus,
    /// Snapshots of the last five minutes, the current one included, oldest first.
    pub recent: &'a [Snapshot],
    /// The latest statuses, newest first, the current one included.
    pub recent_statuses: &'a [CollectionStatus],
    /// Per data path (`node:path`), days until StarRocks' 90 % limit (0 when reached), or None.
    pub forecasts: &'a [(String, Option<f64>)],
}

/// One rule's finding about one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// "" for the cluster, a node id, or `node:path`.
    pub subject: String,
    pub value: Option<f64>,
    pub level: Level,
    pub summary: String,
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
        None => "unknown".into(),
    }
}

fn node_label(n: &NodeSample) -> String {
    let kind = n
        .kind
        .map(|k| k.as_str().to_uppercase())
        .unwrap_or_default();
    format!("{kind} {} ({})", n.node_id, n.host)
}

/// Σ a / Σ b over the recent snapshots within `secs` that know both.
fn window_ratio(
    input: &Input<'_>,
    secs: i64,
    a: impl Fn(&Snapshot) -> Option<f64>,
    b: impl Fn(&Snapshot) -> Option<f64>,
) -> Option<f64> {
    let since = input.now_ms - secs * 1000;
    let (mut sa, mut sb, mut any) = (0.0, 0.0, false);
    for s in input.recent.iter().filter(|s| s.collected_at > since) {
        if let (Some(x), Some(y)) = (a(s), b(s)) {
            sa += x;
            sb += y;
            any = true;
        }
    }
    if !any {
        return None;
    }
    Some(if sb > 0.0 { sa / sb } else { 0.0 })
}

/// Σ of a counter's increases over the recent snapshots within `secs`; None if none knew it.
fn window_sum(input: &Input<'_>, secs: i64, a: impl Fn(&Snapshot) -> Option<f64>) -> Option<f64> {
    let since = input.now_ms - secs * 1000;
    input
        .recent
        .iter()
        .filter(|s| s.collected_at > since)
        .filter_map(a)
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

fn f(v: Option<i64>) -> Option<f64> {
    v.map(|v| v as f64)
}

/// Evaluates a built-in rule. Rules about the cluster's state are not evaluated on a failed
/// collection (nothing is known then); `collection_failing` is.
pub fn evaluate_builtin(
    rule: &Builtin,
    s: &Settings,
    input: &Input<'_>,
    hysteresis_pct: f64,
) -> Vec<Observation> {
    if input.status.outcome == Outcome::Failed && !rule.on_failed_collections {
        return Vec::new();
    }
    (rule.eval)(&Eval {
        rule,
        settings: s,
        input,
        hysteresis_pct,
    })
}

/// What a built-in rule's evaluation sees — the rule, its effective settings, the collection and
/// the clearing margin — with the shapes most rules share.
pub struct Eval<'a> {
    pub rule: &'a Builtin,
    pub settings: &'a Settings,
    pub input: &'a Input<'a>,
    pub hysteresis_pct: f64,
}

impl Eval<'_> {
    fn lvl(&self, v: Option<f64>) -> Level {
        level(
            v,
            self.rule.op,
            self.settings.threshold,
            self.hysteresis_pct,
        )
    }

    /// One observation about the cluster.
    fn cluster(&self, v: Option<f64>, summary: String) -> Vec<Observation> {
        vec![Observation {
            subject: String::new(),
            value: v,
            level: self.lvl(v),
            summary,
        }]
    }

    /// One observation per node of `kinds`.
    fn per_node(
        &self,
        kinds: &[NodeKind],
        value: impl Fn(&NodeSample) -> Option<f64>,
        what: &str,
    ) -> Vec<Observation> {
        self.input
            .nodes
            .iter()
            .filter(|n| n.kind.is_some_and(|k| kinds.contains(&k)))
            .map(|n| {
                let v = value(n);
                Observation {
                    subject: n.node_id.clone(),
                    value: v,
                    level: self.lvl(v),
                    summary: format!("{} {what} {} {}", node_label(n), fmt(v), self.rule.unit)
                        .trim_end()
                        .to_string(),
                }
            })
            .collect()
    }

    /// Whether each node of `kinds` is down.
    fn down(&self, kinds: &[NodeKind]) -> Vec<Observation> {
        let down = |n: &NodeSample| n.alive.map(|a| if a { 0.0 } else { 1.0 });
        self.input
            .nodes
            .iter()
            .filter(|n| n.kind.is_some_and(|k| kinds.contains(&k)))
            .map(|n| Observation {
                subject: n.node_id.clone(),
                value: down(n),
                // Down is yes or no: no margin.
                level: level(down(n), Op::Ge, 1.0, 0.0),
                summary: format!("{} is down", node_label(n)),
            })
            .collect()
    }
}

fn fe_down(e: &Eval<'_>) -> Vec<Observation> {
    e.down(&[NodeKind::Fe])
}

fn be_down(e: &Eval<'_>) -> Vec<Observation> {
    e.down(&[NodeKind::Be, NodeKind::Cn])
}

fn be_cpu_high(e: &Eval<'_>) -> Vec<Observation> {
    e.per_node(
        &[NodeKind::Be, NodeKind::Cn],
        |n| n.cpu_usage_pct,
        "CPU busy",
    )
}

fn be_mem_high(e: &Eval<'_>) -> Vec<Observation> {
    e.per_node(&[NodeKind::Be, NodeKind::Cn], |n| n.mem_usage_pct, "memory")
}

fn fe_heap_high(e: &Eval<'_>) -> Vec<Observation> {
    e.per_node(&[NodeKind::Fe], |n| n.jvm_heap_used_pct, "JVM heap")
}

/// `disk_path_warning` and `disk_path_critical`: one observation per data path.
fn disk_path_used(e: &Eval<'_>) -> Vec<Observation> {
    e.input
        .nodes
        .iter()
        .flat_map(|n| n.disks.iter().map(move |d| (n, d)))
        .filter(|(_, d)| d.total_bytes > 0)
        .map(|(n, d)| {
            let used = (d.total_bytes - d.avail_bytes) as f64 * 100.0 / d.total_bytes as f64;
            Observation {
                subject: format!("{}:{}", n.node_id, d.path),
                value: Some(used),
                level: e.lvl(Some(used)),
                summary: format!("{} path {} is {:.1} % used", node_label(n), d.path, used),
            }
        })
        .collect()
}

fn disk_forecast(e: &Eval<'_>) -> Vec<Observation> {
    e.input
        .forecasts
        .iter()
        .map(|(subject, days)| Observation {
            subject: subject.clone(),
            value: *days,
            // No forecast (not growing, too little history) clears it.
            level: match days {
                Some(_) => e.lvl(*days),
                None => Level::Clear,
            },
            summary: format!(
                "data path {subject} is forecast to reach StarRocks' 90 % limit in {} days",
                fmt(*days)
            ),
        })
        .collect()
}

/// `compaction_score_warning` and `compaction_score_critical`.
fn compaction_score(e: &Eval<'_>) -> Vec<Observation> {
    let v = e.input.snapshot.max_compaction_score;
    e.cluster(v, format!("max compaction score is {}", fmt(v)))
}

fn query_error_rate(e: &Eval<'_>) -> Vec<Observation> {
    let v = window_ratio(e.input, 60, |s| f(s.query_error), |s| s.interval_secs);
    e.cluster(
        v,
        format!("{} failed queries per second over the last minute", fmt(v)),
    )
}

fn query_latency_p95(e: &Eval<'_>) -> Vec<Observation> {
    let v = e.input.snapshot.query_latency_p95;
    e.cluster(v, format!("query latency p95 is {} ms", fmt(v)))
}

fn txn_failed_share(e: &Eval<'_>) -> Vec<Observation> {
    let v = window_ratio(
        e.input,
        300,
        |s| f(s.txn_failed_total),
        |s| Some((s.txn_success_total? + s.txn_failed_total?) as f64),
    )
    .map(|r| r * 100.0);
    e.cluster(
        v,
        format!(
            "{} % of load transactions failed in the last 5 minutes",
            fmt(v)
        ),
    )
}

fn mv_refresh_failed(e: &Eval<'_>) -> Vec<Observation> {
    let v = window_sum(e.input, 300, |s| f(s.mv_refresh_failed_total));
    e.cluster(
        v,
        format!(
            "{} materialized-view refreshes failed in the last 5 minutes",
            fmt(v)
        ),
    )
}

fn routine_load_paused(e: &Eval<'_>) -> Vec<Observation> {
    let v = f(e.input.snapshot.routine_load_paused);
    e.cluster(v, format!("{} routine load jobs are paused", fmt(v)))
}

fn compaction_failures(e: &Eval<'_>) -> Vec<Observation> {
    let v = window_sum(e.input, 300, |s| {
        Some((s.base_compaction_failures_total? + s.cumulative_compaction_failures_total?) as f64)
    });
    e.cluster(
        v,
        format!("{} compactions failed in the last 5 minutes", fmt(v)),
    )
}

fn collection_failing(e: &Eval<'_>) -> Vec<Observation> {
    let n = e
        .input
        .recent_statuses
        .iter()
        .take_while(|st| st.outcome == Outcome::Failed)
        .count() as f64;
    let reason = e
        .input
        .status
        .errors
        .first()
        .map(|e| format!(": {}: {}", e.source, e.error))
        .unwrap_or_default();
    vec![Observation {
        subject: String::new(),
        value: Some(n),
        // Any success clears it at once.
        level: level(Some(n), Op::Ge, e.settings.threshold, 0.0),
        summary: format!("the last {n:.0} collections failed{reason}"),
    }]
}

/// Numeric fields of a row by name.
fn numbers<T: Serialize>(row: &T) -> HashMap<String, Option<f64>> {
    match serde_json::to_value(row) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .filter(|(_, v)| v.is_null() || v.is_number())
            .map(|(k, v)| (k, v.as_f64()))
            .collect(),
        _ => HashMap::new(),
    }
}

/// Evaluates a user rule.
pub fn evaluate_user(rule: &UserRule, input: &Input<'_>, hysteresis_pct: f64) -> Vec<Observation> {
    if input.status.outcome == Outcome::Failed {
        return Vec::new();
    }
    let lvl = |v: Option<f64>| level(v, rule.op, rule.threshold, hysteresis_pct);
    match rule.scope {
        Scope::Cluster => {
            let v = numbers(input.snapshot).get(&rule.metric).copied().flatten();
            vec![Observation {
                subject: String::new(),
                value: v,
                level: lvl(v),
                summary: format!(
                    "{} is {} ({} {})",
                    rule.metric,
                    fmt(v),
                    rule.op.as_str(),
                    fmt(Some(rule.threshold))
                ),
            }]
        }
        Scope::Node => input
            .nodes
            .iter()
            .map(|n| {
                let v = numbers(n).get(&rule.metric).copied().flatten();
                Observation {
                    subject: n.node_id.clone(),
                    value: v,
                    level: lvl(v),
                    summary: format!(
                        "{} {} is {} ({} {})",
                        node_label(n),
                        rule.metric,
                        fmt(v),
                        rule.op.as_str(),
                        fmt(Some(rule.threshold))
                    ),
                }
            })
            .collect(),
    }
}

/// The metric names a user rule may use, per scope.
pub fn metric_names(scope: Scope) -> Vec<String> {
    let mut names: Vec<String> = match scope {
        Scope::Cluster => numbers(&Snapshot::default()).into_keys().collect(),
        Scope::Node => numbers(&NodeSample::default()).into_keys().collect(),
    };
    names.retain(|n| n != "collected_at");
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::alerts::BUILTIN_RULE_IDS;
    use crate::model::DiskPath;

    #[test]
    fn the_model_lists_the_builtin_rule_ids_in_table_order() {
        let ids: Vec<&str> = BUILTINS.iter().map(|b| b.id).collect();
        assert_eq!(ids, BUILTIN_RULE_IDS);
    }

    #[test]
    fn hysteresis_holds_between_the_margin_and_the_threshold() {
        // Fires above 90, clears below 85.5 (5 % of 90).
        assert_eq!(level(Some(90.5), Op::Gt, 90.0, 5.0), Level::Fire);
        assert_eq!(level(Some(90.0), Op::Gt, 90.0, 5.0), Level::Hold);
        assert_eq!(level(Some(86.0), Op::Gt, 90.0, 5.0), Level::Hold);
        assert_eq!(level(Some(85.0), Op::Gt, 90.0, 5.0), Level::Clear);
        assert_eq!(level(None, Op::Gt, 90.0, 5.0), Level::Unknown);
        // "Below": mirrored.
        assert_eq!(level(Some(6.0), Op::Le, 7.0, 10.0), Level::Fire);
        assert_eq!(level(Some(7.5), Op::Le, 7.0, 10.0), Level::Hold);
        assert_eq!(level(Some(8.0), Op::Le, 7.0, 10.0), Level::Clear);
        // A zero threshold has no margin: 0 paused jobs is clear.
        assert_eq!(level(Some(0.0), Op::Gt, 0.0, 5.0), Level::Clear);
        assert_eq!(level(Some(1.0), Op::Gt, 0.0, 5.0), Level::Fire);
    }

    fn status(outcome: Outcome) -> CollectionStatus {
        CollectionStatus {
            collected_at: 0,
            outcome,
            duration_ms: 1,
            errors: vec![],
        }
    }

    fn be(id: &str, alive: bool, cpu: Option<f64>) -> NodeSample {
        NodeSample {
            node_id: id.into(),
            kind: Some(NodeKind::Be),
            host: format!("10.0.0.{id}"),
            alive: Some(alive),
            cpu_usage_pct: cpu,
            ..NodeSample::default()
        }
    }

    fn run(id: &str, input: &Input<'_>) -> Vec<Observation> {
        let b = builtin(id).expect("rule");
        evaluate_builtin(b, &b.defaults(), input, 5.0)
    }

    #[test]
    fn node_rules_name_each_node() {
        let snap = Snapshot::default();
        let mut dead = be("2", false, None);
        dead.disks = vec![DiskPath {
            path: "/data1".into(),
            total_bytes: 1000,
            avail_bytes: 40,
            data_used_bytes: None,
        }];
        let nodes = [be("1", true, Some(95.0)), dead];
        let st = status(Outcome::Partial);
        let input = Input {
            now_ms: 1_000_000,
            snapshot: &snap,
            nodes: &nodes,
            status: &st,
            recent: &[],
            recent_statuses: &[],
            forecasts: &[],
        };
        let down = run("be_down", &input);
        assert_eq!(down.len(), 2);
        assert_eq!(down[0].level, Level::Clear);
        assert_eq!(
            (down[1].subject.as_str(), down[1].level),
            ("2", Level::Fire)
        );
        assert!(down[1].summary.contains("BE 2"), "{}", down[1].summary);
        let cpu = run("be_cpu_high", &input);
        assert_eq!(cpu[0].level, Level::Fire);
        assert_eq!(
            cpu[1].level,
            Level::Unknown,
            "a dead BE's CPU is unknown, not 0"
        );
        let disk = run("disk_path_critical", &input);
        assert_eq!(
            (disk[0].subject.as_str(), disk[0].level),
            ("2:/data1", Level::Fire)
        );
        assert_eq!(disk[0].value, Some(96.0));
        // Nothing but collection_failing is judged on a failed collection.
        let failed = status(Outcome::Failed);
        let input = Input {
            status: &failed,
            ..input
        };
        assert!(run("be_down", &input).is_empty());
    }

    #[test]
    fn error_rate_is_over_the_last_minute() {
        let at = |t: i64, err: i64| Snapshot {
            collected_at: t,
            interval_secs: Some(30.0),
            query_error: Some(err),
            ..Snapshot::default()
        };
        // 90 s ago: outside the minute. Then 3 and 0 errors in 60 s: 0.05/s, not above.
        let recent = [at(910_000, 100), at(970_000, 3), at(1_000_000, 0)];
        let st = status(Outcome::Ok);
        let input = Input {
            now_ms: 1_000_000,
            snapshot: &recent[2],
            nodes: &[],
            status: &st,
            recent: &recent,
            recent_statuses: &[],
            forecasts: &[],
        };
        let o = run("query_error_rate", &input);
        assert_eq!(o[0].value, Some(0.05));
        assert_eq!(o[0].level, Level::Hold);
        let recent = [at(970_000, 6), at(1_000_000, 0)];
        let o = run(
            "query_error_rate",
            &Input {
                recent: &recent,
                ..input
            },
        );
        assert_eq!((o[0].value, o[0].level), (Some(0.1), Level::Fire));
    }

    #[test]
    fn collection_failing_counts_the_latest_failures_in_a_row() {
        let snap = Snapshot::default();
        let f = status(Outcome::Failed);
        let ok = status(Outcome::Ok);
        let statuses = [f.clone(), f.clone(), ok.clone(), f.clone()];
        let input = Input {
            now_ms: 0,
            snapshot: &snap,
            nodes: &[],
            status: &f,
            recent: &[],
            recent_statuses: &statuses,
            forecasts: &[],
        };
        assert_eq!(run("collection_failing", &input)[0].level, Level::Clear);
        let statuses = [f.clone(), f.clone(), f.clone(), ok];
        let o = run(
            "collection_failing",
            &Input {
                recent_statuses: &statuses,
                ..input
            },
        );
        assert_eq!((o[0].value, o[0].level), (Some(3.0), Level::Fire));
    }

    #[test]
    fn user_rules_read_any_stored_metric() {
        let snap = Snapshot {
            connections: Some(900),
            ..Snapshot::default()
        };
        let st = status(Outcome::Ok);
        let nodes = [be("1", true, Some(10.0))];
        let input = Input {
            now_ms: 0,
            snapshot: &snap,
            nodes: &nodes,
            status: &st,
            recent: &[],
            recent_statuses: &[],
            forecasts: &[],
        };
        let rule = UserRule {
            id: 4,
            name: "many connections".into(),
            cluster_id: None,
            scope: Scope::Cluster,
            metric: "connections".into(),
            op: Op::Ge,
            threshold: 800.0,
            for_secs: 0,
            severity: Severity::Warning,
            enabled: true,
        };
        assert_eq!(evaluate_user(&rule, &input, 5.0)[0].level, Level::Fire);
        let node_rule = UserRule {
            scope: Scope::Node,
            metric: "cpu_usage_pct".into(),
            op: Op::Lt,
            threshold: 5.0,
            ..rule
        };
        let o = evaluate_user(&node_rule, &input, 5.0);
        assert_eq!((o[0].subject.as_str(), o[0].level), ("1", Level::Clear));
        assert!(metric_names(Scope::Node).contains(&"cpu_usage_pct".to_string()));
        assert!(metric_names(Scope::Cluster).contains(&"qps".to_string()));
    }
}
