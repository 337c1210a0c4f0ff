/**
 * API tokens of the hub, stored hashed: the admin token made at first start (a global role),
 * and tokens a user makes for themselves (they act as that user, optionally until they expire).
 * Revoking one moves the access version, which every replica checks on every request.
 */
import type { Db, Row } from './db.ts';
import { optionalNumber } from './environments.ts';
import { bumpAccessVersion, parseIdentity, type StoredIdentity } from './users.ts';

export interface ApiTokenRecord {
  id: string;
  name: string;
  /** A global role (viewer, operator, admin), or `user` for a token acting as its owner. */
  role: string;
  secretHash: string;
  createdAt: number;
  revokedAt: number | undefined;
  /** The subject that owns it (`user:alice`, `oidc:…`); absent for the hub's own tokens. */
  owner?: string | undefined;
  /** Who the token acts as, for a user's token. */
  identity?: StoredIdentity | undefined;
  expiresAt?: number | undefined;
}

export type NewApiToken = Omit<ApiTokenRecord, 'revokedAt'>;

export class ApiTokens {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(token: NewApiToken): Promise<void> {
    await this.#db.run('INSERT INTO api_tokens (id, name, role, secret_hash, created_at, owner, identity, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [token.id, token.name, token.role, token.secretHash, token.createdAt, token.owner ?? null, token.identity === undefined ? null : JSON.stringify(token.identity), token.expiresAt ?? null]);
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return row === undefined ? undefined : toToken(row);
  }

  /** Tokens not revoked, of one owner or (undefined) of everyone, newest first; hashes left out. */
  async list(owner?: string): Promise<Omit<ApiTokenRecord, 'secretHash'>[]> {
    const rows = await this.#db.all(`SELECT * FROM api_tokens WHERE revoked_at IS NULL${owner === undefined ? '' : ' AND owner = ?'} ORDER BY created_at DESC, id`, owner === undefined ? [] : [owner]);
    return rows.map((row) => {
      const { secretHash, ...rest } = toToken(row);
      void secretHash;
      return rest;
    });
  }

  /** Revokes a token (of `owner` only, when given); false when there is no such live token. */
  async revoke(id: string, now: number, owner?: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const changed = await tx.run(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL${owner === undefined ? '' : ' AND owner = ?'}`, owner === undefined ? [now, id] : [now, id, owner]);
      if (changed === 1) await bumpAccessVersion(tx);
      return changed === 1;
    });
  }

  async count(): Promise<number> {
    const [row] = await this.#db.all('SELECT COUNT(*) AS n FROM api_tokens WHERE revoked_at IS NULL');
    return Number(row?.n ?? 0);
  }
}

function toToken(row: Row): ApiTokenRecord {
  const identity = row.identity === null || row.identity === undefined ? undefined : parseIdentity(String(row.identity));
  return {
    id: String(row.id), name: String(row.name), role: String(row.role), secretHash: String(row.secret_hash), createdAt: Number(row.created_at), revokedAt: optionalNumber(row.revoked_at),
    ...(row.owner === null || row.owner === undefined ? {} : { owner: String(row.owner) }),
    ...(identity === undefined ? {} : { identity }),
    ...(optionalNumber(row.expires_at) === undefined ? {} : { expiresAt: Number(row.expires_at) }),
  };
}
