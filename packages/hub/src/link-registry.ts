/**
 * The live links of this hub: one per environment (a newer link from the same agent replaces
 * the older), their store-backed session handlers, and the delivery of commands.
 */
import { LinkCloseCodes, type CommandResult, type LinkCommand } from '@trueup/api';
import { serveLinkSession, type LinkSession } from '@trueup/link';
import type { HubStore } from '@trueup/store';
import type WebSocket from 'ws';
import type { ChangeFeed } from './change-feed.ts';
import type { HubMetrics } from './metrics.ts';

export interface LinkRegistryDeps {
  store: HubStore;
  feed: ChangeFeed;
  metrics: HubMetrics;
  now: () => number;
  log: (message: string) => void;
}

export class LinkRegistry {
  readonly #deps: LinkRegistryDeps;
  readonly #sessions = new Map<string, LinkSession>();
  readonly #waiters = new Map<string, Set<(result: CommandResult) => void>>();

  constructor(deps: LinkRegistryDeps) {
    this.#deps = deps;
  }

  connected(environment: string): boolean {
    return this.#sessions.has(environment);
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
        if (added && (event.kind === 'status' || event.kind === 'removed')) feed.notify();
      },
      commandResult: async (id, result) => {
        await store.commands.finish(id, environment, result, now());
        for (const resolve of this.#waiters.get(id) ?? []) resolve(result);
        this.#waiters.delete(id);
      },
      queued: async () => {
        const open = await store.commands.open(environment);
        for (const command of open) await store.commands.delivered(command.id, now());
        return open;
      },
      onError: (error) => log(`link ${environment}: ${error instanceof Error ? error.message : String(error)}`),
      onClose: (code) => {
        metrics.linkClosed.inc({ code: String(code) });
        if (this.#sessions.get(environment) !== session) return;
        this.#sessions.delete(environment);
        metrics.agentsConnected.set(this.#sessions.size);
        void this.#recordConnection(environment, false, code);
      },
    });
    this.#sessions.set(environment, session);
    metrics.agentsConnected.set(this.#sessions.size);
    void this.#recordConnection(environment, true);
  }

  /** Sends a persisted command if the agent is connected; otherwise it waits in the store. */
  async deliver(environment: string, command: LinkCommand): Promise<boolean> {
    const sent = this.#sessions.get(environment)?.command(command) ?? false;
    if (sent) await this.#deps.store.commands.delivered(command.id, this.#deps.now());
    return sent;
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
    for (const session of this.#sessions.values()) session.close(1001, 'hub stopping');
  }

  async #recordConnection(environment: string, connected: boolean, code?: number): Promise<void> {
    const { store, now, log } = this.#deps;
    try {
      await store.environments.setConnected(environment, connected, now());
      await store.ledger.append({ environment, at: now(), kind: connected ? 'agent-connected' : 'agent-disconnected', details: code === undefined ? {} : { code } });
    } catch (error) {
      log(`link ${environment}: recording the connection failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
