//! `starmon demo`: the whole product on one machine with nothing else installed. Starts
//! starrocks-sim in-process with two clusters of different versions (the second with a data disk
//! filling fast and a BE that goes down and comes back every couple of minutes), registers them
//! in a fresh database, collects them on a short interval and serves the dashboard.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use starmon::app::{App, SHUTDOWN_DEADLINE};
use starmon::config::Config;
use starmon::model::NewCluster;
use starmon::store::sqlite::SqliteStore;
use starmon::store::{Store, StoreError};
use starrocks_sim::{ClusterConfig, Sim, SimConfig};
use tokio_util::sync::CancellationToken;

use super::{init_logging, runtime, shutdown_signal};

/// Which BE of the second cluster is flaky, how long it stays up and how long down.
const FLAKY_BE: usize = 2;
const FLAKY_UP: Duration = Duration::from_secs(100);
const FLAKY_DOWN: Duration = Duration::from_secs(40);

pub struct DemoArgs {
    pub listen: String,
    pub interval_secs: u64,
    /// Keep the database here instead of a temporary folder.
    pub db: Option<PathBuf>,
}

fn parse_version(v: &str) -> anyhow::Result<starrocks_sim::version::Version> {
    v.parse().map_err(|e| anyhow::anyhow!("version {v:?}: {e}"))
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    init_logging();
    runtime()?.block_on(demo(args))
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = args
        .listen
        .parse()
        .with_context(|| format!("--listen {:?} is not HOST:PORT", args.listen))?;
    // The demo has no users: loopback only, like `serve` without access control.
    starmon::server::check_exposure(addr, false, 0).map_err(anyhow::Error::msg)?;

    let mut healthy = ClusterConfig::new("shop-3.3", parse_version("3.3")?, 33);
    // Under StarRocks' recommended 0.05 failed queries per second: this one should look healthy.
    healthy.workload.error_fraction = 0.0005;
    healthy.workload.timeout_fraction = 0.0001;
    let mut troubled = ClusterConfig::new("logs-2.5", parse_version("2.5")?, 25);
    troubled.workload.error_fraction = 0.03;
    let sim = Sim::start(SimConfig {
        clusters: vec![healthy, troubled],
        control_addr: "127.0.0.1:0".parse()?,
        frozen_clock: false,
    })
    .await
    .context("cannot start the emulator")?;
    // The second cluster's first BE: one data path at 82 %, written a hundred times faster than
    // the others, so it crosses 90 % within the hour.
    let logs = sim.clusters[1].clone();
    logs.with_state(|st| {
        if let Some(be) = st.bes.get_mut(0) {
            be.fill_multiplier = 100.0;
        }
        st.fill_disk(0, None, 82.0)
    })
    .map_err(anyhow::Error::msg)?;

    let (_tmp, database) = match args.db {
        Some(p) => (None, p),
        None => {
            let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
            let db = dir.path().join("starmon-demo.db");
            (Some(dir), db)
        }
    };
    let mut config = Config {
        database: database.clone(),
        listen: args.listen.clone(),
        ..Config::default()
    };
    let interval = args.interval_secs.max(1);
    config.collector.interval_secs = interval;
    config.collector.jobs_interval_secs = interval;
    config.collector.size_interval_secs = interval;
    config.validate()?;

    let sqlite = Arc::new(
        SqliteStore::open(&database)
            .with_context(|| format!("cannot open the database {}", database.display()))?,
    );
    for c in &sim.clusters {
        let fe = c.fe_node(0).context("the emulator has no FE")?;
        let record = sqlite.add_cluster(&NewCluster {
            name: c.spec.name.clone(),
            fe_host: fe.ip.to_string(),
            fe_query_port: fe.query_port.context("the FE has no query port")?,
            fe_http_port: fe.http_port,
            user: c.spec.user.clone(),
            password: SecretString::from(c.spec.password.clone()),
        });
        // A kept database already has them.
        if let Err(e) = record {
            if !matches!(e, StoreError::Conflict(_)) {
                return Err(e.into());
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (another program uses it? try --listen 127.0.0.1:0)")
    })?;
    let local = listener.local_addr()?;
    let app = App::start(sqlite, Arc::new(config), CancellationToken::new())?;

    outln!("dashboard: http://{local}/");
    for c in &sim.clusters {
        outln!(
            "cluster {} (StarRocks {}) control: {}/clusters/{}",
            c.spec.name,
            c.spec.version,
            sim.control_url,
            c.spec.name
        );
    }
    outln!("database: {}", database.display());
    outln!("collecting every {interval} s; Ctrl-C stops everything");

    app.spawn(flaky_be(logs, app.cancel.clone()));
    app.serve(listener);
    shutdown_signal().await;
    app.shutdown(SHUTDOWN_DEADLINE).await;
    sim.shutdown();
    Ok(())
}

/// Stops and starts one BE of `cluster` for ever, as a host that keeps crashing would.
async fn flaky_be(cluster: Arc<starrocks_sim::cluster::Cluster>, cancel: CancellationToken) {
    let Some(node) = cluster.node(&format!("be{FLAKY_BE}")).cloned() else {
        return;
    };
    loop {
        for (wait, up) in [(FLAKY_UP, false), (FLAKY_DOWN, true)] {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            cluster.with_state(|st| {
                if up {
                    st.start_be(FLAKY_BE)
                } else {
                    st.stop_be(FLAKY_BE)
                }
            });
            node.set_running(up);
        }
    }
}
