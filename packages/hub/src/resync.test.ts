/** Resync on reconnect moves only what changed: the hub asks for the applications whose digest differs and drops those gone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINK_PATH, type AgentFrame, type HubFrame } from '@trueup/api';
import { startTestHub } from '@trueup/testkit/hub';
import WebSocket from 'ws';
import { lastInFirstOut } from '@trueup/testkit/teardown';

const digest = (n: number): string => n.toString(16).padStart(64, '0');

/** A raw link: sends frames, collects the hub's. */
async function open(url: string, ca: string, credential: string): Promise<{ send: (frame: AgentFrame) => void; next: (type: HubFrame['type']) => Promise<HubFrame>; close: () => void }> {
  const ws = new WebSocket(new URL(LINK_PATH, url.replace(/^https/, 'wss')), { ca, headers: { authorization: `Bearer ${credential}` } });
  const frames: HubFrame[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString()) as HubFrame);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    send: (frame) => ws.send(JSON.stringify(frame)),
    async next(type) {
      for (;;) {
        const at = frames.findIndex((f) => f.type === type);
        if (at >= 0) return frames.splice(at, 1)[0] as HubFrame;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => ws.close(),
  };
}

test('a reconnect and the periodic resync ask only for the applications that changed, and forget those gone', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client, hub } = testHub;
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' });
  const { id, secret } = JSON.parse(Buffer.from(token.slice('trueup-join.v1.'.length), 'base64url').toString()) as { id: string; secret: string };
  const { credential } = await client.post<{ credential: string }>('/api/v1/agents/join', { id, secret });
  const status = (seq: number, name: string, n: number): AgentFrame => ({ type: 'event', seq, at: Date.now(), event: { kind: 'status', application: name, digest: digest(n), status: { name, revision: `r${n}`, sync: 'Synced', health: { status: 'Healthy' } } } });

  const first = await open(hub.url, hub.tls.ca, credential);
  first.send({ type: 'hello', protocol: 1, agentVersion: 't', digests: { a: digest(1), b: digest(2) } });
  const welcome = await first.next('welcome');
  assert.deepEqual(welcome.type === 'welcome' && [welcome.ackedSeq, welcome.want], [0, ['a', 'b']]);
  first.send(status(1, 'a', 1));
  first.send(status(2, 'b', 2));
  assert.deepEqual(await first.next('ack'), { type: 'ack', seq: 1 });
  assert.deepEqual(await first.next('ack'), { type: 'ack', seq: 2 });
  first.close();

  // Back with a unchanged, b changed, c new, and a status the hub acked resent.
  const second = await open(hub.url, hub.tls.ca, credential);
  second.send({ type: 'hello', protocol: 1, agentVersion: 't', digests: { b: digest(3), c: digest(4) } });
  const again = await second.next('welcome');
  assert.deepEqual(again.type === 'welcome' && [again.ackedSeq, again.want], [2, ['b', 'c']]);
  second.send(status(2, 'b', 2));
  assert.deepEqual(await second.next('ack'), { type: 'ack', seq: 2 }, 'a resend is acknowledged, not stored');
  second.send(status(3, 'b', 3));
  second.send(status(4, 'c', 4));
  assert.deepEqual(await second.next('ack'), { type: 'ack', seq: 3 });
  assert.deepEqual(await second.next('ack'), { type: 'ack', seq: 4 });
  // The periodic resync while linked: only b differs now.
  second.send({ type: 'resync', digests: { b: digest(5), c: digest(4) } });
  assert.deepEqual(await second.next('want'), { type: 'want', want: ['b'] });
  second.close();
  const page = await client.get<{ items: { name: string; revision: string }[] }>('/api/v1/applications?environment=edge');
  assert.deepEqual(page.items.map((a) => [a.name, a.revision]), [['b', 'r3'], ['c', 'r4']]);
  const removed = await client.get<{ items: { application: string; actor: string }[] }>('/api/v1/events?kind=removed');
  assert.deepEqual(removed.items.map((e) => [e.application, e.actor]), [['a', 'resync']]);
});
