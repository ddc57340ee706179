//! The processlist: synthetic sessions that look like a workload, and real client connections.

use rand::Rng;

use super::{uuid_like, ClusterState, Profile, Session, LATENCY_SIGMA};

/// SQL the synthetic sessions run, so the processlist looks like a real workload.
const QUERY_TEXTS: &[&str] = &[
    "SELECT region, SUM(amount) AS total FROM dw.sales_fact WHERE dt >= '2025-03-01' GROUP BY region",
    "SELECT user_id, COUNT(*) FROM ods.events WHERE event_time > now() - interval 1 hour GROUP BY user_id ORDER BY 2 DESC LIMIT 100",
    "INSERT INTO ods.orders_daily SELECT o.order_id, o.user_id, o.amount, o.created_at FROM ods.orders_rt o WHERE o.created_at >= '2025-03-18'",
    "SELECT * FROM dim.customers WHERE customer_id = 48211",
    "SELECT dt, COUNT(DISTINCT user_id) FROM dw.page_views GROUP BY dt",
    "SELECT p.category, AVG(s.price) FROM dw.sales_fact s JOIN dim.products p ON s.product_id = p.id GROUP BY p.category",
];
const SESSION_USERS: &[(&str, &str)] = &[
    ("bi_reader", "dw"),
    ("etl_user", "ods"),
    ("analyst", "dw"),
    ("monitor", ""),
    ("root", ""),
];

impl ClusterState {
    /// Synthetic sessions: each starts statements at random and runs each for a latency drawn
    /// from the same distribution the summary reports.
    pub(super) fn refresh_sessions(&mut self, fe_idx: usize, now: i64) {
        let w = &self.workload;
        let qps_share = w.qps / self.fes.iter().filter(|f| f.alive).count().max(1) as f64;
        let median = w.latency_median_ms * self.latency_median_walk;
        let target_sessions = (4.0 + qps_share.sqrt()).min(40.0) as usize;
        let global_ids = self.version.processlist_all_fes();
        let fe = &mut self.fes[fe_idx];
        let synthetic = fe.sessions.iter().filter(|s| !s.real).count();
        for _ in synthetic..target_sessions {
            let (user, db) = SESSION_USERS[self.rng.random_range(0..SESSION_USERS.len())];
            let seq = fe.next_conn_seq;
            fe.next_conn_seq += 1;
            let id = if global_ids {
                (u64::from(fe.id) << 24) | seq
            } else {
                seq
            };
            fe.sessions.push(Session {
                id,
                user: user.into(),
                host: format!(
                    "10.20.40.{}:{}",
                    self.rng.random_range(2..250),
                    self.rng.random_range(30000..65000)
                ),
                db: db.into(),
                command: "Sleep",
                connect_ms: now - self.rng.random_range(1_000..86_400_000),
                command_start_ms: now - self.rng.random_range(0..600_000),
                state: "EOF",
                info: QUERY_TEXTS[self.rng.random_range(0..QUERY_TEXTS.len())].into(),
                ends_ms: 0,
                real: false,
            });
        }
        // Most queries end long before a SHOW PROCESSLIST could catch them; 5 % of the query rate
        // appears as sessions running a statement for a second or more.
        let start_p = (qps_share / target_sessions.max(1) as f64).min(1.0);
        for s in fe.sessions.iter_mut().filter(|s| !s.real) {
            if s.command == "Query" {
                if now >= s.ends_ms {
                    // What SHOW PROFILELIST lists: the statements that ran long enough to see.
                    self.profiles.push(Profile {
                        query_id: uuid_like(&mut self.rng),
                        start_ms: s.command_start_ms,
                        duration_ms: now - s.command_start_ms,
                        state: "Finished",
                        statement: s.info.clone(),
                    });
                    s.command = "Sleep";
                    s.state = "EOF";
                    s.command_start_ms = now;
                }
            } else if self.rng.random::<f64>() < start_p * 0.05 {
                let z: f64 = self.rng.random_range(-2.0..3.0);
                let dur = (median * (LATENCY_SIGMA * z).exp()).max(1.0) as i64 + 1_000;
                s.command = "Query";
                s.state = "OK";
                s.command_start_ms = now;
                s.ends_ms = now + dur;
                s.info = QUERY_TEXTS[self.rng.random_range(0..QUERY_TEXTS.len())].into();
            }
        }
    }

    /// A connection id as the FE hands it out at accept time (3.5+: global, FE id in the top byte).
    pub fn alloc_conn_id(&mut self, fe_idx: usize) -> u64 {
        let global_ids = self.version.processlist_all_fes();
        let Some(fe) = self.fes.get_mut(fe_idx) else {
            return 0;
        };
        let seq = fe.next_conn_seq;
        fe.next_conn_seq += 1;
        if global_ids {
            (u64::from(fe.id) << 24) | seq
        } else {
            seq
        }
    }

    /// Lists an authenticated client connection in the processlist.
    pub fn register_session(
        &mut self,
        fe_idx: usize,
        id: u64,
        user: &str,
        host: &str,
        db: Option<&str>,
    ) {
        let now = self.now_ms;
        let Some(fe) = self.fes.get_mut(fe_idx) else {
            return;
        };
        fe.sessions.push(Session {
            id,
            user: user.into(),
            host: host.into(),
            db: db.unwrap_or_default().into(),
            command: "Sleep",
            connect_ms: now,
            command_start_ms: now,
            state: "OK",
            info: String::new(),
            ends_ms: 0,
            real: true,
        });
    }

    pub fn close_session(&mut self, fe_idx: usize, id: u64) {
        if let Some(fe) = self.fes.get_mut(fe_idx) {
            fe.sessions.retain(|s| !(s.real && s.id == id));
        }
    }

    pub fn session_mut(&mut self, fe_idx: usize, id: u64) -> Option<&mut Session> {
        self.fes
            .get_mut(fe_idx)?
            .sessions
            .iter_mut()
            .find(|s| s.real && s.id == id)
    }

    /// Counts a statement a real client ran: every command is a request, SELECTs are queries.
    pub fn count_statement(&mut self, fe_idx: usize, is_query: bool, ok: bool) {
        let Some(fe) = self.fes.get_mut(fe_idx) else {
            return;
        };
        let c = &mut fe.counters;
        c.request_total += 1;
        if is_query {
            c.query_total += 1;
            if ok {
                c.query_success += 1;
                c.latency_count += 1;
                c.latency_sum_ms += 1.0;
            } else {
                c.query_err += 1;
                c.query_analysis_err += 1;
            }
        }
    }
}
