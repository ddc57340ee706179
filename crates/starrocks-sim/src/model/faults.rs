//! Faults the control API injects: FE and BE stops and starts, leader moves, disk fills.

use super::{BeCounters, ClusterState, FeCounters, FeRole};

impl ClusterState {
    pub fn stop_fe(&mut self, i: usize) {
        let Some(fe) = self.fes.get_mut(i) else {
            return;
        };
        fe.alive = false;
        fe.sessions.clear();
        if self.leader == Some(i) {
            self.elect_leader(Some(i));
        }
    }

    pub fn start_fe(&mut self, i: usize) {
        let now = self.now_ms;
        let Some(fe) = self.fes.get_mut(i) else {
            return;
        };
        if fe.alive {
            return;
        }
        fe.alive = true;
        fe.start_ms = now;
        fe.last_heartbeat_ms = now;
        fe.counters = FeCounters::default();
        fe.gauge_base = (0, 0, 0, now);
        fe.qps_gauge = 0.0;
        fe.rps_gauge = 0.0;
        fe.err_rate_gauge = 0.0;
        fe.carry = [0.0; 4];
        fe.heap_used = 2_500_000_000;
        if self.alive_leader().is_none() {
            self.elect_leader(None);
        }
        self.refresh_sessions(i, now);
    }

    /// A restart: the process goes away and comes back with fresh counters.
    pub fn restart_fe(&mut self, i: usize) {
        self.stop_fe(i);
        self.start_fe(i);
    }

    /// Picks the first alive follower other than `except` as leader.
    fn elect_leader(&mut self, except: Option<usize>) {
        let candidate = (0..self.fes.len()).find(|&j| {
            Some(j) != except && self.fes[j].alive && self.fes[j].role == FeRole::Follower
        });
        if let Some(c) = candidate {
            self.leader = Some(c);
        }
    }

    pub fn move_leader(&mut self, to: Option<usize>) -> Result<usize, String> {
        let target = match to {
            Some(t) => t,
            None => {
                let cur = self.leader.unwrap_or(0);
                (1..=self.fes.len())
                    .map(|k| (cur + k) % self.fes.len())
                    .find(|&j| {
                        self.fes[j].alive
                            && self.fes[j].role == FeRole::Follower
                            && Some(j) != self.leader
                    })
                    .ok_or("no other alive follower FE can become leader")?
            }
        };
        let fe = self
            .fes
            .get(target)
            .ok_or(format!("no FE with index {target}"))?;
        if !fe.alive {
            return Err(format!("FE {target} is stopped"));
        }
        if fe.role != FeRole::Follower {
            return Err(format!("FE {target} is an observer and cannot be leader"));
        }
        self.leader = Some(target);
        Ok(target)
    }

    pub fn stop_be(&mut self, i: usize) {
        let Some(be) = self.bes.get_mut(i) else {
            return;
        };
        be.alive = false;
        be.err_msg = "java.net.ConnectException: Connection refused (Connection refused)".into();
    }

    pub fn start_be(&mut self, i: usize) {
        let now = self.now_ms;
        let Some(be) = self.bes.get_mut(i) else {
            return;
        };
        if be.alive {
            return;
        }
        be.alive = true;
        be.err_msg.clear();
        be.start_ms = now;
        be.last_heartbeat_ms = now;
        be.last_report_ms = now;
        be.counters = BeCounters::default();
    }

    /// Fills one data path (or all) of a BE to `used_pct` percent at once.
    pub fn fill_disk(&mut self, i: usize, path: Option<&str>, used_pct: f64) -> Result<(), String> {
        let be = self
            .bes
            .get_mut(i)
            .ok_or(format!("no backend with index {i}"))?;
        if !(0.0..=100.0).contains(&used_pct) {
            return Err(format!(
                "used_pct must be between 0 and 100, got {used_pct}"
            ));
        }
        let mut touched = false;
        for d in be
            .disks
            .iter_mut()
            .filter(|d| path.is_none_or(|p| p == d.path))
        {
            let other = d.total - d.avail - d.data_used;
            let target_used = (d.total as f64 * used_pct / 100.0) as i64;
            d.data_used = (target_used - other).max(0);
            d.avail = (d.total - other - d.data_used).max(0);
            touched = true;
        }
        if touched {
            Ok(())
        } else {
            Err(match path {
                Some(p) => format!("backend {i} has no data path {p:?}"),
                None => format!("backend {i} has no data paths (compute node or shared-data)"),
            })
        }
    }
}
