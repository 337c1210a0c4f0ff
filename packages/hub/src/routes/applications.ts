/** Applications across environments: the paged list, one application's full status, and refresh/sync/pause/resume requests. */
import { ApplicationDetailSchema, ApplicationPageSchema, ApplicationQuerySchema, CommandSchema, PauseQuerySchema, PauseRequestSchema, ResumeRequestSchema, SyncQuerySchema, SyncRequestSchema, WaitQuerySchema, type CommandVerb } from '@trueup/api';
import type { Scope } from '@trueup/store';
import type { z } from 'zod';
import type { Context, Hono } from 'hono';
import { withdrawByResume } from '../adopt-end.ts';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { randomId } from '../secrets.ts';
import { parseBody, parseQuery } from '../validate.ts';
import { resourceRoutes, resourceSpecs } from './resources.ts';

const APP = '/api/v1/environments/{environment}/applications/{name}';

export const applicationSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/applications', summary: 'Applications in every environment: filtered, sorted and paged on the server.', role: 'viewer', query: ApplicationQuerySchema, responses: { 200: { description: 'one page', schema: ApplicationPageSchema } } },
  { method: 'get', path: APP, summary: 'One application: the agent\'s full status.', role: 'viewer', responses: { 200: { description: 'the application', schema: ApplicationDetailSchema }, 404: { description: 'unknown' } } },
  { method: 'post', path: `${APP}/refresh`, summary: 'Ask the agent for a pass now (queued while it is offline; with wait=true, answered once the agent ran it, or at once with state queued when the agent is away).', role: 'operator', query: WaitQuerySchema, responses: { 202: { description: 'queued or sent', schema: CommandSchema }, 200: { description: 'finished (wait=true)', schema: CommandSchema } } },
  { method: 'post', path: `${APP}/sync`, summary: 'Ask the agent to sync from its Git now (queued while it is offline); prune and dryRun in the query or the body (a dry run\'s result carries the plan).', role: 'operator', query: SyncQuerySchema, body: SyncRequestSchema, responses: { 202: { description: 'queued or sent', schema: CommandSchema }, 200: { description: 'finished (wait=true)', schema: CommandSchema } } },
  { method: 'post', path: `${APP}/pause`, summary: 'Pause self-heal of the application, or of one object (`object`, a key): drift is still reported, not healed. Kept by the agent across restarts.', role: 'operator', query: PauseQuerySchema, body: PauseRequestSchema, responses: { 202: { description: 'queued or sent', schema: CommandSchema }, 200: { description: 'finished (wait=true)', schema: CommandSchema } } },
  { method: 'post', path: `${APP}/resume`, summary: 'Resume self-heal of the application (every pause) or of one object; what drifted meanwhile heals at once.', role: 'operator', query: PauseQuerySchema, body: ResumeRequestSchema, responses: { 202: { description: 'queued or sent', schema: CommandSchema }, 200: { description: 'finished (wait=true)', schema: CommandSchema } } },
  ...resourceSpecs,
];

export function applicationRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth } = deps;
  app.get('/api/v1/applications', async (c) => {
    const caller = await auth.requireCaller(c);
    const query = parseQuery(ApplicationQuerySchema, c);
    // The version before the list: a stream resumed from it (Last-Event-ID) misses no change.
    c.header('x-trueup-version', String(await store.applications.version()));
    return c.json(await store.applications.list({ ...query, labels: labelFilters(query.label), within: await projectScope(deps, query.project), visible: caller.permissions.visibility('get') }));
  });
  app.get('/api/v1/environments/:environment/applications/:name', async (c) => {
    const { environment, name } = c.req.param();
    await auth.require(c, 'get', { environment, application: name });
    // As for the list: a stream resumed from this version misses no change made after the read.
    c.header('x-trueup-version', String(await store.applications.version()));
    const found = await store.applications.get(environment, name);
    if (found === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no application "${name}" in environment "${environment}"`);
    const { revisionInfo, selfHeal } = found.status;
    return c.json({ ...found.summary, status: found.status, ...(found.spec === undefined ? {} : { spec: found.spec }), ...(revisionInfo === undefined ? {} : { revisionInfo }), ...(selfHeal === undefined ? {} : { selfHeal }) });
  });
  app.post('/api/v1/environments/:environment/applications/:name/refresh', (c) => command(c, deps, 'refresh', WaitQuerySchema, async () => ({})));
  app.post('/api/v1/environments/:environment/applications/:name/sync', (c) => command(c, deps, 'sync', SyncQuerySchema, async (query) => {
    const body = await parseBody(SyncRequestSchema, c);
    return { prune: flag(query.prune) ?? body.prune, dryRun: flag(query.dryRun) ?? body.dryRun };
  }));
  app.post('/api/v1/environments/:environment/applications/:name/pause', (c) => command(c, deps, 'pause', PauseQuerySchema, async (query) => ({ object: query.object ?? (await parseBody(PauseRequestSchema, c)).object })));
  app.post('/api/v1/environments/:environment/applications/:name/resume', (c) => command(c, deps, 'resume', PauseQuerySchema, async (query) => ({ object: query.object ?? (await parseBody(ResumeRequestSchema, c)).object })));
  resourceRoutes(app, deps);
}

/** A project's selectors, to filter a list by (`?project=`); an unknown project is a bad request. */
export async function projectScope({ store }: Pick<HubDeps, 'store'>, project: string | undefined): Promise<Scope | undefined> {
  if (project === undefined) return undefined;
  const found = await store.policy.project(project);
  if (found === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `query parameter "project": no project "${project}"`, { field: 'query.project' });
  return found;
}

function flag(value: 'true' | 'false' | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'true';
}

interface CommandOptions {
  prune?: boolean | undefined;
  dryRun?: boolean | undefined;
  object?: string | undefined;
}

export function labelFilters(label: string | string[] | undefined): { key: string; value: string }[] {
  return (label === undefined ? [] : [label].flat()).map((pair) => {
    const at = pair.indexOf('=');
    return { key: pair.slice(0, at), value: pair.slice(at + 1) };
  });
}

/** Persists the command, sends it if the agent is linked, and answers at once or (wait=true) with its result. */
async function command<Q extends z.ZodType<{ wait?: 'true' | 'false' | undefined; timeout?: number | undefined }>>(c: Context, deps: HubDeps, verb: CommandVerb, querySchema: Q, body: (query: z.output<Q>) => Promise<CommandOptions>): Promise<Response> {
  const { store, auth, links, metrics, now } = deps;
  const environment = c.req.param('environment') ?? '';
  const application = c.req.param('name') ?? '';
  await auth.requireCaller(c);
  const wait = parseQuery(querySchema, c);
  const options = await body(wait);
  // Each kind of sync is its own verb: a role may dry-run without syncing, or sync without pruning; pause and resume are pause-self-heal.
  const target = { environment, application };
  const caller = await auth.require(c, verb === 'refresh' ? 'refresh' : verb === 'pause' || verb === 'resume' ? 'pause-self-heal' : options.dryRun === true ? 'sync-dry-run' : 'sync', target);
  if (verb === 'sync' && options.prune === true && options.dryRun !== true) await auth.require(c, 'sync-prune', target);
  if ((await store.applications.get(environment, application)) === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no application "${application}" in environment "${environment}"`);
  const id = randomId();
  const linkCommand = {
    id, verb, application, requestedBy: caller.subject.slice(0, 253),
    ...(options.prune === undefined ? {} : { prune: options.prune }), ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }), ...(options.object === undefined ? {} : { object: options.object }),
  };
  await store.commands.create(linkCommand, environment, caller.subject, now());
  metrics.commands.inc({ verb });
  // Waiting makes sense only for an agent linked now: for one away, the answer is at once "queued".
  const result = wait.wait === 'true' && (await links.reachable(environment)) ? links.waitForResult(id, (wait.timeout ?? 60) * 1000) : undefined;
  await links.deliver(environment, linkCommand);
  // A person resuming self-heal gives up the adoptions of what was resumed: they end withdrawn.
  if (verb === 'resume') await withdrawByResume(deps, environment, application, options.object, linkCommand.requestedBy);
  if (result !== undefined) await result;
  const record = await store.commands.get(id);
  const finished = record?.state === 'succeeded' || record?.state === 'failed';
  return c.json(record, finished ? 200 : 202);
}
