/**
 * The real `trueup agent` process killed with SIGKILL after converging a Flux tree; a Kustomization
 * is then removed from Git; the next agent on the same state dir prunes its objects, since the
 * children of each parent were saved as the killed agent ran them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent, StateStore, type Agent } from '@trueup/agent';
import { createFleetRepo, fluxBootstrap, fluxKustomization, kubeNamespace, kubeRequest, kubeTestEnv } from '@trueup/testkit';

const MAIN = join(import.meta.dirname, 'main.js');

async function until(what: string, done: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await done());) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a Kustomization removed from Git after its agent was killed with SIGKILL is pruned by the next agent', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const [fluxNs, appsNs] = [await kubeNamespace(env, t), await kubeNamespace(env, t)];
  const dir = await mkdtemp(join(tmpdir(), 'trueup-kill-children-'));
  const { url, work, push } = await createFleetRepo(dir);
  await push({
    ...fluxBootstrap(fluxNs, url),
    'clusters/prod/apps.yaml': fluxKustomization(fluxNs, 'apps', `  path: ./apps\n  prune: true\n  targetNamespace: ${appsNs}\n`),
    'apps/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { a: "1" }\n',
  }, 'flux tree');
  const stateDir = join(dir, 'state');
  const childEnv = { ...process.env, KUBECONFIG: env.kubeconfig, TRUEUP_KUSTOMIZE: join(env.binDir, 'kustomize') };
  const agent = spawn(process.execPath, [MAIN, 'agent', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', join(work.dir, 'clusters/prod')], { env: childEnv, stdio: 'ignore' });
  const exited = new Promise((resolve) => agent.once('exit', resolve));
  const saved = { KUBECONFIG: process.env['KUBECONFIG'], TRUEUP_KUSTOMIZE: process.env['TRUEUP_KUSTOMIZE'] };
  const agents: Agent[] = [];
  t.after(async () => {
    agent.kill('SIGKILL');
    for (const running of agents) await running.stop();
    await rm(dir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const configPath = `/api/v1/namespaces/${appsNs}/configmaps/web-config`;
  await until('apps applied by the agent process', async () => (await kubeRequest(env, 'GET', configPath)).status === 200);
  await until('the children of flux-system saved', () => {
    const store = new StateStore(stateDir, { readOnly: true });
    try {
      return store.children('flux-system').some((child) => child.name === 'apps');
    } finally {
      store.close();
    }
  });
  agent.kill('SIGKILL');
  await exited;

  await push({ 'clusters/prod/apps.yaml': null }, 'remove apps');
  process.env['KUBECONFIG'] = childEnv.KUBECONFIG;
  process.env['TRUEUP_KUSTOMIZE'] = childEnv.TRUEUP_KUSTOMIZE;
  const next = await startAgent({ stateDir, paths: [join(work.dir, 'clusters/prod')] });
  agents.push(next);
  await until('apps pruned by the next agent', async () => (await kubeRequest(env, 'GET', configPath)).status === 404);
  assert.deepEqual(next.applicationNames(), ['flux-system']);
});
