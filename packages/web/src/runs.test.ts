/**
 * Pipeline run pages in headless Chromium, against a real hub and a real runner (`trueup runner`
 * joined over its link): the list, a run's jobs in stages, a job's log followed live, and a
 * deploy that waits for an approval given from the page. The run page follows the run on its
 * stream: it reads the run once (and once more after the approval it sent), never on a timer;
 * the list follows the runs' stream.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { axeViolations, launchChromium, signInWithToken, skipWithoutChromium } from './testing.ts';

const CLI = new URL('../../cli/src/main.js', import.meta.url);

const WORKFLOW = `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: echo "built the thing"
  deploy:
    needs: build
    runs-on: linux
    environment: production
    steps:
      - run: echo "deployed the thing"
`;

test('pipeline runs in the web UI: jobs in stages, logs, an approval from the page', { skip: skipWithoutChromium() }, async (t) => {
  if (!(await requireGit(t))) return;
  const dir = await mkdtemp(join(tmpdir(), 'trueup-web-runs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/ci.yml': WORKFLOW });
  await repo.commit('workflow');
  await testHub.client.post('/api/v1/pipeline-environments/production', { requiredApprovals: 1, allowSelfApproval: true });

  const { token } = await testHub.client.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const tokenFile = join(dir, 'runner.token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const runner = spawn(process.execPath, [CLI.pathname, 'runner', '--join', tokenFile, '--labels', 'linux', '--work-dir', join(dir, 'work'), '--name', 'r1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  runner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  t.after(async () => {
    if (runner.exitCode !== null || runner.signalCode !== null) return;
    const exited = new Promise((resolve) => runner.once('exit', resolve));
    runner.kill('SIGTERM');
    await exited;
  });
  for (let waited = 0; !output.includes('linked to'); waited += 100) {
    if (waited > 30_000 || runner.exitCode !== null) throw new Error(`the runner did not link: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const run = await testHub.client.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, ref: 'main', workflow: 'ci' });

  const browser = await launchChromium();
  t.after(() => browser.close());
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const runReads: string[] = [];
  const listReads: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith(`/api/v1/runs/${run.id}`) && !url.pathname.includes('/jobs/')) runReads.push(`${r.method()} ${url.pathname}`);
    if (url.pathname === '/api/v1/runs' && r.method() === 'GET') listReads.push(url.search);
  });
  await page.goto(`${testHub.hub.url}/runs`);
  await signInWithToken(page, testHub.adminToken);
  await page.getByRole('table', { name: 'Runs' }).getByRole('link', { name: 'ci' }).click();
  await page.waitForURL(new RegExp(`/runs/${run.id}$`));
  const graph = page.getByRole('list', { name: 'Jobs graph' });
  await graph.getByRole('listitem', { name: 'Stage 1' }).getByRole('button', { name: 'build' }).waitFor();
  const approve = graph.getByRole('listitem', { name: 'Stage 2' }).getByRole('button', { name: 'Approve deploy to production' });
  await approve.waitFor().catch(async (error: unknown) => {
    throw new Error(`no approval asked for; the run: ${JSON.stringify(await testHub.client.get(`/api/v1/runs/${run.id}`))}`, { cause: error });
  });
  await page.getByRole('button', { name: 'build', exact: true }).click();
  await page.getByRole('region', { name: 'Log' }).getByText(/built the thing/).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await approve.click();
  await page.getByRole('button', { name: 'deploy', exact: true }).click();
  await page.getByRole('region', { name: 'Log' }).getByText(/deployed the thing/).waitFor();
  await page.getByRole('region', { name: 'Run' }).getByText('success', { exact: true }).waitFor();
  await page.getByRole('status', { name: 'Run updates' }).getByText('Live').waitFor();
  // Every change (build done, the approval asked, deploy running, the run's end) came on the stream.
  assert.deepEqual(runReads.filter((r) => r.startsWith('GET')).sort(), [`GET /api/v1/runs/${run.id}`, `GET /api/v1/runs/${run.id}`, `GET /api/v1/runs/${run.id}/stream`], 'one read, the stream, one read after the approval');
  const done = await testHub.client.get<{ conclusion: string; jobs: { key: string; conclusion: string }[] }>(`/api/v1/runs/${run.id}`);
  assert.deepEqual(done.jobs.map((j) => [j.key, j.conclusion]), [['build', 'success'], ['deploy', 'success']]);
  await page.getByRole('link', { name: 'Runs' }).click();
  await page.getByRole('table', { name: 'Runs' }).getByText('success').waitFor();
  // The list, too, came on its stream (once per visit), never read on a timer.
  assert.deepEqual(listReads, ['?limit=200&watch=true', '?limit=200&watch=true']);
  assert.deepEqual(await axeViolations(page), []);
});
