//! Notification channels over the API: list, add, change, remove, and send a test. URLs and
//! secrets are write-only: a channel is shown with its URL's tokens masked.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::{Object, ObjectBuilder, SchemaType};
use utoipa::ToSchema;

use super::error::ApiError;
use super::request::{
    blocking, check_text, enum_schema, id_of, now_ms, secret_schema, severity_schema, text_schema,
    ApiPatch, ApiQuery, NoQuery,
};
use super::state::Ctx;
use crate::alerts::rules::Severity;
use crate::alerts::AlertError;
use crate::store::alerts::StoredChannel;
use crate::store::StoreError;

/// The channel kinds a user may create.
pub const CHANNEL_KINDS: &[&str] = CHANNEL_KINDS_ARRAY;
const CHANNEL_KINDS_ARRAY: &[&str; 6] =
    &["webhook", "slack", "dingtalk", "feishu", "wecom", "email"];

/// A channel as shown: the URL with its tokens masked (an e-mail channel's server and first
/// recipient), whether a secret is set; never the secret or the full URL.
#[derive(Debug, Serialize, ToSchema)]
// Serialized only; the attribute makes the document say no other field is ever sent.
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelView {
    id: i64,
    name: String,
    #[schema(schema_with = kind_schema)]
    kind: String,
    /// With its tokens masked
    url: String,
    has_secret: bool,
    #[schema(schema_with = severity_schema)]
    min_severity: Severity,
    enabled: bool,
    created_at: i64,
}

impl ChannelView {
    fn of(c: &StoredChannel) -> ChannelView {
        ChannelView {
            id: c.id,
            name: c.name.clone(),
            kind: c.kind.clone(),
            url: crate::alerts::shown_target(c),
            has_secret: c.secret.is_some(),
            min_severity: c.min_severity,
            enabled: c.enabled,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChannelList {
    #[schema(inline)]
    channels: Vec<ChannelView>,
}

/// Notification channels (URLs with their tokens masked)
#[utoipa::path(get, path = "/api/v1/channels",
    responses((status = 200, description = "Channels", body = inline(ChannelList))))]
pub(super) async fn channels(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<ChannelList>, ApiError> {
    let store = ctx.store.clone();
    let list = blocking(move || store.channels()).await?;
    Ok(Json(ChannelList {
        channels: list.iter().map(ChannelView::of).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelBody {
    #[schema(schema_with = text_schema)]
    name: Option<String>,
    #[schema(schema_with = kind_schema)]
    kind: Option<String>,
    #[schema(schema_with = url_schema)]
    url: Option<String>,
    /// DingTalk / Feishu signing secret; "" removes it.
    #[schema(schema_with = channel_secret_schema)]
    secret: Option<String>,
    /// E-mail settings (JSON object).
    #[schema(schema_with = email_schema)]
    email: Option<Value>,
    #[schema(schema_with = severity_schema)]
    min_severity: Option<Severity>,
    #[serde(default)]
    #[schema(value_type = bool)]
    enabled: Option<bool>,
}

fn described(mut o: Object, text: &str) -> Object {
    o.description = Some(text.to_string());
    o
}

fn kind_schema() -> Object {
    enum_schema(*CHANNEL_KINDS_ARRAY)
}

fn url_schema() -> Object {
    described(secret_schema(), "http(s) webhook URL (a secret)")
}

fn channel_secret_schema() -> Object {
    described(
        secret_schema(),
        "DingTalk/Feishu signing secret; empty removes it",
    )
}

fn email_schema() -> Object {
    let o = ObjectBuilder::new()
        .schema_type(SchemaType::Object)
        .write_only(Some(true))
        .build();
    described(o, "SMTP settings for kind email")
}

/// Every `AlertError` a handler sees is about the channel in the request: a 400 with its text.
impl From<AlertError> for ApiError {
    fn from(e: AlertError) -> ApiError {
        ApiError::bad(e.to_string())
    }
}

fn check_channel(c: &StoredChannel) -> Result<(), ApiError> {
    check_text("name", &c.name)?;
    if !CHANNEL_KINDS.contains(&c.kind.as_str()) {
        return Err(ApiError::bad(format!(
            "kind {:?} must be one of {}",
            c.kind,
            CHANNEL_KINDS.join(", ")
        )));
    }
    if c.kind == "email" {
        let Some(settings) = &c.settings else {
            return Err(ApiError::bad(
                "email: the SMTP settings are required for kind email",
            ));
        };
        crate::alerts::email_settings(settings.expose_secret())?;
    } else {
        let url = c.url.expose_secret();
        let ok = reqwest::Url::parse(url)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(ApiError::bad("url must be an http(s) URL"));
        }
    }
    Ok(())
}

/// Add a notification channel
///
/// The body is the one of a change, but `name` and `kind` are required.
#[utoipa::path(post, path = "/api/v1/channels", request_body = inline(ChannelBody),
    responses(
        (status = 201, description = "Created", body = inline(ChannelView)),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 409, description = "The name is taken", body = Error),
    ))]
pub(super) async fn create_channel(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
    ApiPatch(n): ApiPatch<ChannelBody>,
) -> Result<Response, ApiError> {
    let c = StoredChannel {
        id: 0,
        name: n.name.ok_or_else(|| ApiError::bad("name is required"))?,
        kind: n.kind.ok_or_else(|| ApiError::bad("kind is required"))?,
        url: SecretString::from(n.url.unwrap_or_default()),
        secret: n.secret.filter(|s| !s.is_empty()).map(SecretString::from),
        settings: n.email.map(|e| SecretString::from(e.to_string())),
        min_severity: n.min_severity.unwrap_or(Severity::Warning),
        enabled: n.enabled.unwrap_or(true),
        created_at: now_ms(),
    };
    check_channel(&c)?;
    ctx.alerting.check_target(&c).await?;
    let store = ctx.store.clone();
    let mut shown = ChannelView::of(&c);
    let id = tokio::task::spawn_blocking(move || store.add_channel(&c))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            StoreError::Conflict(m) => ApiError::conflict(m),
            other => other.into(),
        })?;
    shown.id = id;
    Ok((StatusCode::CREATED, Json(shown)).into_response())
}

async fn channel_by_id(ctx: &Ctx, id: i64) -> Result<StoredChannel, ApiError> {
    let store = ctx.store.clone();
    blocking(move || store.channels())
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no channel with id {id}")))
}

/// Change a channel (the fields given)
#[utoipa::path(patch, path = "/api/v1/channels/{id}", params(("id" = i64, Path,)),
    request_body = inline(ChannelBody),
    responses(
        (status = 200, description = "Channel", body = inline(ChannelView)),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such channel", body = Error),
        (status = 409, description = "The name is taken", body = Error),
    ))]
pub(super) async fn update_channel(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
    ApiPatch(p): ApiPatch<ChannelBody>,
) -> Result<Json<ChannelView>, ApiError> {
    let id = id_of(&id, "channel")?;
    let mut c = channel_by_id(&ctx, id).await?;
    if let Some(n) = p.name {
        c.name = n;
    }
    if let Some(k) = p.kind {
        c.kind = k;
    }
    if let Some(u) = p.url {
        c.url = SecretString::from(u);
    }
    if let Some(s) = p.secret {
        c.secret = (!s.is_empty()).then(|| SecretString::from(s));
    }
    if let Some(e) = p.email {
        c.settings = Some(SecretString::from(e.to_string()));
    }
    if let Some(m) = p.min_severity {
        c.min_severity = m;
    }
    if let Some(e) = p.enabled {
        c.enabled = e;
    }
    check_channel(&c)?;
    ctx.alerting.check_target(&c).await?;
    let shown = ChannelView::of(&c);
    let store = ctx.store.clone();
    tokio::task::spawn_blocking(move || store.update_channel(&c))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            StoreError::Conflict(m) => ApiError::conflict(m),
            other => other.into(),
        })?;
    Ok(Json(shown))
}

/// Remove a channel
#[utoipa::path(delete, path = "/api/v1/channels/{id}", params(("id" = i64, Path,)),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such channel", body = Error),
    ))]
pub(super) async fn delete_channel(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id, "channel")?;
    let store = ctx.store.clone();
    if blocking(move || store.delete_channel(id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no channel with id {id}")))
    }
}

/// Send a test notification now
///
/// The answer says how it went.
#[utoipa::path(post, path = "/api/v1/channels/{id}/test", params(("id" = i64, Path,)),
    responses(
        (status = 200, description = "Result", body = inline(TestResult)),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No such channel", body = Error),
    ))]
pub(super) async fn test_channel(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<TestResult>, ApiError> {
    let id = id_of(&id, "channel")?;
    let c = channel_by_id(&ctx, id).await?;
    let result = ctx.alerting.test_channel(&c).await;
    Ok(Json(TestResult {
        ok: result.is_ok(),
        error: result.err().map(|e| e.to_string()),
    }))
}

/// How a test notification went.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TestResult {
    ok: bool,
    /// Why it failed; null when it was delivered.
    #[schema(required = true)]
    error: Option<String>,
}
