/**
 * Flux's `healthChecks` and `wait: true` against the real API server: a Kustomization is Ready
 * only once the objects its healthChecks name are Healthy (a cluster object it does not apply, an
 * application the agent runs), or, with `wait: true`, once the Kustomizations it declares are
 * Ready; its dependents wait until then.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createFleetRepo, deploymentManifest, fluxGitRepository, fluxKustomization, kubeCall, kubeNamespace, kubeRequest, type KubeTestEnv } from '@trueup/testkit';
import type { Agent } from './agent.ts';
import { brief, getObject, isSyncedAndHealthy, kubeEnv, startFluxAgent, waitForStatus } from './testing.ts';

const kustomization = fluxKustomization;

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { ready: "yes" }\n`;
/** A Deployment no node can run until the test labels the node with `zone`: Progressing until then. */
const deployment = (zone: string) => deploymentManifest({ name: 'db', image: 'registry.invalid/trueup/db:1', podSpec: [`nodeSelector: { "${zone}": "yes" }`] });

/** Labels the test env's node so that `deployment(zone)` can run; the label goes when the test ends. */
async function labelNode(t: TestContext, env: KubeTestEnv, zone: string): Promise<void> {
  const label = (value: string | null) => kubeCall(env, 'PATCH', `/api/v1/nodes/${env.nodeName}`, { metadata: { labels: { [zone]: value } } }, { contentType: 'application/merge-patch+json' });
  t.after(async () => void (await label(null).catch(() => undefined)));
  await label('yes');
}

const newZone = () => `zone.trueup.dev/${randomBytes(4).toString('hex')}`;

interface Tree {
  env: KubeTestEnv;
  agent: Agent;
  push(files: Record<string, string>, message: string): Promise<void>;
}

async function fluxTree(t: TestContext, files: (repoURL: string) => Record<string, string>): Promise<Tree | undefined> {
  const env = await kubeEnv(t);
  if (env === undefined) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-health-'));
  const { url, work, push } = await createFleetRepo(dir);
  await push(files(url), 'flux tree');
  const agent = await startFluxAgent(t, env, dir, work.dir);
  return { env, agent, push };
}

const sync = fluxGitRepository;

test('healthChecks: a Kustomization is Ready only once the cluster objects and the applications it names are, and holds its dependents until then', async (t) => {
  const env0 = await kubeEnv(t);
  if (env0 === undefined) return;
  const [fluxNs, infraNs, appsNs, externalNs] = [await kubeNamespace(env0, t), await kubeNamespace(env0, t), await kubeNamespace(env0, t), await kubeNamespace(env0, t)];
  const zone = newZone();
  const tree = await fluxTree(t, (repoURL) => ({
    'clusters/prod/sync.yaml': `${sync(fluxNs, repoURL)}${kustomization(fluxNs, 'database', `  path: ./database\n  prune: true\n  targetNamespace: ${infraNs}\n`)}${kustomization(fluxNs, 'infrastructure', `  path: ./infrastructure
  prune: true
  targetNamespace: ${infraNs}
  healthChecks:
    - { apiVersion: v1, kind: ConfigMap, name: operator-ready, namespace: ${externalNs} }
    - { apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, name: database, namespace: ${fluxNs} }
`)}${kustomization(fluxNs, 'apps', `  dependsOn: [{ name: infrastructure }]\n  path: ./apps\n  prune: true\n  targetNamespace: ${appsNs}\n`)}`,
    'database/db.yaml': deployment(zone),
    'infrastructure/settings.yaml': configMap('infra-settings'),
    'apps/config.yaml': configMap('web-config'),
  }));
  if (tree === undefined) return;
  const { env, agent } = tree;

  // Its own objects are Healthy, but neither check passes: a ConfigMap nobody created yet, and database (a Deployment no node runs yet).
  // Once database has run its first pass (before, it is Missing to the check).
  const readyMessage = (s: { conditions: { type: string; reason: string; message: string }[] }) => s.conditions.find((c) => c.type === 'Ready' && c.reason === 'HealthCheckFailed')?.message ?? '';
  const infra = await waitForStatus(agent, (s) => s.sync === 'Synced' && s.resources.length > 0 && /Kustomization\/database: Progressing/.test(readyMessage(s)), 'infrastructure checked', 60_000, 'infrastructure');
  assert.deepEqual(infra.resources.map((r) => `${r.kind}/${r.name} ${r.health.status}`), ['ConfigMap/infra-settings Healthy'], 'the checked objects are not its resources');
  assert.equal(infra.health.status, 'Missing', JSON.stringify(brief(infra)));
  const message = infra.conditions.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, new RegExp(`ConfigMap/${externalNs}/operator-ready: Missing`));
  assert.match(message, /Kustomization\/database: Progressing/);
  const apps = await agent.refresh('apps');
  assert.equal(apps?.conditions.find((c) => c.type === 'Ready')?.reason, 'DependencyNotReady', JSON.stringify(brief(apps)));

  // The object appears (another controller's, not Trueup's): still held by database.
  const created = await kubeRequest(env, 'POST', `/api/v1/namespaces/${externalNs}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'operator-ready' } });
  assert.equal(created.status, 201, created.text);
  await waitForStatus(agent, (s) => s.health.status === 'Progressing' && /Kustomization\/database/.test(s.health.message ?? ''), 'only database holds infrastructure', 60_000, 'infrastructure');

  // database becomes Healthy: infrastructure is Ready without a pass of its own, and apps follows.
  await labelNode(t, env, zone);
  const ready = await waitForStatus(agent, (s) => isSyncedAndHealthy(s) && s.conditions.some((c) => c.type === 'Ready' && c.status === 'True'), 'infrastructure Ready', 60_000, 'infrastructure');
  assert.equal(ready.error, undefined);
  await waitForStatus(agent, isSyncedAndHealthy, 'apps Ready', 60_000, 'apps');
  assert.notEqual(await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/web-config`), undefined);
});

test('wait: true: a Kustomization is Ready only once the Kustomizations it declares are Ready', async (t) => {
  const env0 = await kubeEnv(t);
  if (env0 === undefined) return;
  const [fluxNs, platformNs] = [await kubeNamespace(env0, t), await kubeNamespace(env0, t)];
  const zone = newZone();
  const tree = await fluxTree(t, (repoURL) => ({
    'clusters/prod/sync.yaml': `${sync(fluxNs, repoURL)}${kustomization(fluxNs, 'platform', '  path: ./platform\n  prune: true\n  wait: true\n')}`,
    'platform/storage.yaml': kustomization(fluxNs, 'storage', `  path: ./storage\n  prune: true\n  targetNamespace: ${platformNs}\n`),
    'storage/db.yaml': deployment(zone),
  }));
  if (tree === undefined) return;
  const { agent, env } = tree;
  await waitForStatus(agent, (s) => s.sync === 'Synced' && s.health.status === 'Progressing', 'storage applied, Progressing', 60_000, 'storage');
  const platform = await waitForStatus(agent, (s) => s.conditions.some((c) => c.type === 'Ready' && c.reason === 'Progressing'), 'platform waiting for storage', 60_000, 'platform');
  assert.match(platform.health.message ?? '', /Kustomization\/storage: Progressing/, JSON.stringify(brief(platform)));

  await labelNode(t, env, zone);
  await waitForStatus(agent, (s) => isSyncedAndHealthy(s) && s.conditions.some((c) => c.type === 'Ready' && c.status === 'True'), 'platform Ready', 60_000, 'platform');
});
