import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { openPostgres } from './db.ts';

/** A PostgreSQL restart terminates every backend (57P01): pooled clients lose their server at any moment. */
test('PostgreSQL connections terminated under the pool', { skip: skipWithoutPostgres() }, async (t) => {
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const url = await pg.createDatabase('loss');
  const db = openPostgres(url, { max: 3 });
  defer(() => db.close());
  const admin = openPostgres(url, { max: 1 });
  defer(() => admin.close());
  await db.exec('CREATE TABLE t (v INTEGER)');
  const terminateOthers = async (): Promise<void> => {
    await admin.all("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  };

  await t.test('a client checked out by a transaction, between its queries, does not crash the process', async () => {
    const crashes: unknown[] = [];
    const onUncaught = (error: unknown): void => void crashes.push(error);
    // node:test reports an uncaught exception as a failure of the running test; listen too, to say which.
    process.on('uncaughtException', onUncaught);
    try {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO t (v) VALUES (?)', [1]);
          await terminateOthers();
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.run('INSERT INTO t (v) VALUES (?)', [2]);
        }),
        (error) => isTrueupError(error, 'STORE_UNAVAILABLE'),
      );
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
    assert.deepEqual(crashes, []);
    // The broken client left the pool: the next queries work, and the transaction left nothing.
    assert.deepEqual(await db.all('SELECT v FROM t'), []);
  });

  await t.test('idle clients terminated: a read answers on a fresh connection, a write fails retryably, at most once per stale client', async () => {
    const fill = async (): Promise<void> => void (await Promise.all([1, 2, 3].map(() => db.all('SELECT pg_sleep(0.05)'))));
    await fill();
    await terminateOthers();
    assert.deepEqual(await db.all('SELECT count(*) AS n FROM t'), [{ n: 0 }]);
    await fill();
    await terminateOthers();
    let refused = 0;
    for (let i = 0; i < 6; i++) {
      try {
        await db.run('INSERT INTO t (v) VALUES (?)', [i]);
      } catch (error) {
        assert.ok(isTrueupError(error, 'STORE_UNAVAILABLE'), String(error));
        refused++;
      }
    }
    // Three clients were pooled, so at most three writes met a dead one; later writes succeed.
    assert.ok(refused <= 3, `${refused} writes refused`);
    assert.equal((await db.all('SELECT v FROM t')).length, 6 - refused);
  });
});
