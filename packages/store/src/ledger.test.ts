/** The ledger's pages: newest or oldest first, cursors both ways, time filters, and the batched read of an export. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import type { HubStore } from './hub-store.ts';
import type { LedgerPage } from './ledger.ts';
import { onBothEngines } from './testing.ts';

const T0 = 1_800_000_000_000;

/** Entries 1…n, one a second, alternating between two environments and two kinds. */
async function fill(store: HubStore, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await store.ledger.append({ environment: i % 2 === 0 ? 'prod' : 'stage', at: T0 + i * 1000, kind: i % 3 === 0 ? 'drift' : 'sync', application: 'web', details: { n: i } });
  }
}

const ns = (page: LedgerPage): number[] => page.items.map((e) => Number(e.details.n));

test('ledger', async (t) => {
  await onBothEngines(t, 'newest or oldest first, and cursors that page both ways', async (store) => {
    await fill(store, 10);
    const newest = await store.ledger.list({ limit: 4, order: 'desc' });
    assert.deepEqual(ns(newest), [10, 9, 8, 7]);
    assert.equal(newest.prevCursor, null, 'nothing is newer than the first page');
    const older = await store.ledger.list({ limit: 4, order: 'desc', cursor: newest.nextCursor ?? '' });
    assert.deepEqual(ns(older), [6, 5, 4, 3]);
    const oldest = await store.ledger.list({ limit: 4, order: 'desc', cursor: older.nextCursor ?? '' });
    assert.deepEqual(ns(oldest), [2, 1]);
    assert.equal(oldest.nextCursor, null);
    // Back again, page by page, to the newest.
    const back = await store.ledger.list({ limit: 4, order: 'desc', cursor: oldest.prevCursor ?? '' });
    assert.deepEqual(ns(back), [6, 5, 4, 3]);
    const front = await store.ledger.list({ limit: 4, order: 'desc', cursor: back.prevCursor ?? '' });
    assert.deepEqual(ns(front), [10, 9, 8, 7]);
    assert.equal(front.prevCursor, null);
    assert.notEqual(front.nextCursor, null);

    const first = await store.ledger.list({ limit: 3, order: 'asc' });
    assert.deepEqual(ns(first), [1, 2, 3]);
    assert.equal(first.prevCursor, null);
    const second = await store.ledger.list({ limit: 3, order: 'asc', cursor: first.nextCursor ?? '' });
    assert.deepEqual(ns(second), [4, 5, 6]);
    assert.deepEqual(ns(await store.ledger.list({ limit: 3, order: 'asc', cursor: second.prevCursor ?? '' })), [1, 2, 3]);
    assert.deepEqual(ns(await store.ledger.list({ limit: 3 })), [1, 2, 3], 'the store reads oldest first unless told');
    // A bare id is the cursor of hubs before both ways: "after this one".
    assert.deepEqual(ns(await store.ledger.list({ limit: 2, order: 'asc', cursor: String(first.items[2]?.id) })), [4, 5]);
    for (const bad of ['x12', 'p', '12p', "1' OR '1'='1"]) {
      await assert.rejects(store.ledger.list({ limit: 2, cursor: bad }), (e) => isTrueupError(e, 'STORE_CURSOR_INVALID'), bad);
    }
  });

  await onBothEngines(t, 'filters: environment, kind, since and until, kept across pages', async (store) => {
    await fill(store, 12);
    const prodDrift = await store.ledger.list({ limit: 10, order: 'desc', environment: 'prod', kind: 'drift' });
    assert.deepEqual(ns(prodDrift), [12, 6]);
    const window = await store.ledger.list({ limit: 2, order: 'asc', since: T0 + 5000, until: T0 + 9000 });
    assert.deepEqual(ns(window), [5, 6]);
    assert.deepEqual(ns(await store.ledger.list({ limit: 2, order: 'asc', since: T0 + 5000, until: T0 + 9000, cursor: window.nextCursor ?? '' })), [7, 8]);
    assert.deepEqual(ns(await store.ledger.list({ limit: 10, order: 'desc', environment: "prod' OR 1=1 --" })), []);
  });

  await onBothEngines(t, 'each: every matching entry in batches, in order', async (store) => {
    await fill(store, 23);
    const batches: number[][] = [];
    for await (const batch of store.ledger.each({ order: 'asc', environment: 'stage' }, 5)) batches.push(batch.map((e) => Number(e.details.n)));
    assert.deepEqual(batches.map((b) => b.length), [5, 5, 2]);
    assert.deepEqual(batches.flat(), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
    const newestFirst: number[] = [];
    for await (const batch of store.ledger.each({ order: 'desc', since: T0 + 20_000 }, 2)) newestFirst.push(...batch.map((e) => Number(e.details.n)));
    assert.deepEqual(newestFirst, [23, 22, 21, 20]);
  });
});
