/**
 * API tokens an OIDC user makes for themselves (`POST /api/v1/tokens`) follow the login they were
 * made from (a real oidc-provider, a real TLS hub, SQLite and PostgreSQL): a group the provider
 * takes away is gone from the token within the refresh period, even after the browser session
 * logged out, and a user the provider refuses loses every such token on every replica. A login
 * whose provider issues no refresh token ends, with its tokens, after `groupsMaxAgeMs`. The
 * hub's clock is held by the test, so nothing waits on time.
 */
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '@trueup/testkit/hub';
import { startOidcProvider } from '@trueup/testkit/oidc-provider';
import { testOnBothDatabases } from '@trueup/testkit/postgres';
import { browserLogin, call, cookieOf, groupsOf, seedProdWebForViewers } from './oidc-browser-testing.ts';
import { startHub } from './server.ts';

const PERIOD_MS = 60_000;
const CLIENT = { clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests' };

type Replica = Pick<TestHub, 'hub'>;

async function makeToken(hub: Replica, auth: { cookie: string } | { bearer: string }, name: string): Promise<string> {
  const headers = { 'content-type': 'application/json', 'x-trueup-request': '1', ...('bearer' in auth ? { authorization: `Bearer ${auth.bearer}` } : {}) };
  const made = await call(hub, '/api/v1/tokens', { method: 'POST', headers, body: JSON.stringify({ name }), ...('cookie' in auth ? { cookie: auth.cookie } : {}) });
  assert.equal(made.status, 201, made.body);
  return (JSON.parse(made.body) as { token: string }).token;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const sees = async (hub: Replica, token: string): Promise<[string[] | number, number]> =>
  [await groupsOf(call(hub, '/api/v1/whoami', bearer(token))), (await call(hub, '/api/v1/environments/prod/applications/web', bearer(token))).status];

async function tokensFollowTheLogin(cleanup: (fn: () => unknown) => void, database: string | undefined): Promise<void> {
  const provider = await startOidcProvider({ carol: { groups: ['viewers', 'staff'] } });
  cleanup(() => provider.stop());
  let clock = Date.now();
  const oidc = { issuer: provider.issuer, ...CLIENT, groupsRefreshMs: PERIOD_MS };
  const a = await startTestHub({ ...(database === undefined ? {} : { database }), oidc, hub: { now: () => clock } });
  cleanup(() => a.stop());
  // On PostgreSQL a second replica on the same data: what one replica learns holds on the other.
  const b: Replica = database === undefined ? a : { hub: await startHub({ dataDir: a.dataDir, database, listen: '127.0.0.1:0', log: () => undefined, now: () => clock, oidc }) };
  if (b !== a) cleanup(() => b.hub.stop());
  provider.setClient({ ...CLIENT, redirectUris: [`${a.hub.url}/auth/oidc/callback`, `${b.hub.url}/auth/oidc/callback`] });
  await seedProdWebForViewers(a, clock);

  // carol logs in with a browser, makes a CI token there, and a second one with that token.
  const session = cookieOf((await browserLogin(a, provider, 'carol', '/')).answer, 'trueup_session') ?? '';
  const ci = await makeToken(a, { cookie: session }, 'ci');
  const nested = await makeToken(b, { bearer: ci }, 'nested');
  assert.deepEqual(await sees(a, ci), [['viewers', 'staff'], 200]);
  assert.deepEqual(await sees(b, nested), [['viewers', 'staff'], 200]);

  // The browser logs out: the tokens live on, still following carol's login.
  assert.equal((await call(a, '/api/v1/logout', { method: 'POST', cookie: session, headers: { 'x-trueup-request': '1' } })).status, 204);
  assert.deepEqual(await sees(a, ci), [['viewers', 'staff'], 200]);

  // Taken out of "viewers" at the provider: the tokens keep it for the period, then lose it and its grant.
  provider.accounts.carol = { groups: ['staff'] };
  clock += PERIOD_MS - 1000;
  assert.deepEqual(await sees(b, nested), [['viewers', 'staff'], 200]);
  clock += 2000;
  assert.deepEqual(await sees(a, ci), [['staff'], 404]);
  assert.deepEqual(await sees(b, nested), [['staff'], 404]);
  const changed = await a.client.get<{ items: { actor: string }[] }>('/api/v1/events?kind=groups-changed');
  assert.deepEqual(changed.items.map((e) => e.actor), ['oidc:carol'], 'one login, asked once for both tokens');

  // The provider no longer knows carol: one replica's check revokes both tokens, for every replica.
  delete provider.accounts.carol;
  clock += PERIOD_MS + 1000;
  assert.equal(await groupsOf(call(b, '/api/v1/whoami', bearer(nested))), 401);
  assert.deepEqual([await groupsOf(call(a, '/api/v1/whoami', bearer(ci))), await groupsOf(call(a, '/api/v1/whoami', bearer(nested)))], [401, 401]);
  const { items } = await a.client.get<{ items: { kind: string; actor: string; details: { reason?: string } }[] }>('/api/v1/events?order=asc&limit=100');
  const revoked = items.filter((e) => e.kind === 'token-revoked' && e.actor === 'oidc:carol');
  assert.equal(revoked.length, 2, JSON.stringify(items.map((e) => e.kind)));
  for (const e of revoked) assert.match(e.details.reason ?? '', /^the provider refused: invalid_grant/);
}

// On PostgreSQL, with a second replica.
testOnBothDatabases('API tokens of an OIDC user follow the login they were made from', 'oidc_tokens', tokensFollowTheLogin);

async function noRefreshTokenEnds(cleanup: (fn: () => unknown) => void, database: string | undefined): Promise<void> {
  const provider = await startOidcProvider({ carol: { groups: ['viewers'] } });
  cleanup(() => provider.stop());
  let clock = Date.now();
  const logs: string[] = [];
  const hub = await startTestHub({
    ...(database === undefined ? {} : { database }),
    oidc: { issuer: provider.issuer, ...CLIENT, groupsRefreshMs: PERIOD_MS, groupsMaxAgeMs: 3_600_000 },
    log: (line) => logs.push(line),
    hub: { now: () => clock },
  });
  cleanup(() => hub.stop());
  provider.setClient({ ...CLIENT, redirectUris: [`${hub.hub.url}/auth/oidc/callback`], refreshTokens: false });
  const session = cookieOf((await browserLogin(hub, provider, 'carol', '/')).answer, 'trueup_session') ?? '';
  const ci = await makeToken(hub, { cookie: session }, 'ci');
  assert.ok(logs.some((line) => line.includes('issued no refresh token') && line.includes('log in again after 1h')), logs.join('\n'));

  // The groups of the login hold (nothing can ask for newer ones) until the maximum age …
  provider.accounts.carol = { groups: [] };
  clock += 3_600_000 - 1000;
  assert.deepEqual([await groupsOf(call(hub, '/api/v1/whoami', { cookie: session })), await groupsOf(call(hub, '/api/v1/whoami', bearer(ci)))], [['viewers'], ['viewers']]);
  // … and then the session ends and the token made from it is revoked: the user logs in again.
  clock += 2000;
  assert.deepEqual([await groupsOf(call(hub, '/api/v1/whoami', bearer(ci))), await groupsOf(call(hub, '/api/v1/whoami', { cookie: session }))], [401, 401]);
  const { items } = await hub.client.get<{ items: { kind: string; actor: string; details: { reason?: string } }[] }>('/api/v1/events?order=asc&limit=100');
  const ended = items.filter((e) => (e.kind === 'session-ended' || e.kind === 'token-revoked') && e.actor === 'oidc:carol');
  assert.deepEqual(ended.map((e) => e.kind).sort(), ['session-ended', 'token-revoked']);
  for (const e of ended) assert.match(e.details.reason ?? '', /no refresh token .* older than 1h: log in again/);
}

testOnBothDatabases('a login without a refresh token ends with its tokens after groupsMaxAge', 'oidc_max_age', noRefreshTokenEnds);
