/** Which fields an adoption writes: the drifted scalars of the desired manifest, or the fields named, with their live values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driftedFields, holdsFields, namedFields } from './adopt-plan.ts';

const desired = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { tier: 'web' } }, spec: { replicas: 2, image: 'app:1', ports: [80], env: { A: '1' } } };
const live = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { tier: 'api' }, resourceVersion: '9' }, spec: { replicas: 3, image: 'app:1', ports: [80, 443], env: { A: '1' }, owner: 'root' }, status: { ready: true } };

test('drifted fields: the scalars that differ, a list as one field; server fields and live-only fields left out', () => {
  assert.deepEqual(driftedFields(live, desired), [
    { path: 'metadata.labels.tier', value: 'api' },
    { path: 'spec.replicas', value: 3 },
    { path: 'spec.ports', value: [80, 443] },
  ]);
  assert.deepEqual(driftedFields(desired, desired), []);
});

test('named fields: the live value at each path, undefined where live has none', () => {
  const withContainers = { spec: { containers: [{ name: 'web', image: 'web:2' }, { name: 'log', image: 'log:1' }] } };
  assert.deepEqual(namedFields(withContainers, ['spec.containers[name=web].image', 'spec.containers[1].image', 'spec.nope']), [
    { path: 'spec.containers[name=web].image', value: 'web:2' },
    { path: 'spec.containers[1].image', value: 'log:1' },
    { path: 'spec.nope', value: undefined },
  ]);
});

test('holds fields: Git holds an adoption when every field renders at its adopted value', () => {
  const cases = [
    { name: 'all held', manifest: desired, fields: [{ path: 'spec.replicas', value: 2 }, { path: 'metadata.labels.tier', value: 'web' }], want: true },
    { name: 'one differs', manifest: desired, fields: [{ path: 'spec.replicas', value: 2 }, { path: 'spec.image', value: 'app:2' }], want: false },
    { name: 'a number written as text', manifest: { spec: { port: '8080' } }, fields: [{ path: 'spec.port', value: 8080 }], want: true },
    { name: 'absent in Git', manifest: desired, fields: [{ path: 'spec.owner', value: 'root' }], want: false },
    { name: 'a list by name', manifest: { spec: { containers: [{ name: 'web', image: 'web:2' }] } }, fields: [{ path: 'spec.containers[name=web].image', value: 'web:2' }], want: true },
  ];
  for (const { name, manifest, fields, want } of cases) assert.equal(holdsFields(manifest, fields), want, name);
});
