//! `starmon collect`: collect one cluster without registering or storing it, and print it.

use std::io::Write;
use std::time::Duration;

use anyhow::bail;
use secrecy::SecretString;
use starmon::collector::ClusterCollector;
use starmon::config::Config;

use super::{read_password, runtime, target_from};
use crate::cli::Endpoint;

pub fn run(endpoint: &Endpoint, samples: u32, interval: u64, json: bool) -> anyhow::Result<()> {
    let password = read_password(endpoint)?;
    runtime()?.block_on(collect(endpoint, password, samples, interval, json))
}

async fn collect(
    endpoint: &Endpoint,
    password: SecretString,
    samples: u32,
    interval: u64,
    json: bool,
) -> anyhow::Result<()> {
    let config = Config::load(None)?;
    let target = target_from("collect", endpoint, password)?;
    let mut c = ClusterCollector::new(target, config.collector.clone())?;
    if let Err(e) = c.probe().await {
        bail!("cannot log in to {} as {}: {e}", endpoint.fe, endpoint.user);
    }
    let mut out = std::io::stdout().lock();
    for i in 0..samples.max(1) {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(interval)).await;
        }
        let collected = c.collect_once(chrono::Utc::now().timestamp_millis()).await;
        if json {
            let mut v = serde_json::to_value(&collected.snapshot)?;
            if let serde_json::Value::Object(m) = &mut v {
                m.insert("nodes".into(), serde_json::to_value(&collected.nodes)?);
                m.insert("status".into(), serde_json::to_value(&collected.status)?);
            }
            writeln!(out, "{v}")?;
        } else {
            let s = &collected.snapshot;
            writeln!(
                out,
                "{} {}: FE {}/{} BE {}/{} qps {} p99 {} ms cpu {} % disk {} % running {}",
                collected.status.outcome.as_str(),
                chrono::DateTime::from_timestamp_millis(s.collected_at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                show(s.fe_node_alive),
                show(s.fe_node_total),
                show(s.be_node_alive),
                show(s.be_node_total),
                show(s.qps.map(|v| format!("{v:.1}"))),
                show(s.query_latency_p99),
                show(s.cpu_usage_pct.map(|v| format!("{v:.1}"))),
                show(s.disk_usage_pct.map(|v| format!("{v:.1}"))),
                show(s.running_queries),
            )?;
            for e in &collected.status.errors {
                writeln!(out, "  {}: {}", e.source, e.error)?;
            }
        }
        out.flush()?;
    }
    c.close().await;
    Ok(())
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}
