/**
 * What the provider's watch reports as drift, against the real API server: changes by other
 * field managers (named in the signal), deletions and added labels are drift; status written by
 * controllers and the provider's own applies are not: those are reported as observed (health may move).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyId, type DesiredObject, type DriftSignal, type Manifest } from '@trueup/api';
import { kubeCall, kubeTestEnv } from '@trueup/testkit';
import { applyObject, desired, driftSignals, foreignPatch, ownSession, providerOn, recordRequests, scratchNamespace, sleep, waitFor } from './testing.ts';

const QUIET_MS = 1500;
const SIGNAL_MS = 10_000;

function configMap(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

function deployment(namespace: string, name: string): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'registry.invalid/trueup/web:1' }] } },
    },
  };
}

const about = (object: DesiredObject) => (signal: DriftSignal) => keyId(signal.key) === keyId(object.key);
const configMapPath = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
const deploymentPath = (namespace: string, name: string) => `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;

test('drift: a field changed by kubectl edit is signalled with the manager and the field', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'drift-edit');
  const provider = providerOn(ownSession(env), 'drift', namespace.name);
  const settings = desired(configMap(namespace.name, 'settings', { mode: 'git', other: 'x' }), 'drift');
  try {
    await applyObject(provider, settings);
    const signals = driftSignals(provider, [settings]);
    try {
      await foreignPatch(env, configMapPath(namespace.name, 'settings'), { data: { mode: 'edited' } }, 'kubectl-edit');
      const signal = await signals.next(about(settings), SIGNAL_MS);
      assert.equal(signal.source, 'watch');
      assert.equal(signal.changedBy, 'kubectl-edit');
      assert.equal(signal.detail, 'changed by kubectl-edit: data.mode');
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('drift: a deleted object is signalled, an object not watched is not', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'drift-delete');
  const provider = providerOn(ownSession(env), 'drift', namespace.name);
  const watched = desired(configMap(namespace.name, 'watched', { a: '1' }), 'drift');
  const unwatched = desired(configMap(namespace.name, 'unwatched', { a: '1' }), 'drift');
  try {
    await applyObject(provider, watched);
    await applyObject(provider, unwatched);
    const signals = driftSignals(provider, [watched]);
    try {
      await kubeCall(env, 'DELETE', configMapPath(namespace.name, 'unwatched'));
      await kubeCall(env, 'DELETE', configMapPath(namespace.name, 'watched'));
      const signal = await signals.next(about(watched), SIGNAL_MS);
      assert.equal(signal.detail, 'deleted');
      assert.equal(signal.changedBy, undefined);
      await sleep(300);
      assert.deepEqual(signals.seen().filter(about(unwatched)), []);
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('drift: a label added by another manager is signalled, on objects with and without a generation', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'drift-label');
  const provider = providerOn(ownSession(env), 'drift', namespace.name);
  const settings = desired(configMap(namespace.name, 'settings', { a: '1' }), 'drift');
  const web = desired(deployment(namespace.name, 'web'), 'drift');
  try {
    await applyObject(provider, settings);
    await applyObject(provider, web);
    await settled(env, namespace.name, 'web');
    const signals = driftSignals(provider, [settings, web]);
    try {
      await foreignPatch(env, configMapPath(namespace.name, 'settings'), { metadata: { labels: { team: 'payments' } } }, 'labeler');
      await foreignPatch(env, deploymentPath(namespace.name, 'web'), { metadata: { labels: { team: 'payments' } } }, 'labeler');
      for (const object of [settings, web]) {
        const signal = await signals.next(about(object), SIGNAL_MS);
        assert.equal(signal.changedBy, 'labeler', object.key.kind);
        assert.match(signal.detail, /metadata\.labels\.team/);
      }
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('drift: a status-only update of a Deployment is not drift but is reported as observed; a spec change after it is drift', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'drift-status');
  const provider = providerOn(ownSession(env), 'drift', namespace.name);
  const web = desired(deployment(namespace.name, 'web'), 'drift');
  try {
    await applyObject(provider, web);
    await settled(env, namespace.name, 'web');
    const signals = driftSignals(provider, [web]);
    try {
      const conditions = [{ type: 'Audited', status: 'True', reason: 'Checked', message: 'checked by the auditor' }];
      await kubeCall(env, 'PATCH', `${deploymentPath(namespace.name, 'web')}/status?fieldManager=auditor`, { status: { conditions } }, { contentType: 'application/strategic-merge-patch+json' });
      const live = await kubeCall(env, 'GET', deploymentPath(namespace.name, 'web')) as Manifest;
      assert.ok(JSON.stringify(live['status']).includes('Audited'), 'the status write took');
      await waitFor('the status write reported as observed', async () => (signals.observed().some((m) => JSON.stringify(m['status']).includes('Audited')) ? true : undefined), SIGNAL_MS);
      await sleep(QUIET_MS);
      assert.deepEqual(signals.seen(), []);
      // The watch is alive: a spec change right after is drift.
      await foreignPatch(env, deploymentPath(namespace.name, 'web'), { spec: { replicas: 3 } }, 'kubectl-scale');
      const signal = await signals.next(about(web), SIGNAL_MS);
      assert.equal(signal.changedBy, 'kubectl-scale');
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('drift: the provider’s own applies are not drift, even when the watch event comes before the apply’s answer', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'drift-own');
  const session = ownSession(env);
  let slowAnswers = false;
  // Fault injector: the answer to a real apply arrives 400 ms late, well after its watch event.
  recordRequests(session, async (call, send) => {
    const answer = await send();
    if (slowAnswers && call.method === 'PATCH' && call.options.query?.['dryRun'] === undefined) await sleep(400);
    return answer;
  });
  const provider = providerOn(session, 'drift', namespace.name);
  const first = desired(configMap(namespace.name, 'settings', { mode: 'one' }), 'drift');
  const second = desired(configMap(namespace.name, 'settings', { mode: 'two' }, { tier: 'b' }), 'drift');
  const third = desired(configMap(namespace.name, 'settings', { mode: 'three' }, { tier: 'c' }), 'drift');
  try {
    await applyObject(provider, first);
    const signals = driftSignals(provider, [first]);
    try {
      await applyObject(provider, second);
      slowAnswers = true;
      await applyObject(provider, third);
      await sleep(QUIET_MS);
      assert.deepEqual(signals.seen(), []);
      await foreignPatch(env, configMapPath(namespace.name, 'settings'), { data: { mode: 'edited' } }, 'kubectl-edit');
      assert.equal((await signals.next(about(first), SIGNAL_MS)).changedBy, 'kubectl-edit');
    } finally {
      await signals.close();
    }
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

/** Waits until the deployment controller is done with a new Deployment (its revision annotation and status written). */
async function settled(env: Parameters<typeof kubeCall>[0], namespace: string, name: string): Promise<void> {
  await waitFor(`Deployment ${namespace}/${name} settled`, async () => {
    const live = await kubeCall(env, 'GET', deploymentPath(namespace, name)) as Manifest & { status?: { observedGeneration?: number; availableReplicas?: number } };
    const done = live.metadata.annotations?.['deployment.kubernetes.io/revision'] !== undefined
      && live.status?.observedGeneration === live.metadata['generation'] && live.status?.availableReplicas === 1;
    return done ? true : undefined;
  }, 60_000);
  await sleep(300);
}
