//! The Prometheus-like text StarRocks writes, quirks included (docs/starrocks-facts.md §6.2, §7).
//!
//! FE: `# HELP`/`# TYPE` once per name at its first occurrence (so a family can be split), labels
//! joined with `", "`, Java `toString` values, JVM/node_info blocks unprefixed and (before 3.5.6)
//! with two spaces after `#HELP`/`#TYPE`. BE: only `# TYPE` lines, families in alphabetical order,
//! series sorted by labels, labels sorted by name and joined with `,`, doubles with six decimals,
//! bvar variables appended. Writers append to one `String` to keep a scrape cheap.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::format::java_double;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(i64),
    Double(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Summary,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Summary => "summary",
        }
    }
}

/// One metric series with everything needed to print it.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Full name as printed (`starrocks_fe_query_total`, `jvm_thread`, `…_latency_ms_sum`).
    pub name: String,
    /// The family it belongs to (differs from `name` for `_sum`/`_count` of a summary).
    pub family: String,
    pub kind: Kind,
    pub help: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

impl Sample {
    pub fn new(name: impl Into<String>, kind: Kind, help: &'static str, value: Value) -> Self {
        let name = name.into();
        Sample {
            family: name.clone(),
            name,
            kind,
            help,
            labels: Vec::new(),
            value,
        }
    }

    pub fn label(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.labels.push((key, value.into()));
        self
    }
}

fn write_labels(out: &mut String, labels: &[(&'static str, String)], sep: &str) {
    if labels.is_empty() {
        return;
    }
    out.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        let _ = write!(out, "{k}=\"{}\"", escape_label(v));
    }
    out.push('}');
}

fn escape_label(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains(['\\', '"', '\n']) {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .into()
    } else {
        v.into()
    }
}

/// How the FE prints one section of its exposition.
pub struct FeStyle {
    /// `# HELP  name` with two spaces (JVM and node_info blocks before 3.5.6).
    pub two_spaces: bool,
    /// Group samples of one family together (3.5.6+); otherwise keep registration order.
    pub grouped: bool,
}

/// Writes FE samples; HELP/TYPE are printed at the first sample of each family.
pub fn write_fe(out: &mut String, samples: &[Sample], style: &FeStyle) {
    let ordered: Vec<&Sample> = if style.grouped {
        // Families contiguous, in an arbitrary but stable order (a HashMap in the FE).
        let mut by_family: BTreeMap<(u64, &str), Vec<&Sample>> = BTreeMap::new();
        for s in samples {
            by_family
                .entry((family_hash(&s.family), s.family.as_str()))
                .or_default()
                .push(s);
        }
        by_family.into_values().flatten().collect()
    } else {
        samples.iter().collect()
    };
    let mut seen: Vec<&str> = Vec::new();
    let gap = if style.two_spaces { "  " } else { " " };
    for s in ordered {
        if !seen.contains(&s.family.as_str()) {
            seen.push(&s.family);
            // node_info has no HELP line at all.
            if s.family != "node_info" {
                let _ = writeln!(out, "# HELP{gap}{} {}", s.family, s.help);
            }
            let _ = writeln!(out, "# TYPE{gap}{} {}", s.family, s.kind.as_str());
        }
        out.push_str(&s.name);
        write_labels(out, &s.labels, ", ");
        out.push(' ');
        match s.value {
            Value::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Double(v) => out.push_str(&java_double(v)),
        }
        out.push('\n');
    }
}

fn family_hash(name: &str) -> u64 {
    // FNV-1a: a stable stand-in for Java's HashMap order.
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Writes BE samples: alphabetical families, `# TYPE` only, sorted labels, `,` separator.
pub fn write_be(out: &mut String, samples: &[Sample]) {
    let mut families: BTreeMap<&str, Vec<(String, &Sample)>> = BTreeMap::new();
    for s in samples {
        let mut labels = s.labels.clone();
        labels.sort_by(|a, b| a.0.cmp(b.0));
        let mut key = String::new();
        write_labels(&mut key, &labels, ",");
        families
            .entry(s.family.as_str())
            .or_default()
            .push((key, s));
    }
    for (family, mut series) in families {
        series.sort_by(|a, b| a.0.cmp(&b.0));
        let kind = series
            .first()
            .map(|(_, s)| s.kind.as_str())
            .unwrap_or("gauge");
        let _ = writeln!(out, "# TYPE {family} {kind}");
        for (labels, s) in series {
            out.push_str(&s.name);
            out.push_str(&labels);
            match s.value {
                Value::Int(v) => {
                    let _ = writeln!(out, " {v}");
                }
                Value::Double(v) => {
                    let _ = writeln!(out, " {v:.6}");
                }
            }
        }
    }
}

/// Writes brpc bvar variables the way BE appends them: `# HELP name`, `# TYPE name gauge`.
pub fn write_bvars(out: &mut String, vars: &[(&str, String)]) {
    for (name, value) in vars {
        let _ = writeln!(out, "# HELP {name}\n# TYPE {name} gauge\n{name} {value}");
    }
}

/// `?type=json`: `[{"tags":{"metric":"qps",…},"unit":"nounit","value":18.4375}, …]`, names
/// without the `prefix`.
pub fn write_json(samples: &[Sample], prefix: &str) -> String {
    let items: Vec<serde_json::Value> = samples
        .iter()
        .map(|s| {
            let mut tags = serde_json::Map::new();
            tags.insert(
                "metric".into(),
                s.name.strip_prefix(prefix).unwrap_or(&s.name).into(),
            );
            for (k, v) in &s.labels {
                tags.insert((*k).into(), v.clone().into());
            }
            let value = match s.value {
                Value::Int(v) => serde_json::Value::from(v),
                Value::Double(v) => serde_json::Number::from_f64(v)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
            };
            serde_json::json!({"tags": tags, "unit": "nounit", "value": value})
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fe_style_splits_families_and_uses_comma_space() {
        let samples = vec![
            Sample::new(
                "starrocks_fe_tablet_num",
                Kind::Gauge,
                "tablet number",
                Value::Int(5),
            )
            .label("backend", "a:1"),
            Sample::new("starrocks_fe_score", Kind::Gauge, "score", Value::Int(2))
                .label("backend", "a:1"),
            Sample::new(
                "starrocks_fe_tablet_num",
                Kind::Gauge,
                "tablet number",
                Value::Int(6),
            )
            .label("backend", "b:1"),
            Sample::new(
                "starrocks_fe_job",
                Kind::Gauge,
                "job",
                Value::Double(2.9043321138E8),
            )
            .label("job", "load")
            .label("type", "BROKER"),
        ];
        let mut out = String::new();
        write_fe(
            &mut out,
            &samples,
            &FeStyle {
                two_spaces: false,
                grouped: false,
            },
        );
        assert_eq!(
            out,
            "# HELP starrocks_fe_tablet_num tablet number\n# TYPE starrocks_fe_tablet_num gauge\n\
             starrocks_fe_tablet_num{backend=\"a:1\"} 5\n\
             # HELP starrocks_fe_score score\n# TYPE starrocks_fe_score gauge\n\
             starrocks_fe_score{backend=\"a:1\"} 2\n\
             starrocks_fe_tablet_num{backend=\"b:1\"} 6\n\
             # HELP starrocks_fe_job job\n# TYPE starrocks_fe_job gauge\n\
             starrocks_fe_job{job=\"load\", type=\"BROKER\"} 2.9043321138E8\n"
        );
        let mut grouped = String::new();
        write_fe(
            &mut grouped,
            &samples,
            &FeStyle {
                two_spaces: false,
                grouped: true,
            },
        );
        let tablet_lines: Vec<usize> = grouped
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("starrocks_fe_tablet_num{"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(tablet_lines.len(), 2);
        assert_eq!(
            tablet_lines[1],
            tablet_lines[0] + 1,
            "grouped families are contiguous:\n{grouped}"
        );
    }

    #[test]
    fn two_space_headers_and_node_info_without_help() {
        let samples = vec![
            Sample::new(
                "jvm_thread",
                Kind::Gauge,
                "jvm thread stat",
                Value::Int(612),
            )
            .label("type", "count"),
            Sample::new("node_info", Kind::Gauge, "", Value::Int(3))
                .label("type", "fe_node_num")
                .label("state", "total"),
        ];
        let mut out = String::new();
        write_fe(
            &mut out,
            &samples,
            &FeStyle {
                two_spaces: true,
                grouped: false,
            },
        );
        assert_eq!(
            out,
            "# HELP  jvm_thread jvm thread stat\n# TYPE  jvm_thread gauge\njvm_thread{type=\"count\"} 612\n\
             # TYPE  node_info gauge\nnode_info{type=\"fe_node_num\", state=\"total\"} 3\n"
        );
    }

    #[test]
    fn be_style_sorts_families_series_and_label_names() {
        let samples = vec![
            Sample::new(
                "starrocks_be_engine_requests_total",
                Kind::Counter,
                "",
                Value::Int(5),
            )
            .label("type", "base_compaction")
            .label("status", "failed"),
            Sample::new("starrocks_be_cpu", Kind::Counter, "", Value::Int(10))
                .label("mode", "user"),
            Sample::new("starrocks_be_cpu", Kind::Counter, "", Value::Int(20))
                .label("mode", "idle"),
            Sample::new(
                "starrocks_be_query_cache_hit_ratio",
                Kind::Gauge,
                "",
                Value::Double(0.0),
            ),
        ];
        let mut out = String::new();
        write_be(&mut out, &samples);
        assert_eq!(
            out,
            "# TYPE starrocks_be_cpu counter\nstarrocks_be_cpu{mode=\"idle\"} 20\nstarrocks_be_cpu{mode=\"user\"} 10\n\
             # TYPE starrocks_be_engine_requests_total counter\n\
             starrocks_be_engine_requests_total{status=\"failed\",type=\"base_compaction\"} 5\n\
             # TYPE starrocks_be_query_cache_hit_ratio gauge\nstarrocks_be_query_cache_hit_ratio 0.000000\n"
        );
    }
}
