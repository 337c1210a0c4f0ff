/**
 * The README's hand-off walkthrough ("From a build to prod"), followed as a user would with the
 * CLI as processes against a real hub, a `trueup runner` process and host agents in dev and prod:
 * a workflow builds a version and makes a release of it (the hub sets it in the config repository
 * and waits for dev's agent), prod waits for an approval, `trueup release approve` promotes it;
 * a second release goes the same way; `trueup promote` back is a rollback that holds prod while a
 * newer release reaches only dev, until `trueup release unhold`; a hand edit in prod is adopted as a commit on a new branch,
 * listed by `trueup adopt --list`, the tracked branch untouched.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Adoption, AdoptResult, ReleaseView } from '@trueup/api';
import { createWorkRepo, requireGit } from '@trueup/testkit';
import { startHandoffEnv } from '@trueup/testkit/handoff';
import { dispatch, eventually, finished, startRunner, trueup } from './runner-testing.ts';

const run = promisify(execFile);

const app = (version: string): string => `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: version
spec:
  path: /version
  content: "${version}"   # set by the promotion
`;

const promotion = (repoURL: string): string => `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: web }
spec:
  repo: ${repoURL}
  values: [{ name: version }]
  stages:
    - { name: dev, application: dev/web, set: [{ file: envs/dev/app.yaml, key: spec.content, value: version }] }
    - { name: prod, application: prod/web, set: [{ file: envs/prod/app.yaml, key: spec.content, value: version }], gates: { approvals: { count: 1, role: operator } } }
`;

const WORKFLOW = `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    outputs:
      version: \${{ steps.build.outputs.version }}
    steps:
      - id: build
        run: echo "version=v1-\${GITHUB_SHA:0:7}" >> "$GITHUB_OUTPUT"
  release:
    needs: build
    runs-on: linux
    environment: dev                 # the promotion's first stage
    steps:
      - uses: trueup/release
        with: { promotion: web, values: "version=\${{ needs.build.outputs.version }}" }
`;

test('the README walkthrough: build → release → dev, approval → prod, a rollback holds, a hand edit in prod adopted on a branch', async (t) => {
  if (!(await requireGit(t))) return;
  const env = await startHandoffEnv({
    environments: ['dev', 'prod'],
    files: (repoURL) => ({ 'envs/dev/app.yaml': app('v0'), 'envs/prod/app.yaml': app('v0'), '.trueup/promotions/web.yml': promotion(repoURL) }),
    hub: { runnerLeaseMs: 3000, pipelinePollMs: 3_600_000 },
  });
  t.after(() => env.stop());
  const { testHub, repoURL, roots } = env;
  const { client } = testHub;
  const hubArgs = ['--data-dir', testHub.dataDir];
  const { info } = testHub.hub;
  const cli = async (args: string[]): Promise<string> => {
    const out = await trueup([...args, '--hub', info.url, '--ca-file', info.caCertFile, '--token-file', info.adminTokenFile]);
    assert.equal(out.code, 0, `trueup ${args.join(' ')}: ${out.stderr}`);
    return out.stdout;
  };
  const stateIn = (id: string, stage: string, state: string): Promise<ReleaseView> => eventually(`${id} ${state} in ${stage}`, async () => {
    const view = JSON.parse(await cli(['release', 'show', id, '-o', 'json'])) as ReleaseView;
    return view.stages.find((s) => s.stage === stage)?.state === state ? view : undefined;
  });
  const prodFile = join(roots['prod'] ?? '', 'version');
  await eventually('both agents report web', async () => ((await client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === 2 ? true : undefined));

  // The hub reads the promotion from the config repository.
  assert.match(await cli(['release', 'track', repoURL]), /promotion web/);

  // A workflow builds a version and makes a release of it: dev gets it, prod waits for an approval.
  await symlink(testHub.dataDir, join(env.dir, 'hub'));
  const repo = await createWorkRepo(join(env.dir, 'app'));
  await repo.write({ '.trueup/workflows/ship.yml': WORKFLOW });
  const sha = await repo.commit('ship');
  const runner = await startRunner(t, env.dir, 'r1', 'linux');
  const runId = await dispatch({ dir: env.dir, hub: testHub.hub, client, hubArgs }, repo.dir, 'ship');
  const done = await finished(client, runId);
  assert.deepEqual(done.jobs.map((j) => [j.key, j.conclusion]), [['build', 'success'], ['release', 'success']], runner.output());
  const version = `v1-${sha.slice(0, 7)}`;
  const first = await stateIn('web-1', 'dev', 'healthy');
  assert.deepEqual(first.values, { version });
  assert.equal(await readFile(join(roots['dev'] ?? '', 'version'), 'utf8'), version);
  assert.match(await cli(['release', 'show', 'web-1']), /gate approvals: waiting: 0 of 1 approval/);
  assert.equal(await readFile(prodFile, 'utf8'), 'v0');

  // Approved: prod runs it.
  await cli(['release', 'approve', 'web-1', '--stage', 'prod']);
  await stateIn('web-1', 'prod', 'healthy');
  assert.equal(await readFile(prodFile, 'utf8'), version);

  // A second release the same way.
  assert.match(await cli(['release', 'create', 'web', '--value', 'version=v2']), /made release web-2/);
  await stateIn('web-2', 'dev', 'healthy');
  await cli(['release', 'approve', 'web-2', '--stage', 'prod']);
  await stateIn('web-2', 'prod', 'healthy');
  assert.equal(await readFile(prodFile, 'utf8'), 'v2');

  // A rollback by hand holds prod: a newer release reaches dev only.
  assert.match(await cli(['promote', 'web-1', '--to', 'prod']), /a rollback, so the stage is held/);
  await eventually('prod back on web-1', async () => ((await readFile(prodFile, 'utf8')) === version ? true : undefined));
  await cli(['release', 'create', 'web', '--value', 'version=v3']);
  await stateIn('web-3', 'dev', 'healthy');
  const held = await cli(['release', 'show', 'web-3']);
  assert.match(held, /HELD by token:admin/);
  await cli(['release', 'approve', 'web-3', '--stage', 'prod']);
  await cli(['refresh', 'prod/web']);
  assert.equal(await readFile(prodFile, 'utf8'), version, 'held: the approval does not move prod');
  await cli(['release', 'unhold', 'prod', '--promotion', 'web']);
  await stateIn('web-3', 'prod', 'healthy');
  assert.equal(await readFile(prodFile, 'utf8'), 'v3');

  // A hand edit in prod, kept: self-heal of the object paused, the live value committed on a new branch.
  const key = 'host.trueup.dev/v1alpha1/File//version';
  await cli(['pause', 'prod/web', '--object', key]);
  await writeFile(prodFile, 'hotfix');
  await cli(['refresh', 'prod/web']);
  await eventually('prod/web OutOfSync', async () => ((await client.get<{ sync: string }>('/api/v1/environments/prod/applications/web')).sync === 'OutOfSync' ? true : undefined));
  const mainBefore = (await run('git', ['--git-dir', env.bare, 'rev-parse', 'main'])).stdout.trim();
  const adopted = JSON.parse(await cli(['adopt', 'prod/web', 'File/version', '-o', 'json'])) as AdoptResult;
  assert.match(adopted.branch, /^trueup\/adopt\/prod-web-file-version-/);
  assert.deepEqual([adopted.outcome, adopted.pending, adopted.changes.map((c) => [c.file, c.key, c.to])], ['committed', true, [['envs/prod/app.yaml', 'spec.content', 'hotfix']]]);
  assert.equal((await run('git', ['--git-dir', env.bare, 'rev-parse', 'main'])).stdout.trim(), mainBefore, 'main is not written');
  assert.match((await run('git', ['--git-dir', env.bare, 'show', `${adopted.branch}:envs/prod/app.yaml`])).stdout, /content: "hotfix"   # set by the promotion/);
  const pending = JSON.parse(await cli(['adopt', '--list', 'prod', '-o', 'json'])) as Adoption[];
  assert.deepEqual(pending.map((a) => [a.object, a.branch, a.compare]), [[key, adopted.branch, adopted.compare]]);
  await cli(['refresh', 'prod/web']);
  assert.equal(await readFile(prodFile, 'utf8'), 'hotfix', 'still paused: not healed');
});
