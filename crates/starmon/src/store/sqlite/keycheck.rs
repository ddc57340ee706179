//! The key of stored secrets at start-up: found, private, and the one that encrypted what the
//! database holds — or a refusal that says what to do. Also `starmon key reset`, the way out
//! when a key is lost for good.
//!
//! Why refuse: a missing key used to be created afresh, after which no stored password opened,
//! every collection stopped with one warning and nothing alerted. A key is created only when
//! the database holds no secret yet.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use secrecy::SecretString;
use tracing::{info, warn};

use crate::secretbox::{self, SecretBox, SecretError};
use crate::store::StoreError;

/// Encrypted secrets in the database: cluster passwords and channels (whose URL is always
/// encrypted, "" for e-mail).
fn stored_secrets(conn: &Connection) -> Result<usize, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM clusters WHERE password LIKE 'v1:%')
              + (SELECT COUNT(*) FROM alert_channels)",
        [],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// One stored secret to try the key on: a cluster password, else a channel URL.
fn sample_secret(conn: &Connection) -> Result<Option<String>, StoreError> {
    let pw: Option<String> = conn
        .query_row(
            "SELECT password FROM clusters WHERE password LIKE 'v1:%' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if pw.is_some() {
        return Ok(pw);
    }
    Ok(conn
        .query_row(
            "SELECT url FROM alert_channels ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// The key of `database`'s secrets, checked: refused when secrets are stored and the key file is
/// missing ([`SecretError::KeyMissing`]) or does not open one of them ([`SecretError::WrongKey`]);
/// created only when nothing is stored yet. A key readable by group or others is logged.
pub(super) fn open_key(conn: &Connection, database: &Path) -> Result<SecretBox, StoreError> {
    let key = secretbox::key_path(database);
    let Some(secrets) = SecretBox::load(&key)? else {
        let stored = stored_secrets(conn)?;
        if stored > 0 {
            return Err(SecretError::KeyMissing {
                key,
                database: database.to_path_buf(),
                stored,
            }
            .into());
        }
        return Ok(SecretBox::create(&key)?);
    };
    if let Some(mode) = secretbox::shared_mode(&key) {
        warn!(
            key = %key.display(),
            mode = format!("{mode:04o}"),
            "the key file of stored secrets is readable by other users: anyone who can read it \
             and the database can read every cluster password; run chmod 600 on it"
        );
    }
    if let Some(sample) = sample_secret(conn)? {
        if secrets.decrypt(&sample).is_err() {
            return Err(SecretError::WrongKey {
                key,
                database: database.to_path_buf(),
            }
            .into());
        }
    }
    Ok(secrets)
}

/// What `starmon key reset` did.
#[derive(Debug, Default)]
pub struct KeyReset {
    /// Where the previous key file was moved (kept, never deleted).
    pub set_aside: Option<PathBuf>,
    /// Clusters whose password could not be read: now empty, to be entered again.
    pub passwords_cleared: Vec<String>,
    /// Channels whose URL or secrets could not be read: removed, to be created again.
    pub channels_removed: Vec<String>,
    /// Secrets the previous key still opened, encrypted again under the new key.
    pub kept: usize,
}

/// Replaces the key of `database`'s secrets with a new one. What the previous key (if any)
/// still opens is kept; cluster passwords it cannot open become empty (collections then fail
/// to log in, visibly, until the password is entered again) and channels it cannot open are
/// removed. The previous key file is moved aside, not deleted.
pub fn reset_key(database: &Path) -> Result<KeyReset, StoreError> {
    if !database.exists() {
        return Err(StoreError::NotFound(format!(
            "database {}",
            database.display()
        )));
    }
    let mut conn = Connection::open(database)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    super::migrate::migrate(&mut conn)?;
    let key = secretbox::key_path(database);
    let mut report = KeyReset::default();
    // An unreadable or malformed old key opens nothing; it is still set aside below.
    let old = SecretBox::load(&key).ok().flatten();
    if key.exists() {
        let mut aside = key.as_os_str().to_owned();
        aside.push(format!(".replaced-{}", chrono::Utc::now().timestamp()));
        let aside = PathBuf::from(aside);
        std::fs::rename(&key, &aside)?;
        report.set_aside = Some(aside);
    }
    let new = SecretBox::create(&key)?;
    let reopen = |v: &str| old.as_ref().and_then(|o| o.decrypt(v).ok());
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let clusters: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, name, password FROM clusters WHERE password LIKE 'v1:%'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, name, sealed) in clusters {
        let clear = match reopen(&sealed) {
            Some(p) => {
                report.kept += 1;
                p
            }
            None => {
                report.passwords_cleared.push(name);
                SecretString::from(String::new())
            }
        };
        tx.execute(
            "UPDATE clusters SET password = ?1 WHERE id = ?2",
            params![new.encrypt(&clear)?, id],
        )?;
    }
    type Row = (i64, String, String, Option<String>, Option<String>);
    let channels: Vec<Row> = tx
        .prepare("SELECT id, name, url, secret, settings FROM alert_channels")?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, name, url, secret, settings) in channels {
        let url = reopen(&url);
        let secret = secret.map(|s| reopen(&s));
        let settings = settings.map(|s| reopen(&s));
        let readable = url.is_some()
            && secret.as_ref().is_none_or(Option::is_some)
            && settings.as_ref().is_none_or(Option::is_some);
        if !readable {
            tx.execute("DELETE FROM alert_channels WHERE id = ?1", [id])?;
            report.channels_removed.push(name);
            continue;
        }
        let seal = |v: Option<SecretString>| v.map(|v| new.encrypt(&v)).transpose();
        tx.execute(
            "UPDATE alert_channels SET url = ?1, secret = ?2, settings = ?3 WHERE id = ?4",
            params![
                seal(url)?,
                seal(secret.flatten())?,
                seal(settings.flatten())?,
                id
            ],
        )?;
        report.kept += 1;
    }
    tx.commit()?;
    info!(
        key = %key.display(),
        kept = report.kept,
        cleared = report.passwords_cleared.len(),
        removed = report.channels_removed.len(),
        "key of stored secrets replaced"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClusterUpdate, NewCluster};
    use crate::store::alerts::{AlertStore, StoredChannel};
    use crate::store::sqlite::SqliteStore;
    use crate::store::Store;
    use secrecy::ExposeSecret;

    fn add(store: &SqliteStore, name: &str) -> i64 {
        store
            .add_cluster(&NewCluster {
                name: name.into(),
                fe_host: "127.0.0.1".into(),
                fe_query_port: 9030,
                fe_http_port: 8030,
                user: "root".into(),
                password: SecretString::from("s3cret"),
            })
            .expect("add")
            .id
    }

    fn refusal(path: &Path) -> String {
        match SqliteStore::open(path) {
            Err(e @ StoreError::Secret(_)) => e.to_string(),
            Err(other) => panic!("expected a key refusal, got {other}"),
            Ok(_) => panic!("opened"),
        }
    }

    #[test]
    fn a_missing_key_with_stored_passwords_is_refused_not_recreated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        add(&SqliteStore::open(&path).expect("open"), "prod");
        let key = secretbox::key_path(&path);
        std::fs::remove_file(&key).expect("remove key");
        let msg = refusal(&path);
        assert!(msg.contains("is missing"), "{msg}");
        assert!(msg.contains("starmon key reset"), "{msg}");
        assert!(!key.exists(), "no new key was created");
    }

    #[test]
    fn a_replaced_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let store = SqliteStore::open(&path).expect("open");
        store
            .add_channel(&StoredChannel {
                id: 0,
                name: "ops".into(),
                kind: "slack".into(),
                url: SecretString::from("http://127.0.0.1:9/hook".to_string()),
                secret: None,
                settings: None,
                min_severity: crate::model::alerts::Severity::Warning,
                enabled: true,
                created_at: 0,
            })
            .expect("channel");
        drop(store);
        let key = secretbox::key_path(&path);
        std::fs::write(&key, [9u8; secretbox::KEY_LEN]).expect("replace key");
        let msg = refusal(&path);
        assert!(msg.contains("does not open"), "{msg}");
    }

    #[test]
    fn a_key_is_created_only_while_nothing_is_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        drop(SqliteStore::open(&path).expect("open"));
        std::fs::remove_file(secretbox::key_path(&path)).expect("remove key");
        SqliteStore::open(&path).expect("nothing stored: a new key is fine");
        assert!(secretbox::key_path(&path).exists());
    }

    #[test]
    fn reset_clears_what_the_lost_key_sealed_and_the_store_opens_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let id = add(&SqliteStore::open(&path).expect("open"), "prod");
        std::fs::write(secretbox::key_path(&path), [9u8; secretbox::KEY_LEN]).expect("replace");
        let report = reset_key(&path).expect("reset");
        assert_eq!(report.passwords_cleared, vec!["prod".to_string()]);
        let aside = report.set_aside.expect("old key kept");
        assert_eq!(std::fs::read(aside).expect("aside"), vec![9u8; 32]);
        let store = SqliteStore::open(&path).expect("opens after the reset");
        let pw = store.cluster_password(id).expect("readable").expect("some");
        assert_eq!(pw.expose_secret(), "", "to be entered again");
        store
            .update_cluster(
                id,
                &ClusterUpdate {
                    password: Some(SecretString::from("fresh")),
                    ..ClusterUpdate::default()
                },
            )
            .expect("update")
            .expect("found");
        let pw = store.cluster_password(id).expect("readable").expect("some");
        assert_eq!(pw.expose_secret(), "fresh");
    }

    #[test]
    fn reset_keeps_what_the_old_key_still_opens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let id = add(&SqliteStore::open(&path).expect("open"), "prod");
        let report = reset_key(&path).expect("reset");
        assert_eq!(report.kept, 1);
        assert!(report.passwords_cleared.is_empty());
        let store = SqliteStore::open(&path).expect("open");
        let pw = store.cluster_password(id).expect("readable").expect("some");
        assert_eq!(pw.expose_secret(), "s3cret");
    }
}
