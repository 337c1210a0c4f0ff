/**
 * The join token: `trueup-join.v1.` + base64url JSON of the hub's URL, the SHA-256 of the CA
 * the agent will trust (the kubeadm discovery-hash pattern) and a one-time id and secret.
 */
import { defineErrors } from '@trueup/api';

export const LinkErrors = defineErrors({
  LINK_JOIN_TOKEN_MALFORMED: { message: 'not a join token', retryable: false, httpStatus: 400 },
  LINK_CA_MISMATCH: { message: 'the hub\'s CA does not match the join token', retryable: false, httpStatus: 400 },
  LINK_JOIN_REFUSED: { message: 'the hub refused the join token', retryable: false, httpStatus: 401 },
  LINK_HUB_UNREACHABLE: { message: 'the hub cannot be reached', retryable: true, httpStatus: 503 },
});

export const JOIN_TOKEN_PREFIX = 'trueup-join.v1.';

export interface JoinToken {
  url: string;
  caSha256: string;
  id: string;
  secret: string;
}

export function encodeJoinToken(token: JoinToken): string {
  return `${JOIN_TOKEN_PREFIX}${Buffer.from(JSON.stringify(token)).toString('base64url')}`;
}

export function decodeJoinToken(text: string, source = 'join token'): JoinToken {
  const body = text.trim();
  if (!body.startsWith(JOIN_TOKEN_PREFIX)) throw LinkErrors.create('LINK_JOIN_TOKEN_MALFORMED', `not a join token: it must start with ${JOIN_TOKEN_PREFIX}`, { file: source });
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.slice(JOIN_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const t = value as Partial<JoinToken> | undefined;
  if (typeof t?.url !== 'string' || !/^https:\/\/[^/]+\/?$/.test(t.url) || typeof t.caSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.caSha256) || typeof t.id !== 'string' || typeof t.secret !== 'string') {
    throw LinkErrors.create('LINK_JOIN_TOKEN_MALFORMED', 'the join token is damaged: copy it again from `trueup hub join-token create`', { file: source });
  }
  return { url: t.url, caSha256: t.caSha256, id: t.id, secret: t.secret };
}
