/** The ledger and single commands. */
import { CommandSchema, LedgerPageSchema, LedgerQuerySchema } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseQuery } from '../validate.ts';

export const eventSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/events', summary: 'The ledger: what happened in every environment, oldest first, cursor-paged.', role: 'viewer', query: LedgerQuerySchema, responses: { 200: { description: 'one page', schema: LedgerPageSchema } } },
  { method: 'get', path: '/api/v1/commands/{id}', summary: 'A command and, once the agent answered, its result.', role: 'viewer', responses: { 200: { description: 'the command', schema: CommandSchema }, 404: { description: 'unknown' } } },
];

export function eventRoutes(app: Hono, { store, auth }: HubDeps): void {
  app.get('/api/v1/events', async (c) => {
    const caller = await auth.requireCaller(c);
    return c.json(await store.ledger.list({ ...parseQuery(LedgerQuerySchema, c), visible: caller.permissions.visibility('get') }));
  });
  app.get('/api/v1/commands/:id', async (c) => {
    const caller = await auth.requireCaller(c);
    const found = await store.commands.get(c.req.param('id'));
    if (found === undefined || !(await auth.canSee(caller, found.environment, found.application))) throw HubErrors.create('HUB_NOT_FOUND', `no command "${c.req.param('id')}"`);
    return c.json(found);
  });
}
