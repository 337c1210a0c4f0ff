/**
 * The prediction of what Git would change (a server-side dry-run apply) is asked for once per
 * change: an observe with nothing changed, in Git or in the cluster, costs no request at all.
 * The session's client is wrapped to count requests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyId, type DesiredObject, type Manifest } from '@trueup/api';
import { kubeCall, kubeTestEnv } from '@trueup/testkit';
import { diffObject } from '@trueup/engine';
import type { KubernetesProvider } from './kubernetes-provider.ts';
import { applyObject, desired, dryRuns, foreignPatch, ownSession, providerOn, recordRequests, scratchNamespace, waitFor } from './testing.ts';

function configMap(namespace: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data };
}

async function observe(provider: KubernetesProvider, object: DesiredObject) {
  const [live] = await provider.observe([object.key], new Map([[keyId(object.key), object]]));
  assert.ok(live?.manifest !== undefined && live.expected !== undefined, 'observed with a prediction');
  return live;
}

test('dry-run: observing twice without changes asks the server nothing the second time', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'dry-run');
  const object = desired(configMap(namespace.name, { mode: 'git' }), 'dry-run');
  const writer = providerOn(ownSession(env), 'dry-run', namespace.name);
  const session = ownSession(env);
  const calls = recordRequests(session);
  const provider = providerOn(session, 'dry-run', namespace.name);
  try {
    await applyObject(writer, object);

    await observe(provider, object);
    assert.equal(dryRuns(calls).length, 1, 'the first observe predicts');
    const before = calls.length;
    const second = await observe(provider, object);
    assert.equal(calls.length, before, `no request at all: ${JSON.stringify(calls.slice(before).map((c) => `${c.method} ${c.path}`))}`);
    assert.deepEqual(second.expected?.['data'], { mode: 'git' });

    // The same object rendered again (a new revision that left it alone) is no change either.
    await observe(provider, structuredClone(object));
    assert.equal(calls.length, before, 'an equal manifest from a new render asks nothing');

    // A change in the cluster is a new question, asked once.
    await foreignPatch(env, `/api/v1/namespaces/${namespace.name}/configmaps/settings`, { data: { mode: 'edited' } });
    await waitFor('the change in the mirror', async () => ((await observeLive(provider, object))['mode'] === 'edited' ? true : undefined));
    assert.equal(dryRuns(calls).length, 2);
    await observe(provider, object);
    assert.equal(dryRuns(calls).length, 2);

    // So is a change in Git.
    const changed = desired(configMap(namespace.name, { mode: 'git-2' }), 'dry-run');
    assert.deepEqual((await observe(provider, changed)).expected?.['data'], { mode: 'git-2' });
    await observe(provider, changed);
    assert.equal(dryRuns(calls).length, 3);
  } finally {
    await provider.close();
    await writer.close();
    await namespace.remove();
  }
});

test('dry-run: after an apply, observe uses the apply’s answer as the prediction', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'dry-run-apply');
  const session = ownSession(env);
  const calls = recordRequests(session);
  const provider = providerOn(session, 'dry-run', namespace.name);
  const object = desired(configMap(namespace.name, { mode: 'git' }), 'dry-run');
  try {
    await applyObject(provider, object);
    const before = calls.length;
    await observe(provider, object);
    await observe(provider, object);
    assert.deepEqual(calls.slice(before).map((c) => `${c.method} ${c.path}`), []);
    assert.equal(dryRuns(calls).length, 0);
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

/** The live object's data, as observe sees it. */
async function observeLive(provider: KubernetesProvider, object: DesiredObject): Promise<Record<string, string>> {
  return ((await observe(provider, object)).manifest?.['data'] ?? {}) as Record<string, string>;
}

test('observe: objects in a namespace that does not exist cost one question for the namespace; in one that exists, each is looked up (foreign objects found)', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const session = ownSession(env);
  const calls = recordRequests(session);
  const absent = `not-yet-${Date.now().toString(36)}`;
  const provider = providerOn(session, 'observe', absent);
  const existing = await scratchNamespace(env, 'observe');
  try {
    const inAbsent = ['a', 'b', 'c'].map((name) => desired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: absent }, data: {} }, 'observe'));
    const live = await provider.observe(inAbsent.map((d) => d.key), new Map(inAbsent.map((d) => [keyId(d.key), d])));
    assert.deepEqual(live.map((l) => l.manifest), [undefined, undefined, undefined]);
    assert.deepEqual(calls.map((c) => `${c.method} ${c.path}`).filter((c) => c.includes(absent)), [`GET /api/v1/namespaces/${absent}`]);

    // Objects another manager made, without our labels, are not in the mirror: they are found by name.
    await kubeCall(env, 'POST', `/api/v1/namespaces/${existing.name}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { owner: 'someone' } });
    const inExisting = ['a', 'b'].map((name) => desired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: existing.name }, data: {} }, 'observe'));
    const found = await provider.observe(inExisting.map((d) => d.key), new Map());
    assert.deepEqual(found.map((l) => l.manifest?.['data']), [{ owner: 'someone' }, undefined]);
  } finally {
    await provider.close();
    await existing.remove();
  }
});

test('dry-run: when the object moved on the server past the copy in hand, observe compares the prediction with the version it was made from', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'dry-run-race');
  const object = desired(configMap(namespace.name, { mode: 'git' }), 'dry-run');
  const writer = providerOn(ownSession(env), 'dry-run', namespace.name);
  const session = ownSession(env);
  let raced = false;
  // Fault injector: just before the first dry-run reaches the server, a controller writes the
  // object (an annotation Git does not set), so the server predicts from a newer version than
  // the one observe holds.
  recordRequests(session, async (call, send) => {
    if (!raced && call.options.query?.['dryRun'] !== undefined) {
      raced = true;
      await foreignPatch(env, `/api/v1/namespaces/${namespace.name}/configmaps/settings`, { metadata: { annotations: { 'controller.example.com/seen': 'yes' } } }, 'controller');
    }
    return send();
  });
  const provider = providerOn(session, 'dry-run', namespace.name);
  try {
    await applyObject(writer, object);
    await waitFor('the object in the mirror', async () => ((await provider.observe([object.key], new Map()))[0]?.manifest === undefined ? undefined : true));
    const live = await observe(provider, object);
    assert.ok(raced, 'the fault was injected');
    assert.equal(live.manifest?.metadata['resourceVersion'], live.expected?.metadata['resourceVersion'], 'live and prediction are of the same version');
    assert.equal(live.manifest?.metadata.annotations?.['controller.example.com/seen'], 'yes');
    assert.equal(diffObject(object, live).action, 'unchanged');
  } finally {
    await provider.close();
    await writer.close();
    await namespace.remove();
  }
});
