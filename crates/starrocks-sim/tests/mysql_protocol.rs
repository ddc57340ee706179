//! The FE's MySQL protocol as a stock client (mysql_async) sees it, for every version.

mod common;

use common::*;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Pool, PoolOpts, Row};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_version_logs_in_with_its_handshake_version_and_reports_its_real_version() {
    let sim = start(VERSIONS, shape(1, 1, 0), true).await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let mut conn = connect(c, 0).await;
        let expected: (u16, u16, u16) = if ver >= v("3.4") {
            (8, 0, 33)
        } else {
            (5, 1, 0)
        };
        assert_eq!(conn.server_version(), expected, "handshake of {ver}");
        let t = q(&mut conn, "SELECT current_version()").await;
        let reported = t.rows[0][0].clone().expect("version");
        assert!(
            reported.starts_with(&format!("{ver}-")),
            "{reported} for {ver}"
        );
        let t = q(&mut conn, "select @@version_comment limit 1").await;
        assert!(t.rows[0][0]
            .as_deref()
            .is_some_and(|s| s.contains(&ver.to_string())));
        assert_eq!(
            q(&mut conn, "SELECT 1").await.rows,
            vec![vec![Some("1".to_string())]]
        );
        conn.disconnect().await.expect("clean quit");
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_gets_access_denied_1045() {
    let sim = start(&["3.3", "2.5"], shape(1, 1, 0), true).await;
    for c in &sim.clusters {
        let err = Conn::new(opts(c, 0).pass(Some("not-the-password")))
            .await
            .expect_err("must be refused");
        let (code, state, msg) = server_error(err);
        assert_eq!((code, state.as_str()), (1045, "28000"));
        assert!(msg.starts_with("Access denied for user 'root@"), "{msg}");
        assert!(msg.ends_with("(using password: YES)"), "{msg}");
        let err = Conn::new(opts(c, 0).user(Some("nobody")))
            .await
            .expect_err("unknown user refused");
        assert_eq!(server_error(err).0, 1045);
        // The server keeps serving after refusals.
        let mut conn = connect(c, 0).await;
        q(&mut conn, "SHOW BACKENDS").await;
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_mysql_async_options_fail_on_the_socket_variable_like_starrocks() {
    let sim = start(&["3.3"], shape(1, 1, 0), true).await;
    let c = &sim.clusters[0];
    // prefer_socket defaults to true on unix, which makes mysql_async ask for @@socket.
    let err = Conn::new(opts(c, 0).prefer_socket(true))
        .await
        .expect_err("no socket variable");
    let (code, _, msg) = server_error(err);
    assert_eq!(code, 1193);
    assert_eq!(msg, "Unknown system variable 'socket'");
    let mut conn = connect(c, 0).await;
    let t = q(&mut conn, "SELECT @@max_allowed_packet,@@wait_timeout").await;
    assert_eq!(t.columns, vec!["@@max_allowed_packet", "@@wait_timeout"]);
    assert_eq!(
        t.rows[0],
        vec![Some("33554432".into()), Some("28800".into())]
    );
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlx_connect_time_set_is_rejected_but_constant_sets_pass() {
    let sim = start(&["3.3"], shape(1, 1, 0), true).await;
    let mut conn = connect(&sim.clusters[0], 0).await;
    let err = conn
        .query_drop("SET sql_mode=(SELECT CONCAT(@@sql_mode, ',PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION')),time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;")
        .await
        .expect_err("sub-select in SET is refused");
    let (code, _, msg) = server_error(err);
    assert_eq!(code, 1064);
    assert!(
        msg.contains("Set statement only support constant expr"),
        "{msg}"
    );
    conn.query_drop("SET time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci")
        .await
        .expect("constant SET is fine");
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_are_refused_before_3_2_and_work_after() {
    let sim = start(VERSIONS, shape(1, 1, 0), true).await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let mut conn = connect(c, 0).await;
        let result: Result<Vec<Row>, _> = conn.exec("SELECT 1", ()).await;
        if ver < v("3.2") {
            let (code, _, msg) =
                server_error(result.expect_err("no prepared statements before 3.2"));
            assert_eq!(code, 1105);
            assert_eq!(msg, "Unsupported command(COM_STMT_PREPARE)");
        } else {
            let rows = result.unwrap_or_else(|e| panic!("{ver} prepares: {e}"));
            assert_eq!(rows.len(), 1);
            let one: Option<i64> = rows[0].get(0);
            assert_eq!(one, Some(1));
        }
        // Either way the connection still answers plain queries.
        assert_eq!(q(&mut conn, "SELECT 1").await.rows.len(), 1);
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sql_gets_an_error_packet_and_the_connection_keeps_working() {
    let sim = start(&["3.3", "4.1"], shape(1, 1, 0), true).await;
    for c in &sim.clusters {
        let mut conn = connect(c, 0).await;
        for bad in [
            "SELEC 1",
            "SHOW BACKENDZ",
            "",
            "SELECT * FROM dw.sales_fact_00",
            "SELECT nope FROM information_schema.tables",
            "SHOW PROC '/nowhere'",
            "SHOW DATA FROM no_such_db",
            "KILL 1",
            "SELECT (((",
            &"x".repeat(100_000),
            "SHOW ROUTINE LOAD",
        ] {
            let err = conn.query_drop(bad).await.expect_err("bad statement fails");
            let (code, _, msg) = server_error(err);
            assert!(code >= 1000, "{bad:.40}: code {code}");
            assert!(!msg.is_empty());
        }
        assert_eq!(
            q(&mut conn, "SELECT 1").await.rows.len(),
            1,
            "still serving"
        );
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bytes_on_the_socket_do_not_hurt_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = start(&["3.3"], shape(1, 1, 0), true).await;
    let c = &sim.clusters[0];
    let (ip, port, _) = fe_addr(c, 0);
    for payload in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        &[0xff; 64][..],
        &[][..],
        &[3, 0, 0, 0, 1][..],
    ] {
        let mut s = tokio::net::TcpStream::connect((ip.as_str(), port))
            .await
            .expect("connect");
        let mut greeting = [0u8; 4];
        s.read_exact(&mut greeting)
            .await
            .expect("server greets first");
        let _ = s.write_all(payload).await;
        drop(s);
    }
    let mut conn = connect(c, 0).await;
    assert_eq!(q(&mut conn, "SELECT 1").await.rows.len(), 1);
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_connections_survive_change_user_resets_on_old_servers() {
    // With server version 5.1.0, mysql_async resets pooled connections with COM_CHANGE_USER.
    let sim = start(&["3.3"], shape(1, 1, 0), true).await;
    let c = &sim.clusters[0];
    let pool = Pool::new(Opts::from(
        opts(c, 0).pool_opts(
            PoolOpts::default()
                .with_constraints(mysql_async::PoolConstraints::new(1, 1).expect("constraints")),
        ),
    ));
    for _ in 0..3 {
        let mut conn = pool.get_conn().await.expect("pooled connection");
        let t = query(&mut conn, "SHOW FRONTENDS")
            .await
            .expect("works after reset");
        assert_eq!(t.rows.len(), 1);
    }
    pool.disconnect().await.expect("pool closes");
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_and_init_db_select_a_database_and_unknown_ones_fail() {
    let sim = start(&["3.3"], shape(1, 1, 0), true).await;
    let c = &sim.clusters[0];
    let mut conn = connect(c, 0).await;
    conn.query_drop("USE information_schema")
        .await
        .expect("use works");
    assert_eq!(
        q(&mut conn, "SELECT database()").await.rows[0][0].as_deref(),
        Some("information_schema")
    );
    let (code, _, msg) = server_error(conn.query_drop("USE nope").await.expect_err("unknown db"));
    assert_eq!((code, msg.as_str()), (1049, "Unknown database 'nope'"));
    let err = Conn::new(opts(c, 0).db_name(Some("nope")))
        .await
        .expect_err("unknown db at login");
    assert_eq!(server_error(err).0, 1049);
    sim.shutdown();
}

/// The raw greeting, parsed by hand from the protocol documentation (HandshakeV10).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_bytes_have_starrocks_capabilities_and_a_terminated_scramble() {
    use tokio::io::AsyncReadExt;
    let sim = start(&["2.5", "3.3", "3.4"], shape(1, 1, 0), true).await;
    for c in &sim.clusters {
        let (ip, port, _) = fe_addr(c, 0);
        let mut s = tokio::net::TcpStream::connect((ip.as_str(), port))
            .await
            .expect("connect");
        let mut header = [0u8; 4];
        s.read_exact(&mut header).await.expect("header");
        let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
        let mut p = vec![0u8; len];
        s.read_exact(&mut p).await.expect("payload");
        assert_eq!(p[0], 10, "protocol version");
        let nul = p.iter().position(|&b| b == 0).expect("server version ends");
        let server_version = std::str::from_utf8(&p[1..nul]).expect("ascii");
        let expected = if c.spec.version >= v("3.4") {
            "8.0.33"
        } else {
            "5.1.0"
        };
        assert_eq!(server_version, expected);
        let rest = &p[nul + 1..];
        // conn id (4), scramble 1 (8), filler (1), caps low (2), charset, status (2), caps high (2)
        let caps = u32::from(u16::from_le_bytes([rest[13], rest[14]]))
            | (u32::from(u16::from_le_bytes([rest[18], rest[19]])) << 16);
        assert_eq!(rest[15], 33, "utf8_general_ci");
        assert_eq!(
            u16::from_le_bytes([rest[16], rest[17]]),
            0,
            "status flags are always 0"
        );
        const PROTOCOL_41: u32 = 0x200;
        const SECURE_CONNECTION: u32 = 0x8000;
        const PLUGIN_AUTH: u32 = 0x8_0000;
        const CONNECT_ATTRS: u32 = 0x10_0000;
        const DEPRECATE_EOF: u32 = 0x100_0000;
        const TRANSACTIONS: u32 = 0x2000;
        assert_eq!(
            caps & (PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH),
            PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH
        );
        assert_eq!(
            caps & DEPRECATE_EOF,
            0,
            "StarRocks never offers CLIENT_DEPRECATE_EOF"
        );
        assert_eq!(caps & TRANSACTIONS, 0);
        assert_eq!(
            caps & CONNECT_ATTRS != 0,
            c.spec.version >= v("3.0"),
            "CONNECT_ATTRS from 3.x"
        );
        let auth_len = rest[20] as usize;
        assert_eq!(auth_len, 21);
        let scramble2 = &rest[31..31 + 13];
        assert_eq!(scramble2[12], 0, "second scramble part is NUL-terminated");
        assert!(scramble2[..12].iter().all(|&b| b != 0));
        assert_eq!(&rest[44..], b"mysql_native_password\0");
    }
    sim.shutdown();
}
