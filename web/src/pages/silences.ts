// Silences: the list (active and scheduled, or all), ending one, and the form that adds one —
// also opened from an alert with its cluster, rule and subject filled in.

import { api, type AlertRule, type AlertRules, type ClusterRecord, type Silence } from '../api';
import { h } from '../dom';
import { ago, dateTime, duration } from '../format';
import { t } from '../i18n';
import { withQuery } from '../route';
import { errorBox, loading, note, sortableTable, type Col } from '../widgets';
import { ruleName, takeFlash, type AlertsCtx } from './alertkit';

const DURATIONS = [1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400];

export interface SilenceFormOpts {
  clusters: ClusterRecord[];
  rules: AlertRule[];
  prefill?: { cluster_id?: number | null; rule_id?: string | null; subject?: string | null };
  onDone(s: Silence): void | Promise<void>;
  onCancel?: () => void;
}

/** Cluster, rule and subject to match (empty: any), how long, and why. */
export function silenceForm(o: SilenceFormOpts): HTMLFormElement {
  const p = o.prefill ?? {};
  const out = h('div', { class: 'form-out' });
  const form = h(
    'form',
    { class: 'form silence-form', autocomplete: 'off' },
    h(
      'label',
      { class: 'field' },
      h('span', null, t('fleet.cluster')),
      h('select', { name: 'cluster_id' }, h('option', { value: '' }, t('alerts.anycluster')), o.clusters.map((c) => h('option', { value: c.id, selected: c.id === p.cluster_id }, c.name))),
    ),
    h(
      'label',
      { class: 'field' },
      h('span', null, t('alerts.rule')),
      h('select', { name: 'rule_id' }, h('option', { value: '' }, t('silences.anyrule')), o.rules.map((r) => h('option', { value: r.id, selected: r.id === p.rule_id }, r.name))),
    ),
    h('label', { class: 'field' }, h('span', null, t('alerts.subject')), h('input', { name: 'subject', type: 'text', value: p.subject ?? '', placeholder: t('silences.anysubject') })),
    h(
      'label',
      { class: 'field' },
      h('span', null, t('silences.duration')),
      h('select', { name: 'duration' }, DURATIONS.map((d) => h('option', { value: d, selected: d === 2 * 3600 }, duration(d)))),
    ),
    h('label', { class: 'field wide' }, h('span', null, t('silences.comment')), h('input', { name: 'comment', type: 'text', required: true, placeholder: t('silences.comment.hint') })),
    h(
      'div',
      { class: 'actions' },
      h('button', { class: 'btn primary', type: 'submit', 'data-action': 'create-silence' }, t('silences.create')),
      o.onCancel ? h('button', { class: 'btn', type: 'button', onclick: o.onCancel }, t('common.cancel')) : null,
    ),
    out,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const str = (k: string) => String(fd.get(k) ?? '').trim();
    const body: Record<string, unknown> = { duration_secs: Number(fd.get('duration')), comment: str('comment') };
    if (str('cluster_id')) body.cluster_id = Number(str('cluster_id'));
    if (str('rule_id')) body.rule_id = str('rule_id');
    if (str('subject')) body.subject = str('subject');
    out.replaceChildren(loading());
    try {
      const s = await api<Silence>('/api/v1/silences', { method: 'POST', body });
      out.replaceChildren();
      await o.onDone(s);
    } catch (err) {
      out.replaceChildren(errorBox((err as Error).message));
    }
  });
  return form;
}

type SilenceState = 'active' | 'scheduled' | 'expired';

function stateOf(s: Silence, now: number): SilenceState {
  if (s.ends_at <= now) return 'expired';
  return s.starts_at > now ? 'scheduled' : 'active';
}

export async function silencesTab(a: AlertsCtx): Promise<void> {
  const { ctx } = a;
  const all = ctx.query.get('expired') === '1';
  const flash = h('div', { class: 'flash' });
  const list = h('section', { class: 'card', id: 'silence-list' }, loading());
  const formBox = h('section', { class: 'card', id: 'silence-add' });
  a.body.append(flash, list, formBox);
  const [{ silences }, { rules }] = await Promise.all([
    api<{ silences: Silence[] }>(`/api/v1/silences${all ? '?all=true' : ''}`, { signal: ctx.signal }),
    api<AlertRules>('/api/v1/alert-rules', { signal: ctx.signal }),
  ]);
  // With a cluster chosen, the silences that can match its alerts.
  const shown = silences.filter((s) => a.cluster === null || s.cluster_id === null || s.cluster_id === a.cluster);
  const now = Date.now();
  const end = async (s: Silence) => {
    try {
      await api(`/api/v1/silences/${s.id}`, { method: 'DELETE' });
      sessionStorage.setItem('starmon.flash', t('silences.ended'));
      ctx.rerender();
    } catch (e) {
      flash.replaceChildren(errorBox((e as Error).message));
    }
  };
  const cols: Col<Silence>[] = [
    {
      key: 'state',
      label: t('alerts.state'),
      value: (s) => ['active', 'scheduled', 'expired'].indexOf(stateOf(s, now)),
      cell: (s) => h('span', { class: `badge silence-${stateOf(s, now)}` }, t(`silences.state.${stateOf(s, now)}`)),
    },
    { key: 'cluster', label: t('fleet.cluster'), value: (s) => a.clusterName(s.cluster_id), cell: (s) => a.clusterName(s.cluster_id) },
    { key: 'rule', label: t('alerts.rule'), value: (s) => s.rule_id, cell: (s) => (s.rule_id ? ruleName(rules, s.rule_id) : h('span', { class: 'sub' }, t('silences.anyrule'))) },
    { key: 'subject', label: t('alerts.subject'), value: (s) => s.subject, cell: (s) => (s.subject ? h('code', null, s.subject) : h('span', { class: 'sub' }, t('silences.anysubject'))) },
    { key: 'starts', label: t('silences.starts'), value: (s) => s.starts_at, cell: (s) => dateTime(s.starts_at) },
    { key: 'ends', label: t('silences.ends'), value: (s) => s.ends_at, cell: (s) => [dateTime(s.ends_at), h('div', { class: 'sub' }, ago(s.ends_at, now))] },
    { key: 'comment', label: t('silences.comment'), cell: (s) => s.comment },
    { key: 'by', label: t('silences.by'), value: (s) => s.created_by, cell: (s) => [s.created_by ?? '', h('div', { class: 'sub' }, dateTime(s.created_at))] },
    {
      key: 'actions',
      label: '',
      cell: (s) => (stateOf(s, now) === 'expired' ? null : h('button', { class: 'btn small', 'data-action': 'end', title: t('silences.end.title'), onclick: () => end(s) }, t('silences.end'))),
    },
  ];
  const toggle = h(
    'label',
    { class: 'check' },
    h('input', { type: 'checkbox', id: 'silences-all', checked: all, onchange: (e: Event) => (location.hash = withQuery({ expired: (e.target as HTMLInputElement).checked ? '1' : null })) }),
    ' ',
    t('silences.showexpired'),
  );
  takeFlash(flash);
  list.replaceChildren(
    h('div', { class: 'card-head' }, h('h3', null, t('alerts.tab.silences'), h('span', { class: 'count' }, ` (${shown.length})`)), toggle),
    shown.length
      ? sortableTable(cols, shown, { id: 'silences-table', sort: 'ends', rowAttrs: (s) => ({ 'data-silence': String(s.id), 'data-state': stateOf(s, now), 'data-rule': s.rule_id ?? '' }) })
      : note(t('silences.none')),
  );
  formBox.append(
    h('h3', null, t('silences.add')),
    silenceForm({
      clusters: a.clusters,
      rules,
      prefill: { cluster_id: a.cluster },
      onDone: () => {
        sessionStorage.setItem('starmon.flash', t('silences.created'));
        ctx.rerender();
      },
    }),
  );
  a.loaded();
}
