//! One emulated cluster at run time: the locked model, its nodes and their faults, the clock.
//!
//! The network side (binding each node's addresses and serving them while the node is up) lives
//! in `serve`, which depends on this module; this module knows nothing of HTTP or MySQL.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

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
    /// Builds a cluster's model and nodes on addresses the network layer has already bound:
    /// `ips` holds the FEs, then the BEs, then the CNs; `ports` is (query, FE HTTP, BE HTTP).
    pub fn new(
        spec: ClusterSpec,
        shape: Shape,
        ips: &[Ipv4Addr],
        ports: (u16, u16, u16),
        clock: Arc<Clock>,
    ) -> Cluster {
        let (query_port, fe_http, be_http) = ports;
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
        Cluster {
            spec,
            clock,
            nodes,
            state: Mutex::new(state),
        }
    }

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
