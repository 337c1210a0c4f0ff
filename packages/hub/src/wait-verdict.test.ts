/** The verdict of a revision wait on the statuses an agent reports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplicationStatus } from '@trueup/api';
import { waitVerdict } from './wait-verdict.ts';

const SHA = 'c0ffee'.padEnd(40, '1');
const OLD = 'dead'.padEnd(40, '0');

function status(over: Partial<ApplicationStatus>): ApplicationStatus {
  return { name: 'web', revision: SHA, appliedRevision: SHA, source: { repoURL: 'file:///r', ref: 'main', path: '.' }, sync: 'Synced', health: { status: 'Healthy' }, conditions: [], resources: [], ...over };
}

test('wait verdicts', () => {
  assert.equal(waitVerdict(undefined, SHA).state, 'pending');
  assert.equal(waitVerdict(status({}), SHA).state, 'healthy');
  assert.equal(waitVerdict(status({}), SHA.slice(0, 7).toUpperCase()).state, 'healthy', 'an abbreviation, in any case');
  assert.equal(waitVerdict(status({ revision: SHA, appliedRevision: OLD }), SHA).state, 'pending', 'fetched, not applied yet');
  assert.equal(waitVerdict(status({ health: { status: 'Progressing' } }), SHA).state, 'pending');
  assert.equal(waitVerdict(status({ sync: 'OutOfSync' }), SHA).state, 'pending');
  const degraded = waitVerdict(status({
    health: { status: 'Degraded' },
    resources: [
      { apiVersion: 'host.trueup.dev/v1alpha1', kind: 'Service', name: 'web', sync: 'Synced', health: { status: 'Degraded', message: 'health check failing' } },
      { apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', name: 'conf', sync: 'Synced', health: { status: 'Healthy' } },
    ],
  }), SHA);
  assert.equal(degraded.state, 'degraded');
  assert.deepEqual(degraded.failing.map((r) => `${r.kind}/${r.name}: ${r.message}`), ['Service/web: health check failing']);
  assert.match(degraded.reason, /Service\/web: health check failing/);
  const failed = waitVerdict(status({ appliedRevision: OLD, error: { code: 'RENDER_FAILED', message: 'bad yaml', file: 'app/a.yaml', line: 3 } }), SHA);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.error?.line, 3);
  // An error of an older revision does not fail a wait for a newer one.
  assert.equal(waitVerdict(status({ revision: OLD, appliedRevision: OLD, error: { code: 'X', message: 'old' } }), SHA).state, 'pending');
});
