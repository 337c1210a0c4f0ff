/** Collects an in-process agent's events and lets a benchmark wait for the next matching one. */
import type { AgentEvent } from '@trueup/agent';

export class AgentEvents {
  readonly seen: AgentEvent[] = [];
  readonly #waiters = new Set<{ match: (event: AgentEvent) => boolean; resolve: (event: AgentEvent) => void }>();

  /** The listener to give `startAgent`. */
  readonly listener = (event: AgentEvent): void => {
    this.seen.push(event);
    for (const waiter of this.#waiters) {
      if (!waiter.match(event)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(event);
    }
  };

  /** The next event matching `match` from now on; rejects after `timeoutMs`. */
  next(match: (event: AgentEvent) => boolean, timeoutMs = 60_000): Promise<AgentEvent> {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (event: AgentEvent) => (clearTimeout(timer), resolve(event)) };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching agent event within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.#waiters.add(waiter);
    });
  }

  /** Resolves at the first matching event, past or future. */
  first(match: (event: AgentEvent) => boolean, timeoutMs?: number): Promise<AgentEvent> {
    const past = this.seen.find(match);
    return past === undefined ? this.next(match, timeoutMs) : Promise.resolve(past);
  }

  count(type: AgentEvent['type']): number {
    return this.seen.filter((e) => e.type === type).length;
  }
}
