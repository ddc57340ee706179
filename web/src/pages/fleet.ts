// Fleet overview: every cluster on one table, the page an operator opens first.

import { api, type FleetCluster } from '../api';
import { clear, h } from '../dom';
import { ago, dateTime, DASH, int, isoDate, ms, num, pct } from '../format';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { refreshSecs } from '../range';
import { href, navigate } from '../route';
import { alertsBadge, aliveOf, errorBox, healthBadge, loading, outcomeBadge, reasonSentences, sortableTable, usageBar, type Col } from '../widgets';

const HEALTH_ORDER = { critical: 0, warning: 1, unknown: 2, ok: 3 };

export async function fleetPage(ctx: Ctx): Promise<void> {
  document.title = `${t('fleet.title')} · starmon`;
  const body = h('div', { id: 'fleet' }, loading());
  ctx.root.append(h('div', { class: 'page-head' }, h('h1', null, t('fleet.title'))), body);

  const load = async () => {
    let clusters: FleetCluster[];
    try {
      clusters = (await api<{ clusters: FleetCluster[] }>('/api/v1/fleet', { signal: ctx.signal })).clusters;
    } catch (e) {
      if (ctx.signal.aborted) return;
      clear(body);
      body.append(errorBox((e as Error).message));
      return;
    }
    clear(body);
    if (!clusters.length) {
      body.append(h('div', { class: 'empty card' }, h('p', null, t('fleet.empty')), h('a', { class: 'btn primary', href: href('/manage') }, t('fleet.add'))));
      body.dataset.ready = 'true';
      return;
    }
    const count = (hv: string) => clusters.filter((c) => c.health === hv).length;
    const anyCn = clusters.some((c) => (c.cn_total ?? 0) > 0);
    const cols: Col<FleetCluster>[] = [
      { key: 'name', label: t('fleet.cluster'), value: (c) => c.name, cell: (c) => h('a', { href: href(`/clusters/${c.id}`), class: 'cluster-link' }, c.name) },
      {
        key: 'health',
        label: t('fleet.health'),
        value: (c) => HEALTH_ORDER[c.health] ?? 2,
        cell: (c) => [healthBadge(c.health, reasonSentences(c)), c.reasons.length ? h('div', { class: 'reasons' }, reasonSentences(c).map((r) => h('div', null, r))) : null],
      },
      { key: 'fe', label: t('fleet.fe'), value: (c) => (c.fe_total ? (c.fe_alive ?? 0) / c.fe_total : null), cell: (c) => aliveOf(c.fe_alive, c.fe_total), cls: 'num' },
      { key: 'be', label: t('fleet.be'), value: (c) => (c.be_total ? (c.be_alive ?? 0) / c.be_total : null), cell: (c) => aliveOf(c.be_alive, c.be_total), cls: 'num' },
      ...(anyCn ? [{ key: 'cn', label: t('fleet.cn'), value: (c: FleetCluster) => c.cn_total, cell: (c: FleetCluster) => aliveOf(c.cn_alive, c.cn_total), cls: 'num' }] : []),
      { key: 'qps', label: t('fleet.qps'), value: (c) => c.qps, cell: (c) => num(c.qps), cls: 'num' },
      { key: 'p99', label: t('fleet.p99'), value: (c) => c.query_latency_p99, cell: (c) => ms(c.query_latency_p99), cls: 'num' },
      { key: 'err', label: t('fleet.errors'), value: (c) => c.error_rate, cell: (c) => h('span', { class: (c.error_rate ?? 0) > 0 ? 'bad' : null }, num(c.error_rate)), cls: 'num' },
      {
        key: 'disk',
        label: t('fleet.disk'),
        value: (c) => c.max_disk_used_pct ?? c.disk_usage_pct,
        cell: (c) => h('span', null, usageBar(c.disk_usage_pct), c.max_disk_used_pct != null ? h('span', { class: 'sub' }, ' ' + t('fleet.maxdisk', pct(c.max_disk_used_pct, 0))) : null),
      },
      {
        key: 'until90',
        label: t('fleet.until90'),
        value: (c) => c.days_until_90,
        cell: (c) => (c.days_until_90 == null ? DASH : c.days_until_90 <= 0 ? h('span', { class: 'bad' }, t('fleet.reached')) : h('span', { class: c.days_until_90 < 14 ? 'bad' : c.days_until_90 < 30 ? 'warn' : null }, t('fleet.days', int(Math.ceil(c.days_until_90)), isoDate(c.date_90)))),
        cls: 'num',
      },
      {
        key: 'alerts',
        label: t('fleet.alerts'),
        value: (c) => c.alerts_firing,
        cell: (c) => alertsBadge(c.alerts_firing, c.id),
        cls: 'num',
      },
      {
        key: 'collected',
        label: t('fleet.collected'),
        value: (c) => c.collected_at,
        cell: (c) => [outcomeBadge(c.outcome), ' ', h('span', { class: 'sub', title: c.collected_at ? dateTime(c.collected_at) : null }, ago(c.collected_at)), c.errors > 0 ? h('span', { class: 'sub bad' }, ` (${c.errors} ${t('common.error')})`) : null],
      },
    ];
    body.append(
      h('p', { class: 'summary' }, t('fleet.summary', clusters.length, count('ok'), count('warning'), count('critical'))),
      h('div', { class: 'card' }, sortableTable(cols, clusters, {
        id: 'fleet-table',
        sort: 'health',
        rowAttrs: (c) => ({ 'data-cluster': String(c.id), class: `health-row-${c.health}` }),
        onRow: (c, e) => {
          if ((e.target as HTMLElement).closest('a')) return;
          navigate(`/clusters/${c.id}`);
        },
      })),
    );
    body.dataset.ready = 'true';
  };
  ctx.every(refreshSecs(), load);
  await load();
}
