//! Daily rollups in UTC and local days, catch-up and growth.

use super::*;

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
