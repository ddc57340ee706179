//! The client's address as the accept loop ([`crate::server::serve`]) records it in each request
//! (`ConnectInfo<SocketAddr>`), for handlers. A leaf, so that `auth` (the login throttle counts
//! failures per address) reads it without importing `server`, which is built over `auth`.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;

/// The client's address, when the server put it in the request (tests that call the router
/// directly have none).
pub fn client_addr(ext: &axum::http::Extensions) -> Option<SocketAddr> {
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// The client's address as an extractor: `None` when the router is called without
/// [`serve`](crate::server::serve) (tests with `oneshot`), never a rejection.
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(&parts.extensions)))
    }
}
