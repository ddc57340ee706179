// Alert rules: every rule with its settings editable in place (built-in rules: enabled,
// threshold, for, severity; user rules also their name, and they can be deleted), and a form for a
// new user rule — a threshold on a stored cluster or node metric.

import { api, type AlertRule, type AlertRules, type Op, type Severity } from '../api';
import { h } from '../dom';
import { duration } from '../format';
import { t } from '../i18n';
import { errorBox, loading, sortableTable, type Col } from '../widgets';
import { OP_SIGN, takeFlash, type AlertsCtx } from './alertkit';

const SEVERITIES: Severity[] = ['critical', 'warning', 'info'];
const OPS: Op[] = ['>', '>=', '<', '<='];
const MAX_FOR = 7 * 86400;

function severitySelect(name: string, value: Severity): HTMLSelectElement {
  return h('select', { name, 'aria-label': t('alerts.severity') }, SEVERITIES.map((s) => h('option', { value: s, selected: s === value }, t(`sev.${s}`))));
}

/** One rule's row: its inputs, and a save that sends only what changed. */
function editors(r: AlertRule, onDeleted: () => void) {
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: r.enabled, 'aria-label': t('rules.enabled') });
  const name = r.builtin ? null : h('input', { type: 'text', name: 'name', value: r.name, 'aria-label': t('rules.name'), class: 'rule-name' });
  const threshold = h('input', { type: 'number', name: 'threshold', step: 'any', value: r.threshold, required: true, class: 'num-in', 'aria-label': t('rules.threshold') });
  const forSecs = h('input', { type: 'number', name: 'for_secs', min: 0, max: MAX_FOR, step: 1, value: r.for_secs, class: 'num-in', 'aria-label': t('rules.for') });
  const forHint = h('span', { class: 'sub' }, r.for_secs ? duration(r.for_secs) : t('rules.for.now'));
  forSecs.addEventListener('input', () => (forHint.textContent = Number(forSecs.value) ? duration(Number(forSecs.value)) : t('rules.for.now')));
  const severity = severitySelect('severity', r.severity);
  const out = h('div', { class: 'test-out' });
  const save = async () => {
    const patch: Record<string, unknown> = {};
    if (enabled.checked !== r.enabled) patch.enabled = enabled.checked;
    const th = Number(threshold.value);
    if (threshold.value.trim() === '' || !Number.isFinite(th)) {
      out.replaceChildren(errorBox(t('rules.badnumber', t('rules.threshold'))));
      return;
    }
    if (th !== r.threshold) patch.threshold = th;
    const f = Number(forSecs.value);
    if (!Number.isInteger(f) || f < 0) {
      out.replaceChildren(errorBox(t('rules.badnumber', t('rules.for'))));
      return;
    }
    if (f !== r.for_secs) patch.for_secs = f;
    if (severity.value !== r.severity) patch.severity = severity.value;
    if (name && name.value.trim() !== r.name) patch.name = name.value.trim();
    if (!Object.keys(patch).length) {
      out.replaceChildren(h('div', { class: 'note' }, t('rules.nochange')));
      return;
    }
    try {
      const updated = await api<AlertRule>(`/api/v1/alert-rules/${encodeURIComponent(r.id)}`, { method: 'PATCH', body: patch });
      Object.assign(r, updated);
      out.replaceChildren(h('div', { class: 'ok', 'data-saved': 'true' }, t('manage.saved')));
    } catch (e) {
      out.replaceChildren(errorBox((e as Error).message));
    }
  };
  const remove = async () => {
    if (!confirm(t('rules.confirm', r.name))) return;
    try {
      await api(`/api/v1/alert-rules/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
      onDeleted();
    } catch (e) {
      out.replaceChildren(errorBox((e as Error).message));
    }
  };
  return { enabled, name, threshold, forSecs, forHint, severity, out, save, remove };
}

export async function rulesTab(a: AlertsCtx): Promise<void> {
  const { ctx } = a;
  const flash = h('div', { class: 'flash' });
  const list = h('section', { class: 'card', id: 'rule-list' }, loading());
  const formBox = h('section', { class: 'card', id: 'rule-add' });
  a.body.append(flash, list, formBox);
  takeFlash(flash);
  const { rules, metrics } = await api<AlertRules>('/api/v1/alert-rules', { signal: ctx.signal });
  const deleted = () => {
    sessionStorage.setItem('starmon.flash', t('manage.removed'));
    ctx.rerender();
  };
  const rows = rules.map((r) => ({ r, e: editors(r, deleted) }));
  type Row = (typeof rows)[number];
  // No sortable columns: re-sorting would redraw the inputs and lose what was typed.
  const cols: Col<Row>[] = [
    { key: 'enabled', label: t('rules.enabled'), cell: ({ e }) => e.enabled },
    {
      key: 'name',
      label: t('rules.name'),
      cell: ({ r, e }) => [
        e.name ?? h('strong', null, r.name),
        ' ',
        h('span', { class: 'badge rule-kind' }, r.builtin ? t('rules.builtin') : t('rules.user')),
        h('div', { class: 'sub' }, r.description),
      ],
    },
    {
      key: 'what',
      label: t('rules.applies'),
      cell: ({ r }) =>
        r.builtin
          ? [h('code', null, r.id), h('div', { class: 'sub' }, t('alerts.allclusters'))]
          : [h('code', null, `${r.metric}`), h('div', { class: 'sub' }, `${t(r.scope === 'node' ? 'rules.scope.node' : 'rules.scope.cluster')} · ${r.cluster_id === null ? t('alerts.allclusters') : a.clusterName(r.cluster_id)}`)],
    },
    { key: 'threshold', label: t('rules.condition'), cell: ({ r, e }) => h('span', { class: 'cond' }, h('span', { class: 'op' }, OP_SIGN[r.op]), ' ', e.threshold, r.unit ? h('span', { class: 'sub' }, ' ' + r.unit) : null) },
    { key: 'for', label: t('rules.for'), cell: ({ e }) => h('span', { class: 'cond' }, e.forSecs, ' ', e.forHint) },
    { key: 'severity', label: t('alerts.severity'), cell: ({ e }) => e.severity },
    {
      key: 'actions',
      label: '',
      cell: ({ r, e }) =>
        h(
          'div',
          { class: 'actions' },
          h('button', { class: 'btn small primary', 'data-action': 'save', onclick: e.save }, t('common.save')),
          r.builtin ? null : h('button', { class: 'btn small danger', 'data-action': 'delete', onclick: e.remove }, t('common.remove')),
          e.out,
        ),
    },
  ];
  list.replaceChildren(
    h('h3', null, t('alerts.tab.rules'), h('span', { class: 'count' }, ` (${rules.length})`)),
    h('p', { class: 'sub' }, t('rules.hint')),
    sortableTable(cols, rows, { id: 'rules-table', rowAttrs: ({ r }) => ({ 'data-rule': r.id, 'data-name': r.name, 'data-builtin': String(r.builtin), class: r.enabled ? null : 'disabled-row' }) }),
  );

  // A new user rule.
  const metricSel = h('select', { name: 'metric', required: true });
  const fillMetrics = (scope: 'cluster' | 'node') => metricSel.replaceChildren(...metrics[scope].map((m) => h('option', { value: m }, m)));
  fillMetrics('cluster');
  const scopeSel = h(
    'select',
    { name: 'scope', onchange: (e: Event) => fillMetrics((e.target as HTMLSelectElement).value as 'cluster' | 'node') },
    h('option', { value: 'cluster' }, t('rules.scope.cluster')),
    h('option', { value: 'node' }, t('rules.scope.node')),
  );
  const field = (label: string, el: HTMLElement) => h('label', { class: 'field' }, h('span', null, label), el);
  const out = h('div', { class: 'form-out' });
  const form = h(
    'form',
    { class: 'form', id: 'rule-form', autocomplete: 'off' },
    field(t('rules.name'), h('input', { name: 'name', type: 'text', required: true })),
    field(
      t('fleet.cluster'),
      h('select', { name: 'cluster_id' }, h('option', { value: '' }, t('alerts.allclusters')), a.clusters.map((c) => h('option', { value: c.id, selected: c.id === a.cluster }, c.name))),
    ),
    field(t('rules.scope'), scopeSel),
    field(t('rules.metric'), metricSel),
    field(t('rules.op'), h('select', { name: 'op' }, OPS.map((o) => h('option', { value: o }, OP_SIGN[o])))),
    field(t('rules.threshold'), h('input', { name: 'threshold', type: 'number', step: 'any', required: true })),
    field(t('rules.for.secs'), h('input', { name: 'for_secs', type: 'number', min: 0, max: MAX_FOR, step: 1, value: 300, required: true })),
    field(t('alerts.severity'), severitySelect('severity', 'warning')),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'enabled', checked: true }), ' ', t('rules.enabled')),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit', id: 'rule-save' }, t('rules.add'))),
    out,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const str = (k: string) => String(fd.get(k) ?? '').trim();
    const body: Record<string, unknown> = {
      name: str('name'),
      scope: str('scope'),
      metric: str('metric'),
      op: str('op'),
      threshold: Number(str('threshold')),
      for_secs: Number(str('for_secs')),
      severity: str('severity'),
      enabled: fd.get('enabled') === 'on',
    };
    if (str('cluster_id')) body.cluster_id = Number(str('cluster_id'));
    out.replaceChildren(loading());
    try {
      await api('/api/v1/alert-rules', { method: 'POST', body });
      sessionStorage.setItem('starmon.flash', t('rules.added'));
      ctx.rerender();
    } catch (err) {
      out.replaceChildren(errorBox((err as Error).message));
    }
  });
  formBox.append(h('h3', null, t('rules.add')), h('p', { class: 'sub' }, t('rules.add.hint')), form);
  a.loaded();
}
