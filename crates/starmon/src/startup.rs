//! Turns a parsed command line into running work.

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let name = match cli.command {
        Command::Serve => "serve",
        Command::Cluster => "cluster",
        Command::Collect => "collect",
    };
    anyhow::bail!(
        "`starmon {name}` is not implemented yet; run `starrocks-sim` to try the emulator"
    )
}
