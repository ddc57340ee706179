// The starmon HTTP API: same-origin JSON fetches with the session cookie. A 401 anywhere sends the
// browser to the login page; a 4xx body's {"error": …} becomes the thrown message.

export class ApiError extends Error {
  constructor(
    message: string,
    public status: number,
  ) {
    super(message);
  }
}

export class Unauthorized extends ApiError {
  constructor() {
    super('unauthorized', 401);
  }
}

export async function api<T>(path: string, init?: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<T> {
  const res = await fetch(path, {
    method: init?.method ?? 'GET',
    credentials: 'same-origin',
    headers: init?.body !== undefined ? { 'content-type': 'application/json' } : undefined,
    body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: init?.signal,
  });
  if (res.status === 401 && !path.startsWith('/api/v1/auth/')) {
    const here = location.hash || '#/';
    if (!here.startsWith('#/login')) location.hash = '#/login?next=' + encodeURIComponent(here);
    throw new Unauthorized();
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : null;
    const msg = err ? String(err) : `${res.status} ${res.statusText}`;
    throw new ApiError(msg, res.status);
  }
  return body as T;
}

export type Health = 'ok' | 'warning' | 'critical' | 'unknown';
export type Outcome = 'ok' | 'partial' | 'failed';
type N = number | null;

export interface Problem {
  code: 'node_down' | 'disk_path_over_95' | 'disk_path_over_90';
  kind: 'fe' | 'be' | 'cn' | null;
  node_id: string;
  host: string;
  path: string | null;
  used_pct: number | null;
}

export interface FleetCluster {
  id: number;
  name: string;
  health: Health;
  reasons: string[];
  problems: Problem[];
  collected_at: N;
  outcome: Outcome | null;
  errors: number;
  fe_alive: N;
  fe_total: N;
  be_alive: N;
  be_total: N;
  cn_alive: N;
  cn_total: N;
  qps: N;
  query_latency_p99: N;
  error_rate: N;
  disk_usage_pct: N;
  max_disk_used_pct: N;
  days_until_90: N;
  date_90: string | null;
  alerts_firing: N;
}

export interface ClusterRecord {
  id: number;
  name: string;
  fe_host: string;
  fe_query_port: number;
  fe_http_port: number;
  user: string;
  created_at: number;
}

export interface Disk {
  path: string;
  total_bytes: N;
  avail_bytes: N;
  data_used_bytes: N;
}

export interface NodeSample {
  node_id: string;
  kind: 'fe' | 'be' | 'cn' | null;
  host: string;
  alive: boolean | null;
  role: string | null;
  cpu_usage_pct: N;
  mem_usage_pct: N;
  mem_used_bytes: N;
  disk_total_bytes: N;
  disk_used_bytes: N;
  disk_data_used_bytes: N;
  max_disk_used_pct: N;
  tablets: N;
  compaction_score: N;
  running_queries: N;
  net_rx_bytes_per_sec: N;
  net_tx_bytes_per_sec: N;
  disk_read_bytes_per_sec: N;
  disk_write_bytes_per_sec: N;
  qps: N;
  connections: N;
  jvm_heap_used_pct: N;
  query_latency_p99: N;
  replayed_journal_id: N;
  disks: Disk[];
}

export interface Point {
  t: number;
  min: N;
  avg: N;
  max: N;
}

export interface History {
  series: Record<string, Point[]>;
  step_seconds: number;
  from: number;
  to: number;
  detail_from?: number;
}

export interface Change {
  current: N;
  previous: N;
  change_pct: N;
  day_ago: N;
  day_change_pct: N;
  week_ago: N;
  week_change_pct: N;
}

export interface DailyFigure {
  value: N;
  previous: N;
  change_pct: N;
  week_ago: N;
  week_change_pct: N;
}

export interface Kpis {
  kpis: Record<string, Change>;
  latest: Record<string, unknown> | null;
  daily: { date: string; figures: Record<string, DailyFigure> } | null;
}

export interface DailyRow {
  date: string;
  total_data_bytes: N;
  daily_data_growth_bytes: N;
  daily_query_total: N;
  avg_qps: N;
  [k: string]: unknown;
}

export interface Forecast {
  status: 'reached' | 'expected' | 'not_growing' | 'not_expected' | 'not_enough_history';
  date?: string;
  since?: string;
  days_from_last?: number;
  days?: number;
  needed?: number;
}

export interface CapacityPath {
  node_id: string;
  path: string;
  days: number;
  no_new_tablets: Forecast;
  loads_refused: Forecast;
}

export interface Snapshot {
  collected_at: number;
  interval_secs: N;
  [k: string]: unknown;
}

export interface Overview {
  source: 'live' | 'stored';
  stale: boolean;
  error: string | null;
  version: string | null;
  fetched_at: number;
  stored_at?: number | null;
  outcome: Outcome;
  errors: { source: string; error: string }[];
  summary: Snapshot | null;
  nodes: NodeSample[];
  running_queries: RunningQuery[] | null;
  loads: Record<string, unknown>[] | null;
  transactions: { db: string; running: N; finished: N }[] | null;
  schema_changes: Record<string, unknown>[] | null;
  routine_loads: Record<string, unknown>[] | null;
  materialized_views: Record<string, unknown>[] | null;
  truncated: boolean;
}

export interface RunningQuery {
  fe: string;
  connection_id: N;
  user: string | null;
  client: string | null;
  db: string | null;
  seconds: N;
  sql: string | null;
  query_id: string | null;
}

export interface StatusRow {
  collected_at: number;
  outcome: Outcome;
  duration_ms: number;
  errors: { source: string; error: string }[];
}

export interface ConnectionCheck {
  ok: boolean;
  version: string | null;
  login_error: string | null;
  nodes: unknown[];
  errors: { source: string; error: string }[];
}

export interface Me {
  auth_enabled: boolean;
  username: string | null;
}

export type Severity = 'info' | 'warning' | 'critical';
export type Op = '>' | '>=' | '<' | '<=';

/** An alert pending or firing now. */
export interface Alert {
  id: number;
  rule_id: string;
  rule_name: string;
  cluster_id: number;
  cluster_name: string | null;
  /** "" for the whole cluster, a node id, or "node:/path" for a disk. */
  subject: string;
  state: 'pending' | 'firing';
  severity: Severity;
  value: N;
  threshold: N;
  summary: string;
  since: number;
  fired_at: N;
  acked_by: string | null;
  acked_at: N;
  updated_at: number;
  silenced: boolean;
}

/** One transition in the alert history. */
export interface AlertEvent {
  id: number;
  alert_id: number;
  rule_id: string;
  cluster_id: number;
  subject: string;
  event: 'pending' | 'firing' | 'resolved' | 'acknowledged';
  severity: Severity;
  value: N;
  summary: string;
  at: number;
  notified: boolean;
  detail: string | null;
}

export interface AlertRule {
  /** A built-in rule's name ("be_down") or "user:3". */
  id: string;
  name: string;
  description: string;
  builtin: boolean;
  unit: string;
  op: Op;
  enabled: boolean;
  threshold: number;
  for_secs: number;
  severity: Severity;
  cluster_id: number | null;
  scope: 'cluster' | 'node' | null;
  metric: string | null;
}

export interface AlertRules {
  rules: AlertRule[];
  metrics: { cluster: string[]; node: string[] };
}

export interface Silence {
  id: number;
  cluster_id: number | null;
  rule_id: string | null;
  subject: string | null;
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string | null;
  created_at: number;
}

export type ChannelKind = 'webhook' | 'slack' | 'dingtalk' | 'feishu' | 'wecom' | 'email';

export interface Channel {
  id: number;
  name: string;
  kind: ChannelKind;
  /** With its tokens masked; the real URL is write-only. */
  url: string;
  has_secret: boolean;
  min_severity: Severity;
  enabled: boolean;
  created_at: number;
}

export interface ChannelTest {
  ok: boolean;
  error: string | null;
}
