//! starmon's own metrics, served in the Prometheus text format at `/metrics` for users who do run
//! a scraper: how collections go, how long they take, what the overview cache does, how big the
//! database is. Built on `prometheus-client`, the Prometheus project's Rust client.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::model::Outcome;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterLabels {
    pub cluster: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub cluster: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    pub result: String,
}

pub struct Telemetry {
    registry: Registry,
    notifications: Family<ResultLabels, Counter>,
    notifications_pending: Gauge,
    /// The notifier's totals at the last scrape, to turn them into counter increments.
    last_notify: std::sync::Mutex<crate::alerts::notify::DeliveryStats>,
    collections: Family<OutcomeLabels, Counter>,
    source_failures: Family<ClusterLabels, Counter>,
    store_failures: Counter,
    duration: Family<ClusterLabels, Histogram>,
    overview: Family<CacheLabels, Counter>,
    store_size: Gauge,
    clusters: Gauge,
}

fn duration_histogram() -> Histogram {
    // 10 ms … ~41 s: a healthy collection takes tens of milliseconds, a failing one its budget.
    Histogram::new(exponential_buckets(0.01, 2.0, 13))
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    pub fn new() -> Telemetry {
        let mut registry = Registry::default();
        let collections = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "starmon_collections",
            "Collections finished, by cluster and outcome (ok, partial, failed)",
            collections.clone(),
        );
        let source_failures = Family::<ClusterLabels, Counter>::default();
        registry.register(
            "starmon_collection_source_failures",
            "Sources (SQL statements, /metrics endpoints) that failed during collections",
            source_failures.clone(),
        );
        let store_failures = Counter::default();
        registry.register(
            "starmon_store_write_failures",
            "Collections that could not be written to the database",
            store_failures.clone(),
        );
        let duration = Family::<ClusterLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        registry.register(
            "starmon_collection_duration_seconds",
            "Time one collection of one cluster took",
            duration.clone(),
        );
        let overview = Family::<CacheLabels, Counter>::default();
        registry.register(
            "starmon_overview_requests",
            "Real-time overview requests, by whether the cache answered (hit) or the cluster was asked (miss)",
            overview.clone(),
        );
        let store_size = Gauge::default();
        registry.register(
            "starmon_store_size_bytes",
            "Size of the SQLite database files (main and WAL)",
            store_size.clone(),
        );
        let notifications = Family::<ResultLabels, Counter>::default();
        registry.register(
            "starmon_notifications",
            "Alert notifications per channel: delivered, failed (after every retry), dropped (queue full)",
            notifications.clone(),
        );
        let notifications_pending = Gauge::default();
        registry.register(
            "starmon_notifications_pending",
            "Alert notifications queued or waiting for a retry",
            notifications_pending.clone(),
        );
        let clusters = Gauge::default();
        registry.register("starmon_clusters", "Clusters registered", clusters.clone());
        Telemetry {
            registry,
            notifications,
            notifications_pending,
            last_notify: Default::default(),
            collections,
            source_failures,
            store_failures,
            duration,
            overview,
            store_size,
            clusters,
        }
    }

    pub fn collection(&self, cluster: &str, outcome: Outcome, seconds: f64, failed_sources: usize) {
        self.collections
            .get_or_create(&OutcomeLabels {
                cluster: cluster.to_string(),
                outcome: outcome.as_str().to_string(),
            })
            .inc();
        let labels = ClusterLabels {
            cluster: cluster.to_string(),
        };
        self.duration.get_or_create(&labels).observe(seconds);
        if failed_sources > 0 {
            self.source_failures
                .get_or_create(&labels)
                .inc_by(failed_sources as u64);
        }
    }

    pub fn store_write_failed(&self) {
        self.store_failures.inc();
    }

    pub fn overview_request(&self, hit: bool) {
        self.overview
            .get_or_create(&CacheLabels {
                result: if hit { "hit" } else { "miss" }.to_string(),
            })
            .inc();
    }

    /// Brings the notification counters up to the notifier's totals.
    pub fn notifications(&self, now: crate::alerts::notify::DeliveryStats) {
        let mut last = self
            .last_notify
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (result, cur, prev) in [
            ("delivered", now.delivered, last.delivered),
            ("failed", now.failed, last.failed),
            ("dropped", now.dropped, last.dropped),
        ] {
            self.notifications
                .get_or_create(&ResultLabels {
                    result: result.into(),
                })
                .inc_by(cur.saturating_sub(prev));
        }
        self.notifications_pending
            .set(i64::try_from(now.pending).unwrap_or(i64::MAX));
        *last = now;
    }

    /// The text exposition, with the gauges that are read at scrape time set first.
    pub fn encode(&self, store_size: Option<u64>, clusters: Option<usize>) -> String {
        if let Some(s) = store_size {
            self.store_size.set(i64::try_from(s).unwrap_or(i64::MAX));
        }
        if let Some(c) = clusters {
            self.clusters.set(c as i64);
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_counts_what_happened() {
        let t = Telemetry::new();
        t.collection("prod", Outcome::Ok, 0.05, 0);
        t.collection("prod", Outcome::Partial, 0.2, 2);
        t.collection("prod", Outcome::Ok, 0.07, 0);
        t.overview_request(true);
        let text = t.encode(Some(4096), Some(1));
        assert!(
            text.contains(r#"starmon_collections_total{cluster="prod",outcome="ok"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"starmon_collections_total{cluster="prod",outcome="partial"} 1"#));
        assert!(text.contains(r#"starmon_collection_source_failures_total{cluster="prod"} 2"#));
        assert!(text.contains(r#"starmon_collection_duration_seconds_count{cluster="prod"} 3"#));
        assert!(text.contains("starmon_store_size_bytes 4096"));
        assert!(text.contains("starmon_clusters 1"));
        assert!(text.contains(r#"starmon_overview_requests_total{result="hit"} 1"#));
        assert!(text.ends_with("# EOF\n"));
    }

    /// Cluster names may hold `"`, `\` and `}` (only control characters are refused), so the
    /// exposition must escape them or a scraper reads other series, or none.
    #[test]
    fn label_values_are_escaped_so_each_series_keeps_its_cluster_name() {
        let evil = r#"a"b\c} evil 1"#;
        let t = Telemetry::new();
        t.collection(evil, Outcome::Ok, 0.05, 1);
        t.collection("prod", Outcome::Failed, 0.05, 0);
        let text = t.encode(None, None);
        let parsed = crate::starrocks::prom::Exposition::parse(&text).expect("parses");
        assert_eq!(parsed.bad_lines, 0, "{text}");
        let clusters: Vec<(&str, f64)> = parsed
            .matching("starmon_collections_total", &[])
            .map(|s| (s.label("cluster").unwrap_or("?"), s.value))
            .collect();
        assert_eq!(clusters.len(), 2, "{text}");
        assert!(clusters.contains(&(evil, 1.0)), "{clusters:?}\n{text}");
        assert!(clusters.contains(&("prod", 1.0)), "{clusters:?}");
        assert_eq!(
            parsed.value(
                "starmon_collection_source_failures_total",
                &[("cluster", evil)]
            ),
            Some(1.0),
            "{text}"
        );
    }
}
