-- starmon schema, version 3: alerts. Never edit once released.

-- Settings of a rule changed over the API: they win over the configuration file. Built-in rules
-- are named by their id; user rules live in alert_user_rules and are named "user:<id>".
CREATE TABLE alert_rule_settings (
    rule_id    TEXT    PRIMARY KEY,
    enabled    INTEGER CHECK (enabled IN (0, 1)),
    threshold  REAL,
    for_secs   INTEGER CHECK (for_secs >= 0),
    severity   TEXT    CHECK (severity IN ('info', 'warning', 'critical')),
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- A threshold on any stored metric, of a cluster or of each of its nodes.
CREATE TABLE alert_user_rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    -- NULL: every cluster.
    cluster_id INTEGER REFERENCES clusters (id) ON DELETE CASCADE,
    scope      TEXT    NOT NULL CHECK (scope IN ('cluster', 'node')),
    metric     TEXT    NOT NULL,
    op         TEXT    NOT NULL CHECK (op IN ('>', '>=', '<', '<=')),
    threshold  REAL    NOT NULL,
    for_secs   INTEGER NOT NULL CHECK (for_secs >= 0),
    severity   TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;

-- Alerts pending or firing now: one row per rule, cluster and subject (a node, a data path, or
-- '' for the cluster), which is the deduplication.
CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id    TEXT    NOT NULL,
    cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    subject    TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'firing')),
    severity   TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    value      REAL,
    threshold  REAL,
    summary    TEXT    NOT NULL,
    -- When the condition started to hold, and when the alert fired.
    since      INTEGER NOT NULL,
    fired_at   INTEGER,
    acked_by   TEXT,
    acked_at   INTEGER,
    updated_at INTEGER NOT NULL,
    UNIQUE (rule_id, cluster_id, subject)
) STRICT;

-- Every transition (pending, firing, resolved, acknowledged), kept as long as the detail data.
CREATE TABLE alert_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id   INTEGER NOT NULL,
    rule_id    TEXT    NOT NULL,
    cluster_id INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    subject    TEXT    NOT NULL,
    event      TEXT    NOT NULL CHECK (event IN ('pending', 'firing', 'resolved', 'acknowledged')),
    severity   TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    value      REAL,
    summary    TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    -- firing/resolved: whether channels were told (0 when silenced or no channel matched).
    notified   INTEGER NOT NULL CHECK (notified IN (0, 1)),
    detail     TEXT
) STRICT;

CREATE INDEX alert_events_at ON alert_events (at);
CREATE INDEX alert_events_cluster ON alert_events (cluster_id, at);

-- Silences: matching alerts still change state, but nobody is notified until ends_at.
CREATE TABLE alert_silences (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL matches any.
    cluster_id INTEGER REFERENCES clusters (id) ON DELETE CASCADE,
    rule_id    TEXT,
    subject    TEXT,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    comment    TEXT    NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
) STRICT;

-- Where notifications go. url and secret are encrypted like cluster passwords (they carry
-- access tokens); settings is JSON (e-mail server and recipients, with its password encrypted).
CREATE TABLE alert_channels (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL CHECK (kind IN ('webhook', 'slack', 'dingtalk', 'feishu', 'wecom', 'email')),
    url          TEXT    NOT NULL,
    secret       TEXT,
    settings     TEXT,
    min_severity TEXT    NOT NULL CHECK (min_severity IN ('info', 'warning', 'critical')),
    enabled      INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at   INTEGER NOT NULL
) STRICT;
