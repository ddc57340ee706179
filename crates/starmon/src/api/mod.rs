//! The HTTP API: clusters (CRUD and connection tests), the real-time overview, the latest
//! snapshot and nodes, downsampled metric history (detail, then daily rollups beyond the detail
//! retention), collection status history, computed KPIs with period-over-period change, the
//! capacity forecast, and starmon's own Prometheus metrics.
//! Every user input error is a 4xx naming the parameter; an unknown cluster is a 404.
//!
//! This file only declares the modules, re-exports their public names and composes the router:
//! the handlers take what they share from [`state`], [`request`] and [`error`], never from here
//! (which imports them all).

mod alerts;
mod channels;
mod clusters;
mod computed;
// `auth` answers with the API's errors and checks its body with the API's text schema; it names
// `error` and `request`, not this module, since `api::alerts` imports `auth`.
pub(crate) mod error;
mod fleet;
mod health;
mod history;
mod live;
mod live_service;
pub mod openapi;
mod own_metrics;
pub(crate) mod request;
mod state;

use axum::routing::{get, post};
use axum::Router;

pub use error::{ApiError, ErrorBody};
pub use history::{MAX_NAMES, MAX_POINTS};
pub use live_service::{LiveService, OVERVIEW_TTL};
pub use state::{ApiState, ApiStateError};

pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(own_metrics::own_metrics))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
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
