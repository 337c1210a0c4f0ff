/**
 * `GET /api/v1/stream`: Server-Sent Events over applications. Without Last-Event-ID: every
 * application as `snapshot`, then `synced`, then `upsert`/`delete` deltas. With Last-Event-ID
 * (a version): the changes after it, then `synced`, then deltas. Event ids are store versions,
 * so a client resumes exactly where it stopped, across hub restarts. Each event is checked
 * against what the caller may see, and the caller is looked up again before each batch: a
 * revoked token or an ended session ends the stream, a changed grant changes what it shows.
 * With `?ledger=true`, every ledger entry written while the stream is open (and the caller may
 * see) also comes as a `ledger` event (no id: a page that resumes reads the ledger again), so a
 * page's history needs no polling.
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { SseWake } from './sse-wake.ts';

const PAGE = 500;

export const streamSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/stream', summary: 'Server-Sent Events: snapshot, a synced marker, then deltas; resumable with Last-Event-ID. With ?ledger=true, new ledger entries too.', role: 'viewer', responses: { 200: { description: 'event stream', contentType: 'text/event-stream' } } },
];

export function streamRoutes(app: Hono, { store, auth, feed, metrics }: HubDeps): void {
  app.get('/api/v1/stream', async (c) => {
    let caller = await auth.requireCaller(c);
    const lastId = c.req.header('last-event-id');
    if (lastId !== undefined && !/^\d{1,15}$/.test(lastId)) throw HubErrors.create('HUB_REQUEST_INVALID', 'Last-Event-ID must be an id this stream sent', { field: 'Last-Event-ID' });
    const withLedger = c.req.query('ledger') === 'true';
    // Read before anything is sent: an entry written from here on is sent.
    let ledgerId = withLedger ? ((await store.ledger.list({ order: 'desc', limit: 1 })).items[0]?.id ?? 0) : 0;
    return streamSSE(c, async (stream) => {
      const wake = new SseWake();
      const unsubscribe = feed.subscribe(wake.poke);
      metrics.streamSubscribers.inc();
      stream.onAbort(wake.interrupt);
      try {
        let version: number;
        if (lastId === undefined) {
          version = await store.applications.version();
          let cursor: string | undefined;
          do {
            const page = await store.applications.list({ limit: PAGE, sort: 'name', visible: caller.permissions.visibility('get'), ...(cursor === undefined ? {} : { cursor }) });
            for (const item of page.items) await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(item) });
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined);
        } else {
          version = await sendChanges(Number(lastId));
        }
        await stream.writeSSE({ event: 'synced', id: String(version), data: JSON.stringify({ version }) });
        while (!stream.aborted && !stream.closed) {
          const changed = await wake.next();
          if (stream.aborted || stream.closed) break;
          if (!changed) {
            await stream.write(': keepalive\n\n');
            continue;
          }
          const again = await auth.caller(c);
          if (again === undefined) break;
          caller = again;
          version = await sendChanges(version);
          if (withLedger) await sendLedger();
        }
      } finally {
        unsubscribe();
        metrics.streamSubscribers.dec();
      }

      async function sendLedger(): Promise<void> {
        for (;;) {
          const page = await store.ledger.list({ cursor: String(ledgerId), limit: PAGE, visible: caller.permissions.visibility('get') });
          for (const entry of page.items) {
            await stream.writeSSE({ event: 'ledger', data: JSON.stringify(entry) });
            ledgerId = entry.id;
          }
          if (page.nextCursor === null) return;
        }
      }

      async function sendChanges(after: number): Promise<number> {
        let version = after;
        const labels = new Map<string, Record<string, string>>();
        const visible = async (environment: string, application: string): Promise<boolean> => {
          if (caller.permissions.everywhere.has('get')) return true;
          let known = labels.get(environment);
          if (known === undefined) labels.set(environment, known = await store.environments.labels(environment));
          return caller.permissions.can('get', { environment, application, labels: known });
        };
        for (;;) {
          const changes = await store.applications.changedSince(version, PAGE);
          for (const change of changes) {
            version = change.version;
            if (!(await visible(change.environment, change.name))) continue;
            await stream.writeSSE(change.deleted
              ? { event: 'delete', id: String(change.version), data: JSON.stringify({ environment: change.environment, name: change.name }) }
              : { event: 'upsert', id: String(change.version), data: JSON.stringify(change.summary) });
          }
          if (changes.length < PAGE) return version;
        }
      }
    });
  });
}
