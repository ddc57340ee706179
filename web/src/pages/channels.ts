// Notification channels: list, a test notification per channel (the receiver's error is shown),
// add, edit (`?edit=ID`; URL, secret and e-mail settings are write-only: empty keeps them) and
// remove.

import { api, type Channel, type ChannelKind, type ChannelTest, type Severity } from '../api';
import { h } from '../dom';
import { dateTime } from '../format';
import { t, type Key } from '../i18n';
import { href, navigate } from '../route';
import { errorBox, loading, note, severityBadge, sortableTable } from '../widgets';
import { takeFlash, type AlertsCtx } from './alertkit';

const KINDS: ChannelKind[] = ['webhook', 'slack', 'dingtalk', 'feishu', 'wecom', 'email'];
const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
/** The kinds that sign their requests with a secret. */
const SIGNED: ChannelKind[] = ['dingtalk', 'feishu'];

export async function channelsTab(a: AlertsCtx): Promise<void> {
  const { ctx } = a;
  const flash = h('div', { class: 'flash' });
  const list = h('section', { class: 'card', id: 'channel-list' }, loading());
  const formBox = h('section', { class: 'card', id: 'channel-add' });
  a.body.append(flash, list, formBox);
  takeFlash(flash);
  const { channels } = await api<{ channels: Channel[] }>('/api/v1/channels', { signal: ctx.signal });
  const editId = ctx.query.get('edit');
  const editing = editId ? (channels.find((c) => String(c.id) === editId) ?? null) : null;
  const listHref = href('/alerts', { tab: 'channels', cluster: a.cluster });

  const test = async (c: Channel, out: HTMLElement) => {
    out.replaceChildren(loading());
    try {
      const r = await api<ChannelTest>(`/api/v1/channels/${c.id}/test`, { method: 'POST' });
      out.replaceChildren(
        r.ok
          ? h('div', { class: 'ok', 'data-test': 'ok' }, t('channels.test.ok'))
          : h('div', { class: 'error', role: 'alert', 'data-test': 'fail' }, t('channels.test.fail', r.error ?? '?')),
      );
    } catch (e) {
      out.replaceChildren(errorBox((e as Error).message));
    }
  };
  const remove = async (c: Channel, out: HTMLElement) => {
    if (!confirm(t('channels.confirm', c.name))) return;
    try {
      await api(`/api/v1/channels/${c.id}`, { method: 'DELETE' });
      sessionStorage.setItem('starmon.flash', t('manage.removed'));
      ctx.rerender();
    } catch (e) {
      out.replaceChildren(errorBox((e as Error).message));
    }
  };

  list.replaceChildren(
    h('h3', null, t('alerts.tab.channels'), h('span', { class: 'count' }, ` (${channels.length})`)),
    channels.length
      ? sortableTable(
          [
            { key: 'name', label: t('rules.name'), value: (c) => c.name, cell: (c) => h('strong', null, c.name) },
            { key: 'kind', label: t('channels.kind'), value: (c) => c.kind, cell: (c) => t(`channels.kind.${c.kind}` as Key) },
            {
              key: 'url',
              label: t('channels.target'),
              cell: (c) => [h('code', { class: 'url' }, c.kind === 'email' ? t('channels.smtp') : c.url), c.has_secret ? h('div', { class: 'sub' }, t('channels.signed')) : null],
            },
            { key: 'min', label: t('channels.minsev'), value: (c) => SEVERITIES.indexOf(c.min_severity), cell: (c) => severityBadge(c.min_severity) },
            {
              key: 'enabled',
              label: t('rules.enabled'),
              value: (c) => (c.enabled ? 1 : 0),
              cell: (c) => h('span', { class: c.enabled ? 'good' : 'sub' }, c.enabled ? t('common.yes') : t('common.no')),
            },
            { key: 'created', label: t('manage.created'), value: (c) => c.created_at, cell: (c) => dateTime(c.created_at) },
            {
              key: 'actions',
              label: '',
              cell: (c) => {
                const out = h('div', { class: 'test-out' });
                return h(
                  'div',
                  { class: 'actions' },
                  h('button', { class: 'btn small', 'data-action': 'test', title: t('channels.test.title'), onclick: () => test(c, out) }, t('channels.test')),
                  h('a', { class: 'btn small', 'data-action': 'edit', href: href('/alerts', { tab: 'channels', cluster: a.cluster, edit: c.id }) }, t('common.edit')),
                  h('button', { class: 'btn small danger', 'data-action': 'remove', onclick: () => remove(c, out) }, t('common.remove')),
                  out,
                );
              },
            },
          ],
          channels,
          { id: 'channels-table', sort: 'name', rowAttrs: (c) => ({ 'data-channel': String(c.id), 'data-kind': c.kind }) },
        )
      : note(t('channels.none')),
  );

  // Add, or edit the channel in ?edit=.
  const input = (name: string, type: string, value: string | number, extra: Record<string, string | number | boolean> = {}) => h('input', { name, type, value, ...extra });
  const field = (label: string, el: HTMLElement, cls = 'field') => h('label', { class: cls }, h('span', null, label), el);
  const kindSel = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k, selected: k === (editing?.kind ?? 'webhook') }, t(`channels.kind.${k}` as Key))));
  const url = input('url', 'url', '', editing ? { placeholder: t('channels.url.keep', editing.url) } : { placeholder: 'https://…' });
  const urlField = field(t('channels.url'), url, 'field wide');
  const secretField = field(t('channels.secret'), input('secret', 'password', '', editing?.has_secret ? { autocomplete: 'new-password', placeholder: t('manage.password.keep') } : { autocomplete: 'new-password' }));
  const email = h(
    'fieldset',
    { class: 'email-fields' },
    h('legend', null, t('channels.email')),
    editing?.kind === 'email' ? h('p', { class: 'sub' }, t('channels.email.keep')) : null,
    h(
      'div',
      { class: 'form' },
      field(t('channels.smtp.host'), input('host', 'text', '')),
      field(t('channels.smtp.port'), input('port', 'number', 587, { min: 1, max: 65535 })),
      field(
        t('channels.smtp.security'),
        h('select', { name: 'security' }, (['starttls', 'tls', 'none'] as const).map((s) => h('option', { value: s }, t(`channels.smtp.${s}` as Key)))),
      ),
      field(t('channels.smtp.from'), input('from', 'text', '', { placeholder: 'starmon@example.com' })),
      field(t('channels.smtp.to'), input('to', 'text', '', { placeholder: 'oncall@example.com, dba@example.com' }), 'field wide'),
      field(t('channels.smtp.user'), input('username', 'text', '', { autocomplete: 'off' })),
      field(t('channels.smtp.password'), input('password', 'password', '', { autocomplete: 'new-password' })),
    ),
  );
  const showKind = () => {
    const k = kindSel.value as ChannelKind;
    urlField.hidden = k === 'email';
    email.hidden = k !== 'email';
    secretField.hidden = !SIGNED.includes(k);
  };
  kindSel.addEventListener('change', showKind);
  const out = h('div', { class: 'form-out', id: 'channel-out' });
  const form = h(
    'form',
    { class: 'form', id: 'channel-form', autocomplete: 'off' },
    field(t('rules.name'), input('name', 'text', editing?.name ?? '', { required: true })),
    field(t('channels.kind'), kindSel),
    urlField,
    secretField,
    email,
    field(t('channels.minsev'), h('select', { name: 'min_severity' }, SEVERITIES.map((s) => h('option', { value: s, selected: s === (editing?.min_severity ?? 'warning') }, t(`sev.${s}`))))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'enabled', checked: editing?.enabled ?? true }), ' ', t('rules.enabled')),
    h(
      'div',
      { class: 'actions' },
      h('button', { class: 'btn primary', type: 'submit', id: 'channel-save' }, t('common.save')),
      editing ? h('a', { class: 'btn', href: listHref }, t('common.cancel')) : null,
    ),
    out,
  );
  showKind();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const str = (k: string) => String(fd.get(k) ?? '').trim();
    const kind = str('kind') as ChannelKind;
    const body: Record<string, unknown> = { name: str('name'), kind, min_severity: str('min_severity'), enabled: fd.get('enabled') === 'on' };
    // Write-only fields: sent when given; on an edit, empty keeps what is stored.
    if (kind !== 'email' && (str('url') || !editing)) body.url = str('url');
    if (SIGNED.includes(kind) && str('secret')) body.secret = str('secret');
    if (kind === 'email' && (str('host') || !editing)) {
      body.email = {
        host: str('host'),
        port: Number(str('port')) || 587,
        security: str('security'),
        from: str('from'),
        to: str('to')
          .split(/[,;\s]+/)
          .filter(Boolean),
        ...(str('username') ? { username: str('username') } : {}),
        ...(str('password') ? { password: String(fd.get('password')) } : {}),
      };
    }
    out.replaceChildren(loading());
    try {
      if (editing) await api(`/api/v1/channels/${editing.id}`, { method: 'PATCH', body });
      else await api('/api/v1/channels', { method: 'POST', body });
      sessionStorage.setItem('starmon.flash', t('manage.saved'));
      if (editing) navigate('/alerts', { tab: 'channels', cluster: a.cluster });
      else ctx.rerender();
    } catch (err) {
      out.replaceChildren(errorBox((err as Error).message));
    }
  });
  formBox.append(h('h3', null, editing ? t('manage.edit', editing.name) : t('channels.add')), h('p', { class: 'sub' }, t('channels.hint')), form);
  a.loaded();
}
