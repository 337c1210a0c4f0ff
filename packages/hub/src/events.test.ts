/** The ledger over HTTP: newest first by default, both orders, cursors both ways, and the JSON-lines export with the same filters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LedgerPageBody } from '@trueup/api';
import { onBothEngines } from '@trueup/store/testing';
import { testApp } from './testing.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

test('ledger API', async (t) => {
  await onBothEngines(t, 'pages newest first, order=asc, cursors both ways, since/until', async (store) => {
    for (let i = 1; i <= 7; i++) await store.ledger.append({ environment: i % 2 === 0 ? 'prod' : 'stage', at: T0 + i * 60_000, kind: 'sync', application: 'web', details: { n: i } });
    const { as } = await testApp(store);
    const page = async (query: string): Promise<LedgerPageBody> => {
      const response = await as('viewer', `/api/v1/events?${query}`);
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as LedgerPageBody;
    };
    const ns = (p: LedgerPageBody): number[] => p.items.map((e) => Number(e.details.n));
    const first = await page('limit=3');
    assert.deepEqual(ns(first), [7, 6, 5], 'newest first by default');
    const next = await page(`limit=3&cursor=${first.nextCursor ?? ''}`);
    assert.deepEqual(ns(next), [4, 3, 2]);
    assert.deepEqual(ns(await page(`limit=3&cursor=${next.prevCursor ?? ''}`)), [7, 6, 5]);
    assert.deepEqual(ns(await page('limit=3&order=asc')), [1, 2, 3]);
    assert.deepEqual(ns(await page(`order=asc&since=${new Date(T0 + 3 * 60_000).toISOString()}&until=${new Date(T0 + 6 * 60_000).toISOString()}`)), [3, 4, 5]);
    assert.deepEqual(ns(await page('environment=prod')), [6, 4, 2]);
    const bad = await as('viewer', '/api/v1/events?since=yesterday');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { details: { field: string } }).details.field, 'query.since');
    assert.equal((await as('viewer', '/api/v1/events?order=sideways')).status, 400);
    assert.equal((await as('nobody', '/api/v1/events')).status, 401);
  });

  await onBothEngines(t, 'export: every matching entry as JSON lines, in batches, with the page\'s filters', async (store) => {
    const total = 1234;
    for (let i = 1; i <= total; i++) await store.ledger.append({ environment: i % 4 === 0 ? 'prod' : 'stage', at: T0 + i * 1000, kind: i % 10 === 0 ? 'drift' : 'sync', application: 'web', details: { n: i } });
    const { as } = await testApp(store);
    const exported = async (query: string): Promise<number[]> => {
      const response = await as('viewer', `/api/v1/events/export?${query}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      const text = await response.text();
      assert.ok(text.endsWith('\n'));
      return text.trimEnd().split('\n').map((line) => Number((JSON.parse(line) as { details: { n: number } }).details.n));
    };
    const all = await exported('order=asc');
    assert.equal(all.length, total, 'past several batches of 500');
    assert.deepEqual(all.slice(0, 3), [1, 2, 3]);
    assert.deepEqual(all.slice(-2), [total - 1, total]);
    assert.deepEqual((await exported('')).slice(0, 2), [total, total - 1], 'newest first by default, as the pages');
    const prodDrift = await exported('order=asc&environment=prod&kind=drift');
    assert.deepEqual(prodDrift.slice(0, 3), [20, 40, 60]);
    assert.equal(prodDrift.length, Math.floor(total / 20));
    assert.deepEqual(await exported(`order=asc&since=${new Date(T0 + 1230 * 1000).toISOString()}`), [1230, 1231, 1232, 1233, 1234]);
    assert.equal((await as('viewer', '/api/v1/events/export?limit=5')).status, 400, 'an export has no pages');
    assert.equal((await as('nobody', '/api/v1/events/export')).status, 401);
  });
});
