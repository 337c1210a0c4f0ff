/**
 * HTTPS requests of a joined runner to its hub's API: the hub's pinned CA only, the runner's
 * credential as bearer token. Bodies stream both ways; an error answer becomes an Error with
 * the hub's message.
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HubEndpoint {
  hubUrl: string;
  /** PEM of the hub's CA (pinned at join). */
  ca: string;
  /** `tur.ID.SECRET`. */
  credential: string;
}

export class HubRequestError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Sends the request; resolves with the response when its status is 2xx, else rejects with the hub's error. */
export async function hubRequest(hub: HubEndpoint, method: string, path: string, options: { body?: Readable | string; contentType?: string; signal?: AbortSignal } = {}): Promise<IncomingMessage> {
  const url = new URL(path, hub.hubUrl);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method, ca: hub.ca, ...(options.signal === undefined ? {} : { signal: options.signal }),
      headers: { authorization: `Bearer ${hub.credential}`, ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }), ...(typeof options.body === 'string' ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}) },
    }, resolve);
    req.once('error', reject);
    if (options.body === undefined) req.end();
    else if (typeof options.body === 'string') req.end(options.body);
    else pipeline(options.body, req).catch((error: unknown) => req.destroy(error instanceof Error ? error : new Error(String(error))));
  });
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return response;
  const text = await readText(response);
  let code = `HTTP_${status}`;
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { code?: string; message?: string };
    code = parsed.code ?? code;
    message = parsed.message ?? message;
  } catch {
    // Not JSON: the text is the message.
  }
  throw new HubRequestError(status, code, `the hub answered ${status} ${code}: ${message}`);
}

export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function hubJson<T>(hub: HubEndpoint, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await hubRequest(hub, method, path, { ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }), ...(signal === undefined ? {} : { signal }) });
  return JSON.parse(await readText(response)) as T;
}
