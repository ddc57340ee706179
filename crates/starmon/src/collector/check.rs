//! A connection test: log in, read the version, collect once, and say per node and per source
//! what answered. Shared by `starmon cluster test` and the API's test endpoints.

use serde::Serialize;

use super::{ClusterCollector, Target};
use crate::config::CollectorConfig;
use crate::model::{NodeKind, SourceError};

#[derive(Debug, Clone, Serialize)]
pub struct NodeCheck {
    pub node_id: String,
    pub kind: Option<NodeKind>,
    pub host: String,
    pub alive: Option<bool>,
    /// Alive and every source of the node (SQL, /metrics) answered.
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionCheck {
    /// Logged in, and every node and source answered.
    pub ok: bool,
    /// `current_version()`, when the login worked.
    pub version: Option<String>,
    /// Why the login failed; then nothing else was tried.
    pub login_error: Option<String>,
    pub nodes: Vec<NodeCheck>,
    pub errors: Vec<SourceError>,
}

pub async fn check_connection(target: Target, cfg: CollectorConfig) -> ConnectionCheck {
    let failed = |e: String| ConnectionCheck {
        ok: false,
        version: None,
        login_error: Some(e),
        nodes: Vec::new(),
        errors: Vec::new(),
    };
    let mut c = match ClusterCollector::new(target, cfg) {
        Ok(c) => c,
        Err(e) => return failed(e.to_string()),
    };
    let version = match c.probe().await {
        Ok(v) => v,
        Err(e) => {
            c.close().await;
            return failed(e.to_string());
        }
    };
    let collected = c.collect_once(chrono::Utc::now().timestamp_millis()).await;
    c.close().await;
    let errors = collected.status.errors;
    let nodes: Vec<NodeCheck> = collected
        .nodes
        .iter()
        .map(|n| NodeCheck {
            node_id: n.node_id.clone(),
            kind: n.kind,
            host: n.host.clone(),
            alive: n.alive,
            // A node fails if it is not alive or if any of its sources failed.
            ok: n.alive == Some(true) && !errors.iter().any(|e| e.source.contains(&n.host)),
        })
        .collect();
    ConnectionCheck {
        ok: errors.is_empty() && nodes.iter().all(|n| n.ok),
        version: Some(version),
        login_error: None,
        nodes,
        errors,
    }
}
