//! Per-BE/CN node samples and the cluster's resource and disk figures from them: SHOW BACKENDS
//! rows joined with what each node's `/metrics` said. Pure: no I/O, no time.
//!
//! A node that is not alive has no current measurements: SHOW BACKENDS keeps reporting a dead
//! BE's last resource report (docs/starrocks-facts.md §1.2), which is stale, so its CPU, memory and running
//! queries are NULL. What stays true while it is down (its tablet count, the FE's own, and its
//! disks' last known sizes) stays.

use std::collections::HashMap;

use super::readings::BeMetrics;
use crate::collector::arith::{cpu_busy_pct, mean, rate, Reading};
use crate::model::{DiskPath, NodeKind, NodeSample, Snapshot};
use crate::starrocks::show::Backend;

fn pct(used: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| used as f64 * 100.0 / total as f64)
}

/// The node samples of `bes`, and the cluster's CPU, memory, disk and tablet figures in `snap`.
pub fn backend_nodes(
    bes: &[Backend],
    metrics: &HashMap<String, BeMetrics>,
    prev_hosts: &HashMap<String, Reading>,
    interval: Option<f64>,
    snap: &mut Snapshot,
) -> Vec<NodeSample> {
    let mut nodes = Vec::with_capacity(bes.len());
    let mut disk_total = 0i64;
    let mut disk_used = 0i64;
    let mut disk_data = 0i64;
    let mut data_known = true;
    let mut any_disk = false;
    let mut max_disk: Option<f64> = None;
    let mut cpus = Vec::new();
    let mut mems = Vec::new();
    let mut tablets = Some(0i64);
    for b in bes {
        let alive = b.alive == Some(true);
        let m = metrics.get(&b.id).filter(|_| alive);
        let mut ns = NodeSample {
            node_id: b.id.clone(),
            kind: Some(b.kind),
            host: b.ip.clone(),
            alive: b.alive,
            tablets: b.tablets,
            running_queries: b.running.filter(|_| alive),
            mem_usage_pct: b.mem_pct.filter(|_| alive),
            ..NodeSample::default()
        };
        if b.kind == NodeKind::Be {
            tablets = match (tablets, b.tablets) {
                (Some(t), Some(x)) => Some(t + x),
                _ => None,
            };
        }
        if alive {
            // CPU from jiffies; the FE's CpuUsedPct when the BE endpoint cannot tell.
            let cpu = m
                .and_then(|m| {
                    let p = prev_hosts.get(&b.id)?;
                    let v = |r: &Reading, k| r.values.get(k).copied();
                    cpu_busy_pct(
                        v(p, "cpu_idle")?,
                        v(p, "cpu_total")?,
                        v(&m.host, "cpu_idle")?,
                        v(&m.host, "cpu_total")?,
                    )
                })
                .or(b.cpu_pct);
            ns.cpu_usage_pct = cpu;
            cpus.extend(cpu);
            mems.extend(b.mem_pct);
        }
        if let Some(m) = m {
            ns.mem_used_bytes = m.mem_bytes.map(|v| v as i64);
            ns.compaction_score = m.compaction_score;
            let host_rate = |k| {
                let p = prev_hosts.get(&b.id)?.values.get(k).copied()?;
                let c = m.host.values.get(k).copied()?;
                // Host counters only go down if the host rebooted: then the rate is unknown.
                (c >= p).then_some(c - p)
            };
            ns.net_rx_bytes_per_sec = rate(host_rate("net_rx"), interval);
            ns.net_tx_bytes_per_sec = rate(host_rate("net_tx"), interval);
            ns.disk_read_bytes_per_sec = rate(host_rate("disk_read"), interval);
            ns.disk_write_bytes_per_sec = rate(host_rate("disk_write"), interval);
            ns.disks = m.disks.clone();
        } else if b.kind == NodeKind::Be {
            // No /metrics from this BE: SHOW BACKENDS totals (the FE's last report) as one path.
            if let (Some(total), Some(avail)) = (b.total, b.avail) {
                if total > 0 {
                    ns.disks = vec![DiskPath {
                        path: "*".into(),
                        total_bytes: total,
                        avail_bytes: avail,
                        data_used_bytes: b.data_used,
                    }];
                }
            }
        }
        if !ns.disks.is_empty() {
            let t: i64 = ns.disks.iter().map(|d| d.total_bytes).sum();
            let u: i64 = ns.disks.iter().map(|d| d.total_bytes - d.avail_bytes).sum();
            let dmax = if m.is_some() {
                ns.disks
                    .iter()
                    .filter_map(|d| pct(d.total_bytes - d.avail_bytes, d.total_bytes))
                    .reduce(f64::max)
            } else {
                b.max_disk_pct.or(pct(u, t))
            };
            let data: Option<i64> = ns.disks.iter().map(|d| d.data_used_bytes).sum();
            ns.disk_total_bytes = Some(t);
            ns.disk_used_bytes = Some(u);
            ns.disk_data_used_bytes = data;
            ns.max_disk_used_pct = dmax;
            any_disk = true;
            disk_total += t;
            disk_used += u;
            match data {
                Some(d) => disk_data += d,
                None => data_known = false,
            }
            max_disk = match (max_disk, dmax) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        nodes.push(ns);
    }
    if any_disk {
        snap.disk_total_bytes = Some(disk_total);
        snap.disk_used_bytes = Some(disk_used);
        snap.disk_data_used_bytes = data_known.then_some(disk_data);
        snap.disk_usage_pct = pct(disk_used, disk_total);
        snap.max_disk_used_pct = max_disk;
    }
    snap.cpu_usage_pct = mean(cpus);
    snap.mem_usage_pct = mean(mems);
    snap.total_tablet_count = if snap.be_node_total.is_some() {
        tablets
    } else {
        None
    };
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(id: &str, alive: bool) -> Backend {
        Backend {
            id: id.into(),
            kind: NodeKind::Be,
            ip: format!("10.0.0.{id}"),
            http_port: Some(8040),
            alive: Some(alive),
            tablets: Some(100),
            data_used: Some(10),
            avail: Some(600),
            total: Some(1000),
            max_disk_pct: Some(40.0),
            cpu_pct: Some(55.0),
            mem_pct: Some(30.0),
            running: Some(4),
            start: None,
            err: String::new(),
        }
    }

    #[test]
    fn a_dead_node_keeps_its_tablets_and_disks_but_no_current_measurements() {
        let mut snap = Snapshot {
            be_node_total: Some(2),
            ..Snapshot::default()
        };
        let nodes = backend_nodes(
            &[backend("1", true), backend("2", false)],
            &HashMap::new(),
            &HashMap::new(),
            Some(30.0),
            &mut snap,
        );
        let dead = &nodes[1];
        assert_eq!(dead.alive, Some(false));
        assert_eq!(
            (dead.cpu_usage_pct, dead.mem_usage_pct, dead.running_queries),
            (None, None, None)
        );
        assert_eq!(dead.tablets, Some(100));
        assert_eq!(dead.disk_total_bytes, Some(1000));
        // The cluster's CPU and memory are the alive node's, not a mean with a stale report.
        assert_eq!(snap.cpu_usage_pct, Some(55.0));
        assert_eq!(snap.mem_usage_pct, Some(30.0));
        assert_eq!(snap.total_tablet_count, Some(200));
        assert_eq!(nodes[0].running_queries, Some(4));
    }
}
