/** Edits of files an object was rendered from: the document by kind and (prefixed) name, the value it must hold now, a Helm values key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { editYaml } from './edit-yaml.ts';
import { planCommit } from './plan.ts';

const BASE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-canary
spec:
  replicas: 1
`;

test('match: the document of that kind whose name is the rendered name or inside it', () => {
  const cases = [
    { match: { kind: 'Deployment', name: 'prod-web-canary' }, want: 20 },
    { match: { kind: 'Deployment', name: 'web' }, want: 13 },
    { match: { kind: 'Deployment', name: 'web-v2' }, want: 13 },
  ];
  for (const { match, want } of cases) assert.equal(editYaml(BASE, 'base/all.yaml', [{ key: 'spec.replicas', value: '5', match }]).changes[0]?.line, want, match.name);
  assert.equal(editYaml(BASE, 'base/all.yaml', [{ key: 'data.mode', value: 'slow', match: { kind: 'ConfigMap', name: 'prod-settings-x' } }]).changes[0]?.line, 6);
  const twice = BASE.replace('name: web-canary', 'name: web');
  assert.throws(() => editYaml(twice, 'base/all.yaml', [{ key: 'spec.replicas', value: '5', match: { kind: 'Deployment', name: 'prod-web' } }]), (error: unknown) => isTrueupError(error, 'GITOPS_KEY_AMBIGUOUS') && /2 documents of kind Deployment .* \(lines 7, 14\)/.test(error.message));
  assert.throws(() => editYaml(BASE, 'base/all.yaml', [{ key: 'spec.replicas', value: '5', match: { kind: 'StatefulSet', name: 'web' } }]), (error: unknown) => isTrueupError(error, 'GITOPS_KEY_NOT_FOUND') && /no StatefulSet in base\/all\.yaml/.test(error.message));
});

test('expect: written only where the file holds the value the object renders; else refused naming both', () => {
  assert.equal(editYaml(BASE, 'b.yaml', [{ key: 'spec.replicas', value: '5', match: { kind: 'Deployment', name: 'web' }, expect: '2' }]).changes.length, 1);
  assert.throws(() => editYaml(BASE, 'b.yaml', [{ key: 'spec.replicas', value: '5', match: { kind: 'Deployment', name: 'web' }, expect: '3' }]), (error: unknown) => {
    assert.ok(isTrueupError(error, 'GITOPS_VALUE_DIFFERS'));
    assert.match(error.describe(), /^b\.yaml:13: .*b\.yaml:13 sets "spec\.replicas" to "2", but the object renders "3": something between this file and the object changes it/);
    return true;
  });
});

test('valuesOf: the values key the template takes the field from, read at the same tip', () => {
  const files: Record<string, string> = {
    'chart/values.yaml': '# defaults\nreplicaCount: 1   # scaled\nimage: { tag: "1.0" }\n',
    'chart/templates/web.yaml': 'kind: Deployment\nspec:\n  replicas: {{ .Values.replicaCount }}\n  paused: true\n',
  };
  const read = (file: string): string | undefined => files[file];
  const plan = planCommit(read, [{ file: 'chart/values.yaml', key: '', value: '3', valuesOf: { template: 'chart/templates/web.yaml', field: 'spec.replicas' }, expect: '1' }], { origin: { source: 'adopt' } });
  assert.equal(plan.action, 'commit');
  assert.equal(plan.action === 'commit' ? plan.files.get('chart/values.yaml') : '', '# defaults\nreplicaCount: 3   # scaled\nimage: { tag: "1.0" }\n');
  assert.throws(() => planCommit(read, [{ file: 'chart/values.yaml', key: '', value: 'false', valuesOf: { template: 'chart/templates/web.yaml', field: 'spec.paused' } }], { origin: { source: 'adopt' } }), (error: unknown) => isTrueupError(error, 'GITOPS_TEMPLATED') && /templates\/web\.yaml:4 writes "paused: true"/.test(error.message));
  assert.throws(() => planCommit(read, [{ file: 'chart/values.yaml', key: '', value: '3', valuesOf: { template: 'chart/templates/gone.yaml', field: 'spec.replicas' } }], { origin: { source: 'adopt' } }), (error: unknown) => isTrueupError(error, 'GITOPS_FILE_NOT_FOUND'));
});
