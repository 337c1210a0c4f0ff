/**
 * Joining an agent (the kubeadm discovery pattern): a one-time token carries the hub's URL, the
 * SHA-256 of its CA and a secret. The agent fetches the CA, checks its hash against the token,
 * then — trusting only that CA — exchanges the secret once for its own credential.
 */
import { encodeJoinToken } from '@trueup/link';
import type { HubStore } from '@trueup/store';
import { HubErrors } from './errors.ts';
import { hashSecret, randomId, randomSecret, verifySecret } from './secrets.ts';

export const AGENT_CREDENTIAL_PREFIX = 'tua';

const TTL_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

export function parseTtl(ttl: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(ttl);
  const ms = match === null ? Number.NaN : Number(match[1]) * (TTL_UNITS[match[2] ?? ''] ?? Number.NaN);
  if (!(ms > 0 && ms <= 7 * 24 * 3_600_000)) throw HubErrors.create('HUB_REQUEST_INVALID', `invalid ttl "${ttl}": expected 30s, 15m or 1h, at most 168h`, {}, undefined);
  return ms;
}

export async function createJoinToken(store: HubStore, hub: { url: string; caSha256: string }, request: { name: string; labels: Record<string, string>; ttlMs: number }, now: number): Promise<{ token: string; expiresAt: number }> {
  const id = randomId();
  const secret = randomSecret();
  const expiresAt = now + request.ttlMs;
  await store.environments.createJoinToken({ id, environment: request.name, labels: request.labels, secretHash: await hashSecret(secret), createdAt: now, expiresAt });
  return { token: encodeJoinToken({ url: hub.url, caSha256: hub.caSha256, id, secret }), expiresAt };
}

/** Exchanges a join token's id and secret, once, for a new agent credential. */
export async function exchangeJoinToken(store: HubStore, request: { id: string; secret: string }, now: number): Promise<{ environment: string; credential: string }> {
  const token = await store.environments.joinToken(request.id);
  const invalid = (): Error => HubErrors.create('HUB_JOIN_TOKEN_INVALID');
  if (token === undefined || token.usedAt !== undefined || token.expiresAt <= now) throw invalid();
  if (!(await verifySecret(request.secret, token.secretHash))) throw invalid();
  const agentId = randomId();
  const secret = randomSecret();
  if (!(await store.environments.join(request.id, { agentId, credentialHash: await hashSecret(secret) }, now))) throw invalid();
  await store.ledger.append({ environment: token.environment, at: now, kind: 'agent-joined', actor: `join-token:${request.id}`, details: { agentId } });
  return { environment: token.environment, credential: `${AGENT_CREDENTIAL_PREFIX}.${agentId}.${secret}` };
}
