/**
 * Two hub replicas on one PostgreSQL share the runner queue: a run dispatched at replica A,
 * which has no runner, runs on a runner linked to replica B — jobs in `needs` order, outputs,
 * an artifact, the live log and the job's record all reach A.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { skipWithoutPostgres } from '@trueup/testkit/postgres';
import { eventually, finished, hubReplicas, spawnRunner } from './runner-testing.ts';

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

test('a replica that stops mid-run: another replica ends its run failed with a clear note after the lease', { skip: skipWithoutPostgres() }, async (t) => {
  if (!(await requireGit(t))) return;
  const { dir, a, viaA, viaB, stopA, defer } = await hubReplicas(t, 'gone', { runnerLeaseMs: 3000 });
  const { token: runnerToken } = await viaA.post<{ token: string }>('/api/v1/runner-tokens', { ttl: '10m' });
  const runner = await spawnRunner(defer, dir, runnerToken, 'r1', 'linux', 'SIGKILL');
  await eventually('the runner linked to A', async () => (a.runners.linked().length === 1 ? true : undefined), 90_000, () => runner.output());
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({ '.trueup/workflows/slow.yml': 'on: workflow_dispatch\njobs:\n  slow:\n    runs-on: linux\n    steps:\n      - run: sleep 120\n' });
  await repo.commit('slow');
  const { id } = await viaA.post<{ id: string }>('/api/v1/runs', { repository: repo.dir, workflow: 'slow', ref: 'main', inputs: {} });
  await eventually('the job running', async () => ((await viaB.get<{ jobs: { status: string }[] }>(`/api/v1/runs/${id}`)).jobs[0]?.status === 'running' ? true : undefined));
  await stopA();
  const done = await finished(viaB, id);
  assert.equal(done.conclusion, 'failure');
  assert.equal(done.jobs[0]?.note, 'the hub replica that held this run stopped answering; start a new run to run it again');
  const events = await viaB.get<{ items: { details: { run?: string; reason?: string } }[] }>('/api/v1/events?kind=run-abandoned');
  assert.ok(events.items.some((e) => e.details.run === id && e.details.reason === 'hub replica gone'));
});
