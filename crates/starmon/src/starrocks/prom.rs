//! Lenient reader for the Prometheus text that StarRocks FE (`:8030/metrics`) and BE/CN
//! (`:8040/metrics`) serve. It owns turning one response body into flat samples and the
//! lookups the collector needs (`value`, `sum`); it knows nothing about which metrics matter.
//!
//! Why a hand-written parser: StarRocks' output is not strict Prometheus, and strict parsers
//! reject some of it (see docs/starrocks-facts.md §6.2 and §7):
//! * FE up to 3.5.5 writes `# HELP  jvm_…` / `# TYPE  node_info gauge` with two spaces;
//! * FE joins labels with `", "` (`{job="load", type="BROKER"}`); BE uses `,`;
//! * FE emits a family's samples non-contiguously (`tablet_num` and
//!   `tablet_max_compaction_score` interleave) with HELP/TYPE only at the first occurrence;
//! * FE prints Java doubles: `2.9043321137999997E8`, `1.0E-4`, `0.0`;
//! * FE summaries have `# HELP name ` with an empty text and a trailing space;
//! * BE writes only `# TYPE` lines, its brpc bvar lines have `# HELP name` with no text,
//!   and its doubles look like `0.000000`.
//!
//! All comment lines are therefore ignored (HELP/TYPE carry nothing the collector needs, and
//! whether a family is contiguous is irrelevant to flat samples). Sample lines are read
//! strictly enough that an HTML error page or random bytes do not turn into samples: the
//! metric and label names must be Prometheus identifiers, the value must be a number.
//!
//! A monitor parses ~1,600 bodies of ~20 KB every 30 s, so this is one pass over the lines,
//! byte-oriented, without regex, allocating only each sample's own strings.

/// One series value: `name{labels} value`. Label values are unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    /// The value of label `key` (the first one if the line repeated the key).
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// All samples of one `/metrics` body, in body order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    /// non-comment lines that could not be read
    pub bad_lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a metrics exposition: {0}")]
    NotExposition(String),
}

impl Exposition {
    /// Lenient parse. Err when the text holds no readable sample at all, or when unreadable
    /// lines outnumber readable samples (garbage, an HTML error page, a truncated body).
    pub fn parse(text: &str) -> Result<Exposition, ParseError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // A StarRocks sample line averages 40-60 bytes; over-reserving a little is cheaper
        // than regrowing a 400-element Vec several times.
        let mut samples = Vec::with_capacity(text.len() / 40);
        let mut bad_lines = 0usize;
        let mut first_bad: Option<&str> = None;
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let line = line.trim_start_matches([' ', '\t']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_sample(line) {
                Some(sample) => samples.push(sample),
                None => {
                    bad_lines += 1;
                    first_bad.get_or_insert(line);
                }
            }
        }
        if samples.is_empty() || bad_lines > samples.len() {
            let mut msg = format!(
                "{} readable samples, {} unreadable lines",
                samples.len(),
                bad_lines
            );
            if let Some(line) = first_bad {
                let snippet: String = line.chars().take(80).collect();
                msg.push_str(&format!("; first unreadable line: {snippet:?}"));
            }
            return Err(ParseError::NotExposition(msg));
        }
        Ok(Exposition { samples, bad_lines })
    }

    /// Every series of `name` whose labels include all of `labels` (key=value).
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples
            .iter()
            .filter(move |s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(*v)))
    }

    /// The value of the single matching series; None if none (or if several match — ambiguous).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut it = self.matching(name, labels);
        let first = it.next()?;
        match it.next() {
            Some(_) => None,
            None => Some(first.value),
        }
    }

    /// Sum over all matching series (`sum without(...)`); None if none match.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.matching(name, labels)
            .fold(None, |acc, s| Some(acc.unwrap_or(0.0) + s.value))
    }
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

fn is_label_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_label_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| is_ws(*c)) {
        i += 1;
    }
    i
}

/// End (exclusive) of the token starting at `i`.
fn token_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| !is_ws(*c)) {
        i += 1;
    }
    i
}

/// `name [{labels}] value [timestamp] [# exemplar]`, `line` already left-trimmed and
/// known not to be a comment. None = unreadable line.
///
/// Every slice boundary below sits next to an ASCII byte, hence on a char boundary; `get`
/// is used anyway so that a logic slip yields a bad line rather than a panic.
fn parse_sample(line: &str) -> Option<Sample> {
    let b = line.as_bytes();
    if !is_name_start(*b.first()?) {
        return None;
    }
    let mut i = 1;
    while b.get(i).is_some_and(|c| is_name_char(*c)) {
        i += 1;
    }
    let name = line.get(..i)?;

    let mut labels = Vec::new();
    let mut j = skip_ws(b, i);
    if b.get(j) == Some(&b'{') {
        i = parse_labels(line, j + 1, &mut labels)?;
        j = skip_ws(b, i);
    }
    // Without a separator `foo-1` would read as foo = -1.
    if j == i {
        return None;
    }
    let end = token_end(b, j);
    let value = parse_value(line.get(j..end)?)?;

    let k = skip_ws(b, end);
    if k < b.len() && b.get(k) != Some(&b'#') {
        // Optional timestamp (integer ms, or OpenMetrics float seconds): read and ignored.
        let ts_end = token_end(b, k);
        let ts = line.get(k..ts_end)?;
        if ts.parse::<i64>().is_err() && parse_value(ts).is_none_or(|t| !t.is_finite()) {
            return None;
        }
        let rest = skip_ws(b, ts_end);
        if rest < b.len() && b.get(rest) != Some(&b'#') {
            return None;
        }
    }

    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Parses `key="value", key2="value2"}` starting just after `{`; returns the index after `}`.
fn parse_labels(line: &str, mut i: usize, out: &mut Vec<(String, String)>) -> Option<usize> {
    let b = line.as_bytes();
    loop {
        i = skip_ws(b, i);
        let c = *b.get(i)?;
        if c == b'}' {
            return Some(i + 1);
        }
        if !is_label_start(c) {
            return None;
        }
        let start = i;
        while b.get(i).is_some_and(|c| is_label_char(*c)) {
            i += 1;
        }
        let key = line.get(start..i)?;
        i = skip_ws(b, i);
        if *b.get(i)? != b'=' {
            return None;
        }
        i = skip_ws(b, i + 1);
        if *b.get(i)? != b'"' {
            return None;
        }
        let (value, next) = parse_quoted(line, i + 1)?;
        out.push((key.to_owned(), value));
        i = skip_ws(b, next);
        match *b.get(i)? {
            b',' => i += 1,
            b'}' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Reads a label value starting just after the opening quote; returns it unescaped and the
/// index after the closing quote. `\\`, `\"`, `\n` are unescaped; any other backslash is
/// kept literally (the text format defines no other escape).
fn parse_quoted(line: &str, start: usize) -> Option<(String, usize)> {
    let b = line.as_bytes();
    let mut escaped: Option<String> = None;
    let mut chunk = start;
    let mut i = start;
    loop {
        match *b.get(i)? {
            b'"' => {
                let tail = line.get(chunk..i)?;
                let value = match escaped {
                    Some(mut s) => {
                        s.push_str(tail);
                        s
                    }
                    None => tail.to_owned(),
                };
                return Some((value, i + 1));
            }
            b'\\' => {
                let s = escaped.get_or_insert_with(|| String::with_capacity(i - start + 16));
                s.push_str(line.get(chunk..i)?);
                match *b.get(i + 1)? {
                    b'n' => s.push('\n'),
                    b'\\' => s.push('\\'),
                    b'"' => s.push('"'),
                    _ => {
                        s.push('\\');
                        i += 1;
                        chunk = i;
                        continue;
                    }
                }
                i += 2;
                chunk = i;
            }
            _ => i += 1,
        }
    }
}

/// Go's ParseFloat spellings that appear in practice: decimals, Java's `E` exponents,
/// `NaN`, `+Inf`, `-Inf` (Rust's parser accepts all of them, case-insensitively).
fn parse_value(tok: &str) -> Option<f64> {
    tok.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::starrocks::fixtures::fixture;

    fn parse_ok(text: &str) -> Exposition {
        match Exposition::parse(text) {
            Ok(e) => e,
            Err(e) => panic!("expected Ok for {text:?}: {e}"),
        }
    }

    fn one(text: &str) -> Sample {
        let e = parse_ok(text);
        assert_eq!(e.samples.len(), 1, "{text:?} -> {e:?}");
        assert_eq!(e.bad_lines, 0, "{text:?} -> {e:?}");
        e.samples[0].clone()
    }

    fn owned(labels: &[(&str, &str)]) -> Vec<(String, String)> {
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // ---- fixtures -------------------------------------------------------------------

    #[test]
    fn fe_fixture_values() {
        let e = parse_ok(&fixture("fe_metrics.txt"));
        assert_eq!(e.bad_lines, 0);
        // every non-comment line of the file (`grep -vc '^#'`)
        assert_eq!(e.samples.len(), 197);

        assert_eq!(e.value("starrocks_fe_query_total", &[]), Some(802117.0));
        assert_eq!(e.value("starrocks_fe_query_success", &[]), Some(800375.0));
        assert_eq!(e.value("starrocks_fe_qps", &[]), Some(18.4375));
        assert_eq!(
            e.value("starrocks_fe_query_latency_ms", &[("quantile", "0.99")]),
            Some(4310.0)
        );
        assert_eq!(
            e.value("starrocks_fe_query_latency_ms_sum", &[]),
            // Java's (pre-19) Double.toString is not shortest: same double as 290433211.38
            Some(290_433_211.38)
        );
        assert_eq!(
            e.value("starrocks_fe_query_latency_ms_count", &[]),
            Some(800375.0)
        );
        assert_eq!(
            e.value("starrocks_fe_journal_write_batch_sum", &[]),
            Some(2_198_307.0)
        );
        // no median in the summary
        assert_eq!(
            e.value("starrocks_fe_query_latency_ms", &[("quantile", "0.5")]),
            None
        );
        // five quantiles → ambiguous without a selector
        assert_eq!(e.value("starrocks_fe_query_latency_ms", &[]), None);
        assert_eq!(e.matching("starrocks_fe_query_latency_ms", &[]).count(), 5);

        // per-user only (3.3.5+): 6 + 4 + 1 + 2
        assert_eq!(e.sum("starrocks_fe_connection_total", &[]), Some(13.0));
        assert_eq!(e.value("starrocks_fe_connection_total", &[]), None);
        assert_eq!(
            e.value("starrocks_fe_connection_total", &[("user", "etl_user")]),
            Some(4.0)
        );

        // two-space HELP/TYPE block
        assert_eq!(
            e.value("jvm_heap_size_bytes", &[("type", "used")]),
            Some(6_203_904_512.0)
        );
        assert_eq!(
            e.value("jvm_heap_size_bytes", &[("type", "max")]),
            Some(17_179_869_184.0)
        );
        assert_eq!(
            e.value("jvm_young_size_bytes", &[("type", "max")]),
            Some(0.0)
        );

        // ", "-joined labels, three of them
        assert_eq!(
            e.value(
                "starrocks_fe_job",
                &[("job", "load"), ("type", "BROKER"), ("state", "FINISHED")]
            ),
            Some(341.0)
        );
        // 1873 + 12 + 1 + 2 + 341 + 4 + 1 (SCHEMA_CHANGE running)
        assert_eq!(e.sum("starrocks_fe_job", &[]), Some(2234.0));
        let job = e
            .matching(
                "starrocks_fe_job",
                &[("state", "CANCELLED"), ("type", "INSERT")],
            )
            .next()
            .cloned();
        assert_eq!(
            job.map(|s| s.labels),
            Some(owned(&[
                ("job", "load"),
                ("type", "INSERT"),
                ("state", "CANCELLED")
            ]))
        );

        // non-contiguous family: tablet_num lines are interleaved with the compaction score
        assert_eq!(e.matching("starrocks_fe_tablet_num", &[]).count(), 3);
        assert_eq!(e.sum("starrocks_fe_tablet_num", &[]), Some(85246.0));
        assert_eq!(
            e.value(
                "starrocks_fe_tablet_max_compaction_score",
                &[("backend", "10.20.30.43:9050")]
            ),
            Some(31.0)
        );

        // node_info: TYPE only, two spaces, no prefix
        assert_eq!(e.value("node_info", &[("type", "is_master")]), Some(1.0));
        assert_eq!(
            e.value("node_info", &[("type", "be_node_num"), ("state", "alive")]),
            Some(2.0)
        );
        assert_eq!(
            e.value("node_info", &[("type", "be_node_num"), ("state", "dead")]),
            None
        );

        // three labels incl. camelCase key
        assert_eq!(
            e.value(
                "starrocks_fe_object_count",
                &[("objectName", "TxnCallbackCount")]
            ),
            Some(14.0)
        );
        assert_eq!(
            e.value("starrocks_fe_routine_load_receive_bytes", &[]),
            Some(402_188_837_361.0)
        );
    }

    #[test]
    fn be_fixture_values() {
        let e = parse_ok(&fixture("be_metrics.txt"));
        assert_eq!(e.bad_lines, 0);
        assert_eq!(e.samples.len(), 155);
        assert_eq!(
            e.value(
                "starrocks_be_disks_avail_capacity",
                &[("path", "/data1/starrocks/storage")]
            ),
            Some(2_311_594_401_792.0)
        );
        // 2311594401792 + 2347129556992
        assert_eq!(
            e.sum("starrocks_be_disks_avail_capacity", &[]),
            Some(4_658_723_958_784.0)
        );
        assert_eq!(
            e.value(
                "starrocks_be_engine_requests_total",
                &[("status", "failed"), ("type", "cumulative_compaction")]
            ),
            Some(41.0)
        );
        // label order in the query does not matter
        assert_eq!(
            e.value(
                "starrocks_be_engine_requests_total",
                &[("type", "cumulative_compaction"), ("status", "total")]
            ),
            Some(1_710_233.0)
        );
        assert_eq!(
            e.value("starrocks_be_cpu", &[("mode", "idle")]),
            Some(2_961_224_780.0)
        );
        assert_eq!(e.matching("starrocks_be_cpu", &[]).count(), 10);
        assert_eq!(
            e.value("starrocks_be_query_cache_hit_ratio", &[]),
            Some(0.0)
        );
        assert_eq!(
            e.value("starrocks_be_query_scan_bytes", &[]),
            Some(1_188_201_339_217_733.0)
        );
        // bvars after `# HELP name` without text
        assert_eq!(e.value("process_cpu_usage", &[]), Some(3.612));
        assert_eq!(e.value("bthread_count", &[]), Some(187.0));
        assert_eq!(e.value("bthread_worker_count", &[]), Some(33.0));
        assert_eq!(e.value("starrocks_be_fe_query_total", &[]), None);
    }

    // ---- quirks in isolation -----------------------------------------------------------

    #[test]
    fn double_space_help_and_type_are_ignored() {
        let s = one("# HELP  jvm_thread jvm thread stat\n# TYPE  jvm_thread gauge\njvm_thread{type=\"count\"} 612\n");
        assert_eq!(s.name, "jvm_thread");
        assert_eq!(s.labels, owned(&[("type", "count")]));
        assert_eq!(s.value, 612.0);
    }

    #[test]
    fn summary_help_with_trailing_space_and_bvar_help_without_text() {
        let e = parse_ok("# HELP x_ms \n# TYPE x_ms summary\nx_ms{quantile=\"0.75\"} 2.0\nx_ms_sum 3.5\nx_ms_count 2\n# HELP bthread_count\n# TYPE bthread_count gauge\nbthread_count 187\n");
        assert_eq!(e.bad_lines, 0);
        assert_eq!(e.value("x_ms", &[("quantile", "0.75")]), Some(2.0));
        assert_eq!(e.value("x_ms_sum", &[]), Some(3.5));
        assert_eq!(e.value("x_ms_count", &[]), Some(2.0));
        assert_eq!(e.value("bthread_count", &[]), Some(187.0));
    }

    #[test]
    fn comma_space_and_comma_separators() {
        let fe = one("starrocks_fe_job{job=\"load\", type=\"BROKER\", state=\"PENDING\"} 1\n");
        let be = one("starrocks_fe_job{job=\"load\",type=\"BROKER\",state=\"PENDING\"} 1\n");
        let want = owned(&[("job", "load"), ("type", "BROKER"), ("state", "PENDING")]);
        assert_eq!(fe.labels, want);
        assert_eq!(be.labels, want);
        // spaces around `=`, `{`, `}` and a trailing comma are tolerated
        let loose = one("m{ a = \"1\" ,b=\"2\", } 3");
        assert_eq!(loose.labels, owned(&[("a", "1"), ("b", "2")]));
        assert_eq!(loose.value, 3.0);
        let empty = one("m{} 4");
        assert!(empty.labels.is_empty());
        assert_eq!(empty.value, 4.0);
        // space between name and `{`
        assert_eq!(one("m {a=\"x\"} 5").labels, owned(&[("a", "x")]));
    }

    #[test]
    fn escaped_label_values() {
        let s =
            one(r#"m{path="C:\\data\\x", q="say \"hi\"", nl="a\nb", odd="\t", u="ünï\"cödé"} 1"#);
        assert_eq!(s.label("path"), Some("C:\\data\\x"));
        assert_eq!(s.label("q"), Some("say \"hi\""));
        assert_eq!(s.label("nl"), Some("a\nb"));
        // unknown escape kept literally
        assert_eq!(s.label("odd"), Some("\\t"));
        assert_eq!(s.label("u"), Some("ünï\"cödé"));
        // `}` and `,` inside a quoted value are data
        let t = one(r#"m{a="x}, b=\"y\"",c="{}"} 2"#);
        assert_eq!(t.labels, owned(&[("a", "x}, b=\"y\""), ("c", "{}")]));
    }

    #[test]
    fn java_and_cpp_number_spellings() {
        assert_eq!(one("m 2.9043321137999997E8").value, 290_433_211.38);
        assert_eq!(one("m 1.0E-4").value, 0.0001);
        assert_eq!(one("m 5.213307648E9").value, 5_213_307_648.0);
        assert_eq!(one("m 0.000000").value, 0.0);
        assert_eq!(one("m 18.4375").value, 18.4375);
        assert_eq!(one("m -3").value, -3.0);
        assert_eq!(one("m 1e3").value, 1000.0);
        assert_eq!(
            one("m 9223372036854775807").value,
            9_223_372_036_854_775_807.0
        );
    }

    #[test]
    fn nan_and_infinities() {
        assert!(one("m NaN").value.is_nan());
        assert_eq!(one("m +Inf").value, f64::INFINITY);
        assert_eq!(one("m -Inf").value, f64::NEG_INFINITY);
        assert_eq!(one("m{le=\"+Inf\"} 7").label("le"), Some("+Inf"));
    }

    #[test]
    fn timestamps_and_exemplars_are_ignored() {
        let s = one("m{a=\"b\"} 12 1710000000000");
        assert_eq!(s.value, 12.0);
        assert_eq!(one("m 12 -5").value, 12.0);
        assert_eq!(one("m 12 1710000000.123").value, 12.0);
        assert_eq!(one("m 12 # {trace_id=\"x\"} 1").value, 12.0);
        assert_eq!(one("m 12 1710000000000 # {trace_id=\"x\"} 1").value, 12.0);
        assert_eq!(one("m\t12\t1710000000000\t").value, 12.0);
    }

    #[test]
    fn line_endings_blank_lines_and_missing_final_newline() {
        let e = parse_ok("\u{feff}# TYPE a gauge\r\na 1\r\n\r\n   \n\tb{x=\"y\"} 2\r\n\nc 3");
        assert_eq!(e.bad_lines, 0);
        assert_eq!(e.value("a", &[]), Some(1.0));
        assert_eq!(e.value("b", &[("x", "y")]), Some(2.0));
        assert_eq!(e.value("c", &[]), Some(3.0));
        assert_eq!(e.samples.len(), 3);
    }

    #[test]
    fn comments_of_any_form_are_ignored() {
        let e = parse_ok("#\n# \n#HELP\n# whatever {not a sample} 1\n# EOF\n  # indented\nm 1\n");
        assert_eq!(e.samples.len(), 1);
        assert_eq!(e.bad_lines, 0);
    }

    #[test]
    fn non_contiguous_families_keep_every_series() {
        let e = parse_ok("# TYPE a gauge\na{b=\"1\"} 1\n# TYPE c gauge\nc 5\na{b=\"2\"} 2\nc 6\n");
        assert_eq!(e.sum("a", &[]), Some(3.0));
        assert_eq!(e.sum("c", &[]), Some(11.0));
        assert_eq!(e.value("c", &[]), None);
        let order: Vec<f64> = e.samples.iter().map(|s| s.value).collect();
        assert_eq!(order, vec![1.0, 5.0, 2.0, 6.0]);
    }

    #[test]
    fn lookups() {
        let e = parse_ok("m{a=\"1\",b=\"x\"} 1\nm{a=\"2\",b=\"x\"} 2\nm{a=\"3\",b=\"y\"} 4\nn 8\n");
        assert_eq!(e.value("m", &[("a", "2")]), Some(2.0));
        assert_eq!(e.value("m", &[("b", "x")]), None);
        assert_eq!(e.sum("m", &[("b", "x")]), Some(3.0));
        assert_eq!(e.sum("m", &[]), Some(7.0));
        assert_eq!(e.sum("m", &[("b", "z")]), None);
        assert_eq!(e.sum("nope", &[]), None);
        assert_eq!(e.value("nope", &[]), None);
        assert_eq!(e.value("n", &[]), Some(8.0));
        assert_eq!(e.value("n", &[("a", "1")]), None);
        // name match is exact, not prefix
        assert_eq!(e.value("m", &[("a", "1"), ("b", "x")]), Some(1.0));
        assert_eq!(e.matching("", &[]).count(), 0);
        let s = &e.samples[0];
        assert_eq!(s.label("b"), Some("x"));
        assert_eq!(s.label("c"), None);
    }

    #[test]
    fn duplicate_label_key_label_returns_first() {
        let s = one("m{a=\"1\",a=\"2\"} 1");
        assert_eq!(s.label("a"), Some("1"));
        assert_eq!(s.labels.len(), 2);
    }

    #[test]
    fn unreadable_lines_are_counted() {
        for bad in [
            "m",
            "m ",
            "m abc",
            "m 1 2 3",
            "m 1 x",
            "m1.5",
            "m{a=\"1\"}2",
            "m{a=\"1\" 2",
            "m{a=1} 2",
            "m{a=\"1\"",
            "m{a=\"1\\\"} 2",
            "m{a=\"1\"b=\"2\"} 3",
            "m{=\"1\"} 2",
            "m{1a=\"1\"} 2",
            "m{a-b=\"1\"} 2",
            "{a=\"1\"} 2",
            "1m 2",
            "m-1",
            "m 0x10",
            "m 1_000",
            "m 1,5",
            "m 12 1710000000000 extra",
            "m 12 inf",
            "<html>",
            "mätric 1",
        ] {
            let text = format!("ok 1\nok 2\n{bad}\n");
            let e = parse_ok(&text);
            assert_eq!(e.bad_lines, 1, "{bad:?} -> {e:?}");
            assert_eq!(e.samples.len(), 2, "{bad:?} -> {e:?}");
        }
    }

    // ---- garbage ---------------------------------------------------------------------

    fn is_err(text: &str) -> bool {
        matches!(Exposition::parse(text), Err(ParseError::NotExposition(_)))
    }

    #[test]
    fn garbage_bodies_are_errors() {
        assert!(is_err(""));
        assert!(is_err("\n\n  \r\n"));
        assert!(is_err("# HELP a\n# TYPE a gauge\n"));
        assert!(is_err(
            "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
        ));
        assert!(is_err("Internal Server Error"));
        assert!(is_err("Not Found\n"));
        assert!(is_err("{\"status\":\"FAILED\",\"msg\":\"unauthorized\"}"));
        assert!(is_err(
            "[{\"tags\":{\"metric\":\"qps\"},\"unit\":\"nounit\",\"value\":18.4375}]"
        ));
        assert!(is_err("\u{0}\u{1}\u{2}\u{fffd}\u{fffd}"));
        // one lucky line among garbage is not enough
        assert!(is_err("garbage here\nmore garbage\nok 1\n"));
        // a tie is still Ok (not outnumbered)
        assert_eq!(
            Exposition::parse("garbage here\nok 1\n").map(|e| (e.samples.len(), e.bad_lines)),
            Ok((1, 1))
        );
    }

    #[test]
    fn error_message_names_the_first_bad_line() {
        let err = Exposition::parse("<html><body>oops</body></html>\n");
        assert_eq!(
            err,
            Err(ParseError::NotExposition(
                "0 readable samples, 1 unreadable lines; first unreadable line: \"<html><body>oops</body></html>\"".into()
            ))
        );
        let msg = Exposition::parse("").err().map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("not a metrics exposition: 0 readable samples, 0 unreadable lines")
        );
    }

    #[test]
    fn truncated_body_is_still_ok() {
        let full = fixture("fe_metrics.txt");
        // cut inside the label set of the line `starrocks_fe_job{job="load", type="BROKER", state="ETL"} 0`
        let cut = full
            .find("starrocks_fe_job{job=\"load\", type=\"BROKER\", state=\"ETL\"}")
            .map(|at| at + 30)
            .unwrap_or(0);
        assert!(cut > 0);
        let e = parse_ok(&full[..cut]);
        assert_eq!(e.bad_lines, 1);
        // 22 jvm samples + 10 job samples before the cut
        assert_eq!(e.samples.len(), 32);
        assert_eq!(
            e.value(
                "starrocks_fe_job",
                &[("type", "BROKER"), ("state", "PENDING")]
            ),
            Some(1.0)
        );
        assert_eq!(e.value("starrocks_fe_query_total", &[]), None);

        // a body cut in the middle of its first line has nothing readable
        assert!(is_err("starrocks_be_cpu{mode=\"id"));
    }

    // ---- fuzz --------------------------------------------------------------------------

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: usize) -> usize {
            if n == 0 {
                0
            } else {
                (self.next() % n as u64) as usize
            }
        }
    }

    fn check_invariants(text: &str) {
        match Exposition::parse(text) {
            Ok(e) => {
                assert!(!e.samples.is_empty());
                assert!(e.bad_lines <= e.samples.len());
                for s in &e.samples {
                    assert!(!s.name.is_empty());
                    let _ = e.value(&s.name, &[]);
                    let _ = e.sum(&s.name, &[]);
                }
            }
            Err(ParseError::NotExposition(msg)) => assert!(!msg.is_empty()),
        }
    }

    #[test]
    fn fuzz_random_bytes_never_panic() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let len = rng.below(300);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            check_invariants(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn fuzz_random_token_soup_never_panics() {
        const TOKENS: &[&str] = &[
            "m", "a", "_", ":", "{", "}", "\"", "\\", "=", ",", ", ", " ", "\t", "\n", "\r\n", "#",
            "1", "-", "+", ".", "E", "e", "NaN", "Inf", "0.0", "é", "\u{0}", "x=\"y\"",
        ];
        let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
        for _ in 0..5000 {
            let n = rng.below(60);
            let mut text = String::new();
            for _ in 0..n {
                text.push_str(TOKENS[rng.below(TOKENS.len())]);
            }
            check_invariants(&text);
        }
    }

    #[test]
    fn fuzz_mutated_fixtures_never_panic() {
        let fixtures = [fixture("fe_metrics.txt"), fixture("be_metrics.txt")];
        let mut rng = XorShift(0x0123_4567_89AB_CDEF);
        for round in 0..400 {
            let mut bytes = fixtures[round % 2].clone().into_bytes();
            for _ in 0..1 + rng.below(40) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.below(bytes.len());
                match rng.below(6) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => bytes.insert(at, b"{}\"\\=, #\n\r"[rng.below(10)]),
                    2 => {
                        bytes.remove(at);
                    }
                    3 => bytes.truncate(at),
                    4 => {
                        let end = (at + rng.below(64)).min(bytes.len());
                        let chunk = bytes[at..end].to_vec();
                        let to = rng.below(bytes.len());
                        bytes.splice(to..to, chunk);
                    }
                    _ => bytes[at] ^= 1 << rng.below(8),
                }
            }
            check_invariants(&String::from_utf8_lossy(&bytes));
        }
    }

    /// Random well-formed samples written with random StarRocks quirks read back exactly.
    #[test]
    fn fuzz_round_trip_of_generated_samples() {
        let mut rng = XorShift(0x5EED_0000_0000_0001);
        const VALUE_CHARS: &[char] = &[
            'a', 'Z', '0', ' ', ',', '}', '{', '=', '"', '\\', '\n', 'é', '#',
        ];
        for _ in 0..500 {
            let mut text = String::new();
            let mut want = Vec::new();
            for i in 0..1 + rng.below(20) {
                let name = format!("m_{}:x{}", rng.below(5), i);
                let mut labels = Vec::new();
                for k in 0..rng.below(4) {
                    let v: String = (0..rng.below(8))
                        .map(|_| VALUE_CHARS[rng.below(VALUE_CHARS.len())])
                        .collect();
                    labels.push((format!("l{k}"), v));
                }
                let value = match rng.below(4) {
                    0 => rng.below(1_000_000) as f64,
                    1 => rng.below(1_000_000) as f64 / 64.0,
                    2 => (rng.next() >> 11) as f64 * 1e-3,
                    _ => -(rng.below(1000) as f64) * 1e-7,
                };
                if rng.below(3) == 0 {
                    text.push_str(&format!("# HELP  {name} \n# TYPE {name} gauge\n"));
                }
                text.push_str(&name);
                if !labels.is_empty() || rng.below(4) == 0 {
                    let sep = if rng.below(2) == 0 { ", " } else { "," };
                    let body: Vec<String> = labels
                        .iter()
                        .map(|(k, v)| {
                            let esc = v
                                .replace('\\', "\\\\")
                                .replace('"', "\\\"")
                                .replace('\n', "\\n");
                            format!("{k}=\"{esc}\"")
                        })
                        .collect();
                    text.push_str(&format!("{{{}}}", body.join(sep)));
                }
                let rendered = match rng.below(3) {
                    0 => format!("{value:e}").replace('e', "E"),
                    1 => format!("{value:?}"),
                    _ => format!("{value}"),
                };
                text.push(' ');
                text.push_str(&rendered);
                if rng.below(4) == 0 {
                    text.push_str(" 1710000000000");
                }
                text.push_str(if rng.below(2) == 0 { "\r\n" } else { "\n" });
                want.push(Sample {
                    name,
                    labels,
                    value,
                });
            }
            let e = parse_ok(&text);
            assert_eq!(e.bad_lines, 0, "{text}");
            assert_eq!(e.samples, want, "{text}");
        }
    }

    /// Not a benchmark, just a guard against accidental quadratic behaviour: 1,600 FE bodies
    /// (the per-30-s load of a large fleet) must parse well inside a debug-build budget.
    #[test]
    fn parses_a_fleet_worth_of_bodies_quickly() {
        let body = fixture("fe_metrics.txt");
        let start = std::time::Instant::now();
        let mut total = 0;
        for _ in 0..1600 {
            total += Exposition::parse(&body)
                .map(|e| e.samples.len())
                .unwrap_or(0);
        }
        assert_eq!(total, 1600 * 197);
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }
}
