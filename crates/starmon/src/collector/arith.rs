//! Snapshot arithmetic: counter increases with reset detection, rates, combined latency
//! quantiles, CPU from jiffies. Plain functions over plain data (docs/design.md "Metric semantics").

use std::collections::HashMap;

/// Increase of a monotonic counter between two readings of the same process. A reading lower than
/// the previous one means the process restarted and counted from zero again, so the whole current
/// value is the increase (FE restart, BE restart, a non-leader FE reporting 0 after a leader move).
pub fn increase(prev: f64, cur: f64) -> f64 {
    if cur >= prev {
        cur - prev
    } else {
        cur
    }
}

/// Counter readings of one process at one time, keyed by counter name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// What identifies the running process (the FE's `StartTime`, the BE's `LastStartTime`): when
    /// it changes, the process restarted and counted from zero, even if its value is higher now.
    pub epoch: Option<String>,
    pub values: HashMap<&'static str, f64>,
}

impl Reading {
    fn restarted_since(&self, prev: Option<&Reading>) -> bool {
        match (prev.and_then(|p| p.epoch.as_deref()), self.epoch.as_deref()) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        }
    }
}

/// Σ over processes of the increase of `counter`, known only when every process in `cur` has
/// one: a process without a baseline makes the sum unknown rather than short.
pub fn sum_increase_all(
    prev: &HashMap<String, Reading>,
    cur: &HashMap<String, Reading>,
    counter: &str,
) -> Option<f64> {
    if cur.is_empty() {
        return None;
    }
    cur.iter()
        .map(|(id, now)| one_increase(prev.get(id), now, counter))
        .sum()
}

/// Increase of one process's counter since its previous reading.
pub fn one_increase(prev: Option<&Reading>, cur: &Reading, counter: &str) -> Option<f64> {
    let c = *cur.values.get(counter)?;
    let p = *prev?.values.get(counter)?;
    if cur.restarted_since(prev) {
        return Some(c);
    }
    Some(increase(p, c))
}

/// Combines per-FE quantiles into one figure, weighting each FE by the queries it served in the
/// interval. With no weights known (first sample) or all zero, the plain mean of the FEs that
/// report. `None` when no FE reports.
pub fn weighted_quantile(per_fe: &[(f64, Option<f64>)]) -> Option<f64> {
    if per_fe.is_empty() {
        return None;
    }
    let weight: f64 = per_fe
        .iter()
        .filter_map(|(_, w)| *w)
        .filter(|w| *w > 0.0)
        .sum();
    if weight > 0.0 {
        let sum: f64 = per_fe
            .iter()
            .map(|(q, w)| q * w.unwrap_or(0.0).max(0.0))
            .sum();
        Some(sum / weight)
    } else {
        Some(per_fe.iter().map(|(q, _)| q).sum::<f64>() / per_fe.len() as f64)
    }
}

/// CPU busy percent of one host between two jiffy readings: `1 − Δidle / Δtotal`. `None` when the
/// readings are not comparable (a counter went backwards, or no time passed).
pub fn cpu_busy_pct(prev_idle: f64, prev_total: f64, idle: f64, total: f64) -> Option<f64> {
    let d_total = total - prev_total;
    let d_idle = idle - prev_idle;
    if d_total <= 0.0 || d_idle < 0.0 || d_idle > d_total {
        return None;
    }
    Some((1.0 - d_idle / d_total) * 100.0)
}

pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

pub fn rate(increase: Option<f64>, interval_secs: Option<f64>) -> Option<f64> {
    match (increase, interval_secs) {
        (Some(i), Some(s)) if s > 0.0 => Some(i / s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(epoch: Option<&str>, pairs: &[(&'static str, f64)]) -> Reading {
        Reading {
            epoch: epoch.map(String::from),
            values: pairs.iter().copied().collect(),
        }
    }

    fn map(entries: Vec<(&str, Reading)>) -> HashMap<String, Reading> {
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    #[test]
    fn increases_are_summed_over_fes_and_a_restart_counts_from_zero() {
        let prev = map(vec![
            ("fe1", reading(Some("t0"), &[("q", 1000.0)])),
            ("fe2", reading(Some("t0"), &[("q", 5000.0)])),
        ]);
        // fe2 restarted: its counter fell to 40, so 40 queries are new, not -4960.
        let cur = map(vec![
            ("fe1", reading(Some("t0"), &[("q", 1300.0)])),
            ("fe2", reading(Some("t0"), &[("q", 40.0)])),
        ]);
        assert_eq!(sum_increase_all(&prev, &cur, "q"), Some(340.0));
    }

    #[test]
    fn a_restart_seen_by_its_start_time_counts_everything_even_if_higher() {
        // Started again (new StartTime) and already past the old value.
        let prev = map(vec![("fe1", reading(Some("t0"), &[("q", 100.0)]))]);
        let cur = map(vec![("fe1", reading(Some("t1"), &[("q", 250.0)]))]);
        assert_eq!(sum_increase_all(&prev, &cur, "q"), Some(250.0));
    }

    #[test]
    fn an_fe_without_history_makes_the_sum_unknown_not_short() {
        let prev = map(vec![("fe1", reading(Some("t0"), &[("q", 100.0)]))]);
        let one = map(vec![("fe1", reading(Some("t0"), &[("q", 110.0)]))]);
        assert_eq!(sum_increase_all(&prev, &one, "q"), Some(10.0));
        // fe9 has no baseline: 10 would undercount the cluster, so the sum is unknown.
        let cur = map(vec![
            ("fe1", reading(Some("t0"), &[("q", 110.0)])),
            ("fe9", reading(Some("t0"), &[("q", 999.0)])),
        ]);
        assert_eq!(sum_increase_all(&prev, &cur, "q"), None);
        assert_eq!(sum_increase_all(&HashMap::new(), &cur, "q"), None);
        assert_eq!(sum_increase_all(&prev, &one, "missing"), None);
        assert_eq!(sum_increase_all(&prev, &HashMap::new(), "q"), None);
    }

    #[test]
    fn leader_move_keeps_transactions_continuous() {
        // is_leader versions: the old leader reports 0, the new one counts from its own 0.
        let prev = map(vec![
            ("fe1", reading(Some("t0"), &[("txn", 5000.0)])),
            ("fe2", reading(Some("t0"), &[("txn", 0.0)])),
        ]);
        let cur = map(vec![
            ("fe1", reading(Some("t0"), &[("txn", 0.0)])),
            ("fe2", reading(Some("t0"), &[("txn", 60.0)])),
        ]);
        assert_eq!(sum_increase_all(&prev, &cur, "txn"), Some(60.0));
    }

    #[test]
    fn quantiles_are_weighted_by_queries() {
        assert_eq!(
            weighted_quantile(&[(100.0, Some(300.0)), (400.0, Some(100.0))]),
            Some(175.0)
        );
        assert_eq!(
            weighted_quantile(&[(100.0, None), (300.0, None)]),
            Some(200.0)
        );
        assert_eq!(
            weighted_quantile(&[(100.0, Some(0.0)), (300.0, Some(0.0))]),
            Some(200.0)
        );
        assert_eq!(weighted_quantile(&[]), None);
    }

    #[test]
    fn cpu_from_jiffies() {
        assert_eq!(cpu_busy_pct(1000.0, 2000.0, 1600.0, 3000.0), Some(40.0));
        assert_eq!(
            cpu_busy_pct(1000.0, 2000.0, 1000.0, 2000.0),
            None,
            "no time passed"
        );
        assert_eq!(
            cpu_busy_pct(1000.0, 2000.0, 900.0, 3000.0),
            None,
            "counter went backwards"
        );
    }

    #[test]
    fn rates_need_a_positive_interval() {
        assert_eq!(rate(Some(300.0), Some(30.0)), Some(10.0));
        assert_eq!(rate(Some(300.0), None), None);
        assert_eq!(rate(None, Some(30.0)), None);
        assert_eq!(rate(Some(1.0), Some(0.0)), None);
    }
}
