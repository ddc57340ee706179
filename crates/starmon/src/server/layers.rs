//! What every response of the server gets, whatever route made it: security headers, JSON
//! error bodies, limits on the request line and headers, and the refusal of cross-site
//! state-changing requests.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api::{ApiError, ErrorBody};

/// The dashboard is one script and one stylesheet from `/assets/`, talking to the API on the
/// same origin, with no inline script or style (styles it sets go through the CSSOM, which CSP
/// does not restrict). The favicon is an empty `data:` URL.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Longest request target answered (414 above), and the most header bytes (431 above).
pub const MAX_URI_BYTES: usize = 32 * 1024;
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The layers, outermost last: the headers go on every response, the JSON body on every error,
/// including those of the cross-origin check.
pub fn apply(app: Router) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    app.layer(axum::middleware::from_fn(cross_origin_guard))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status, message).into_response()
}

/// Gives every 4xx and 5xx a JSON body `{"error": …}`: axum's own answers (unknown route,
/// wrong method, a path that is not UTF-8) are plain text or empty. Also answers oversized
/// request targets and headers, below hyper's limit (whose answer has no body).
async fn json_errors(req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return error(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target has {uri_len} bytes, more than the {MAX_URI_BYTES} allowed"
            ),
        );
    }
    let header_bytes = header_bytes(req.headers());
    if header_bytes > MAX_HEADER_BYTES {
        return error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the headers have {header_bytes} bytes, more than the {MAX_HEADER_BYTES} allowed"
            ),
        );
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // axum's rejections are a line of text; anything longer is not a message for the client.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if status.is_server_error() {
        "internal error".to_string()
    } else if status == StatusCode::NOT_FOUND && (text.is_empty() || path.starts_with("/api/")) {
        format!("no such route: {method} {path}")
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        match parts
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
        {
            Some(allowed) if !allowed.is_empty() => {
                format!("{method} is not allowed on {path} (allowed: {allowed})")
            }
            _ => format!("{method} is not allowed on {path}"),
        }
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("bad request")
            .to_lowercase()
    } else {
        text
    };
    // The API's error body, keeping the headers axum set (Allow on a 405).
    let body = serde_json::to_vec(&ErrorBody { error: message }).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

/// Refuses a state-changing request another site made the browser send (SameSite cookies do
/// not stop a page on another port of the same host, and without access control there is no
/// cookie at all). Requests with a bearer token are exempt: a browser never adds one by itself.
async fn cross_origin_guard(req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || crate::auth::bearer(req.headers()).is_some() {
        return next.run(req).await;
    }
    match same_origin(req.headers()) {
        Ok(()) => next.run(req).await,
        Err(why) => {
            tracing::warn!(method = %req.method(), path = req.uri().path(), why, "cross-origin request refused");
            error(
                StatusCode::FORBIDDEN,
                format!("cross-origin request refused: {why}"),
            )
        }
    }
}

/// Browsers say where a request comes from in `Sec-Fetch-Site` (all current ones) or, before
/// that, `Origin`. A request with neither is not from a browser (curl, scripts): allowed, as
/// in Go's `http.CrossOriginProtection`.
fn same_origin(headers: &HeaderMap) -> Result<(), String> {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            other => Err(format!(
                "Sec-Fetch-Site is {:?}",
                String::from_utf8_lossy(other)
            )),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match origin_host {
        Some(o) if !host.is_empty() && o.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(format!("Origin {origin:?} is not this server ({host:?})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn same_origin_by_fetch_metadata_or_origin() {
        let ok = [
            &[("sec-fetch-site", "same-origin")][..],
            &[("sec-fetch-site", "none")],
            &[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
            ],
            &[
                ("origin", "https://Mon.example.com"),
                ("host", "mon.example.com"),
            ],
            &[],
        ];
        for h in ok {
            assert!(same_origin(&headers(h)).is_ok(), "{h:?}");
        }
        let refused = [
            &[("sec-fetch-site", "same-site")][..],
            &[("sec-fetch-site", "cross-site")],
            // Fetch metadata wins over a matching Origin.
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
            ],
            // Another port of the same host is another origin.
            &[
                ("origin", "http://127.0.0.1:9999"),
                ("host", "127.0.0.1:8080"),
            ],
            &[("origin", "null"), ("host", "127.0.0.1:8080")],
            &[("origin", "http://127.0.0.1:8080")],
        ];
        for h in refused {
            assert!(same_origin(&headers(h)).is_err(), "{h:?}");
        }
    }
}
