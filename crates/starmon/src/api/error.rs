//! The one error of the HTTP API, the auth routes and the access check included: a status and
//! `{"error": "…"}`. A 4xx says what was wrong with the request (naming the parameter or field);
//! a 5xx is generic to the client and logged in full.

use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

/// The body of every 4xx and 5xx answer.
// The document's `Error` schema is generated from it. The handlers' `#[utoipa::path]` say
// `body = Error`: utoipa 4 takes a response's schema name from the type as written there
// (the openapi test `every_reference_resolves` catches a name that is not a schema).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What was wrong, naming the parameter or field at fault; "internal error" for a 5xx.
    pub error: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// Sent as `Retry-After` (whole seconds).
    retry_after: Option<Duration>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }
    pub(crate) fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    pub(crate) fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }
    pub(crate) fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }
    /// 429 after too many failed logins, with how long to wait (rounded up, at least a second).
    pub(crate) fn too_many_failures(wait: Duration) -> ApiError {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        ApiError {
            retry_after: Some(Duration::from_secs(secs)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many failed logins for this user name or from this address; \
                     try again in {secs} s"
                ),
            )
        }
    }
    pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "API request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            // Not a bug to hide behind "internal error": the operator must act (enter the
            // secret again or restore the key), and the text names what, never the secret.
            StoreError::Secret(e @ crate::secretbox::SecretError::Unreadable { .. }) => {
                tracing::error!(error = %e, "a stored secret cannot be read");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

/// A body axum's `Json` refused: 400 whatever the fault, with axum's text (which names the field
/// at fault: it deserializes through `serde_path_to_error`).
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        ApiError::bad(format!("body: {}", r.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.message,
        };
        let mut resp = (self.status, Json(body)).into_response();
        // RFC 9110 §11.6.1: a 401 says which scheme would be accepted.
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(wait) = self.retry_after {
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        }
        resp
    }
}
