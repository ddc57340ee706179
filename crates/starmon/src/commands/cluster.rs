//! `starmon cluster add|list|remove|test`: the registered clusters.

use anyhow::{bail, Context};
use starmon::collector::{self, ClusterCollector, Target};
use starmon::config::Config;
use starmon::model::NewCluster;
use starmon::store::{Store, StoreError};

use super::{load_config, open_store, read_password, runtime, target_from};
use crate::cli::{ClusterCommand, StoreArgs};

pub fn run(command: ClusterCommand, args: &StoreArgs) -> anyhow::Result<()> {
    match command {
        ClusterCommand::Add {
            name,
            endpoint,
            no_test,
        } => {
            let config = load_config(args)?;
            if name.trim().is_empty() {
                bail!("--name cannot be empty");
            }
            let password = read_password(&endpoint)?;
            let target = target_from(&name, &endpoint, password.clone())?;
            if !no_test {
                let version = runtime()?.block_on(async {
                    let mut c = ClusterCollector::new(target.clone(), config.collector.clone())?;
                    let v = c.probe().await;
                    c.close().await;
                    v
                });
                match version {
                    Ok(v) => outln!("{name}: StarRocks {v} answers at {}", endpoint.fe),
                    Err(e) => bail!(
                        "{name}: cannot log in to {} as {}: {e} (use --no-test to register anyway)",
                        endpoint.fe,
                        endpoint.user
                    ),
                }
            }
            let store = open_store(&config)?;
            let record = store
                .add_cluster(&NewCluster {
                    name: name.clone(),
                    fe_host: target.fe_host,
                    fe_query_port: target.fe_query_port,
                    fe_http_port: target.fe_http_port,
                    user: target.user,
                    password,
                })
                .map_err(|e| match e {
                    StoreError::Conflict(_) => {
                        anyhow::anyhow!("a cluster named {name:?} is already registered")
                    }
                    other => other.into(),
                })?;
            outln!("registered cluster {} (id {})", record.name, record.id);
            Ok(())
        }
        ClusterCommand::List { json } => {
            let config = load_config(args)?;
            let clusters = open_store(&config)?.list_clusters()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&clusters)?);
            } else if clusters.is_empty() {
                outln!("no clusters registered (starmon cluster add --help)");
            } else {
                outln!("{:<4} {:<20} {:<28} {:<6} USER", "ID", "NAME", "FE", "HTTP");
                for c in clusters {
                    outln!(
                        "{:<4} {:<20} {:<28} {:<6} {}",
                        c.id,
                        c.name,
                        format!("{}:{}", c.fe_host, c.fe_query_port),
                        c.fe_http_port,
                        c.user
                    );
                }
            }
            Ok(())
        }
        ClusterCommand::Remove { name } => {
            let config = load_config(args)?;
            if open_store(&config)?.remove_cluster(&name)? {
                outln!("removed cluster {name} and its history");
                Ok(())
            } else {
                bail!("no cluster named {name:?}")
            }
        }
        ClusterCommand::Test { name } => {
            let config = load_config(args)?;
            let store = open_store(&config)?;
            let record = store
                .cluster_by_name(&name)?
                .with_context(|| format!("no cluster named {name:?}"))?;
            let password = store
                .cluster_password(record.id)?
                .with_context(|| format!("no password stored for {name:?}"))?;
            let target = Target::from_record(&record, password);
            runtime()?.block_on(test_cluster(target, config))
        }
    }
}

/// `cluster test`: what works and what fails, one line each; non-zero exit if anything failed.
async fn test_cluster(target: Target, config: Config) -> anyhow::Result<()> {
    let check = collector::check_connection(target.clone(), config.collector.clone()).await;
    let Some(version) = &check.version else {
        bail!(
            "{}: cannot log in to {}:{} as {}: {}",
            target.name,
            target.fe_host,
            target.fe_query_port,
            target.user,
            check.login_error.as_deref().unwrap_or("unknown error")
        );
    };
    outln!(
        "ok    login {}:{} as {} — StarRocks {version}",
        target.fe_host,
        target.fe_query_port,
        target.user
    );
    for n in &check.nodes {
        let kind = n.kind.map(|k| k.as_str()).unwrap_or("?");
        let state = match n.alive {
            Some(true) => "alive",
            Some(false) => "DEAD",
            None => "unknown",
        };
        outln!(
            "{:<6}{kind} {} {} {state}",
            if n.ok { "ok" } else { "FAIL" },
            n.node_id,
            n.host
        );
    }
    for e in &check.errors {
        outln!("FAIL  {}: {}", e.source, e.error);
    }
    if !check.ok {
        bail!(
            "{}: {} problem(s) found",
            target.name,
            check.errors.len() + check.nodes.iter().filter(|n| !n.ok).count()
        );
    }
    outln!("all {} nodes and their endpoints answer", check.nodes.len());
    Ok(())
}
