//! Hardening of secrets, start-up checks and what starmon shows: the real binary refusing to
//! start on a lost key or a broken database, logs without colour codes in a pipe, channels
//! listed without secrets and never echoing a receiver's answer, and the webhook network lists.
//! Everything on loopback, a fresh database per test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use starmon::model::NewCluster;
use starmon::store::alerts::AlertStore;
use starmon::store::sqlite::SqliteStore;
use starmon::store::Store;

mod common;

use common::{
    output_within, poll_until, send, serve_router, starmon, text, TestApp, TestAppBuilder,
};

const STARMON: &str = env!("CARGO_BIN_EXE_starmon");

/// Runs `starmon ARGS` to its end (at most 20 s: it must refuse to start) with a clean
/// environment for starmon's own variables; returns the exit success and standard error.
fn run(args: &[&str]) -> (bool, String) {
    let mut cmd = starmon(args, &[("SR_PW", "pw")]);
    cmd.env_remove("RUST_LOG");
    let out = output_within(cmd, Duration::from_secs(20));
    (out.status.success(), text(&out.stderr))
}

/// A database with one registered cluster (so one encrypted password) and its key file.
fn database_with_a_cluster(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("starmon.db");
    let store = SqliteStore::open(&db).expect("open");
    store
        .add_cluster(&NewCluster {
            name: "prod".into(),
            fe_host: "127.0.0.1".into(),
            fe_query_port: 9,
            fe_http_port: 9,
            user: "root".into(),
            password: "s3cret".to_string().into(),
        })
        .expect("add");
    db
}

/// Serves as `starmon serve` does (access control off), without the collector; the API's URL.
async fn serve(app: TestAppBuilder) -> (TestApp, String) {
    let app = app.without_collector().start().await;
    let api = format!("{}/api/v1", app.base);
    (app, api)
}

/// Starts `starmon serve` on a free loopback port over `db`, waits (at most 20 s) for its
/// "starmon serving" line, stops it and returns what it logged until then.
fn serve_until_started(db: &Path) -> String {
    let mut child = Command::new(STARMON)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("STARMON_DATABASE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("starmon serving")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = seen.join("\n");
    assert!(text.contains("starmon serving"), "no start line: {text}");
    text
}

#[test]
fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = serve_until_started(&dir.path().join("starmon.db"));
    assert!(
        !text.contains('\u{1b}'),
        "ANSI escape codes in a pipe: {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_channel_is_listed_with_its_server_and_recipient() {
    let (_app, api) = serve(TestApp::builder()).await;
    let email = json!({"host": "127.0.0.1", "port": 2525, "from": "starmon@example.com",
        "to": ["ops@example.com", "dba@example.com"], "password": "smtp-pw", "security": "none"});
    let (code, created) = send(
        Method::POST,
        &format!("{api}/channels"),
        json!({"name": "mail", "kind": "email", "email": email}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let (code, list) = send(Method::GET, &format!("{api}/channels"), json!({})).await;
    assert_eq!(code, 200);
    let shown = list["channels"][0]["url"].as_str().unwrap_or_default();
    assert_eq!(shown, "smtp://127.0.0.1:2525 → ops@… (+1)", "{list}");
    assert_eq!(created["url"], shown, "the create answer shows the same");
    assert!(!list.to_string().contains("smtp-pw"), "{list}");
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

#[test]
fn a_lost_key_file_stops_every_command_with_the_remedy_and_no_new_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_a_cluster(dir.path());
    let key = starmon::secretbox::key_path(&db);
    std::fs::remove_file(&key).expect("lose the key");
    for args in [
        vec!["serve", "--listen", "127.0.0.1:0", "--db", arg(&db)],
        vec!["demo", "--listen", "127.0.0.1:0", "--db", arg(&db)],
        vec!["cluster", "test", "prod", "--db", arg(&db)],
        vec!["cluster", "list", "--db", arg(&db)],
    ] {
        let (ok, err) = run(&args);
        assert!(!ok, "{args:?} started: {err}");
        assert!(err.contains("is missing"), "{args:?}: {err}");
        assert!(err.contains("starmon key reset"), "{args:?}: {err}");
        assert_eq!(
            err.matches("is missing").count(),
            1,
            "{args:?} says it twice: {err}"
        );
        assert!(!key.exists(), "{args:?} created a new key");
    }
}

#[test]
fn a_replaced_key_file_is_refused_until_key_reset() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_a_cluster(dir.path());
    let key = starmon::secretbox::key_path(&db);
    std::fs::write(&key, [7u8; 32]).expect("replace the key");
    let (ok, err) = run(&["serve", "--listen", "127.0.0.1:0", "--db", arg(&db)]);
    assert!(!ok, "serve started with the wrong key: {err}");
    assert!(err.contains("does not open"), "{err}");
    let (ok, err) = run(&["key", "reset", "--db", arg(&db)]);
    assert!(ok, "key reset failed: {err}");
    let (ok, err) = run(&["cluster", "list", "--db", arg(&db)]);
    assert!(ok, "still refused after key reset: {err}");
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_warned_about_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_a_cluster(dir.path());
    let key = starmon::secretbox::key_path(&db);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let text = serve_until_started(&db);
    assert!(text.contains("readable by other users"), "{text}");
    assert!(text.contains("0644"), "{text}");
}

/// Seals `clear` with a key this database never had: a row written by another starmon.
fn foreign(clear: &str) -> String {
    starmon::secretbox::SecretBox::from_key(&[9; 32])
        .encrypt(&clear.to_string().into())
        .expect("encrypt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_another_key_wrote_are_named_errors_not_internal_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_a_cluster(dir.path());
    let (_app, api) = serve(TestApp::builder().database(&db)).await;
    let (code, ch) = send(
        Method::POST,
        &format!("{api}/channels"),
        json!({"name": "ops", "kind": "slack", "url": "http://127.0.0.1:9/hook"}),
    )
    .await;
    assert_eq!(code, 201, "{ch}");
    let conn = rusqlite::Connection::open(&db).expect("sqlite");
    conn.execute("UPDATE clusters SET password = ?1", [foreign("pw")])
        .expect("update");
    conn.execute("UPDATE alert_channels SET url = ?1", [foreign("http://x/")])
        .expect("update");
    let (_, clusters) = send(Method::GET, &format!("{api}/clusters"), json!({})).await;
    let id = clusters["clusters"][0]["id"].as_i64().expect("cluster id");
    for (method, url, what) in [
        (
            Method::GET,
            format!("{api}/clusters/{id}/overview"),
            "password of cluster",
        ),
        (
            Method::POST,
            format!("{api}/clusters/{id}/test"),
            "password of cluster",
        ),
        (Method::GET, format!("{api}/channels"), "channel \"ops\""),
        (
            Method::POST,
            format!("{api}/channels/{}/test", ch["id"]),
            "channel \"ops\"",
        ),
    ] {
        let (code, body) = send(method, &url, json!({})).await;
        assert_eq!(code, 500, "{url}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(what), "{url}: {body}");
        assert!(error.contains("another key"), "{url}: {body}");
    }
}

/// A real database with some history, every page in the main file (no WAL left).
fn database_with_history(dir: &Path) -> std::path::PathBuf {
    use starmon::model::{CollectionStatus, Outcome, Snapshot};
    let db = database_with_a_cluster(dir);
    let store = SqliteStore::open(&db).expect("open");
    let id = store.list_clusters().expect("list")[0].id;
    for i in 0..400 {
        let at = 1_700_000_000_000 + i * 30_000;
        let snapshot = Snapshot {
            collected_at: at,
            qps: Some(i as f64),
            ..Snapshot::default()
        };
        let status = CollectionStatus {
            collected_at: at,
            outcome: Outcome::Ok,
            duration_ms: 5,
            errors: vec![],
        };
        store
            .write_collection(id, &snapshot, &[], &status)
            .expect("write");
    }
    drop(store);
    let conn = rusqlite::Connection::open(&db).expect("sqlite");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    db
}

#[test]
fn a_corrupted_database_is_refused_at_start_naming_the_file() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_history(dir.path());
    let len = std::fs::metadata(&db).expect("meta").len();
    assert!(len > 16 * 4096, "a database of several pages: {len} bytes");
    // Garbage over the last 4 pages (4 KiB each): history that opening the database does not
    // read, so only a check notices before the first collection fails.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .expect("open for damage");
    f.seek(SeekFrom::Start(len - 4 * 4096)).expect("seek");
    let garbage: Vec<u8> = (0..4 * 4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    f.write_all(&garbage).expect("damage");
    drop(f);
    let started = Instant::now();
    let (ok, err) = run(&["serve", "--listen", "127.0.0.1:0", "--db", arg(&db)]);
    assert!(!ok, "serve started on a damaged database: {err}");
    assert!(err.contains(arg(&db)), "{err}");
    assert!(err.contains("is damaged"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused quickly"
    );
}

/// As root (how these tests run here) file permissions do not stop writes, so this test can
/// only show the refusal for an unprivileged user; the check itself is covered by
/// `store::sqlite::health::tests::a_database_that_cannot_be_written_is_refused_naming_the_file`.
#[cfg(unix)]
#[test]
fn a_read_only_database_is_refused_at_start_when_permissions_apply() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_history(dir.path());
    let ro = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    ro(&db, 0o444);
    ro(dir.path(), 0o555);
    let privileged = std::fs::OpenOptions::new().append(true).open(&db).is_ok();
    let result =
        (!privileged).then(|| run(&["serve", "--listen", "127.0.0.1:0", "--db", arg(&db)]));
    ro(dir.path(), 0o755);
    let Some((ok, err)) = result else {
        eprintln!("skipped: this user writes to read-only files (root)");
        return;
    };
    assert!(!ok, "serve started on a read-only database: {err}");
    assert!(err.contains(arg(&db)), "{err}");
}

/// A receiver on loopback answering `status` with `body`, counting requests.
async fn receiver(
    status: u16,
    body: &'static str,
) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let h = h.clone();
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            (
                axum::http::StatusCode::from_u16(status).expect("status"),
                body,
            )
        }
    });
    let port = serve_router(app).await.port();
    (format!("127.0.0.1:{port}"), hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_button_never_shows_what_the_receiver_answered() {
    let (_app, api) = serve(TestApp::builder()).await;
    let (addr, hits) = receiver(
        500,
        "<html>internal admin page: root password hunter2</html>",
    )
    .await;
    let (code, ch) = send(
        Method::POST,
        &format!("{api}/channels"),
        json!({"name": "hook", "kind": "webhook", "url": format!("http://{addr}/hook")}),
    )
    .await;
    assert_eq!(code, 201, "{ch}");
    let (code, test) = send(
        Method::POST,
        &format!("{api}/channels/{}/test", ch["id"]),
        json!({}),
    )
    .await;
    assert_eq!(code, 200, "{test}");
    assert_eq!(test["ok"], false);
    let error = test["error"].as_str().unwrap_or_default();
    assert!(error.contains("HTTP 500"), "{test}");
    assert!(
        !error.contains("hunter2") && !error.contains("html"),
        "{test}"
    );
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_network_lists_refuse_targets_at_creation_and_delivery() {
    use std::sync::atomic::Ordering;
    let (addr, hits) = receiver(200, "ok").await;
    let port = addr.rsplit_once(':').expect("port").1.to_string();
    // Stored directly, as if created before the setting existed: delivery must refuse too.
    let seed_port = port.clone();
    let seed = move |store: &SqliteStore| {
        for (name, host) in [("literal", "127.0.0.1"), ("by-name", "localhost")] {
            store
                .add_channel(&starmon::store::alerts::StoredChannel {
                    id: 0,
                    name: name.into(),
                    kind: "webhook".into(),
                    url: format!("http://{host}:{seed_port}/hook").into(),
                    secret: None,
                    settings: None,
                    min_severity: starmon::alerts::rules::Severity::Info,
                    enabled: true,
                    created_at: 0,
                })
                .expect("add channel");
        }
    };
    let (_app, api) = serve(
        TestApp::builder()
            .config(|c| c.notify.allow_networks = vec!["10.0.0.0/8".into()])
            .seed(seed),
    )
    .await;
    // Creating: an IP literal, a name whose DNS answer is loopback, an SMTP server.
    for body in [
        json!({"name": "a", "kind": "webhook", "url": format!("http://127.0.0.1:{port}/")}),
        json!({"name": "b", "kind": "slack", "url": format!("http://localhost:{port}/")}),
        json!({"name": "c", "kind": "email", "email": {"host": "127.0.0.1", "port": 25,
            "from": "s@example.com", "to": ["o@example.com"], "security": "none"}}),
    ] {
        let (code, resp) = send(Method::POST, &format!("{api}/channels"), body).await;
        assert_eq!(code, 400, "{resp}");
        assert_eq!(
            resp["error"], "target 127.0.0.1 is not in [notify] allow_networks",
            "{resp}"
        );
    }
    let (_, list) = send(Method::GET, &format!("{api}/channels"), json!({})).await;
    for ch in list["channels"].as_array().expect("channels") {
        let (code, test) = send(
            Method::POST,
            &format!("{api}/channels/{}/test", ch["id"]),
            json!({}),
        )
        .await;
        assert_eq!(code, 200, "{test}");
        assert_eq!(test["ok"], false, "{}: {test}", ch["name"]);
        assert!(
            test["error"]
                .as_str()
                .is_some_and(|e| e.contains("is not in [notify] allow_networks")),
            "{}: {test}",
            ch["name"]
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the receiver"
    );
}

/// A cluster whose stored password another key wrote is not silently skipped: every cycle stores
/// a failed collection naming the cause, and `collection_failing` fires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_another_key_wrote_fails_every_collection_and_alerts() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database_with_a_cluster(dir.path());
    let restored = Arc::new(std::sync::OnceLock::new());
    let seeded = restored.clone();
    let seed_db = db.clone();
    let mut app = TestApp::builder()
        .database(&db)
        .interval_secs(1)
        .seed(move |sqlite| {
            let id = sqlite
                .add_cluster(&NewCluster {
                    name: "restored".into(),
                    fe_host: "127.0.0.1".into(),
                    fe_query_port: 9,
                    fe_http_port: 9,
                    user: "root".into(),
                    password: "pw".to_string().into(),
                })
                .expect("add")
                .id;
            // One row from another starmon's database: the key opens the others, so starmon
            // starts.
            let conn = rusqlite::Connection::open(&seed_db).expect("sqlite");
            conn.execute(
                "UPDATE clusters SET password = ?1 WHERE id = ?2",
                rusqlite::params![foreign("pw"), id],
            )
            .expect("update");
            seeded.set(id).expect("once");
        })
        .start()
        .await;
    let id = *restored.get().expect("seeded");
    let api = format!("{}/api/v1", app.base);
    let firing = poll_until(
        Duration::from_secs(30),
        "collection_failing to fire",
        async || {
            let (_, v) = send(
                Method::GET,
                &format!("{api}/alerts?state=firing"),
                json!({}),
            )
            .await;
            let fired = v["alerts"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|a| a["rule_id"] == "collection_failing" && a["cluster_id"] == id)
            });
            if fired {
                Ok(v)
            } else {
                Err(v)
            }
        },
    )
    .await;
    app.stop().await;
    let statuses = app.store.statuses(id, 0, i64::MAX).expect("statuses");
    assert!(statuses.len() >= 3, "{statuses:?} ({firing})");
    for s in &statuses {
        assert_eq!(s.outcome, starmon::model::Outcome::Failed, "{s:?}");
        assert!(
            s.errors.iter().any(|e| e.error.contains("another key")),
            "{s:?}"
        );
    }
}
