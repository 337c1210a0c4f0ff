/**
 * An OIDC user's groups follow the provider after login (a real oidc-provider, a real TLS hub,
 * SQLite and PostgreSQL): within the refresh period the groups of the login hold; once it has
 * passed, the next request asks the provider (its refresh token) and a group taken away at the
 * provider takes its grant away at the hub. A user the provider no longer knows loses the browser
 * session and the CLI's token. The hub's clock is held by the test, so nothing waits on time.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WhoAmI } from '@trueup/api';
import { startTestHub } from '@trueup/testkit/hub';
import { startOidcProvider } from '@trueup/testkit/oidc-provider';
import { skipWithoutPostgres, startPostgres, testOnBothDatabases } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubApiError, HubClient } from './client.ts';
import { browserLogin, call, cookieOf, seedProdWebForViewers } from './oidc-browser-testing.ts';
import { startHub } from './server.ts';

const PERIOD_MS = 60_000;

async function groupsFollowTheProvider(cleanup: (fn: () => unknown) => void, database: string | undefined): Promise<void> {
  const provider = await startOidcProvider({ carol: { groups: ['viewers', 'staff'] }, erin: { groups: ['viewers'] } });
  cleanup(() => provider.stop());
  let clock = Date.now();
  const hub = await startTestHub({
    ...(database === undefined ? {} : { database }),
    oidc: { issuer: provider.issuer, clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', groupsRefreshMs: PERIOD_MS },
    hub: { now: () => clock },
  });
  cleanup(() => hub.stop());
  provider.setClient({ clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', redirectUris: [`${hub.hub.url}/auth/oidc/callback`] });
  await seedProdWebForViewers(hub, clock);

  // carol in a browser; erin through the CLI's loopback login, which ends in an API token.
  const session = cookieOf((await browserLogin(hub, provider, 'carol', '/')).answer, 'trueup_session') ?? '';
  const verifier = 'v'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const start = await call(hub, `/auth/oidc/login?cli_port=9&cli_challenge=${challenge}`);
  const callback = new URL(await provider.signIn(start.location ?? '', 'erin'));
  const back = await call(hub, callback.pathname + callback.search, { cookie: cookieOf(start, 'trueup_oidc_state') ?? '' });
  assert.equal(back.status, 302, back.body);
  const code = new URL(back.location ?? '').searchParams.get('code') ?? '';
  const { token } = await new HubClient({ url: hub.hub.url, ca: hub.hub.tls.ca }).post<{ token: string }>('/api/v1/login/cli', { code, verifier, name: 'laptop' });
  const erin = new HubClient({ url: hub.hub.url, ca: hub.hub.tls.ca, token });

  const carolSees = async (): Promise<{ groups: string[] | number; web: number }> => {
    const me = await call(hub, '/api/v1/whoami', { cookie: session });
    const web = await call(hub, '/api/v1/environments/prod/applications/web', { cookie: session });
    return { groups: me.status === 200 ? (JSON.parse(me.body) as WhoAmI).groups : me.status, web: web.status };
  };
  const erinStatus = async (): Promise<number | string[]> => {
    try {
      return (await erin.get<WhoAmI>('/api/v1/whoami')).groups;
    } catch (error) {
      if (error instanceof HubApiError) return error.status;
      throw error;
    }
  };

  assert.deepEqual(await carolSees(), { groups: ['viewers', 'staff'], web: 200 });
  assert.deepEqual(await erinStatus(), ['viewers']);

  // Taken out of "viewers" at the provider: the groups of the login hold for the period …
  provider.accounts.carol = { groups: ['staff'] };
  clock += PERIOD_MS - 1000;
  assert.deepEqual(await carolSees(), { groups: ['viewers', 'staff'], web: 200 });
  // … and no longer once it has passed: the grant of "viewers" is gone with the group.
  clock += 2000;
  assert.deepEqual(await carolSees(), { groups: ['staff'], web: 404 });
  const changed = await hub.client.get<{ items: { actor: string; details: { from: string[]; to: string[] } }[] }>('/api/v1/events?kind=groups-changed');
  assert.deepEqual(changed.items.map((e) => [e.actor, e.details.from, e.details.to]), [['oidc:carol', ['viewers', 'staff'], ['staff']]]);
  assert.deepEqual(await erinStatus(), ['viewers'], 'erin\'s token asked too, and nothing changed for her');

  // Users the provider no longer knows: the session ends, the token is revoked.
  delete provider.accounts.carol;
  delete provider.accounts.erin;
  clock += PERIOD_MS + 1000;
  assert.deepEqual(await carolSees(), { groups: 401, web: 401 });
  assert.equal(await erinStatus(), 401);
  const ended = await hub.client.get<{ items: { kind: string; actor: string; details: { reason: string } }[] }>('/api/v1/events?order=asc&limit=100');
  const endings = ended.items.filter((e) => e.kind === 'session-ended' || (e.kind === 'token-revoked' && e.actor.startsWith('oidc:')));
  assert.deepEqual(endings.map((e) => [e.kind, e.actor]), [['session-ended', 'oidc:carol'], ['token-revoked', 'oidc:erin']]);
  for (const e of endings) assert.match(e.details.reason, /^the provider refused: invalid_grant/);
}

testOnBothDatabases('OIDC groups follow the provider', 'oidc_groups', groupsFollowTheProvider);

test('two replicas on one PostgreSQL check a session once and agree on its groups', { skip: skipWithoutPostgres() }, async (t) => {
  const cleanup = lastInFirstOut(t);
  const pg = await startPostgres();
  cleanup(() => pg.stop());
  const database = await pg.createDatabase('oidc_replicas');
  const dataDir = await mkdtemp(join(tmpdir(), 'trueup-oidc-ha-'));
  cleanup(() => rm(dataDir, { recursive: true, force: true }));
  const provider = await startOidcProvider({ carol: { groups: ['viewers', 'staff'] } });
  cleanup(() => provider.stop());
  let clock = Date.now();
  const oidc = { issuer: provider.issuer, clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', groupsRefreshMs: PERIOD_MS };
  // Same data dir: the replicas share the CA and the key refresh tokens are sealed with.
  const a = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined, now: () => clock, oidc });
  cleanup(() => a.stop());
  const b = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined, now: () => clock, oidc });
  cleanup(() => b.stop());
  provider.setClient({ clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', redirectUris: [`${a.url}/auth/oidc/callback`, `${b.url}/auth/oidc/callback`] });
  const session = cookieOf((await browserLogin({ hub: a }, provider, 'carol', '/')).answer, 'trueup_session') ?? '';
  const groupsAt = async (hub: typeof a): Promise<string[] | number> => {
    const me = await call({ hub }, '/api/v1/whoami', { cookie: session });
    return me.status === 200 ? (JSON.parse(me.body) as WhoAmI).groups : me.status;
  };
  assert.deepEqual([await groupsAt(a), await groupsAt(b)], [['viewers', 'staff'], ['viewers', 'staff']]);

  provider.accounts.carol = { groups: ['staff'] };
  clock += PERIOD_MS + 1000;
  // Both replicas at once: one claims the check and asks the provider; the other reads its answer.
  await Promise.all([groupsAt(a), groupsAt(b)]);
  clock += 3000;
  assert.deepEqual([await groupsAt(a), await groupsAt(b)], [['staff'], ['staff']]);
  const admin = new HubClient({ url: a.url, token: (await readFile(a.info.adminTokenFile, 'utf8')).trim(), ca: a.tls.ca });
  const { items } = await admin.get<{ items: { kind: string; actor: string }[] }>('/api/v1/events?order=asc&limit=100');
  assert.deepEqual(items.filter((e) => e.actor === 'oidc:carol').map((e) => e.kind), ['login', 'groups-changed'], 'one check, and the session lives on');
});

test('while the provider cannot be reached, the groups last seen hold, and it is asked again a period later', async (t) => {
  const cleanup = lastInFirstOut(t);
  const provider = await startOidcProvider({ carol: { groups: ['viewers'] } });
  let stopped = false;
  cleanup(() => (stopped ? undefined : provider.stop()));
  let clock = Date.now();
  const logs: string[] = [];
  const hub = await startTestHub({
    oidc: { issuer: provider.issuer, clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', groupsRefreshMs: PERIOD_MS },
    log: (line) => logs.push(line),
    hub: { now: () => clock },
  });
  cleanup(() => hub.stop());
  provider.setClient({ clientId: 'trueup-hub', clientSecret: 'client-secret-for-tests', redirectUris: [`${hub.hub.url}/auth/oidc/callback`] });
  const session = cookieOf((await browserLogin(hub, provider, 'carol', '/')).answer, 'trueup_session') ?? '';
  const groups = async (): Promise<string[] | number> => {
    const me = await call(hub, '/api/v1/whoami', { cookie: session });
    return me.status === 200 ? (JSON.parse(me.body) as WhoAmI).groups : me.status;
  };
  assert.deepEqual(await groups(), ['viewers']);
  await provider.stop();
  stopped = true;
  clock += PERIOD_MS + 1000;
  assert.deepEqual(await groups(), ['viewers'], 'the session lives on with what was last seen');
  const refresh = await hub.hub.store.oidcRefresh.get(`s:${createHash('sha256').update(session.slice('trueup_session='.length)).digest('hex')}`);
  assert.equal(refresh?.checkedAt, clock, 'the failed check counts as a check: the next is a period later');
  assert.ok(logs.some((line) => /^OIDC groups of oidc:carol: the OpenID provider .* did not answer a refresh/.test(line)), logs.join('\n'));
});
