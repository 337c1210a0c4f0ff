/**
 * People who use the hub: local users (password hashed by the hub), browser sessions (stored by
 * the SHA-256 of their secret, with an expiry), pending logins (OIDC state, the CLI's one-time
 * codes), and the access version: one counter moved by every change that can take access away
 * (a revoked token, a disabled user, a logout, a policy change). The hub compares it on every
 * request, so its caches never outlive a revocation on any replica.
 */
import type { Db, Queryable, Row } from './db.ts';
import { optionalNumber } from './environments.ts';

/** Who a session or a user's token acts as. */
export interface StoredIdentity {
  kind: 'user' | 'oidc';
  /** Stable id: `user:NAME` or `oidc:ISSUER-SUB`. */
  subject: string;
  name: string;
  groups: string[];
}

export interface UserRecord {
  name: string;
  passwordHash: string | undefined;
  groups: string[];
  createdBy: string;
  createdAt: number;
  disabledAt: number | undefined;
}

export async function bumpAccessVersion(tx: Queryable): Promise<void> {
  await tx.run("UPDATE counters SET value = value + 1 WHERE name = 'access'");
}

export async function accessVersion(db: Queryable): Promise<number> {
  const [row] = await db.all("SELECT value FROM counters WHERE name = 'access'");
  return Number(row?.value ?? 0);
}

export function parseIdentity(text: string): StoredIdentity {
  const value = JSON.parse(text) as Partial<StoredIdentity>;
  return { kind: value.kind === 'oidc' ? 'oidc' : 'user', subject: String(value.subject), name: String(value.name), groups: Array.isArray(value.groups) ? value.groups.map(String) : [] };
}

export class Users {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** False when a user of that name exists already. */
  async create(user: Omit<UserRecord, 'disabledAt'>): Promise<boolean> {
    return (await this.#db.run('INSERT INTO users (name, password_hash, groups, created_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
      [user.name, user.passwordHash ?? null, JSON.stringify(user.groups), user.createdBy, user.createdAt])) === 1;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM users WHERE name = ?', [name]);
    return row === undefined ? undefined : toUser(row);
  }

  async list(): Promise<UserRecord[]> {
    return (await this.#db.all('SELECT * FROM users ORDER BY name')).map(toUser);
  }

  /** A new password: the user's sessions end (tokens stay). False for no such user. */
  async setPassword(name: string, passwordHash: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const changed = await tx.run('UPDATE users SET password_hash = ? WHERE name = ?', [passwordHash, name]);
      await tx.run('DELETE FROM sessions WHERE subject = ?', [`user:${name}`]);
      await bumpAccessVersion(tx);
      return changed === 1;
    });
  }

  /** Disables a user: their sessions end and their tokens are revoked, on every replica at once. */
  async disable(name: string, now: number): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const changed = await tx.run('UPDATE users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL', [now, name]);
      if (changed !== 1) return false;
      await tx.run('DELETE FROM sessions WHERE subject = ?', [`user:${name}`]);
      await tx.run('UPDATE api_tokens SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL', [now, `user:${name}`]);
      await bumpAccessVersion(tx);
      return true;
    });
  }
}

export interface SessionRecord {
  subject: string;
  identity: StoredIdentity;
  createdAt: number;
  expiresAt: number;
}

export class Sessions {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(idHash: string, session: SessionRecord): Promise<void> {
    await this.#db.run('INSERT INTO sessions (id_hash, subject, identity, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [idHash, session.subject, JSON.stringify(session.identity), session.createdAt, session.expiresAt]);
  }

  /** The live session, or undefined (unknown or expired). */
  async get(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?', [idHash, now]);
    return row === undefined ? undefined : { subject: String(row.subject), identity: parseIdentity(String(row.identity)), createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
  }

  /** Ends a session; false when there was none. */
  async delete(idHash: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const deleted = (await tx.run('DELETE FROM sessions WHERE id_hash = ?', [idHash])) === 1;
      if (deleted) await bumpAccessVersion(tx);
      return deleted;
    });
  }

  /** Drops expired sessions and login requests. */
  async prune(now: number): Promise<void> {
    await this.#db.run('DELETE FROM sessions WHERE expires_at <= ?', [now]);
    await this.#db.run('DELETE FROM login_requests WHERE expires_at <= ?', [now]);
  }
}

/** Short-lived records of a login in progress (OIDC state and PKCE verifier; a CLI's one-time code), taken once. */
export class LoginRequests {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async put(idHash: string, body: Record<string, unknown>, expiresAt: number): Promise<void> {
    await this.#db.run('INSERT INTO login_requests (id_hash, body, expires_at) VALUES (?, ?, ?)', [idHash, JSON.stringify(body), expiresAt]);
  }

  /** Removes and returns the live request; undefined when unknown, taken before, or expired. */
  async take(idHash: string, now: number): Promise<Record<string, unknown> | undefined> {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.all('SELECT body, expires_at FROM login_requests WHERE id_hash = ?', [idHash]);
      if (row === undefined) return undefined;
      await tx.run('DELETE FROM login_requests WHERE id_hash = ?', [idHash]);
      return Number(row.expires_at) > now ? (JSON.parse(String(row.body)) as Record<string, unknown>) : undefined;
    });
  }
}

function toUser(row: Row): UserRecord {
  return {
    name: String(row.name), passwordHash: row.password_hash === null ? undefined : String(row.password_hash),
    groups: JSON.parse(String(row.groups)) as string[], createdBy: String(row.created_by), createdAt: Number(row.created_at), disabledAt: optionalNumber(row.disabled_at),
  };
}
