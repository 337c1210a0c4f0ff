/** `GET /api/v1/applications/counts`: how many applications are in each sync and health state, under the list's filters. */
import { ApplicationCountsSchema, ApplicationQuerySchema, HealthStatusSchema, SyncStatusSchema } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseQuery } from '../validate.ts';
import { labelFilters, projectScope } from './applications.ts';

const CountsQuerySchema = ApplicationQuerySchema.pick({ environment: true, label: true, q: true, project: true });

export const applicationCountSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/applications/counts', summary: 'Counts per sync and health state, under the same filters as the list (environment, label, q, project).', role: 'viewer', query: CountsQuerySchema, responses: { 200: { description: 'counts', schema: ApplicationCountsSchema } } },
];

export function applicationCountRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth } = deps;
  app.get('/api/v1/applications/counts', async (c) => {
    const caller = await auth.requireCaller(c);
    const query = parseQuery(CountsQuerySchema, c);
    const base = { environment: query.environment, q: query.q, labels: labelFilters(query.label), within: await projectScope(deps, query.project), limit: 1, visible: caller.permissions.visibility('get') };
    const count = async (filter: { sync?: string; health?: string }): Promise<number> => (await store.applications.list({ ...base, ...filter })).total;
    const [total, sync, health] = await Promise.all([
      count({}),
      Promise.all(SyncStatusSchema.options.map(async (s) => [s, await count({ sync: s })] as const)),
      Promise.all(HealthStatusSchema.options.map(async (h) => [h, await count({ health: h })] as const)),
    ]);
    return c.json({ total, sync: Object.fromEntries(sync), health: Object.fromEntries(health) });
  });
}
