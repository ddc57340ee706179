// The login page, shown when access control is on and nobody is signed in.

import { api, type Me } from '../api';
import { h } from '../dom';
import { t } from '../i18n';
import type { Ctx } from '../main';
import { session } from '../session';
import { errorBox } from '../widgets';

export function loginPage(ctx: Ctx): void {
  document.title = `${t('login.title')} · starmon`;
  const next = ctx.query.get('next') || '#/';
  const out = h('div', { class: 'form-out' });
  const form = h(
    'form',
    { class: 'form login-form', id: 'login' },
    h('label', { class: 'field' }, h('span', null, t('login.username')), h('input', { name: 'username', type: 'text', autocomplete: 'username', required: true, autofocus: true })),
    h('label', { class: 'field' }, h('span', null, t('login.password')), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { class: 'btn primary', type: 'submit' }, t('login.submit')),
    out,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const username = String(fd.get('username') ?? '');
    try {
      await api('/api/v1/auth/login', { method: 'POST', body: { username, password: String(fd.get('password') ?? '') } });
      session.me = await api<Me>('/api/v1/auth/me').catch(() => ({ auth_enabled: true, username }));
      location.hash = next.startsWith('#/login') ? '#/' : next;
    } catch (err) {
      out.replaceChildren(errorBox(t('login.failed', (err as Error).message)));
    }
  });
  ctx.root.append(h('div', { class: 'login-box card' }, h('h1', null, t('login.title')), form));
  ctx.root.dataset.ready = 'true';
}
