//! Tests of the SQLite store: opening and migrations, clusters, history, rollup, retention.

use super::columns::SNAPSHOT_COLUMNS;
use super::migrate::MIGRATIONS;
use super::rollup::write_day_if_missing;
use super::*;
use crate::model::{DiskPath, NodeKind, Outcome, SourceError};
use crate::secretbox::{self, SecretBox};
use chrono::{TimeZone, Utc};
use rusqlite::params;
use rusqlite::types::ValueRef;
use secrecy::ExposeSecret;
use tempfile::TempDir;

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

fn open() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("starmon.db")).expect("open");
    (dir, store)
}

fn new_cluster(name: &str) -> NewCluster {
    NewCluster {
        name: name.into(),
        fe_host: "10.0.0.1".into(),
        fe_query_port: 9030,
        fe_http_port: 8030,
        user: "monitor".into(),
        password: SecretString::from("s3cret"),
    }
}

fn add(store: &SqliteStore, name: &str) -> i64 {
    store
        .add_cluster(&new_cluster(name))
        .expect("add_cluster")
        .id
}

/// Unix milliseconds of a UTC wall-clock time.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("a valid UTC time")
        .timestamp_millis()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("from_ymd_opt")
}

fn ok_status(at: i64) -> CollectionStatus {
    CollectionStatus {
        collected_at: at,
        outcome: Outcome::Ok,
        duration_ms: 120,
        errors: vec![],
    }
}

fn snap(at: i64) -> Snapshot {
    Snapshot {
        collected_at: at,
        ..Snapshot::default()
    }
}

/// Writes a snapshot without nodes and an ok status.
fn write(store: &SqliteStore, cluster: i64, s: &Snapshot) {
    store
        .write_collection(cluster, s, &[], &ok_status(s.collected_at))
        .expect("write_collection");
}

/// Every field set, each to a different value, so a swapped column cannot go unnoticed.
fn full_snapshot(at: i64) -> Snapshot {
    Snapshot {
        collected_at: at,
        interval_secs: Some(30.25),
        query_total: Some(1),
        query_success: Some(2),
        query_error: Some(3),
        query_timeout: Some(4),
        query_latency_p50: Some(5.5),
        query_latency_p90: Some(6.5),
        query_latency_p95: Some(7.5),
        query_latency_p99: Some(8.5),
        qps: Some(9.5),
        rps: Some(10.5),
        disk_total_bytes: Some(11_000_000_000_000),
        disk_used_bytes: Some(12),
        disk_data_used_bytes: Some(13),
        disk_usage_pct: Some(14.5),
        max_disk_used_pct: Some(15.5),
        cpu_usage_pct: Some(16.5),
        mem_usage_pct: Some(17.5),
        be_node_total: Some(18),
        be_node_alive: Some(19),
        fe_node_total: Some(20),
        fe_node_alive: Some(21),
        cn_node_total: Some(22),
        cn_node_alive: Some(23),
        total_tablet_count: Some(24),
        total_database_count: Some(25),
        total_table_count: Some(26),
        total_data_bytes: Some(27),
        running_queries: Some(28),
        connections: Some(29),
        mv_refresh_running: Some(30),
        mv_refresh_success_total: Some(31),
        mv_refresh_failed_total: Some(32),
        txn_begin_total: Some(33),
        txn_success_total: Some(34),
        txn_failed_total: Some(35),
        load_finished_total: Some(36),
        routine_load_rows_total: Some(-37),
        max_compaction_score: Some(38.5),
        base_compaction_requests_total: Some(39),
        base_compaction_failures_total: Some(40),
        cumulative_compaction_requests_total: Some(41),
        cumulative_compaction_failures_total: Some(42),
        load_running: Some(43),
        routine_load_running: Some(44),
        routine_load_paused: Some(45),
        schema_change_running: Some(46),
    }
}

fn full_node(id: &str) -> NodeSample {
    NodeSample {
        node_id: id.into(),
        kind: Some(NodeKind::Be),
        host: "10.0.0.3".into(),
        alive: Some(true),
        role: Some("FOLLOWER".into()),
        cpu_usage_pct: Some(1.5),
        mem_usage_pct: Some(2.5),
        mem_used_bytes: Some(3),
        disk_total_bytes: Some(4),
        disk_used_bytes: Some(5),
        disk_data_used_bytes: Some(6),
        max_disk_used_pct: Some(7.5),
        tablets: Some(8),
        compaction_score: Some(9.5),
        running_queries: Some(10),
        net_rx_bytes_per_sec: Some(11.5),
        net_tx_bytes_per_sec: Some(12.5),
        disk_read_bytes_per_sec: Some(13.5),
        disk_write_bytes_per_sec: Some(14.5),
        qps: Some(15.5),
        connections: Some(16),
        jvm_heap_used_pct: Some(17.5),
        query_latency_p99: Some(18.5),
        replayed_journal_id: Some(19),
        disks: vec![
            DiskPath {
                path: "/data1".into(),
                total_bytes: 1_000,
                avail_bytes: 400,
                data_used_bytes: Some(550),
            },
            DiskPath {
                path: "/data2".into(),
                total_bytes: 2_000,
                avail_bytes: 1_500,
                data_used_bytes: None,
            },
        ],
    }
}

fn bare_node(id: &str) -> NodeSample {
    NodeSample {
        node_id: id.into(),
        host: "10.0.0.9".into(),
        ..NodeSample::default()
    }
}

fn disk(path: &str, total: i64, avail: i64) -> DiskPath {
    DiskPath {
        path: path.into(),
        total_bytes: total,
        avail_bytes: avail,
        data_used_bytes: None,
    }
}

fn count(store: &SqliteStore, table: &str, cluster: i64) -> i64 {
    store
        .conn()
        .query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE cluster_id = ?1"),
            [cluster],
            |r| r.get(0),
        )
        .expect("query_row")
}

const HISTORY_TABLES: [&str; 6] = [
    "metrics_snapshots",
    "node_samples",
    "node_disks",
    "collection_status",
    "daily_snapshots",
    "node_disk_daily",
];

// --- opening and migrations ---------------------------------------------------------------

#[test]
fn open_creates_directories_and_an_owner_only_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a/b/starmon.db");
    let store = SqliteStore::open(&path).expect("open");
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let conn = store.conn();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("query_row");
    assert_eq!(mode, "wal");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .expect("query_row");
    assert_eq!(fk, 1);
    // synchronous NORMAL is 1.
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("query_row");
    assert_eq!(sync, 1);
}

#[test]
fn reopening_applies_nothing_twice_and_keeps_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starmon.db");
    let id = {
        let store = SqliteStore::open(&path).expect("open");
        let id = add(&store, "prod");
        store
            .write_collection(
                id,
                &full_snapshot(1_000),
                &[full_node("10001")],
                &ok_status(1_000),
            )
            .expect("write_collection");
        id
    };
    for _ in 0..2 {
        let store = SqliteStore::open(&path).expect("open");
        let versions: Vec<i64> = store
            .conn()
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query_map")
            .collect::<Result<_, _>>()
            .expect("rows");
        // Every migration applied, each once.
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(versions, all);
        assert_eq!(versions, (1..=all.len() as i64).collect::<Vec<_>>());
        assert_eq!(store.list_clusters().expect("list_clusters").len(), 1);
        assert_eq!(
            store.latest_snapshot(id).expect("latest_snapshot"),
            Some(full_snapshot(1_000))
        );
        let nodes = store
            .node_samples(id, "10001", 0, 2_000)
            .expect("node_samples");
        assert_eq!(nodes, vec![(1_000, full_node("10001"))]);
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starmon.db");
    drop(SqliteStore::open(&path).expect("open"));
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
            [],
        )
        .expect("execute");
    }
    match SqliteStore::open(&path) {
        Err(StoreError::Migration(msg)) => {
            assert!(msg.contains("version 99"), "{msg}");
            assert!(msg.contains("newer"), "{msg}");
        }
        Err(other) => panic!("expected a migration error, got {other}"),
        Ok(_) => panic!("opened a database from the future"),
    }
}

#[test]
fn a_foreign_database_is_not_migrated_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.db");
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE clusters (x TEXT)")
            .expect("execute_batch");
    }
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Migration(_))
    ));
}

// --- clusters -----------------------------------------------------------------------------

#[test]
fn clusters_are_added_listed_and_found() {
    let (_dir, store) = open();
    let before = now_ms();
    let b = store.add_cluster(&new_cluster("b")).expect("add_cluster");
    let a = store.add_cluster(&new_cluster("a")).expect("add_cluster");
    assert_ne!(a.id, b.id);
    assert!(b.created_at >= before);
    assert_eq!(b.fe_query_port, 9030);
    assert_eq!(b.fe_http_port, 8030);
    assert_eq!(b.user, "monitor");
    // Listed by name.
    assert_eq!(
        store.list_clusters().expect("list_clusters"),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        store.cluster_by_name("a").expect("cluster_by_name"),
        Some(a.clone())
    );
    assert_eq!(store.cluster_by_name("c").expect("cluster_by_name"), None);
    let pw = store
        .cluster_password(a.id)
        .expect("cluster_password")
        .expect("a password");
    assert_eq!(pw.expose_secret(), "s3cret");
    assert!(store
        .cluster_password(a.id + 100)
        .expect("cluster_password")
        .is_none());
}

fn raw_passwords(store: &SqliteStore) -> Vec<String> {
    store
        .conn()
        .prepare("SELECT password FROM clusters ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query_map")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn passwords_are_stored_encrypted() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let raw = raw_passwords(&store);
    assert_eq!(raw.len(), 1);
    assert!(raw[0].starts_with("v1:"), "{}", raw[0]);
    assert!(!raw[0].contains("s3cret"));
    let pw = store.cluster_password(id).expect("decrypts").expect("some");
    assert_eq!(pw.expose_secret(), "s3cret");
}

#[test]
fn clear_text_passwords_of_an_older_starmon_are_encrypted_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starmon.db");
    let (a, b) = {
        let store = SqliteStore::open(&path).expect("open");
        let (a, b) = (add(&store, "a"), add(&store, "b"));
        // As written before encryption existed.
        store
            .conn()
            .execute("UPDATE clusters SET password = 'legacy-' || name", [])
            .expect("update");
        (a, b)
    };
    let store = SqliteStore::open(&path).expect("reopen");
    for raw in raw_passwords(&store) {
        assert!(raw.starts_with("v1:") && !raw.contains("legacy"), "{raw}");
    }
    let pw = |id| {
        store
            .cluster_password(id)
            .expect("decrypts")
            .expect("some")
            .expose_secret()
            .to_string()
    };
    assert_eq!(pw(a), "legacy-a");
    assert_eq!(pw(b), "legacy-b");
}

#[test]
fn a_password_sealed_by_another_key_is_a_typed_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starmon.db");
    let store = SqliteStore::open(&path).expect("open");
    let id = add(&store, "prod");
    // As if written by another starmon with its own key: the start-up check passed.
    let foreign = SecretBox::from_key(&[9; secretbox::KEY_LEN])
        .encrypt(&SecretString::from("x"))
        .expect("encrypt");
    store
        .conn()
        .execute(
            "UPDATE clusters SET password = ?1 WHERE id = ?2",
            params![foreign, id],
        )
        .expect("update");
    match store.cluster_password(id) {
        Err(e @ StoreError::Secret(secretbox::SecretError::Unreadable { .. })) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("password of cluster {id}")), "{msg}");
            assert!(msg.contains("another key"), "{msg}");
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
    // The clusters themselves are still listed, and a new password can be entered.
    assert_eq!(store.list_clusters().expect("list").len(), 1);
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
    let pw = store.cluster_password(id).expect("decrypts").expect("some");
    assert_eq!(pw.expose_secret(), "fresh");
}

#[test]
fn a_bad_key_file_refuses_to_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starmon.db");
    std::fs::write(secretbox::key_path(&path), b"short").expect("write");
    match SqliteStore::open(&path) {
        Err(e @ StoreError::Secret(_)) => assert!(e.to_string().contains("expected 32"), "{e}"),
        Err(other) => panic!("expected a key error, got {other}"),
        Ok(_) => panic!("opened with a 5-byte key file"),
    }
}

#[test]
fn update_changes_only_the_given_fields() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    add(&store, "taken");
    let before = store.cluster_by_id(id).expect("get").expect("found");
    let after = store
        .update_cluster(
            id,
            &ClusterUpdate {
                fe_host: Some("10.0.0.9".into()),
                fe_http_port: Some(18030),
                password: Some(SecretString::from("n3w-pass")),
                ..ClusterUpdate::default()
            },
        )
        .expect("update")
        .expect("found");
    assert_eq!(
        after,
        ClusterRecord {
            fe_host: "10.0.0.9".into(),
            fe_http_port: 18030,
            ..before.clone()
        }
    );
    let pw = store.cluster_password(id).expect("decrypts").expect("some");
    assert_eq!(pw.expose_secret(), "n3w-pass");
    let raw = raw_passwords(&store);
    assert!(raw
        .iter()
        .all(|r| r.starts_with("v1:") && !r.contains("n3w-pass")));
    // Renaming onto a taken name is a conflict and changes nothing.
    let clash = ClusterUpdate {
        name: Some("taken".into()),
        user: Some("other".into()),
        ..ClusterUpdate::default()
    };
    assert!(matches!(
        store.update_cluster(id, &clash),
        Err(StoreError::Conflict(m)) if m.contains("taken")
    ));
    assert_eq!(
        store.cluster_by_id(id).expect("get").expect("found").user,
        "monitor"
    );
    assert_eq!(
        store
            .update_cluster(id + 100, &ClusterUpdate::default())
            .expect("update"),
        None
    );
}

#[test]
fn a_duplicate_name_is_a_conflict() {
    let (_dir, store) = open();
    add(&store, "prod");
    match store.add_cluster(&new_cluster("prod")) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("prod"), "{msg}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(store.list_clusters().expect("list_clusters").len(), 1);
}

#[test]
fn ids_of_removed_clusters_are_not_reused() {
    let (_dir, store) = open();
    let first = add(&store, "a");
    assert!(store.remove_cluster("a").expect("remove_cluster"));
    let second = add(&store, "a");
    assert!(second > first);
}

#[test]
fn removing_a_cluster_removes_its_history_only() {
    let (_dir, store) = open();
    let gone = add(&store, "gone");
    let kept = add(&store, "kept");
    let day = utc(2026, 3, 1, 12, 0, 0);
    for id in [gone, kept] {
        store
            .write_collection(
                id,
                &full_snapshot(day),
                &[full_node("10001")],
                &ok_status(day),
            )
            .expect("write_collection");
    }
    assert_eq!(
        store
            .rollup_daily(Tz::UTC, utc(2026, 3, 2, 1, 0, 0))
            .expect("rollup_daily")
            .days_written,
        2
    );
    for table in HISTORY_TABLES {
        assert!(count(&store, table, gone) > 0, "{table} was not filled");
    }

    assert!(store.remove_cluster("gone").expect("remove_cluster"));
    assert!(!store.remove_cluster("gone").expect("remove_cluster"));
    assert_eq!(
        store.cluster_by_name("gone").expect("cluster_by_name"),
        None
    );
    for table in HISTORY_TABLES {
        assert_eq!(count(&store, table, gone), 0, "{table} kept rows");
        assert!(
            count(&store, table, kept) > 0,
            "{table} lost the other cluster"
        );
    }
}

// --- detail round trips -------------------------------------------------------------------

#[test]
fn a_full_snapshot_round_trips() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let s = full_snapshot(1_772_323_200_123);
    // Guard against the fixture silently losing a field.
    let json = serde_json::to_value(&s).expect("to_value");
    let nulls: Vec<_> = json
        .as_object()
        .expect("as_object")
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    assert!(nulls.is_empty(), "fixture leaves {nulls:?} unset");

    write(&store, id, &s);
    assert_eq!(
        store.latest_snapshot(id).expect("latest_snapshot"),
        Some(s.clone())
    );
    assert_eq!(
        store
            .snapshots(id, s.collected_at, s.collected_at + 1)
            .expect("snapshots"),
        vec![s]
    );
}

#[test]
fn an_empty_snapshot_round_trips_as_nulls() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let s = snap(5_000);
    write(&store, id, &s);
    assert_eq!(store.latest_snapshot(id).expect("latest_snapshot"), Some(s));

    // Unknown is stored as NULL, not as 0.
    let conn = store.conn();
    let mut stmt = conn
        .prepare("SELECT * FROM metrics_snapshots")
        .expect("prepare");
    let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let mut rows = stmt.query([]).expect("query");
    let row = rows.next().expect("next").expect("one row");
    for (i, name) in names.iter().enumerate() {
        if name == "cluster_id" || name == "collected_at" {
            continue;
        }
        assert_eq!(row.get_ref(i).expect("get_ref"), ValueRef::Null, "{name}");
    }
}

#[test]
fn every_snapshot_column_is_in_the_schema_and_the_list() {
    let (_dir, store) = open();
    let conn = store.conn();
    let table: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_info('metrics_snapshots') WHERE name <> 'cluster_id'",
        )
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query_map")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(table, SNAPSHOT_COLUMNS);
}

#[test]
fn buckets_are_aggregated_by_the_database_over_known_values_only() {
    let (_dir, store) = open();
    let id = add(&store, "c");
    // qps 1..=6 every 10 s from t=0; p99 known on even seconds only.
    for i in 0..6i64 {
        let s = Snapshot {
            collected_at: i * 10_000,
            qps: Some((i + 1) as f64),
            query_latency_p99: (i % 2 == 0).then_some(100.0 * (i + 1) as f64),
            ..Snapshot::default()
        };
        write(&store, id, &s);
    }
    let cols = vec!["qps".to_string(), "query_latency_p99".to_string()];
    // Buckets of 30 s from t=0, the range ending before the last sample.
    let b = store
        .snapshot_buckets(id, &cols, 0, 50_000, 30_000)
        .expect("buckets");
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].0, 0);
    let qps = b[0].1[0].expect("qps known");
    assert_eq!((qps.min, qps.sum, qps.max, qps.count), (1.0, 6.0, 3.0, 3));
    let p99 = b[0].1[1].expect("p99 known");
    assert_eq!(
        (p99.min, p99.sum, p99.max, p99.count),
        (100.0, 400.0, 300.0, 2)
    );
    // The second bucket holds t=30 s and 40 s only (50 s is outside the range).
    assert_eq!(b[1].0, 30_000);
    assert_eq!(b[1].1[0].map(|a| a.count), Some(2));
    assert_eq!(b[1].1[1].map(|a| a.sum), Some(500.0));
    // A column nobody knew in a bucket is None, not zero.
    let b = store
        .snapshot_buckets(id, &["cpu_usage_pct".to_string()], 0, 60_000, 60_000)
        .expect("buckets");
    assert_eq!(b, vec![(0, vec![None])]);
    for bad in ["qps; DROP TABLE clusters", "collected_at", "kind"] {
        assert!(matches!(
            store.snapshot_buckets(id, &[bad.to_string()], 0, 1, 1),
            Err(StoreError::Invalid(_))
        ));
    }
}

#[test]
fn snapshot_ranges_are_half_open_and_oldest_first() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let other = add(&store, "other");
    for at in [300, 100, 200, 400] {
        write(&store, id, &snap(at));
    }
    write(&store, other, &snap(250));
    let got: Vec<i64> = store
        .snapshots(id, 100, 400)
        .expect("snapshots")
        .iter()
        .map(|s| s.collected_at)
        .collect();
    assert_eq!(got, vec![100, 200, 300]);
    assert_eq!(
        store.latest_snapshot(id).expect("latest_snapshot"),
        Some(snap(400))
    );
    assert_eq!(
        store.latest_snapshot(other + 1).expect("latest_snapshot"),
        None
    );
}

#[test]
fn node_samples_round_trip_with_their_disks() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let mut leader = bare_node("fe-1");
    leader.kind = Some(NodeKind::Fe);
    leader.alive = Some(false);
    leader.role = Some("LEADER".into());
    let mut cn = bare_node("20001");
    cn.kind = Some(NodeKind::Cn);

    let mut later = full_node("10001");
    later.disks = vec![disk("*", 5_000, 1_000)];
    store
        .write_collection(
            id,
            &snap(1_000),
            &[full_node("10001"), leader.clone(), cn.clone()],
            &ok_status(1_000),
        )
        .expect("write_collection");
    store
        .write_collection(id, &snap(2_000), &[later.clone()], &ok_status(2_000))
        .expect("write_collection");
    store
        .write_collection(id, &snap(3_000), &[bare_node("10001")], &ok_status(3_000))
        .expect("write_collection");

    assert_eq!(
        store
            .node_samples(id, "10001", 0, 10_000)
            .expect("node_samples"),
        vec![
            (1_000, full_node("10001")),
            (2_000, later),
            (3_000, bare_node("10001")),
        ]
    );
    assert_eq!(
        store
            .node_samples(id, "fe-1", 0, 10_000)
            .expect("node_samples"),
        vec![(1_000, leader)]
    );
    assert_eq!(
        store
            .node_samples(id, "20001", 0, 10_000)
            .expect("node_samples"),
        vec![(1_000, cn)]
    );
    // Half-open range.
    let ats: Vec<i64> = store
        .node_samples(id, "10001", 2_000, 3_000)
        .expect("node_samples")
        .into_iter()
        .map(|(at, _)| at)
        .collect();
    assert_eq!(ats, vec![2_000]);
    assert!(store
        .node_samples(id, "nope", 0, 10_000)
        .expect("node_samples")
        .is_empty());
}

#[test]
fn statuses_round_trip_with_their_errors() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let partial = CollectionStatus {
        collected_at: 2_000,
        outcome: Outcome::Partial,
        duration_ms: 3_456,
        errors: vec![
            SourceError {
                source: "be 10.0.0.3:8040 /metrics".into(),
                error: "timed out after 5s".into(),
            },
            SourceError {
                source: "fe 10.0.0.1:9030 SHOW PROC '/transactions'".into(),
                error: "Access denied; \"quoted\" ✓".into(),
            },
        ],
    };
    let failed = CollectionStatus {
        collected_at: 3_000,
        outcome: Outcome::Failed,
        duration_ms: 10_000,
        errors: vec![SourceError {
            source: "fe".into(),
            error: "no FE reachable".into(),
        }],
    };
    store
        .write_collection(id, &snap(1_000), &[], &ok_status(1_000))
        .expect("write_collection");
    store
        .write_collection(id, &snap(2_000), &[], &partial)
        .expect("write_collection");
    store
        .write_collection(id, &snap(3_000), &[], &failed)
        .expect("write_collection");
    assert_eq!(
        store.statuses(id, 0, 10_000).expect("statuses"),
        vec![ok_status(1_000), partial.clone(), failed]
    );
    assert_eq!(
        store.statuses(id, 2_000, 3_000).expect("statuses"),
        vec![partial]
    );
}

#[test]
fn undecodable_errors_are_reported_as_corrupt() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    write(&store, id, &snap(1_000));
    store
        .conn()
        .execute("UPDATE collection_status SET errors = 'not json'", [])
        .expect("execute");
    assert!(matches!(
        store.statuses(id, 0, 2_000),
        Err(StoreError::Corrupt(_))
    ));
}

// --- one transaction ----------------------------------------------------------------------

fn assert_nothing_stored(store: &SqliteStore, id: i64) {
    for table in [
        "metrics_snapshots",
        "node_samples",
        "node_disks",
        "collection_status",
    ] {
        assert_eq!(count(store, table, id), 0, "{table} has rows");
    }
}

#[test]
fn a_bad_node_sample_stores_nothing_of_the_collection() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    // The second sample of node 10001 violates the primary key after the snapshot, the
    // first node and its disks were written.
    let nodes = [full_node("10001"), bare_node("10002"), bare_node("10001")];
    match store.write_collection(id, &full_snapshot(1_000), &nodes, &ok_status(1_000)) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("10001"), "{msg}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_nothing_stored(&store, id);
    assert_eq!(store.latest_snapshot(id).expect("latest_snapshot"), None);
}

#[test]
fn a_bad_disk_path_stores_nothing_of_the_collection() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let mut node = full_node("10001");
    node.disks.push(disk("/data1", 1, 1));
    assert!(matches!(
        store.write_collection(id, &snap(1_000), &[node], &ok_status(1_000)),
        Err(StoreError::Conflict(_))
    ));
    assert_nothing_stored(&store, id);
}

#[test]
fn a_failing_status_stores_nothing_of_the_collection() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    write(&store, id, &snap(1_000));
    // A new snapshot whose status collides with the stored one.
    assert!(matches!(
        store.write_collection(id, &snap(2_000), &[full_node("10001")], &ok_status(1_000)),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.snapshots(id, 0, 10_000).expect("snapshots"),
        vec![snap(1_000)]
    );
    assert_eq!(count(&store, "node_samples", id), 0);
}

#[test]
fn a_second_snapshot_at_the_same_instant_is_a_conflict() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    write(&store, id, &snap(1_000));
    let other = full_snapshot(1_000);
    assert!(matches!(
        store.write_collection(id, &other, &[], &ok_status(1_001)),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.snapshots(id, 0, 10_000).expect("snapshots"),
        vec![snap(1_000)]
    );
    assert_eq!(count(&store, "collection_status", id), 1);
}

#[test]
fn writing_for_an_unknown_cluster_is_not_found() {
    let (_dir, store) = open();
    assert!(matches!(
        store.write_collection(42, &snap(1), &[], &ok_status(1)),
        Err(StoreError::NotFound(_))
    ));
}

// --- rollups ------------------------------------------------------------------------------

#[test]
fn rollup_of_a_utc_day() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    // The day before: one sample, only sizes known.
    write(
        &store,
        id,
        &Snapshot {
            collected_at: utc(2026, 2, 28, 23, 59, 59) + 999,
            total_data_bytes: Some(900),
            total_tablet_count: Some(8),
            ..Snapshot::default()
        },
    );
    // 2026-03-01: first instant, noon, last instant.
    write(
        &store,
        id,
        &Snapshot {
            collected_at: utc(2026, 3, 1, 0, 0, 0),
            interval_secs: Some(30.0),
            query_total: Some(60),
            query_success: Some(58),
            query_error: Some(2),
            query_latency_p95: Some(100.0),
            disk_usage_pct: Some(40.0),
            cpu_usage_pct: Some(10.0),
            max_disk_used_pct: Some(50.0),
            total_data_bytes: Some(1_000),
            total_tablet_count: Some(10),
            total_table_count: Some(5),
            total_database_count: Some(2),
            ..Snapshot::default()
        },
    );
    write(
        &store,
        id,
        &Snapshot {
            collected_at: utc(2026, 3, 1, 12, 0, 0),
            interval_secs: Some(60.0),
            query_total: Some(240),
            query_success: Some(230),
            query_error: Some(10),
            disk_usage_pct: Some(50.0),
            max_disk_used_pct: Some(70.0),
            total_tablet_count: Some(12),
            ..Snapshot::default()
        },
    );
    write(
        &store,
        id,
        &Snapshot {
            collected_at: utc(2026, 3, 1, 23, 59, 59) + 999,
            // First sample after a restart: no interval, so it does not weigh in avg_qps.
            interval_secs: None,
            query_total: Some(30),
            query_latency_p95: Some(200.0),
            cpu_usage_pct: Some(30.0),
            max_disk_used_pct: Some(60.0),
            total_data_bytes: Some(1_500),
            total_table_count: Some(6),
            ..Snapshot::default()
        },
    );
    // 2026-03-02, not complete yet.
    write(
        &store,
        id,
        &Snapshot {
            collected_at: utc(2026, 3, 2, 0, 0, 0),
            query_total: Some(999),
            ..Snapshot::default()
        },
    );

    let report = store
        .rollup_daily(Tz::UTC, utc(2026, 3, 2, 0, 0, 0))
        .expect("rollup_daily");
    assert_eq!(report.days_written, 2);
    let days = store
        .daily(id, date(2026, 2, 1), date(2026, 3, 31))
        .expect("daily");
    assert_eq!(
        days,
        vec![
            DailySnapshot {
                date: date(2026, 2, 28),
                total_data_bytes: Some(900),
                total_tablet_count: Some(8),
                total_table_count: None,
                total_database_count: None,
                daily_data_growth_bytes: None,
                daily_tablet_growth: None,
                daily_query_total: None,
                daily_query_success: None,
                daily_query_error: None,
                avg_qps: None,
                avg_p95_latency: None,
                avg_disk_usage_pct: None,
                avg_cpu_usage_pct: None,
                max_disk_used_pct: None,
                samples: 1,
            },
            DailySnapshot {
                date: date(2026, 3, 1),
                total_data_bytes: Some(1_500),
                total_tablet_count: Some(12),
                total_table_count: Some(6),
                total_database_count: Some(2),
                daily_data_growth_bytes: Some(600),
                daily_tablet_growth: Some(4),
                daily_query_total: Some(330),
                daily_query_success: Some(288),
                daily_query_error: Some(12),
                // (60 + 240) queries / (30 + 60) s
                avg_qps: Some(300.0 / 90.0),
                avg_p95_latency: Some(150.0),
                avg_disk_usage_pct: Some(45.0),
                avg_cpu_usage_pct: Some(20.0),
                max_disk_used_pct: Some(70.0),
                samples: 3,
            },
        ]
    );
    // from/to are inclusive.
    assert_eq!(
        store
            .daily(id, date(2026, 3, 1), date(2026, 3, 1))
            .expect("daily")
            .len(),
        1
    );
}

#[test]
fn rollup_in_shanghai_uses_local_days() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let node = |at_disk: (i64, i64), other: (i64, i64)| {
        let mut n = bare_node("10001");
        n.disks = vec![
            disk("/data1", at_disk.0, at_disk.1),
            disk("/data2", other.0, other.1),
        ];
        n
    };
    // (instant, query_total, /data1 (total, avail), /data2 (total, avail))
    let rows = [
        // 2026-03-01 23:59:59.999 local
        (utc(2026, 3, 1, 15, 59, 59) + 999, 7, (1_000, 100), (500, 0)),
        // 2026-03-02 00:00 local
        (utc(2026, 3, 1, 16, 0, 0), 11, (1_000, 600), (500, 250)),
        // 2026-03-02 12:00 local: the disk grew
        (utc(2026, 3, 2, 4, 0, 0), 5, (1_200, 700), (500, 450)),
        // 2026-03-02 23:59:59.999 local
        (
            utc(2026, 3, 2, 15, 59, 59) + 999,
            13,
            (1_000, 700),
            (500, 300),
        ),
        // 2026-03-03 00:00 local
        (utc(2026, 3, 2, 16, 0, 0), 17, (1_000, 0), (500, 0)),
    ];
    for (at, q, d1, d2) in rows {
        let s = Snapshot {
            collected_at: at,
            query_total: Some(q),
            ..Snapshot::default()
        };
        store
            .write_collection(id, &s, &[node(d1, d2)], &ok_status(at))
            .expect("write_collection");
    }
    // 2026-03-03 00:00 local: 03-01 and 03-02 are complete, 03-03 is not.
    let now = utc(2026, 3, 2, 16, 0, 0);
    assert_eq!(
        store
            .rollup_daily(Tz::Asia__Shanghai, now)
            .expect("rollup_daily")
            .days_written,
        2
    );
    let days: Vec<_> = store
        .daily(id, date(2026, 2, 1), date(2026, 3, 31))
        .expect("daily")
        .into_iter()
        .map(|d| (d.date, d.daily_query_total, d.samples))
        .collect();
    assert_eq!(
        days,
        vec![
            (date(2026, 3, 1), Some(7), 1),
            (date(2026, 3, 2), Some(11 + 5 + 13), 3),
        ]
    );
    let disks = store
        .node_disk_daily(id, date(2026, 3, 2), date(2026, 3, 2))
        .expect("node_disk_daily");
    let expect = |path: &str, max_used, total| NodeDiskDaily {
        date: date(2026, 3, 2),
        node_id: "10001".into(),
        path: path.into(),
        max_used_bytes: max_used,
        total_bytes: total,
    };
    assert_eq!(
        disks,
        vec![
            // used 400, 500, 300; total up to 1200
            expect("/data1", 500, 1_200),
            // used 250, 50, 200
            expect("/data2", 250, 500),
        ]
    );
    assert_eq!(
        store
            .node_disk_daily(id, date(2026, 3, 1), date(2026, 3, 3))
            .expect("node_disk_daily")
            .len(),
        4
    );
}

#[test]
fn rollup_catches_up_missed_days_once() {
    let (_dir, store) = open();
    let a = add(&store, "a");
    let b = add(&store, "b");
    // Collections kept running for three days while no rollup ran.
    let day1 = utc(2026, 3, 1, 0, 0, 0);
    for d in 0..4 {
        for h in [0, 8, 16] {
            write(&store, a, &snap(day1 + d * DAY + h * HOUR));
        }
    }
    write(&store, b, &snap(day1 + DAY + HOUR));

    // Exactly midnight after day 3: days 1–3 of a and day 2 of b are complete.
    let now = day1 + 3 * DAY;
    assert_eq!(
        store
            .rollup_daily(Tz::UTC, now)
            .expect("rollup_daily")
            .days_written,
        4
    );
    assert_eq!(
        store
            .rollup_daily(Tz::UTC, now)
            .expect("rollup_daily")
            .days_written,
        0
    );
    assert_eq!(
        store
            .rollup_daily(Tz::UTC, now + DAY - 1)
            .expect("rollup_daily")
            .days_written,
        0
    );
    let dates = |id| -> Vec<(NaiveDate, i64)> {
        store
            .daily(id, date(2026, 1, 1), date(2026, 12, 31))
            .expect("daily")
            .into_iter()
            .map(|d| (d.date, d.samples))
            .collect()
    };
    assert_eq!(
        dates(a),
        vec![
            (date(2026, 3, 1), 3),
            (date(2026, 3, 2), 3),
            (date(2026, 3, 3), 3),
        ]
    );
    assert_eq!(dates(b), vec![(date(2026, 3, 2), 1)]);

    // The next day completes and is written alone.
    assert_eq!(
        store
            .rollup_daily(Tz::UTC, now + DAY)
            .expect("rollup_daily")
            .days_written,
        1
    );
    assert_eq!(dates(a).len(), 4);
}

#[test]
fn growth_is_against_the_previous_day() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let day1 = utc(2026, 3, 1, 0, 0, 0);
    let sized = |at, bytes: Option<i64>, tablets: Option<i64>| Snapshot {
        collected_at: at,
        total_data_bytes: bytes,
        total_tablet_count: tablets,
        ..Snapshot::default()
    };
    // Day 1: last values 1000 / 10. Day 2: bytes unknown all day, tablets 15.
    // Day 3: 1800 / 12. Day 4: nothing. Day 5: 2000 / 20.
    write(&store, id, &sized(day1 + HOUR, Some(400), Some(4)));
    write(&store, id, &sized(day1 + 20 * HOUR, Some(1_000), Some(10)));
    write(&store, id, &sized(day1 + 23 * HOUR, None, None));
    write(&store, id, &sized(day1 + DAY + HOUR, None, Some(15)));
    write(
        &store,
        id,
        &sized(day1 + 2 * DAY + HOUR, Some(1_800), Some(12)),
    );
    write(
        &store,
        id,
        &sized(day1 + 4 * DAY + HOUR, Some(2_000), Some(20)),
    );
    store
        .rollup_daily(Tz::UTC, day1 + 5 * DAY)
        .expect("rollup_daily");

    let growth: Vec<_> = store
        .daily(id, date(2026, 3, 1), date(2026, 3, 31))
        .expect("daily")
        .into_iter()
        .map(|d| {
            (
                d.date,
                d.total_data_bytes,
                d.daily_data_growth_bytes,
                d.daily_tablet_growth,
            )
        })
        .collect();
    assert_eq!(
        growth,
        vec![
            // Nothing before the first day.
            (date(2026, 3, 1), Some(1_000), None, None),
            (date(2026, 3, 2), None, None, Some(5)),
            // The previous day's bytes are unknown: no growth, even though day 1 had some.
            (date(2026, 3, 3), Some(1_800), None, Some(-3)),
            // Day 4 has no data: a difference across the gap is not one day's growth.
            (date(2026, 3, 5), Some(2_000), None, None),
        ]
    );

    // The previous day's figure comes from its rollup, not from its detail rows.
    {
        let conn = store.conn();
        conn.execute(
            "UPDATE daily_snapshots SET total_data_bytes = 1100 WHERE snapshot_date = '2026-03-02'",
            [],
        )
        .expect("execute");
        conn.execute(
            "DELETE FROM daily_snapshots WHERE snapshot_date = '2026-03-03'",
            [],
        )
        .expect("execute");
    }
    assert_eq!(
        store
            .rollup_daily(Tz::UTC, day1 + 5 * DAY)
            .expect("rollup_daily")
            .days_written,
        1
    );
    let day3 = store
        .daily(id, date(2026, 3, 3), date(2026, 3, 3))
        .expect("daily");
    assert_eq!(day3[0].daily_data_growth_bytes, Some(700));
}

#[test]
fn growth_falls_back_to_the_previous_days_detail() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let day1 = utc(2026, 3, 1, 0, 0, 0);
    let sized = |at, bytes| Snapshot {
        collected_at: at,
        total_data_bytes: Some(bytes),
        ..Snapshot::default()
    };
    write(&store, id, &sized(day1 + 22 * HOUR, 700));
    write(&store, id, &sized(day1 + 23 * HOUR, 1_000));
    write(&store, id, &sized(day1 + DAY + HOUR, 1_250));
    // Day 1 has detail but no rollup (say it was lost): day 2 uses day 1's last value.
    // Through the helper, because rollup_daily would first write day 1 again.
    let mut conn = store.conn();
    let tx = conn.transaction().expect("transaction");
    assert!(
        write_day_if_missing(&tx, Tz::UTC, id, date(2026, 3, 2), day1 + 2 * DAY)
            .expect("write_day_if_missing")
    );
    tx.commit().expect("commit");
    drop(conn);
    let day2 = store
        .daily(id, date(2026, 3, 2), date(2026, 3, 2))
        .expect("daily");
    assert_eq!(day2[0].daily_data_growth_bytes, Some(250));
}

// --- retention ----------------------------------------------------------------------------

#[test]
fn retention_deletes_exactly_what_is_outside_the_windows() {
    let (_dir, store) = open();
    let a = add(&store, "a");
    let b = add(&store, "b");
    let tz = Tz::Asia__Shanghai;
    // 2026-04-01 01:00 in Shanghai: today is 04-01 there (03-31 in UTC).
    let now = utc(2026, 3, 31, 17, 0, 0);
    let detail_ms = 7 * DAY;
    let cutoff = now - detail_ms;
    let nodes = [full_node("10001"), bare_node("fe-1")];
    let old_days = [
        utc(2026, 2, 28, 12, 0, 0),
        utc(2026, 3, 1, 12, 0, 0),
        utc(2026, 3, 2, 12, 0, 0),
    ];
    for at in old_days
        .into_iter()
        .chain([cutoff - 1, cutoff, cutoff + 1, now])
    {
        store
            .write_collection(a, &snap(at), &nodes, &ok_status(at))
            .expect("write_collection");
    }
    store
        .write_collection(b, &snap(cutoff - 1), &nodes[1..], &ok_status(cutoff - 1))
        .expect("write_collection");
    store
        .write_collection(b, &snap(cutoff), &nodes[1..], &ok_status(cutoff))
        .expect("write_collection");
    // Local days: a has 02-28, 03-01, 03-02 and 03-25 (cutoff ± 1 ms is 01:00 local);
    // b has 03-25.
    assert_eq!(
        store
            .rollup_daily(tz, now)
            .expect("rollup_daily")
            .days_written,
        5
    );

    let report = store
        .enforce_retention(tz, now, detail_ms, 30)
        .expect("enforce_retention");
    // Detail before the cutoff: a's 3 old days + cutoff-1, b's cutoff-1. Daily: 30 days
    // before 04-01 is 03-02, which stays; 02-28 and 03-01 of a go.
    assert_eq!(
        report,
        RetentionReport {
            snapshots_deleted: 5,
            node_samples_deleted: 4 * 2 + 1,
            statuses_deleted: 5,
            daily_deleted: 2,
        }
    );
    let ats = |id| -> Vec<i64> {
        store
            .snapshots(id, i64::MIN, i64::MAX)
            .expect("snapshots")
            .iter()
            .map(|s| s.collected_at)
            .collect()
    };
    assert_eq!(ats(a), vec![cutoff, cutoff + 1, now]);
    assert_eq!(ats(b), vec![cutoff]);
    let status_ats: Vec<i64> = store
        .statuses(a, i64::MIN, i64::MAX)
        .expect("statuses")
        .iter()
        .map(|s| s.collected_at)
        .collect();
    assert_eq!(status_ats, vec![cutoff, cutoff + 1, now]);
    let node_ats: Vec<i64> = store
        .node_samples(a, "10001", i64::MIN, i64::MAX)
        .expect("node_samples")
        .into_iter()
        .map(|(at, n)| {
            assert_eq!(n.disks.len(), 2);
            at
        })
        .collect();
    assert_eq!(node_ats, vec![cutoff, cutoff + 1, now]);
    // 3 samples × 2 paths of node 10001 remain.
    assert_eq!(count(&store, "node_disks", a), 6);

    let daily_dates: Vec<NaiveDate> = store
        .daily(a, date(2000, 1, 1), date(2100, 1, 1))
        .expect("daily")
        .iter()
        .map(|d| d.date)
        .collect();
    assert_eq!(daily_dates, vec![date(2026, 3, 2), date(2026, 3, 25)]);
    let disk_dates: Vec<NaiveDate> = store
        .node_disk_daily(a, date(2000, 1, 1), date(2100, 1, 1))
        .expect("node_disk_daily")
        .iter()
        .map(|d| d.date)
        .collect();
    assert_eq!(
        disk_dates,
        vec![
            date(2026, 3, 2),
            date(2026, 3, 2),
            date(2026, 3, 25),
            date(2026, 3, 25)
        ]
    );
    assert_eq!(store.list_clusters().expect("list_clusters").len(), 2);

    // Nothing left to do.
    assert_eq!(
        store
            .enforce_retention(tz, now, detail_ms, 30)
            .expect("enforce_retention"),
        RetentionReport::default()
    );
}

// --- size ---------------------------------------------------------------------------------

#[test]
fn size_counts_the_main_file_and_the_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("starmon.db");
    let store = SqliteStore::open(&path).expect("open");
    let id = add(&store, "prod");
    for i in 0..200 {
        write(&store, id, &full_snapshot(i * 30 * SEC));
    }
    let main = std::fs::metadata(&path).expect("metadata").len();
    let wal = std::fs::metadata(dir.path().join("starmon.db-wal"))
        .expect("metadata")
        .len();
    assert!(wal > 0);
    assert_eq!(store.size_bytes().expect("size_bytes"), main + wal);
}

// --- size benchmark -----------------------------------------------------------------------

/// Deterministic noise for realistic-looking values (xorshift).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    fn f(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn i(&mut self, lo: i64, hi: i64) -> i64 {
        self.f(lo as f64, hi as f64) as i64
    }
}

/// A 30 s snapshot of a mid-size cluster (3 FE, 5 BE, ~40 TB) with every field filled: the
/// largest row the collector can produce.
fn realistic_snapshot(n: &mut Noise, at: i64, i: i64) -> Snapshot {
    let q = n.i(3_000, 9_000);
    let disk_total = 5 * 8_000_000_000_000i64;
    let used = 24_000_000_000_000 + i * 50_000_000;
    Snapshot {
        collected_at: at,
        interval_secs: Some(n.f(29.9, 30.2)),
        query_total: Some(q),
        query_success: Some(q - 3),
        query_error: Some(3),
        query_timeout: Some(0),
        query_latency_p50: Some(n.f(5.0, 20.0)),
        query_latency_p90: Some(n.f(50.0, 200.0)),
        query_latency_p95: Some(n.f(200.0, 800.0)),
        query_latency_p99: Some(n.f(800.0, 5_000.0)),
        qps: Some(q as f64 / 30.0),
        rps: Some(n.f(100.0, 400.0)),
        disk_total_bytes: Some(disk_total),
        disk_used_bytes: Some(used),
        disk_data_used_bytes: Some(used - 1_000_000_000),
        disk_usage_pct: Some(used as f64 * 100.0 / disk_total as f64),
        max_disk_used_pct: Some(n.f(60.0, 80.0)),
        cpu_usage_pct: Some(n.f(10.0, 90.0)),
        mem_usage_pct: Some(n.f(40.0, 70.0)),
        be_node_total: Some(5),
        be_node_alive: Some(5),
        fe_node_total: Some(3),
        fe_node_alive: Some(3),
        cn_node_total: Some(0),
        cn_node_alive: Some(0),
        total_tablet_count: Some(480_000 + i),
        total_database_count: Some(40),
        total_table_count: Some(2_300),
        total_data_bytes: Some(used - 1_000_000_000),
        running_queries: Some(n.i(0, 60)),
        connections: Some(n.i(100, 400)),
        mv_refresh_running: Some(n.i(0, 3)),
        mv_refresh_success_total: Some(n.i(0, 5)),
        mv_refresh_failed_total: Some(0),
        txn_begin_total: Some(n.i(50, 300)),
        txn_success_total: Some(n.i(50, 300)),
        txn_failed_total: Some(n.i(0, 2)),
        load_finished_total: Some(n.i(20, 100)),
        routine_load_rows_total: Some(n.i(100_000, 3_000_000)),
        max_compaction_score: Some(n.f(1.0, 50.0)),
        base_compaction_requests_total: Some(n.i(0, 20)),
        base_compaction_failures_total: Some(0),
        cumulative_compaction_requests_total: Some(n.i(50, 500)),
        cumulative_compaction_failures_total: Some(n.i(0, 2)),
        load_running: Some(n.i(0, 10)),
        routine_load_running: Some(12),
        routine_load_paused: Some(1),
        schema_change_running: Some(0),
    }
}

fn realistic_be(n: &mut Noise, id: usize) -> NodeSample {
    let disks: Vec<DiskPath> = (1..=2)
        .map(|p| {
            let total = 4_000_000_000_000;
            let avail = total - n.i(2_000_000_000_000, 3_000_000_000_000);
            DiskPath {
                path: format!("/data{p}/starrocks/storage"),
                total_bytes: total,
                avail_bytes: avail,
                data_used_bytes: Some(total - avail - 5_000_000_000),
            }
        })
        .collect();
    NodeSample {
        node_id: format!("{}", 10_001 + id),
        kind: Some(NodeKind::Be),
        host: format!("10.0.1.{}", 10 + id),
        alive: Some(true),
        role: None,
        cpu_usage_pct: Some(n.f(10.0, 90.0)),
        mem_usage_pct: Some(n.f(40.0, 70.0)),
        mem_used_bytes: Some(n.i(60_000_000_000, 100_000_000_000)),
        disk_total_bytes: Some(8_000_000_000_000),
        disk_used_bytes: Some(n.i(4_000_000_000_000, 6_000_000_000_000)),
        disk_data_used_bytes: Some(n.i(4_000_000_000_000, 6_000_000_000_000)),
        max_disk_used_pct: Some(n.f(50.0, 80.0)),
        tablets: Some(96_000 + id as i64),
        compaction_score: Some(n.f(1.0, 50.0)),
        running_queries: Some(n.i(0, 20)),
        net_rx_bytes_per_sec: Some(n.f(1e6, 1e9)),
        net_tx_bytes_per_sec: Some(n.f(1e6, 1e9)),
        disk_read_bytes_per_sec: Some(n.f(1e6, 1e9)),
        disk_write_bytes_per_sec: Some(n.f(1e6, 1e9)),
        qps: None,
        connections: None,
        jvm_heap_used_pct: None,
        query_latency_p99: None,
        replayed_journal_id: None,
        disks,
    }
}

fn realistic_fe(n: &mut Noise, id: usize) -> NodeSample {
    NodeSample {
        node_id: format!("10.0.0.{}_9010_1718000000000", 10 + id),
        kind: Some(NodeKind::Fe),
        host: format!("10.0.0.{}", 10 + id),
        alive: Some(true),
        role: Some(if id == 0 { "LEADER" } else { "FOLLOWER" }.into()),
        qps: Some(n.f(10.0, 100.0)),
        connections: Some(n.i(30, 150)),
        jvm_heap_used_pct: Some(n.f(20.0, 80.0)),
        query_latency_p99: Some(n.f(800.0, 5_000.0)),
        replayed_journal_id: Some(n.i(10_000_000, 20_000_000)),
        ..NodeSample::default()
    }
}

fn table_bytes(store: &SqliteStore, table: &str) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .expect("query_row")
}

/// Seven days at one collection per 30 s for one cluster. Run with
/// `cargo test --release -- --ignored --nocapture bytes_per_row`.
#[test]
#[ignore = "benchmark: writes 20,160 collections"]
fn bytes_per_row() {
    const ROWS: i64 = 7 * 24 * 60 * 2;
    for with_nodes in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("starmon.db");
        let store = SqliteStore::open(&path).expect("open");
        let id = add(&store, "prod");
        let mut n = Noise(0x9E37_79B9_7F4A_7C15);
        let start = utc(2026, 3, 1, 0, 0, 0);
        let started = std::time::Instant::now();
        for i in 0..ROWS {
            let at = start + i * 30 * SEC + n.i(0, 500);
            let s = realistic_snapshot(&mut n, at, i);
            let mut nodes = Vec::new();
            if with_nodes {
                nodes.extend((0..3).map(|k| realistic_fe(&mut n, k)));
                nodes.extend((0..5).map(|k| realistic_be(&mut n, k)));
            }
            let status = CollectionStatus {
                collected_at: at,
                outcome: Outcome::Ok,
                duration_ms: n.i(200, 2_000),
                errors: vec![],
            };
            store
                .write_collection(id, &s, &nodes, &status)
                .expect("write_collection");
        }
        let elapsed = started.elapsed();
        let started = std::time::Instant::now();
        let days = store
            .rollup_daily(Tz::Asia__Shanghai, start + 8 * DAY)
            .expect("rollup_daily")
            .days_written;
        println!(
            "nodes={with_nodes}: rollup of {days} days in {:?}",
            started.elapsed()
        );
        let started = std::time::Instant::now();
        let one_node = store
            .node_samples(id, "10001", start, start + 7 * DAY)
            .expect("node_samples")
            .len();
        println!(
            "nodes={with_nodes}: read 7 days of one node ({one_node} samples) in {:?}",
            started.elapsed()
        );
        store
            .conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("execute_batch");
        let file = std::fs::metadata(&path).expect("metadata").len() as f64;
        let snapshots = table_bytes(&store, "metrics_snapshots") as f64;
        println!(
            "nodes={with_nodes}: {ROWS} collections in {elapsed:?}; file {:.2} MB \
             ({:.0} B/collection); metrics_snapshots {:.2} MB = {:.0} B/row; \
             collection_status {:.0} B/row; node_samples {:.0} B/row; node_disks {:.0} B/row",
            file / 1e6,
            file / ROWS as f64,
            snapshots / 1e6,
            snapshots / ROWS as f64,
            table_bytes(&store, "collection_status") as f64 / ROWS as f64,
            table_bytes(&store, "node_samples") as f64 / (ROWS * 8) as f64,
            table_bytes(&store, "node_disks") as f64 / (ROWS * 10) as f64,
        );
        if !with_nodes {
            assert!(
                snapshots / ROWS as f64 <= 300.0,
                "rows grew past the size budget"
            );
        }
    }
}
