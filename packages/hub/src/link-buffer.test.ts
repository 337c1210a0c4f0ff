/**
 * `linkBufferBytes` (`trueup hub --link-buffer SIZE`): an agent that stops reading is cut once
 * that many bytes wait to be sent to it, with close code 4429 and the bound in the reason, which
 * the ledger and the environment's status then show. Out-of-range sizes stop the hub at start.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINK_PATH, LinkCloseCodes } from '@trueup/api';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import WebSocket from 'ws';
import { parseByteSize, parseLinkBuffer } from './link-options.ts';

test('sizes: units, and the range a link buffer may take', () => {
  assert.deepEqual(['65536', '512KiB', '8MiB', '1GiB', '2M', '64k'].map(parseByteSize), [65536, 524288, 8388608, 1073741824, 2097152, 65536]);
  assert.deepEqual(['', '8 MB', '1.5MiB', '-1', 'MiB', '8TiB'].map(parseByteSize), [undefined, undefined, undefined, undefined, undefined, undefined]);
  assert.equal(parseLinkBuffer('16MiB'), 16 * 1024 * 1024);
  assert.throws(() => parseLinkBuffer('8MB'), { code: 'HUB_OPTION_INVALID', message: '--link-buffer 8MB: expected a size such as 512KiB, 8MiB or 1GiB' });
  assert.throws(() => parseLinkBuffer('1KiB'), { code: 'HUB_OPTION_INVALID', message: '--link-buffer 1KiB: the link buffer must be between 64KiB and 1GiB' });
  assert.throws(() => parseLinkBuffer('2GiB'), { code: 'HUB_OPTION_INVALID', message: '--link-buffer 2GiB: the link buffer must be between 64KiB and 1GiB' });
});

test('a hub will not start with a link buffer or heartbeat out of range', async () => {
  await assert.rejects(startTestHub({ hub: { linkBufferBytes: 1000 } }), { code: 'HUB_OPTION_INVALID', message: 'linkBufferBytes 1000: the link buffer must be between 64KiB and 1GiB' });
  await assert.rejects(startTestHub({ hub: { linkHeartbeatMs: 60_000 } }), { code: 'HUB_OPTION_INVALID', message: 'linkHeartbeatMs 60000: the link heartbeat must be between 250ms and 15s' });
});

test('an agent that stops reading is cut at the configured link buffer, and its status says so', async (t) => {
  const defer = lastInFirstOut(t);
  const bound = 64 * 1024;
  const testHub = await startTestHub({ hub: { linkBufferBytes: bound } });
  defer(() => testHub.stop());
  const { hub, client } = testHub;
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' });
  const decoded = JSON.parse(Buffer.from(token.slice('trueup-join.v1.'.length), 'base64url').toString()) as { id: string; secret: string };
  const { credential } = await client.post<{ credential: string }>('/api/v1/agents/join', { id: decoded.id, secret: decoded.secret });

  const ws = new WebSocket(new URL(LINK_PATH, hub.url.replace(/^https/, 'wss')), { ca: hub.tls.ca, headers: { authorization: `Bearer ${credential}` } });
  defer(() => ws.terminate());
  ws.on('error', () => undefined);
  const welcomed = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 'slow', digests: {} })));
  await welcomed;
  ws.pause(); // from here on the agent reads nothing

  // Reads of a long key (512 KiB a frame) fill the kernel's buffers, then the hub's own.
  const disconnected = async (): Promise<Record<string, unknown> | undefined> => (await hub.store.ledger.list({ environment: 'edge', kind: 'agent-disconnected', limit: 1 })).items[0]?.details;
  let details: Record<string, unknown> | undefined;
  let sent = 0;
  for (; sent < 400 && details === undefined; sent++) {
    await hub.links.read('edge', { id: `r${sent}`, application: 'web', object: `v1/ConfigMap/ns/${'x'.repeat(512 * 1024)}`, what: 'object' }, 1);
    details = await disconnected();
  }
  for (let i = 0; i < 100 && details === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    details = await disconnected();
  }
  assert.deepEqual(details, { code: LinkCloseCodes.slowReader, reason: `agent does not read: over ${bound} bytes wait to be sent to it` });
  assert.ok(sent < 400, 'the link was cut, not the loop');
  const { items } = await client.get<{ items: { name: string; connected: boolean }[] }>('/api/v1/environments');
  assert.deepEqual(items.map((e) => [e.name, e.connected]), [['edge', false]]);
});
