//! `GET /healthz`: the process is up and serving (it says nothing of the clusters).

use super::request::{ApiQuery, NoQuery};

/// Liveness
#[utoipa::path(get, path = "/healthz", security(),
    responses((status = 200, description = "Up", body = String, content_type = "text/plain")))]
pub(super) async fn healthz(_: ApiQuery<NoQuery>) -> &'static str {
    "ok\n"
}
