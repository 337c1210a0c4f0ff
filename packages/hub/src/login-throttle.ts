/**
 * Slows password guessing: per user and client address, the first few failures are free, then
 * each further one doubles the wait before the next attempt is even checked (1 s, 2 s, 4 s …,
 * capped at 15 minutes). A success clears the record. The count lives in the store, so replicas
 * on one database share it: spreading guesses over replicas gains nothing.
 */
import { createHash } from 'node:crypto';
import type { HubStore } from '@trueup/store';

export const FREE_FAILURES = 5;
const MAX_WAIT_MS = 15 * 60_000;
/** A failure this long after the previous one starts the count over. */
export const FORGET_MS = 60 * 60_000;

/** How long after the `failures`-th failure the next attempt must wait (pure). */
export function throttleWaitMs(failures: number): number {
  return failures <= FREE_FAILURES ? 0 : Math.min(MAX_WAIT_MS, 1000 * 2 ** (failures - FREE_FAILURES - 1));
}

export class LoginThrottle {
  readonly #store: HubStore;
  readonly #now: () => number;

  constructor(store: HubStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** How long the caller must wait before this user and address may try again (0: now). */
  async waitMs(user: string, address: string): Promise<number> {
    const record = await this.#store.loginFailures.get(key(user, address));
    if (record === undefined) return 0;
    const now = this.#now();
    if (now - record.lastAt > FORGET_MS) return 0;
    return Math.max(0, record.lastAt + throttleWaitMs(record.failures) - now);
  }

  async failed(user: string, address: string): Promise<void> {
    const now = this.#now();
    await this.#store.loginFailures.record(key(user, address), now, now - FORGET_MS);
  }

  async succeeded(user: string, address: string): Promise<void> {
    await this.#store.loginFailures.clear(key(user, address));
  }

  /** Drops records that count for nothing any more. */
  async prune(): Promise<void> {
    await this.#store.loginFailures.prune(this.#now() - FORGET_MS);
  }
}

/** The stored key: a hash, so attempted names (sometimes a password typed in the wrong box) are not kept. */
function key(user: string, address: string): string {
  return createHash('sha256').update(`${user.toLowerCase()}\n${address}`).digest('hex');
}
