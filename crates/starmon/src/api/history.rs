//! What was stored: the latest snapshot, downsampled metric history of the cluster and of one
//! node (detail, then daily rollups beyond the detail retention), collection statuses, the daily
//! rollups, and the capacity forecast.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::request::{blocking, now_ms, range, ApiQuery, NoQuery};
use super::state::{cluster, Ctx};
use crate::forecast::{self, Forecast, FLOOD_STAGE, HIGH_WATERMARK};
use crate::model::{CollectionStatus, NodeSample, Snapshot};
use crate::store::{bucket_start, Agg, Buckets, DailySnapshot};

/// The most points one history request may return.
pub const MAX_POINTS: u64 = 10_000;
const DEFAULT_POINTS: u64 = 1_000;
/// The most entries `names=` may list (more than there are metrics): each costs the database
/// three result columns, and a few hundred went past SQLite's column limit (a 500).
pub const MAX_NAMES: usize = 100;
/// The range when a request gives no `from`: an hour before `to`.
const DEFAULT_SPAN_MS: i64 = 3_600_000;

/// The latest stored snapshot
#[utoipa::path(get, path = "/api/v1/clusters/{id}/latest", params(("id" = i64, Path, description = "Cluster id")),
    responses((status = 200, description = "Snapshot", body = inline(Latest)), (status = 400, description = "A parameter is wrong; the message names it", body = Error), (status = 404, description = "No cluster with this id", body = Error)))]
pub(super) async fn latest(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<Latest>, ApiError> {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let snapshot = blocking(move || store.latest_snapshot(c.id)).await?;
    Ok(Json(Latest {
        cluster_id: c.id,
        snapshot,
    }))
}

/// The answer of `GET /api/v1/clusters/{id}/latest`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Latest {
    cluster_id: i64,
    /// Null before the first collection.
    #[schema(required = true)]
    snapshot: Option<Snapshot>,
}

/// The fields of a stored row by name (the specification's column names).
fn fields<T: serde::Serialize>(row: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(row) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

/// Names of the numeric fields of a row type, from its default value.
pub(crate) fn numeric_names<T: serde::Serialize + Default>(skip: &[&str]) -> Vec<String> {
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

/// The query of a history request, as given (checked by [`history_query`], whose messages name
/// the parameter and its value). The `value_type`s are what the document promises; `serde(default)`
/// keeps the parameters optional there without making them nullable.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryParams {
    /// Comma-separated metric names (the document lists them and adds the pattern).
    #[serde(default)]
    #[param(value_type = String)]
    names: Option<String>,
    /// Start (unix ms or RFC 3339; default: an hour before `to`)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    from: Option<String>,
    /// End, exclusive (unix ms or RFC 3339; default: now)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    to: Option<String>,
    /// Bucket width in seconds (default: the range divided by `points`)
    #[serde(default)]
    #[param(value_type = u64, minimum = 1)]
    step: Option<String>,
    /// The most points per series (default 1000)
    #[serde(default)]
    #[param(value_type = u64, minimum = 1, maximum = 10000)]
    points: Option<String>,
}

/// `names=a,b&from=&to=&step=&points=`: checks every parameter against `known` metrics and the
/// point budget, naming the parameter at fault.
fn history_query(q: &HistoryParams, known: &[String]) -> Result<HistoryQuery, ApiError> {
    let names: Vec<String> = q
        .names
        .as_ref()
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
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), DEFAULT_SPAN_MS)?;
    let points = match &q.points {
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
    let step_ms = match &q.step {
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

/// Downsampled history of a cluster or of one node; the document's `History`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = History)]
pub(crate) struct HistoryBody {
    cluster_id: i64,
    /// Of one node: its id (BE/CN) or name (FE).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    node_id: Option<String>,
    from: i64,
    to: i64,
    step_seconds: u64,
    /// Points before this instant come from the daily rollups
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    detail_from: Option<i64>,
    /// Per metric name, one point per bucket.
    #[schema(inline)]
    series: BTreeMap<String, Vec<Point>>,
}

/// One bucket of a series: the min, avg and max of the values known in it (null when the metric
/// was unknown then: a null point, not a made-up one).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Point {
    t: i64,
    #[schema(required = true)]
    min: Option<f64>,
    #[schema(required = true)]
    avg: Option<f64>,
    #[schema(required = true)]
    max: Option<f64>,
}

/// Per metric, one point per bucket with the min, avg and max of the values known in it: the
/// buckets the database computed, merged with single points (daily rollups) that fall in the same
/// buckets.
fn downsample(
    hq: &HistoryQuery,
    buckets: Buckets,
    points: Vec<(i64, Vec<Option<f64>>)>,
) -> BTreeMap<String, Vec<Point>> {
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
    hq.names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let pts = merged
                .iter()
                .map(|(&t, aggs)| match aggs.get(i).copied().flatten() {
                    Some(a) => Point {
                        t,
                        min: Some(a.min),
                        avg: Some(a.sum / a.count as f64),
                        max: Some(a.max),
                    },
                    // Collected, but this metric was unknown then: a null point, not a made-up one.
                    None => Point {
                        t,
                        min: None,
                        avg: None,
                        max: None,
                    },
                })
                .collect();
            (n.clone(), pts)
        })
        .collect()
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

/// Metric history, downsampled (min/avg/max per bucket)
///
/// Where the range reaches back past the detail retention, the days before it are served from
/// the daily rollups (one point per day at its local start, for the metrics that have one).
#[utoipa::path(get, path = "/api/v1/clusters/{id}/metrics", params(("id" = i64, Path, description = "Cluster id"), HistoryParams),
    responses(
        (status = 200, description = "Series", body = ref("#/components/schemas/History")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn metrics(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<HistoryParams>,
) -> Result<Json<HistoryBody>, ApiError> {
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
    Ok(Json(HistoryBody {
        cluster_id: c.id,
        node_id: None,
        from: hq.from,
        to: hq.to,
        step_seconds: hq.step_ms / 1000,
        detail_from: Some(detail_from),
        series: downsample(&hq, buckets, daily_points),
    }))
}

/// One node's history (BE/CN id or FE name)
///
/// Empty series when the node has no samples in the range.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/nodes/{node}/metrics",
    params(("id" = i64, Path, description = "Cluster id"), ("node" = String, Path,), HistoryParams),
    responses(
        (status = 200, description = "Series", body = ref("#/components/schemas/History")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn node_metrics(
    State(ctx): State<Ctx>,
    Path((id, node)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<HistoryParams>,
) -> Result<Json<HistoryBody>, ApiError> {
    let hq = history_query(&q, &node_metric_names())?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let (from, to, node_id) = (hq.from, hq.to, node.clone());
    let (names, step) = (hq.names.clone(), hq.step_ms as i64);
    let buckets =
        blocking(move || store.node_buckets(c.id, &node_id, &names, from, to, step)).await?;
    Ok(Json(HistoryBody {
        cluster_id: c.id,
        node_id: Some(node),
        from: hq.from,
        to: hq.to,
        step_seconds: hq.step_ms / 1000,
        detail_from: None,
        series: downsample(&hq, buckets, Vec::new()),
    }))
}

/// The query of `GET /api/v1/clusters/{id}/daily`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DailyParams {
    #[serde(default)]
    #[param(value_type = u64, minimum = 1, maximum = 366, default = 30)]
    days: Option<String>,
}

/// Daily rollups
///
/// Those of the last `days` local days.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/daily", params(("id" = i64, Path, description = "Cluster id"), DailyParams),
    responses((status = 200, description = "Days", body = inline(Days)), (status = 400, description = "A parameter is wrong; the message names it", body = Error), (status = 404, description = "No cluster with this id", body = Error)))]
pub(super) async fn daily(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DailyParams>,
) -> Result<Json<Days>, ApiError> {
    let days = match &q.days {
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
    Ok(Json(Days {
        cluster_id: c.id,
        days: rows,
    }))
}

/// The answer of `GET /api/v1/clusters/{id}/daily`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Days {
    cluster_id: i64,
    #[schema(value_type = Vec<DailySnapshot>)]
    days: Vec<DailySnapshot>,
}

/// `from`/`to` of a request for stored rows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct RangeParams {
    /// Start (default: an hour before `to`)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    from: Option<String>,
    /// End (default: now)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    to: Option<String>,
}

/// How each collection went
#[utoipa::path(get, path = "/api/v1/clusters/{id}/status", params(("id" = i64, Path, description = "Cluster id"), RangeParams),
    responses((status = 200, description = "Statuses", body = inline(Statuses)), (status = 400, description = "A parameter is wrong; the message names it", body = Error), (status = 404, description = "No cluster with this id", body = Error)))]
pub(super) async fn status(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RangeParams>,
) -> Result<Json<Statuses>, ApiError> {
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), DEFAULT_SPAN_MS)?;
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let rows = blocking(move || store.statuses(c.id, from, to)).await?;
    Ok(Json(Statuses {
        cluster_id: c.id,
        statuses: rows,
    }))
}

/// The answer of `GET /api/v1/clusters/{id}/status`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Statuses {
    cluster_id: i64,
    #[schema(value_type = Vec<CollectionStatus>)]
    statuses: Vec<CollectionStatus>,
}

/// Capacity forecast per BE data path
///
/// The dates the 90 % and 95 % limits are expected to be crossed (docs/design.md "Capacity
/// forecast"), from the last 30 days of daily maxima.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/capacity", params(("id" = i64, Path, description = "Cluster id")),
    responses((status = 200, description = "Forecasts", body = inline(Capacity)), (status = 400, description = "A parameter is wrong; the message names it", body = Error), (status = 404, description = "No cluster with this id", body = Error)))]
pub(super) async fn capacity(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<Capacity>, ApiError> {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let tz = ctx.tz;
    let rows = blocking(move || {
        let today = crate::store::local_date(tz, now_ms())?;
        store.node_disk_daily(c.id, today - chrono::Days::new(31), today)
    })
    .await?;
    let paths = forecast::series_by_path(rows)
        .into_iter()
        .map(|((node_id, path), series)| PathForecast {
            node_id,
            path,
            days: series.len(),
            no_new_tablets: forecast::forecast(&series, HIGH_WATERMARK),
            loads_refused: forecast::forecast(&series, FLOOD_STAGE),
        })
        .collect();
    Ok(Json(Capacity {
        cluster_id: c.id,
        paths,
    }))
}

/// The answer of `GET /api/v1/clusters/{id}/capacity`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Capacity {
    cluster_id: i64,
    #[schema(inline)]
    paths: Vec<PathForecast>,
}

/// One data path's forecasts, one per limit, named after it (`HIGH_WATERMARK`, `FLOOD_STAGE`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PathForecast {
    node_id: String,
    path: String,
    /// Days of history the forecast is made from.
    days: usize,
    /// When the path reaches the high watermark (90 %): no new tablets on it.
    #[schema(schema_with = forecast_schema)]
    no_new_tablets: Forecast,
    /// When the path reaches the flood stage (95 %): loads refused.
    #[schema(schema_with = forecast_schema)]
    loads_refused: Forecast,
}

/// What the document says of a forecast: its status (the other fields depend on it).
fn forecast_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .property(
            "status",
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::SchemaType::String)
                .enum_values(Some([
                    "reached",
                    "expected",
                    "not_growing",
                    "not_enough_history",
                ])),
        )
        .required("status")
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forecast_fields_are_named_after_their_limits() {
        let p = PathForecast {
            node_id: "1".into(),
            path: "/data".into(),
            days: 0,
            no_new_tablets: forecast::forecast(&[], HIGH_WATERMARK),
            loads_refused: forecast::forecast(&[], FLOOD_STAGE),
        };
        let v = serde_json::to_value(p).expect("json");
        assert!(v.get(HIGH_WATERMARK.name).is_some() && v.get(FLOOD_STAGE.name).is_some());
    }

    #[test]
    fn every_metric_fits_in_one_request() {
        assert!(numeric_names::<Snapshot>(&["collected_at"]).len() <= MAX_NAMES);
        assert!(node_metric_names().len() <= MAX_NAMES);
    }
}
