//! The accept loop: every connection on hyper with a header-read timeout, at most
//! `max_connections` of them at once, the client's address for the handlers, and a graceful stop.
//!
//! `axum::serve` neither times out idle connections nor caps them, so 20,000 idle sockets used
//! to take every file descriptor and collection failed with "Too many open files".

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; further clients wait in the kernel's listen queue, which
    /// costs this process no descriptor.
    pub max_connections: usize,
    /// Time to send a request's headers, from connect or from the previous response, so idle
    /// keep-alive connections and half-sent requests are closed.
    pub header_read_timeout: Duration,
}

impl Limits {
    pub fn from_config(c: &crate::config::ServerConfig) -> Limits {
        Limits {
            max_connections: c.max_connections(),
            header_read_timeout: c.header_read_timeout(),
        }
    }
}

/// Largest request head hyper buffers: above the limits of [`super::layers`] (URI 32 KiB,
/// headers 64 KiB), so that requests past those get its JSON error rather than hyper's bare one.
const MAX_BUF: usize = 128 * 1024;

/// Serves `app` on `listener` until `cancel`, then lets the requests in flight finish (the
/// caller bounds that wait). Handlers can extract `ConnectInfo<SocketAddr>`.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, cancel: CancellationToken) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // HTTP/1 only: browsers speak HTTP/2 only over TLS, and detecting cleartext HTTP/2 (as
    // hyper-util's auto builder does) reads the connection with no timeout before hyper's
    // header timeout is armed, so a silent client would never be closed.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_BUF);
    loop {
        // A slot first, then accept: at the cap, clients queue in the kernel instead of holding
        // descriptors here.
        let permit = tokio::select! {
            _ = cancel.cancelled() => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            _ = cancel.cancelled() => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    accept_failed(&e, &cancel).await;
                    continue;
                }
            },
        };
        // Small JSON answers: send them without waiting for Nagle.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(client = %remote, error = %e, "HTTP connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Waits a moment after an accept error that is about this process (out of descriptors): the
/// next accept would fail at once too. Errors about one connection are skipped.
async fn accept_failed(e: &std::io::Error, cancel: &CancellationToken) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    ) {
        return;
    }
    tracing::warn!(error = %e, "cannot accept an HTTP connection");
    tokio::select! {
        _ = cancel.cancelled() => {}
        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
    }
}
