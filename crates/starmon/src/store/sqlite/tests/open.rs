//! Opening the database and its migrations.

use super::*;

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
