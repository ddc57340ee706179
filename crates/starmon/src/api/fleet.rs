//! The fleet at a glance (`GET /api/v1/fleet`): per cluster, its health with the reasons for it,
//! nodes alive of total, QPS, p99, error rate, disk usage, the days until a data path reaches the
//! 90 % limit, and how the latest collection went. One request for the whole fleet page.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::{Object, ObjectBuilder, SchemaType};
use utoipa::ToSchema;

use super::error::ApiError;
use super::request::{blocking, enum_schema, now_ms, ApiQuery, NoQuery};
use super::state::Ctx;
use crate::alerts::rules::Severity;
use crate::model::{CollectionStatus, NodeKind, NodeSample, Outcome, Snapshot};

/// A path expected to reach 90 % within this many days makes its cluster a warning.
const SOON_DAYS: f64 = 7.0;

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Ok,
    Unknown,
    Warning,
    Critical,
}

/// Every reason [`health`] and the firing alerts give, for the document.
const REASONS: [&str; 13] = [
    "no_data",
    "collection_failed",
    "collection_partial",
    "collection_stale",
    "no_fe_majority",
    "fe_dead",
    "no_be_alive",
    "be_dead",
    "cn_dead",
    "disk_over_95",
    "disk_over_90",
    "disk_90_within_7_days",
    "alerts_firing",
];

fn reasons_schema() -> utoipa::openapi::Array {
    utoipa::openapi::Array::new(enum_schema(REASONS))
}

fn outcome_schema() -> Object {
    let mut o = enum_schema(["ok", "partial", "failed"]);
    o.nullable = true;
    o
}

fn date_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Date,
        )))
        .nullable(true)
        .build()
}

/// The answer of `GET /api/v1/fleet`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Fleet {
    #[schema(inline)]
    clusters: Vec<FleetCluster>,
}

/// Something wrong with one node or data path, for a sentence that names it ("BE 10001
/// (10.0.0.42) is down", "/data1 on BE 10002 is 91 % full").
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub(crate) struct Problem {
    /// `node_down`, `disk_path_over_95` or `disk_path_over_90`.
    #[schema(schema_with = problem_code_schema)]
    code: &'static str,
    /// fe, be or cn.
    #[schema(schema_with = kind_schema, required = true)]
    kind: Option<NodeKind>,
    /// The BE/CN id or the FE name.
    node_id: String,
    host: String,
    /// The data path, for a disk problem.
    #[schema(required = true)]
    path: Option<String>,
    /// The path's used share in %, for a disk problem.
    #[schema(required = true)]
    used_pct: Option<f64>,
}

fn problem_code_schema() -> Object {
    enum_schema(["node_down", "disk_path_over_95", "disk_path_over_90"])
}

fn kind_schema() -> Object {
    let mut o = enum_schema(["fe", "be", "cn"]);
    o.nullable = true;
    o
}

/// The nodes of the latest collection that are down, and the data paths past StarRocks' 90 % /
/// 95 % limits, worst first within each kind of problem.
pub fn problems(nodes: &[NodeSample]) -> Vec<Problem> {
    let mut down = Vec::new();
    let mut disks = Vec::new();
    for n in nodes {
        if n.alive == Some(false) {
            down.push(Problem {
                code: "node_down",
                kind: n.kind,
                node_id: n.node_id.clone(),
                host: n.host.clone(),
                path: None,
                used_pct: None,
            });
        }
        for d in &n.disks {
            if d.total_bytes <= 0 {
                continue;
            }
            let used = (d.total_bytes - d.avail_bytes) as f64 * 100.0 / d.total_bytes as f64;
            let code = if used >= 95.0 {
                "disk_path_over_95"
            } else if used >= 90.0 {
                "disk_path_over_90"
            } else {
                continue;
            };
            disks.push(Problem {
                code,
                kind: n.kind,
                node_id: n.node_id.clone(),
                host: n.host.clone(),
                path: Some(d.path.clone()),
                used_pct: Some(used),
            });
        }
    }
    disks.sort_by(|a, b| {
        b.used_pct
            .partial_cmp(&a.used_pct)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    down.extend(disks);
    down
}

/// Fewer nodes alive than listed (unknown is not down).
fn some_down(alive: Option<i64>, total: Option<i64>) -> bool {
    matches!((alive, total), (Some(a), Some(t)) if a < t)
}

/// Whether [`problems`] can find anything in the collection of `s`: a node down or a data
/// path at 90 % or more.
fn names_problems(s: &Snapshot) -> bool {
    some_down(s.fe_node_alive, s.fe_node_total)
        || some_down(s.be_node_alive, s.be_node_total)
        || some_down(s.cn_node_alive, s.cn_node_total)
        || s.max_disk_used_pct.is_some_and(|p| p >= 90.0)
}

/// One cluster at a glance; a figure that is not known is null. (Every key is always there; the
/// document has only ever promised some.)
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FleetCluster {
    id: i64,
    name: String,
    #[schema(inline)]
    health: Health,
    /// Stable codes a dashboard can translate.
    #[schema(schema_with = reasons_schema)]
    reasons: Vec<&'static str>,
    /// The nodes down and the data paths past a limit in the latest collection that listed
    /// nodes, by name.
    #[schema(inline)]
    problems: Vec<Problem>,
    collected_at: Option<i64>,
    #[schema(schema_with = outcome_schema, required = true)]
    outcome: Option<Outcome>,
    errors: usize,
    fe_alive: Option<i64>,
    fe_total: Option<i64>,
    be_alive: Option<i64>,
    be_total: Option<i64>,
    cn_alive: Option<i64>,
    cn_total: Option<i64>,
    qps: Option<f64>,
    query_latency_p99: Option<f64>,
    error_rate: Option<f64>,
    disk_usage_pct: Option<f64>,
    max_disk_used_pct: Option<f64>,
    days_until_90: Option<f64>,
    #[schema(schema_with = date_schema)]
    date_90: Option<String>,
    // Never null; the schema says nullable as it always has.
    #[schema(nullable = true)]
    alerts_firing: i64,
}

/// The health of a cluster and the reasons (stable codes a dashboard can translate).
pub fn health(
    snap: Option<&Snapshot>,
    status: Option<&CollectionStatus>,
    days_until_90: Option<f64>,
    stale: bool,
) -> (Health, Vec<&'static str>) {
    let Some(status) = status else {
        return (Health::Unknown, vec!["no_data"]);
    };
    let mut reasons: Vec<(Health, &'static str)> = Vec::new();
    match status.outcome {
        Outcome::Failed => reasons.push((Health::Critical, "collection_failed")),
        Outcome::Partial => reasons.push((Health::Warning, "collection_partial")),
        Outcome::Ok => {}
    }
    if stale {
        reasons.push((Health::Warning, "collection_stale"));
    }
    if let Some(s) = snap {
        if let (Some(a), Some(t)) = (s.fe_node_alive, s.fe_node_total) {
            if t > 0 && a * 2 <= t {
                reasons.push((Health::Critical, "no_fe_majority"));
            } else if a < t {
                reasons.push((Health::Warning, "fe_dead"));
            }
        }
        if matches!((s.be_node_alive, s.be_node_total), (Some(0), Some(t)) if t > 0) {
            reasons.push((Health::Critical, "no_be_alive"));
        } else if some_down(s.be_node_alive, s.be_node_total) {
            reasons.push((Health::Warning, "be_dead"));
        }
        if some_down(s.cn_node_alive, s.cn_node_total) {
            reasons.push((Health::Warning, "cn_dead"));
        }
        match s.max_disk_used_pct {
            Some(p) if p >= 95.0 => reasons.push((Health::Critical, "disk_over_95")),
            Some(p) if p >= 90.0 => reasons.push((Health::Warning, "disk_over_90")),
            _ => {}
        }
    }
    if days_until_90.is_some_and(|d| d <= SOON_DAYS) {
        reasons.push((Health::Warning, "disk_90_within_7_days"));
    }
    let worst = reasons.iter().map(|(h, _)| *h).max().unwrap_or(Health::Ok);
    (worst, reasons.into_iter().map(|(_, r)| r).collect())
}

/// Every cluster at a glance: health and why, nodes alive, QPS, p99, errors, disks, days until 90 %
#[utoipa::path(get, path = "/api/v1/fleet",
    responses((status = 200, description = "Fleet", body = inline(Fleet))))]
pub(super) async fn fleet(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<Fleet>, ApiError> {
    let store = ctx.store.clone();
    let alerting = ctx.alerting.clone();
    let interval_ms = (ctx.collector.interval_secs as i64).saturating_mul(1000);
    let (rows, firing) = blocking(move || {
        // Per cluster: firing alerts and the worst severity among them.
        let mut firing: HashMap<i64, (i64, Severity)> = HashMap::new();
        for a in store.active_alerts(None)? {
            if a.state == crate::store::alerts::AlertState::Firing {
                let e = firing.entry(a.cluster_id).or_insert((0, Severity::Info));
                e.0 += 1;
                e.1 = e.1.max(a.severity);
            }
        }
        let mut out = Vec::new();
        for c in store.list_clusters()? {
            let snap = store.latest_snapshot(c.id)?;
            let status = store.latest_statuses(c.id, 1)?.pop();
            // The nodes are read only when the snapshot says there is something to name: a
            // healthy cluster costs the fleet page no extra query.
            let nodes = if snap.as_ref().is_some_and(names_problems) {
                store
                    .latest_nodes(c.id)?
                    .map(|(_, n)| n)
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            // The alert engine's cached per-path forecasts: the earliest path decides.
            let days_90 = alerting
                .engine()
                .path_forecasts(c.id, now_ms())?
                .into_iter()
                .filter_map(|(_, days)| days)
                .reduce(f64::min);
            out.push((c, snap, status, days_90, problems(&nodes)));
        }
        Ok((out, firing))
    })
    .await?;
    let now = now_ms();
    let today = crate::store::local_date(ctx.tz, now).map_err(ApiError::internal)?;
    let clusters = rows
        .into_iter()
        .map(|(c, snap, status, days_until_90, problems)| {
            let date_90 = days_until_90.map(|d| today + chrono::Days::new(d as u64));
            // Three missed intervals: the collector is not getting through.
            let stale = status
                .as_ref()
                .is_some_and(|s| now - s.collected_at > 3 * interval_ms);
            let (mut health, mut reasons) =
                health(snap.as_ref(), status.as_ref(), days_until_90, stale);
            let (alerts_firing, worst) = firing.get(&c.id).copied().unwrap_or((0, Severity::Info));
            // A firing alert says something is wrong even where the snapshot does not show it.
            let from_alerts = match worst {
                Severity::Critical => Health::Critical,
                Severity::Warning => Health::Warning,
                Severity::Info => Health::Ok,
            };
            if alerts_firing > 0 && from_alerts > Health::Ok {
                health = health.max(from_alerts);
                reasons.push("alerts_firing");
            }
            let s = snap.unwrap_or_default();
            let error_rate = match (s.query_error, s.interval_secs) {
                (Some(e), Some(i)) if i > 0.0 => Some(e as f64 / i),
                _ => None,
            };
            FleetCluster {
                id: c.id,
                name: c.name,
                health,
                reasons,
                problems,
                collected_at: status.as_ref().map(|s| s.collected_at),
                outcome: status.as_ref().map(|s| s.outcome),
                errors: status.as_ref().map_or(0, |s| s.errors.len()),
                fe_alive: s.fe_node_alive,
                fe_total: s.fe_node_total,
                be_alive: s.be_node_alive,
                be_total: s.be_node_total,
                cn_alive: s.cn_node_alive,
                cn_total: s.cn_node_total,
                qps: s.qps,
                query_latency_p99: s.query_latency_p99,
                error_rate,
                disk_usage_pct: s.disk_usage_pct,
                max_disk_used_pct: s.max_disk_used_pct,
                days_until_90,
                date_90: date_90.map(|d| d.format("%Y-%m-%d").to_string()),
                alerts_firing,
            }
        })
        .collect();
    Ok(Json(Fleet { clusters }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DiskPath;

    fn disk(path: &str, total: i64, avail: i64) -> DiskPath {
        DiskPath {
            path: path.into(),
            total_bytes: total,
            avail_bytes: avail,
            data_used_bytes: None,
        }
    }

    #[test]
    fn nodes_are_read_only_when_the_snapshot_shows_something_to_name() {
        let healthy = Snapshot {
            be_node_alive: Some(3),
            be_node_total: Some(3),
            max_disk_used_pct: Some(89.9),
            ..Snapshot::default()
        };
        assert!(!names_problems(&healthy));
        assert!(
            !names_problems(&Snapshot::default()),
            "unknown is not a problem"
        );
        let be_down = Snapshot {
            be_node_alive: Some(2),
            ..healthy.clone()
        };
        assert!(names_problems(&be_down));
        let full = Snapshot {
            max_disk_used_pct: Some(90.0),
            ..healthy
        };
        assert!(names_problems(&full));
    }

    #[test]
    fn problems_name_the_nodes_down_and_the_paths_past_a_limit() {
        let nodes = vec![
            NodeSample {
                node_id: "10001".into(),
                kind: Some(NodeKind::Be),
                host: "10.0.0.42".into(),
                alive: Some(false),
                disks: vec![disk("*", 1000, 500)],
                ..NodeSample::default()
            },
            NodeSample {
                node_id: "10002".into(),
                kind: Some(NodeKind::Be),
                host: "10.0.0.43".into(),
                alive: Some(true),
                // 91 % and 96 % used; 50 % is fine; a path of unknown size is left out.
                disks: vec![
                    disk("/data1", 1000, 90),
                    disk("/data2", 1000, 40),
                    disk("/data3", 1000, 500),
                    disk("/data4", 0, 0),
                ],
                ..NodeSample::default()
            },
            NodeSample {
                node_id: "fe2".into(),
                kind: Some(NodeKind::Fe),
                host: "10.0.0.12".into(),
                // Unknown is not down.
                alive: None,
                ..NodeSample::default()
            },
        ];
        let p = problems(&nodes);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.code, p.node_id.as_str(), p.path.as_deref(), p.used_pct))
            .collect();
        assert_eq!(
            got,
            vec![
                ("node_down", "10001", None, None),
                ("disk_path_over_95", "10002", Some("/data2"), Some(96.0)),
                ("disk_path_over_90", "10002", Some("/data1"), Some(91.0)),
            ]
        );
        assert_eq!(p[0].host, "10.0.0.42");
        assert_eq!(p[0].kind, Some(NodeKind::Be));
    }

    fn ok_status() -> CollectionStatus {
        CollectionStatus {
            collected_at: 0,
            outcome: Outcome::Ok,
            duration_ms: 1,
            errors: vec![],
        }
    }

    fn snap(fe: (i64, i64), be: (i64, i64), disk: Option<f64>) -> Snapshot {
        Snapshot {
            fe_node_alive: Some(fe.0),
            fe_node_total: Some(fe.1),
            be_node_alive: Some(be.0),
            be_node_total: Some(be.1),
            max_disk_used_pct: disk,
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_healthy_cluster_is_ok() {
        let s = snap((3, 3), (3, 3), Some(40.0));
        assert_eq!(
            health(Some(&s), Some(&ok_status()), Some(300.0), false),
            (Health::Ok, vec![])
        );
    }

    #[test]
    fn the_worst_reason_decides() {
        let s = snap((3, 3), (2, 3), Some(96.0));
        let (h, r) = health(Some(&s), Some(&ok_status()), Some(0.0), false);
        assert_eq!(h, Health::Critical);
        assert_eq!(r, vec!["be_dead", "disk_over_95", "disk_90_within_7_days"]);
        let s = snap((1, 3), (3, 3), None);
        assert_eq!(
            health(Some(&s), Some(&ok_status()), None, false).0,
            Health::Critical
        );
        let s = snap((2, 3), (3, 3), None);
        assert_eq!(
            health(Some(&s), Some(&ok_status()), None, false),
            (Health::Warning, vec!["fe_dead"])
        );
    }

    #[test]
    fn failed_stale_and_unknown() {
        let failed = CollectionStatus {
            outcome: Outcome::Failed,
            ..ok_status()
        };
        assert_eq!(health(None, Some(&failed), None, false).0, Health::Critical);
        assert_eq!(
            health(None, Some(&ok_status()), None, true),
            (Health::Warning, vec!["collection_stale"])
        );
        assert_eq!(
            health(None, None, None, false),
            (Health::Unknown, vec!["no_data"])
        );
        // Unknown disk usage is not a reason either way.
        let s = snap((3, 3), (3, 3), None);
        assert_eq!(
            health(Some(&s), Some(&ok_status()), None, false).0,
            Health::Ok
        );
    }
}
