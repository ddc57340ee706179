//! The SQL of alert state: active alerts and their events, silences, rule overrides, user rules
//! and notification channels (URLs and secrets encrypted like cluster passwords).

use rusqlite::{params, Row};
use secrecy::SecretString;

use super::{all_rows, conflict_on_duplicate, first_row, SqliteStore};
use crate::model::alerts::{Op, Scope, Severity, UserRule};
use crate::store::alerts::{
    ActiveAlert, AlertEvent, AlertState, AlertStore, AlertWrite, RuleOverride, Silence,
    StoredChannel,
};
use crate::store::StoreError;

fn severity(s: &str) -> Result<Severity, StoreError> {
    Severity::parse(s).ok_or_else(|| StoreError::Corrupt(format!("severity {s:?}")))
}

const ALERT_COLUMNS: &str = "id, rule_id, cluster_id, subject, state, severity, value, threshold, \
     summary, since, fired_at, acked_by, acked_at, updated_at";

fn decode_alert(r: &Row<'_>) -> Result<ActiveAlert, StoreError> {
    let state: String = r.get(4)?;
    Ok(ActiveAlert {
        id: r.get(0)?,
        rule_id: r.get(1)?,
        cluster_id: r.get(2)?,
        subject: r.get(3)?,
        state: match state.as_str() {
            "pending" => AlertState::Pending,
            "firing" => AlertState::Firing,
            other => return Err(StoreError::Corrupt(format!("alert state {other:?}"))),
        },
        severity: severity(&r.get::<_, String>(5)?)?,
        value: r.get(6)?,
        threshold: r.get(7)?,
        summary: r.get(8)?,
        since: r.get(9)?,
        fired_at: r.get(10)?,
        acked_by: r.get(11)?,
        acked_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

fn decode_silence(r: &Row<'_>) -> Result<Silence, StoreError> {
    Ok(Silence {
        id: r.get(0)?,
        cluster_id: r.get(1)?,
        rule_id: r.get(2)?,
        subject: r.get(3)?,
        starts_at: r.get(4)?,
        ends_at: r.get(5)?,
        comment: r.get(6)?,
        created_by: r.get(7)?,
        created_at: r.get(8)?,
    })
}

fn decode_user_rule(r: &Row<'_>) -> Result<UserRule, StoreError> {
    let scope: String = r.get(3)?;
    let op: String = r.get(5)?;
    let for_secs: i64 = r.get(7)?;
    Ok(UserRule {
        id: r.get(0)?,
        name: r.get(1)?,
        cluster_id: r.get(2)?,
        scope: match scope.as_str() {
            "cluster" => Scope::Cluster,
            "node" => Scope::Node,
            other => return Err(StoreError::Corrupt(format!("rule scope {other:?}"))),
        },
        metric: r.get(4)?,
        op: Op::parse(&op).ok_or_else(|| StoreError::Corrupt(format!("rule op {op:?}")))?,
        threshold: r.get(6)?,
        for_secs: u64::try_from(for_secs).unwrap_or(0),
        severity: severity(&r.get::<_, String>(8)?)?,
        enabled: r.get(9)?,
    })
}

fn scope_str(s: Scope) -> &'static str {
    match s {
        Scope::Cluster => "cluster",
        Scope::Node => "node",
    }
}

/// A channel row before its secrets are decrypted.
type ChannelRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    bool,
    i64,
);

impl SqliteStore {
    fn encrypt_opt(&self, s: Option<&SecretString>) -> Result<Option<String>, StoreError> {
        s.map(|s| self.secrets().encrypt(s).map_err(StoreError::from))
            .transpose()
    }

    /// A channel's stored secret in clear; one that another key sealed is a
    /// [`crate::secretbox::SecretError::Unreadable`] naming the channel.
    fn open_secret(&self, s: &str, channel: &str) -> Result<SecretString, StoreError> {
        self.secrets().decrypt(s).map_err(|_| {
            StoreError::Secret(crate::secretbox::SecretError::Unreadable {
                what: format!("the URL or secret of notification channel {channel:?}"),
                key: crate::secretbox::key_path(self.path()),
            })
        })
    }

    fn decrypt_opt(
        &self,
        s: Option<String>,
        channel: &str,
    ) -> Result<Option<SecretString>, StoreError> {
        s.map(|s| self.open_secret(&s, channel)).transpose()
    }
}

impl AlertStore for SqliteStore {
    fn active_alerts(&self, cluster_id: Option<i64>) -> Result<Vec<ActiveAlert>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE ?1 IS NULL OR cluster_id = ?1
             ORDER BY cluster_id, rule_id, subject"
        ))?;
        all_rows(&mut stmt, [cluster_id], decode_alert)
    }

    fn alert_by_id(&self, id: i64) -> Result<Option<ActiveAlert>, StoreError> {
        let conn = self.read()?;
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"))?;
        first_row(&mut stmt, [id], decode_alert)
    }

    fn apply_alerts(
        &self,
        writes: &[AlertWrite],
        events: &[AlertEvent],
    ) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut inserted = Vec::new();
        // Events of an inserted alert refer to it by (rule, cluster, subject) until it has an id.
        let mut new_ids: Vec<((String, i64, String), i64)> = Vec::new();
        for w in writes {
            match w {
                AlertWrite::Upsert(a) if a.id == 0 => {
                    tx.prepare_cached(
                        "INSERT INTO alerts (rule_id, cluster_id, subject, state, severity, value,
                             threshold, summary, since, fired_at, acked_by, acked_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    )?
                    .execute(params![
                        a.rule_id,
                        a.cluster_id,
                        a.subject,
                        a.state.as_str(),
                        a.severity.as_str(),
                        a.value,
                        a.threshold,
                        a.summary,
                        a.since,
                        a.fired_at,
                        a.acked_by,
                        a.acked_at,
                        a.updated_at
                    ])
                    .map_err(|e| conflict_on_duplicate(e, || format!("alert {}", a.rule_id)))?;
                    let id = tx.last_insert_rowid();
                    inserted.push(id);
                    new_ids.push(((a.rule_id.clone(), a.cluster_id, a.subject.clone()), id));
                }
                AlertWrite::Upsert(a) => {
                    tx.prepare_cached(
                        "UPDATE alerts SET state = ?2, severity = ?3, value = ?4, threshold = ?5,
                             summary = ?6, fired_at = ?7, updated_at = ?8 WHERE id = ?1",
                    )?
                    .execute(params![
                        a.id,
                        a.state.as_str(),
                        a.severity.as_str(),
                        a.value,
                        a.threshold,
                        a.summary,
                        a.fired_at,
                        a.updated_at
                    ])?;
                }
                AlertWrite::Remove(id) => {
                    tx.prepare_cached("DELETE FROM alerts WHERE id = ?1")?
                        .execute([id])?;
                }
            }
        }
        for e in events {
            let alert_id = if e.alert_id != 0 {
                e.alert_id
            } else {
                new_ids
                    .iter()
                    .find(|(k, _)| k.0 == e.rule_id && k.1 == e.cluster_id && k.2 == e.subject)
                    .map(|(_, id)| *id)
                    .unwrap_or(0)
            };
            tx.prepare_cached(
                "INSERT INTO alert_events (alert_id, rule_id, cluster_id, subject, event, severity,
                     value, summary, at, notified, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                alert_id,
                e.rule_id,
                e.cluster_id,
                e.subject,
                e.event,
                e.severity.as_str(),
                e.value,
                e.summary,
                e.at,
                e.notified,
                e.detail
            ])?;
        }
        tx.commit()?;
        Ok(inserted)
    }

    fn ack_alert(&self, id: i64, by: &str, at: i64) -> Result<Option<ActiveAlert>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached("UPDATE alerts SET acked_by = ?2, acked_at = ?3 WHERE id = ?1")?
            .execute(params![id, by, at])?;
        if n == 0 {
            return Ok(None);
        }
        let a = {
            let mut stmt =
                tx.prepare_cached(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"))?;
            let mut rows = stmt.query([id])?;
            match rows.next()? {
                Some(r) => decode_alert(r)?,
                None => return Ok(None),
            }
        };
        tx.prepare_cached(
            "INSERT INTO alert_events (alert_id, rule_id, cluster_id, subject, event, severity,
                 value, summary, at, notified, detail)
             VALUES (?1, ?2, ?3, ?4, 'acknowledged', ?5, ?6, ?7, ?8, 0, ?9)",
        )?
        .execute(params![
            a.id,
            a.rule_id,
            a.cluster_id,
            a.subject,
            a.severity.as_str(),
            a.value,
            a.summary,
            at,
            by
        ])?;
        tx.commit()?;
        Ok(Some(a))
    }

    fn alert_events(
        &self,
        cluster_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<AlertEvent>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, alert_id, rule_id, cluster_id, subject, event, severity, value, summary,
                    at, notified, detail
             FROM alert_events
             WHERE (?1 IS NULL OR cluster_id = ?1) AND at >= ?2 AND at < ?3
             ORDER BY at DESC, id DESC LIMIT ?4",
        )?;
        all_rows(&mut stmt, params![cluster_id, from_ms, to_ms, limit], |r| {
            Ok(AlertEvent {
                id: r.get(0)?,
                alert_id: r.get(1)?,
                rule_id: r.get(2)?,
                cluster_id: r.get(3)?,
                subject: r.get(4)?,
                event: r.get(5)?,
                severity: severity(&r.get::<_, String>(6)?)?,
                value: r.get(7)?,
                summary: r.get(8)?,
                at: r.get(9)?,
                notified: r.get(10)?,
                detail: r.get(11)?,
            })
        })
    }

    fn prune_alert_events(&self, before_ms: i64) -> Result<usize, StoreError> {
        let conn = self.conn();
        let n = conn
            .prepare_cached("DELETE FROM alert_events WHERE at < ?1")?
            .execute([before_ms])?;
        Ok(n)
    }

    fn silences(&self, now_ms: Option<i64>) -> Result<Vec<Silence>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, cluster_id, rule_id, subject, starts_at, ends_at, comment, created_by,
                    created_at
             FROM alert_silences WHERE ?1 IS NULL OR ends_at > ?1 ORDER BY ends_at DESC, id",
        )?;
        all_rows(&mut stmt, [now_ms], decode_silence)
    }

    fn add_silence(&self, s: &Silence) -> Result<Silence, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO alert_silences (cluster_id, rule_id, subject, starts_at, ends_at, comment,
                 created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            s.cluster_id,
            s.rule_id,
            s.subject,
            s.starts_at,
            s.ends_at,
            s.comment,
            s.created_by,
            s.created_at
        ])
        .map_err(|e| match e {
            // The only foreign key: the cluster.
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::NotFound(format!("cluster {:?}", s.cluster_id))
            }
            other => other.into(),
        })?;
        Ok(Silence {
            id: conn.last_insert_rowid(),
            ..s.clone()
        })
    }

    fn delete_silence(&self, id: i64) -> Result<bool, StoreError> {
        let conn = self.conn();
        let n = conn
            .prepare_cached("DELETE FROM alert_silences WHERE id = ?1")?
            .execute([id])?
            > 0;
        Ok(n)
    }

    fn rule_overrides(&self) -> Result<Vec<RuleOverride>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT rule_id, enabled, threshold, for_secs, severity FROM alert_rule_settings",
        )?;
        all_rows(&mut stmt, [], |r| {
            let sev: Option<String> = r.get(4)?;
            let for_secs: Option<i64> = r.get(3)?;

            Ok(RuleOverride {
                rule_id: r.get(0)?,
                enabled: r.get(1)?,
                threshold: r.get(2)?,
                for_secs: for_secs.map(|v| u64::try_from(v).unwrap_or(0)),
                severity: sev.map(|s| severity(&s)).transpose()?,
            })
        })
    }

    fn put_rule_override(&self, o: &RuleOverride, now_ms: i64) -> Result<(), StoreError> {
        let conn = self.conn();
        let for_secs = o.for_secs.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        conn.prepare_cached(
            "INSERT INTO alert_rule_settings (rule_id, enabled, threshold, for_secs, severity, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (rule_id) DO UPDATE SET enabled = excluded.enabled,
                 threshold = excluded.threshold, for_secs = excluded.for_secs,
                 severity = excluded.severity, updated_at = excluded.updated_at",
        )?
        .execute(params![
            o.rule_id,
            o.enabled,
            o.threshold,
            for_secs,
            o.severity.map(Severity::as_str),
            now_ms
        ])?;
        Ok(())
    }

    fn user_rules(&self) -> Result<Vec<UserRule>, StoreError> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, cluster_id, scope, metric, op, threshold, for_secs, severity, enabled
             FROM alert_user_rules ORDER BY id",
        )?;
        all_rows(&mut stmt, [], decode_user_rule)
    }

    fn add_user_rule(&self, rule: &UserRule, now_ms: i64) -> Result<UserRule, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO alert_user_rules (name, cluster_id, scope, metric, op, threshold, for_secs,
                 severity, enabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            rule.name,
            rule.cluster_id,
            scope_str(rule.scope),
            rule.metric,
            rule.op.as_str(),
            rule.threshold,
            i64::try_from(rule.for_secs).unwrap_or(i64::MAX),
            rule.severity.as_str(),
            rule.enabled,
            now_ms
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::NotFound(format!("cluster {:?}", rule.cluster_id))
            }
            other => other.into(),
        })?;
        Ok(UserRule {
            id: conn.last_insert_rowid(),
            ..rule.clone()
        })
    }

    fn update_user_rule(&self, rule: &UserRule) -> Result<bool, StoreError> {
        let conn = self.conn();
        let n =
            conn.prepare_cached(
                "UPDATE alert_user_rules SET name = ?2, threshold = ?3, for_secs = ?4,
                     severity = ?5, enabled = ?6, op = ?7 WHERE id = ?1",
            )?
            .execute(params![
                rule.id,
                rule.name,
                rule.threshold,
                i64::try_from(rule.for_secs).unwrap_or(i64::MAX),
                rule.severity.as_str(),
                rule.enabled,
                rule.op.as_str()
            ])? > 0;
        Ok(n)
    }

    fn delete_user_rule(&self, id: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached("DELETE FROM alert_user_rules WHERE id = ?1")?
            .execute([id])?;
        // Its alerts end with it (their history stays).
        tx.prepare_cached("DELETE FROM alerts WHERE rule_id = ?1")?
            .execute([format!("user:{id}")])?;
        tx.prepare_cached("DELETE FROM alert_rule_settings WHERE rule_id = ?1")?
            .execute([format!("user:{id}")])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn channels(&self) -> Result<Vec<StoredChannel>, StoreError> {
        let raw: Vec<ChannelRow> = {
            let conn = self.read()?;
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, kind, url, secret, settings, min_severity, enabled, created_at
                 FROM alert_channels ORDER BY name",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        raw.into_iter()
            .map(
                |(id, name, kind, url, secret, settings, min, enabled, created_at)| {
                    let url = self.open_secret(&url, &name)?;
                    let secret = self.decrypt_opt(secret, &name)?;
                    let settings = self.decrypt_opt(settings, &name)?;
                    Ok(StoredChannel {
                        id,
                        name,
                        kind,
                        url,
                        secret,
                        settings,
                        min_severity: severity(&min)?,
                        enabled,
                        created_at,
                    })
                },
            )
            .collect()
    }

    fn add_channel(&self, c: &StoredChannel) -> Result<i64, StoreError> {
        let url = self.secrets().encrypt(&c.url)?;
        let secret = self.encrypt_opt(c.secret.as_ref())?;
        let settings = self.encrypt_opt(c.settings.as_ref())?;
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO alert_channels (name, kind, url, secret, settings, min_severity, enabled,
                 created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            c.name,
            c.kind,
            url,
            secret,
            settings,
            c.min_severity.as_str(),
            c.enabled,
            c.created_at
        ])
        .map_err(|e| conflict_on_duplicate(e, || format!("a channel named {:?} exists", c.name)))?;
        Ok(conn.last_insert_rowid())
    }

    fn update_channel(&self, c: &StoredChannel) -> Result<bool, StoreError> {
        let url = self.secrets().encrypt(&c.url)?;
        let secret = self.encrypt_opt(c.secret.as_ref())?;
        let settings = self.encrypt_opt(c.settings.as_ref())?;
        let conn = self.conn();
        let n =
            conn.prepare_cached(
                "UPDATE alert_channels SET name = ?2, kind = ?3, url = ?4, secret = ?5,
                     settings = ?6, min_severity = ?7, enabled = ?8 WHERE id = ?1",
            )?
            .execute(params![
                c.id,
                c.name,
                c.kind,
                url,
                secret,
                settings,
                c.min_severity.as_str(),
                c.enabled
            ])
            .map_err(|e| {
                conflict_on_duplicate(e, || format!("a channel named {:?} exists", c.name))
            })? > 0;
        Ok(n)
    }

    fn delete_channel(&self, id: i64) -> Result<bool, StoreError> {
        let conn = self.conn();
        let n = conn
            .prepare_cached("DELETE FROM alert_channels WHERE id = ?1")?
            .execute([id])?
            > 0;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NewCluster;
    use crate::store::Store;
    use secrecy::ExposeSecret;

    fn open() -> (tempfile::TempDir, SqliteStore, i64) {
        let dir = tempfile::tempdir().expect("tmp");
        let store = SqliteStore::open(&dir.path().join("a.db")).expect("open");
        let c = store
            .add_cluster(&NewCluster {
                name: "c".into(),
                fe_host: "h".into(),
                fe_query_port: 9030,
                fe_http_port: 8030,
                user: "u".into(),
                password: SecretString::from("p".to_string()),
            })
            .expect("add");
        (dir, store, c.id)
    }

    fn alert(cluster: i64) -> ActiveAlert {
        ActiveAlert {
            id: 0,
            rule_id: "be_down".into(),
            cluster_id: cluster,
            subject: "10001".into(),
            state: AlertState::Firing,
            severity: Severity::Critical,
            value: Some(1.0),
            threshold: Some(1.0),
            summary: "BE 10001 is down".into(),
            since: 10,
            fired_at: Some(10),
            acked_by: None,
            acked_at: None,
            updated_at: 10,
        }
    }

    fn event(cluster: i64, kind: &str, at: i64) -> AlertEvent {
        AlertEvent {
            id: 0,
            alert_id: 0,
            rule_id: "be_down".into(),
            cluster_id: cluster,
            subject: "10001".into(),
            event: kind.into(),
            severity: Severity::Critical,
            value: Some(1.0),
            summary: "BE 10001 is down".into(),
            at,
            notified: true,
            detail: None,
        }
    }

    #[test]
    fn alerts_and_their_history_round_trip() {
        let (_d, s, c) = open();
        let ids = s
            .apply_alerts(&[AlertWrite::Upsert(alert(c))], &[event(c, "firing", 10)])
            .expect("apply");
        assert_eq!(ids.len(), 1);
        let active = s.active_alerts(Some(c)).expect("active");
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].id, ids[0]);
        // The same rule, cluster and subject twice is one alert.
        assert!(s
            .apply_alerts(&[AlertWrite::Upsert(alert(c))], &[])
            .is_err());
        let acked = s
            .ack_alert(ids[0], "alice", 20)
            .expect("ack")
            .expect("exists");
        assert_eq!(acked.acked_by.as_deref(), Some("alice"));
        assert!(s.ack_alert(999, "alice", 20).expect("ack").is_none());
        let resolved = AlertEvent {
            alert_id: ids[0],
            ..event(c, "resolved", 30)
        };
        s.apply_alerts(&[AlertWrite::Remove(ids[0])], &[resolved])
            .expect("resolve");
        assert!(s.active_alerts(None).expect("active").is_empty());
        let h = s.alert_events(Some(c), 0, 100, 10).expect("events");
        let kinds: Vec<&str> = h.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(kinds, ["resolved", "acknowledged", "firing"]);
        assert!(h.iter().all(|e| e.alert_id == ids[0]));
        assert_eq!(s.prune_alert_events(25).expect("prune"), 2);
    }

    #[test]
    fn channel_secrets_are_encrypted_at_rest() {
        let (dir, s, _) = open();
        let url = "https://oapi.dingtalk.com/robot/send?access_token=topsecret123";
        let id = s
            .add_channel(&StoredChannel {
                id: 0,
                name: "ops".into(),
                kind: "dingtalk".into(),
                url: SecretString::from(url.to_string()),
                secret: Some(SecretString::from("SECsigning456".to_string())),
                settings: None,
                min_severity: Severity::Warning,
                enabled: true,
                created_at: 1,
            })
            .expect("add");
        let back = s.channels().expect("channels");
        assert_eq!(back[0].id, id);
        assert_eq!(back[0].url.expose_secret(), url);
        let raw: String = s
            .conn()
            .query_row(
                "SELECT url || coalesce(secret, '') FROM alert_channels",
                [],
                |r| r.get(0),
            )
            .expect("raw");
        assert!(
            !raw.contains("topsecret123") && !raw.contains("SECsigning456"),
            "{raw}"
        );
        drop(dir);
    }

    #[test]
    fn silences_match_by_what_they_name() {
        let (_d, s, c) = open();
        let sil = s
            .add_silence(&Silence {
                id: 0,
                cluster_id: Some(c),
                rule_id: Some("be_down".into()),
                subject: None,
                starts_at: 0,
                ends_at: 100,
                comment: "maintenance".into(),
                created_by: None,
                created_at: 0,
            })
            .expect("silence");
        assert!(sil.matches("be_down", c, "10001", 50));
        assert!(!sil.matches("be_down", c, "10001", 100), "ended");
        assert!(!sil.matches("fe_down", c, "x", 50));
        assert_eq!(s.silences(Some(50)).expect("list").len(), 1);
        assert!(s.silences(Some(100)).expect("list").is_empty());
        assert!(s.delete_silence(sil.id).expect("delete"));
    }
}
