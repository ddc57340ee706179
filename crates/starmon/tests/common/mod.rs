//! What the integration tests share: [`TestApp`] (starrocks-sim clusters, a fresh SQLite file in
//! a temporary directory, and starmon served on `127.0.0.1:0` the way `starmon serve` serves it),
//! [`poll_until`] (the one wait, always with a deadline), small HTTP helpers, and running the real
//! binary with a deadline.
//!
//! Each test binary compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use starmon::config::Config;
use starmon::model::NewCluster;
use starmon::server::Limits;
use starmon::store::sqlite::SqliteStore;
use starmon::store::Store;
use starrocks_sim::{Cluster, ClusterConfig, Shape, Sim, SimConfig};
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------------------------------------
// Waiting

/// How often [`poll_until`] asks.
pub const POLL_EVERY: Duration = Duration::from_millis(100);

/// What a poll returns: `true`, `Some(value)` or `Ok(value)` when done; `false`, `None`, or
/// `Err(last state)` (shown if the deadline passes) when not yet.
pub trait Polled {
    type Out;
    fn ready(self) -> Result<Self::Out, Option<String>>;
}

impl Polled for bool {
    type Out = ();
    fn ready(self) -> Result<(), Option<String>> {
        if self {
            Ok(())
        } else {
            Err(None)
        }
    }
}

impl<T> Polled for Option<T> {
    type Out = T;
    fn ready(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

impl<T, E: Display> Polled for Result<T, E> {
    type Out = T;
    fn ready(self) -> Result<T, Option<String>> {
        self.map_err(|e| Some(e.to_string()))
    }
}

/// Calls `check` every [`POLL_EVERY`] until it is done and returns what it gave; panics naming
/// `what` (and the last state `check` reported) once `within` has passed.
pub async fn poll_until<P: Polled>(
    within: Duration,
    what: impl Display,
    check: impl AsyncFnMut() -> P,
) -> P::Out {
    poll_every(POLL_EVERY, within, what, check).await
}

/// [`poll_until`] asking every `every`.
pub async fn poll_every<P: Polled>(
    every: Duration,
    within: Duration,
    what: impl Display,
    mut check: impl AsyncFnMut() -> P,
) -> P::Out {
    let deadline = Instant::now() + within;
    loop {
        match check().await.ready() {
            Ok(v) => return v,
            Err(last) => {
                if Instant::now() >= deadline {
                    match last {
                        Some(last) => {
                            panic!("timed out after {within:?} waiting for {what}: {last}")
                        }
                        None => panic!("timed out after {within:?} waiting for {what}"),
                    }
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The emulator

/// Clusters `c0`, `c1`, … of the given versions and shape, seeded 7, 8, ….
pub fn clusters(versions: &[&str], shape: Shape) -> Vec<ClusterConfig> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut c =
                ClusterConfig::new(format!("c{i}"), v.parse().expect("version"), 7 + i as u64);
            c.shape = shape;
            c
        })
        .collect()
}

/// One cluster `name` of `version` with `seed`.
pub fn cluster(name: &str, version: &str, seed: u64) -> ClusterConfig {
    ClusterConfig::new(name, version.parse().expect("version"), seed)
}

/// starrocks-sim serving `clusters`, its control API on a free loopback port.
pub async fn emulator(clusters: Vec<ClusterConfig>, frozen_clock: bool) -> Sim {
    Sim::start(SimConfig {
        clusters,
        control_addr: "127.0.0.1:0".parse().expect("addr"),
        frozen_clock,
    })
    .await
    .expect("emulator starts")
}

/// Calls the emulator's control API; anything but a 2xx fails the test.
pub async fn control(sim: &Sim, method: Method, path: &str, body: Value) {
    let resp = reqwest::Client::new()
        .request(method, format!("{}{path}", sim.control_url))
        .json(&body)
        .send()
        .await
        .expect("control API");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
}

/// The emulator's own account of `c`.
pub fn truth(c: &Cluster) -> Value {
    c.with_state(|st| starrocks_sim::truth::truth(st))
}

/// The registration of `c` through its FE number `fe`, named `name`.
pub fn new_cluster(c: &Cluster, fe: usize, name: &str) -> NewCluster {
    let n = c.fe_node(fe).expect("fe");
    NewCluster {
        name: name.into(),
        fe_host: n.ip.to_string(),
        fe_query_port: n.query_port.expect("query port"),
        fe_http_port: n.http_port,
        user: c.spec.user.clone(),
        password: c.spec.password.clone().into(),
    }
}

/// The body of `POST /api/v1/clusters` registering `c` (through fe0) as `name`.
pub fn cluster_body(c: &Cluster, name: &str) -> Value {
    let fe = c.fe_node(0).expect("fe");
    json!({
        "name": name,
        "fe_host": fe.ip.to_string(),
        "fe_query_port": fe.query_port.expect("query port"),
        "fe_http_port": fe.http_port,
        "user": c.spec.user,
        "password": c.spec.password,
    })
}

/// A cluster record nobody answers for (`host:9030`, user root), for tests of the store and API.
pub fn offline_cluster(name: &str, host: &str, ports: (u16, u16), password: &str) -> NewCluster {
    NewCluster {
        name: name.into(),
        fe_host: host.into(),
        fe_query_port: ports.0,
        fe_http_port: ports.1,
        user: "root".into(),
        password: password.to_string().into(),
    }
}

// ---------------------------------------------------------------------------------------------
// starmon served

/// Something written into the store before it is served.
type Seed = Box<dyn FnOnce(&SqliteStore) + Send>;

/// How a [`TestApp`] is set up; [`TestApp::builder`].
pub struct TestAppBuilder {
    clusters: Vec<ClusterConfig>,
    frozen_clock: bool,
    config: Config,
    collector: bool,
    limits: Option<Limits>,
    database: Option<PathBuf>,
    seed: Vec<Seed>,
    registered: Vec<(usize, String)>,
}

/// starmon served on `127.0.0.1:0` over a SQLite file, with or without the collector, and the
/// emulator it watches (if any). Dropping it stops both.
pub struct TestApp {
    sim: Option<Sim>,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub http: reqwest::Client,
    pub db: PathBuf,
    pub store: Arc<SqliteStore>,
    pub cancel: CancellationToken,
    pub collector: Option<tokio::task::JoinHandle<()>>,
    pub server: Option<tokio::task::JoinHandle<()>>,
    pub dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(sim) = &self.sim {
            sim.shutdown();
        }
    }
}

impl TestApp {
    /// No emulator, the default configuration, the collector running, access control off.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            clusters: Vec::new(),
            frozen_clock: false,
            config: Config::default(),
            collector: true,
            limits: None,
            database: None,
            seed: Vec::new(),
            registered: Vec::new(),
        }
    }
}

impl TestAppBuilder {
    /// Emulated clusters to start (none by default: no emulator).
    pub fn clusters(mut self, clusters: Vec<ClusterConfig>) -> Self {
        self.clusters = clusters;
        self
    }

    /// Whether the emulator's clock only moves when a test advances it.
    pub fn frozen_clock(mut self, frozen: bool) -> Self {
        self.frozen_clock = frozen;
        self
    }

    /// Collects every `secs`, the jobs and the sizes too.
    pub fn interval_secs(mut self, secs: u64) -> Self {
        self.config.collector.interval_secs = secs;
        self.config.collector.jobs_interval_secs = secs;
        self.config.collector.size_interval_secs = secs;
        self
    }

    /// The collector's connect and HTTP time-outs.
    pub fn timeouts_ms(mut self, connect: u64, http: u64) -> Self {
        self.config.collector.connect_timeout_ms = connect;
        self.config.collector.http_timeout_ms = http;
        self
    }

    /// The collector's SQL time-out.
    pub fn sql_timeout_ms(mut self, ms: u64) -> Self {
        self.config.collector.sql_timeout_ms = ms;
        self
    }

    pub fn alerts(mut self, enabled: bool) -> Self {
        self.config.alerts.enabled = enabled;
        self
    }

    /// Access control on or off, sessions lasting `session_hours`.
    pub fn auth(mut self, enabled: bool, session_hours: u64) -> Self {
        self.config.auth.enabled = enabled;
        self.config.auth.session_hours = session_hours;
        self
    }

    /// Any other change to the configuration.
    pub fn config(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(&mut self.config);
        self
    }

    /// The API alone, as `starmon serve` builds it but with no collector: what is in the store
    /// is all there is.
    pub fn without_collector(mut self) -> Self {
        self.collector = false;
        self
    }

    /// Connection limits other than `[server]`'s.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Serves this database file instead of a fresh one.
    pub fn database(mut self, path: &Path) -> Self {
        self.database = Some(path.to_path_buf());
        self
    }

    /// Something to write into the store before serving it.
    pub fn seed(mut self, seed: impl FnOnce(&SqliteStore) + Send + 'static) -> Self {
        self.seed.push(Box::new(seed));
        self
    }

    /// Emulated cluster `i` written into the store as `name` (through fe0) before anything runs,
    /// as `starmon cluster add` before `serve` does: the collector's first pass already has it.
    pub fn registered(mut self, i: usize, name: &str) -> Self {
        self.registered.push((i, name.to_string()));
        self
    }

    pub async fn start(self) -> TestApp {
        let sim = if self.clusters.is_empty() {
            None
        } else {
            Some(emulator(self.clusters, self.frozen_clock).await)
        };
        let dir = tempfile::tempdir().expect("tmp");
        let mut config = self.config;
        config.database = self
            .database
            .unwrap_or_else(|| dir.path().join("starmon.db"));
        let sqlite = Arc::new(SqliteStore::open(&config.database).expect("open"));
        for seed in self.seed {
            seed(&sqlite);
        }
        for (i, name) in &self.registered {
            let sim = sim.as_ref().expect("registered clusters need clusters()");
            sqlite
                .add_cluster(&new_cluster(&sim.clusters[*i], 0, name))
                .expect("cluster registered");
        }
        // As `starmon serve` builds and serves it (`startup::serve`).
        let auth = starmon::auth::AuthState::with_login_limits(
            sqlite.clone(),
            &config.auth,
            &config.server,
        );
        let limits = self
            .limits
            .unwrap_or_else(|| Limits::from_config(&config.server));
        let store: Arc<dyn Store> = sqlite.clone();
        let cancel = CancellationToken::new();
        let db = config.database.clone();
        let (app, collector) = if self.collector {
            let (app, collector) =
                starmon::startup::start(store, auth, Arc::new(config), cancel.clone())
                    .expect("start");
            (app, Some(collector))
        } else {
            // The API alone over the store, with an alert engine of its own (nothing collects).
            let alerting = starmon::alerts::Alerting::from_config(store.clone(), &config, None)
                .expect("alerting");
            let api = starmon::api::ApiState::new(
                store,
                &config,
                Default::default(),
                Default::default(),
                Arc::new(alerting),
            )
            .expect("api state");
            (starmon::server::app(api, auth), None)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(starmon::server::serve(
            listener,
            app,
            limits,
            cancel.clone(),
        ));
        TestApp {
            sim,
            addr,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            db,
            store: sqlite,
            cancel,
            collector,
            server: Some(server),
            dir,
        }
    }
}

impl TestApp {
    /// The emulator (the test asked for clusters).
    pub fn sim(&self) -> &Sim {
        self.sim.as_ref().expect("an emulator")
    }

    /// Emulated cluster number `i`.
    pub fn cluster(&self, i: usize) -> &Cluster {
        &self.sim().clusters[i]
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path`: the status and the JSON body (null if none).
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, Value::Null).await
    }

    /// `method path` with a JSON body (none if null): the status and the JSON body (null if
    /// none).
    pub async fn send(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if !body.is_null() {
            req = req.json(&body);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POST `path`, asserting the status is `want`; the JSON body.
    pub async fn post(&self, path: &str, body: Value, want: StatusCode) -> Value {
        let (status, v) = self.send(Method::POST, path, body).await;
        assert_eq!(status, want, "{path}: {v}");
        v
    }

    /// GET `path` as text (`/metrics`).
    pub async fn text(&self, path: &str) -> String {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("text")
    }

    /// The store's id of the cluster registered as `name`.
    pub fn cluster_id(&self, name: &str) -> i64 {
        self.store
            .cluster_by_name(name)
            .expect("store answers")
            .expect("cluster registered")
            .id
    }

    /// Registers emulated cluster `i` as `name` over the API; its id.
    pub async fn register(&self, i: usize, name: &str) -> i64 {
        let v = self
            .post(
                "/api/v1/clusters",
                cluster_body(self.cluster(i), name),
                StatusCode::CREATED,
            )
            .await;
        v["id"].as_i64().expect("id")
    }

    /// Polls GET `path` until it answers 200 with a body `done` accepts, for at most `within`.
    pub async fn wait_for(
        &self,
        path: &str,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        poll_until(within, format_args!("{path} to be satisfied"), async || {
            let (s, v) = self.get(path).await;
            if s == StatusCode::OK && done(&v) {
                Ok(v)
            } else {
                Err(v)
            }
        })
        .await
    }

    /// Calls the emulator's control API.
    pub async fn control(&self, method: Method, path: &str, body: Value) {
        control(self.sim(), method, path, body).await
    }

    /// Stops collecting and serving; waits (at most 10 s) for the collector to finish.
    pub async fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(c) = self.collector.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), c).await;
        }
    }
}

/// Serves `app` (a test's receiver) on a free loopback port until the test ends.
pub async fn serve_router(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// GET `url`: the status and the JSON body, which must be there.
pub async fn get_json(url: &str) -> (u16, Value) {
    let resp = reqwest::get(url).await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

/// `method url` with a JSON body: the status and the JSON body (null if none).
pub async fn send(method: Method, url: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method, url)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The first column of the first row of `sql` on the database file `db`.
pub fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.query_row(sql, [], |r| r.get(0)).expect("query")
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

// ---------------------------------------------------------------------------------------------
// The real binary

/// `starmon ARGS` with `env` set, `STARMON_DATABASE` unset and no standard input.
pub fn starmon(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_starmon"));
    cmd.args(args)
        .env_remove("STARMON_DATABASE")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `cmd` to its end with its output captured; kills it and fails the test if it still runs
/// after `within`.
pub fn output_within(mut cmd: Command, within: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starmon runs");
    let out = child.stdout.take();
    let err = child.stderr.take();
    let read = |p: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read(out.map(|p| Box::new(p) as _));
    let err = read(err.map(|p| Box::new(p) as _));
    let deadline = Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

/// [`output_within`] off the async runtime's threads.
pub async fn run_within(cmd: Command, within: Duration) -> Output {
    tokio::task::spawn_blocking(move || output_within(cmd, within))
        .await
        .expect("join")
}

/// Waits (at most `within`) for `child` to exit; fails the test naming `what` if it does not.
pub async fn wait_exit(
    child: &mut std::process::Child,
    within: Duration,
    what: &str,
) -> std::process::ExitStatus {
    poll_until(within, what, async || child.try_wait().expect("wait")).await
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
