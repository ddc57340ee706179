//! Access control over a real socket and a real SQLite file: what an anonymous client, a
//! logged-in browser and a script with a token can and cannot do, and what is left on disk.

use reqwest::header::{AUTHORIZATION, COOKIE, SET_COOKIE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use starmon::auth;
use starmon::model::{CollectionStatus, NewCluster, Outcome, Snapshot};
use starmon::store::auth::AuthStore;
use starmon::store::Store;

mod common;
use common::TestApp;

const CLUSTER_PASSWORD: &str = "cluster-pw-Zq83xK";
const USER: &str = "alice";
const USER_PASSWORD: &str = "alice-password-1";

/// starmon served with access control `enabled`, and the one cluster `prod` it holds.
struct Server {
    app: TestApp,
    cluster: i64,
}

/// A fresh database with one cluster (one snapshot) and the user alice, served on port 0.
async fn serve(enabled: bool) -> Server {
    let app = TestApp::builder()
        .without_collector()
        .auth(enabled, 1)
        .seed(|store| {
            let c = store
                .add_cluster(&NewCluster {
                    name: "prod".into(),
                    fe_host: "10.0.0.1".into(),
                    fe_query_port: 9030,
                    fe_http_port: 8030,
                    user: "root".into(),
                    password: SecretString::from(CLUSTER_PASSWORD),
                })
                .expect("add cluster");
            let at = chrono::Utc::now().timestamp_millis();
            store
                .write_collection(
                    c.id,
                    &Snapshot {
                        collected_at: at,
                        qps: Some(5.0),
                        ..Snapshot::default()
                    },
                    &[],
                    &CollectionStatus {
                        collected_at: at,
                        outcome: Outcome::Ok,
                        duration_ms: 1,
                        errors: vec![],
                    },
                )
                .expect("write");
            let hash = auth::hash_password(&SecretString::from(USER_PASSWORD)).expect("hash");
            store.add_user(USER, &hash).expect("add user");
        })
        .start()
        .await;
    let cluster = app.cluster_id("prod");
    Server { app, cluster }
}

/// What a client sends besides the request: nothing, a session cookie, or a bearer secret.
#[derive(Clone, Copy)]
enum Cred<'a> {
    None,
    Cookie(&'a str),
    Bearer(&'a str),
}

impl Server {
    async fn call(
        &self,
        method: Method,
        path: &str,
        cred: Cred<'_>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.app.http.request(method, self.app.url(path));
        req = match cred {
            Cred::None => req,
            Cred::Cookie(c) => req.header(COOKIE, format!("{}={c}", auth::SESSION_COOKIE)),
            Cred::Bearer(t) => req.header(AUTHORIZATION, format!("Bearer {t}")),
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    async fn get(&self, path: &str, cred: Cred<'_>) -> (StatusCode, Value) {
        let resp = self.call(Method::GET, path, cred, None).await;
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Logs alice in; the session secret from the Set-Cookie header.
    async fn login(&self) -> String {
        let resp = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": USER, "password": USER_PASSWORD})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let cookie = resp
            .headers()
            .get(SET_COOKIE)
            .expect("a Set-Cookie header")
            .to_str()
            .expect("ascii")
            .to_string();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=3600"] {
            assert!(cookie.contains(attr), "{attr} in {cookie}");
        }
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["username"], USER);
        assert!(body["expires_at"].as_i64().is_some(), "{body}");
        let pair = cookie.split(';').next().expect("name=value");
        pair.strip_prefix(&format!("{}=", auth::SESSION_COOKIE))
            .expect("the session cookie")
            .to_string()
    }

    fn exec(&self, sql: &str) {
        let conn = rusqlite::Connection::open(&self.app.db).expect("open db");
        conn.execute_batch(sql).expect("sql");
    }
}

fn protected_paths(cluster: i64) -> Vec<String> {
    [
        "/api/v1/clusters".to_string(),
        format!("/api/v1/clusters/{cluster}/latest"),
        format!("/api/v1/clusters/{cluster}/metrics?names=qps"),
        format!("/api/v1/clusters/{cluster}/status"),
        format!("/api/v1/clusters/{cluster}/capacity"),
        format!("/api/v1/clusters/{cluster}/daily"),
        format!("/api/v1/clusters/{cluster}/nodes/10001/metrics?names=qps"),
        "/api/v1/auth/me".to_string(),
        "/api/v1/tokens".to_string(),
    ]
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_only_health_answers() {
    let s = serve(true).await;
    for path in protected_paths(s.cluster) {
        for cred in [
            Cred::None,
            Cred::Cookie("sms_not-a-session"),
            Cred::Bearer("smt_not-a-token"),
            Cred::Bearer("sms_not-a-session"),
        ] {
            let resp = s.call(Method::GET, &path, cred, None).await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
            assert_eq!(
                resp.headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok()),
                Some("Bearer"),
                "{path}"
            );
            let body: Value = resp.json().await.expect("a JSON body");
            assert_eq!(body, json!({"error": "authentication required"}), "{path}");
        }
    }
    let resp = s
        .call(Method::POST, "/api/v1/auth/logout", Cred::None, None)
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = s.call(Method::GET, "/healthz", Cred::None, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.expect("body"), "ok\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_unknown_user_is_refused_alike() {
    let s = serve(true).await;
    for (user, pw) in [
        (USER, "alice-password-2"),
        ("mallory", USER_PASSWORD),
        (USER, ""),
    ] {
        let resp = s
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Cred::None,
                Some(json!({"username": user, "password": pw})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{user}");
        assert!(resp.headers().get(SET_COOKIE).is_none(), "no session");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body, json!({"error": "invalid username or password"}));
    }
    let resp = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            Cred::None,
            Some(json!({"username": USER})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("password")),
        "a bad body says what is missing: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_works_until_logout() {
    let s = serve(true).await;
    let session = s.login().await;
    let (code, body) = s.get("/api/v1/clusters", Cred::Cookie(&session)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["clusters"][0]["name"], "prod");
    let (code, body) = s
        .get(
            &format!("/api/v1/clusters/{}/latest", s.cluster),
            Cred::Cookie(&session),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["snapshot"]["qps"], 5.0);
    // The session secret also works as a bearer, for clients without a cookie jar.
    let (code, me) = s.get("/api/v1/auth/me", Cred::Bearer(&session)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(me["username"], USER);
    assert_eq!(me["via"], "session");

    let resp = s
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            Cred::Cookie(&session),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let cleared = resp
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("the cookie is cleared");
    assert!(
        cleared.starts_with(&format!("{}=;", auth::SESSION_COOKIE)),
        "{cleared}"
    );
    let (code, _) = s.get("/api/v1/clusters", Cred::Cookie(&session)).await;
    assert_eq!(
        code,
        StatusCode::UNAUTHORIZED,
        "a logged-out session is dead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_refused() {
    let s = serve(true).await;
    let session = s.login().await;
    let (code, _) = s.get("/api/v1/clusters", Cred::Cookie(&session)).await;
    assert_eq!(code, StatusCode::OK);
    // As if the session's hour had passed.
    s.exec("UPDATE sessions SET expires_at = 1");
    let (code, _) = s.get("/api/v1/clusters", Cred::Cookie(&session)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_token_works_until_revoked() {
    let s = serve(true).await;
    let session = s.login().await;
    let resp = s
        .call(
            Method::POST,
            "/api/v1/tokens",
            Cred::Cookie(&session),
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.expect("json");
    let token = created["token"].as_str().expect("the token").to_string();
    assert!(token.starts_with("smt_"), "{token}");
    let id = created["id"].as_i64().expect("id");

    let (code, body) = s.get("/api/v1/clusters", Cred::Bearer(&token)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["clusters"][0]["name"], "prod");
    let (_, me) = s.get("/api/v1/auth/me", Cred::Bearer(&token)).await;
    assert_eq!(me["via"], "token");

    let (code, listed) = s.get("/api/v1/tokens", Cred::Cookie(&session)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(listed["tokens"][0]["name"], "ci");
    assert!(listed["tokens"][0]["last_used_at"].is_i64(), "{listed}");
    assert!(!listed.to_string().contains(&token), "never listed again");
    let text = std::fs::read(&s.app.db).expect("db bytes");
    assert!(
        !contains(&text, token.as_bytes()),
        "only the digest is stored"
    );

    // A token cannot mint or revoke tokens.
    let resp = s
        .call(
            Method::POST,
            "/api/v1/tokens",
            Cred::Bearer(&token),
            Some(json!({"name": "more"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let path = format!("/api/v1/tokens/{id}");
    let resp = s
        .call(Method::DELETE, &path, Cred::Cookie(&session), None)
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (code, _) = s.get("/api/v1/clusters", Cred::Bearer(&token)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "a revoked token is dead");
    let resp = s
        .call(Method::DELETE, &path, Cred::Cookie(&session), None)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_password_is_never_served_nor_stored_in_clear() {
    let s = serve(true).await;
    let session = s.login().await;
    for path in [
        "/api/v1/clusters".to_string(),
        format!("/api/v1/clusters/{}/latest", s.cluster),
    ] {
        let resp = s
            .call(Method::GET, &path, Cred::Cookie(&session), None)
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let text = resp.text().await.expect("body");
        assert!(!text.contains(CLUSTER_PASSWORD), "{path}: {text}");
    }
    // Everything written so far into the main file, then read it and the WAL raw.
    s.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    let mut bytes = std::fs::read(&s.app.db).expect("db bytes");
    if let Ok(wal) = std::fs::read(s.app.dir.path().join("starmon.db-wal")) {
        bytes.extend(wal);
    }
    assert!(contains(&bytes, b"prod"), "the file is readable as is");
    assert!(!contains(&bytes, CLUSTER_PASSWORD.as_bytes()));
    assert!(!contains(&bytes, USER_PASSWORD.as_bytes()));

    let key = s.app.dir.path().join("starmon.db.key");
    let meta = std::fs::metadata(&key).expect("the key file exists");
    assert_eq!(meta.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auth_disabled_everything_is_open() {
    let s = serve(false).await;
    for path in protected_paths(s.cluster) {
        if path == "/api/v1/tokens" {
            continue;
        }
        let (code, body) = s.get(&path, Cred::None).await;
        assert_eq!(code, StatusCode::OK, "{path}: {body}");
    }
    let (_, me) = s.get("/api/v1/auth/me", Cred::None).await;
    assert_eq!(me, json!({"auth_enabled": false, "username": null}));
    let (code, _) = s.get("/healthz", Cred::None).await;
    assert_eq!(code, StatusCode::OK);
}
