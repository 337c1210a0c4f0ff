/**
 * Access in-process on both store engines: users and password login (cookie flags, the CSRF
 * header, throttling), tokens revoked at once across replicas, projects and roles enforced on
 * lists (in SQL), single reads (404), mutations (403 in the ledger) and the event stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkEvent, WhoAmI } from '@trueup/api';
import type { HubStore } from '@trueup/store';
import { onBothEngines } from '@trueup/store/testing';
import { sseReader, testApp, type TestApp } from './testing.ts';

const status = (name: string, n: number): LinkEvent => ({ kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'), status: { name, revision: `r${n}`, sync: 'Synced', health: { status: 'Healthy' } } });
const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
const body = (value: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const PASSWORD = 'correct horse battery staple';

async function seed(store: HubStore): Promise<void> {
  for (const [environment, labels, apps] of [['prod', { tier: 'prod' }, ['web', 'api', 'db']], ['stage', { tier: 'stage' }, ['web']]] as const) {
    await store.environments.createJoinToken({ id: environment, environment, labels, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join(environment, { agentId: `ag-${environment}`, credentialHash: 'x' }, Date.now());
    let seq = 0;
    for (const app of apps) await store.ledger.ingest(environment, `ag-${environment}`, ++seq, Date.now(), status(app, seq));
  }
}

/** A browser: logs in with a password and sends its cookie (and, for mutations, the request header). */
async function browser(t: TestApp, username: string, password = PASSWORD): Promise<(path: string, init?: RequestInit & { csrf?: boolean }) => Promise<Response>> {
  const login = await t.app.request('/api/v1/login', body({ username, password }));
  assert.equal(login.status, 200, await login.clone().text());
  const setCookie = login.headers.get('set-cookie') ?? '';
  const cookie = /^trueup_session=[^;]+/.exec(setCookie)?.[0] ?? '';
  return async (path, init = {}) => t.app.request(path, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), cookie, ...(init.csrf === false ? {} : { 'x-trueup-request': '1' }) } });
}

async function addUser(t: TestApp, name: string, groups: string[] = []): Promise<void> {
  assert.equal((await t.as('admin', '/api/v1/users', body({ name, password: PASSWORD, groups }))).status, 201);
}

test('access', async (t) => {
  await onBothEngines(t, 'password login: cookie flags, whoami, the CSRF header, logout, throttled guessing', async (store) => {
    const hub = await testApp(store);
    await addUser(hub, 'alice', ['team-a']);
    assert.equal((await hub.as('admin', '/api/v1/users', body({ name: 'alice', password: PASSWORD }))).status, 409);
    assert.equal((await hub.as('operator', '/api/v1/users', body({ name: 'eve', password: PASSWORD }))).status, 403, 'the users verb is an admin\'s');
    assert.equal((await hub.app.request('/api/v1/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: PASSWORD }), headers: { 'content-type': 'text/plain' } })).status, 400, 'a form cannot log in');
    const wrong = await hub.app.request('/api/v1/login', body({ username: 'alice', password: 'not the password' }));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const login = await hub.app.request('/api/v1/login', body({ username: 'alice', password: PASSWORD }));
    const flags = (login.headers.get('set-cookie') ?? '').split(';').map((f) => f.trim());
    for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(flags.includes(flag), `${flag} in ${flags.join('; ')}`);
    const alice = await browser(hub, 'alice');
    const me = await json<WhoAmI>(await alice('/api/v1/whoami'));
    assert.deepEqual({ ...me, can: undefined }, { subject: 'user:alice', name: 'alice', kind: 'user', groups: ['team-a'], admin: false, projects: [], can: undefined });
    assert.equal(me.can.get, false);
    const withoutHeader = await alice('/api/v1/tokens', { ...body({ name: 'x' }), csrf: false });
    assert.equal(withoutHeader.status, 403);
    assert.equal((await json<{ code: string }>(withoutHeader)).code, 'HUB_REQUEST_HEADER_MISSING');
    assert.equal((await alice('/api/v1/logout', { method: 'POST' })).status, 204);
    assert.equal((await alice('/api/v1/whoami')).status, 401, 'the session ended');
    const ledger = await json<{ items: { kind: string; actor: string }[] }>(await hub.as('admin', '/api/v1/events?limit=100&order=asc'));
    assert.deepEqual(ledger.items.filter((e) => /^(login|logout|user-)/.test(e.kind)).map((e) => [e.kind, e.actor]), [
      ['user-added', 'token:admin'], ['login-failed', 'user:alice'], ['login', 'user:alice'], ['login', 'user:alice'], ['logout', 'user:alice'],
    ]);
    // Guessing: five failures are free, then each attempt waits, even with the right password.
    for (let i = 0; i < 6; i++) await hub.app.request('/api/v1/login', body({ username: 'alice', password: `guess ${i}` }));
    const throttled = await hub.app.request('/api/v1/login', body({ username: 'alice', password: PASSWORD }));
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.equal((await hub.app.request('/api/v1/login', body({ username: 'nobody', password: PASSWORD }))).status, 401);
    const providers = await json<unknown>(await hub.app.request('/api/v1/auth/providers'));
    assert.deepEqual(providers, { password: true, oidc: null });
  });

  await onBothEngines(t, 'projects and roles: lists filtered, invisible reads 404, mutations 403 in the ledger, fine verbs', async (store) => {
    await seed(store);
    const hub = await testApp(store);
    await addUser(hub, 'alice', ['team-a']);
    await addUser(hub, 'bob');
    assert.equal((await hub.as('admin', '/api/v1/projects', body({ name: 'web', environments: ['prod'], applications: ['web*'] }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/projects', body({ name: 'staging', labels: { tier: 'stage' } }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/grants', body({ project: 'web', role: 'operator', group: 'team-a' }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/grants', body({ project: 'staging', role: 'viewer', group: 'team-a' }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/roles', body({ name: 'syncer', verbs: ['get', 'sync'] }))).status, 200);
    assert.equal((await hub.as('admin', '/api/v1/roles', body({ name: 'bad', verbs: ['get', 'fly'] }))).status, 400);
    assert.equal((await hub.as('admin', '/api/v1/grants', body({ project: 'web', role: 'syncer', user: 'bob' }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/grants', body({ project: 'web', role: 'nope', user: 'bob' }))).status, 400);
    const alice = await browser(hub, 'alice');
    const bob = await browser(hub, 'bob');
    const names = async (call: typeof alice, path = '/api/v1/applications'): Promise<string[]> => (await json<{ items: { environment: string; name: string }[] }>(await call(path))).items.map((i) => `${i.environment}/${i.name}`);
    assert.deepEqual(await names(alice), ['prod/web', 'stage/web']);
    assert.deepEqual((await json<{ total: number }>(await alice('/api/v1/applications?limit=1'))).total, 2);
    assert.deepEqual(await names(bob), ['prod/web']);
    assert.deepEqual((await json<{ items: { name: string; applications: number }[] }>(await alice('/api/v1/environments'))).items.map((e) => [e.name, e.applications]), [['prod', 1], ['stage', 1]]);
    assert.equal((await json<{ total: number }>(await bob('/api/v1/applications/counts'))).total, 1);
    // A read of what one may not see: 404, as for what does not exist.
    assert.equal((await alice('/api/v1/environments/prod/applications/api')).status, 404);
    assert.equal((await alice('/api/v1/environments/prod/applications/web')).status, 200);
    assert.equal((await alice('/api/v1/environments/prod/applications/api/wait?revision=abc')).status, 404);
    // Mutations: the project's role decides, verb by verb.
    assert.equal((await alice('/api/v1/environments/prod/applications/web/sync', body({ prune: true }))).status, 202);
    assert.equal((await alice('/api/v1/environments/stage/applications/web/sync', body({}))).status, 403, 'viewer in staging');
    assert.equal((await alice('/api/v1/environments/prod/applications/api/refresh', { method: 'POST' })).status, 403);
    assert.equal((await bob('/api/v1/environments/prod/applications/web/sync', body({}))).status, 202);
    assert.equal((await bob('/api/v1/environments/prod/applications/web/sync', body({ prune: true }))).status, 403, 'sync without sync-prune');
    assert.equal((await bob('/api/v1/environments/prod/applications/web/sync', body({ dryRun: true }))).status, 403, 'no sync-dry-run');
    assert.equal((await bob('/api/v1/environments/prod/applications/web/refresh', { method: 'POST' })).status, 403, 'no refresh');
    assert.equal((await bob('/api/v1/join-tokens', body({ name: 'x' }))).status, 403);
    const bobs = await json<WhoAmI>(await bob('/api/v1/whoami'));
    assert.deepEqual(bobs.projects, [{ name: 'web', role: 'syncer', verbs: ['get', 'sync'] }]);
    assert.deepEqual([bobs.can.sync, bobs.can['sync-prune'], bobs.can.users, bobs.admin], [true, false, false, false]);
    const denied = await json<{ items: { actor: string; environment: string; application?: string; details: { verb: string } }[] }>(await hub.as('admin', '/api/v1/events?kind=denied&order=asc'));
    assert.deepEqual(denied.items.map((e) => [e.actor, `${e.environment}/${e.application ?? ''}`, e.details.verb]), [
      ['user:alice', 'stage/web', 'sync'], ['user:alice', 'prod/api', 'refresh'], ['user:bob', 'prod/web', 'sync-prune'], ['user:bob', 'prod/web', 'sync-dry-run'], ['user:bob', 'prod/web', 'refresh'], ['user:bob', '/', 'agents'],
    ]);
    // The ledger and commands show only what one may see.
    const events = await json<{ items: { environment: string; application?: string }[] }>(await bob('/api/v1/events?limit=100'));
    assert.ok(events.items.length > 0);
    assert.ok(events.items.every((e) => e.environment === 'prod' && (e.application === undefined || e.application === 'web')), JSON.stringify(events.items));
    const command = await json<{ id: string }>(await hub.as('admin', '/api/v1/environments/prod/applications/api/refresh', { method: 'POST' }));
    assert.equal((await bob(`/api/v1/commands/${command.id}`)).status, 404);
    assert.equal((await hub.as('viewer', `/api/v1/commands/${command.id}`)).status, 200);
    // A revoked grant holds at once; selectors shaped like SQL are only values.
    assert.equal((await hub.as('admin', '/api/v1/grants/revoke', body({ project: 'web', role: 'syncer', user: 'bob' }))).status, 204);
    assert.deepEqual(await names(bob), []);
    assert.equal((await hub.as('admin', '/api/v1/projects', body({ name: 'evil', environments: ["' OR 1=1 --", '*"; DROP TABLE applications; --'], applications: ["x' OR 'a'='a"] }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/grants', body({ project: 'evil', role: 'admin', user: 'bob' }))).status, 201);
    assert.deepEqual(await names(bob), []);
    assert.equal((await hub.as('admin', '/api/v1/applications?limit=1').then((r) => json<{ total: number }>(r))).total, 4);
    const project = await json<{ name: string; grants: unknown[] }>(await hub.as('admin', '/api/v1/projects/evil'));
    assert.deepEqual(project.grants, [{ subjectKind: 'user', subject: 'bob', role: 'admin' }]);
    assert.equal((await hub.as('admin', '/api/v1/projects/evil/delete', { method: 'POST' })).status, 204);
    assert.equal((await hub.as('admin', '/api/v1/projects/*/delete', { method: 'POST' })).status, 400);
  });

  await onBothEngines(t, 'tokens: shown once, act as their user, revoked or disabled at once on every replica', async (store) => {
    await seed(store);
    const one = await testApp(store);
    const two = await testApp(store);
    await addUser(one, 'alice');
    assert.equal((await one.as('admin', '/api/v1/grants', body({ project: '*', role: 'viewer', user: 'alice' }))).status, 201);
    const alice = await browser(one, 'alice');
    const made = await json<{ id: string; token: string; expiresAt: string | null; owner: string }>(await alice('/api/v1/tokens', body({ name: 'laptop', ttl: '1h' })));
    assert.match(made.token, /^tut\./);
    assert.equal(made.owner, 'user:alice');
    assert.ok(made.expiresAt !== null && Date.parse(made.expiresAt) > Date.now());
    const bearer = async (t: TestApp, path: string, init: RequestInit = {}): Promise<Response> => t.app.request(path, { ...init, headers: { authorization: `Bearer ${made.token}` } });
    const me = await json<WhoAmI>(await bearer(two, '/api/v1/whoami'));
    assert.deepEqual([me.kind, me.name, me.subject, me.admin, me.can.get], ['token', 'alice', 'user:alice', false, true]);
    assert.equal((await bearer(one, '/api/v1/applications')).status, 200);
    assert.equal((await bearer(two, '/api/v1/applications')).status, 200);
    const listed = await json<{ items: { id: string; name: string }[] }>(await alice('/api/v1/tokens'));
    assert.deepEqual(listed.items.map((k) => k.name), ['laptop']);
    assert.ok(!JSON.stringify(listed).includes(made.token.split('.')[2] ?? '?'), 'the secret is never shown again');
    assert.equal((await one.as('viewer', `/api/v1/tokens/${made.id}/revoke`, { method: 'POST' })).status, 403, 'not one\'s own');
    assert.equal((await alice(`/api/v1/tokens/${made.id}/revoke`, { method: 'POST' })).status, 204);
    assert.equal((await bearer(two, '/api/v1/applications')).status, 401, 'revoked on the other replica at once');
    assert.equal((await bearer(one, '/api/v1/applications')).status, 401);
    // Expired tokens are refused; disabling a user ends their sessions and tokens everywhere.
    await store.tokens.create({ id: 'old', name: 'old', role: 'user', secretHash: 'x', createdAt: 1, owner: 'user:alice', identity: { kind: 'user', subject: 'user:alice', name: 'alice', groups: [] }, expiresAt: Date.now() - 1 });
    const second = await json<{ token: string }>(await alice('/api/v1/tokens', body({ name: 'ci' })));
    const call = async (t: TestApp): Promise<Response> => t.app.request('/api/v1/applications', { headers: { authorization: `Bearer ${second.token}` } });
    assert.equal((await call(two)).status, 200);
    assert.equal((await one.as('admin', '/api/v1/users/alice/disable', { method: 'POST' })).status, 204);
    assert.equal((await call(two)).status, 401);
    assert.equal((await alice('/api/v1/whoami')).status, 401);
    assert.equal((await one.app.request('/api/v1/login', body({ username: 'alice', password: PASSWORD }))).status, 401);
    // The hub's admin token can make a token for a password-less user (CI) holding its grants.
    assert.equal((await one.as('admin', '/api/v1/users', body({ name: 'ci-bot' }))).status, 201);
    assert.equal((await one.as('admin', '/api/v1/tokens', body({ name: 'x' }))).status, 400);
    const ci = await json<{ token: string }>(await one.as('admin', '/api/v1/tokens', body({ name: 'pipeline', user: 'ci-bot' })));
    assert.equal((await json<{ total: number }>(await one.app.request('/api/v1/applications', { headers: { authorization: `Bearer ${ci.token}` } }))).total, 0);
  });

  await onBothEngines(t, 'the event stream shows each caller only what it may see, and ends when its session does', async (store) => {
    await seed(store);
    const hub = await testApp(store);
    await addUser(hub, 'alice');
    await hub.as('admin', '/api/v1/projects', body({ name: 'web', environments: ['*'], applications: ['web'] }));
    await hub.as('admin', '/api/v1/grants', body({ project: 'web', role: 'viewer', user: 'alice' }));
    const alice = await browser(hub, 'alice');
    const abort = new AbortController();
    const response = await alice('/api/v1/stream', { signal: abort.signal });
    assert.equal(response.status, 200);
    const next = sseReader(response.body ?? new ReadableStream());
    assert.deepEqual([await next(), await next(), await next()].map((m) => [m.event, (m.data as { environment?: string; name?: string }).name ?? '']), [['snapshot', 'web'], ['snapshot', 'web'], ['synced', '']]);
    await store.ledger.ingest('prod', 'ag-prod', 10, Date.now(), status('api', 10));
    await store.ledger.ingest('prod', 'ag-prod', 11, Date.now(), status('web', 11));
    hub.deps.feed.notify();
    const delta = await next();
    assert.deepEqual([delta.event, (delta.data as { name: string; revision: string }).name, (delta.data as { revision: string }).revision], ['upsert', 'web', 'r11']);
    abort.abort();
  });

  await onBothEngines(t, 'pipelines: reading runs needs sight of their environments; approving needs the approve verb there', async (store) => {
    const hub = await testApp(store);
    await addUser(hub, 'alice');
    await store.runs.create({ id: 'run1', repository: 'r', workflow: 'w', event: 'push', ref: 'main', sha: 'abc', actor: 'x', createdAt: 1 });
    await store.runs.putJob({ runId: 'run1', key: 'deploy', name: 'deploy', environment: 'prod', status: 'queued', conclusion: undefined, runnerId: undefined, attempt: 0, note: undefined, queuedAt: 1, startedAt: undefined, finishedAt: undefined, steps: [] });
    const alice = await browser(hub, 'alice');
    assert.deepEqual((await json<{ items: unknown[] }>(await alice('/api/v1/runs'))).items, []);
    assert.equal((await alice('/api/v1/runs/run1')).status, 404);
    await hub.as('admin', '/api/v1/projects', body({ name: 'prod', environments: ['prod'] }));
    await hub.as('admin', '/api/v1/grants', body({ project: 'prod', role: 'viewer', user: 'alice' }));
    assert.deepEqual((await json<{ items: { id: string }[] }>(await alice('/api/v1/runs'))).items.map((r) => r.id), ['run1']);
    assert.equal((await alice('/api/v1/runs/run1')).status, 200);
    const approve = await alice('/api/v1/runs/run1/approve', body({ environment: 'prod' }));
    assert.equal(approve.status, 403);
    const ledger = await json<{ items: { kind: string; actor: string }[] }>(await hub.as('admin', '/api/v1/events?kind=run-approval-denied'));
    assert.deepEqual(ledger.items.map((e) => e.actor), ['user:alice']);
    assert.equal((await alice('/api/v1/runs', body({ repository: 'r', workflow: 'w', ref: 'main' }))).status, 403, 'running pipelines is the run verb, everywhere');
  });
});

