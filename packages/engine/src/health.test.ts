import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthStatus } from '@trueup/api';
import { healthOf, worstHealth } from './health.ts';
import { absent, hostManifest, liveOf } from './testing.ts';

const service = hostManifest('Service', 'web', { command: 'true' });
const table: { name: string; status?: Record<string, unknown>; missing?: boolean; want: HealthStatus }[] = [
  { name: 'running and passing', status: { phase: 'running', pid: 10, healthy: true }, want: 'Healthy' },
  { name: 'running, no check yet', status: { phase: 'running', pid: 10 }, want: 'Healthy' },
  { name: 'a health check that has not run yet, start period 0', status: { phase: 'running', pid: 10, inStartPeriod: false }, want: 'Progressing' },
  { name: 'check failing in start period', status: { phase: 'running', healthy: false, inStartPeriod: true }, want: 'Progressing' },
  { name: 'check failing after start period', status: { phase: 'running', healthy: false }, want: 'Degraded' },
  { name: 'starting', status: { phase: 'starting' }, want: 'Progressing' },
  { name: 'crash-looping', status: { phase: 'backoff', restarts: 3 }, want: 'Degraded' },
  { name: 'failed for good', status: { phase: 'failed', lastExitCode: 1 }, want: 'Degraded' },
  { name: 'stopped by policy', status: { phase: 'stopped' }, want: 'Suspended' },
  { name: 'absent', missing: true, want: 'Missing' },
];

for (const c of table) {
  test(`Service health: ${c.name}`, () => {
    assert.equal(healthOf(c.missing === true ? absent(service) : liveOf(service, c.status)).status, c.want);
  });
}

test('Files are Healthy once present; a failed Command is Degraded', () => {
  assert.equal(healthOf(liveOf(hostManifest('File', 'f', { path: '/f' }))).status, 'Healthy');
  assert.equal(healthOf(liveOf(hostManifest('Command', 'c', { run: 'x' }), { lastExitCode: 2 })).status, 'Degraded');
});

test('kstatus conditions', () => {
  const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
  assert.equal(healthOf(liveOf(obj, { conditions: [{ type: 'Ready', status: 'True' }] })).status, 'Healthy');
  assert.equal(healthOf(liveOf(obj, { conditions: [{ type: 'Reconciling', status: 'True' }] })).status, 'Progressing');
  assert.equal(healthOf(liveOf(obj, { conditions: [{ type: 'Stalled', status: 'True', message: 'bad' }] })).message, 'bad');
});

test('worst wins', () => {
  const h = (status: HealthStatus) => ({ status });
  assert.equal(worstHealth([]).status, 'Healthy');
  assert.equal(worstHealth([h('Healthy'), h('Progressing'), h('Suspended')]).status, 'Progressing');
  assert.equal(worstHealth([h('Missing'), h('Degraded'), h('Progressing')]).status, 'Degraded');
  assert.equal(worstHealth([h('Degraded'), h('Unknown')]).status, 'Unknown');
});

test('an object that could not be read is Unknown with the reason, not Missing: it may well exist', () => {
  const key = { apiVersion: 'host.trueup.dev/v1alpha1', kind: 'File', name: 'secret' };
  assert.deepEqual(healthOf({ key, manifest: undefined, status: { error: { code: 'HOST_APPLY_FAILED', message: 'EACCES: permission denied' } } }), { status: 'Unknown', message: 'EACCES: permission denied' });
  assert.equal(healthOf({ key, manifest: undefined }).status, 'Missing');
});
