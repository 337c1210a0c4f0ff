/** The release API's bad input and refusals, in-process against a real store and a real Git repository. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HubStore, LedgerEntry } from '@trueup/store';
import { onBothEngines } from '@trueup/store/testing';
import { createServedRepo, createWorkRepo, requireGit } from '@trueup/testkit';
import { PromotionEngine } from './promotion-engine.ts';
import { testApp } from './testing.ts';

const PROMOTION = `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: web }
spec:
  repo: file:///nowhere/config.git
  values: [{ name: image }, { name: chart }]
  stages:
    - { name: dev, application: dev/web, set: [{ file: dev.yaml, key: tag, value: image }] }
    - { name: prod, application: prod/web, set: [{ file: prod.yaml, key: tag, value: image }], gates: { approvals: { role: admin } } }
`;

test('release API', async (t) => {
  if (!(await requireGit(t))) return;
  await onBothEngines(t, 'refusals name what is wrong and change nothing', refusals);
});

async function refusals(store: HubStore): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-releases-api-'));
  const cleanup: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    await scenario(store, dir, cleanup);
  } finally {
    for (const fn of cleanup.reverse()) await fn();
  }
}

async function scenario(store: HubStore, dir: string, cleanup: (() => Promise<void>)[]): Promise<void> {
  const bare = await createServedRepo(join(dir, 'served'), 'config.git');
  const work = await createWorkRepo(join(dir, 'work'));
  await work.write({ '.trueup/promotions/web.yml': PROMOTION });
  await work.commit();
  await work.push(bare);
  const { app, deps, as } = await testApp(store);
  const engine = new PromotionEngine(deps, { dataDir: dir, log: () => undefined, tickMs: 60_000 });
  deps.promotions = engine;
  await engine.start();
  cleanup.push(() => engine.close());
  const post = (role: 'admin' | 'operator' | 'viewer' | 'nobody', path: string, body: unknown) => as(role, path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const error = async (response: Response, status: number): Promise<{ code: string; message: string; details?: { field?: string } }> => {
    const body = await response.json() as { code: string; message: string; details?: { field?: string } };
    assert.equal(response.status, status, JSON.stringify(body));
    return body;
  };

  assert.match((await error(await post('operator', '/api/v1/promotions/sources', { repoURL: `file://${dir}/missing.git` }), 400)).message, /missing\.git/);
  assert.equal((await error(await post('viewer', '/api/v1/promotions/sources', { repoURL: `file://${bare}` }), 403)).code, 'HUB_FORBIDDEN');
  assert.equal((await error(await post('nobody', '/api/v1/releases', { promotion: 'web', values: {} }), 401)).code, 'HUB_UNAUTHENTICATED');
  assert.equal((await post('operator', '/api/v1/promotions/sources', { repoURL: `file://${bare}` })).status, 200);
  assert.equal((await error(await post('operator', '/api/v1/promotions/sources', { repoURL: `file://${bare}` }), 409)).code, 'HUB_CONFLICT');

  assert.match((await error(await post('operator', '/api/v1/releases', { promotion: 'api', values: { image: '1' } }), 404)).message, /no promotion "api".*known: web/);
  assert.match((await error(await post('operator', '/api/v1/releases', { promotion: 'web', values: { imag: '1', image: '1', chart: '2' } }), 400)).message, /no value "imag" \(declared: image, chart\)/);
  const missing = await error(await post('operator', '/api/v1/releases', { promotion: 'web', values: { image: '1' } }), 400);
  assert.match(missing.message, /value "chart" is missing and no earlier release/);
  assert.equal(missing.details?.field, 'values.chart');
  assert.equal((await error(await post('operator', '/api/v1/releases', { promotion: 'web', values: { image: '1' }, extra: true }), 400)).details?.field, 'body');
  assert.equal((await store.releases.list({ limit: 10 })).length, 0, 'nothing was made');

  const made = await (await post('operator', '/api/v1/releases', { promotion: 'web', values: { image: '1', chart: '2' } })).json() as { release: { id: string } };
  assert.equal(made.release.id, 'web-1');
  // Values not given come from the newest release.
  const next = await (await post('operator', '/api/v1/releases', { promotion: 'web', values: { image: '2' } })).json() as { release: { values: Record<string, string> } };
  assert.deepEqual(next.release.values, { image: '2', chart: '2' });

  assert.match((await error(await post('operator', '/api/v1/releases/web-1/promote', { to: 'staging' }), 404)).message, /no stage or environment "staging" \(stages: dev, prod\)/);
  assert.match((await error(await post('operator', '/api/v1/releases/web-9/promote', { to: 'dev' }), 404)).message, /no release "web-9"/);
  assert.match((await error(await post('operator', '/api/v1/releases/web-1/approve', { stage: 'prod' }), 403)).message, /needs role admin/);
  assert.equal((await post('admin', '/api/v1/releases/web-1/approve', { stage: 'prod' })).status, 200);
  assert.equal(((await (await post('admin', '/api/v1/releases/web-1/approve', { stage: 'prod' })).json()) as { alreadyApproved: boolean }).alreadyApproved, true);
  assert.match((await error(await post('operator', '/api/v1/promotions/web/unhold', { stage: 'prod' }), 404)).message, /not held/);
  assert.equal((await post('operator', '/api/v1/promotions/web/hold', { stage: 'prod', reason: 'freeze' })).status, 200);
  assert.equal((await post('operator', '/api/v1/promotions/web/unhold', { stage: 'prod' })).status, 200);

  // A hub that writes no Git: the promotion is recorded as failed with the reason, not lost.
  await engine.settled();
  assert.equal((await post('operator', '/api/v1/releases/web-2/promote', { to: 'dev' })).status, 200);
  const shown = await (await as('viewer', '/api/v1/releases/web-2')).json() as { stages: { stage: string; state?: string; message?: string }[] };
  assert.equal(shown.stages[0]?.state, 'failed');
  assert.match(shown.stages[0]?.message ?? '', /writes no Git/);
  const ledger = await (await as('viewer', '/api/v1/events?environment=dev&order=asc')).json() as { items: LedgerEntry[] };
  // Automation tried web-1 and web-2 when they were made; then the person's promotion of web-2.
  assert.deepEqual(ledger.items.map((e) => `${e.kind}:${JSON.stringify(e.details.releaseId)}:${JSON.stringify(e.details.manual ?? '')}`), [
    'promotion-started:"web-1":false', 'promotion-failed:"web-1":""', 'promotion-started:"web-2":false', 'promotion-failed:"web-2":""', 'promotion-started:"web-2":true', 'promotion-failed:"web-2":""',
  ]);
  assert.ok(ledger.items.filter((e) => e.kind === 'promotion-failed').every((e) => /writes no Git/.test(String(e.details.reason))));
  assert.equal((await error(await as('viewer', '/api/v1/releases/nothing-like-it'), 404)).code, 'HUB_NOT_FOUND');

  // A user who sees none of the promotion's stages sees neither it nor its releases; granted prod, both.
  const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal((await as('admin', '/api/v1/users', json({ name: 'sam', password: 'a long enough password' }))).status, 201);
  assert.equal((await as('admin', '/api/v1/projects', json({ name: 'other', environments: ['staging'] }))).status, 201);
  assert.equal((await as('admin', '/api/v1/projects', json({ name: 'prod-only', environments: ['prod'] }))).status, 201);
  assert.equal((await as('admin', '/api/v1/grants', json({ project: 'other', role: 'viewer', user: 'sam' }))).status, 201);
  const login = await app.request('/api/v1/login', json({ username: 'sam', password: 'a long enough password' }));
  const cookie = /^trueup_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const sam = async (path: string): Promise<Response> => app.request(path, { headers: { cookie } });
  assert.deepEqual(((await (await sam('/api/v1/promotions')).json()) as { items: unknown[] }).items, []);
  assert.deepEqual(((await (await sam('/api/v1/releases')).json()) as { items: unknown[] }).items, []);
  assert.equal((await sam('/api/v1/releases/web-1')).status, 404);
  assert.equal((await as('admin', '/api/v1/grants', json({ project: 'prod-only', role: 'viewer', user: 'sam' }))).status, 201);
  assert.deepEqual(((await (await sam('/api/v1/promotions')).json()) as { items: { name: string }[] }).items.map((p) => p.name), ['web']);
  assert.equal((await sam('/api/v1/releases/web-1')).status, 200);
}
