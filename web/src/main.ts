// The dashboard shell: top bar (navigation, language, theme, user), the hash router and the page
// lifecycle (each page gets an AbortSignal and cleanups that run when it is left).

import './style.css';
import { api, ApiError, Unauthorized, type ClusterRecord, type Me } from './api';
import { append, clear, h } from './dom';
import { lang, setLang, t, type Lang } from './i18n';
import { current, href } from './route';
import { fleetPage } from './pages/fleet';
import { clusterPage } from './pages/cluster';
import { nodesPage } from './pages/nodes';
import { nodePage } from './pages/node';
import { queriesPage } from './pages/queries';
import { managePage } from './pages/manage';
import { alertsPage } from './pages/alerts';
import { firingCount, refreshFiringCount, setFiringCount } from './alertcount';
import { loginPage } from './pages/login';
import { errorBox } from './widgets';
import { session } from './session';

export interface Ctx {
  root: HTMLElement;
  params: string[];
  query: URLSearchParams;
  signal: AbortSignal;
  cleanup(f: () => void): void;
  /** Calls `f` every `secs` seconds while the page is shown (0: never). */
  every(secs: number, f: () => void): void;
  /** Re-renders the current page (after a language or theme change). */
  rerender(): void;
  /** On a cluster's pages: its record, already fetched to tell an unknown id. */
  cluster?: ClusterRecord;
}

type Page = (ctx: Ctx) => void | Promise<void>;

const routes: [RegExp, Page][] = [
  [/^\/$/, fleetPage],
  [/^\/clusters\/(\d+)$/, clusterPage],
  [/^\/clusters\/(\d+)\/nodes$/, nodesPage],
  [/^\/clusters\/(\d+)\/nodes\/([^/]+)$/, nodePage],
  [/^\/clusters\/(\d+)\/queries$/, queriesPage],
  [/^\/alerts$/, alertsPage],
  [/^\/manage$/, managePage],
  [/^\/login$/, loginPage],
];

// Theme: light, dark, or the system's (auto).
type Theme = 'auto' | 'light' | 'dark';
const THEME_KEY = 'starmon.theme';
function theme(): Theme {
  const v = localStorage.getItem(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : 'auto';
}
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
function applyTheme(): void {
  const th = theme();
  const dark = th === 'dark' || (th === 'auto' && darkQuery.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
applyTheme();

const app = document.getElementById('app')!;
const bar = h('header', { class: 'topbar' });
const main = h('main', { class: 'page' });
app.append(bar, main);

function renderBar(): void {
  clear(bar);
  const path = current().path;
  const link = (to: string, label: string, active: boolean) => h('a', { href: href(to), class: active ? 'active' : null }, label);
  const langSel = h(
    'select',
    {
      id: 'lang',
      'aria-label': t('nav.lang'),
      onchange: (e: Event) => {
        setLang((e.target as HTMLSelectElement).value as Lang);
        render();
      },
    },
    h('option', { value: 'en', selected: lang() === 'en' }, 'English'),
    h('option', { value: 'zh-CN', selected: lang() === 'zh-CN' }, '简体中文'),
  );
  const themes: Theme[] = ['auto', 'light', 'dark'];
  const themeSel = h(
    'select',
    {
      id: 'theme',
      'aria-label': t('nav.theme'),
      onchange: (e: Event) => {
        localStorage.setItem(THEME_KEY, (e.target as HTMLSelectElement).value);
        applyTheme();
        render();
      },
    },
    themes.map((th) => h('option', { value: th, selected: theme() === th }, t(('theme.' + th) as 'theme.auto'))),
  );
  const user =
    session.me?.auth_enabled && session.me.username
      ? h(
          'span',
          { class: 'user' },
          session.me.username,
          ' ',
          h(
            'button',
            {
              class: 'btn small',
              id: 'logout',
              onclick: async () => {
                await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
                session.me = { auth_enabled: true, username: null };
                location.hash = '#/login';
              },
            },
            t('nav.logout'),
          ),
        )
      : null;
  append(bar, [
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo' }, '★'), 'starmon'),
    h(
      'nav',
      null,
      link('/', t('nav.fleet'), path === '/' || path.startsWith('/clusters')),
      h(
        'a',
        { href: href('/alerts'), class: path === '/alerts' ? 'active' : null, id: 'nav-alerts' },
        t('nav.alerts'),
        ' ',
        h('span', { class: 'badge alerts-firing nav-count', id: 'nav-alerts-count', title: t('alerts.nav.title') }),
      ),
      link('/manage', t('nav.manage'), path === '/manage'),
    ),
    h('div', { class: 'spacer' }),
    langSel,
    themeSel,
    user,
  ]);
  setFiringCount(firingCount());
}

let leave: (() => void) | null = null;
let renders = 0;

function render(): void {
  leave?.();
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  leave = () => {
    controller.abort();
    cleanups.splice(0).forEach((f) => f());
  };
  renderBar();
  void refreshFiringCount();
  clear(main);
  const { path, query } = current();
  document.title = 'starmon';
  // Tests wait for a new render by this counter.
  const root = h('div', { class: 'page-body', 'data-render': String(++renders) });
  main.append(root);
  const found = routes.find(([re]) => re.test(path));
  if (!found) {
    root.append(errorBox(t('error.notfound')));
    return;
  }
  const params = path.match(found[0])!.slice(1).map(decodeURIComponent);
  const ctx: Ctx = {
    root,
    params,
    query,
    signal: controller.signal,
    cleanup: (f) => cleanups.push(f),
    every: (secs, f) => {
      if (secs > 0) {
        const id = window.setInterval(f, secs * 1000);
        cleanups.push(() => window.clearInterval(id));
      }
    },
    rerender: render,
  };
  // A cluster page for an id that is not registered says so once, instead of every chart and
  // card of the page failing on its own.
  const clusterId = /^\/clusters\/(\d+)/.exec(path)?.[1];
  const known = clusterId
    ? api<ClusterRecord>(`/api/v1/clusters/${clusterId}`, { signal: controller.signal }).then(
        (rec) => {
          ctx.cluster = rec;
          return true;
        },
        (e) => !(e instanceof ApiError && e.status === 404),
      )
    : Promise.resolve(true);
  Promise.resolve(
    known.then((ok) => {
      if (ok) return found[1](ctx);
      if (controller.signal.aborted) return;
      root.append(h('div', { class: 'card', id: 'cluster-notfound' }, errorBox(t('error.cluster_notfound', clusterId ?? '')), h('a', { href: href('/') }, t('nav.fleet'))));
      root.dataset.ready = 'true';
    }),
  ).catch((e) => {
    if (e instanceof Unauthorized || controller.signal.aborted) return;
    root.append(errorBox(String(e?.message ?? e)));
  });
}

/** Renders at once (the page's own API calls meet a 401 if a session is needed), and asks who
 * is signed in alongside, for the top bar and to show the login page when access control is on. */
async function start(): Promise<void> {
  window.addEventListener('hashchange', render);
  darkQuery.addEventListener('change', () => {
    if (theme() === 'auto') {
      applyTheme();
      render();
    }
  });
  // The server also serves the app at /login (no fragment): that is the login page.
  if (location.pathname === '/login' && !location.hash) history.replaceState(null, '', '/#/login');
  render();
  let me: Me;
  try {
    me = await api<Me>('/api/v1/auth/me');
  } catch {
    me = { auth_enabled: true, username: null };
  }
  session.me = me;
  void refreshFiringCount();
  window.setInterval(() => void refreshFiringCount(), 30_000);
  if (me.auth_enabled && !me.username) {
    if (!current().path.startsWith('/login')) location.hash = '#/login?next=' + encodeURIComponent(location.hash || '#/');
  } else if (me.username) {
    renderBar();
  }
}

void start();
