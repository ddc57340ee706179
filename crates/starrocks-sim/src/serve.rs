//! Serving clusters: binds each node on its own loopback address and supervises its servers.
//!
//! A supervisor per node runs its FE HTTP / BE HTTP and MySQL servers while the node is up.
//!
//! Every node gets its own loopback address (127.X.Y.N), so all FEs share one query port and one
//! HTTP port and all BEs one HTTP port, as in a real deployment — which matters because SHOW
//! FRONTENDS reports the answering FE's HTTP port for every row (docs/starrocks-facts.md §2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cluster::{Clock, Cluster, Node, NodeKind, Shape};
use crate::model::ClusterSpec;

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
    let (ips, bound, ports) = bind_cluster(shape, block_seed).await?;
    let cluster = Arc::new(Cluster::new(spec, shape, &ips, ports, clock));
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
