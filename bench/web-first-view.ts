/**
 * `node bench/web-first-view.ts [--apps 10000] [--runs 10]`: the web UI's first view at scale.
 * Seeds N applications in 20 environments (SQLite, through the agents' ingest), starts a real
 * hub serving the built UI, and in headless Chromium (a fresh context per run, signed in) times
 * navigation → the first row of the list visible → the main thread free to answer (interactive).
 * Also sums the gzip bytes of the JavaScript and CSS the first view loads, and times the
 * list's response to a sort click. Prints a markdown table.
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

const { values } = parseArgs({ options: { apps: { type: 'string', default: '10000' }, runs: { type: 'string', default: '10' } } });
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
    await page.getByRole('row', { name: /^app-00499 in / }).first().waitFor();
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
} finally {
  await browser.close();
  await hub.stop();
  await rm(dir, { recursive: true, force: true });
}
const f = (x: number): string => `${x.toFixed(0)} ms`;
const row = (label: string, samples: number[], target: string, met: boolean): string =>
  `| ${label} | ${APPS} applications in ${ENVIRONMENTS} environments, SQLite, headless Chromium 1280×800 | ${samples.length} | ${f(percentile(samples, 50))} | ${f(Math.min(...samples))} – ${f(Math.max(...samples))} (min–max) | ${target}: ${met ? 'met' : 'not met'} |`;
process.stdout.write([
  '| Measured | On | Runs | Median | Spread | Target |',
  '| --- | --- | ---: | ---: | --- | --- |',
  row('Navigation → first page of the list visible', visible, '≤ 1 s', percentile(visible, 50) <= 1000),
  row('Navigation → first page visible and the main thread free (interactive)', interactive, '≤ 1 s', percentile(interactive, 50) <= 1000),
  row('Sort click (name, descending) → the first row of the new order visible', sorted, '—', true),
  `| JavaScript and CSS for the first view, gzip | the built UI (precompressed) | 1 | ${(firstViewBytes / 1024).toFixed(1)} KiB | — | ≤ 300 KB: ${firstViewBytes <= 300_000 ? 'met' : 'not met'} |`,
].join('\n') + '\n');
