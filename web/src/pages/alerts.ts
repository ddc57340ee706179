// Alerts: what is firing or pending now (acknowledge, silence), the history of transitions, and
// the settings — rules, silences, notification channels — each on its own tab. `?cluster=ID`
// narrows the page to one cluster.

import { api, type Alert, type AlertEvent, type AlertRule, type AlertRules, type ClusterRecord } from '../api';
import { setFiringCount } from '../alertcount';
import { h, type Child } from '../dom';
import { ago, dateTime, DASH, duration, num } from '../format';
import { t, type Key } from '../i18n';
import type { Ctx } from '../main';
import { range, rangeBar, refreshSecs } from '../range';
import { href, withQuery } from '../route';
import { errorBox, loading, note, severityBadge, sortableTable, type Col } from '../widgets';
import { OP_SIGN, ruleName, SEV_RANK, type AlertsCtx } from './alertkit';
import { channelsTab } from './channels';
import { rulesTab } from './rules';
import { silenceForm, silencesTab } from './silences';

export type AlertTab = 'firing' | 'history' | 'rules' | 'silences' | 'channels';
const TABS: AlertTab[] = ['firing', 'history', 'rules', 'silences', 'channels'];

export async function alertsPage(ctx: Ctx): Promise<void> {
  document.title = `${t('alerts.title')} · starmon`;
  const raw = ctx.query.get('tab') as AlertTab | null;
  const tab: AlertTab = raw && TABS.includes(raw) ? raw : 'firing';
  const c = ctx.query.get('cluster');
  const cluster = c && /^\d+$/.test(c) ? Number(c) : null;
  const { clusters } = await api<{ clusters: ClusterRecord[] }>('/api/v1/clusters', { signal: ctx.signal });

  const filter = h(
    'select',
    { id: 'alerts-cluster', 'aria-label': t('alerts.filter.cluster'), onchange: (e: Event) => (location.hash = withQuery({ cluster: (e.target as HTMLSelectElement).value || null })) },
    h('option', { value: '', selected: cluster === null }, t('alerts.allclusters')),
    clusters.map((cl) => h('option', { value: cl.id, selected: cl.id === cluster }, cl.name)),
  );
  const tabs = h(
    'nav',
    { class: 'tabs' },
    TABS.map((k) => h('a', { href: href('/alerts', { tab: k === 'firing' ? null : k, cluster }), class: tab === k ? 'active' : null, 'data-tab': k }, t(`alerts.tab.${k}` as Key))),
  );
  const body = h('div', { id: `alerts-${tab}`, class: 'alerts-body' });
  ctx.root.append(
    h(
      'div',
      { class: 'page-head' },
      h('div', { class: 'title-row' }, h('h1', null, t('alerts.title')), h('label', { class: 'refresh' }, t('alerts.filter.cluster'), ' ', filter)),
      h('div', { class: 'head-row' }, tabs),
    ),
    body,
  );

  let loads = 0;
  const a: AlertsCtx = {
    ctx,
    clusters,
    cluster,
    body,
    loaded: () => {
      ctx.root.dataset.ready = 'true';
      ctx.root.dataset.loads = String(++loads);
    },
    clusterName: (id) => (id === null ? t('alerts.anycluster') : (clusters.find((x) => x.id === id)?.name ?? `#${id}`)),
  };
  switch (tab) {
    case 'firing':
      return firingTab(a);
    case 'history':
      return historyTab(a);
    case 'rules':
      return rulesTab(a);
    case 'silences':
      return silencesTab(a);
    case 'channels':
      return channelsTab(a);
  }
}

/** "1.5" plus the rule's comparison, e.g. "≥ 1", with the rule's unit. */
function valueCell(v: number | null, threshold: number | null, rule: AlertRule | undefined): Child {
  const unit = rule?.unit ? ` ${rule.unit}` : '';
  return [
    h('span', { class: 'alert-value' }, num(v) + (v === null ? '' : unit)),
    threshold === null ? null : h('span', { class: 'sub' }, ` (${rule ? OP_SIGN[rule.op] : t('alerts.threshold')} ${num(threshold)}${unit})`),
  ];
}

async function firingTab(a: AlertsCtx): Promise<void> {
  const { ctx } = a;
  const flash = h('div', { class: 'flash' });
  const silenceBox = h('div', { id: 'silence-box' });
  const list = h('section', { class: 'card', id: 'alerts-active' }, loading());
  a.body.append(flash, silenceBox, list);
  let rules: AlertRule[] = [];

  const ack = async (al: Alert) => {
    flash.replaceChildren();
    try {
      await api(`/api/v1/alerts/${al.id}/ack`, { method: 'POST' });
      await load();
    } catch (e) {
      flash.replaceChildren(errorBox((e as Error).message));
    }
  };
  const silence = (al: Alert) => {
    flash.replaceChildren();
    silenceBox.replaceChildren(
      h(
        'section',
        { class: 'card' },
        h('h3', null, t('silences.from', al.rule_name, al.subject || a.clusterName(al.cluster_id))),
        silenceForm({
          clusters: a.clusters,
          rules,
          prefill: { cluster_id: al.cluster_id, rule_id: al.rule_id, subject: al.subject || null },
          onDone: async () => {
            silenceBox.replaceChildren();
            flash.replaceChildren(h('div', { class: 'ok' }, t('silences.created')));
            await load();
          },
          onCancel: () => silenceBox.replaceChildren(),
        }),
      ),
    );
    silenceBox.scrollIntoView({ block: 'nearest' });
    silenceBox.querySelector<HTMLInputElement>('input[name=comment]')?.focus();
  };

  const load = async () => {
    const q = new URLSearchParams({ state: 'all' });
    if (a.cluster !== null) q.set('cluster_id', String(a.cluster));
    let alerts: Alert[];
    try {
      const [res, r] = await Promise.all([
        api<{ alerts: Alert[] }>(`/api/v1/alerts?${q}`, { signal: ctx.signal }),
        rules.length ? null : api<AlertRules>('/api/v1/alert-rules', { signal: ctx.signal }).catch(() => null),
      ]);
      alerts = res.alerts;
      if (r) rules = r.rules;
    } catch (e) {
      if (ctx.signal.aborted) return;
      list.replaceChildren(errorBox((e as Error).message));
      return;
    }
    const firing = alerts.filter((x) => x.state === 'firing').length;
    if (a.cluster === null) setFiringCount(firing);
    const now = Date.now();
    const cols: Col<Alert>[] = [
      { key: 'severity', label: t('alerts.severity'), value: (x) => SEV_RANK[x.severity], cell: (x) => severityBadge(x.severity) },
      {
        key: 'state',
        label: t('alerts.state'),
        value: (x) => (x.state === 'firing' ? 0 : 1),
        cell: (x) => [
          h('span', { class: `badge alert-${x.state}` }, t(`alerts.state.${x.state}`)),
          x.silenced ? [' ', h('span', { class: 'badge mark silenced-mark', title: t('alerts.silenced.title') }, '🔕 ', t('alerts.silenced'))] : null,
          x.acked_by ? [' ', h('span', { class: 'badge mark acked-mark', title: t('alerts.acked.title', x.acked_by, dateTime(x.acked_at)) }, '✓ ', t('alerts.acked', x.acked_by))] : null,
        ],
      },
      {
        key: 'cluster',
        label: t('fleet.cluster'),
        value: (x) => x.cluster_name ?? String(x.cluster_id),
        cell: (x) => h('a', { href: href(`/clusters/${x.cluster_id}`) }, x.cluster_name ?? `#${x.cluster_id}`),
      },
      { key: 'rule', label: t('alerts.rule'), value: (x) => x.rule_name, cell: (x) => [x.rule_name, h('div', { class: 'sub' }, x.rule_id)] },
      { key: 'subject', label: t('alerts.subject'), value: (x) => x.subject, cell: (x) => (x.subject ? h('code', null, x.subject) : h('span', { class: 'sub' }, t('alerts.subject.cluster'))) },
      { key: 'summary', label: t('alerts.summary'), cell: (x) => x.summary },
      { key: 'value', label: t('alerts.value'), value: (x) => x.value, cell: (x) => valueCell(x.value, x.threshold, rules.find((r) => r.id === x.rule_id)), cls: 'num' },
      {
        key: 'since',
        label: t('alerts.since'),
        value: (x) => x.since,
        cell: (x) => [
          h('span', { title: dateTime(x.since) }, ago(x.since, now)),
          h('div', { class: 'sub' }, x.fired_at ? t('alerts.firingfor', duration((now - x.fired_at) / 1000)) : t('alerts.pendingfor', duration((now - x.since) / 1000))),
        ],
      },
      {
        key: 'actions',
        label: '',
        cell: (x) =>
          h(
            'div',
            { class: 'actions' },
            x.acked_by ? null : h('button', { class: 'btn small', 'data-action': 'ack', title: t('alerts.ack.title'), onclick: () => ack(x) }, t('alerts.ack')),
            h('button', { class: 'btn small', 'data-action': 'silence', onclick: () => silence(x) }, t('alerts.silence')),
          ),
      },
    ];
    list.replaceChildren(
      h('h3', null, t('alerts.active'), h('span', { class: 'count' }, ' ' + t('alerts.counts', firing, alerts.length - firing))),
      alerts.length
        ? sortableTable(cols, alerts.sort((x, y) => SEV_RANK[x.severity] - SEV_RANK[y.severity] || (x.state === y.state ? 0 : x.state === 'firing' ? -1 : 1) || y.since - x.since), {
            id: 'alerts-table',
            rowAttrs: (x) => ({
              'data-alert': String(x.id),
              'data-rule': x.rule_id,
              'data-cluster': String(x.cluster_id),
              'data-subject': x.subject,
              'data-state': x.state,
              'data-acked': String(!!x.acked_by),
              'data-silenced': String(x.silenced),
              class: `sev-row-${x.severity}`,
            }),
          })
        : note(t('alerts.none'), 'note all-clear'),
    );
    a.loaded();
  };
  ctx.every(refreshSecs(), () => void load());
  await load();
}

const EVENTS: AlertEvent['event'][] = ['firing', 'resolved', 'pending', 'acknowledged'];

async function historyTab(a: AlertsCtx): Promise<void> {
  const { ctx } = a;
  const kind = ctx.query.get('event');
  const eventSel = h(
    'select',
    { id: 'history-event', 'aria-label': t('history.event'), onchange: (e: Event) => (location.hash = withQuery({ event: (e.target as HTMLSelectElement).value || null })) },
    h('option', { value: '' }, t('history.allevents')),
    EVENTS.map((ev) => h('option', { value: ev, selected: kind === ev }, t(`event.${ev}` as Key))),
  );
  const list = h('section', { class: 'card', id: 'alert-history' }, loading());
  let rules: AlertRule[] = [];
  const load = async () => {
    const r = range(Date.now(), '24h');
    const q = new URLSearchParams({ from: String(Math.round(r.from)), to: String(Math.round(r.to)), limit: '1000' });
    if (a.cluster !== null) q.set('cluster_id', String(a.cluster));
    let events: AlertEvent[];
    try {
      const [res, rr] = await Promise.all([
        api<{ events: AlertEvent[] }>(`/api/v1/alerts/history?${q}`, { signal: ctx.signal }),
        rules.length ? null : api<AlertRules>('/api/v1/alert-rules', { signal: ctx.signal }).catch(() => null),
      ]);
      events = res.events;
      if (rr) rules = rr.rules;
    } catch (e) {
      if (ctx.signal.aborted) return;
      list.replaceChildren(errorBox((e as Error).message));
      return;
    }
    const limited = events.length >= 1000;
    if (kind) events = events.filter((e) => e.event === kind);
    const cols: Col<AlertEvent>[] = [
      { key: 'at', label: t('history.at'), value: (e) => e.at, cell: (e) => h('span', { title: ago(e.at) }, dateTime(e.at)) },
      { key: 'event', label: t('history.event'), value: (e) => e.event, cell: (e) => h('span', { class: `badge event-${e.event}`, 'data-event': e.event }, t(`event.${e.event}` as Key)) },
      { key: 'severity', label: t('alerts.severity'), value: (e) => SEV_RANK[e.severity], cell: (e) => severityBadge(e.severity) },
      { key: 'cluster', label: t('fleet.cluster'), value: (e) => a.clusterName(e.cluster_id), cell: (e) => h('a', { href: href('/alerts', { tab: 'history', cluster: e.cluster_id }) }, a.clusterName(e.cluster_id)) },
      { key: 'rule', label: t('alerts.rule'), value: (e) => ruleName(rules, e.rule_id), cell: (e) => ruleName(rules, e.rule_id) },
      { key: 'subject', label: t('alerts.subject'), value: (e) => e.subject, cell: (e) => (e.subject ? h('code', null, e.subject) : DASH) },
      { key: 'summary', label: t('alerts.summary'), cell: (e) => e.summary },
      { key: 'value', label: t('history.value'), value: (e) => e.value, cell: (e) => num(e.value), cls: 'num' },
      { key: 'notified', label: t('history.notified'), value: (e) => (e.notified ? 1 : 0), cell: (e) => (e.notified ? h('span', { class: 'good', title: t('history.notified.yes') }, '✓') : DASH) },
      { key: 'detail', label: t('history.detail'), cell: (e) => (e.detail ? h('span', { class: 'sub' }, e.detail) : null) },
    ];
    list.replaceChildren(
      h('h3', null, t('alerts.tab.history'), h('span', { class: 'count' }, ` (${events.length})`)),
      ...(limited ? [note(t('history.limited', 1000))] : []),
      events.length ? sortableTable(cols, events, { id: 'history-table', sort: 'at', desc: true, rowAttrs: (e) => ({ 'data-event': e.event, 'data-rule': e.rule_id, 'data-alert': String(e.alert_id) }) }) : note(t('history.none')),
    );
    a.loaded();
  };
  a.body.append(h('div', { class: 'head-row history-bar' }, h('label', { class: 'refresh' }, t('history.event'), ' ', eventSel), rangeBar(() => void load(), '24h')), list);
  if (range(Date.now(), '24h').key !== 'custom') ctx.every(refreshSecs(), () => void load());
  await load();
}
