// What runs on a cluster right now, asked live (cached a few seconds by the server): running
// queries, loads, transactions, schema changes, routine loads and materialized views.

import { api, type Overview, type RunningQuery } from '../api';
import { h } from '../dom';
import { dateTime, DASH, int, num } from '../format';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { refreshSecs } from '../range';
import { errorBox, listTable, loading, note, type Col } from '../widgets';
import { clusterHead } from './head';

type Row = Record<string, unknown>;
const s = (k: string) => (r: Row) => (r[k] == null ? null : String(r[k]));
const cell = (k: string) => (r: Row) => (r[k] == null ? DASH : String(r[k]));
const stateCell = (k: string) => (r: Row) => {
  const v = r[k] == null ? null : String(r[k]);
  const cls = !v ? '' : /CANCEL|FAIL|PAUSE|UNSTABLE|ERROR/i.test(v) ? 'bad-state' : /^(RUNNING|FINISHED|SUCCESS)$/i.test(v) ? 'good-state' : '';
  return v ? h('span', { class: 'badge state ' + cls }, v) : DASH;
};
const textCol = (key: string, label: string): Col<Row> => ({ key, label, value: s(key), cell: cell(key) });

export async function queriesPage(ctx: Ctx): Promise<void> {
  const id = ctx.params[0];
  const body = h('div', { id: 'queries' }, loading());
  const load = async () => {
    try {
      const o = await api<Overview>(`/api/v1/clusters/${id}/overview`, { signal: ctx.signal });
      render(o);
      ctx.root.dataset.ready = 'true';
      ctx.root.dataset.loads = String((Number(ctx.root.dataset.loads) || 0) + 1);
    } catch (e) {
      if (!ctx.signal.aborted) body.replaceChildren(errorBox((e as Error).message));
    }
  };
  ctx.root.append(clusterHead(ctx, id, 'queries', null), h('div', { class: 'rangebar' }, h('button', { class: 'btn', onclick: load }, '⟳ ', t('refresh.now'))), body);

  function render(o: Overview): void {
    body.replaceChildren();
    if (o.stale) body.append(errorBox(t('common.stale', o.error ?? '')));
    body.append(h('p', { class: 'sub' }, t('queries.fetched', dateTime(o.fetched_at)), o.version ? ` · ${t('cluster.version')} ${o.version}` : ''));
    if (o.errors?.length) body.append(note(o.errors.map((e) => `${e.source}: ${e.error}`).join('\n'), 'note warn pre'));
    if (o.truncated) body.append(note(t('queries.truncated'), 'note warn'));
    const rq: Col<RunningQuery>[] = [
      { key: 'fe', label: t('queries.fe'), value: (q) => q.fe, cell: (q) => q.fe },
      { key: 'conn', label: t('queries.conn'), value: (q) => q.connection_id, cell: (q) => int(q.connection_id), cls: 'num' },
      { key: 'user', label: t('queries.user'), value: (q) => q.user, cell: (q) => q.user ?? DASH },
      { key: 'client', label: t('queries.client'), value: (q) => q.client, cell: (q) => q.client ?? DASH },
      { key: 'db', label: t('queries.db'), value: (q) => q.db, cell: (q) => q.db ?? DASH },
      { key: 'seconds', label: t('queries.seconds'), value: (q) => q.seconds, cell: (q) => h('span', { class: (q.seconds ?? 0) > 60 ? 'bad' : null }, int(q.seconds)), cls: 'num' },
      { key: 'sql', label: t('queries.sql'), cell: (q) => h('code', { class: 'sql', title: q.sql ?? '' }, q.sql ?? DASH) },
    ];
    body.append(listTable(t('queries.running'), 'running-queries', o.running_queries, rq));
    body.append(
      listTable(t('queries.loads'), 'loads', o.loads, [
        textCol('db', t('queries.db')),
        textCol('label', t('queries.label')),
        textCol('type', t('queries.type')),
        { key: 'state', label: t('queries.state'), value: s('state'), cell: stateCell('state') },
        textCol('progress', t('queries.progress')),
        textCol('create_time', t('queries.created')),
        textCol('error', t('queries.error')),
      ]),
    );
    body.append(
      listTable(t('queries.txns'), 'transactions', o.transactions as Row[] | null, [
        textCol('db', t('queries.db')),
        { key: 'running', label: t('queries.txrunning'), value: (r) => (r.running as number) ?? null, cell: (r) => int(r.running as number), cls: 'num' },
        { key: 'finished', label: t('queries.txfinished'), value: (r) => (r.finished as number) ?? null, cell: (r) => int(r.finished as number), cls: 'num' },
      ]),
    );
    body.append(
      listTable(t('queries.schema'), 'schema-changes', o.schema_changes, [
        textCol('db', t('queries.db')),
        textCol('job_id', t('queries.job')),
        textCol('table', t('queries.table')),
        { key: 'state', label: t('queries.state'), value: s('state'), cell: stateCell('state') },
        textCol('progress', t('queries.progress')),
        textCol('create_time', t('queries.created')),
        textCol('message', t('queries.message')),
      ]),
    );
    body.append(
      listTable(t('queries.routine'), 'routine-loads', o.routine_loads, [
        textCol('db', t('queries.db')),
        textCol('name', t('queries.name')),
        textCol('table', t('queries.table')),
        { key: 'state', label: t('queries.state'), value: s('state'), cell: stateCell('state') },
        textCol('reason', t('queries.reason')),
      ]),
    );
    body.append(
      listTable(t('queries.mvs'), 'materialized-views', o.materialized_views, [
        textCol('db', t('queries.db')),
        textCol('name', t('queries.name')),
        textCol('refresh_type', t('queries.refresh')),
        { key: 'active', label: t('queries.active'), value: (r) => String(r.is_active), cell: (r) => (r.is_active == null ? DASH : r.is_active ? t('common.yes') : h('span', { class: 'bad', title: String(r.inactive_reason ?? '') }, t('common.no'))) },
        { key: 'last', label: t('queries.lastrefresh'), value: s('last_refresh_state'), cell: (r) => [stateCell('last_refresh_state')(r), ' ', r.last_refresh_start_time == null ? '' : String(r.last_refresh_start_time)] },
        { key: 'dur', label: t('queries.duration'), value: (r) => (r.last_refresh_duration_secs as number) ?? null, cell: (r) => num(r.last_refresh_duration_secs as number), cls: 'num' },
        textCol('last_refresh_error', t('queries.error')),
      ]),
    );
  }

  ctx.every(refreshSecs(), load);
  await load();
}
