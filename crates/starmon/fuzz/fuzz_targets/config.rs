//! The config loader (`Config::from_toml`: defaults, the TOML text, validation) over arbitrary
//! files. A config it accepts must be one the rest of starmon can run with, so besides "no
//! panic" this checks the arithmetic its consumers do with the accepted values: intervals and
//! `for` durations in milliseconds as i64 (collector, alert engine), the cycle budget added to
//! an `Instant`, the collection concurrency as a tokio semaphore's permits, the time zone.

#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use starmon::config::Config;

/// tokio::sync::Semaphore::MAX_PERMITS (`usize::MAX >> 3`); `Semaphore::new` panics above it.
const MAX_PERMITS: usize = usize::MAX >> 3;

fn ms_fits_i64(secs: u64) -> bool {
    i64::try_from(secs)
        .ok()
        .and_then(|s| s.checked_mul(1000))
        .is_some()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(config) = Config::from_toml(&text) else {
        return;
    };
    let c = &config.collector;
    for secs in [c.interval_secs, c.jobs_interval_secs, c.size_interval_secs] {
        assert!(ms_fits_i64(secs), "interval {secs} s");
    }
    // ClusterCollector::cycle_budget: 80 % of the interval from now.
    let budget = c.interval().mul_f64(0.8);
    assert!(Instant::now().checked_add(budget).is_some(), "{budget:?}");
    for timeout in [c.connect_timeout(), c.sql_timeout(), c.http_timeout()] {
        assert!(Instant::now().checked_add(timeout).is_some(), "{timeout:?}");
    }
    assert!(
        (1..=MAX_PERMITS).contains(&c.concurrency),
        "{}",
        c.concurrency
    );
    assert!(config.auth.session_lifetime() > Duration::ZERO);
    for (id, rule) in &config.alerts.rules {
        if let Some(secs) = rule.for_secs {
            assert!(ms_fits_i64(secs), "alerts.rules.{id}.for_secs = {secs}");
        }
    }
    assert!(config.tz().is_ok());
});
