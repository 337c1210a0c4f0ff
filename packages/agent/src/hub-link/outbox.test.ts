import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ApplicationStatus } from '@trueup/api';
import { SqliteOutbox, statusDigest } from './outbox.ts';

const status = (name: string, revision: string): ApplicationStatus => ({
  name, revision, appliedRevision: revision, source: { repoURL: 'file:///r', ref: 'main', path: '.' }, sync: 'Synced', health: { status: 'Healthy' }, conditions: [], resources: [],
});

test('the outbox numbers events, keeps one queued status per application, survives a reopen, and drops what is acked', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-outbox-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let live = [status('web', 'a'), status('api', 'a')];
  const outbox = new SqliteOutbox(dir, () => live, () => 1000);
  outbox.appendStatus(status('web', 'a'));
  outbox.append({ kind: 'drift', application: 'web', object: 'File//x', source: 'watch', fields: ['content'] });
  outbox.appendStatus(status('web', 'b'));
  assert.deepEqual(outbox.pending(0, 10).map((e) => [e.seq, e.event.kind]), [[2, 'drift'], [3, 'status']], 'the older status of web is superseded');
  assert.deepEqual(outbox.digests(), { web: statusDigest(live[0] as ApplicationStatus), api: statusDigest(live[1] as ApplicationStatus) });
  outbox.ensureStatus(['web', 'api', 'gone']);
  assert.deepEqual(outbox.pending(0, 10).map((e) => [e.seq, e.event.application]), [[2, 'web'], [3, 'web'], [4, 'api']], 'web is queued already; gone is not run');
  assert.deepEqual(outbox.pending(2, 1).map((e) => e.seq), [3]);
  outbox.acked(3);
  outbox.close();
  live = [];
  const reopened = new SqliteOutbox(dir, () => live);
  assert.deepEqual(reopened.pending(0, 10).map((e) => e.seq), [4]);
  reopened.append({ kind: 'removed', application: 'api' });
  assert.deepEqual(reopened.pending(0, 10).map((e) => e.seq), [4, 5], 'numbers are never reused');
  reopened.close();
});
