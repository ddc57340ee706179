//! Result sets of `SHOW BACKENDS`, `SHOW FRONTENDS`, `SHOW PROC …` and friends, and the
//! text formats of their cells. It owns column lookup by name and turning cell strings into
//! numbers, booleans and instants; it knows nothing about which columns matter.
//!
//! Why: StarRocks sends every SHOW cell as display text, and the formats are not uniform
//! (docs/starrocks-facts.md §1.2, §2): sizes are `"2.500 TB"` (with a space, `DebugUtil.getByteUint`) but
//! `MemLimit` is `"113.515GB"` (no space, `getPrettyStringBytes`) and DataCacheMetrics uses
//! `"12.3GB"`/`"0B"` (`ByteSizeValue`); all of them are binary units. Percentages are
//! `"39.35 %"` or `"41.2 %"`. Times are `yyyy-MM-dd HH:mm:ss` in the FE's time zone, with SQL
//! NULL for "never" and — in `SHOW FRONTENDS.StartTime` — the literal string `NULL`.
//! Columns come and go between versions (`location` vs `Location`, `MemLimit` 3.3.4+,
//! `StatusCode` 3.4+, `Id` 3.5+), so rows are read by case-insensitive column name.
//!
//! Every parser returns None for anything it does not recognise exactly: a monitor that
//! shows "unknown" is better than one that shows a wrong number.

use chrono::{FixedOffset, NaiveDate, TimeZone};

/// A result set by column name; lookups are case-insensitive (`location` vs `Location`),
/// tolerate missing and extra columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    pub fn new(columns: Vec<String>, rows: Vec<Vec<Option<String>>>) -> Rows {
        Rows { columns, rows }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.column_index(name).is_some()
    }

    /// The cell; None when the column is missing, the row is out of range, or the cell is SQL NULL.
    pub fn get(&self, row: usize, column: &str) -> Option<&str> {
        let index = self.column_index(column)?;
        self.rows.get(row)?.get(index)?.as_deref()
    }

    /// An exact match wins over a case-insensitive one, should a server ever send both.
    fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name).or_else(|| {
            self.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        })
    }
}

/// `DebugUtil.getByteUint` ("2.500 TB", "0.000 B") and `getPrettyStringBytes` ("113.515GB"),
/// plus `ByteSizeValue` ("12.3GB", "0B"), binary units (1 TB = 1024^4 B), case-insensitive units
/// B KB MB GB TB PB; a bare number is bytes. Returns None for anything else (never guesses).
///
/// The number must be `digits[.digits]` (no sign, exponent or thousands separator); the
/// result is rounded to the nearest byte using exact decimal arithmetic.
pub fn parse_bytes(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let (int, frac, end) = split_decimal(b)?;
    let unit = b.get(end..)?.trim_ascii_start();
    let shift: u32 = match unit {
        [] => 0,
        u if u.eq_ignore_ascii_case(b"B") => 0,
        u if u.eq_ignore_ascii_case(b"KB") => 10,
        u if u.eq_ignore_ascii_case(b"MB") => 20,
        u if u.eq_ignore_ascii_case(b"GB") => 30,
        u if u.eq_ignore_ascii_case(b"TB") => 40,
        u if u.eq_ignore_ascii_case(b"PB") => 50,
        _ => return None,
    };
    // Bounds keep the i128 arithmetic below far from overflow; real values have ≤ 16 digits.
    if int.len() > 20 || frac.len() > 18 {
        return None;
    }
    let mult: i128 = 1 << shift;
    let scale: i128 = 10i128.pow(frac.len() as u32);
    let whole = digits_value(int) * mult;
    let part = (digits_value(frac) * mult * 2 + scale) / (scale * 2);
    i64::try_from(whole + part).ok()
}

/// "39.35 %", "41.2 %", "39.35%", "0.00 %" → 39.35; None for "", "N/A", "abc %", "NaN %".
///
/// The `%` is optional; the number must be `[-]digits[.digits]` (a decimal comma, as a
/// non-English JVM locale would print, is rejected rather than misread).
pub fn parse_pct(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t.strip_suffix('%').map_or(t, str::trim_end);
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    let (_, _, end) = split_decimal(unsigned.as_bytes())?;
    if end != unsigned.len() {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// "true"/"false", any case, trimmed. Anything else (including "1"/"0") is None.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Trimmed decimal integer with optional sign; None otherwise (also on i64 overflow).
pub fn parse_int(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

/// "yyyy-MM-dd HH:mm:ss" in the FE's time zone `tz` → unix ms; None for "", "NULL", "N/A", "\N", junk.
///
/// Also accepts the explicit-offset form `yyyy-MM-dd HH:mm:ss (+08:00)` that newer FEs print
/// in SHOW PROFILELIST; the printed offset then wins over `tz`. Field widths are exact and
/// impossible dates (`2025-02-30`, `0000-00-00 00:00:00`) are None.
pub fn parse_time(s: &str, tz: FixedOffset) -> Option<i64> {
    let b = s.trim().as_bytes();
    let (stamp, offset) = match b.len() {
        19 => (b, tz),
        28 => (b.get(..19)?, parse_offset(b.get(19..)?)?),
        _ => return None,
    };
    let sep_ok = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')]
        .iter()
        .all(|&(i, c)| stamp.get(i) == Some(&c));
    if !sep_ok {
        return None;
    }
    let year = fixed_digits(stamp, 0, 4)?;
    let month = fixed_digits(stamp, 5, 2)?;
    let day = fixed_digits(stamp, 8, 2)?;
    let hour = fixed_digits(stamp, 11, 2)?;
    let minute = fixed_digits(stamp, 14, 2)?;
    let second = fixed_digits(stamp, 17, 2)?;
    let local = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_opt(hour, minute, second)?;
    Some(
        offset
            .from_local_datetime(&local)
            .single()?
            .timestamp_millis(),
    )
}

/// ` (+08:00)` / ` (-05:30)`.
fn parse_offset(b: &[u8]) -> Option<FixedOffset> {
    if b.len() != 9 || b.get(..2)? != b" (" || b.get(5)? != &b':' || b.get(8)? != &b')' {
        return None;
    }
    let sign = match b.get(2)? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours = fixed_digits(b, 3, 2)?;
    let minutes = fixed_digits(b, 6, 2)?;
    if minutes >= 60 {
        return None;
    }
    let secs = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    FixedOffset::east_opt(sign * secs)
}

/// Exactly `len` ASCII digits at `at`.
fn fixed_digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let field = b.get(at..at + len)?;
    if !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        field
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

/// `digits[.digits]` at the start of `b`: (integer digits, fraction digits, end index).
fn split_decimal(b: &[u8]) -> Option<(&[u8], &[u8], usize)> {
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 {
        return None;
    }
    let int = b.get(..int_len)?;
    if b.get(int_len) != Some(&b'.') {
        return Some((int, &[], int_len));
    }
    let rest = b.get(int_len + 1..)?;
    let frac_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if frac_len == 0 {
        return None;
    }
    Some((int, rest.get(..frac_len)?, int_len + 1 + frac_len))
}

/// Callers bound the length so that this cannot overflow.
fn digits_value(digits: &[u8]) -> i128 {
    digits
        .iter()
        .fold(0i128, |acc, d| acc * 10 + i128::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::starrocks::fixtures::fixture;

    const KB: i64 = 1 << 10;
    const MB: i64 = 1 << 20;
    const GB: i64 = 1 << 30;
    const TB: i64 = 1 << 40;
    const PB: i64 = 1 << 50;

    /// `milli`/1000 of `unit`, rounded half up.
    fn thousandths(milli: i64, unit: i64) -> i64 {
        (milli * unit + 500) / 1000
    }

    /// 2025-03-18 00:00:00 UTC: 2025-01-01 is day 20089 after the epoch; + 31 + 28 + 17 days.
    const MAR_18_UTC: i64 = (20089 + 31 + 28 + 17) * 86_400;
    const MAR_02_UTC: i64 = MAR_18_UTC - 16 * 86_400;

    fn hms(h: i64, m: i64, s: i64) -> i64 {
        h * 3600 + m * 60 + s
    }

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).expect("UTC")
    }

    fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).expect("+08:00")
    }

    /// The fixtures' TSV convention: header line of column names, `\t` cells, `\N` = SQL NULL.
    fn load_tsv(name: &str) -> Rows {
        let text = fixture(name);
        let mut lines = text.lines();
        let columns = lines
            .next()
            .map(|h| h.split('\t').map(str::to_owned).collect())
            .unwrap_or_default();
        let rows = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split('\t')
                    .map(|c| (c != "\\N").then(|| c.to_owned()))
                    .collect()
            })
            .collect();
        Rows::new(columns, rows)
    }

    fn cell<'a>(rows: &'a Rows, row: usize, column: &str) -> &'a str {
        rows.get(row, column)
            .unwrap_or_else(|| panic!("row {row} column {column} missing"))
    }

    // ---- fixtures ----------------------------------------------------------------------

    /// Values shared by both SHOW BACKENDS fixtures (3.3.4+ and 3.4+).
    fn check_backends(rows: &Rows, version: &str) {
        assert_eq!(rows.len(), 3);
        assert!(!rows.is_empty());

        let ids = [10004, 10005, 10006];
        let ips = ["10.20.30.41", "10.20.30.42", "10.20.30.43"];
        let started = [hms(9, 14, 7), hms(9, 14, 11), hms(9, 14, 9)];
        let heartbeat = [hms(16, 42, 31), hms(16, 42, 31), hms(16, 39, 52)];
        let alive = [true, true, false];
        let tablets = [28417, 28409, 28420];
        let data_used = [2500, 2462, 2520];
        let avail = [4237, 4276, 4218];
        let used_pct = [39.35, 38.80, 39.63];
        let max_disk_pct = [39.81, 40.17, 39.96];
        let data_used_pct = [37.10, 36.54, 37.40];
        let running = [4, 3, 2];
        let mem_pct = [31.87, 27.54, 29.11];
        let cpu_pct = [41.2, 36.7, 38.8];

        for r in 0..3 {
            assert_eq!(parse_int(cell(rows, r, "BackendId")), Some(ids[r]));
            assert_eq!(cell(rows, r, "IP"), ips[r]);
            assert_eq!(parse_int(cell(rows, r, "HeartbeatPort")), Some(9050));
            assert_eq!(parse_int(cell(rows, r, "BePort")), Some(9060));
            assert_eq!(parse_int(cell(rows, r, "HttpPort")), Some(8040));
            assert_eq!(parse_int(cell(rows, r, "BrpcPort")), Some(8060));
            assert_eq!(
                parse_time(cell(rows, r, "LastStartTime"), cst()),
                Some((MAR_02_UTC + started[r] - 8 * 3600) * 1000)
            );
            assert_eq!(
                parse_time(cell(rows, r, "LastHeartbeat"), utc()),
                Some((MAR_18_UTC + heartbeat[r]) * 1000)
            );
            assert_eq!(parse_bool(cell(rows, r, "Alive")), Some(alive[r]));
            assert_eq!(
                parse_bool(cell(rows, r, "SystemDecommissioned")),
                Some(false)
            );
            assert_eq!(
                parse_bool(cell(rows, r, "ClusterDecommissioned")),
                Some(false)
            );
            assert_eq!(parse_int(cell(rows, r, "TabletNum")), Some(tablets[r]));

            assert_eq!(
                parse_bytes(cell(rows, r, "DataUsedCapacity")),
                Some(thousandths(data_used[r], TB))
            );
            assert_eq!(
                parse_bytes(cell(rows, r, "AvailCapacity")),
                Some(thousandths(avail[r], TB))
            );
            let total = parse_bytes(cell(rows, r, "TotalCapacity")).unwrap_or(-1);
            assert_eq!(total, 7_681_188_231_643);
            // the brief's tolerance: within 0.0005 TB of 6.986 TB
            assert!((total as f64 / TB as f64 - 6.986).abs() <= 0.0005);
            assert_eq!(
                parse_bytes(cell(rows, r, "DataTotalCapacity")),
                Some(thousandths(6737, TB))
            );

            assert_eq!(parse_pct(cell(rows, r, "UsedPct")), Some(used_pct[r]));
            assert_eq!(
                parse_pct(cell(rows, r, "MaxDiskUsedPct")),
                Some(max_disk_pct[r])
            );
            assert_eq!(
                parse_pct(cell(rows, r, "DataUsedPct")),
                Some(data_used_pct[r])
            );
            assert_eq!(parse_pct(cell(rows, r, "MemUsedPct")), Some(mem_pct[r]));
            assert_eq!(parse_pct(cell(rows, r, "CpuUsedPct")), Some(cpu_pct[r]));

            assert_eq!(parse_int(cell(rows, r, "CpuCores")), Some(32));
            // 113.515 GiB
            assert_eq!(
                parse_bytes(cell(rows, r, "MemLimit")),
                Some(thousandths(113_515, GB))
            );
            assert_eq!(
                parse_bytes(cell(rows, r, "MemLimit")),
                Some(121_885_803_151)
            );
            assert_eq!(
                parse_int(cell(rows, r, "NumRunningQueries")),
                Some(running[r])
            );
            assert_eq!(cell(rows, r, "Version"), version);

            // "Status: Normal, DiskUsage: 0B/0B, MemUsage: 0B/0B"
            let cache = cell(rows, r, "DataCacheMetrics");
            let sizes: Vec<&str> = cache
                .split(", ")
                .skip(1)
                .filter_map(|part| part.split_once(": ").map(|(_, v)| v))
                .flat_map(|v| v.split('/'))
                .collect();
            assert_eq!(sizes, ["0B", "0B", "0B", "0B"]);
            assert!(sizes.iter().all(|s| parse_bytes(s) == Some(0)));

            // empty, not NULL, and reachable under either spelling
            assert_eq!(rows.get(r, "Location"), Some(""));
            assert_eq!(rows.get(r, "location"), Some(""));
            // a string column is not a number
            assert_eq!(parse_int(cell(rows, r, "IP")), None);
            assert_eq!(parse_bytes(cell(rows, r, "Status")), None);
        }

        assert_eq!(rows.get(0, "ErrMsg"), Some(""));
        assert_eq!(
            rows.get(2, "ErrMsg"),
            Some("java.net.ConnectException: Connection refused (Connection refused)")
        );
        assert_eq!(parse_bool(cell(rows, 2, "ErrMsg")), None);
        assert_eq!(rows.get(3, "BackendId"), None);
    }

    #[test]
    fn show_backends_3x_fixture() {
        let rows = load_tsv("show_backends_3x.tsv");
        assert_eq!(rows.columns.len(), 29);
        check_backends(&rows, "3.3.9-a1b2c3d");
        assert!(!rows.has_column("StatusCode"));
        assert_eq!(rows.get(0, "StatusCode"), None);
        assert!(rows.has_column("memlimit"));
    }

    #[test]
    fn show_backends_34plus_fixture() {
        let rows = load_tsv("show_backends_34plus.tsv");
        assert_eq!(rows.columns.len(), 30);
        check_backends(&rows, "3.5.7-0f1e2d3");
        assert_eq!(rows.get(0, "StatusCode"), Some("OK"));
        assert_eq!(rows.get(1, "statuscode"), Some("OK"));
        assert_eq!(rows.get(2, "STATUSCODE"), Some("DISCONNECTED"));
    }

    #[test]
    fn show_frontends_3x_fixture() {
        let rows = load_tsv("show_frontends_3x.tsv");
        assert_eq!(rows.columns.len(), 16);
        assert_eq!(rows.len(), 3);
        assert!(!rows.has_column("Id"));

        let roles = ["LEADER", "FOLLOWER", "OBSERVER"];
        let alive = [true, true, false];
        let helper = [true, false, false];
        let journal = [48_211_937, 48_211_936, 48_190_221];
        let heartbeat = [hms(16, 42, 35), hms(16, 42, 35), hms(16, 21, 7)];
        for r in 0..3 {
            assert_eq!(
                cell(&rows, r, "Name"),
                [
                    "10.20.30.11_9010_1709370702511",
                    "10.20.30.12_9010_1709371023870",
                    "10.20.30.13_9010_1709371100126"
                ][r]
            );
            assert_eq!(cell(&rows, r, "IP"), format!("10.20.30.1{}", r + 1));
            assert_eq!(parse_int(cell(&rows, r, "EditLogPort")), Some(9010));
            assert_eq!(parse_int(cell(&rows, r, "HttpPort")), Some(8030));
            assert_eq!(parse_int(cell(&rows, r, "QueryPort")), Some(9030));
            assert_eq!(parse_int(cell(&rows, r, "RpcPort")), Some(9020));
            assert_eq!(cell(&rows, r, "Role"), roles[r]);
            assert_eq!(parse_int(cell(&rows, r, "ClusterId")), Some(1_183_249_617));
            assert_eq!(parse_bool(cell(&rows, r, "Join")), Some(true));
            assert_eq!(parse_bool(cell(&rows, r, "Alive")), Some(alive[r]));
            assert_eq!(
                parse_int(cell(&rows, r, "ReplayedJournalId")),
                Some(journal[r])
            );
            assert_eq!(
                parse_time(cell(&rows, r, "LastHeartbeat"), cst()),
                Some((MAR_18_UTC + heartbeat[r] - 8 * 3600) * 1000)
            );
            assert_eq!(parse_bool(cell(&rows, r, "IsHelper")), Some(helper[r]));
            assert_eq!(cell(&rows, r, "Version"), "3.3.9-a1b2c3d");
        }
        assert_eq!(
            parse_time(cell(&rows, 0, "StartTime"), utc()),
            Some((MAR_02_UTC + hms(9, 12, 44)) * 1000)
        );
        assert_eq!(
            parse_time(cell(&rows, 1, "StartTime"), utc()),
            Some((MAR_02_UTC + hms(9, 13, 10)) * 1000)
        );
        // dead FE: the literal 4-character string, not SQL NULL
        assert_eq!(rows.get(2, "StartTime"), Some("NULL"));
        assert_eq!(parse_time(cell(&rows, 2, "StartTime"), cst()), None);
        assert_eq!(rows.get(0, "ErrMsg"), Some(""));
        assert_eq!(rows.get(0, "errmsg"), Some(""));
    }

    // ---- Rows ---------------------------------------------------------------------------

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rows_lookup_edge_cases() {
        let rows = Rows::new(
            strings(&["BackendId", "location", "Extra"]),
            vec![
                vec![Some("1".into()), Some("rack:r1".into()), None],
                vec![Some("2".into())], // ragged: shorter than the header
            ],
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.get(0, "Location"), Some("rack:r1"));
        assert_eq!(rows.get(0, "LOCATION"), Some("rack:r1"));
        assert_eq!(rows.get(0, "backendid"), Some("1"));
        assert_eq!(rows.get(0, "Extra"), None); // SQL NULL
        assert!(rows.has_column("extra"));
        assert_eq!(rows.get(1, "location"), None); // missing cell
        assert_eq!(rows.get(2, "BackendId"), None); // no such row
        assert_eq!(rows.get(0, "MemLimit"), None); // no such column
        assert!(!rows.has_column("MemLimit"));
        assert!(!rows.has_column(""));

        // both spellings present: the exact one wins
        let both = Rows::new(
            strings(&["location", "Location"]),
            vec![vec![Some("lower".into()), Some("upper".into())]],
        );
        assert_eq!(both.get(0, "Location"), Some("upper"));
        assert_eq!(both.get(0, "location"), Some("lower"));
        assert_eq!(both.get(0, "LOCATION"), Some("lower"));

        let empty = Rows::default();
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        assert_eq!(empty.get(0, "x"), None);
    }

    // ---- parse_bytes ----------------------------------------------------------------------

    #[test]
    fn bytes_debugutil_formats() {
        assert_eq!(parse_bytes("2.500 TB"), Some(2 * TB + TB / 2));
        assert_eq!(parse_bytes("0.000 B"), Some(0));
        assert_eq!(parse_bytes("1023.000 B"), Some(1023));
        assert_eq!(parse_bytes("1.000 KB"), Some(1024));
        assert_eq!(parse_bytes("1.500 MB"), Some(MB + MB / 2));
        assert_eq!(parse_bytes("12.250 GB"), Some(12 * GB + GB / 4));
        assert_eq!(parse_bytes("113.515GB"), Some(121_885_803_151));
        assert_eq!(parse_bytes("0.001 KB"), Some(1)); // 1.024 B → 1
        assert_eq!(parse_bytes("0.002 KB"), Some(2)); // 2.048 B → 2
        assert_eq!(parse_bytes("0.0005 KB"), Some(1)); // 0.512 B → 1 (half up)
        assert_eq!(parse_bytes("1024.000 TB"), Some(PB));
    }

    #[test]
    fn bytes_bytesizevalue_formats() {
        assert_eq!(parse_bytes("0B"), Some(0));
        assert_eq!(parse_bytes("100GB"), Some(100 * GB));
        // 12.3 GiB = 13207024435.2 B
        assert_eq!(parse_bytes("12.3GB"), Some(13_207_024_435));
        assert_eq!(parse_bytes("1.5KB"), Some(1536));
        assert_eq!(parse_bytes("2PB"), Some(2 * PB));
    }

    #[test]
    fn bytes_case_whitespace_and_bare_numbers() {
        assert_eq!(parse_bytes("1 kb"), Some(KB));
        assert_eq!(parse_bytes("1 Mb"), Some(MB));
        assert_eq!(parse_bytes("1gB"), Some(GB));
        assert_eq!(parse_bytes("  3.000 tb \t"), Some(3 * TB));
        assert_eq!(parse_bytes("1\tGB"), Some(GB));
        assert_eq!(parse_bytes("4096"), Some(4096));
        assert_eq!(parse_bytes(" 42 "), Some(42));
        assert_eq!(parse_bytes("0"), Some(0));
        assert_eq!(parse_bytes("9223372036854775807"), Some(i64::MAX));
    }

    #[test]
    fn bytes_rejects_everything_else() {
        for s in [
            "",
            " ",
            "B",
            "GB",
            "2.500 XB",
            "2.500 TiB",
            "2.500 GiB",
            "28k",
            "28K",
            "1 G",
            "-",
            "-1 B",
            "+1 B",
            "1e3 B",
            "1,5 GB",
            "1.5.3 GB",
            "1. GB",
            ".5 GB",
            "1 GB GB",
            "1 B/s",
            "N/A",
            "NULL",
            "\\N",
            "abc",
            "0x10",
            "1_000",
            "NaN B",
            "inf",
            "9223372036854775808",
            "8193 PB",
            "12.3GB/100GB",
            "１ GB",
            "1 ＧB",
        ] {
            assert_eq!(parse_bytes(s), None, "{s:?}");
        }
    }

    // ---- parse_pct ------------------------------------------------------------------------

    #[test]
    fn pct_formats() {
        assert_eq!(parse_pct("39.35 %"), Some(39.35));
        assert_eq!(parse_pct("41.2 %"), Some(41.2));
        assert_eq!(parse_pct("39.35%"), Some(39.35));
        assert_eq!(parse_pct("0.00 %"), Some(0.0));
        assert_eq!(parse_pct("100.00 %"), Some(100.0));
        assert_eq!(parse_pct(" 7 % "), Some(7.0));
        assert_eq!(parse_pct("39.35"), Some(39.35));
        assert_eq!(parse_pct("-1.50 %"), Some(-1.5));
    }

    #[test]
    fn pct_rejects_everything_else() {
        for s in [
            "",
            " ",
            "%",
            " % ",
            "N/A",
            "abc %",
            "NaN %",
            "NaN",
            "Infinity %",
            "inf %",
            "39,35 %",
            "39.35 %%",
            "% 39",
            "39.35 % x",
            "1e2 %",
            "+5 %",
            "- 5 %",
            "--5 %",
            "5. %",
            ".5 %",
            "high",
            "-",
            "28k",
            "39.35 ‰",
        ] {
            assert_eq!(parse_pct(s), None, "{s:?}");
        }
    }

    // ---- parse_bool / parse_int -------------------------------------------------------------

    #[test]
    fn bools() {
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool(" False\t"), Some(false));
        for s in [
            "", "1", "0", "yes", "no", "t", "f", "truee", "NULL", "high", "-",
        ] {
            assert_eq!(parse_bool(s), None, "{s:?}");
        }
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int("28417"), Some(28417));
        assert_eq!(parse_int(" 9050 "), Some(9050));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("16777221"), Some(16_777_221));
        assert_eq!(parse_int("9223372036854775807"), Some(i64::MAX));
        for s in [
            "",
            " ",
            "-",
            "28k",
            "1.0",
            "1e3",
            "0x10",
            "1_000",
            "1,000",
            "9223372036854775808",
            "NULL",
            "\\N",
            "high",
            "%",
        ] {
            assert_eq!(parse_int(s), None, "{s:?}");
        }
    }

    // ---- parse_time -------------------------------------------------------------------------

    #[test]
    fn times_in_the_fe_time_zone() {
        let at = MAR_18_UTC + hms(16, 42, 31);
        assert_eq!(parse_time("2025-03-18 16:42:31", utc()), Some(at * 1000));
        // the same wall-clock time in Shanghai is 8 h earlier in UTC
        assert_eq!(
            parse_time("2025-03-18 16:42:31", cst()),
            Some((at - 8 * 3600) * 1000)
        );
        let ny = FixedOffset::west_opt(5 * 3600).expect("-05:00");
        assert_eq!(
            parse_time("2025-03-18 16:42:31", ny),
            Some((at + 5 * 3600) * 1000)
        );
        assert_eq!(parse_time(" 2025-03-18 16:42:31\t", utc()), Some(at * 1000));
        assert_eq!(parse_time("1970-01-01 00:00:00", utc()), Some(0));
        assert_eq!(parse_time("1970-01-01 08:00:00", cst()), Some(0));
        // leap day 2024: 2024-01-01 is day 19723; + 31 + 28 days
        assert_eq!(
            parse_time("2024-02-29 00:00:00", utc()),
            Some((19723 + 31 + 28) * 86_400 * 1000)
        );
    }

    #[test]
    fn times_with_explicit_offset() {
        let at = MAR_18_UTC + hms(16, 42, 31);
        assert_eq!(
            parse_time("2025-03-18 16:42:31 (+08:00)", utc()),
            Some((at - 8 * 3600) * 1000)
        );
        assert_eq!(
            parse_time("2025-03-18 16:42:31 (-05:30)", cst()),
            Some((at + 5 * 3600 + 30 * 60) * 1000)
        );
        assert_eq!(
            parse_time("2025-03-18 16:42:31 (+00:00)", cst()),
            Some(at * 1000)
        );
        for s in [
            "2025-03-18 16:42:31 (08:00)",
            "2025-03-18 16:42:31 (+08:60)",
            "2025-03-18 16:42:31 (+24:00)",
            "2025-03-18 16:42:31 [+08:00]",
            "2025-03-18 16:42:31 (+8:00) ",
            "2025-03-18 16:42:31  +08:00 ",
        ] {
            assert_eq!(parse_time(s, utc()), None, "{s:?}");
        }
    }

    #[test]
    fn times_rejects_everything_else() {
        for s in [
            "",
            "NULL",
            "N/A",
            "\\N",
            "null",
            "0",
            "1742316151000",
            "2025-03-18",
            "16:42:31",
            "2025-03-18T16:42:31",
            "2025-03-18 16:42:31.123",
            "2025-03-18 16:42:31Z",
            "2025-3-18 16:42:31",
            "2025/03/18 16:42:31",
            "2025-03-18 16:42",
            "2025-02-30 00:00:00",
            "2025-13-01 00:00:00",
            "2025-03-18 24:00:00",
            "2025-03-18 23:60:00",
            "2025-03-18 23:59:60",
            "0000-00-00 00:00:00",
            "2O25-03-18 16:42:31",
            "+025-03-18 16:42:31",
            "2025-03-18 16:42:3１",
            "２０２５-03-18 16:42",
        ] {
            assert_eq!(parse_time(s, utc()), None, "{s:?}");
        }
    }

    // ---- never panic -------------------------------------------------------------------------

    #[test]
    fn fuzz_value_parsers_never_panic() {
        const PIECES: &[&str] = &[
            "0",
            "1",
            "9",
            ".",
            "-",
            "+",
            " ",
            "\t",
            "%",
            ":",
            "(",
            ")",
            "B",
            "kb",
            "TB",
            "P",
            "e",
            "N",
            "é",
            "１",
            "\u{0}",
            "2025-03-18",
            " 16:42:31",
            " (+08:00)",
            "99999999999",
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let n = (next() % 8) as usize;
            let s: String = (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            if let Some(v) = parse_bytes(&s) {
                assert!(v >= 0, "{s:?}");
            }
            if let Some(p) = parse_pct(&s) {
                assert!(p.is_finite(), "{s:?}");
            }
            let _ = parse_bool(&s);
            let _ = parse_int(&s);
            let _ = parse_time(&s, utc());
            let rows = Rows::new(vec![s.clone()], vec![vec![Some(s.clone())]]);
            assert_eq!(rows.get(0, &s), Some(s.as_str()));
        }
    }
}
