/** `trueup release …` and `trueup promote` as processes against a real hub with agents in dev and prod. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReleaseView } from '@trueup/api';
import { requireGit } from '@trueup/testkit';
import { eventually, startHandoffEnv } from '@trueup/testkit/handoff';
import { Auth } from '@trueup/hub';
import { trueupOffline } from './cli-testing.ts';


const app = (version: string): string => `apiVersion: host.trueup.dev/v1alpha1
kind: Command
metadata: { name: deploy }
spec:
  run: 'echo "$VERSION" > "$TRUEUP_ROOT/version"'
  env: { VERSION: "${version}" }
`;

test('release track, create, show, approve, list; promote back holds; unhold', async (t) => {
  if (!(await requireGit(t))) return;
  const env = await startHandoffEnv({
    environments: ['dev', 'prod'],
    files: (repoURL) => ({
      'envs/dev/app.yaml': app('v0'),
      'envs/prod/app.yaml': app('v0'),
      '.trueup/promotions/web.yml': `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: web }
spec:
  repo: ${repoURL}
  values: [{ name: version }]
  stages:
    - { name: dev, application: dev/web, set: [{ file: envs/dev/app.yaml, key: spec.env.VERSION, value: version }] }
    - { name: prod, application: prod/web, set: [{ file: envs/prod/app.yaml, key: spec.env.VERSION, value: version }], gates: { approvals: { count: 1 } } }
`,
    }),
  });
  t.after(() => env.stop());
  const { testHub } = env;
  const auth = new Auth(testHub.hub.store, Date.now);
  const caFile = join(env.dir, 'ca.pem');
  await writeFile(caFile, testHub.hub.tls.ca);
  const tokens: Record<string, string> = {};
  for (const [name, role] of [['olga', 'operator'], ['vic', 'viewer']] as const) {
    tokens[name] = join(env.dir, `${name}.token`);
    await writeFile(tokens[name], await auth.createToken(name, role), { mode: 0o600 });
  }
  const as = (who: string, args: string[]) => trueupOffline([...args, '--hub', testHub.hub.url, '--ca-file', caFile, '--token-file', tokens[who] ?? '']);
  const stateIn = (id: string, stage: string, state: string) => eventually(`${id} ${state} in ${stage}`, async () => {
    const view = await testHub.client.get<ReleaseView>(`/api/v1/releases/${id}`);
    return view.stages.find((s) => s.stage === stage)?.state === state ? view : undefined;
  });
  await eventually('both agents report web', async () => ((await testHub.client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === 2 ? true : undefined));

  const tracked = await as('olga', ['release', 'track', env.repoURL]);
  assert.equal(tracked.code, 0, tracked.stderr);
  assert.match(tracked.stdout, /promotion web \(\.trueup\/promotions\/web\.yml\)/);
  const made = await as('olga', ['release', 'create', 'web', '--value', 'version=v1']);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /made release web-1: version=v1/);
  await stateIn('web-1', 'dev', 'healthy');

  const waiting = await as('vic', ['release', 'show', 'web-1']);
  assert.equal(waiting.code, 0, waiting.stderr);
  assert.match(waiting.stdout, /dev \(dev\/web\): healthy \(running now\)/);
  assert.match(waiting.stdout, /prod \(prod\/web\): not promoted\n {2}gate previous: passed.*\n {2}gate approvals: waiting: 0 of 1 approval/);
  const refused = await as('vic', ['release', 'approve', 'web-1', '--stage', 'prod']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /token:vic may not approve/);
  const approved = await as('olga', ['release', 'approve', 'web-1', '--stage', 'prod']);
  assert.equal(approved.code, 0, approved.stderr);
  await stateIn('web-1', 'prod', 'healthy');
  const shown = await as('vic', ['release', 'show', 'web-1']);
  assert.match(shown.stdout, /prod \(prod\/web\): healthy \(running now\)\n {2}by automation; revision [0-9a-f]{12}/);
  assert.match(shown.stdout, /approved by token:olga \(operator/);
  // Named by the commit that put it in prod: where it runs and how it got there.
  const revision = (await testHub.client.get<ReleaseView>('/api/v1/releases/web-1')).stages.find((st) => st.stage === 'prod')?.revision ?? '';
  const bySha = await as('vic', ['release', 'show', revision.slice(0, 12)]);
  assert.equal(bySha.code, 0, bySha.stderr);
  assert.match(bySha.stdout, /^release web-1 of web: version=v1/);
  assert.match(bySha.stdout, new RegExp(`prod \\(prod/web\\): healthy \\(running now\\)\\n(?: {2}.*\\n)*? {2}agent reports revision ${revision.slice(0, 12)}: Synced, Healthy.*; runs this release\\n`));

  // dev's agent moves on to the commit that put web-1 in prod: it holds web-1's dev commit, so dev still runs web-1.
  const devNow = await eventually('dev applied the prod commit', async () => {
    const reported = (await testHub.client.get<ReleaseView>('/api/v1/releases/web-1')).stages.find((st) => st.stage === 'dev')?.reported;
    return reported?.revision === revision ? reported : undefined;
  });
  assert.equal(devNow.runsThisRelease, true, 'a later commit that holds the stage\'s commit runs the release');

  await as('olga', ['release', 'create', 'web', '--value', 'version=v2']);
  await as('olga', ['release', 'approve', 'web-2', '--stage', 'prod']);
  await stateIn('web-2', 'prod', 'healthy');

  // A person's rollback: the stage is held; show says so; the history lists both.
  const back = await as('olga', ['promote', 'web-1', '--to', 'prod']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /a rollback, so the stage is held/);
  await stateIn('web-1', 'prod', 'healthy');
  const rolledBack = (await as('vic', ['release', 'show', 'web-2'])).stdout;
  assert.match(rolledBack, /HELD by token:olga .*rolled back from web-2 to web-1/);
  assert.match(rolledBack, /prod \(prod\/web\): healthy\n(?: {2}.*\n)*? {2}agent reports revision [0-9a-f]{12}: Synced, Healthy.*; runs another revision\n/, 'prod runs the rollback commit');
  const history = await as('vic', ['release', 'list', '--environment', 'prod', '-o', 'json']);
  assert.deepEqual((JSON.parse(history.stdout) as ReleaseView[]).map((r) => r.id), ['web-1', 'web-2']);
  const table = await as('vic', ['release', 'list']);
  assert.match(table.stdout, /RELEASE +VALUES +CREATED +DEV +PROD\nweb-2 +version=v2 .* healthy\* +healthy\s*\nweb-1 +version=v1 .* healthy +healthy\*/);

  // Released: automation puts the newest release back.
  const released = await as('olga', ['release', 'unhold', 'prod', '--promotion', 'web']);
  assert.equal(released.code, 0, released.stderr);
  await eventually('web-2 back in prod', async () => {
    const view = await testHub.client.get<ReleaseView>('/api/v1/releases/web-2');
    const prod = view.stages.find((s) => s.stage === 'prod');
    return prod?.current === true && prod.state === 'healthy' ? true : undefined;
  });
});
