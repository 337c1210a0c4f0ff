/** Jobs' logs in the store: numbered chunks, reads after a number, the cap dropping the oldest and counting them, a reset, the signal per append. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

test('job logs', async (t) => {
  await onBothEngines(t, 'append, read after a number, cap, reset, signal', async (store) => {
    const heard: string[] = [];
    let listening = false;
    t.after(store.signals.subscribe('run_logs', (payload) => (payload === 'probe' ? (listening = true) : heard.push(payload))));
    while (!listening) {
      await store.signals.publish('run_logs', 'probe');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await store.runLogs.read('run-1', 'build'), undefined, 'no log before the first chunk');
    assert.equal(await store.runLogs.append('run-1', 'build', 'one\n', 100), 1);
    assert.equal(await store.runLogs.append('run-1', 'build', 'two\n', 100), 2);
    assert.equal(await store.runLogs.append('run-1', 'deploy#1', 'other job\n', 100), 1);
    const all = await store.runLogs.read('run-1', 'build');
    assert.deepEqual(all, { chunks: [{ seq: 1, text: 'one\n' }, { seq: 2, text: 'two\n' }], dropped: 0, firstSeq: 1, lastSeq: 2 });
    assert.deepEqual((await store.runLogs.read('run-1', 'build', 1))?.chunks, [{ seq: 2, text: 'two\n' }]);
    assert.deepEqual((await store.runLogs.read('run-1', 'build', 2))?.chunks, []);

    // Over the cap (10 bytes): the oldest chunks go, counted; the newest stays even when it alone is over.
    assert.equal(await store.runLogs.append('run-1', 'build', 'three\n', 10), 3);
    const capped = await store.runLogs.read('run-1', 'build');
    assert.deepEqual(capped, { chunks: [{ seq: 2, text: 'two\n' }, { seq: 3, text: 'three\n' }], dropped: 4, firstSeq: 2, lastSeq: 3 });
    await store.runLogs.append('run-1', 'build', 'x'.repeat(20), 10);
    assert.deepEqual(await store.runLogs.read('run-1', 'build'), { chunks: [{ seq: 4, text: 'x'.repeat(20) }], dropped: 14, firstSeq: 4, lastSeq: 4 });

    // The runner's number of the last text written: kept with each chunk that says it, 0 when none did.
    assert.equal(await store.runLogs.runnerSeq('run-1', 'build'), 0);
    await store.runLogs.append('run-1', 'build', 'numbered\n', 1000, 42);
    await store.runLogs.append('run-1', 'build', 'not numbered\n', 1000);
    assert.equal(await store.runLogs.runnerSeq('run-1', 'build'), 42);
    assert.equal(await store.runLogs.runnerSeq('run-1', 'nothing'), 0);

    // A job run again starts empty, numbered on, and its runner numbers from 1 again.
    await store.runLogs.reset('run-1', 'build');
    assert.deepEqual(await store.runLogs.read('run-1', 'build'), { chunks: [], dropped: 0, firstSeq: 7, lastSeq: 6 });
    assert.equal(await store.runLogs.runnerSeq('run-1', 'build'), 0);
    assert.equal(await store.runLogs.append('run-1', 'build', 'again\n', 100), 7);

    for (let waited = 0; heard.length < 9; waited += 20) {
      if (waited > 10_000) throw new Error(`heard only ${JSON.stringify(heard)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(heard, ['run-1/build', 'run-1/build', 'run-1/deploy#1', 'run-1/build', 'run-1/build', 'run-1/build', 'run-1/build', 'run-1/build', 'run-1/build']);
  });
});
