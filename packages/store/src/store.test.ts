import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError, type LinkEvent } from '@trueup/api';
import { openPostgres, openSqlite } from './db.ts';
import { openStore, type HubStore } from './hub-store.ts';
import { migrate, MIGRATIONS } from './migrations.ts';
import { onBothEngines } from './testing.ts';

const NOW = 1_800_000_000_000;
const digestOf = (n: number): string => n.toString(16).padStart(64, '0');
const status = (name: string, sync: string, health: string, n = 1): LinkEvent => ({
  kind: 'status', application: name, digest: digestOf(n),
  status: { name, revision: `rev${n}`, sync, health: { status: health }, lastPassAt: new Date(NOW + n * 1000).toISOString(), conditions: [], resources: [] },
});

async function joined(store: HubStore, environment: string, labels: Record<string, string> = {}, agentId = `agent-${environment}`): Promise<void> {
  await store.environments.createJoinToken({ id: `tok-${agentId}`, environment, labels, secretHash: 'h', createdAt: NOW, expiresAt: NOW + 3600_000 });
  assert.equal(await store.environments.join(`tok-${agentId}`, { agentId, credentialHash: `hash-${agentId}` }, NOW + 1), true);
}

test('the schema versions, from every file that holds them, are each used once and run in number order', () => {
  const versions = MIGRATIONS.map((m) => m.version);
  assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b));
});

test('store', async (t) => {
  await onBothEngines(t, 'migrations run once and a newer schema is refused', async (store, location) => {
    const latest = Math.max(...MIGRATIONS.map((m) => m.version));
    assert.equal(store.schemaVersion, latest);
    const again = await openStore(location);
    assert.equal(again.schemaVersion, latest);
    await again.close();
    const db = store.engine === 'sqlite' ? openSqlite(location) : openPostgres(location);
    await db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [99, 'from a newer hub', NOW]);
    await assert.rejects(migrate(db), (error) => isTrueupError(error, 'STORE_SCHEMA_NEWER'));
    await db.close();
  });

  await onBothEngines(t, 'a database at an older schema is migrated forward, keeping its rows', async (store, location) => {
    await store.close();
    const fresh = store.engine === 'sqlite' ? `${location}.v1` : location.replace(/\/[^/]+$/, `/old${Date.now()}`);
    if (store.engine === 'postgres') {
      const admin = openPostgres(location);
      await admin.exec(`CREATE DATABASE ${fresh.slice(fresh.lastIndexOf('/') + 1)}`);
      await admin.close();
    }
    const db = store.engine === 'sqlite' ? openSqlite(fresh) : openPostgres(fresh);
    assert.equal(await migrate(db, MIGRATIONS.slice(0, 1)), 1);
    await db.run("INSERT INTO applications (environment, name, revision, sync, health, digest, body, version) VALUES ('prod', 'web', 'r1', 'Synced', 'Healthy', 'd', '{}', 1)");
    const sha = 'c'.repeat(40);
    await db.run("INSERT INTO events (environment, at, kind, application, body) VALUES ('prod', 1, 'sync', 'web', ?), ('prod', 2, 'drift', 'web', ?)", [JSON.stringify({ revision: sha }), JSON.stringify({ revision: sha })]);
    assert.equal(await migrate(db), Math.max(...MIGRATIONS.map((m) => m.version)));
    assert.deepEqual((await db.all('SELECT name, repo_key, ref FROM applications')).map((row) => ({ ...row })), [{ name: 'web', repo_key: '', ref: '' }]);
    assert.deepEqual((await db.all('SELECT kind, revision FROM events ORDER BY id')).map((row) => ({ ...row })), [{ kind: 'sync', revision: sha }, { kind: 'drift', revision: null }], 'the commit of an older sync entry is filled in');
    await db.close();
  }, { keepOpen: true });

  await onBothEngines(t, 'a join token is used once and not after it expires', async (store) => {
    const { environments } = store;
    await environments.createJoinToken({ id: 't1', environment: 'prod', labels: { tier: 'web' }, secretHash: 'h', createdAt: NOW, expiresAt: NOW + 1000 });
    await environments.createJoinToken({ id: 't2', environment: 'stage', labels: {}, secretHash: 'h', createdAt: NOW, expiresAt: NOW + 1000 });
    assert.equal(await environments.join('t1', { agentId: 'a1', credentialHash: 'c1' }, NOW + 1), true);
    assert.equal(await environments.join('t1', { agentId: 'a2', credentialHash: 'c2' }, NOW + 2), false, 'used twice');
    assert.equal(await environments.join('t2', { agentId: 'a3', credentialHash: 'c3' }, NOW + 1000), false, 'expired');
    assert.equal(await environments.join('nope', { agentId: 'a4', credentialHash: 'c4' }, NOW), false);
    assert.deepEqual(await environments.credential('a1'), { environment: 'prod', agentId: 'a1', credentialHash: 'c1', revokedAt: undefined });
    assert.equal(await environments.credential('a2'), undefined);
    const [prod] = await environments.list();
    assert.equal(prod?.name, 'prod');
    assert.deepEqual(prod?.labels, { tier: 'web' });
    assert.equal(await environments.revoke('prod', NOW + 5), true);
    assert.equal((await environments.credential('a1'))?.revokedAt, NOW + 5);
    assert.equal(await environments.revoke('missing', NOW), false);
  });

  await onBothEngines(t, 'events are stored once by agent and sequence number', async (store) => {
    await joined(store, 'prod');
    const { ledger, applications, environments } = store;
    assert.equal(await ledger.ingest('prod', 'agent-prod', 1, NOW, status('web', 'Synced', 'Healthy')), true);
    assert.equal(await ledger.ingest('prod', 'agent-prod', 2, NOW, { kind: 'sync', application: 'web', revision: 'rev1', trigger: 'start', result: 'Succeeded', changed: 2, durationMs: 5, message: '' }), true);
    assert.equal(await ledger.ingest('prod', 'agent-prod', 2, NOW, { kind: 'sync', application: 'web', revision: 'rev1', trigger: 'start', result: 'Succeeded', changed: 2, durationMs: 5, message: '' }), false, 'resent');
    assert.equal(await ledger.ingest('prod', 'agent-prod', 1, NOW, status('web', 'OutOfSync', 'Healthy', 9)), false, 'older than the high-water mark');
    assert.equal(await ledger.ingest('prod', 'someone-else', 3, NOW, status('web', 'OutOfSync', 'Healthy', 9)), false, 'another agent\'s credential');
    assert.equal(await environments.ackedSeq('prod'), 2);
    assert.deepEqual(await applications.digests('prod'), { web: digestOf(1) });
    assert.equal((await applications.get('prod', 'web'))?.summary.sync, 'Synced');
    const entries = await ledger.list({ limit: 10 });
    assert.deepEqual(entries.items.map((e) => [e.kind, e.seq]), [['sync', 2]]);
    // The same digest again is not a change; a removal is a tombstone the stream can see.
    const before = await applications.version();
    await ledger.ingest('prod', 'agent-prod', 3, NOW, status('web', 'Synced', 'Healthy'));
    assert.equal(await applications.version(), before);
    await ledger.ingest('prod', 'agent-prod', 4, NOW, { kind: 'removed', application: 'web' });
    assert.equal(await applications.get('prod', 'web'), undefined);
    assert.deepEqual((await applications.changedSince(before)).map((c) => [c.name, c.deleted]), [['web', true]]);
  });

  await onBothEngines(t, 'applications: filter, sort, keyset pages and totals on the server', async (store) => {
    await joined(store, 'prod', { region: 'eu' });
    await joined(store, 'stage', { region: 'us' });
    let seq = { prod: 0, stage: 0 };
    const report = async (env: 'prod' | 'stage', name: string, sync: string, health: string, n: number): Promise<void> => {
      seq = { ...seq, [env]: seq[env] + 1 };
      await store.ledger.ingest(env, `agent-${env}`, seq[env], NOW, status(name, sync, health, n));
    };
    await report('prod', 'web', 'Synced', 'Healthy', 1);
    await report('prod', 'api', 'OutOfSync', 'Degraded', 2);
    await report('prod', 'db_1', 'Synced', 'Healthy', 3);
    await report('stage', 'web', 'Synced', 'Progressing', 4);
    await report('stage', 'worker', 'Unknown', 'Unknown', 5);
    const names = (page: { items: { environment: string; name: string }[] }): string[] => page.items.map((i) => `${i.environment}/${i.name}`);
    const all = await store.applications.list({ limit: 2 });
    assert.equal(all.total, 5);
    assert.deepEqual(names(all), ['prod/api', 'prod/db_1']);
    const second = await store.applications.list({ limit: 2, cursor: all.nextCursor ?? '' });
    assert.deepEqual(names(second), ['prod/web', 'stage/web']);
    const third = await store.applications.list({ limit: 2, cursor: second.nextCursor ?? '' });
    assert.deepEqual(names(third), ['stage/worker']);
    assert.equal(third.nextCursor, null);
    assert.deepEqual(names(await store.applications.list({ limit: 10, environment: 'prod', sync: 'Synced' })), ['prod/db_1', 'prod/web']);
    assert.deepEqual(names(await store.applications.list({ limit: 10, health: 'Progressing' })), ['stage/web']);
    assert.deepEqual(names(await store.applications.list({ limit: 10, labels: [{ key: 'region', value: 'us' }] })), ['stage/web', 'stage/worker']);
    assert.deepEqual(names(await store.applications.list({ limit: 10, q: 'WE' })), ['prod/web', 'stage/web']);
    assert.deepEqual(names(await store.applications.list({ limit: 10, q: '_' })), ['prod/db_1'], 'LIKE wildcards are literal');
    const byTime = await store.applications.list({ limit: 3, sort: 'lastSyncedAt', order: 'desc' });
    assert.deepEqual(names(byTime), ['stage/worker', 'stage/web', 'prod/db_1']);
    assert.deepEqual(names(await store.applications.list({ limit: 3, sort: 'lastSyncedAt', order: 'desc', cursor: byTime.nextCursor ?? '' })), ['prod/api', 'prod/web']);
    for (const evil of ["' OR 1=1 --", 'web"; DROP TABLE applications; --', '%']) {
      const page = await store.applications.list({ limit: 10, environment: evil, q: evil });
      assert.equal(page.total, 0, evil);
    }
    assert.equal((await store.applications.list({ limit: 10 })).total, 5);
    await assert.rejects(store.applications.list({ limit: 10, cursor: 'not-a-cursor' }), (e) => isTrueupError(e, 'STORE_CURSOR_INVALID'));
    await assert.rejects(store.applications.list({ limit: 10, sort: 'lastSyncedAt', cursor: all.nextCursor ?? '' }), (e) => isTrueupError(e, 'STORE_CURSOR_INVALID'), 'cursor of another sort');
  });

  await onBothEngines(t, 'the spec comes with the status and stays when a status comes without one; reads carry one answer once', async (store) => {
    await joined(store, 'prod');
    const spec = { source: { repoURL: 'https://git.example/config.git', ref: 'main', path: 'web' }, syncPolicy: { automated: { selfHeal: true } } };
    assert.equal(await store.ledger.ingest('prod', 'agent-prod', 1, NOW, { ...status('web', 'Synced', 'Healthy'), spec } as LinkEvent), true);
    assert.deepEqual((await store.applications.get('prod', 'web'))?.spec, spec);
    assert.equal(await store.ledger.ingest('prod', 'agent-prod', 2, NOW, status('web', 'OutOfSync', 'Healthy', 2)), true);
    assert.deepEqual((await store.applications.get('prod', 'web'))?.spec, spec, 'kept');
    const read = { id: 'r1', application: 'web', object: 'v1/ConfigMap/web/settings', what: 'object' as const };
    await store.reads.create(read, 'prod', NOW);
    assert.deepEqual(await store.reads.open('r1', 'prod'), read);
    assert.equal(await store.reads.open('r1', 'stage'), undefined, 'another environment\'s read');
    const answer = { what: 'error' as const, code: 'AGENT_OBJECT_UNKNOWN', message: 'none' };
    assert.equal(await store.reads.finish('r1', 'stage', answer, NOW + 1), false);
    assert.equal(await store.reads.finish('r1', 'prod', answer, NOW + 1), true);
    assert.equal(await store.reads.finish('r1', 'prod', { ...answer, message: 'again' }, NOW + 2), false);
    assert.deepEqual(await store.reads.result('r1'), answer);
    assert.equal(await store.reads.open('r1', 'prod'), undefined, 'answered');
  });

  await onBothEngines(t, 'commands: queued, delivered, finished once, each in the ledger', async (store) => {
    await joined(store, 'prod');
    await store.commands.create({ id: 'c1', verb: 'sync', application: 'web', prune: true }, 'prod', 'admin', NOW);
    await store.commands.create({ id: 'c2', verb: 'refresh', application: 'api' }, 'prod', 'admin', NOW + 1);
    await store.commands.create({ id: 'c3', verb: 'pause', application: 'web', object: 'v1/ConfigMap/web/settings' }, 'stage', 'token:ops', NOW + 1);
    assert.deepEqual(await store.commands.open('prod'), [
      { id: 'c1', verb: 'sync', application: 'web', prune: true, requestedBy: 'admin' },
      { id: 'c2', verb: 'refresh', application: 'api', requestedBy: 'admin' },
    ], 'the agent learns who asked');
    assert.deepEqual(await store.commands.open('stage'), [{ id: 'c3', verb: 'pause', application: 'web', object: 'v1/ConfigMap/web/settings', requestedBy: 'token:ops' }]);
    assert.equal((await store.commands.get('c3'))?.object, 'v1/ConfigMap/web/settings');
    const paused = (await store.ledger.list({ limit: 100, kind: 'command-requested' })).items.find((e) => e.details.id === 'c3');
    assert.deepEqual([paused?.actor, paused?.details.verb, paused?.details.object], ['token:ops', 'pause', 'v1/ConfigMap/web/settings'], 'the ledger says who paused what');
    await store.commands.delivered('c1', NOW + 2);
    assert.equal((await store.commands.get('c1'))?.state, 'delivered');
    assert.equal(await store.commands.finish('c1', 'prod', { ok: true, message: 'synced', sync: 'Synced' }, NOW + 3), true);
    assert.equal(await store.commands.finish('c1', 'prod', { ok: false, message: 'again' }, NOW + 4), false);
    assert.equal(await store.commands.finish('c2', 'stage', { ok: true, message: 'wrong environment' }, NOW + 4), false);
    const c1 = await store.commands.get('c1');
    assert.equal(c1?.state, 'succeeded');
    assert.deepEqual(c1?.result, { ok: true, message: 'synced', sync: 'Synced' });
    assert.deepEqual((await store.commands.open('prod')).map((c) => c.id), ['c2']);
    const ledger = await store.ledger.list({ limit: 2, environment: 'prod' });
    assert.deepEqual(ledger.items.map((e) => [e.kind, e.actor, e.details.id]), [['command-requested', 'admin', 'c1'], ['command-requested', 'admin', 'c2']]);
    const rest = await store.ledger.list({ limit: 2, environment: 'prod', cursor: ledger.nextCursor ?? '' });
    assert.deepEqual(rest.items.map((e) => e.kind), ['command-finished']);
    assert.equal(rest.nextCursor, null);
    const newest = await store.ledger.list({ limit: 2, environment: 'prod', order: 'desc' });
    assert.deepEqual(newest.items.map((e) => e.kind), ['command-finished', 'command-requested']);
    const older = await store.ledger.list({ limit: 2, environment: 'prod', order: 'desc', cursor: newest.nextCursor ?? '' });
    assert.deepEqual(older.items.map((e) => [e.kind, e.details.id]), [['command-requested', 'c1']]);
    assert.equal(older.nextCursor, null);
    assert.deepEqual((await store.ledger.list({ limit: 10, actor: 'admin', kind: 'command-requested' })).items.map((e) => e.details.id), ['c1', 'c2']);
    assert.deepEqual((await store.ledger.list({ limit: 10, actor: 'someone-else' })).items, []);
    // Results stored in one batch: each once, a repeat within the batch and a wrong environment change nothing.
    assert.deepEqual(await store.commands.finishMany([
      { id: 'c2', environment: 'prod', result: { ok: true, message: 'refreshed' } },
      { id: 'c2', environment: 'prod', result: { ok: false, message: 'again' } },
      { id: 'c3', environment: 'prod', result: { ok: true, message: 'wrong environment' } },
      { id: 'c3', environment: 'stage', result: { ok: true, message: 'paused' } },
    ], NOW + 5), [true, false, false, true]);
    assert.deepEqual((await store.commands.get('c2'))?.result, { ok: true, message: 'refreshed' });
    const finished = (await store.ledger.list({ limit: 10, kind: 'command-finished' })).items.map((e) => e.details.id).sort();
    assert.deepEqual(finished, ['c1', 'c2', 'c3'], 'one ledger entry per finished command');
  });
  await onBothEngines(t, 'commands of a push: many stored at once, in order, each with its ledger entry, then marked delivered', async (store) => {
    await joined(store, 'prod');
    await joined(store, 'stage');
    // More than fits one statement of either engine's parameter limit, written as one.
    const commands = Array.from({ length: 1200 }, (_, i) => ({
      environment: i % 3 === 0 ? 'stage' : 'prod',
      command: { id: `p${String(i).padStart(4, '0')}`, verb: 'refresh' as const, application: `app-${i % 7}`, ...(i === 5 ? { prune: true, object: 'v1/ConfigMap/web/x' } : {}) },
    }));
    await store.commands.createMany(commands, 'webhook:plain', NOW);
    const open = await store.commands.open('prod');
    assert.deepEqual(open.map((c) => c.id), commands.filter((c) => c.environment === 'prod').map((c) => c.command.id));
    assert.deepEqual(open.find((c) => c.id === 'p0005'), { id: 'p0005', verb: 'refresh', application: 'app-5', prune: true, object: 'v1/ConfigMap/web/x', requestedBy: 'webhook:plain' });
    const requested = await store.ledger.list({ limit: 1000, environment: 'stage', kind: 'command-requested' });
    assert.deepEqual(requested.items.map((e) => [e.details.id, e.application, e.actor]), commands.filter((c) => c.environment === 'stage').map((c) => [c.command.id, c.command.application, 'webhook:plain']));
    await store.commands.deliveredMany(open.slice(0, 500).map((c) => c.id), NOW + 1);
    assert.equal((await store.commands.open('prod', { undelivered: true })).length, open.length - 500);
    assert.equal((await store.commands.get('p0001'))?.state, 'delivered');
    assert.equal((await store.commands.get('p0000'))?.state, 'queued', 'stage\'s were not sent');
  });
});
