//! starmon's settings: defaults, a TOML file, `STARMON_…` environment variables and command-line
//! flags, each overriding the one before. Every setting is declared once below, with its doc
//! comment and default; [`declare`] derives the struct, its `Default`, its lines in the
//! commented file `starmon config` prints and its environment variable from that declaration.

mod declare;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::model::alerts::BUILTIN_RULE_IDS;

use declare::settings;

/// What every environment variable of starmon's settings starts with.
const ENV_PREFIX: &str = "STARMON";

/// The top of the printed file; each setting's lines follow from its declaration.
const PREAMBLE: &str = "\
# starmon configuration. Every key is optional; these are the defaults.
# Environment variables override the file: STARMON_<KEY> for the keys before the first section,
# STARMON_<SECTION>_<KEY> in upper case for the others (each is named above its key).

";

settings! {
    /// Every setting of starmon; each table below is a `[section]` of the file.
    pub struct Config {
        /// The SQLite database file (created with its directory on first start).
        database: PathBuf = PathBuf::from("data/starmon.db"),
        /// Address of the HTTP server (API, dashboard, /healthz). Loopback by default.
        listen: String = "127.0.0.1:8080".into(),
        /// Time zone (IANA name) whose midnight separates the days of the daily rollups.
        timezone: String = "UTC".into(),
        /// How often clusters are collected, and how long each call may take.
        collector: CollectorConfig = CollectorConfig::default(),
        /// How long collected data is kept.
        retention: RetentionConfig = RetentionConfig::default(),
        /// What one client may cost the HTTP server.
        server: ServerConfig = ServerConfig::default(),
        /// Who may use the API and the dashboard.
        auth: AuthConfig = AuthConfig::default(),
        /// The alert rules and how they are evaluated.
        alerts: AlertsConfig = AlertsConfig::default(),
        /// Where notification channels may send.
        notify: NotifyConfig = NotifyConfig::default(),
    }

    pub struct CollectorConfig {
        /// Seconds between two collections of a cluster: node status, FE and BE /metrics, processlist.
        interval_secs: u64 = 30,
        /// Seconds between collections of jobs: loads, routine loads, schema changes, MV refreshes.
        jobs_interval_secs: u64 = 60,
        /// Seconds between collections of sizes: database and table counts.
        size_interval_secs: u64 = 300,
        /// How many clusters are collected at the same time.
        concurrency: usize = 16,
        /// Timeout of one login, in milliseconds. Each call also gets at most a quarter of the
        /// cycle's budget (80 % of interval_secs) and never more than what is left of it, so a
        /// stalled FE is failed over within the cycle instead of failing it.
        connect_timeout_ms: u64 = 3000,
        /// Timeout of one SQL statement, in milliseconds (within the cycle's budget too).
        sql_timeout_ms: u64 = 5000,
        /// Timeout of one HTTP request, in milliseconds (within the cycle's budget too).
        http_timeout_ms: u64 = 5000,
    }

    pub struct RetentionConfig {
        /// Days of per-interval detail kept (snapshots, node samples, collection status).
        detail_days: u32 = 7,
        /// Days of daily rollups kept.
        daily_days: u32 = 30,
    }

    pub struct ServerConfig {
        /// Most HTTP connections open at once; more wait in the listen queue, holding no descriptor.
        /// Default: half the open-file limit (`ulimit -n`), at most 1024, so that collection always has
        /// descriptors left for its SQL and HTTP connections.
        max_connections: Option<usize> = None; example "1024",
        /// Seconds a connection has to send a request's headers, counted from when it opens or from the
        /// previous response: idle keep-alive connections and clients that never finish a request are
        /// closed after it.
        header_read_timeout_secs: u64 = 30,
        /// Failed logins allowed per user name within login_window_secs; more are answered 429
        /// (with Retry-After) until the window ends.
        login_failures_per_user: u32 = 10,
        /// Failed logins allowed per client address within login_window_secs.
        login_failures_per_address: u32 = 50,
        /// Seconds over which failed logins are counted.
        login_window_secs: u64 = 900,
    }

    pub struct AuthConfig {
        /// Require a login (or an API token) for everything but /healthz. Needs at least one user
        /// (`starmon user add NAME`). Without it, starmon only listens on a loopback address.
        enabled: bool = false,
        /// Hours a login session lasts.
        session_hours: u64 = 12,
    }

    pub struct AlertsConfig {
        /// Evaluate the alert rules after every collection and notify the channels (managed over the API
        /// or the dashboard).
        enabled: bool = true,
        /// A numeric condition fires past its threshold and clears only once the value is back by more
        /// than this percentage of the threshold, so a value hovering at the threshold does not flap.
        hysteresis_pct: f64 = 5.0,
        /// The dashboard's address, for links in notifications (e.g. "https://starmon.example.com/").
        dashboard_url: Option<String> = None; example "\"\"",
        /// Built-in rules take their defaults unless set here (or over the API, which wins), e.g.:
        /// [alerts.rules.be_cpu_high]
        /// threshold = 85.0     # percent
        /// for_secs = 600       # how long the condition must hold before the alert fires
        /// severity = "critical"
        /// enabled = true
        rules: std::collections::BTreeMap<String, RuleConfig> = Default::default(),
    }

    pub struct NotifyConfig {
        /// Networks (CIDRs) notification channels may reach, checked on the address connected to (after
        /// DNS), when a channel is created and at every delivery. Empty: any network not denied.
        /// Recommended where starmon runs beside other services, e.g. only your chat/SMTP egress:
        /// allow_networks = ["203.0.113.0/24"]
        allow_networks: Vec<String> = Vec::new(),
        /// Networks channels may never reach; wins over allow_networks. Recommended at least:
        /// deny_networks = ["169.254.0.0/16", "fd00:ec2::254/128"]   # cloud metadata services
        deny_networks: Vec<String> = Vec::new(),
    }
}

impl NotifyConfig {
    pub fn policy(&self) -> Result<crate::target_policy::TargetPolicy, ConfigError> {
        crate::target_policy::TargetPolicy::new(&self.allow_networks, &self.deny_networks)
            .map_err(ConfigError::Invalid)
    }
}

/// Settings of one built-in rule; what is left out keeps the rule's default.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleConfig {
    pub enabled: Option<bool>,
    pub threshold: Option<f64>,
    pub for_secs: Option<u64>,
    pub severity: Option<crate::model::alerts::Severity>,
}

impl AuthConfig {
    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_hours.saturating_mul(3600))
    }
}

/// The most a session may last: a year.
const MAX_SESSION_HOURS: u64 = 24 * 366;

/// The longest collection interval (of any kind): a week. The collector works in i64
/// milliseconds, which a large value overflowed; above i64::MAX (the environment takes any u64)
/// adding 80 % of it to an `Instant` for the cycle budget panics too.
pub const MAX_INTERVAL_SECS: u64 = 7 * 86_400;

/// The longest `for` of an alert rule: a week, as over the API. The engine compares it in i64
/// milliseconds, which a larger value overflowed (or wrapped to "fire at once").
pub const MAX_RULE_FOR_SECS: u64 = 7 * 86_400;

/// The most clusters collected at once. Far above any real need; it keeps a typo from reaching
/// tokio's semaphore, which panics at start above 2^61 permits.
pub const MAX_CONCURRENCY: usize = 4096;

/// The connection cap when none is configured.
const MAX_DEFAULT_CONNECTIONS: u64 = 1024;

impl ServerConfig {
    /// The configured cap, else half the soft open-file limit (at most 1024, at least 16): the
    /// other half stays for the database, the collector's connections and notifications.
    pub fn max_connections(&self) -> usize {
        self.max_connections.unwrap_or_else(|| {
            let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
            let cap = soft.map_or(MAX_DEFAULT_CONNECTIONS, |n| {
                (n / 2).clamp(16, MAX_DEFAULT_CONNECTIONS)
            });
            usize::try_from(cap).unwrap_or(16)
        })
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    pub fn login_window(&self) -> Duration {
        Duration::from_secs(self.login_window_secs)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.into()));
        if self.max_connections == Some(0) {
            return invalid("server.max_connections must be at least 1");
        }
        if !(1..=3600).contains(&self.header_read_timeout_secs) {
            return invalid("server.header_read_timeout_secs must be between 1 and 3600");
        }
        if self.login_failures_per_user == 0 || self.login_failures_per_address == 0 {
            return invalid(
                "server.login_failures_per_user and login_failures_per_address must be at least 1",
            );
        }
        // A window that never ends would lock a user out for good.
        if !(1..=86_400).contains(&self.login_window_secs) {
            return invalid("server.login_window_secs must be between 1 and 86400");
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{0}")]
    Toml(toml::de::Error),
    #[error("{name}={value:?}: {reason}")]
    Env {
        name: String,
        value: String,
        reason: String,
    },
    #[error("{0}")]
    Invalid(String),
}

impl CollectorConfig {
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_secs)
    }
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }
    pub fn sql_timeout(&self) -> Duration {
        Duration::from_millis(self.sql_timeout_ms)
    }
    pub fn http_timeout(&self) -> Duration {
        Duration::from_millis(self.http_timeout_ms)
    }
}

impl Config {
    /// Defaults, then the file (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with_env(file, |name| std::env::var(name).ok())
    }

    /// `load` with the environment variables `get` returns, so tests need not set real ones.
    fn load_with_env(
        file: Option<&Path>,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                Config::parse_toml(&text).map_err(|source| ConfigError::Parse {
                    path: path.into(),
                    source,
                })?
            }
            None => Config::default(),
        };
        config.apply_env(get)?;
        config.validate()?;
        Ok(config)
    }

    /// Defaults overlaid with the TOML `text`, validated; no environment overrides. Pure, so the
    /// config fuzz target runs exactly the parsing and checking that `load` does.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config = Config::parse_toml(text).map_err(ConfigError::Toml)?;
        config.validate()?;
        Ok(config)
    }

    /// Validation waits until `load` has applied the environment, which may fix what the file
    /// got wrong.
    fn parse_toml(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// Overrides from the environment variables `get` returns: `STARMON_<KEY>`, and
    /// `STARMON_<SECTION>_<KEY>` for the keys of a section.
    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        self.apply_env_fields(ENV_PREFIX, &get)
    }

    /// The commented default file `starmon config` prints: it parses back to the defaults.
    pub fn default_toml() -> String {
        let mut out = PREAMBLE.to_string();
        Config::default().write_fields(&mut out, ENV_PREFIX);
        out
    }

    /// Every setting as (file key, environment variable), e.g.
    /// `("collector.interval_secs", "STARMON_COLLECTOR_INTERVAL_SECS")`.
    pub fn keys() -> Vec<(String, String)> {
        let mut out = Vec::new();
        Config::default().keys_under("", ENV_PREFIX, &mut out);
        out
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let c = &self.collector;
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if !(0.0..=50.0).contains(&self.alerts.hysteresis_pct) {
            return invalid("alerts.hysteresis_pct must be between 0 and 50".into());
        }
        for (id, r) in &self.alerts.rules {
            if !BUILTIN_RULE_IDS.contains(&id.as_str()) {
                return invalid(format!(
                    "alerts.rules.{id}: no such rule (built-in rules: {})",
                    BUILTIN_RULE_IDS.join(", ")
                ));
            }
            if r.threshold.is_some_and(|t| !t.is_finite()) {
                return invalid(format!("alerts.rules.{id}.threshold must be a number"));
            }
            if r.for_secs.is_some_and(|f| f > MAX_RULE_FOR_SECS) {
                return invalid(format!(
                    "alerts.rules.{id}.for_secs must be at most {MAX_RULE_FOR_SECS} (a week)"
                ));
            }
        }
        if c.interval_secs == 0 {
            return invalid("collector.interval_secs must be at least 1".into());
        }
        if [c.interval_secs, c.jobs_interval_secs, c.size_interval_secs]
            .iter()
            .any(|&secs| secs > MAX_INTERVAL_SECS)
        {
            return invalid(format!(
                "collector intervals must be at most {MAX_INTERVAL_SECS} seconds (a week)"
            ));
        }
        if c.jobs_interval_secs < c.interval_secs || c.size_interval_secs < c.interval_secs {
            return invalid("collector.jobs_interval_secs and size_interval_secs cannot be shorter than interval_secs".into());
        }
        if !(1..=MAX_CONCURRENCY).contains(&c.concurrency) {
            return invalid(format!(
                "collector.concurrency must be between 1 and {MAX_CONCURRENCY}"
            ));
        }
        if c.connect_timeout_ms == 0 || c.sql_timeout_ms == 0 || c.http_timeout_ms == 0 {
            return invalid("collector timeouts must be positive".into());
        }
        if self.retention.detail_days == 0 || self.retention.daily_days == 0 {
            return invalid("retention.detail_days and daily_days must be at least 1".into());
        }
        // Rollups are computed from the detail: a day must stay rolled up at least as long as
        // its detail exists, or the rollup would rewrite what retention just deleted.
        if self.retention.daily_days < self.retention.detail_days {
            return invalid(
                "retention.daily_days cannot be shorter than retention.detail_days".into(),
            );
        }
        if !(1..=MAX_SESSION_HOURS).contains(&self.auth.session_hours) {
            return invalid(format!(
                "auth.session_hours must be between 1 and {MAX_SESSION_HOURS}"
            ));
        }
        self.server.validate()?;
        self.tz()?;
        self.notify.policy()?;
        Ok(())
    }

    pub fn tz(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.timezone.parse::<chrono_tz::Tz>().map_err(|_| {
            ConfigError::Invalid(format!(
                "timezone {:?} is not an IANA time zone name (e.g. UTC, Asia/Shanghai)",
                self.timezone
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_default_file_is_the_default() {
        let parsed: Config = toml::from_str(&Config::default_toml()).expect("default file parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn environment_overrides_the_file_and_bad_values_are_named() {
        let mut c = Config::default();
        c.apply_env(|n| match n {
            "STARMON_COLLECTOR_INTERVAL_SECS" => Some("10".into()),
            "STARMON_TIMEZONE" => Some("Asia/Shanghai".into()),
            _ => None,
        })
        .expect("valid overrides");
        assert_eq!(c.collector.interval_secs, 10);
        assert!(!c.auth.enabled);
        c.apply_env(|n| match n {
            "STARMON_AUTH_ENABLED" => Some("true".into()),
            "STARMON_AUTH_SESSION_HOURS" => Some("2".into()),
            _ => None,
        })
        .expect("valid auth overrides");
        assert!(c.auth.enabled);
        assert_eq!(c.auth.session_lifetime(), Duration::from_secs(7200));
        let err = c
            .apply_env(|n| (n == "STARMON_AUTH_ENABLED").then(|| "maybe".into()))
            .expect_err("not a boolean");
        assert!(err.to_string().contains("STARMON_AUTH_ENABLED"), "{err}");
        assert_eq!(c.tz().expect("tz"), chrono_tz::Asia::Shanghai);
        let err = c
            .apply_env(|n| (n == "STARMON_RETENTION_DETAIL_DAYS").then(|| "seven".into()))
            .expect_err("not a number");
        assert!(
            err.to_string().contains("STARMON_RETENTION_DETAIL_DAYS"),
            "{err}"
        );
    }

    #[test]
    fn notify_networks_come_from_the_file_or_the_environment_and_must_be_cidrs() {
        let mut c: Config =
            toml::from_str("[notify]\ndeny_networks = [\"169.254.0.0/16\"]").expect("parses");
        assert!(c.validate().is_ok());
        let policy = c.notify.policy().expect("policy");
        assert!(policy
            .check("169.254.169.254".parse().expect("ip"))
            .is_err());
        c.apply_env(|n| {
            (n == "STARMON_NOTIFY_ALLOW_NETWORKS").then(|| "10.0.0.0/8, 192.168.0.0/16".into())
        })
        .expect("env");
        assert_eq!(c.notify.allow_networks, ["10.0.0.0/8", "192.168.0.0/16"]);
        c.notify.deny_networks = vec!["10.0.0.0/40".into()];
        let err = c.validate().expect_err("not a CIDR");
        assert!(err.to_string().contains("notify.deny_networks"), "{err}");
    }

    #[test]
    fn from_toml_is_the_defaults_overlaid_and_validated() {
        assert_eq!(
            Config::from_toml("").expect("empty file"),
            Config::default()
        );
        let c = Config::from_toml("[collector]\ninterval_secs = 10").expect("valid");
        assert_eq!(c.collector.interval(), Duration::from_secs(10));
        assert!(matches!(
            Config::from_toml("[collector]\ninterval_secs = 0"),
            Err(ConfigError::Invalid(_))
        ));
        assert!(matches!(
            Config::from_toml("colector = 1"),
            Err(ConfigError::Toml(_))
        ));
    }

    /// Caught by the config fuzz target (corpus/config/seed-crash-concurrency): accepted, then
    /// `Semaphore::new` panicked when the collector started.
    #[test]
    fn a_huge_concurrency_is_refused_not_a_panic_at_start() {
        let err = Config::from_toml("[collector]\nconcurrency = 9223372036854775807")
            .expect_err("beyond the bound");
        assert!(err.to_string().contains("collector.concurrency"), "{err}");
        let c = Config::from_toml(&format!("[collector]\nconcurrency = {MAX_CONCURRENCY}"));
        assert_eq!(
            c.map(|c| c.collector.concurrency).ok(),
            Some(MAX_CONCURRENCY)
        );
    }

    /// Caught by the config fuzz target (corpus/config/seed-crash-interval): accepted, then the
    /// collector's `interval_secs as i64 * 1000` overflowed.
    #[test]
    fn a_huge_interval_is_refused() {
        let huge = "interval_secs = 9223372036854775807\njobs_interval_secs = 9223372036854775807\nsize_interval_secs = 9223372036854775807";
        let err = Config::from_toml(&format!("[collector]\n{huge}")).expect_err("too long");
        assert!(err.to_string().contains("at most 604800 seconds"), "{err}");
        let week = format!("[collector]\ninterval_secs = {MAX_INTERVAL_SECS}\njobs_interval_secs = {MAX_INTERVAL_SECS}\nsize_interval_secs = {MAX_INTERVAL_SECS}");
        assert!(Config::from_toml(&week).is_ok());
    }

    /// Caught by the config fuzz target (corpus/config/seed-crash-for-secs): accepted, then the
    /// alert engine's `for_secs as i64 * 1000` overflowed; the API already refused it.
    #[test]
    fn a_rule_for_longer_than_a_week_is_refused_as_over_the_api() {
        let rule = "[alerts.rules.be_cpu_high]\nfor_secs";
        let err = Config::from_toml(&format!("{rule} = 9223372036854775807")).expect_err("long");
        assert!(err.to_string().contains("be_cpu_high.for_secs"), "{err}");
        let c = Config::from_toml(&format!("{rule} = {MAX_RULE_FOR_SECS}")).expect("a week");
        assert_eq!(
            c.alerts.rules.get("be_cpu_high").and_then(|r| r.for_secs),
            Some(MAX_RULE_FOR_SECS)
        );
    }

    #[test]
    fn invalid_settings_are_refused() {
        let c = Config {
            timezone: "Mars/Olympus".into(),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.collector.jobs_interval_secs = 5;
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.auth.session_hours = 0;
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.server.login_window_secs = 0;
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.apply_env(|n| (n == "STARMON_SERVER_MAX_CONNECTIONS").then(|| "0".into()))
            .expect("a number");
        assert!(
            c.validate().is_err(),
            "a cap of 0 would refuse every client"
        );
        assert!(
            toml::from_str::<Config>("colector = 1").is_err(),
            "unknown keys are errors"
        );
    }

    /// The variables users set before the settings were declared in one place: none may be lost.
    const VARIABLES_BEFORE: [&str; 17] = [
        "STARMON_DATABASE",
        "STARMON_LISTEN",
        "STARMON_TIMEZONE",
        "STARMON_COLLECTOR_INTERVAL_SECS",
        "STARMON_COLLECTOR_JOBS_INTERVAL_SECS",
        "STARMON_COLLECTOR_SIZE_INTERVAL_SECS",
        "STARMON_COLLECTOR_CONCURRENCY",
        "STARMON_COLLECTOR_CONNECT_TIMEOUT_MS",
        "STARMON_COLLECTOR_SQL_TIMEOUT_MS",
        "STARMON_COLLECTOR_HTTP_TIMEOUT_MS",
        "STARMON_RETENTION_DETAIL_DAYS",
        "STARMON_RETENTION_DAILY_DAYS",
        "STARMON_AUTH_ENABLED",
        "STARMON_AUTH_SESSION_HOURS",
        "STARMON_SERVER_MAX_CONNECTIONS",
        "STARMON_NOTIFY_ALLOW_NETWORKS",
        "STARMON_NOTIFY_DENY_NETWORKS",
    ];

    #[test]
    fn every_setting_is_in_the_printed_file_with_its_variable() {
        let text = Config::default_toml();
        let keys = Config::keys();
        assert!(keys.len() > VARIABLES_BEFORE.len(), "{keys:?}");
        for (key, env) in &keys {
            let leaf = key.rsplit('.').next().unwrap_or(key);
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{leaf} = "))
                    || l.starts_with(&format!("# {leaf} = "))),
                "{key} is not in the printed file"
            );
            assert!(text.contains(&format!("# env {env}")), "{env} is not named");
            let expected = format!("STARMON_{}", key.replace('.', "_").to_ascii_uppercase());
            assert_eq!(env, &expected);
        }
        for name in VARIABLES_BEFORE {
            assert!(keys.iter().any(|(_, env)| env == name), "{name} is gone");
        }
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("starmon.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[collector]\ninterval_secs = 20\n",
        )
        .expect("write");
        let from_file = Config::load_with_env(Some(&file), |_| None).expect("file only");
        assert_eq!(from_file.collector.interval_secs, 20);
        assert_eq!(from_file.listen, "127.0.0.1:9000");
        let both = Config::load_with_env(Some(&file), |n| {
            (n == "STARMON_COLLECTOR_INTERVAL_SECS").then(|| " 10 ".into())
        })
        .expect("file and environment");
        assert_eq!(both.collector.interval_secs, 10);
        assert_eq!(
            both.listen, "127.0.0.1:9000",
            "what the environment leaves is the file's"
        );
        // The environment can repair what the file got wrong: validation comes last.
        std::fs::write(&file, "[collector]\ninterval_secs = 0\n").expect("write");
        assert!(Config::load_with_env(Some(&file), |_| None).is_err());
        let fixed = Config::load_with_env(Some(&file), |n| {
            (n == "STARMON_COLLECTOR_INTERVAL_SECS").then(|| "5".into())
        });
        assert_eq!(fixed.map(|c| c.collector.interval_secs).ok(), Some(5));
    }

    #[test]
    fn bad_values_name_their_variable_or_key() {
        for (key, env) in Config::keys() {
            let mut c = Config::default();
            match c.apply_env(|n| (n == env).then(|| "not-a-value".into())) {
                Err(e) => assert!(e.to_string().contains(&env), "{key}: {e}"),
                // Text settings take any text; validation judges it, naming the key.
                Ok(()) => {
                    if let Err(e) = c.validate() {
                        let leaf = key.rsplit('.').next().unwrap_or(&key);
                        assert!(e.to_string().contains(leaf), "{key}: {e}");
                    }
                }
            }
        }
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("starmon.toml");
        std::fs::write(&file, "[collector]\ninterval_secs = \"fast\"\n").expect("write");
        let err = Config::load_with_env(Some(&file), |_| None).expect_err("not a number");
        assert!(err.to_string().contains("interval_secs"), "{err}");
        std::fs::write(&file, "[server]\nmax_conections = 5\n").expect("write");
        let err = Config::load_with_env(Some(&file), |_| None).expect_err("unknown key");
        assert!(err.to_string().contains("max_conections"), "{err}");
    }

    #[test]
    fn booleans_and_lists_read_from_the_environment_as_before() {
        for (value, expected) in [
            ("yes", true),
            ("ON", true),
            ("1", true),
            ("off", false),
            ("No", false),
        ] {
            let mut c = Config::default();
            c.apply_env(|n| (n == "STARMON_AUTH_ENABLED").then(|| value.into()))
                .expect("a boolean");
            assert_eq!(c.auth.enabled, expected, "{value}");
        }
        let mut c = Config::default();
        c.apply_env(|n| {
            (n == "STARMON_NOTIFY_DENY_NETWORKS").then(|| " ,169.254.0.0/16,, ".into())
        })
        .expect("a list");
        assert_eq!(c.notify.deny_networks, ["169.254.0.0/16"]);
        c.apply_env(|n| (n == "STARMON_SERVER_MAX_CONNECTIONS").then(|| "64".into()))
            .expect("a number");
        assert_eq!(c.server.max_connections, Some(64));
    }
}
