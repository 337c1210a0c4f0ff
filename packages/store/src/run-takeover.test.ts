/** What a hub needs to resume runs: the plan and job outputs kept, unfinished runs listed, and a takeover that exactly one replica wins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HubStore } from './hub-store.ts';
import { onBothEngines } from './testing.ts';

const T0 = 1_800_000_000_000;

async function run(store: HubStore, id: string, owner: string, seenAt: number): Promise<void> {
  await store.runs.create({ id, repository: 'r', workflow: 'w', event: 'push', ref: 'main', sha: 'abc', actor: 'x', createdAt: T0, plan: `{"event":"push","inputs":{"n":"${id}"}}` });
  await store.runOwners.own(id, owner, seenAt);
}

test('runs resumed after a restart', async (t) => {
  await onBothEngines(t, 'the plan and the outputs of a finished job are kept; unfinished runs are listed', async (store) => {
    await run(store, 'run1', 'a', T0);
    await store.runs.putJob({ runId: 'run1', key: 'build', name: 'build', environment: undefined, status: 'completed', conclusion: 'success', runnerId: 'r1', attempt: 1, note: undefined, queuedAt: T0, startedAt: T0, finishedAt: T0 + 1, steps: [], outputs: { artifact: 'kiwi' } });
    await store.runs.putJob({ runId: 'run1', key: 'deploy', name: 'deploy', environment: 'prod', status: 'running', conclusion: undefined, runnerId: 'r1', attempt: 1, note: undefined, queuedAt: T0, startedAt: T0, finishedAt: undefined, steps: [] });
    assert.equal((await store.runs.get('run1'))?.plan, '{"event":"push","inputs":{"n":"run1"}}');
    const jobs = await store.runs.jobs('run1');
    assert.deepEqual(jobs.map((j) => [j.key, j.outputs]), [['build', { artifact: 'kiwi' }], ['deploy', undefined]]);
    await run(store, 'run2', 'a', T0);
    await store.runs.finish('run2', 'success', T0 + 5);
    assert.deepEqual((await store.runs.unfinished()).map((r) => r.id), ['run1']);
    await store.runs.abandonRun('run1', 'no plan', T0 + 9);
    assert.deepEqual(await store.runs.unfinished(), []);
    assert.deepEqual((await store.runs.jobs('run1')).map((j) => [j.key, j.conclusion, j.note ?? null]), [['build', 'success', null], ['deploy', 'failure', 'no plan']]);
  });

  await onBothEngines(t, 'runs of a replica silent past the lease are taken over once; a live replica keeps its runs', async (store) => {
    await run(store, 'gone1', 'a', T0);
    await run(store, 'gone2', 'a', T0);
    await run(store, 'live', 'c', T0 + 50_000);
    await store.sharedJobs.publish({ key: 'gone1/build', owner: 'a', labels: ['gpu'], environment: undefined, offer: 'sealed', queuedAt: T0 });
    await store.sharedJobs.publish({ key: 'live/build', owner: 'c', labels: ['gpu'], environment: undefined, offer: 'sealed', queuedAt: T0 });
    await store.sharedJobs.publish({ key: 'gone2/test', owner: 'a', labels: ['linux'], environment: undefined, offer: 'sealed', queuedAt: T0 });
    assert.equal(await store.sharedJobs.claim('gone2/test', 'c'), true);
    const [first, second] = await Promise.all([store.runOwners.takeOver('b', T0 + 45_000, T0 + 60_000), store.runOwners.takeOver('d', T0 + 45_000, T0 + 60_000)]);
    const taken = [...(first ?? []), ...(second ?? [])].map((r) => `${r.id}<-${r.owner}`).sort();
    assert.deepEqual(taken, ['gone1<-a', 'gone2<-a'], 'each run is taken by exactly one replica');
    assert.deepEqual((await store.sharedJobs.queued(10)).map((j) => j.key), ['live/build'], 'the gone replica\'s unclaimed rows went');
    const gone2 = [...(first ?? []), ...(second ?? [])].find((r) => r.id === 'gone2');
    assert.equal(await store.sharedJobs.ownerOf('gone2/test'), gone2 === undefined ? undefined : (first ?? []).includes(gone2) ? 'b' : 'd', 'a claimed job reports to the run\'s new holder');
    assert.equal(await store.sharedJobs.claimedBy('gone2/test'), 'c');
    // Held by its new replica now, and renewed by it: nobody takes it again.
    assert.deepEqual(await store.runOwners.takeOver('e', T0 + 45_000, T0 + 61_000), []);
  });
});
