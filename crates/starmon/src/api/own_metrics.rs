//! `GET /metrics`: starmon's own metrics (collections, overview cache, notifications, store size).

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::request::{ApiQuery, NoQuery};
use super::state::Ctx;

/// starmon's own metrics (Prometheus / OpenMetrics text)
#[utoipa::path(get, path = "/metrics",
    responses((status = 200, description = "Metrics", body = String,
        content_type = "application/openmetrics-text")))]
pub(super) async fn own_metrics(State(ctx): State<Ctx>, _: ApiQuery<NoQuery>) -> Response {
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
