/**
 * `uses: trueup/release` on a joined runner, against a real hub, Git server, runner and two host
 * agents: the release names the run and job that made it (the hub's records, not the job's words),
 * goes dev → qa by itself, and `trueup release show` answers in one request with the run, each
 * stage's commit, every agent that applied each commit (when, result, health now), and the
 * promotions. A job of an environment that is not the promotion's first stage is refused.
 */
import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReleaseView } from '@trueup/api';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { startHandoffEnv, versionPromotion } from '@trueup/testkit/handoff';
import { dispatch, eventually, finished, startRunner, trueup } from './runner-testing.ts';

const app = (version: string): string => `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: version
spec:
  path: /version
  content: "${version}"   # promoted
`;

const promotionFile = (repoURL: string): string => versionPromotion(repoURL, 'spec.content', ['dev', 'qa']);

const WORKFLOW = `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: echo built
  release:
    needs: build
    runs-on: linux
    environment: dev
    steps:
      - id: made
        uses: trueup/release
        with:
          promotion: web
          values: |
            version=v2
      - run: echo "made \${{ steps.made.outputs.release }} (\${{ steps.made.outputs.created }})"
  stray:
    runs-on: linux
    environment: qa
    steps:
      - uses: trueup/release
        with: { promotion: web, values: version=v3 }
  unnamed:
    runs-on: linux
    environment: dev
    steps:
      - uses: trueup/release
        with: { promotion: web, values: "version" }
`;

test('trueup/release: a release made by a job names its run; release show lists the run, each commit, every agent that applied it, and the promotions', async (t) => {
  if (!(await requireGit(t))) return;
  const env = await startHandoffEnv({
    environments: ['dev', 'qa'],
    files: (repoURL) => ({ 'envs/dev/app.yaml': app('v1'), 'envs/qa/app.yaml': app('v1'), '.trueup/promotions/web.yml': promotionFile(repoURL) }),
    hub: { runnerLeaseMs: 3000, pipelinePollMs: 3_600_000 },
  });
  t.after(() => env.stop());
  const { testHub, repoURL } = env;
  const { client } = testHub;
  const hubArgs = ['--data-dir', testHub.dataDir];
  await eventually('both agents report web', async () => ((await client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === 2 ? true : undefined));
  await client.post('/api/v1/promotions/sources', { repoURL });

  // The runner helpers find the hub's data dir under DIR/hub.
  await symlink(testHub.dataDir, join(env.dir, 'hub'));
  const repo = await createWorkRepo(join(env.dir, 'pipeline'));
  await repo.write({ '.trueup/workflows/ship.yml': WORKFLOW });
  const built = await repo.commit('ship');
  const runner = await startRunner(t, env.dir, 'r1', 'linux');
  const runId = await dispatch({ dir: env.dir, hub: testHub.hub, client, hubArgs }, repo.dir, 'ship');
  const done = await finished(client, runId);
  const log = (job: string): Promise<string> => client.get<string>(`/api/v1/runs/${runId}/jobs/${job}/log`);
  assert.deepEqual(Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion])), { build: 'success', release: 'success', stray: 'failure', unnamed: 'failure' }, runner.output());
  assert.match(await log('release'), /made web-1 \(true\)/);
  assert.match(await log('stray'), /job stray deploys to environment "qa": a job makes releases only of a promotion whose first stage is its own environment, and web starts in "dev" \(dev\/web\)/);
  assert.match(await log('unnamed'), /trueup\/release: "values" entry 1 \("version"\) is not NAME=VALUE/);

  // The release goes dev → qa by itself.
  const show = async (): Promise<ReleaseView> => {
    const shown = await trueup(['release', 'show', 'web-1', '-o', 'json', ...hubArgs]);
    assert.equal(shown.code, 0, shown.stderr);
    return JSON.parse(shown.stdout) as ReleaseView;
  };
  const view = await eventually('web-1 healthy in qa, reported by both agents', async () => {
    const current = await show();
    const qa = current.stages.find((s) => s.stage === 'qa');
    const applied = current.applied ?? [];
    return qa?.state === 'healthy' && applied.filter((a) => a.revision === qa.revision && a.runsNow).length === 2 ? current : undefined;
  });
  assert.equal(view.origin, `run ${runId}/release`);
  assert.deepEqual(view.run, { id: runId, job: 'release', workflow: view.run?.workflow, repository: repo.dir, sha: built, actor: 'token:admin', status: 'completed', conclusion: 'failure' });
  assert.match(view.run?.workflow ?? '', /ship/);
  const [dev, qa] = [view.stages.find((s) => s.stage === 'dev'), view.stages.find((s) => s.stage === 'qa')];
  assert.equal(dev?.state, 'healthy');
  assert.match(dev?.revision ?? '', /^[0-9a-f]{40}$/);
  assert.notEqual(dev?.revision, qa?.revision);
  // Both agents follow the branch: each applied each stage's commit, and both run qa's now, Healthy.
  const applied = (view.applied ?? []).map((a) => [a.stage, a.environment, a.application, a.runsNow, a.health ?? null]);
  assert.deepEqual(applied.filter((a) => a[0] === 'qa').sort(), [['qa', 'dev', 'web', true, 'Healthy'], ['qa', 'qa', 'web', true, 'Healthy']]);
  assert.deepEqual(applied.filter((a) => a[0] === 'dev').map((a) => a[1]).sort(), ['dev', 'qa']);
  assert.ok((view.applied ?? []).every((a) => !Number.isNaN(Date.parse(a.at)) && a.result !== 'Failed'));

  // The human answer names the run, the commits and the agents.
  const text = await trueup(['release', 'show', 'web-1', ...hubArgs]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`made by run ${runId}, job release \\(.*ship.*at ${built.slice(0, 12)}`));
  assert.match(text.stdout, new RegExp(`applied ${qa?.revision?.slice(0, 12) ?? ''} \\(qa\\): dev/web at .*, runs it now, Healthy`));
  assert.match(text.stdout, new RegExp(`applied ${qa?.revision?.slice(0, 12) ?? ''} \\(qa\\): qa/web at .*, runs it now, Healthy`));
  // The ledger's entry names the run and job.
  const created = await client.get<{ items: { details: Record<string, unknown> }[] }>('/api/v1/events?kind=release-created&limit=10');
  assert.deepEqual(created.items.map((e) => [e.details.releaseId, e.details.run, e.details.job]), [['web-1', runId, 'release']]);
});
