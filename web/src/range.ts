// The time range of the charts (1 h … 30 d or a custom from/to) and the auto-refresh period, kept
// in the hash query (`?range=7d`, `?range=custom&from=…&to=…`, `?refresh=30`) so a link shows the
// same thing. The picker itself is a small bar of buttons.

import { h } from './dom';
import { t, type Key } from './i18n';
import { current, withQuery } from './route';

export const PRESETS = { '1h': 3600e3, '6h': 6 * 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 } as const;
export type Preset = keyof typeof PRESETS;
export const REFRESH_CHOICES = [0, 10, 30, 60, 300];
const DEFAULT_REFRESH = 30;

export interface Range {
  key: Preset | 'custom';
  from: number;
  to: number;
}

/** The range in the current URL, resolved at `now` for the relative presets; `def` when the URL
 * names none. */
export function range(now = Date.now(), def: Preset = '1h'): Range {
  const q = current().query;
  const key = q.get('range') ?? def;
  if (key === 'custom') {
    const from = Number(q.get('from'));
    const to = Number(q.get('to'));
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { key: 'custom', from, to };
  }
  const preset = (key in PRESETS ? key : def) as Preset;
  return { key: preset, from: now - PRESETS[preset], to: now };
}

/** Seconds between refreshes (0: off). Custom ranges are fixed, so they do not refresh. */
export function refreshSecs(): number {
  const q = current().query;
  const v = q.get('refresh');
  if (v !== null && REFRESH_CHOICES.includes(Number(v))) return Number(v);
  return DEFAULT_REFRESH;
}

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function fromLocalInput(v: string): number {
  return new Date(v).getTime();
}

/** The picker: preset buttons, a custom from/to form, the refresh period and a refresh button. */
export function rangeBar(onRefresh: () => void, def: Preset = '1h'): HTMLElement {
  const r = range(Date.now(), def);
  const buttons = (Object.keys(PRESETS) as Preset[]).map((k) =>
    h('a', { class: 'btn seg' + (r.key === k ? ' active' : ''), href: withQuery({ range: k, from: null, to: null }), 'data-range': k }, t(('range.' + k) as Key)),
  );
  const fromIn = h('input', { type: 'datetime-local', value: toLocalInput(r.from), 'aria-label': t('range.from') });
  const toIn = h('input', { type: 'datetime-local', value: toLocalInput(r.to), 'aria-label': t('range.to') });
  const custom = h(
    'form',
    {
      class: 'custom-range',
      hidden: r.key !== 'custom',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const from = fromLocalInput(fromIn.value);
        const to = fromLocalInput(toIn.value);
        if (Number.isFinite(from) && Number.isFinite(to) && from < to) location.hash = withQuery({ range: 'custom', from, to });
      },
    },
    h('label', null, t('range.from'), ' ', fromIn),
    h('label', null, t('range.to'), ' ', toIn),
    h('button', { class: 'btn', type: 'submit' }, t('range.apply')),
  );
  const customBtn = h(
    'button',
    { class: 'btn seg' + (r.key === 'custom' ? ' active' : ''), type: 'button', 'data-range': 'custom', onclick: () => (custom.hidden = !custom.hidden) },
    t('range.custom'),
  );
  const refresh = h(
    'select',
    {
      'aria-label': t('refresh.label'),
      class: 'refresh-select',
      onchange: (e: Event) => (location.hash = withQuery({ refresh: (e.target as HTMLSelectElement).value })),
    },
    REFRESH_CHOICES.map((s) => h('option', { value: s, selected: s === refreshSecs() }, s === 0 ? t('refresh.off') : s < 60 ? `${s} s` : `${s / 60} min`)),
  );
  return h(
    'div',
    { class: 'rangebar' },
    h('div', { class: 'segmented', role: 'group' }, buttons, customBtn),
    h('label', { class: 'refresh' }, t('refresh.label'), ' ', refresh),
    h('button', { class: 'btn', type: 'button', onclick: onRefresh, title: t('refresh.now') }, '⟳'),
    custom,
  );
}
