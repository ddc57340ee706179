//! The background collector: one task per registered cluster, collections bounded in time and
//! in concurrency, results written to the store; plus the periodic rollup and retention task.

pub mod arith;
pub mod budget;
pub mod check;
pub mod collect;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn, Instrument};

use crate::config::Config;
pub use crate::model::Collected;
use crate::model::{ClusterRecord, CollectionStatus, Outcome, SourceError};
use crate::starrocks::client::Http;
use crate::store::Store;
use crate::telemetry::Telemetry;
pub use check::{check_connection, ConnectionCheck, NodeCheck};
pub use collect::{ClusterCollector, LiveDetails, Target};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Clusters added, edited or removed while running (e.g. over the API): the collector restarts
/// their tasks at once instead of at its next periodic look.
#[derive(Default)]
pub struct Changes {
    ids: Mutex<HashSet<i64>>,
    notify: Notify,
}

impl Changes {
    pub fn cluster_changed(&self, id: i64) {
        self.ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        self.notify.notify_one();
    }

    fn take(&self) -> HashSet<i64> {
        std::mem::take(&mut *self.ids.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Where in the interval a cluster's collections fall: spread by its id (the golden ratio's
/// fractional steps fill the interval evenly whatever the number of clusters).
fn stagger(cluster_id: i64, interval: Duration) -> Duration {
    let fraction = (cluster_id.unsigned_abs() as f64 * 0.618_033_988_75).fract();
    interval.mul_f64(fraction)
}

/// Collects one cluster forever (until `cancel`), one collection per interval.
/// What every cluster task shares.
#[derive(Clone)]
struct Shared {
    store: Arc<dyn Store>,
    config: Arc<Config>,
    /// Bounds the collections running at once.
    limiter: Arc<Semaphore>,
    http: Http,
    telemetry: Arc<Telemetry>,
    alerting: Arc<crate::alerts::Alerting>,
}

async fn cluster_loop(record: ClusterRecord, shared: Shared, cancel: CancellationToken) {
    let Shared {
        store,
        config,
        limiter,
        http,
        telemetry,
        alerting,
    } = shared;
    // The first collection at once; the next ones at this cluster's own phase of the interval,
    // so that many clusters do not all collect at the same instant (an even load on starmon,
    // its database and the API's latency instead of a burst every interval).
    let interval = config.collector.interval();
    let phase = stagger(record.id, interval);
    // The second collection half an interval to one and a half after the first: never so soon
    // that the first rates cover a few seconds, and every interval-long window has one.
    let second = if phase >= interval / 2 {
        phase
    } else {
        interval + phase
    };
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + second, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A collection keeps to its own budget (80 % of the interval); this is the backstop for one
    // that does not, well before the next tick.
    let backstop = interval.mul_f64(0.9);
    let mut collector: Option<ClusterCollector> = None;
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = ticker.tick() => {}
            }
        }
        let at = now_ms();
        if collector.is_none() {
            // Read every cycle until it works: a key file put back takes effect without a
            // restart, and until then every cycle is a failed collection that alerts.
            match store.cluster_password(record.id) {
                Ok(Some(password)) => {
                    let target = Target::from_record(&record, password);
                    let mut c =
                        ClusterCollector::with_http(target, config.collector.clone(), http.clone());
                    c.add_known_fes(stored_fes(store.as_ref(), &record));
                    collector = Some(c);
                }
                Ok(None) => {
                    warn!("no password stored; not collecting");
                    let c = failed_collection(
                        at,
                        "credentials",
                        "no password is stored for this cluster".into(),
                    );
                    record_collection(&record, c, &store, &alerting, &telemetry).await;
                    continue;
                }
                Err(e) => {
                    warn!(error = %e, "cannot read the cluster's password; not collecting");
                    let c = failed_collection(
                        at,
                        "credentials",
                        format!("cannot read the stored password: {e}"),
                    );
                    record_collection(&record, c, &store, &alerting, &telemetry).await;
                    continue;
                }
            }
        }
        let Some(active) = collector.as_mut() else {
            continue;
        };
        let permit = tokio::select! {
            _ = cancel.cancelled() => break,
            p = limiter.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let collected = tokio::select! {
            _ = cancel.cancelled() => break,
            r = tokio::time::timeout(backstop, active.collect_once(at)) => r,
        };
        drop(permit);
        let collected = match collected {
            Ok(c) => c,
            // Its connections were left mid-statement; they refuse reuse and are replaced.
            Err(_) => failed_collection(
                at,
                "collection",
                format!("did not finish within {} ms", backstop.as_millis()),
            ),
        };
        record_collection(&record, collected, &store, &alerting, &telemetry).await;
    }
    if let Some(c) = collector {
        c.close().await;
    }
}

/// The FEs of the cluster's latest stored collection, at the registered query port (the port
/// FEs of one cluster share unless configured otherwise): where to fail over to before the
/// first SHOW FRONTENDS of this run has answered.
pub fn stored_fes(store: &dyn Store, record: &ClusterRecord) -> Vec<(String, u16)> {
    match store.latest_nodes(record.id) {
        Ok(Some((_, nodes))) => nodes
            .into_iter()
            .filter(|n| n.kind == Some(crate::model::NodeKind::Fe) && !n.host.is_empty())
            .map(|n| (n.host, record.fe_query_port))
            .collect(),
        _ => Vec::new(),
    }
}

/// A collection that produced nothing, with why.
fn failed_collection(at: i64, source: &str, error: String) -> Collected {
    Collected {
        snapshot: crate::model::Snapshot {
            collected_at: at,
            ..Default::default()
        },
        nodes: Vec::new(),
        status: CollectionStatus {
            collected_at: at,
            outcome: Outcome::Failed,
            duration_ms: (now_ms() - at).max(0),
            errors: vec![SourceError {
                source: source.into(),
                error,
            }],
        },
    }
}

/// Counts, logs and stores a collection, then lets the alert rules see it.
async fn record_collection(
    record: &ClusterRecord,
    collected: Collected,
    store: &Arc<dyn Store>,
    alerting: &Arc<crate::alerts::Alerting>,
    telemetry: &Telemetry,
) {
    telemetry.collection(
        &record.name,
        collected.status.outcome,
        collected.status.duration_ms as f64 / 1000.0,
        collected.status.errors.len(),
    );
    if collected.status.outcome != Outcome::Ok {
        let sources: Vec<&str> = collected
            .status
            .errors
            .iter()
            .map(|e| e.source.as_str())
            .collect();
        info!(
            outcome = collected.status.outcome.as_str(),
            ?sources,
            "collection incomplete"
        );
    }
    let store = store.clone();
    let alerting = alerting.clone();
    let rec = record.clone();
    let written = tokio::task::spawn_blocking(move || {
        store.write_collection(
            rec.id,
            &collected.snapshot,
            &collected.nodes,
            &collected.status,
        )?;
        // The alert rules see what was just stored; notifications are queued, not awaited.
        if let Err(e) = alerting.after_collection(
            &rec,
            &collected.snapshot,
            &collected.nodes,
            &collected.status,
        ) {
            warn!(error = %e, "cannot evaluate the alert rules");
        }
        Ok::<_, crate::store::StoreError>(())
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            telemetry.store_write_failed();
            warn!(error = %e, "cannot store the collection");
        }
        Err(e) => {
            telemetry.store_write_failed();
            warn!(error = %e, "store task failed");
        }
    }
}

/// Daily rollups and retention, at start and then every ten minutes.
async fn maintenance_loop(store: Arc<dyn Store>, config: Arc<Config>, cancel: CancellationToken) {
    let Ok(tz) = config.tz() else { return };
    let detail_ms = i64::from(config.retention.detail_days) * 86_400_000;
    let daily_days = config.retention.daily_days;
    let grace_ms = (config.collector.interval_secs as i64) * 1000;
    let mut ticker = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let store = store.clone();
        let r = tokio::task::spawn_blocking(move || {
            let now = now_ms();
            // A collection that began before midnight may be written a little after it: roll a
            // day up only once the last of its collections can have landed.
            let rolled = store.rollup_daily(tz, now - 2 * grace_ms)?;
            let removed = store.enforce_retention(tz, now, detail_ms, daily_days)?;
            // The alert history is kept as long as the detail it was computed from.
            store.prune_alert_events(now - detail_ms)?;
            Ok::<_, crate::store::StoreError>((rolled, removed))
        })
        .await;
        match r {
            Ok(Ok((rolled, removed))) => info!(
                days = rolled.days_written,
                ?removed,
                "rollup and retention done"
            ),
            Ok(Err(e)) => warn!(error = %e, "rollup or retention failed"),
            Err(e) => warn!(error = %e, "maintenance task failed"),
        }
    }
}

/// Runs the collector until `cancel`: keeps one task per registered cluster (picking up clusters
/// added, edited or removed while running) and the maintenance task.
pub async fn run(
    store: Arc<dyn Store>,
    config: Arc<Config>,
    telemetry: Arc<Telemetry>,
    changes: Arc<Changes>,
    alerting: Arc<crate::alerts::Alerting>,
    cancel: CancellationToken,
) {
    let limiter = Arc::new(Semaphore::new(config.collector.concurrency));
    let http = match Http::new(config.collector.http_timeout()) {
        Ok(h) => h,
        Err(e) => {
            warn!(error = %e, "cannot build the HTTP client; not collecting");
            return;
        }
    };
    let shared = Shared {
        store: store.clone(),
        config: config.clone(),
        limiter: limiter.clone(),
        http: http.clone(),
        telemetry: telemetry.clone(),
        alerting: alerting.clone(),
    };
    let maintenance = tokio::spawn(maintenance_loop(
        store.clone(),
        config.clone(),
        cancel.clone(),
    ));
    let mut tasks: HashMap<i64, (CancellationToken, JoinHandle<()>)> = HashMap::new();
    let mut sync = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = sync.tick() => {}
            _ = changes.notify.notified() => {}
        }
        // An edited cluster (new address, user or password) starts over with a new task.
        for id in changes.take() {
            if let Some((token, _)) = tasks.remove(&id) {
                token.cancel();
            }
        }
        let s = store.clone();
        let clusters = match tokio::task::spawn_blocking(move || s.list_clusters()).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                warn!(error = %e, "cannot list clusters");
                continue;
            }
            Err(_) => continue,
        };
        tasks.retain(|id, (token, _)| {
            let keep = clusters.iter().any(|c| c.id == *id);
            if !keep {
                token.cancel();
            }
            keep
        });
        for c in clusters {
            if tasks.contains_key(&c.id) {
                continue;
            }
            let token = cancel.child_token();
            let span = tracing::info_span!("cluster", name = %c.name);
            let id = c.id;
            let handle =
                tokio::spawn(cluster_loop(c, shared.clone(), token.clone()).instrument(span));
            tasks.insert(id, (token, handle));
        }
    }
    for (_, (token, handle)) in tasks {
        token.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), maintenance).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_are_spread_over_the_interval() {
        let interval = Duration::from_secs(30);
        let mut phases: Vec<Duration> = (1..=200).map(|id| stagger(id, interval)).collect();
        assert!(phases.iter().all(|p| *p < interval));
        phases.sort();
        // Evenly would be 150 ms apart; no two neighbours (nor the wrap-around) more than 400 ms.
        let wrap = interval - phases[phases.len() - 1] + phases[0];
        let widest = phases
            .windows(2)
            .map(|w| w[1] - w[0])
            .chain(std::iter::once(wrap))
            .max()
            .unwrap_or_default();
        assert!(widest < Duration::from_millis(400), "{widest:?}");
    }
}
