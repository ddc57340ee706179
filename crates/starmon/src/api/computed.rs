//! Computed figures (specification §3.3): over a window, the query success rate
//! success / (success + error) × 100, rates and averages; each compared with the window before,
//! the same window a day earlier and a week earlier, as (current − earlier) / earlier × 100.
//! Day-over-day and week-over-week of whole days come from the daily rollups, which outlive the
//! detail rows. A comparison is NULL where either side has no data, never 0.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::request::{blocking, now_ms, parse_time, ApiQuery};
use super::state::{cluster, Ctx};
use crate::model::Snapshot;
use crate::store::DailySnapshot;

const DAY_MS: i64 = 86_400_000;
/// The longest window: a day (longer comparisons are what the daily section is for).
const MAX_WINDOW_SECS: i64 = 86_400;

/// The window figures, by name.
pub const WINDOW_FIGURES: &[&str] = &[
    "qps",
    "rps",
    "success_rate",
    "error_rate",
    "query_latency_p95",
    "query_latency_p99",
    "cpu_usage_pct",
    "mem_usage_pct",
    "disk_usage_pct",
    "running_queries",
    "connections",
    "txn_failed_share",
];

/// Σ a / Σ b over the snapshots where both are known; `None` when nothing is known or Σ b = 0.
fn ratio(
    rows: &[Snapshot],
    a: impl Fn(&Snapshot) -> Option<f64>,
    b: impl Fn(&Snapshot) -> Option<f64>,
) -> Option<f64> {
    let (mut sa, mut sb, mut any) = (0.0, 0.0, false);
    for s in rows {
        if let (Some(x), Some(y)) = (a(s), b(s)) {
            sa += x;
            sb += y;
            any = true;
        }
    }
    (any && sb > 0.0).then(|| sa / sb)
}

/// Mean of the known values, each weighted by its interval (30 s when the first sample has none).
fn time_mean(rows: &[Snapshot], v: impl Fn(&Snapshot) -> Option<f64>) -> Option<f64> {
    ratio(
        rows,
        |s| Some(v(s)? * s.interval_secs.unwrap_or(30.0)),
        |s| v(s).map(|_| s.interval_secs.unwrap_or(30.0)),
    )
}

fn f(v: Option<i64>) -> Option<f64> {
    v.map(|v| v as f64)
}

/// One window's figures.
pub fn window_figures(rows: &[Snapshot]) -> HashMap<&'static str, Option<f64>> {
    let mut m = HashMap::new();
    m.insert(
        "qps",
        ratio(rows, |s| f(s.query_total), |s| s.interval_secs),
    );
    m.insert(
        "rps",
        ratio(
            rows,
            |s| Some(s.rps? * s.interval_secs?),
            |s| s.interval_secs,
        ),
    );
    m.insert(
        "success_rate",
        ratio(
            rows,
            |s| f(s.query_success),
            |s| Some((s.query_success? + s.query_error?) as f64),
        )
        .map(|r| r * 100.0),
    );
    m.insert(
        "error_rate",
        ratio(rows, |s| f(s.query_error), |s| s.interval_secs),
    );
    m.insert(
        "query_latency_p95",
        time_mean(rows, |s| s.query_latency_p95),
    );
    m.insert(
        "query_latency_p99",
        time_mean(rows, |s| s.query_latency_p99),
    );
    m.insert("cpu_usage_pct", time_mean(rows, |s| s.cpu_usage_pct));
    m.insert("mem_usage_pct", time_mean(rows, |s| s.mem_usage_pct));
    m.insert("disk_usage_pct", time_mean(rows, |s| s.disk_usage_pct));
    m.insert("running_queries", time_mean(rows, |s| f(s.running_queries)));
    m.insert("connections", time_mean(rows, |s| f(s.connections)));
    m.insert(
        "txn_failed_share",
        ratio(
            rows,
            |s| f(s.txn_failed_total),
            |s| Some((s.txn_success_total? + s.txn_failed_total?) as f64),
        )
        .map(|r| r * 100.0),
    );
    m
}

/// (current − earlier) / earlier × 100; `None` when either is unknown or earlier is 0.
pub fn change_pct(current: Option<f64>, earlier: Option<f64>) -> Option<f64> {
    match (current, earlier) {
        (Some(c), Some(e)) if e != 0.0 => Some((c - e) / e.abs() * 100.0),
        _ => None,
    }
}

/// The figures of one rollup day.
fn day_figures(d: Option<&DailySnapshot>) -> Vec<(&'static str, Option<f64>)> {
    let g = |v: fn(&DailySnapshot) -> Option<f64>| d.and_then(v);
    vec![
        ("avg_qps", g(|d| d.avg_qps)),
        ("query_total", g(|d| f(d.daily_query_total))),
        (
            "success_rate",
            g(|d| {
                let (s, e) = (d.daily_query_success?, d.daily_query_error?);
                (s + e > 0).then(|| s as f64 * 100.0 / (s + e) as f64)
            }),
        ),
        ("query_error", g(|d| f(d.daily_query_error))),
        ("avg_p95_latency", g(|d| d.avg_p95_latency)),
        ("avg_cpu_usage_pct", g(|d| d.avg_cpu_usage_pct)),
        ("avg_disk_usage_pct", g(|d| d.avg_disk_usage_pct)),
        ("max_disk_used_pct", g(|d| d.max_disk_used_pct)),
        ("total_data_bytes", g(|d| f(d.total_data_bytes))),
        (
            "daily_data_growth_bytes",
            g(|d| f(d.daily_data_growth_bytes)),
        ),
        ("total_tablet_count", g(|d| f(d.total_tablet_count))),
    ]
}

/// The query of `GET /api/v1/clusters/{id}/kpis`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct KpiParams {
    #[serde(default)]
    #[param(value_type = u64, minimum = 30, maximum = 86400, default = 300)]
    window: Option<String>,
    /// End of the window (default: now)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    at: Option<String>,
}

/// Success rate, rates and averages over a window, with period-over-period change
///
/// The window ending at `at` (default now) against the window before it, a day before and a week
/// before; and the last complete day against the day before it and the same day a week earlier.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/kpis",
    params(("id" = i64, Path, description = "Cluster id"), KpiParams),
    responses(
        (status = 200, description = "KPIs", body = inline(Kpis)),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn kpis(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<KpiParams>,
) -> Result<Json<Kpis>, ApiError> {
    let window_secs = match &q.window {
        Some(w) => w
            .parse::<i64>()
            .ok()
            .filter(|w| (30..=MAX_WINDOW_SECS).contains(w))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "window={w:?} must be a whole number of seconds between 30 and {MAX_WINDOW_SECS}"
                ))
            })?,
        None => 300,
    };
    let at = match &q.at {
        Some(t) => parse_time("at", t)?,
        None => now_ms(),
    };
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let tz = ctx.tz;
    let w = window_secs * 1000;
    let (windows, days, latest) = blocking(move || {
        let mut windows = Vec::new();
        for start in [at - w, at - 2 * w, at - DAY_MS - w, at - 7 * DAY_MS - w] {
            windows.push(store.snapshots(c.id, start, start + w)?);
        }
        let today = crate::store::local_date(tz, at)?;
        let yesterday = today - chrono::Days::new(1);
        let days = store.daily(c.id, today - chrono::Days::new(8), yesterday)?;
        let latest = store.latest_snapshot(c.id)?;
        Ok((windows, days, latest))
    })
    .await?;
    let figures: Vec<_> = windows.iter().map(|w| window_figures(w)).collect();
    let mut kpis = BTreeMap::new();
    for name in WINDOW_FIGURES {
        let v = |i: usize| figures[i].get(name).copied().flatten();
        kpis.insert(
            name.to_string(),
            WindowKpi {
                current: v(0),
                previous: v(1),
                change_pct: change_pct(v(0), v(1)),
                day_ago: v(2),
                day_change_pct: change_pct(v(0), v(2)),
                week_ago: v(3),
                week_change_pct: change_pct(v(0), v(3)),
            },
        );
    }

    let today = crate::store::local_date(ctx.tz, at).map_err(ApiError::internal)?;
    let day = |back: u64| {
        let date = today - chrono::Days::new(back);
        (date, days.iter().find(|d| d.date == date))
    };
    let (last_date, last) = day(1);
    let (prev_date, prev) = day(2);
    let (week_date, week) = day(8);
    let (a, b, c7) = (day_figures(last), day_figures(prev), day_figures(week));
    let mut figures = BTreeMap::new();
    for ((name, v), ((_, p), (_, wk))) in a.into_iter().zip(b.into_iter().zip(c7)) {
        figures.insert(
            name.to_string(),
            DayKpi {
                value: v,
                previous: p,
                change_pct: change_pct(v, p),
                week_ago: wk,
                week_change_pct: change_pct(v, wk),
            },
        );
    }
    let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(Json(Kpis {
        cluster_id: c.id,
        at,
        window_seconds: window_secs,
        samples: windows[0].len(),
        kpis,
        latest: latest.map(|s| LatestDisk {
            collected_at: s.collected_at,
            disk_usage_pct: s.disk_usage_pct,
            max_disk_used_pct: s.max_disk_used_pct,
            disk_used_bytes: s.disk_used_bytes,
            disk_total_bytes: s.disk_total_bytes,
            total_data_bytes: s.total_data_bytes,
        }),
        daily: DailyKpis {
            date: date(last_date),
            previous_date: date(prev_date),
            week_ago_date: date(week_date),
            figures,
        },
    }))
}

/// The answer of `GET /api/v1/clusters/{id}/kpis`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Kpis {
    cluster_id: i64,
    at: i64,
    window_seconds: i64,
    samples: usize,
    /// By figure name (see `WINDOW_FIGURES`).
    #[schema(inline)]
    kpis: BTreeMap<String, WindowKpi>,
    /// The disks of the latest snapshot; null before the first collection.
    #[schema(schema_with = latest_schema, required = true)]
    latest: Option<LatestDisk>,
    #[schema(inline)]
    daily: DailyKpis,
}

/// A window figure against the window before it, a day before and a week before.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WindowKpi {
    #[schema(required = true)]
    current: Option<f64>,
    #[schema(required = true)]
    previous: Option<f64>,
    #[schema(required = true)]
    change_pct: Option<f64>,
    #[schema(required = true)]
    day_ago: Option<f64>,
    #[schema(required = true)]
    day_change_pct: Option<f64>,
    #[schema(required = true)]
    week_ago: Option<f64>,
    #[schema(required = true)]
    week_change_pct: Option<f64>,
}

/// `LatestDisk`, nullable: an object schema that allows null (an `allOf` with `nullable` would
/// not, in OpenAPI 3.0).
fn latest_schema() -> utoipa::openapi::Object {
    match LatestDisk::schema().1 {
        utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(mut o)) => {
            o.nullable = true;
            o
        }
        _ => utoipa::openapi::Object::new(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LatestDisk {
    collected_at: i64,
    #[schema(required = true)]
    disk_usage_pct: Option<f64>,
    #[schema(required = true)]
    max_disk_used_pct: Option<f64>,
    #[schema(required = true)]
    disk_used_bytes: Option<i64>,
    #[schema(required = true)]
    disk_total_bytes: Option<i64>,
    #[schema(required = true)]
    total_data_bytes: Option<i64>,
}

/// The last complete day against the day before it and the same day a week earlier.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DailyKpis {
    #[schema(format = Date)]
    date: String,
    #[schema(format = Date)]
    previous_date: String,
    #[schema(format = Date)]
    week_ago_date: String,
    /// By figure name.
    #[schema(inline)]
    figures: BTreeMap<String, DayKpi>,
}

/// A rollup day's figure against the day before and the same day a week earlier.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DayKpi {
    #[schema(required = true)]
    value: Option<f64>,
    #[schema(required = true)]
    previous: Option<f64>,
    #[schema(required = true)]
    change_pct: Option<f64>,
    #[schema(required = true)]
    week_ago: Option<f64>,
    #[schema(required = true)]
    week_change_pct: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(interval: f64, total: i64, ok: i64, err: i64, p99: Option<f64>) -> Snapshot {
        Snapshot {
            interval_secs: Some(interval),
            query_total: Some(total),
            query_success: Some(ok),
            query_error: Some(err),
            query_latency_p99: p99,
            ..Snapshot::default()
        }
    }

    #[test]
    fn success_rate_is_success_over_success_plus_error() {
        // 90 + 180 successes, 10 + 20 errors: 270 / 300.
        let rows = [
            snap(30.0, 100, 90, 10, None),
            snap(30.0, 200, 180, 20, None),
        ];
        let m = window_figures(&rows);
        assert_eq!(m["success_rate"], Some(90.0));
        // 300 queries in 60 s; 30 errors in 60 s.
        assert_eq!(m["qps"], Some(5.0));
        assert_eq!(m["error_rate"], Some(0.5));
    }

    #[test]
    fn unknown_stays_unknown() {
        let rows = [Snapshot::default(), Snapshot::default()];
        let m = window_figures(&rows);
        assert_eq!(m["success_rate"], None);
        assert_eq!(m["qps"], None);
        assert_eq!(m["query_latency_p99"], None);
        // A quiet window is not a 100 % or 0 % success rate either.
        assert_eq!(
            window_figures(&[snap(30.0, 0, 0, 0, None)])["success_rate"],
            None
        );
    }

    #[test]
    fn latency_is_time_weighted_over_known_samples() {
        // 100 ms for 10 s, 400 ms for 30 s, one unknown: (1000 + 12000) / 40.
        let rows = [
            snap(10.0, 1, 1, 0, Some(100.0)),
            snap(30.0, 1, 1, 0, Some(400.0)),
            snap(30.0, 1, 1, 0, None),
        ];
        assert_eq!(window_figures(&rows)["query_latency_p99"], Some(325.0));
    }

    #[test]
    fn change_is_relative_to_the_earlier_value() {
        assert_eq!(change_pct(Some(150.0), Some(100.0)), Some(50.0));
        assert_eq!(change_pct(Some(50.0), Some(100.0)), Some(-50.0));
        assert_eq!(change_pct(Some(5.0), Some(0.0)), None);
        assert_eq!(change_pct(None, Some(1.0)), None);
        assert_eq!(change_pct(Some(1.0), None), None);
    }
}
