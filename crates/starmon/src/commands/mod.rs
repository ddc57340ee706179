//! One module per subcommand, each turning its arguments into work and its failures into one
//! `anyhow` error for `main`; what several of them need (configuration, database, secrets from
//! standard input, the runtime, the shutdown signal) is here. Nothing here calls a subcommand.

/// `println!` that returns the write error instead of panicking: when the reader of standard
/// output has gone (`starmon cluster list | head`), the command stops and `main` exits quietly.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::commands::write_line(format_args!($($arg)*))?
    };
}

pub mod cluster;
pub mod collect;
pub mod config;
pub mod demo;
pub mod key;
pub mod serve;
pub mod token;
pub mod user;

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context};
use secrecy::SecretString;
use starmon::collector::Target;
use starmon::config::Config;
use starmon::store::sqlite::SqliteStore;

use crate::cli::{Endpoint, StoreArgs};

/// One line on standard output (see `outln!`).
fn write_line(line: std::fmt::Arguments) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(line)?;
    out.write_all(b"\n")
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "starmon=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour_wanted(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .try_init();
}

/// Colour codes only for a person at a terminal (in a journal, a file or a pipe they are noise
/// that breaks grep), and never when `NO_COLOR` is set to anything but an empty string
/// (no-color.org).
fn colour_wanted(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The settings (file, then environment), then `--db`.
fn load_config(args: &StoreArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(db) = &args.db {
        config.database = db.clone();
    }
    Ok(config)
}

fn open_store(config: &Config) -> anyhow::Result<SqliteStore> {
    starmon::app::open_store(config)
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

fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Ctrl-C or SIGTERM, whichever comes first.
async fn shutdown_signal() {
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

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::colour_wanted;

    #[test]
    fn colour_only_at_a_terminal_and_not_with_no_color() {
        assert!(colour_wanted(true, None));
        assert!(!colour_wanted(false, None));
        assert!(!colour_wanted(true, Some(OsStr::new("1"))));
        // no-color.org: an empty NO_COLOR is as if unset.
        assert!(colour_wanted(true, Some(OsStr::new(""))));
    }
}
