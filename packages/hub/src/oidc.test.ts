/**
 * OpenID Connect login against a real provider (oidc-provider on loopback HTTP) and a real TLS
 * hub: the whole authorization code flow with PKCE, state and nonce; groups from the provider
 * mapped to project roles; replayed or forged callbacks refused; redirects kept on the hub.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WhoAmI } from '@trueup/api';
import { startTestHub } from '@trueup/testkit/hub';
import { startOidcProvider } from '@trueup/testkit/oidc-provider';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { browserLogin, call, cookieOf } from './oidc-browser-testing.ts';

test('OIDC login through a real provider', async (t) => {
  const cleanup = lastInFirstOut(t);
  const provider = await startOidcProvider({ carol: { name: 'Carol C', groups: ['viewers', 'staff'] }, dave: { groups: ['ops'] } });
  cleanup(() => provider.stop());
  const hub = await startTestHub({ oidc: { issuer: provider.issuer, clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', name: 'Test IdP' } });
  cleanup(() => hub.stop());
  provider.setClient({ clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', redirectUris: [`${hub.hub.url}/auth/oidc/callback`] });

  const { store } = hub.hub;
  await store.environments.createJoinToken({ id: 'j', environment: 'prod', labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
  await store.environments.join('j', { agentId: 'ag', credentialHash: 'x' }, Date.now());
  await store.ledger.ingest('prod', 'ag', 1, Date.now(), { kind: 'status', application: 'web', digest: 'd'.repeat(64), status: { name: 'web', revision: 'r1', sync: 'Synced', health: { status: 'Healthy' } } });
  await hub.client.post('/api/v1/projects', { name: 'prod', environments: ['prod'] });
  await hub.client.post('/api/v1/grants', { project: 'prod', role: 'viewer', group: 'viewers' });
  await hub.client.post('/api/v1/grants', { project: 'prod', role: 'operator', group: 'ops' });

  assert.deepEqual(JSON.parse((await call(hub, '/api/v1/auth/providers')).body), { password: true, oidc: { name: 'Test IdP', loginUrl: '/auth/oidc/login' } });

  await t.test('the code flow ends in a session; a group with viewer only gets 403 on sync', async () => {
    const { answer, callback, state } = await browserLogin(hub, provider, 'carol', '/applications?health=Degraded');
    assert.equal(answer.status, 302, answer.body);
    assert.equal(answer.location, '/applications?health=Degraded');
    const session = cookieOf(answer, 'trueup_session') ?? '';
    assert.ok(answer.cookies.some((c) => c.startsWith('trueup_session=') && /HttpOnly/i.test(c) && /Secure/i.test(c) && /SameSite=Strict/i.test(c) && /Path=\//.test(c)));
    const me = JSON.parse((await call(hub, '/api/v1/whoami', { cookie: session })).body) as WhoAmI;
    assert.deepEqual({ subject: me.subject, name: me.name, kind: me.kind, groups: me.groups, admin: me.admin, projects: me.projects }, {
      subject: 'oidc:carol', name: 'carol', kind: 'oidc', groups: ['viewers', 'staff'], admin: false, projects: [{ name: 'prod', role: 'viewer', verbs: ['get'] }],
    });
    assert.equal(me.can.sync, false);
    assert.equal((JSON.parse((await call(hub, '/api/v1/applications', { cookie: session })).body) as { total: number }).total, 1);
    const sync = await call(hub, '/api/v1/environments/prod/applications/web/sync', { method: 'POST', cookie: session, headers: { 'x-trueup-request': '1', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(sync.status, 403, sync.body);
    const denied = await hub.client.get<{ items: { actor: string; application: string }[] }>('/api/v1/events?kind=denied');
    assert.deepEqual(denied.items.map((e) => [e.actor, e.application]), [['oidc:carol', 'web']]);
    // The provider's answer is used once, and only by the browser that started the login.
    const replay = await call(hub, new URL(callback).pathname + new URL(callback).search, { cookie: state });
    assert.equal(replay.status, 401, replay.body);
  });

  await t.test('an operator group may sync; the login is in the ledger', async () => {
    const { answer } = await browserLogin(hub, provider, 'dave', '/');
    const session = cookieOf(answer, 'trueup_session') ?? '';
    const sync = await call(hub, '/api/v1/environments/prod/applications/web/sync', { method: 'POST', cookie: session, headers: { 'x-trueup-request': '1', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(sync.status, 202, sync.body);
    const logins = await hub.client.get<{ items: { actor: string; details: { method: string } }[] }>('/api/v1/events?kind=login&order=asc');
    assert.deepEqual(logins.items.map((e) => [e.actor, e.details.method]), [['oidc:carol', 'oidc'], ['oidc:dave', 'oidc']]);
  });

  await t.test('forged callbacks and foreign redirects are refused', async () => {
    const start = await call(hub, '/auth/oidc/login?redirect=//evil.example/steal');
    const callback = await provider.signIn(start.location ?? '', 'carol');
    const path = new URL(callback).pathname + new URL(callback).search;
    assert.equal((await call(hub, path)).status, 401, 'no state cookie: another browser');
    assert.equal((await call(hub, path, { cookie: 'trueup_oidc_state=forged' })).status, 401);
    const again = await browserLogin(hub, provider, 'carol', 'https://evil.example/');
    assert.equal(again.answer.location, '/', 'only paths of this hub');
    const error = await call(hub, '/auth/oidc/callback?error=access_denied&state=x');
    assert.equal(error.status, 401);
  });
});
