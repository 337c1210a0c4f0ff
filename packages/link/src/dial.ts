/**
 * One WebSocket dial to the hub, shared by the agent's and the runner's link clients: TLS that
 * trusts one CA, a CONNECT proxy when configured, the bearer credential, frame limits; and why a
 * connection that never opened failed, for the close that follows.
 */
import { LINK_MAX_FRAME_BYTES, LinkCloseCodes } from '@trueup/api';
import WebSocket from 'ws';
import { proxyAgent, proxyFromEnvironment } from './proxy.ts';

export interface DialOptions {
  /** The hub's base URL, https://host:port. */
  hubUrl: string;
  /** PEM of the one CA trusted for the hub. */
  ca: string;
  credential: string;
  proxy?: string | undefined;
}

export interface Dialed {
  socket: WebSocket;
  /** The code and reason to report for a close: the socket's own, or what went wrong before it opened (1006). */
  closeInfo: (code: number, reason: Buffer) => { code: number; reason: string };
}

export function dialHub(path: string, options: DialOptions): Dialed {
  const url = new URL(path, options.hubUrl.replace(/^http/, 'ws'));
  const proxy = options.proxy ?? proxyFromEnvironment(options.hubUrl);
  const socket = new WebSocket(url, {
    ca: options.ca,
    ...(proxy === undefined ? {} : { agent: proxyAgent(proxy) }),
    headers: { authorization: `Bearer ${options.credential}` },
    maxPayload: LINK_MAX_FRAME_BYTES,
    handshakeTimeout: 15_000,
    perMessageDeflate: false,
  });
  let failure = { code: 1006, reason: 'connection failed' };
  socket.on('unexpected-response', (_request, response) => {
    failure = { code: response.statusCode === 401 ? LinkCloseCodes.unauthorized : 1006, reason: `hub answered HTTP ${response.statusCode ?? 0}` };
    response.resume();
    socket.terminate();
  });
  socket.on('error', (error) => {
    failure = { code: 1006, reason: error.message };
  });
  return { socket, closeInfo: (code, reason) => (code === 1006 ? failure : { code, reason: reason.toString() }) };
}

/** Closes with 1000 and waits for the close, cutting the connection after 2 s without an answer. */
export async function closeGracefully(socket: WebSocket | undefined, reason: string): Promise<void> {
  if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.close(1000, reason);
  const timeout = setTimeout(() => socket.terminate(), 2000);
  await closed;
  clearTimeout(timeout);
}
