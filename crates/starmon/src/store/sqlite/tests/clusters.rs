//! The clusters table and encrypted passwords.

use super::*;

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
