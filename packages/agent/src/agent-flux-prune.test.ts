/**
 * Kustomizations removed from Git, against the real API server: with a pruning parent, their
 * objects are pruned as Flux's deletionPolicy says (MirrorPrune: when the Kustomization prunes;
 * Orphan: never), also when the removal happened while the agent was down (the parent's children
 * are kept in the agent's state), and never on doubt (a render of the parent that failed).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createFleetRepo, fluxBootstrap, fluxKustomization, kubeNamespace, type KubeTestEnv, type WorkRepo } from '@trueup/testkit';
import { startAgent, type Agent } from './agent.ts';
import { brief, getObject, isSyncedAndHealthy, kubeEnv, waitForStatus } from './testing.ts';

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { a: "1" }\n`;

interface Fleet {
  env: KubeTestEnv;
  work: WorkRepo;
  stateDir: string;
  namespaces: { apps: string; kept: string };
  start(): Promise<Agent>;
  push(files: Record<string, string | null>, message: string): Promise<void>;
}

async function fleet(t: TestContext): Promise<Fleet | undefined> {
  const env = await kubeEnv(t);
  if (env === undefined) return undefined;
  const [fluxNs, appsNs, keptNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t), await kubeNamespace(env, t)];
  const dir = await mkdtemp(join(tmpdir(), 'trueup-flux-prune-'));
  const { url, work, push } = await createFleetRepo(dir);
  await push({
    ...fluxBootstrap(fluxNs, url),
    'clusters/prod/apps.yaml': fluxKustomization(fluxNs, 'apps', `  path: ./apps\n  prune: true\n  targetNamespace: ${appsNs}\n`),
    'clusters/prod/kept.yaml': fluxKustomization(fluxNs, 'kept', `  path: ./kept\n  prune: true\n  deletionPolicy: Orphan\n  targetNamespace: ${keptNs}\n`),
    'apps/config.yaml': configMap('web-config'),
    'kept/config.yaml': configMap('kept-config'),
  }, 'flux tree');
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig;
  const agents: Agent[] = [];
  const stateDir = join(dir, 'state');
  t.after(async () => {
    for (const agent of agents) await agent.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });
  const start = async (): Promise<Agent> => {
    const agent = await startAgent({ stateDir, paths: [join(work.dir, 'clusters/prod')] });
    agents.push(agent);
    return agent;
  };
  return { env, work, stateDir, namespaces: { apps: appsNs, kept: keptNs }, start, push };
}

async function converged(agent: Agent): Promise<void> {
  await waitForStatus(agent, isSyncedAndHealthy, 'apps Ready', 60_000, 'apps');
  await waitForStatus(agent, isSyncedAndHealthy, 'kept Ready', 60_000, 'kept');
}

async function waitGone(env: KubeTestEnv, path: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; await getObject(env, path) !== undefined;) {
    assert.ok(Date.now() < deadline, `${path} pruned`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a Kustomization removed from Git has its objects pruned (MirrorPrune), one with deletionPolicy Orphan keeps them', async (t) => {
  const f = await fleet(t);
  if (f === undefined) return;
  const agent = await f.start();
  await converged(agent);
  await f.push({ 'clusters/prod/apps.yaml': null, 'clusters/prod/kept.yaml': null }, 'remove apps and kept');
  await agent.refresh('flux-system');
  await waitGone(f.env, `/api/v1/namespaces/${f.namespaces.apps}/configmaps/web-config`);
  assert.notEqual(await getObject(f.env, `/api/v1/namespaces/${f.namespaces.kept}/configmaps/kept-config`), undefined, 'Orphan: kept');
  assert.deepEqual(agent.applicationNames(), ['flux-system']);
});

test('a Kustomization removed from Git while the agent was down is pruned at the next start', async (t) => {
  const f = await fleet(t);
  if (f === undefined) return;
  const first = await f.start();
  await converged(first);
  await first.stop();
  await f.push({ 'clusters/prod/apps.yaml': null }, 'remove apps');
  const second = await f.start();
  await waitGone(f.env, `/api/v1/namespaces/${f.namespaces.apps}/configmaps/web-config`);
  await waitForStatus(second, isSyncedAndHealthy, 'kept Ready', 60_000, 'kept');
  assert.notEqual(await getObject(f.env, `/api/v1/namespaces/${f.namespaces.kept}/configmaps/kept-config`), undefined);
});

test('nothing is pruned on doubt: a render of the parent that fails keeps its Kustomizations and their objects', async (t) => {
  const f = await fleet(t);
  if (f === undefined) return;
  const agent = await f.start();
  await converged(agent);
  await f.push({ 'clusters/prod/apps.yaml': null, 'clusters/prod/broken.yaml': 'kind: [unclosed\n' }, 'remove apps with a broken file beside');
  const parent = await agent.refresh('flux-system');
  assert.notEqual(parent?.error, undefined, JSON.stringify(brief(parent)));
  await new Promise((resolve) => setTimeout(resolve, 1000)); // a removal would be under way by now
  assert.notEqual(await getObject(f.env, `/api/v1/namespaces/${f.namespaces.apps}/configmaps/web-config`), undefined, 'kept');
  assert.ok(agent.applicationNames().includes('apps'));
});
