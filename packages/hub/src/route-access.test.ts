/**
 * Every route of the API, read from the same specs as the OpenAPI document: without credentials
 * each non-public one answers 401; a signed-in user holding no grant sees empty lists, gets 404
 * or 403 for single objects, and 403 for every mutation, each denial in the ledger by name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkEvent } from '@trueup/api';
import { onBothEngines } from '@trueup/store/testing';
import { ROUTE_SPECS } from './app.ts';
import { testApp } from './testing.ts';

const status = (name: string): LinkEvent => ({ kind: 'status', application: name, digest: 'a'.repeat(64), status: { name, revision: 'r1', sync: 'Synced', health: { status: 'Healthy' } } });
/** Mutations any signed-in user may make: their own tokens. */
const OWN = new Set(['post /api/v1/tokens']);

const fill = (path: string): string => path.replace('{environment}', 'prod').replace(/\/applications\/\{name\}/, '/applications/web').replace(/\{\w+\}/g, 'x');

test('every route checks its caller', async (t) => {
  await onBothEngines(t, 'no credentials: 401; no grant: empty lists, 404 or 403, and 403 in the ledger for mutations', async (store) => {
    await store.environments.createJoinToken({ id: 'j', environment: 'prod', labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join('j', { agentId: 'ag', credentialHash: 'x' }, Date.now());
    await store.ledger.ingest('prod', 'ag', 1, Date.now(), status('web'));
    const hub = await testApp(store);
    await hub.as('admin', '/api/v1/users', { method: 'POST', body: JSON.stringify({ name: 'nobody-much', password: 'a long enough password' }) });
    const login = await hub.app.request('/api/v1/login', { method: 'POST', body: JSON.stringify({ username: 'nobody-much', password: 'a long enough password' }), headers: { 'content-type': 'application/json' } });
    const cookie = /^trueup_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const routes = ROUTE_SPECS.filter((spec) => spec.role !== 'public' && spec.path.startsWith('/api/'));
    assert.ok(routes.length > 30, `${routes.length} routes`);
    for (const spec of routes) {
      const path = fill(spec.path) + (spec.path.endsWith('/wait') ? '?revision=abc&timeout=1' : '') + (spec.path === '/api/v1/secrets' ? '?repository=https://x/y.git' : '');
      const body = spec.path.endsWith('/approve') ? '{"environment":"prod"}' : '{}';
      const init = { method: spec.method.toUpperCase(), ...(spec.method === 'post' ? { body, headers: { 'content-type': 'application/json' } } : {}) };
      const anonymous = await hub.app.request(path, init);
      assert.equal(anonymous.status, 401, `${spec.method} ${spec.path} without credentials: ${await anonymous.text()}`);
      if (spec.path.endsWith('/stream') || spec.path.endsWith('/log')) continue;
      const before = (await store.ledger.list({ limit: 1000, kind: 'denied' })).items.length;
      const answer = await hub.app.request(path, { ...init, headers: { ...init.headers, cookie, 'x-trueup-request': '1' } });
      const text = await answer.text();
      const key = `${spec.method} ${spec.path}`;
      if (spec.method === 'get') {
        assert.ok([200, 403, 404].includes(answer.status), `${key}: ${answer.status} ${text}`);
        if (answer.status === 200 && spec.path !== '/api/v1/whoami' && spec.path !== '/api/v1/tokens') assert.ok(!text.includes('"web"') && !text.includes('"prod"'), `${key} shows what it may not: ${text}`);
        continue;
      }
      if (OWN.has(key)) continue;
      assert.equal(answer.status, 403, `${key}: ${text}`);
      const after = await store.ledger.list({ limit: 1000 });
      const denials = after.items.filter((e) => e.kind === 'denied' || e.kind === 'run-approval-denied');
      assert.ok(denials.length > before && denials.at(-1)?.actor === 'user:nobody-much', `${key}: no denial in the ledger`);
    }
  });
});
