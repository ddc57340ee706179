// Small building blocks shared by the pages: badges, error boxes, sortable tables, KPI cards.

import type { FleetCluster, Health, Outcome, Problem, Severity } from './api';
import { clear, h, type Child } from './dom';
import { change, DASH, isNum, pct } from './format';
import { t, type Key } from './i18n';
import { href } from './route';

export function errorBox(msg: string): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, msg);
}

export function note(msg: string, cls = 'note'): HTMLElement {
  return h('div', { class: cls }, msg);
}

export function loading(): HTMLElement {
  return h('div', { class: 'loading' }, t('common.loading'));
}

/** Why a cluster is not healthy, in sentences: each node down and each data path past a limit
 * by name, then the other reasons (a node problem already said by name is not said again as a
 * count). */
export function reasonSentences(c: FleetCluster): string[] {
  const node = (p: Problem) => `${(p.kind ?? '').toUpperCase() || t('problem.node')} ${p.node_id}`;
  const named = c.problems.map((p) =>
    p.code === 'node_down' ? t('problem.node_down', node(p), p.host) : t(`problem.${p.code}`, p.path ?? '', node(p), pct(p.used_pct, 0)),
  );
  const saidByName = new Set<string>();
  for (const p of c.problems) {
    if (p.code === 'node_down') saidByName.add(`${p.kind}_dead`);
    else saidByName.add(p.code === 'disk_path_over_95' ? 'disk_over_95' : 'disk_over_90');
  }
  const rest = c.reasons.filter((r) => !saidByName.has(r)).map((r) => t(`reason.${r}` as Key));
  return [...named, ...rest];
}

export function healthBadge(health: Health | null | undefined, reasons: string[] = []): HTMLElement {
  const hv = health ?? 'unknown';
  return h('span', { class: `badge health-${hv}`, title: reasons.join('\n') || null, 'data-health': hv }, t(`health.${hv}`));
}

export function outcomeBadge(o: Outcome | null | undefined): HTMLElement | string {
  if (!o) return DASH;
  return h('span', { class: `badge outcome-${o}` }, t(`outcome.${o}`));
}

export function aliveBadge(alive: boolean | null): HTMLElement {
  if (alive === false) return h('span', { class: 'badge dead' }, t('nodes.dead'));
  if (alive === true) return h('span', { class: 'badge alive' }, t('nodes.up'));
  return h('span', { class: 'badge unknown' }, t('nodes.unknown'));
}

/** "2/3", red when fewer are alive than exist. */
export function aliveOf(alive: number | null, total: number | null): HTMLElement | string {
  if (!isNum(total) || total === 0) return DASH;
  const bad = isNum(alive) && alive < total;
  return h('span', { class: bad ? 'bad' : 'good' }, `${isNum(alive) ? alive : DASH}/${total}`);
}

/** A usage bar with its number. */
export function usageBar(pct: number | null, label?: string): HTMLElement | string {
  if (!isNum(pct)) return DASH;
  const level = pct >= 90 ? 'lvl-crit' : pct >= 80 ? 'lvl-warn' : 'lvl-ok';
  return h(
    'span',
    { class: 'usage' },
    h('span', { class: 'usage-bar' }, h('span', { class: `usage-fill ${level}`, style: `width:${Math.min(100, Math.max(0, pct))}%` })),
    h('span', { class: 'usage-num' }, label ?? `${pct.toFixed(1)} %`),
  );
}

/** A change in percent with an arrow; `upIsBad` colours a rise red (latency, errors). */
export function changeTag(v: number | null | undefined, upIsBad: boolean | null, label: string): HTMLElement {
  if (!isNum(v)) return h('span', { class: 'chg flat', title: label }, label + ' ' + DASH);
  const arrow = v > 0.05 ? '▲' : v < -0.05 ? '▼' : '■';
  let cls = 'flat';
  if (upIsBad !== null && Math.abs(v) > 0.05) cls = (v > 0) === upIsBad ? 'worse' : 'better';
  return h('span', { class: `chg ${cls}`, title: label }, `${label} ${arrow} ${change(v)}`);
}

export interface Col<T> {
  key: string;
  label: string;
  /** The sort value (null sorts last). */
  value?: (row: T) => number | string | null;
  cell: (row: T) => Child;
  cls?: string;
}

/** A table sortable by clicking a column header (click again to reverse). */
export function sortableTable<T>(
  cols: Col<T>[],
  rows: T[],
  opts: { id?: string; rowAttrs?: (row: T) => Record<string, string | null>; onRow?: (row: T, e: Event) => void; sort?: string; desc?: boolean } = {},
): HTMLElement {
  let sortKey = opts.sort ?? null;
  let desc = opts.desc ?? false;
  const thead = h('thead');
  const tbody = h('tbody');
  const draw = () => {
    clear(thead);
    clear(tbody);
    thead.append(
      h(
        'tr',
        null,
        cols.map((c) =>
          h(
            'th',
            {
              class: (c.cls ?? '') + (c.value ? ' sortable' : '') + (sortKey === c.key ? (desc ? ' desc' : ' asc') : ''),
              'data-key': c.key,
              'aria-sort': sortKey === c.key ? (desc ? 'descending' : 'ascending') : null,
              onclick: c.value
                ? () => {
                    if (sortKey === c.key) desc = !desc;
                    else {
                      sortKey = c.key;
                      desc = false;
                    }
                    draw();
                  }
                : null,
            },
            c.label,
          ),
        ),
      ),
    );
    const col = cols.find((c) => c.key === sortKey);
    const sorted = [...rows];
    if (col?.value) {
      const f = col.value;
      sorted.sort((a, b) => {
        const x = f(a);
        const y = f(b);
        if (x === null && y === null) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
        return desc ? -r : r;
      });
    }
    for (const row of sorted) {
      const attrs = opts.rowAttrs?.(row) ?? {};
      tbody.append(
        h(
          'tr',
          { ...attrs, class: (attrs.class ?? '') + (opts.onRow ? ' clickable' : ''), onclick: opts.onRow ? (e: Event) => opts.onRow!(row, e) : null },
          cols.map((c) => h('td', { class: c.cls ?? null }, c.cell(row))),
        ),
      );
    }
  };
  draw();
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: opts.id ?? null }, thead, tbody));
}

/** A simple table for lists that may be null (not available) or empty. */
export function listTable<T>(title: string, id: string, rows: T[] | null, cols: Col<T>[]): HTMLElement {
  const body = rows === null ? note(t('common.unavailable')) : rows.length === 0 ? note(t('common.none')) : sortableTable(cols, rows, { id: id + '-table' });
  return h('section', { class: 'card', id }, h('h3', null, title, rows ? h('span', { class: 'count' }, ` (${rows.length})`) : null), body);
}

export function severityBadge(s: Severity): HTMLElement {
  return h('span', { class: `badge sev-${s}`, 'data-severity': s }, t(`sev.${s}`));
}

/** The number of firing alerts as a badge (red when any) linking to the alerts page of one
 * cluster, or of all; a dash when the count is not known. */
export function alertsBadge(count: number | null | undefined, clusterId: number | null, id?: string): HTMLElement {
  const link = href('/alerts', clusterId === null ? undefined : { cluster: clusterId });
  if (count == null) return h('a', { class: 'badge alerts-none', href: link, id: id ?? null, title: t('alerts.count.unknown'), 'data-alerts': '' }, DASH);
  return h(
    'a',
    { class: 'badge ' + (count > 0 ? 'alerts-firing' : 'alerts-zero'), href: link, id: id ?? null, title: t('alerts.count.title', count), 'data-alerts': String(count) },
    String(count),
  );
}
