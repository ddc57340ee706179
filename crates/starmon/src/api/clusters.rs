//! Clusters over the API: register, read, edit, remove, and test a connection. The password is
//! write-only: accepted on create and edit, never in a response.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ApiError;
use super::request::{
    blocking, check_port, check_text, port_schema, secret_schema, text_schema, ApiJson, ApiPatch,
    ApiQuery, NoQuery,
};
use super::state::{cluster, Ctx};
use crate::collector::{check_connection, ConnectionCheck, Target};
use crate::model::{ClusterRecord, ClusterUpdate, NewCluster};
use crate::store::StoreError;

/// A cluster to register (or to test before registering).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = NewCluster)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewClusterBody {
    #[schema(schema_with = text_schema)]
    name: String,
    #[schema(schema_with = text_schema)]
    fe_host: String,
    #[schema(schema_with = port_schema)]
    fe_query_port: u16,
    #[schema(schema_with = port_schema)]
    fe_http_port: u16,
    #[schema(schema_with = text_schema)]
    user: String,
    #[schema(schema_with = secret_schema)]
    password: String,
    /// Log in before registering; a cluster that does not answer is refused with 422
    #[serde(default = "yes")]
    #[schema(default = true)]
    test: bool,
}

fn yes() -> bool {
    true
}

impl NewClusterBody {
    fn validate(self) -> Result<(NewCluster, bool), ApiError> {
        check_text("name", &self.name)?;
        check_text("fe_host", &self.fe_host)?;
        check_text("user", &self.user)?;
        check_port("fe_query_port", self.fe_query_port)?;
        check_port("fe_http_port", self.fe_http_port)?;
        Ok((
            NewCluster {
                name: self.name.trim().to_string(),
                fe_host: self.fe_host.trim().trim_matches(['[', ']']).to_string(),
                fe_query_port: self.fe_query_port,
                fe_http_port: self.fe_http_port,
                user: self.user,
                password: SecretString::from(self.password),
            },
            self.test,
        ))
    }
}

fn target(c: &NewCluster) -> Target {
    Target {
        name: c.name.clone(),
        fe_host: c.fe_host.clone(),
        fe_query_port: c.fe_query_port,
        fe_http_port: c.fe_http_port,
        user: c.user.clone(),
        password: c.password.clone(),
    }
}

/// Register a cluster
///
/// After a login test unless `"test": false`.
#[utoipa::path(post, path = "/api/v1/clusters",
    request_body = ref("#/components/schemas/NewCluster"),
    responses(
        (status = 201, description = "Registered", body = ref("#/components/schemas/Cluster")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 409, description = "The name is taken", body = Error),
        (status = 422, description = "The cluster did not accept the login", body = Error),
    ))]
pub(super) async fn create(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
    ApiJson(b): ApiJson<NewClusterBody>,
) -> Result<Response, ApiError> {
    let (new, test) = b.validate()?;
    if test {
        let check = check_connection(target(&new), ctx.collector.clone()).await;
        if let Some(e) = check.login_error {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "cannot log in to {}:{} as {}: {e} (send \"test\": false to register anyway)",
                    new.fe_host, new.fe_query_port, new.user
                ),
            ));
        }
    }
    let store = ctx.store.clone();
    let name = new.name.clone();
    let record = tokio::task::spawn_blocking(move || store.add_cluster(&new))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                ApiError::conflict(format!("a cluster named {name:?} is already registered"))
            }
            other => ApiError::from(other),
        })?;
    ctx.changes.cluster_changed(record.id);
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

/// The answer of `GET /api/v1/clusters`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClusterList {
    #[schema(value_type = Vec<Cluster>)]
    clusters: Vec<ClusterRecord>,
}

/// Registered clusters
#[utoipa::path(get, path = "/api/v1/clusters",
    responses((status = 200, description = "Clusters", body = inline(ClusterList))))]
pub(super) async fn list(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<ClusterList>, ApiError> {
    let store = ctx.store.clone();
    let clusters = blocking(move || store.list_clusters()).await?;
    Ok(Json(ClusterList { clusters }))
}

/// One cluster
#[utoipa::path(get, path = "/api/v1/clusters/{id}", params(("id" = i64, Path, description = "Cluster id")),
    responses(
        (status = 200, description = "Cluster", body = ref("#/components/schemas/Cluster")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn one(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<ClusterRecord>, ApiError> {
    let c = cluster(&ctx, &id).await?;
    Ok(Json(c))
}

/// The fields to change; a field left out keeps its value (`null` is refused).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = ClusterUpdate)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterUpdateBody {
    #[schema(schema_with = text_schema)]
    name: Option<String>,
    #[schema(schema_with = text_schema)]
    fe_host: Option<String>,
    #[schema(schema_with = port_schema)]
    fe_query_port: Option<u16>,
    #[schema(schema_with = port_schema)]
    fe_http_port: Option<u16>,
    #[schema(schema_with = text_schema)]
    user: Option<String>,
    #[schema(schema_with = secret_schema)]
    password: Option<String>,
}

impl ClusterUpdateBody {
    fn validate(self) -> Result<ClusterUpdate, ApiError> {
        for (name, v) in [
            ("name", &self.name),
            ("fe_host", &self.fe_host),
            ("user", &self.user),
        ] {
            if let Some(v) = v {
                check_text(name, v)?;
            }
        }
        for (name, p) in [
            ("fe_query_port", self.fe_query_port),
            ("fe_http_port", self.fe_http_port),
        ] {
            if let Some(p) = p {
                check_port(name, p)?;
            }
        }
        Ok(ClusterUpdate {
            name: self.name.map(|n| n.trim().to_string()),
            fe_host: self
                .fe_host
                .map(|h| h.trim().trim_matches(['[', ']']).to_string()),
            fe_query_port: self.fe_query_port,
            fe_http_port: self.fe_http_port,
            user: self.user,
            password: self.password.map(SecretString::from),
        })
    }
}

/// Edit a cluster (only the fields given)
///
/// A new password too; the collector and the overview start over with the new settings at once.
#[utoipa::path(patch, path = "/api/v1/clusters/{id}", params(("id" = i64, Path, description = "Cluster id")),
    request_body = ref("#/components/schemas/ClusterUpdate"),
    responses(
        (status = 200, description = "Edited", body = ref("#/components/schemas/Cluster")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
        (status = 409, description = "The name is taken", body = Error),
    ))]
pub(super) async fn update(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
    ApiPatch(update): ApiPatch<ClusterUpdateBody>,
) -> Result<Json<ClusterRecord>, ApiError> {
    let c = cluster(&ctx, &id).await?;
    let update = update.validate()?;
    let store = ctx.store.clone();
    let cid = c.id;
    let name = update.name.clone();
    let record = tokio::task::spawn_blocking(move || store.update_cluster(cid, &update))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::conflict(format!(
                "a cluster named {:?} is already registered",
                name.unwrap_or_default()
            )),
            other => ApiError::from(other),
        })?
        .ok_or_else(|| ApiError::not_found(format!("no cluster with id {cid}")))?;
    ctx.live.forget(cid);
    ctx.changes.cluster_changed(cid);
    Ok(Json(record))
}

/// Remove a cluster and its history
#[utoipa::path(delete, path = "/api/v1/clusters/{id}", params(("id" = i64, Path, description = "Cluster id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn remove(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<StatusCode, ApiError> {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let name = c.name.clone();
    let removed = blocking(move || store.remove_cluster(&name)).await?;
    ctx.live.forget(c.id);
    ctx.changes.cluster_changed(c.id);
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no cluster with id {}", c.id)))
    }
}

/// Test a connection before registering
///
/// The same body as registering.
#[utoipa::path(post, path = "/api/v1/clusters/test",
    request_body = ref("#/components/schemas/NewCluster"),
    responses(
        (status = 200, description = "What answered", body = ref("#/components/schemas/ConnectionCheck")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
    ))]
pub(super) async fn test_new(
    State(ctx): State<Ctx>,
    _: ApiQuery<NoQuery>,
    ApiJson(b): ApiJson<NewClusterBody>,
) -> Result<Json<ConnectionCheck>, ApiError> {
    let (new, _) = b.validate()?;
    let check = check_connection(target(&new), ctx.collector.clone()).await;
    Ok(Json(check))
}

/// Test the connection of a registered cluster
///
/// With its stored password.
#[utoipa::path(post, path = "/api/v1/clusters/{id}/test", params(("id" = i64, Path, description = "Cluster id")),
    responses(
        (status = 200, description = "What answered", body = ref("#/components/schemas/ConnectionCheck")),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 404, description = "No cluster with this id", body = Error),
    ))]
pub(super) async fn test_registered(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    _: ApiQuery<NoQuery>,
) -> Result<Json<RegisteredCheck>, ApiError> {
    let c = cluster(&ctx, &id).await?;
    let store = ctx.store.clone();
    let cid = c.id;
    let password = blocking(move || store.cluster_password(cid))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no password stored for cluster {cid}")))?;
    let check = check_connection(Target::from_record(&c, password), ctx.collector.clone()).await;
    Ok(Json(RegisteredCheck {
        check,
        cluster_id: c.id,
    }))
}

/// A registered cluster's connection test: the `ConnectionCheck` and the cluster's id.
#[derive(Debug, Serialize)]
pub(crate) struct RegisteredCheck {
    #[serde(flatten)]
    check: ConnectionCheck,
    cluster_id: i64,
}
