// One cluster: KPI cards with period-over-period change, the charts over the chosen range, daily
// growth, and the capacity forecast. All history comes from one /metrics request.

import { api, type CapacityPath, type DailyRow, type Forecast, type History, type Kpis } from '../api';
import { chart, col, columns, perMinute, type Chart } from '../chart';
import { clear, h } from '../dom';
import { bytes, DASH, int, isoDate, ms, num, pct } from '../format';
import { t, type Key } from '../i18n';
import type { Ctx } from '../main';
import { range, refreshSecs } from '../range';
import { withQuery } from '../route';
import { changeTag, errorBox, note, sortableTable } from '../widgets';
import { clusterHead } from './head';

const NAMES = [
  'interval_secs',
  'qps',
  'rps',
  'query_latency_p50',
  'query_latency_p90',
  'query_latency_p95',
  'query_latency_p99',
  'query_success',
  'query_error',
  'query_timeout',
  'cpu_usage_pct',
  'mem_usage_pct',
  'disk_usage_pct',
  'max_disk_used_pct',
  'total_data_bytes',
  'txn_success_total',
  'txn_failed_total',
  'load_finished_total',
  'mv_refresh_success_total',
  'mv_refresh_failed_total',
  'load_running',
  'routine_load_running',
  'routine_load_paused',
  'schema_change_running',
  'mv_refresh_running',
  'max_compaction_score',
];

/** KPI: name, formatter, whether a rise is bad (null: neither). */
const KPIS: [string, (v: number | null) => string, boolean | null][] = [
  ['qps', (v) => num(v), null],
  ['success_rate', (v) => pct(v, 2), false],
  ['error_rate', (v) => num(v), true],
  ['query_latency_p99', ms, true],
  ['query_latency_p95', ms, true],
  ['cpu_usage_pct', (v) => pct(v), true],
  ['mem_usage_pct', (v) => pct(v), true],
  ['disk_usage_pct', (v) => pct(v), true],
  ['running_queries', int, null],
  ['connections', int, null],
];

const DAILY: [string, (v: number | null) => string, boolean | null][] = [
  ['avg_qps', (v) => num(v), null],
  ['query_total', int, null],
  ['success_rate', (v) => pct(v, 2), false],
  ['total_data_bytes', bytes, null],
  ['daily_data_growth_bytes', bytes, true],
];

const DAY_MS = 86_400_000;

/** Local midnight of a "YYYY-MM-DD" date, unix seconds. */
function dayStart(d: string): number {
  const [y, m, day] = d.split('-').map(Number);
  return new Date(y, m - 1, day).getTime() / 1000;
}

function forecastText(f: Forecast | undefined): { text: string; cls: string | null } {
  if (!f) return { text: DASH, cls: null };
  switch (f.status) {
    case 'reached':
      return { text: t('capacity.reached', isoDate(f.since)), cls: 'bad' };
    case 'expected': {
      const days = Math.ceil(f.days_from_last ?? 0);
      return { text: t('capacity.expected', isoDate(f.date), days), cls: days < 14 ? 'bad' : days < 30 ? 'warn' : null };
    }
    case 'not_growing':
      return { text: t('capacity.not_growing'), cls: 'good' };
    case 'not_expected':
      return { text: t('capacity.not_expected'), cls: 'good' };
    case 'not_enough_history':
      return { text: t('capacity.not_enough_history', f.days ?? 0, f.needed ?? DASH), cls: 'sub' };
  }
  return { text: DASH, cls: null };
}

export async function clusterPage(ctx: Ctx): Promise<void> {
  const id = ctx.params[0];
  const base = `/api/v1/clusters/${id}`;
  const load = async () => {
    try {
      await refresh();
    } catch (e) {
      if (!ctx.signal.aborted) status.replaceChildren(errorBox((e as Error).message));
    }
  };
  const status = h('div', { class: 'status' });
  const kpiBox = h('section', { class: 'kpis', id: 'kpis' });
  const dailyBox = h('section', { class: 'daily-kpis', id: 'daily-kpis' });
  const capacityBox = h('section', { class: 'card', id: 'capacity' }, h('h3', null, t('capacity.title')));
  const zoom = (from: number, to: number) => (location.hash = withQuery({ range: 'custom', from, to }));
  const fmtPerMin = (v: number) => num(v);
  const charts: Record<string, Chart> = {
    qps: chart({
      id: 'chart-qps',
      title: t('chart.qps'),
      onSelect: zoom,
      yFmt: (v) => num(v),
      y2Fmt: (v) => num(v),
      series: [{ label: t('series.qps'), fill: true }, { label: t('series.rps'), scale: 'y2' }],
    }),
    latency: chart({
      id: 'chart-latency',
      title: t('chart.latency'),
      onSelect: zoom,
      yFmt: ms,
      // p50/p90 come from a gauge that stays 0 (stored as unknown) unless the FE has
      // enable_collect_query_detail_info; p95/p99 from the summary every version has.
      series: [{ label: 'p50', optional: true }, { label: 'p90', optional: true }, { label: 'p95' }, { label: 'p99' }],
    }),
    // Success rate and error rates have different units: two charts, not one with two axes. The
    // rate's axis follows its data, so 97 % and 99.9 % look different.
    success: chart({
      id: 'chart-success',
      title: t('chart.success'),
      onSelect: zoom,
      yFmt: (v) => pct(v, 2),
      yMax: 100,
      yZoom: true,
      series: [{ label: t('series.success_rate'), color: '#10b981', fmt: (v) => pct(v, 2) }],
    }),
    errors: chart({
      id: 'chart-errors',
      title: t('chart.errors'),
      onSelect: zoom,
      yFmt: (v) => num(v),
      series: [
        { label: t('series.errors_per_sec'), color: '#ef4444' },
        { label: t('series.timeouts_per_sec'), color: '#f59e0b' },
      ],
    }),
    resources: chart({
      id: 'chart-resources',
      title: t('chart.resources'),
      onSelect: zoom,
      yFmt: (v) => pct(v, 0),
      yMin: 0,
      yMax: 100,
      series: [{ label: t('series.cpu') }, { label: t('series.mem') }, { label: t('series.disk') }, { label: t('series.maxdisk'), dash: [4, 3] }],
    }),
    datasize: chart({ id: 'chart-datasize', title: t('chart.datasize'), onSelect: zoom, yFmt: bytes, yBytes: 'bytes', series: [{ label: t('series.data'), fill: true, color: '#8b5cf6' }] }),
    growth: chart({ id: 'chart-growth', title: t('chart.growth'), daily: true, yFmt: bytes, yBytes: 'bytes', series: [{ label: t('series.growth'), bars: true, color: '#06b6d4' }] }),
    activity: chart({
      id: 'chart-activity',
      title: t('chart.activity'),
      onSelect: zoom,
      yFmt: fmtPerMin,
      series: [
        { label: t('series.txn_success') },
        { label: t('series.txn_failed'), color: '#ef4444' },
        { label: t('series.loads'), color: '#10b981' },
        { label: t('series.mv_success'), color: '#8b5cf6' },
        { label: t('series.mv_failed'), color: '#ec4899' },
      ],
    }),
    jobs: chart({
      id: 'chart-jobs',
      title: t('chart.jobs'),
      onSelect: zoom,
      yFmt: (v) => num(v, 0),
      series: [{ label: t('series.load_running') }, { label: t('series.routine_running') }, { label: t('series.routine_paused'), color: '#ef4444' }, { label: t('series.schema_change'), color: '#8b5cf6' }, { label: t('series.mv_running'), color: '#06b6d4' }],
    }),
    compaction: chart({ id: 'chart-compaction', title: t('chart.compaction'), onSelect: zoom, yFmt: (v) => num(v), series: [{ label: t('series.compaction'), color: '#a16207' }] }),
    capacity: chart({
      id: 'chart-capacity',
      title: t('chart.capacity'),
      onSelect: zoom,
      yFmt: (v) => pct(v, 0),
      yMin: 0,
      yMax: 100,
      series: [
        { label: t('series.maxdisk'), color: '#ef4444' },
        { label: t('series.disk'), color: '#3b82f6' },
      ],
      limits: [
        { value: 90, label: t('series.limit90'), color: '#f59e0b' },
        { value: 95, label: t('series.limit95'), color: '#dc2626' },
      ],
    }),
  };
  ctx.cleanup(() => Object.values(charts).forEach((c) => c.destroy()));

  ctx.root.append(
    clusterHead(ctx, id, 'overview', load),
    status,
    kpiBox,
    dailyBox,
    h('div', { class: 'charts' }, Object.values(charts).map((c) => c.el)),
    capacityBox,
  );
  ctx.root.dataset.ready = 'false';

  async function refresh(): Promise<void> {
    const r = range();
    const span = r.to - r.from;
    // About one point per two pixels of a chart, at most 1000.
    const points = Math.max(100, Math.min(1000, Math.round(window.innerWidth / 2)));
    const window_ = Math.max(30, Math.min(86400, Math.round(span / 1000)));
    const days = Math.max(7, Math.min(366, Math.ceil(span / DAY_MS)));
    const q = `from=${Math.round(r.from)}&to=${Math.round(r.to)}`;
    const signal = ctx.signal;
    const [hist, kpis, daily, capacity] = await Promise.all([
      api<History>(`${base}/metrics?names=${NAMES.join(',')}&${q}&points=${points}`, { signal }),
      api<Kpis>(`${base}/kpis?window=${window_}${r.key === 'custom' ? `&at=${Math.round(r.to)}` : ''}`, { signal }),
      api<{ days: DailyRow[] }>(`${base}/daily?days=${days}`, { signal }),
      api<{ paths: CapacityPath[] }>(`${base}/capacity`, { signal }),
    ]);
    if (signal.aborted) return;
    status.replaceChildren();
    renderKpis(kpis);
    const from = r.from / 1000;
    const to = r.to / 1000;
    const ratio = (a: string, b: string) => (row: (n: string) => number | null) => {
      const s = row(a);
      const e = row(b);
      return s != null && e != null && s + e > 0 ? (s / (s + e)) * 100 : null;
    };
    const perSec = (n: string) => (row: (n: string) => number | null) => {
      const v = row(n);
      const iv = row('interval_secs');
      return v != null && iv ? v / iv : null;
    };
    const drawn: Promise<void>[] = [
      charts.qps.setData(columns(hist, [col('qps'), col('rps')]), from, to),
      charts.latency.setData(columns(hist, ['query_latency_p50', 'query_latency_p90', 'query_latency_p95', 'query_latency_p99'].map(col)), from, to),
      charts.success.setData(columns(hist, [ratio('query_success', 'query_error')]), from, to),
      charts.errors.setData(columns(hist, [perSec('query_error'), perSec('query_timeout')]), from, to),
      charts.resources.setData(columns(hist, ['cpu_usage_pct', 'mem_usage_pct', 'disk_usage_pct', 'max_disk_used_pct'].map(col)), from, to),
      charts.datasize.setData(columns(hist, [col('total_data_bytes')]), from, to),
      charts.activity.setData(columns(hist, ['txn_success_total', 'txn_failed_total', 'load_finished_total', 'mv_refresh_success_total', 'mv_refresh_failed_total'].map(perMinute)), from, to),
      charts.jobs.setData(columns(hist, ['load_running', 'routine_load_running', 'routine_load_paused', 'schema_change_running', 'mv_refresh_running'].map(col)), from, to),
      charts.compaction.setData(columns(hist, [col('max_compaction_score')]), from, to),
      charts.capacity.setData(columns(hist, [col('max_disk_used_pct'), col('disk_usage_pct')]), from, to),
    ];
    // Daily growth: one bar per local day.
    const rows = daily.days.filter((d) => d.date);
    const gx = rows.map((d) => dayStart(d.date));
    const todayStart = new Date(new Date().setHours(0, 0, 0, 0)).getTime() / 1000;
    const gFrom = Math.min(todayStart - (days - 1) * 86400, ...gx) - 43200;
    drawn.push(charts.growth.setData([gx, rows.map((d) => d.daily_data_growth_bytes ?? null)], gFrom, todayStart + 43200 + 86400));
    renderCapacity(capacity.paths);
    await Promise.all(drawn);
    if (signal.aborted) return;
    ctx.root.dataset.ready = 'true';
    ctx.root.dataset.from = String(Math.round(r.from));
    ctx.root.dataset.to = String(Math.round(r.to));
    ctx.root.dataset.loads = String((Number(ctx.root.dataset.loads) || 0) + 1);
    (window as unknown as { __starmonReadyMs?: number }).__starmonReadyMs ??= performance.now();
  }

  function renderKpis(k: Kpis): void {
    clear(kpiBox);
    for (const [name, fmt, upIsBad] of KPIS) {
      const c = k.kpis[name];
      kpiBox.append(
        h(
          'div',
          { class: 'kpi card', 'data-kpi': name },
          h('div', { class: 'kpi-label' }, t(('kpi.' + name) as Key)),
          h('div', { class: 'kpi-value' }, fmt(c?.current ?? null)),
          h('div', { class: 'kpi-changes' }, changeTag(c?.change_pct, upIsBad, t('kpi.vsprev')), changeTag(c?.day_change_pct, upIsBad, t('kpi.vsday')), changeTag(c?.week_change_pct, upIsBad, t('kpi.vsweek'))),
        ),
      );
    }
    clear(dailyBox);
    // Hidden until a whole day has been rolled up.
    if (k.daily && Object.values(k.daily.figures).some((f) => f?.value != null)) {
      const d = k.daily;
      dailyBox.append(
        h('h3', null, t('kpi.daily', isoDate(d.date))),
        h(
          'div',
          { class: 'daily-row' },
          DAILY.map(([name, fmt, upIsBad]) => {
            const f = d.figures[name];
            return h(
              'div',
              { class: 'daily-fig', 'data-daily': name },
              h('span', { class: 'kpi-label' }, t(('daily.' + name) as Key)),
              h('span', { class: 'daily-value' }, fmt(f?.value ?? null)),
              changeTag(f?.change_pct, upIsBad, t('kpi.vsprev')),
              changeTag(f?.week_change_pct, upIsBad, t('kpi.vsweek')),
            );
          }),
        ),
      );
    }
  }

  function renderCapacity(paths: CapacityPath[]): void {
    capacityBox.replaceChildren(h('h3', null, t('capacity.title')));
    if (!paths.length) {
      capacityBox.append(note(t('capacity.none')));
      return;
    }
    const soon = (f: Forecast) => (f.status === 'reached' ? -1 : f.status === 'expected' ? (f.days_from_last ?? 1e9) : 1e9);
    capacityBox.append(
      sortableTable(
        [
          { key: 'node', label: t('capacity.node'), value: (p) => p.node_id, cell: (p) => p.node_id },
          { key: 'path', label: t('capacity.path'), value: (p) => p.path, cell: (p) => h('code', null, p.path) },
          { key: 'days', label: t('capacity.days'), value: (p) => p.days, cell: (p) => int(p.days), cls: 'num' },
          {
            key: 'at90',
            label: t('capacity.at90'),
            value: (p) => soon(p.no_new_tablets),
            cell: (p) => {
              const f = forecastText(p.no_new_tablets);
              return h('span', { class: f.cls }, f.text);
            },
          },
          {
            key: 'at95',
            label: t('capacity.at95'),
            value: (p) => soon(p.loads_refused),
            cell: (p) => {
              const f = forecastText(p.loads_refused);
              return h('span', { class: f.cls }, f.text);
            },
          },
        ],
        paths,
        { id: 'capacity-table', sort: 'at90' },
      ),
    );
  }

  ctx.every(range().key === 'custom' ? 0 : refreshSecs(), load);
  await load();
}
