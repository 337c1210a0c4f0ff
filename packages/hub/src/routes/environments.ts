/** Environments (one per joined agent) and revoking an agent's credential. */
import { EnvironmentListSchema, LinkCloseCodes } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { isLinkedElsewhere } from '../link-registry.ts';
import type { RouteSpec } from '../route-spec.ts';

export const environmentSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/environments', summary: 'Every environment, with its agent\'s liveness and how many times it reconnected.', role: 'viewer', responses: { 200: { description: 'environments', schema: EnvironmentListSchema } } },
  { method: 'post', path: '/api/v1/environments/{environment}/revoke', summary: 'Revoke the environment\'s agent credential and close its link.', role: 'admin', responses: { 204: { description: 'revoked' }, 404: { description: 'no such environment' } } },
];

export function environmentRoutes(app: Hono, { store, auth, links, now }: HubDeps): void {
  app.get('/api/v1/environments', async (c) => {
    const caller = await auth.requireCaller(c);
    const environments = await store.environments.list(caller.permissions.visibility('get'));
    const items = await Promise.all(environments.map(async (e) => ({
      name: e.name,
      labels: e.labels,
      // Linked here, or to another replica that marked it seen lately.
      connected: links.connected(e.name) || isLinkedElsewhere(e, now()),
      revoked: e.revokedAt !== undefined,
      ...(e.lastSeenAt === undefined ? {} : { lastSeenAt: new Date(e.lastSeenAt).toISOString() }),
      ...(e.agentVersion === undefined ? {} : { agentVersion: e.agentVersion }),
      applications: e.applications,
      queuedCommands: (await store.commands.open(e.name)).length,
      reconnects: Math.max(0, e.connections - 1),
    })));
    return c.json({ items });
  });
  app.post('/api/v1/environments/:environment/revoke', async (c) => {
    const caller = await auth.require(c, 'agents');
    const environment = c.req.param('environment');
    if (!(await store.environments.revoke(environment, now()))) throw HubErrors.create('HUB_NOT_FOUND', `no environment "${environment}"`);
    links.disconnect(environment, LinkCloseCodes.unauthorized, 'the agent\'s credential was revoked');
    await store.ledger.append({ environment, at: now(), kind: 'agent-revoked', actor: caller.subject, details: {} });
    return c.body(null, 204);
  });
}
