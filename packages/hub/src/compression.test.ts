/** The hub compresses JSON for clients that accept it, says so in Vary, and never compresses a stream. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { onBothEngines } from '@trueup/store/testing';
import { compressible } from './compression.ts';
import { testApp } from './testing.ts';

test('which content types are compressed', () => {
  assert.equal(compressible('application/json'), true);
  assert.equal(compressible('application/json; charset=UTF-8'), true);
  assert.equal(compressible('text/plain; charset=utf-8'), true);
  assert.equal(compressible('text/event-stream'), false);
  assert.equal(compressible('text/event-stream; charset=utf-8'), false);
  assert.equal(compressible('application/x-ndjson; charset=utf-8'), false);
  assert.equal(compressible('image/png'), false);
});

test('the hub compresses JSON answers and never its streams', async (t) => {
  await onBothEngines(t, 'gzip JSON, plain streams', async (store) => {
    for (let i = 1; i <= 200; i++) await store.ledger.append({ environment: 'prod', at: Date.now(), kind: 'sync', application: `app-${i}`, details: { n: i } });
    const { as } = await testApp(store);

    const zipped = await as('viewer', '/api/v1/events?limit=200', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers.get('content-encoding'), 'gzip');
    assert.match(zipped.headers.get('vary') ?? '', /accept-encoding/i);
    const body = gunzipSync(Buffer.from(await zipped.arrayBuffer()));
    assert.equal((JSON.parse(body.toString('utf8')) as { items: unknown[] }).items.length, 200);

    const plain = await as('viewer', '/api/v1/events?limit=200');
    assert.equal(plain.headers.get('content-encoding'), null, 'no Accept-Encoding, no compression');
    assert.equal(((await plain.json()) as { items: unknown[] }).items.length, 200);

    const exported = await as('viewer', '/api/v1/events/export', { headers: { 'accept-encoding': 'gzip' } });
    assert.match(exported.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.equal(exported.headers.get('content-encoding'), null, 'ndjson lines are not held back by a compressor');
    assert.equal((await exported.text()).trim().split('\n').length, 200);

    const abort = new AbortController();
    const stream = await as('viewer', '/api/v1/stream?ledger=true', { headers: { 'accept-encoding': 'gzip' }, signal: abort.signal });
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(stream.headers.get('content-encoding'), null, 'events are not held back by a compressor');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /event: synced/);
    abort.abort();
    await reader.cancel().catch(() => undefined);
  });
});
