/** The SSE stream: snapshot, synced marker, live deltas, and resume from Last-Event-ID without loss. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkEvent } from '@trueup/api';
import { onBothEngines } from '@trueup/store/testing';
import { sseReader, testApp } from './testing.ts';

const status = (name: string, n: number): LinkEvent => ({ kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'), status: { name, revision: `r${n}`, sync: 'Synced', health: { status: 'Healthy' } } });

test('stream', async (t) => {
  await onBothEngines(t, 'snapshot, synced, deltas, and resume', async (store) => {
    const { as, deps } = await testApp(store);
    await store.environments.createJoinToken({ id: 'j', environment: 'prod', labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join('j', { agentId: 'ag', credentialHash: 'x' }, Date.now());
    let seq = 0;
    const report = async (event: LinkEvent): Promise<void> => {
      await store.ledger.ingest('prod', 'ag', ++seq, Date.now(), event);
      deps.feed.notify();
    };
    await report(status('web', 1));
    await report(status('api', 2));

    const first = new AbortController();
    const response = await as('viewer', '/api/v1/stream', { signal: first.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const next = sseReader(response.body ?? new ReadableStream());
    const snapshot = [await next(), await next()];
    assert.deepEqual(snapshot.map((m) => [m.event, (m.data as { name: string }).name]), [['snapshot', 'api'], ['snapshot', 'web']]);
    const synced = await next();
    assert.equal(synced.event, 'synced');
    await report(status('web', 3));
    const upsert = await next();
    assert.deepEqual([upsert.event, (upsert.data as { revision: string }).revision], ['upsert', 'r3']);
    assert.ok(Number(upsert.id) > Number(synced.id));
    first.abort();

    // While no one listens: a change and a removal. Resuming from the last id sees both, once.
    await report(status('api', 4));
    await report({ kind: 'removed', application: 'web' });
    const second = new AbortController();
    const resumed = await as('viewer', '/api/v1/stream', { signal: second.signal, headers: { 'last-event-id': upsert.id ?? '' } });
    const again = sseReader(resumed.body ?? new ReadableStream());
    const deltas = [await again(), await again(), await again()];
    assert.deepEqual(deltas.map((m) => m.event), ['upsert', 'delete', 'synced']);
    assert.deepEqual(deltas[1]?.data, { environment: 'prod', name: 'web' });
    second.abort();
    assert.equal((await as('viewer', '/api/v1/stream', { headers: { 'last-event-id': 'DROP' } })).status, 400);

    // With ?ledger=true: entries written while it is open come too, after what was there.
    const third = new AbortController();
    const withLedger = await as('viewer', '/api/v1/stream?ledger=true', { signal: third.signal, headers: { 'last-event-id': deltas[2]?.id ?? '' } });
    const ledger = sseReader(withLedger.body ?? new ReadableStream());
    assert.equal((await ledger()).event, 'synced');
    await report({ kind: 'drift', application: 'api', object: 'ConfigMap/c', source: 'watch', fields: ['data.a'] });
    const entry = await ledger();
    assert.deepEqual([entry.event, (entry.data as { kind: string; application: string }).kind, (entry.data as { application: string }).application], ['ledger', 'drift', 'api']);
    assert.equal(entry.id, undefined, 'a ledger event does not move the resume point');
    third.abort();
  });
});
