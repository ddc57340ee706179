//! Who may call the API: password hashing, login sessions, API tokens, and the middleware that
//! turns away anonymous requests when `[auth] enabled = true`.
//!
//! Choices:
//! - Passwords are hashed with argon2id at the crate's default (OWASP) parameters. Hashing is
//!   slow on purpose, so it runs on the blocking pool, and a semaphore lets at most half the
//!   cores verify at once: a flood of logins queues instead of starving the collector.
//! - A login for an unknown user verifies against a fixed dummy hash of the same cost, so the
//!   answer takes as long as for a known user with a wrong password.
//! - Sessions and API tokens are 32 random bytes. Only their SHA-256 digest is stored: the secret
//!   has full entropy, so a fast digest suffices, and a stolen database lets nobody in. API tokens
//!   carry the prefix `smt_` so that they are recognisable in a leaked file and tell themselves
//!   apart from session secrets (`sms_`) when sent as `Authorization: Bearer`.
//! - The session travels in the `starmon_session` cookie (HttpOnly, SameSite=Strict, Path=/);
//!   SameSite=Strict is what keeps another site from making the browser call the API.
//! - Failed logins are counted per user name and per client address ([`LoginThrottle`]);
//!   past the limit the login answers 429 with `Retry-After` until the window ends.
//! - Tokens are managed only from a login session, so that a leaked script token cannot mint
//!   more tokens.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tokio::sync::Semaphore;
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::client_addr::ClientAddr;
use crate::config::{AuthConfig, ServerConfig};
use crate::login_throttle::LoginThrottle;
use crate::secretbox::{random_bytes, SecretError};
use crate::store::auth::{AuthStore, Digest, TokenRecord};
use crate::store::StoreError;

pub const SESSION_COOKIE: &str = "starmon_session";
/// Prefix of API tokens.
pub const TOKEN_PREFIX: &str = "smt_";
/// Prefix of session secrets.
const SESSION_PREFIX: &str = "sms_";
pub const MIN_PASSWORD_LEN: usize = 8;
const MAX_NAME_LEN: usize = 64;

/// A well-formed argon2id hash at the default parameters that no known password matches (see
/// `the_dummy_hash_costs_what_a_real_one_costs`), verified when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3Rhcm1vbi1kdW1teS1zYWx0$BJuHGWYxDG1Tr6J9pVHJ3VAtIEGnFVk1UHMJrOz1xlQ";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Random(#[from] SecretError),
}

/// The argon2id PHC string of `password`, with a fresh random salt. Slow: call it off the async
/// threads.
pub fn hash_password(password: &SecretString) -> Result<String, AuthError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// True if `password` matches the PHC string `hash`; false for a hash that does not parse.
/// Slow, like [`hash_password`].
pub fn verify_password(hash: &str, password: &SecretString) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &h)
            .is_ok()
    })
}

/// What a new password must satisfy.
pub fn check_new_password(password: &SecretString) -> Result<(), AuthError> {
    if password.expose_secret().chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::Invalid(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

/// User and token names: printable, no spaces, at most 64 characters.
pub fn check_name(what: &str, name: &str) -> Result<(), AuthError> {
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(AuthError::Invalid(format!(
            "the {what} must have 1 to {MAX_NAME_LEN} characters"
        )));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AuthError::Invalid(format!(
            "the {what} {name:?} cannot contain spaces or control characters"
        )));
    }
    Ok(())
}

pub fn digest(secret: &str) -> Digest {
    Sha256::digest(secret.as_bytes()).into()
}

fn new_secret(prefix: &str) -> Result<(SecretString, Digest), AuthError> {
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()?));
    let d = digest(&secret);
    Ok((SecretString::from(secret), d))
}

/// A new API token and the digest to store. The token is shown once and never stored.
pub fn new_api_token() -> Result<(SecretString, Digest), AuthError> {
    new_secret(TOKEN_PREFIX)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

// ---------------------------------------------------------------------------------------------

/// What the middleware and the auth routes share.
#[derive(Clone)]
pub struct AuthState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn AuthStore>,
    enabled: bool,
    session_lifetime: Duration,
    /// Bounds concurrent argon2 verifications.
    verify_slots: Semaphore,
    throttle: LoginThrottle,
}

impl AuthState {
    /// With the default login limits of [`ServerConfig`].
    pub fn new(store: Arc<dyn AuthStore>, config: &AuthConfig) -> AuthState {
        AuthState::with_login_limits(store, config, &ServerConfig::default())
    }

    /// With the login limits of `server` (`[server] login_failures_per_user` …).
    pub fn with_login_limits(
        store: Arc<dyn AuthStore>,
        config: &AuthConfig,
        server: &ServerConfig,
    ) -> AuthState {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        AuthState {
            inner: Arc::new(Inner {
                store,
                enabled: config.enabled,
                session_lifetime: config.session_lifetime(),
                verify_slots: Semaphore::new((cores / 2).max(1)),
                throttle: LoginThrottle::new(server),
            }),
        }
    }

    pub fn enabled(&self) -> bool {
        self.inner.enabled
    }

    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn AuthStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }

    /// The caller named by a bearer secret or, without an Authorization header, the session
    /// cookie. A bearer secret that is wrong does not fall back to the cookie.
    async fn identify(&self, headers: &HeaderMap) -> Result<Option<Identity>, ApiError> {
        let secret = match bearer(headers) {
            Some(b) => b,
            None => match CookieJar::from_headers(headers).get(SESSION_COOKIE) {
                Some(c) => c.value().to_string(),
                None => return Ok(None),
            },
        };
        let d = digest(&secret);
        let now = now_ms();
        if secret.starts_with(TOKEN_PREFIX) {
            let user = self.store(move |s| s.token_user(&d, now)).await?;
            Ok(user.map(|username| Identity {
                username,
                via: Via::Token,
            }))
        } else {
            let user = self.store(move |s| s.session_user(&d, now)).await?;
            Ok(user.map(|username| Identity {
                username,
                via: Via::Session(d),
            }))
        }
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim().to_string())
}

/// Who made a request, set by [`protect`] for the handlers behind it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub username: String,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    /// A login session, by the digest of its secret.
    Session(Digest),
    Token,
}

/// The caller, if authentication is enabled and the request carried valid credentials.
struct Caller(Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller(parts.extensions.get::<Identity>().cloned()))
    }
}

// ---------------------------------------------------------------------------------------------

/// Requests that need no credentials: the health check, the login itself, and the dashboard's
/// static pages and assets, which hold no data (the data comes from the API behind them).
fn is_public(method: &Method, path: &str) -> bool {
    match (method, path) {
        // Liveness, and the API's description (no data in either).
        (&Method::GET, "/healthz" | "/api/v1/openapi.json") => true,
        (&Method::POST, "/api/v1/auth/login") => true,
        (&Method::GET | &Method::HEAD, p) => p == "/" || p == "/login" || p.starts_with("/assets/"),
        _ => false,
    }
}

/// Puts every route of `app` (except [`is_public`] ones) behind a session or token when
/// authentication is enabled; passes everything when it is not.
pub fn protect(app: Router, state: AuthState) -> Router {
    app.layer(axum::middleware::from_fn_with_state(state, require_auth))
}

async fn require_auth(State(state): State<AuthState>, mut req: Request, next: Next) -> Response {
    if !state.enabled() || is_public(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    match state.identify(req.headers()).await {
        Ok(Some(identity)) => {
            req.extensions_mut().insert(identity);
            next.run(req).await
        }
        Ok(None) => ApiError::unauthorized("authentication required").into_response(),
        Err(e) => e.into_response(),
    }
}

/// Login, logout, the current user, and the logged-in user's API tokens.
pub fn routes(state: AuthState) -> Router {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .with_state(state)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    username: String,
    #[schema(write_only)]
    password: String,
}

/// Log in: a session cookie (and its value, usable as a Bearer token)
#[utoipa::path(post, path = "/api/v1/auth/login", security(), request_body = inline(Login),
    responses(
        (status = 200, description = "Logged in", body = inline(Session)),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 401, description = "Invalid username or password", body = Error),
        (status = 403, description = "A cross-origin request from a browser", body = Error),
        (status = 429, description = "Too many failed logins for this user name or from this address; the Retry-After header says when to try again", body = Error),
    ))]
async fn login(
    State(state): State<AuthState>,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    body: Result<Json<Login>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(Login { username, password }) = body?;
    let password = SecretString::from(password);
    let ip = client.map(|a| a.ip());
    let throttle = &state.inner.throttle;
    let ok = {
        let _slot = state
            .inner
            .verify_slots
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        // Checked holding a slot, so that guesses sent at once cannot all pass before the
        // first failure is counted; a refused guess costs no hashing.
        if let Err(wait) = throttle.check(&username, ip) {
            tracing::debug!(username, client = ?ip, "login refused: too many failures");
            return Err(ApiError::too_many_failures(wait));
        }
        let user = username.clone();
        state
            .store(move |s| {
                let stored = s.password_hash(&user)?;
                // The same work whether the user exists or not.
                let hash = stored.as_deref().unwrap_or(DUMMY_HASH);
                Ok(verify_password(hash, &password) && stored.is_some())
            })
            .await?
    };
    if !ok {
        throttle.failed(&username, ip);
        let client = ip.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        tracing::warn!(username, client = %client, "failed login");
        return Err(ApiError::unauthorized("invalid username or password"));
    }
    throttle.succeeded(&username);
    let (secret, d) = new_secret(SESSION_PREFIX).map_err(ApiError::internal)?;
    let now = now_ms();
    let lifetime = state.inner.session_lifetime;
    let expires_at = now.saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX));
    let user = username.clone();
    state
        .store(move |s| s.create_session(&d, &user, now, expires_at))
        .await?;
    tracing::info!(username, "login");
    let cookie = Cookie::build((SESSION_COOKIE, secret.expose_secret().to_string()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time::Duration::seconds(
            i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX),
        ));
    Ok((
        jar.add(cookie),
        Json(Session {
            username,
            expires_at,
        }),
    )
        .into_response())
}

/// The answer of a login (the session itself is in the cookie).
#[derive(Serialize, ToSchema)]
struct Session {
    username: String,
    expires_at: i64,
}

/// End the session
#[utoipa::path(post, path = "/api/v1/auth/logout",
    responses((status = 204, description = "Logged out"), (status = 401, description = "Access control is on and the request carries no valid session or token", body = Error)))]
async fn logout(
    State(state): State<AuthState>,
    Caller(caller): Caller,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    if let Some(Identity {
        via: Via::Session(d),
        ..
    }) = caller
    {
        state.store(move |s| s.delete_session(&d)).await?;
    }
    let gone = Cookie::build((SESSION_COOKIE, "")).path("/");
    Ok((jar.remove(gone), StatusCode::NO_CONTENT).into_response())
}

/// Who is calling, and whether access control is on
#[utoipa::path(get, path = "/api/v1/auth/me",
    responses((status = 200, description = "Caller", body = inline(Me)), (status = 401, description = "Access control is on and the request carries no valid session or token", body = Error)))]
async fn me(State(state): State<AuthState>, Caller(caller): Caller) -> Json<Me> {
    Json(match caller {
        Some(id) => Me {
            auth_enabled: state.enabled(),
            username: Some(id.username),
            via: Some(match id.via {
                Via::Session(_) => CallerVia::Session,
                Via::Token => CallerVia::Token,
            }),
        },
        None => Me {
            auth_enabled: state.enabled(),
            username: None,
            via: None,
        },
    })
}

/// Who is calling: no one (null, with access control off), or a user by session or token.
#[derive(Serialize, ToSchema)]
struct Me {
    auth_enabled: bool,
    #[schema(required = true)]
    username: Option<String>,
    /// Left out when no one is logged in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = via_schema)]
    via: Option<CallerVia>,
}

fn via_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::SchemaType::String)
        .enum_values(Some(["session", "token"]))
        .build()
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum CallerVia {
    Session,
    Token,
}

/// The user of a login session; tokens cannot manage tokens.
fn session_user(caller: Option<Identity>) -> Result<String, ApiError> {
    match caller {
        Some(Identity {
            username,
            via: Via::Session(_),
        }) => Ok(username),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "managing API tokens needs a login session (POST /api/v1/auth/login)",
        )),
    }
}

/// Your API tokens (never the token itself); needs a login session
#[utoipa::path(get, path = "/api/v1/tokens",
    responses((status = 200, description = "Tokens", body = inline(TokenList)), (status = 401, description = "Access control is on and the request carries no valid session or token", body = Error), (status = 403, description = "Tokens cannot manage tokens", body = Error)))]
async fn list_tokens(
    State(state): State<AuthState>,
    Caller(caller): Caller,
) -> Result<Json<TokenList>, ApiError> {
    let user = session_user(caller)?;
    let tokens = state.store(move |s| s.list_tokens(Some(&user))).await?;
    Ok(Json(TokenList { tokens }))
}

/// The answer of `GET /api/v1/tokens`.
#[derive(Serialize, ToSchema)]
struct TokenList {
    #[schema(value_type = Vec<Token>)]
    tokens: Vec<TokenRecord>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewToken {
    #[schema(schema_with = crate::api::request::text_schema)]
    name: String,
}

/// Create an API token (shown once); needs a login session
#[utoipa::path(post, path = "/api/v1/tokens", request_body = inline(NewToken),
    responses((status = 201, description = "Created", body = inline(CreatedToken)), (status = 400, description = "A parameter is wrong; the message names it", body = Error), (status = 401, description = "Access control is on and the request carries no valid session or token", body = Error), (status = 403, description = "Tokens cannot manage tokens", body = Error)))]
async fn create_token(
    State(state): State<AuthState>,
    Caller(caller): Caller,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<Response, ApiError> {
    let user = session_user(caller)?;
    let Json(NewToken { name }) = body?;
    check_name("token name", &name)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let (token, d) = new_api_token().map_err(ApiError::internal)?;
    let now = now_ms();
    let record = state
        .store(move |s| s.add_token(&name, &user, &d, now))
        .await?;
    tracing::info!(
        username = record.username,
        token = record.id,
        "API token created"
    );
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: record.id,
            name: record.name,
            created_at: record.created_at,
            token: token.expose_secret().to_string(),
        }),
    )
        .into_response())
}

/// A new API token: the only time the token itself is shown.
#[derive(Serialize, ToSchema)]
struct CreatedToken {
    id: i64,
    name: String,
    created_at: i64,
    token: String,
}

/// Revoke one of your API tokens; needs a login session
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path,)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "A parameter is wrong; the message names it", body = Error),
        (status = 401, description = "Access control is on and the request carries no valid session or token", body = Error),
        (status = 403, description = "Tokens cannot manage tokens", body = Error),
        (status = 404, description = "No such live token of yours", body = Error),
    ))]
async fn revoke_token(
    State(state): State<AuthState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = session_user(caller)?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("token id {id:?} is not a number"),
        )
    })?;
    let now = now_ms();
    if state
        .store(move |s| s.revoke_token(id, Some(&user), now))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no live token with id {id} of yours"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash_password(&pw("correct horse")).expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("correct horse"));
        assert!(verify_password(&h, &pw("correct horse")));
        assert!(!verify_password(&h, &pw("correct horsf")));
        assert!(!verify_password("not a hash", &pw("correct horse")));
        assert_ne!(
            h,
            hash_password(&pw("correct horse")).expect("hash"),
            "salted"
        );
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let dummy = PasswordHash::new(DUMMY_HASH).expect("parses");
        let real_s = hash_password(&pw("whatever1")).expect("hash");
        let real = PasswordHash::new(&real_s).expect("parses");
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(
            dummy.hash.map(|h| h.len()),
            real.hash.map(|h| h.len()),
            "same output length"
        );
    }

    #[test]
    fn short_passwords_and_odd_names_are_refused() {
        assert!(check_new_password(&pw("1234567")).is_err());
        assert!(check_new_password(&pw("12345678")).is_ok());
        assert!(check_name("username", "alice").is_ok());
        for bad in ["", "a b", "tab\there", &"x".repeat(65)] {
            assert!(check_name("username", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tokens_are_prefixed_random_and_stored_as_digests() {
        let (a, da) = new_api_token().expect("token");
        let (b, _) = new_api_token().expect("token");
        assert!(a.expose_secret().starts_with(TOKEN_PREFIX));
        assert_eq!(a.expose_secret().len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(da, digest(a.expose_secret()));
    }

    #[test]
    fn only_health_login_and_static_pages_are_public() {
        assert!(is_public(&Method::GET, "/healthz"));
        assert!(is_public(&Method::POST, "/api/v1/auth/login"));
        assert!(is_public(&Method::GET, "/"));
        assert!(is_public(&Method::GET, "/assets/app.js"));
        assert!(!is_public(&Method::POST, "/healthz"));
        assert!(!is_public(&Method::GET, "/api/v1/clusters"));
        assert!(!is_public(&Method::GET, "/api/v1/auth/me"));
        assert!(!is_public(&Method::POST, "/assets/x"));
    }

    #[test]
    fn bearer_is_read_case_insensitively() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("bearer smt_abc"));
        assert_eq!(bearer(&h).as_deref(), Some("smt_abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic YTpi"));
        assert_eq!(bearer(&h), None);
    }
}
