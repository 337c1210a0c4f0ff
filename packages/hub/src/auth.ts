/**
 * Who calls the API: a bearer API token (`tut.ID.SECRET`) checked against its scrypt hash, with
 * the answer cached briefly so a busy client does not pay scrypt on every request.
 */
import { createHash } from 'node:crypto';
import type { HubStore } from '@trueup/store';
import { HubErrors } from './errors.ts';
import { hashSecret, parseSecretToken, randomId, randomSecret, verifySecret } from './secrets.ts';

export const API_TOKEN_PREFIX = 'tut';
export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const CACHE_MS = 60_000;

export interface Caller {
  subject: string;
  role: Role;
}

export class Auth {
  readonly #store: HubStore;
  readonly #now: () => number;
  readonly #cache = new Map<string, { caller: Caller | undefined; until: number }>();

  constructor(store: HubStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** Makes an API token; the secret is returned once and stored only hashed. */
  async createToken(name: string, role: Role): Promise<string> {
    const id = randomId();
    const secret = randomSecret();
    await this.#store.tokens.create({ id, name, role, secretHash: await hashSecret(secret), createdAt: this.#now() });
    return `${API_TOKEN_PREFIX}.${id}.${secret}`;
  }

  async authenticate(header: string | undefined): Promise<Caller | undefined> {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (token === undefined) return undefined;
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.until > this.#now()) return cached.caller;
    const caller = await this.#check(token);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { caller, until: this.#now() + CACHE_MS });
    return caller;
  }

  /**
   * Throws HUB_UNAUTHENTICATED or HUB_FORBIDDEN unless the caller has at least `role`;
   * `onDenied` runs first for a known caller without the role (to put the attempt in the ledger).
   */
  async require(header: string | undefined, role: Role, onDenied?: (caller: Caller) => Promise<void>): Promise<Caller> {
    const caller = await this.authenticate(header);
    if (caller === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED');
    if (RANK[caller.role] < RANK[role]) {
      await onDenied?.(caller);
      throw HubErrors.create('HUB_FORBIDDEN', `role ${caller.role} may not do this: ${role} is needed`);
    }
    return caller;
  }

  async #check(token: string): Promise<Caller | undefined> {
    const parsed = parseSecretToken(API_TOKEN_PREFIX, token);
    if (parsed === undefined) return undefined;
    const record = await this.#store.tokens.get(parsed.id);
    if (record === undefined || record.revokedAt !== undefined) return undefined;
    if (!(await verifySecret(parsed.secret, record.secretHash))) return undefined;
    return { subject: `token:${record.name}`, role: record.role as Role };
  }
}
