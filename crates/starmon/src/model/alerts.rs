//! Plain alert data shared by the alert engine, the store and the configuration: severities,
//! comparison operators, rule scopes, a rule's settings, user rules and the ids of the built-in
//! rules. A leaf: no behaviour beyond naming and parsing its own values.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// The ids of the built-in rules, in the order of `alerts::rules::BUILTINS` (a test there keeps
/// the two equal). Here so that the configuration can check `[alerts.rules.<id>]` without
/// importing the alert engine.
pub const BUILTIN_RULE_IDS: &[&str] = &[
    "fe_down",
    "be_down",
    "be_cpu_high",
    "be_mem_high",
    "disk_path_warning",
    "disk_path_critical",
    "disk_forecast",
    "fe_heap_high",
    "compaction_score_warning",
    "compaction_score_critical",
    "query_error_rate",
    "query_latency_p95",
    "txn_failed_share",
    "mv_refresh_failed",
    "routine_load_paused",
    "compaction_failures",
    "collection_failing",
];

/// How a value is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        match s {
            ">" => Some(Op::Gt),
            ">=" => Some(Op::Ge),
            "<" => Some(Op::Lt),
            "<=" => Some(Op::Le),
            _ => None,
        }
    }
}

/// One rule's effective settings (defaults, then the configuration file, then the API).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub enabled: bool,
    pub threshold: f64,
    pub for_secs: u64,
    pub severity: Severity,
}

/// A user rule: a threshold on any stored metric of the cluster or of each node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRule {
    pub id: i64,
    pub name: String,
    /// None: every cluster.
    pub cluster_id: Option<i64>,
    pub scope: Scope,
    pub metric: String,
    pub op: Op,
    pub threshold: f64,
    pub for_secs: u64,
    pub severity: Severity,
    pub enabled: bool,
}

impl UserRule {
    /// The rule id used for its alerts.
    pub fn rule_id(&self) -> String {
        format!("user:{}", self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Cluster,
    Node,
}
