//! Alert state as the engine and API see it: the alerts pending or firing now, their history,
//! silences, rule settings changed over the API, user rules and notification channels, and the
//! [`AlertStore`] trait over them. The SQL is in [`super::sqlite`].

use secrecy::SecretString;
use serde::Serialize;

use super::StoreError;
use crate::model::alerts::{Severity, UserRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Pending,
    Firing,
}

impl AlertState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

/// An alert pending or firing now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveAlert {
    pub id: i64,
    pub rule_id: String,
    pub cluster_id: i64,
    pub subject: String,
    pub state: AlertState,
    pub severity: Severity,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub summary: String,
    pub since: i64,
    pub fired_at: Option<i64>,
    pub acked_by: Option<String>,
    pub acked_at: Option<i64>,
    pub updated_at: i64,
}

/// One transition in the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    pub id: i64,
    pub alert_id: i64,
    pub rule_id: String,
    pub cluster_id: i64,
    pub subject: String,
    /// pending, firing, resolved, acknowledged.
    pub event: String,
    pub severity: Severity,
    pub value: Option<f64>,
    pub summary: String,
    pub at: i64,
    pub notified: bool,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Silence {
    pub id: i64,
    pub cluster_id: Option<i64>,
    pub rule_id: Option<String>,
    pub subject: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub comment: String,
    pub created_by: Option<String>,
    pub created_at: i64,
}

impl Silence {
    pub fn matches(&self, rule_id: &str, cluster_id: i64, subject: &str, now_ms: i64) -> bool {
        self.starts_at <= now_ms
            && now_ms < self.ends_at
            && self.cluster_id.is_none_or(|c| c == cluster_id)
            && self.rule_id.as_deref().is_none_or(|r| r == rule_id)
            && self.subject.as_deref().is_none_or(|s| s == subject)
    }
}

/// Settings of a rule changed over the API; None keeps the configured value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleOverride {
    pub rule_id: String,
    pub enabled: Option<bool>,
    pub threshold: Option<f64>,
    pub for_secs: Option<u64>,
    pub severity: Option<Severity>,
}

/// A notification channel as stored, its secrets decrypted.
#[derive(Clone)]
pub struct StoredChannel {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: SecretString,
    pub secret: Option<SecretString>,
    /// JSON (e-mail settings, with their password).
    pub settings: Option<SecretString>,
    pub min_severity: Severity,
    pub enabled: bool,
    pub created_at: i64,
}

impl std::fmt::Debug for StoredChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredChannel")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A change to an active alert, or a new one (id 0), with the history event it makes.
#[derive(Debug, Clone)]
pub enum AlertWrite {
    /// Insert (id 0) or update the row.
    Upsert(ActiveAlert),
    /// Delete the row (resolved, or a pending one that cleared).
    Remove(i64),
}

pub trait AlertStore: Send + Sync + 'static {
    fn active_alerts(&self, cluster_id: Option<i64>) -> Result<Vec<ActiveAlert>, StoreError>;
    fn alert_by_id(&self, id: i64) -> Result<Option<ActiveAlert>, StoreError>;
    /// Applies the writes and appends the events in one transaction. Events of an inserted
    /// alert (alert_id 0) get its new id. Returns the ids of inserted alerts, in order.
    fn apply_alerts(
        &self,
        writes: &[AlertWrite],
        events: &[AlertEvent],
    ) -> Result<Vec<i64>, StoreError>;
    /// Ok(None) if there is no such alert.
    fn ack_alert(&self, id: i64, by: &str, at: i64) -> Result<Option<ActiveAlert>, StoreError>;
    /// Newest first, at most `limit`.
    fn alert_events(
        &self,
        cluster_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<AlertEvent>, StoreError>;
    fn prune_alert_events(&self, before_ms: i64) -> Result<usize, StoreError>;

    /// Silences that have not ended at `now_ms` (all of them with `None`).
    fn silences(&self, now_ms: Option<i64>) -> Result<Vec<Silence>, StoreError>;
    fn add_silence(&self, s: &Silence) -> Result<Silence, StoreError>;
    fn delete_silence(&self, id: i64) -> Result<bool, StoreError>;

    fn rule_overrides(&self) -> Result<Vec<RuleOverride>, StoreError>;
    fn put_rule_override(&self, o: &RuleOverride, now_ms: i64) -> Result<(), StoreError>;

    fn user_rules(&self) -> Result<Vec<UserRule>, StoreError>;
    /// `rule.id` is ignored; the stored rule is returned.
    fn add_user_rule(&self, rule: &UserRule, now_ms: i64) -> Result<UserRule, StoreError>;
    fn update_user_rule(&self, rule: &UserRule) -> Result<bool, StoreError>;
    fn delete_user_rule(&self, id: i64) -> Result<bool, StoreError>;

    fn channels(&self) -> Result<Vec<StoredChannel>, StoreError>;
    /// `c.id` is ignored. [`StoreError::Conflict`] for a taken name.
    fn add_channel(&self, c: &StoredChannel) -> Result<i64, StoreError>;
    /// Replaces every field but the id and creation time.
    fn update_channel(&self, c: &StoredChannel) -> Result<bool, StoreError>;
    fn delete_channel(&self, id: i64) -> Result<bool, StoreError>;
}
