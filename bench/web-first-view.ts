/**
 * `node bench/web-first-view.ts [--apps 10000] [--runs 10] [--churn-seconds 30]`: the web UI at scale.
 * Seeds N applications in 20 environments (SQLite, through the agents' ingest), starts a real
 * hub serving the built UI, and in headless Chromium (a fresh context per run, signed in) times
 * navigation → the first row of the list visible → the main thread free to answer (interactive).
 * Also sums the gzip bytes of the JavaScript and CSS the first view loads, and times the
 * list's response to a sort click. Then, in one page: scrolls the list to its end (every page
 * fetched on the way) counting frames, and feeds 100 status changes a second through the hub
 * for --churn-seconds while the list is open, counting the page's long tasks. Prints a markdown table.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHub } from '@trueup/hub';
import { openStore } from '@trueup/store';
import { launchChromium } from '@trueup/web/testing';
import { percentile } from './stats.ts';

const { values } = parseArgs({ options: { apps: { type: 'string', default: '10000' }, runs: { type: 'string', default: '10' }, 'churn-seconds': { type: 'string', default: '30' } } });
const CHURN_SECONDS = Number(values['churn-seconds']);
const APPS = Number(values.apps);
const RUNS = Number(values.runs);
const ENVIRONMENTS = 20;
const DIST = new URL('../packages/web/dist/', import.meta.url);
if (!existsSync(new URL('index.html', DIST))) throw new Error('the web UI is not built: npm install (or npm run build -w @trueup/web)');

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-web-'));
const store = await openStore(join(dir, 'hub.db'));
const seeding = performance.now();
for (let e = 0; e < ENVIRONMENTS; e++) {
  const environment = `env-${String(e).padStart(2, '0')}`;
  await store.environments.createJoinToken({ id: environment, environment, labels: { region: e % 2 === 0 ? 'eu' : 'us' }, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 3_600_000 });
  await store.environments.join(environment, { agentId: `agent-${environment}`, credentialHash: 'x' }, Date.now());
  for (let i = 0; i < APPS / ENVIRONMENTS; i++) {
    const name = `app-${String(i).padStart(5, '0')}`;
    const n = e * (APPS / ENVIRONMENTS) + i;
    await store.ledger.ingest(environment, `agent-${environment}`, i + 1, Date.now(), {
      kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'),
      status: { name, revision: n.toString(16).padStart(40, 'a'), sync: n % 5 === 3 ? 'OutOfSync' : 'Synced', health: { status: n % 4 === 3 ? 'Degraded' : 'Healthy' }, lastPassAt: new Date(Date.now() - n * 1000).toISOString(), source: { repoURL: 'https://git.example.com/ops/config.git', ref: 'main', path: `apps/${name}` }, conditions: [], resources: [] },
    });
  }
}
await store.close();
process.stderr.write(`seeded ${APPS} applications in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);

const hub = await startHub({ dataDir: dir, listen: '127.0.0.1:0', log: () => undefined });
const token = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
const browser = await launchChromium();
const visible: number[] = [];
const interactive: number[] = [];
const sorted: number[] = [];
let firstViewBytes = 0;
let scroll: { frames: number[]; ms: number; rows: number } = { frames: [], ms: 0, rows: 0 };
let churn: { longTasks: number[]; changes: number } = { longTasks: [], changes: 0 };
try {
  for (let run = 0; run < RUNS + 1; run++) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    await context.addInitScript(`sessionStorage.setItem('trueup.token', ${JSON.stringify(token)})`);
    const page = await context.newPage();
    const assets = new Set<string>();
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/assets/')) assets.add(path.slice('/assets/'.length));
    });
    const started = performance.now();
    await page.goto(hub.url);
    await page.getByRole('row', { name: /^app-00000 in env-00/ }).waitFor();
    const shown = performance.now() - started;
    await page.evaluate('1');
    const ready = performance.now() - started;
    const sortByName = page.getByRole('button', { name: 'Name', exact: true });
    await sortByName.click();
    await page.waitForURL(/order=asc/);
    const click = performance.now();
    await sortByName.click();
    await page.getByRole('row', { name: new RegExp(`^app-${String(APPS / ENVIRONMENTS - 1).padStart(5, '0')} in `) }).first().waitFor();
    const resorted = performance.now() - click;
    if (run > 0) {
      // Run 0 warms the hub's caches and the disk; it is not counted.
      visible.push(shown);
      interactive.push(ready);
      sorted.push(resorted);
    }
    firstViewBytes = [...assets].reduce((sum, file) => sum + statSync(new URL(`assets/${file}.gz`, DIST)).size, 0);
    await context.close();
  }
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(`sessionStorage.setItem('trueup.token', ${JSON.stringify(token)})`);
  await context.addInitScript(`window.__longTasks = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`);
  const page = await context.newPage();
  await page.goto(hub.url);
  await page.getByRole('row', { name: /^app-00000 in env-00/ }).waitFor();
  // Scroll: a fixed step each frame until the last row is in, pages fetched as the list nears its end.
  scroll = await page.evaluate<{ frames: number[]; ms: number; rows: number }>(`new Promise((done) => {
    const list = document.querySelector('.list-scroll');
    const total = Number(document.querySelector('[role=table]').getAttribute('aria-rowcount'));
    const frames = [];
    const started = performance.now();
    let last = started;
    const step = (now) => {
      frames.push(now - last);
      last = now;
      list.scrollTop += 800;
      const lastRow = document.querySelector('[aria-rowindex="' + (total + 1) + '"]');
      if (lastRow !== null || now - started > 120000) return done({ frames, ms: now - started, rows: lastRow === null ? 0 : total });
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })`);
  await page.evaluate('document.querySelector(".list-scroll").scrollTop = 0; window.__longTasks.length = 0');
  // Churn: 100 status changes a second across all environments, through the hub's ingest and feed.
  const perEnv = APPS / ENVIRONMENTS;
  const seqs = new Map<string, number>();
  const churnStarted = performance.now();
  let n = 0;
  while (performance.now() - churnStarted < CHURN_SECONDS * 1000) {
    const tick = performance.now();
    for (let k = 0; k < 100; k++, n++) {
      const e = n % ENVIRONMENTS;
      const environment = `env-${String(e).padStart(2, '0')}`;
      const i = Math.floor(n / ENVIRONMENTS) % perEnv;
      const name = `app-${String(i).padStart(5, '0')}`;
      const seq = (seqs.get(environment) ?? perEnv) + 1;
      seqs.set(environment, seq);
      await hub.store.ledger.ingest(environment, `agent-${environment}`, seq, Date.now(), {
        kind: 'status', application: name, digest: (n + 1_000_000).toString(16).padStart(64, '0'),
        status: { name, revision: n.toString(16).padStart(40, 'b'), sync: n % 2 === 0 ? 'OutOfSync' : 'Synced', health: { status: 'Healthy' }, lastPassAt: new Date().toISOString(), source: { repoURL: 'https://git.example.com/ops/config.git', ref: 'main', path: `apps/${name}` }, conditions: [], resources: [] },
      });
      await hub.store.signals.publish('applications', environment);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - tick))));
  }
  await page.waitForTimeout(1000);
  churn = { longTasks: await page.evaluate<number[]>('window.__longTasks'), changes: n };
  await context.close();
} finally {
  await browser.close();
  await hub.stop();
  await rm(dir, { recursive: true, force: true });
}
const f = (x: number): string => `${x.toFixed(0)} ms`;
const row = (label: string, samples: number[], target?: { text: string; met: boolean }): string =>
  `| ${label} | ${APPS} applications in ${ENVIRONMENTS} environments, SQLite, headless Chromium 1280×800 | ${samples.length} | ${f(percentile(samples, 50))} | ${f(Math.min(...samples))} – ${f(Math.max(...samples))} (min–max) | ${target === undefined ? '—' : `${target.text}: ${target.met ? 'met' : 'not met'}`} |`;
process.stdout.write([
  '| Measured | On | Runs | Median | Spread | Target |',
  '| --- | --- | ---: | ---: | --- | --- |',
  row('Navigation → first page of the list visible', visible, { text: '≤ 1 s', met: percentile(visible, 50) <= 1000 }),
  row('Navigation → first page visible and the main thread free (interactive)', interactive, { text: '≤ 1 s', met: percentile(interactive, 50) <= 1000 }),
  row('Sort click (name, descending) → the first row of the new order visible', sorted),
  `| Scrolling the list to its end (${scroll.rows} rows, ${Math.ceil(scroll.rows / 100)} pages fetched on the way), frames | same, one page | ${scroll.frames.length} frames | ${(1000 / percentile(scroll.frames, 50)).toFixed(0)} fps (median frame ${percentile(scroll.frames, 50).toFixed(1)} ms) | p95 frame ${percentile(scroll.frames, 95).toFixed(1)} ms, worst ${Math.max(...scroll.frames).toFixed(0)} ms; ${(scroll.ms / 1000).toFixed(1)} s in all | ≥ 50 fps: ${1000 / percentile(scroll.frames, 50) >= 50 ? 'met' : 'not met'} |`,
  `| ${churn.changes} status changes at 100 a second for ${CHURN_SECONDS} s on the stream, list open: long tasks | same, one page | ${churn.longTasks.length} long tasks | longest ${churn.longTasks.length === 0 ? '0' : Math.max(...churn.longTasks).toFixed(0)} ms | — | no long task > 100 ms: ${churn.longTasks.every((d) => d <= 100) ? 'met' : 'not met'} |`,
  `| JavaScript and CSS for the first view, gzip | the built UI (precompressed) | 1 | ${(firstViewBytes / 1024).toFixed(1)} KiB | — | ≤ 300 KB: ${firstViewBytes <= 300_000 ? 'met' : 'not met'} |`,
].join('\n') + '\n');
