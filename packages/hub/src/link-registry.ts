/**
 * The live links of this hub: one per environment (a newer link from the same agent replaces
 * the older), their store-backed session handlers, and the delivery of commands.
 */
import { LinkCloseCodes, type CommandResult, type LinkCommand, type LinkRead, type ReadResult, type SourceMoved } from '@trueup/api';
import { serveLinkSession, type LinkSession, type LinkSessionOptions } from '@trueup/link';
import type { HubStore } from '@trueup/store';
import type WebSocket from 'ws';
import type { ChangeFeed } from './change-feed.ts';
import type { HubMetrics } from './metrics.ts';
import { randomId } from './secrets.ts';
import { decodeSourceMovedSignal, encodeSourceMovedSignal, tellLinkedFollowers } from './source-moved-frames.ts';
import { writeBehind } from './write-behind.ts';

export interface LinkRegistryDeps {
  store: HubStore;
  feed: ChangeFeed;
  metrics: HubMetrics;
  now: () => number;
  log: (message: string) => void;
  /** How often the hub polls the repositories it can read, told to agents in the welcome; absent or 0: it does not. */
  gitPollMs?: number | undefined;
  /** Bounds of each link (the send buffer for a slow reader); defaults from the link package. */
  session?: LinkSessionOptions;
}

/** How often a replica marks the environments it holds as seen; three misses and another replica shows them offline. */
export const SEEN_EVERY_MS = 30_000;

/** Whether a stored environment looks linked to some replica (it marks its agents seen every SEEN_EVERY_MS). */
export function isLinkedElsewhere(e: { connected: boolean; revokedAt: number | undefined; lastSeenAt: number | undefined }, now: number): boolean {
  return e.connected && e.revokedAt === undefined && e.lastSeenAt !== undefined && now - e.lastSeenAt < 3 * SEEN_EVERY_MS;
}

export class LinkRegistry {
  readonly #deps: LinkRegistryDeps;
  readonly #sessions = new Map<string, LinkSession>();
  readonly #waiters = new Map<string, Set<(result: CommandResult) => void>>();
  /** Reads asked at this replica, waiting for the agent's answer, by read id. */
  readonly #readWaiters = new Map<string, (result: ReadResult) => void>();
  /** This replica, to tell its own command signals from others'. */
  readonly #replica = randomId();
  readonly #unsubscribe: (() => void)[];
  readonly #seen: NodeJS.Timeout;

  readonly #sessionOptions: LinkSessionOptions;
  /**
   * Command results from every link, stored together: those that arrive in one turn of the event
   * loop, or while the previous batch is written, share one transaction. Each link acknowledges
   * (and goes on with) its result only once stored.
   */
  readonly #finish: (result: { id: string; environment: string; result: CommandResult }) => Promise<boolean>;

  constructor(deps: LinkRegistryDeps) {
    this.#deps = deps;
    this.#finish = writeBehind(async (results) => {
      const changed = await deps.store.commands.finishMany(results, deps.now());
      if (changed.includes(true)) deps.feed.notify();
      return changed;
    });
    this.#sessionOptions = deps.session ?? {};
    const { signals } = deps.store;
    this.#unsubscribe = [
      signals.subscribe('commands', (payload) => this.#onCommandSignal(payload)),
      signals.subscribe('command_results', (payload) => this.#onResultSignal(payload)),
      signals.subscribe('reads', (payload) => this.#onReadSignal(payload)),
      signals.subscribe('read_results', (payload) => this.#onReadResultSignal(payload)),
      signals.subscribe('source_moved', (payload) => this.#onSourceMovedSignal(payload)),
    ];
    this.#seen = setInterval(() => {
      deps.store.environments.seen([...this.#sessions.keys()], deps.now()).catch((error: unknown) => deps.log(`marking agents seen: ${String(error)}`));
    }, SEEN_EVERY_MS);
    this.#seen.unref();
  }

  connected(environment: string): boolean {
    return this.#sessions.has(environment);
  }

  /** Linked to this replica, or to another one that marked it seen lately. */
  async reachable(environment: string): Promise<boolean> {
    if (this.#sessions.has(environment)) return true;
    const record = await this.#deps.store.environments.get(environment);
    return record !== undefined && isLinkedElsewhere(record, this.#deps.now());
  }

  get size(): number {
    return this.#sessions.size;
  }

  accept(socket: WebSocket, agent: { environment: string; agentId: string }): void {
    const { store, feed, metrics, now, log } = this.#deps;
    const { environment, agentId } = agent;
    this.#sessions.get(environment)?.close(LinkCloseCodes.replaced, 'a newer link from this environment replaced this one');
    const session = serveLinkSession(socket, environment, {
      resync: async (digests) => {
        const held = await store.applications.digests(environment);
        const want = Object.keys(digests).filter((name) => held[name] !== digests[name]).sort();
        const gone = Object.keys(held).filter((name) => !(name in digests));
        if (gone.length > 0) {
          await store.ledger.forget(environment, gone, now());
          feed.notify();
        }
        return { ackedSeq: await store.environments.ackedSeq(environment), want };
      },
      store: async (seq, at, event) => {
        const added = await store.ledger.ingest(environment, agentId, seq, at, event);
        metrics.linkEvents.inc({ kind: event.kind, result: added ? 'new' : 'duplicate' });
        // Every new entry wakes the streams: applications for a status, the ledger for the rest.
        if (added) {
          feed.notify();
          await store.signals.publish('applications', environment);
        }
      },
      agentInfo: ({ version, kinds, accepts }) => store.environments.setAgentInfo(environment, version, kinds, accepts),
      commandResult: async (id, result) => {
        await this.#finish({ id, environment, result });
        for (const resolve of this.#waiters.get(id) ?? []) resolve(result);
        this.#waiters.delete(id);
        await store.signals.publish('command_results', id);
      },
      readResult: (id, result) => {
        void (async () => {
          if (!(await store.reads.finish(id, environment, result, now()))) return;
          const waiter = this.#readWaiters.get(id);
          if (waiter !== undefined) waiter(result);
          else await store.signals.publish('read_results', id);
        })().catch((error: unknown) => log(`link ${environment}: storing a read's answer: ${String(error)}`));
      },
      queued: async () => {
        const open = await store.commands.open(environment);
        for (const command of open) await store.commands.delivered(command.id, now());
        return open;
      },
      onError: (error) => log(`link ${environment}: ${error instanceof Error ? error.message : String(error)}`),
      onClose: (code, reason) => {
        metrics.linkClosed.inc({ code: String(code) });
        if (code === LinkCloseCodes.slowReader) log(`link ${environment}: ${reason}`);
        if (this.#sessions.get(environment) !== session) return;
        this.#sessions.delete(environment);
        metrics.agentsConnected.set(this.#sessions.size);
        void this.#recordConnection(environment, false, code, reason);
      },
    }, { ...this.#sessionOptions, gitPollMs: this.#deps.gitPollMs });
    this.#sessions.set(environment, session);
    metrics.agentsConnected.set(this.#sessions.size);
    void this.#recordConnection(environment, true);
  }

  /**
   * Sends a persisted command if the agent is linked to this replica; otherwise signals the
   * other replicas (one of them may hold the link), and it waits in the store until delivered.
   */
  async deliver(environment: string, command: LinkCommand): Promise<boolean> {
    const sent = this.#sessions.get(environment)?.command(command) ?? false;
    if (sent) await this.#deps.store.commands.delivered(command.id, this.#deps.now());
    else await this.#deps.store.signals.publish('commands', JSON.stringify({ environment, origin: this.#replica }));
    return sent;
  }

  /**
   * `deliver` for many persisted commands at once (a push fanned out): each is sent on its
   * link at once; then one write marks the sent ones delivered, and the other replicas are
   * signalled once per environment not linked here.
   */
  async deliverMany(commands: readonly { environment: string; command: LinkCommand }[]): Promise<number> {
    const sent: string[] = [];
    const elsewhere = new Set<string>();
    const byEnvironment = new Map<string, LinkCommand[]>();
    for (const { environment, command } of commands) {
      const batch = byEnvironment.get(environment);
      if (batch === undefined) byEnvironment.set(environment, [command]);
      else batch.push(command);
    }
    // One write per link: an agent's commands of this push leave together.
    for (const [environment, batch] of byEnvironment) {
      if (this.#sessions.get(environment)?.commands(batch) === true) sent.push(...batch.map((command) => command.id));
      else elsewhere.add(environment);
    }
    await this.#deps.store.commands.deliveredMany(sent, this.#deps.now());
    for (const environment of elsewhere) await this.#deps.store.signals.publish('commands', JSON.stringify({ environment, origin: this.#replica }));
    return sent.length;
  }

  /** Whether the agent linked to this replica announced it understands source-moved (ADR 30). */
  acceptsSourceMoved(environment: string): boolean {
    return this.#sessions.get(environment)?.accepts('source-moved') === true;
  }

  /** Sends one source-moved frame on each of these environments' links here that accept it; the environments told. */
  sourceMoved(environments: Iterable<string>, source: SourceMoved): string[] {
    const told: string[] = [];
    for (const environment of environments) if (this.#sessions.get(environment)?.sourceMoved(source) === true) told.push(environment);
    return told;
  }

  /**
   * Tells the other replicas a ref moved, so each sends the frame on its own links (ADR 30).
   * False when the signal would not fit in a NOTIFY, or could not be sent: the caller gives
   * commands instead.
   */
  async publishSourceMoved(sources: readonly SourceMoved[], skipAt?: string): Promise<boolean> {
    const payload = encodeSourceMovedSignal({ origin: this.#replica, sources: [...sources], ...(skipAt === undefined ? {} : { skipAt }) });
    if (payload === undefined) return false;
    try {
      await this.#deps.store.signals.publish('source_moved', payload);
      return true;
    } catch (error) {
      this.#deps.log(`signalling a moved ref: ${String(error)}`);
      return false;
    }
  }

  /** A missed one (`*` after the listener reconnected) is not replayed: an agent whose link went down with it catches up at its welcome. */
  #onSourceMovedSignal(payload: string): void {
    const signal = decodeSourceMovedSignal(payload);
    if (signal === undefined || signal.origin === this.#replica || this.#sessions.size === 0) return;
    void tellLinkedFollowers(this.#deps.store, this, signal.sources, signal.skipAt).catch((error: unknown) => this.#deps.log(`relaying a moved ref: ${String(error)}`));
  }

  #onCommandSignal(payload: string): void {
    let environments: string[];
    if (payload === '*') environments = [...this.#sessions.keys()];
    else {
      const signal = JSON.parse(payload) as { environment: string; origin: string };
      environments = signal.origin === this.#replica ? [] : [signal.environment];
    }
    for (const environment of environments.filter((e) => this.#sessions.has(e))) {
      void this.#sendUndelivered(environment).catch((error: unknown) => this.#deps.log(`delivering commands to ${environment}: ${String(error)}`));
    }
  }

  async #sendUndelivered(environment: string): Promise<void> {
    const { store, now } = this.#deps;
    const open = await store.commands.open(environment, { undelivered: true });
    if (open.length === 0 || this.#sessions.get(environment)?.commands(open) !== true) return;
    await store.commands.deliveredMany(open.map((command) => command.id), now());
  }

  /**
   * Asks the agent to read one object; resolves with its answer, or undefined after `timeoutMs`.
   * Like a command, a read for an agent linked to another replica goes there through the store
   * and a signal; unlike one, it is not kept for an agent that is away.
   */
  async read(environment: string, read: LinkRead, timeoutMs: number): Promise<ReadResult | undefined> {
    const { store, now } = this.#deps;
    await store.reads.create(read, environment, now());
    const answer = new Promise<ReadResult | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (result: ReadResult | undefined): void => {
        clearTimeout(timer);
        this.#readWaiters.delete(read.id);
        resolve(result);
      };
      this.#readWaiters.set(read.id, done);
    });
    if (this.#sessions.get(environment)?.read(read) !== true) await store.signals.publish('reads', JSON.stringify({ environment, id: read.id, origin: this.#replica }));
    return answer;
  }

  #onReadSignal(payload: string): void {
    if (payload === '*') return; // reads are short-lived: one missed while the listener was away times out
    const signal = JSON.parse(payload) as { environment: string; id: string; origin: string };
    const session = this.#sessions.get(signal.environment);
    if (signal.origin === this.#replica || session === undefined) return;
    void this.#deps.store.reads.open(signal.id, signal.environment).then((read) => {
      if (read !== undefined) session.read(read);
    }).catch((error: unknown) => this.#deps.log(`relaying a read to ${signal.environment}: ${String(error)}`));
  }

  #onReadResultSignal(payload: string): void {
    const ids = payload === '*' ? [...this.#readWaiters.keys()] : [payload].filter((id) => this.#readWaiters.has(id));
    for (const id of ids) {
      void this.#deps.store.reads.result(id).then((result) => {
        if (result !== undefined) this.#readWaiters.get(id)?.(result);
      }).catch((error: unknown) => this.#deps.log(`reading a read's answer: ${String(error)}`));
    }
  }

  #onResultSignal(payload: string): void {
    const ids = payload === '*' ? [...this.#waiters.keys()] : [payload].filter((id) => this.#waiters.has(id));
    for (const id of ids) {
      void this.#deps.store.commands.get(id).then((command) => {
        if (command?.result === undefined) return;
        for (const resolve of this.#waiters.get(id) ?? []) resolve(command.result);
        this.#waiters.delete(id);
      });
    }
  }

  /** Resolves with the command's result, or undefined after `timeoutMs`. */
  waitForResult(id: string, timeoutMs: number): Promise<CommandResult | undefined> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      const done = (result: CommandResult | undefined): void => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve(result);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      waiters.add(done);
      this.#waiters.set(id, waiters);
    });
  }

  disconnect(environment: string, code: number, reason: string): void {
    this.#sessions.get(environment)?.close(code, reason);
  }

  closeAll(): void {
    clearInterval(this.#seen);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const session of this.#sessions.values()) session.close(1001, 'hub stopping');
  }

  async #recordConnection(environment: string, connected: boolean, code?: number, reason?: string): Promise<void> {
    const { store, now, log } = this.#deps;
    try {
      await store.environments.setConnected(environment, connected, now());
      const details = { ...(code === undefined ? {} : { code }), ...(reason === undefined || reason === '' ? {} : { reason: reason.slice(0, 200) }) };
      await store.ledger.append({ environment, at: now(), kind: connected ? 'agent-connected' : 'agent-disconnected', details });
    } catch (error) {
      log(`link ${environment}: recording the connection failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
