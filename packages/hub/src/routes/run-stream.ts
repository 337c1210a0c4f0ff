/**
 * Pipeline runs followed live. `GET /api/v1/runs/{id}/stream`: Server-Sent Events over one run. The run as
 * `GET /api/v1/runs/{id}` shows it comes at once as a `run` event, then again each time it, one
 * of its jobs or one of their steps changes (the store signals each write, on every replica), so
 * a run page follows a run without polling. Each event carries the whole run: a page that
 * reconnects needs nothing it missed. The caller is looked up again before each event: a revoked
 * token or an ended session ends the stream.
 */
import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import type { Caller } from '../auth.ts';
import { mayReadRun, readRunView, showRun } from '../run-view.ts';
import { SseWake } from './sse-wake.ts';

export const runStreamSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/runs/{id}/stream', summary: 'Server-Sent Events: the run (as GET /api/v1/runs/{id}) as a `run` event, then again after each change of it, its jobs or their steps.', role: 'viewer', responses: { 200: { description: 'event stream', contentType: 'text/event-stream' }, 404: { description: 'no such run' } } },
];

export function runStreamRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, metrics } = deps;
  app.get('/api/v1/runs/:id/stream', async (c) => {
    const caller = await auth.requireCaller(c);
    const id = c.req.param('id');
    const wake = new SseWake();
    // Listening before the first read: a change made while it is read is sent after it.
    const unsubscribe = store.signals.subscribe('runs', (changed) => {
      if (changed === id || changed === '*') wake.poke();
    });
    let first;
    try {
      first = await readRunView(deps, id);
      if (first === undefined || !(await mayReadRun(deps, caller, id))) throw HubErrors.create('HUB_NOT_FOUND', `no run ${id}`);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    let sent = JSON.stringify(first);
    return streamSSE(c, async (stream) => {
      metrics.streamSubscribers.inc();
      stream.onAbort(wake.interrupt);
      try {
        await stream.writeSSE({ event: 'run', data: sent });
        while (!stream.aborted && !stream.closed) {
          const changed = await wake.next();
          if (stream.aborted || stream.closed) break;
          if (!changed) {
            await stream.write(': keepalive\n\n');
            continue;
          }
          const again = await auth.caller(c);
          if (again === undefined || !(await mayReadRun(deps, again, id))) break;
          const view = await readRunView(deps, id);
          if (view === undefined) break;
          const data = JSON.stringify(view);
          if (data === sent) continue;
          await stream.writeSSE({ event: 'run', data });
          sent = data;
        }
      } finally {
        unsubscribe();
        metrics.streamSubscribers.dec();
      }
    });
  });
}

/**
 * `GET /api/v1/runs?watch=true`: the runs list as Server-Sent Events. A `runs` event carries the
 * list (as `GET /api/v1/runs` answers it) at once and again whenever several runs may have
 * changed at once; after that each run written comes alone as a `run` event (its summary), so a
 * list page follows every run without polling.
 */
export async function watchRuns(c: Context, deps: HubDeps, limit: number): Promise<Response> {
  const { store, auth, metrics } = deps;
  const changed = new Set<string>();
  const wake = new SseWake();
  const unsubscribe = store.signals.subscribe('runs', (id) => {
    changed.add(id);
    wake.poke();
  });
  const list = async (caller: Caller): Promise<string> => JSON.stringify({ items: (await store.runs.list(limit, caller.permissions.visibility('get'))).map(showRun) });
  let first: string;
  try {
    first = await list(await auth.requireCaller(c));
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return streamSSE(c, async (stream) => {
    metrics.streamSubscribers.inc();
    stream.onAbort(wake.interrupt);
    try {
      await stream.writeSSE({ event: 'runs', data: first });
      while (!stream.aborted && !stream.closed) {
        const poked = changed.size > 0 || await wake.next();
        if (stream.aborted || stream.closed) break;
        if (changed.size === 0) {
          if (!poked) await stream.write(': keepalive\n\n');
          continue;
        }
        const ids = [...changed];
        changed.clear();
        const caller = await auth.caller(c);
        if (caller === undefined) break;
        if (ids.includes('*')) {
          await stream.writeSSE({ event: 'runs', data: await list(caller) });
          continue;
        }
        for (const id of ids) {
          const run = await store.runs.get(id);
          if (run === undefined || !(await mayReadRun(deps, caller, id))) continue;
          await stream.writeSSE({ event: 'run', data: JSON.stringify(showRun(run)) });
        }
      }
    } finally {
      unsubscribe();
      metrics.streamSubscribers.dec();
    }
  });
}
