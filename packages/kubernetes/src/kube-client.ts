/**
 * A small HTTPS client for the Kubernetes API: JSON requests over one keep-alive agent, error
 * answers mapped to error codes, and watch streams read line by line. Uses `node:https` (not
 * `fetch`) to keep the agent's memory small.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { KubeErrors, type KubeErrorCode } from './errors.ts';
import { ExecCredentials, type ExecCredential } from './exec-credentials.ts';
import type { ClusterCredentials } from './kubeconfig.ts';

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

/** An error answer of the API server, with its HTTP status and `reason`. */
export interface KubeStatusDetails {
  status: number;
  reason: string;
  causes: Array<{ field?: string; message?: string; reason?: string }>;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: Record<string, unknown>;
}

export interface WatchStream {
  /** Resolves when the stream ends, whatever the reason. */
  ended: Promise<void>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_TOO_MANY_REQUESTS_ATTEMPTS = 5;
const MAX_RETRY_AFTER_MS = 10_000;

/** What one request was sent with: the exec plugin's credential, to forget when refused. */
interface Sent {
  response: IncomingMessage;
  credential: ExecCredential | undefined;
}

export class KubeClient {
  readonly server: string;
  readonly #credentials: ClusterCredentials;
  readonly #agent: Agent;
  readonly #exec: ExecCredentials | undefined;
  /** The agent for the client certificate an exec plugin gave last. */
  #execAgent: { cert: string; agent: Agent } | undefined;
  readonly #host: string;
  readonly #port: number;
  #closed = false;

  constructor(credentials: ClusterCredentials) {
    this.#credentials = credentials;
    this.server = credentials.server;
    const url = new URL(credentials.server);
    if (url.protocol !== 'https:') throw KubeErrors.create('KUBE_CONFIG_INVALID', `the server must be https:// (got ${url.protocol}//)`);
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = url.port === '' ? 443 : Number(url.port);
    this.#agent = this.#newAgent(credentials.cert, credentials.key);
    this.#exec = credentials.exec === undefined ? undefined : new ExecCredentials(credentials.exec);
  }

  async request<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const { response, credential } = await this.#send(method, path, options);
      const text = await readBody(response);
      const status = response.statusCode ?? 0;
      // 401 with an exec plugin's credential: it was revoked or rotated early; ask the plugin again, once.
      if (status === 401 && credential !== undefined && !refreshed) {
        refreshed = true;
        this.#exec?.invalidate(credential);
        continue;
      }
      // 429: not processed (throttled, or the storage of a just established CRD still starting): retried after Retry-After, as client-go does.
      if (status === 429 && attempt < MAX_TOO_MANY_REQUESTS_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response)));
        continue;
      }
      if (status >= 400) throw statusError(method, path, status, text);
      return (text === '' ? {} : JSON.parse(text)) as T;
    }
  }

  /** Opens a watch (`?watch=true` is added) and calls `onEvent` per event, in order. */
  async watch(path: string, query: Record<string, string | undefined>, onEvent: (event: WatchEvent) => void): Promise<WatchStream> {
    const { response, credential } = await this.#send('GET', path, { query: { ...query, watch: 'true' }, timeoutMs: 0 });
    if ((response.statusCode ?? 0) >= 400) {
      if (response.statusCode === 401 && credential !== undefined) this.#exec?.invalidate(credential);
      throw statusError('WATCH', path, response.statusCode ?? 0, await readBody(response));
    }
    let buffered = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') onEvent(JSON.parse(line) as WatchEvent);
        newline = buffered.indexOf('\n');
      }
    });
    const ended = new Promise<void>((resolve) => {
      response.once('end', resolve);
      response.once('close', resolve);
      response.once('error', () => resolve());
    });
    return { ended, close: () => response.destroy() };
  }

  close(): void {
    this.#closed = true;
    this.#agent.destroy();
    this.#execAgent?.agent.destroy();
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Sent> {
    if (this.#closed) throw KubeErrors.create('KUBE_UNREACHABLE', `${method} ${this.server}${path}: the client is closed`);
    const credential = await this.#exec?.get();
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) search.set(name, value);
    const query = search.size === 0 ? '' : `?${search.toString()}`;
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', 'user-agent': 'trueup' };
    const token = credential?.token ?? this.#token();
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const agent = credential?.cert === undefined ? this.#agent : this.#agentFor(credential.cert, credential.key);
    if (body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const req = request({ host: this.#host, port: this.#port, method, path: `${path}${query}`, headers, agent }, (response) => resolve({ response, credential }));
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.once('error', (error) => reject(KubeErrors.create('KUBE_UNREACHABLE', `${method} ${this.server}${path}: ${error.message}`, {}, { cause: error })));
      req.end(body);
    });
  }

  #newAgent(cert: string | undefined, key: string | undefined): Agent {
    const { ca, insecureSkipTLSVerify } = this.#credentials;
    return new Agent({
      keepAlive: true,
      maxSockets: 32,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert, key }),
      rejectUnauthorized: insecureSkipTLSVerify !== true,
    });
  }

  /** An agent presenting the exec plugin's client certificate; a new one when the certificate rotates. */
  #agentFor(cert: string, key: string | undefined): Agent {
    if (this.#execAgent?.cert !== cert) {
      const previous = this.#execAgent?.agent;
      this.#execAgent = { cert, agent: this.#newAgent(cert, key) };
      // Requests in flight, watches too, get a minute on the old connections; a watch then resumes on the new.
      if (previous !== undefined) setTimeout(() => previous.destroy(), 60_000).unref();
    }
    return this.#execAgent.agent;
  }

  #token(): string | undefined {
    const file = this.#credentials.tokenFile;
    if (file === undefined) return this.#credentials.token;
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw KubeErrors.create('KUBE_CONFIG_INVALID', `cannot read token file ${file}: ${(error as Error).message}`, { file }, { cause: error });
    }
  }
}

/** The details of an error thrown by `request`, when it came from an API server answer. */
export function kubeStatusOf(error: unknown): KubeStatusDetails | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return typeof cause === 'object' && cause !== null && 'status' in cause && 'reason' in cause ? cause as KubeStatusDetails : undefined;
}

/** The wait a 429 answer asks for (`Retry-After` in seconds), 1 s when it names none, at most 10 s. */
function retryAfterMs(response: IncomingMessage): number {
  const seconds = Number(response.headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 1000;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) response.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', (error) => reject(KubeErrors.create('KUBE_UNREACHABLE', error.message, {}, { cause: error })));
  });
}

function statusError(method: string, path: string, status: number, text: string): Error {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { message: text.slice(0, 500) };
  }
  const reason = typeof parsed['reason'] === 'string' ? parsed['reason'] : '';
  const message = typeof parsed['message'] === 'string' && parsed['message'] !== '' ? parsed['message'] : `HTTP ${status}`;
  const details = typeof parsed['details'] === 'object' && parsed['details'] !== null ? parsed['details'] as Record<string, unknown> : {};
  const causes = Array.isArray(details['causes']) ? details['causes'] as KubeStatusDetails['causes'] : [];
  const cause: KubeStatusDetails = { status, reason, causes };
  return KubeErrors.create(codeFor(status, message), `${method} ${path}: ${message}`, {}, { cause });
}

function codeFor(status: number, message: string): KubeErrorCode {
  if (status === 401) return 'KUBE_UNAUTHORIZED';
  if (status === 403) return 'KUBE_FORBIDDEN';
  if (status === 404) return 'KUBE_NOT_FOUND';
  if (status === 409) return 'KUBE_CONFLICT';
  if (status === 422 && /field is immutable|is immutable/i.test(message)) return 'KUBE_IMMUTABLE_FIELD';
  if (status === 422 || status === 400) return 'KUBE_INVALID';
  return 'KUBE_REQUEST_FAILED';
}
