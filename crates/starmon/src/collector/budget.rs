//! How one collection's time is shared among its remote calls.
//!
//! A collection must end within its cycle budget whatever the cluster does. A single call may not
//! take the whole budget: a stalled FE would then cost the cycle instead of only its own fields.
//! So each statement or connection attempt gets at most a quarter of the budget (time left to
//! fail over to another FE and to read the rest), at most its configured timeout, and never more
//! than what is left; the concurrent `/metrics` scrapes get what is left less a reserve for the
//! statements that follow them.

use std::time::{Duration, Instant};

/// Below this, a call is not started at all: it could only time out.
const MIN_CALL: Duration = Duration::from_millis(20);

/// The time of one collection (or one overview request).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    total: Duration,
    deadline: Instant,
}

impl Budget {
    pub fn new(total: Duration) -> Budget {
        Budget {
            total,
            deadline: Instant::now() + total,
        }
    }

    pub fn total(&self) -> Duration {
        self.total
    }

    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The limit for one statement or connection attempt configured at `configured`; None when
    /// the budget is spent.
    pub fn call(&self, configured: Duration) -> Option<Duration> {
        let limit = configured.min(self.total / 4).min(self.remaining());
        (limit >= MIN_CALL).then_some(limit)
    }

    /// The limit for the scrapes of every node's `/metrics` (they run at once), leaving a tenth of
    /// the budget for the statements after them.
    pub fn scrape(&self, configured: Duration) -> Option<Duration> {
        let limit = configured.min(self.remaining().saturating_sub(self.total / 10));
        (limit >= MIN_CALL).then_some(limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_fits_a_short_interval_and_keeps_its_own_limit_in_a_long_one() {
        // 5 s interval: the budget is 4 s, so a 5 s statement timeout would eat the cycle.
        let short = Budget::new(Duration::from_secs(4));
        let c = short.call(Duration::from_secs(5)).expect("time left");
        assert!(c <= Duration::from_secs(1), "{c:?}");
        assert!(c >= Duration::from_millis(900), "{c:?}");
        // 30 s interval: the configured 5 s stands.
        let long = Budget::new(Duration::from_secs(24));
        assert_eq!(
            long.call(Duration::from_secs(5)),
            Some(Duration::from_secs(5))
        );
        // Scrapes keep a tenth of the budget for what follows them.
        let s = long.scrape(Duration::from_secs(60)).expect("time left");
        assert!(s <= Duration::from_millis(21_600), "{s:?}");
        assert!(s >= Duration::from_secs(21), "{s:?}");
    }

    #[test]
    fn a_spent_budget_starts_nothing() {
        let spent = Budget::new(Duration::ZERO);
        assert_eq!(spent.call(Duration::from_secs(5)), None);
        assert_eq!(spent.scrape(Duration::from_secs(5)), None);
        assert_eq!(spent.remaining(), Duration::ZERO);
    }
}
