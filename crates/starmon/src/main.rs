//! The `starmon` binary: parses the command line ([`cli`]) and runs the subcommand
//! ([`commands`]). The only place errors become `anyhow` and then one line on standard error.

mod cli;
mod commands;

use clap::Parser;

use cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli.command) {
        // One line a user can act on, whatever RUST_BACKTRACE says.
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            store,
            listen,
            collect_interval,
        } => commands::serve::run(&store, listen, collect_interval),
        Command::Cluster { command } => commands::cluster::run(command),
        Command::Collect {
            endpoint,
            samples,
            interval,
            json,
        } => commands::collect::run(&endpoint, samples, interval, json),
        Command::User { command } => commands::user::run(command),
        Command::Token { command } => commands::token::run(command),
        Command::Key { command } => commands::key::run(command),
        Command::Config => {
            commands::config::run();
            Ok(())
        }
        Command::Demo {
            listen,
            interval,
            db,
        } => commands::demo::run(commands::demo::DemoArgs {
            listen,
            interval_secs: interval,
            db,
        }),
    }
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
