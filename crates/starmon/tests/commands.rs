//! The starmon binary as a user runs it: cluster registry commands, one-off collection, and
//! `serve` writing history to a real SQLite file, stopped cleanly or killed.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use starrocks_sim::{Cluster, ClusterConfig, Shape, Sim, SimConfig};

async fn sim(version: &str) -> Sim {
    let mut c = ClusterConfig::new("prod", version.parse().expect("version"), 11);
    c.shape = Shape {
        fes: 2,
        bes: 2,
        cns: 0,
    };
    Sim::start(SimConfig {
        clusters: vec![c],
        control_addr: "127.0.0.1:0".parse().expect("addr"),
        frozen_clock: false,
    })
    .await
    .expect("emulator starts")
}

fn fe(c: &Cluster) -> (String, String) {
    let n = c.fe_node(0).expect("fe0");
    (
        format!("{}:{}", n.ip, n.query_port.expect("port")),
        n.http_port.to_string(),
    )
}

fn starmon(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_starmon"));
    cmd.args(args)
        .env_remove("STARMON_DATABASE")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = starmon(args, env);
    tokio::task::spawn_blocking(move || cmd.output().expect("starmon runs"))
        .await
        .expect("join")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_add_list_test_remove() {
    let sim = sim("3.3").await;
    let c = &sim.clusters[0];
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("starmon.db");
    let db = db.to_str().expect("utf8 path");
    let (fe_addr, http) = fe(c);
    let pw = [("SR_PW", c.spec.password.as_str())];
    let add = [
        "cluster",
        "add",
        "--db",
        db,
        "--name",
        "prod",
        "--fe",
        &fe_addr,
        "--http-port",
        &http,
        "--user",
        "root",
        "--password-env",
        "SR_PW",
    ];
    let out = run(&add, &pw).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("StarRocks 3.3.9"),
        "{}",
        text(&out.stdout)
    );
    let again = run(&add, &pw).await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already registered"),
        "{}",
        text(&again.stderr)
    );

    let list = run(&["cluster", "list", "--db", db, "--json"], &[]).await;
    let clusters: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json list");
    assert_eq!(clusters[0]["name"], "prod");
    assert!(
        !text(&list.stdout).contains(&c.spec.password),
        "the password is never listed"
    );

    let test = run(&["cluster", "test", "--db", db, "prod"], &[]).await;
    assert!(
        test.status.success(),
        "{}{}",
        text(&test.stdout),
        text(&test.stderr)
    );
    let report = text(&test.stdout);
    assert_eq!(report.matches("ok    be ").count(), 2, "{report}");
    assert_eq!(report.matches("ok    fe ").count(), 2, "{report}");

    let wrong = [("SR_PW", "nope")];
    let bad = run(
        &[
            "cluster",
            "add",
            "--db",
            db,
            "--name",
            "x",
            "--fe",
            &fe_addr,
            "--http-port",
            &http,
            "--user",
            "root",
            "--password-env",
            "SR_PW",
        ],
        &wrong,
    )
    .await;
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("Access denied"),
        "{}",
        text(&bad.stderr)
    );

    let rm = run(&["cluster", "remove", "--db", db, "prod"], &[]).await;
    assert!(rm.status.success());
    let list = run(&["cluster", "list", "--db", db], &[]).await;
    assert!(text(&list.stdout).contains("no clusters registered"));
    sim.shutdown();
}

/// What a shell user types: `--db` before the subcommand as well as after it, a listing piped
/// into `head` that closes early, `--help` that says what each positional argument is, and a
/// flag a subcommand has no use for refused by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_line_papercuts() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("starmon.db");
    let db = db.to_str().expect("utf8 path");
    let pw = [("SR_PW", "secret")];
    for (i, name) in ["alpha", "beta", "gamma"].iter().enumerate() {
        let fe = format!("10.0.0.{}:9030", i + 1);
        // --db and --config before the subcommand.
        let out = run(
            &[
                "--db",
                db,
                "cluster",
                "add",
                "--name",
                name,
                "--fe",
                &fe,
                "--http-port",
                "8030",
                "--user",
                "root",
                "--password-env",
                "SR_PW",
                "--no-test",
            ],
            &pw,
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let before = run(&["--db", db, "cluster", "list", "--json"], &[]).await;
    let after = run(&["cluster", "list", "--json", "--db", db], &[]).await;
    assert!(before.status.success(), "{}", text(&before.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&before.stdout).expect("json list");
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    assert_eq!(before.stdout, after.stdout);

    // `starmon cluster list | head -0`: the reader is gone before starmon writes its first line.
    let mut cmd = starmon(&["cluster", "list", "--db", db], &[]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("starmon starts");
    drop(child.stdout.take());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "status {:?}: {stderr}", out.status);

    for (args, says) in [
        (vec!["cluster", "remove", "--help"], "The cluster's name"),
        (vec!["cluster", "test", "--help"], "The cluster's name"),
        (vec!["user", "add", "--help"], "The login name"),
        (vec!["user", "remove", "--help"], "The user's login name"),
        (vec!["token", "revoke", "--help"], "The token's id"),
    ] {
        let help = text(&run(&args, &[]).await.stdout);
        assert!(help.contains(says), "{args:?}: {help}");
    }

    let refused = run(&["--db", db, "config"], &[]).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("`starmon config` does not use --db"),
        "{}",
        text(&refused.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_prints_json_snapshots_and_fails_clearly() {
    let sim = sim("3.4").await;
    let c = &sim.clusters[0];
    let (fe_addr, http) = fe(c);
    let pw = [("SR_PW", c.spec.password.as_str())];
    let out = run(
        &[
            "collect",
            "--fe",
            &fe_addr,
            "--http-port",
            &http,
            "--user",
            "root",
            "--password-env",
            "SR_PW",
            "--samples",
            "2",
            "--interval",
            "1",
            "--json",
        ],
        &pw,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["qps"].is_null(), "no rate on the first sample");
    assert!(
        lines[1]["qps"].as_f64().is_some_and(|q| q > 0.0),
        "{}",
        lines[1]
    );
    for key in [
        "query_total",
        "query_latency_p99",
        "disk_usage_pct",
        "cpu_usage_pct",
        "be_node_alive",
        "total_tablet_count",
        "running_queries",
    ] {
        assert!(lines[1].get(key).is_some(), "{key} is a key");
    }
    assert_eq!(lines[1]["nodes"].as_array().map(Vec::len), Some(4));
    assert_eq!(lines[1]["status"]["outcome"], "ok");

    let unreachable = run(
        &[
            "collect",
            "--fe",
            "127.0.0.1:1",
            "--http-port",
            "1",
            "--user",
            "root",
            "--password-env",
            "SR_PW",
        ],
        &pw,
    )
    .await;
    assert!(!unreachable.status.success());
    let err = text(&unreachable.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    assert!(err.contains("cannot log in to 127.0.0.1:1"), "{err}");
    let wrong = run(
        &[
            "collect",
            "--fe",
            &fe_addr,
            "--http-port",
            &http,
            "--user",
            "root",
            "--password-env",
            "SR_PW",
        ],
        &[("SR_PW", "x")],
    )
    .await;
    assert!(!wrong.status.success());
    assert!(text(&wrong.stderr).contains("Access denied"));
    sim.shutdown();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.query_row(sql, [], |r| r.get(0)).expect("query")
}

async fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_collects_into_sqlite_and_survives_sigkill() {
    let sim = sim("3.5").await;
    let c = &sim.clusters[0];
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("data").join("starmon.db");
    let db_s = db.to_str().expect("utf8").to_string();
    let (fe_addr, http) = fe(c);
    let pw = [("SR_PW", c.spec.password.as_str())];
    let out = run(
        &[
            "cluster",
            "add",
            "--db",
            &db_s,
            "--name",
            "prod",
            "--fe",
            &fe_addr,
            "--http-port",
            &http,
            "--user",
            "root",
            "--password-env",
            "SR_PW",
        ],
        &pw,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = starmon(
        &[
            "serve",
            "--db",
            &db_s,
            "--listen",
            &listen,
            "--collect-interval",
            "1",
        ],
        &[],
    )
    .stderr(Stdio::null())
    .spawn()
    .expect("serve starts");
    let health = format!("http://{listen}/healthz");
    wait_for("/healthz", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    assert_eq!(
        reqwest::get(&health)
            .await
            .expect("healthz")
            .text()
            .await
            .expect("body"),
        "ok\n"
    );
    wait_for(
        "three snapshots with rates",
        Duration::from_secs(30),
        || {
            count(
                &db,
                "SELECT COUNT(*) FROM metrics_snapshots WHERE qps IS NOT NULL",
            ) >= 3
        },
    )
    .await;
    let filled = count(
        &db,
        "SELECT COUNT(*) FROM metrics_snapshots WHERE qps IS NOT NULL AND disk_usage_pct IS NOT NULL AND cpu_usage_pct IS NOT NULL AND fe_node_alive = 2 AND be_node_alive = 2 AND total_tablet_count > 0",
    );
    assert!(filled >= 3, "snapshots are filled from real sources");
    assert!(count(&db, "SELECT COUNT(*) FROM node_samples") >= 12);
    assert!(count(&db, "SELECT COUNT(*) FROM collection_status") >= 3);

    // SIGTERM: a clean stop.
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");

    // SIGKILL in the middle of collecting: every committed snapshot survives, the file is sound.
    let mut child = starmon(
        &[
            "serve",
            "--db",
            &db_s,
            "--listen",
            &listen,
            "--collect-interval",
            "1",
        ],
        &[],
    )
    .stderr(Stdio::null())
    .spawn()
    .expect("serve starts");
    let before = count(&db, "SELECT COUNT(*) FROM metrics_snapshots");
    wait_for("more snapshots", Duration::from_secs(30), || {
        count(&db, "SELECT COUNT(*) FROM metrics_snapshots") >= before + 3
    })
    .await;
    let seen = count(&db, "SELECT COUNT(*) FROM metrics_snapshots");
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let conn = rusqlite::Connection::open(&db).expect("reopen");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    let after: i64 = conn
        .query_row("SELECT COUNT(*) FROM metrics_snapshots", [], |r| r.get(0))
        .expect("count");
    assert!(
        after >= seen,
        "{after} rows after the kill, {seen} seen committed before"
    );
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_off_loopback_needs_users_and_auth_and_tokens_work() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("starmon.db");
    let db = db.to_str().expect("utf8");

    let out = run(&["serve", "--db", db, "--listen", "0.0.0.0:0"], &[]).await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    for hint in [
        "refusing to listen",
        "starmon user add",
        "[auth] enabled = true",
    ] {
        assert!(err.contains(hint), "{hint} in {err}");
    }
    let auth_on = [("STARMON_AUTH_ENABLED", "true")];
    let out = run(&["serve", "--db", db, "--listen", "0.0.0.0:0"], &auth_on).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no user exists"),
        "{}",
        text(&out.stderr)
    );

    let short = run(
        &["user", "add", "--db", db, "alice", "--password-env", "PW"],
        &[("PW", "1234567")],
    )
    .await;
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("at least 8"),
        "{}",
        text(&short.stderr)
    );
    let pw = [("PW", "alice-password-1")];
    let add = run(
        &["user", "add", "--db", db, "alice", "--password-env", "PW"],
        &pw,
    )
    .await;
    assert!(add.status.success(), "{}", text(&add.stderr));
    let again = run(
        &["user", "add", "--db", db, "alice", "--password-env", "PW"],
        &pw,
    )
    .await;
    assert!(!again.status.success(), "a user name is unique");
    let list = run(&["user", "list", "--db", db], &[]).await;
    assert!(text(&list.stdout).contains("alice"));

    let nobody = run(
        &[
            "token", "create", "--db", db, "--name", "ci", "--user", "bob",
        ],
        &[],
    )
    .await;
    assert!(!nobody.status.success());
    assert!(text(&nobody.stderr).contains("no user named \"bob\""));
    let created = run(
        &[
            "token", "create", "--db", db, "--name", "ci", "--user", "alice",
        ],
        &[],
    )
    .await;
    assert!(created.status.success(), "{}", text(&created.stderr));
    let token = text(&created.stdout).trim().to_string();
    assert!(token.starts_with("smt_") && !token.contains(' '), "{token}");
    let listed = run(&["token", "list", "--db", db], &[]).await;
    let listed = text(&listed.stdout);
    assert!(
        listed.contains("ci") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&token), "never listed");

    let port = free_port();
    let mut child = starmon(
        &["serve", "--db", db, "--listen", &format!("0.0.0.0:{port}")],
        &auth_on,
    )
    .stderr(Stdio::null())
    .spawn()
    .expect("serve starts");
    wait_for("the server", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let status = |r: reqwest::Response| r.status().as_u16();
    let health = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(status(health), 200);
    let clusters = format!("{base}/api/v1/clusters");
    let anon = http.get(&clusters).send().await.expect("anonymous");
    assert_eq!(status(anon), 401);
    let with_token = http
        .get(&clusters)
        .bearer_auth(&token)
        .send()
        .await
        .expect("token");
    assert_eq!(status(with_token), 200);
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "alice", "password": "alice-password-1"}))
        .send()
        .await
        .expect("login");
    assert_eq!(status(login), 200);

    // Revoked from the command line while serving: refused on the next request.
    let revoke = run(&["token", "revoke", "--db", db, "1"], &[]).await;
    assert!(revoke.status.success(), "{}", text(&revoke.stderr));
    let revoked = http
        .get(&clusters)
        .bearer_auth(&token)
        .send()
        .await
        .expect("token");
    assert_eq!(status(revoked), 401);

    child.kill().expect("kill");
    let _ = child.wait();
    let rm = run(&["user", "remove", "--db", db, "alice"], &[]).await;
    assert!(rm.status.success(), "{}", text(&rm.stderr));
    let listed = run(&["token", "list", "--db", db], &[]).await;
    assert!(
        text(&listed.stdout).contains("no API tokens"),
        "the user's tokens went with them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_two_collected_clusters_and_the_dashboard() {
    use std::io::{BufRead, BufReader};
    let mut child = starmon(&["demo", "--listen", "127.0.0.1:0", "--interval", "1"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the demo prints its URL");
        lines.push(line.clone());
        if let Some(u) = line.strip_prefix("dashboard: ") {
            break u.to_string();
        }
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let fleet = loop {
        let v: serde_json::Value = match client.get(format!("{url}api/v1/fleet")).send().await {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => serde_json::Value::Null,
        };
        let clusters = v["clusters"].as_array().cloned().unwrap_or_default();
        if clusters.len() == 2 && clusters.iter().all(|c| c["outcome"] == "ok") {
            break clusters;
        }
        assert!(
            Instant::now() < deadline,
            "the demo never collected both: {v}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Two versions, and the second cluster's disk already past 80 % (it starts at 82 %).
    let names: Vec<&str> = fleet.iter().filter_map(|c| c["name"].as_str()).collect();
    assert!(
        names.contains(&"shop-3.3") && names.contains(&"logs-2.5"),
        "{names:?}"
    );
    let logs = fleet
        .iter()
        .find(|c| c["name"] == "logs-2.5")
        .expect("logs");
    assert!(
        logs["max_disk_used_pct"].as_f64().is_some_and(|p| p > 80.0),
        "{logs}"
    );
    // The control API of each emulated cluster is printed for whoever wants to break things.
    let more: Vec<String> = (0..3)
        .filter_map(|_| rx.recv_timeout(Duration::from_secs(5)).ok())
        .collect();
    assert!(
        more.iter()
            .filter(|l| l.starts_with("cluster ") && l.contains(" control: http://"))
            .count()
            == 2,
        "{more:?}"
    );
    let page = client.get(&url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("<title>"));

    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "demo exits cleanly on SIGTERM: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "the demo did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
