/**
 * Prune never takes what is not ours: a Namespace is deleted only when everything in it belongs
 * to the application (or to the cluster itself), and any doubt keeps it. The inventory that
 * lists what the application owns survives a round trip through the cluster.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isTrueupError, keyId, type DesiredObject, type LiveObject, type Manifest, type ObjectKey } from '@trueup/api';
import { kubeCall, kubeRequest, kubeTestEnv, type KubeTestEnv } from '@trueup/testkit';
import { KubeErrors } from './errors.ts';
import { inventoryName } from './inventory-object.ts';
import type { KubernetesProvider } from './kubernetes-provider.ts';
import { applyObject, desired, ownSession, providerFor, providerOn, recordRequests, scratchNamespace, waitFor } from './testing.ts';

const APP = 'prune';

function namespaceObject(name: string): DesiredObject {
  return desired({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, APP);
}

function configMap(namespace: string, name: string): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: '1' } };
}

/** A namespace created through the provider (so it is ours), with our objects in it. */
async function ownedNamespace(env: KubeTestEnv, provider: KubernetesProvider, name: string): Promise<LiveObject> {
  const namespace = namespaceObject(name);
  await applyObject(provider, namespace);
  await applyObject(provider, desired(configMap(name, 'settings'), APP));
  await applyObject(provider, desired({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: name }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } }, APP));
  // What the cluster puts into every namespace must be there, so that it is seen and let through.
  await waitFor('the default ServiceAccount and kube-root-ca.crt', async () => {
    const [account, ca] = await Promise.all([
      kubeRequest(env, 'GET', `/api/v1/namespaces/${name}/serviceaccounts/default`),
      kubeRequest(env, 'GET', `/api/v1/namespaces/${name}/configmaps/kube-root-ca.crt`),
    ]);
    return account.status === 200 && ca.status === 200 ? true : undefined;
  });
  const [live] = await provider.observe([namespace.key], new Map([[keyId(namespace.key), namespace]]));
  assert.ok(live?.manifest !== undefined);
  return live;
}

async function namespacePhase(env: KubeTestEnv, name: string): Promise<string> {
  const res = await kubeRequest(env, 'GET', `/api/v1/namespaces/${name}`);
  if (res.status === 404) return 'Gone';
  const body = res.body as { metadata?: { deletionTimestamp?: string }; status?: { phase?: string } };
  return body.metadata?.deletionTimestamp === undefined ? body.status?.phase ?? '?' : 'Terminating';
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

test('prune: a Namespace holding a ConfigMap someone else made is kept, with KUBE_NAMESPACE_NOT_EMPTY naming it', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const name = unique('prune-foreign');
  const provider = providerOn(ownSession(env), APP, name);
  try {
    const live = await ownedNamespace(env, provider, name);
    await kubeCall(env, 'POST', `/api/v1/namespaces/${name}/configmaps`, configMap(name, 'made-by-hand'));
    await assert.rejects(provider.delete(live), (error: unknown) => {
      assert.ok(isTrueupError(error, 'KUBE_NAMESPACE_NOT_EMPTY'), String(error));
      assert.match(error.message, /ConfigMap\/made-by-hand/);
      assert.doesNotMatch(error.message, /ConfigMap\/settings|ServiceAccount\/default|kube-root-ca/);
      return true;
    });
    assert.equal(await namespacePhase(env, name), 'Active');
    assert.equal((await kubeRequest(env, 'GET', `/api/v1/namespaces/${name}/configmaps/made-by-hand`)).status, 200);
  } finally {
    await provider.close();
    await kubeRequest(env, 'DELETE', `/api/v1/namespaces/${name}`);
  }
});

test('prune: a Namespace holding only our objects, what they own, and what the cluster made is deleted', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const name = unique('prune-ours');
  const provider = providerOn(ownSession(env), APP, name);
  try {
    const live = await ownedNamespace(env, provider, name);
    await provider.saveInventory([live.key]); // our inventory lives in the namespace too
    // A Deployment of ours: its ReplicaSet and Pod are not labelled ours, but owned by it.
    await applyObject(provider, desired({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: name },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] } } },
    }, APP));
    await waitFor('the Deployment’s Pod', async () => {
      const pods = await kubeCall(env, 'GET', `/api/v1/namespaces/${name}/pods`) as { items: unknown[] };
      return pods.items.length > 0 ? true : undefined;
    });
    await provider.delete(live);
    assert.match(await namespacePhase(env, name), /^(Terminating|Gone)$/);
  } finally {
    await provider.close();
    await kubeRequest(env, 'DELETE', `/api/v1/namespaces/${name}`);
  }
});

test('prune: another application’s inventory in the Namespace keeps it', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const name = unique('prune-other-app');
  const provider = providerOn(ownSession(env), APP, name);
  const other = providerOn(ownSession(env), 'other-app', name);
  try {
    const live = await ownedNamespace(env, provider, name);
    await other.saveInventory([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'elsewhere', name: 'x' }]);
    await assert.rejects(provider.delete(live), (error: unknown) => isTrueupError(error, 'KUBE_NAMESPACE_NOT_EMPTY') && error.message.includes(inventoryName('other-app')));
    assert.equal(await namespacePhase(env, name), 'Active');
  } finally {
    await provider.close();
    await other.close();
    await kubeRequest(env, 'DELETE', `/api/v1/namespaces/${name}`);
  }
});

test('prune: when what a Namespace holds cannot be listed, it is kept', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const name = unique('prune-doubt');
  const session = ownSession(env);
  let failLists = false;
  // Fault injector: listing the namespace's Secrets fails, as an overloaded server or a broken aggregated API would.
  recordRequests(session, async (call, send) => {
    if (failLists && call.method === 'GET' && call.path === `/api/v1/namespaces/${name}/secrets`) {
      throw KubeErrors.create('KUBE_REQUEST_FAILED', `GET ${call.path}: etcdserver: request timed out`, {}, { cause: { status: 500, reason: 'InternalError', causes: [] } });
    }
    return send();
  });
  const provider = providerOn(session, APP, name);
  try {
    const live = await ownedNamespace(env, provider, name);
    failLists = true;
    await assert.rejects(provider.delete(live), (error: unknown) => isTrueupError(error) && error.retryable);
    assert.equal(await namespacePhase(env, name), 'Active');
  } finally {
    await provider.close();
    await kubeRequest(env, 'DELETE', `/api/v1/namespaces/${name}`);
  }
});

test('inventory: saveInventory and loadInventory round-trip through a ConfigMap', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'inventory');
  const provider = providerOn(ownSession(env), APP, namespace.name);
  try {
    assert.equal(await provider.loadInventory(), undefined, 'no inventory yet');
    const keys: ObjectKey[] = [
      { apiVersion: 'v1', kind: 'Namespace', name: namespace.name },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: namespace.name, name: 'web' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'web-reader' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'settings' },
    ];
    // Each read by a new provider (as a restarted agent would make it) sees what the cluster holds.
    const reader = () => providerOn(ownSession(env), APP, namespace.name);
    const readBack = async () => {
      const fresh = reader();
      try {
        return await fresh.loadInventory();
      } finally {
        await fresh.close();
      }
    };
    await provider.saveInventory([...keys, keys[1] as ObjectKey]);
    const loaded = await readBack();
    assert.deepEqual(loaded?.map(keyId).sort(), keys.map(keyId).sort());
    assert.equal(loaded?.length, keys.length, 'no duplicates');
    assert.deepEqual((await provider.loadInventory())?.map(keyId), loaded?.map(keyId), 'the writer holds what it stored');

    await provider.saveInventory(keys.slice(0, 1));
    assert.deepEqual((await readBack())?.map(keyId), [keyId(keys[0] as ObjectKey)]);
    await provider.saveInventory([]);
    assert.deepEqual(await readBack(), []);

    const stored = await kubeCall(env, 'GET', `/api/v1/namespaces/${namespace.name}/configmaps/${inventoryName(APP)}`) as Manifest;
    assert.equal(stored.metadata.labels?.['trueup.dev/application'], APP);
    assert.notEqual(stored.metadata.labels?.['app.kubernetes.io/managed-by'], 'trueup', 'the inventory is not one of the managed objects');
  } finally {
    await provider.close();
    await namespace.remove();
  }
});

test('inventory: read from the cluster once, then held: a no-op pass makes no request for it', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'inventory-held');
  const writer = providerOn(ownSession(env), APP, namespace.name);
  const session = ownSession(env);
  const requests = recordRequests(session);
  const provider = providerOn(session, APP, namespace.name);
  try {
    const keys: ObjectKey[] = [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'settings' }];
    await writer.saveInventory(keys);
    assert.deepEqual((await provider.loadInventory())?.map(keyId), keys.map(keyId));
    assert.deepEqual((await provider.loadInventory())?.map(keyId), keys.map(keyId));
    assert.equal(requests.filter((r) => r.method === 'GET' && r.path.includes(inventoryName(APP))).length, 1);
  } finally {
    await provider.close();
    await writer.close();
    await namespace.remove();
  }
});

test('prune: PrunePropagationPolicy=orphan deletes a Deployment and leaves its ReplicaSet', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const namespace = await scratchNamespace(env, 'prune-orphan');
  const provider = providerFor(env, APP, namespace.name, { prunePropagation: 'orphan' });
  const web = desired({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: namespace.name },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] } } },
  }, APP);
  const replicaSets = async () => ((await kubeCall(env, 'GET', `/apis/apps/v1/namespaces/${namespace.name}/replicasets`)) as { items: Manifest[] }).items;
  try {
    const live = await applyObject(provider, web);
    await waitFor('the Deployment\'s ReplicaSet', async () => ((await replicaSets()).length === 1 ? true : undefined), 30_000);
    const [observed] = await provider.observe([web.key], new Map());
    await provider.delete(observed ?? live);
    await waitFor('the Deployment gone', async () => ((await kubeRequest(env, 'GET', `/apis/apps/v1/namespaces/${namespace.name}/deployments/web`)).status === 404 ? true : undefined), 30_000);
    await waitFor('the ReplicaSet orphaned', async () => {
      const [rs] = await replicaSets();
      return rs !== undefined && (rs.metadata['ownerReferences'] === undefined || (rs.metadata['ownerReferences'] as unknown[]).length === 0) ? true : undefined;
    }, 30_000);
  } finally {
    await provider.close();
    await namespace.remove();
  }
});
