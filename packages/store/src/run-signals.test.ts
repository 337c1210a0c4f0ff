/** Every write to a run or one of its jobs signals the run's id on the `runs` channel, on both engines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

test('run writes signal the run', async (t) => {
  await onBothEngines(t, 'create, a job, finish, reopen, abandonRun', async (store) => {
    const heard: string[] = [];
    let listening = false;
    let waiting: { count: number; resolve: () => void } | undefined;
    const unsubscribe = store.signals.subscribe('runs', (payload) => {
      if (payload === 'probe') {
        listening = true;
        return;
      }
      heard.push(payload);
      if (waiting !== undefined && heard.length >= waiting.count) waiting.resolve();
    });
    t.after(unsubscribe);
    const heardAll = async (count: number): Promise<void> => {
      if (heard.length >= count) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`heard only ${JSON.stringify(heard)}`)), 10_000);
        waiting = { count, resolve: () => { clearTimeout(timer); resolve(); } };
      });
    };
    // PostgreSQL's listening connection opens in the background: wait until it hears.
    while (!listening) {
      await store.signals.publish('runs', 'probe');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await store.runs.create({ id: 'run-1', repository: 'repo', workflow: 'ci.yml', event: 'push', ref: 'main', sha: 'a'.repeat(40), actor: 'ann', createdAt: 1 });
    await store.runs.putJob({ runId: 'run-1', key: 'build', name: 'build', environment: undefined, status: 'running', conclusion: undefined, runnerId: 'r', attempt: 1, note: undefined, queuedAt: 2, startedAt: 3, finishedAt: undefined, steps: [{ id: 's1', name: 'make', startedAt: 3 }] });
    await store.runs.finish('run-1', 'success', 4);
    await store.runs.reopen('run-1');
    await heardAll(4);
    assert.deepEqual(heard, ['run-1', 'run-1', 'run-1', 'run-1']);
    await store.runs.abandonRun('run-1', 'gone', 5);
    await heardAll(5);
    assert.equal(heard[4], 'run-1');
    assert.equal((await store.runs.get('run-1'))?.conclusion, 'failure');
  });
});
