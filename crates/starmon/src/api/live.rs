//! The real-time overview: the cluster asked at request time, with a short cache so that ten open
//! dashboards cost the FE one round of statements, not ten; and the latest stored nodes.
//!
//! One collector per cluster is kept between requests (its connections stay open, and it
//! remembers the previous readings, so the second overview has rates). Concurrent requests for a
//! cluster whose cache is stale wait for one fetch instead of each starting their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::request::{blocking, cluster, now_ms, ApiQuery, NoQuery};
use super::{ApiError, Ctx};
use crate::collector::{ClusterCollector, Target};
use crate::config::CollectorConfig;
use crate::model::{ClusterRecord, NodeSample, Outcome};
use crate::starrocks::client::Http;
use crate::store::Store;

/// How long an overview answer is reused.
pub const OVERVIEW_TTL: Duration = Duration::from_secs(5);
/// The most one overview may take, whatever the cluster does; then the stored data is shown.
pub const OVERVIEW_BUDGET: Duration = Duration::from_secs(10);

struct Cached {
    at: Instant,
    body: Bytes,
}

#[derive(Default)]
struct Entry {
    cached: Mutex<Option<Cached>>,
    /// Held while fetching: the single flight.
    collector: tokio::sync::Mutex<Option<ClusterCollector>>,
}

pub struct LiveService {
    ttl: Duration,
    entries: Mutex<HashMap<i64, Arc<Entry>>>,
}

impl LiveService {
    pub fn new(ttl: Duration) -> LiveService {
        LiveService {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, id: i64) -> Arc<Entry> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_default()
            .clone()
    }

    /// The cluster was edited or removed: its next overview starts from scratch.
    pub fn forget(&self, id: i64) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }

    fn fresh(&self, entry: &Entry) -> Option<(Bytes, Duration)> {
        let cached = entry.cached.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .map(|c| (c.body.clone(), c.at.elapsed()))
            .filter(|(_, age)| *age < self.ttl)
    }

    /// The overview body and its age; `hit` tells whether the cache answered.
    async fn overview(
        &self,
        store: Arc<dyn Store>,
        cfg: &CollectorConfig,
        http: &Http,
        record: ClusterRecord,
    ) -> Result<(Bytes, Duration, bool), ApiError> {
        let entry = self.entry(record.id);
        if let Some((body, age)) = self.fresh(&entry) {
            return Ok((body, age, true));
        }
        let mut slot = entry.collector.lock().await;
        // Someone else may have fetched while we waited.
        if let Some((body, age)) = self.fresh(&entry) {
            return Ok((body, age, true));
        }
        let value = fetch(store, cfg, http, &record, &mut slot).await?;
        let body = Bytes::from(serde_json::to_vec(&value).map_err(ApiError::internal)?);
        *entry.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            at: Instant::now(),
            body: body.clone(),
        });
        Ok((body, Duration::ZERO, false))
    }
}

/// Asks the cluster; on failure, or when it does not answer within the budget, the latest stored
/// snapshot and nodes, marked stale.
async fn fetch(
    store: Arc<dyn Store>,
    cfg: &CollectorConfig,
    http: &Http,
    record: &ClusterRecord,
    slot: &mut Option<ClusterCollector>,
) -> Result<Value, ApiError> {
    if slot.is_none() {
        let s = store.clone();
        let id = record.id;
        let rec = record.clone();
        let (password, fes) = blocking(move || {
            let fes = crate::collector::stored_fes(s.as_ref(), &rec);
            Ok((s.cluster_password(id)?, fes))
        })
        .await?;
        if let Some(p) = password {
            let target = Target::from_record(record, p);
            let mut collector = ClusterCollector::with_http(target, cfg.clone(), http.clone());
            // The collection and the live lists each get half the overview's time, so a stalled
            // FE is failed over within it and the answer stays live rather than stored.
            collector.set_cycle_budget(OVERVIEW_BUDGET / 2);
            collector.add_known_fes(fes);
            *slot = Some(collector);
        }
    }
    let at = now_ms();
    let live = match slot.as_mut() {
        None => Err("no password is stored for this cluster".to_string()),
        Some(collector) => {
            let work = async {
                let collected = collector.collect_once(at).await;
                let details = if collected.status.outcome == Outcome::Failed {
                    None
                } else {
                    Some(collector.live_details().await)
                };
                (collected, details)
            };
            match tokio::time::timeout(OVERVIEW_BUDGET, work).await {
                Ok((collected, Some(details))) => Ok((collected, details)),
                Ok((collected, None)) => Err(collected
                    .status
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.source, e.error))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(_) => {
                    // Cancelled mid-statement: its connections are in an unknown state.
                    *slot = None;
                    Err(format!(
                        "the cluster did not answer within {} s",
                        OVERVIEW_BUDGET.as_secs()
                    ))
                }
            }
        }
    };
    match live {
        Ok((collected, details)) => {
            let version = slot.as_ref().and_then(|c| c.version.clone());
            let mut errors = collected.status.errors;
            errors.extend(details.errors.iter().cloned());
            Ok(json!({
                "cluster_id": record.id,
                "name": record.name,
                "source": "live",
                "stale": false,
                "fetched_at": at,
                "error": null,
                "version": version,
                "outcome": collected.status.outcome,
                "errors": errors,
                "summary": collected.snapshot,
                "nodes": collected.nodes,
                "running_queries": details.running_queries,
                "loads": details.loads,
                "transactions": details.transactions,
                "schema_changes": details.schema_changes,
                "routine_loads": details.routine_loads,
                "materialized_views": details.materialized_views,
                "truncated": details.truncated,
            }))
        }
        Err(error) => {
            let id = record.id;
            let (snapshot, nodes) = blocking(move || {
                let snapshot = store.latest_usable_snapshot(id)?;
                let nodes = store.latest_nodes(id)?;
                Ok((snapshot, nodes))
            })
            .await?;
            Ok(json!({
                "cluster_id": record.id,
                "name": record.name,
                "source": "stored",
                "stale": true,
                "fetched_at": at,
                "error": error,
                "version": null,
                "outcome": "failed",
                "errors": [],
                "stored_at": snapshot.as_ref().map(|s| s.collected_at),
                "summary": snapshot,
                "nodes_at": nodes.as_ref().map(|(t, _)| *t),
                "nodes": nodes.map(|(_, n)| n).unwrap_or_default(),
                "running_queries": null,
                "loads": null,
                "transactions": null,
                "schema_changes": null,
                "routine_loads": null,
                "materialized_views": null,
                "truncated": false,
            }))
        }
    }
}

/// The cluster right now (cached up to 5 s; falls back to stored data, marked stale)
///
/// The `Age` header says how old the answer is.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/overview", params(("id" = i64, Path, description = "Cluster id")),
    responses(
        (status = 200, description = "Overview", body = ref("#/components/schemas/Overview"),
            headers(("Age" = i64, description = "Seconds since the cluster was asked"))),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn overview(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Response, ApiError> {
    let record = cluster(&ctx, &id).await?;
    let (body, age, hit) = ctx
        .live
        .overview(ctx.store.clone(), &ctx.collector, &ctx.http, record)
        .await?;
    ctx.telemetry.overview_request(hit);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::AGE, age.as_secs().to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// The nodes of the latest collection
///
/// Every node of the latest collection that listed nodes.
#[utoipa::path(get, path = "/api/v1/clusters/{id}/nodes", params(("id" = i64, Path, description = "Cluster id")),
    responses((status = 200, description = "Nodes", body = inline(Nodes)), (status = 400, description = "A parameter is wrong; the message names it", body = Error), (status = 404, description = "No cluster with this id", body = Error)))]
pub(super) async fn nodes(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<Nodes>, ApiError> {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let latest = blocking(move || store.latest_nodes(c.id)).await?;
    let (collected_at, nodes) = match latest {
        Some((at, nodes)) => (Some(at), nodes),
        None => (None, Vec::new()),
    };
    Ok(Json(Nodes {
        cluster_id: c.id,
        collected_at,
        nodes,
    }))
}

/// The answer of `GET /api/v1/clusters/{id}/nodes`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Nodes {
    cluster_id: i64,
    /// Null when no collection has listed nodes yet.
    #[schema(required = true)]
    collected_at: Option<i64>,
    #[schema(value_type = Vec<Node>)]
    nodes: Vec<NodeSample>,
}
