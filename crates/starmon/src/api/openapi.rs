//! The OpenAPI 3.0 document of the API, served at `/api/v1/openapi.json`. Written in code so that
//! the metric names it lists are the ones the handlers accept; `.ci/fuzz-api` runs schemathesis
//! against a live server with it, so a response that contradicts it fails CI.

use serde_json::{json, Value};

use super::history::numeric_names;
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

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn error(description: &str) -> Value {
    json_response(description, reference("Error"))
}

/// The numeric fields of a row type as nullable numbers (NULL = unknown, never 0).
fn numeric_schema(names: &[String], extra: Value) -> Value {
    let mut props = serde_json::Map::new();
    for n in names {
        props.insert(n.clone(), nullable("number"));
    }
    if let Value::Object(m) = extra {
        props.extend(m);
    }
    json!({"type": "object", "properties": props, "required": ["collected_at"]})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true,
           "description": "Cluster id", "schema": {"type": "integer", "format": "int64"}})
}

/// Unix milliseconds, or an RFC 3339 time.
const TIME_PATTERN: &str = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$";

fn time_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description,
           "schema": {"type": "string", "pattern": TIME_PATTERN}, "example": "1767225600000"})
}

fn history_params(names: &[String]) -> Value {
    let list = names.join(",");
    json!([
        id_param(),
        {"name": "names", "in": "query", "required": true,
         "description": format!("Comma-separated metric names, of: {list}"),
         "schema": {"type": "string", "pattern": format!("^({})(,({}))*$", names.join("|"), names.join("|"))}},
        time_param("from", "Start (unix ms or RFC 3339; default: an hour before `to`)"),
        time_param("to", "End, exclusive (unix ms or RFC 3339; default: now)"),
        {"name": "step", "in": "query", "required": false,
         "description": "Bucket width in seconds (default: the range divided by `points`)",
         "schema": {"type": "integer", "minimum": 1}},
        {"name": "points", "in": "query", "required": false,
         "description": "The most points per series (default 1000)",
         "schema": {"type": "integer", "minimum": 1, "maximum": super::MAX_POINTS}},
    ])
}

fn history_schema() -> Value {
    let point = object(json!({
        "t": {"type": "integer", "format": "int64"},
        "min": nullable("number"), "avg": nullable("number"), "max": nullable("number"),
    }));
    json!({
        "type": "object",
        "required": ["cluster_id", "from", "to", "step_seconds", "series"],
        "properties": {
            "cluster_id": {"type": "integer"},
            "node_id": {"type": "string"},
            "from": {"type": "integer"}, "to": {"type": "integer"},
            "step_seconds": {"type": "integer"},
            "detail_from": {"type": "integer", "description": "Points before this instant come from the daily rollups"},
            "series": {"type": "object", "additionalProperties": {"type": "array", "items": point}},
        }
    })
}

fn node_schema(names: &[String]) -> Value {
    let mut s = numeric_schema(
        names,
        json!({
            "node_id": {"type": "string"},
            "kind": {"type": "string", "enum": ["fe", "be", "cn"], "nullable": true},
            "host": {"type": "string"},
            "alive": nullable("boolean"),
            "role": nullable("string"),
            "disks": {"type": "array", "items": object(json!({
                "path": {"type": "string"},
                "total_bytes": {"type": "integer"},
                "avail_bytes": {"type": "integer"},
                "data_used_bytes": nullable("integer"),
            }))},
        }),
    );
    s["required"] = json!(["node_id", "host", "disks"]);
    s
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

fn fleet_item() -> Value {
    let mut props = serde_json::Map::new();
    for n in [
        "fe_alive",
        "fe_total",
        "be_alive",
        "be_total",
        "cn_alive",
        "cn_total",
        "collected_at",
        "alerts_firing",
    ] {
        props.insert(n.into(), nullable("integer"));
    }
    for n in [
        "qps",
        "query_latency_p99",
        "error_rate",
        "disk_usage_pct",
        "max_disk_used_pct",
        "days_until_90",
    ] {
        props.insert(n.into(), nullable("number"));
    }
    let mut item = object(Value::Object(props));
    item["properties"]["id"] = json!({"type": "integer"});
    item["properties"]["name"] = json!({"type": "string"});
    item["properties"]["health"] =
        json!({"type": "string", "enum": ["ok", "unknown", "warning", "critical"]});
    item["properties"]["reasons"] = json!({"type": "array", "items": {"type": "string", "enum": [
        "no_data", "collection_failed", "collection_partial", "collection_stale", "no_fe_majority",
        "fe_dead", "no_be_alive", "be_dead", "cn_dead", "disk_over_95", "disk_over_90",
        "disk_90_within_7_days", "alerts_firing"]}});
    item["properties"]["outcome"] =
        json!({"type": "string", "enum": ["ok", "partial", "failed"], "nullable": true});
    item["properties"]["errors"] = json!({"type": "integer"});
    item["properties"]["date_90"] = json!({"type": "string", "format": "date", "nullable": true});
    item["required"] = json!(["id", "name", "health", "reasons", "outcome", "errors"]);
    item
}

fn severity_schema() -> Value {
    json!({"type": "string", "enum": ["info", "warning", "critical"]})
}

fn cluster_query() -> Value {
    json!({"name": "cluster_id", "in": "query", "required": false, "schema": {"type": "integer", "format": "int64"}})
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

fn rule_schema() -> Value {
    object(json!({
        "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "builtin": {"type": "boolean"}, "unit": {"type": "string"},
        "op": {"type": "string", "enum": [">", ">=", "<", "<="]}, "enabled": {"type": "boolean"},
        "threshold": {"type": "number"}, "for_secs": {"type": "integer"}, "severity": severity_schema(),
        "cluster_id": nullable("integer"), "scope": {"type": "string", "enum": ["cluster", "node"], "nullable": true},
        "metric": nullable("string"),
    }))
}

fn silence_schema() -> Value {
    object(json!({
        "id": {"type": "integer"}, "cluster_id": nullable("integer"), "rule_id": nullable("string"),
        "subject": nullable("string"), "starts_at": {"type": "integer"}, "ends_at": {"type": "integer"},
        "comment": {"type": "string"}, "created_by": nullable("string"), "created_at": {"type": "integer"},
    }))
}

fn channel_schema() -> Value {
    let mut c = object(json!({
        "id": {"type": "integer"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": super::alerts::CHANNEL_KINDS},
        "url": {"type": "string", "description": "With its tokens masked"},
        "has_secret": {"type": "boolean"}, "min_severity": severity_schema(),
        "enabled": {"type": "boolean"}, "created_at": {"type": "integer"},
    }));
    c["additionalProperties"] = json!(false);
    c
}

fn channel_body(create: bool) -> Value {
    let text = json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$"});
    let mut b = json!({"type": "object", "additionalProperties": false, "properties": {
        "name": text, "kind": {"type": "string", "enum": super::alerts::CHANNEL_KINDS},
        "url": {"type": "string", "writeOnly": true, "description": "http(s) webhook URL (a secret)"},
        "secret": {"type": "string", "writeOnly": true, "description": "DingTalk/Feishu signing secret; empty removes it"},
        "email": {"type": "object", "writeOnly": true, "description": "SMTP settings for kind email"},
        "min_severity": severity_schema(), "enabled": {"type": "boolean"},
    }});
    if create {
        b["required"] = json!(["name", "kind"]);
    }
    b
}

/// The alert operations (a separate `json!` keeps the macro within its recursion limit).
fn alert_paths(bad: &Value) -> Value {
    let text = json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$"});
    json!({
            "/api/v1/alerts": {"get": {"summary": "Alerts pending or firing now",
                "parameters": [cluster_query(), {"name": "state", "in": "query", "required": false,
                    "schema": {"type": "string", "enum": ["pending", "firing", "all"]}}],
                "responses": {"200": json_response("Alerts", object(json!({"alerts": {"type": "array", "items": reference("Alert")}}))),
                              "400": bad.clone()}}},
            "/api/v1/alerts/history": {"get": {"summary": "Alert transitions (pending, firing, resolved, acknowledged), newest first",
                "parameters": [cluster_query(), time_param("from", "Start (default: a day before `to`)"), time_param("to", "End (default: now)"),
                    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 10000}}],
                "responses": {"200": json_response("Events", object(json!({"events": {"type": "array", "items": alert_event_schema()}}))),
                              "400": bad.clone()}}},
            "/api/v1/alerts/{id}/ack": {"post": {"summary": "Acknowledge an alert",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                "responses": {"200": json_response("Acknowledged", reference("Alert")), "400": bad.clone(), "404": error("No such alert")}}},
            "/api/v1/alert-rules": {
                "get": {"summary": "Built-in and user rules with their effective settings, and the metrics user rules may use",
                    "responses": {"200": json_response("Rules", object(json!({"rules": {"type": "array", "items": reference("Rule")},
                        "metrics": object(json!({"cluster": {"type": "array", "items": {"type": "string"}}, "node": {"type": "array", "items": {"type": "string"}}}))})))}},
                "post": {"summary": "A user rule: a threshold on a stored metric of the cluster or of each node",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                        "required": ["name", "scope", "metric", "op", "threshold", "severity"],
                        "properties": {"name": text, "cluster_id": {"type": "integer", "nullable": true}, "scope": {"type": "string", "enum": ["cluster", "node"]},
                            "metric": {"type": "string"}, "op": {"type": "string", "enum": [">", ">=", "<", "<="]}, "threshold": {"type": "number"},
                            "for_secs": {"type": "integer", "minimum": 0, "maximum": 604800}, "severity": severity_schema(), "enabled": {"type": "boolean"}}}}}},
                    "responses": {"201": json_response("Created", reference("Rule")), "400": bad.clone()}},
            },
            "/api/v1/alert-rules/{id}": {
                "patch": {"summary": "Change a rule's settings (built-in: enabled, threshold, for_secs, severity)",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                        "properties": {"enabled": {"type": "boolean"}, "threshold": {"type": "number"}, "for_secs": {"type": "integer", "minimum": 0, "maximum": 604800},
                            "severity": severity_schema(), "name": text}}}}},
                    "responses": {"200": json_response("Rule", reference("Rule")), "400": bad.clone(), "404": error("No such rule")}},
                "delete": {"summary": "Delete a user rule (built-in rules are disabled instead)",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "Deleted"}, "400": bad.clone(), "404": error("No such rule")}},
            },
            "/api/v1/silences": {
                "get": {"summary": "Silences (active and future; all with all=true)",
                    "parameters": [{"name": "all", "in": "query", "required": false, "schema": {"type": "boolean"}}],
                    "responses": {"200": json_response("Silences", object(json!({"silences": {"type": "array", "items": silence_schema()}}))), "400": bad.clone()}},
                "post": {"summary": "Mute notifications of matching alerts until ends_at",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                        "required": ["comment"],
                        "properties": {"cluster_id": {"type": "integer", "nullable": true}, "rule_id": {"type": "string", "nullable": true},
                            "subject": {"type": "string", "nullable": true}, "starts_at": {}, "ends_at": {},
                            "duration_secs": {"type": "integer", "minimum": 1, "maximum": 31622400}, "comment": text}}}}},
                    "responses": {"201": json_response("Created", silence_schema()), "400": bad.clone()}},
            },
            "/api/v1/silences/{id}": {"delete": {"summary": "End a silence",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                "responses": {"204": {"description": "Deleted"}, "400": bad.clone(), "404": error("No such silence")}}},
            "/api/v1/channels": {
                "get": {"summary": "Notification channels (URLs with their tokens masked)",
                    "responses": {"200": json_response("Channels", object(json!({"channels": {"type": "array", "items": channel_schema()}})))}},
                "post": {"summary": "Add a notification channel",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": channel_body(true)}}},
                    "responses": {"201": json_response("Created", channel_schema()), "400": bad.clone(), "409": error("The name is taken")}},
            },
            "/api/v1/channels/{id}": {
                "patch": {"summary": "Change a channel (the fields given)",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": channel_body(false)}}},
                    "responses": {"200": json_response("Channel", channel_schema()), "400": bad.clone(), "404": error("No such channel"), "409": error("The name is taken")}},
                "delete": {"summary": "Remove a channel",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                    "responses": {"204": {"description": "Removed"}, "400": bad.clone(), "404": error("No such channel")}},
            },
            "/api/v1/channels/{id}/test": {"post": {"summary": "Send a test notification now",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                "responses": {"200": json_response("Result", object(json!({"ok": {"type": "boolean"}, "error": nullable("string")}))),
                              "400": bad.clone(), "404": error("No such channel")}}}
    })
}

fn forecast_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["reached", "expected", "not_growing", "not_enough_history"]},
        }
    })
}

fn kpi_schema() -> Value {
    let window = object(json!({
        "current": nullable("number"), "previous": nullable("number"), "change_pct": nullable("number"),
        "day_ago": nullable("number"), "day_change_pct": nullable("number"),
        "week_ago": nullable("number"), "week_change_pct": nullable("number"),
    }));
    let day = object(json!({
        "value": nullable("number"), "previous": nullable("number"), "change_pct": nullable("number"),
        "week_ago": nullable("number"), "week_change_pct": nullable("number"),
    }));
    json!({
        "type": "object",
        "required": ["cluster_id", "at", "window_seconds", "samples", "kpis", "latest", "daily"],
        "properties": {
            "cluster_id": {"type": "integer"},
            "at": {"type": "integer"},
            "window_seconds": {"type": "integer"},
            "samples": {"type": "integer"},
            "kpis": {"type": "object", "additionalProperties": window},
            "latest": {"type": "object", "nullable": true},
            "daily": object(json!({
                "date": {"type": "string", "format": "date"},
                "previous_date": {"type": "string", "format": "date"},
                "week_ago_date": {"type": "string", "format": "date"},
                "figures": {"type": "object", "additionalProperties": day},
            })),
        }
    })
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut doc = unprotected_document();
    let bad = error("A parameter is wrong; the message names it");
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), alert_paths(&bad)) {
        paths.extend(more);
    }
    // With access control on, every operation but the public ones answers 401 without a valid
    // session or token.
    let denied = error("Access control is on and the request carries no valid session or token");
    if let Some(paths) = doc["paths"].as_object_mut() {
        for ops in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in ops.values_mut() {
                let public = op["security"].as_array().is_some_and(Vec::is_empty);
                if let (false, Some(r)) = (public, op["responses"].as_object_mut()) {
                    r.entry("401").or_insert_with(|| denied.clone());
                }
            }
        }
    }
    doc
}

fn unprotected_document() -> Value {
    let snapshot_names = numeric_names::<Snapshot>(&["collected_at"]);
    let node_names = super::node_metric_names();
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
    let text = json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$"});
    let port = json!({"type": "integer", "minimum": 1, "maximum": 65535});
    let new_cluster = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "fe_host", "fe_query_port", "fe_http_port", "user", "password"],
        "properties": {
            "name": text, "fe_host": text, "fe_query_port": port, "fe_http_port": port, "user": text,
            "password": {"type": "string", "writeOnly": true},
            "test": {"type": "boolean", "default": true,
                     "description": "Log in before registering; a cluster that does not answer is refused with 422"},
        }
    });
    let cluster_update = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": text, "fe_host": text, "fe_query_port": port, "fe_http_port": port, "user": text,
            "password": {"type": "string", "writeOnly": true},
        }
    });
    let status = object(json!({
        "collected_at": {"type": "integer"},
        "outcome": {"type": "string", "enum": ["ok", "partial", "failed"]},
        "duration_ms": {"type": "integer"},
        "errors": {"type": "array", "items": reference("SourceError")},
    }));
    let mut node_params = history_params(&node_names);
    if let Some(a) = node_params.as_array_mut() {
        a.insert(
            1,
            json!({"name": "node", "in": "path", "required": true, "schema": {"type": "string"}}),
        );
    }
    let denied = error("Access control is on and the request carries no valid session or token");
    let unknown = error("No cluster with this id");
    let bad = error("A parameter is wrong; the message names it");
    let with_id = |summary: &str, ok: Value| {
        json!({"get": {"summary": summary, "parameters": [id_param()],
                       "responses": {"200": ok, "400": bad.clone(), "404": unknown.clone()}}})
    };
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "starmon API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Monitoring of StarRocks clusters: live state, history, computed figures and capacity forecasts. Times are unix milliseconds (UTC) unless noted. Unknown values are null, never 0.",
        },
        "paths": {
            "/healthz": {"get": {"summary": "Liveness", "security": [],
                "responses": {"200": {"description": "Up", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/metrics": {"get": {"summary": "starmon's own metrics (Prometheus / OpenMetrics text)",
                "responses": {"200": {"description": "Metrics", "content": {"application/openmetrics-text": {"schema": {"type": "string"}}}}}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": json_response("OpenAPI 3.0", json!({"type": "object"}))}}},
            "/api/v1/clusters": {
                "get": {"summary": "Registered clusters", "responses": {"200": json_response("Clusters", object(json!({"clusters": {"type": "array", "items": reference("Cluster")}})))}},
                "post": {"summary": "Register a cluster",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": reference("NewCluster")}}},
                    "responses": {"201": json_response("Registered", reference("Cluster")), "400": bad.clone(),
                                  "409": error("The name is taken"), "422": error("The cluster did not accept the login")}},
            },
            "/api/v1/fleet": {"get": {"summary": "Every cluster at a glance: health and why, nodes alive, QPS, p99, errors, disks, days until 90 %",
                "responses": {"200": json_response("Fleet", object(json!({"clusters": {"type": "array", "items": fleet_item()}})))}}},
            "/api/v1/clusters/test": {"post": {"summary": "Test a connection before registering",
                "requestBody": {"required": true, "content": {"application/json": {"schema": reference("NewCluster")}}},
                "responses": {"200": json_response("What answered", reference("ConnectionCheck")), "400": bad.clone()}}},
            "/api/v1/clusters/{id}": {
                "get": {"summary": "One cluster", "parameters": [id_param()],
                        "responses": {"200": json_response("Cluster", reference("Cluster")), "400": bad.clone(), "404": unknown.clone()}},
                "patch": {"summary": "Edit a cluster (only the fields given)", "parameters": [id_param()],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": reference("ClusterUpdate")}}},
                    "responses": {"200": json_response("Edited", reference("Cluster")), "400": bad.clone(), "404": unknown.clone(),
                                  "409": error("The name is taken")}},
                "delete": {"summary": "Remove a cluster and its history", "parameters": [id_param()],
                    "responses": {"204": {"description": "Removed"}, "400": bad.clone(), "404": unknown.clone()}},
            },
            "/api/v1/clusters/{id}/test": {"post": {"summary": "Test the connection of a registered cluster", "parameters": [id_param()],
                "responses": {"200": json_response("What answered", reference("ConnectionCheck")), "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/clusters/{id}/overview": {"get": {"summary": "The cluster right now (cached up to 5 s; falls back to stored data, marked stale)",
                "parameters": [id_param()],
                "responses": {"200": {"description": "Overview", "headers": {"Age": {"schema": {"type": "integer"}, "description": "Seconds since the cluster was asked"}},
                                      "content": {"application/json": {"schema": reference("Overview")}}},
                              "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/clusters/{id}/latest": with_id("The latest stored snapshot", json_response("Snapshot", object(json!({
                "cluster_id": {"type": "integer"}, "snapshot": {"allOf": [reference("Snapshot")], "nullable": true}})))),
            "/api/v1/clusters/{id}/nodes": with_id("The nodes of the latest collection", json_response("Nodes", object(json!({
                "cluster_id": {"type": "integer"}, "collected_at": nullable("integer"),
                "nodes": {"type": "array", "items": reference("Node")}})))),
            "/api/v1/clusters/{id}/metrics": {"get": {"summary": "Metric history, downsampled (min/avg/max per bucket)",
                "parameters": history_params(&snapshot_names),
                "responses": {"200": json_response("Series", reference("History")), "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/clusters/{id}/nodes/{node}/metrics": {"get": {"summary": "One node's history (BE/CN id or FE name)",
                "parameters": node_params,
                "responses": {"200": json_response("Series", reference("History")), "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/clusters/{id}/status": {"get": {"summary": "How each collection went",
                "parameters": [id_param(), time_param("from", "Start (default: an hour before `to`)"), time_param("to", "End (default: now)")],
                "responses": {"200": json_response("Statuses", object(json!({"cluster_id": {"type": "integer"},
                    "statuses": {"type": "array", "items": status}}))), "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/clusters/{id}/kpis": {"get": {"summary": "Success rate, rates and averages over a window, with period-over-period change",
                "parameters": [id_param(),
                    {"name": "window", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 30, "maximum": 86400, "default": 300}},
                    time_param("at", "End of the window (default: now)")],
                "responses": {"200": json_response("KPIs", kpi_schema()), "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/clusters/{id}/daily": {"get": {"summary": "Daily rollups",
                "parameters": [id_param(), {"name": "days", "in": "query", "required": false,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30}}],
                "responses": {"200": json_response("Days", object(json!({"cluster_id": {"type": "integer"},
                    "days": {"type": "array", "items": {"type": "object", "required": ["date", "samples"]}}}))),
                    "400": bad.clone(), "404": unknown.clone()}}},
            "/api/v1/auth/login": {"post": {"summary": "Log in: a session cookie (and its value, usable as a Bearer token)",
                "security": [],
                "requestBody": {"required": true, "content": {"application/json": {"schema": object(json!({
                    "username": {"type": "string"}, "password": {"type": "string", "writeOnly": true}}))}}},
                "responses": {"200": json_response("Logged in", object(json!({"username": {"type": "string"}, "expires_at": {"type": "integer"}}))),
                              "400": bad.clone(), "401": error("Invalid username or password"),
                              "403": error("A cross-origin request from a browser"),
                              "429": error("Too many failed logins for this user name or from this address; the Retry-After header says when to try again")}}},
            "/api/v1/auth/logout": {"post": {"summary": "End the session", "responses": {"204": {"description": "Logged out"}, "401": denied.clone()}}},
            "/api/v1/auth/me": {"get": {"summary": "Who is calling, and whether access control is on",
                "responses": {"200": json_response("Caller", json!({"type": "object", "required": ["auth_enabled", "username"], "properties": {
                    "auth_enabled": {"type": "boolean"}, "username": nullable("string"),
                    "via": {"type": "string", "enum": ["session", "token"]}}})), "401": denied.clone()}}},
            "/api/v1/tokens": {
                "get": {"summary": "Your API tokens (never the token itself); needs a login session",
                    "responses": {"200": json_response("Tokens", object(json!({"tokens": {"type": "array", "items": object(json!({
                        "id": {"type": "integer"}, "name": {"type": "string"}, "username": {"type": "string"},
                        "created_at": {"type": "integer"}, "last_used_at": nullable("integer"), "revoked_at": nullable("integer")}))}}))),
                        "401": denied.clone(), "403": error("Tokens cannot manage tokens")}},
                "post": {"summary": "Create an API token (shown once); needs a login session",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": object(json!({"name": text}))}}},
                    "responses": {"201": json_response("Created", object(json!({"id": {"type": "integer"}, "name": {"type": "string"},
                        "created_at": {"type": "integer"}, "token": {"type": "string"}}))),
                        "400": bad.clone(), "401": denied.clone(), "403": error("Tokens cannot manage tokens")}},
            },
            "/api/v1/tokens/{id}": {"delete": {"summary": "Revoke one of your API tokens; needs a login session",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
                "responses": {"204": {"description": "Revoked"}, "400": bad.clone(), "401": denied.clone(),
                              "403": error("Tokens cannot manage tokens"), "404": error("No such live token of yours")}}},
            "/api/v1/clusters/{id}/capacity": with_id("Capacity forecast per BE data path", json_response("Forecasts", object(json!({
                "cluster_id": {"type": "integer"},
                "paths": {"type": "array", "items": object(json!({
                    "node_id": {"type": "string"}, "path": {"type": "string"}, "days": {"type": "integer"},
                    "no_new_tablets": forecast_schema(), "loads_refused": forecast_schema()}))}})))),
        },
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token (smt_…) or a session value (sms_…)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "starmon_session"},
            },
            "schemas": {
                "Error": object(json!({"error": {"type": "string"}})),
                "SourceError": object(json!({"source": {"type": "string"}, "error": {"type": "string"}})),
                "Cluster": cluster,
                "NewCluster": new_cluster,
                "ClusterUpdate": cluster_update,
                "ConnectionCheck": check_schema(),
                "Snapshot": numeric_schema(&snapshot_names, json!({"collected_at": {"type": "integer"}})),
                "Node": node_schema(&node_names),
                "History": history_schema(),
                "Overview": overview_schema(),
                "Alert": alert_schema(),
                "Rule": rule_schema(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
