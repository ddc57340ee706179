//! The FE's MySQL wire protocol, as StarRocks speaks it (docs/starrocks-facts.md §9).
//!
//! Packets are encoded and decoded by `mysql_common` (the protocol crate behind mysql_async);
//! this module only decides what to send. We do not use a server framework such as
//! opensrv-mysql because it hard-codes behaviour StarRocks does not have: it advertises
//! CLIENT_DEPRECATE_EOF, answers unknown commands with OK and writes its own access-denied text,
//! while StarRocks never sends DEPRECATE_EOF, rejects commands per version with
//! `Unsupported command(…)` and reports 1045 `Access denied for user '…' (using password: …)`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use mysql_common::constants::{CapabilityFlags, ColumnFlags, ColumnType, Command, StatusFlags};
use mysql_common::io::ParseBuf;
use mysql_common::packets::{
    AuthSwitchRequest, Column as WireColumn, ErrPacket, HandshakePacket, HandshakeResponse,
    ServerError, SqlState,
};
use mysql_common::proto::codec::PacketCodec;
use mysql_common::proto::{MyDeserialize, MySerialize};
use mysql_common::scramble::scramble_native;
use rand::Rng;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Decoder, Encoder, Framed};
use tokio_util::sync::CancellationToken;

use crate::cluster::Cluster;
use crate::resultset::{ColType, ResultSet, SqlError};
use crate::sql::{self, Reply, SessionCtx};

const NATIVE: &[u8] = b"mysql_native_password";
/// utf8_general_ci
const CHARSET: u8 = 33;

/// `MysqlCommand.toString()` by command byte, for `Unsupported command(…)`.
const COMMAND_NAMES: [&str; 32] = [
    "COM_SLEEP",
    "COM_QUIT",
    "COM_INIT_DB",
    "COM_QUERY",
    "COM_FIELD_LIST",
    "COM_CREATE_DB",
    "COM_DROP_DB",
    "COM_REFRESH",
    "COM_SHUTDOWN",
    "COM_STATISTICS",
    "COM_PROCESS_INFO",
    "COM_CONNECT",
    "COM_PROCESS_KILL",
    "COM_DEBUG",
    "COM_PING",
    "COM_TIME",
    "COM_DELAYED_INSERT",
    "COM_CHANGE_USER",
    "COM_BINLOG_DUMP",
    "COM_TABLE_DUMP",
    "COM_CONNECT_OUT",
    "COM_REGISTER_SLAVE",
    "COM_STMT_PREPARE",
    "COM_STMT_EXECUTE",
    "COM_STMT_SEND_LONG_DATA",
    "COM_STMT_CLOSE",
    "COM_STMT_RESET",
    "COM_SET_OPTION",
    "COM_STMT_FETCH",
    "COM_DAEMON",
    "COM_BINLOG_DUMP_GTID",
    "COM_RESET_CONNECTION",
];

struct Codec(PacketCodec);

impl Decoder for Codec {
    type Item = Vec<u8>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Vec<u8>>, std::io::Error> {
        let mut dst = Vec::new();
        match self.0.decode(src, &mut dst) {
            Ok(true) => Ok(Some(dst)),
            Ok(false) => Ok(None),
            Err(e) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                e.to_string(),
            )),
        }
    }
}

impl Encoder<Vec<u8>> for Codec {
    type Error = std::io::Error;

    fn encode(&mut self, item: Vec<u8>, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        self.0
            .encode(&mut item.as_slice(), dst)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
    }
}

type Conn = Framed<TcpStream, Codec>;

/// Accepts connections until `stop` is cancelled; every connection ends with it.
pub async fn serve(
    listener: TcpListener,
    cluster: Arc<Cluster>,
    fe_idx: usize,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let cluster = cluster.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                r = handle(stream, peer, cluster.clone(), fe_idx) => {
                    if let Err(e) = r {
                        tracing::debug!(cluster = %cluster.spec.name, error = %e, "mysql connection ended");
                    }
                }
            }
        });
    }
}

fn capabilities(cluster: &Cluster) -> CapabilityFlags {
    let mut caps = CapabilityFlags::CLIENT_PROTOCOL_41
        | CapabilityFlags::CLIENT_CONNECT_WITH_DB
        | CapabilityFlags::CLIENT_SECURE_CONNECTION
        | CapabilityFlags::CLIENT_PLUGIN_AUTH
        | CapabilityFlags::CLIENT_LONG_FLAG;
    if cluster.spec.version.advertises_connect_attrs() {
        caps |= CapabilityFlags::CLIENT_CONNECT_ATTRS
            | CapabilityFlags::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA;
    }
    caps
}

fn nonce(conn_id: u64) -> [u8; 20] {
    use rand::SeedableRng;
    // A test emulator needs unpredictable-enough nonces, not cryptographic ones.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(nanos ^ conn_id.rotate_left(32));
    let mut n = [0u8; 20];
    for b in n.iter_mut() {
        // Printable, never NUL or '$', like the FE's MysqlPassword.createRandomString.
        *b = rng.random_range(0x21u8..0x7f);
        if *b == b'$' {
            *b = b'%';
        }
    }
    n
}

fn err_packet(e: &SqlError) -> Vec<u8> {
    let mut buf = Vec::new();
    ErrPacket::Error(ServerError::new(
        e.code,
        Some(SqlState::new(e.state)),
        e.message.as_bytes().to_vec(),
    ))
    .serialize(&mut buf);
    buf
}

fn ok_packet() -> Vec<u8> {
    // header, affected rows, last insert id, status flags (always 0 on StarRocks), warnings
    vec![0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
}

fn eof_packet() -> Vec<u8> {
    vec![0xfe, 0x00, 0x00, 0x00, 0x00]
}

async fn send(conn: &mut Conn, packet: Vec<u8>) -> std::io::Result<()> {
    conn.send(packet).await
}

async fn read(conn: &mut Conn) -> std::io::Result<Option<Vec<u8>>> {
    conn.next().await.transpose()
}

fn check_password(expected: &str, nonce: &[u8], response: &[u8]) -> bool {
    match scramble_native(nonce, expected.as_bytes()) {
        Some(s) => response == s,
        None => response.is_empty(),
    }
}

fn access_denied(user: &str, ip: &str, used_password: bool) -> SqlError {
    SqlError::new(
        1045,
        b"28000",
        format!(
            "Access denied for user '{user}@{ip}' (using password: {})",
            if used_password { "YES" } else { "NO" }
        ),
    )
}

/// Verifies a user's credentials, switching the client to mysql_native_password if it started
/// with another plugin. Returns the auth data that was finally checked.
async fn authenticate(
    conn: &mut Conn,
    cluster: &Cluster,
    nonce: &[u8; 20],
    user: &str,
    plugin: Option<&[u8]>,
    data: Vec<u8>,
) -> std::io::Result<Result<(), Vec<u8>>> {
    let data = match plugin {
        Some(p) if p != NATIVE => {
            let mut switch = Vec::new();
            let mut plugin_data = nonce.to_vec();
            plugin_data.push(0);
            AuthSwitchRequest::new(NATIVE.to_vec(), plugin_data).serialize(&mut switch);
            send(conn, switch).await?;
            read(conn).await?.unwrap_or_default()
        }
        _ => data,
    };
    let ok = user == cluster.spec.user && check_password(&cluster.spec.password, nonce, &data);
    Ok(if ok { Ok(()) } else { Err(data) })
}

async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    cluster: Arc<Cluster>,
    fe_idx: usize,
) -> std::io::Result<()> {
    let mut conn = Framed::new(stream, Codec(PacketCodec::default()));
    let version = cluster.spec.version;
    let conn_id = cluster.with_state(|st| st.alloc_conn_id(fe_idx));
    let nonce = nonce(conn_id);
    let caps = capabilities(&cluster);
    let mut handshake = Vec::new();
    HandshakePacket::new(
        10,
        version.mysql_server_version().as_bytes().to_vec(),
        conn_id as u32,
        nonce[..8].try_into().unwrap_or([0; 8]),
        // The second part is NUL-terminated: clients read max(13, len - 8) bytes.
        Some([&nonce[8..], &[0u8][..]].concat()),
        caps,
        CHARSET,
        StatusFlags::empty(),
        Some(NATIVE.to_vec()),
    )
    .serialize(&mut handshake);
    cluster.sql_delay(fe_idx).await;
    send(&mut conn, handshake).await?;

    let Some(mut raw) = read(&mut conn).await? else {
        return Ok(());
    };
    // Flags the server did not offer are not in effect, even if a client sets them (the
    // MariaDB client sets CONNECT_ATTRS against a 2.5 FE): parse with the intersection.
    if let Some(flags) = raw.get_mut(..4) {
        let effective = u32::from_le_bytes([flags[0], flags[1], flags[2], flags[3]]) & caps.bits();
        flags.copy_from_slice(&effective.to_le_bytes());
    }
    let response = HandshakeResponse::deserialize((), &mut ParseBuf(&raw))?;
    let user = String::from_utf8_lossy(response.user()).into_owned();
    let db = response
        .db_name()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .filter(|d| !d.is_empty());
    let plugin = response.auth_plugin().map(|p| p.as_bytes().to_vec());
    let ip = peer.ip().to_string();
    if let Err(data) = authenticate(
        &mut conn,
        &cluster,
        &nonce,
        &user,
        plugin.as_deref(),
        response.scramble_buf().to_vec(),
    )
    .await?
    {
        send(
            &mut conn,
            err_packet(&access_denied(&user, &ip, !data.is_empty())),
        )
        .await?;
        return Ok(());
    }
    let mut ctx = SessionCtx {
        fe_idx,
        conn_id,
        user: user.clone(),
        db: None,
    };
    if let Some(db) = db {
        if let Err(e) = cluster.with_state(|st| sql::use_db(st, &mut ctx, &db)) {
            send(&mut conn, err_packet(&e)).await?;
            return Ok(());
        }
    }
    cluster.with_state(|st| {
        st.register_session(fe_idx, conn_id, &user, &peer.to_string(), ctx.db.as_deref())
    });
    let _guard = SessionGuard {
        cluster: cluster.clone(),
        fe_idx,
        conn_id,
    };
    send(&mut conn, ok_packet()).await?;

    let mut statements: Vec<(u32, String)> = Vec::new();
    loop {
        conn.codec_mut().0.reset_seq_id();
        let Some(packet) = read(&mut conn).await? else {
            return Ok(());
        };
        let Some((&code, body)) = packet.split_first() else {
            return Ok(());
        };
        cluster.sql_delay(fe_idx).await;
        match code {
            c if c == Command::COM_QUIT as u8 => return Ok(()),
            c if c == Command::COM_QUERY as u8 => {
                let text = String::from_utf8_lossy(body).into_owned();
                let reply = run_statement(&cluster, &mut ctx, &text);
                write_reply(&mut conn, reply, false).await?;
            }
            c if c == Command::COM_INIT_DB as u8 => {
                let db = String::from_utf8_lossy(body).into_owned();
                let r = cluster.with_state(|st| sql::use_db(st, &mut ctx, db.trim()));
                send(
                    &mut conn,
                    match r {
                        Ok(_) => ok_packet(),
                        Err(e) => err_packet(&e),
                    },
                )
                .await?;
            }
            c if c == Command::COM_PING as u8 || c == Command::COM_RESET_CONNECTION as u8 => {
                send(&mut conn, ok_packet()).await?
            }
            c if c == Command::COM_FIELD_LIST as u8 => send(&mut conn, eof_packet()).await?,
            c if c == Command::COM_CHANGE_USER as u8 => {
                if !change_user(&mut conn, &cluster, &nonce, body, &ip).await? {
                    return Ok(());
                }
            }
            c if c == Command::COM_STMT_PREPARE as u8 && version.supports_prepared() => {
                let text = String::from_utf8_lossy(body).into_owned();
                let id = statements.len() as u32 + 1;
                let preview =
                    cluster.with_state(|st| sql::execute(st, &mut ctx.clone(), &text).reply);
                match preview {
                    Ok(reply) => {
                        let params = text.matches('?').count() as u16;
                        statements.push((id, text));
                        write_prepare_ok(&mut conn, id, params, &reply).await?;
                    }
                    Err(e) => send(&mut conn, err_packet(&e)).await?,
                }
            }
            c if c == Command::COM_STMT_EXECUTE as u8 && version.supports_prepared() => {
                let id = body
                    .get(..4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(0);
                match statements.iter().find(|(s, _)| *s == id) {
                    Some((_, text)) => {
                        let text = text.clone();
                        let reply = run_statement(&cluster, &mut ctx, &text);
                        write_reply(&mut conn, reply, true).await?;
                    }
                    None => {
                        let e = SqlError::unknown(format!(
                            "Unknown prepared statement handler ({id}) given to EXECUTE"
                        ));
                        send(&mut conn, err_packet(&e)).await?;
                    }
                }
            }
            // 3.3+ close silently as the protocol says; 3.2 answers COM_STMT_CLOSE with ERR.
            c if c == Command::COM_STMT_CLOSE as u8 && version.supports_stmt_close() => {
                let id = body
                    .get(..4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(0);
                statements.retain(|(s, _)| *s != id);
            }
            c if c == Command::COM_STMT_RESET as u8 && version.supports_stmt_close() => {
                send(&mut conn, ok_packet()).await?
            }
            _ => {
                let name = COMMAND_NAMES
                    .get(code as usize)
                    .copied()
                    .unwrap_or("UNKNOWN");
                send(
                    &mut conn,
                    err_packet(&SqlError::unknown(format!("Unsupported command({name})"))),
                )
                .await?;
            }
        }
    }
}

/// Removes the session from the processlist however the connection ends.
struct SessionGuard {
    cluster: Arc<Cluster>,
    fe_idx: usize,
    conn_id: u64,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.cluster
            .with_state(|st| st.close_session(self.fe_idx, self.conn_id));
    }
}

fn run_statement(cluster: &Cluster, ctx: &mut SessionCtx, text: &str) -> Result<Reply, SqlError> {
    cluster.with_state(|st| {
        let now = st.now_ms;
        if let Some(s) = st.session_mut(ctx.fe_idx, ctx.conn_id) {
            s.command = "Query";
            s.state = "OK";
            s.command_start_ms = now;
            s.info = text.to_string();
        }
        let outcome = sql::execute(st, ctx, text);
        st.count_statement(ctx.fe_idx, outcome.is_query, outcome.reply.is_ok());
        let db = ctx.db.clone();
        if let Some(s) = st.session_mut(ctx.fe_idx, ctx.conn_id) {
            s.command = "Sleep";
            s.command_start_ms = now;
            s.state = match &outcome.reply {
                Ok(Reply::Rows(_)) => "EOF",
                Ok(Reply::Ok) => "OK",
                Err(_) => "ERR",
            };
            s.db = db.unwrap_or_default();
        }
        outcome.reply
    })
}

fn column_type(ty: ColType) -> (ColumnType, u32) {
    match ty {
        ColType::Varchar => (ColumnType::MYSQL_TYPE_VAR_STRING, 1_048_576),
        ColType::BigInt => (ColumnType::MYSQL_TYPE_LONGLONG, 20),
        ColType::Int => (ColumnType::MYSQL_TYPE_LONG, 11),
        ColType::Double => (ColumnType::MYSQL_TYPE_DOUBLE, 22),
        ColType::Datetime => (ColumnType::MYSQL_TYPE_DATETIME, 19),
    }
}

fn column_packets(rs: &ResultSet) -> Vec<Vec<u8>> {
    rs.columns
        .iter()
        .map(|c| {
            let (ty, len) = column_type(c.ty);
            let mut buf = Vec::new();
            WireColumn::new(ty)
                .with_name(c.name.as_bytes())
                .with_org_name(c.name.as_bytes())
                .with_character_set(u16::from(CHARSET))
                .with_column_length(len)
                .with_flags(ColumnFlags::empty())
                .serialize(&mut buf);
            buf
        })
        .collect()
}

fn lenenc_int(buf: &mut Vec<u8>, v: u64) {
    match v {
        0..=250 => buf.push(v as u8),
        251..=0xffff => {
            buf.push(0xfc);
            buf.extend_from_slice(&(v as u16).to_le_bytes());
        }
        0x1_0000..=0xff_ffff => {
            buf.push(0xfd);
            buf.extend_from_slice(&v.to_le_bytes()[..3]);
        }
        _ => {
            buf.push(0xfe);
            buf.extend_from_slice(&v.to_le_bytes());
        }
    }
}

fn lenenc_str(buf: &mut Vec<u8>, s: &str) {
    lenenc_int(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

fn text_row(row: &[Option<String>]) -> Vec<u8> {
    let mut buf = Vec::new();
    for cell in row {
        match cell {
            Some(v) => lenenc_str(&mut buf, v),
            None => buf.push(0xfb),
        }
    }
    buf
}

/// A binary-protocol row (COM_STMT_EXECUTE): NULL bitmap with offset 2, then typed values.
fn binary_row(rs: &ResultSet, row: &[Option<String>]) -> Vec<u8> {
    let mut buf = vec![0x00];
    let mut bitmap = vec![0u8; (rs.columns.len() + 7 + 2) / 8];
    for (i, cell) in row.iter().enumerate() {
        if cell.is_none() {
            bitmap[(i + 2) / 8] |= 1 << ((i + 2) % 8);
        }
    }
    buf.extend_from_slice(&bitmap);
    for (col, cell) in rs.columns.iter().zip(row) {
        let Some(v) = cell else { continue };
        match col.ty {
            ColType::BigInt => match v.parse::<i64>() {
                Ok(n) => buf.extend_from_slice(&n.to_le_bytes()),
                Err(_) => buf.extend_from_slice(&0i64.to_le_bytes()),
            },
            ColType::Int => buf.extend_from_slice(&v.parse::<i32>().unwrap_or(0).to_le_bytes()),
            ColType::Double => {
                buf.extend_from_slice(&v.parse::<f64>().unwrap_or(0.0).to_le_bytes())
            }
            ColType::Varchar | ColType::Datetime => lenenc_str(&mut buf, v),
        }
    }
    buf
}

async fn write_reply(
    conn: &mut Conn,
    reply: Result<Reply, SqlError>,
    binary: bool,
) -> std::io::Result<()> {
    let rs = match reply {
        Err(e) => return send(conn, err_packet(&e)).await,
        Ok(Reply::Ok) => return send(conn, ok_packet()).await,
        Ok(Reply::Rows(rs)) => rs,
    };
    let mut count = Vec::new();
    lenenc_int(&mut count, rs.columns.len() as u64);
    conn.feed(count).await?;
    for c in column_packets(&rs) {
        conn.feed(c).await?;
    }
    conn.feed(eof_packet()).await?;
    for row in &rs.rows {
        let packet = if binary {
            // Datetimes travel as text in our binary rows, so announce them as strings there.
            binary_row(&rs, row)
        } else {
            text_row(row)
        };
        conn.feed(packet).await?;
    }
    conn.feed(eof_packet()).await?;
    conn.flush().await
}

async fn write_prepare_ok(
    conn: &mut Conn,
    id: u32,
    params: u16,
    reply: &Reply,
) -> std::io::Result<()> {
    let columns = match reply {
        Reply::Rows(rs) => column_packets(rs),
        Reply::Ok => Vec::new(),
    };
    let mut ok = vec![0x00];
    ok.extend_from_slice(&id.to_le_bytes());
    ok.extend_from_slice(&(columns.len() as u16).to_le_bytes());
    ok.extend_from_slice(&params.to_le_bytes());
    ok.push(0x00);
    ok.extend_from_slice(&0u16.to_le_bytes());
    conn.feed(ok).await?;
    if params > 0 {
        for _ in 0..params {
            let mut buf = Vec::new();
            WireColumn::new(ColumnType::MYSQL_TYPE_VAR_STRING)
                .with_name(b"?")
                .serialize(&mut buf);
            conn.feed(buf).await?;
        }
        conn.feed(eof_packet()).await?;
    }
    if !columns.is_empty() {
        for c in columns {
            conn.feed(c).await?;
        }
        conn.feed(eof_packet()).await?;
    }
    conn.flush().await
}

/// COM_CHANGE_USER: user, auth data, database, charset, plugin name. Answers OK or ERR; returns
/// whether the connection stays open.
async fn change_user(
    conn: &mut Conn,
    cluster: &Cluster,
    nonce: &[u8; 20],
    body: &[u8],
    ip: &str,
) -> std::io::Result<bool> {
    let mut rest = body;
    let take_cstr = |rest: &mut &[u8]| -> Vec<u8> {
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let s = rest[..end].to_vec();
        *rest = rest.get(end + 1..).unwrap_or(&[]);
        s
    };
    let user = String::from_utf8_lossy(&take_cstr(&mut rest)).into_owned();
    let len = rest.first().copied().unwrap_or(0) as usize;
    let data = rest.get(1..1 + len).unwrap_or(&[]).to_vec();
    rest = rest.get(1 + len..).unwrap_or(&[]);
    let _db = take_cstr(&mut rest);
    rest = rest.get(2..).unwrap_or(&[]);
    let plugin = take_cstr(&mut rest);
    let plugin = if plugin.is_empty() {
        None
    } else {
        Some(plugin.as_slice())
    };
    match authenticate(conn, cluster, nonce, &user, plugin, data).await? {
        Ok(()) => {
            send(conn, ok_packet()).await?;
            Ok(true)
        }
        Err(data) => {
            send(
                conn,
                err_packet(&access_denied(&user, ip, !data.is_empty())),
            )
            .await?;
            Ok(false)
        }
    }
}
