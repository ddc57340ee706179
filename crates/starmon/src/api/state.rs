//! What the handlers share: [`ApiState`] (the store, settings, the live-overview cache, the
//! alert engine, telemetry), how it is built, and the lookup every handler of a cluster makes
//! through it. Below the handlers: it imports none of them, and `mod.rs` only re-exports it.

use std::sync::Arc;

use super::error::ApiError;
use super::live_service::{LiveService, OVERVIEW_TTL};
use super::request::blocking;
use crate::collector::Changes;
use crate::config::CollectorConfig;
use crate::model::ClusterRecord;
use crate::starrocks::client::Http;
use crate::store::Store;
use crate::telemetry::Telemetry;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn Store>,
    pub tz: chrono_tz::Tz,
    /// Detail rows older than this are gone; history before it comes from the daily rollups.
    pub detail_retention_ms: i64,
    pub collector: CollectorConfig,
    pub http: Http,
    pub live: Arc<LiveService>,
    pub telemetry: Arc<Telemetry>,
    pub changes: Arc<Changes>,
    pub alerts: crate::config::AlertsConfig,
    pub alerting: Arc<crate::alerts::Alerting>,
}

/// Why the API state could not be built: a setting it uses, or the HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiStateError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] crate::starrocks::client::ScrapeError),
}

impl ApiState {
    /// The state for `config` over the parts the caller built (`app::App`, the composition root)
    /// and shares with the collector: the store, telemetry, change feed and alert engine.
    pub fn new(
        store: Arc<dyn Store>,
        config: &crate::config::Config,
        telemetry: Arc<Telemetry>,
        changes: Arc<Changes>,
        alerting: Arc<crate::alerts::Alerting>,
    ) -> Result<ApiState, ApiStateError> {
        Ok(ApiState {
            alerting,
            alerts: config.alerts.clone(),
            store,
            tz: config.tz()?,
            detail_retention_ms: i64::from(config.retention.detail_days) * 86_400_000,
            collector: config.collector.clone(),
            http: Http::new(config.collector.http_timeout())?,
            live: Arc::new(LiveService::new(OVERVIEW_TTL)),
            telemetry,
            changes,
        })
    }
}

/// What the handlers take as their `State`.
pub(super) type Ctx = ApiState;

/// The cluster a path's `{id}` names: 400 if it is not a number, 404 if there is none.
pub(crate) async fn cluster(ctx: &Ctx, id: &str) -> Result<ClusterRecord, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad(format!("cluster id {id:?} is not a number")))?;
    let store = ctx.store.clone();
    blocking(move || store.cluster_by_id(id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cluster with id {id}")))
}
