//! The slower tiers of a collection: catalog sizes (every `size_interval_secs`) and MV refreshes
//! from `information_schema.task_runs` (every `jobs_interval_secs`), carried between their runs.

use std::collections::{HashMap, HashSet};

use super::readings::{BeMetrics, FeMetrics};
use super::{ClusterCollector, Errors};
use crate::model::{NodeKind, Snapshot};
use crate::starrocks::show::Backend;
use crate::starrocks::values::{parse_int, Rows};

impl ClusterCollector {
    /// Database and table counts (the leader's /metrics, else information_schema) and stored
    /// bytes; false when not everything could be read.
    pub(super) async fn collect_sizes(
        &mut self,
        leader: Option<&FeMetrics>,
        bes: &[Backend],
        be_metrics: &HashMap<String, BeMetrics>,
        errors: &mut Errors,
    ) -> bool {
        let from_metrics = leader.and_then(|l| {
            let dbs = l.exp.value("starrocks_fe_database_num", &[])?;
            let tables = l.exp.sum("starrocks_fe_table_num", &[])?;
            Some((dbs as i64, tables as i64))
        });
        match from_metrics {
            Some((dbs, tables)) => {
                self.carried.database_count = Some(dbs);
                self.carried.table_count = Some(tables);
            }
            None => {
                let dbs = self
                    .query("SELECT COUNT(*) FROM information_schema.schemata", errors)
                    .await;
                let tables = self
                    .query("SELECT COUNT(*) FROM information_schema.tables", errors)
                    .await;
                let first = |r: Option<Rows>| {
                    r.and_then(|r| r.rows.first().and_then(|x| x.first().cloned().flatten()))
                        .and_then(|s| parse_int(&s))
                };
                self.carried.database_count = first(dbs);
                self.carried.table_count = first(tables);
            }
        }
        let counted = self.carried.database_count.is_some() && self.carried.table_count.is_some();
        // Σ data-used bytes over BEs; unknown if any BE with disks could not tell.
        let mut total = Some(0i64);
        for b in bes.iter().filter(|b| b.kind == NodeKind::Be) {
            let v = match be_metrics.get(&b.id) {
                Some(m) => m
                    .disks
                    .iter()
                    .map(|d| d.data_used_bytes)
                    .sum::<Option<i64>>(),
                None => b.data_used,
            };
            total = match (total, v) {
                (Some(t), Some(v)) => Some(t + v),
                _ => None,
            };
        }
        self.carried.total_data_bytes = if bes.iter().any(|b| b.kind == NodeKind::Be) {
            total
        } else {
            None
        };
        // Not read in full: try again next collection instead of waiting for the next tier run.
        counted && self.carried.total_data_bytes.is_some()
    }

    /// MV refreshes: running now, and finished since the last look (by task-run id, so neither
    /// the FE's clock nor its time zone matter). The first look only learns what exists. False
    /// when task_runs could not be read (then nothing is known, not even what runs).
    pub(super) async fn collect_mv_refreshes(
        &mut self,
        snap: &mut Snapshot,
        errors: &mut Errors,
    ) -> bool {
        let Some(rows) = self
            .query(
                "SELECT QUERY_ID, STATE FROM information_schema.task_runs WHERE CREATE_TIME >= DATE_SUB(NOW(), INTERVAL 2 HOUR)",
                errors,
            )
            .await
        else {
            self.carried.mv_refresh_running = None;
            return false;
        };
        let mut running = 0;
        let (mut ok, mut failed) = (0i64, 0i64);
        let mut now_seen = HashSet::new();
        let first = self.seen_task_runs.is_none();
        let seen = self.seen_task_runs.get_or_insert_with(HashSet::new);
        for i in 0..rows.len() {
            let (Some(id), Some(state)) = (rows.get(i, "QUERY_ID"), rows.get(i, "STATE")) else {
                continue;
            };
            match state {
                "RUNNING" | "PENDING" => running += 1,
                _ => {
                    now_seen.insert(id.to_string());
                    if !seen.contains(id) {
                        match state {
                            "SUCCESS" | "MERGED" | "SKIPPED" => ok += 1,
                            "FAILED" => failed += 1,
                            _ => {}
                        }
                    }
                }
            }
        }
        *seen = now_seen;
        self.carried.mv_refresh_running = Some(running);
        if !first {
            snap.mv_refresh_success_total = Some(ok);
            snap.mv_refresh_failed_total = Some(failed);
        }
        true
    }
}
