//! The StarRocks versions the emulator speaks, and which quirks each one has (docs/starrocks-facts.md).
//!
//! A version is `major.minor[.patch]`; a bare `3.3` means the patch release the facts were read
//! from. Every quirk is a predicate here, so the rest of the emulator never compares numbers.
//! 4.0 is not covered by docs/starrocks-facts.md for some quirks; where it is silent 4.0 behaves like 4.1.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub patch: u8,
}

/// Minor releases that can be emulated, with the patch release used when none is given.
pub const SUPPORTED: &[(u8, u8, u8)] = &[
    (2, 5, 22),
    (3, 0, 9),
    (3, 1, 17),
    (3, 2, 16),
    (3, 3, 9),
    (3, 4, 8),
    (3, 5, 7),
    (4, 0, 2),
    (4, 1, 0),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported StarRocks version {0:?}: use one of {list}", list = supported_list())]
pub struct VersionError(String);

fn supported_list() -> String {
    SUPPORTED
        .iter()
        .map(|(a, b, _)| format!("{a}.{b}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || VersionError(s.to_string());
        let parts: Vec<&str> = s.trim().split('.').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(err());
        }
        let num = |p: &str| p.parse::<u8>().map_err(|_| err());
        let (major, minor) = (num(parts[0])?, num(parts[1])?);
        let default_patch = SUPPORTED
            .iter()
            .find(|(a, b, _)| *a == major && *b == minor)
            .map(|(_, _, p)| *p)
            .ok_or_else(err)?;
        let patch = match parts.get(2) {
            Some(p) => num(p)?,
            None => default_patch,
        };
        Ok(Version {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Version {
    pub const fn new(major: u8, minor: u8, patch: u8) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    fn at_least(&self, major: u8, minor: u8, patch: u8) -> bool {
        *self >= Version::new(major, minor, patch)
    }

    fn minor_is(&self, major: u8, minor: u8) -> bool {
        self.major == major && self.minor == minor
    }

    /// `get_short_version()`: version plus a short commit hash, as in SHOW BACKENDS `Version`.
    pub fn full(&self) -> String {
        // A stable fake commit per minor release, so two clusters of one version look alike.
        let hash = ["a1b2c3d", "0f1e2d3", "5e6f7a8", "9b8c7d6"][(self.minor as usize) % 4];
        format!("{self}-{hash}")
    }

    /// The handshake server version: FE config `mysql_server_version` default.
    pub fn mysql_server_version(&self) -> &'static str {
        if self.at_least(3, 4, 0) {
            "8.0.33"
        } else {
            "5.1.0"
        }
    }

    /// COM_STMT_PREPARE / COM_STMT_EXECUTE are dispatched from 3.2 on.
    pub fn supports_prepared(&self) -> bool {
        self.at_least(3, 2, 0)
    }

    /// COM_STMT_CLOSE / COM_STMT_RESET are dispatched from 3.3 on (3.2 answers them with ERR).
    pub fn supports_stmt_close(&self) -> bool {
        self.at_least(3, 3, 0)
    }

    /// 3.x adds CONNECT_ATTRS and PLUGIN_AUTH_LENENC_CLIENT_DATA to the server capabilities.
    pub fn advertises_connect_attrs(&self) -> bool {
        self.major >= 3
    }

    // ---- SHOW result shapes -------------------------------------------------------------

    pub fn backends_has_datacache(&self) -> bool {
        self.at_least(3, 2, 3)
    }
    /// `location` (lowercase, 3.2.8+) became `Location` in 3.3.0.
    pub fn backends_location_column(&self) -> Option<&'static str> {
        if self.at_least(3, 3, 0) {
            Some("Location")
        } else if self.at_least(3, 2, 8) {
            Some("location")
        } else {
            None
        }
    }
    pub fn backends_has_mem_limit(&self) -> bool {
        self.at_least(3, 3, 4)
    }
    pub fn has_status_code(&self) -> bool {
        self.at_least(3, 4, 0)
    }
    pub fn frontends_has_id(&self) -> bool {
        self.at_least(3, 5, 0)
    }
    /// SHOW PROCESSLIST lists the connections of every FE (3.5+), with a `ServerName` column.
    pub fn processlist_all_fes(&self) -> bool {
        self.at_least(3, 5, 0)
    }
    /// SHOW PROCESSLIST columns (docs/starrocks-facts.md §3).
    pub fn processlist_columns(&self) -> Vec<&'static str> {
        let mut cols = Vec::with_capacity(15);
        if self.at_least(3, 5, 0) {
            cols.push("ServerName");
        }
        cols.extend([
            "Id",
            "User",
            "Host",
            "Db",
            "Command",
            "ConnectionStartTime",
            "Time",
            "State",
            "Info",
            "IsPending",
        ]);
        // Warehouse came in 3.0, went in 3.3 and came back in 3.5.
        if (self.at_least(3, 0, 0) && !self.at_least(3, 3, 0)) || self.at_least(3, 5, 0) {
            cols.push("Warehouse");
        }
        if self.major >= 4 {
            cols.extend(["CNGroup", "Catalog", "QueryId"]);
        }
        cols
    }
    pub fn has_profilelist(&self) -> bool {
        self.at_least(3, 1, 0)
    }
    /// 3.5 late / 4.x add `PreparedTime` and `PreparedTimeoutMs` to transaction lists.
    pub fn txn_has_prepared_time(&self) -> bool {
        self.major >= 4
    }

    // ---- FE /metrics ----------------------------------------------------------------------

    /// JVM and node_info headers carry two spaces (`# HELP  jvm_…`) until the fix in 3.5.6.
    pub fn fe_two_space_jvm_headers(&self) -> bool {
        !self.at_least(3, 5, 6)
    }
    /// Registry metrics grouped by family (3.5.6+); before, registration order, non-contiguous.
    pub fn fe_families_grouped(&self) -> bool {
        self.at_least(3, 5, 6)
    }
    /// `connection_total` only per user: 3.3.5 … 3.4.8 and 3.5.x (and 4.0, not verified).
    pub fn fe_connection_total_per_user(&self) -> bool {
        (self.at_least(3, 3, 5) && !self.at_least(3, 4, 9))
            || self.minor_is(3, 5)
            || self.minor_is(4, 0)
    }
    /// `is_leader` on job, routine_load_jobs, scheduled_tablet_num, tablet_max_compaction_score.
    pub fn fe_is_leader_on_jobs(&self) -> bool {
        (self.minor_is(3, 4) && self.patch >= 5) || self.at_least(3, 5, 1)
    }
    /// `is_leader` also on txn_* and max_tablet_compaction_score (#63004).
    pub fn fe_is_leader_on_txn(&self) -> bool {
        self.at_least(3, 5, 7)
    }
    pub fn fe_has_query_err_breakdown(&self) -> bool {
        self.at_least(3, 3, 0)
            || (self.minor_is(3, 1) && self.patch >= 15)
            || (self.minor_is(3, 2) && self.patch >= 11)
    }
    pub fn fe_has_http_metrics(&self) -> bool {
        self.at_least(3, 3, 0)
    }
    pub fn fe_has_memory_usage(&self) -> bool {
        self.at_least(3, 3, 0)
    }
    pub fn fe_has_txn_running(&self) -> bool {
        self.at_least(3, 3, 0)
    }
    pub fn fe_has_alive_fe_node_info(&self) -> bool {
        self.at_least(3, 4, 0)
    }
    pub fn fe_has_cn_node_info(&self) -> bool {
        self.at_least(3, 3, 0)
    }
    pub fn fe_has_unstable_routine_state(&self) -> bool {
        self.at_least(3, 4, 0)
    }
    pub fn fe_load_job_types(&self) -> &'static [&'static str] {
        if self.at_least(3, 3, 0) {
            &["INSERT", "BROKER", "SPARK"]
        } else {
            &[
                "HADOOP",
                "INSERT",
                "BROKER",
                "DELETE",
                "SPARK",
                "ROUTINE_LOAD",
                "STREAM_LOAD",
            ]
        }
    }
    pub fn fe_load_job_states(&self) -> &'static [&'static str] {
        if self.at_least(3, 0, 0) {
            &[
                "UNKNOWN",
                "PENDING",
                "ETL",
                "LOADING",
                "COMMITTED",
                "FINISHED",
                "CANCELLED",
                "QUEUEING",
            ]
        } else {
            &[
                "UNKNOWN",
                "PENDING",
                "ETL",
                "LOADING",
                "COMMITTED",
                "FINISHED",
                "CANCELLED",
            ]
        }
    }
    pub fn fe_has_backup_jobs(&self) -> bool {
        self.at_least(3, 0, 0)
    }
    pub fn fe_has_safe_mode(&self) -> bool {
        self.at_least(3, 1, 0)
    }
    pub fn fe_has_shortcircuit(&self) -> bool {
        self.at_least(3, 3, 0)
    }
    pub fn fe_has_size_metrics(&self) -> bool {
        self.at_least(3, 4, 0)
    }
    pub fn fe_thread_pool_has_completed(&self) -> bool {
        self.at_least(3, 3, 0)
    }
    pub fn has_mv_metrics(&self) -> bool {
        self.at_least(3, 2, 0)
    }

    // ---- BE /metrics ----------------------------------------------------------------------

    /// brpc bvar variables appended to BE /metrics (3.1+, `dump_metrics_with_bvar`).
    pub fn be_appends_bvar(&self) -> bool {
        self.at_least(3, 1, 0)
    }
    pub fn be_has_compaction_task_gauges(&self) -> bool {
        self.at_least(3, 0, 0)
    }

    // ---- information_schema ----------------------------------------------------------------

    /// information_schema.materialized_views columns (docs/starrocks-facts.md §4.2).
    pub fn mv_columns(&self) -> Vec<&'static str> {
        if !self.at_least(3, 0, 0) {
            return vec![
                "MATERIALIZED_VIEW_ID",
                "TABLE_SCHEMA",
                "TABLE_NAME",
                "MATERIALIZED_VIEW_DEFINITION",
                "TABLE_ROWS",
            ];
        }
        let mut cols = vec![
            "MATERIALIZED_VIEW_ID",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "REFRESH_TYPE",
            "IS_ACTIVE",
        ];
        if self.at_least(3, 1, 0) {
            cols.push("INACTIVE_REASON");
        }
        cols.extend([
            "PARTITION_TYPE",
            "TASK_ID",
            "TASK_NAME",
            "LAST_REFRESH_START_TIME",
            "LAST_REFRESH_FINISHED_TIME",
            "LAST_REFRESH_DURATION",
            "LAST_REFRESH_STATE",
            "LAST_REFRESH_FORCE_REFRESH",
            "LAST_REFRESH_START_PARTITION",
            "LAST_REFRESH_END_PARTITION",
            "LAST_REFRESH_BASE_REFRESH_PARTITIONS",
            "LAST_REFRESH_MV_REFRESH_PARTITIONS",
            "LAST_REFRESH_ERROR_CODE",
            "LAST_REFRESH_ERROR_MESSAGE",
            "TABLE_ROWS",
            "MATERIALIZED_VIEW_DEFINITION",
        ]);
        if self.at_least(3, 3, 0) {
            cols.extend(["EXTRA_MESSAGE", "QUERY_REWRITE_STATUS", "CREATOR"]);
        }
        if self.at_least(4, 1, 0) {
            cols.extend(["LAST_REFRESH_PROCESS_TIME", "LAST_REFRESH_JOB_ID"]);
        }
        cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_minor_takes_the_documented_patch_and_full_versions_parse() {
        assert_eq!("3.3".parse::<Version>(), Ok(Version::new(3, 3, 9)));
        assert_eq!("3.5.2".parse::<Version>(), Ok(Version::new(3, 5, 2)));
        assert!("2.4".parse::<Version>().is_err());
        assert!("x".parse::<Version>().is_err());
        assert!("3.3.9.1".parse::<Version>().is_err());
    }

    #[test]
    fn quirk_boundaries_follow_the_facts() {
        let v = |s: &str| s.parse::<Version>().expect("valid version");
        assert!(v("3.5.5").fe_two_space_jvm_headers());
        assert!(!v("3.5.6").fe_two_space_jvm_headers());
        assert!(!v("3.3.4").fe_connection_total_per_user());
        assert!(v("3.3.5").fe_connection_total_per_user());
        assert!(v("3.4.8").fe_connection_total_per_user());
        assert!(!v("3.4.9").fe_connection_total_per_user());
        assert!(!v("4.1").fe_connection_total_per_user());
        assert!(!v("3.4.4").fe_is_leader_on_jobs());
        assert!(v("3.4.5").fe_is_leader_on_jobs());
        assert!(!v("3.5.0").fe_is_leader_on_jobs());
        assert!(v("3.5.1").fe_is_leader_on_jobs());
        assert_eq!(v("3.3").mysql_server_version(), "5.1.0");
        assert_eq!(v("3.4").mysql_server_version(), "8.0.33");
        assert!(!v("3.1").supports_prepared());
        assert!(v("3.2").supports_prepared());
        assert_eq!(v("3.2.7").backends_location_column(), None);
        assert_eq!(v("3.2.8").backends_location_column(), Some("location"));
        assert_eq!(v("3.3.0").backends_location_column(), Some("Location"));
    }
}
