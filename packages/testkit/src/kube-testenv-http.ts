/**
 * A minimal client for the test environment's API server (node:https with the server's CA and a
 * bearer token), and the polling the launcher and the tests wait with.
 */
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { sleep } from './kube-testenv-processes.ts';

/** Where and as whom to talk to an API server. */
export interface KubeCredentials {
  /** `https://127.0.0.1:PORT` */
  server: string;
  token: string;
  /** PEM bundle the server's certificate chains to. */
  ca: string;
}

export interface KubeResponse {
  status: number;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
}

const agents = new Map<string, Agent>();

function agentFor(ca: string): Agent {
  let agent = agents.get(ca);
  if (agent === undefined) {
    // Idle keep-alive sockets are unref'd by the agent, so they do not hold the process open.
    agent = new Agent({ keepAlive: true, ca, maxSockets: 16 });
    agents.set(ca, agent);
  }
  return agent;
}

/**
 * One request to the API server. `body` is sent as JSON unless `contentType` says otherwise
 * (for example `application/apply-patch+yaml` or `application/merge-patch+json`).
 */
export function kubeRequest(
  creds: KubeCredentials,
  method: string,
  path: string,
  body?: unknown,
  options: { contentType?: string; timeoutMs?: number } = {},
): Promise<KubeResponse> {
  const url = new URL(path, creds.server);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { Authorization: `Bearer ${creds.token}`, Accept: 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, agent: agentFor(creds.ca), timeout: options.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try { parsed = JSON.parse(text); } catch { parsed = undefined; }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like kubeRequest, but a status outside 2xx rejects with the server's message. */
export async function kubeCall(creds: KubeCredentials, method: string, path: string, body?: unknown, options?: { contentType?: string }): Promise<unknown> {
  const res = await kubeRequest(creds, method, path, body, options);
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  return res.body;
}

/** Plain-HTTP GET (etcd's /health): status and body, or undefined when nothing answers. */
export function httpGet(url: string, timeoutMs = 2_000): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: timeoutMs, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Polls `check` until it returns a value other than undefined. Before each attempt `abort` may
 * return a reason to give up (a component exited); the deadline rejects with `what` and the
 * last observation.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const reason = options.abort?.();
    if (reason !== undefined) throw new Error(`${what}: ${reason}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${Math.round(options.timeoutMs / 1000)} s (${last})`);
    await sleep(options.intervalMs ?? 100);
  }
}
