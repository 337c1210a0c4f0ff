/** Bad agents on a real hub over TLS: each is closed with a clear reason and the hub serves on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINK_PATH, LinkCloseCodes } from '@trueup/api';
import { LinkClient, type LinkClientState } from '@trueup/link';
import { startTestHub } from '@trueup/testkit/hub';
import WebSocket from 'ws';
import { lastInFirstOut } from '@trueup/testkit/teardown';

type Outcome = { closed: number; reason: string } | { refused: number };

function connect(url: string, ca: string, credential: string, send: (ws: WebSocket) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(new URL(LINK_PATH, url.replace(/^https/, 'wss')), { ca, headers: { authorization: `Bearer ${credential}` } });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('open', () => send(ws));
    ws.on('close', (code, reason) => resolve({ closed: code, reason: reason.toString() }));
  });
}

test('malformed, oversized, early and unauthenticated link traffic is refused; the hub is unaffected', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client, hub } = testHub;
  const ca = hub.tls.ca;
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' });
  const decoded = JSON.parse(Buffer.from(token.slice('trueup-join.v1.'.length), 'base64url').toString()) as { id: string; secret: string };
  const { credential } = await client.post<{ credential: string }>('/api/v1/agents/join', { id: decoded.id, secret: decoded.secret });
  const hello = JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 't', digests: {} });

  assert.deepEqual(await connect(hub.url, ca, `${credential.slice(0, -4)}AAAA`, () => undefined), { refused: 401 });
  assert.deepEqual(await connect(hub.url, ca, 'tua.nobody.aaaaaaaaaaaaaaaaaaaaaaaa', () => undefined), { refused: 401 });
  assert.deepEqual(await connect(hub.url, ca, credential, (ws) => ws.send('{not json')), { closed: LinkCloseCodes.protocolError, reason: 'frame is not JSON' });
  assert.deepEqual(await connect(hub.url, ca, credential, (ws) => ws.send(JSON.stringify({ type: 'heartbeat', at: 1 }))), { closed: LinkCloseCodes.protocolError, reason: 'expected hello, got heartbeat' });
  assert.deepEqual(await connect(hub.url, ca, credential, (ws) => ws.send(JSON.stringify({ type: 'hello', protocol: 7, agentVersion: 't', digests: {} }))), { closed: LinkCloseCodes.unsupportedVersion, reason: 'agent speaks link protocol 7, hub 1' });
  const wrongShape = await connect(hub.url, ca, credential, (ws) => ws.send(JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 't', digests: { web: 'not-a-digest' } })));
  assert.equal((wrongShape as { closed: number }).closed, LinkCloseCodes.protocolError);
  assert.match((wrongShape as { reason: string }).reason, /^invalid frame at digests\.web/);
  const oversized = await connect(hub.url, ca, credential, (ws) => {
    ws.send(hello);
    ws.send('x'.repeat(5 * 1024 * 1024));
  });
  assert.equal((oversized as { closed: number }).closed, 1009, 'message too big');
  const binary = await connect(hub.url, ca, credential, (ws) => ws.send(Buffer.from([1, 2, 3])));
  assert.deepEqual(binary, { closed: LinkCloseCodes.protocolError, reason: 'binary frames are not spoken' });
  // Another CA: the client refuses the hub (the agent trusts only the pinned CA).
  const other = await startTestHub();
  defer(() => other.stop());
  assert.equal((await connect(hub.url, other.hub.tls.ca, credential, () => undefined) as { closed: number }).closed, 1006);

  assert.equal(await client.get('/healthz'), 'ok\n');
  // A well-behaved client on the same credential links fine afterwards.
  const states: LinkClientState[] = [];
  const link = new LinkClient({
    hubUrl: hub.url, ca, credential, agentVersion: 't',
    outbox: { digests: () => ({}), ensureStatus: () => undefined, pending: () => [], acked: () => undefined },
    onCommand: async () => ({ ok: true, message: '' }),
    onState: (s) => states.push(s),
  });
  link.start();
  defer(() => link.stop());
  const deadline = Date.now() + 10_000;
  while (!states.some((s) => s.state === 'streaming') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(states.some((s) => s.state === 'streaming'), JSON.stringify(states));
  const environments = await client.get<{ items: { name: string; connected: boolean }[] }>('/api/v1/environments');
  assert.deepEqual(environments.items.map((e) => [e.name, e.connected]), [['edge', true]]);
});
