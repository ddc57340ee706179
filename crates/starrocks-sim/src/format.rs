//! How StarRocks prints values: byte sizes, percents, times and Java doubles (docs/starrocks-facts.md §1.2, §6.2).
//!
//! These are the exact text forms a client has to parse, so they are written out here once and
//! tested against the examples in the facts and fixtures.

use chrono::{DateTime, FixedOffset, Utc};

const KB: f64 = 1024.0;
const MB: f64 = KB * 1024.0;
const GB: f64 = MB * 1024.0;
const TB: f64 = GB * 1024.0;

/// `DebugUtil.getByteUint` + `DecimalFormat("0.000")`: binary units, a space, e.g. `2.500 TB`.
pub fn byte_uint(bytes: i64) -> String {
    let b = bytes as f64;
    let (value, unit) = if b >= TB {
        (b / TB, "TB")
    } else if b >= GB {
        (b / GB, "GB")
    } else if b >= MB {
        (b / MB, "MB")
    } else if b >= KB {
        (b / KB, "KB")
    } else {
        (b, "B")
    };
    format!("{} {unit}", decimal_half_even(value, 3))
}

/// `DebugUtil.getPrettyStringBytes`: `%.3f` and the unit with no space, e.g. `113.515GB`.
pub fn pretty_bytes(bytes: i64) -> String {
    let b = bytes as f64;
    let (value, unit) = if b >= TB {
        (b / TB, "TB")
    } else if b >= GB {
        (b / GB, "GB")
    } else if b >= MB {
        (b / MB, "MB")
    } else if b >= KB {
        (b / KB, "KB")
    } else {
        (b, "B")
    };
    format!("{value:.3}{unit}")
}

/// `DecimalFormat` rounds HALF_EVEN; Rust's `{:.3}` rounds the binary value, which is the same
/// except on exact ties, so ties are resolved explicitly.
fn decimal_half_even(value: f64, digits: i32) -> String {
    let scale = 10f64.powi(digits);
    let scaled = value * scale;
    let floor = scaled.floor();
    let diff = scaled - floor;
    let rounded = if (diff - 0.5).abs() < 1e-9 {
        if floor % 2.0 == 0.0 {
            floor
        } else {
            floor + 1.0
        }
    } else {
        scaled.round()
    };
    format!("{:.*}", digits as usize, rounded / scale)
}

/// `String.format("%.2f", pct) + " %"`, e.g. `39.35 %`.
pub fn pct2(pct: f64) -> String {
    format!("{pct:.2} %")
}

/// CpuUsedPct: one decimal, e.g. `41.2 %`.
pub fn pct1(pct: f64) -> String {
    format!("{pct:.1} %")
}

/// `TimeUtils.longToTimeString`: `yyyy-MM-dd HH:mm:ss` in the FE's time zone; `None` (SQL NULL)
/// for a time that never happened (≤ 0).
pub fn time_string(epoch_ms: i64, tz: FixedOffset) -> Option<String> {
    if epoch_ms <= 0 {
        return None;
    }
    let utc: DateTime<Utc> = DateTime::from_timestamp_millis(epoch_ms)?;
    Some(
        utc.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
    )
}

/// Java `Double.toString`: plain decimal with at least one fractional digit for
/// 1e-3 ≤ |d| < 1e7, otherwise computerized scientific notation (`2.9043321137999997E8`,
/// `1.0E-4`). Digits are the shortest that round-trip (Rust's formatter); JDKs before 19
/// sometimes print one digit more (`2.9043321137999997E8` for `2.9043321138E8`), which parses
/// to the same double.
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{d}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{d:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((s.as_str(), "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}

/// `DebugUtil.getPrettyStringMs`: `45ms`, `1s23ms`, `2m3s`, `1h2m`.
pub fn pretty_ms(ms: i64) -> String {
    let (h, m, s, rest) = (
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000,
    );
    if h > 0 {
        format!("{h}h{m}m")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else if s > 0 {
        format!("{s}s{rest}ms")
    } else {
        format!("{rest}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_match_the_fixture_examples() {
        // 6.986 TB total in the fixture is 2 × 3840755982336 bytes.
        assert_eq!(byte_uint(2 * 3_840_755_982_336), "6.986 TB");
        assert_eq!(byte_uint(0), "0.000 B");
        assert_eq!(byte_uint(1023), "1023.000 B");
        assert_eq!(byte_uint(1024), "1.000 KB");
        assert_eq!(byte_uint(1536 * 1024 * 1024), "1.500 GB");
        assert_eq!(pretty_bytes(121_885_803_151), "113.515GB");
        assert_eq!(pretty_bytes(512), "512.000B");
    }

    #[test]
    fn half_even_ties_round_to_even() {
        assert_eq!(decimal_half_even(0.0005, 3), "0.000");
        assert_eq!(decimal_half_even(0.0015, 3), "0.002");
        assert_eq!(decimal_half_even(2.4996, 3), "2.500");
    }

    #[test]
    fn percents_have_a_space_and_fixed_decimals() {
        assert_eq!(pct2(39.3456), "39.35 %");
        assert_eq!(pct1(41.24), "41.2 %");
        assert_eq!(pct2(0.0), "0.00 %");
    }

    #[test]
    fn java_doubles_print_like_the_jvm() {
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(18.4375), "18.4375");
        assert_eq!(java_double(87.0), "87.0");
        assert_eq!(java_double(290_433_211.38), "2.9043321138E8");
        assert_eq!(java_double(3_786_109.999_999_999_5), "3786109.9999999995");
        assert_eq!(java_double(1.0e-4), "1.0E-4");
        assert_eq!(java_double(5.213307648e9), "5.213307648E9");
        assert_eq!(java_double(2198307.0), "2198307.0");
        assert_eq!(java_double(1.0e7), "1.0E7");
        assert_eq!(java_double(-3.5), "-3.5");
    }

    #[test]
    fn times_are_local_wall_clock_or_null() {
        let utc = FixedOffset::east_opt(0).expect("offset");
        assert_eq!(time_string(0, utc), None);
        assert_eq!(
            time_string(1_742_316_151_000, utc).as_deref(),
            Some("2025-03-18 16:42:31")
        );
        let cst = FixedOffset::east_opt(8 * 3600).expect("offset");
        assert_eq!(
            time_string(1_742_316_151_000, cst).as_deref(),
            Some("2025-03-19 00:42:31")
        );
    }

    #[test]
    fn durations_print_like_profile_list() {
        assert_eq!(pretty_ms(45), "45ms");
        assert_eq!(pretty_ms(1023), "1s23ms");
        assert_eq!(pretty_ms(123_000), "2m3s");
        assert_eq!(pretty_ms(3_720_000), "1h2m");
    }
}
