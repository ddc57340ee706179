//! Alerts over the API: what is firing, the history, acknowledgements, rules (built-in settings
//! and user rules) and silences. Notification channels are in `channels`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::openapi::{Object, ObjectBuilder, SchemaType};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::request::{
    blocking, check_text, enum_schema, id_of, now_ms, parse_time, range, severity_schema,
    text_schema, ApiJson, ApiPatch, ApiQuery, NoQuery,
};
use super::state::Ctx;
use crate::alerts::engine::{effective_rules, Rule};
use crate::alerts::rules::{self, Op, Scope, Severity, UserRule};
use crate::auth::Identity;
use crate::store::alerts::{ActiveAlert, AlertEvent, RuleOverride, Silence};
use crate::store::StoreError;

fn who(identity: Option<Extension<Identity>>) -> String {
    identity
        .map(|Extension(i)| i.username)
        .unwrap_or_else(|| "anonymous".into())
}

fn cluster_param(c: Option<&str>) -> Result<Option<i64>, ApiError> {
    c.map(|c| {
        c.parse()
            .map_err(|_| ApiError::bad(format!("cluster_id={c:?} is not a number")))
    })
    .transpose()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    #[serde(default)]
    #[param(value_type = i64)]
    cluster_id: Option<String>,
    #[serde(default)]
    #[param(inline, value_type = StateFilter)]
    state: Option<String>,
}

/// Which alerts: pending, firing, or all (the default).
// Only the document reads this enum: the handler reads `state` as text, to name a wrong one.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum StateFilter {
    #[schema(rename = "pending")]
    Pending,
    #[schema(rename = "firing")]
    Firing,
    #[schema(rename = "all")]
    All,
}

/// Alerts pending or firing now
#[utoipa::path(get, path = "/api/v1/alerts", params(ListParams),
    responses((status = 200, description = "Alerts", body = inline(AlertList)), (status = 400, description = "A parameter is wrong; the message names it", body = Error)))]
pub(super) async fn list(
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<AlertList>, ApiError> {
    let cluster = cluster_param(q.cluster_id.as_deref())?;
    let state = match q.state.as_deref() {
        None | Some("all") => None,
        Some(s @ ("pending" | "firing")) => Some(s.to_string()),
        Some(other) => {
            return Err(ApiError::bad(format!(
                "state={other:?} must be pending, firing or all"
            )))
        }
    };
    let store = ctx.store.clone();
    let config = ctx.alerts.clone();
    let (alerts, rules, clusters, silences) = blocking(move || {
        Ok((
            store.active_alerts(cluster)?,
            effective_rules(&config, store.as_ref())?,
            store.list_clusters()?,
            store.silences(Some(now_ms()))?,
        ))
    })
    .await?;
    let now = now_ms();
    let alerts = alerts
        .into_iter()
        .filter(|a| {
            state
                .as_deref()
                .is_none_or(|s| json!(a.state).as_str() == Some(s))
        })
        .map(|a| AlertView {
            rule_name: rules
                .iter()
                .find(|r| r.id() == a.rule_id)
                .map(Rule::name)
                .unwrap_or_else(|| a.rule_id.clone()),
            cluster_name: clusters
                .iter()
                .find(|c| c.id == a.cluster_id)
                .map(|c| c.name.clone()),
            silenced: silences
                .iter()
                .any(|s| s.matches(&a.rule_id, a.cluster_id, &a.subject, now)),
            alert: a,
        })
        .collect();
    Ok(Json(AlertList { alerts }))
}

/// The answer of `GET /api/v1/alerts`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AlertList {
    #[schema(value_type = Vec<Alert>)]
    alerts: Vec<AlertView>,
}

/// An alert with the names of its rule and cluster and whether a silence mutes it (the
/// document's `Alert`).
#[derive(Debug, Serialize)]
pub(crate) struct AlertView {
    #[serde(flatten)]
    alert: ActiveAlert,
    rule_name: String,
    cluster_name: Option<String>,
    silenced: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryParams {
    #[serde(default)]
    #[param(value_type = i64)]
    cluster_id: Option<String>,
    /// Start (default: a day before `to`)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    from: Option<String>,
    /// End (default: now)
    #[serde(default)]
    #[param(value_type = String, pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))$", example = "1767225600000")]
    to: Option<String>,
    #[serde(default)]
    #[param(value_type = u32, minimum = 1, maximum = 10000)]
    limit: Option<String>,
}

/// Alert transitions (pending, firing, resolved, acknowledged), newest first
#[utoipa::path(get, path = "/api/v1/alerts/history", params(HistoryParams),
    responses((status = 200, description = "Events", body = inline(EventList)), (status = 400, description = "A parameter is wrong; the message names it", body = Error)))]
pub(super) async fn history(
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<HistoryParams>,
) -> Result<Json<EventList>, ApiError> {
    let cluster = cluster_param(q.cluster_id.as_deref())?;
    // A day by default.
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), 86_400_000)?;
    let limit = match &q.limit {
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=10_000).contains(l))
            .ok_or_else(|| ApiError::bad(format!("limit={l:?} must be between 1 and 10000")))?,
        None => 1000,
    };
    let store = ctx.store.clone();
    let events = blocking(move || store.alert_events(cluster, from, to, limit)).await?;
    Ok(Json(EventList { events }))
}

/// The answer of `GET /api/v1/alerts/history`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EventList {
    #[schema(value_type = Vec<AlertEvent>)]
    events: Vec<AlertEvent>,
}

/// Acknowledge an alert
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", params(("id" = i64, Path,)),
    responses(
        (status = 200, description = "Acknowledged", body = ref("#/components/schemas/Alert")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such alert", body = Error),
    ))]
pub(super) async fn ack(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
    identity: Option<Extension<Identity>>,
) -> Result<Json<ActiveAlert>, ApiError> {
    let id = id_of(&id, "alert")?;
    let by = who(identity);
    let store = ctx.store.clone();
    let a = blocking(move || store.ack_alert(id, &by, now_ms()))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no pending or firing alert with id {id}")))?;
    Ok(Json(a))
}

/// A rule with its effective settings; the document's `Rule`. A built-in rule has no cluster,
/// scope or metric of its own (null).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Rule)]
pub(crate) struct RuleView {
    id: String,
    name: String,
    description: String,
    builtin: bool,
    unit: String,
    #[schema(schema_with = op_schema)]
    op: Op,
    enabled: bool,
    threshold: f64,
    for_secs: u64,
    #[schema(schema_with = severity_schema)]
    severity: Severity,
    #[schema(required = true)]
    cluster_id: Option<i64>,
    #[schema(schema_with = nullable_scope_schema, required = true)]
    scope: Option<Scope>,
    #[schema(required = true)]
    metric: Option<String>,
}

impl RuleView {
    fn of(r: &Rule) -> RuleView {
        match r {
            Rule::Builtin(b, s) => RuleView {
                id: b.id.to_string(),
                name: b.name.to_string(),
                description: b.description.to_string(),
                builtin: true,
                unit: b.unit.to_string(),
                op: b.op,
                enabled: s.enabled,
                threshold: s.threshold,
                for_secs: s.for_secs,
                severity: s.severity,
                cluster_id: None,
                scope: None,
                metric: None,
            },
            Rule::User(u) => RuleView {
                id: u.rule_id(),
                name: u.name.clone(),
                description: format!("{} {} {}", u.metric, u.op.as_str(), u.threshold),
                builtin: false,
                unit: String::new(),
                op: u.op,
                enabled: u.enabled,
                threshold: u.threshold,
                for_secs: u.for_secs,
                severity: u.severity,
                cluster_id: u.cluster_id,
                scope: Some(u.scope),
                metric: Some(u.metric.clone()),
            },
        }
    }
}

/// The answer of `GET /api/v1/alert-rules`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Rules {
    #[schema(value_type = Vec<Rule>)]
    rules: Vec<RuleView>,
    #[schema(inline)]
    metrics: RuleMetrics,
}

/// The metrics a user rule may use, by scope.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RuleMetrics {
    cluster: Vec<String>,
    node: Vec<String>,
}

/// Built-in and user rules with their effective settings, and the metrics user rules may use
#[utoipa::path(get, path = "/api/v1/alert-rules",
    responses((status = 200, description = "Rules", body = inline(Rules))))]
pub(super) async fn rules(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<Rules>, ApiError> {
    let store = ctx.store.clone();
    let config = ctx.alerts.clone();
    let all = blocking(move || effective_rules(&config, store.as_ref())).await?;
    Ok(Json(Rules {
        rules: all.iter().map(RuleView::of).collect(),
        metrics: RuleMetrics {
            cluster: rules::metric_names(Scope::Cluster),
            node: rules::metric_names(Scope::Node),
        },
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulePatch {
    #[serde(default)]
    #[schema(value_type = bool)]
    enabled: Option<bool>,
    #[serde(default)]
    #[schema(value_type = f64)]
    threshold: Option<f64>,
    #[serde(default)]
    #[schema(value_type = u64, minimum = 0, maximum = 604800)]
    for_secs: Option<u64>,
    #[serde(default)]
    #[schema(schema_with = severity_schema)]
    severity: Option<Severity>,
    #[serde(default)]
    #[schema(schema_with = text_schema)]
    name: Option<String>,
}

fn scope_schema() -> Object {
    enum_schema(["cluster", "node"])
}

fn nullable_scope_schema() -> Object {
    let mut o = scope_schema();
    o.nullable = true;
    o
}

fn op_schema() -> Object {
    enum_schema([">", ">=", "<", "<="])
}

const MAX_FOR_SECS: u64 = 7 * 86_400;

fn check_threshold(t: Option<f64>) -> Result<(), ApiError> {
    if t.is_some_and(|t| !t.is_finite()) {
        return Err(ApiError::bad("threshold must be a finite number"));
    }
    Ok(())
}

fn check_for(f: Option<u64>) -> Result<(), ApiError> {
    if f.is_some_and(|f| f > MAX_FOR_SECS) {
        return Err(ApiError::bad(format!(
            "for_secs must be at most {MAX_FOR_SECS} (a week)"
        )));
    }
    Ok(())
}

/// Change a rule's settings (built-in: enabled, threshold, for_secs, severity)
#[utoipa::path(patch, path = "/api/v1/alert-rules/{id}", params(("id" = String, Path,)),
    request_body = inline(RulePatch),
    responses(
        (status = 200, description = "Rule", body = ref("#/components/schemas/Rule")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such rule", body = Error),
    ))]
pub(super) async fn patch_rule(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
    ApiPatch(p): ApiPatch<RulePatch>,
) -> Result<Json<RuleView>, ApiError> {
    check_threshold(p.threshold)?;
    check_for(p.for_secs)?;
    if let Some(n) = &p.name {
        check_text("name", n)?;
    }
    let store = ctx.store.clone();
    let config = ctx.alerts.clone();
    if let Some(b) = rules::builtin(&id) {
        if p.name.is_some() {
            return Err(ApiError::bad("name: a built-in rule cannot be renamed"));
        }
        let rule_id = b.id.to_string();
        let all = blocking(move || {
            let mut o = store
                .rule_overrides()?
                .into_iter()
                .find(|o| o.rule_id == rule_id)
                .unwrap_or(RuleOverride {
                    rule_id: rule_id.clone(),
                    ..Default::default()
                });
            o.enabled = p.enabled.or(o.enabled);
            o.threshold = p.threshold.or(o.threshold);
            o.for_secs = p.for_secs.or(o.for_secs);
            o.severity = p.severity.or(o.severity);
            store.put_rule_override(&o, now_ms())?;
            effective_rules(&config, store.as_ref())
        })
        .await?;
        let r = all
            .iter()
            .find(|r| r.id() == id)
            .ok_or_else(|| ApiError::internal("rule vanished"))?;
        return Ok(Json(RuleView::of(r)));
    }
    let uid = id
        .strip_prefix("user:")
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| ApiError::not_found(format!("no rule {id:?}")))?;
    let updated = blocking(move || {
        let Some(mut u) = store.user_rules()?.into_iter().find(|u| u.id == uid) else {
            return Ok(None);
        };
        u.enabled = p.enabled.unwrap_or(u.enabled);
        u.threshold = p.threshold.unwrap_or(u.threshold);
        u.for_secs = p.for_secs.unwrap_or(u.for_secs);
        u.severity = p.severity.unwrap_or(u.severity);
        u.name = p.name.unwrap_or(u.name);
        store.update_user_rule(&u)?;
        Ok(Some(u))
    })
    .await?
    .ok_or_else(|| ApiError::not_found(format!("no rule {id:?}")))?;
    Ok(Json(RuleView::of(&Rule::User(updated))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRule {
    #[schema(schema_with = text_schema)]
    name: String,
    cluster_id: Option<i64>,
    #[schema(schema_with = scope_schema)]
    scope: Scope,
    metric: String,
    #[schema(schema_with = op_schema)]
    op: Op,
    threshold: f64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604800)]
    for_secs: u64,
    #[schema(schema_with = severity_schema)]
    severity: Severity,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

/// A user rule: a threshold on a stored metric of the cluster or of each node
#[utoipa::path(post, path = "/api/v1/alert-rules", request_body = inline(NewRule),
    responses(
        (status = 201, description = "Created", body = ref("#/components/schemas/Rule")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
    ))]
pub(super) async fn create_rule(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
    ApiJson(n): ApiJson<NewRule>,
) -> Result<Response, ApiError> {
    check_text("name", &n.name)?;
    check_threshold(Some(n.threshold))?;
    check_for(Some(n.for_secs))?;
    let known = rules::metric_names(n.scope);
    if !known.contains(&n.metric) {
        return Err(ApiError::bad(format!(
            "metric {:?} is not a stored {} metric (one of: {})",
            n.metric,
            json!(n.scope).as_str().unwrap_or(""),
            known.join(", ")
        )));
    }
    let rule = UserRule {
        id: 0,
        name: n.name.trim().to_string(),
        cluster_id: n.cluster_id,
        scope: n.scope,
        metric: n.metric,
        op: n.op,
        threshold: n.threshold,
        for_secs: n.for_secs,
        severity: n.severity,
        enabled: n.enabled,
    };
    let store = ctx.store.clone();
    let stored = tokio::task::spawn_blocking(move || store.add_user_rule(&rule, now_ms()))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::bad("cluster_id: no such cluster"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(RuleView::of(&Rule::User(stored)))).into_response())
}

/// Delete a user rule (built-in rules are disabled instead)
#[utoipa::path(delete, path = "/api/v1/alert-rules/{id}", params(("id" = String, Path,)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such rule", body = Error),
    ))]
pub(super) async fn delete_rule(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<StatusCode, ApiError> {
    if rules::builtin(&id).is_some() {
        return Err(ApiError::bad(format!(
            "{id} is built in: disable it with PATCH {{\"enabled\": false}}"
        )));
    }
    let uid = id
        .strip_prefix("user:")
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| ApiError::not_found(format!("no rule {id:?}")))?;
    let store = ctx.store.clone();
    if blocking(move || store.delete_user_rule(uid)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no rule {id:?}")))
    }
}

/// The query of `GET /api/v1/silences`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SilencesParams {
    #[serde(default)]
    #[param(value_type = bool)]
    all: Option<String>,
}

/// Silences (active and future; all with all=true)
#[utoipa::path(get, path = "/api/v1/silences", params(SilencesParams),
    responses((status = 200, description = "Silences", body = inline(SilenceList)), (status = 400, description = "A parameter is wrong; the message names it", body = Error)))]
pub(super) async fn silences(
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<SilencesParams>,
) -> Result<Json<SilenceList>, ApiError> {
    let all = match q.all.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad(format!(
                "all={other:?} must be true or false"
            )))
        }
    };
    let store = ctx.store.clone();
    let silences = blocking(move || store.silences((!all).then(now_ms))).await?;
    Ok(Json(SilenceList { silences }))
}

/// The answer of `GET /api/v1/silences`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SilenceList {
    #[schema(value_type = Vec<Silence>)]
    silences: Vec<Silence>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSilence {
    cluster_id: Option<i64>,
    rule_id: Option<String>,
    subject: Option<String>,
    // Unix ms or RFC 3339 (any JSON value here; the handler names a wrong one); default now.
    #[schema(schema_with = any_schema)]
    starts_at: Option<Value>,
    // Unix ms or RFC 3339.
    #[schema(schema_with = any_schema)]
    ends_at: Option<Value>,
    // Instead of `ends_at`.
    #[serde(default)]
    #[schema(value_type = u64, minimum = 1, maximum = 31622400)]
    duration_secs: Option<u64>,
    #[schema(schema_with = text_schema)]
    comment: String,
}

fn any_schema() -> Object {
    ObjectBuilder::new().schema_type(SchemaType::Value).build()
}

fn time_value(name: &str, v: &Value) -> Result<i64, ApiError> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ApiError::bad(format!("{name} must be unix milliseconds"))),
        Value::String(s) => parse_time(name, s),
        _ => Err(ApiError::bad(format!(
            "{name} must be unix milliseconds or an RFC 3339 time"
        ))),
    }
}

/// Mute notifications of matching alerts until ends_at
#[utoipa::path(post, path = "/api/v1/silences", request_body = inline(NewSilence),
    responses((status = 201, description = "Created", body = ref("#/components/schemas/Silence")), (status = 400, description = "A parameter is wrong; the message names it", body = Error)))]
pub(super) async fn create_silence(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
    identity: Option<Extension<Identity>>,
    ApiJson(n): ApiJson<NewSilence>,
) -> Result<Response, ApiError> {
    check_text("comment", &n.comment)?;
    let now = now_ms();
    let starts_at = match &n.starts_at {
        Some(v) => time_value("starts_at", v)?,
        None => now,
    };
    let ends_at = match (&n.ends_at, n.duration_secs) {
        (Some(v), None) => time_value("ends_at", v)?,
        (None, Some(d)) if (1..=366 * 86_400).contains(&d) => {
            starts_at.saturating_add(d as i64 * 1000)
        }
        (None, Some(_)) => return Err(ApiError::bad("duration_secs must be between 1 and a year")),
        _ => return Err(ApiError::bad("give either ends_at or duration_secs")),
    };
    if ends_at <= starts_at.max(now) {
        return Err(ApiError::bad(
            "ends_at must be after starts_at and in the future",
        ));
    }
    if let Some(r) = &n.rule_id {
        if rules::builtin(r).is_none() && !r.starts_with("user:") {
            return Err(ApiError::bad(format!("rule_id: no rule {r:?}")));
        }
    }
    let silence = Silence {
        id: 0,
        cluster_id: n.cluster_id,
        rule_id: n.rule_id,
        subject: n.subject,
        starts_at,
        ends_at,
        comment: n.comment,
        created_by: Some(who(identity)),
        created_at: now,
    };
    let store = ctx.store.clone();
    let s = tokio::task::spawn_blocking(move || store.add_silence(&silence))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::bad("cluster_id: no such cluster"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

/// End a silence
#[utoipa::path(delete, path = "/api/v1/silences/{id}", params(("id" = i64, Path,)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such silence", body = Error),
    ))]
pub(super) async fn delete_silence(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id, "silence")?;
    let store = ctx.store.clone();
    if blocking(move || store.delete_silence(id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no silence with id {id}")))
    }
}
