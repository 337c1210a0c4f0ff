/**
 * `GET …/applications/{name}/wait?revision=SHA`: held open until the agent reports that revision
 * applied and Healthy, Degraded, or failed, or until `timeout` seconds pass (then `pending`). It
 * wakes on the change feed (every status the agents report), never on a timer loop; a client
 * waiting longer asks again.
 */
import { RevisionWaitQuerySchema, RevisionWaitResultSchema, type ApplicationStatus } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseQuery } from '../validate.ts';
import { waitVerdict, type WaitVerdict } from '../wait-verdict.ts';

const PATH = '/api/v1/environments/{environment}/applications/{name}/wait';
const DEFAULT_TIMEOUT_S = 30;

export const gitopsWaitSpecs: RouteSpec[] = [
  { method: 'get', path: PATH, summary: 'Held until the agent reports the revision applied and Healthy, Degraded or failed (state healthy, degraded, failed), or until timeout seconds pass (state pending).', role: 'viewer', query: RevisionWaitQuerySchema, responses: { 200: { description: 'the verdict', schema: RevisionWaitResultSchema } } },
];

export function gitopsWaitRoutes(app: Hono, deps: HubDeps): void {
  app.get('/api/v1/environments/:environment/applications/:name/wait', async (c) => {
    const { environment, name } = c.req.param();
    await deps.auth.require(c, 'get', { environment, application: name });
    const { revision, timeout } = parseQuery(RevisionWaitQuerySchema, c);
    const verdict = await awaitRevision(deps, environment, name, revision, (timeout ?? DEFAULT_TIMEOUT_S) * 1000, c.req.raw.signal);
    return c.json(verdict);
  });
}

/** Reads the application after each change signal until the verdict is no longer pending, the time is up, or the caller left. */
export async function awaitRevision(deps: HubDeps, environment: string, name: string, revision: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitVerdict> {
  let wake: (() => void) | undefined;
  let dirty = true;
  const unsubscribe = deps.feed.subscribe(() => {
    dirty = true;
    wake?.();
  });
  const deadline = Date.now() + timeoutMs;
  const onAbort = (): void => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    let verdict: WaitVerdict;
    for (;;) {
      dirty = false;
      const found = await deps.store.applications.get(environment, name);
      verdict = waitVerdict(found?.status as ApplicationStatus | undefined, revision);
      const left = deadline - Date.now();
      if (verdict.state !== 'pending' || left <= 0 || signal?.aborted === true) return verdict;
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, left).unref();
        });
        wake = undefined;
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}
