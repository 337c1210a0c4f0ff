/** Failed logins counted in the store: atomic under concurrent failures, forgotten, cleared, pruned (both engines). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

test('login failures', async (t) => {
  await onBothEngines(t, 'counted once each, even at once; forgotten after a quiet hour; cleared; pruned', async (store) => {
    const { loginFailures } = store;
    assert.equal(await loginFailures.get('k'), undefined);
    assert.equal(await loginFailures.record('k', NOW, NOW - HOUR), 1);
    const counts = await Promise.all(Array.from({ length: 9 }, (_, i) => loginFailures.record('k', NOW + 1 + i, NOW - HOUR)));
    assert.deepEqual([...counts].sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9, 10], 'concurrent failures each count');
    assert.equal((await loginFailures.get('k'))?.failures, 10);
    assert.equal(await loginFailures.record('other', NOW, NOW - HOUR), 1, 'keys are counted apart');
    // A failure after a quiet hour starts over.
    assert.equal(await loginFailures.record('k', NOW + 2 * HOUR, NOW + HOUR), 1);
    assert.deepEqual(await loginFailures.get('k'), { failures: 1, lastAt: NOW + 2 * HOUR });
    await loginFailures.clear('k');
    assert.equal(await loginFailures.get('k'), undefined);
    await loginFailures.prune(NOW + 1);
    assert.equal(await loginFailures.get('other'), undefined, 'older than the bound: pruned');
  });
});
