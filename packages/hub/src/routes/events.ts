/** The ledger (a page, or all of it as JSON lines) and single commands. */
import { CommandSchema, LedgerFilterSchema, LedgerPageSchema, LedgerQuerySchema, type LedgerFilterParams } from '@trueup/api';
import type { LedgerFilter } from '@trueup/store';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseQuery } from '../validate.ts';

export const eventSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/events', summary: 'The ledger: what happened in every environment, newest first (order=asc: oldest first), cursor-paged both ways.', role: 'viewer', query: LedgerQuerySchema, responses: { 200: { description: 'one page', schema: LedgerPageSchema } } },
  { method: 'get', path: '/api/v1/events/export', summary: 'The ledger entries matching the filters as JSON lines (application/x-ndjson), one LedgerEntry per line, streamed as the client reads.', role: 'viewer', query: LedgerFilterSchema, responses: { 200: { description: 'one LedgerEntry per line' } } },
  { method: 'get', path: '/api/v1/commands/{id}', summary: 'A command and, once the agent answered, its result.', role: 'viewer', responses: { 200: { description: 'the command', schema: CommandSchema }, 404: { description: 'unknown' } } },
];

/** Rows read from the store per batch of the export: at most this many are held at once. */
const EXPORT_BATCH = 500;

export function eventRoutes(app: Hono, { store, auth }: HubDeps): void {
  app.get('/api/v1/events', async (c) => {
    const caller = await auth.requireCaller(c);
    const { limit, cursor, ...filter } = parseQuery(LedgerQuerySchema, c);
    return c.json(await store.ledger.list({ ...storeFilter(filter), limit, cursor, visible: caller.permissions.visibility('get') }));
  });
  app.get('/api/v1/events/export', async (c) => {
    const caller = await auth.requireCaller(c);
    const batches = store.ledger.each({ ...storeFilter(parseQuery(LedgerFilterSchema, c)), visible: caller.permissions.visibility('get') }, EXPORT_BATCH);
    const encoder = new TextEncoder();
    // Pulled: the next batch is read from the store only once the client has taken the last one.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await batches.next();
        if (next.done === true) controller.close();
        else controller.enqueue(encoder.encode(next.value.map((entry) => `${JSON.stringify(entry)}\n`).join('')));
      },
      async cancel() {
        await batches.return(undefined);
      },
    }, { highWaterMark: 0 });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' } });
  });
  app.get('/api/v1/commands/:id', async (c) => {
    const caller = await auth.requireCaller(c);
    const found = await store.commands.get(c.req.param('id'));
    if (found === undefined || !(await auth.canSee(caller, found.environment, found.application))) throw HubErrors.create('HUB_NOT_FOUND', `no command "${c.req.param('id')}"`);
    return c.json(found);
  });
}

function storeFilter(query: LedgerFilterParams): LedgerFilter & { order: 'asc' | 'desc' } {
  return {
    environment: query.environment, application: query.application, kind: query.kind, actor: query.actor, order: query.order,
    since: query.since === undefined ? undefined : Date.parse(query.since),
    until: query.until === undefined ? undefined : Date.parse(query.until),
  };
}
