/**
 * The environment's door and the concurrency groups, on a real store: allowed refs (deployment
 * branch and tag policies, with exclusions), the wait timer (its note, its length, a newer run
 * superseding one that waits it out, a cancel during it), and the bounded FIFO queue of a group.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openStore, type EnvironmentRules, type HubStore } from '@trueup/store';
import { CONCURRENCY_QUEUE_MAX, ConcurrencyGroups } from './concurrency-groups.ts';
import { EnvironmentGate } from './environment-gate.ts';

async function storeFor(t: TestContext): Promise<HubStore> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-gate-'));
  const store = await openStore(join(dir, 'hub.db'));
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

const rules = (over: Partial<EnvironmentRules>): EnvironmentRules => ({ requiredApprovals: 0, allowSelfApproval: false, waitSeconds: 0, allowedRefs: [], ...over });
const run = (id: string, ref: string, createdAt: number): { id: string; actor: string; ref: string; createdAt: number } => ({ id, actor: 'alice', ref, createdAt });

test('allowed refs: a branch or tag outside the patterns is refused with the patterns named; an exclusion wins', async (t) => {
  const store = await storeFor(t);
  await store.pipelineSecrets.setRules('prod', rules({ allowedRefs: ['refs/heads/main', 'refs/heads/release/*', '!refs/heads/release/wip', 'refs/tags/v*'] }), 'admin', 1);
  const gate = new EnvironmentGate(store);
  const signal = new AbortController().signal;
  const cases: [string, boolean][] = [
    ['refs/heads/main', true],
    ['refs/heads/release/2.1', true],
    ['refs/tags/v1.4.0', true],
    ['refs/heads/feature', false],
    ['refs/heads/release/wip', false],
    ['refs/tags/nightly', false],
  ];
  let at = 0;
  for (const [ref, allowed] of cases) {
    const admission = await gate.admit('prod', run(`r${++at}`, ref, at), signal, () => undefined);
    assert.equal(admission.ok, allowed, ref);
    if (admission.ok) admission.release();
    else assert.match(admission.reason, new RegExp(`^${ref} may not deploy to prod: allowed are refs/heads/main, `));
  }
});

test('the wait timer: the job waits its seconds after admission, saying so; a newer run or a cancel during it ends it unrun', async (t) => {
  const store = await storeFor(t);
  await store.pipelineSecrets.setRules('staging', rules({ waitSeconds: 1 }), 'admin', 1);
  const gate = new EnvironmentGate(store);
  const notes: string[] = [];
  const started = Date.now();
  const admitted = await gate.admit('staging', run('a', 'refs/heads/main', 1), new AbortController().signal, (why) => notes.push(why));
  assert.equal(admitted.ok, true);
  assert.ok(Date.now() - started >= 1000, 'admitted before its wait timer ran out');
  assert.deepEqual(notes, ['wait timer: 1 s before deploying to staging']);
  if (admitted.ok) admitted.release();

  // Two runs wait out the timer: the newer supersedes the older, which never gets the door.
  const older = gate.admit('staging', run('old', 'refs/heads/main', 10), new AbortController().signal, () => undefined);
  const newer = gate.admit('staging', run('new', 'refs/heads/main', 11), new AbortController().signal, () => undefined);
  const [o, n] = await Promise.all([older, newer]);
  assert.deepEqual(o, { ok: false, reason: 'superseded by run new', superseded: 'new' });
  assert.equal(n.ok, true);
  if (n.ok) n.release();

  const cancel = new AbortController();
  const waiting = gate.admit('staging', run('c', 'refs/heads/main', 20), cancel.signal, () => undefined);
  cancel.abort();
  assert.deepEqual(await waiting, { ok: false, reason: 'cancelled' });
});

test('a concurrency group queues at most its limit behind the holder; one more is refused; cancel-in-progress empties the queue and cancels the holder', async () => {
  const cancelled: [string, string][] = [];
  const groups = new ConcurrencyGroups((owner, reason) => cancelled.push([owner, reason]));
  const signal = new AbortController().signal;
  const holder = await groups.acquire('deploy', 'run-0', false, signal, () => undefined);
  assert.equal(holder.ok, true);
  const waiting = Array.from({ length: CONCURRENCY_QUEUE_MAX }, (_, i) => groups.acquire('deploy', `run-${i + 1}`, false, signal, () => undefined));
  const refused = await groups.acquire('deploy', 'run-late', false, signal, () => undefined);
  assert.deepEqual(refused, { ok: false, reason: `concurrency group "deploy" has ${CONCURRENCY_QUEUE_MAX} runs waiting already` });
  // FIFO: the first waiting gets the group when the holder lets go.
  if (holder.ok) holder.release();
  const first = await waiting[0];
  assert.equal(first?.ok, true);
  // A newcomer with cancel-in-progress: everyone waiting is cancelled, the holder is asked to stop.
  const newcomer = groups.acquire('deploy', 'run-new', true, signal, () => undefined);
  const rest = await Promise.all(waiting.slice(1));
  assert.ok(rest.every((r) => !r.ok && r.reason === 'cancelled by run run-new in concurrency group "deploy"'), JSON.stringify(rest));
  assert.deepEqual(cancelled, [['run-1', 'run run-new in concurrency group "deploy" (cancel-in-progress)']]);
  if (first?.ok === true) first.release();
  assert.equal((await newcomer).ok, true);
});
