//! The `starmon` binary: parses the command line ([`cli`]) and runs the subcommand
//! ([`commands`]). The only place errors become `anyhow` and then one line on standard error.

mod cli;
mod commands;

use clap::Parser;

use cli::{Cli, Command, StoreArgs};

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli.command, &cli.store) {
        if closed_stdout(&e) {
            // The reader of standard output has gone (`starmon cluster list | head`): what it
            // wanted it has; nothing to report.
            return;
        }
        // One line a user can act on, whatever RUST_BACKTRACE says.
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

fn run(command: Command, store: &StoreArgs) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            listen,
            collect_interval,
        } => commands::serve::run(store, listen, collect_interval),
        Command::Cluster { command } => commands::cluster::run(command, store),
        Command::Collect {
            endpoint,
            samples,
            interval,
            json,
        } => {
            refuse(store.db.is_some(), "collect", "--db")?;
            refuse(store.config.is_some(), "collect", "--config")?;
            commands::collect::run(&endpoint, samples, interval, json)
        }
        Command::User { command } => commands::user::run(command, store),
        Command::Token { command } => commands::token::run(command, store),
        Command::Key { command } => commands::key::run(command, store),
        Command::Config => {
            refuse(store.db.is_some(), "config", "--db")?;
            refuse(store.config.is_some(), "config", "--config")?;
            commands::config::run()
        }
        Command::Demo { listen, interval } => {
            refuse(store.config.is_some(), "demo", "--config")?;
            commands::demo::run(commands::demo::DemoArgs {
                listen,
                interval_secs: interval,
                db: store.db.clone(),
            })
        }
    }
}

/// `--db` and `--config` are accepted anywhere on the line; a subcommand that has no use for
/// one says so instead of ignoring it.
fn refuse(given: bool, command: &str, flag: &str) -> anyhow::Result<()> {
    if given {
        anyhow::bail!("`starmon {command}` does not use {flag}");
    }
    Ok(())
}

/// Whether the command failed because standard output was closed under it.
fn closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes joined by ": ", leaving out a cause whose text the line already
/// holds (an error that prints its source in its own message would otherwise say it twice).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read starmon.toml: {source}")]
    struct Read {
        source: std::io::Error,
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let inner = std::io::Error::other("permission denied");
        let e = anyhow::Error::new(Read { source: inner }).context("cannot load the config");
        assert_eq!(
            one_line(&e),
            "cannot load the config: cannot read starmon.toml: permission denied"
        );
    }
}
