//! The `/metrics` parser over arbitrary bodies, and the lookups the collector runs on what it
//! parsed. Besides "no panic", it checks what the collector relies on: a parsed body has
//! samples and not more bad lines than samples, every sample is found again by its own name and
//! labels, and samples written back out in the text format read back the same.

#![no_main]

use libfuzzer_sys::fuzz_target;
use starmon::starrocks::prom::{Exposition, Sample};

/// Enough samples to check per input: bodies are up to max_len bytes and the checks below are
/// quadratic in the sample count (each lookup scans every sample).
const CHECKED: usize = 64;

fuzz_target!(|data: &[u8]| {
    // The HTTP client hands the parser `text()`, which is lossy UTF-8 as well.
    let text = String::from_utf8_lossy(data);
    let Ok(e) = Exposition::parse(&text) else {
        return;
    };
    assert!(!e.samples.is_empty());
    assert!(e.bad_lines <= e.samples.len());

    for s in e.samples.iter().take(CHECKED) {
        assert!(is_metric_name(&s.name), "{:?}", s.name);
        // Query by the first occurrence of each key: `label()` returns the first value when a
        // line repeats a key, so a query naming the second value rightly does not match.
        let mut query: Vec<(&str, &str)> = Vec::new();
        for (k, v) in &s.labels {
            if !query.iter().any(|(qk, _)| qk == k) {
                query.push((k.as_str(), v.as_str()));
            }
        }
        let hits: Vec<&Sample> = e.matching(&s.name, &query).collect();
        assert!(hits.iter().any(|h| std::ptr::eq(*h, s)), "{s:?} not found");
        assert_eq!(e.value(&s.name, &query).is_some(), hits.len() == 1);
        assert!(e.sum(&s.name, &query).is_some());
        assert!(e.sum(&s.name, &[]).is_some());
    }

    // Written back in the text format, the samples read back as they are.
    let shown: Vec<&Sample> = e.samples.iter().take(CHECKED).collect();
    let mut out = String::new();
    for s in &shown {
        write_sample(&mut out, s);
    }
    let again = match Exposition::parse(&out) {
        Ok(again) => again,
        Err(err) => panic!("re-rendered samples do not parse: {err}\n{out}"),
    };
    assert_eq!(again.bad_lines, 0, "{out}");
    assert_eq!(again.samples.len(), shown.len(), "{out}");
    for (a, b) in shown.iter().zip(&again.samples) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.labels, b.labels);
        assert!(
            a.value == b.value || (a.value.is_nan() && b.value.is_nan()),
            "{} vs {}",
            a.value,
            b.value
        );
    }
});

fn is_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && bytes.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

fn write_sample(out: &mut String, s: &Sample) {
    out.push_str(&s.name);
    out.push('{');
    for (k, v) in &s.labels {
        let v = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        out.push_str(&format!("{k}=\"{v}\","));
    }
    // `{:?}` keeps every digit of the double and spells the specials `NaN`/`inf`/`-inf`.
    out.push_str(&format!("}} {:?}\n", s.value));
}
