//! The SHOW-cell value parsers (sizes, percentages, booleans, integers, times) over arbitrary
//! cells, with the properties the node lists rely on: a size is never negative, a percentage is
//! finite, a parsed integer or time prints back as its input, and values formatted the way
//! StarRocks formats them parse back to themselves.
//!
//! Input: a few bytes read with `arbitrary` (a time zone offset and one known value of each
//! kind), then the cell text. The seeds are real cells of the fixtures.

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use chrono::{DateTime, FixedOffset, NaiveDate};
use libfuzzer_sys::fuzz_target;
use starmon::starrocks::values::{parse_bool, parse_bytes, parse_int, parse_pct, parse_time};

/// Values to format and parse back; the cell itself comes after them.
#[derive(Arbitrary, Debug)]
struct Known {
    offset_secs: i32,
    bytes: u64,
    unit: u8,
    int: i64,
    pct: f64,
    /// Seconds since 0000-01-01, reduced into the years `parse_time` reads (0000–9999).
    instant: u64,
}

const UNITS: [(&str, u32); 6] = [
    ("B", 0),
    ("KB", 10),
    ("MB", 20),
    ("GB", 30),
    ("TB", 40),
    ("PB", 50),
];

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let known = Known::arbitrary(&mut u)?;
    let cell = String::from_utf8_lossy(u.take_rest());
    // FixedOffset takes strictly less than a day either way.
    let tz = FixedOffset::east_opt(known.offset_secs % 86_400).expect("within a day");

    cell_properties(&cell, tz);
    round_trips(&known, tz);
    Ok(())
}

fn cell_properties(cell: &str, tz: FixedOffset) {
    if let Some(b) = parse_bytes(cell) {
        assert!(b >= 0, "{cell:?} -> {b}");
    }
    if let Some(p) = parse_pct(cell) {
        assert!(p.is_finite(), "{cell:?} -> {p}");
    }
    let t = cell.trim();
    match parse_bool(cell) {
        Some(b) => assert!(t.eq_ignore_ascii_case(if b { "true" } else { "false" })),
        None => assert!(!t.eq_ignore_ascii_case("true") && !t.eq_ignore_ascii_case("false")),
    }
    if let Some(i) = parse_int(cell) {
        let bare = t.strip_prefix('+').unwrap_or(t);
        // Leading zeros ("007", "-0") are the only other spellings of the same number.
        let canonical = i.to_string();
        let digits = bare.trim_start_matches('-').trim_start_matches('0');
        assert!(
            bare == canonical || digits == canonical.trim_start_matches('-') || i == 0,
            "{cell:?} -> {i}"
        );
    }
    if let Some(ms) = parse_time(cell, tz) {
        // The 19-character form in `tz` prints back as itself.
        if t.len() == 19 {
            let printed = DateTime::from_timestamp_millis(ms)
                .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string());
            assert_eq!(printed.as_deref(), Some(t), "{cell:?} -> {ms}");
        }
    }
}

fn round_trips(k: &Known, tz: FixedOffset) {
    // A whole number of a unit, as ByteSizeValue prints it ("12GB"), and with DebugUtil's space.
    let (unit, shift) = UNITS[usize::from(k.unit) % UNITS.len()];
    let n = k.bytes >> (13 + shift); // keeps n << shift within i64
    let want = i64::try_from(n << shift).expect("bounded by the shift above");
    assert_eq!(parse_bytes(&format!("{n}{unit}")), Some(want));
    assert_eq!(
        parse_bytes(&format!("{n} {}", unit.to_lowercase())),
        Some(want)
    );

    // DebugUtil.getByteUint: the size divided by its unit with three decimals ("2.500 TB"):
    // parses back to the size within the rounding of the third decimal.
    // 62 bits: a size just under 2^63 prints as "8192.000 PB", which is past i64 and rightly None.
    let size = i64::try_from(k.bytes >> 2).expect("62 bits");
    let (unit, shift) = UNITS
        .iter()
        .rev()
        .find(|(_, s)| size >> s > 0)
        .copied()
        .unwrap_or(UNITS[0]);
    let scaled = size as f64 / (1u64 << shift) as f64;
    let text = format!("{scaled:.3} {unit}");
    let back = parse_bytes(&text).expect("a formatted size parses");
    let unit_bytes = (1u64 << shift) as f64;
    // The third decimal, plus the f64 error of a 62-bit size.
    let slack = unit_bytes / 2000.0 + size as f64 * 1e-15 + 1.0;
    assert!(
        ((back - size) as f64).abs() <= slack,
        "{size} -> {text} -> {back}"
    );

    assert_eq!(parse_int(&k.int.to_string()), Some(k.int));
    assert_eq!(parse_int(&format!(" {} ", k.int)), Some(k.int));

    if k.pct.is_finite() {
        let text = format!("{:.2} %", k.pct);
        let want = format!("{:.2}", k.pct).parse::<f64>().ok();
        assert_eq!(parse_pct(&text), want, "{text}");
    }

    // An instant printed the way the FE prints it reads back as itself, in any offset.
    let Some(start) = NaiveDate::from_ymd_opt(0, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)) else {
        return;
    };
    // 10,000 years of seconds, so the printed year has four digits.
    let secs = i64::try_from(k.instant % (10_000 * 365 * 86_400)).expect("bounded");
    let Some(local) = start.checked_add_signed(chrono::TimeDelta::seconds(secs)) else {
        return;
    };
    let text = local.format("%Y-%m-%d %H:%M:%S").to_string();
    if text.len() == 19 {
        let want = local.and_utc().timestamp_millis() - i64::from(tz.local_minus_utc()) * 1000;
        assert_eq!(parse_time(&text, tz), Some(want), "{text}");
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
