//! One emulated cluster at run time: its model behind a lock, its nodes' endpoints, the clock
//! and the faults.
//!
//! Every node gets its own loopback address (127.X.Y.N), so all FEs share one query port and one
//! HTTP port and all BEs one HTTP port, as in a real deployment — which matters because SHOW
//! FRONTENDS reports the answering FE's HTTP port for every row (FACTS §2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::model::{BeAddr, ClusterSpec, ClusterState, FeAddr, Topology};

/// Model time: wall time since start, plus whatever the control API added; optionally frozen so
/// that only explicit advances move it.
pub struct Clock {
    started: Instant,
    start_ms: i64,
    offset_ms: AtomicI64,
    frozen: bool,
}

impl Clock {
    pub fn new(frozen: bool) -> Self {
        let start_ms = chrono::Utc::now().timestamp_millis();
        Clock {
            started: Instant::now(),
            start_ms,
            offset_ms: AtomicI64::new(0),
            frozen,
        }
    }

    pub fn now_ms(&self) -> i64 {
        let elapsed = if self.frozen {
            0
        } else {
            self.started.elapsed().as_millis() as i64
        };
        self.start_ms + elapsed + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    pub fn frozen(&self) -> bool {
        self.frozen
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum HttpFault {
    #[default]
    None,
    /// Answer every request with HTTP 500.
    Error500,
    /// Answer `/metrics` with text that is not an exposition.
    Garbage,
}

/// Faults set on one node through the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub http: HttpFault,
    pub http_delay_ms: u64,
    pub sql_delay_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Fe(usize),
    /// Index into the model's `bes` (backends, then compute nodes).
    Be(usize),
}

pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub ip: Ipv4Addr,
    pub http_port: u16,
    pub query_port: Option<u16>,
    pub faults: Mutex<Faults>,
    /// Whether the process runs, and a generation bumped by every (re)start; the supervisor
    /// binds or drops the listeners accordingly.
    pub up: watch::Sender<(bool, u64)>,
}

impl Node {
    /// Stops the node (`false`) or starts it as a new process (`true`).
    pub fn set_running(&self, running: bool) {
        self.up.send_modify(|(up, generation)| {
            *up = running;
            if running {
                *generation += 1;
            }
        });
    }
}

pub struct Cluster {
    pub spec: ClusterSpec,
    pub clock: Arc<Clock>,
    pub nodes: Vec<Arc<Node>>,
    state: Mutex<ClusterState>,
}

impl Cluster {
    /// Runs `f` on the model brought up to the current model time.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut ClusterState) -> R) -> R {
        let now = self.clock.now_ms();
        let mut st = self.state.lock();
        st.advance_to(now);
        f(&mut st)
    }

    pub fn node(&self, id: &str) -> Option<&Arc<Node>> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn fe_node(&self, fe_idx: usize) -> Option<&Arc<Node>> {
        self.nodes.iter().find(|n| n.kind == NodeKind::Fe(fe_idx))
    }

    pub async fn sql_delay(&self, fe_idx: usize) {
        let ms = self
            .fe_node(fe_idx)
            .map(|n| n.faults.lock().sql_delay_ms)
            .unwrap_or(0);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }

    /// The line printed on start-up and returned by the control API.
    pub fn info(&self, control: &str) -> serde_json::Value {
        let fes: Vec<_> = self
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Fe(_)))
            .map(|n| serde_json::json!({"id": n.id, "host": n.ip.to_string(), "query_port": n.query_port, "http_port": n.http_port}))
            .collect();
        let bes = |cn: bool| -> Vec<serde_json::Value> {
            self.nodes
                .iter()
                .filter(|n| matches!(n.kind, NodeKind::Be(_)) && n.id.starts_with("cn") == cn)
                .map(|n| serde_json::json!({"id": n.id, "host": n.ip.to_string(), "http_port": n.http_port}))
                .collect()
        };
        serde_json::json!({
            "name": self.spec.name,
            "version": self.spec.version.to_string(),
            "user": self.spec.user,
            "password": self.spec.password,
            "frontends": fes,
            "backends": bes(false),
            "compute_nodes": bes(true),
            "control": format!("{control}/clusters/{}", self.spec.name),
        })
    }
}

/// How many nodes of each kind a cluster has.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub fes: usize,
    pub bes: usize,
    pub cns: usize,
}

/// Listeners bound for one node before its supervisor takes over.
struct Bound {
    http: TcpListener,
    query: Option<TcpListener>,
}

const REALISTIC_PORTS: (u16, u16, u16) = (9030, 8030, 8040);

/// Binds every node of a cluster on its own 127.X.Y.N address. Tries the usual StarRocks
/// ports first and falls back to one ephemeral port per role; moves to another X.Y block when
/// something is in the way.
async fn bind_cluster(
    shape: Shape,
    block_seed: u64,
) -> std::io::Result<(Vec<Ipv4Addr>, Vec<Bound>, (u16, u16, u16))> {
    let total = shape.fes + shape.bes + shape.cns;
    let mut last_err = None;
    for attempt in 0..64u64 {
        let block = (block_seed.wrapping_add(attempt.wrapping_mul(7919))) % (240 * 256);
        let (x, y) = (10 + (block / 256) as u8, (block % 256) as u8);
        let ips: Vec<Ipv4Addr> = (0..total)
            .map(|i| {
                let last = if i < shape.fes {
                    11 + i
                } else if i < shape.fes + shape.bes {
                    41 + (i - shape.fes)
                } else {
                    141 + (i - shape.fes - shape.bes)
                };
                Ipv4Addr::new(127, x, y, last.min(254) as u8)
            })
            .collect();
        let ports = if attempt < 4 {
            Some(REALISTIC_PORTS)
        } else {
            None
        };
        match bind_all(&ips, shape.fes, ports).await {
            Ok((bound, ports)) => return Ok((ips, bound, ports)),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no loopback block could be bound")))
}

async fn bind_all(
    ips: &[Ipv4Addr],
    fes: usize,
    ports: Option<(u16, u16, u16)>,
) -> std::io::Result<(Vec<Bound>, (u16, u16, u16))> {
    let (mut q, mut h, mut b) = ports.unwrap_or((0, 0, 0));
    let mut bound = Vec::with_capacity(ips.len());
    for (i, ip) in ips.iter().enumerate() {
        let addr = |port| SocketAddr::new(IpAddr::V4(*ip), port);
        if i < fes {
            let query = TcpListener::bind(addr(q)).await?;
            q = query.local_addr()?.port();
            let http = TcpListener::bind(addr(h)).await?;
            h = http.local_addr()?.port();
            bound.push(Bound {
                http,
                query: Some(query),
            });
        } else {
            let http = TcpListener::bind(addr(b)).await?;
            b = http.local_addr()?.port();
            bound.push(Bound { http, query: None });
        }
    }
    Ok((bound, (q, h, b)))
}

/// Creates a cluster, binds its endpoints and starts serving them.
pub async fn start(
    spec: ClusterSpec,
    shape: Shape,
    clock: Arc<Clock>,
    shutdown: CancellationToken,
) -> std::io::Result<Arc<Cluster>> {
    let block_seed = spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(std::process::id())
        ^ clock.now_ms() as u64;
    let (ips, bound, (query_port, fe_http, be_http)) = bind_cluster(shape, block_seed).await?;
    let fe_addrs: Vec<FeAddr> = ips[..shape.fes]
        .iter()
        .map(|ip| FeAddr {
            ip: ip.to_string(),
            query_port,
            http_port: fe_http,
        })
        .collect();
    let be_addrs: Vec<BeAddr> = ips[shape.fes..]
        .iter()
        .map(|ip| BeAddr {
            ip: ip.to_string(),
            http_port: be_http,
        })
        .collect();
    let state = ClusterState::new(
        &spec,
        Topology {
            fes: &fe_addrs,
            bes: &be_addrs[..shape.bes],
            cns: &be_addrs[shape.bes..],
        },
        clock.now_ms(),
    );
    let nodes: Vec<Arc<Node>> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| {
            let (id, kind, query) = if i < shape.fes {
                (format!("fe{i}"), NodeKind::Fe(i), Some(query_port))
            } else if i < shape.fes + shape.bes {
                (
                    format!("be{}", i - shape.fes),
                    NodeKind::Be(i - shape.fes),
                    None,
                )
            } else {
                (
                    format!("cn{}", i - shape.fes - shape.bes),
                    NodeKind::Be(i - shape.fes),
                    None,
                )
            };
            let http_port = if i < shape.fes { fe_http } else { be_http };
            Arc::new(Node {
                id,
                kind,
                ip: *ip,
                http_port,
                query_port: query,
                faults: Mutex::new(Faults::default()),
                up: watch::channel((true, 0)).0,
            })
        })
        .collect();
    let cluster = Arc::new(Cluster {
        spec,
        clock,
        nodes,
        state: Mutex::new(state),
    });
    for (node, listeners) in cluster.nodes.iter().zip(bound) {
        tokio::spawn(supervise(
            cluster.clone(),
            node.clone(),
            listeners,
            shutdown.clone(),
        ));
    }
    Ok(cluster)
}

/// Serves a node while it is up; when it is stopped, closes its listeners and connections so
/// clients see "connection refused", and binds again when it is started.
async fn supervise(
    cluster: Arc<Cluster>,
    node: Arc<Node>,
    first: Bound,
    shutdown: CancellationToken,
) {
    let mut up = node.up.subscribe();
    let mut listeners = Some(first);
    loop {
        let (running, generation) = *up.borrow_and_update();
        if !running {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = up.changed() => if changed.is_err() { return },
            }
            continue;
        }
        let bound = match listeners.take() {
            Some(b) => b,
            None => match rebind(&node).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(cluster = %cluster.spec.name, node = %node.id, error = %e, "cannot listen again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let stop = shutdown.child_token();
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(crate::http::serve(
            bound.http,
            cluster.clone(),
            node.clone(),
            stop.clone(),
        )));
        if let (Some(query), NodeKind::Fe(i)) = (bound.query, node.kind) {
            tasks.push(tokio::spawn(crate::mysql::serve(
                query,
                cluster.clone(),
                i,
                stop.clone(),
            )));
        }
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => { stop.cancel(); return }
                changed = up.changed() => {
                    if changed.is_err() { stop.cancel(); return }
                    let (still_running, current) = *up.borrow_and_update();
                    if !still_running || current != generation { break }
                }
            }
        }
        stop.cancel();
        for t in tasks {
            let _ = t.await;
        }
    }
}

async fn rebind(node: &Node) -> std::io::Result<Bound> {
    let addr = |port| SocketAddr::new(IpAddr::V4(node.ip), port);
    // The old sockets may linger for a moment; retry briefly.
    let mut last = None;
    for _ in 0..50 {
        let res = async {
            let http = TcpListener::bind(addr(node.http_port)).await?;
            let query = match node.query_port {
                Some(p) => Some(TcpListener::bind(addr(p)).await?),
                None => None,
            };
            Ok::<_, std::io::Error>(Bound { http, query })
        }
        .await;
        match res {
            Ok(b) => return Ok(b),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("bind failed")))
}
