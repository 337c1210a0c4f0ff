// Kubernetes diff table: cases re-expressed from Argo CD gitops-engine pkg/diff/testdata, Apache-2.0
// (Deployment with server defaults, StatefulSet claim templates, MutatingWebhookConfiguration with
// an injected caBundle, Service port defaults, Secret stringData), written for a dry-run diff: each
// fixture holds Git's manifest, live, and the server-side apply dry-run result (`expected`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { keyOf, type IgnoreDifference, type LiveObject, type Manifest } from '@trueup/api';
import { parse } from 'yaml';
import { diffObject, patchOf, type DiffOptions } from './object-diff.ts';
import { planPass } from './plan.ts';
import { desiredOf } from './testing.ts';

interface Fixture {
  desired: Manifest;
  live: Manifest;
  /** Removed by a case to stand for "no dry-run was possible". */
  expected?: Manifest;
}

function load(name: string): Fixture {
  return parse(readFileSync(new URL(`../testdata/kube-diff/${name}.yaml`, import.meta.url), 'utf8')) as Fixture;
}

/** Sets (or with `undefined`, removes) the value at a JSON pointer of a fixture object. */
function setAt(object: unknown, pointer: string, value: unknown): void {
  const parts = pointer.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = parts.pop()!;
  let node = object as Record<string, unknown>;
  for (const part of parts) node = node[part] as Record<string, unknown>;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function managedFields(object: Manifest): Record<string, unknown>[] {
  return object.metadata.managedFields as Record<string, unknown>[];
}

/** Live after an autoscaler set replicas: its Update took the field from Trueup's entry. */
function scaledByAutoscaler(f: Fixture): void {
  setAt(f.live, '/spec/replicas', 5);
  delete ((managedFields(f.live)[0]!.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec']!)['f:replicas'];
  managedFields(f.live).push({ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: '2025-03-02T10:20:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
}

/** An injected sidecar, live at one version and, in the dry-run, at the version the injector writes now. */
function sidecarVersions(f: Fixture): void {
  const sidecar = (image: string) => ({ name: 'istio-proxy', image, resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' });
  (f.live.spec!.template as { spec: { containers: unknown[] } }).spec.containers.push(sidecar('proxyv2:1.20'));
  (f.expected!.spec!.template as { spec: { containers: unknown[] } }).spec.containers.push(sidecar('proxyv2:1.21'));
}

const rule = (fields: Partial<IgnoreDifference> & { kind: string }): IgnoreDifference => ({ jsonPointers: [], managedFieldsManagers: [], jqPathExpressions: [], ...fields });
const containers = 'spec.template.spec.containers';

interface Case {
  name: string;
  fixture: string;
  edit?: (f: Fixture) => void;
  options?: DiffOptions;
  want: 'unchanged' | 'update';
  fields?: string[];
}

const cases: Case[] = [
  { name: 'Deployment: server defaults, revision annotation and status are not drift', fixture: 'deployment', want: 'unchanged' },
  { name: 'Deployment: Git changed replicas', fixture: 'deployment', edit: (f) => setAt(f.expected, '/spec/replicas', 3), want: 'update', fields: ['spec.replicas'] },
  { name: 'Deployment: Git changed the image of a named container', fixture: 'deployment', edit: (f) => setAt(f.expected, '/spec/template/spec/containers/0/image', 'registry.example.com/shop/api:1.5.0'), want: 'update', fields: [`${containers}[name=api].image`] },
  { name: 'Deployment: a label Git stopped setting shows as removed', fixture: 'deployment', edit: (f) => setAt(f.live, '/metadata/labels/tier', 'web'), want: 'update', fields: ['metadata.labels.tier'] },
  { name: 'Deployment: a field someone else added live is on both sides', fixture: 'deployment', edit: (f) => { setAt(f.live, '/metadata/labels/team', 'payments'); setAt(f.expected, '/metadata/labels/team', 'payments'); }, want: 'unchanged' },
  { name: 'Deployment: kubectl last-applied annotation and resourceVersion are not drift', fixture: 'deployment', edit: (f) => { setAt(f.live, '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', '{"kind":"Deployment"}'); setAt(f.live, '/metadata/resourceVersion', '50000'); }, want: 'unchanged' },
  { name: 'Deployment: an autoscaler changed replicas', fixture: 'deployment', edit: scaledByAutoscaler, want: 'update', fields: ['spec.replicas'] },
  { name: 'Deployment: autoscaler, ignored by pointer', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] })] }, want: 'unchanged' },
  { name: 'Deployment: autoscaler, ignored by manager', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] })] }, want: 'unchanged' },
  { name: 'Deployment: autoscaler, rule names this object exactly', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', name: 'shop-api', namespace: 'shop', jsonPointers: ['/spec/replicas'] })] }, want: 'unchanged' },
  { name: 'Deployment: autoscaler, rule for the core group does not match apps', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ kind: 'Deployment', jsonPointers: ['/spec/replicas'] })] }, want: 'update', fields: ['spec.replicas'] },
  { name: 'Deployment: autoscaler, rule for another kind', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'StatefulSet', jsonPointers: ['/spec/replicas'] })] }, want: 'update', fields: ['spec.replicas'] },
  { name: 'Deployment: autoscaler, rule for another name', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', name: 'shop-web', jsonPointers: ['/spec/replicas'] })] }, want: 'update', fields: ['spec.replicas'] },
  { name: 'Deployment: autoscaler, rule for another namespace', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', namespace: 'default', managedFieldsManagers: ['kube-controller-manager'] })] }, want: 'update', fields: ['spec.replicas'] },
  { name: 'Deployment: autoscaler, the plain ignore list applies to every object', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignore: ['/spec/replicas'] }, want: 'unchanged' },
  {
    name: 'Deployment: a field Trueup co-owns is not ignored by manager, so a Git change shows',
    fixture: 'deployment',
    edit: (f) => {
      managedFields(f.live).push({ manager: 'kube-controller-manager', operation: 'Apply', time: '2025-03-02T10:20:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
      setAt(f.expected, '/spec/replicas', 3);
    },
    options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] })] },
    want: 'update',
    fields: ['spec.replicas'],
  },
  { name: 'Deployment: autoscaler, ignored by a jq path', fixture: 'deployment', edit: scaledByAutoscaler, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] })] }, want: 'unchanged' },
  { name: 'Deployment: a sidecar the injector now writes differently', fixture: 'deployment', edit: sidecarVersions, want: 'update', fields: [`${containers}[name=istio-proxy].image`] },
  { name: 'Deployment: that sidecar, ignored by a jq select', fixture: 'deployment', edit: sidecarVersions, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "istio-proxy")'] })] }, want: 'unchanged' },
  { name: 'Deployment: a jq select for another container leaves the sidecar\'s change', fixture: 'deployment', edit: sidecarVersions, options: { ignoreDifferences: [rule({ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "log-shipper")'] })] }, want: 'update', fields: [`${containers}[name=istio-proxy].image`] },
  { name: 'StatefulSet: defaults inside volumeClaimTemplates are not drift', fixture: 'statefulset', want: 'unchanged' },
  { name: 'StatefulSet: Git changed the claim size', fixture: 'statefulset', edit: (f) => setAt(f.expected, '/spec/volumeClaimTemplates/0/spec/resources/requests/storage', '20Gi'), want: 'update', fields: ['spec.volumeClaimTemplates[0].spec.resources.requests.storage'] },
  { name: 'StatefulSet: without a dry-run, defaults inside lists read as drift (why the provider dry-runs)', fixture: 'statefulset', edit: (f) => delete f.expected, want: 'update', fields: [containers, 'spec.volumeClaimTemplates'] },
  { name: 'MutatingWebhookConfiguration: injected caBundle against Git\'s placeholder', fixture: 'mutating-webhook', want: 'update', fields: ['webhooks[name=mutate.policy.example.com].clientConfig.caBundle'] },
  { name: 'MutatingWebhookConfiguration: injector ignored by manager', fixture: 'mutating-webhook', options: { ignoreDifferences: [rule({ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', managedFieldsManagers: ['cainjector'] })] }, want: 'unchanged' },
  { name: 'MutatingWebhookConfiguration: caBundle of every webhook ignored by a jq path', fixture: 'mutating-webhook', options: { ignoreDifferences: [rule({ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] })] }, want: 'unchanged' },
  { name: 'MutatingWebhookConfiguration: caBundle ignored by pointer', fixture: 'mutating-webhook', options: { ignoreDifferences: [rule({ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jsonPointers: ['/webhooks/0/clientConfig/caBundle'] })] }, want: 'unchanged' },
  {
    name: 'MutatingWebhookConfiguration: Git leaves caBundle out, the dry-run keeps the injected one',
    fixture: 'mutating-webhook',
    edit: (f) => { setAt(f.desired, '/webhooks/0/clientConfig/caBundle', undefined); setAt(f.expected, '/webhooks/0/clientConfig/caBundle', 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ0ZXN0Cg=='); },
    want: 'unchanged',
  },
  { name: 'Service: defaulted protocol, targetPort, cluster IP and an empty annotations map are not drift', fixture: 'service', want: 'unchanged' },
  { name: 'Service: Git changed a targetPort', fixture: 'service', edit: (f) => setAt(f.expected, '/spec/ports/0/targetPort', 8081), want: 'update', fields: ['spec.ports[name=http].targetPort'] },
  { name: 'Service: Git removed a port', fixture: 'service', edit: (f) => (f.expected!.spec!.ports as unknown[]).pop(), want: 'update', fields: ['spec.ports[name=metrics]'] },
  { name: 'Secret: stringData in Git, data in live and in the dry-run result', fixture: 'secret', want: 'unchanged' },
  { name: 'Secret: a value edited live', fixture: 'secret', edit: (f) => setAt(f.live, '/data/password', 'aHVudGVyMg=='), want: 'update', fields: ['data.password'] },
  { name: 'Secret: without a dry-run, stringData never matches live (why the provider dry-runs)', fixture: 'secret', edit: (f) => delete f.expected, want: 'update', fields: ['stringData'] },
];

function objects(c: Pick<Case, 'fixture' | 'edit'>): { desired: ReturnType<typeof desiredOf>; live: LiveObject } {
  const f = load(c.fixture);
  c.edit?.(f);
  const live: LiveObject = f.expected === undefined ? { key: keyOf(f.live), manifest: f.live } : { key: keyOf(f.live), manifest: f.live, expected: f.expected };
  return { desired: desiredOf(f.desired, 'k8s/app.yaml'), live };
}

for (const c of cases) {
  test(`kube diff: ${c.name}`, () => {
    const { desired, live } = objects(c);
    const diff = diffObject(desired, live, c.options);
    assert.equal(diff.action, c.want);
    if (diff.action === 'update') assert.deepEqual(diff.fields, c.fields);
    assert.equal(patchOf(desired, live, c.options) === '', c.want === 'unchanged', 'the patch is empty exactly when nothing differs');
  });
}

test('kube diff: the patch shows live → dry-run result, only the section that changed', () => {
  const { desired, live } = objects({ fixture: 'deployment', edit: (f) => setAt(f.expected, '/spec/replicas', 3) });
  const patch = patchOf(desired, live);
  assert.match(patch, /^--- live\/Deployment\/shop\/shop-api\n\+\+\+ git\/Deployment\/shop\/shop-api\n/);
  assert.ok(patch.includes('\n-  replicas: 2\n+  replicas: 3\n'), patch);
  for (const noise of ['managedFields', 'resourceVersion', 'status', 'metadata', 'apiVersion']) assert.ok(!patch.includes(noise), `${noise} stays out:\n${patch}`);
});

test('kube diff: a Secret patch names the changed key and shows no value', () => {
  const { desired, live } = objects({ fixture: 'secret', edit: (f) => setAt(f.live, '/data/password', 'aHVudGVyMg==') });
  const patch = patchOf(desired, live);
  assert.ok(patch.includes('-  password: "<redacted: 7 bytes>"\n+  password: "<redacted: 6 bytes, changed>"\n'), patch);
  for (const secret of ['czNjcmV0', 's3cret', 'aHVudGVyMg==', 'c2hvcA==']) assert.ok(!patch.includes(secret), `no secret value in:\n${patch}`);
  const withoutDryRun = objects({ fixture: 'secret', edit: (f) => delete f.expected });
  assert.ok(!patchOf(withoutDryRun.desired, withoutDryRun.live).includes('s3cret'), 'nor in the patch from Git\'s fields');
});

test('kube diff: Git no longer declares the object → delete, whatever the dry-run said', () => {
  const { live } = objects({ fixture: 'deployment' });
  assert.equal(diffObject(undefined, live).action, 'delete');
  assert.equal(diffObject(desiredOf(load('deployment').desired), { key: live.key, manifest: undefined }).action, 'create');
});

test('kube diff: a plan honours ignoreDifferences', () => {
  const { desired, live } = objects({ fixture: 'mutating-webhook' });
  assert.equal(planPass({ desired: [desired], live: [live] }).waves.flat().length, 1);
  const options = { ignoreDifferences: [rule({ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', managedFieldsManagers: ['cainjector'] })] };
  assert.deepEqual(planPass({ desired: [desired], live: [live], options }).waves, []);
});
