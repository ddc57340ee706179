//! The per-channel delivery queues: one ordered queue and worker task per channel, retries with
//! backoff, the in-flight bound and the `max_pending` cap.
//!
//! `send` appends one delivery per channel to that channel's queue and returns; a task per
//! non-empty queue delivers in order (so a channel sees "resolved" after "firing"), retrying 5xx,
//! 429, timeouts and connection errors with the configured backoff. Other channels are not held up
//! by a dead one. The semaphore bounding the requests in flight is held for one attempt only,
//! never while sleeping between retries. Everything queued or being retried counts against
//! `max_pending`: past it new deliveries are dropped and counted, so a receiver that is down for
//! days costs bounded memory.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use secrecy::ExposeSecret;
use tracing::{debug, info, warn, Instrument};

use super::webhook::redact_url;
use super::{Attempt, Channel, Notification, Notifier};

/// One notification for one channel, waiting in that channel's queue.
pub(super) struct Delivery {
    pub(super) channel: Channel,
    pub(super) notification: Arc<Notification>,
}

impl Notifier {
    pub(super) fn enqueue(&self, d: Delivery) {
        let inner = &self.inner;
        let handle = match tokio::runtime::Handle::try_current() {
            Ok(h) => h,
            Err(_) => match &inner.runtime {
                Some(h) => h.clone(),
                None => {
                    inner.dropped.fetch_add(1, Ordering::Relaxed);
                    warn!(channel = %d.channel.name, "no async runtime to deliver on; notification dropped");
                    return;
                }
            },
        };
        let id = d.channel.id;
        let mut queues = lock(&inner.queues);
        if inner.pending.load(Ordering::Relaxed) >= inner.cfg.max_pending as u64 {
            let dropped = inner.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // One line per thousand: a receiver down for days must not flood the log too.
            if dropped % 1000 == 1 {
                warn!(
                    channel = %d.channel.name,
                    max_pending = inner.cfg.max_pending,
                    dropped_total = dropped,
                    "notification queue full; dropping notifications"
                );
            }
            return;
        }
        inner.pending.fetch_add(1, Ordering::Relaxed);
        match queues.get_mut(&id) {
            Some(q) => q.push_back(d),
            None => {
                queues.insert(id, VecDeque::from([d]));
                let me = self.clone();
                let worker = async move { me.drain(id).await };
                match &inner.cfg.tasks {
                    Some(tasks) => drop(tasks.spawn_on(worker, &handle)),
                    None => drop(handle.spawn(worker)),
                }
            }
        }
    }

    /// The worker of one channel: delivers its queue in order until it is empty.
    async fn drain(self, channel_id: i64) {
        loop {
            let next = {
                let mut queues = lock(&self.inner.queues);
                match queues.get_mut(&channel_id).and_then(VecDeque::pop_front) {
                    Some(d) => d,
                    None => {
                        queues.remove(&channel_id);
                        return;
                    }
                }
            };
            let span = tracing::info_span!(
                "notify",
                channel = %next.channel.name,
                kind = next.channel.kind.as_str(),
                alert_id = next.notification.alert_id,
                status = ?next.notification.status,
            );
            let ok = self
                .deliver_with_retries(&next.channel, &next.notification)
                .instrument(span)
                .await;
            let counter = if ok {
                &self.inner.delivered
            } else {
                &self.inner.failed
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let left = {
                let _queues = lock(&self.inner.queues);
                self.inner.pending.fetch_sub(1, Ordering::Relaxed) - 1
            };
            if left == 0 {
                self.inner.idle.notify_waiters();
            }
        }
    }

    async fn deliver_with_retries(&self, ch: &Channel, n: &Notification) -> bool {
        let delays = &self.inner.cfg.retry_delays;
        for attempt in 0..=delays.len() {
            let outcome = {
                // Closed never: the semaphore lives as long as `inner`.
                let _permit = self.inner.in_flight.acquire().await;
                self.inner.attempts.fetch_add(1, Ordering::Relaxed);
                self.attempt(ch, n).await
            };
            match outcome {
                Attempt::Delivered => {
                    debug!(attempt = attempt + 1, "delivered");
                    return true;
                }
                Attempt::Fatal(e) => {
                    warn!(target_url = %redact_url(ch.url.expose_secret()), error = %e, "notification not delivered; not retrying");
                    return false;
                }
                Attempt::Retry(e, at_least) => match delays.get(attempt) {
                    Some(delay) => {
                        let wait = at_least.map_or(*delay, |a| a.max(*delay));
                        info!(attempt = attempt + 1, error = %e, retry_in_ms = wait.as_millis() as u64, "notification attempt failed");
                        tokio::time::sleep(wait).await;
                    }
                    None => {
                        warn!(target_url = %redact_url(ch.url.expose_secret()), attempts = attempt + 1, error = %e, "notification not delivered after all retries");
                        return false;
                    }
                },
            }
        }
        false
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded maps stay consistent even if a holder panicked: every change is one call.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
