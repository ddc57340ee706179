// How long the 7-day cluster page takes to draw all its charts in headless Chromium, against any
// running starmon (e.g. one serving the API benchmark's database of 7 days × 200 clusters).
// A benchmark command, not a test: it prints numbers.
//
//   node test/render-bench.mjs http://127.0.0.1:8080 CLUSTER_ID [LOADS]
//
// Each load starts from about:blank with the bundle cached (a returning operator) and is timed
// from navigation start until every chart has drawn its data (window.__starmonReadyMs, set by
// the page).

import { chromium } from 'playwright-core';

const [url, cluster, loadsArg] = process.argv.slice(2);
if (!url || !cluster) {
  console.error('usage: node test/render-bench.mjs BASE_URL CLUSTER_ID [LOADS]');
  process.exit(2);
}
const loads = Number(loadsArg ?? 20);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}/#/`);
  await page.waitForSelector('#fleet-table', { timeout: 30_000 });
  const times = [];
  let points = 0;
  for (let i = 0; i < loads; i++) {
    await page.goto('about:blank');
    await page.goto(`${url}/#/clusters/${cluster}?range=7d`);
    await page.waitForFunction(() => typeof window.__starmonReadyMs === 'number', null, { timeout: 30_000 });
    times.push(await page.evaluate(() => window.__starmonReadyMs));
    if (i === 0) {
      const drawn = await page.locator('.chart[data-drawn]').count();
      const charts = await page.locator('.chart').count();
      if (drawn !== charts) throw new Error(`${drawn} of ${charts} charts drawn`);
      // What the QPS chart was given: the same request the page makes.
      const r = await fetch(`${url}/api/v1/clusters/${cluster}/metrics?names=qps&from=${Date.now() - 7 * 86_400_000}&points=1000`);
      points = (await r.json()).series.qps.filter((p) => p.avg !== null).length;
      console.log(`charts drawn: ${drawn}; QPS points in 7 days: ${points}`);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  console.log(`7-day cluster page, ${loads} loads, navigation start to all charts drawn (ms): ` +
    `p50=${q(0.5).toFixed(0)} p90=${q(0.9).toFixed(0)} max=${sorted[sorted.length - 1].toFixed(0)}`);
  console.log(`all: ${times.map((t) => t.toFixed(0)).join(' ')}`);
  if (errors.length) console.log(`console errors: ${errors.length}: ${errors.slice(0, 3).join(' | ')}`);
} finally {
  await browser.close();
}
