-- starmon schema, version 1. Never edit once released: add 0002_….sql instead.
--
-- Conventions (DESIGN.md "Storage"):
--   * instants are INTEGER unix milliseconds UTC;
--   * dates are TEXT 'YYYY-MM-DD' in the configured time zone (the rollup's day boundary);
--   * NULL means "could not be known", never 0 — so no measured column has a default;
--   * history tables are WITHOUT ROWID and clustered on (cluster_id, collected_at[, node_id[, path]]):
--     the primary key is the only index, which keeps a 30 s detail row near 250 bytes and makes
--     range reads, retention deletes and per-cluster cascades single b-tree ranges;
--   * STRICT, so a wrong type is an error at write time rather than a surprise at read time.

CREATE TABLE clusters (
    -- AUTOINCREMENT: an id is never reused, so a collector still holding the id of a removed
    -- cluster cannot write into a newly added one.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    fe_host       TEXT    NOT NULL,
    fe_query_port INTEGER NOT NULL CHECK (fe_query_port BETWEEN 0 AND 65535),
    fe_http_port  INTEGER NOT NULL CHECK (fe_http_port BETWEEN 0 AND 65535),
    user          TEXT    NOT NULL,
    -- Needed in clear to log in to the cluster; the database file is created mode 0600.
    password      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- One row per cluster per collection. Counter columns (*_total, query_success, …) hold the
-- increase during the interval ending at collected_at, not lifetime values.
CREATE TABLE metrics_snapshots (
    cluster_id                           INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    collected_at                         INTEGER NOT NULL,
    interval_secs                        REAL,

    query_total                          INTEGER,
    query_success                        INTEGER,
    query_error                          INTEGER,
    query_timeout                        INTEGER,
    query_latency_p50                    REAL,
    query_latency_p90                    REAL,
    query_latency_p95                    REAL,
    query_latency_p99                    REAL,
    qps                                  REAL,
    rps                                  REAL,

    disk_total_bytes                     INTEGER,
    disk_used_bytes                      INTEGER,
    disk_data_used_bytes                 INTEGER,
    disk_usage_pct                       REAL,
    max_disk_used_pct                    REAL,
    cpu_usage_pct                        REAL,
    mem_usage_pct                        REAL,

    be_node_total                        INTEGER,
    be_node_alive                        INTEGER,
    fe_node_total                        INTEGER,
    fe_node_alive                        INTEGER,
    cn_node_total                        INTEGER,
    cn_node_alive                        INTEGER,

    total_tablet_count                   INTEGER,
    total_database_count                 INTEGER,
    total_table_count                    INTEGER,
    total_data_bytes                     INTEGER,

    running_queries                      INTEGER,
    connections                          INTEGER,

    mv_refresh_running                   INTEGER,
    mv_refresh_success_total             INTEGER,
    mv_refresh_failed_total              INTEGER,

    txn_begin_total                      INTEGER,
    txn_success_total                    INTEGER,
    txn_failed_total                     INTEGER,
    load_finished_total                  INTEGER,
    routine_load_rows_total              INTEGER,

    max_compaction_score                 REAL,
    base_compaction_requests_total       INTEGER,
    base_compaction_failures_total       INTEGER,
    cumulative_compaction_requests_total INTEGER,
    cumulative_compaction_failures_total INTEGER,

    load_running                         INTEGER,
    routine_load_running                 INTEGER,
    routine_load_paused                  INTEGER,
    schema_change_running                INTEGER,

    PRIMARY KEY (cluster_id, collected_at)
) STRICT, WITHOUT ROWID;

-- One row per node per collection. Time before node_id: a collection appends its nodes next to
-- each other, and "every node at instant t" is one range.
CREATE TABLE node_samples (
    cluster_id               INTEGER NOT NULL,
    collected_at             INTEGER NOT NULL,
    node_id                  TEXT    NOT NULL,
    kind                     TEXT    CHECK (kind IN ('fe', 'be', 'cn')),
    host                     TEXT    NOT NULL,
    alive                    INTEGER CHECK (alive IN (0, 1)),
    role                     TEXT,

    cpu_usage_pct            REAL,
    mem_usage_pct            REAL,
    mem_used_bytes           INTEGER,
    disk_total_bytes         INTEGER,
    disk_used_bytes          INTEGER,
    disk_data_used_bytes     INTEGER,
    max_disk_used_pct        REAL,
    tablets                  INTEGER,
    compaction_score         REAL,
    running_queries          INTEGER,
    net_rx_bytes_per_sec     REAL,
    net_tx_bytes_per_sec     REAL,
    disk_read_bytes_per_sec  REAL,
    disk_write_bytes_per_sec REAL,

    qps                      REAL,
    connections              INTEGER,
    jvm_heap_used_pct        REAL,
    query_latency_p99        REAL,
    replayed_journal_id      INTEGER,

    PRIMARY KEY (cluster_id, collected_at, node_id),
    -- A node sample belongs to a snapshot; removing the snapshot (or the cluster) removes it.
    FOREIGN KEY (cluster_id, collected_at)
        REFERENCES metrics_snapshots (cluster_id, collected_at) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- One row per BE data path per collection (path '*' = SHOW BACKENDS totals when the BE's
-- /metrics failed). Exact bytes; used = total_bytes - avail_bytes.
CREATE TABLE node_disks (
    cluster_id      INTEGER NOT NULL,
    collected_at    INTEGER NOT NULL,
    node_id         TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    total_bytes     INTEGER NOT NULL,
    avail_bytes     INTEGER NOT NULL,
    data_used_bytes INTEGER,

    PRIMARY KEY (cluster_id, collected_at, node_id, path),
    FOREIGN KEY (cluster_id, collected_at, node_id)
        REFERENCES node_samples (cluster_id, collected_at, node_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- How each collection went: the dashboard tells "no data" from "could not ask" with it.
CREATE TABLE collection_status (
    cluster_id   INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    collected_at INTEGER NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('ok', 'partial', 'failed')),
    duration_ms  INTEGER NOT NULL,
    -- JSON array of {"source": …, "error": …}; '[]' when every source answered.
    errors       TEXT    NOT NULL,

    PRIMARY KEY (cluster_id, collected_at)
) STRICT, WITHOUT ROWID;

-- One row per cluster per complete local day that had detail rows (the specification's table,
-- with NULL for unknown instead of 0, plus max_disk_used_pct and the sample count).
CREATE TABLE daily_snapshots (
    cluster_id              INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    snapshot_date           TEXT    NOT NULL,

    -- Last non-null value of the day.
    total_data_bytes        INTEGER,
    total_tablet_count      INTEGER,
    total_table_count       INTEGER,
    total_database_count    INTEGER,

    -- This day's value minus the previous day's; NULL when either is unknown.
    daily_data_growth_bytes INTEGER,
    daily_tablet_growth     INTEGER,

    -- Sums of the day's interval increases.
    daily_query_total       INTEGER,
    daily_query_success     INTEGER,
    daily_query_error       INTEGER,

    -- avg_qps is time-weighted (sum of queries / sum of seconds); the others average the
    -- non-null samples.
    avg_qps                 REAL,
    avg_p95_latency         REAL,
    avg_disk_usage_pct      REAL,
    avg_cpu_usage_pct       REAL,
    max_disk_used_pct       REAL,

    samples                 INTEGER NOT NULL,
    created_at              INTEGER NOT NULL,

    PRIMARY KEY (cluster_id, snapshot_date)
) STRICT, WITHOUT ROWID;

-- Per node, per data path, per local day: the day's maximum used bytes and total bytes, the
-- series the capacity forecast fits (DESIGN.md "Capacity forecast"). Written with the day's
-- daily_snapshots row and kept as long.
CREATE TABLE node_disk_daily (
    cluster_id     INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    snapshot_date  TEXT    NOT NULL,
    node_id        TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    max_used_bytes INTEGER NOT NULL,
    total_bytes    INTEGER NOT NULL,

    PRIMARY KEY (cluster_id, snapshot_date, node_id, path)
) STRICT, WITHOUT ROWID;
