/**
 * Signals between hub replicas: "applications changed", "a command was queued for an
 * environment", "a command has its result", "a run (its jobs, their steps) changed", "a job's log grew", "a Git ref moved" (ADR 30, the one signal that carries more than ids). On PostgreSQL they travel as LISTEN/NOTIFY, so a
 * command posted to one replica reaches the agent linked to another; on SQLite (one hub) they
 * stay in the process. A signal carries ids (receivers read the store), except a moved ref, which
 * carries the ref itself (bounded; see the hub's source-moved-frames.ts).
 */
import pg from 'pg';

export const SIGNAL_CHANNELS = ['applications', 'commands', 'command_results', 'reads', 'read_results', 'runner_jobs', 'runner_job_frames', 'runs', 'run_logs', 'source_moved'] as const;
export type SignalChannel = (typeof SIGNAL_CHANNELS)[number];
type Listener = (payload: string) => void;

export interface Signals {
  publish(channel: SignalChannel, payload: string): Promise<void>;
  subscribe(channel: SignalChannel, listener: Listener): () => void;
  close(): Promise<void>;
}

class Listeners {
  readonly #map = new Map<SignalChannel, Set<Listener>>();

  add(channel: SignalChannel, listener: Listener): () => void {
    const set = this.#map.get(channel) ?? new Set();
    set.add(listener);
    this.#map.set(channel, set);
    return () => set.delete(listener);
  }

  emit(channel: SignalChannel, payload: string): void {
    for (const listener of this.#map.get(channel) ?? []) listener(payload);
  }
}

export function localSignals(): Signals {
  const listeners = new Listeners();
  return {
    async publish(channel, payload) {
      queueMicrotask(() => listeners.emit(channel, payload));
    },
    subscribe: (channel, listener) => listeners.add(channel, listener),
    async close() {},
  };
}

/**
 * One dedicated connection LISTENs; it reconnects with backoff after losing its server, and then
 * signals every channel with `*` (something may have been missed while it was away).
 */
export function postgresSignals(url: string, publishVia: (sql: string, params: string[]) => Promise<unknown>): Signals {
  const listeners = new Listeners();
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    next.on('error', () => retry(next));
    next.on('end', () => retry(next));
    next.on('notification', (message) => {
      const channel = message.channel.replace(/^trueup_/, '') as SignalChannel;
      listeners.emit(channel, message.payload ?? '');
    });
    try {
      await next.connect();
      for (const channel of SIGNAL_CHANNELS) await next.query(`LISTEN trueup_${channel}`);
      client = next;
      const reconnected = attempt > 0;
      attempt = 0;
      if (reconnected) for (const channel of SIGNAL_CHANNELS) listeners.emit(channel, '*');
    } catch {
      retry(next);
    }
  };
  const retry = (failed: pg.Client): void => {
    if (closed || timer !== undefined) return;
    if (client === failed) client = undefined;
    failed.end().catch(() => undefined);
    const delay = Math.min(10_000, 200 * 2 ** attempt++);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
  };
  const ready = connect();
  return {
    async publish(channel, payload) {
      await publishVia('SELECT pg_notify(?, ?)', [`trueup_${channel}`, payload]);
    },
    subscribe: (channel, listener) => listeners.add(channel, listener),
    async close() {
      closed = true;
      clearTimeout(timer);
      await ready;
      await client?.end().catch(() => undefined);
    },
  };
}
