/**
 * Image automation end to end: Debian's docker-registry on loopback with Basic auth, images pushed
 * through its HTTP API, a hub holding the registry's credentials, a promotion whose image policy
 * (a semver range) feeds its first stage, and a host agent applying it. A new tag in range becomes
 * a release written to dev; tags out of range or not versions change nothing; the registry down
 * changes nothing and says so.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReleaseView } from '@trueup/api';
import { requireGit, serveOciRegistry } from '@trueup/testkit';
import { eventually, startHandoffEnv } from '@trueup/testkit/handoff';
import type { LedgerEntry } from '@trueup/store';

const app = (image: string): string => `apiVersion: host.trueup.dev/v1alpha1
kind: Command
metadata:
  name: deploy
spec:
  run: 'echo "$IMAGE" > "$TRUEUP_ROOT/image"'
  env:
    IMAGE: "${image}"   # set by image automation
`;

test('a new tag in range becomes a release and reaches dev; the registry down changes nothing', async (t) => {
  if (!(await requireGit(t))) return;
  const credentials = { username: 'bot', password: 'pull-only-s3cret' };
  const registry = await serveOciRegistry(t, { auth: credentials });
  if (registry === undefined) return;
  t.after(() => registry.close());
  for (const tag of ['1.0.0', '1.1.0', '2.0.0', 'latest']) await registry.pushImage('team/web', tag);
  const authFile = join(tmpdir(), `trueup-registry-auth-${process.pid}.json`);
  await writeFile(authFile, JSON.stringify({ [registry.host]: credentials }), { mode: 0o600 });
  t.after(() => rm(authFile, { force: true }));
  const env = await startHandoffEnv({
    environments: ['dev'],
    hub: { registryAuthFile: authFile },
    files: (repoURL) => ({
      'envs/dev/app.yaml': app('none'),
      '.trueup/promotions/web.yml': `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: web }
spec:
  repo: ${repoURL}
  values: [{ name: image }]
  images:
    - { value: image, repository: ${registry.host}/team/web, semver: "^1", interval: 1h, insecure: true }
  stages:
    - { name: dev, application: dev/web, set: [{ file: envs/dev/app.yaml, key: spec.env.IMAGE, value: image }] }
`,
    }),
  });
  t.after(() => env.stop());
  const { operator, testHub } = env;
  const { client } = testHub;
  const image = async (): Promise<string> => (await readFile(join(env.roots.dev ?? '', 'image'), 'utf8').catch(() => '')).trim();
  await eventually('the agent reports web', async () => ((await client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === 1 ? true : undefined));

  // Tracking the promotion starts the policy: the newest tag in ^1 is released and written to dev.
  await operator.post('/api/v1/promotions/sources', { repoURL: env.repoURL });
  const first = await eventually('web-1 Healthy in dev', async () => {
    const view = await client.get<ReleaseView>('/api/v1/releases/web-1').catch(() => undefined);
    return view?.stages[0]?.state === 'healthy' ? view : undefined;
  });
  assert.deepEqual(first.values, { image: '1.1.0' });
  assert.equal(first.origin, 'image:1.1.0');
  assert.equal(first.createdBy, 'image-automation');
  assert.equal(await image(), '1.1.0');

  // A new tag in range: a new release, written to dev.
  await registry.pushImage('team/web', '1.2.0');
  await operator.post('/api/v1/promotions/refresh');
  await eventually('web-2 Healthy in dev', async () => {
    const view = await client.get<ReleaseView>('/api/v1/releases/web-2').catch(() => undefined);
    return view?.stages[0]?.state === 'healthy' ? view : undefined;
  });
  assert.equal(await image(), '1.2.0');

  // Tags out of range, pre-releases and words: nothing new.
  for (const tag of ['3.0.0', '1.3.0-rc.1', 'nightly']) await registry.pushImage('team/web', tag);
  await operator.post('/api/v1/promotions/refresh');
  type Promotions = { items: { images: { tag?: string; error?: string }[] }[] };
  assert.equal((await client.get<Promotions>('/api/v1/promotions')).items[0]?.images[0]?.tag, '1.2.0');
  assert.deepEqual((await client.get<{ items: ReleaseView[] }>('/api/v1/releases?promotion=web')).items.map((r) => r.id), ['web-2', 'web-1']);

  // The registry down: the error is shown, no release is made, dev keeps its image.
  await registry.close();
  await operator.post('/api/v1/promotions/refresh');
  const status = (await client.get<Promotions>('/api/v1/promotions')).items[0]?.images[0];
  assert.match(status?.error ?? '', /cannot be reached/);
  assert.doesNotMatch(status?.error ?? '', /s3cret/);
  assert.equal((await client.get<{ items: ReleaseView[] }>('/api/v1/releases?promotion=web')).items.length, 2);
  assert.equal(await image(), '1.2.0');
  const created = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=release-created&order=asc');
  assert.deepEqual(created.items.map((e) => e.details.origin), ['image:1.1.0', 'image:1.2.0']);
});
