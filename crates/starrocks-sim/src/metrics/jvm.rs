//! The FE's JVM block: unprefixed `jvm_*` samples, as the JVM collector registers them.

use crate::exposition::{Kind, Sample, Value};
use crate::model::ClusterState;

/// The JVM block, unprefixed.
pub(super) fn jvm_samples(st: &ClusterState, i: usize) -> Vec<Sample> {
    let f = &st.fes[i];
    let g = |name: &str, help: &'static str, ty: &str, v: i64| {
        Sample::new(name.to_string(), Kind::Gauge, help, Value::Int(v)).label("type", ty)
    };
    let three_three = st.version >= crate::version::Version::new(3, 3, 0);
    let mut out = vec![
        g("jvm_heap_size_bytes", "jvm heap stat", "max", f.heap_max),
        g(
            "jvm_heap_size_bytes",
            "jvm heap stat",
            "committed",
            f.heap_max,
        ),
        g("jvm_heap_size_bytes", "jvm heap stat", "used", f.heap_used),
        g(
            "jvm_non_heap_size_bytes",
            "jvm non heap stat",
            "committed",
            337_641_472,
        ),
        g(
            "jvm_non_heap_size_bytes",
            "jvm non heap stat",
            "used",
            318_722_184,
        ),
    ];
    let young_used = f.heap_used / 11;
    let old_used = f.heap_used - young_used;
    for (name, help, used, max) in [
        (
            "jvm_young_size_bytes",
            "jvm young mem pool stat",
            young_used,
            0,
        ),
        (
            "jvm_old_size_bytes",
            "jvm old mem pool stat",
            old_used,
            f.heap_max,
        ),
    ] {
        if three_three {
            out.push(g(name, help, "committed", used.max(1) * 2));
        }
        out.push(g(name, help, "used", used));
        out.push(g(name, help, "peak_used", used + used / 3));
        // With G1 the young pool's max is -1, clamped to 0.
        out.push(g(name, help, "max", max));
    }
    out.extend([
        g(
            "jvm_direct_buffer_pool_size_bytes",
            "jvm direct buffer pool stat",
            "count",
            87,
        ),
        g(
            "jvm_direct_buffer_pool_size_bytes",
            "jvm direct buffer pool stat",
            "used",
            72_351_818,
        ),
        g(
            "jvm_direct_buffer_pool_size_bytes",
            "jvm direct buffer pool stat",
            "capacity",
            72_351_817,
        ),
        g(
            "jvm_young_gc",
            "jvm young gc stat",
            "count",
            f.counters.young_gc_count as i64,
        ),
        g(
            "jvm_young_gc",
            "jvm young gc stat",
            "time",
            f.counters.young_gc_time_ms as i64,
        ),
        g("jvm_old_gc", "jvm old gc stat", "count", 0),
        g("jvm_old_gc", "jvm old gc stat", "time", 0),
        g("jvm_thread", "jvm thread stat", "count", f.thread_count),
        g(
            "jvm_thread",
            "jvm thread stat",
            "peak_count",
            f.thread_count + 43,
        ),
    ]);
    out
}
