import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayKey, keyOf, type Manifest } from '@trueup/api';
import { compareApplyOrder, KUBE_KIND_ORDER, kindRank, readSyncWave, waveOf, type SyncWaveRead } from './order.ts';
import { hostManifest } from './testing.ts';

function kube(apiVersion: string, kind: string, name: string, namespace?: string, annotations?: Record<string, string>): Manifest {
  return { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(annotations === undefined ? {} : { annotations }) } };
}
const wave = (value: string) => ({ 'argocd.argoproj.io/sync-wave': value });
const order = (manifests: Manifest[]) => manifests
  .map((manifest) => ({ key: keyOf(manifest), manifest }))
  .sort(compareApplyOrder)
  .map(({ key }) => displayKey(key));

const crd = kube('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, wave('2'));
const ns = kube('v1', 'Namespace', 'shop', undefined, wave('5'));
const widget = kube('example.com/v1', 'Widget', 'w1', 'shop', wave('-1'));
const clusterWidget = kube('example.com/v1', 'ClusterWidget', 'cw', undefined, wave('-1'));
const config = kube('v1', 'ConfigMap', 'conf', 'shop', wave('-1'));
const deploy = kube('apps/v1', 'Deployment', 'web', 'shop');
const svc = kube('v1', 'Service', 'web', 'shop');
const role = kube('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader');
const ingress = kube('networking.k8s.io/v1', 'Ingress', 'web', 'shop', { 'trueup.dev/sync-wave': '2' });
const job = kube('batch/v1', 'Job', 'smoke', 'shop', { 'trueup.dev/sync-wave': '2', 'argocd.argoproj.io/sync-wave': '-7' });

const cases: { name: string; manifests: Manifest[]; want: string[] }[] = [
  {
    name: 'CRDs and Namespaces first whatever their wave, then waves −1, 0, 2; cluster-scoped first; CRs last in a wave',
    manifests: [job, ingress, svc, deploy, widget, clusterWidget, config, ns, crd, role],
    want: [
      'Namespace/shop', 'CustomResourceDefinition/widgets.example.com',
      'ClusterWidget/cw', 'ConfigMap/shop/conf', 'Widget/shop/w1',
      'ClusterRole/reader', 'Service/shop/web', 'Deployment/shop/web',
      'Job/shop/smoke', 'Ingress/shop/web',
    ],
  },
  {
    name: 'within a wave: Helm kind order, then namespace, then name',
    manifests: [
      kube('apps/v1', 'Deployment', 'b', 'x'), kube('apps/v1', 'Deployment', 'a', 'y'), kube('apps/v1', 'Deployment', 'a', 'x'),
      kube('v1', 'Secret', 's', 'y'), kube('v1', 'ServiceAccount', 'sa', 'y'), kube('example.com/v1', 'Alpha', 'z', 'x'),
    ],
    want: ['ServiceAccount/y/sa', 'Secret/y/s', 'Deployment/x/a', 'Deployment/x/b', 'Deployment/y/a', 'Alpha/x/z'],
  },
  {
    name: 'unknown kinds among themselves by kind name',
    manifests: [kube('b.example.com/v1', 'Zeta', 'a', 'n'), kube('a.example.com/v1', 'Beta', 'b', 'n')],
    want: ['Beta/n/b', 'Zeta/n/a'],
  },
  {
    name: 'trueup.dev/sync-wave wins over argocd.argoproj.io/sync-wave',
    manifests: [job, kube('batch/v1', 'Job', 'early', 'shop', wave('1'))],
    want: ['Job/shop/early', 'Job/shop/smoke'],
  },
  {
    name: 'an invalid wave sorts as wave 0',
    manifests: [kube('v1', 'ConfigMap', 'late', 'n', wave('1')), kube('v1', 'ConfigMap', 'bad', 'n', wave('soon')), kube('v1', 'ConfigMap', 'early', 'n', wave('-1'))],
    want: ['ConfigMap/n/early', 'ConfigMap/n/bad', 'ConfigMap/n/late'],
  },
  {
    name: 'host objects keep their order, before any Kubernetes object',
    manifests: [deploy, hostManifest('Service', 'web', {}), hostManifest('File', 'conf', { path: '/a/b' }), hostManifest('Directory', 'a', { path: '/a' })],
    want: ['Directory/a', 'File/conf', 'Service/web', 'Deployment/shop/web'],
  },
];

for (const { name, manifests, want } of cases) {
  test(`order: ${name}`, () => assert.deepEqual(order(manifests), want));
}

test('waveOf: phase and wave per object', () => {
  assert.deepEqual(waveOf(keyOf(crd), crd), { phase: 'Bootstrap', wave: 0 });
  assert.deepEqual(waveOf(keyOf(ns), ns), { phase: 'Bootstrap', wave: 0 });
  assert.deepEqual(waveOf(keyOf(widget), widget), { phase: 'Sync', wave: -1 });
  assert.deepEqual(waveOf(keyOf(deploy), deploy), { phase: 'Sync', wave: 0 });
  assert.deepEqual(waveOf(keyOf(job), job), { phase: 'Sync', wave: 2 });
  const file = hostManifest('File', 'f', { path: '/f' });
  assert.deepEqual(waveOf(keyOf(file), file), { phase: 'Host', wave: 1 });
  // A kind named like a bootstrap kind in another group is an ordinary resource.
  const fakeNs = kube('example.com/v1', 'Namespace', 'n');
  assert.deepEqual(waveOf(keyOf(fakeNs), fakeNs), { phase: 'Sync', wave: 0 });
});

test('readSyncWave: integers only, negative allowed', () => {
  const table: { value: unknown; want: SyncWaveRead }[] = [
    { value: '3', want: { status: 'set', wave: 3, annotation: 'trueup.dev/sync-wave' } },
    { value: '-12', want: { status: 'set', wave: -12, annotation: 'trueup.dev/sync-wave' } },
    { value: '+4', want: { status: 'set', wave: 4, annotation: 'trueup.dev/sync-wave' } },
    { value: 7, want: { status: 'set', wave: 7, annotation: 'trueup.dev/sync-wave' } },
    { value: '1.5', want: { status: 'invalid', wave: 0, annotation: 'trueup.dev/sync-wave', value: '1.5' } },
    { value: ' 1', want: { status: 'invalid', wave: 0, annotation: 'trueup.dev/sync-wave', value: ' 1' } },
    { value: '', want: { status: 'invalid', wave: 0, annotation: 'trueup.dev/sync-wave', value: '' } },
    { value: '99999999999999999999', want: { status: 'invalid', wave: 0, annotation: 'trueup.dev/sync-wave', value: '99999999999999999999' } },
    { value: 2.5, want: { status: 'invalid', wave: 0, annotation: 'trueup.dev/sync-wave', value: 2.5 } },
  ];
  for (const { value, want } of table) {
    const manifest = kube('v1', 'ConfigMap', 'c', 'n', { 'trueup.dev/sync-wave': value as string });
    assert.deepEqual(readSyncWave(manifest), want, `value ${JSON.stringify(value)}`);
  }
  assert.deepEqual(readSyncWave(kube('v1', 'ConfigMap', 'c', 'n')), { status: 'default', wave: 0 });
  assert.deepEqual(readSyncWave(undefined), { status: 'default', wave: 0 });
});

test('kindRank follows KUBE_KIND_ORDER, unknown kinds last', () => {
  assert.ok(kindRank('Namespace') < kindRank('ConfigMap'));
  assert.ok(kindRank('CustomResourceDefinition') < kindRank('ClusterRole'));
  assert.ok(kindRank('Deployment') < kindRank('StatefulSet'));
  assert.ok(kindRank('Ingress') < kindRank('APIService'));
  assert.equal(kindRank('Widget'), KUBE_KIND_ORDER.length);
});
