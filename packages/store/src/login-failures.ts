/**
 * Failed logins, counted per key (the hub's hash of a user name and a client address) in the
 * store, so every replica on one database sees the same count. Counting is one atomic upsert: two
 * replicas failing the same key at once count two. A failure long after the previous one starts
 * the count over; a success clears it.
 */
import type { Db } from './db.ts';

export interface LoginFailureRecord {
  failures: number;
  lastAt: number;
}

export class LoginFailures {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async get(keyHash: string): Promise<LoginFailureRecord | undefined> {
    const [row] = await this.#db.all('SELECT failures, last_at FROM login_failures WHERE key_hash = ?', [keyHash]);
    return row === undefined ? undefined : { failures: Number(row.failures), lastAt: Number(row.last_at) };
  }

  /** One more failure at `now` (the first again when the previous is older than `forgetBefore`); returns the count. */
  async record(keyHash: string, now: number, forgetBefore: number): Promise<number> {
    const [row] = await this.#db.all(
      `INSERT INTO login_failures (key_hash, failures, last_at) VALUES (?, 1, ?)
       ON CONFLICT (key_hash) DO UPDATE SET failures = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.failures + 1 END, last_at = excluded.last_at
       RETURNING failures`,
      [keyHash, now, forgetBefore],
    );
    return Number(row?.failures ?? 1);
  }

  async clear(keyHash: string): Promise<void> {
    await this.#db.run('DELETE FROM login_failures WHERE key_hash = ?', [keyHash]);
  }

  /** Drops the records of failures older than `before` (they count for nothing any more). */
  async prune(before: number): Promise<void> {
    await this.#db.run('DELETE FROM login_failures WHERE last_at < ?', [before]);
  }
}
