//! Turns a parsed command line into running work.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::auth::{self, AuthState};
use crate::cli::{
    Cli, ClusterCommand, Command, Endpoint, KeyCommand, StoreArgs, TokenCommand, UserCommand,
};
use crate::collector::{self, ClusterCollector, Target};
use crate::config::Config;
use crate::model::NewCluster;
use crate::store::auth::AuthStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo {
            listen,
            interval,
            db,
        } => {
            init_logging();
            runtime()?.block_on(crate::demo::run(crate::demo::DemoArgs {
                listen,
                interval_secs: interval,
                db,
            }))
        }
        Command::Config => {
            print!("{}", Config::default_toml());
            Ok(())
        }
        Command::Serve {
            store,
            listen,
            collect_interval,
        } => {
            let mut config = load_config(&store)?;
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(i) = collect_interval {
                config.collector.interval_secs = i;
                config.collector.jobs_interval_secs = config.collector.jobs_interval_secs.max(i);
                config.collector.size_interval_secs = config.collector.size_interval_secs.max(i);
            }
            config.validate()?;
            runtime()?.block_on(serve(config))
        }
        Command::Cluster { command } => cluster(command),
        Command::User { command } => user(command),
        Command::Token { command } => token(command),
        Command::Key { command } => key(command),
        Command::Collect {
            endpoint,
            samples,
            interval,
            json,
        } => {
            let password = read_password(&endpoint)?;
            runtime()?.block_on(collect(endpoint, password, samples, interval, json))
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "starmon=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: in a journal, a file or a pipe they are
        // noise that breaks grep.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn load_config(args: &StoreArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(db) = &args.db {
        config.database = db.clone();
    }
    Ok(config)
}

fn open_store(config: &Config) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(&config.database)
        .with_context(|| format!("cannot open the database {}", config.database.display()))
}

fn parse_fe(fe: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = fe
        .rsplit_once(':')
        .with_context(|| format!("--fe {fe:?}: expected HOST:QUERY_PORT"))?;
    let port: u16 = port
        .parse()
        .with_context(|| format!("--fe {fe:?}: {port:?} is not a port"))?;
    if host.is_empty() {
        bail!("--fe {fe:?}: the host is missing");
    }
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

/// The password from `--password-env`, else from standard input: prompted without echo on a
/// terminal, one line when piped. Never from an argument.
fn read_password(endpoint: &Endpoint) -> anyhow::Result<SecretString> {
    read_secret(
        endpoint.password_env.as_deref(),
        &format!("Password for {}@{}: ", endpoint.user, endpoint.fe),
        false,
    )
}

/// A secret from the environment variable `env`, else from standard input (prompted with
/// `prompt` without echo on a terminal, twice if `confirm`; one line when piped).
fn read_secret(env: Option<&str>, prompt: &str, confirm: bool) -> anyhow::Result<SecretString> {
    if let Some(var) = env {
        let value = std::env::var(var)
            .with_context(|| format!("--password-env {var}: the variable is not set"))?;
        return Ok(SecretString::from(value));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let p = rpassword::prompt_password(prompt).context("cannot read the password")?;
        if confirm {
            let again =
                rpassword::prompt_password("Again: ").context("cannot read the password")?;
            if again != p {
                bail!("the two passwords differ");
            }
        }
        return Ok(SecretString::from(p));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(SecretString::from(
        line.trim_end_matches(['\n', '\r']).to_string(),
    ))
}

fn target_from(name: &str, endpoint: &Endpoint, password: SecretString) -> anyhow::Result<Target> {
    let (host, port) = parse_fe(&endpoint.fe)?;
    Ok(Target {
        name: name.to_string(),
        fe_host: host,
        fe_query_port: port,
        fe_http_port: endpoint.http_port,
        user: endpoint.user.clone(),
        password,
    })
}

fn cluster(command: ClusterCommand) -> anyhow::Result<()> {
    match command {
        ClusterCommand::Add {
            store,
            name,
            endpoint,
            no_test,
        } => {
            let config = load_config(&store)?;
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
                    Ok(v) => println!("{name}: StarRocks {v} answers at {}", endpoint.fe),
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
            println!("registered cluster {} (id {})", record.name, record.id);
            Ok(())
        }
        ClusterCommand::List { store, json } => {
            let config = load_config(&store)?;
            let clusters = open_store(&config)?.list_clusters()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&clusters)?);
            } else if clusters.is_empty() {
                println!("no clusters registered (starmon cluster add --help)");
            } else {
                println!("{:<4} {:<20} {:<28} {:<6} USER", "ID", "NAME", "FE", "HTTP");
                for c in clusters {
                    println!(
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
        ClusterCommand::Remove { store, name } => {
            let config = load_config(&store)?;
            if open_store(&config)?.remove_cluster(&name)? {
                println!("removed cluster {name} and its history");
                Ok(())
            } else {
                bail!("no cluster named {name:?}")
            }
        }
        ClusterCommand::Test { store, name } => {
            let config = load_config(&store)?;
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

fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            store,
            name,
            password_env,
        } => {
            let config = load_config(&store)?;
            auth::check_name("username", &name)?;
            let password = read_secret(
                password_env.as_deref(),
                &format!("Password for the starmon user {name}: "),
                true,
            )?;
            auth::check_new_password(&password)?;
            let hash = auth::hash_password(&password)?;
            open_store(&config)?
                .add_user(&name, &hash)
                .map_err(|e| match e {
                    StoreError::Conflict(_) => anyhow::anyhow!("a user named {name:?} exists"),
                    other => other.into(),
                })?;
            println!("added user {name}");
            if !config.auth.enabled {
                println!(
                    "authentication is not enabled yet: set `[auth] enabled = true` in the \
                     configuration file (or STARMON_AUTH_ENABLED=true)"
                );
            }
            Ok(())
        }
        UserCommand::List { store } => {
            let config = load_config(&store)?;
            let users = open_store(&config)?.list_users()?;
            if users.is_empty() {
                println!("no users (starmon user add --help)");
            }
            for u in users {
                println!("{:<24} created {}", u.username, time_text(u.created_at));
            }
            Ok(())
        }
        UserCommand::Remove { store, name } => {
            let config = load_config(&store)?;
            if open_store(&config)?.remove_user(&name)? {
                println!("removed user {name} with their sessions and API tokens");
                Ok(())
            } else {
                bail!("no user named {name:?}")
            }
        }
    }
}

fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { store, name, user } => {
            let config = load_config(&store)?;
            auth::check_name("token name", &name)?;
            let (token, digest) = auth::new_api_token()?;
            let now = chrono::Utc::now().timestamp_millis();
            let record = open_store(&config)?
                .add_token(&name, &user, &digest, now)
                .map_err(|e| match e {
                    StoreError::NotFound(_) => anyhow::anyhow!("no user named {user:?}"),
                    other => other.into(),
                })?;
            eprintln!(
                "created API token {} ({name}) for {user}; it is shown only now:",
                record.id
            );
            println!("{}", secrecy::ExposeSecret::expose_secret(&token));
            Ok(())
        }
        TokenCommand::List { store, user } => {
            let config = load_config(&store)?;
            let tokens = open_store(&config)?.list_tokens(user.as_deref())?;
            if tokens.is_empty() {
                println!("no API tokens (starmon token create --help)");
                return Ok(());
            }
            println!(
                "{:<4} {:<20} {:<16} {:<26} {:<26} STATE",
                "ID", "NAME", "USER", "CREATED", "LAST USED"
            );
            for t in tokens {
                println!(
                    "{:<4} {:<20} {:<16} {:<26} {:<26} {}",
                    t.id,
                    t.name,
                    t.username,
                    time_text(t.created_at),
                    t.last_used_at.map(time_text).unwrap_or_else(|| "-".into()),
                    match t.revoked_at {
                        Some(at) => format!("revoked {}", time_text(at)),
                        None => "active".into(),
                    }
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { store, id } => {
            let config = load_config(&store)?;
            let now = chrono::Utc::now().timestamp_millis();
            if open_store(&config)?.revoke_token(id, None, now)? {
                println!("revoked API token {id}");
                Ok(())
            } else {
                bail!("no active API token with id {id}")
            }
        }
    }
}

fn key(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Reset { store } => {
            let config = load_config(&store)?;
            let db = &config.database;
            let report = crate::store::keycheck::reset_key(db)
                .with_context(|| format!("cannot reset the key of {}", db.display()))?;
            if let Some(aside) = &report.set_aside {
                println!("the previous key file was moved to {}", aside.display());
            }
            println!(
                "new key file {}; {} secret(s) kept",
                crate::secretbox::key_path(db).display(),
                report.kept
            );
            for name in &report.passwords_cleared {
                println!(
                    "cluster {name}: password emptied, its collections fail until it is entered \
                     again (dashboard, or PATCH /api/v1/clusters/{{id}} {{\"password\": …}})"
                );
            }
            for name in &report.channels_removed {
                println!("channel {name}: removed, create it again");
            }
            Ok(())
        }
    }
}

fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
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
    println!(
        "ok    login {}:{} as {} — StarRocks {version}",
        target.fe_host, target.fe_query_port, target.user
    );
    for n in &check.nodes {
        let kind = n.kind.map(|k| k.as_str()).unwrap_or("?");
        let state = match n.alive {
            Some(true) => "alive",
            Some(false) => "DEAD",
            None => "unknown",
        };
        println!(
            "{:<6}{kind} {} {} {state}",
            if n.ok { "ok" } else { "FAIL" },
            n.node_id,
            n.host
        );
    }
    for e in &check.errors {
        println!("FAIL  {}: {}", e.source, e.error);
    }
    if !check.ok {
        bail!(
            "{}: {} problem(s) found",
            target.name,
            check.errors.len() + check.nodes.iter().filter(|n| !n.ok).count()
        );
    }
    println!("all {} nodes and their endpoints answer", check.nodes.len());
    Ok(())
}

async fn collect(
    endpoint: Endpoint,
    password: SecretString,
    samples: u32,
    interval: u64,
    json: bool,
) -> anyhow::Result<()> {
    let config = Config::load(None)?;
    let target = target_from("collect", &endpoint, password)?;
    let mut c = ClusterCollector::new(target, config.collector.clone())?;
    if let Err(e) = c.probe().await {
        bail!("cannot log in to {} as {}: {e}", endpoint.fe, endpoint.user);
    }
    let mut out = std::io::stdout().lock();
    for i in 0..samples.max(1) {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(interval)).await;
        }
        let collected = c.collect_once(chrono::Utc::now().timestamp_millis()).await;
        if json {
            let mut v = serde_json::to_value(&collected.snapshot)?;
            if let serde_json::Value::Object(m) = &mut v {
                m.insert("nodes".into(), serde_json::to_value(&collected.nodes)?);
                m.insert("status".into(), serde_json::to_value(&collected.status)?);
            }
            writeln!(out, "{v}")?;
        } else {
            let s = &collected.snapshot;
            writeln!(
                out,
                "{} {}: FE {}/{} BE {}/{} qps {} p99 {} ms cpu {} % disk {} % running {}",
                collected.status.outcome.as_str(),
                chrono::DateTime::from_timestamp_millis(s.collected_at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                show(s.fe_node_alive),
                show(s.fe_node_total),
                show(s.be_node_alive),
                show(s.be_node_total),
                show(s.qps.map(|v| format!("{v:.1}"))),
                show(s.query_latency_p99),
                show(s.cpu_usage_pct.map(|v| format!("{v:.1}"))),
                show(s.disk_usage_pct.map(|v| format!("{v:.1}"))),
                show(s.running_queries),
            )?;
            for e in &collected.status.errors {
                writeln!(out, "  {}: {}", e.source, e.error)?;
            }
        }
        out.flush()?;
    }
    c.close().await;
    Ok(())
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    init_logging();
    let addr: std::net::SocketAddr = config
        .listen
        .parse()
        .with_context(|| format!("listen address {:?} is not HOST:PORT", config.listen))?;
    // Checked before opening the database, which a refused start should not create.
    if !config.auth.enabled {
        crate::server::check_exposure(addr, false, 0).map_err(anyhow::Error::msg)?;
    }
    let sqlite = Arc::new(open_store(&config)?);
    crate::server::check_exposure(addr, config.auth.enabled, sqlite.user_count()?)
        .map_err(anyhow::Error::msg)?;
    let auth_state = AuthState::with_login_limits(sqlite.clone(), &config.auth, &config.server);
    let limits = crate::server::Limits::from_config(&config.server);
    let store: Arc<dyn Store> = sqlite;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    // The bound address: with port 0 the configured one does not say where to connect.
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!(addr = %bound, database = %config.database.display(), auth = config.auth.enabled, "starmon serving");
    let cancel = CancellationToken::new();
    let (app, collector) = start(store, auth_state, Arc::new(config), cancel.clone())?;
    let server = tokio::spawn(crate::server::serve(listener, app, limits, cancel.clone()));
    shutdown_signal().await;
    tracing::info!("shutting down");
    cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), collector).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    Ok(())
}

/// Starts the collector in the background and builds the HTTP application (API behind the access
/// check) over the same store.
pub fn start(
    store: Arc<dyn Store>,
    auth: AuthState,
    config: Arc<Config>,
    cancel: CancellationToken,
) -> anyhow::Result<(axum::Router, tokio::task::JoinHandle<()>)> {
    let telemetry = Arc::new(crate::telemetry::Telemetry::new());
    let changes = Arc::new(collector::Changes::default());
    let state =
        crate::api::ApiState::new(store.clone(), &config, telemetry.clone(), changes.clone())?;
    let collector = tokio::spawn(collector::run(
        store,
        config,
        telemetry,
        changes,
        state.alerting.clone(),
        cancel,
    ));
    Ok((crate::server::app(state, auth), collector))
}

pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
