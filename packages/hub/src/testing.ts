/** The hub's API around a real store, without a socket: for in-process tests with `app.request()`. */
import type { HubStore } from '@trueup/store';
import type { Hono } from 'hono';
import { createHubApp } from './app.ts';
import { Auth } from './auth.ts';
import { ChangeFeed } from './change-feed.ts';
import type { HubDeps } from './deps.ts';
import { LinkRegistry } from './link-registry.ts';
import { HubMetrics } from './metrics.ts';

export const TEST_WEBHOOK_SECRET = 'webhook-secret-for-tests';

export interface TestApp {
  app: Hono;
  deps: HubDeps;
  tokens: { admin: string; operator: string; viewer: string };
  /** `app.request` with a role's bearer token. */
  as: (role: 'admin' | 'operator' | 'viewer' | 'nobody', path: string, init?: RequestInit) => Promise<Response>;
}

export async function testApp(store: HubStore): Promise<TestApp> {
  const now = Date.now;
  const feed = new ChangeFeed();
  const metrics = new HubMetrics();
  const auth = new Auth(store, now);
  const links = new LinkRegistry({ store, feed, metrics, now, log: () => undefined });
  const deps: HubDeps = { store, links, feed, auth, metrics, now, hub: { url: 'https://127.0.0.1:1', caPem: 'PEM', caSha256: 'a'.repeat(64) }, webhookSecret: TEST_WEBHOOK_SECRET };
  const app = createHubApp(deps);
  const tokens = { admin: await auth.createToken('admin', 'admin'), operator: await auth.createToken('ops', 'operator'), viewer: await auth.createToken('watcher', 'viewer') };
  return {
    app, deps, tokens,
    as: async (role, path, init = {}) => app.request(path, { ...init, headers: { ...(role === 'nobody' ? {} : { authorization: `Bearer ${tokens[role]}` }), ...(init.headers as Record<string, string> | undefined) } }),
  };
}

/** A message of the hub's Server-Sent Events, as `sseReader` reads it. */
export interface SseMessage {
  event: string;
  id?: string;
  data: unknown;
}

/** A reader of `body`: each call answers the next message with data (comments and data-less blocks skipped); rejects when the stream ends. */
export function sseReader(body: ReadableStream<Uint8Array>): () => Promise<SseMessage> {
  const chunks = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return async function next(): Promise<SseMessage> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
        if (fields.data === undefined) continue;
        return { event: fields.event ?? 'message', ...(fields.id === undefined ? {} : { id: fields.id }), data: JSON.parse(fields.data) };
      }
      const { value, done } = await chunks.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  };
}
