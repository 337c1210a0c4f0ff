/** The web UI at `/` (precompressed, deep links answered with index.html) and the counts the list's header shows. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { LinkEvent } from '@trueup/api';
import { onBothEngines } from '@trueup/store/testing';
import { createHubApp } from './app.ts';
import { testApp } from './testing.ts';

const status = (name: string, sync: string, health: string): LinkEvent => ({ kind: 'status', application: name, digest: name.padStart(64, '0'), status: { name, revision: 'r1', sync, health: { status: health } } });

test('the hub serves the UI and counts applications by state', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-ui-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Trueup</title>');
  await writeFile(join(dir, 'index.html.gz'), gzipSync('<!doctype html><title>Trueup</title>'));
  await writeFile(join(dir, 'assets', 'main-abc.js'), 'console.log(1)');
  await writeFile(join(dir, 'assets', 'main-abc.js.br'), brotliCompressSync('console.log(1)'));
  await writeFile(join(dir, 'assets', 'main-abc.js.gz'), gzipSync('console.log(1)'));

  await onBothEngines(t, 'ui and counts', async (store) => {
    const { deps, tokens } = await testApp(store);
    const app = createHubApp(deps, { uiDir: dir });
    const page = await app.request('/environments/prod/applications/web?x=1', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-encoding'), 'gzip');
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const asset = await app.request('/assets/main-abc.js');
    assert.equal(await asset.text(), 'console.log(1)');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    const brotli = await app.request('/assets/main-abc.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(brotli.headers.get('content-encoding'), 'br', 'the build\'s brotli file, when the browser takes it');
    assert.equal((await app.request('/assets/main-abc.js', { headers: { 'accept-encoding': 'gzip' } })).headers.get('content-encoding'), 'gzip');
    assert.equal((await app.request('/assets/missing.js')).status, 404);
    // API paths never fall back to the page.
    const unknown = await app.request('/api/v1/nothing');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'HUB_NOT_FOUND');
    const unbuilt = createHubApp(deps, { uiDir: join(dir, 'missing') });
    assert.equal((await unbuilt.request('/')).status, 503);

    await store.environments.createJoinToken({ id: 'j', environment: 'prod', labels: { region: 'eu' }, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join('j', { agentId: 'ag', credentialHash: 'x' }, Date.now());
    let seq = 0;
    for (const event of [status('web', 'Synced', 'Healthy'), status('api', 'OutOfSync', 'Healthy'), status('db', 'OutOfSync', 'Degraded')]) await store.ledger.ingest('prod', 'ag', ++seq, Date.now(), event);
    const auth = { authorization: `Bearer ${tokens.viewer}` };
    const counts = async (q: string): Promise<unknown> => (await app.request(`/api/v1/applications/counts${q}`, { headers: auth })).json();
    assert.deepEqual(await counts(''), { total: 3, sync: { Synced: 1, OutOfSync: 2, Unknown: 0 }, health: { Healthy: 2, Progressing: 0, Degraded: 1, Suspended: 0, Missing: 0, Unknown: 0 } });
    assert.equal(((await counts('?q=d')) as { total: number }).total, 1);
    assert.equal(((await counts('?label=region%3Dus')) as { total: number }).total, 0);
    assert.equal((await app.request('/api/v1/applications/counts')).status, 401);
    // The list says at which version it was read, so a stream resumed from there misses nothing.
    const list = await app.request('/api/v1/applications', { headers: auth });
    assert.match(list.headers.get('x-trueup-version') ?? '', /^\d+$/);
  });
});
