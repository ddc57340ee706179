//! Shared helpers: start an emulator in-process on loopback and talk to it with stock clients.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row, Value};
use starrocks_sim::{Cluster, ClusterConfig, Shape, Sim, SimConfig, Version};

/// Every minor release the emulator claims to support.
pub const VERSIONS: &[&str] = &[
    "2.5", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "4.0", "4.1",
];

pub fn v(s: &str) -> Version {
    s.parse().expect("test uses a valid version")
}

pub async fn start(versions: &[&str], shape: Shape, frozen: bool) -> Sim {
    let clusters = versions
        .iter()
        .enumerate()
        .map(|(i, ver)| {
            let mut c = ClusterConfig::new(
                format!("c{i}-{}", ver.replace('.', "_")),
                v(ver),
                42 + i as u64,
            );
            c.shape = shape;
            c
        })
        .collect();
    Sim::start(SimConfig {
        clusters,
        control_addr: "127.0.0.1:0".parse().expect("addr"),
        frozen_clock: frozen,
    })
    .await
    .expect("emulator starts")
}

pub fn shape(fes: usize, bes: usize, cns: usize) -> Shape {
    Shape { fes, bes, cns }
}

pub fn fe_addr(c: &Cluster, i: usize) -> (String, u16, u16) {
    let n = c.fe_node(i).expect("fe exists");
    (
        n.ip.to_string(),
        n.query_port.expect("fe has a query port"),
        n.http_port,
    )
}

pub fn be_http(c: &Cluster, id: &str) -> String {
    let n = c.node(id).expect("node exists");
    format!("http://{}:{}", n.ip, n.http_port)
}

pub fn fe_http(c: &Cluster, i: usize) -> String {
    let (ip, _, http) = fe_addr(c, i);
    format!("http://{ip}:{http}")
}

/// Options a StarRocks-aware client uses (docs/starrocks-facts.md §9: no @@socket probe).
pub fn opts(c: &Cluster, fe: usize) -> OptsBuilder {
    let (ip, port, _) = fe_addr(c, fe);
    OptsBuilder::default()
        .ip_or_hostname(ip)
        .tcp_port(port)
        .user(Some(c.spec.user.clone()))
        .pass(Some(c.spec.password.clone()))
        .prefer_socket(false)
}

pub async fn connect(c: &Cluster, fe: usize) -> Conn {
    Conn::new(opts(c, fe)).await.expect("login succeeds")
}

/// A result set as column names plus rows of optional strings (NULL = None).
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Table {
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.columns))
    }
    pub fn cell(&self, row: usize, name: &str) -> Option<&str> {
        self.rows[row][self.col(name)].as_deref()
    }
    pub fn find(&self, key_col: &str, key: &str) -> usize {
        let k = self.col(key_col);
        self.rows
            .iter()
            .position(|r| r[k].as_deref() == Some(key))
            .unwrap_or_else(|| panic!("no row with {key_col}={key}"))
    }
}

pub async fn query(conn: &mut Conn, sql: &str) -> Result<Table, mysql_async::Error> {
    let mut result = conn.query_iter(sql).await?;
    let columns: Vec<String> = result
        .columns()
        .map(|cols| cols.iter().map(|c| c.name_str().into_owned()).collect())
        .unwrap_or_default();
    let rows: Vec<Row> = result.collect().await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            (0..r.len())
                .map(|i| match r.as_ref(i) {
                    Some(Value::NULL) | None => None,
                    Some(Value::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
                    Some(other) => Some(other.as_sql(true).trim_matches('\'').to_string()),
                })
                .collect()
        })
        .collect();
    Ok(Table { columns, rows })
}

pub async fn q(conn: &mut Conn, sql: &str) -> Table {
    query(conn, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub fn server_error(e: mysql_async::Error) -> (u16, String, String) {
    match e {
        mysql_async::Error::Server(s) => (s.code, s.state, s.message),
        other => panic!("expected a server error packet, got {other:?}"),
    }
}

pub async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

pub async fn text(url: &str) -> String {
    get(url).await.text().await.expect("body")
}

pub async fn truth(c: &Cluster) -> serde_json::Value {
    c.with_state(|st| starrocks_sim::truth::truth(st))
}

pub async fn control(
    sim: &Sim,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, format!("{}{path}", sim.control_url))
        .json(&body)
        .send()
        .await
        .expect("control API answers")
}

/// Polls `check` until it returns true or the deadline passes.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/starrocks/fixtures")
}

/// A fixture `.tsv`: header and rows, `\N` as None.
pub fn fixture_tsv(name: &str) -> Table {
    let path = fixtures().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines = text.lines();
    let columns = lines
        .next()
        .expect("header")
        .split('\t')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| {
            l.split('\t')
                .map(|c| {
                    if c == "\\N" {
                        None
                    } else {
                        Some(c.to_string())
                    }
                })
                .collect()
        })
        .collect();
    Table { columns, rows }
}

pub fn fixture_text(name: &str) -> String {
    let path = fixtures().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub type Shared = Arc<Cluster>;
