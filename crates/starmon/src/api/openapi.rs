//! The OpenAPI 3.0 document of the API, served at `/api/v1/openapi.json`: utoipa's
//! `#[derive(OpenApi)]` over the handlers' `#[utoipa::path]` attributes and their request and
//! response types, with `Modify` hooks for what is known only at run time (the metric names) and
//! for the schemas of model types, written here. `.ci/fuzz-api` runs schemathesis against a live
//! server with it, so a response that contradicts it fails CI.

use axum::Json;
use serde_json::{json, Value};
use utoipa::openapi::path::PathItemType;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    ArrayBuilder, Content, ObjectBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, SchemaType,
};
use utoipa::{Modify, OpenApi};

use super::history::numeric_names;
use super::request::{ApiQuery, NoQuery};
use super::{alerts, channels, clusters, computed, fleet, history, live};
use crate::model::Snapshot;

fn nullable(t: &str) -> Value {
    json!({"type": t, "nullable": true})
}

/// An object whose listed properties are all required (the server always writes every key).
fn object(props: Value) -> Value {
    let required: Vec<String> = props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    json!({"type": "object", "required": required, "properties": props})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn list_of(items: Value) -> Value {
    json!({"type": "array", "nullable": true, "items": items})
}

fn strings(names: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for n in names {
        m.insert(n.to_string(), nullable("string"));
    }
    Value::Object(m)
}

fn overview_schema() -> Value {
    let mut running = strings(&["user", "client", "db", "sql", "query_id"]);
    running["fe"] = json!({"type": "string"});
    running["connection_id"] = nullable("integer");
    running["seconds"] = nullable("integer");
    let mut load = strings(&[
        "job_id",
        "label",
        "state",
        "progress",
        "type",
        "create_time",
        "error",
    ]);
    load["db"] = json!({"type": "string"});
    let mut change = strings(&[
        "job_id",
        "table",
        "state",
        "progress",
        "create_time",
        "message",
    ]);
    change["db"] = json!({"type": "string"});
    let mut routine = strings(&["id", "name", "table", "state", "reason"]);
    routine["db"] = json!({"type": "string"});
    let mut mv = strings(&[
        "db",
        "name",
        "refresh_type",
        "inactive_reason",
        "last_refresh_state",
        "last_refresh_start_time",
        "last_refresh_error",
    ]);
    mv["is_active"] = nullable("boolean");
    mv["last_refresh_duration_secs"] = nullable("number");
    json!({
        "type": "object",
        "required": ["cluster_id", "name", "source", "stale", "fetched_at", "error", "outcome",
                     "errors", "summary", "nodes", "running_queries", "loads", "transactions",
                     "schema_changes", "routine_loads", "materialized_views", "truncated"],
        "properties": {
            "cluster_id": {"type": "integer"},
            "name": {"type": "string"},
            "source": {"type": "string", "enum": ["live", "stored"],
                       "description": "live: asked just now; stored: the cluster did not answer, this is the latest stored collection"},
            "stale": {"type": "boolean"},
            "fetched_at": {"type": "integer"},
            "error": nullable("string"),
            "version": nullable("string"),
            "outcome": {"type": "string", "enum": ["ok", "partial", "failed"]},
            "errors": {"type": "array", "items": reference("SourceError")},
            "stored_at": nullable("integer"),
            "nodes_at": nullable("integer"),
            "summary": {"allOf": [reference("Snapshot")], "nullable": true},
            "nodes": {"type": "array", "items": reference("Node")},
            "running_queries": list_of(object(running)),
            "loads": list_of(object(load)),
            "transactions": list_of(object(json!({
                "db": {"type": "string"}, "running": nullable("integer"), "finished": nullable("integer"),
            }))),
            "schema_changes": list_of(object(change)),
            "routine_loads": list_of(object(routine)),
            "materialized_views": list_of(object(mv)),
            "truncated": {"type": "boolean"},
        }
    })
}

fn check_schema() -> Value {
    object(json!({
        "ok": {"type": "boolean"},
        "version": nullable("string"),
        "login_error": nullable("string"),
        "nodes": {"type": "array", "items": object(json!({
            "node_id": {"type": "string"},
            "kind": {"type": "string", "enum": ["fe", "be", "cn"], "nullable": true},
            "host": {"type": "string"},
            "alive": nullable("boolean"),
            "ok": {"type": "boolean"},
        }))},
        "errors": {"type": "array", "items": reference("SourceError")},
    }))
}

fn severity_schema() -> Value {
    json!({"type": "string", "enum": ["info", "warning", "critical"]})
}

fn alert_schema() -> Value {
    let mut a = object(json!({
        "id": {"type": "integer"}, "rule_id": {"type": "string"}, "cluster_id": {"type": "integer"},
        "subject": {"type": "string"}, "state": {"type": "string", "enum": ["pending", "firing"]},
        "severity": severity_schema(), "value": nullable("number"), "threshold": nullable("number"),
        "summary": {"type": "string"}, "since": {"type": "integer"}, "fired_at": nullable("integer"),
        "acked_by": nullable("string"), "acked_at": nullable("integer"), "updated_at": {"type": "integer"},
    }));
    a["properties"]["rule_name"] = json!({"type": "string"});
    a["properties"]["cluster_name"] = nullable("string");
    a["properties"]["silenced"] = json!({"type": "boolean"});
    a
}

fn alert_event_schema() -> Value {
    object(json!({
        "id": {"type": "integer"}, "alert_id": {"type": "integer"}, "rule_id": {"type": "string"},
        "cluster_id": {"type": "integer"}, "subject": {"type": "string"},
        "event": {"type": "string", "enum": ["pending", "firing", "resolved", "acknowledged"]},
        "severity": severity_schema(), "value": nullable("number"), "summary": {"type": "string"},
        "at": {"type": "integer"}, "notified": {"type": "boolean"}, "detail": nullable("string"),
    }))
}

fn silence_schema() -> Value {
    object(json!({
        "id": {"type": "integer"}, "cluster_id": nullable("integer"), "rule_id": nullable("string"),
        "subject": nullable("string"), "starts_at": {"type": "integer"}, "ends_at": {"type": "integer"},
        "comment": {"type": "string"}, "created_by": nullable("string"), "created_at": {"type": "integer"},
    }))
}

/// The operations, from the handlers' `#[utoipa::path]` attributes; the modifiers add what is
/// known only at run time.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "starmon API",
        description = "Monitoring of StarRocks clusters: live state, history, computed figures and capacity forecasts. Times are unix milliseconds (UTC) unless noted. Unknown values are null, never 0."
    ),
    paths(
        super::health::healthz,
        super::own_metrics::own_metrics,
        openapi_json,
        clusters::list,
        clusters::create,
        fleet::fleet,
        clusters::test_new,
        clusters::one,
        clusters::update,
        clusters::remove,
        clusters::test_registered,
        live::overview,
        history::latest,
        live::nodes,
        history::metrics,
        history::node_metrics,
        history::status,
        computed::kpis,
        history::daily,
        crate::auth::login,
        crate::auth::logout,
        crate::auth::me,
        crate::auth::list_tokens,
        crate::auth::create_token,
        crate::auth::revoke_token,
        history::capacity,
        alerts::list,
        alerts::history,
        alerts::ack,
        alerts::rules,
        alerts::create_rule,
        alerts::patch_rule,
        alerts::delete_rule,
        alerts::silences,
        alerts::create_silence,
        alerts::delete_silence,
        channels::channels,
        channels::create_channel,
        channels::update_channel,
        channels::delete_channel,
        channels::test_channel,
    ),
    components(schemas(
        super::error::ErrorBody,
        clusters::NewClusterBody,
        clusters::ClusterUpdateBody,
        alerts::RuleView,
        history::HistoryBody,
    )),
    security(("bearer" = []), ("session" = [])),
    modifiers(&Security, &MetricNames, &RowSchemas, &ModelSchemas, &Bodies, &Protected),
)]
struct ApiDoc;

/// The ways to authenticate (the operations with `security()` need none).
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some("An API token (smt_…) or a session value (sms_…)".into());
        let schemes = doc.components.get_or_insert_with(Default::default);
        schemes.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        schemes.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The metric names a history request may ask for are the numeric fields of the row types: the
/// `names` parameter lists them and gives a pattern of them, and is required (the handler says so
/// by name when it is missing).
struct MetricNames;

impl Modify for MetricNames {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for (path, names) in [
            ("/api/v1/clusters/{id}/metrics", snapshot_names()),
            (
                "/api/v1/clusters/{id}/nodes/{node}/metrics",
                super::history::node_metric_names(),
            ),
        ] {
            let Some(op) = operation(doc, path, PathItemType::Get) else {
                continue;
            };
            for p in op.parameters.iter_mut().flatten() {
                if p.name == "names" {
                    let alternatives = names.join("|");
                    p.required = Required::True;
                    p.description = Some(format!(
                        "Comma-separated metric names, of: {}",
                        names.join(",")
                    ));
                    if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
                        o.pattern = Some(format!("^({alternatives})(,({alternatives}))*$"));
                    }
                }
            }
        }
    }
}

/// The `Snapshot` and `Node` schemas: the numeric fields of the row types, whose names are the
/// metrics the history endpoints accept, as nullable numbers (NULL = unknown, never 0), and the
/// fields that are not measurements.
struct RowSchemas;

impl Modify for RowSchemas {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
        let snapshot = numeric(&snapshot_names())
            .property("collected_at", typed(SchemaType::Integer))
            .required("collected_at");
        schemas.insert("Snapshot".into(), snapshot.into());
        let disk = ObjectBuilder::new()
            .property("path", typed(SchemaType::String))
            .property("total_bytes", typed(SchemaType::Integer))
            .property("avail_bytes", typed(SchemaType::Integer))
            .property("data_used_bytes", typed(SchemaType::Integer).nullable(true))
            .required("path")
            .required("total_bytes")
            .required("avail_bytes")
            .required("data_used_bytes");
        let node = numeric(&super::history::node_metric_names())
            .property("node_id", typed(SchemaType::String))
            .property(
                "kind",
                typed(SchemaType::String)
                    .enum_values(Some(["fe", "be", "cn"]))
                    .nullable(true),
            )
            .property("host", typed(SchemaType::String))
            .property("alive", typed(SchemaType::Boolean).nullable(true))
            .property("role", typed(SchemaType::String).nullable(true))
            .property("disks", ArrayBuilder::new().items(disk))
            .required("node_id")
            .required("host")
            .required("disks");
        schemas.insert("Node".into(), node.into());
    }
}

fn typed(t: SchemaType) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(t)
}

/// An object whose properties `names` are nullable numbers.
fn numeric(names: &[String]) -> ObjectBuilder {
    names.iter().fold(ObjectBuilder::new(), |o, n| {
        o.property(n, typed(SchemaType::Number).nullable(true))
    })
}

/// Every body is required: utoipa leaves that out for one given by reference. Creating a channel
/// takes the body of a change, but needs a name and a kind (the handler says so by name when
/// either is missing).
struct Bodies;

impl Modify for Bodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for body in item
                .operations
                .values_mut()
                .filter_map(|op| op.request_body.as_mut())
            {
                body.required = Some(Required::True);
            }
        }
        let body = operation(doc, "/api/v1/channels", PathItemType::Post)
            .and_then(|op| op.request_body.as_mut())
            .and_then(|b| b.content.get_mut("application/json"));
        if let Some(RefOr::T(Schema::Object(o))) = body.map(|c| &mut c.schema) {
            o.required = vec!["name".into(), "kind".into()];
        }
    }
}

/// With access control on, every operation but the public ones (`security()`: none needed)
/// answers 401 without a valid session or token. The operations go without ids and tags.
struct Protected;

impl Modify for Protected {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in item.operations.values_mut() {
                op.operation_id = None;
                op.tags = None;
                if op.security.as_ref().is_some_and(Vec::is_empty) {
                    continue;
                }
                op.responses
                    .responses
                    .entry("401".into())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description("Access control is on and the request carries no valid session or token")
                            .content("application/json", Content::new(Ref::from_schema_name("Error")))
                            .into()
                    });
            }
        }
    }
}

fn operation<'a>(
    doc: &'a mut utoipa::openapi::OpenApi,
    path: &str,
    method: PathItemType,
) -> Option<&'a mut utoipa::openapi::path::Operation> {
    doc.paths.paths.get_mut(path)?.operations.get_mut(&method)
}

fn snapshot_names() -> Vec<String> {
    numeric_names::<Snapshot>(&["collected_at"])
}

/// This document
#[utoipa::path(get, path = "/api/v1/openapi.json", security(),
    responses((status = 200, description = "OpenAPI 3.0", body = Object)))]
pub(super) async fn openapi_json(_: ApiQuery<NoQuery>) -> Json<Value> {
    Json(document())
}

/// The OpenAPI document.
pub fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// The schemas of the model and store types the answers carry: those types have no `ToSchema`
/// of their own (the model does not know about the API), so these are written by hand, in JSON
/// read into utoipa's `Schema` (the test `model_schemas_read_back_whole` checks nothing is lost).
struct ModelSchemas;

impl Modify for ModelSchemas {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
        for (name, schema) in model_schemas() {
            match serde_json::from_value::<RefOr<Schema>>(schema) {
                Ok(s) => {
                    schemas.insert(name.to_string(), s);
                }
                Err(e) => tracing::error!(name, "model schema does not read: {e}"),
            }
        }
    }
}

fn model_schemas() -> Vec<(&'static str, Value)> {
    let cluster = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "name", "fe_host", "fe_query_port", "fe_http_port", "user", "created_at"],
        "properties": {
            "id": {"type": "integer", "format": "int64"},
            "name": {"type": "string"},
            "fe_host": {"type": "string"},
            "fe_query_port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "fe_http_port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "user": {"type": "string"},
            "created_at": {"type": "integer", "format": "int64"},
        }
    });
    let status = object(json!({
        "collected_at": {"type": "integer"},
        "outcome": {"type": "string", "enum": ["ok", "partial", "failed"]},
        "duration_ms": {"type": "integer"},
        "errors": {"type": "array", "items": reference("SourceError")},
    }));
    vec![
        (
            "SourceError",
            object(json!({"source": {"type": "string"}, "error": {"type": "string"}})),
        ),
        ("Cluster", cluster),
        ("ConnectionCheck", check_schema()),
        ("Overview", overview_schema()),
        ("Alert", alert_schema()),
        (
            "Token",
            object(json!({
            "id": {"type": "integer"}, "name": {"type": "string"}, "username": {"type": "string"},
            "created_at": {"type": "integer"}, "last_used_at": nullable("integer"), "revoked_at": nullable("integer")})),
        ),
        ("CollectionStatus", status),
        (
            "DailySnapshot",
            json!({"type": "object", "required": ["date", "samples"]}),
        ),
        ("AlertEvent", alert_event_schema()),
        ("Silence", silence_schema()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query parameters come from the handlers' structs; their constraints are attributes
    /// there, so check the ones that must agree with the code.
    #[test]
    fn generated_query_parameters_agree_with_the_handlers() {
        let doc = document();
        let mut patterns = std::collections::BTreeSet::new();
        for ops in doc["paths"].as_object().expect("paths").values() {
            for op in ops.as_object().expect("ops").values() {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    assert!(p["schema"].get("nullable").is_none(), "{p}");
                    if ["from", "to", "at"].contains(&p["name"].as_str().unwrap_or("")) {
                        patterns.insert(p["schema"]["pattern"].to_string());
                    }
                }
            }
        }
        // One pattern for every time parameter, and parse_time reads what it allows.
        assert_eq!(patterns.len(), 1, "{patterns:?}");
        let metrics = &doc["paths"]["/api/v1/clusters/{id}/metrics"]["get"]["parameters"];
        let param = |name: &str| {
            metrics
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == name)
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(
            param("points")["schema"]["maximum"],
            json!(super::super::history::MAX_POINTS)
        );
        assert_eq!(param("names")["required"], json!(true));
        assert_eq!(param("from")["required"], json!(false));
        assert_eq!(param("from")["example"], json!("1767225600000"));
        for ok in [
            "1767225600000",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.5+08:00",
        ] {
            assert!(super::super::request::parse_time("t", ok).is_ok(), "{ok}");
        }
        let states = &doc["paths"]["/api/v1/alerts"]["get"]["parameters"][1]["schema"]["enum"];
        assert_eq!(states, &json!(["pending", "firing", "all"]));
    }

    /// Every body is read with `deny_unknown_fields`, and the document says so.
    #[test]
    fn every_body_refuses_unknown_fields() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        for (path, ops) in doc["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("ops") {
                let Some(body) = op.get("requestBody") else {
                    continue;
                };
                let mut schema = &body["content"]["application/json"]["schema"];
                if let Some(r) = schema["$ref"].as_str() {
                    schema = &schemas[r.trim_start_matches("#/components/schemas/")];
                }
                assert_eq!(
                    schema["additionalProperties"],
                    json!(false),
                    "{method} {path}"
                );
            }
        }
    }

    /// Nothing of a hand-written schema is lost reading it into utoipa's `Schema`.
    #[test]
    fn model_schemas_read_back_whole() {
        fn same(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
                (Value::Array(x), Value::Array(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
                }
                (Value::Object(x), Value::Object(y)) => {
                    x.len() == y.len()
                        && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
                }
                _ => a == b,
            }
        }
        for (name, schema) in model_schemas() {
            let read: RefOr<Schema> = serde_json::from_value(schema.clone()).expect(name);
            let back = serde_json::to_value(read).expect(name);
            assert!(same(&schema, &back), "{name}: {schema} became {back}");
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(schemas.contains_key(&name), "dangling $ref {name}");
        }
    }
}
