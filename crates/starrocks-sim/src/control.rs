//! The control API: the truth as JSON, workload changes and faults, for tests and demos.
//!
//! Routes (all JSON):
//! - `GET  /clusters`, `GET /clusters/{c}`: the start-up lines.
//! - `GET  /clusters/{c}/truth`: exact model numbers (see `truth`).
//! - `PATCH /clusters/{c}/workload`: change rates (any subset of `Workload` fields).
//! - `POST /clusters/{c}/nodes/{node}/{stop|start|restart}`: node = `fe0`, `be1`, `cn0`, …
//! - `PUT  /clusters/{c}/nodes/{node}/faults`: `{"http":"error500"|"garbage"|"none","http_delay_ms":…,"sql_delay_ms":…}`.
//! - `POST /clusters/{c}/nodes/{node}/fill`: `{"used_pct":93.0,"path":"/data1/…"}` or `{"rate_multiplier":50}`.
//! - `POST /clusters/{c}/leader`: `{"fe":1}` or `{}` for the next follower.
//! - `PUT  /clusters/{c}/show_fault`: `{"corrupt":true}` makes SHOW values malformed.
//! - `POST /clock/advance`: `{"seconds":…}`; `GET /clock`.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::cluster::{Clock, Cluster, Faults, NodeKind};
use crate::model::Workload;

#[derive(Clone)]
pub struct Control {
    pub clusters: Arc<Vec<Arc<Cluster>>>,
    pub clock: Arc<Clock>,
    pub base_url: Arc<str>,
}

pub fn router(control: Control) -> Router {
    Router::new()
        .route("/clusters", get(list))
        .route("/clusters/{c}", get(info))
        .route("/clusters/{c}/truth", get(truth))
        .route(
            "/clusters/{c}/workload",
            patch(set_workload).get(get_workload),
        )
        .route("/clusters/{c}/nodes/{node}/{action}", post(node_action))
        .route(
            "/clusters/{c}/nodes/{node}/faults",
            put(set_faults).get(get_faults),
        )
        .route("/clusters/{c}/leader", post(move_leader))
        .route("/clusters/{c}/show_fault", put(show_fault))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .with_state(control)
}

struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, msg.into())
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|e| bad(e.body_text()))
}

impl Control {
    fn cluster(&self, name: &str) -> Result<Arc<Cluster>, ApiError> {
        self.clusters
            .iter()
            .find(|c| c.spec.name == name)
            .cloned()
            .ok_or_else(|| not_found(format!("no cluster named {name:?}")))
    }
}

async fn list(State(ctl): State<Control>) -> Json<Value> {
    Json(Value::Array(
        ctl.clusters.iter().map(|c| c.info(&ctl.base_url)).collect(),
    ))
}

async fn info(State(ctl): State<Control>, Path(c): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(ctl.cluster(&c)?.info(&ctl.base_url)))
}

async fn truth(State(ctl): State<Control>, Path(c): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        ctl.cluster(&c)?.with_state(|st| crate::truth::truth(st)),
    ))
}

async fn get_workload(
    State(ctl): State<Control>,
    Path(c): Path<String>,
) -> Result<Json<Workload>, ApiError> {
    Ok(Json(ctl.cluster(&c)?.with_state(|st| st.workload.clone())))
}

async fn set_workload(
    State(ctl): State<Control>,
    Path(c): Path<String>,
    b: Result<Json<serde_json::Map<String, Value>>, JsonRejection>,
) -> Result<Json<Workload>, ApiError> {
    let cluster = ctl.cluster(&c)?;
    let changes = body(b)?;
    cluster.with_state(|st| {
        let mut merged = serde_json::to_value(&st.workload).map_err(|e| bad(e.to_string()))?;
        if let Value::Object(m) = &mut merged {
            for (k, v) in changes {
                m.insert(k, v);
            }
        }
        let w: Workload = serde_json::from_value(merged).map_err(|e| bad(e.to_string()))?;
        w.validate().map_err(bad)?;
        st.workload = w.clone();
        Ok(Json(w))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fill {
    used_pct: Option<f64>,
    path: Option<String>,
    rate_multiplier: Option<f64>,
}

async fn node_action(
    State(ctl): State<Control>,
    Path((c, node_id, action)): Path<(String, String, String)>,
    b: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let cluster = ctl.cluster(&c)?;
    let node = cluster
        .node(&node_id)
        .cloned()
        .ok_or_else(|| not_found(format!("no node {node_id:?} in {c}")))?;
    if action == "fill" {
        let NodeKind::Be(i) = node.kind else {
            return Err(bad("only backends have disks to fill"));
        };
        let fill: Fill = serde_json::from_value(body(b)?).map_err(|e| bad(e.to_string()))?;
        cluster.with_state(|st| {
            if let Some(m) = fill.rate_multiplier {
                if !(m.is_finite() && m >= 0.0) {
                    return Err(bad("rate_multiplier must be a non-negative number"));
                }
                if let Some(be) = st.bes.get_mut(i) {
                    be.fill_multiplier = m;
                }
            }
            if let Some(pct) = fill.used_pct {
                st.fill_disk(i, fill.path.as_deref(), pct).map_err(bad)?;
            }
            Ok(())
        })?;
        return Ok(Json(json!({"node": node_id, "filled": true})));
    }
    match (action.as_str(), node.kind) {
        ("stop", NodeKind::Fe(i)) => cluster.with_state(|st| st.stop_fe(i)),
        ("start", NodeKind::Fe(i)) => cluster.with_state(|st| st.start_fe(i)),
        ("restart", NodeKind::Fe(i)) => cluster.with_state(|st| st.restart_fe(i)),
        ("stop", NodeKind::Be(i)) => cluster.with_state(|st| st.stop_be(i)),
        ("start", NodeKind::Be(i)) => cluster.with_state(|st| st.start_be(i)),
        ("restart", NodeKind::Be(i)) => cluster.with_state(|st| {
            st.stop_be(i);
            st.start_be(i)
        }),
        (other, _) => return Err(not_found(format!("no action {other:?} for node {node_id}"))),
    }
    // A restart is a new generation: the old process's connections go away.
    let up = action != "stop";
    node.set_running(up);
    Ok(Json(json!({"node": node_id, "up": up})))
}

async fn get_faults(
    State(ctl): State<Control>,
    Path((c, node_id)): Path<(String, String)>,
) -> Result<Json<Faults>, ApiError> {
    let cluster = ctl.cluster(&c)?;
    let node = cluster
        .node(&node_id)
        .cloned()
        .ok_or_else(|| not_found(format!("no node {node_id:?} in {c}")))?;
    let faults = *node.faults.lock();
    Ok(Json(faults))
}

async fn set_faults(
    State(ctl): State<Control>,
    Path((c, node_id)): Path<(String, String)>,
    b: Result<Json<Faults>, JsonRejection>,
) -> Result<Json<Faults>, ApiError> {
    let cluster = ctl.cluster(&c)?;
    let node = cluster
        .node(&node_id)
        .cloned()
        .ok_or_else(|| not_found(format!("no node {node_id:?} in {c}")))?;
    let faults = body(b)?;
    *node.faults.lock() = faults;
    Ok(Json(faults))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LeaderMove {
    fe: Option<usize>,
}

async fn move_leader(
    State(ctl): State<Control>,
    Path(c): Path<String>,
    b: Result<Json<LeaderMove>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let cluster = ctl.cluster(&c)?;
    let req = body(b)?;
    let leader = cluster
        .with_state(|st| st.move_leader(req.fe))
        .map_err(bad)?;
    Ok(Json(json!({"leader": format!("fe{leader}")})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShowFault {
    corrupt: bool,
}

async fn show_fault(
    State(ctl): State<Control>,
    Path(c): Path<String>,
    b: Result<Json<ShowFault>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let cluster = ctl.cluster(&c)?;
    let req = body(b)?;
    cluster.with_state(|st| st.corrupt_show = req.corrupt);
    Ok(Json(json!({"corrupt": req.corrupt})))
}

async fn clock(State(ctl): State<Control>) -> Json<Value> {
    Json(json!({"now_ms": ctl.clock.now_ms(), "frozen": ctl.clock.frozen()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

async fn advance(
    State(ctl): State<Control>,
    b: Result<Json<Advance>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let req = body(b)?;
    if !(req.seconds.is_finite() && req.seconds >= 0.0 && req.seconds <= 400.0 * 86_400.0) {
        return Err(bad("seconds must be between 0 and 400 days"));
    }
    ctl.clock.advance((req.seconds * 1000.0) as i64);
    // Bring every model forward now, so the cost is paid here and not by the next scrape.
    for c in ctl.clusters.iter() {
        c.with_state(|_| ());
    }
    Ok(Json(json!({"now_ms": ctl.clock.now_ms()})))
}
