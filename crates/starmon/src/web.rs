//! The dashboard, served at `/` from the files `web/` builds (`npm ci && npm run build` in
//! `web/`), embedded in the binary at compile time so that it needs no CDN and no other server.
//! A binary built before the dashboard was built serves a page saying how to build it.
//!
//! The dashboard routes by URL fragment (`/#/clusters/1`), so every page is `/`; only `/`,
//! `/login` and `/assets/…` are served here, and those hold no data (they are public when access
//! control is on).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>starmon</title>\
<body>\
<h1>starmon</h1><p>This binary was built without the dashboard. Build it with \
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild starmon. \
The API is served at <a href=\"/api/v1/openapi.json\">/api/v1/…</a>.</p>";

pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", get(index))
        .route("/assets/{*file}", get(asset))
}

async fn index() -> Response {
    match Assets::get("index.html") {
        Some(f) => (
            // The page names its hashed assets: it must be fetched again after an upgrade.
            [(header::CACHE_CONTROL, "no-cache")],
            Html(f.data.into_owned()),
        )
            .into_response(),
        None => Html(NOT_BUILT).into_response(),
    }
}

async fn asset(Path(file): Path<String>) -> Response {
    match Assets::get(&format!("assets/{file}")) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, f.metadata.mimetype().to_string()),
                // Vite puts a content hash in every asset name.
                (
                    header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_string(),
                ),
            ],
            f.data.into_owned(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}
