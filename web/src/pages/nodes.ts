// Nodes of one cluster: FE and BE/CN tables (sortable, dead nodes first and red), a click to one
// node's charts, and several ticked nodes compared on one chart.

import { api, type History, type NodeSample } from '../api';
import { chart, columns, type Chart } from '../chart';
import { h } from '../dom';
import { ago, bytes, dateTime, bytesPerSec, DASH, int, ms, num } from '../format';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { BE_METRICS, FE_METRICS, isPct, metricFmt, metricLabel, NODE_METRICS } from '../metrics';
import { range, refreshSecs } from '../range';
import { current, href, navigate } from '../route';
import { aliveBadge, errorBox, note, sortableTable, usageBar, type Col } from '../widgets';
import { clusterHead } from './head';

const aliveRank = (n: NodeSample) => (n.alive === false ? 0 : n.alive === null ? 1 : 2);

/** Writes the comparison choice into the URL without re-rendering the page. */
function setQuery(changes: Record<string, string | null>): void {
  const r = current();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') r.query.delete(k);
    else r.query.set(k, v);
  }
  history.replaceState(null, '', href(r.path, r.query));
}

export async function nodesPage(ctx: Ctx): Promise<void> {
  const id = ctx.params[0];
  const base = `/api/v1/clusters/${id}`;
  const tables = h('div', { id: 'node-tables' });
  const selected = new Set((ctx.query.get('compare') ?? '').split(',').filter(Boolean));
  let metric = ctx.query.get('metric') ?? 'cpu_usage_pct';
  if (!(NODE_METRICS as readonly string[]).includes(metric)) metric = 'cpu_usage_pct';
  const compareBox = h('section', { class: 'card', id: 'compare' });
  let compareChart: Chart | null = null;
  ctx.cleanup(() => compareChart?.destroy());
  let nodes: NodeSample[] = [];

  const load = async () => {
    try {
      const res = await api<{ collected_at: number | null; nodes: NodeSample[] }>(`${base}/nodes`, { signal: ctx.signal });
      nodes = res.nodes;
      renderTables(res.collected_at);
      await renderCompare();
      ctx.root.dataset.ready = 'true';
      ctx.root.dataset.loads = String((Number(ctx.root.dataset.loads) || 0) + 1);
    } catch (e) {
      if (!ctx.signal.aborted) tables.replaceChildren(errorBox((e as Error).message));
    }
  };
  ctx.root.append(clusterHead(ctx, id, 'nodes', load), tables, compareBox);

  function pick(n: NodeSample): HTMLElement {
    return h('input', {
      type: 'checkbox',
      class: 'pick',
      'aria-label': `${t('nodes.compare')} ${n.node_id}`,
      checked: selected.has(n.node_id),
      onclick: (e: Event) => {
        e.stopPropagation();
        const on = (e.target as HTMLInputElement).checked;
        if (on) selected.add(n.node_id);
        else selected.delete(n.node_id);
        setQuery({ compare: [...selected].join(',') });
        void renderCompare();
      },
    });
  }

  function idCell(n: NodeSample): HTMLElement {
    return h('a', { href: href(`/clusters/${id}/nodes/${encodeURIComponent(n.node_id)}`, current().query.get('range') ? { range: current().query.get('range') } : undefined), class: 'node-link' }, n.node_id);
  }

  function renderTables(collectedAt: number | null): void {
    tables.replaceChildren();
    if (!nodes.length) {
      tables.append(note(t('nodes.none')));
      return;
    }
    tables.append(h('p', { class: 'sub' }, t('nodes.collected', collectedAt ? `${dateTime(collectedAt)} (${ago(collectedAt)})` : DASH)));
    const common: Col<NodeSample>[] = [
      { key: 'pick', label: '', cell: pick, cls: 'pick-col' },
      { key: 'id', label: t('nodes.id'), value: (n) => n.node_id, cell: idCell },
      { key: 'host', label: t('nodes.host'), value: (n) => n.host, cell: (n) => n.host },
      { key: 'alive', label: t('nodes.alive'), value: aliveRank, cell: (n) => aliveBadge(n.alive) },
    ];
    const rowOpts = (kind: string) => ({
      id: `nodes-${kind}`,
      sort: 'alive',
      rowAttrs: (n: NodeSample) => ({ 'data-node': n.node_id, 'data-host': n.host, 'data-alive': String(n.alive), class: n.alive === false ? 'dead-row' : null }),
      onRow: (n: NodeSample, e: Event) => {
        if ((e.target as HTMLElement).closest('a,input')) return;
        navigate(`/clusters/${id}/nodes/${encodeURIComponent(n.node_id)}`);
      },
    });
    const fes = nodes.filter((n) => n.kind === 'fe');
    const bes = nodes.filter((n) => n.kind === 'be');
    const cns = nodes.filter((n) => n.kind === 'cn');
    if (fes.length) {
      const cols: Col<NodeSample>[] = [
        ...common,
        { key: 'role', label: t('nodes.role'), value: (n) => n.role, cell: (n) => n.role ?? DASH },
        { key: 'qps', label: t('nodes.qps'), value: (n) => n.qps, cell: (n) => num(n.qps), cls: 'num' },
        { key: 'p99', label: t('nodes.p99'), value: (n) => n.query_latency_p99, cell: (n) => ms(n.query_latency_p99), cls: 'num' },
        { key: 'conn', label: t('nodes.connections'), value: (n) => n.connections, cell: (n) => int(n.connections), cls: 'num' },
        { key: 'heap', label: t('nodes.heap'), value: (n) => n.jvm_heap_used_pct, cell: (n) => usageBar(n.jvm_heap_used_pct) },
        { key: 'journal', label: t('nodes.journal'), value: (n) => n.replayed_journal_id, cell: (n) => int(n.replayed_journal_id), cls: 'num' },
      ];
      tables.append(h('section', { class: 'card' }, h('h3', null, t('nodes.fe'), h('span', { class: 'count' }, ` (${fes.filter((n) => n.alive).length}/${fes.length})`)), sortableTable(cols, fes, rowOpts('fe'))));
    }
    const beCols: Col<NodeSample>[] = [
      ...common,
      { key: 'cpu', label: t('nodes.cpu'), value: (n) => n.cpu_usage_pct, cell: (n) => usageBar(n.cpu_usage_pct) },
      { key: 'mem', label: t('nodes.mem'), value: (n) => n.mem_usage_pct, cell: (n) => h('span', { title: bytes(n.mem_used_bytes) }, usageBar(n.mem_usage_pct)) },
      { key: 'disk', label: t('nodes.disk'), value: (n) => n.disk_used_bytes, cell: (n) => (n.disk_total_bytes ? `${bytes(n.disk_used_bytes)} / ${bytes(n.disk_total_bytes)}` : DASH), cls: 'num' },
      { key: 'maxdisk', label: t('nodes.maxdisk'), value: (n) => n.max_disk_used_pct, cell: (n) => usageBar(n.max_disk_used_pct) },
      { key: 'tablets', label: t('nodes.tablets'), value: (n) => n.tablets, cell: (n) => int(n.tablets), cls: 'num' },
      { key: 'compaction', label: t('nodes.compaction'), value: (n) => n.compaction_score, cell: (n) => num(n.compaction_score), cls: 'num' },
      { key: 'running', label: t('nodes.running'), value: (n) => n.running_queries, cell: (n) => int(n.running_queries), cls: 'num' },
      { key: 'net', label: t('nodes.net'), value: (n) => n.net_rx_bytes_per_sec, cell: (n) => `${bytesPerSec(n.net_rx_bytes_per_sec)} / ${bytesPerSec(n.net_tx_bytes_per_sec)}`, cls: 'num' },
    ];
    if (bes.length) tables.append(h('section', { class: 'card' }, h('h3', null, t('nodes.be'), h('span', { class: 'count' }, ` (${bes.filter((n) => n.alive).length}/${bes.length})`)), sortableTable(beCols, bes, rowOpts('be'))));
    if (cns.length) tables.append(h('section', { class: 'card' }, h('h3', null, t('nodes.cn'), h('span', { class: 'count' }, ` (${cns.filter((n) => n.alive).length}/${cns.length})`)), sortableTable(beCols, cns, rowOpts('cn'))));
  }

  // Picking two nodes quickly starts two renders; only the latest may draw, or the box would
  // show one chart per render.
  let compareGen = 0;
  async function renderCompare(): Promise<void> {
    const gen = ++compareGen;
    compareChart?.destroy();
    compareChart = null;
    const picked = nodes.filter((n) => selected.has(n.node_id));
    const kinds = new Set(picked.map((n) => n.kind));
    const choices = NODE_METRICS.filter((m) => picked.length === 0 || [...kinds].some((k) => (k === 'fe' ? FE_METRICS : BE_METRICS).includes(m)));
    const select = h(
      'select',
      {
        id: 'compare-metric',
        onchange: (e: Event) => {
          metric = (e.target as HTMLSelectElement).value;
          setQuery({ metric });
          void renderCompare();
        },
      },
      choices.map((m) => h('option', { value: m, selected: m === metric }, metricLabel(m))),
    );
    compareBox.replaceChildren(h('div', { class: 'card-head' }, h('h3', null, t('nodes.compare.title')), h('label', null, t('nodes.compare.metric'), ' ', select)));
    if (!picked.length) {
      compareBox.append(note(t('nodes.compare.hint')));
      return;
    }
    const r = range();
    const points = Math.max(100, Math.min(1000, Math.round(window.innerWidth / 2)));
    const hists = await Promise.all(
      picked.map((n) => api<History>(`${base}/nodes/${encodeURIComponent(n.node_id)}/metrics?names=${metric}&from=${Math.round(r.from)}&to=${Math.round(r.to)}&points=${points}`, { signal: ctx.signal })),
    );
    if (gen !== compareGen || ctx.signal.aborted) return;
    // One x axis: the union of every node's bucket times (the buckets are aligned to `from`).
    const merged: History = { series: {}, step_seconds: hists[0]?.step_seconds ?? 1, from: r.from, to: r.to };
    picked.forEach((n, i) => (merged.series[n.node_id] = hists[i].series[metric] ?? []));
    const data = columns(merged, picked.map((n) => (row) => row(n.node_id)));
    const fmt = metricFmt(metric);
    compareChart = chart({
      id: 'chart-compare',
      title: metricLabel(metric),
      yFmt: (v) => fmt(v),
      yBytes: metric.endsWith('_bytes_per_sec') ? 'bytes/s' : metric.endsWith('_bytes') ? 'bytes' : undefined,
      yMin: isPct(metric) ? 0 : undefined,
      yMax: isPct(metric) ? 100 : undefined,
      series: picked.map((n) => ({ label: `${n.node_id} (${n.host})` })),
    });
    compareBox.append(compareChart.el);
    await compareChart.setData(data, r.from / 1000, r.to / 1000);
  }

  ctx.every(range().key === 'custom' ? 0 : refreshSecs(), load);
  await load();
}
