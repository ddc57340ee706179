//! FE and BE `/metrics` over HTTP: the text-format quirks of each version (docs/starrocks-facts.md §6–7), the
//! fixtures' families, and the other FE/BE endpoints.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::*;

/// One sample line: name, labels in text order, value text.
#[derive(Debug, Clone)]
struct Line {
    name: String,
    labels: Vec<(String, String)>,
    raw_labels: String,
    value: String,
}

/// A deliberately small parser for the test: it accepts both StarRocks label separators.
fn samples(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("no value in {l:?}"));
            let (name, raw) = match series.split_once('{') {
                Some((n, rest)) => (n.to_string(), rest.trim_end_matches('}').to_string()),
                None => (series.to_string(), String::new()),
            };
            let labels = raw
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let (k, v) = p
                        .trim()
                        .split_once('=')
                        .unwrap_or_else(|| panic!("bad label {p:?} in {l:?}"));
                    (k.to_string(), v.trim_matches('"').to_string())
                })
                .collect();
            Line {
                name,
                labels,
                raw_labels: raw,
                value: value.to_string(),
            }
        })
        .collect()
}

fn find<'a>(lines: &'a [Line], name: &str, label: Option<(&str, &str)>) -> Vec<&'a Line> {
    lines
        .iter()
        .filter(|l| {
            l.name == name
                && label.is_none_or(|(k, v)| l.labels.iter().any(|(a, b)| a == k && b == v))
        })
        .collect()
}

fn value(lines: &[Line], name: &str, label: Option<(&str, &str)>) -> f64 {
    let found = find(lines, name, label);
    assert_eq!(found.len(), 1, "{name} {label:?}: {found:?}");
    found[0]
        .value
        .parse()
        .unwrap_or_else(|_| panic!("{name} value {:?}", found[0].value))
}

fn type_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE"))
        .map(|rest| {
            let mut it = rest.split_whitespace();
            (
                it.next().unwrap_or_default().to_string(),
                it.next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fe_text_format_quirks_per_version() {
    let versions = [
        "2.5", "3.2", "3.3.4", "3.3", "3.4.4", "3.4", "3.4.9", "3.5.5", "3.5", "4.0", "4.1",
    ];
    let sim = start(&versions, shape(2, 3, 0), true).await;
    for (c, ver) in sim.clusters.iter().zip(versions) {
        let text = text(&format!("{}/metrics", fe_http(c, 0))).await;
        let lines = samples(&text);
        let at = |s: &str| v(ver) >= v(s);
        // Every value parses as a number and every sample has a TYPE line before it.
        let mut typed = BTreeSet::new();
        for l in text.lines() {
            if let Some(rest) = l.strip_prefix("# TYPE") {
                typed.insert(
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                );
            } else if !l.starts_with('#') {
                let s = &samples(l)[0];
                assert!(s.value.parse::<f64>().is_ok(), "{ver}: {l}");
                let family = s.name.trim_end_matches("_sum").trim_end_matches("_count");
                assert!(
                    typed.contains(family) || typed.contains(&s.name),
                    "{ver}: {l} before its TYPE"
                );
            }
        }
        let two = !at("3.5.6");
        assert_eq!(
            text.contains("# HELP  jvm_heap_size_bytes jvm heap stat\n"),
            two,
            "{ver} JVM HELP spacing"
        );
        assert_eq!(
            text.contains("# TYPE  node_info gauge\n"),
            two,
            "{ver} node_info TYPE spacing"
        );
        assert_eq!(text.contains("# TYPE node_info gauge\n"), !two);
        assert!(
            !text.contains("HELP node_info") && !text.contains("HELP  node_info"),
            "node_info has no HELP"
        );
        assert!(!text.contains("starrocks_fe_jvm") && !text.contains("starrocks_fe_node_info"));
        // FE labels are joined with ", ".
        let job = find(&lines, "starrocks_fe_job", Some(("job", "load")));
        assert!(
            job[0].raw_labels.contains("\", "),
            "{ver}: {}",
            job[0].raw_labels
        );
        // Registration order splits tablet_num (interleaved per BE) until 3.5.6.
        let idx: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("starrocks_fe_tablet_num{"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(idx.len(), 3);
        let contiguous = idx.windows(2).all(|w| w[1] == w[0] + 1);
        assert_eq!(contiguous, at("3.5.6"), "{ver}: tablet_num lines {idx:?}");
        // connection_total: per user only in 3.3.5 … 3.4.8, 3.5.x (and 4.0).
        let conns = find(&lines, "starrocks_fe_connection_total", None);
        let per_user =
            (at("3.3.5") && !at("3.4.9")) || ver == "3.5.5" || ver == "3.5" || ver == "4.0";
        assert!(!conns.is_empty());
        assert_eq!(
            conns
                .iter()
                .all(|l| l.labels.iter().any(|(k, _)| k == "user")),
            per_user,
            "{ver}: {conns:?}"
        );
        assert_eq!(conns.iter().any(|l| l.labels.is_empty()), !per_user);
        // is_leader: on job & co from 3.4.5 / 3.5.1, on txn counters from 3.5.7.
        let jobs_aware = (ver.starts_with("3.4") && at("3.4.5")) || at("3.5.1");
        assert_eq!(
            job[0].labels[0].0 == "is_leader",
            jobs_aware,
            "{ver} job labels {:?}",
            job[0].labels
        );
        let txn = find(&lines, "starrocks_fe_txn_begin", None);
        assert_eq!(
            txn[0].labels.first().is_some_and(|(k, _)| k == "is_leader"),
            at("3.5.7"),
            "{ver} txn_begin"
        );
        // Summaries: no median, trailing space in HELP, Java doubles.
        let quantiles: Vec<String> = find(&lines, "starrocks_fe_query_latency_ms", None)
            .iter()
            .map(|l| l.labels[0].1.clone())
            .collect();
        assert_eq!(quantiles, vec!["0.75", "0.95", "0.98", "0.99", "0.999"]);
        assert!(text.contains("# HELP starrocks_fe_query_latency_ms \n"));
        let sum = &find(&lines, "starrocks_fe_query_latency_ms_sum", None)[0].value;
        let sum_value: f64 = sum.parse().expect("sum");
        assert_eq!(
            sum.contains('E'),
            sum_value >= 1e7,
            "Java toString of {sum}"
        );
        // The p50 gauge exists but stays 0.0 by default.
        assert_eq!(
            value(
                &lines,
                "starrocks_fe_query_latency",
                Some(("type", "50_quantile"))
            ),
            0.0
        );
        assert!(
            find(&lines, "starrocks_fe_query_err_rate", None)[0]
                .value
                .contains('.'),
            "a double gauge prints like Java"
        );
        let breakdown = at("3.3.0")
            || (ver.starts_with("3.2") && at("3.2.11"))
            || (ver.starts_with("3.1") && at("3.1.15"));
        assert_eq!(
            !find(&lines, "starrocks_fe_query_internal_err", None).is_empty(),
            breakdown,
            "{ver}"
        );
        let load_types: BTreeSet<String> = job
            .iter()
            .map(|l| {
                l.labels
                    .iter()
                    .find(|(k, _)| k == "type")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            load_types.contains("HADOOP"),
            !at("3.3.0"),
            "{ver}: HADOOP gone in 3.3+"
        );
        assert!(!load_types.contains("MINI"));
        assert_eq!(
            !find(&lines, "node_info", Some(("type", "cn_node_num"))).is_empty(),
            at("3.3.0")
        );
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_only_values_and_is_master_follow_the_leader() {
    let sim = start(&["3.3", "3.5"], shape(3, 3, 0), true).await;
    for c in &sim.clusters {
        let leader = samples(&text(&format!("{}/metrics", fe_http(c, 0))).await);
        let follower = samples(&text(&format!("{}/metrics", fe_http(c, 1))).await);
        assert_eq!(
            value(&leader, "node_info", Some(("type", "is_master"))),
            1.0
        );
        assert_eq!(
            value(&follower, "node_info", Some(("type", "is_master"))),
            0.0
        );
        let tablets = |l: &[Line]| {
            find(l, "starrocks_fe_tablet_num", None)
                .iter()
                .map(|x| x.value.parse::<f64>().unwrap_or(-1.0))
                .sum::<f64>()
        };
        let t = truth(c).await;
        assert_eq!(
            tablets(&leader),
            t["summary"]["tablets"].as_f64().expect("tablets")
        );
        assert_eq!(tablets(&follower), 0.0, "tablet_num is 0 on followers");
        assert_eq!(
            value(&follower, "starrocks_fe_max_tablet_compaction_score", None),
            0.0
        );
        assert_eq!(
            value(&leader, "starrocks_fe_max_tablet_compaction_score", None),
            t["summary"]["max_compaction_score"]
                .as_f64()
                .expect("score")
        );
        // Each FE reports its own query counters.
        for (i, lines) in [&leader, &follower].into_iter().enumerate() {
            let q = t["frontends"][i]["counters"]["query_total"]
                .as_f64()
                .expect("count");
            assert_eq!(value(lines, "starrocks_fe_query_total", None), q);
        }
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fe_and_be_expositions_cover_the_fixture_families() {
    let sim = start(&["3.3"], shape(3, 3, 0), true).await;
    let c = &sim.clusters[0];
    let fe = text(&format!("{}/metrics", fe_http(c, 0))).await;
    let be = text(&format!("{}/metrics", be_http(c, "be0"))).await;
    for (ours, fixture) in [(&fe, "fe_metrics.txt"), (&be, "be_metrics.txt")] {
        let want: BTreeSet<(String, String)> =
            type_lines(&fixture_text(fixture)).into_iter().collect();
        let got: BTreeSet<(String, String)> = type_lines(ours).into_iter().collect();
        let missing: Vec<_> = want.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "{fixture}: families missing or typed differently: {missing:?}"
        );
    }
    // The same label sets per family as the fixture (values differ).
    let label_keys = |text: &str| -> HashMap<String, BTreeSet<Vec<String>>> {
        let mut m: HashMap<String, BTreeSet<Vec<String>>> = HashMap::new();
        for l in samples(text) {
            m.entry(l.name.clone())
                .or_default()
                .insert(l.labels.iter().map(|(k, _)| k.clone()).collect());
        }
        m
    };
    for (ours, fixture) in [(&fe, "fe_metrics.txt"), (&be, "be_metrics.txt")] {
        let want = label_keys(&fixture_text(fixture));
        let got = label_keys(ours);
        for (name, keys) in want {
            assert_eq!(
                got.get(&name),
                Some(&keys),
                "{fixture}: label names of {name}"
            );
        }
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn be_text_format_and_bvars_by_version() {
    let sim = start(&["2.5", "3.3", "4.1"], shape(1, 1, 0), true).await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let resp = get(&format!("{}/metrics", be_http(c, "be0"))).await;
        assert_eq!(resp.headers()["content-type"], "text/plain; version=0.0.4");
        let text = resp.text().await.expect("body");
        let native: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("starrocks_be_"))
            .collect();
        assert!(
            native.iter().all(|l| !l.starts_with("# HELP")),
            "BE emits no HELP for its own metrics"
        );
        let families: Vec<String> = type_lines(&text)
            .into_iter()
            .filter(|(n, _)| n.starts_with("starrocks_be_"))
            .map(|(n, _)| n)
            .collect();
        let mut sorted = families.clone();
        sorted.sort();
        assert_eq!(families, sorted, "{ver}: families in alphabetical order");
        let lines = samples(&text);
        for l in lines.iter().filter(|l| l.name.starts_with("starrocks_be_")) {
            let keys: Vec<&String> = l.labels.iter().map(|(k, _)| k).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{ver}: labels sorted by name in {l:?}");
            assert!(
                !l.raw_labels.contains(", "),
                "BE joins labels with a bare comma"
            );
        }
        assert!(text.contains(
            "starrocks_be_engine_requests_total{status=\"failed\",type=\"base_compaction\"}"
        ));
        assert!(
            text.contains("starrocks_be_query_cache_hit_ratio 0.000000\n"),
            "doubles print six decimals"
        );
        assert_eq!(
            text.contains("# HELP bthread_count\n# TYPE bthread_count gauge\n"),
            ver >= v("3.1"),
            "{ver} bvars"
        );
        let t = truth(c).await;
        let disk = &t["backends"][0]["disks"][0];
        let path = disk["path"].as_str().expect("path");
        assert_eq!(
            value(
                &lines,
                "starrocks_be_disks_avail_capacity",
                Some(("path", path))
            ),
            disk["avail_bytes"].as_f64().expect("avail")
        );
        assert_eq!(
            value(&lines, "starrocks_be_cpu", Some(("mode", "idle"))),
            t["backends"][0]["cpu_jiffies"]["idle"]
                .as_f64()
                .expect("idle")
        );
        let json: serde_json::Value = get(&format!("{}/metrics?type=json", be_http(c, "be0")))
            .await
            .json()
            .await
            .expect("json");
        assert!(json
            .as_array()
            .is_some_and(|a| a.iter().any(|m| m["tags"]["metric"] == "cpu")));
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mv_metrics_need_admin_basic_auth_and_the_parameter_from_3_2() {
    let sim = start(&["3.1", "3.3"], shape(1, 1, 0), false).await;
    let client = reqwest::Client::new();
    for c in &sim.clusters {
        // Let a refresh or two finish (they start 20 s of model time after start).
        sim.clock.advance(400_000);
        let url = format!(
            "{}/metrics?with_materialized_view_metrics=all",
            fe_http(c, 0)
        );
        let anonymous = client
            .get(&url)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let wrong = client
            .get(&url)
            .basic_auth("root", Some("nope"))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let admin = client
            .get(&url)
            .basic_auth(&c.spec.user, Some(&c.spec.password))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let minified = client
            .get(format!(
                "{}/metrics?with_materialized_view_metrics=minified",
                fe_http(c, 0)
            ))
            .basic_auth(&c.spec.user, Some(&c.spec.password))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        assert!(
            !anonymous.contains("mv_refresh_jobs"),
            "silently ignored without auth"
        );
        assert!(
            !wrong.contains("mv_refresh_jobs"),
            "silently ignored with a wrong password"
        );
        let has_mv = c.spec.version >= v("3.2");
        assert_eq!(
            admin.contains("starrocks_fe_mv_refresh_jobs{db_name="),
            has_mv,
            "{}",
            c.spec.version
        );
        assert_eq!(admin.contains("starrocks_fe_mv_row_count"), has_mv);
        assert!(
            !minified.contains("starrocks_fe_mv_row_count"),
            "minified drops gauges"
        );
        if has_mv {
            let total: f64 = samples(&minified)
                .iter()
                .filter(|l| {
                    l.name == "starrocks_fe_mv_refresh_total_success_jobs"
                        || l.name == "starrocks_fe_mv_refresh_total_failed_jobs"
                })
                .map(|l| l.value.parse::<f64>().unwrap_or(0.0))
                .sum();
            let t = truth(c).await;
            let expected = t["summary"]["mv_refresh_success"].as_f64().unwrap_or(0.0)
                + t["summary"]["mv_refresh_failed"].as_f64().unwrap_or(0.0);
            assert!(expected > 0.0, "refreshes happened");
            assert!(
                total <= expected && total > 0.0,
                "minified counts {total} vs truth {expected}"
            );
        }
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_fe_and_be_endpoints_answer_in_starrocks_shapes() {
    let sim = start(&["3.3"], shape(1, 2, 0), true).await;
    let c = &sim.clusters[0];
    let info = text(&format!("{}/api/show_runtime_info", fe_http(c, 0))).await;
    let keys: Vec<&str> = info.split('"').skip(1).step_by(4).collect();
    assert_eq!(
        keys,
        vec!["free_mem", "total_mem", "thread_cnt", "max_mem"],
        "{info}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&info).expect("json");
    assert!(
        parsed
            .as_object()
            .is_some_and(|o| o.values().all(|v| v.is_string())),
        "all values are strings"
    );
    let expected = fixture_text("show_runtime_info.json");
    let fixture_keys: Vec<&str> = expected.split('"').skip(1).step_by(4).collect();
    assert_eq!(keys, fixture_keys);
    assert_eq!(
        text(&format!("{}/api/health", fe_http(c, 0))).await,
        "{\"online_backend_num\":2,\"total_backend_num\":2,\"status\":\"OK\"}"
    );
    assert_eq!(
        text(&format!("{}/api/health", be_http(c, "be0"))).await,
        "{\"status\": \"OK\",\"msg\": \"To Be Added\"}"
    );
    let boot: serde_json::Value = get(&format!("{}/api/bootstrap", fe_http(c, 0)))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(boot["status"], "OK");
    let fe_json: serde_json::Value = get(&format!("{}/metrics?type=json", fe_http(c, 0)))
        .await
        .json()
        .await
        .expect("json");
    let qps = fe_json
        .as_array()
        .and_then(|a| a.iter().find(|m| m["tags"]["metric"] == "qps"))
        .expect("qps in json");
    assert!(qps["value"].is_number());
    assert_eq!(get(&format!("{}/nope", fe_http(c, 0))).await.status(), 404);
    sim.shutdown();
}
