/** Liveness, readiness (the database answers) and Prometheus metrics. */
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';

export const healthSpecs: RouteSpec[] = [
  { method: 'get', path: '/healthz', summary: 'The process is up.', role: 'public', responses: { 200: { description: 'ok', contentType: 'text/plain' } } },
  { method: 'get', path: '/readyz', summary: 'The hub can serve: its database answers.', role: 'public', responses: { 200: { description: 'ready', contentType: 'text/plain' }, 503: { description: 'database unreachable' } } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics.', role: 'public', responses: { 200: { description: 'metrics', contentType: 'text/plain' } } },
];

export function healthRoutes(app: Hono, { store, metrics }: HubDeps): void {
  app.get('/healthz', (c) => c.text('ok\n'));
  app.get('/readyz', async (c) => {
    try {
      await store.ping();
    } catch (error) {
      throw HubErrors.create('HUB_UNAVAILABLE', `the database does not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    return c.text('ready\n');
  });
  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
}
