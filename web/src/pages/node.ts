// One node: what it is now (status, role, data paths) and its charts over the chosen range.

import { api, type History, type NodeSample } from '../api';
import { chart, col, columns, type Chart } from '../chart';
import { h } from '../dom';
import { bytes, DASH } from '../format';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { BE_METRICS, FE_METRICS, isPct, metricFmt, metricLabel, type NodeMetric } from '../metrics';
import { range, refreshSecs } from '../range';
import { href } from '../route';
import { aliveBadge, errorBox, note, sortableTable, usageBar } from '../widgets';
import { clusterHead } from './head';

/** Charts of a node: metrics drawn together share a chart. */
const BE_CHARTS: NodeMetric[][] = [['cpu_usage_pct', 'mem_usage_pct'], ['max_disk_used_pct'], ['mem_used_bytes'], ['disk_used_bytes'], ['net_rx_bytes_per_sec', 'net_tx_bytes_per_sec'], ['disk_read_bytes_per_sec', 'disk_write_bytes_per_sec'], ['tablets'], ['compaction_score'], ['running_queries']];
const FE_CHARTS: NodeMetric[][] = [['qps'], ['query_latency_p99'], ['connections'], ['jvm_heap_used_pct']];

export async function nodePage(ctx: Ctx): Promise<void> {
  const [id, nodeId] = ctx.params;
  const base = `/api/v1/clusters/${id}`;
  const info = h('section', { class: 'card node-info', id: 'node-info' });
  const grid = h('div', { class: 'charts' });
  const status = h('div', { class: 'status' });
  let charts: { metrics: NodeMetric[]; chart: Chart }[] = [];
  ctx.cleanup(() => charts.forEach((c) => c.chart.destroy()));

  const load = async () => {
    try {
      await refresh();
    } catch (e) {
      if (!ctx.signal.aborted) status.replaceChildren(errorBox((e as Error).message));
    }
  };
  ctx.root.append(
    clusterHead(ctx, id, 'nodes', load),
    h('p', null, h('a', { href: href(`/clusters/${id}/nodes`), class: 'back' }, '← ', t('node.back'))),
    h('h2', { id: 'node-title' }, t('node.title', nodeId)),
    status,
    info,
    grid,
  );

  async function refresh(): Promise<void> {
    const r = range();
    const { nodes } = await api<{ nodes: NodeSample[] }>(`${base}/nodes`, { signal: ctx.signal });
    const node = nodes.find((n) => n.node_id === nodeId) ?? null;
    renderInfo(node);
    const kind = node?.kind ?? 'be';
    const layout = kind === 'fe' ? FE_CHARTS : BE_CHARTS;
    const names = [...new Set(layout.flat())].filter((m) => (kind === 'fe' ? FE_METRICS : BE_METRICS).includes(m));
    const points = Math.max(100, Math.min(1000, Math.round(window.innerWidth / 2)));
    const hist = await api<History>(`${base}/nodes/${encodeURIComponent(nodeId)}/metrics?names=${names.join(',')}&from=${Math.round(r.from)}&to=${Math.round(r.to)}&points=${points}`, { signal: ctx.signal });
    if (ctx.signal.aborted) return;
    status.replaceChildren();
    if (!charts.length) {
      charts = layout.map((metrics) => {
        const fmt = metricFmt(metrics[0]);
        return {
          metrics,
          chart: chart({
            id: 'chart-node-' + metrics.join('-'),
            title: metrics.map(metricLabel).join(' · '),
            yFmt: (v) => fmt(v),
            yBytes: metrics[0].endsWith('_bytes_per_sec') ? 'bytes/s' : metrics[0].endsWith('_bytes') ? 'bytes' : undefined,
            yMin: isPct(metrics[0]) ? 0 : undefined,
            yMax: isPct(metrics[0]) ? 100 : undefined,
            series: metrics.map((m) => ({ label: metricLabel(m) })),
          }),
        };
      });
      grid.append(...charts.map((c) => c.chart.el));
    }
    await Promise.all(charts.map((c) => c.chart.setData(columns(hist, c.metrics.map(col)), r.from / 1000, r.to / 1000)));
    ctx.root.dataset.ready = 'true';
    ctx.root.dataset.loads = String((Number(ctx.root.dataset.loads) || 0) + 1);
  }

  function renderInfo(n: NodeSample | null): void {
    info.replaceChildren();
    if (!n) {
      info.append(note(t('node.notfound')));
      return;
    }
    info.append(
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, t('nodes.alive')),
        h('dd', null, aliveBadge(n.alive)),
        h('dt', null, t('nodes.host')),
        h('dd', null, n.host),
        h('dt', null, t('nodes.kind')),
        h('dd', null, (n.kind ?? DASH).toUpperCase()),
        n.role ? [h('dt', null, t('nodes.role')), h('dd', null, n.role)] : null,
      ),
    );
    if (n.disks?.length) {
      info.append(
        h('h3', null, t('node.disks')),
        sortableTable(
          [
            { key: 'path', label: t('node.disk.path'), value: (d) => d.path, cell: (d) => h('code', null, d.path) },
            { key: 'total', label: t('node.disk.total'), value: (d) => d.total_bytes, cell: (d) => bytes(d.total_bytes), cls: 'num' },
            { key: 'avail', label: t('node.disk.avail'), value: (d) => d.avail_bytes, cell: (d) => bytes(d.avail_bytes), cls: 'num' },
            { key: 'data', label: t('node.disk.data'), value: (d) => d.data_used_bytes, cell: (d) => bytes(d.data_used_bytes), cls: 'num' },
            {
              key: 'used',
              label: '%',
              value: (d) => (d.total_bytes && d.avail_bytes != null ? 100 - (d.avail_bytes / d.total_bytes) * 100 : null),
              cell: (d) => usageBar(d.total_bytes && d.avail_bytes != null ? 100 - (d.avail_bytes / d.total_bytes) * 100 : null),
            },
          ],
          n.disks,
          { id: 'disks' },
        ),
      );
    }
  }

  ctx.every(range().key === 'custom' ? 0 : refreshSecs(), load);
  await load();
}
