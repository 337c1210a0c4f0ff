/**
 * Two hub replicas on one PostgreSQL share the runner queue: a run dispatched at replica A,
 * which has no runner, runs on a runner linked to replica B — jobs in `needs` order, outputs,
 * an artifact, the live log and the job's record all reach A.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HubClient, startHub } from '@trueup/hub';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, finished, MAIN } from './runner-testing.ts';

test('a job queued at replica A runs on a runner linked to replica B', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('runners');
  const dir = await mkdtemp(join(tmpdir(), 'trueup-replicas-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');
  const a = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000 });
  defer(() => a.stop());
  const b = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000 });
  defer(() => b.stop());
  const token = (await readFile(a.info.adminTokenFile, 'utf8')).trim();
  const viaA = new HubClient({ url: a.url, token, ca: a.tls.ca });
  const viaB = new HubClient({ url: b.url, token, ca: b.tls.ca });

  // The runner's token comes from B, so it dials B.
  const { token: runnerToken } = await viaB.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  await writeFile(join(dir, 'runner.token'), runnerToken, { mode: 0o600 });
  const runner = spawn(process.execPath, [MAIN, 'runner', '--join', join(dir, 'runner.token'), '--labels', 'linux', '--work-dir', join(dir, 'r1'), '--name', 'r1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  runner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  defer(async () => {
    if (runner.exitCode !== null) return;
    const exited = new Promise((resolve) => runner.once('exit', resolve));
    runner.kill('SIGTERM');
    await exited;
  });
  await eventually('the runner linked to B', async () => (b.runners.linked().length === 1 ? true : undefined), 90_000, () => output);
  assert.equal(a.runners.linked().length, 0);

  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/ci.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    outputs:
      word: \${{ steps.w.outputs.word }}
    steps:
      - id: w
        run: echo "word=kiwi" >> "$GITHUB_OUTPUT" && echo kiwi > fruit.txt
      - uses: actions/upload-artifact@v4
        with: { name: fruit, path: fruit.txt }
  test:
    needs: build
    runs-on: linux
    steps:
      - uses: actions/download-artifact@v4
        with: { name: fruit }
      - run: echo "tested \${{ needs.build.outputs.word }} $(cat fruit.txt)"
`,
  });
  await repo.commit('ci');
  const { id } = await viaA.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'ci', ref: 'main', inputs: {} });
  const done = await finished(viaA, id);
  assert.equal(done.conclusion, 'success', JSON.stringify(done) + output);
  assert.deepEqual(done.jobs.map((j) => [j.key, j.conclusion, j.runner === null ? null : 'linked']), [['build', 'success', 'linked'], ['test', 'success', 'linked']]);
  // The log lives with the run, at A, though the runner reported to B.
  assert.match(await viaA.get<string>(`/api/v1/runs/${id}/jobs/test/log`), /tested kiwi kiwi/);
  assert.deepEqual((await viaB.get<{ items: { name: string }[] }>(`/api/v1/runs/${id}/artifacts`)).items.map((i) => i.name), ['fruit']);
});

test('a replica that stops mid-run: another replica ends its run failed with a clear note after the lease', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('gone');
  const dir = await mkdtemp(join(tmpdir(), 'trueup-replicas-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');
  const options = { dataDir, database, listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000, runnerLeaseMs: 3000 };
  const a = await startHub(options);
  let aStopped = false;
  defer(async () => {
    if (!aStopped) await a.stop();
  });
  const b = await startHub(options);
  defer(() => b.stop());
  const token = (await readFile(a.info.adminTokenFile, 'utf8')).trim();
  const viaA = new HubClient({ url: a.url, token, ca: a.tls.ca });
  const viaB = new HubClient({ url: b.url, token, ca: b.tls.ca });
  const { token: runnerToken } = await viaA.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  await writeFile(join(dir, 'runner.token'), runnerToken, { mode: 0o600 });
  const runner = spawn(process.execPath, [MAIN, 'runner', '--join', join(dir, 'runner.token'), '--labels', 'linux', '--work-dir', join(dir, 'r1'), '--name', 'r1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  runner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  defer(async () => {
    if (runner.exitCode !== null) return;
    const exited = new Promise((resolve) => runner.once('exit', resolve));
    runner.kill('SIGKILL');
    await exited;
  });
  await eventually('the runner linked to A', async () => (a.runners.linked().length === 1 ? true : undefined), 90_000, () => output);
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/slow.yml': 'on: workflow_dispatch\njobs:\n  slow:\n    runs-on: linux\n    steps:\n      - run: sleep 120\n' });
  await repo.commit('slow');
  const { id } = await viaA.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'slow', ref: 'main', inputs: {} });
  await eventually('the job running', async () => ((await viaB.get<{ jobs: { status: string }[] }>(`/api/v1/runs/${id}`)).jobs[0]?.status === 'running' ? true : undefined));
  aStopped = true;
  await a.stop();
  const done = await finished(viaB, id);
  assert.equal(done.conclusion, 'failure');
  assert.equal(done.jobs[0]?.note, 'the hub replica that held this run stopped answering; start a new run to run it again');
  const events = await viaB.get<{ items: { details: { run?: string; reason?: string } }[] }>('/api/v1/events?kind=run-abandoned');
  assert.ok(events.items.some((e) => e.details.run === id && e.details.reason === 'hub replica gone'));
});
