-- starmon schema, version 2: who may use the API and dashboard. Never edit once released.
--
-- Nothing here is a secret in itself: passwords are argon2id PHC strings, and API tokens and
-- session tokens are kept only as their SHA-256 digests, so a copy of the database lets nobody
-- log in. (Tokens are 32 random bytes: a fast digest is enough, unlike for passwords.)

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    -- argon2id, PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- Tokens for scripts. A revoked token is kept (revoked_at set) so that listings still say what
-- existed and when it stopped working.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest       BLOB    NOT NULL UNIQUE CHECK (length(digest) = 32),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Login sessions (the starmon_session cookie).
CREATE TABLE sessions (
    digest     BLOB    PRIMARY KEY CHECK (length(digest) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
