//! The database a run starts from: a template of N clusters × D days, filled once through the
//! store and cached, then copied for each run, pointed at this run's emulator and topped up to
//! the present.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use secrecy::ExposeSecret;
use starmon::model::{ClusterUpdate, NewCluster};
use starmon::secretbox::key_path;
use starmon::store::sqlite::SqliteStore;
use starmon::store::Store;

use crate::procs::SimCluster;
use crate::report::summary;
use crate::synthetic::{collection, instants};
use crate::{now_ms, Args, DAY_MS, STEP_MS};

/// What a template was built with; a template built otherwise is rebuilt.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct TemplateMeta {
    clusters: usize,
    days: i64,
    fes: usize,
    bes: usize,
    node_history_clusters: usize,
    built_at_ms: i64,
}

/// Reuses the cached template if it fits this run, else builds it.
pub fn ensure(args: &Args, sims: &[SimCluster]) -> anyhow::Result<()> {
    if let Some(dir) = args.cache.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if !args.rebuild && usable(args, sims)? {
        println!("reusing the template {}", args.cache.display());
        return Ok(());
    }
    println!(
        "building the template {} ({} clusters × {} days)…",
        args.cache.display(),
        args.clusters,
        args.days
    );
    let started = Instant::now();
    build(args, sims)?;
    println!(
        "template built in {:.1} s, {:.2} GB",
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&args.cache)?.len() as f64 / 1e9
    );
    Ok(())
}

/// Appends the synthetic history of every cluster after its newest stored snapshot (or from
/// `from_ms`) up to `to_ms`, one transaction per cluster (~20,000 snapshots: big enough that
/// commits do not count). The first `node_clusters` of `ids` also get node samples. Returns the
/// snapshots written.
fn fill(
    store: &SqliteStore,
    ids: &[i64],
    from_ms: i64,
    to_ms: i64,
    node_clusters: usize,
    args: &Args,
) -> anyhow::Result<u64> {
    let mut written = 0;
    for (i, &c) in ids.iter().enumerate() {
        let newest = store.latest_snapshot(c)?.map(|s| s.collected_at);
        let start = newest.map_or(from_ms, |n| (n + 1).max(from_ms));
        let with_nodes = i < node_clusters;
        let history =
            instants(c, start, to_ms).map(|t| collection(c, t, with_nodes, args.fes, args.bes));
        written += store.write_collections(c, history)? as u64;
    }
    Ok(written)
}

/// Writes `n` collections of cluster `c` from `from_ms` through the store, one call each, and
/// returns snapshots per second: the rate the ordinary write path would fill the database at.
fn measure_store_writes(
    store: &SqliteStore,
    c: i64,
    from_ms: i64,
    n: usize,
    nodes: bool,
    args: &Args,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    for t in instants(c, from_ms, i64::MAX).take(n) {
        let x = collection(c, t, nodes, args.fes, args.bes);
        store.write_collection(c, &x.snapshot, &x.nodes, &x.status)?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

/// The store's own write path, one transaction per collection, for a first stretch of two
/// clusters: with and without 8 nodes (10 disk paths).
fn print_write_rate(
    store: &SqliteStore,
    ids: &[i64],
    from: i64,
    args: &Args,
) -> anyhow::Result<()> {
    if args.measure_writes == 0 || ids.len() <= args.node_history_clusters {
        return Ok(());
    }
    let with_nodes = if args.node_history_clusters > 0 {
        Some(measure_store_writes(
            store,
            ids[0],
            from,
            args.measure_writes,
            true,
            args,
        )?)
    } else {
        None
    };
    let without = measure_store_writes(
        store,
        ids[args.node_history_clusters],
        from,
        args.measure_writes,
        false,
        args,
    )?;
    let rows = ids.len() as f64 * (args.days * DAY_MS / STEP_MS) as f64;
    println!(
        "Store::write_collection: {without:.0} snapshots/s without nodes{} → {rows:.0} snapshots would take {:.1} min one call each",
        with_nodes
            .map(|w| format!(", {w:.0}/s with {} nodes", args.fes + args.bes))
            .unwrap_or_default(),
        rows / without / 60.0
    );
    Ok(())
}

fn meta_path(cache: &Path) -> PathBuf {
    let mut p = cache.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// The database file, its WAL and shared memory, and the key of its encrypted passwords.
pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// True when the cached template has the same shape and the emulator's names and password.
fn usable(args: &Args, sims: &[SimCluster]) -> anyhow::Result<bool> {
    let Ok(raw) = std::fs::read_to_string(meta_path(&args.cache)) else {
        return Ok(false);
    };
    let Ok(meta) = serde_json::from_str::<TemplateMeta>(&raw) else {
        return Ok(false);
    };
    if !args.cache.exists()
        || meta.clusters != args.clusters
        || meta.days != args.days
        || meta.fes != args.fes
        || meta.bes != args.bes
        || meta.node_history_clusters != args.node_history_clusters
    {
        return Ok(false);
    }
    let store = SqliteStore::open(&args.cache)?;
    for s in sims {
        let Some(rec) = store.cluster_by_name(&s.name)? else {
            return Ok(false);
        };
        // An error here (e.g. a lost key file) also means: build a new one.
        let same = store
            .cluster_password(rec.id)
            .ok()
            .flatten()
            .is_some_and(|p| p.expose_secret() == s.password);
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

fn build(args: &Args, sims: &[SimCluster]) -> anyhow::Result<()> {
    let building = args.cache.with_extension("building");
    remove_db(&building);
    let _ = std::fs::remove_file(meta_path(&args.cache));
    let store = SqliteStore::open(&building)?;
    let mut ids = Vec::new();
    for s in sims {
        let rec = store.add_cluster(&NewCluster {
            name: s.name.clone(),
            fe_host: s.host.clone(),
            fe_query_port: s.query_port,
            fe_http_port: s.http_port,
            user: s.user.clone(),
            password: s.password.clone().into(),
        })?;
        ids.push(rec.id);
    }
    let end = now_ms();
    let from = end - args.days * DAY_MS;
    let node_clusters = args.node_history_clusters.min(ids.len());
    print_write_rate(&store, &ids, from, args)?;

    let started = Instant::now();
    let rows = fill(&store, &ids, from, end, node_clusters, args)?;
    println!(
        "bulk fill: {rows} snapshots (+ statuses, + node history of {node_clusters} clusters) in {:.1} s = {:.0} snapshots/s",
        started.elapsed().as_secs_f64(),
        rows as f64 / started.elapsed().as_secs_f64().max(1e-9)
    );

    // Rollups as serve would have written them day by day; done once here instead of at every
    // serve start.
    let started = Instant::now();
    let report = store.rollup_daily(chrono_tz::UTC, end)?;
    println!(
        "rollup_daily: {} cluster-days in {:.1} s",
        report.days_written,
        started.elapsed().as_secs_f64()
    );
    drop(store);
    // Everything into the main file: the template is copied without its WAL.
    let conn = rusqlite::Connection::open(&building)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    remove_db(&args.cache);
    std::fs::rename(&building, &args.cache)?;
    std::fs::rename(key_path(&building), key_path(&args.cache))?;
    remove_db(&building);
    let meta = TemplateMeta {
        clusters: args.clusters,
        days: args.days,
        fes: args.fes,
        bes: args.bes,
        node_history_clusters: args.node_history_clusters,
        built_at_ms: end,
    };
    std::fs::write(meta_path(&args.cache), serde_json::to_string_pretty(&meta)?)?;
    Ok(())
}

/// Copies the template, points its clusters at this emulator, tops the history up to now and
/// applies the rollup and retention serve would apply, so serve starts in steady state. Returns
/// the store open on the copy and the clusters' ids in the emulator's order.
pub fn prepare_run_db(
    args: &Args,
    sims: &[SimCluster],
    db: &Path,
) -> anyhow::Result<(SqliteStore, Vec<i64>)> {
    let started = Instant::now();
    std::fs::copy(&args.cache, db).context("copying the template")?;
    // The passwords are encrypted with the template's key (copy keeps its 0600 mode).
    std::fs::copy(key_path(&args.cache), key_path(db)).context("copying the key file")?;
    let copied = started.elapsed().as_secs_f64();
    let store = SqliteStore::open(db)?;
    let mut ids = Vec::new();
    for s in sims {
        // Emulator ports change from run to run; the password is left as add_cluster stored it.
        let rec = store
            .cluster_by_name(&s.name)?
            .with_context(|| format!("the template has no cluster {:?}", s.name))?;
        let update = ClusterUpdate {
            fe_host: Some(s.host.clone()),
            fe_query_port: Some(s.query_port),
            fe_http_port: Some(s.http_port),
            user: Some(s.user.clone()),
            ..ClusterUpdate::default()
        };
        store.update_cluster(rec.id, &update)?;
        ids.push(rec.id);
    }
    let end = now_ms();
    let node_clusters = args.node_history_clusters.min(ids.len());
    let topped = fill(
        &store,
        &ids,
        end - args.days * DAY_MS,
        end,
        node_clusters,
        args,
    )?;
    let rolled = store.rollup_daily(chrono_tz::UTC, end - 2 * STEP_MS)?;
    let removed = store.enforce_retention(chrono_tz::UTC, now_ms(), args.days * DAY_MS, 30)?;
    // The storage part of a history request alone, in process: reading every detail row of the
    // range as the handler does, before any downsampling or JSON.
    let mut read_ms = Vec::new();
    let mut rows = 0;
    for i in 0..20 {
        let c = ids[(i * 37) % ids.len()];
        let t0 = Instant::now();
        let to = now_ms();
        rows = store.snapshots(c, to - args.days * DAY_MS, to)?.len();
        read_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "Store::snapshots over {} days ({rows} rows), in process: {}",
        args.days,
        summary(read_ms)
    );
    println!(
        "run database: copied in {copied:.1} s, topped up {topped} snapshots, {} new rollup days, retention removed {} snapshots; ready in {:.1} s",
        rolled.days_written,
        removed.snapshots_deleted,
        started.elapsed().as_secs_f64()
    );
    Ok((store, ids))
}

/// Rows per table and the file's size. Read with SQL: the store counts nothing this way.
pub fn print_contents(db: &Path) -> anyhow::Result<()> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [], |r| r.get(0)) };
    println!(
        "database: {} clusters, {} snapshots, {} statuses, {} node samples, {} node disks, {} daily rows, {:.2} GB",
        count("SELECT COUNT(*) FROM clusters")?,
        count("SELECT COUNT(*) FROM metrics_snapshots")?,
        count("SELECT COUNT(*) FROM collection_status")?,
        count("SELECT COUNT(*) FROM node_samples")?,
        count("SELECT COUNT(*) FROM node_disks")?,
        count("SELECT COUNT(*) FROM daily_snapshots")?,
        std::fs::metadata(db)?.len() as f64 / 1e9
    );
    Ok(())
}
