//! Brute-force protection for `POST /api/v1/auth/login`: failed logins are counted per user
//! name and per client address in fixed windows; past the limit, logins are refused until the
//! window ends (never for good), whatever the password. Memory is bounded: each map holds at
//! most [`MAX_KEYS`] entries, expired ones are dropped first, then the oldest.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::ServerConfig;

/// Entries per map: a few hundred kilobytes at most.
pub const MAX_KEYS: usize = 10_000;
/// User names longer than any valid one (64 characters) are counted under their first 65, so
/// that a megabyte of name costs no more memory than a real one.
const NAME_KEY_CHARS: usize = 65;

pub struct LoginThrottle {
    per_user: Mutex<Windows<String>>,
    per_addr: Mutex<Windows<IpAddr>>,
}

impl LoginThrottle {
    pub fn new(c: &ServerConfig) -> LoginThrottle {
        LoginThrottle {
            per_user: Mutex::new(Windows::new(c.login_failures_per_user, c.login_window())),
            per_addr: Mutex::new(Windows::new(c.login_failures_per_address, c.login_window())),
        }
    }

    /// `Err(wait)` while the user name or the address has used up its failures.
    pub fn check(&self, user: &str, addr: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let by_user = lock(&self.per_user).blocked(&user_key(user), now);
        let by_addr = addr.and_then(|a| lock(&self.per_addr).blocked(&a, now));
        match by_user.max(by_addr) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn failed(&self, user: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        lock(&self.per_user).fail(user_key(user), now);
        if let Some(a) = addr {
            lock(&self.per_addr).fail(a, now);
        }
    }

    /// The user's count starts again; the address's does not, or one account the attacker
    /// owns would reset the count between guesses at others.
    pub fn succeeded(&self, user: &str) {
        lock(&self.per_user).map.remove(&user_key(user));
    }
}

/// The counts stay usable after a panic elsewhere: they are plain numbers, never half-written.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn user_key(user: &str) -> String {
    user.chars().take(NAME_KEY_CHARS).collect()
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// Failure counts per key, each in a window that starts with its first failure.
struct Windows<K> {
    map: HashMap<K, Window>,
    max_failures: u32,
    window: Duration,
    cap: usize,
}

impl<K: Hash + Eq + Clone> Windows<K> {
    fn new(max_failures: u32, window: Duration) -> Windows<K> {
        Windows {
            map: HashMap::new(),
            max_failures: max_failures.max(1),
            window,
            cap: MAX_KEYS,
        }
    }

    fn live(&self, w: &Window, now: Instant) -> bool {
        now.saturating_duration_since(w.start) < self.window
    }

    /// How long `key` stays refused, if it is.
    fn blocked(&self, key: &K, now: Instant) -> Option<Duration> {
        let w = self.map.get(key)?;
        (self.live(w, now) && w.failures >= self.max_failures)
            .then(|| (w.start + self.window).saturating_duration_since(now))
    }

    fn fail(&mut self, key: K, now: Instant) {
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            let window = self.window;
            self.map
                .retain(|_, w| now.saturating_duration_since(w.start) < window);
            if self.map.len() >= self.cap {
                let oldest = self.map.iter().min_by_key(|(_, w)| w.start);
                if let Some(k) = oldest.map(|(k, _)| k.clone()) {
                    self.map.remove(&k);
                }
            }
        }
        let live = self.map.get(&key).is_some_and(|w| self.live(w, now));
        let w = self.map.entry(key).or_insert(Window {
            start: now,
            failures: 0,
        });
        if !live {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_after_the_limit_until_the_window_ends() {
        let t0 = Instant::now();
        let mut w = Windows::new(3, Duration::from_secs(60));
        for i in 0..3 {
            assert_eq!(w.blocked(&"alice", t0), None, "after {i} failures");
            w.fail("alice", t0 + Duration::from_secs(i));
        }
        assert_eq!(w.blocked(&"alice", t0), Some(Duration::from_secs(60)));
        assert_eq!(w.blocked(&"bob", t0), None, "other names are not affected");
        let later = t0 + Duration::from_secs(59);
        assert_eq!(w.blocked(&"alice", later), Some(Duration::from_secs(1)));
        // Not locked out for good: the window ends and a new one starts with a new failure.
        let after = t0 + Duration::from_secs(60);
        assert_eq!(w.blocked(&"alice", after), None);
        w.fail("alice", after);
        assert_eq!(w.blocked(&"alice", after), None);
    }

    #[test]
    fn the_maps_stay_bounded() {
        let t0 = Instant::now();
        let mut w = Windows::new(1, Duration::from_secs(60));
        w.cap = 100;
        for i in 0..1_000u32 {
            w.fail(i, t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(w.map.len(), 100);
        // The newest keys are kept, the oldest went first.
        assert!(w.blocked(&999, t0 + Duration::from_secs(1)).is_some());
        assert!(w.blocked(&0, t0 + Duration::from_secs(1)).is_none());
    }

    #[test]
    fn huge_names_are_counted_under_a_bounded_key() {
        let t = LoginThrottle::new(&ServerConfig {
            login_failures_per_user: 1,
            ..ServerConfig::default()
        });
        let long = "x".repeat(1_000_000);
        t.failed(&long, None);
        assert!(t.check(&long, None).is_err());
        assert!(lock(&t.per_user)
            .map
            .keys()
            .all(|k| k.len() <= NAME_KEY_CHARS));
    }
}
