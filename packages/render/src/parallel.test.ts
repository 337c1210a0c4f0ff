import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapOrdered, orderedMap } from './parallel.ts';

test('results keep input order while calls finish out of order, at most `limit` in flight', async () => {
  let inFlight = 0;
  let most = 0;
  const results = await mapOrdered([30, 5, 20, 1, 10, 0, 15], 3, async (ms, index) => {
    most = Math.max(most, ++inFlight);
    await sleep(ms);
    inFlight--;
    return index;
  });
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(most, 3);
});

test('the first failing item in input order is the error, even when a later one fails sooner', async () => {
  const fail = (message: string, ms: number) => async (): Promise<never> => {
    await sleep(ms);
    throw new Error(message);
  };
  const calls = [async () => 'ok', fail('slow first', 30), fail('fast second', 1)];
  await assert.rejects(mapOrdered(calls, 3, (call) => call()), /slow first/);
});

test('a consumer that stops early starts no more calls than it read plus the limit', async () => {
  const started: number[] = [];
  for await (const value of orderedMap([0, 1, 2, 3, 4, 5, 6, 7], 2, (n) => {
    started.push(n);
    return Promise.resolve(n);
  })) {
    if (value === 1) break;
  }
  assert.deepEqual(started, [0, 1, 2, 3]);
});
