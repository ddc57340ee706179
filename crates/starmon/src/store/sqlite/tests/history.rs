//! Detail round trips and the one-transaction write of a collection.

use super::*;

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

// --- a batch of collections (back-fill) ---------------------------------------------------

fn collected(snapshot: Snapshot, nodes: Vec<NodeSample>, status: CollectionStatus) -> Collected {
    Collected {
        snapshot,
        nodes,
        status,
    }
}

#[test]
fn a_batch_reads_back_as_written() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    let partial = CollectionStatus {
        collected_at: 2_000,
        outcome: Outcome::Partial,
        duration_ms: 3_456,
        errors: vec![SourceError {
            source: "fe 10.0.0.1:8030 /metrics".into(),
            error: "timed out after 5000 ms".into(),
        }],
    };
    let mut fe = bare_node("fe-1");
    fe.kind = Some(NodeKind::Fe);
    let batch = vec![
        collected(
            full_snapshot(1_000),
            vec![full_node("10001"), fe.clone()],
            ok_status(1_000),
        ),
        // Every measured field unknown: it must come back unknown, not 0.
        collected(snap(2_000), vec![bare_node("10001")], partial.clone()),
        collected(full_snapshot(3_000), vec![], ok_status(3_000)),
    ];
    assert_eq!(
        store
            .write_collections(id, batch.clone())
            .expect("write_collections"),
        3
    );

    let snapshots: Vec<Snapshot> = batch.iter().map(|c| c.snapshot.clone()).collect();
    assert_eq!(
        store.snapshots(id, 0, 10_000).expect("snapshots"),
        snapshots
    );
    assert_eq!(
        store.statuses(id, 0, 10_000).expect("statuses"),
        vec![ok_status(1_000), partial, ok_status(3_000)]
    );
    assert_eq!(
        store
            .node_samples(id, "10001", 0, 10_000)
            .expect("node_samples"),
        vec![(1_000, full_node("10001")), (2_000, bare_node("10001"))]
    );
    assert_eq!(
        store
            .node_samples(id, "fe-1", 0, 10_000)
            .expect("node_samples"),
        vec![(1_000, fe)]
    );
    assert_eq!(count(&store, "node_disks", id), 2);
}

#[test]
fn a_batch_for_an_unknown_cluster_is_not_found() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    assert!(matches!(
        store.write_collections(
            id + 1,
            vec![collected(snap(1_000), vec![], ok_status(1_000))]
        ),
        Err(StoreError::NotFound(_))
    ));
    assert_nothing_stored(&store, id + 1);
}

#[test]
fn a_failing_collection_stores_nothing_of_the_batch() {
    let (_dir, store) = open();
    let id = add(&store, "prod");
    // The third collection repeats the first one's instant, after two were written.
    let batch = vec![
        collected(
            full_snapshot(1_000),
            vec![full_node("10001")],
            ok_status(1_000),
        ),
        collected(snap(2_000), vec![], ok_status(2_000)),
        collected(snap(1_000), vec![], ok_status(1_000)),
    ];
    match store.write_collections(id, batch) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("1000"), "{msg}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_nothing_stored(&store, id);
    // The writer is free again afterwards.
    write(&store, id, &snap(5_000));
    assert_eq!(
        store.snapshots(id, 0, 10_000).expect("snapshots"),
        vec![snap(5_000)]
    );
}
