/**
 * Slows password guessing: per user and client address, the first few failures are free, then
 * each further one doubles the wait before the next attempt is even checked (1 s, 2 s, 4 s …,
 * capped at 15 minutes). A success clears the record. Kept per replica, in memory and bounded.
 */
const FREE_FAILURES = 5;
const MAX_WAIT_MS = 15 * 60_000;
const FORGET_MS = 60 * 60_000;
const MAX_KEYS = 100_000;

interface Record {
  failures: number;
  lastAt: number;
  blockedUntil: number;
}

export class LoginThrottle {
  readonly #records = new Map<string, Record>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** How long the caller must wait before this user and address may try again (0: now). */
  waitMs(user: string, address: string): number {
    const record = this.#records.get(key(user, address));
    if (record === undefined) return 0;
    return Math.max(0, record.blockedUntil - this.#now());
  }

  failed(user: string, address: string): void {
    const now = this.#now();
    const k = key(user, address);
    const previous = this.#records.get(k);
    const failures = previous === undefined || now - previous.lastAt > FORGET_MS ? 1 : previous.failures + 1;
    const wait = failures <= FREE_FAILURES ? 0 : Math.min(MAX_WAIT_MS, 1000 * 2 ** (failures - FREE_FAILURES - 1));
    if (this.#records.size >= MAX_KEYS && previous === undefined) this.#forgetOld(now);
    this.#records.set(k, { failures, lastAt: now, blockedUntil: now + wait });
  }

  succeeded(user: string, address: string): void {
    this.#records.delete(key(user, address));
  }

  #forgetOld(now: number): void {
    for (const [k, record] of this.#records) if (now - record.lastAt > FORGET_MS || record.blockedUntil <= now) this.#records.delete(k);
    if (this.#records.size >= MAX_KEYS) this.#records.clear();
  }
}

function key(user: string, address: string): string {
  return `${user.toLowerCase()}\n${address}`;
}
