// Clusters management: list, add (with a connection test), edit, test and remove.

import { api, type ClusterRecord, type ConnectionCheck } from '../api';
import { h } from '../dom';
import { dateTime } from '../format';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { href, navigate } from '../route';
import { errorBox, loading, note, sortableTable } from '../widgets';

function checkResult(c: ConnectionCheck): HTMLElement {
  if (c.login_error) return h('div', { class: 'error', role: 'alert', 'data-test': 'fail' }, t('manage.test.fail', c.login_error));
  if (c.ok) return h('div', { class: 'ok', 'data-test': 'ok' }, t('manage.test.ok', c.version ?? '?', c.nodes.length));
  return h('div', { class: 'note warn', 'data-test': 'partial' }, t('manage.test.partial', c.version ?? '?'), h('ul', null, c.errors.map((e) => h('li', null, `${e.source}: ${e.error}`))));
}

export async function managePage(ctx: Ctx): Promise<void> {
  document.title = `${t('manage.title')} · starmon`;
  const editId = ctx.query.get('edit');
  const list = h('section', { class: 'card', id: 'cluster-list' }, loading());
  const formBox = h('section', { class: 'card', id: 'cluster-form' });
  const flash = h('div', { class: 'flash' });
  ctx.root.append(h('div', { class: 'page-head' }, h('h1', null, t('manage.title'))), flash, list, formBox);

  const { clusters } = await api<{ clusters: ClusterRecord[] }>('/api/v1/clusters', { signal: ctx.signal });
  const editing = editId ? (clusters.find((c) => String(c.id) === editId) ?? null) : null;

  const testRow = async (c: ClusterRecord, out: HTMLElement) => {
    out.replaceChildren(loading());
    try {
      out.replaceChildren(checkResult(await api<ConnectionCheck>(`/api/v1/clusters/${c.id}/test`, { method: 'POST' })));
    } catch (e) {
      out.replaceChildren(errorBox((e as Error).message));
    }
  };

  list.replaceChildren(h('h3', null, t('manage.title')));
  if (!clusters.length) list.append(note(t('manage.none')));
  else
    list.append(
      sortableTable(
        [
          { key: 'name', label: t('manage.name'), value: (c) => c.name, cell: (c) => h('a', { href: href(`/clusters/${c.id}`) }, c.name) },
          { key: 'host', label: t('manage.host'), value: (c) => c.fe_host, cell: (c) => `${c.fe_host}:${c.fe_query_port} (http ${c.fe_http_port})` },
          { key: 'user', label: t('manage.user'), value: (c) => c.user, cell: (c) => c.user },
          { key: 'created', label: t('manage.created'), value: (c) => c.created_at, cell: (c) => dateTime(c.created_at) },
          {
            key: 'actions',
            label: '',
            cell: (c) => {
              const out = h('div', { class: 'test-out' });
              return h(
                'div',
                { class: 'actions' },
                h('button', { class: 'btn small', 'data-action': 'test', onclick: () => testRow(c, out) }, t('common.test')),
                h('a', { class: 'btn small', 'data-action': 'edit', href: href('/manage', { edit: c.id }) }, t('common.edit')),
                h(
                  'button',
                  {
                    class: 'btn small danger',
                    'data-action': 'remove',
                    onclick: async () => {
                      if (!confirm(t('manage.confirm', c.name))) return;
                      try {
                        await api(`/api/v1/clusters/${c.id}`, { method: 'DELETE' });
                        sessionStorage.setItem('starmon.flash', t('manage.removed'));
                        ctx.rerender();
                      } catch (e) {
                        out.replaceChildren(errorBox((e as Error).message));
                      }
                    },
                  },
                  t('common.remove'),
                ),
                out,
              );
            },
          },
        ],
        clusters,
        { id: 'clusters-table', sort: 'name', rowAttrs: (c) => ({ 'data-cluster': String(c.id) }) },
      ),
    );

  const msg = sessionStorage.getItem('starmon.flash');
  if (msg) {
    sessionStorage.removeItem('starmon.flash');
    flash.append(h('div', { class: 'ok' }, msg));
  }

  // The form: add, or edit the cluster in ?edit=.
  const field = (name: string, label: string, type: string, value: string | number, extra: Record<string, string | boolean> = {}) =>
    h('label', { class: 'field' }, h('span', null, label), h('input', { name, type, value, ...extra }));
  const form = h(
    'form',
    { class: 'form', id: 'cluster-edit', autocomplete: 'off' },
    field('name', t('manage.name'), 'text', editing?.name ?? '', { required: true }),
    field('fe_host', t('manage.host'), 'text', editing?.fe_host ?? '', { required: true }),
    field('fe_query_port', t('manage.qport'), 'number', editing?.fe_query_port ?? 9030, { required: true, min: '1', max: '65535' }),
    field('fe_http_port', t('manage.hport'), 'number', editing?.fe_http_port ?? 8030, { required: true, min: '1', max: '65535' }),
    field('user', t('manage.user'), 'text', editing?.user ?? 'root', { required: true }),
    field('password', t('manage.password'), 'password', '', editing ? { placeholder: t('manage.password.keep'), autocomplete: 'new-password' } : { autocomplete: 'new-password' }),
    editing ? null : h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'skiptest' }), ' ', t('manage.skiptest')),
  );
  const out = h('div', { class: 'form-out', id: 'form-out' });
  const values = () => {
    const fd = new FormData(form);
    return {
      name: String(fd.get('name') ?? '').trim(),
      fe_host: String(fd.get('fe_host') ?? '').trim(),
      fe_query_port: Number(fd.get('fe_query_port')),
      fe_http_port: Number(fd.get('fe_http_port')),
      user: String(fd.get('user') ?? '').trim(),
      password: String(fd.get('password') ?? ''),
      skiptest: fd.get('skiptest') === 'on',
    };
  };
  const testBtn = h(
    'button',
    {
      class: 'btn',
      type: 'button',
      id: 'form-test',
      onclick: async () => {
        const v = values();
        out.replaceChildren(loading());
        try {
          const res =
            editing && !v.password
              ? await api<ConnectionCheck>(`/api/v1/clusters/${editing.id}/test`, { method: 'POST' })
              : await api<ConnectionCheck>('/api/v1/clusters/test', { method: 'POST', body: { name: v.name || 'test', fe_host: v.fe_host, fe_query_port: v.fe_query_port, fe_http_port: v.fe_http_port, user: v.user, password: v.password } });
          out.replaceChildren(checkResult(res));
        } catch (e) {
          out.replaceChildren(errorBox((e as Error).message));
        }
      },
    },
    t('common.test'),
  );
  form.append(
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit', id: 'form-save' }, t('common.save')), testBtn, editing ? h('a', { class: 'btn', href: href('/manage') }, t('common.cancel')) : null),
    out,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values();
    out.replaceChildren(loading());
    try {
      if (editing) {
        const patch: Record<string, unknown> = {};
        for (const k of ['name', 'fe_host', 'fe_query_port', 'fe_http_port', 'user'] as const) if (v[k] !== editing[k]) patch[k] = v[k];
        if (v.password) patch.password = v.password;
        await api(`/api/v1/clusters/${editing.id}`, { method: 'PATCH', body: patch });
      } else {
        await api('/api/v1/clusters', { method: 'POST', body: { name: v.name, fe_host: v.fe_host, fe_query_port: v.fe_query_port, fe_http_port: v.fe_http_port, user: v.user, password: v.password, test: !v.skiptest } });
      }
      sessionStorage.setItem('starmon.flash', t('manage.saved'));
      if (editing) navigate('/manage');
      else ctx.rerender();
    } catch (err) {
      out.replaceChildren(errorBox((err as Error).message));
    }
  });
  formBox.append(h('h3', null, editing ? t('manage.edit', editing.name) : t('manage.add')), form);
  ctx.root.dataset.ready = 'true';
}
