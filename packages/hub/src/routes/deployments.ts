/** Deployments of an environment (from the ledger), and rollback to an earlier one by a person. */
import { RollbackRequestSchema } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { rollback } from '../rollback.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseBody } from '../validate.ts';

export const deploymentSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/deployments/{environment}', summary: 'Deployments of an environment, newest first: revision, run, job, who, how.', role: 'viewer', responses: { 200: { description: 'deployments' } } },
  { method: 'post', path: '/api/v1/deployments/{environment}/rollback', summary: 'Deploy an earlier revision again through the job that deployed it (the previous one, or ?to= a run or revision); recorded with who.', role: 'operator', body: RollbackRequestSchema, responses: { 201: { description: 'the rollback run' }, 409: { description: 'nothing to roll back to' } } },
];

export function deploymentRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, now } = deps;
  app.get('/api/v1/deployments/:environment', async (c) => {
    await auth.require(c, 'get', { environment: c.req.param('environment') });
    const items = await store.deployments.list(c.req.param('environment'), 100);
    return c.json({ items: items.map((d) => ({ id: d.id, at: new Date(d.at).toISOString(), actor: d.actor ?? null, application: d.application ?? null, ...d.details })) });
  });
  app.post('/api/v1/deployments/:environment/rollback', async (c) => {
    const environment = c.req.param('environment');
    // Starting a run, as a dispatch does; the rollback's deploy still passes the environment's rules.
    const caller = await auth.require(c, 'run');
    const request = await parseBody(RollbackRequestSchema, c);
    if (deps.runs === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub runs no pipelines');
    return c.json(await rollback({ store, runs: deps.runs, now }, environment, request.to, caller.subject), 201);
  });
}
