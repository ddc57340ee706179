//! The HTTP server under abuse, over real loopback sockets and served as `starmon serve` serves
//! (`starmon::server::serve`): idle and half-sent connections, password guessing, cross-site
//! requests, oversized or malformed requests, and the headers every response carries.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Client, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use starmon::auth;
use starmon::config::ServerConfig;
use starmon::model::NewCluster;
use starmon::server::Limits;
use starmon::store::auth::AuthStore;
use starmon::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{poll_every, TestApp};

const USER: &str = "alice";
const PASSWORD: &str = "alice-password-1";

struct Server {
    addr: SocketAddr,
    base: String,
    cluster: i64,
    app: TestApp,
}

/// A fresh database with one cluster and the user alice, served on a free loopback port.
async fn serve(auth_enabled: bool, server: ServerConfig, limits: Limits) -> Server {
    let app = TestApp::builder()
        .without_collector()
        .auth(auth_enabled, 1)
        .config(|c| c.server = server)
        .limits(limits)
        .seed(|store| {
            store
                .add_cluster(&NewCluster {
                    name: "prod".into(),
                    fe_host: "127.0.0.1".into(),
                    fe_query_port: 9,
                    fe_http_port: 9,
                    user: "root".into(),
                    password: SecretString::from("cluster-pw"),
                })
                .expect("add cluster");
            let hash = auth::hash_password(&SecretString::from(PASSWORD)).expect("hash");
            store.add_user(USER, &hash).expect("add user");
            store.add_user("bob", &hash).expect("add user");
        })
        .start()
        .await;
    Server {
        addr: app.addr,
        base: app.base.clone(),
        cluster: app.cluster_id("prod"),
        app,
    }
}

fn limits(max_connections: usize, header_read_timeout: Duration) -> Limits {
    Limits {
        max_connections,
        header_read_timeout,
    }
}

fn default_limits() -> Limits {
    limits(64, Duration::from_secs(30))
}

/// True once `stream` is closed by the server (end of file or reset), false if it is still open
/// at `deadline`. Whatever the server sent before closing is skipped.
async fn closed_by(stream: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_closed_and_new_clients_are_served() {
    let s = serve(
        false,
        ServerConfig::default(),
        limits(4, Duration::from_millis(300)),
    )
    .await;
    // Five times the cap of idle sockets, and one that never finishes its headers.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(s.addr).await.expect("connect"));
    }
    let mut half = TcpStream::connect(s.addr).await.expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .expect("write");

    // A new client is still answered, once the idle ones have been closed to make room.
    let resp = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .expect("the server answers a new client");
    assert_eq!(resp.status(), StatusCode::OK);

    let deadline = Instant::now() + Duration::from_secs(20);
    for (i, c) in idle.iter_mut().enumerate() {
        assert!(
            closed_by(c, deadline).await,
            "idle connection {i} still open"
        );
    }
    assert!(
        closed_by(&mut half, deadline).await,
        "a connection that never sent its full headers is still open"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_does_not_wait_for_idle_connections() {
    let mut s = serve(false, ServerConfig::default(), default_limits()).await;
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(TcpStream::connect(s.addr).await.expect("connect"));
    }
    // A keep-alive connection that has been answered once.
    let mut kept = TcpStream::connect(s.addr).await.expect("connect");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 256];
    let n = kept.read(&mut buf).await.expect("read");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    s.app.cancel.cancel();
    let served = s.app.server.take().expect("served");
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("the server stops within 5 s")
        .expect("no panic");
}

/// Everything logged by this test binary, for the tests that check what was logged.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("starmon=info")
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .try_init();
        buf
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn login(http: &Client, base: &str, user: &str, password: &str) -> reqwest::Response {
    http.post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_is_slowed_per_user_and_per_address_for_a_while_only() {
    let logs = logs();
    let s = serve(
        true,
        ServerConfig {
            login_failures_per_user: 3,
            login_failures_per_address: 5,
            login_window_secs: 2,
            ..ServerConfig::default()
        },
        default_limits(),
    )
    .await;
    let http = Client::new();
    for _ in 0..3 {
        let r = login(&http, &s.base, USER, "wrong-guess-123").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Alice's name is used up: even her password is refused, with when to come back.
    let r = login(&http, &s.base, USER, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    assert!(r.headers().get(SET_COOKIE).is_none());
    let body: Value = r.json().await.expect("JSON");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("too many failed logins")),
        "{body}"
    );
    // Guessing other names from the same address: the address is used up after 5 failures.
    for user in ["bob", "nobody"] {
        let r = login(&http, &s.base, user, "wrong-guess-123").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{user}");
    }
    let r = login(&http, &s.base, "bob", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Failed logins are logged with the client's address, never with the password.
    let text =
        String::from_utf8_lossy(&logs.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    assert!(
        text.lines()
            .any(|l| l.contains("failed login") && l.contains("client=127.0.0.1")),
        "{text}"
    );
    assert!(!text.contains("wrong-guess-123") && !text.contains(PASSWORD));

    // Not locked out for good: once the window has passed, alice logs in.
    poll_every(
        Duration::from_millis(200),
        Duration::from_secs(10),
        "alice to be let in again",
        async || {
            let r = login(&http, &s.base, USER, PASSWORD).await;
            if r.status() == StatusCode::OK {
                return Ok(());
            }
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
            Err(format!("still {}", r.status()))
        },
    )
    .await;
}

fn session_of(resp: &reqwest::Response) -> String {
    let cookie = resp
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    cookie.split(';').next().expect("name=value").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_cannot_change_anything() {
    let s = serve(true, ServerConfig::default(), default_limits()).await;
    let http = Client::new();
    let login_url = format!("{}/api/v1/auth/login", s.base);
    let creds = json!({"username": USER, "password": PASSWORD});
    // A form on another site (or another port of this host) cannot log the browser in.
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://127.0.0.1:1"),
    ] {
        let r = http
            .post(&login_url)
            .header(name, value)
            .json(&creds)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(r.headers().get(SET_COOKIE).is_none());
    }
    let r = http
        .post(&login_url)
        .header("sec-fetch-site", "same-origin")
        .json(&creds)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let session = session_of(&r);

    let tokens = format!("{}/api/v1/tokens", s.base);
    let same_host = format!("http://{}", s.addr);
    let mut token = None;
    let other_port = format!("http://127.0.0.1:{}", s.addr.port().wrapping_add(1).max(1));
    for (headers, allowed) in [
        (vec![("sec-fetch-site", "same-site")], false),
        (vec![("sec-fetch-site", "cross-site")], false),
        (vec![("origin", other_port.as_str())], false),
        (vec![("origin", "null")], false),
        (vec![("sec-fetch-site", "same-origin")], true),
        (vec![("origin", same_host.as_str())], true),
        // Not a browser (curl, scripts): nothing says where it comes from.
        (vec![], true),
    ] {
        let mut req = http
            .post(&tokens)
            .header(COOKIE, &session)
            .json(&json!({"name": "t"}));
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("request");
        let want = if allowed {
            StatusCode::CREATED
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(r.status(), want, "{headers:?}");
        let body: Value = r.json().await.expect("JSON");
        if let Some(t) = body["token"].as_str() {
            token = Some(t.to_string());
        }
        if !allowed {
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("cross-origin")),
                "{body}"
            );
        }
    }
    // Only the three allowed requests made a token; reading stays possible cross-site.
    let r = http
        .get(&tokens)
        .header(COOKIE, &session)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("request");
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["tokens"].as_array().map(Vec::len), Some(3), "{body}");
    // A browser never sends a bearer token on its own: no origin check for it (the cluster
    // does not exist, so the request gets as far as its handler).
    let r = http
        .post(format!("{}/api/v1/clusters/999/test", s.base))
        .bearer_auth(token.expect("a token was created"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

fn assert_security_headers(h: &HeaderMap, what: &str) {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let csp = get("content-security-policy");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{what}: {part} in {csp:?}");
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let s = serve(true, ServerConfig::default(), default_limits()).await;
    let http = Client::new();
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/login", StatusCode::OK),
        ("/healthz", StatusCode::OK),
        ("/assets/nothing.js", StatusCode::NOT_FOUND),
        ("/api/v1/clusters", StatusCode::UNAUTHORIZED),
        ("/api/v1/openapi.json", StatusCode::OK),
    ] {
        let r = http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), status, "{path}");
        assert_security_headers(r.headers(), path);
    }
}

/// Sends `head` (request line and headers, without the final blank line) on a raw socket and
/// returns the status and the JSON body.
async fn raw(addr: SocketAddr, head: &str) -> (u16, HeaderMap, Value) {
    let resp = Client::new()
        .execute({
            let mut lines = head.split("\r\n");
            let first = lines.next().unwrap_or_default();
            let mut parts = first.split(' ');
            let method: reqwest::Method = parts.next().unwrap_or("GET").parse().expect("a method");
            let target = parts.next().unwrap_or("/");
            let url = reqwest::Url::parse(&format!("http://{addr}{target}")).expect("a URL");
            let mut req = reqwest::Request::new(method, url);
            for l in lines {
                if let Some((k, v)) = l.split_once(": ") {
                    req.headers_mut().insert(
                        reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                        v.parse().expect("value"),
                    );
                }
            }
            req
        })
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_json_and_says_it_once() {
    let s = serve(false, ServerConfig::default(), default_limits()).await;
    let c = s.cluster;
    let long = "a".repeat(33_000);
    let big = "b".repeat(70_000);
    for (head, status) in [
        // Not UTF-8 once decoded.
        ("GET /api/v1/clusters/%FF".to_string(), 400),
        ("GET /api/v1/clusters/%FF/latest".to_string(), 400),
        ("GET /api/v1/no-such-thing".to_string(), 404),
        ("GET /no-such-page".to_string(), 404),
        ("DELETE /healthz".to_string(), 405),
        ("PUT /api/v1/clusters".to_string(), 405),
        (format!("GET /api/v1/clusters?{long}"), 414),
        (format!("GET /healthz\r\nX-Big: {big}"), 431),
        (
            format!("GET /api/v1/clusters/{c}/metrics?names=qps&to=0"),
            400,
        ),
    ] {
        let (code, headers, body) = raw(s.addr, &head).await;
        let what = &head[..head.len().min(60)];
        assert_eq!(code, status, "{what}: {body}");
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{what}"
        );
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: {body}"));
        assert!(!error.is_empty(), "{what}");
        // No message that says the same thing twice ("invalid x: invalid x").
        if let Some((a, b)) = error.split_once(": ") {
            assert!(
                !b.to_lowercase().starts_with(&a.to_lowercase()),
                "{what}: {error}"
            );
        }
        assert!(error.len() < 300, "{what}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_names_are_a_400_naming_the_limit_and_duplicates_one_series() {
    let s = serve(false, ServerConfig::default(), default_limits()).await;
    let base = format!("{}/api/v1/clusters/{}", s.base, s.cluster);
    for url in [
        format!("{base}/metrics?names={}", vec!["qps"; 2000].join(",")),
        format!(
            "{base}/nodes/10001/metrics?names={}",
            vec!["cpu_usage_pct"; 2000].join(",")
        ),
    ] {
        let r = reqwest::get(&url).await.expect("request");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body: Value = r.json().await.expect("JSON");
        assert!(
            body["error"].as_str().is_some_and(
                |e| e.contains("names") && e.contains(&starmon::api::MAX_NAMES.to_string())
            ),
            "{body}"
        );
    }
    let r = reqwest::get(format!(
        "{base}/metrics?names=qps,qps,query_latency_p99,qps"
    ))
    .await
    .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("JSON");
    let series = body["series"].as_object().expect("series");
    assert_eq!(series.len(), 2, "{body}");
}
