//! Grouping stored daily rows (the store's `NodeDiskDaily`) into one series per data path.

use std::collections::BTreeMap;

use super::DailyUsage;
use crate::store::NodeDiskDaily;

/// Daily rows of many data paths as one series per (node, path), each in date order.
pub fn series_by_path(rows: Vec<NodeDiskDaily>) -> BTreeMap<(String, String), Vec<DailyUsage>> {
    let mut out: BTreeMap<(String, String), Vec<DailyUsage>> = BTreeMap::new();
    for r in rows {
        out.entry((r.node_id, r.path))
            .or_default()
            .push(DailyUsage {
                date: r.date,
                max_used_bytes: r.max_used_bytes,
                total_bytes: r.total_bytes,
            });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::test_support::day;

    fn stored(n: i64, node: &str, path: &str, used: i64) -> NodeDiskDaily {
        NodeDiskDaily {
            date: day(n),
            node_id: node.to_string(),
            path: path.to_string(),
            max_used_bytes: used,
            total_bytes: 1000,
        }
    }

    #[test]
    fn rows_become_one_series_per_node_and_path_in_the_order_given() {
        // The store returns rows in date order; two BEs share a path name, one BE has two paths.
        let rows = vec![
            stored(0, "be1", "/data1", 10),
            stored(0, "be1", "/data2", 20),
            stored(0, "be2", "/data1", 30),
            stored(1, "be1", "/data1", 11),
            stored(1, "be2", "/data1", 31),
        ];
        let by_path = series_by_path(rows);
        let keys: Vec<(&str, &str)> = by_path
            .keys()
            .map(|(n, p)| (n.as_str(), p.as_str()))
            .collect();
        assert_eq!(
            keys,
            [("be1", "/data1"), ("be1", "/data2"), ("be2", "/data1")]
        );
        let be1 = &by_path[&("be1".to_string(), "/data1".to_string())];
        assert_eq!(
            be1.as_slice(),
            [
                DailyUsage {
                    date: day(0),
                    max_used_bytes: 10,
                    total_bytes: 1000
                },
                DailyUsage {
                    date: day(1),
                    max_used_bytes: 11,
                    total_bytes: 1000
                },
            ]
        );
        assert!(series_by_path(Vec::new()).is_empty());
    }
}
