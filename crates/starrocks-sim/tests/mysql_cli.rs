//! The stock `mysql` command-line client (MariaDB's) against the emulator: a second,
//! independent implementation of the client side of the protocol.
//!
//! Skipped with a notice when no `mysql` binary is installed, unless
//! `STARROCKS_SIM_REQUIRE_MYSQL_CLI=1` (set by `.ci/run`, which installs it).

mod common;

use common::*;
use tokio::process::Command;

fn mysql_available() -> bool {
    let found = std::process::Command::new("mysql")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("STARROCKS_SIM_REQUIRE_MYSQL_CLI").is_err(),
            "the mysql client is required here (apt-get install mariadb-client)"
        );
        eprintln!("notice: no `mysql` client installed; skipping the CLI client checks");
    }
    found
}

async fn mysql(c: &starrocks_sim::Cluster, password: &str, sql: &str) -> std::process::Output {
    let (ip, port, _) = fe_addr(c, 0);
    Command::new("mysql")
        .args(["-h", &ip, "-P", &port.to_string(), "-u", &c.spec.user])
        .arg(format!("-p{password}"))
        .args(["--batch", "--connect-timeout=5", "-e", sql])
        .output()
        .await
        .expect("mysql runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mysql_cli_logs_in_to_every_version_and_reads_show_results() {
    if !mysql_available() {
        return;
    }
    let sim = start(VERSIONS, shape(3, 3, 0), true).await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let out = mysql(
            c,
            &c.spec.password,
            "SHOW BACKENDS; SHOW FRONTENDS; SELECT current_version()",
        )
        .await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{ver}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let header = stdout.lines().next().expect("a header line");
        assert!(
            header.starts_with("BackendId\tIP\tHeartbeatPort"),
            "{ver}: {header}"
        );
        if ver == v("3.3") {
            assert_eq!(
                header.split('\t').collect::<Vec<_>>(),
                fixture_tsv("show_backends_3x.tsv").columns
            );
        }
        assert!(
            stdout.contains(&format!("{ver}-")),
            "{ver}: current_version() in {stdout}"
        );
        let out = mysql(c, "wrong", "SELECT 1").await;
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("ERROR 1045 (28000): Access denied for user 'root@"),
            "{ver}: {stderr}"
        );
    }
    sim.shutdown();
}
