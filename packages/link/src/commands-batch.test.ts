/**
 * A batch of commands for one agent leaves the hub in one write to the connection: the agent's
 * WebSocket still reads each as its own frame, whole and in order, short and long alike, and a
 * frame sent after the batch through ws arrives after it.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { LinkCommand } from '@trueup/api';
import { WebSocket, WebSocketServer } from 'ws';
import { serveLinkSession, type LinkSession } from './server.ts';

test('commands sent together arrive as separate frames, whole and in order, before what is sent next', async (t) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  let streaming: () => void = () => undefined;
  const linked = new Promise<void>((resolve) => (streaming = resolve));
  const accepted = new Promise<LinkSession>((resolve) => {
    server.once('connection', (socket) => {
      resolve(serveLinkSession(socket, 'prod', {
        resync: async () => {
          setImmediate(streaming);
          return { ackedSeq: 0, want: [] };
        },
        store: async () => undefined,
        commandResult: async () => undefined,
        readResult: () => undefined,
        queued: async () => [],
        onError: () => undefined,
        onClose: () => undefined,
      }));
    });
  });
  const agent = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  t.after(() => agent.terminate());
  const frames: { type: string; command?: LinkCommand; read?: { id: string } }[] = [];
  agent.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as (typeof frames)[number]));
  await new Promise((resolve) => agent.once('open', resolve));
  agent.send(JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 'test', digests: {} }));
  const session = await accepted;
  await linked;

  // Lengths that take each of the frame's three length forms: under 126 bytes, under 64 KiB, and
  // (an object key of 1 KiB on each of 70 commands) a batch far past 64 KiB in one write.
  const commands: LinkCommand[] = [
    { id: 'c1', verb: 'refresh', application: 'web' },
    { id: 'c2', verb: 'sync', application: 'a'.repeat(253), prune: true },
    ...Array.from({ length: 70 }, (_, i): LinkCommand => ({ id: `p${i}`, verb: 'pause', application: 'web', object: `v1/ConfigMap/ns/${'x'.repeat(1000)}${i}` })),
  ];
  assert.equal(session.commands(commands), true);
  assert.equal(session.read({ id: 'r1', application: 'web', object: 'v1/ConfigMap/ns/web', what: 'object' }), true);
  const deadline = Date.now() + 10_000;
  while (frames.filter((f) => f.type !== 'welcome').length < commands.length + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const after = frames.filter((f) => f.type !== 'welcome');
  assert.deepEqual(after.slice(0, commands.length).map((f) => f.command), commands);
  assert.deepEqual(after.slice(commands.length).map((f) => [f.type, f.read?.id]), [['read', 'r1']]);
});
