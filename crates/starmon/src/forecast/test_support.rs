//! Fixtures shared by the forecast tests: dates, rows, series and tolerances.

use chrono::NaiveDate;

use super::{DailyUsage, Forecast};

pub(super) const GIB: i64 = 1024 * 1024 * 1024;
pub(super) const TIB: i64 = 1024 * GIB;

pub(super) fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date") + chrono::Duration::days(n)
}

pub(super) fn row(n: i64, used: i64, total: i64) -> DailyUsage {
    DailyUsage {
        date: day(n),
        max_used_bytes: used,
        total_bytes: total,
    }
}

/// `days` consecutive days (0..days) of linear growth on a disk of `total`.
pub(super) fn linear(days: i64, start: i64, per_day: i64, total: i64) -> Vec<DailyUsage> {
    (0..days)
        .map(|t| row(t, start + per_day * t, total))
        .collect()
}

pub(super) fn expected(f: &Forecast) -> (NaiveDate, f64, f64, u32) {
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

pub(super) fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

pub(super) fn ols(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}
