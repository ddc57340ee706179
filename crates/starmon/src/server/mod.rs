//! The HTTP application as served: the API and the auth routes behind the access check, the
//! layers every response passes ([`layers`]), the accept loop ([`listen`]), and the rule
//! deciding whether an address may be listened on.

pub mod layers;
mod listen;

pub use crate::client_addr::{client_addr, ClientAddr};
pub use listen::{serve, Limits};

use std::net::SocketAddr;

use axum::Router;

use crate::api::ApiState;
use crate::auth::{self, AuthState};

/// Everything `serve` answers: the API, `/api/v1/auth/…`, `/api/v1/tokens…` and the dashboard, behind
/// [`auth::protect`], within [`layers::apply`].
pub fn app(api: ApiState, auth: AuthState) -> Router {
    layers::apply(auth::protect(
        crate::api::router(api)
            .merge(auth::routes(auth.clone()))
            .merge(crate::web::router()),
        auth,
    ))
}

/// Whether starmon may serve on `addr`: anything off loopback needs authentication configured
/// (enabled, and at least one user), and enabling it without a user would lock everyone out.
pub fn check_exposure(addr: SocketAddr, auth_enabled: bool, users: u64) -> Result<(), String> {
    if auth_enabled && users == 0 {
        return Err(
            "[auth] enabled = true but no user exists: add one with `starmon user add NAME`".into(),
        );
    }
    if !auth_enabled && !addr.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on {addr} without authentication: add a user with \
             `starmon user add NAME` and set `[auth] enabled = true` (or STARMON_AUTH_ENABLED=true), \
             or listen on a loopback address"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn off_loopback_needs_auth_with_a_user() {
        assert!(check_exposure(addr("127.0.0.1:8080"), false, 0).is_ok());
        assert!(check_exposure(addr("[::1]:8080"), false, 0).is_ok());
        let e = check_exposure(addr("0.0.0.0:8080"), false, 3).expect_err("refused");
        assert!(
            e.contains("starmon user add") && e.contains("enabled = true"),
            "{e}"
        );
        assert!(check_exposure(addr("0.0.0.0:8080"), true, 1).is_ok());
        let e = check_exposure(addr("127.0.0.1:8080"), true, 0).expect_err("no user");
        assert!(e.contains("no user"), "{e}");
    }
}
