/**
 * `node bench/web-tree.ts [--resources 1500] [--runs 10]`: an application with many resources in
 * the web UI. Seeds one application whose status lists N Kubernetes resources of 10 kinds
 * (SQLite, through the agents' ingest), starts a real hub serving the built UI, and in headless
 * Chromium (a fresh context per run, signed in) times navigation → the resource tree visible
 * (its first group row), then a click on a kind → its first resource row visible (the tree
 * opening 1/10 of the resources). The anchor, measured in the same runs: the same page in its
 * list view (`?view=list`), which draws every resource as a table row at once → its last row
 * in the page. Also counts the API requests each view made before it was visible (for the tree:
 * before its `trueup:tree-drawn` performance mark), and the time to that mark in the page, and
 * the bytes the tree's page received before it (the application's read and the scripts, as sent
 * and as decoded, from the page's resource timings).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHub } from '@trueup/hub';
import { openStore } from '@trueup/store';
import { launchChromium } from '@trueup/web/testing';
import type { Page } from 'playwright-core';
import { percentile } from './stats.ts';

const { values } = parseArgs({ options: { resources: { type: 'string', default: '1500' }, runs: { type: 'string', default: '10' } } });
const RESOURCES = Number(values.resources);
const RUNS = Number(values.runs);
const KINDS = [['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'ServiceAccount'], ['apps/v1', 'StatefulSet'], ['batch/v1', 'CronJob'], ['networking.k8s.io/v1', 'Ingress'], ['policy/v1', 'PodDisruptionBudget'], ['autoscaling/v2', 'HorizontalPodAutoscaler']] as const;
if (!existsSync(new URL('../packages/web/dist/index.html', import.meta.url))) throw new Error('the web UI is not built: npm install (or npm run build -w @trueup/web)');

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-tree-'));
const store = await openStore(join(dir, 'hub.db'));
await store.environments.createJoinToken({ id: 'prod', environment: 'prod', labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 3_600_000 });
await store.environments.join('prod', { agentId: 'agent-prod', credentialHash: 'x' }, Date.now());
const resources = Array.from({ length: RESOURCES }, (_, i) => {
  const [apiVersion, kind] = KINDS[i % KINDS.length] ?? KINDS[0];
  const outOfSync = i % 50 === 7;
  return { apiVersion, kind, namespace: 'shop', name: `part-${String(Math.floor(i / KINDS.length)).padStart(4, '0')}`, sync: outOfSync ? 'OutOfSync' : 'Synced', health: { status: 'Healthy' }, ...(outOfSync ? { diff: '--- live\n+++ desired\n@@ -1 +1 @@\n-replicas: 1\n+replicas: 2\n' } : {}) };
});
await store.ledger.ingest('prod', 'agent-prod', 1, Date.now(), {
  kind: 'status', application: 'big', digest: '1'.padStart(64, '0'),
  status: { name: 'big', revision: 'a'.repeat(40), sync: 'OutOfSync', health: { status: 'Healthy' }, lastPassAt: new Date().toISOString(), source: { repoURL: 'https://git.example.com/ops/config.git', ref: 'main', path: 'big' }, conditions: [], resources },
});
await store.close();

const hub = await startHub({ dataDir: dir, listen: '127.0.0.1:0', log: () => undefined });
const token = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
const browser = await launchChromium();
const samples = { drawn: [] as number[], tree: [] as number[], expand: [] as number[], list: [] as number[], treeRequests: 0, listRequests: 0, treeRows: 0, listRows: 0 };
const bytes = { readSent: 0, readDecoded: 0, scriptsSent: 0, scriptsDecoded: 0 };

async function open(path: string): Promise<{ page: Page; requests: { path: string; at: number }[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(`sessionStorage.setItem('trueup.token', ${JSON.stringify(token)})`);
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const requests: { path: string; at: number }[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) requests.push({ path: url.pathname, at: Date.now() });
  });
  await page.goto(`${hub.url}${path}`, { waitUntil: 'commit' });
  return { page, requests, close: () => context.close() };
}

const APP = '/environments/prod/applications/big';
try {
  for (let run = 0; run < RUNS + 1; run++) {
    // Tree and list alternate first, so neither always gets the warmer machine.
    for (const view of run % 2 === 0 ? ['tree', 'list'] as const : ['list', 'tree'] as const) {
      const started = performance.now();
      const { page, requests, close } = await open(view === 'tree' ? APP : `${APP}?view=list`);
      if (view === 'tree') {
        await page.getByRole('treeitem', { name: `${KINDS[0][1]} (${Math.ceil(RESOURCES / KINDS.length)})` }).waitFor();
        const shown = performance.now() - started;
        // Requests made before the tree's first rows were in the page (its `trueup:tree-drawn` mark,
        // wall clock), not those made in the time the locator took to notice it.
        const drawnAt = await page.evaluate(() => performance.timeOrigin + (performance.getEntriesByName('trueup:tree-drawn')[0]?.startTime ?? performance.now()));
        const treeRequests = requests.filter((r) => r.at <= drawnAt).length;
        // The same in the page's own clock: its navigation start → the mark, without the browser
        // context's creation or the locator's polling.
        const drawnInPage = await page.evaluate(() => performance.getEntriesByName('trueup:tree-drawn')[0]?.startTime ?? Number.NaN);
        if (run === RUNS) {
          const entries = await page.evaluate<{ name: string; sent: number; decoded: number; end: number }[]>("performance.getEntriesByType('resource').map((r) => ({ name: r.name, sent: r.encodedBodySize, decoded: r.decodedBodySize, end: r.responseEnd }))");
          const drawnMark = await page.evaluate(() => performance.getEntriesByName('trueup:tree-drawn')[0]?.startTime ?? performance.now());
          for (const entry of entries.filter((e) => e.end <= drawnMark)) {
            const path = new URL(entry.name).pathname;
            if (path === `/api/v1${APP}`) {
              bytes.readSent += entry.sent;
              bytes.readDecoded += entry.decoded;
            } else if (path.endsWith('.js')) {
              bytes.scriptsSent += entry.sent;
              bytes.scriptsDecoded += entry.decoded;
            }
          }
        }
        if (run === RUNS) process.stderr.write(`tree: requests before the tree ${requests.filter((r) => r.at <= drawnAt).map((r) => r.path).join(', ')}; after ${requests.filter((r) => r.at > drawnAt).map((r) => r.path).join(', ')}\n`);
        const click = performance.now();
        await page.getByRole('treeitem', { name: 'ConfigMap (150)' }).click();
        await page.getByRole('treeitem', { name: /^ConfigMap shop\/part-0000 / }).waitFor();
        const expanded = performance.now() - click;
        if (run > 0) {
          samples.tree.push(shown);
          samples.drawn.push(drawnInPage);
          samples.expand.push(expanded);
        }
        samples.treeRequests = treeRequests;
        samples.treeRows = await page.getByRole('treeitem').count();
      } else {
        await page.getByRole('table', { name: 'Resources' }).getByRole('button', { name: `shop/part-${String(Math.floor((RESOURCES - 1) / KINDS.length)).padStart(4, '0')}` }).first().waitFor({ state: 'attached' });
        const shown = performance.now() - started;
        if (run > 0) samples.list.push(shown);
        samples.listRequests = requests.length;
        samples.listRows = await page.getByRole('table', { name: 'Resources' }).getByRole('row').count() - 1;
      }
      await close();
    }
  }
} finally {
  await browser.close();
  await hub.stop();
  await rm(dir, { recursive: true, force: true });
}

const f = (x: number): string => `${x.toFixed(0)} ms`;
const on = `one application with ${RESOURCES} resources of ${KINDS.length} kinds, SQLite, headless Chromium 1280×800`;
const row = (label: string, list: number[], rows: string, ratio: string): string => `| ${label} | ${on} | ${list.length} | ${f(percentile(list, 50))} | ${f(Math.min(...list))} – ${f(Math.max(...list))} (min–max) | ${rows} | ${ratio} |`;
const ratio = percentile(samples.tree, 50) / percentile(samples.list, 50);
process.stderr.write(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')}\n`);
process.stdout.write([
  '| Measured | On | Runs | Median | Spread | Rows in the page | Ratio to the anchor |',
  '| --- | --- | ---: | ---: | --- | --- | ---: |',
  row(`Navigation → resource tree visible (${samples.treeRequests} API requests by then)`, samples.tree, `${samples.treeRows} tree rows after one kind opened`, `${ratio.toFixed(2)}×`),
  row('Navigation → the tree\'s first rows drawn (its `trueup:tree-drawn` mark, in the page\'s clock)', samples.drawn, '—', '—'),
  row('Click on a kind (150 resources) → its first row visible', samples.expand, '—', '—'),
  row(`Anchor: navigation → list view with every resource drawn (${samples.listRequests} API requests by then)`, samples.list, `${samples.listRows} table rows`, '1.00×'),
].join('\n') + '\n');
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
process.stdout.write(`\nBefore the tree was drawn (last run): the application's read ${kib(bytes.readSent)} sent, ${kib(bytes.readDecoded)} decoded; scripts ${kib(bytes.scriptsSent)} sent, ${kib(bytes.scriptsDecoded)} decoded.\n`);
