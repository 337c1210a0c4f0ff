/** The HTTP API in-process on both store engines: auth and roles, validation, errors, paging, the ledger, OpenAPI. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkEvent } from '@trueup/api';
import type { HubStore } from '@trueup/store';
import { onBothEngines } from '@trueup/store/testing';
import { testApp } from './testing.ts';

const digest = (n: number): string => n.toString(16).padStart(64, '0');
const status = (name: string, sync: string, n: number): LinkEvent => ({ kind: 'status', application: name, digest: digest(n), status: { name, revision: `r${n}`, sync, health: { status: 'Healthy' } } });

async function seed(store: HubStore): Promise<void> {
  await store.environments.createJoinToken({ id: 'j', environment: 'prod', labels: { tier: 'a' }, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
  await store.environments.join('j', { agentId: 'ag', credentialHash: 'x' }, Date.now());
  let seq = 0;
  for (const [name, sync] of [['web', 'Synced'], ['api', 'OutOfSync'], ['db', 'Synced']] as const) await store.ledger.ingest('prod', 'ag', ++seq, Date.now(), status(name, sync, seq));
}

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;

test('hub API', async (t) => {
  await onBothEngines(t, 'auth: no token is 401, a missing role is 403 and in the ledger', async (store) => {
    await seed(store);
    const { as } = await testApp(store);
    const anonymous = await as('nobody', '/api/v1/applications');
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await json(anonymous), { code: 'HUB_UNAUTHENTICATED', message: 'a valid bearer token is required', details: { retryable: false } });
    assert.equal((await as('nobody', '/api/v1/applications', { headers: { authorization: 'Bearer tut.forged.aaaaaaaaaaaaaaaaaaaaaaaaaaaa' } })).status, 401);
    assert.equal((await as('viewer', '/api/v1/applications')).status, 200);
    const denied = await as('viewer', '/api/v1/environments/prod/applications/web/sync', { method: 'POST', body: '{}' });
    assert.equal(denied.status, 403);
    assert.equal((await json<{ code: string }>(denied)).code, 'HUB_FORBIDDEN');
    const ledger = await json<{ items: { kind: string; actor: string; application: string }[] }>(await as('viewer', '/api/v1/events?kind=denied'));
    assert.deepEqual(ledger.items.map((e) => [e.kind, e.actor, e.application]), [['denied', 'token:watcher', 'web']]);
    assert.equal((await as('operator', '/api/v1/join-tokens', { method: 'POST', body: JSON.stringify({ name: 'x' }) })).status, 403);
  });

  await onBothEngines(t, 'applications: server-side filter and paging, bad input named', async (store) => {
    await seed(store);
    const { as } = await testApp(store);
    const page = await json<{ items: { name: string }[]; total: number; nextCursor: string }>(await as('viewer', '/api/v1/applications?limit=2'));
    assert.deepEqual([page.items.map((i) => i.name), page.total], [['api', 'db'], 3]);
    const rest = await json<{ items: { name: string }[]; nextCursor: null }>(await as('viewer', `/api/v1/applications?limit=2&cursor=${page.nextCursor}`));
    assert.deepEqual(rest.items.map((i) => i.name), ['web']);
    assert.equal(rest.nextCursor, null);
    const synced = await json<{ items: { name: string }[] }>(await as('viewer', '/api/v1/applications?sync=Synced&label=tier%3Da&q=D'));
    assert.deepEqual(synced.items.map((i) => i.name), ['db']);
    const injected = await json<{ total: number }>(await as('viewer', `/api/v1/applications?q=${encodeURIComponent("' OR '1'='1")}&environment=${encodeURIComponent('prod; DROP TABLE applications')}`));
    assert.equal(injected.total, 0);
    for (const [query, field] of [['sync=Bogus', 'query.sync'], ['limit=0', 'query.limit'], ['limit=abc', 'query.limit'], ['colour=red', 'query'], ['label=novalue', 'query.label']] as const) {
      const bad = await as('viewer', `/api/v1/applications?${query}`);
      assert.equal(bad.status, 400, query);
      const body = await json<{ code: string; details: { field: string } }>(bad);
      assert.equal(body.code, 'HUB_REQUEST_INVALID', query);
      assert.equal(body.details.field, field, query);
    }
    const cursor = await as('viewer', '/api/v1/applications?cursor=garbage');
    assert.equal(cursor.status, 400);
    assert.equal((await json<{ code: string }>(cursor)).code, 'STORE_CURSOR_INVALID');
    const detail = await json<{ name: string; status: { revision: string } }>(await as('viewer', '/api/v1/environments/prod/applications/web'));
    assert.equal(detail.status.revision, 'r1');
    const missing = await as('viewer', '/api/v1/environments/prod/applications/nope');
    assert.equal(missing.status, 404);
    assert.equal((await json<{ code: string }>(missing)).code, 'HUB_NOT_FOUND');
    assert.equal((await json<{ code: string }>(await as('viewer', '/api/v1/nothing-here'))).code, 'HUB_NOT_FOUND');
  });

  await onBothEngines(t, 'commands to an offline agent are queued, in the ledger with who asked', async (store) => {
    await seed(store);
    const { as } = await testApp(store);
    const queued = await as('operator', '/api/v1/environments/prod/applications/api/sync', { method: 'POST', body: JSON.stringify({ prune: true }) });
    assert.equal(queued.status, 202);
    const command = await json<{ id: string; state: string; prune: boolean; requestedBy: string }>(queued);
    assert.deepEqual([command.state, command.prune, command.requestedBy], ['queued', true, 'token:ops']);
    assert.equal((await json<{ state: string }>(await as('viewer', `/api/v1/commands/${command.id}`))).state, 'queued');
    const envs = await json<{ items: { name: string; connected: boolean; queuedCommands: number }[] }>(await as('viewer', '/api/v1/environments'));
    assert.deepEqual(envs.items.map((e) => [e.name, e.connected, e.queuedCommands]), [['prod', false, 1]]);
    const started = Date.now();
    const waited = await as('operator', '/api/v1/environments/prod/applications/api/refresh?wait=true&timeout=600', { method: 'POST' });
    assert.equal(waited.status, 202, 'queued: the agent is away');
    assert.ok(Date.now() - started < 60_000, 'no waiting on an agent that is away');
    const badBody = await as('operator', '/api/v1/environments/prod/applications/api/sync', { method: 'POST', body: '{"prune": "yes"}' });
    assert.equal((await json<{ details: { field: string } }>(badBody)).details.field, 'body.prune');
    const notJson = await as('operator', '/api/v1/environments/prod/applications/api/sync', { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
    const huge = await as('admin', '/api/v1/join-tokens', { method: 'POST', body: JSON.stringify({ name: 'x', labels: { a: 'b'.repeat(2 * 1024 * 1024) } }) });
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { code: string }).code, 'HUB_BODY_TOO_LARGE');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(32));
        controller.close();
      },
    });
    const streamed = await as('admin', '/api/v1/join-tokens', { method: 'POST', body: chunks, duplex: 'half' });
    assert.equal(streamed.status, 413, 'a chunked body without a length is cut off too');
    const ledger = await json<{ items: { kind: string; actor: string }[] }>(await as('viewer', '/api/v1/events?kind=command-requested'));
    assert.deepEqual(ledger.items.map((e) => e.actor), ['token:ops', 'token:ops']);
  });

  await onBothEngines(t, 'join tokens: exchanged once, refused when used or forged', async (store) => {
    const { as } = await testApp(store);
    const created = await as('admin', '/api/v1/join-tokens', { method: 'POST', body: JSON.stringify({ name: 'edge', labels: { site: 'lab' }, ttl: '5m' }) });
    assert.equal(created.status, 201);
    const { token } = await json<{ token: string }>(created);
    const decoded = JSON.parse(Buffer.from(token.slice('trueup-join.v1.'.length), 'base64url').toString()) as { id: string; secret: string; caSha256: string };
    assert.equal(decoded.caSha256, 'a'.repeat(64));
    const exchange = (body: unknown): Promise<Response> => as('nobody', '/api/v1/agents/join', { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await exchange({ id: decoded.id, secret: 'x'.repeat(43) })).status, 401, 'wrong secret');
    const joined = await exchange({ id: decoded.id, secret: decoded.secret });
    assert.equal(joined.status, 200);
    assert.match((await json<{ credential: string }>(joined)).credential, /^tua\./);
    const again = await exchange({ id: decoded.id, secret: decoded.secret });
    assert.equal(again.status, 401);
    assert.equal((await json<{ code: string }>(again)).code, 'HUB_JOIN_TOKEN_INVALID');
    const badTtl = await as('admin', '/api/v1/join-tokens', { method: 'POST', body: JSON.stringify({ name: 'x', ttl: '9999h' }) });
    assert.equal(badTtl.status, 400);
    const badName = await as('admin', '/api/v1/join-tokens', { method: 'POST', body: JSON.stringify({ name: 'Bad Name' }) });
    assert.equal((await json<{ details: { field: string } }>(badName)).details.field, 'body.name');
  });

  await onBothEngines(t, 'OpenAPI is generated from the request schemas', async (store) => {
    const { as } = await testApp(store);
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; schema: { enum?: string[] } }[]; requestBody?: unknown }>> }>(await as('nobody', '/api/v1/openapi.json'));
    assert.equal(doc.openapi, '3.1.0');
    const list = doc.paths['/api/v1/applications']?.get;
    assert.deepEqual(list?.parameters?.find((p) => p.name === 'sync')?.schema.enum, ['Synced', 'OutOfSync', 'Unknown']);
    assert.ok(doc.paths['/api/v1/environments/{environment}/applications/{name}/sync']?.post?.requestBody);
    assert.ok(doc.paths['/api/v1/stream']?.get);
  });
});
