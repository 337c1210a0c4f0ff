/** Each environment counts its agent's connections exactly: from the ledger when the column arrives, then on every connection. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPostgres, openSqlite } from './db.ts';
import { migrate, MIGRATIONS } from './migrations.ts';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;

test('connection counts', async (t) => {
  await onBothEngines(t, 'a connection counts one, a disconnection none', async (store) => {
    await store.environments.createJoinToken({ id: 'tok', environment: 'prod', labels: {}, secretHash: 'h', createdAt: NOW, expiresAt: NOW + 60_000 });
    await store.environments.join('tok', { agentId: 'agent', credentialHash: 'c' }, NOW);
    const connections = async (): Promise<number | undefined> => (await store.environments.get('prod'))?.connections;
    assert.equal(await connections(), 0);
    for (let i = 0; i < 1_205; i++) {
      await store.environments.setConnected('prod', true, NOW + i);
      await store.environments.setConnected('prod', false, NOW + i);
    }
    assert.equal(await connections(), 1_205, 'past the 1,000 entries the page used to count from');
    await store.environments.seen(['prod'], NOW + 2_000);
    assert.equal(await connections(), 1_205, 'a replica marking the agent seen is not a connection');
  });

  await onBothEngines(t, 'an older database counts what its ledger recorded', async (store, location) => {
    await store.close();
    const older = store.engine === 'sqlite' ? `${location}.v11` : location.replace(/\/[^/]+$/, `/conn${Date.now()}`);
    if (store.engine === 'postgres') {
      const admin = openPostgres(location);
      await admin.exec(`CREATE DATABASE ${older.slice(older.lastIndexOf('/') + 1)}`);
      await admin.close();
    }
    const db = store.engine === 'sqlite' ? openSqlite(older) : openPostgres(older);
    await migrate(db, MIGRATIONS.filter((m) => m.version < 12));
    for (const name of ['prod', 'stage']) await db.run('INSERT INTO environments (name, created_at) VALUES (?, ?)', [name, NOW]);
    const event = async (environment: string, kind: string): Promise<void> => {
      await db.run('INSERT INTO events (environment, at, kind, body) VALUES (?, ?, ?, ?)', [environment, NOW, kind, '{}']);
    };
    for (let i = 0; i < 3; i++) await event('prod', 'agent-connected');
    await event('prod', 'agent-disconnected');
    await event('stage', 'sync');
    await migrate(db);
    const rows = await db.all('SELECT name, connections FROM environments ORDER BY name');
    assert.deepEqual(rows.map((row) => [row.name, Number(row.connections)]), [['prod', 3], ['stage', 0]]);
    await db.close();
  }, { keepOpen: true });
});
