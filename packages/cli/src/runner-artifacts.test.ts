/**
 * Artifacts kept by the hub: a job on runner A uploads, a job on runner B (another work dir,
 * another process) downloads it; people list and download it through the API and the CLI; an
 * upload over the hub's size limit fails the step with the limit named and stores nothing;
 * a runner credential reaches only the artifacts of a run it runs a job of.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HubApiError, HubClient } from '@trueup/hub';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { dispatch, finished, hubForRunners, startRunner, trueup } from './runner-testing.ts';

test('an artifact uploaded by a job on one runner is downloaded by a job on another, and by a person through the CLI', async (t) => {
  if (!(await requireGit(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client } = setup;
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/build.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: builder
    steps:
      - run: |
          mkdir -p out/bin
          echo "binary of $GITHUB_SHA" > out/bin/app
          head -c 1500000 /dev/urandom > out/blob
      - uses: actions/upload-artifact@v4
        with: { name: dist, path: out }
  ship:
    needs: build
    runs-on: shipper
    steps:
      - uses: actions/download-artifact@v4
        with: { name: dist, path: got }
      - run: |
          cat got/bin/app
          test "$(stat -c %s got/blob)" = 1500000
`,
  });
  const sha = await repo.commit('build and ship');
  const a = await startRunner(t, dir, 'builder-1', 'builder');
  const b = await startRunner(t, dir, 'shipper-1', 'shipper');
  const runId = await dispatch(setup, repo.dir, 'build');
  const done = await finished(client, runId);
  assert.equal(done.conclusion, 'success', await client.get<string>(`/api/v1/runs/${runId}/jobs/build/log`) + a.output() + b.output());
  // The run's ref is the branch's full name, as environments' allowed refs read it.
  assert.equal((await client.get<{ ref: string }>(`/api/v1/runs/${runId}`)).ref, 'refs/heads/main');
  const runners = new Map((await client.get<{ items: { id: string; name: string }[] }>('/api/v1/runners')).items.map((r) => [r.id, r.name]));
  assert.deepEqual(done.jobs.map((j) => [j.key, runners.get(j.runner ?? '')]), [['build', 'builder-1'], ['ship', 'shipper-1']]);
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/ship/log`), new RegExp(`binary of ${sha}`));

  const listed = await trueup(['runs', 'artifacts', runId, '-o', 'json', ...setup.hubArgs]);
  assert.equal(listed.code, 0, listed.stderr);
  const items = JSON.parse(listed.stdout) as { name: string; files: number; bytes: number; uploadedBy: string }[];
  assert.deepEqual(items.map((i) => [i.name, i.files, i.uploadedBy]), [['dist', 2, 'runner:builder-1']]);
  const out = await mkdtemp(join(tmpdir(), 'trueup-download-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const downloaded = await trueup(['runs', 'download', runId, 'dist', '-d', out, ...setup.hubArgs]);
  assert.equal(downloaded.code, 0, downloaded.stderr);
  assert.equal(await readFile(join(out, 'bin', 'app'), 'utf8'), `binary of ${sha}\n`);
  assert.equal((await readFile(join(out, 'blob'))).length, 1_500_000);
  const missing = await trueup(['runs', 'download', runId, 'nope', '-d', out, ...setup.hubArgs]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no artifact "nope" in run .*there are: dist/);
});

test('an artifact over the hub\'s limit fails its step naming the limit and stores nothing; a runner cannot read another run\'s artifacts', async (t) => {
  if (!(await requireGit(t))) return;
  const setup = await hubForRunners(t, { artifactMaxBytes: 200_000 });
  const { dir, client, hub } = setup;
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/big.yml': `on: workflow_dispatch
jobs:
  big:
    runs-on: linux
    steps:
      - run: head -c 1000000 /dev/urandom > big.bin && echo small > small.txt
      - uses: actions/upload-artifact@v4
        with: { name: small, path: small.txt }
      - uses: actions/upload-artifact@v4
        with: { name: big, path: big.bin }
`,
  });
  await repo.commit('big');
  await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatch(setup, repo.dir, 'big');
  const done = await finished(client, runId);
  assert.equal(done.conclusion, 'failure');
  assert.deepEqual(done.jobs[0]?.steps.map((s) => s.conclusion), ['success', 'success', 'failure']);
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/big/log`), /artifact "big" exceeds the hub's limit of 200000 bytes/);
  assert.deepEqual((await client.get<{ items: { name: string }[] }>(`/api/v1/runs/${runId}/artifacts`)).items.map((i) => i.name), ['small']);
  // The runner's own credential: no job of that run runs on it now, so it reads nothing.
  const { credential } = JSON.parse(await readFile(join(dir, 'r1', 'runner-credential.json'), 'utf8')) as { credential: string };
  const asRunner = new HubClient({ url: hub.url, token: credential, ca: hub.tls.ca });
  await assert.rejects(asRunner.get(`/api/v1/runs/${runId}/artifacts/small`), (error) => error instanceof HubApiError && error.status === 403 && /runs no job of run/.test(error.message));
});
