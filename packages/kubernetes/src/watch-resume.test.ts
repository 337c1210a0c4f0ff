/**
 * Drift detection survives the API server going away: the watch resumes after a restart, and
 * what changed while it was cut off is found by the relist that follows 410 Gone. These tests
 * stop and start kube-apiserver, so they run on a test environment of their own, never on the
 * run's shared one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { keyId, type Manifest } from '@trueup/api';
import { kubeCall, requireKubeTools, restartKubeTestEnvComponent, startKubeTestEnv, stopKubeTestEnv, type KubeTestEnv } from '@trueup/testkit';
import {
  applyObject, cuttableProxy, desired, driftSignals, foreignPatch, ownSession, providerOn, recordRequests, scratchNamespace,
} from './testing.ts';

let started: Promise<KubeTestEnv> | undefined;
let envDir: string | undefined;

after(async () => {
  if (envDir === undefined) return;
  await stopKubeTestEnv(envDir, { graceMs: 2_000 });
  await rm(envDir, { recursive: true, force: true });
});

/** A test environment for this file alone, stopped (and its folder removed) after the file's tests. */
async function ownEnv(t: TestContext): Promise<KubeTestEnv | undefined> {
  const binDir = requireKubeTools(t);
  if (binDir === undefined) return undefined;
  started ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trueup-kube-restart-'));
    envDir = dir;
    const state = await startKubeTestEnv(dir, { binDir, owner: { pid: process.pid, removeDir: true } });
    if (state.server === undefined) throw new Error('the test environment has no server');
    return {
      dir,
      server: state.server,
      token: state.tokens.admin,
      ca: await readFile(state.caFile, 'utf8'),
      kubeconfig: state.kubeconfig,
      restrictedKubeconfig: state.restrictedKubeconfig,
      restrictedToken: state.tokens.restricted,
      binDir: state.binDir,
      nodeName: state.nodeName,
    };
  })();
  return started;
}

/** SIGTERM to kube-apiserver (SIGKILL if it lingers), then the same command line again. */
async function restartApiServer(env: KubeTestEnv): Promise<void> {
  await restartKubeTestEnvComponent(env.dir, 'kube-apiserver', { graceMs: 2_000 });
}

function configMap(namespace: string, name: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

const configMapPath = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;

test('after kube-apiserver restarts, the watch resumes: a change by another field manager is signalled with its manager', async (t) => {
  const env = await ownEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'restart');
  const session = ownSession(env);
  const provider = providerOn(session, 'restart', namespace.name);
  const settings = desired(configMap(namespace.name, 'settings', { mode: 'git' }), 'restart');
  try {
    await applyObject(provider, settings);
    const signals = driftSignals(provider, [settings]);
    try {
      await restartApiServer(env);
      await foreignPatch(env, configMapPath(namespace.name, 'settings'), { data: { mode: 'edited' } }, 'kubectl-edit');
      const signal = await signals.next((s) => keyId(s.key) === keyId(settings.key), 30_000);
      assert.equal(signal.source, 'watch');
      assert.equal(signal.changedBy, 'kubectl-edit');
      assert.match(signal.detail, /kubectl-edit/);
      assert.ok(session.watchRestarts >= 1, 'the watch was resumed');
      const [live] = await provider.observe([settings.key], new Map([[keyId(settings.key), settings]]));
      assert.deepEqual(live?.manifest?.['data'], { mode: 'edited' }, 'observe sees the change after the restart');
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('changes made while the watch was cut off are found by the relist after 410 Gone', async (t) => {
  const env = await ownEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'cutoff');
  const proxy = await cuttableProxy(env.server);
  const session = ownSession(env, { server: proxy.server });
  const requests = recordRequests(session);
  const provider = providerOn(session, 'cutoff', namespace.name);
  const kept = desired(configMap(namespace.name, 'kept', { mode: 'git' }), 'cutoff');
  const removed = desired(configMap(namespace.name, 'removed', { mode: 'git' }), 'cutoff');
  const lists = () => requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/configmaps').length;
  try {
    await applyObject(provider, kept);
    await applyObject(provider, removed);
    const signals = driftSignals(provider, [kept, removed]);
    try {
      proxy.cut();
      // Made by others while the agent cannot see the cluster.
      await foreignPatch(env, configMapPath(namespace.name, 'kept'), { data: { mode: 'edited' } }, 'kubectl-edit');
      await kubeCall(env, 'DELETE', configMapPath(namespace.name, 'removed'));
      // A new API server's watch cache starts after those changes: resuming from the old
      // resourceVersion is answered 410 Gone, and only a relist can find them.
      await restartApiServer(env);
      const listsBefore = lists();
      proxy.restore();
      const edited = await signals.next((s) => keyId(s.key) === keyId(kept.key), 30_000);
      assert.equal(edited.changedBy, 'kubectl-edit');
      const deleted = await signals.next((s) => keyId(s.key) === keyId(removed.key), 30_000);
      assert.equal(deleted.detail, 'deleted');
      assert.ok(lists() > listsBefore, 'the changes came from a relist');
      const live = await provider.observe([kept.key, removed.key], new Map([[keyId(kept.key), kept], [keyId(removed.key), removed]]));
      assert.deepEqual(live.map((l) => l.manifest?.['data']), [{ mode: 'edited' }, undefined]);
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await proxy.close();
    await namespace.remove();
  }
});
