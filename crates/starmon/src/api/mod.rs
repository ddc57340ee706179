//! The HTTP API over the stored history (a first part of issue 4): clusters, the latest
//! snapshot, downsampled metric history, collection status history and the capacity forecast.
//! Every user input error is a 400 naming the parameter; an unknown cluster is a 404.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::forecast::{self, DailyUsage, FLOOD_STAGE, HIGH_WATERMARK};
use crate::model::{ClusterRecord, NodeSample, Snapshot};
use crate::store::{Store, StoreError};

/// The most points one history request may return.
pub const MAX_POINTS: u64 = 10_000;
const DEFAULT_POINTS: u64 = 1_000;

#[derive(Clone)]
struct Ctx {
    store: Arc<dyn Store>,
    tz: chrono_tz::Tz,
}

pub fn router(store: Arc<dyn Store>, tz: chrono_tz::Tz) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/api/v1/clusters", get(clusters))
        .route("/api/v1/clusters/{id}/latest", get(latest))
        .route("/api/v1/clusters/{id}/metrics", get(metrics))
        .route("/api/v1/clusters/{id}/status", get(status))
        .route("/api/v1/clusters/{id}/capacity", get(capacity))
        .route("/api/v1/clusters/{id}/daily", get(daily))
        .route(
            "/api/v1/clusters/{id}/nodes/{node}/metrics",
            get(node_metrics),
        )
        .with_state(Ctx { store, tz })
}

/// 4xx with a message saying what was wrong; 5xx generic to the client and logged in full.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
    fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "API request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error".into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

async fn cluster(ctx: &Ctx, id: &str) -> Result<ClusterRecord, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad(format!("cluster id {id:?} is not a number")))?;
    let store = ctx.store.clone();
    blocking(move || store.cluster_by_id(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cluster with id {id}")))
}

async fn clusters(State(ctx): State<Ctx>) -> ApiResult {
    let store = ctx.store.clone();
    let all = blocking(move || store.list_clusters()).await?;
    Ok(Json(json!({"clusters": all})))
}

async fn latest(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let snap = blocking(move || store.latest_snapshot(c.id)).await?;
    Ok(Json(json!({"cluster_id": c.id, "snapshot": snap})))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A time parameter: unix milliseconds or RFC 3339.
fn parse_time(name: &str, raw: &str) -> Result<i64, ApiError> {
    if let Ok(ms) = raw.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::bad(format!(
                "{name}={raw:?} is neither unix milliseconds nor an RFC 3339 time"
            ))
        })
}

/// `from`/`to` (default: the last hour), checked.
fn range(q: &HashMap<String, String>) -> Result<(i64, i64), ApiError> {
    let to = match q.get("to") {
        Some(t) => parse_time("to", t)?,
        None => now_ms(),
    };
    let from = match q.get("from") {
        Some(f) => parse_time("from", f)?,
        None => to - 3_600_000,
    };
    if from >= to {
        return Err(ApiError::bad(format!(
            "from ({from}) must be before to ({to})"
        )));
    }
    Ok((from, to))
}

/// The fields of a stored row by name (the specification's column names).
fn fields<T: serde::Serialize>(row: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(row) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

/// Names of the numeric fields of a row type, from its default value.
fn numeric_names<T: serde::Serialize + Default>(skip: &[&str]) -> Vec<String> {
    fields(&T::default())
        .into_iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && (v.is_null() || v.is_number()))
        .map(|(k, _)| k)
        .collect()
}

/// One bucket of one metric: (min, sum, max, count) of its known values.
type Agg = (f64, f64, f64, u32);

/// What a history request asks for: which metrics, over which range, in buckets of `step_ms`.
struct HistoryQuery {
    names: Vec<String>,
    from: i64,
    to: i64,
    step_ms: u64,
}

/// `names=a,b&from=&to=&step=&points=`: checks every parameter against `known` metrics and the
/// point budget, naming the parameter at fault.
fn history_query(q: &HashMap<String, String>, known: &[String]) -> Result<HistoryQuery, ApiError> {
    let names: Vec<String> = q
        .get("names")
        .ok_or_else(|| {
            ApiError::bad(format!(
                "names is required, a comma-separated list of: {}",
                known.join(",")
            ))
        })?
        .split(',')
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Err(ApiError::bad("names is empty"));
    }
    for n in &names {
        if !known.contains(n) {
            return Err(ApiError::bad(format!("names: unknown metric {n:?}")));
        }
    }
    let (from, to) = range(q)?;
    let points = match q.get("points") {
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|p| (1..=MAX_POINTS).contains(p))
            .ok_or_else(|| {
                ApiError::bad(format!("points={p:?} must be between 1 and {MAX_POINTS}"))
            })?,
        None => DEFAULT_POINTS,
    };
    let span = (to - from) as u64;
    let step_ms = match q.get("step") {
        Some(s) => {
            let secs = s.parse::<u64>().ok().filter(|s| *s >= 1).ok_or_else(|| {
                ApiError::bad(format!(
                    "step={s:?} must be a whole number of seconds, at least 1"
                ))
            })?;
            let step = secs.saturating_mul(1000);
            let buckets = span.div_ceil(step);
            if buckets > points {
                return Err(ApiError::bad(format!(
                    "step={secs} gives {buckets} points, more than points={points}; use a larger step"
                )));
            }
            step
        }
        None => span.div_ceil(points).max(1000),
    };
    Ok(HistoryQuery {
        names,
        from,
        to,
        step_ms,
    })
}

/// Per metric, one point per bucket with the min, avg and max of the values known in it.
fn downsample(
    hq: &HistoryQuery,
    rows: impl Iterator<Item = (i64, serde_json::Map<String, Value>)>,
) -> Value {
    let step = hq.step_ms as i64;
    let mut buckets: BTreeMap<i64, HashMap<&str, Agg>> = BTreeMap::new();
    for (t, f) in rows {
        let slot = buckets
            .entry(hq.from + ((t - hq.from) / step) * step)
            .or_default();
        for n in &hq.names {
            if let Some(v) = f.get(n).and_then(Value::as_f64) {
                let e =
                    slot.entry(n.as_str())
                        .or_insert((f64::INFINITY, 0.0, f64::NEG_INFINITY, 0));
                e.0 = e.0.min(v);
                e.1 += v;
                e.2 = e.2.max(v);
                e.3 += 1;
            }
        }
    }
    let series: serde_json::Map<String, Value> = hq
        .names
        .iter()
        .map(|n| {
            let pts: Vec<Value> = buckets
                .iter()
                .map(|(t, m)| match m.get(n.as_str()) {
                    Some((min, sum, max, count)) => {
                        json!({"t": t, "min": min, "avg": sum / f64::from(*count), "max": max})
                    }
                    // Collected, but this metric was unknown then: a null point, not a made-up one.
                    None => json!({"t": t, "min": null, "avg": null, "max": null}),
                })
                .collect();
            (n.clone(), Value::Array(pts))
        })
        .collect();
    json!({"from": hq.from, "to": hq.to, "step_seconds": hq.step_ms / 1000, "series": series})
}

/// `GET /api/v1/clusters/{id}/metrics?names=qps,query_latency_p99&from=&to=&step=&points=`.
async fn metrics(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let hq = history_query(&q, &numeric_names::<Snapshot>(&["collected_at"]))?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let (from, to) = (hq.from, hq.to);
    let rows = blocking(move || store.snapshots(c.id, from, to)).await?;
    let mut body = downsample(&hq, rows.iter().map(|s| (s.collected_at, fields(s))));
    body["cluster_id"] = json!(c.id);
    Ok(Json(body))
}

/// `GET /api/v1/clusters/{id}/nodes/{node}/metrics?names=cpu_usage_pct,…`: one node's history
/// (a BE/CN by its id, an FE by its name); empty series when it has no samples in the range.
async fn node_metrics(
    State(ctx): State<Ctx>,
    Path((id, node)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let hq = history_query(&q, &numeric_names::<NodeSample>(&[]))?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let (from, to, node_id) = (hq.from, hq.to, node.clone());
    let rows = blocking(move || store.node_samples(c.id, &node_id, from, to)).await?;
    let mut body = downsample(&hq, rows.iter().map(|(t, n)| (*t, fields(n))));
    body["cluster_id"] = json!(c.id);
    body["node_id"] = json!(node);
    Ok(Json(body))
}

/// `GET /api/v1/clusters/{id}/daily?days=30`: the daily rollups of the last `days` local days.
async fn daily(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let days = match q.get("days") {
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| ApiError::bad(format!("days={d:?} must be between 1 and 366")))?,
        None => 30,
    };
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let tz = ctx.tz;
    let rows = blocking(move || {
        let today = crate::store::local_date(tz, now_ms())?;
        store.daily(c.id, today - chrono::Days::new(days), today)
    })
    .await?;
    Ok(Json(json!({"cluster_id": c.id, "days": rows})))
}

async fn status(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let (from, to) = range(&q)?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let rows = blocking(move || store.statuses(c.id, from, to)).await?;
    Ok(Json(json!({"cluster_id": c.id, "statuses": rows})))
}

/// Per BE and data path, the dates the 90 % and 95 % limits are expected to be crossed
/// (DESIGN.md "Capacity forecast"), from the last 30 days of daily maxima.
async fn capacity(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let tz = ctx.tz;
    let rows = blocking(move || {
        let today = crate::store::local_date(tz, now_ms())?;
        store.node_disk_daily(c.id, today - chrono::Days::new(31), today)
    })
    .await?;
    let mut by_path: BTreeMap<(String, String), Vec<DailyUsage>> = BTreeMap::new();
    for r in rows {
        by_path
            .entry((r.node_id.clone(), r.path.clone()))
            .or_default()
            .push(DailyUsage {
                date: r.date,
                max_used_bytes: r.max_used_bytes,
                total_bytes: r.total_bytes,
            });
    }
    let paths: Vec<Value> = by_path
        .into_iter()
        .map(|((node, path), series)| {
            json!({
                "node_id": node,
                "path": path,
                "days": series.len(),
                HIGH_WATERMARK.name: forecast::forecast(&series, HIGH_WATERMARK),
                FLOOD_STAGE.name: forecast::forecast(&series, FLOOD_STAGE),
            })
        })
        .collect();
    Ok(Json(json!({"cluster_id": c.id, "paths": paths})))
}
