/** Join tokens (admin), the agent's one-time exchange, and the CA an agent checks against its token. */
import { JoinRequestSchema, JoinResponseSchema, JoinTokenRequestSchema, JoinTokenResponseSchema } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { createJoinToken, exchangeJoinToken, parseTtl } from '../join.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseBody } from '../validate.ts';

export const joinSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/join-tokens', summary: 'Create a one-time join token for an environment (shown once).', role: 'admin', body: JoinTokenRequestSchema, responses: { 201: { description: 'the token', schema: JoinTokenResponseSchema } } },
  { method: 'post', path: '/api/v1/agents/join', summary: 'Exchange a join token, once, for an agent credential.', role: 'public', body: JoinRequestSchema, responses: { 200: { description: 'the credential', schema: JoinResponseSchema }, 401: { description: 'unknown, used or expired token' } } },
  { method: 'get', path: '/api/v1/pki/ca.pem', summary: 'The CA certificate agents pin (checked against the join token\'s SHA-256).', role: 'public', responses: { 200: { description: 'PEM', contentType: 'application/x-pem-file' } } },
];

export function joinRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, now, hub } = deps;
  app.post('/api/v1/join-tokens', async (c) => {
    const caller = await auth.require(c, 'agents');
    const request = await parseBody(JoinTokenRequestSchema, c);
    const made = await createJoinToken(store, hub, { name: request.name, labels: request.labels, ttlMs: parseTtl(request.ttl) }, now());
    await store.ledger.append({ environment: request.name, at: now(), kind: 'join-token-created', actor: caller.subject, details: { labels: request.labels, expiresAt: new Date(made.expiresAt).toISOString() } });
    return c.json({ token: made.token, environment: request.name, expiresAt: new Date(made.expiresAt).toISOString() }, 201);
  });
  app.post('/api/v1/agents/join', async (c) => c.json(await exchangeJoinToken(store, await parseBody(JoinRequestSchema, c), now())));
  app.get('/api/v1/pki/ca.pem', (c) => c.text(hub.caPem, 200, { 'content-type': 'application/x-pem-file' }));
}
