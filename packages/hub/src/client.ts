/** A small HTTPS client of the hub's API for the CLI and tests: a bearer token and, optionally, the one CA to trust. */
import { request } from 'node:https';
import { isTrueupError } from '@trueup/api';
import { HubErrors, type HubErrorCode } from './errors.ts';

export interface HubClientOptions {
  url: string;
  token?: string | undefined;
  /** PEM of the CA to trust instead of the system's. */
  ca?: string | undefined;
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

  /** Resolves for 2xx; rejects with HubApiError carrying the hub's `{code, message}` otherwise. */
  request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const url = new URL(path, this.#options.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        ...(this.#options.ca === undefined ? {} : { ca: this.#options.ca }),
        headers: {
          accept: 'application/json',
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
          if (status >= 200 && status < 300) return resolve({ status, body: parsed as T });
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
