import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAST_APPLIED_ANNOTATION, normalizeKubeObject, redactSecretPair } from './kube-normalize.ts';

test('normalizeKubeObject: server metadata, last-applied, empty maps and status go; the rest stays', () => {
  const object = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: 'c', namespace: 'n', uid: 'u', resourceVersion: '1', generation: 2, creationTimestamp: 't', selfLink: '/x', managedFields: [],
      annotations: { [LAST_APPLIED_ANNOTATION]: '{}' }, labels: {}, finalizers: ['f'],
    },
    data: { a: '1' },
    status: { phase: 'x' },
  };
  assert.deepEqual(normalizeKubeObject(object), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', finalizers: ['f'] }, data: { a: '1' } });
  assert.equal(object.metadata.uid, 'u', 'the input is not changed');
  assert.deepEqual(normalizeKubeObject({ metadata: { name: 'c', annotations: { keep: 'me', [LAST_APPLIED_ANNOTATION]: '{}' } } }), { metadata: { name: 'c', annotations: { keep: 'me' } } });
});

test('redactSecretPair: keys stay, values never show, a differing value is marked', () => {
  const [live, git] = redactSecretPair({ data: { a: 'QQ==', b: 'Qg==' }, type: 'Opaque' }, { data: { a: 'QQ==', b: 'Qw==', c: 'RGF0YQ==' }, stringData: { d: 'héllo' } });
  assert.deepEqual(live, { data: { a: '<redacted: 1 bytes>', b: '<redacted: 1 bytes>' }, type: 'Opaque' });
  assert.deepEqual(git, { data: { a: '<redacted: 1 bytes>', b: '<redacted: 1 bytes, changed>', c: '<redacted: 4 bytes>' }, stringData: { d: '<redacted: 6 bytes>' } });
});
