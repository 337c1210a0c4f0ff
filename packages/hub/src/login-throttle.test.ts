/**
 * Failed logins are counted in the store: two hub replicas on one PostgreSQL share the count, so
 * guesses spread over both are slowed as if they went to one. (Per replica, three failures at
 * each would have slowed nothing.) The wait itself follows a pure schedule.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubApiError, HubClient } from './client.ts';
import { FREE_FAILURES, throttleWaitMs } from './login-throttle.ts';
import { startHub } from './server.ts';

const PASSWORD = 'correct horse battery staple';

test('the wait grows from the sixth failure, doubling, capped at 15 minutes', () => {
  assert.deepEqual([1, FREE_FAILURES, 6, 7, 8, 15, 40].map(throttleWaitMs), [0, 0, 1000, 2000, 4000, 512_000, 900_000]);
});

test('two replicas on one PostgreSQL share the failed-login count', { skip: skipWithoutPostgres() }, async (t) => {
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('throttle');
  const dataDir = await mkdtemp(join(tmpdir(), 'trueup-throttle-'));
  defer(() => rm(dataDir, { recursive: true, force: true }));
  // One clock for both replicas, held still: the wait a failure earns cannot run out mid-test.
  const clock = Date.now();
  const a = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined, now: () => clock });
  defer(() => a.stop());
  const b = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined, now: () => clock });
  defer(() => b.stop());
  const admin = new HubClient({ url: a.url, token: (await readFile(a.info.adminTokenFile, 'utf8')).trim(), ca: a.tls.ca });
  await admin.post('/api/v1/users', { name: 'alice', password: PASSWORD });
  const login = async (hub: typeof a, password: string): Promise<{ status: number; code?: string; retryAfter?: number }> => {
    try {
      return { status: (await new HubClient({ url: hub.url, ca: hub.tls.ca }).request('POST', '/api/v1/login', { username: 'alice', password })).status };
    } catch (error) {
      if (!(error instanceof HubApiError)) throw error;
      return { status: error.status, code: error.code };
    }
  };

  // Six wrong guesses, alternating replicas: three at each.
  const guesses = [];
  for (let i = 0; i < 6; i++) guesses.push(await login(i % 2 === 0 ? a : b, `guess ${i}`));
  assert.deepEqual(guesses.map((g) => g.status), [401, 401, 401, 401, 401, 401]);
  // The next attempt waits on either replica, even with the right password.
  assert.deepEqual(await login(a, PASSWORD), { status: 429, code: 'HUB_LOGIN_THROTTLED' });
  assert.deepEqual(await login(b, PASSWORD), { status: 429, code: 'HUB_LOGIN_THROTTLED' });
  const record = await b.store.loginFailures.get(createHash('sha256').update('alice\n127.0.0.1').digest('hex'));
  assert.deepEqual(record, { failures: 6, lastAt: clock }, 'one count in the store, six failures from two replicas');
});
