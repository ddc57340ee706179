//! The command line: what a user can ask starmon to do.

use clap::{Parser, Subcommand};

/// A self-contained monitor for StarRocks clusters: collects FE/BE metrics over SQL and HTTP,
/// keeps their history in SQLite, and serves an API and a dashboard.
#[derive(Debug, Parser)]
#[command(name = "starmon", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect every registered cluster and serve the API and dashboard (not yet implemented).
    Serve,
    /// Manage the registered clusters (not yet implemented).
    Cluster,
    /// Collect one cluster without storing and print JSON snapshots (not yet implemented).
    Collect,
}
