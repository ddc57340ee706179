//! FE and BE HTTP endpoints (docs/starrocks-facts.md §6–8), with the node's faults applied.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cluster::{Cluster, HttpFault, Node, NodeKind};
use crate::metrics::{be_metrics, fe_metrics, FeRequest, MvDetail};

#[derive(Clone)]
struct Ctx {
    cluster: Arc<Cluster>,
    node: Arc<Node>,
}

pub async fn serve(
    listener: TcpListener,
    cluster: Arc<Cluster>,
    node: Arc<Node>,
    stop: CancellationToken,
) {
    let ctx = Ctx {
        cluster,
        node: node.clone(),
    };
    let router = match node.kind {
        NodeKind::Fe(_) => Router::new()
            .route("/metrics", get(fe_metrics_handler))
            .route("/api/show_runtime_info", get(runtime_info))
            .route("/api/health", get(fe_health))
            .route("/api/bootstrap", get(bootstrap)),
        NodeKind::Be(_) => Router::new()
            .route("/metrics", get(be_metrics_handler))
            .route("/api/health", get(be_health)),
    }
    .with_state(ctx);
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await;
    if let Err(e) = result {
        tracing::debug!(node = %node.id, error = %e, "http server ended");
    }
}

/// Applies the node's delay and returns an error response when a fault says so.
async fn faulted(ctx: &Ctx) -> Option<Response> {
    let faults = *ctx.node.faults.lock();
    if faults.http_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.http_delay_ms)).await;
    }
    match faults.http {
        HttpFault::None => None,
        HttpFault::Error500 => Some((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()),
        HttpFault::Garbage => Some(
            (
                [(header::CONTENT_TYPE, "text/plain")],
                "\u{1}\u{7f}<html>garbage 502 Bad Gateway\nstarrocks_fe_query_total{{{ not-a-number\n# TYPE\n\u{0}\u{0}",
            )
                .into_response(),
        ),
    }
}

fn text(body: String, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// HTTP Basic credentials equal to the cluster's admin user.
fn is_admin(cluster: &Cluster, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let decoded = String::from_utf8_lossy(&decoded);
    match decoded.split_once(':') {
        // `user@cluster` is the legacy form and still accepted.
        Some((user, password)) => {
            let user = user.split('@').next().unwrap_or(user);
            user == cluster.spec.user && password == cluster.spec.password
        }
        None => false,
    }
}

async fn fe_metrics_handler(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = faulted(&ctx).await {
        return r;
    }
    let NodeKind::Fe(i) = ctx.node.kind else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // MV metrics are added only for an admin; otherwise the parameter is silently ignored.
    let mv = match q.get("with_materialized_view_metrics").map(String::as_str) {
        Some("all") if is_admin(&ctx.cluster, &headers) => Some(MvDetail::All),
        Some("minified") if is_admin(&ctx.cluster, &headers) => Some(MvDetail::Minified),
        _ => None,
    };
    let req = FeRequest {
        json: q.get("type").is_some_and(|t| t == "json"),
        mv,
    };
    let body = ctx.cluster.with_state(|st| fe_metrics(st, i, req));
    if req.json {
        json(body)
    } else {
        text(body, "text/plain")
    }
}

async fn be_metrics_handler(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = faulted(&ctx).await {
        return r;
    }
    let NodeKind::Be(i) = ctx.node.kind else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let as_json = q.get("type").is_some_and(|t| t == "json");
    let body = ctx.cluster.with_state(|st| be_metrics(st, i, as_json));
    if as_json {
        json(body)
    } else {
        text(body, "text/plain; version=0.0.4")
    }
}

async fn runtime_info(State(ctx): State<Ctx>) -> Response {
    if let Some(r) = faulted(&ctx).await {
        return r;
    }
    let NodeKind::Fe(i) = ctx.node.kind else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (max, used, threads) = ctx.cluster.with_state(|st| {
        let fe = &st.fes[i];
        (fe.heap_max, fe.heap_used, fe.thread_count)
    });
    // All values are strings, in Java HashMap order.
    json(format!(
        "{{\"free_mem\":\"{}\",\"total_mem\":\"{max}\",\"thread_cnt\":\"{threads}\",\"max_mem\":\"{max}\"}}",
        max - used
    ))
}

async fn fe_health(State(ctx): State<Ctx>) -> Response {
    if let Some(r) = faulted(&ctx).await {
        return r;
    }
    let (online, total) = ctx.cluster.with_state(|st| {
        let bes = st.bes.iter().filter(|b| !b.compute_node);
        let all: Vec<_> = bes.collect();
        (all.iter().filter(|b| b.alive).count(), all.len())
    });
    json(format!(
        "{{\"online_backend_num\":{online},\"total_backend_num\":{total},\"status\":\"OK\"}}"
    ))
}

async fn bootstrap(State(ctx): State<Ctx>) -> Response {
    if let Some(r) = faulted(&ctx).await {
        return r;
    }
    let ready = ctx.cluster.with_state(|st| st.alive_leader().is_some());
    if ready {
        json("{\"replayedJournalId\":0,\"queryPort\":0,\"rpcPort\":0,\"version\":\"\",\"status\":\"OK\",\"msg\":\"Success\"}".into())
    } else {
        json("{\"status\":\"FAILED\",\"msg\":\"not ready\"}".into())
    }
}

async fn be_health(State(ctx): State<Ctx>) -> Response {
    if let Some(r) = faulted(&ctx).await {
        return r;
    }
    json("{\"status\": \"OK\",\"msg\": \"To Be Added\"}".into())
}
