//! The real-time overview: the cluster asked at request time, through the cache of
//! [`LiveService`](super::live_service::LiveService) so that ten open dashboards cost the FE one
//! round of statements, not ten; and the latest stored nodes.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::error::ApiError;
use super::request::{blocking, ApiQuery, ApiResult, NoQuery};
use super::state::{cluster, Ctx};

/// `GET /api/v1/clusters/{id}/overview`: the cluster right now (cached for a few seconds; the
/// `Age` header says how old the answer is).
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

/// `GET /api/v1/clusters/{id}/nodes`: every node of the latest collection that listed nodes.
pub(super) async fn nodes(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> ApiResult {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let latest = blocking(move || store.latest_nodes(c.id)).await?;
    let (at, nodes) = match latest {
        Some((at, nodes)) => (Some(at), nodes),
        None => (None, Vec::new()),
    };
    Ok(Json(
        json!({"cluster_id": c.id, "collected_at": at, "nodes": nodes}),
    ))
}
