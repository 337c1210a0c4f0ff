/** A small HTTPS client of the hub's API for the CLI and tests: a bearer token and, optionally, the one CA to trust. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { isTrueupError } from '@trueup/api';
import { HubErrors, type HubErrorCode } from './errors.ts';

export interface HubClientOptions {
  url: string;
  token?: string | undefined;
  /** PEM of the CA to trust instead of the system's. */
  ca?: string | undefined;
  /** Sent with every request (a session cookie and its request header, for a login). */
  headers?: Record<string, string> | undefined;
}

export class HubApiError extends Error {
  override readonly name = 'HubApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class HubClient {
  readonly #options: HubClientOptions;

  constructor(options: HubClientOptions) {
    this.#options = options;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('POST', path, body)).body;
  }

  /**
   * Reads a Server-Sent Events stream, calling `onEvent` with each event's name, data and id, until
   * the hub ends it (or `signal` aborts). Rejects with HubApiError for an error answer. `lastEventId`
   * resumes a stream whose events carry ids after the one given.
   */
  stream(path: string, onEvent: (event: string, data: string, id: string | undefined) => void, signal?: AbortSignal, lastEventId?: string): Promise<void> {
    const url = new URL(path, this.#options.url);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'GET',
        ...(this.#options.ca === undefined ? {} : { ca: this.#options.ca }),
        headers: { accept: 'text/event-stream', ...(this.#options.token === undefined ? {} : { authorization: `Bearer ${this.#options.token}` }), ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
        ...(signal === undefined ? {} : { signal }),
      }, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let error: { code?: string; message?: string } | undefined;
            try {
              error = JSON.parse(text) as { code?: string; message?: string };
            } catch {
              error = undefined;
            }
            reject(new HubApiError(status, error?.code ?? `HTTP_${status}`, error?.message ?? text.slice(0, 200)));
          });
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let id: string | undefined;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('id:')) id = line.slice(3).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (data.length > 0) onEvent(event, data.join('\n'), id);
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      req.on('error', (error) => (signal?.aborted === true ? resolve() : reject(HubErrors.create('HUB_UNAVAILABLE' satisfies HubErrorCode, `the hub at ${url.origin} cannot be reached: ${error.message}`, {}, { cause: error }))));
      req.end();
    });
  }

  /** A GET whose body is streamed to the caller (an artifact): resolves with the response for 2xx. */
  async download(path: string): Promise<IncomingMessage> {
    const url = new URL(path, this.#options.url);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { method: 'GET', ...(this.#options.ca === undefined ? {} : { ca: this.#options.ca }), headers: this.#options.token === undefined ? {} : { authorization: `Bearer ${this.#options.token}` } }, resolve);
      req.on('error', (error) => reject(HubErrors.create('HUB_UNAVAILABLE' satisfies HubErrorCode, `the hub at ${url.origin} cannot be reached: ${error.message}`, {}, { cause: error })));
      req.end();
    });
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let error: { code?: string; message?: string } | undefined;
    try {
      error = JSON.parse(text) as { code?: string; message?: string };
    } catch {
      error = undefined;
    }
    throw new HubApiError(status, error?.code ?? `HTTP_${status}`, error?.message ?? text.slice(0, 200));
  }

  /** Resolves for 2xx; rejects with HubApiError carrying the hub's `{code, message}` otherwise. */
  request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: IncomingHttpHeaders }> {
    const url = new URL(path, this.#options.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        ...(this.#options.ca === undefined ? {} : { ca: this.#options.ca }),
        headers: {
          accept: 'application/json',
          ...this.#options.headers,
          ...(this.#options.token === undefined ? {} : { authorization: `Bearer ${this.#options.token}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        timeout: 120_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: passed on as text
          }
          if (status >= 200 && status < 300) return resolve({ status, body: parsed as T, headers: res.headers });
          const error = parsed as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
          reject(new HubApiError(status, error?.code ?? `HTTP_${status}`, error?.message ?? text.slice(0, 200), error?.details));
        });
      });
      req.on('timeout', () => req.destroy(new Error('the hub did not answer within 120 s')));
      req.on('error', (error) => reject(isTrueupError(error) ? error : HubErrors.create('HUB_UNAVAILABLE' satisfies HubErrorCode, `the hub at ${url.origin} cannot be reached: ${error.message}`, {}, { cause: error })));
      req.end(payload);
    });
  }
}
