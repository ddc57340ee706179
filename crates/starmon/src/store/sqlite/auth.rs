//! The SQL of users, login sessions and API tokens (stored by the digest of their secret).

use rusqlite::{params, OptionalExtension};

use super::{conflict_on_duplicate, SqliteStore};
use crate::store::auth::{AuthStore, Digest, TokenRecord, UserRecord};
use crate::store::StoreError;

/// A token's `last_used_at` is rewritten at most this often, so that a script polling the API
/// does not turn every read into a write.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

fn user_id(conn: &rusqlite::Connection, username: &str) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT id FROM users WHERE username = ?1")?
        .query_row([username], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no user named {username:?}")))
}

const TOKEN_COLUMNS: &str = "t.id, t.name, u.username, t.created_at, t.last_used_at, t.revoked_at";

fn decode_token(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        username: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

impl AuthStore for SqliteStore {
    fn add_user(&self, username: &str, password_hash: &str) -> Result<UserRecord, StoreError> {
        let created_at = chrono::Utc::now().timestamp_millis();
        self.conn()
            .prepare_cached(
                "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![username, password_hash, created_at])
            .map_err(|e| {
                conflict_on_duplicate(e, || format!("a user named {username:?} already exists"))
            })?;
        Ok(UserRecord {
            username: username.to_string(),
            created_at,
        })
    }

    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT username, created_at FROM users ORDER BY username")?;
        let users = stmt
            .query_map([], |r| {
                Ok(UserRecord {
                    username: r.get(0)?,
                    created_at: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(users)
    }

    fn user_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .prepare_cached("SELECT COUNT(*) FROM users")?
            .query_row([], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn password_hash(&self, username: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT password_hash FROM users WHERE username = ?1")?
            .query_row([username], |r| r.get(0))
            .optional()?)
    }

    fn remove_user(&self, username: &str) -> Result<bool, StoreError> {
        // Sessions and tokens go with the user through ON DELETE CASCADE.
        let n = self
            .conn()
            .prepare_cached("DELETE FROM users WHERE username = ?1")?
            .execute([username])?;
        Ok(n > 0)
    }

    fn create_session(
        &self,
        digest: &Digest,
        username: &str,
        now_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let uid = user_id(&tx, username)?;
        tx.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")?
            .execute([now_ms])?;
        tx.prepare_cached(
            "INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![&digest[..], uid, now_ms, expires_at])?;
        tx.commit()?;
        Ok(())
    }

    fn session_user(&self, digest: &Digest, now_ms: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.digest = ?1 AND s.expires_at > ?2",
            )?
            .query_row(params![&digest[..], now_ms], |r| r.get(0))
            .optional()?)
    }

    fn delete_session(&self, digest: &Digest) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .prepare_cached("DELETE FROM sessions WHERE digest = ?1")?
            .execute([&digest[..]])?;
        Ok(n > 0)
    }

    fn add_token(
        &self,
        name: &str,
        username: &str,
        digest: &Digest,
        now_ms: i64,
    ) -> Result<TokenRecord, StoreError> {
        let conn = self.conn();
        let uid = user_id(&conn, username)?;
        conn.prepare_cached(
            "INSERT INTO api_tokens (name, user_id, digest, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![name, uid, &digest[..], now_ms])?;
        Ok(TokenRecord {
            id: conn.last_insert_rowid(),
            name: name.to_string(),
            username: username.to_string(),
            created_at: now_ms,
            last_used_at: None,
            revoked_at: None,
        })
    }

    fn list_tokens(&self, username: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE ?1 IS NULL OR u.username = ?1 ORDER BY t.id"
        ))?;
        let tokens = stmt
            .query_map([username], decode_token)?
            .collect::<Result<_, _>>()?;
        Ok(tokens)
    }

    fn token_user(&self, digest: &Digest, now_ms: i64) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        let found: Option<(i64, String)> = conn
            .prepare_cached(
                "SELECT t.id, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.digest = ?1 AND t.revoked_at IS NULL",
            )?
            .query_row([&digest[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((id, username)) = found else {
            return Ok(None);
        };
        conn.prepare_cached(
            "UPDATE api_tokens SET last_used_at = ?1
             WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?1 - ?3)",
        )?
        .execute(params![now_ms, id, LAST_USED_RESOLUTION_MS])?;
        Ok(Some(username))
    }

    fn revoke_token(
        &self,
        id: i64,
        username: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .prepare_cached(
                "UPDATE api_tokens SET revoked_at = ?1
                 WHERE id = ?2 AND revoked_at IS NULL
                   AND (?3 IS NULL OR user_id = (SELECT id FROM users WHERE username = ?3))",
            )?
            .execute(params![now_ms, id, username])?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("starmon.db")).expect("open");
        (dir, store)
    }

    #[test]
    fn users_are_unique_listed_and_counted() {
        let (_dir, s) = open();
        assert_eq!(s.user_count().expect("count"), 0);
        s.add_user("bob", "$argon2id$x").expect("add");
        s.add_user("alice", "$argon2id$y").expect("add");
        assert!(matches!(
            s.add_user("bob", "z"),
            Err(StoreError::Conflict(m)) if m.contains("bob")
        ));
        let names: Vec<String> = s
            .list_users()
            .expect("list")
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["alice", "bob"]);
        assert_eq!(s.user_count().expect("count"), 2);
        assert_eq!(
            s.password_hash("bob").expect("hash").as_deref(),
            Some("$argon2id$x")
        );
        assert_eq!(s.password_hash("carol").expect("hash"), None);
    }

    #[test]
    fn sessions_expire_and_are_deleted() {
        let (_dir, s) = open();
        s.add_user("bob", "h").expect("add");
        let d = [1u8; 32];
        s.create_session(&d, "bob", 1_000, 2_000).expect("session");
        assert_eq!(
            s.session_user(&d, 1_999).expect("lookup").as_deref(),
            Some("bob")
        );
        assert_eq!(s.session_user(&d, 2_000).expect("lookup"), None, "expired");
        assert_eq!(s.session_user(&[2u8; 32], 1_500).expect("lookup"), None);
        assert!(s.delete_session(&d).expect("delete"));
        assert_eq!(s.session_user(&d, 1_500).expect("lookup"), None);
        assert!(matches!(
            s.create_session(&d, "nobody", 0, 1),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn tokens_work_until_revoked_and_only_their_owner_revokes_them() {
        let (_dir, s) = open();
        s.add_user("bob", "h").expect("add");
        s.add_user("eve", "h").expect("add");
        let d = [3u8; 32];
        let t = s.add_token("ci", "bob", &d, 10).expect("token");
        assert_eq!(
            s.token_user(&d, 100_000).expect("lookup").as_deref(),
            Some("bob")
        );
        let listed = s.list_tokens(Some("bob")).expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].last_used_at, Some(100_000));
        assert!(s.list_tokens(Some("eve")).expect("list").is_empty());
        assert!(!s.revoke_token(t.id, Some("eve"), 5).expect("revoke"));
        assert!(s.revoke_token(t.id, Some("bob"), 5).expect("revoke"));
        assert!(!s.revoke_token(t.id, None, 6).expect("revoke"), "once");
        assert_eq!(s.token_user(&d, 200_000).expect("lookup"), None);
        assert_eq!(
            s.list_tokens(None).expect("list")[0].revoked_at,
            Some(5),
            "a revoked token is still listed"
        );
    }

    #[test]
    fn removing_a_user_removes_their_sessions_and_tokens() {
        let (_dir, s) = open();
        s.add_user("bob", "h").expect("add");
        s.create_session(&[1; 32], "bob", 0, i64::MAX)
            .expect("session");
        s.add_token("ci", "bob", &[2; 32], 0).expect("token");
        assert!(s.remove_user("bob").expect("remove"));
        assert!(!s.remove_user("bob").expect("remove"));
        assert_eq!(s.session_user(&[1; 32], 1).expect("lookup"), None);
        assert_eq!(s.token_user(&[2; 32], 1).expect("lookup"), None);
        let conn = s.conn();
        for table in ["sessions", "api_tokens"] {
            let n: i64 = conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .expect("count");
            assert_eq!(n, 0, "{table}");
        }
    }
}
