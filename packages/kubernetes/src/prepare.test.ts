/** prepare: rendered objects completed for the cluster, against the real API server's discovery. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isTrueupError, keyOf, type DesiredObject, type Manifest } from '@trueup/api';
import { kubeTestEnv } from '@trueup/testkit';
import { APPLICATION_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './resource-watch.ts';
import { ownSession, providerOn } from './testing.ts';

const APP = 'prepare';
const DESTINATION = 'team-a';

/** An object as the renderer gives it: nothing added yet. */
function rendered(manifest: Manifest, line = 1, file = 'app/objects.yaml'): DesiredObject {
  return { key: keyOf(manifest), manifest, origin: { file, line } };
}

function crd(group: string, kind: string, plural: string, scope: 'Namespaced' | 'Cluster'): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

test('prepare: namespaced kinds get the destination namespace, cluster-scoped kinds lose a stray one, all get the ownership labels', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const provider = providerOn(ownSession(env), APP, DESTINATION);
  try {
    const prepared = await provider.prepare([
      rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } }),
      rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'team-b' } }),
      rendered({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: {} }),
      rendered({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader', namespace: 'oops' }, rules: [] }),
      rendered({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: DESTINATION, namespace: DESTINATION } }),
    ]);
    assert.deepEqual(prepared.map((p) => p.key), [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: DESTINATION, name: 'settings' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-b', name: 'elsewhere' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: DESTINATION, name: 'web' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'reader' },
      { apiVersion: 'v1', kind: 'Namespace', name: DESTINATION },
    ]);
    assert.deepEqual(prepared.map((p) => p.manifest.metadata.namespace), [DESTINATION, 'team-b', DESTINATION, undefined, undefined]);
    assert.ok(prepared.every((p) => !('namespace' in p.manifest.metadata) || p.manifest.metadata.namespace !== undefined), 'no namespace: undefined left behind');
    for (const object of prepared) {
      assert.equal(object.manifest.metadata.labels?.[MANAGED_BY_LABEL], MANAGED_BY);
      assert.equal(object.manifest.metadata.labels?.[APPLICATION_LABEL], APP);
    }
    assert.equal(prepared[2]?.manifest.metadata.labels?.['app'], 'web', 'labels of the render are kept');
    assert.deepEqual(prepared[0]?.manifest['data'], { a: '1' });
  } finally {
    await provider.close();
  }
});

test('prepare: a kind defined by a CRD of the same render is accepted, with the scope the CRD gives', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const provider = providerOn(ownSession(env), APP, DESTINATION);
  const group = `prepare-${randomBytes(4).toString('hex')}.trueup.dev`;
  try {
    const prepared = await provider.prepare([
      rendered(crd(group, 'Gadget', 'gadgets', 'Namespaced')),
      rendered(crd(group, 'Fleet', 'fleets', 'Cluster')),
      rendered({ apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'one' }, spec: {} }),
      rendered({ apiVersion: `${group}/v1`, kind: 'Fleet', metadata: { name: 'all', namespace: 'stray' }, spec: {} }),
    ]);
    assert.deepEqual(prepared.slice(2).map((p) => p.key), [
      { apiVersion: `${group}/v1`, kind: 'Gadget', namespace: DESTINATION, name: 'one' },
      { apiVersion: `${group}/v1`, kind: 'Fleet', name: 'all' },
    ]);
    assert.equal(prepared[1]?.key.namespace, undefined, 'a CRD is cluster-scoped');
  } finally {
    await provider.close();
  }
});

test('prepare: a kind the cluster does not serve and no CRD defines is KUBE_KIND_UNKNOWN with file, line and field', async (t) => {
  const env = await kubeTestEnv(t);
  if (env === undefined) return;
  const provider = providerOn(ownSession(env), APP, DESTINATION);
  try {
    const render = [
      rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fine' } }),
      rendered({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, 7, 'app/widgets.yaml'),
    ];
    await assert.rejects(provider.prepare(render), (error: unknown) => {
      assert.ok(isTrueupError(error, 'KUBE_KIND_UNKNOWN'), String(error));
      assert.deepEqual(error.location, { file: 'app/widgets.yaml', line: 7, field: 'kind' });
      assert.match(error.message, /Widget in example\.com\/v1/);
      assert.equal(error.retryable, false);
      return true;
    });
    // A served group at a version it does not serve is just as unknown.
    await assert.rejects(provider.prepare([rendered({ apiVersion: 'apps/v2', kind: 'Deployment', metadata: { name: 'web' } }, 3)]), (error: unknown) => isTrueupError(error, 'KUBE_KIND_UNKNOWN') && error.location.line === 3);
    assert.equal(render[0]?.manifest.metadata.labels, undefined, 'the rendered objects are left as they were');
  } finally {
    await provider.close();
  }
});
