//! `starrocks-sim --clusters N --version V [--seed S]`: start emulated clusters, print one JSON
//! line per cluster, serve until interrupted.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;
use chrono::FixedOffset;
use clap::Parser;
use starrocks_sim::{ClusterConfig, Shape, Sim, SimConfig, Version, Workload};

/// A faithful StarRocks emulator (MySQL protocol, FE and BE HTTP) for starmon's tests and demos.
#[derive(Debug, Parser)]
#[command(name = "starrocks-sim", about, disable_version_flag = true)]
struct Args {
    /// Number of clusters.
    #[arg(long, default_value_t = 1)]
    clusters: usize,
    /// StarRocks version(s): one of 2.5, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 4.0, 4.1, or a full
    /// version like 3.3.4. A comma-separated list is assigned to the clusters in turn.
    #[arg(long, default_value = "3.3", value_delimiter = ',')]
    version: Vec<String>,
    /// Seed of the model; the same seed gives the same numbers.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// FEs per cluster (the first three are followers, the rest observers).
    #[arg(long, default_value_t = 3)]
    fes: usize,
    /// BEs per cluster.
    #[arg(long, default_value_t = 3)]
    bes: usize,
    /// Compute nodes per cluster; any makes the cluster shared-data.
    #[arg(long, default_value_t = 0)]
    cns: usize,
    /// Prefix of the cluster names (`sr-1`, `sr-2`, …).
    #[arg(long, default_value = "sr")]
    name_prefix: String,
    #[arg(long, default_value = "root")]
    user: String,
    /// Password of the SQL user (printed in the start-up lines).
    #[arg(long, env = "STARROCKS_SIM_PASSWORD", default_value = "starrocks")]
    password: String,
    /// Queries per second per cluster.
    #[arg(long)]
    qps: Option<f64>,
    /// Bytes per second written to each data path of each BE.
    #[arg(long)]
    disk_fill_rate: Option<f64>,
    /// Time zone of the FE (offset like +08:00), used for every time it prints.
    #[arg(long, default_value = "+00:00")]
    tz: String,
    /// Address of the control API.
    #[arg(long, default_value = "127.0.0.1:0")]
    control: SocketAddr,
    /// Freeze model time: it moves only through the control API's /clock/advance.
    #[arg(long)]
    frozen_clock: bool,
}

fn parse_offset(s: &str) -> anyhow::Result<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => anyhow::bail!("time zone offset must look like +08:00, got {s:?}"),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let secs =
        h.parse::<i32>().context("hours")? * 3600 + m.parse::<i32>().context("minutes")? * 60;
    FixedOffset::east_opt(sign * secs).with_context(|| format!("offset out of range: {s}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if args.clusters == 0 {
        anyhow::bail!("--clusters must be at least 1");
    }
    let versions: Vec<Version> = args
        .version
        .iter()
        .map(|v| v.parse::<Version>())
        .collect::<Result<_, _>>()?;
    let tz = parse_offset(&args.tz)?;
    let mut workload = Workload::default();
    if let Some(q) = args.qps {
        workload.qps = q;
    }
    if let Some(r) = args.disk_fill_rate {
        workload.disk_fill_bytes_per_sec = r;
    }
    let clusters = (0..args.clusters)
        .map(|i| {
            let mut c = ClusterConfig::new(
                format!("{}-{}", args.name_prefix, i + 1),
                versions[i % versions.len()],
                args.seed.wrapping_add(i as u64),
            );
            c.shape = Shape {
                fes: args.fes,
                bes: args.bes,
                cns: args.cns,
            };
            c.user = args.user.clone();
            c.password = args.password.clone();
            c.tz = tz;
            c.workload = workload.clone();
            c
        })
        .collect();
    let sim = Sim::start(SimConfig {
        clusters,
        control_addr: args.control,
        frozen_clock: args.frozen_clock,
    })
    .await?;
    {
        let mut out = std::io::stdout().lock();
        for line in sim.cluster_lines() {
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }
    wait_for_signal().await;
    sim.shutdown();
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
