import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Manifest } from '@trueup/api';
import { parse } from 'yaml';
import { fieldSetPaths, parseFieldsV1, subtractFieldSet, unionFieldSets, withoutFieldSet } from './field-set.ts';
import { changedBy, fieldsByManager, fieldsOwnedBy, managedFieldsOf } from './managed-fields.ts';

const deployment = (): Manifest => (parse(readFileSync(new URL('../testdata/kube-diff/deployment.yaml', import.meta.url), 'utf8')) as { live: Manifest }).live;
const entries = (manifest: Manifest) => manifest.metadata.managedFields as Record<string, unknown>[];
const containers = 'spec.template.spec.containers';

test('fieldsV1: fields, keyed items, composite keys, set values and indices', () => {
  const set = parseFieldsV1({
    'f:metadata': { 'f:finalizers': { 'v:"example.com/protect"': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { 'f:targetPort': {} } },
      'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
      'f:args': { 'i:0': {} },
    },
  });
  assert.deepEqual(fieldSetPaths(set), [
    'metadata.finalizers[=example.com/protect]',
    'metadata.labels.app',
    'spec.ports[port=80,protocol=TCP].targetPort',
    'spec.containers[name=sidecar]',
    'spec.args[0]',
  ]);
});

test('fieldsV1: keys it cannot read are skipped', () => {
  const set = parseFieldsV1({ 'f:spec': { 'k:{broken': {}, 'x:what': {}, 'i:-1': {}, 'f:replicas': {} } });
  assert.deepEqual(fieldSetPaths(set), ['spec.replicas']);
});

test('managedFields: per-manager sets over keyed lists; FieldsV2 and malformed entries are skipped', () => {
  const live = deployment();
  (live.metadata.managedFields as unknown[]).push({ manager: 'future', operation: 'Apply', fieldsType: 'FieldsV2', fieldsV1: { 'f:spec': {} } }, { operation: 'Update' }, 'not an entry');
  assert.deepEqual(managedFieldsOf(live).map((entry) => `${entry.manager}/${entry.operation}/${entry.subresource ?? ''}`), [
    'trueup/Apply/', 'kube-controller-manager/Update/', 'kube-controller-manager/Update/status',
  ]);
  const byManager = fieldsByManager(live);
  assert.deepEqual(fieldSetPaths(byManager.get('trueup')!), [
    'metadata.labels.app.kubernetes.io/name',
    'spec.replicas',
    'spec.selector',
    'spec.template.metadata.labels.app.kubernetes.io/name',
    `${containers}[name=api]`,
  ]);
  assert.deepEqual(fieldSetPaths(byManager.get('kube-controller-manager')!), [
    'metadata.annotations.deployment.kubernetes.io/revision',
    'status.availableReplicas', 'status.observedGeneration', 'status.readyReplicas', 'status.replicas', 'status.updatedReplicas',
  ]);
  assert.deepEqual(fieldSetPaths(fieldsOwnedBy(live, ['nobody'])), []);
});

test('field sets: union and difference', () => {
  const a = parseFieldsV1({ 'f:spec': { 'f:replicas': {} } });
  const b = parseFieldsV1({ 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
  assert.deepEqual(fieldSetPaths(unionFieldSets(a, b)), ['spec.replicas', 'spec.paused']);
  assert.deepEqual(fieldSetPaths(subtractFieldSet(b, a)), ['spec.paused']);
  assert.deepEqual(fieldSetPaths(subtractFieldSet(a, b)), []);
});

test('removing owned fields: a field inside a keyed item, the rest of the item stays', () => {
  const value = { webhooks: [{ name: 'a', clientConfig: { caBundle: 'X', url: 'https://a' } }, { name: 'b', clientConfig: { caBundle: 'Y' } }] };
  const set = parseFieldsV1({ 'f:webhooks': { 'k:{"name":"a"}': { 'f:clientConfig': { 'f:caBundle': {} } } } });
  assert.deepEqual(withoutFieldSet(value, set), { webhooks: [{ name: 'a', clientConfig: { url: 'https://a' } }, { name: 'b', clientConfig: { caBundle: 'Y' } }] });
  assert.equal(value.webhooks[0]!.clientConfig.caBundle, 'X', 'the input is not changed');
});

test('removing owned fields: an item owned as a whole goes, unless Trueup owns something in it', () => {
  const value = { containers: [{ name: 'app', image: 'app:1' }, { name: 'proxy', image: 'proxy:2', args: ['--x'] }] };
  const injected = parseFieldsV1({ 'f:containers': { 'k:{"name":"proxy"}': { '.': {}, 'f:image': {}, 'f:name': {} } } });
  assert.deepEqual(withoutFieldSet(value, injected), { containers: [{ name: 'app', image: 'app:1' }] });
  const ours = parseFieldsV1({ 'f:containers': { 'k:{"name":"proxy"}': { 'f:args': {} } } });
  assert.deepEqual(withoutFieldSet(value, injected, ours), { containers: [{ name: 'app', image: 'app:1' }, { name: 'proxy', args: ['--x'] }] });
});

test('removing owned fields: set values, composite keys, and paths that are not there', () => {
  const value = { finalizers: ['a', 'b'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }, { port: 80, protocol: 'UDP', targetPort: 8080 }] };
  const set = parseFieldsV1({
    'f:finalizers': { 'v:"b"': {} },
    'f:ports': { 'k:{"port":80,"protocol":"UDP"}': { 'f:targetPort': {} } },
    'f:missing': { 'f:deeper': {} },
  });
  assert.deepEqual(withoutFieldSet(value, set), { finalizers: ['a'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }, { port: 80, protocol: 'UDP' }] });
});

/** Live after `kubectl edit` set replicas at 12:00, and the controller updated status afterwards. */
function editedByKubectl(): Manifest {
  const after = deployment();
  (after.spec as Record<string, unknown>).replicas = 4;
  const [ours, , status] = entries(after);
  delete (ours!.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec']!['f:replicas'];
  status!.time = '2025-03-02T12:00:03Z';
  entries(after).push({ manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', time: '2025-03-02T12:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
  return after;
}

test('changedBy: the manager whose entry appeared, not the newer status writer', () => {
  assert.deepEqual(changedBy(deployment(), editedByKubectl()), { manager: 'kubectl-edit', operation: 'Update', fields: ['spec.replicas'] });
});

test('changedBy: without a before, the newest entry of another manager that touches more than status', () => {
  assert.deepEqual(changedBy(undefined, editedByKubectl()), { manager: 'kubectl-edit', operation: 'Update', fields: ['spec.replicas'] });
  assert.deepEqual(changedBy(undefined, deployment()), { manager: 'kube-controller-manager', operation: 'Update', fields: ['metadata.annotations.deployment.kubernetes.io/revision'] });
});

test('changedBy: an entry whose fields grew reports only the new fields', () => {
  const before = editedByKubectl();
  const after = editedByKubectl();
  const edit = entries(after)[3]!;
  edit.time = '2025-03-02T12:10:00Z';
  edit.fieldsV1 = { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { 'f:image': {} } } } } } };
  assert.deepEqual(changedBy(before, after), { manager: 'kubectl-edit', operation: 'Update', fields: [`${containers}[name=api].image`] });
});

test('changedBy: kubectl scale writes through the scale subresource, and counts', () => {
  const after = deployment();
  entries(after).push({ manager: 'kubectl', operation: 'Update', apiVersion: 'autoscaling/v1', subresource: 'scale', time: '2025-03-02T12:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
  assert.deepEqual(changedBy(deployment(), after), { manager: 'kubectl', operation: 'Update', fields: ['spec.replicas'] });
});

test('changedBy: nothing moved, or only status moved → undefined', () => {
  assert.equal(changedBy(deployment(), deployment()), undefined);
  const after = deployment();
  entries(after)[2]!.time = '2025-03-02T12:00:00Z';
  assert.equal(changedBy(deployment(), after), undefined);
  assert.equal(changedBy(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), undefined);
});

test('changedBy: with a before, Trueup\'s own apply is reported as Trueup', () => {
  const after = deployment();
  entries(after)[0]!.time = '2025-03-02T12:00:00Z';
  assert.deepEqual(changedBy(deployment(), after)?.manager, 'trueup');
});
