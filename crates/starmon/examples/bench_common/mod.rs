//! What the benchmark examples share: reading a process's CPU time and memory from `/proc`, and
//! nearest-rank percentiles. Each example compiles this module on its own (`mod bench_common;`;
//! `api_bench`, a directory, names its path).

/// (utime + stime seconds, VmHWM KiB, VmRSS KiB) of a process; zeros for what cannot be read
/// (the process has gone, or this is not Linux): a benchmark reports, it does not stop.
pub fn proc_stat(pid: u32) -> (f64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // 100 = USER_HZ on Linux.
    (
        (ticks(11) + ticks(12)) / 100.0,
        kib("VmHWM:"),
        kib("VmRSS:"),
    )
}

/// The nearest-rank `p` quantile (0..=1) of already sorted values; None when there are none.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    Some(sorted[((sorted.len() as f64 - 1.0) * p).round() as usize])
}
