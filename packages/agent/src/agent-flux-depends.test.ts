/**
 * Flux's dependsOn gates every reconciliation, not only the first: while infrastructure is not
 * Ready, apps does not apply a new revision, and says what it waits for; once infrastructure is
 * Ready again, apps catches up. `wait: true`: a Kustomization is Healthy only when every object it
 * applied is.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFleetRepo, fluxGitRepository, fluxKustomization, kubeNamespace } from '@trueup/testkit';
import { brief, getObject, isSyncedAndHealthy, kubeEnv, startFluxAgent, waitForStatus } from './testing.ts';

function tree(repoURL: string, fluxNs: string, infraNs: string, appsNs: string, infraOptions = ''): Record<string, string> {
  const kustomization = (name: string, spec: string): string => fluxKustomization(fluxNs, name, spec);
  return {
    'clusters/prod/sync.yaml': `${fluxGitRepository(fluxNs, repoURL)}${kustomization('infrastructure', `  path: ./infrastructure\n  prune: true\n  targetNamespace: ${infraNs}\n${infraOptions}`)}
${kustomization('apps', `  dependsOn: [{ name: infrastructure }]\n  path: ./apps\n  prune: true\n  targetNamespace: ${appsNs}\n`)}`,
    'infrastructure/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: infra-settings }\ndata: { ready: "yes" }\n',
    'apps/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { version: "1" }\n',
  };
}

test('dependsOn holds every pass of a Flux Kustomization, not only its first, while a dependency is not Ready', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const [fluxNs, infraNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t), await kubeNamespace(env, t)];
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-depends-'));
  const { url, work, push } = await createFleetRepo(dir);
  await push(tree(url, fluxNs, infraNs, appsNs), 'flux tree');
  const agent = await startFluxAgent(t, env, dir, work.dir);
  const version = async (): Promise<unknown> => (await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/web-config`))?.['data'];
  await waitForStatus(agent, isSyncedAndHealthy, 'apps Ready', 60_000, 'apps');
  assert.deepEqual(await version(), { version: '1' });

  // infrastructure breaks (an object the API server refuses), then apps changes.
  await push({ 'infrastructure/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: Not_A_Name }\ndata: { ready: "no" }\n' }, 'infrastructure breaks');
  const broken = await agent.refresh('infrastructure');
  assert.notEqual(broken?.error, undefined, JSON.stringify(brief(broken)));
  await push({ 'apps/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { version: "2" }\n' }, 'apps v2');
  const held = await agent.refresh('apps');
  assert.equal(held?.health.status, 'Progressing', JSON.stringify(brief(held)));
  assert.match(held?.health.message ?? '', /waiting for infrastructure to be Synced and Healthy \(dependsOn\)/);
  // Not Ready, as Flux says it: its last sync and conditions are not kept.
  const ready = held?.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason, ready?.message], ['False', 'DependencyNotReady', "dependency 'infrastructure' is not ready"]);
  assert.equal(held?.sync, 'Unknown');
  assert.equal(held?.error, undefined);
  assert.deepEqual(held?.resources.map((r) => `${r.kind}/${r.name}`), ['ConfigMap/web-config'], 'what was applied stays listed');
  await new Promise((resolve) => setTimeout(resolve, 1500)); // time for a pass, were one let through
  assert.deepEqual(await version(), { version: '1' }, 'apps did not apply its new revision');
  assert.equal(agent.applications().find((s) => s.name === 'apps')?.health.status, 'Progressing');

  // infrastructure is fixed: apps catches up on its own, woken by infrastructure's pass (its
  // held pass would otherwise ask again only after 30 s, past the bound below).
  await push({ 'infrastructure/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: infra-settings }\ndata: { ready: "yes" }\n' }, 'infrastructure fixed');
  const fixed = await agent.refresh('infrastructure');
  assert.equal(fixed?.error, undefined, JSON.stringify(brief(fixed)));
  for (const deadline = Date.now() + 20_000; JSON.stringify(await version()) !== '{"version":"2"}';) {
    assert.ok(Date.now() < deadline, 'apps applied its new revision');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await waitForStatus(agent, (s) => isSyncedAndHealthy(s) && s.error === undefined, 'apps Ready again', 60_000, 'apps');
});

test('wait: true: a Kustomization is Ready only once every object it applied is Healthy, and its dependents wait', async (t) => {
  const env = await kubeEnv(t);
  if (env === undefined) return;
  const [fluxNs, infraNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t), await kubeNamespace(env, t)];
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-wait-'));
  const { url, work, push } = await createFleetRepo(dir);
  await push({
    ...tree(url, fluxNs, infraNs, appsNs, '  wait: true\n'),
    // No volume will ever bind this claim: it stays Pending, so Progressing.
    'infrastructure/claim.yaml': 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data }\nspec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n',
  }, 'flux tree');
  const agent = await startFluxAgent(t, env, dir, work.dir);
  const infra = await waitForStatus(agent, (s) => s.sync === 'Synced', 'infrastructure Synced', 60_000, 'infrastructure');
  assert.equal(infra.health.status, 'Progressing', JSON.stringify(brief(infra)));
  assert.deepEqual(infra.resources.map((r) => `${r.kind}/${r.name} ${r.health.status}`).sort(), ['ConfigMap/infra-settings Healthy', 'PersistentVolumeClaim/data Progressing']);
  const apps = await agent.refresh('apps');
  assert.match(apps?.health.message ?? '', /waiting for infrastructure to be Synced and Healthy \(dependsOn\)/, JSON.stringify(brief(apps)));
  assert.equal(await getObject(env, `/api/v1/namespaces/${appsNs}/configmaps/web-config`), undefined);
});
