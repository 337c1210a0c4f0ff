/** Runner tokens (one-time, like the agents' join tokens) and runner credentials `tur.ID.SECRET`. */
import { RUNNER_CREDENTIAL_PREFIX } from '@trueup/api';
import { encodeJoinToken } from '@trueup/link';
import type { HubStore } from '@trueup/store';
import { HubErrors } from './errors.ts';
import { hashSecret, parseSecretToken, randomId, randomSecret, verifySecret } from './secrets.ts';

export async function createRunnerToken(store: HubStore, hub: { url: string; caSha256: string }, ttlMs: number, createdBy: string, now: number): Promise<{ token: string; expiresAt: number }> {
  const id = randomId();
  const secret = randomSecret();
  const expiresAt = now + ttlMs;
  await store.runners.createToken({ id, secretHash: await hashSecret(secret), createdBy, createdAt: now, expiresAt });
  return { token: encodeJoinToken({ url: hub.url, caSha256: hub.caSha256, id, secret }), expiresAt };
}

export async function exchangeRunnerToken(store: HubStore, request: { id: string; secret: string; name: string }, now: number): Promise<{ runnerId: string; credential: string }> {
  const token = await store.runners.token(request.id);
  const invalid = (): Error => HubErrors.create('HUB_JOIN_TOKEN_INVALID');
  if (token === undefined || token.usedAt !== undefined || token.expiresAt <= now) throw invalid();
  if (!(await verifySecret(request.secret, token.secretHash))) throw invalid();
  const runnerId = randomId();
  const secret = randomSecret();
  if (!(await store.runners.join(request.id, { id: runnerId, name: request.name, credentialHash: await hashSecret(secret) }, now))) throw invalid();
  await store.ledger.append({ environment: '', at: now, kind: 'runner-joined', actor: `runner-token:${request.id}`, details: { runnerId, name: request.name } });
  return { runnerId, credential: `${RUNNER_CREDENTIAL_PREFIX}.${runnerId}.${secret}` };
}

export async function authenticateRunner(store: HubStore, header: string | undefined): Promise<{ id: string; name: string } | undefined> {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  const parsed = token === undefined ? undefined : parseSecretToken(RUNNER_CREDENTIAL_PREFIX, token);
  if (parsed === undefined) return undefined;
  const record = await store.runners.get(parsed.id);
  if (record === undefined || record.revokedAt !== undefined) return undefined;
  if (!(await verifySecret(parsed.secret, record.credentialHash))) return undefined;
  return { id: record.id, name: record.name };
}
