import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyId } from '@trueup/api';
import { planPass } from './plan.ts';
import { summarize, type SummaryInput } from './summarize.ts';
import { absent, desiredOf, hostManifest, liveOf } from './testing.ts';

const file = hostManifest('File', 'motd', { path: '/etc/motd', content: 'hi' });
const base = { name: 'web', source: { repoURL: 'https://git.example.com/c.git', ref: 'main', path: '.' }, revision: 'a'.repeat(40), appliedRevision: 'a'.repeat(40) };

function input(live = liveOf(file), extra: Partial<SummaryInput> = {}): SummaryInput {
  const desired = [desiredOf(file, 'hosts/motd.yaml', 3)];
  return { ...base, desired, live: [live], diffs: planPass({ desired, live: [live] }).diffs, now: '2026-01-01T00:00:00Z', ...extra };
}

test('in sync and healthy → Ready', () => {
  const status = summarize(input());
  assert.equal(status.sync, 'Synced');
  assert.equal(status.health.status, 'Healthy');
  assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`), ['Ready=True', 'Stalled=False', 'Reconciling=False']);
  assert.deepEqual(status.resources[0]?.origin, { file: 'hosts/motd.yaml', line: 3 });
});

test('a missing file → OutOfSync with its diff, Missing health', () => {
  const status = summarize(input(absent(file)));
  assert.equal(status.sync, 'OutOfSync');
  assert.equal(status.health.status, 'Missing');
  assert.match(status.resources[0]?.diff ?? '', /\+  content: hi/);
  assert.equal(status.conditions[0]?.reason, 'OutOfSync');
});

test('a validation error → Stalled naming file, line and field', () => {
  const status = summarize(input(liveOf(file), { error: { code: 'API_FIELD_UNKNOWN', message: 'unknown field "mdoe"', retryable: false, file: 'hosts/motd.yaml', line: 7, field: 'spec.mdoe' } }));
  const stalled = status.conditions.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.message, 'hosts/motd.yaml:7: spec.mdoe: unknown field "mdoe"');
  assert.equal(status.error?.field, 'spec.mdoe');
});

test('a transient error is not Stalled; lastTransitionTime moves only on change', () => {
  const first = summarize(input(liveOf(file), { error: { code: 'GIT_UNREACHABLE', message: 'connection refused', retryable: true } }));
  assert.equal(first.conditions.find((c) => c.type === 'Stalled')?.status, 'False');
  const second = summarize(input(liveOf(file), { previous: first.conditions, now: '2026-01-01T00:05:00Z' }));
  assert.equal(second.conditions.find((c) => c.type === 'Stalled')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(second.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime, '2026-01-01T00:05:00Z');
});

test('Fighting objects add the Fighting condition', () => {
  const status = summarize(input(liveOf(file), { fighting: [keyId(desiredOf(file).key)] }));
  assert.equal(status.conditions.find((c) => c.type === 'Fighting')?.status, 'True');
});

test('an application that never synced anything is Unknown, not Healthy; once a revision applied, an empty one is Healthy', () => {
  const never = summarize({ ...base, appliedRevision: '', desired: [], live: [], diffs: new Map(), now: '2026-01-01T00:00:00Z', error: { code: 'GIT_UNREACHABLE', message: 'refused', retryable: true } });
  assert.equal(never.health.status, 'Unknown');
  assert.equal(never.health.message, 'nothing synced yet');
  const empty = summarize({ ...base, appliedRevision: '', desired: [], live: [], diffs: new Map(), now: '2026-01-01T00:00:00Z' });
  assert.equal(empty.health.status, 'Unknown');
  assert.equal(empty.conditions.find((c) => c.type === 'Ready')?.message, 'nothing synced yet');
  assert.equal(summarize({ ...base, desired: [], live: [], diffs: new Map(), now: '2026-01-01T00:00:00Z' }).health.status, 'Healthy');
});
