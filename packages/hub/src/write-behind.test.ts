import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeBehind } from './write-behind.ts';

test('items handed in together are written in one batch, each answered with its own result', async () => {
  const batches: number[][] = [];
  const add = writeBehind<number, number>(async (items) => {
    batches.push([...items]);
    return items.map((n) => n * 10);
  });
  assert.deepEqual(await Promise.all([add(1), add(2), add(3)]), [10, 20, 30]);
  assert.deepEqual(batches, [[1, 2, 3]]);
});

test('items arriving while a write runs form the next batch, written after it ends', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const add = writeBehind<number, number>(async (items) => {
    batches.push([...items]);
    if (batches.length === 1) await gate;
    return items;
  });
  const first = add(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [add(2), add(3)];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [[1]], 'the second batch waits for the first write');
  release();
  assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
  assert.deepEqual(batches, [[1], [2, 3]]);
});

test('a failed write rejects every item of its batch, and the next batch is written', async () => {
  let calls = 0;
  const add = writeBehind<number, number>(async (items) => {
    calls++;
    if (calls === 1) throw new Error('disk full');
    return items;
  });
  const results = await Promise.allSettled([add(1), add(2)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(await add(3), 3);
});
