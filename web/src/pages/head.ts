// The head of every per-cluster page: name, health, version, last collection, the tabs, and
// (on the chart pages) the time-range picker.

import { api, type Alert, type ClusterRecord, type FleetCluster } from '../api';
import { append, h } from '../dom';
import { ago } from '../format';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { rangeBar } from '../range';
import { href } from '../route';
import { alertsBadge, healthBadge, outcomeBadge, reasonSentences } from '../widgets';

export type Tab = 'overview' | 'nodes' | 'queries';

export function clusterHead(ctx: Ctx, id: string, tab: Tab, onRefresh: (() => void) | null): HTMLElement {
  const title = h('h1', { class: 'cluster-name' }, `#${id}`);
  const meta = h('div', { class: 'cluster-meta' });
  const keep = (ctx.query.get('range') ? '?' + new URLSearchParams([...ctx.query].filter(([k]) => ['range', 'from', 'to', 'refresh'].includes(k))).toString() : '');
  const tabs = h(
    'nav',
    { class: 'tabs' },
    (
      [
        ['overview', `/clusters/${id}`, t('cluster.tab.overview')],
        ['nodes', `/clusters/${id}/nodes`, t('cluster.tab.nodes')],
        ['queries', `/clusters/${id}/queries`, t('cluster.tab.queries')],
      ] as const
    ).map(([k, path, label]) => h('a', { href: href(path) + (k === 'queries' ? '' : keep), class: tab === k ? 'active' : null, 'data-tab': k }, label)),
  );
  void (async () => {
    const [rec, fleet, firing] = await Promise.all([
      ctx.cluster ?? api<ClusterRecord>(`/api/v1/clusters/${id}`, { signal: ctx.signal }),
      api<{ clusters: FleetCluster[] }>('/api/v1/fleet', { signal: ctx.signal }).catch(() => null),
      api<{ alerts: Alert[] }>(`/api/v1/alerts?cluster_id=${encodeURIComponent(id)}&state=firing`, { signal: ctx.signal }).catch(() => null),
    ]);
    title.textContent = rec.name;
    document.title = `${rec.name} · starmon`;
    const f = fleet?.clusters.find((c) => c.id === rec.id);
    append(meta, [
      f ? healthBadge(f.health, f.reasons) : null,
      h('span', { class: 'head-alerts' }, t('fleet.alerts'), ' ', alertsBadge(firing ? firing.alerts.length : null, rec.id, 'cluster-alerts')),
      h('span', { class: 'sub' }, `${rec.fe_host}:${rec.fe_query_port}`),
      f ? h('span', { class: 'sub' }, t('cluster.lastcollect'), ': ', outcomeBadge(f.outcome), ' ', ago(f.collected_at)) : null,
      f && f.reasons.length ? h('span', { class: 'reasons', id: 'health-reasons' }, reasonSentences(f).join('; ')) : null,
    ]);
  })().catch(() => undefined);
  return h('div', { class: 'page-head cluster-head' }, h('div', { class: 'crumbs' }, h('a', { href: '#/' }, t('nav.fleet')), ' / '), h('div', { class: 'title-row' }, title, meta), h('div', { class: 'head-row' }, tabs, onRefresh ? rangeBar(onRefresh) : null));
}
