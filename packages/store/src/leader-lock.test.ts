/** One holder at a time among replicas: a PostgreSQL advisory lock on a connection of its own. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { skipWithoutPostgres } from '@trueup/testkit/postgres';
import { openPostgres } from './db.ts';
import { openStore } from './hub-store.ts';
import { LEADER_LOCKS } from './leader-lock.ts';
import { sharedPostgres } from './testing.ts';

test('leader lock: one replica holds it; released or lost, another takes it', { skip: skipWithoutPostgres() }, async (t) => {
  const pg = await sharedPostgres((fn) => t.after(fn));
  const location = await pg.createDatabase('leader');
  const [a, b] = [await openStore(location), await openStore(location)];
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const lockA = a.leaderLock(LEADER_LOCKS.repoPoll);
  const lockB = b.leaderLock(LEADER_LOCKS.repoPoll);
  assert.equal(await lockA.acquire(), true);
  assert.equal(await lockB.acquire(), false, 'held by the other replica');
  assert.equal(await lockA.acquire(), true, 'still held, asked again');
  assert.equal(await lockB.acquire(), false);
  await lockA.release();
  assert.equal(await lockB.acquire(), true, 'free once released');
  assert.equal(await lockA.acquire(), false);
  // The holder's connection dies (as with a replica killed): PostgreSQL lets the lock go.
  const db = openPostgres(location);
  await db.all("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ?", [LEADER_LOCKS.repoPoll]);
  await db.close();
  assert.equal(await lockA.acquire(), true, 'taken over after the holder\'s session ended');
  assert.equal(await lockB.acquire(), false, 'the old holder sees it lost the lock');
  await lockA.release();
  await lockB.release();
});

test('leader lock on SQLite: the one hub always holds it', async () => {
  const store = await openStore(':memory:');
  try {
    assert.equal(await store.leaderLock(LEADER_LOCKS.repoPoll).acquire(), true);
  } finally {
    await store.close();
  }
});
