//! The data starmon keeps: one snapshot per cluster per collection, per-node samples, and the
//! status of each collection. Shared by the collector (which fills them) and the store.
//!
//! Every measured field is an `Option`: `None` means "could not be known" and is stored as NULL,
//! never as 0 (docs/design.md: a dashboard must tell "zero errors" from "could not ask").
//! Counter fields (`query_total`, `txn_begin_total`, …) hold the **increase during the interval**
//! ending at `collected_at`, summed over FEs with per-FE reset detection; they are `None` on the
//! first sample, when there is nothing to subtract from.

pub mod alerts;

use serde::{Deserialize, Serialize};

/// A cluster as registered by `starmon cluster add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterRecord {
    pub id: i64,
    pub name: String,
    /// `host:query_port` of the FE to start from.
    pub fe_host: String,
    pub fe_query_port: u16,
    /// FE HTTP port (SHOW FRONTENDS reports only the answering FE's own port).
    pub fe_http_port: u16,
    pub user: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// What `cluster add` stores. The password is kept apart from `ClusterRecord` so that listing
/// clusters never carries it.
#[derive(Debug, Clone)]
pub struct NewCluster {
    pub name: String,
    pub fe_host: String,
    pub fe_query_port: u16,
    pub fe_http_port: u16,
    pub user: String,
    pub password: secrecy::SecretString,
}

/// A change to a registered cluster: `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct ClusterUpdate {
    pub name: Option<String>,
    pub fe_host: Option<String>,
    pub fe_query_port: Option<u16>,
    pub fe_http_port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<secrecy::SecretString>,
}

/// One row of `metrics_snapshots`: the cluster at `collected_at`. Column names are the
/// specification's, plus what docs/design.md adds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Unix milliseconds (UTC).
    pub collected_at: i64,
    /// Seconds between the previous sample and this one, over which increases and rates are
    /// computed. `None` on the first sample.
    pub interval_secs: Option<f64>,

    pub query_total: Option<i64>,
    pub query_success: Option<i64>,
    pub query_error: Option<i64>,
    pub query_timeout: Option<i64>,
    pub query_latency_p50: Option<f64>,
    pub query_latency_p90: Option<f64>,
    pub query_latency_p95: Option<f64>,
    pub query_latency_p99: Option<f64>,
    pub qps: Option<f64>,
    /// Requests per second: the increase of the FEs' `request_total` (every MySQL-protocol
    /// command a client sends, queries and pings alike; not rows) over the elapsed seconds.
    pub rps: Option<f64>,

    pub disk_total_bytes: Option<i64>,
    pub disk_used_bytes: Option<i64>,
    pub disk_data_used_bytes: Option<i64>,
    pub disk_usage_pct: Option<f64>,
    pub max_disk_used_pct: Option<f64>,
    pub cpu_usage_pct: Option<f64>,
    pub mem_usage_pct: Option<f64>,

    pub be_node_total: Option<i64>,
    pub be_node_alive: Option<i64>,
    pub fe_node_total: Option<i64>,
    pub fe_node_alive: Option<i64>,
    pub cn_node_total: Option<i64>,
    pub cn_node_alive: Option<i64>,

    pub total_tablet_count: Option<i64>,
    pub total_database_count: Option<i64>,
    pub total_table_count: Option<i64>,
    /// Σ BE data-used bytes (5-minute tier; the basis of daily growth).
    pub total_data_bytes: Option<i64>,

    /// Statements executing right now on all FEs (PROCESSLIST `Command = 'Query'`).
    pub running_queries: Option<i64>,
    /// MySQL connections on all FEs.
    pub connections: Option<i64>,

    pub mv_refresh_running: Option<i64>,
    pub mv_refresh_success_total: Option<i64>,
    pub mv_refresh_failed_total: Option<i64>,

    pub txn_begin_total: Option<i64>,
    pub txn_success_total: Option<i64>,
    pub txn_failed_total: Option<i64>,
    pub load_finished_total: Option<i64>,
    pub routine_load_rows_total: Option<i64>,

    pub max_compaction_score: Option<f64>,
    pub base_compaction_requests_total: Option<i64>,
    pub base_compaction_failures_total: Option<i64>,
    pub cumulative_compaction_requests_total: Option<i64>,
    pub cumulative_compaction_failures_total: Option<i64>,

    /// Jobs in progress (1-minute tier).
    pub load_running: Option<i64>,
    pub routine_load_running: Option<i64>,
    pub routine_load_paused: Option<i64>,
    pub schema_change_running: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Fe,
    Be,
    Cn,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Fe => "fe",
            NodeKind::Be => "be",
            NodeKind::Cn => "cn",
        }
    }
}

/// One data path of a BE at collection time, exact bytes from BE /metrics (or SHOW BACKENDS
/// totals as one pseudo-path `*` when the BE endpoint failed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiskPath {
    pub path: String,
    pub total_bytes: i64,
    pub avail_bytes: i64,
    pub data_used_bytes: Option<i64>,
}

/// One node at collection time (`node_samples`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSample {
    /// Stable identity: `BackendId`/`ComputeNodeId` for BE/CN, FE `Name` for FE.
    pub node_id: String,
    pub kind: Option<NodeKind>,
    pub host: String,
    pub alive: Option<bool>,
    /// FE: LEADER / FOLLOWER / OBSERVER.
    pub role: Option<String>,

    pub cpu_usage_pct: Option<f64>,
    pub mem_usage_pct: Option<f64>,
    pub mem_used_bytes: Option<i64>,
    pub disk_total_bytes: Option<i64>,
    pub disk_used_bytes: Option<i64>,
    pub disk_data_used_bytes: Option<i64>,
    pub max_disk_used_pct: Option<f64>,
    pub tablets: Option<i64>,
    pub compaction_score: Option<f64>,
    pub running_queries: Option<i64>,
    pub net_rx_bytes_per_sec: Option<f64>,
    pub net_tx_bytes_per_sec: Option<f64>,
    pub disk_read_bytes_per_sec: Option<f64>,
    pub disk_write_bytes_per_sec: Option<f64>,

    pub qps: Option<f64>,
    pub connections: Option<i64>,
    pub jvm_heap_used_pct: Option<f64>,
    pub query_latency_p99: Option<f64>,
    pub replayed_journal_id: Option<i64>,

    pub disks: Vec<DiskPath>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every source answered.
    Ok,
    /// Some sources failed; what was collected is stored.
    Partial,
    /// Nothing usable was collected (e.g. no FE reachable).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Partial => "partial",
            Outcome::Failed => "failed",
        }
    }
}

/// A source that failed during a collection, e.g. `be 10.0.0.3:8040 /metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceError {
    pub source: String,
    pub error: String,
}

/// One row of `collection_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionStatus {
    pub collected_at: i64,
    pub outcome: Outcome,
    pub duration_ms: i64,
    pub errors: Vec<SourceError>,
}

/// What one collection produced, and what the store writes together: the snapshot, its node
/// samples and its status.
#[derive(Debug, Clone)]
pub struct Collected {
    pub snapshot: Snapshot,
    pub nodes: Vec<NodeSample>,
    pub status: CollectionStatus,
}
