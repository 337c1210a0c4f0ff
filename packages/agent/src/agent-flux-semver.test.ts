/**
 * A GitRepository's `ref.semver`, against the real API server and a Git smart-HTTP server: the
 * Kustomization deploys the highest tag in the range, leaves a tag past the range alone, and moves
 * when a new tag in the range is pushed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServedRepo, createWorkRepo, kubeNamespace, startGitHttpServer } from '@trueup/testkit';
import { startAgent } from './agent.ts';
import { brief, getObject, isSyncedAndHealthy, kubeEnv, waitForStatus } from './testing.ts';

const config = (version: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { version: "${version}" }\n`;

test('ref.semver follows the highest tag in its range, and moves when a new one is pushed', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const [fluxNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t)];
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-semver-'));
  const served = join(dir, 'repos');
  const bare = await createServedRepo(served, 'apps.git');
  const server = await startGitHttpServer({ root: served });
  const work = await createWorkRepo(join(dir, 'work'));
  const release = async (tag: string, version: string): Promise<string> => {
    await work.write({ 'deploy/config.yaml': config(version) });
    const sha = await work.commit(`release ${tag}`);
    await work.tag(tag, { message: tag });
    await work.git('push', '--quiet', '--tags', bare, 'main');
    return sha;
  };
  const first = await release('v1.0.0', '1.0.0');
  await release('v2.0.0', '2.0.0'); // past the range
  await work.write({
    'clusters/prod/flux-system/gotk-sync.yaml': `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: apps, namespace: ${fluxNs} }
spec:
  interval: 1m
  url: ${server.url('apps.git')}
  ref: { semver: ">=1.0.0, <2.0.0" }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: apps, namespace: ${fluxNs} }
spec:
  interval: 10m
  sourceRef: { kind: GitRepository, name: apps }
  path: ./deploy
  prune: true
  targetNamespace: ${appsNs}
`,
  });
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig;
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [join(work.dir, 'clusters/prod')] });
  t.after(async () => {
    await agent.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });
  const version = async (): Promise<unknown> => (await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/web-config`))?.['data'];
  const status = await waitForStatus(agent, isSyncedAndHealthy, 'apps Ready', 60_000, 'apps');
  assert.equal(status.revision, first, JSON.stringify(brief(status)));
  assert.equal(status.source.ref, 'semver:>=1.0.0, <2.0.0');
  assert.deepEqual(await version(), { version: '1.0.0' });

  // A new tag in the range (pushed after v2.0.0, and a lower version than it) is taken.
  await work.git('checkout', '--quiet', '-b', 'release-1.x', first);
  const patch = await release('v1.1.0', '1.1.0');
  const moved = await agent.refresh('apps');
  assert.equal(moved?.revision, patch, JSON.stringify(brief(moved)));
  assert.deepEqual(await version(), { version: '1.1.0' });
});
