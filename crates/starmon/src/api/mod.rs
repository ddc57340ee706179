//! The HTTP API: clusters (CRUD and connection tests), the real-time overview, the latest
//! snapshot and nodes, downsampled metric history (detail, then daily rollups beyond the detail
//! retention), collection status history, computed KPIs with period-over-period change, the
//! capacity forecast, and starmon's own Prometheus metrics.
//! Every user input error is a 4xx naming the parameter; an unknown cluster is a 404.

mod alerts;
mod channels;
mod clusters;
mod computed;
mod error;
mod fleet;
mod history;
mod live;
pub mod openapi;
mod request;

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::collector::Changes;
use crate::config::CollectorConfig;
use crate::starrocks::client::Http;
use crate::store::Store;
use crate::telemetry::Telemetry;
pub use error::{ApiError, ErrorBody};
pub(crate) use history::node_metric_names;
pub use history::{MAX_NAMES, MAX_POINTS};
pub use live::{LiveService, OVERVIEW_TTL};
pub(crate) use request::text_schema;
use request::{ApiQuery, NoQuery};

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
    /// The API alone with its own alert engine and an untracked notifier: for serving what is
    /// in the store without a collector. `starmon serve` builds through `app::App`, which
    /// shares one engine between the collector and the API (`with_alerting`).
    pub fn new(
        store: Arc<dyn Store>,
        config: &crate::config::Config,
        telemetry: Arc<Telemetry>,
        changes: Arc<Changes>,
    ) -> Result<ApiState, ApiStateError> {
        let alerting = crate::alerts::Alerting::from_config(store.clone(), config, None)?;
        ApiState::with_alerting(store, config, telemetry, changes, Arc::new(alerting))
    }

    /// The state for `config` over the parts the caller built and shares with the collector.
    pub fn with_alerting(
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

type Ctx = ApiState;

pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(own_metrics))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route(
            "/api/v1/clusters",
            get(clusters::list).post(clusters::create),
        )
        .route("/api/v1/clusters/test", post(clusters::test_new))
        .route("/api/v1/fleet", get(fleet::fleet))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/history", get(alerts::history))
        .route("/api/v1/alerts/{id}/ack", post(alerts::ack))
        .route(
            "/api/v1/alert-rules",
            get(alerts::rules).post(alerts::create_rule),
        )
        .route(
            "/api/v1/alert-rules/{id}",
            axum::routing::patch(alerts::patch_rule).delete(alerts::delete_rule),
        )
        .route(
            "/api/v1/silences",
            get(alerts::silences).post(alerts::create_silence),
        )
        .route(
            "/api/v1/silences/{id}",
            axum::routing::delete(alerts::delete_silence),
        )
        .route(
            "/api/v1/channels",
            get(channels::channels).post(channels::create_channel),
        )
        .route(
            "/api/v1/channels/{id}",
            axum::routing::patch(channels::update_channel).delete(channels::delete_channel),
        )
        .route("/api/v1/channels/{id}/test", post(channels::test_channel))
        .route(
            "/api/v1/clusters/{id}",
            get(clusters::one)
                .patch(clusters::update)
                .delete(clusters::remove),
        )
        .route(
            "/api/v1/clusters/{id}/test",
            post(clusters::test_registered),
        )
        .route("/api/v1/clusters/{id}/overview", get(live::overview))
        .route("/api/v1/clusters/{id}/latest", get(history::latest))
        .route("/api/v1/clusters/{id}/nodes", get(live::nodes))
        .route("/api/v1/clusters/{id}/metrics", get(history::metrics))
        .route("/api/v1/clusters/{id}/status", get(history::status))
        .route("/api/v1/clusters/{id}/kpis", get(computed::kpis))
        .route("/api/v1/clusters/{id}/capacity", get(history::capacity))
        .route("/api/v1/clusters/{id}/daily", get(history::daily))
        .route(
            "/api/v1/clusters/{id}/nodes/{node}/metrics",
            get(history::node_metrics),
        )
        .with_state(state)
}

/// Liveness
#[utoipa::path(get, path = "/healthz", security(),
    responses((status = 200, description = "Up", body = String, content_type = "text/plain")))]
async fn healthz(_: ApiQuery<NoQuery>) -> &'static str {
    "ok\n"
}

/// This document
#[utoipa::path(get, path = "/api/v1/openapi.json", security(),
    responses((status = 200, description = "OpenAPI 3.0", body = Object)))]
async fn openapi_json(_: ApiQuery<NoQuery>) -> Json<serde_json::Value> {
    Json(openapi::document())
}

/// starmon's own metrics (Prometheus / OpenMetrics text)
#[utoipa::path(get, path = "/metrics",
    responses((status = 200, description = "Metrics", body = String,
        content_type = "application/openmetrics-text")))]
async fn own_metrics(State(ctx): State<Ctx>, _: ApiQuery<NoQuery>) -> Response {
    let store = ctx.store.clone();
    let (size, clusters) = tokio::task::spawn_blocking(move || {
        (
            store.size_bytes().ok(),
            store.list_clusters().ok().map(|c| c.len()),
        )
    })
    .await
    .unwrap_or((None, None));
    ctx.telemetry.notifications(ctx.alerting.notifier().stats());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        ctx.telemetry.encode(size, clusters),
    )
        .into_response()
}
