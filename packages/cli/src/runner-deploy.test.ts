/**
 * Trueup's deploy steps on joined runners, against real components:
 * - `trueup/deploy` over SSH to a real sshd, with the key and the pinned host key of the job's
 *   environment (its secrets); a changed host key and missing known hosts are refused; every
 *   deployment is in the hub's ledger with environment, revision, run, job and who.
 * - `trueup/sync` asks the agent of the job's own environment, through the hub, to sync; the
 *   runner holds no credential of it; a job of another environment is refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startAgent } from '@trueup/agent';
import { agentFixture, createWorkRepo, requireGit, requireSshd, startSshd } from '@trueup/testkit';
import { dispatch, eventually, finished, hubForRunners, sshDeploySecrets, startRunner } from './runner-testing.ts';

const execFileAsync = promisify(execFile);

interface Ledger { items: { kind: string; environment: string; actor?: string; application?: string; details: Record<string, unknown> }[] }

test('trueup/deploy over SSH: the environment\'s key and pinned host key; a changed host key or none is refused; each deployment is in the ledger', async (t) => {
  if (!(await requireGit(t)) || !(await requireSshd(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client } = setup;
  const sshd = await startSshd({ dir: join(dir, 'sshd') });
  t.after(() => sshd.close());
  const srv = await mkdtemp(join(tmpdir(), 'trueup-srv-'));
  t.after(() => rm(srv, { recursive: true, force: true }));
  const user = (await execFileAsync('id', ['-un'])).stdout.trim();
  const target = `ssh://${user}@127.0.0.1:${sshd.port}`;
  const repo = await createWorkRepo(join(dir, 'repo'));
  const deployJob = (environment: string): string => `
  deploy-${environment}:
    needs: build
    runs-on: linux
    environment: ${environment}
    steps:
      - uses: actions/download-artifact@v4
        with: { name: site, path: dist }
      - uses: trueup/deploy
        with:
          target: ${target}
          files: dist
          to: ${srv}/${environment}
          run: cp dist/index.html current.html && echo "live on $(hostname)"
`;
  await repo.write({
    '.trueup/workflows/ship.yml': `on: workflow_dispatch
jobs:
  build:
    runs-on: linux
    steps:
      - run: mkdir -p dist && echo "release $GITHUB_SHA" > dist/index.html
      - uses: actions/upload-artifact@v4
        with: { name: site, path: dist }
${deployJob('web')}${deployJob('spoofed')}${deployJob('unpinned')}`,
  });
  const sha = await repo.commit('ship');
  // web pins the server's host key; spoofed another key for the same address; unpinned none.
  const key = await sshDeploySecrets(client, repo.dir, sshd, dir);
  await client.post('/api/v1/secrets', { repository: repo.dir, environment: 'unpinned', name: 'SSH_PRIVATE_KEY', value: key });
  const runner = await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatch(setup, repo.dir, 'ship');
  const done = await finished(client, runId);
  const conclusions = Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion]));
  assert.deepEqual(conclusions, { build: 'success', 'deploy-web': 'success', 'deploy-spoofed': 'failure', 'deploy-unpinned': 'failure' }, runner.output());
  assert.equal(await readFile(join(srv, 'web', 'current.html'), 'utf8'), `release ${sha}\n`);
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy-web/log`), /live on /);
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy-spoofed/log`), /the host key of 127\.0\.0\.1:\d+ is not the one pinned in the environment's known hosts: refused/);
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy-unpinned/log`), /no secret SSH_KNOWN_HOSTS .*without the host's pinned key Trueup does not connect/);
  await assert.rejects(readFile(join(srv, 'spoofed', 'current.html')), /ENOENT/, 'nothing reached the host whose key did not match');
  // The key never reaches the log.
  assert.doesNotMatch(await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy-web/log`), /PRIVATE KEY/);

  const ledger = await client.get<Ledger>('/api/v1/events?kind=deployment&limit=100');
  const web = ledger.items.find((e) => e.environment === 'web');
  assert.ok(web !== undefined, JSON.stringify(ledger.items));
  assert.equal(web.actor, 'token:admin');
  assert.match(String(web.details.workflow), /ship/);
  assert.equal(web.details.runner, 'r1');
  assert.deepEqual({ ...web.details, workflow: undefined }, { via: 'trueup/deploy', target, revision: sha, result: 'succeeded', run: runId, job: 'deploy-web', runner: 'r1', repository: repo.dir, workflow: undefined });
  const spoofed = ledger.items.find((e) => e.environment === 'spoofed');
  assert.equal(spoofed?.details.result, 'failed');
  assert.equal(ledger.items.some((e) => e.environment === 'unpinned'), false, 'a step that never connected deployed nothing');
});

test('trueup/sync: the agent of the job\'s environment syncs through the hub and the deployment is recorded; a job of another environment is refused', async (t) => {
  if (!(await requireGit(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client } = setup;
  const fixture = await agentFixture({ files: { 'app/motd.yaml': 'apiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: motd\nspec:\n  path: /etc/motd\n  content: "v1"\n' } });
  t.after(() => fixture.cleanup());
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'dev', labels: {}, ttl: '10m' });
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], hub: { joinTokenFile: tokenFile } });
  t.after(() => agent.stop());
  await eventually('the agent reports its application', async () => ((await client.get<{ total: number }>('/api/v1/applications?environment=dev')).total > 0 ? true : undefined));
  // A new commit the agent has not seen: its interval is an hour, so only the sync applies it.
  const config = await fixture.commit({ 'app/motd.yaml': 'apiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: motd\nspec:\n  path: /etc/motd\n  content: "v2"\n' });
  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/sync.yml': `on:
  workflow_dispatch:
    inputs:
      revision: { type: string }
jobs:
  deploy:
    runs-on: linux
    environment: dev
    steps:
      - id: sync
        uses: trueup/sync
        with: { application: dev/test, revision: "\${{ inputs.revision }}", timeout: 60s }
      - run: echo "synced \${{ steps.sync.outputs.revision }} \${{ steps.sync.outputs.sync }}"
  elsewhere:
    runs-on: linux
    environment: prod
    steps:
      - uses: trueup/sync
        with: { application: dev/test }
`,
  });
  await repo.commit('sync');
  await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatch(setup, repo.dir, 'sync', [`revision=${config}`]);
  const done = await finished(client, runId);
  assert.deepEqual(Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion])), { deploy: 'success', elsewhere: 'failure' }, await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy/log`));
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'v2');
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/deploy/log`), new RegExp(`synced ${config} Synced`));
  assert.match(await client.get<string>(`/api/v1/runs/${runId}/jobs/elsewhere/log`), /job elsewhere deploys to environment "prod": it may sync only applications of its own environment, not dev\/test/);
  const ledger = await client.get<Ledger>('/api/v1/events?kind=deployment&environment=dev&limit=10');
  assert.deepEqual(ledger.items.map((e) => [e.application, e.actor, e.details.via, e.details.revision, e.details.result, e.details.run, e.details.job]), [['test', 'token:admin', 'trueup/sync', config, 'succeeded', runId, 'deploy']]);
});
