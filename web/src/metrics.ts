// Per-node metrics: which exist for which kind of node, and how each is formatted.

import { bytes, bytesPerSec, ms, num, pct } from './format';
import { t, type Key } from './i18n';

export const NODE_METRICS = [
  'cpu_usage_pct',
  'mem_usage_pct',
  'mem_used_bytes',
  'max_disk_used_pct',
  'disk_used_bytes',
  'tablets',
  'compaction_score',
  'running_queries',
  'net_rx_bytes_per_sec',
  'net_tx_bytes_per_sec',
  'disk_read_bytes_per_sec',
  'disk_write_bytes_per_sec',
  'qps',
  'connections',
  'jvm_heap_used_pct',
  'query_latency_p99',
] as const;
export type NodeMetric = (typeof NODE_METRICS)[number];

export const BE_METRICS: NodeMetric[] = ['cpu_usage_pct', 'mem_usage_pct', 'mem_used_bytes', 'max_disk_used_pct', 'disk_used_bytes', 'tablets', 'compaction_score', 'running_queries', 'net_rx_bytes_per_sec', 'net_tx_bytes_per_sec', 'disk_read_bytes_per_sec', 'disk_write_bytes_per_sec'];
// An FE's samples come from its /metrics (JVM, queries, connections): StarRocks reports no host CPU
// or memory for an FE, so those are not offered for one.
export const FE_METRICS: NodeMetric[] = ['qps', 'query_latency_p99', 'connections', 'jvm_heap_used_pct'];

export function metricLabel(m: string): string {
  return t(('metric.' + m) as Key);
}

export function metricFmt(m: string): (v: number | null) => string {
  if (m.endsWith('_pct')) return (v) => pct(v);
  if (m.endsWith('_bytes_per_sec')) return bytesPerSec;
  if (m.endsWith('_bytes')) return bytes;
  if (m.startsWith('query_latency')) return ms;
  return (v) => num(v);
}

/** The fixed 0–100 scale for percentages. */
export function isPct(m: string): boolean {
  return m.endsWith('_pct');
}
