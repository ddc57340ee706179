//! FE and BE `/metrics` bodies, built from the model in each version's registration order.
//!
//! The order each StarRocks version registers its metrics in follows docs/starrocks-facts.md §6.3–6.5, §7.
//!
//! The FE body is assembled here from `jvm` (the unprefixed JVM block) and `registry` (the
//! `starrocks_fe_` registry, MV and node-info samples); `be` builds the BE/CN body.

mod be;
mod jvm;
mod registry;

use crate::exposition::{write_fe, write_json, FeStyle, Kind, Sample, Value};
use crate::model::ClusterState;

pub use be::be_metrics;

const FE: &str = "starrocks_fe_";
const BE: &str = "starrocks_be_";

fn int(v: impl TryInto<i64>) -> Value {
    Value::Int(v.try_into().unwrap_or(i64::MAX))
}

fn fe(name: &str, kind: Kind, help: &'static str, value: Value) -> Sample {
    Sample::new(format!("{FE}{name}"), kind, help, value)
}

/// Which optional parts of the FE exposition the request asked for (and may see).
#[derive(Debug, Clone, Copy, Default)]
pub struct FeRequest {
    pub json: bool,
    /// `with_materialized_view_metrics=all|minified` with admin credentials.
    pub mv: Option<MvDetail>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MvDetail {
    All,
    Minified,
}

/// The FE `/metrics` body for FE `i`.
pub fn fe_metrics(st: &ClusterState, i: usize, req: FeRequest) -> String {
    let v = st.version;
    let jvm = jvm::jvm_samples(st, i);
    let mut registry = registry::registry_samples(st, i);
    if let (Some(detail), true) = (req.mv, v.has_mv_metrics()) {
        registry.extend(registry::mv_samples(st, i, detail));
    }
    let node_info = registry::node_info_samples(st, i);
    if req.json {
        let mut all = registry;
        all.extend(jvm);
        all.extend(node_info);
        return write_json(&all, FE);
    }
    let mut out = String::with_capacity(24 * 1024);
    let quirky = FeStyle {
        two_spaces: v.fe_two_space_jvm_headers(),
        grouped: false,
    };
    write_fe(&mut out, &jvm, &quirky);
    write_fe(
        &mut out,
        &registry,
        &FeStyle {
            two_spaces: false,
            grouped: v.fe_families_grouped(),
        },
    );
    write_fe(&mut out, &node_info, &quirky);
    out
}
