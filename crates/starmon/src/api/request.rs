//! What every handler needs to read a request: the typed extractors (query strings and JSON
//! bodies whose rejections are [`ApiError`]s naming the parameter or field at fault), the checks
//! of times, names and ports, and running store calls off the async threads. (The cluster lookup,
//! which needs the state, is `state::cluster`.)

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::{Object, ObjectBuilder, SchemaType};

use super::error::ApiError;
use crate::store::StoreError;

/// The query string as `T` (a struct with `deny_unknown_fields`): a parameter the endpoint does
/// not take is a mistake (`?cluster=1` for `?cluster_id=1`) that would otherwise be ignored
/// without a word, so it is a 400 naming it. axum's own `Query` rejection is plain text and does
/// not name the parameter of a type error.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or("")).map(ApiQuery)
    }
}

fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // serde's words are about struct fields; here they are query parameters.
        let text = e
            .into_inner()
            .to_string()
            .replacen("unknown field", "unknown query parameter", 1)
            .replacen(
                "there are no fields",
                "this endpoint takes no query parameters",
                1,
            );
        if path.is_empty() || path == "." {
            ApiError::bad(format!("query: {text}"))
        } else {
            ApiError::bad(format!("query: {path}: {text}"))
        }
    })
}

/// A query that takes no parameters: any is refused by name.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoQuery {}

/// A JSON body as `T` (with `deny_unknown_fields`), or a 400 that says what is wrong with it.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::bad(
                "the body must be JSON with Content-Type: application/json",
            )),
            // axum's text names the field at fault (it deserializes through serde_path_to_error).
            Err(other) => Err(ApiError::bad(format!("body: {}", other.body_text()))),
        }
    }
}

/// The body of a PATCH: fields left out keep their value, and `null` is refused rather than
/// taken to mean the same (the document says these fields are not nullable).
pub(crate) struct ApiPatch<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiPatch<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(raw) = ApiJson::<Value>::from_request(req, state).await?;
        if let Some((k, _)) = raw
            .as_object()
            .and_then(|m| m.iter().find(|(_, v)| v.is_null()))
        {
            return Err(ApiError::bad(format!(
                "{k} is null; leave it out to keep the stored value"
            )));
        }
        // With the path of the field at fault, as axum's own JSON extractor reports it.
        serde_path_to_error::deserialize(raw)
            .map(ApiPatch)
            .map_err(|e| {
                let path = e.path().to_string();
                ApiError::bad(format!("body: {path}: {}", e.into_inner()))
            })
    }
}

/// The longest cluster name, host, user, rule or channel name accepted.
const MAX_TEXT: usize = 255;

/// What [`check_text`] accepts, for the document (`schema_with` of body fields).
pub(crate) fn text_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .min_length(Some(1))
        .max_length(Some(MAX_TEXT))
        .pattern(Some(r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"))
        .build()
}

/// What [`check_port`] accepts, for the document.
pub(crate) fn port_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Integer)
        .minimum(Some(1.0))
        .maximum(Some(65535.0))
        .build()
}

/// The documented values of the model's severity (model types carry no schema).
pub(crate) fn severity_schema() -> Object {
    enum_schema(["info", "warning", "critical"])
}

/// A string that is one of `values`.
pub(crate) fn enum_schema<const N: usize>(values: [&str; N]) -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .enum_values(Some(values))
        .build()
}

/// A secret the client sends and never gets back.
pub(crate) fn secret_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .write_only(Some(true))
        .build()
}

/// A name-like text: not blank, at most [`MAX_TEXT`] bytes, no control characters.
pub(crate) fn check_text(name: &str, v: &str) -> Result<(), ApiError> {
    if v.trim().is_empty() {
        return Err(ApiError::bad(format!("{name} cannot be empty")));
    }
    if v.len() > MAX_TEXT {
        return Err(ApiError::bad(format!(
            "{name} is longer than {MAX_TEXT} bytes"
        )));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::bad(format!(
            "{name} cannot contain control characters"
        )));
    }
    Ok(())
}

pub(crate) fn check_port(name: &str, p: u16) -> Result<(), ApiError> {
    if p == 0 {
        return Err(ApiError::bad(format!("{name} must be between 1 and 65535")));
    }
    Ok(())
}

/// A store call on the blocking pool (SQLite blocks).
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// A numeric id from a path (`what` names it in the error).
pub(crate) fn id_of(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad(format!("{what} id {raw:?} is not a number")))
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A time parameter: unix milliseconds or RFC 3339.
pub(crate) fn parse_time(name: &str, raw: &str) -> Result<i64, ApiError> {
    let ms = match raw.parse::<i64>() {
        Ok(ms) => ms,
        Err(_) => chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| t.timestamp_millis())
            .map_err(|_| {
                ApiError::bad(format!(
                    "{name}={raw:?} is neither unix milliseconds nor an RFC 3339 time"
                ))
            })?,
    };
    // Years 1970 to 9999: what a date can be written as, and more than any history holds.
    if !(0..=MAX_TIME_MS).contains(&ms) {
        return Err(ApiError::bad(format!(
            "{name}={raw:?} is outside 1970-01-01 … 9999-12-31"
        )));
    }
    Ok(ms)
}

/// 9999-12-31T23:59:59.999Z.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// `from`/`to` (default: `to` now, `from` `default_span_ms` before it), checked.
pub(crate) fn range(
    from: Option<&str>,
    to: Option<&str>,
    default_span_ms: i64,
) -> Result<(i64, i64), ApiError> {
    let to = match to {
        Some(t) => parse_time("to", t)?,
        None => now_ms(),
    };
    let from = match from {
        Some(f) => parse_time("from", f)?,
        // Before `to`, but not before 1970 (the earliest time a parameter can name).
        None if to == 0 => {
            return Err(ApiError::bad(
                "to=0 leaves no time before it: to must be after 1970-01-01T00:00:00Z",
            ))
        }
        None => (to - default_span_ms).max(0),
    };
    if from >= to {
        return Err(ApiError::bad(format!(
            "from ({from}) must be before to ({to})"
        )));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[allow(dead_code)]
        n: Option<u32>,
    }

    fn error_of<T: DeserializeOwned>(raw: &str) -> String {
        parse_query::<T>(raw)
            .err()
            .map(|e| e.message)
            .unwrap_or_default()
    }

    #[test]
    fn query_errors_name_the_parameter() {
        assert!(parse_query::<Q>("n=3").is_ok());
        assert!(parse_query::<Q>("").is_ok());
        let e = error_of::<Q>("m=3");
        assert!(e.contains("unknown query parameter `m`"), "{e}");
        assert!(e.contains("`n`"), "what it takes: {e}");
        let e = error_of::<Q>("n=x");
        assert!(e.starts_with("query: n: "), "{e}");
        let e = error_of::<NoQuery>("verbose=1");
        assert!(
            e.contains("`verbose`") && e.contains("takes no query parameters"),
            "{e}"
        );
    }

    #[test]
    fn the_default_range_does_not_reach_before_1970() {
        assert_eq!(range(None, Some("1000"), 3_600_000).ok(), Some((0, 1000)));
        assert!(range(None, Some("0"), 3_600_000).is_err());
    }
}
