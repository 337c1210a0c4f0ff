/**
 * `GET /api/v1/applications?project=NAME` and its counts: only the applications in the project's
 * environments, applications and labels, on both store engines; an unknown project is a 400
 * naming the parameter; the OpenAPI document lists the parameter (the web UI reads it there).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkEvent } from '@trueup/api';
import type { HubStore } from '@trueup/store';
import { onBothEngines } from '@trueup/store/testing';
import { testApp } from './testing.ts';

const status = (name: string, n: number): LinkEvent => ({ kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'), status: { name, revision: `r${n}`, sync: n % 2 === 0 ? 'Synced' : 'OutOfSync', health: { status: 'Healthy' } } });
const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
const body = (value: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

async function seed(store: HubStore): Promise<void> {
  for (const [environment, labels, apps] of [['prod', { tier: 'prod' }, ['web', 'web-admin', 'api', 'db']], ['stage', { tier: 'stage' }, ['web', 'api']], ['dev', { tier: 'dev' }, ['web']]] as const) {
    await store.environments.createJoinToken({ id: environment, environment, labels, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join(environment, { agentId: `ag-${environment}`, credentialHash: 'x' }, Date.now());
    let seq = 0;
    for (const app of apps) await store.ledger.ingest(environment, `ag-${environment}`, ++seq, Date.now(), status(app, seq));
  }
}

test('the application list filtered by project', async (t) => {
  await onBothEngines(t, 'a project of two environments: list and counts hold only its applications; unknown project is a 400', async (store) => {
    await seed(store);
    const hub = await testApp(store);
    assert.equal((await hub.as('admin', '/api/v1/projects', body({ name: 'shop', environments: ['prod', 'stage'], applications: ['web*'] }))).status, 201);
    assert.equal((await hub.as('admin', '/api/v1/projects', body({ name: 'staging', labels: { tier: 'stage' } }))).status, 201);
    const names = async (query: string): Promise<string[]> => (await json<{ items: { environment: string; name: string }[] }>(await hub.as('viewer', `/api/v1/applications?${query}`))).items.map((a) => `${a.environment}/${a.name}`).sort();

    assert.deepEqual(await names('project=shop'), ['prod/web', 'prod/web-admin', 'stage/web']);
    assert.deepEqual(await names('project=staging'), ['stage/api', 'stage/web'], 'by environment label');
    assert.deepEqual(await names('project=shop&environment=stage'), ['stage/web'], 'with the other filters');
    assert.equal((await names('')).length, 7, 'no project: everything the caller sees');
    assert.equal((await names('project=*')).length, 7, 'the global project covers everything');

    const counts = await json<{ total: number; sync: Record<string, number> }>(await hub.as('viewer', '/api/v1/applications/counts?project=shop'));
    assert.equal(counts.total, 3);
    assert.equal((counts.sync.Synced ?? 0) + (counts.sync.OutOfSync ?? 0), 3);

    for (const path of ['/api/v1/applications?project=nope', '/api/v1/applications/counts?project=nope']) {
      const unknown = await hub.as('viewer', path);
      assert.equal(unknown.status, 400, path);
      const error = await json<{ code: string; message: string }>(unknown);
      assert.equal(error.code, 'HUB_REQUEST_INVALID');
      assert.match(error.message, /no project "nope"/);
    }

    const openapi = await json<{ paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }> }>(await hub.app.request('/api/v1/openapi.json'));
    for (const path of ['/api/v1/applications', '/api/v1/applications/counts']) {
      assert.ok(openapi.paths[path]?.get?.parameters?.some((p) => p.name === 'project' && p.in === 'query'), `${path} reads project`);
    }
  });
});
