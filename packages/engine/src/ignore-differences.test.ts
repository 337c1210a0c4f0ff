import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IgnoreDifference, Manifest, ObjectKey } from '@trueup/api';
import { groupOf, ignoreRulesFor, pointerOf, suggestIgnore } from './ignore-differences.ts';

const deployment: ObjectKey = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'shop-api' };
const rule = (fields: Partial<IgnoreDifference> & { kind: string }): IgnoreDifference => ({ jsonPointers: [], managedFieldsManagers: [], jqPathExpressions: [], ...fields });

test('groupOf: the core group is empty', () => {
  assert.deepEqual(['v1', 'apps/v1', 'admissionregistration.k8s.io/v1', 'host.trueup.dev/v1alpha1'].map(groupOf), ['', 'apps', 'admissionregistration.k8s.io', 'host.trueup.dev']);
});

test('ignoreRulesFor: group, kind, and name and namespace when given', () => {
  const rules = [
    rule({ group: 'apps', kind: 'Deployment' }),
    rule({ group: 'apps', kind: 'Deployment', name: 'shop-api', namespace: 'shop' }),
    rule({ kind: 'Deployment' }),
    rule({ group: 'apps', kind: 'Deployment', name: 'other' }),
    rule({ group: 'apps', kind: 'Deployment', namespace: 'other' }),
    rule({ group: 'apps', kind: 'StatefulSet' }),
  ];
  assert.deepEqual(ignoreRulesFor(deployment, rules), rules.slice(0, 2));
  assert.deepEqual(ignoreRulesFor({ apiVersion: 'v1', kind: 'Deployment', name: 'x' }, rules), [rules[2]]);
  assert.deepEqual(ignoreRulesFor({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, [rule({ kind: 'Namespace', namespace: 'shop' })]), [], 'a cluster-scoped object is in no namespace');
});

const live = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop-api' },
  spec: { template: { spec: { containers: [{ name: 'init' }, { name: 'api', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81, protocol: 'UDP' }] }] } } },
} satisfies Manifest;

test('pointerOf: dotted paths back to JSON pointers', () => {
  const cases: [string, string][] = [
    ['spec.replicas', '/spec/replicas'],
    ['metadata.annotations.example.com/owner', '/metadata/annotations/example.com~1owner'],
    ['spec.selector.matchLabels.app.kubernetes.io/name', '/spec/selector/matchLabels/app.kubernetes.io~1name'],
    ['spec.ports[1].targetPort', '/spec/ports/1/targetPort'],
    ['spec.template.spec.containers[name=api].image', '/spec/template/spec/containers/1/image'],
    ['spec.template.spec.containers[name=api].ports[containerPort=81,protocol=UDP]', '/spec/template/spec/containers/1/ports/1'],
    ['spec.template.spec.containers[name=gone].image', '/spec/template/spec/containers'],
  ];
  for (const [field, pointer] of cases) assert.equal(pointerOf(field, live), pointer, field);
  assert.equal(pointerOf('spec.template.spec.containers[name=api].image'), '/spec/template/spec/containers', 'without live, the pointer stops at the list');
});

test('suggestIgnore: by manager for a controller', () => {
  assert.equal(suggestIgnore(deployment, ['spec.replicas'], 'kube-controller-manager'), [
    'ignoreDifferences:',
    '  - group: apps',
    '    kind: Deployment',
    '    name: shop-api',
    '    namespace: shop',
    '    managedFieldsManagers:',
    '      - kube-controller-manager',
    '',
  ].join('\n'));
});

test('suggestIgnore: by JSON pointers for kubectl, Trueup, no manager, and host objects', () => {
  const want = 'ignoreDifferences:\n  - group: apps\n    kind: Deployment\n    name: shop-api\n    namespace: shop\n    jsonPointers:\n      - /spec/replicas\n      - /spec/template/spec/containers/1/image\n';
  assert.equal(suggestIgnore(deployment, ['spec.replicas', 'spec.template.spec.containers[name=api].image', 'spec.replicas'], 'kubectl-edit', live), want);
  assert.equal(suggestIgnore(deployment, ['spec.replicas', 'spec.template.spec.containers[name=api].image'], undefined, live), want);
  assert.equal(suggestIgnore(deployment, ['spec.replicas', 'spec.template.spec.containers[name=api].image'], 'trueup', live), want);
  assert.equal(suggestIgnore({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c' }, ['data.a.b']), 'ignoreDifferences:\n  - kind: ConfigMap\n    name: c\n    jsonPointers:\n      - /data/a.b\n');
  assert.equal(suggestIgnore({ apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', name: 'motd' }, ['spec.content']), 'ignoreDifferences:\n  - group: host.trueup.dev\n    kind: File\n    name: motd\n    jsonPointers:\n      - /spec/content\n');
  assert.equal(suggestIgnore(deployment, []), '', 'nothing to ignore');
});
