/**
 * Who dials the link: an agent credential checked at the WebSocket upgrade. The scrypt check of
 * a credential runs once per hub process; a credential seen before costs a SHA-256 and the
 * store read that also catches a revocation. Checks wait for one of a few slots, and a dial the
 * agent gave up on while waiting (its handshake timed out) is dropped before its scrypt runs:
 * after a hub restart, 500 agents reconnecting at once converge instead of queueing ever more
 * checks behind handshakes that already ended.
 */
import { createHash } from 'node:crypto';
import type { HubStore } from '@trueup/store';
import { AGENT_CREDENTIAL_PREFIX } from './join.ts';
import { parseSecretToken, verifySecret } from './secrets.ts';

/** scrypt checks at once: the thread pool's other users (files, DNS) keep a thread. */
const SLOTS = 2;
/** Credentials remembered as verified, at most (a new hub process forgets them all). */
const REMEMBERED = 100_000;

export type Authenticated = { environment: string; agentId: string } | undefined | 'abandoned';

export class AgentAuthenticator {
  readonly #store: HubStore;
  /** Credential id → SHA-256 of its stored hash and the secret that matched it. */
  readonly #verified = new Map<string, string>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(store: HubStore) {
    this.#store = store;
  }

  /** The agent a credential belongs to; undefined when unknown, wrong or revoked; 'abandoned' when `wanted()` turned false while it waited. */
  async authenticate(header: string | undefined, wanted: () => boolean): Promise<Authenticated> {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    const parsed = token === undefined ? undefined : parseSecretToken(AGENT_CREDENTIAL_PREFIX, token);
    if (parsed === undefined) return undefined;
    const record = await this.#store.environments.credential(parsed.id);
    if (record === undefined || record.revokedAt !== undefined) return undefined;
    const fingerprint = createHash('sha256').update(record.credentialHash).update('\0').update(parsed.secret).digest('hex');
    if (this.#verified.get(parsed.id) !== fingerprint) {
      const verified = await this.#slot(async () => (wanted() ? verifySecret(parsed.secret, record.credentialHash) : 'abandoned' as const));
      if (verified !== true) return verified === 'abandoned' ? verified : undefined;
      if (this.#verified.size >= REMEMBERED) this.#verified.clear();
      this.#verified.set(parsed.id, fingerprint);
    }
    return { environment: record.environment, agentId: record.agentId };
  }

  async #slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= SLOTS) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await fn();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
