/** Runners joined to the hub, and the one-time tokens they join with; secrets stored hashed only. */
import type { Db, Row } from './db.ts';
import { optionalNumber } from './environments.ts';

export interface RunnerRecord {
  id: string;
  name: string;
  credentialHash: string;
  labels: string[];
  createdAt: number;
  revokedAt: number | undefined;
  lastSeenAt: number | undefined;
}

export class Runners {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async createToken(token: { id: string; secretHash: string; createdBy: string; createdAt: number; expiresAt: number }): Promise<void> {
    await this.#db.run('INSERT INTO runner_tokens (id, secret_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [token.id, token.secretHash, token.createdBy, token.createdAt, token.expiresAt]);
  }

  async token(id: string): Promise<{ secretHash: string; expiresAt: number; usedAt: number | undefined } | undefined> {
    const [row] = await this.#db.all('SELECT * FROM runner_tokens WHERE id = ?', [id]);
    return row === undefined ? undefined : { secretHash: String(row.secret_hash), expiresAt: Number(row.expires_at), usedAt: optionalNumber(row.used_at) };
  }

  /** Uses the token (once) and records the runner; false when it was used meanwhile. */
  async join(tokenId: string, runner: { id: string; name: string; credentialHash: string }, now: number): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.run('UPDATE runner_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL', [now, tokenId])) !== 1) return false;
      await tx.run('INSERT INTO runners (id, name, credential_hash, created_at) VALUES (?, ?, ?, ?)', [runner.id, runner.name, runner.credentialHash, now]);
      return true;
    });
  }

  async get(id: string): Promise<RunnerRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM runners WHERE id = ?', [id]);
    return row === undefined ? undefined : toRunner(row);
  }

  async list(): Promise<RunnerRecord[]> {
    return (await this.#db.all('SELECT * FROM runners ORDER BY name, id')).map(toRunner);
  }

  async seen(id: string, labels: readonly string[], now: number): Promise<void> {
    await this.#db.run('UPDATE runners SET labels = ?, last_seen_at = ? WHERE id = ?', [JSON.stringify(labels), now, id]);
  }
}

function toRunner(row: Row): RunnerRecord {
  return {
    id: String(row.id), name: String(row.name), credentialHash: String(row.credential_hash), labels: JSON.parse(String(row.labels)) as string[],
    createdAt: Number(row.created_at), revokedAt: optionalNumber(row.revoked_at), lastSeenAt: optionalNumber(row.last_seen_at),
  };
}
