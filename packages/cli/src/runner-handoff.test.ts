/**
 * The hand-off on a joined runner, against real components (a Git smart-HTTP server, the hub, a
 * `trueup runner` process, a host agent joined to the hub): a job of environment staging sets an
 * image tag in the config repository through the hub's writer and waits until the agent reports
 * the new revision Healthy; the commit is in the ledger with the run, the job and who triggered
 * it. A job of another environment may neither write that config nor wait on its application.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { agentFixture, createWorkRepo, requireGit, startGitHttpServer } from '@trueup/testkit';
import { dispatch, eventually, finished, hubForRunners, startRunner } from './runner-testing.ts';

interface Ledger { items: { kind: string; environment: string; actor?: string; details: Record<string, unknown> }[] }

const webFile = (tag: string): string => `# the web image; CI sets the tag
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: web
spec:
  path: /etc/web-image
  content: "web:${tag}"   # image tag
`;

test('trueup/gitops-set and trueup/wait-healthy on a joined runner: only the config and applications of the job\'s environment', async (t) => {
  if (!(await requireGit(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client } = setup;
  const fixture = await agentFixture({ files: { 'app/web.yaml': webFile('1.0') } });
  t.after(() => fixture.cleanup());
  const server = await startGitHttpServer({ root: join(fixture.dir, 'repos') });
  t.after(() => server.close());
  const repoURL = server.url('config.git');
  await writeFile(fixture.appFile, (await readFile(fixture.appFile, 'utf8')).replace(fixture.repoURL, repoURL));
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'staging', labels: {}, ttl: '10m' });
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], hub: { joinTokenFile: tokenFile } });
  t.after(() => agent.stop());
  await eventually('the agent reports its application Healthy', async () => ((await client.get<{ items: { health: string }[] }>('/api/v1/applications?environment=staging')).items[0]?.health === 'Healthy' ? true : undefined));
  assert.equal(await readFile(join(fixture.root, 'etc/web-image'), 'utf8'), 'web:1.0');

  const repo = await createWorkRepo(join(dir, 'repo'));
  await repo.write({
    '.trueup/workflows/ship.yml': `on: workflow_dispatch
jobs:
  deploy:
    runs-on: linux
    environment: staging
    steps:
      - id: set
        uses: trueup/gitops-set
        with: { repo: "${repoURL}", file: app/web.yaml, key: spec.content, value: "web:1.1" }
      - id: wait
        uses: trueup/wait-healthy
        with: { app: staging/test, revision: "\${{ steps.set.outputs.revision }}", timeout: 60s }
      - run: echo "deployed \${{ steps.set.outputs.revision }} \${{ steps.wait.outputs.state }}"
  write-elsewhere:
    runs-on: linux
    environment: prod
    steps:
      - uses: trueup/gitops-set
        with: { repo: "${repoURL}", file: app/web.yaml, key: spec.content, value: "web:6.6" }
  wait-elsewhere:
    runs-on: linux
    environment: prod
    steps:
      - uses: trueup/wait-healthy
        with: { app: staging/test, revision: "${'a'.repeat(40)}", timeout: 5s }
`,
  });
  await repo.commit('ship');
  const runner = await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatch(setup, repo.dir, 'ship');
  const done = await finished(client, runId);
  const log = (job: string): Promise<string> => client.get<string>(`/api/v1/runs/${runId}/jobs/${job}/log`);
  assert.deepEqual(Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion])), { deploy: 'success', 'write-elsewhere': 'failure', 'wait-elsewhere': 'failure' }, `${await log('deploy')}\n${runner.output()}`);

  const deployLog = await log('deploy');
  const revision = /deployed ([0-9a-f]{40}) healthy/.exec(deployLog)?.[1];
  assert.ok(revision !== undefined, deployLog);
  assert.match(deployLog, new RegExp(`\\[trueup\\] committed ${revision} \\(app/web\\.yaml spec\\.content = web:1\\.1\\); refreshing staging/test`));
  assert.equal(await readFile(join(fixture.root, 'etc/web-image'), 'utf8'), 'web:1.1');
  const status = await client.get<{ revision: string; health: string }>('/api/v1/environments/staging/applications/test');
  assert.deepEqual([status.revision, status.health], [revision, 'Healthy']);
  // Exactly the changed line, with the run's trailer.
  const bare = join(fixture.dir, 'repos', 'config.git');
  assert.match(await fixture.work.git('--git-dir', bare, 'log', '-1', '--format=%B', revision), new RegExp(`Trueup-Run: ${runId}`));
  const diff = await fixture.work.git('--git-dir', bare, 'show', '--format=', '--unified=0', revision);
  assert.deepEqual(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line)), ['-  content: "web:1.0"   # image tag', '+  content: "web:1.1"   # image tag']);

  assert.match(await log('write-elsewhere'), /job write-elsewhere deploys to environment "prod": no application of "prod" reads app\/web\.yaml on main of http:\/\/127\.0\.0\.1:\d+\/config\.git, so the job may not write it/);
  assert.match(await log('wait-elsewhere'), /job wait-elsewhere deploys to environment "prod": it may wait only on applications of its own environment, not staging\/test/);

  const ledger = await client.get<Ledger>('/api/v1/events?kind=gitops-commit&limit=10');
  assert.equal(ledger.items.length, 1, JSON.stringify(ledger.items));
  const [entry] = ledger.items;
  assert.deepEqual([entry?.environment, entry?.actor, entry?.details.revision, entry?.details.run, entry?.details.job, entry?.details.runner, entry?.details.source], ['staging', 'token:admin', revision, runId, 'deploy', 'r1', 'trueup/gitops-set']);
});
