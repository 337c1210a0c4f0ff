/**
 * Two hub replicas on one PostgreSQL share the runner queue: a run dispatched at replica A,
 * which has no runner, runs on a runner linked to replica B — jobs in `needs` order, outputs,
 * an artifact, the live log and the job's record all reach A.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubClient, startHub } from '@trueup/hub';
import { eventually, finished, hubReplicas, spawnRunner, type RunView } from './runner-testing.ts';

test('a job queued at replica A runs on a runner linked to replica B', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, a, b, viaA, viaB, defer } = await hubReplicas(t, 'runners');
  // The runner's token comes from B, so it dials B.
  const { token: runnerToken } = await viaB.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const runner = await spawnRunner(defer, dir, runnerToken, 'r1', 'linux');
  await eventually('the runner linked to B', async () => (b.runners.linked().length === 1 ? true : undefined), 90_000, () => runner.output());
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
  assert.equal(done.conclusion, 'success', JSON.stringify(done) + runner.output());
  assert.deepEqual(done.jobs.map((j) => [j.key, j.conclusion, j.runner === null ? null : 'linked']), [['build', 'success', 'linked'], ['test', 'success', 'linked']]);
  // The log lives with the run, at A, though the runner reported to B.
  assert.match(await viaA.get<string>(`/api/v1/runs/${id}/jobs/test/log`), /tested kiwi kiwi/);
  assert.deepEqual((await viaB.get<{ items: { name: string }[] }>(`/api/v1/runs/${id}/artifacts`)).items.map((i) => i.name), ['fruit']);
});

test('a replica that stops with a job queued: another replica takes the run over after the lease and offers the job to a matching runner', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, viaA, viaB, stopA, defer } = await hubReplicas(t, 'gone', { runnerLeaseMs: 3000 });
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/gpu.yml': 'on: workflow_dispatch\njobs:\n  train:\n    runs-on: gpu\n    steps:\n      - run: echo "trained on $(hostname)"\n' });
  await repo.commit('gpu');
  // No runner has the label yet: A queues the job and publishes it to the shared queue.
  const { id } = await viaA.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'gpu', ref: 'main', inputs: {} });
  await eventually('the job queued', async () => ((await viaB.get<{ jobs: { status: string }[] }>(`/api/v1/runs/${id}`)).jobs[0]?.status === 'queued' ? true : undefined));
  await stopA();
  const events = (): Promise<{ items: { kind: string; details: { run?: string; from?: string } }[] }> => viaB.get('/api/v1/events?limit=100');
  await eventually('B takes the run over', async () => ((await events()).items.some((e) => e.kind === 'run-taken-over' && e.details.run === id) ? true : undefined));
  // A runner with the label, linked to B, gets the job.
  const { token: runnerToken } = await viaB.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const runner = await spawnRunner(defer, dir, runnerToken, 'r1', 'gpu', 'SIGKILL');
  const done = await finished(viaB, id);
  assert.equal(done.conclusion, 'success', JSON.stringify(done) + runner.output());
  assert.equal(done.jobs[0]?.runner === null, false);
  assert.match(await viaB.get<string>(`/api/v1/runs/${id}/jobs/train/log`), /trained on /);
  assert.equal(runner.output().split('\n').filter((line) => line.includes(`job train of run ${id}`)).length, 1, runner.output());
  assert.equal((await events()).items.some((e) => e.kind === 'run-abandoned' && e.details.run === id), false);
});

test('a replica that stops while a runner of another replica runs its job: the run is taken over and the job goes on there, run once', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, b, viaA, viaB, stopA, defer } = await hubReplicas(t, 'claimed', { runnerLeaseMs: 3000 });
  const { token: runnerToken } = await viaB.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const runner = await spawnRunner(defer, dir, runnerToken, 'r1', 'linux', 'SIGKILL');
  await eventually('the runner linked to B', async () => (b.runners.linked().length === 1 ? true : undefined), 90_000, () => runner.output());
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/gated.yml': 'on: workflow_dispatch\njobs:\n  gated:\n    runs-on: linux\n    steps:\n      - run: echo "first step"\n      - run: while [ ! -e "$RUNNER_TEMP/../gate" ]; do sleep 0.2; done\n      - run: echo "after the gate"\n' });
  await repo.commit('gated');
  const { id } = await viaA.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'gated', ref: 'main', inputs: {} });
  await eventually('the job past its first step', async () => ((await viaB.get<RunView>(`/api/v1/runs/${id}`)).jobs[0]?.steps[0]?.conclusion === 'success' ? true : undefined));
  await stopA();
  await eventually('B takes the run over', async () => ((await viaB.get<{ items: { kind: string; details: { run?: string } }[] }>('/api/v1/events?limit=100')).items.some((e) => e.kind === 'run-taken-over' && e.details.run === id) ? true : undefined));
  const jobDirs = (await readdir(join(dir, 'r1', 'jobs'))).filter((name) => name.startsWith('gated-'));
  assert.equal(jobDirs.length, 1);
  await writeFile(join(dir, 'r1', 'jobs', jobDirs[0] as string, 'gate'), '');
  const done = await finished(viaB, id);
  assert.equal(done.conclusion, 'success', JSON.stringify(done) + runner.output());
  assert.deepEqual(done.jobs[0]?.steps.map((s) => s.conclusion), ['success', 'success', 'success']);
  assert.match(await viaB.get<string>(`/api/v1/runs/${id}/jobs/gated/log`), /after the gate/);
  assert.equal(runner.output().split('\n').filter((line) => line.includes(`job gated of run ${id}`)).length, 1, runner.output());
});

test('three replicas: the one that takes a gone replica\'s run over gets the reports of the job a runner of the third runs, and the job goes on, run once', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('three');
  const dir = await mkdtemp(join(tmpdir(), 'trueup-replicas-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const options = { dataDir: join(dir, 'hub'), database, listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000, runnerLeaseMs: 3000 };
  const a = await startHub(options);
  let aStopped = false;
  defer(async () => {
    if (!aStopped) await a.stop();
  });
  const b = await startHub(options);
  defer(() => b.stop());
  // C takes nothing over within the test: its lease is a minute.
  const c = await startHub({ ...options, runnerLeaseMs: 60_000 });
  defer(() => c.stop());
  const token = (await readFile(a.info.adminTokenFile, 'utf8')).trim();
  const client = (hub: typeof a): HubClient => new HubClient({ url: hub.url, token, ca: hub.tls.ca });
  const { token: runnerToken } = await client(c).post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const runner = await spawnRunner(defer, dir, runnerToken, 'r1', 'linux', 'SIGKILL');
  await eventually('the runner linked to C', async () => (c.runners.linked().length === 1 ? true : undefined), 90_000, () => runner.output());
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/gated.yml': 'on: workflow_dispatch\njobs:\n  gated:\n    runs-on: linux\n    steps:\n      - run: echo "first step"\n      - run: while [ ! -e "$RUNNER_TEMP/../gate" ]; do sleep 0.2; done\n      - run: echo "after the gate"\n' });
  await repo.commit('gated');
  const viaB = client(b);
  const { id } = await client(a).post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'gated', ref: 'main', inputs: {} });
  await eventually('the job past its first step', async () => ((await viaB.get<RunView>(`/api/v1/runs/${id}`)).jobs[0]?.steps[0]?.conclusion === 'success' ? true : undefined));
  aStopped = true;
  await a.stop();
  const events = (): Promise<{ items: { kind: string; details: { run?: string; to?: string } }[] }> => viaB.get('/api/v1/events?limit=100');
  await eventually('B takes the run over', async () => ((await events()).items.some((e) => e.kind === 'run-taken-over' && e.details.run === id && e.details.to === b.runs.replica) ? true : undefined));
  const jobDirs = (await readdir(join(dir, 'r1', 'jobs'))).filter((name) => name.startsWith('gated-'));
  assert.equal(jobDirs.length, 1);
  await writeFile(join(dir, 'r1', 'jobs', jobDirs[0] as string, 'gate'), '');
  const done = await finished(viaB, id);
  assert.equal(done.conclusion, 'success', JSON.stringify(done) + runner.output());
  assert.deepEqual(done.jobs[0]?.steps.map((s) => s.conclusion), ['success', 'success', 'success']);
  assert.match(await viaB.get<string>(`/api/v1/runs/${id}/jobs/gated/log`), /after the gate/);
  assert.equal(runner.output().split('\n').filter((line) => line.includes(`job gated of run ${id}`)).length, 1, runner.output());
});
