//! The node-list parsers (`SHOW FRONTENDS`, `SHOW BACKENDS`, `SHOW COMPUTE NODES`) over result
//! sets built from the input.
//!
//! Input: a few control bytes read with `arbitrary` (which statement, which real column names
//! to mix in), then a result set in the fixtures' TSV form (header line, `\t` between cells,
//! `\N` for SQL NULL). TSV keeps the seeds readable and lets them be the fixtures themselves;
//! the mixed-in names get junk past the "is this a node list" check, so the per-cell parsing is
//! reached by most inputs, not only by those that spell three column names right.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use starmon::model::NodeKind;
use starmon::starrocks::show::{backends, frontends};
use starmon::starrocks::values::Rows;

/// Every column the parsers read, and a lower-case spelling (lookups are case-insensitive).
const KNOWN: &[&str] = &[
    "Name",
    "IP",
    "Alive",
    "QueryPort",
    "Role",
    "ReplayedJournalId",
    "StartTime",
    "ErrMsg",
    "BackendId",
    "ComputeNodeId",
    "HttpPort",
    "TabletNum",
    "DataUsedCapacity",
    "AvailCapacity",
    "TotalCapacity",
    "MaxDiskUsedPct",
    "CpuUsedPct",
    "MemUsedPct",
    "NumRunningQueries",
    "LastStartTime",
    "alive",
    "ip",
];

struct Input {
    kind: NodeKind,
    rows: Rows,
}

fn input(data: &[u8]) -> Result<Input> {
    let mut u = Unstructured::new(data);
    let kind = *u.choose(&[NodeKind::Fe, NodeKind::Be, NodeKind::Cn])?;
    let mixed = u.int_in_range(0..=4u8)?;
    let mut extra = Vec::new();
    for _ in 0..mixed {
        extra.push(u.choose(KNOWN)?.to_string());
    }
    let text = String::from_utf8_lossy(u.take_rest());
    let mut lines = text.split('\n');
    let mut columns: Vec<String> = lines
        .next()
        .map(|h| h.split('\t').map(str::to_owned).collect())
        .unwrap_or_default();
    // Appended, so that they line up with cells only when a row has more cells than the header.
    columns.extend(extra);
    let rows = lines
        .map(|l| {
            l.split('\t')
                .map(|c| (c != "\\N").then(|| c.to_owned()))
                .collect()
        })
        .collect();
    Ok(Input {
        kind,
        rows: Rows::new(columns, rows),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(Input { kind, rows }) = input(data) else {
        return;
    };
    let mut problems = Vec::new();
    match kind {
        NodeKind::Fe => {
            if let Ok(fes) = frontends(&rows, &mut problems) {
                // A row is a node or a recorded problem, never silently dropped.
                assert!(fes.len() + problems.len() >= rows.len());
                assert!(fes.len() <= rows.len());
                for fe in &fes {
                    assert!(!fe.name.is_empty());
                }
            }
        }
        NodeKind::Be | NodeKind::Cn => {
            if let Ok(bes) = backends(&rows, kind, &mut problems) {
                assert!(bes.len() + problems.len() >= rows.len());
                assert!(bes.len() <= rows.len());
                for be in &bes {
                    assert!(!be.id.is_empty());
                    assert_eq!(be.kind, kind);
                    for bytes in [be.data_used, be.avail, be.total].into_iter().flatten() {
                        assert!(bytes >= 0, "{be:?}");
                    }
                    for pct in [be.max_disk_pct, be.cpu_pct, be.mem_pct]
                        .into_iter()
                        .flatten()
                    {
                        assert!(pct.is_finite(), "{be:?}");
                    }
                }
            }
        }
    }
});
