//! The command line: what a user can ask starmon to do (parsed here, run by `commands`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A self-contained monitor for StarRocks clusters: collects FE/BE metrics over SQL and HTTP,
/// keeps their history in SQLite, and serves an API and a dashboard.
#[derive(Debug, Parser)]
#[command(name = "starmon", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the settings and the database are: accepted before the subcommand or after it.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The SQLite database file (default: data/starmon.db, or `database` in the config file).
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
    /// A TOML configuration file (`starmon config` prints the defaults).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect every registered cluster until interrupted, and serve the HTTP API (/api/v1/…, /healthz).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Seconds between two collections of a cluster (default 30).
        #[arg(long)]
        collect_interval: Option<u64>,
    },
    /// Register, list, remove and test clusters.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Collect one cluster without registering or storing it, and print what was collected.
    Collect {
        #[command(flatten)]
        endpoint: Endpoint,
        /// How many samples to take (rates and increases are filled from the second one).
        #[arg(long, default_value_t = 1)]
        samples: u32,
        /// Seconds between two samples.
        #[arg(long, default_value_t = 30)]
        interval: u64,
        /// Print one JSON object per sample (the specification's column names, plus nodes and status).
        #[arg(long)]
        json: bool,
    },
    /// Add, list and remove the users who may log in to the API and dashboard.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create, list and revoke API tokens for scripts (`Authorization: Bearer TOKEN`).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The key file that encrypts stored secrets (`<database>.key`).
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Print the default configuration file, with a comment for every setting.
    Config,
    /// Try starmon with nothing else installed: two emulated StarRocks clusters (one with a disk
    /// filling fast and a flaky BE), collected every few seconds into a temporary database (or
    /// the file `--db` names, kept), and the dashboard. Prints the dashboard's URL.
    Demo {
        /// Address of the dashboard and API (loopback only).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Seconds between two collections of a cluster.
        #[arg(long, default_value_t = 5)]
        interval: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Replace a lost or wrong key with a new one: what the current key file still opens is
    /// kept; cluster passwords it cannot open are emptied (enter them again) and channels it
    /// cannot open are removed (create them again). The old key file is moved aside, not deleted.
    Reset,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (the password is read from --password-env or standard input, at least 8
    /// characters).
    Add {
        /// The login name.
        name: String,
        /// Read the password from this environment variable instead of standard input.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// List the users.
    List,
    /// Remove a user with their sessions and API tokens.
    Remove {
        /// The user's login name (see `user list`).
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (the only time it is shown).
    Create {
        /// What the token is for, e.g. the script using it.
        #[arg(long)]
        name: String,
        /// The user the token acts as.
        #[arg(long)]
        user: String,
    },
    /// List the API tokens (never the tokens themselves).
    List {
        /// Only this user's tokens.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke an API token by its id (see `token list`).
    Revoke {
        /// The token's id (the first column of `token list`).
        id: i64,
    },
}

/// How to reach a cluster; the password comes from an environment variable or standard input,
/// never from an argument.
#[derive(Debug, Clone, Args)]
pub struct Endpoint {
    /// An FE's MySQL address, HOST:QUERY_PORT (e.g. 10.0.0.11:9030).
    #[arg(long)]
    pub fe: String,
    /// The FE HTTP port (e.g. 8030).
    #[arg(long)]
    pub http_port: u16,
    /// The SQL user (it needs the cluster_admin role or SYSTEM OPERATE to see SHOW BACKENDS).
    #[arg(long)]
    pub user: String,
    /// Read the password from this environment variable instead of standard input.
    #[arg(long)]
    pub password_env: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Register a cluster (the password is read from --password-env or standard input).
    Add {
        /// A unique name for the cluster.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        endpoint: Endpoint,
        /// Register without checking that the cluster answers.
        #[arg(long)]
        no_test: bool,
    },
    /// List the registered clusters.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove a cluster and all its history.
    Remove {
        /// The cluster's name (see `cluster list`).
        name: String,
    },
    /// Log in to a registered cluster, discover its nodes and reach every HTTP endpoint.
    Test {
        /// The cluster's name (see `cluster list`).
        name: String,
    },
}
