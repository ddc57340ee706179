//! The alert lifecycle, run after every stored collection of a cluster: each rule's observations
//! move that rule's alerts (one per cluster and subject — the deduplication) through
//! pending → firing → resolved. A condition must hold for the rule's for-duration before it
//! fires; once firing, an alert resolves only when the value is clearly back (hysteresis, see
//! [`rules::level`]). Every transition is kept in the history; firing and resolved are handed
//! back to be notified unless a silence matches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::notify::{AlertStatus, Notification};
use super::rules::{self, Builtin, Input, Level, Settings, UserRule};
use crate::config::AlertsConfig;
use crate::forecast::{self, Forecast, HIGH_WATERMARK};
use crate::model::{ClusterRecord, CollectionStatus, NodeSample, Outcome, Snapshot};
use crate::store::alerts::{ActiveAlert, AlertEvent, AlertState, AlertWrite, RuleOverride};
use crate::store::{Store, StoreError};

/// The capacity forecast changes once a day; recomputing it every collection would be waste.
const FORECAST_TTL: Duration = Duration::from_secs(600);
/// How many of the latest statuses `collection_failing` may look at.
const STATUS_LOOKBACK: u32 = 20;

/// A rule as the engine runs it.
#[derive(Debug, Clone)]
pub enum Rule {
    Builtin(&'static Builtin, Settings),
    User(UserRule),
}

impl Rule {
    pub fn id(&self) -> String {
        match self {
            Rule::Builtin(b, _) => b.id.to_string(),
            Rule::User(u) => u.rule_id(),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Rule::Builtin(b, _) => b.name.to_string(),
            Rule::User(u) => u.name.clone(),
        }
    }

    fn settings(&self) -> Settings {
        match self {
            Rule::Builtin(_, s) => s.clone(),
            Rule::User(u) => Settings {
                enabled: u.enabled,
                threshold: u.threshold,
                for_secs: u.for_secs,
                severity: u.severity,
            },
        }
    }

    fn applies_to(&self, cluster_id: i64) -> bool {
        match self {
            Rule::Builtin(..) => true,
            Rule::User(u) => u.cluster_id.is_none_or(|c| c == cluster_id),
        }
    }
}

/// Every rule with its effective settings: defaults, then the configuration file, then what was
/// changed over the API.
pub fn effective_rules(config: &AlertsConfig, store: &dyn Store) -> Result<Vec<Rule>, StoreError> {
    let overrides: HashMap<String, RuleOverride> = store
        .rule_overrides()?
        .into_iter()
        .map(|o| (o.rule_id.clone(), o))
        .collect();
    let mut out = Vec::new();
    for b in rules::BUILTINS {
        let mut s = b.defaults();
        if let Some(c) = config.rules.get(b.id) {
            s.enabled = c.enabled.unwrap_or(s.enabled);
            s.threshold = c.threshold.unwrap_or(s.threshold);
            s.for_secs = c.for_secs.unwrap_or(s.for_secs);
            s.severity = c.severity.unwrap_or(s.severity);
        }
        if let Some(o) = overrides.get(b.id) {
            s.enabled = o.enabled.unwrap_or(s.enabled);
            s.threshold = o.threshold.unwrap_or(s.threshold);
            s.for_secs = o.for_secs.unwrap_or(s.for_secs);
            s.severity = o.severity.unwrap_or(s.severity);
        }
        out.push(Rule::Builtin(b, s));
    }
    out.extend(store.user_rules()?.into_iter().map(Rule::User));
    Ok(out)
}

/// Per data path (`node:path`), days until the 90 % limit.
type PathForecasts = Vec<(String, Option<f64>)>;

pub struct Engine {
    store: Arc<dyn Store>,
    config: AlertsConfig,
    tz: chrono_tz::Tz,
    forecasts: Mutex<HashMap<i64, (Instant, PathForecasts)>>,
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, config: AlertsConfig, tz: chrono_tz::Tz) -> Engine {
        Engine {
            store,
            config,
            tz,
            forecasts: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &AlertsConfig {
        &self.config
    }

    /// Per data path (`node:path`), days from today until StarRocks' 90 % limit (0 if past it),
    /// or None; cached for [`FORECAST_TTL`]. The alert rule and the fleet page both read it.
    pub fn path_forecasts(
        &self,
        cluster_id: i64,
        now_ms: i64,
    ) -> Result<PathForecasts, StoreError> {
        if let Some((at, v)) = self
            .forecasts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&cluster_id)
        {
            if at.elapsed() < FORECAST_TTL {
                return Ok(v.clone());
            }
        }
        let today = crate::store::local_date(self.tz, now_ms)?;
        let rows = self
            .store
            .node_disk_daily(cluster_id, today - chrono::Days::new(31), today)?;
        let out: PathForecasts = forecast::series_by_path(rows)
            .into_iter()
            .map(|((node, path), series)| {
                let days = match forecast::forecast(&series, HIGH_WATERMARK) {
                    Forecast::Reached { .. } => Some(0.0),
                    Forecast::Expected { date, .. } => {
                        Some(((date - today).num_days() as f64).max(0.0))
                    }
                    _ => None,
                };
                (format!("{node}:{path}"), days)
            })
            .collect();
        self.forecasts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cluster_id, (Instant::now(), out.clone()));
        Ok(out)
    }

    /// Evaluates every rule on the collection just stored for `cluster`; returns what to notify.
    /// Blocking (SQLite).
    pub fn evaluate(
        &self,
        cluster: &ClusterRecord,
        snapshot: &Snapshot,
        nodes: &[NodeSample],
        status: &CollectionStatus,
    ) -> Result<Vec<Notification>, StoreError> {
        if !self.config.enabled {
            return Ok(Vec::new());
        }
        let now = snapshot.collected_at;
        let store = self.store.as_ref();
        let recent = store.snapshots(cluster.id, now - 300_000, now + 1)?;
        let statuses = store.latest_statuses(cluster.id, STATUS_LOOKBACK)?;
        let forecasts = self.path_forecasts(cluster.id, now)?;
        let input = Input {
            now_ms: now,
            snapshot,
            nodes,
            status,
            recent: &recent,
            recent_statuses: &statuses,
            forecasts: &forecasts,
        };
        let rules = effective_rules(&self.config, store)?;
        let silences = store.silences(Some(now))?;
        let mut active: HashMap<(String, String), ActiveAlert> = store
            .active_alerts(Some(cluster.id))?
            .into_iter()
            .map(|a| ((a.rule_id.clone(), a.subject.clone()), a))
            .collect();

        let mut writes = Vec::new();
        let mut events = Vec::new();
        let mut notices = Vec::new();
        let notify = |a: &ActiveAlert,
                      change: AlertStatus,
                      rule_name: &str,
                      events: &mut Vec<AlertEvent>,
                      notices: &mut Vec<Notification>| {
            let silenced = silences
                .iter()
                .any(|s| s.matches(&a.rule_id, cluster.id, &a.subject, now));
            events.push(AlertEvent {
                id: 0,
                alert_id: a.id,
                rule_id: a.rule_id.clone(),
                cluster_id: cluster.id,
                subject: a.subject.clone(),
                event: match change {
                    AlertStatus::Firing => "firing",
                    AlertStatus::Resolved => "resolved",
                }
                .into(),
                severity: a.severity,
                value: a.value,
                summary: a.summary.clone(),
                at: now,
                notified: !silenced,
                detail: silenced.then(|| "silenced".to_string()),
            });
            if !silenced {
                notices.push(Notification {
                    alert_id: a.id,
                    status: change,
                    rule_id: a.rule_id.clone(),
                    rule_name: rule_name.to_string(),
                    severity: a.severity,
                    cluster_id: cluster.id,
                    cluster_name: cluster.name.clone(),
                    subject: a.subject.clone(),
                    value: a.value,
                    threshold: a.threshold,
                    summary: a.summary.clone(),
                    started_at: a.since,
                    resolved_at: (change == AlertStatus::Resolved).then_some(now),
                    dashboard_url: self.config.dashboard_url.clone(),
                });
            }
        };

        let hysteresis = self.config.hysteresis_pct;
        let mut evaluated_rules = Vec::new();
        for rule in rules.iter().filter(|r| r.applies_to(cluster.id)) {
            let settings = rule.settings();
            if !settings.enabled {
                continue;
            }
            let rule_id = rule.id();
            let name = rule.name();
            evaluated_rules.push(rule_id.clone());
            let observations = match rule {
                Rule::Builtin(b, s) => rules::evaluate_builtin(b, s, &input, hysteresis),
                Rule::User(u) => rules::evaluate_user(u, &input, hysteresis),
            };
            for o in observations {
                let key = (rule_id.clone(), o.subject.clone());
                let existing = active.remove(&key);
                match (existing, o.level) {
                    (None, Level::Fire) => {
                        let firing = settings.for_secs == 0;
                        let a = ActiveAlert {
                            id: 0,
                            rule_id: rule_id.clone(),
                            cluster_id: cluster.id,
                            subject: o.subject.clone(),
                            state: if firing {
                                AlertState::Firing
                            } else {
                                AlertState::Pending
                            },
                            severity: settings.severity,
                            value: o.value,
                            threshold: Some(settings.threshold),
                            summary: o.summary.clone(),
                            since: now,
                            fired_at: firing.then_some(now),
                            acked_by: None,
                            acked_at: None,
                            updated_at: now,
                        };
                        if firing {
                            notify(&a, AlertStatus::Firing, &name, &mut events, &mut notices);
                        } else {
                            events.push(pending_event(&a));
                        }
                        writes.push(AlertWrite::Upsert(a));
                    }
                    (None, _) => {}
                    (Some(mut a), level) => {
                        a.value = o.value.or(a.value);
                        a.summary = o.summary.clone();
                        a.severity = settings.severity;
                        a.threshold = Some(settings.threshold);
                        a.updated_at = now;
                        match (a.state, level) {
                            (AlertState::Pending, Level::Fire) => {
                                if now - a.since >= settings.for_secs as i64 * 1000 {
                                    a.state = AlertState::Firing;
                                    a.fired_at = Some(now);
                                    notify(
                                        &a,
                                        AlertStatus::Firing,
                                        &name,
                                        &mut events,
                                        &mut notices,
                                    );
                                }
                                writes.push(AlertWrite::Upsert(a));
                            }
                            // It must hold without a break to fire.
                            (AlertState::Pending, Level::Hold | Level::Clear) => {
                                writes.push(AlertWrite::Remove(a.id));
                            }
                            (AlertState::Firing, Level::Clear) => {
                                notify(&a, AlertStatus::Resolved, &name, &mut events, &mut notices);
                                writes.push(AlertWrite::Remove(a.id));
                            }
                            (_, Level::Unknown) => {}
                            (AlertState::Firing, Level::Fire | Level::Hold) => {
                                writes.push(AlertWrite::Upsert(a));
                            }
                        }
                    }
                }
            }
        }
        // Alerts nobody observed: their rule was disabled or deleted, or their subject is gone
        // (a node dropped, a path removed) — then they resolve. After a failed collection nothing
        // was observed, so nothing is concluded.
        for (_, mut a) in active {
            let rule_gone = !evaluated_rules.contains(&a.rule_id);
            if !rule_gone && status.outcome == Outcome::Failed {
                continue;
            }
            let name = rules
                .iter()
                .find(|r| r.id() == a.rule_id)
                .map(Rule::name)
                .unwrap_or_else(|| a.rule_id.clone());
            a.updated_at = now;
            if a.state == AlertState::Firing {
                notify(&a, AlertStatus::Resolved, &name, &mut events, &mut notices);
            }
            writes.push(AlertWrite::Remove(a.id));
        }
        if writes.is_empty() && events.is_empty() {
            return Ok(notices);
        }
        let ids = store.apply_alerts(&writes, &events)?;
        // New alerts learn their ids.
        let mut fresh = writes
            .iter()
            .filter_map(|w| match w {
                AlertWrite::Upsert(a) if a.id == 0 => Some((a.rule_id.clone(), a.subject.clone())),
                _ => None,
            })
            .zip(ids);
        let fresh: HashMap<(String, String), i64> = fresh.by_ref().collect();
        for n in &mut notices {
            if n.alert_id == 0 {
                if let Some(id) = fresh.get(&(n.rule_id.clone(), n.subject.clone())) {
                    n.alert_id = *id;
                }
            }
        }
        Ok(notices)
    }
}

fn pending_event(a: &ActiveAlert) -> AlertEvent {
    AlertEvent {
        id: 0,
        alert_id: a.id,
        rule_id: a.rule_id.clone(),
        cluster_id: a.cluster_id,
        subject: a.subject.clone(),
        event: "pending".into(),
        severity: a.severity,
        value: a.value,
        summary: a.summary.clone(),
        at: a.since,
        notified: false,
        detail: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewCluster, NodeKind};
    use crate::store::alerts::{AlertStore, Silence};
    use crate::store::sqlite::SqliteStore;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Arc<SqliteStore>,
        cluster: ClusterRecord,
        t: i64,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Arc::new(SqliteStore::open(&dir.path().join("e.db")).expect("open"));
        let cluster = store
            .add_cluster(&NewCluster {
                name: "prod".into(),
                fe_host: "h".into(),
                fe_query_port: 9030,
                fe_http_port: 8030,
                user: "u".into(),
                password: "p".to_string().into(),
            })
            .expect("add");
        Fixture {
            _dir: dir,
            store,
            cluster,
            t: 1_800_000_000_000,
        }
    }

    fn engine(f: &Fixture, config: AlertsConfig) -> Engine {
        Engine::new(f.store.clone(), config, chrono_tz::UTC)
    }

    fn be(cpu: f64, alive: bool) -> NodeSample {
        NodeSample {
            node_id: "10001".into(),
            kind: Some(NodeKind::Be),
            host: "10.0.0.41".into(),
            alive: Some(alive),
            cpu_usage_pct: Some(cpu),
            ..NodeSample::default()
        }
    }

    /// Stores a collection 30 s after the previous one and evaluates it.
    fn step(f: &mut Fixture, e: &Engine, node: NodeSample) -> Vec<Notification> {
        f.t += 30_000;
        let snap = Snapshot {
            collected_at: f.t,
            ..Snapshot::default()
        };
        let status = CollectionStatus {
            collected_at: f.t,
            outcome: Outcome::Ok,
            duration_ms: 5,
            errors: vec![],
        };
        let nodes = vec![node];
        f.store
            .write_collection(f.cluster.id, &snap, &nodes, &status)
            .expect("write");
        e.evaluate(&f.cluster, &snap, &nodes, &status)
            .expect("evaluate")
    }

    fn kinds(n: &[Notification], rule: &str) -> Vec<AlertStatus> {
        n.iter()
            .filter(|n| n.rule_id == rule)
            .map(|n| n.status)
            .collect()
    }

    #[test]
    fn a_node_down_fires_once_and_resolves_once() {
        let mut f = fixture();
        let e = engine(&f, AlertsConfig::default());
        assert!(kinds(&step(&mut f, &e, be(10.0, true)), "be_down").is_empty());
        assert_eq!(
            kinds(&step(&mut f, &e, be(10.0, false)), "be_down"),
            [AlertStatus::Firing]
        );
        // Still down: deduplicated, no second notification.
        assert!(kinds(&step(&mut f, &e, be(10.0, false)), "be_down").is_empty());
        assert_eq!(f.store.active_alerts(None).expect("active").len(), 1);
        assert_eq!(
            kinds(&step(&mut f, &e, be(10.0, true)), "be_down"),
            [AlertStatus::Resolved]
        );
        assert!(f.store.active_alerts(None).expect("active").is_empty());
        let history: Vec<String> = f
            .store
            .alert_events(None, 0, i64::MAX, 10)
            .expect("events")
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(history, ["resolved", "firing"]);
    }

    #[test]
    fn a_value_oscillating_at_the_threshold_does_not_flap() {
        let mut f = fixture();
        let mut config = AlertsConfig::default();
        config.rules.insert(
            "be_cpu_high".into(),
            crate::config::RuleConfig {
                for_secs: Some(0),
                ..Default::default()
            },
        );
        let e = engine(&f, config);
        let mut notices = Vec::new();
        // 90 is the threshold; it clears only under 85.5.
        for cpu in [91.0, 89.0, 90.5, 88.0, 92.0, 87.0, 90.1, 86.0] {
            notices.extend(step(&mut f, &e, be(cpu, true)));
        }
        assert_eq!(kinds(&notices, "be_cpu_high"), [AlertStatus::Firing]);
        notices.extend(step(&mut f, &e, be(80.0, true)));
        assert_eq!(
            kinds(&notices, "be_cpu_high"),
            [AlertStatus::Firing, AlertStatus::Resolved]
        );
    }

    #[test]
    fn the_for_duration_must_hold_without_a_break() {
        let mut f = fixture();
        // be_cpu_high: 5 minutes by default = 10 collections 30 s apart.
        let e = engine(&f, AlertsConfig::default());
        let mut notices = Vec::new();
        for _ in 0..9 {
            notices.extend(step(&mut f, &e, be(95.0, true)));
        }
        // A dip under the threshold restarts the clock.
        notices.extend(step(&mut f, &e, be(89.0, true)));
        for _ in 0..10 {
            notices.extend(step(&mut f, &e, be(95.0, true)));
        }
        assert!(kinds(&notices, "be_cpu_high").is_empty(), "{notices:?}");
        notices.extend(step(&mut f, &e, be(95.0, true)));
        assert_eq!(kinds(&notices, "be_cpu_high"), [AlertStatus::Firing]);
    }

    #[test]
    fn a_silenced_alert_changes_state_but_notifies_nobody() {
        let mut f = fixture();
        let e = engine(&f, AlertsConfig::default());
        f.store
            .add_silence(&Silence {
                id: 0,
                cluster_id: Some(f.cluster.id),
                rule_id: Some("be_down".into()),
                subject: None,
                starts_at: 0,
                ends_at: i64::MAX,
                comment: "maintenance".into(),
                created_by: None,
                created_at: 0,
            })
            .expect("silence");
        assert!(step(&mut f, &e, be(10.0, false)).is_empty());
        assert_eq!(f.store.active_alerts(None).expect("active").len(), 1);
        assert!(step(&mut f, &e, be(10.0, true)).is_empty());
        let events = f.store.alert_events(None, 0, i64::MAX, 10).expect("events");
        assert_eq!(events.len(), 2);
        assert!(events.iter().all(|e| !e.notified), "{events:?}");
    }

    #[test]
    fn disabling_a_rule_resolves_its_alerts() {
        let mut f = fixture();
        let e = engine(&f, AlertsConfig::default());
        assert_eq!(
            kinds(&step(&mut f, &e, be(10.0, false)), "be_down"),
            [AlertStatus::Firing]
        );
        f.store
            .put_rule_override(
                &RuleOverride {
                    rule_id: "be_down".into(),
                    enabled: Some(false),
                    ..Default::default()
                },
                0,
            )
            .expect("override");
        assert_eq!(
            kinds(&step(&mut f, &e, be(10.0, false)), "be_down"),
            [AlertStatus::Resolved]
        );
        assert!(kinds(&step(&mut f, &e, be(10.0, false)), "be_down").is_empty());
    }
}
