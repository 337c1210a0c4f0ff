/**
 * An agent that stops reading: the hub's side of the link never buffers more than its bound for
 * it, and cuts the link with a clear reason instead of growing. An agent that falls silent (a
 * dead route) is cut at once when its heartbeats stop, not after a close handshake that cannot
 * come. The agent here is a raw socket that speaks just enough WebSocket to say hello.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { LINK_SILENCE_MS, LinkCloseCodes, type LinkRead } from '@trueup/api';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveLinkSession, type LinkSession } from './server.ts';

/** A client text frame (masked, as clients must send). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, mask, Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)))]);
}

async function rawAgent(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`GET /link HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await new Promise<void>((resolve) => socket.once('data', () => resolve())); // the 101 answer (and maybe more)
  socket.write(clientFrame(JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 'slow', digests: {} })));
  return socket;
}

test('a slow agent is cut at the send buffer bound, with the reason, and nothing more is buffered for it', async (t) => {
  const maxBufferedBytes = 256 * 1024;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const accepted = new Promise<{ socket: WebSocket; session: LinkSession; closed: Promise<{ code: number; reason: string }>; streaming: Promise<void> }>((resolve) => {
    server.once('connection', (socket) => {
      let closedWith: (value: { code: number; reason: string }) => void = () => undefined;
      const closed = new Promise<{ code: number; reason: string }>((r) => (closedWith = r));
      let streamingNow: () => void = () => undefined;
      const streaming = new Promise<void>((r) => (streamingNow = r));
      const session = serveLinkSession(socket, 'slow', {
        resync: async () => {
          setImmediate(streamingNow);
          return { ackedSeq: 0, want: [] };
        },
        store: async () => undefined,
        commandResult: async () => undefined,
        readResult: () => undefined,
        queued: async () => [],
        onError: () => undefined,
        onClose: (code, reason) => closedWith({ code, reason }),
      }, { maxBufferedBytes });
      resolve({ socket, session, closed, streaming });
    });
  });
  const agent = await rawAgent(port);
  t.after(() => agent.destroy());
  agent.pause(); // from here on it reads nothing
  const { socket, session, closed, streaming } = await accepted;
  await streaming;

  // The hub asks and asks (reads of a long key: ~1 KiB per frame); the agent never reads.
  const read = (i: number): LinkRead => ({ id: `r${i}`, application: 'web', object: `v1/ConfigMap/ns/${'x'.repeat(1000)}`, what: 'object' });
  let sent = 0;
  let peak = 0;
  const frameBytes = JSON.stringify({ type: 'read', read: read(0) }).length + 16;
  for (let i = 0; i < 100_000; i++) {
    if (!session.read(read(i))) break;
    sent++;
    peak = Math.max(peak, socket.bufferedAmount);
    if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the kernel take what it will
  }
  const { code, reason } = await closed;
  assert.equal(code, LinkCloseCodes.slowReader);
  assert.match(reason, /^agent does not read: over 262144 bytes wait to be sent to it$/);
  assert.ok(peak <= maxBufferedBytes + frameBytes, `buffered at most the bound and one frame: ${peak}`);
  assert.ok(sent < 100_000, 'the link was cut, not the loop');
  assert.equal(session.read(read(-1)), false, 'a cut link takes nothing more');
});

test('a silent agent is cut when its heartbeats stop, with the reason, without waiting for a close handshake', async (t) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  let skew = 0;
  let heard: () => void = () => undefined;
  const hello = new Promise<void>((resolve) => (heard = resolve));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    server.once('connection', (socket) => {
      serveLinkSession(socket, 'silent', {
        resync: async () => {
          heard();
          return { ackedSeq: 0, want: [] };
        },
        store: async () => undefined,
        commandResult: async () => undefined,
        readResult: () => undefined,
        queued: async () => [],
        onError: () => undefined,
        onClose: (code, reason) => resolve({ code, reason }),
      }, { now: () => Date.now() + skew, tickMs: 20 });
    });
  });
  const agent = await rawAgent(port);
  t.after(() => agent.destroy());
  agent.pause(); // and it never answers a close frame either
  await hello;
  skew = LINK_SILENCE_MS; // the hub's clock passes the silence limit
  assert.deepEqual(await closed, { code: LinkCloseCodes.silent, reason: 'the agent sent nothing, not even a heartbeat' });
});
