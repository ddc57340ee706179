//! Retention windows and the size of the database files.

use super::*;

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
