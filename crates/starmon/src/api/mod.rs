//! The HTTP API: clusters (CRUD and connection tests), the real-time overview, the latest
//! snapshot and nodes, downsampled metric history (detail, then daily rollups beyond the detail
//! retention), collection status history, computed KPIs with period-over-period change, the
//! capacity forecast, and starmon's own Prometheus metrics.
//! Every user input error is a 4xx naming the parameter; an unknown cluster is a 404.

mod alerts;
mod clusters;
mod computed;
mod fleet;
mod live;
pub mod openapi;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::collector::Changes;
use crate::config::CollectorConfig;
use crate::forecast::{self, FLOOD_STAGE, HIGH_WATERMARK};
use crate::model::{ClusterRecord, NodeSample, Snapshot};
use crate::starrocks::client::Http;
use crate::store::{bucket_start, Agg, Buckets, DailySnapshot, Store, StoreError};
use crate::telemetry::Telemetry;
pub use live::{LiveService, OVERVIEW_TTL};

/// The most points one history request may return.
pub const MAX_POINTS: u64 = 10_000;
const DEFAULT_POINTS: u64 = 1_000;
/// The most entries `names=` may list (more than there are metrics): each costs the database
/// three result columns, and a few hundred went past SQLite's column limit (a 500).
pub const MAX_NAMES: usize = 100;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn Store>,
    pub tz: chrono_tz::Tz,
    /// Detail rows older than this are gone; history before it comes from the daily rollups.
    pub detail_retention_ms: i64,
    pub collector: CollectorConfig,
    pub http: Http,
    pub live: Arc<LiveService>,
    pub telemetry: Arc<Telemetry>,
    pub changes: Arc<Changes>,
    pub alerts: crate::config::AlertsConfig,
    pub alerting: Arc<crate::alerts::Alerting>,
}

/// Why the API state could not be built: a setting it uses, or the HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiStateError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] crate::starrocks::client::ScrapeError),
}

impl ApiState {
    /// The API alone with its own alert engine and an untracked notifier: for serving what is
    /// in the store without a collector. `starmon serve` builds through `app::App`, which
    /// shares one engine between the collector and the API (`with_alerting`).
    pub fn new(
        store: Arc<dyn Store>,
        config: &crate::config::Config,
        telemetry: Arc<Telemetry>,
        changes: Arc<Changes>,
    ) -> Result<ApiState, ApiStateError> {
        let alerting = crate::alerts::Alerting::from_config(store.clone(), config, None)?;
        ApiState::with_alerting(store, config, telemetry, changes, Arc::new(alerting))
    }

    /// The state for `config` over the parts the caller built and shares with the collector.
    pub fn with_alerting(
        store: Arc<dyn Store>,
        config: &crate::config::Config,
        telemetry: Arc<Telemetry>,
        changes: Arc<Changes>,
        alerting: Arc<crate::alerts::Alerting>,
    ) -> Result<ApiState, ApiStateError> {
        Ok(ApiState {
            alerting,
            alerts: config.alerts.clone(),
            store,
            tz: config.tz()?,
            detail_retention_ms: i64::from(config.retention.detail_days) * 86_400_000,
            collector: config.collector.clone(),
            http: Http::new(config.collector.http_timeout())?,
            live: Arc::new(LiveService::new(OVERVIEW_TTL)),
            telemetry,
            changes,
        })
    }
}

type Ctx = ApiState;

pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(own_metrics))
        .route(
            "/api/v1/openapi.json",
            get(|| async { Json(openapi::document()) }),
        )
        .route("/api/v1/clusters", get(clusters).post(clusters::create))
        .route("/api/v1/clusters/test", post(clusters::test_new))
        .route("/api/v1/fleet", get(fleet::fleet))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/history", get(alerts::history))
        .route("/api/v1/alerts/{id}/ack", post(alerts::ack))
        .route(
            "/api/v1/alert-rules",
            get(alerts::rules).post(alerts::create_rule),
        )
        .route(
            "/api/v1/alert-rules/{id}",
            axum::routing::patch(alerts::patch_rule).delete(alerts::delete_rule),
        )
        .route(
            "/api/v1/silences",
            get(alerts::silences).post(alerts::create_silence),
        )
        .route(
            "/api/v1/silences/{id}",
            axum::routing::delete(alerts::delete_silence),
        )
        .route(
            "/api/v1/channels",
            get(alerts::channels).post(alerts::create_channel),
        )
        .route(
            "/api/v1/channels/{id}",
            axum::routing::patch(alerts::update_channel).delete(alerts::delete_channel),
        )
        .route("/api/v1/channels/{id}/test", post(alerts::test_channel))
        .route(
            "/api/v1/clusters/{id}",
            get(clusters::one)
                .patch(clusters::update)
                .delete(clusters::remove),
        )
        .route(
            "/api/v1/clusters/{id}/test",
            post(clusters::test_registered),
        )
        .route("/api/v1/clusters/{id}/overview", get(live::overview))
        .route("/api/v1/clusters/{id}/latest", get(latest))
        .route("/api/v1/clusters/{id}/nodes", get(live::nodes))
        .route("/api/v1/clusters/{id}/metrics", get(metrics))
        .route("/api/v1/clusters/{id}/status", get(status))
        .route("/api/v1/clusters/{id}/kpis", get(computed::kpis))
        .route("/api/v1/clusters/{id}/capacity", get(capacity))
        .route("/api/v1/clusters/{id}/daily", get(daily))
        .route(
            "/api/v1/clusters/{id}/nodes/{node}/metrics",
            get(node_metrics),
        )
        .layer(axum::middleware::from_fn(reject_unknown_query))
        .with_state(state)
}

/// An operation's path (`None` for a `{parameter}` segment), method and query parameters, as
/// the OpenAPI document declares them.
struct QueryRule {
    segments: Vec<Option<String>>,
    method: String,
    allowed: Vec<String>,
}

static QUERY_RULES: std::sync::LazyLock<Vec<QueryRule>> = std::sync::LazyLock::new(|| {
    let doc = openapi::document();
    let mut rules = Vec::new();
    for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
        let segments = path
            .split('/')
            .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
            .collect();
        for (method, op) in ops.as_object().into_iter().flatten() {
            let allowed = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            rules.push(QueryRule {
                segments: Vec::clone(&segments),
                method: method.clone(),
                allowed,
            });
        }
    }
    rules
});

/// A query parameter the endpoint does not take is a mistake (`?cluster=1` for `?cluster_id=1`)
/// that would otherwise be ignored without a word: 400, naming it and what the endpoint takes.
async fn reject_unknown_query(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if req.uri().query().is_some_and(|q| !q.is_empty()) {
        let path: Vec<&str> = req.uri().path().split('/').collect();
        let method = req.method().as_str().to_ascii_lowercase();
        let rule = QUERY_RULES.iter().find(|r| {
            r.method == method
                && r.segments.len() == path.len()
                && r.segments
                    .iter()
                    .zip(&path)
                    .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
        });
        if let Some(rule) = rule {
            let pairs = match Query::<Vec<(String, String)>>::try_from_uri(req.uri()) {
                Ok(Query(p)) => p,
                Err(e) => {
                    return ApiError::bad(format!("query: {}", e.body_text())).into_response()
                }
            };
            if let Some((k, _)) = pairs.iter().find(|(k, _)| !rule.allowed.contains(k)) {
                let takes = if rule.allowed.is_empty() {
                    "no query parameters".to_string()
                } else {
                    rule.allowed.join(", ")
                };
                return ApiError::bad(format!(
                    "unknown query parameter {k:?}; this endpoint takes {takes}"
                ))
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// `GET /metrics`: starmon's own metrics in the Prometheus text format.
async fn own_metrics(State(ctx): State<Ctx>) -> Response {
    let store = ctx.store.clone();
    let (size, clusters) = tokio::task::spawn_blocking(move || {
        (
            store.size_bytes().ok(),
            store.list_clusters().ok().map(|c| c.len()),
        )
    })
    .await
    .unwrap_or((None, None));
    ctx.telemetry.notifications(ctx.alerting.notifier().stats());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        ctx.telemetry.encode(size, clusters),
    )
        .into_response()
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
        match e {
            // Not a bug to hide behind "internal error": the operator must act (enter the
            // secret again or restore the key), and the text names what, never the secret.
            StoreError::Secret(e @ crate::secretbox::SecretError::Unreadable { .. }) => {
                tracing::error!(error = %e, "a stored secret cannot be read");
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: e.to_string(),
                }
            }
            other => ApiError::internal(other),
        }
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
    let ms = match raw.parse::<i64>() {
        Ok(ms) => ms,
        Err(_) => chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| t.timestamp_millis())
            .map_err(|_| {
                ApiError::bad(format!(
                    "{name}={raw:?} is neither unix milliseconds nor an RFC 3339 time"
                ))
            })?,
    };
    // Years 1970 to 9999: what a date can be written as, and more than any history holds.
    if !(0..=MAX_TIME_MS).contains(&ms) {
        return Err(ApiError::bad(format!(
            "{name}={raw:?} is outside 1970-01-01 … 9999-12-31"
        )));
    }
    Ok(ms)
}

/// 9999-12-31T23:59:59.999Z.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// `from`/`to` (default: the last hour), checked.
fn range(q: &HashMap<String, String>) -> Result<(i64, i64), ApiError> {
    let to = match q.get("to") {
        Some(t) => parse_time("to", t)?,
        None => now_ms(),
    };
    let from = match q.get("from") {
        Some(f) => parse_time("from", f)?,
        // An hour before `to`, but not before 1970 (the earliest time a parameter can name).
        None if to == 0 => {
            return Err(ApiError::bad(
                "to=0 leaves no time before it: to must be after 1970-01-01T00:00:00Z",
            ))
        }
        None => (to - 3_600_000).max(0),
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

/// The measured fields of a node sample (its identity — kind, liveness, role — is not a series).
pub(crate) fn node_metric_names() -> Vec<String> {
    numeric_names::<NodeSample>(&["kind", "alive", "role"])
}

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
    if names.len() > MAX_NAMES {
        return Err(ApiError::bad(format!(
            "names lists {} metrics, at most {MAX_NAMES} are allowed",
            names.len()
        )));
    }
    // A name listed twice is one series (the answer is keyed by name).
    let mut seen = std::collections::HashSet::new();
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect();
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
            // A step wider than the range is one bucket (and keeps the arithmetic in range).
            let step = secs.saturating_mul(1000).min(span.max(1000));
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

/// Per metric, one point per bucket with the min, avg and max of the values known in it: the
/// buckets the database computed, merged with single points (daily rollups) that fall in the same
/// buckets.
fn downsample(hq: &HistoryQuery, buckets: Buckets, points: Vec<(i64, Vec<Option<f64>>)>) -> Value {
    let step = hq.step_ms as i64;
    let mut merged: BTreeMap<i64, Vec<Option<Agg>>> = buckets.into_iter().collect();
    for (t, values) in points {
        let slot = merged
            .entry(bucket_start(hq.from, step, t))
            .or_insert_with(|| vec![None; hq.names.len()]);
        for (agg, v) in slot.iter_mut().zip(values) {
            let Some(v) = v else { continue };
            Agg::fold(agg, v);
        }
    }
    let series: serde_json::Map<String, Value> = hq
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let pts: Vec<Value> = merged
                .iter()
                .map(|(t, aggs)| match aggs.get(i).copied().flatten() {
                    Some(a) => {
                        json!({"t": t, "min": a.min, "avg": a.sum / a.count as f64, "max": a.max})
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

/// The daily rollup figure that stands for a snapshot metric beyond the detail retention. Only
/// figures of the same unit: a per-interval increase has no daily equivalent on the same scale.
fn daily_equivalent(d: &DailySnapshot, name: &str) -> Option<f64> {
    match name {
        "qps" => d.avg_qps,
        "query_latency_p95" => d.avg_p95_latency,
        "disk_usage_pct" => d.avg_disk_usage_pct,
        "cpu_usage_pct" => d.avg_cpu_usage_pct,
        "max_disk_used_pct" => d.max_disk_used_pct,
        "total_data_bytes" => d.total_data_bytes.map(|v| v as f64),
        "total_tablet_count" => d.total_tablet_count.map(|v| v as f64),
        "total_table_count" => d.total_table_count.map(|v| v as f64),
        "total_database_count" => d.total_database_count.map(|v| v as f64),
        _ => None,
    }
}

/// `GET /api/v1/clusters/{id}/metrics?names=qps,query_latency_p99&from=&to=&step=&points=`.
/// Where the range reaches back past the detail retention, the days before it are served from
/// the daily rollups (one point per day at its local start, for the metrics that have one).
async fn metrics(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let hq = history_query(&q, &numeric_names::<Snapshot>(&["collected_at"]))?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let (from, to, tz) = (hq.from, hq.to, ctx.tz);
    let cutoff = now_ms() - ctx.detail_retention_ms;
    let (names, step) = (hq.names.clone(), hq.step_ms as i64);
    let (days, buckets, detail_from) = blocking(move || {
        let mut days = Vec::new();
        let mut detail_from = from;
        if from < cutoff {
            // Whole days from the rollups up to the first midnight after the cutoff (the day
            // the cutoff falls in has lost part of its detail), the detail after it.
            let boundary_date = crate::store::local_date(tz, cutoff)? + chrono::Days::new(1);
            let boundary = crate::store::day_start_ms(tz, boundary_date)?;
            detail_from = boundary.max(from);
            let daily_until = boundary.min(to);
            let first = crate::store::local_date(tz, from)?;
            for d in store.daily(c.id, first, boundary_date)? {
                let start = crate::store::day_start_ms(tz, d.date)?;
                if start < daily_until {
                    days.push((start.max(from), d));
                }
            }
        }
        let buckets = if detail_from < to {
            store.snapshot_buckets(c.id, &names, detail_from, to, step)?
        } else {
            Vec::new()
        };
        Ok((days, buckets, detail_from))
    })
    .await?;
    let daily_points = days
        .iter()
        .map(|(start, d)| {
            let values = hq.names.iter().map(|n| daily_equivalent(d, n)).collect();
            (*start, values)
        })
        .collect();
    let mut body = downsample(&hq, buckets, daily_points);
    body["cluster_id"] = json!(c.id);
    body["detail_from"] = json!(detail_from);
    Ok(Json(body))
}

/// `GET /api/v1/clusters/{id}/nodes/{node}/metrics?names=cpu_usage_pct,…`: one node's history
/// (a BE/CN by its id, an FE by its name); empty series when it has no samples in the range.
async fn node_metrics(
    State(ctx): State<Ctx>,
    Path((id, node)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let hq = history_query(&q, &node_metric_names())?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let (from, to, node_id) = (hq.from, hq.to, node.clone());
    let (names, step) = (hq.names.clone(), hq.step_ms as i64);
    let buckets =
        blocking(move || store.node_buckets(c.id, &node_id, &names, from, to, step)).await?;
    let mut body = downsample(&hq, buckets, Vec::new());
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
/// (docs/design.md "Capacity forecast"), from the last 30 days of daily maxima.
async fn capacity(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let tz = ctx.tz;
    let rows = blocking(move || {
        let today = crate::store::local_date(tz, now_ms())?;
        store.node_disk_daily(c.id, today - chrono::Days::new(31), today)
    })
    .await?;
    let paths: Vec<Value> = forecast::series_by_path(rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_fits_in_one_request() {
        assert!(numeric_names::<Snapshot>(&["collected_at"]).len() <= MAX_NAMES);
        assert!(node_metric_names().len() <= MAX_NAMES);
    }

    #[test]
    fn the_default_range_does_not_reach_before_1970() {
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(range(&q(&[("to", "1000")])).ok(), Some((0, 1000)));
        assert!(range(&q(&[("to", "0")])).is_err());
    }
}
