/**
 * Live applications from `GET /api/v1/stream`: read with fetch (so the token goes as a header),
 * resumed from the version the list was read at, each change kept as a keyed patch (O(1)) and
 * published to the page in batches every 250 ms. Reconnects with the last event id. New ledger
 * entries come on the same stream (`?ledger=true`): pages showing history read it again when one
 * concerns them, instead of polling.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { request } from './client.ts';
import { appKey, type ApplicationSummary } from './types.ts';

export type StreamState = 'connecting' | 'live' | 'retrying';

const BATCH_MS = 250;
/** A key's latest summary, or null once deleted. */
const patches = new Map<string, ApplicationSummary | null>();
const listeners = new Set<() => void>();
/** Ledger entries seen per application key (`environment/name`), and in all. */
const ledgerByApp = new Map<string, number>();
let ledgerCount = 0;
let snapshot = { version: 0, state: 'connecting' as StreamState, patches: patches as ReadonlyMap<string, ApplicationSummary | null>, ledger: 0, ledgerByApp: ledgerByApp as ReadonlyMap<string, number> };
let pending: ReturnType<typeof setTimeout> | undefined;
let controller: AbortController | undefined;
/** Keys first heard of since the page last asked: applications the loaded list may not have. */
const added = new Set<string>();

export function subscribeLive(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function liveSnapshot(): typeof snapshot {
  return snapshot;
}

export function takeAdded(): string[] {
  const keys = [...added];
  added.clear();
  return keys;
}

function publish(state: StreamState = snapshot.state): void {
  snapshot = { version: snapshot.version + 1, state, patches, ledger: ledgerCount, ledgerByApp };
  for (const listener of listeners) listener();
}

function schedule(): void {
  pending ??= setTimeout(() => {
    pending = undefined;
    publish();
  }, BATCH_MS);
}

export function stopLive(): void {
  controller?.abort();
  controller = undefined;
  patches.clear();
  publish('connecting');
}

/**
 * Starts the stream once per sign-in; safe to call again. `from`: the version a page's own read
 * was made at (the hub's `x-trueup-version`), so the stream resumes there without asking for it.
 */
export function startLive(from?: string): void {
  if (controller !== undefined) return;
  const own = new AbortController();
  controller = own;
  void run(own.signal, from);
}

async function run(signal: AbortSignal, from: string | undefined): Promise<void> {
  let lastId = from;
  let delay = 500;
  while (!signal.aborted) {
    try {
      if (lastId === undefined) {
        const head = await request('/api/v1/applications?limit=1', { signal });
        lastId = head.headers.get('x-trueup-version') ?? undefined;
      }
      const response = await request('/api/v1/stream?ledger=true', { signal, headers: lastId === undefined ? {} : { 'last-event-id': lastId } });
      const events = (response.body ?? new ReadableStream<Uint8Array<ArrayBuffer>>()).pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array<ArrayBuffer>>).pipeThrough(new EventSourceParserStream());
      for await (const event of events) {
        if (event.id !== undefined) lastId = event.id;
        if (event.event === 'synced') {
          delay = 500;
          publish('live');
        } else if (event.event === 'upsert' || event.event === 'snapshot') {
          const summary = JSON.parse(event.data) as ApplicationSummary;
          const key = appKey(summary);
          if (!patches.has(key) || patches.get(key) === null) added.add(key);
          patches.set(key, summary);
          schedule();
        } else if (event.event === 'ledger') {
          const entry = JSON.parse(event.data) as { environment: string; application?: string };
          ledgerCount += 1;
          if (entry.application !== undefined) {
            const key = appKey({ environment: entry.environment, name: entry.application });
            ledgerByApp.set(key, (ledgerByApp.get(key) ?? 0) + 1);
          }
          schedule();
        } else if (event.event === 'delete') {
          patches.set(appKey(JSON.parse(event.data) as { environment: string; name: string }), null);
          schedule();
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      void error;
    }
    if (signal.aborted) return;
    publish('retrying');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}
