//! The real-time overview: the cluster asked at request time, through the cache of
//! [`LiveService`](super::live_service::LiveService) so that ten open dashboards cost the FE one
//! round of statements, not ten; and the latest stored nodes.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::request::{blocking, ApiQuery, NoQuery};
use super::state::{cluster, Ctx};
use crate::model::NodeSample;

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
