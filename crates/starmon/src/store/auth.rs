//! Who may use the API, as stored: users (argon2id hashes), API tokens and login sessions, and
//! the [`AuthStore`] trait over them. Tokens and sessions are looked up by the SHA-256 digest of
//! the secret the client presents; the secret itself is never stored. Hashing, token generation
//! and policy are in [`crate::auth`]; the SQL is in [`super::sqlite`].

use serde::Serialize;

use super::StoreError;

/// SHA-256 of a token or session secret.
pub type Digest = [u8; 32];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub username: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// An API token as listed: never the token itself, which only its creator saw once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub trait AuthStore: Send + Sync + 'static {
    /// [`StoreError::Conflict`] when the name is taken.
    fn add_user(&self, username: &str, password_hash: &str) -> Result<UserRecord, StoreError>;
    /// Ordered by name.
    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;
    fn user_count(&self) -> Result<u64, StoreError>;
    /// The stored PHC hash of `username`'s password.
    fn password_hash(&self, username: &str) -> Result<Option<String>, StoreError>;
    /// Removes the user with their sessions and tokens. Ok(false) if there was none.
    fn remove_user(&self, username: &str) -> Result<bool, StoreError>;

    /// Stores a session of `username` until `expires_at` (unix ms), dropping expired ones.
    /// [`StoreError::NotFound`] for an unknown user.
    fn create_session(
        &self,
        digest: &Digest,
        username: &str,
        now_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// The user of a session that has not expired at `now_ms`.
    fn session_user(&self, digest: &Digest, now_ms: i64) -> Result<Option<String>, StoreError>;
    /// Ok(false) if there was no such session.
    fn delete_session(&self, digest: &Digest) -> Result<bool, StoreError>;

    /// [`StoreError::NotFound`] for an unknown user.
    fn add_token(
        &self,
        name: &str,
        username: &str,
        digest: &Digest,
        now_ms: i64,
    ) -> Result<TokenRecord, StoreError>;
    /// All tokens, or those of one user, oldest first.
    fn list_tokens(&self, username: Option<&str>) -> Result<Vec<TokenRecord>, StoreError>;
    /// The user of a token that is not revoked, noting when it was used.
    fn token_user(&self, digest: &Digest, now_ms: i64) -> Result<Option<String>, StoreError>;
    /// Revokes token `id` (only if it belongs to `username`, when given). Ok(false) if there was
    /// no such live token.
    fn revoke_token(
        &self,
        id: i64,
        username: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}
