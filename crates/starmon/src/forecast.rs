//! Disk capacity forecast: when will one BE data path cross a StarRocks disk limit?
//!
//! This module owns the arithmetic only — no I/O, no clock, no store. Given the daily series of one
//! data path it says whether, and on which date, the path crosses [`HIGH_WATERMARK`] (no new
//! tablets placed) or [`FLOOD_STAGE`] (loads refused). StarRocks applies both limits per path, so
//! the caller forecasts every path of every BE, never a cluster total: a cluster can be 50 % full
//! while one path refuses loads.
//!
//! Why the **daily maximum** of used bytes: a path refuses a load at the moment it is over the
//! limit, not on average. Compaction and loads make usage swing within a day; the daily peak is the
//! figure that meets the limit first, and one value per day also makes the series independent of
//! how often the collector happened to scrape.
//!
//! Why **Theil–Sen** (median of pairwise slopes) rather than least squares: disk series have
//! outliers that are not growth — a big compaction holds temporary files for a day or two, a dropped
//! table frees space until new data refills it, a failed scrape is missing. Least squares follows a
//! single such day; Theil–Sen ignores up to ~29 % of wild points and needs no tuning.
//!
//! Why **two windows, earlier date wins**: the 30-day slope is steady but slow to notice that
//! growth accelerated (a new pipeline, a backfill); the 7-day slope notices within days but is
//! noisier. A capacity warning that comes late is the expensive mistake, so among the windows that
//! produce a crossing date the earlier one is reported.
//!
//! Measured on 2,000 deterministic synthetic paths with known truth (see the tests: 1–20 TiB,
//! 20–80 % full at the start, true crossing 5–300 days ahead, ±50 % daily growth noise, ±1 % level
//! noise, ±10 % spike episodes, gaps, duplicates, 10–60 days of history, 25 % accelerating and 10 %
//! slowing down in the last 10 days): median relative error of the days to the crossing 0.16,
//! 90th percentile 0.65, 8 % of forecasts later than 1.5× the truth. Known limits, all inherent to
//! the rules above rather than to tuning:
//! - an acceleration is caught once it is 4–5 days old; before that Theil–Sen treats the new days
//!   as outliers (that is what it is for);
//! - a slowdown is reported early until the 30-day window forgets the old rate ("earlier wins");
//! - independent day-to-day jitter of the level much above ±2 % hides a week's growth from any
//!   7-point slope, and accuracy degrades accordingly (±5 %: median 0.36, p90 0.87).

use chrono::{Days, NaiveDate};
use serde::Serialize;

/// One day's maximum of used bytes of one data path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyUsage {
    pub date: NaiveDate,
    pub max_used_bytes: i64,
    pub total_bytes: i64,
}

/// Daily rows of many data paths as one series per (node, path), each in date order.
pub fn series_by_path(
    rows: Vec<crate::store::NodeDiskDaily>,
) -> std::collections::BTreeMap<(String, String), Vec<DailyUsage>> {
    let mut out: std::collections::BTreeMap<(String, String), Vec<DailyUsage>> =
        std::collections::BTreeMap::new();
    for r in rows {
        out.entry((r.node_id, r.path))
            .or_default()
            .push(DailyUsage {
                date: r.date,
                max_used_bytes: r.max_used_bytes,
                total_bytes: r.total_bytes,
            });
    }
    out
}

/// A StarRocks disk limit: a path is "over" it when used% > pct AND free bytes < free_bytes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limit {
    pub name: &'static str,
    pub used_pct: f64,
    pub min_free_bytes: i64,
}

/// `storage_high_watermark_usage_percent` / `storage_min_left_capacity_bytes`: above 90 % used with
/// under 200 GiB free, the FE places no new tablets (and no clone/balance) on the path.
pub const HIGH_WATERMARK: Limit = Limit {
    name: "no_new_tablets",
    used_pct: 90.0,
    min_free_bytes: 200 * 1024 * 1024 * 1024,
};

/// `storage_flood_stage_usage_percent` / `storage_flood_stage_left_capacity_bytes`: above 95 % used
/// with under 100 GiB free, the BE refuses loads on the path.
pub const FLOOD_STAGE: Limit = Limit {
    name: "loads_refused",
    used_pct: 95.0,
    min_free_bytes: 100 * 1024 * 1024 * 1024,
};

/// The forecast for one path and one limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Forecast {
    /// Already past the limit on the last day; `since` is the first day of the unbroken run of
    /// observed days over the limit that ends on the last day.
    Reached {
        #[serde(serialize_with = "iso_date")]
        since: NaiveDate,
    },
    /// The date the limit is expected to be crossed, the slope used (bytes/day) and which window
    /// gave it. `date` is the last day plus `days_from_last` rounded up.
    Expected {
        #[serde(serialize_with = "iso_date")]
        date: NaiveDate,
        days_from_last: f64,
        bytes_per_day: f64,
        window_days: u32,
    },
    /// Usage is flat or shrinking, or grows so slowly that the crossing is more than
    /// [`HORIZON_DAYS`] away: no crossing expected.
    NotGrowing { bytes_per_day: f64 },
    /// Fewer than `needed` distinct days of data in the window (`days` is how many there are).
    NotEnoughHistory { days: usize, needed: usize },
}

/// Serialize a date as ISO 8601 `YYYY-MM-DD` (chrono is built without its serde feature here).
fn iso_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}

/// One trend window: its length in calendar days (ending on and including the last day) and the
/// number of distinct days of data it needs.
///
/// Why these minimums: Theil–Sen's robustness is a share of the points (its breakdown point is
/// ~29 %), and a slope needs a span as well as points.
/// - 7-day window, ≥ 4 days: with 3 points the median of the 3 pairwise slopes always involves any
///   single bad day (it is in 2 of the 3 pairs); with 4, half of the 6 slopes are clean, and the
///   points span at least 3 days. Asking more would delay the window whose job is to react fast;
///   a new path gets its first forecast on its 4th day.
/// - 30-day window, ≥ 7 days: a week of points, so that one spike episode of 2 days stays under
///   the breakdown point (2/7 = 28.6 %). With fewer the 30-day window would add nothing the 7-day
///   window does not already say.
#[derive(Debug, Clone, Copy)]
struct Window {
    days: u32,
    min_days: usize,
}

/// The windows, shortest first. Order matters only for ties (see [`combine`]).
const WINDOWS: [Window; 2] = [
    Window {
        days: 7,
        min_days: 4,
    },
    Window {
        days: 30,
        min_days: 7,
    },
];

/// A crossing further away than this (ten years) is reported as [`Forecast::NotGrowing`]: hardware
/// is replaced before then, a slope that small is indistinguishable from zero over a 30-day window,
/// and it keeps the date arithmetic far from overflow.
pub const HORIZON_DAYS: f64 = 3650.0;

/// Theil–Sen slope (median of pairwise slopes) of used bytes per day; None with < 2 points.
///
/// Points with a non-finite coordinate are ignored, and so are pairs with the same x (their slope
/// is undefined); None also when no pair with distinct x is left. With an even number of slopes the
/// median is the mean of the two middle ones.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let mut slopes = Vec::with_capacity(pts.len() * (pts.len() - 1) / 2);
    for (i, &(xi, yi)) in pts.iter().enumerate() {
        for &(xj, yj) in &pts[i + 1..] {
            let dx = xj - xi;
            if dx != 0.0 {
                let s = (yj - yi) / dx;
                if s.is_finite() {
                    slopes.push(s);
                }
            }
        }
    }
    median(&mut slopes)
}

/// Forecast for one path and one limit from its daily series (any order, may have gaps and duplicate
/// dates), evaluated against the series' last day.
///
/// Rules:
/// - Rows with `total_bytes <= 0` or `max_used_bytes < 0` are dropped: they are failed reads, not
///   measurements. Rows sharing a date are merged by taking the maximum of each field (the series
///   is a daily maximum, so the larger reading is the day's maximum).
/// - The limit becomes one used-bytes threshold per day (see [`threshold_bytes`]); the forecast
///   uses the **last day's** total, because a disk that was resized is judged by its current size.
/// - Last day over the threshold → [`Forecast::Reached`].
/// - Otherwise each window (7 and 30 calendar days ending on the last day) with enough distinct
///   days fits a Theil–Sen slope on x = days before the last day, and a Theil–Sen level at the last
///   day (median of y − slope·x). Days to crossing = (threshold − level) / slope.
/// - Among windows that give [`Forecast::Expected`] the earliest crossing wins; if none does, but
///   one had enough history, [`Forecast::NotGrowing`] with the largest slope seen; otherwise
///   [`Forecast::NotEnoughHistory`] for the window that lacks the fewest days.
pub fn forecast(series: &[DailyUsage], limit: Limit) -> Forecast {
    forecast_with(series, limit, &WINDOWS)
}

/// [`forecast`] with a chosen set of windows (the tests measure what each window contributes).
fn forecast_with(series: &[DailyUsage], limit: Limit, windows: &[Window]) -> Forecast {
    let days = clean(series);
    let Some(last) = days.last().copied() else {
        return Forecast::NotEnoughHistory {
            days: 0,
            needed: windows.first().map_or(0, |w| w.min_days),
        };
    };

    if is_over(last, limit) {
        // Walk back over the unbroken run of observed days over the limit. Each day is judged with
        // its own total: that is what StarRocks saw on that day.
        let since = days
            .iter()
            .rev()
            .take_while(|d| is_over(**d, limit))
            .last()
            .map_or(last.date, |d| d.date);
        return Forecast::Reached { since };
    }

    let threshold = threshold_bytes(last.total_bytes, limit);
    let results: Vec<Forecast> = windows
        .iter()
        .map(|w| forecast_window(&days, last, threshold, *w))
        .collect();
    combine(results)
}

/// The used-bytes value above which a path of `total_bytes` is over `limit`.
///
/// "Over" needs both `used > pct·total` and `total − used < min_free`, i.e.
/// `used > max(pct·total, total − min_free)`. On a small disk (< 2000 GiB for either default
/// limit) the percentage binds; on a large disk the free-bytes floor binds, which is why a 20 TB
/// path is allowed to run to 99 %.
pub fn threshold_bytes(total_bytes: i64, limit: Limit) -> f64 {
    let total = total_bytes as f64;
    let by_pct = total * limit.used_pct / 100.0;
    let by_free = total - limit.min_free_bytes as f64;
    by_pct.max(by_free)
}

/// Is this day's maximum over the limit, judged with that day's total?
fn is_over(day: DailyUsage, limit: Limit) -> bool {
    day.max_used_bytes as f64 > threshold_bytes(day.total_bytes, limit)
}

/// Drop unusable rows, merge duplicate dates, sort by date.
fn clean(series: &[DailyUsage]) -> Vec<DailyUsage> {
    let mut rows: Vec<DailyUsage> = series
        .iter()
        .copied()
        .filter(|d| d.total_bytes > 0 && d.max_used_bytes >= 0)
        .collect();
    rows.sort_by_key(|d| d.date);
    let mut out: Vec<DailyUsage> = Vec::with_capacity(rows.len());
    for d in rows {
        match out.last_mut() {
            Some(prev) if prev.date == d.date => {
                prev.max_used_bytes = prev.max_used_bytes.max(d.max_used_bytes);
                prev.total_bytes = prev.total_bytes.max(d.total_bytes);
            }
            _ => out.push(d),
        }
    }
    out
}

/// The forecast of one window; never [`Forecast::Reached`] (the caller checks that first).
fn forecast_window(
    days: &[DailyUsage],
    last: DailyUsage,
    threshold: f64,
    window: Window,
) -> Forecast {
    // x = days relative to the last day (0 on the last day, negative before), so the intercept is
    // the level on the last day, the point the forecast starts from.
    let points: Vec<(f64, f64)> = days
        .iter()
        .filter_map(|d| {
            let age = (last.date - d.date).num_days();
            (age < i64::from(window.days)).then_some((-(age as f64), d.max_used_bytes as f64))
        })
        .collect();
    if points.len() < window.min_days {
        return Forecast::NotEnoughHistory {
            days: points.len(),
            needed: window.min_days,
        };
    }
    let Some(slope) = theil_sen(&points) else {
        // Unreachable with min_days >= 2 distinct dates, but never panic.
        return Forecast::NotEnoughHistory {
            days: points.len(),
            needed: window.min_days,
        };
    };
    if slope <= 0.0 {
        return Forecast::NotGrowing {
            bytes_per_day: slope,
        };
    }

    // The level the forecast starts from: the Theil–Sen intercept at the last day, median of
    // y − slope·x, not the last day's value. A compaction spike or a dropped table on the last day
    // or two moves the last value by the whole spike, and the date with it; the intercept does not
    // move. Measured on the synthetic set with a ±10 % episode ending every series: median error
    // 0.12 with the intercept vs 0.33 anchored on the last value, and 0.4 % vs 6.4 % of forecasts
    // later than 1.5× (on series without such an episode the two are equal within 0.01).
    let mut residuals: Vec<f64> = points.iter().map(|(x, y)| y - slope * x).collect();
    let mut level = median(&mut residuals).unwrap_or(last.max_used_bytes as f64);
    if level >= threshold {
        // The trend says "over" but the last day was not (the caller checked): start from the last
        // observed value instead, which is below the threshold, so the crossing is still ahead.
        level = last.max_used_bytes as f64;
    }
    let days_from_last = (threshold - level) / slope;
    if !days_from_last.is_finite() || days_from_last > HORIZON_DAYS {
        return Forecast::NotGrowing {
            bytes_per_day: slope,
        };
    }
    let days_from_last = days_from_last.max(0.0);
    // The crossing happens during day ceil(days); at most HORIZON_DAYS, so the cast cannot wrap.
    let offset = days_from_last.ceil() as u64;
    match last.date.checked_add_days(Days::new(offset)) {
        Some(date) => Forecast::Expected {
            date,
            days_from_last,
            bytes_per_day: slope,
            window_days: window.days,
        },
        // Only at the end of chrono's calendar; there is nothing sensible to promise there.
        None => Forecast::NotGrowing {
            bytes_per_day: slope,
        },
    }
}

/// Combine per-window forecasts (shortest window first).
///
/// - Any `Expected`: the smallest `days_from_last` wins ("earlier date wins"). On an exact tie the
///   longer window is kept, as it rests on more days.
/// - Else any `NotGrowing`: report the largest slope seen, the pessimistic one, consistent with
///   "earlier wins".
/// - Else `NotEnoughHistory` of the window that lacks the fewest days (ties: the shorter window),
///   so "3 of 4 days" tells the operator the forecast starts tomorrow.
fn combine(results: Vec<Forecast>) -> Forecast {
    let mut best_expected: Option<Forecast> = None;
    let mut best_flat: Option<f64> = None;
    let mut best_missing: Option<(usize, usize)> = None;
    for r in results {
        match r {
            Forecast::Expected { days_from_last, .. } => {
                let better = match &best_expected {
                    Some(Forecast::Expected {
                        days_from_last: best,
                        ..
                    }) => days_from_last <= *best,
                    _ => true,
                };
                if better {
                    best_expected = Some(r);
                }
            }
            Forecast::NotGrowing { bytes_per_day } => {
                best_flat = Some(best_flat.map_or(bytes_per_day, |b| b.max(bytes_per_day)));
            }
            Forecast::NotEnoughHistory { days, needed } => {
                let missing = needed.saturating_sub(days);
                let better = match best_missing {
                    Some((d, n)) => missing < n.saturating_sub(d),
                    None => true,
                };
                if better {
                    best_missing = Some((days, needed));
                }
            }
            // Not produced per window; keep it if it ever is.
            Forecast::Reached { .. } => return r,
        }
    }
    if let Some(e) = best_expected {
        return e;
    }
    if let Some(bytes_per_day) = best_flat {
        return Forecast::NotGrowing { bytes_per_day };
    }
    match best_missing {
        Some((days, needed)) => Forecast::NotEnoughHistory { days, needed },
        None => Forecast::NotEnoughHistory {
            days: 0,
            needed: WINDOWS[0].min_days,
        },
    }
}

/// Median of finite values (sorts in place); None when empty.
fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mid = n / 2;
    if n % 2 == 1 {
        Some(values[mid])
    } else {
        Some((values[mid - 1] + values[mid]) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: i64 = 1024 * 1024 * 1024;
    const TIB: i64 = 1024 * GIB;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date") + chrono::Duration::days(n)
    }

    fn row(n: i64, used: i64, total: i64) -> DailyUsage {
        DailyUsage {
            date: day(n),
            max_used_bytes: used,
            total_bytes: total,
        }
    }

    /// `days` consecutive days (0..days) of linear growth on a disk of `total`.
    fn linear(days: i64, start: i64, per_day: i64, total: i64) -> Vec<DailyUsage> {
        (0..days)
            .map(|t| row(t, start + per_day * t, total))
            .collect()
    }

    fn expected(f: &Forecast) -> (NaiveDate, f64, f64, u32) {
        match f {
            Forecast::Expected {
                date,
                days_from_last,
                bytes_per_day,
                window_days,
            } => (*date, *days_from_last, *bytes_per_day, *window_days),
            other => panic!("expected Forecast::Expected, got {other:?}"),
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn ols(points: &[(f64, f64)]) -> f64 {
        let n = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
        sxy / sxx
    }

    // ---------------------------------------------------------------- theil_sen

    #[test]
    fn theil_sen_exact_line() {
        let pts = [(0.0, 0.0), (1.0, 2.0), (2.0, 4.0), (3.0, 6.0)];
        assert_eq!(theil_sen(&pts), Some(2.0));
    }

    #[test]
    fn theil_sen_odd_number_of_slopes() {
        // Slopes 2, 1.5, 1 → median 1.5.
        let pts = [(0.0, 1.0), (1.0, 3.0), (2.0, 4.0)];
        assert_eq!(theil_sen(&pts), Some(1.5));
    }

    #[test]
    fn theil_sen_even_number_of_slopes_takes_mean_of_middle_two() {
        // Slopes: 1, 2, 4/3, 3, 1.5, 0 → sorted 0, 1, 4/3, 1.5, 2, 3 → (4/3 + 1.5) / 2.
        let pts = [(0.0, 0.0), (1.0, 1.0), (2.0, 4.0), (3.0, 4.0)];
        let s = theil_sen(&pts).expect("slope");
        assert!(close(s, (4.0 / 3.0 + 1.5) / 2.0, 1e-12), "{s}");
    }

    #[test]
    fn theil_sen_ignores_an_outlier_that_least_squares_follows() {
        // y = x, except the last point is 100. Pairwise slopes: six of 1, then 25, 33, 49, 97:
        // median of ten = mean of the 5th and 6th = 1. Least squares says 20.2.
        let pts = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (4.0, 100.0)];
        assert_eq!(theil_sen(&pts), Some(1.0));
        assert!(close(ols(&pts), 20.2, 1e-9), "ols {}", ols(&pts));
    }

    #[test]
    fn theil_sen_order_does_not_matter() {
        let pts = [(3.0, 6.5), (0.0, 0.0), (2.0, 3.0), (1.0, 2.5)];
        let mut rev = pts;
        rev.reverse();
        assert_eq!(theil_sen(&pts), theil_sen(&rev));
    }

    #[test]
    fn theil_sen_degenerate_inputs() {
        assert_eq!(theil_sen(&[]), None);
        assert_eq!(theil_sen(&[(0.0, 1.0)]), None);
        // Same x: no defined slope.
        assert_eq!(theil_sen(&[(1.0, 1.0), (1.0, 5.0)]), None);
        // Non-finite points are ignored.
        assert_eq!(
            theil_sen(&[(0.0, 0.0), (f64::NAN, 3.0), (2.0, 4.0)]),
            Some(2.0)
        );
        assert_eq!(theil_sen(&[(0.0, f64::INFINITY), (1.0, 1.0)]), None);
        // A same-x pair is skipped, the others still count.
        assert_eq!(theil_sen(&[(0.0, 0.0), (0.0, 9.0), (1.0, 1.0)]), Some(-3.5));
    }

    // ---------------------------------------------------------------- limits

    #[test]
    fn limit_constants_are_the_starrocks_defaults() {
        assert_eq!(HIGH_WATERMARK.min_free_bytes, 214_748_364_800);
        assert_eq!(FLOOD_STAGE.min_free_bytes, 107_374_182_400);
        assert_eq!(HIGH_WATERMARK.used_pct, 90.0);
        assert_eq!(FLOOD_STAGE.used_pct, 95.0);
    }

    #[test]
    fn threshold_small_disk_percentage_binds() {
        // 1 TiB: 90 % = 921.6 GiB used leaves 102.4 GiB free, already under 200 GiB, so the
        // percentage is the later of the two conditions and decides.
        let t = threshold_bytes(TIB, HIGH_WATERMARK);
        assert!(close(t, 0.9 * TIB as f64, 1.0), "{t}");
        let t = threshold_bytes(TIB, FLOOD_STAGE);
        assert!(close(t, 0.95 * TIB as f64, 1.0), "{t}");
    }

    #[test]
    fn threshold_large_disk_free_bytes_bind() {
        // 10 TiB: 90 % leaves 1 TiB free, far above 200 GiB; the path is over only once fewer
        // than 200 GiB are free, i.e. above 10 240 − 200 = 10 040 GiB used (98 %).
        let t = threshold_bytes(10 * TIB, HIGH_WATERMARK);
        assert!(close(t, (10 * TIB - 200 * GIB) as f64, 1.0), "{t}");
        let t = threshold_bytes(10 * TIB, FLOOD_STAGE);
        assert!(close(t, (10 * TIB - 100 * GIB) as f64, 1.0), "{t}");
        // The two conditions meet at 2000 GiB for both defaults.
        let t = threshold_bytes(2000 * GIB, HIGH_WATERMARK);
        assert!(close(t, (1800 * GIB) as f64, 1.0), "{t}");
    }

    #[test]
    fn large_disk_at_95_percent_is_not_over_the_high_watermark() {
        // 10 TiB at 95 %: 512 GiB free, so both limits still allow tablets and loads.
        let used = 10 * TIB * 95 / 100;
        let s = linear(10, used - 9 * GIB, GIB, 10 * TIB);
        assert!(!matches!(
            forecast(&s, HIGH_WATERMARK),
            Forecast::Reached { .. }
        ));
        assert!(!matches!(
            forecast(&s, FLOOD_STAGE),
            Forecast::Reached { .. }
        ));
        // A 1 TiB disk at the same 95 % is over the high watermark.
        let small = linear(10, TIB * 95 / 100 - 9 * GIB, GIB, TIB);
        assert!(matches!(
            forecast(&small, HIGH_WATERMARK),
            Forecast::Reached { .. }
        ));
    }

    #[test]
    fn small_and_large_disk_forecasts_use_the_binding_condition() {
        // 1 TiB, 500 GiB + 10 GiB/day for 30 days → 790 GiB on the last day; threshold 921.6 GiB.
        let small = linear(30, 500 * GIB, 10 * GIB, TIB);
        let (_, d, slope, _) = expected(&forecast(&small, HIGH_WATERMARK));
        assert!(close(d, (921.6 - 790.0) / 10.0, 1e-6), "{d}");
        assert!(close(slope, (10 * GIB) as f64, 1e-3));
        // 10 TiB, 9000 GiB + 10 GiB/day → 9290 GiB; 90 % (9216 GiB) is already passed but 950 GiB
        // are free, so the crossing is at 10 040 GiB: 75 days, not "reached".
        let large = linear(30, 9000 * GIB, 10 * GIB, 10 * TIB);
        let (_, d, _, _) = expected(&forecast(&large, HIGH_WATERMARK));
        assert!(close(d, 75.0, 1e-6), "{d}");
    }

    // ---------------------------------------------------------------- each variant

    #[test]
    fn expected_on_an_exact_line() {
        let s = linear(30, 500 * GIB, 10 * GIB, TIB);
        let f = forecast(&s, HIGH_WATERMARK);
        let (date, d, slope, window) = expected(&f);
        assert!(close(d, 13.16, 1e-6), "{d}");
        // Crossed during day 14 after the last day (day 29).
        assert_eq!(date, day(29 + 14));
        assert!(close(slope, (10 * GIB) as f64, 1e-3));
        // Both windows agree exactly; the tie goes to the longer window.
        assert_eq!(window, 30);
        // The flood stage comes later on the same path.
        let (_, d2, _, _) = expected(&forecast(&s, FLOOD_STAGE));
        assert!(d2 > d);
    }

    #[test]
    fn reached_reports_the_start_of_the_current_run() {
        // 1 TiB, threshold 921.6 GiB: over on days 3, then below on day 4, over on days 5..=7.
        let used = [900, 910, 915, 930, 920, 925, 935, 940];
        let s: Vec<DailyUsage> = used
            .iter()
            .enumerate()
            .map(|(i, u)| row(i as i64, u * GIB, TIB))
            .collect();
        assert_eq!(
            forecast(&s, HIGH_WATERMARK),
            Forecast::Reached { since: day(5) }
        );
        // Not over the flood stage (972.8 GiB) yet: that one is still a forecast.
        assert!(matches!(
            forecast(&s, FLOOD_STAGE),
            Forecast::Expected { .. }
        ));
    }

    #[test]
    fn reached_with_a_single_day_of_data() {
        // "Already over" is a fact, not a forecast: no history needed.
        let s = [row(0, 1000 * GIB, TIB)];
        assert_eq!(
            forecast(&s, FLOOD_STAGE),
            Forecast::Reached { since: day(0) }
        );
    }

    #[test]
    fn flat_series_is_not_growing() {
        let s = linear(30, 600 * GIB, 0, TIB);
        assert_eq!(
            forecast(&s, HIGH_WATERMARK),
            Forecast::NotGrowing { bytes_per_day: 0.0 }
        );
    }

    #[test]
    fn shrinking_series_is_not_growing_with_the_larger_slope() {
        // Shrinking 5 GiB/day for 23 days, then 1 GiB/day for the last week: both windows say
        // "not growing"; the reported slope is the larger (less negative) one.
        let mut s = linear(24, 800 * GIB, -5 * GIB, TIB);
        let base = 800 * GIB - 5 * GIB * 23;
        for t in 24..30 {
            s.push(row(t, base - GIB * (t - 23), TIB));
        }
        match forecast(&s, HIGH_WATERMARK) {
            Forecast::NotGrowing { bytes_per_day } => {
                assert!(close(bytes_per_day, -(GIB as f64), 1e-3), "{bytes_per_day}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn three_days_is_not_enough_history() {
        let s = linear(3, 500 * GIB, 10 * GIB, TIB);
        assert_eq!(
            forecast(&s, HIGH_WATERMARK),
            Forecast::NotEnoughHistory { days: 3, needed: 4 }
        );
        assert_eq!(
            forecast(&[], HIGH_WATERMARK),
            Forecast::NotEnoughHistory { days: 0, needed: 4 }
        );
        // Four days: the 7-day window has enough.
        let s = linear(4, 500 * GIB, 10 * GIB, TIB);
        let (_, _, _, window) = expected(&forecast(&s, HIGH_WATERMARK));
        assert_eq!(window, 7);
    }

    #[test]
    fn not_enough_history_names_the_window_closest_to_enough() {
        // Six days spread over the last 30, only two of them in the last 7: the 30-day window
        // lacks one day, the 7-day window two.
        let s: Vec<DailyUsage> = [0, 5, 10, 15, 25, 29]
            .iter()
            .map(|&t| row(t, 500 * GIB + t * GIB, TIB))
            .collect();
        assert_eq!(
            forecast(&s, HIGH_WATERMARK),
            Forecast::NotEnoughHistory { days: 6, needed: 7 }
        );
        // Only days older than the 30-day window: nothing counts.
        let mut old = linear(10, 500 * GIB, GIB, TIB);
        old.push(row(60, 520 * GIB, TIB));
        assert_eq!(
            forecast(&old, HIGH_WATERMARK),
            Forecast::NotEnoughHistory { days: 1, needed: 4 }
        );
    }

    #[test]
    fn a_sparse_30_day_window_still_forecasts() {
        // Seven days over the last 30 with only one in the last week: the 7-day window is short of
        // data, the 30-day window answers.
        let s: Vec<DailyUsage> = [0, 4, 8, 12, 16, 20, 29]
            .iter()
            .map(|&t| row(t, 500 * GIB + t * 10 * GIB, TIB))
            .collect();
        let (_, d, _, window) = expected(&forecast(&s, HIGH_WATERMARK));
        assert_eq!(window, 30);
        assert!(close(d, 13.16, 1e-6), "{d}");
    }

    #[test]
    fn serializes_with_a_status_tag_and_iso_dates() {
        let f = Forecast::Expected {
            date: day(10),
            days_from_last: 2.5,
            bytes_per_day: 1.0,
            window_days: 7,
        };
        let v = serde_json::to_value(&f).expect("serialize");
        assert_eq!(
            v,
            serde_json::json!({"status": "expected", "date": "2024-01-11", "days_from_last": 2.5,
                               "bytes_per_day": 1.0, "window_days": 7})
        );
        let v = serde_json::to_value(Forecast::Reached { since: day(0) }).expect("serialize");
        assert_eq!(
            v,
            serde_json::json!({"status": "reached", "since": "2024-01-01"})
        );
        let v = serde_json::to_value(Forecast::NotEnoughHistory { days: 3, needed: 4 })
            .expect("serialize");
        assert_eq!(
            v,
            serde_json::json!({"status": "not_enough_history", "days": 3, "needed": 4})
        );
        let v =
            serde_json::to_value(Forecast::NotGrowing { bytes_per_day: 0.0 }).expect("serialize");
        assert_eq!(
            v,
            serde_json::json!({"status": "not_growing", "bytes_per_day": 0.0})
        );
        let v = serde_json::to_value(FLOOD_STAGE).expect("serialize");
        assert_eq!(v["name"], "loads_refused");
    }

    // ---------------------------------------------------------------- messy input

    #[test]
    fn gaps_do_not_change_a_linear_forecast() {
        let full = linear(30, 500 * GIB, 10 * GIB, TIB);
        let gappy: Vec<DailyUsage> = full
            .iter()
            .copied()
            .filter(|d| (d.date - day(0)).num_days() % 3 != 1)
            .collect();
        assert_eq!(
            forecast(&full, HIGH_WATERMARK),
            forecast(&gappy, HIGH_WATERMARK)
        );
    }

    #[test]
    fn duplicate_dates_keep_the_larger_reading_and_order_does_not_matter() {
        let clean_series = linear(30, 500 * GIB, 10 * GIB, TIB);
        let mut messy = Vec::new();
        for d in clean_series.iter().rev() {
            // A partial-day rerun: same date, smaller maximum; and an exact duplicate.
            messy.push(DailyUsage {
                max_used_bytes: d.max_used_bytes - 50 * GIB,
                ..*d
            });
            messy.push(*d);
            messy.push(*d);
        }
        assert_eq!(
            forecast(&clean_series, HIGH_WATERMARK),
            forecast(&messy, HIGH_WATERMARK)
        );
        // Duplicates do not count as extra days of history either.
        let three: Vec<DailyUsage> = linear(3, 500 * GIB, GIB, TIB)
            .into_iter()
            .flat_map(|d| [d, d])
            .collect();
        assert_eq!(
            forecast(&three, HIGH_WATERMARK),
            Forecast::NotEnoughHistory { days: 3, needed: 4 }
        );
    }

    #[test]
    fn failed_reads_are_dropped() {
        let mut s = linear(30, 500 * GIB, 10 * GIB, TIB);
        let reference = forecast(&s, HIGH_WATERMARK);
        // Zero or negative totals, negative used: not measurements. One even sits after the
        // last real day and must not become "now".
        s.push(row(31, 0, 0));
        s.push(row(12, -5, TIB));
        s.push(row(13, 700 * GIB, -1));
        assert_eq!(forecast(&s, HIGH_WATERMARK), reference);
        assert_eq!(
            forecast(&[row(0, 0, 0)], HIGH_WATERMARK),
            Forecast::NotEnoughHistory { days: 0, needed: 4 }
        );
    }

    #[test]
    fn the_last_days_total_is_used() {
        // The disk grew from 1 TiB to 4 TiB ten days ago. Judged by its old size it would have
        // been over; judged by today's 4 TiB the threshold is 4096 − 200 = 3896 GiB.
        let mut s = Vec::new();
        for t in 0..30 {
            let total = if t < 20 { TIB } else { 4 * TIB };
            s.push(row(t, 900 * GIB + t * 10 * GIB, total));
        }
        let (_, d, _, _) = expected(&forecast(&s, HIGH_WATERMARK));
        assert!(close(d, (3896.0 - 1190.0) / 10.0, 1e-6), "{d}");
    }

    #[test]
    fn an_acceleration_is_caught_by_the_7_day_window() {
        // 10 TiB disk, 5 GiB/day for 23 days, then 40 GiB/day for the last 6 days.
        let mut s = linear(24, 4000 * GIB, 5 * GIB, 10 * TIB);
        let base = 4000 * GIB + 5 * GIB * 23;
        for t in 24..30 {
            s.push(row(t, base + 40 * GIB * (t - 23), 10 * TIB));
        }
        let (_, d, slope, window) = expected(&forecast(&s, HIGH_WATERMARK));
        assert_eq!(window, 7);
        assert!(close(slope, (40 * GIB) as f64, 1e-3), "{slope}");
        let last = (base + 40 * GIB * 6) as f64;
        let truth = ((10 * TIB - 200 * GIB) as f64 - last) / (40 * GIB) as f64;
        assert!((d - truth).abs() / truth < 0.05, "{d} vs {truth}");
        // The 30-day window alone would have been far too late.
        let (_, d30, _, _) = expected(&forecast_with(&s, HIGH_WATERMARK, &WINDOWS[1..]));
        assert!(d30 > 2.0 * truth, "{d30} vs {truth}");
    }

    #[test]
    fn a_compaction_spike_on_the_last_day_barely_moves_the_date() {
        // 10 TiB, 5000 GiB + 20 GiB/day; the last day's maximum is 10 % high (compaction).
        let mut s = linear(30, 5000 * GIB, 20 * GIB, 10 * TIB);
        let true_last = (5000 + 20 * 29) as f64;
        if let Some(last) = s.last_mut() {
            last.max_used_bytes = last.max_used_bytes * 11 / 10;
        }
        let truth = (10040.0 - true_last) / 20.0; // 223 days
        let (_, d, slope, _) = expected(&forecast(&s, HIGH_WATERMARK));
        assert!(close(slope, (20 * GIB) as f64, 1e-3), "{slope}");
        assert!((d - truth).abs() / truth < 0.01, "{d} vs {truth}");
        // Anchoring on the last value instead would have said 195 days: 13 % early.
        let anchored = (10040.0 - true_last * 1.1) / 20.0;
        assert!((anchored - truth).abs() / truth > 0.10);
    }

    #[test]
    fn a_dropped_table_week_does_not_stop_the_forecast() {
        // Two days at −10 % (a table dropped, space refilled) inside a steady 30-day series.
        let mut s = linear(30, 5000 * GIB, 20 * GIB, 10 * TIB);
        for d in s.iter_mut().skip(10).take(2) {
            d.max_used_bytes = d.max_used_bytes * 9 / 10;
        }
        let (_, d, slope, _) = expected(&forecast(&s, HIGH_WATERMARK));
        assert!(close(slope, (20 * GIB) as f64, 1e-3), "{slope}");
        assert!(close(d, (10040.0 - 5580.0) / 20.0, 1e-6), "{d}");
    }

    #[test]
    fn a_trend_past_the_threshold_starts_from_the_last_value() {
        // Steady growth that puts the trend level just over the threshold, but the last day dipped
        // below it: the crossing is still ahead, counted from the observed last value.
        let mut s = linear(30, 800 * GIB, 4 * GIB, TIB); // trend reaches 916 GiB on day 29
        for d in s.iter_mut() {
            d.max_used_bytes += 10 * GIB; // 926 GiB > 921.6 GiB threshold
        }
        if let Some(last) = s.last_mut() {
            last.max_used_bytes = 920 * GIB;
        }
        let (date, d, _, _) = expected(&forecast(&s, HIGH_WATERMARK));
        assert!(close(d, 1.6 / 4.0, 1e-6), "{d}");
        assert_eq!(date, day(30));
    }

    #[test]
    fn growth_beyond_the_horizon_is_not_growing() {
        // 1 MiB/day on a half-empty 10 TiB disk: centuries away.
        let s = linear(30, 5 * TIB, 1024 * 1024, 10 * TIB);
        match forecast(&s, HIGH_WATERMARK) {
            Forecast::NotGrowing { bytes_per_day } => assert!(bytes_per_day > 0.0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let max = NaiveDate::MAX;
        let s: Vec<DailyUsage> = (0..10)
            .map(|i| DailyUsage {
                date: max - chrono::Duration::days(9 - i),
                max_used_bytes: 500 * GIB + i * 100 * GIB,
                total_bytes: 2 * TIB,
            })
            .collect();
        // The crossing date does not exist in chrono's calendar: no promise, no panic.
        assert!(matches!(
            forecast(&s, HIGH_WATERMARK),
            Forecast::NotGrowing { .. }
        ));
        let huge = [
            DailyUsage {
                date: NaiveDate::MIN,
                max_used_bytes: 0,
                total_bytes: i64::MAX,
            },
            DailyUsage {
                date: max,
                max_used_bytes: i64::MAX,
                total_bytes: i64::MAX,
            },
            row(0, i64::MAX, 1),
        ];
        let _ = forecast(&huge, HIGH_WATERMARK);
        let _ = forecast(&huge, FLOOD_STAGE);
        let _ = theil_sen(&[(f64::MAX, f64::MAX), (-f64::MAX, -f64::MAX), (0.0, 0.0)]);
    }

    // ---------------------------------------------------------------- synthetic accuracy

    /// splitmix64: tiny, deterministic, good enough for test data.
    struct Rng(u64);
    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }
        fn range(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.unit()
        }
        fn int(&mut self, lo: i64, hi_inclusive: i64) -> i64 {
            lo + (self.next_u64() % (hi_inclusive - lo + 1) as u64) as i64
        }
        fn chance(&mut self, p: f64) -> bool {
            self.unit() < p
        }
    }

    #[derive(Debug, Clone, Copy)]
    struct Noise {
        /// ± fraction applied to each day's growth (load volume varies day to day; it accumulates).
        growth: f64,
        /// ± fraction applied to each day's level (compaction temp files, trash; does not
        /// accumulate).
        level: f64,
        /// Share of series with one spike episode: 1–3 days at ±`spike_size` of the level
        /// (a big compaction, or a dropped table until the space is refilled).
        spike_share: f64,
        spike_size: f64,
    }

    /// The regime the targets are asserted on. Uniform noise: ±50 % of the day's growth (busy and
    /// quiet days) and ±1 % of the level (about ±50 GiB on a half-full 10 TiB path, more than a
    /// typical day's growth), plus ±10 % spike episodes in 15 % of series.
    const MAIN: Noise = Noise {
        growth: 0.5,
        level: 0.01,
        spike_share: 0.15,
        spike_size: 0.10,
    };

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Shape {
        Steady,
        Accelerates,
        Decelerates,
    }

    struct Case {
        series: Vec<DailyUsage>,
        limit: Limit,
        truth_days: f64,
        shape: Shape,
    }

    /// One synthetic path with known truth: the noiseless model crosses the limit exactly
    /// `truth_days` after the last day, at its final growth rate.
    fn synth(rng: &mut Rng, noise: Noise) -> Case {
        let total = (rng.range(1.0, 20.0) * TIB as f64) as i64;
        let limit = if rng.chance(0.5) {
            HIGH_WATERMARK
        } else {
            FLOOD_STAGE
        };
        let threshold = threshold_bytes(total, limit);
        // History: mostly the 30 days of daily rollups the store keeps, some young paths
        // (10–29 days), some longer series (the windows must cut them).
        let h = match rng.unit() {
            u if u < 0.6 => 30,
            u if u < 0.9 => rng.int(10, 29),
            _ => 60,
        };
        let start = rng.range(0.2, 0.8) * total as f64;
        let truth_days = rng.range(5.0, 300.0);
        // 65 % steady, 25 % accelerate and 10 % slow down, k = 1–10 days before the last day.
        let shape = match rng.unit() {
            u if u < 0.65 => Shape::Steady,
            u if u < 0.90 => Shape::Accelerates,
            _ => Shape::Decelerates,
        };
        let (k, r) = match shape {
            Shape::Steady => (0, 1.0),
            Shape::Accelerates => (rng.int(1, 10), rng.range(1.5, 4.0)),
            Shape::Decelerates => (rng.int(1, 10), rng.range(0.25, 0.67)),
        };
        // Growth g1 until k days before the last day, then g2 = r·g1; chosen so that
        // start + g1·(h−1−k) + g2·k + g2·truth_days = threshold.
        let before = (h - 1 - k) as f64;
        let g1 = (threshold - start) / (before + r * (k as f64 + truth_days));
        let g2 = r * g1;

        let mut level = start;
        let mut ys = Vec::with_capacity(h as usize);
        for t in 0..h {
            if t > 0 {
                let g = if t > h - 1 - k { g2 } else { g1 };
                level += g * (1.0 + rng.range(-noise.growth, noise.growth));
            }
            ys.push(level * (1.0 + rng.range(-noise.level, noise.level)));
        }
        if rng.chance(noise.spike_share) {
            let len = rng.int(1, 3);
            let at = rng.int(0, h - 1);
            let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
            for y in ys.iter_mut().skip(at as usize).take(len as usize) {
                *y *= 1.0 + sign * noise.spike_size;
            }
        }

        let mut series: Vec<DailyUsage> = Vec::new();
        let gappy = rng.chance(0.2);
        let resized = rng.chance(0.05);
        for (t, y) in ys.iter().enumerate() {
            let t = t as i64;
            // Gaps (collector down), but keep the last day: it defines "now" and the truth.
            if gappy && t < h - 1 && rng.chance(0.15) {
                continue;
            }
            // A disk resized 10 days ago: older rows report a smaller total.
            let tot = if resized && t < h - 10 {
                total - total / 5
            } else {
                total
            };
            series.push(row(t, *y as i64, tot));
            // A rerun rollup of a partial day: a duplicate date with a smaller maximum.
            if rng.chance(0.05) {
                series.push(row(t, (*y * 0.97) as i64, tot));
            }
        }
        if rng.chance(0.3) {
            series.reverse();
        }
        Case {
            series,
            limit,
            truth_days,
            shape,
        }
    }

    #[derive(Debug, Default)]
    struct Stats {
        /// Forecasts scored (NotEnoughHistory is an honest non-answer and is not scored).
        n: usize,
        median: f64,
        p90: f64,
        late_share: f64,
        not_growing: usize,
        reached: usize,
        no_history: usize,
    }

    /// Nearest-rank quantile of sorted values.
    fn quantile(sorted: &[f64], q: f64) -> f64 {
        let idx = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[idx]
    }

    /// Score `n` synthetic cases (of one shape, or all). Relative error =
    /// |days_from_last − truth| / truth. NotGrowing counts as infinitely late, Reached as 0 days.
    fn evaluate(
        seed: u64,
        n: usize,
        noise: Noise,
        only: Option<Shape>,
        windows: &[Window],
    ) -> Stats {
        let mut rng = Rng(seed);
        let mut errors = Vec::with_capacity(n);
        let mut late = 0usize;
        let mut st = Stats::default();
        let mut made = 0;
        while made < n {
            let case = synth(&mut rng, noise);
            if only.is_some_and(|s| s != case.shape) {
                continue;
            }
            made += 1;
            let predicted = match forecast_with(&case.series, case.limit, windows) {
                Forecast::Expected { days_from_last, .. } => days_from_last,
                Forecast::Reached { .. } => {
                    st.reached += 1;
                    0.0
                }
                Forecast::NotGrowing { .. } => {
                    st.not_growing += 1;
                    f64::INFINITY
                }
                Forecast::NotEnoughHistory { .. } => {
                    st.no_history += 1;
                    continue;
                }
            };
            if predicted > 1.5 * case.truth_days {
                late += 1;
            }
            errors.push((predicted - case.truth_days).abs() / case.truth_days);
        }
        errors.sort_by(f64::total_cmp);
        st.n = errors.len();
        if st.n > 0 {
            st.median = quantile(&errors, 0.5);
            st.p90 = quantile(&errors, 0.9);
            st.late_share = late as f64 / st.n as f64;
        }
        st
    }

    fn report(label: &str, s: &Stats) {
        eprintln!(
            "forecast accuracy {label}: n={} median={:.3} p90={:.3} later_than_1.5x={:.3} \
             (not_growing={} reached={} not_enough_history={})",
            s.n, s.median, s.p90, s.late_share, s.not_growing, s.reached, s.no_history
        );
    }

    #[test]
    fn accuracy_on_synthetic_series_meets_the_targets() {
        const N: usize = 2000;
        let all = evaluate(0x5EED_F0CA, N, MAIN, None, &WINDOWS);
        report("all shapes", &all);
        for shape in [Shape::Steady, Shape::Accelerates, Shape::Decelerates] {
            let s = evaluate(0x5EED_F0CA, N / 2, MAIN, Some(shape), &WINDOWS);
            report(&format!("{shape:?} only"), &s);
        }
        // With ≥ 10 days of history nearly every path gets an answer.
        assert!(all.n >= 1000 && all.no_history * 100 <= N, "{all:?}");
        assert!(all.median <= 0.30, "median relative error {}", all.median);
        assert!(all.p90 <= 0.70, "p90 relative error {}", all.p90);
        assert!(
            all.late_share <= 0.10,
            "share later than 1.5x {}",
            all.late_share
        );
    }

    #[test]
    fn earlier_wins_is_what_catches_accelerations() {
        // On accelerating paths the 30-day window alone is late most of the time; adding the
        // 7-day window with "earlier wins" is what brings the late share down.
        let both = evaluate(7, 1000, MAIN, Some(Shape::Accelerates), &WINDOWS);
        let long_only = evaluate(7, 1000, MAIN, Some(Shape::Accelerates), &WINDOWS[1..]);
        report("accelerating, 7+30 days", &both);
        report("accelerating, 30 days only", &long_only);
        assert!(long_only.late_share > 0.5, "{long_only:?}");
        assert!(both.late_share < long_only.late_share / 2.0, "{both:?}");
        // On steady paths the shorter window costs little.
        let steady = evaluate(7, 1000, MAIN, Some(Shape::Steady), &WINDOWS);
        report("steady, 7+30 days", &steady);
        assert!(
            steady.median <= 0.15 && steady.late_share <= 0.02,
            "{steady:?}"
        );
    }

    #[test]
    fn accuracy_is_deterministic() {
        let a = evaluate(99, 200, MAIN, None, &WINDOWS);
        let b = evaluate(99, 200, MAIN, None, &WINDOWS);
        assert_eq!((a.n, a.median, a.p90), (b.n, b.median, b.p90));
    }

    #[test]
    #[ignore = "exploration: prints accuracy over a grid of noise levels (cargo test -- --ignored --nocapture)"]
    fn accuracy_noise_sweep() {
        for growth in [0.05, 0.5, 1.0] {
            for level in [0.0, 0.005, 0.01, 0.015, 0.02, 0.05] {
                let noise = Noise {
                    growth,
                    level,
                    ..MAIN
                };
                let s = evaluate(42, 2000, noise, None, &WINDOWS);
                report(&format!("growth ±{growth} level ±{level}"), &s);
            }
        }
    }
}
