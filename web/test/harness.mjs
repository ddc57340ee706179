// Starts what the end-to-end tests run against, and stops it again.
//
// demo mode (the default when `starmon demo --help` works): `starmon demo --listen 127.0.0.1:0
// --interval 2`, whose stdout names the dashboard URL and each cluster's sim control URL.
// manual mode (STARMON_E2E_MODE=manual, or when there is no demo command): starrocks-sim with two
// clusters, `starmon serve` on a fresh database, and the clusters registered over the API.
//
// If the starmon under test does not serve the dashboard itself (the binary was built without
// web/dist), web/dist is served by a small static server here that forwards /api to starmon.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB = resolve(here, '..');
const REPO = resolve(WEB, '..');
export const STARMON_BIN = process.env.STARMON_BIN ?? join(REPO, 'target/debug/starmon');
const SIM_BIN = process.env.STARROCKS_SIM_BIN ?? join(REPO, 'target/debug/starrocks-sim');
export const INTERVAL_SECS = 2;

/** Waits for `check` to return a truthy value, polling every `every` ms until `ms` have passed. */
export async function until(what, check, ms = 30_000, every = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = netServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** Lines of a child's stdout, as they come. */
function lines(child, onLine) {
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i).trim());
      buf = buf.slice(i + 1);
    }
  });
}

function start(bin, args, env = {}) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn', ...env } });
  const err = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    err.push(d);
    if (err.length > 200) err.shift();
  });
  child.stderrText = () => err.join('');
  return child;
}

export function demoAvailable() {
  const r = spawnSync(STARMON_BIN, ['demo', '--help'], { stdio: 'ignore' });
  return r.status === 0;
}

async function startDemo(children) {
  const child = start(STARMON_BIN, ['demo', '--listen', '127.0.0.1:0', '--interval', String(INTERVAL_SECS)]);
  children.push(child);
  let dashboard = null;
  const controls = {};
  lines(child, (l) => {
    let m = l.match(/^dashboard:\s*(\S+)/);
    if (m) dashboard = m[1].replace(/\/$/, '');
    m = l.match(/^cluster\s+(\S+)\b.*\scontrol:\s*(\S+)/);
    if (m) controls[m[1]] = m[2];
  });
  await until('the demo to print its dashboard URL', () => {
    if (child.exitCode !== null) throw new Error(`starmon demo exited: ${child.stderrText()}`);
    return dashboard;
  });
  const clusters = await until('the demo clusters to be registered', async () => {
    const r = await fetch(`${dashboard}/api/v1/clusters`);
    const { clusters } = await r.json();
    return clusters.length >= 2 && clusters.every((c) => controls[c.name]) ? clusters : null;
  });
  return { api: dashboard, clusters: clusters.map((c) => ({ ...c, control: controls[c.name] })) };
}

async function startManual(children, tmp) {
  const sim = start(SIM_BIN, ['--clusters', '2', '--version', '3.3,2.5', '--control', '127.0.0.1:0']);
  children.push(sim);
  const infos = [];
  lines(sim, (l) => {
    if (l.startsWith('{')) infos.push(JSON.parse(l));
  });
  await until('the sim to start', () => {
    if (sim.exitCode !== null) throw new Error(`starrocks-sim exited: ${sim.stderrText()}`);
    return infos.length >= 2;
  });
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const serve = start(STARMON_BIN, ['serve', '--db', join(tmp, 'e2e.db'), '--listen', `127.0.0.1:${port}`, '--collect-interval', String(INTERVAL_SECS)]);
  children.push(serve);
  await until('starmon serve to answer', async () => {
    if (serve.exitCode !== null) throw new Error(`starmon serve exited: ${serve.stderrText()}`);
    return (await fetch(`${api}/healthz`)).ok;
  });
  const clusters = [];
  for (const info of infos) {
    const fe = info.frontends[0];
    const r = await fetch(`${api}/api/v1/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: info.name, fe_host: fe.host, fe_query_port: fe.query_port, fe_http_port: fe.http_port, user: info.user, password: info.password }),
    });
    if (!r.ok) throw new Error(`registering ${info.name}: ${r.status} ${await r.text()}`);
    clusters.push({ ...(await r.json()), control: info.control });
  }
  return { api, clusters };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** web/dist at `/`, everything under /api forwarded to starmon. */
function staticServer(api) {
  const dist = join(WEB, 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
  const target = new URL(api);
  const server = createServer((req, res) => {
    if (req.url.startsWith('/api/')) {
      const fwd = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      fwd.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      req.pipe(fwd);
      return;
    }
    const path = req.url.split('?')[0];
    const file = path.startsWith('/assets/') ? join(dist, path) : join(dist, 'index.html');
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server)));
}

/** Everything the tests need: `url` (the dashboard), `api`, `clusters` [{id, name, control}],
 * `interval` (seconds between collections) and `stop()`. */
export async function startStack() {
  const mode = process.env.STARMON_E2E_MODE ?? (demoAvailable() ? 'demo' : 'manual');
  const children = [];
  // Whatever ends this process (a failed assertion, a closed pipe) ends what it started too.
  process.once('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));
  const tmp = mkdtempSync(join(tmpdir(), 'starmon-e2e-'));
  let server = null;
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    if (server) await new Promise((r) => server.close(r));
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const { api, clusters } = mode === 'demo' ? await startDemo(children) : await startManual(children, tmp);
    let url = api;
    const root = await fetch(`${api}/`).then((r) => (r.ok ? r.text() : ''), () => '');
    const embedded = root.includes('id="app"');
    if (!embedded && process.env.STARMON_E2E_REQUIRE_EMBEDDED === '1') {
      throw new Error(`${STARMON_BIN} does not serve the dashboard at / (built before web/dist?)`);
    }
    if (!embedded) {
      server = await staticServer(api);
      url = `http://127.0.0.1:${server.address().port}`;
    }
    // Wait for a few collections, so the charts have something to draw.
    for (const c of clusters) {
      await until(`history for ${c.name}`, async () => {
        const r = await fetch(`${api}/api/v1/clusters/${c.id}/metrics?names=qps&from=${Date.now() - 600_000}`);
        const { series } = await r.json();
        return series.qps.filter((p) => p.avg !== null).length >= 3;
      }, 60_000, 500);
    }
    return { mode, embedded, url, api, clusters, interval: INTERVAL_SECS, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** starmon serve with access control on, one user and no clusters, for the login page. */
export async function startAuthStack() {
  const tmp = mkdtempSync(join(tmpdir(), 'starmon-e2e-auth-'));
  const db = join(tmp, 'auth.db');
  const user = { username: 'operator', password: 'correct horse battery' };
  const add = spawnSync(STARMON_BIN, ['user', 'add', user.username, '--db', db, '--password-env', 'E2E_PASSWORD'], { env: { ...process.env, E2E_PASSWORD: user.password }, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`starmon user add: ${add.stderr}`);
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const serve = start(STARMON_BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], { STARMON_AUTH_ENABLED: 'true' });
  let server = null;
  const stop = async () => {
    if (serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
    }
    if (server) await new Promise((r) => server.close(r));
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', () => serve.exitCode === null && serve.kill('SIGTERM'));
  try {
    await until('starmon serve (auth) to answer', async () => {
      if (serve.exitCode !== null) throw new Error(`starmon serve exited: ${serve.stderrText()}`);
      return (await fetch(`${api}/healthz`)).status < 500;
    });
    let url = api;
    const root = await fetch(`${api}/`).then((r) => (r.ok ? r.text() : ''), () => '');
    if (!root.includes('id="app"')) {
      server = await staticServer(api);
      url = `http://127.0.0.1:${server.address().port}`;
    }
    return { url, api, user, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
