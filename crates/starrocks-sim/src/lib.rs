//! starrocks-sim: a faithful StarRocks emulator for tests, benchmarks and demos.
//!
//! Any number of clusters in one process; every FE speaks the MySQL protocol and FE HTTP, every
//! BE/CN answers BE HTTP, each on its own loopback address. What they return follows
//! `shared/starrocks/docs/starrocks-facts.md` for the emulated version. A control API exposes the exact truth
//! and injects faults.
//!
//! Start-up runs one way: `Sim::start` hands each cluster to `serve`, which binds its nodes and
//! runs their `http` and `mysql` servers; those read `cluster` (and through it `model`), and
//! `cluster` knows nothing of the network servers.

pub mod catalog;
pub mod cluster;
pub mod control;
pub mod exposition;
pub mod format;
pub mod http;
pub mod infoschema;
pub mod metrics;
pub mod model;
pub mod mysql;
pub mod resultset;
pub mod serve;
pub mod show;
pub mod sql;
pub mod truth;
pub mod version;

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{FixedOffset, Offset};
use tokio_util::sync::CancellationToken;

pub use cluster::{Clock, Cluster, Shape};
pub use model::Workload;
pub use version::Version;

/// One cluster to emulate.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub name: String,
    pub version: Version,
    pub shape: Shape,
    pub seed: u64,
    pub user: String,
    pub password: String,
    pub tz: FixedOffset,
    pub workload: Workload,
}

impl ClusterConfig {
    /// A 3 FE + 3 BE shared-nothing cluster with the default workload.
    pub fn new(name: impl Into<String>, version: Version, seed: u64) -> Self {
        ClusterConfig {
            name: name.into(),
            version,
            shape: Shape {
                fes: 3,
                bes: 3,
                cns: 0,
            },
            seed,
            user: "root".into(),
            password: "starrocks".into(),
            tz: chrono::Utc.fix(),
            workload: Workload::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub clusters: Vec<ClusterConfig>,
    /// Where the control API listens (port 0 picks one).
    pub control_addr: SocketAddr,
    /// Model time moves only through `POST /clock/advance`.
    pub frozen_clock: bool,
}

/// A running emulator; dropping it does not stop it, `shutdown` does.
pub struct Sim {
    pub clusters: Vec<Arc<Cluster>>,
    pub clock: Arc<Clock>,
    pub control_url: String,
    shutdown: CancellationToken,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot listen for cluster {cluster}: {source}")]
    Bind {
        cluster: String,
        source: std::io::Error,
    },
    #[error("cannot listen for the control API on {addr}: {source}")]
    Control {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl Sim {
    pub async fn start(config: SimConfig) -> Result<Sim, StartError> {
        let mut names = std::collections::HashSet::new();
        for c in &config.clusters {
            if !names.insert(c.name.as_str()) {
                return Err(StartError::Config(format!(
                    "duplicate cluster name {:?}",
                    c.name
                )));
            }
            if c.shape.fes == 0 || c.shape.fes > 9 {
                return Err(StartError::Config(format!(
                    "{}: between 1 and 9 FEs are supported",
                    c.name
                )));
            }
            if c.shape.bes > 90 || c.shape.cns > 90 {
                return Err(StartError::Config(format!(
                    "{}: at most 90 BEs and 90 CNs",
                    c.name
                )));
            }
            if c.shape.bes == 0 && c.shape.cns == 0 {
                return Err(StartError::Config(format!(
                    "{}: a cluster needs BEs or CNs",
                    c.name
                )));
            }
            c.workload.validate().map_err(StartError::Config)?;
        }
        let clock = Arc::new(Clock::new(config.frozen_clock));
        let shutdown = CancellationToken::new();
        let mut clusters = Vec::with_capacity(config.clusters.len());
        for c in config.clusters {
            let spec = model::ClusterSpec {
                name: c.name.clone(),
                version: c.version,
                seed: c.seed,
                user: c.user,
                password: c.password,
                tz: c.tz,
                shared_data: c.shape.cns > 0,
                workload: c.workload,
            };
            let cluster = serve::start(spec, c.shape, clock.clone(), shutdown.clone())
                .await
                .map_err(|source| StartError::Bind {
                    cluster: c.name.clone(),
                    source,
                })?;
            clusters.push(cluster);
        }
        let listener = tokio::net::TcpListener::bind(config.control_addr)
            .await
            .map_err(|source| StartError::Control {
                addr: config.control_addr,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Control {
                addr: config.control_addr,
                source,
            })?;
        let control_url = format!("http://{addr}");
        let ctl = control::Control {
            clusters: Arc::new(clusters.clone()),
            clock: clock.clone(),
            base_url: control_url.clone().into(),
        };
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, control::router(ctl))
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
        });
        Ok(Sim {
            clusters,
            clock,
            control_url,
            shutdown,
        })
    }

    /// One JSON object per cluster, as printed on start-up.
    pub fn cluster_lines(&self) -> Vec<serde_json::Value> {
        self.clusters
            .iter()
            .map(|c| c.info(&self.control_url))
            .collect()
    }

    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}
