/**
 * Pipelines over the API: runner tokens and the runners' one-time exchange, the linked runners,
 * dispatching a workflow, runs and their jobs with status and timing, a job's log (plain, or
 * followed as Server-Sent Events: routes/job-log.ts), and cancelling a run.
 */
import { RepoAddRequestSchema, RunDispatchRequestSchema, RunnerJoinRequestSchema, RunnerJoinResponseSchema, RunnerTokenRequestSchema } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import { parseTtl } from '../join.ts';
import type { PipelineRuns } from '../pipeline-runs.ts';
import type { RouteSpec } from '../route-spec.ts';
import { iso, mayReadRun, readRunView, showRun } from '../run-view.ts';
import { watchRuns } from './run-stream.ts';
import { jobLog } from './job-log.ts';
import type { RunnerHub } from '../runner-hub.ts';
import { createRunnerToken, exchangeRunnerToken } from '../runner-join.ts';
import { parseBody } from '../validate.ts';

export const runSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/runner-tokens', summary: 'Create a one-time token a runner joins with (shown once).', role: 'admin', body: RunnerTokenRequestSchema, responses: { 201: { description: 'the token' } } },
  { method: 'post', path: '/api/v1/runners/join', summary: 'Exchange a runner token, once, for a runner credential.', role: 'public', body: RunnerJoinRequestSchema, responses: { 200: { description: 'the credential', schema: RunnerJoinResponseSchema }, 401: { description: 'unknown, used or expired token' } } },
  { method: 'get', path: '/api/v1/runners', summary: 'Runners joined to the hub, with the linked ones\' labels, capacity and jobs.', role: 'viewer', responses: { 200: { description: 'runners' } } },
  { method: 'post', path: '/api/v1/runs', summary: 'Run a workflow of a repository at a ref (workflow_dispatch, with inputs).', role: 'operator', body: RunDispatchRequestSchema, responses: { 201: { description: 'the run\'s id and commit' } } },
  { method: 'get', path: '/api/v1/runs', summary: 'Runs, newest first; with ?watch=true as Server-Sent Events: the list, then each run written (routes/run-stream.ts).', role: 'viewer', responses: { 200: { description: 'runs' } } },
  { method: 'get', path: '/api/v1/runs/{id}', summary: 'A run with its jobs and steps: status, conclusion, runner, timing.', role: 'viewer', responses: { 200: { description: 'the run' }, 404: { description: 'no such run' } } },
  { method: 'get', path: '/api/v1/runs/{id}/jobs/{job}/log', summary: 'A job\'s log as the store keeps it (any replica); with ?follow=true as Server-Sent Events until the job ends, each `log` event\'s id the number to resume from with Last-Event-ID or ?after=N (routes/job-log.ts).', role: 'viewer', responses: { 200: { description: 'the log', contentType: 'text/plain' } } },
  { method: 'post', path: '/api/v1/repos', summary: 'Track a repository: new commits run its workflows whose `on:` filters match.', role: 'admin', body: RepoAddRequestSchema, responses: { 201: { description: 'tracked' }, 409: { description: 'tracked already' } } },
  { method: 'get', path: '/api/v1/repos', summary: 'Repositories whose workflows the hub runs.', role: 'viewer', responses: { 200: { description: 'repositories' } } },
  { method: 'post', path: '/api/v1/runs/{id}/jobs/{job}/rerun', summary: 'Run one job of a finished run again (the next attempt), with the outputs its needs had.', role: 'operator', responses: { 202: { description: 'queued' }, 409: { description: 'the run is in progress, or its plan is no longer held' } } },
  { method: 'post', path: '/api/v1/runs/{id}/cancel', summary: 'Cancel a run: queued jobs are dropped, running ones stopped.', role: 'operator', responses: { 202: { description: 'cancelling' }, 409: { description: 'the run is not in progress' } } },
];

export function runRoutes(app: Hono, deps: HubDeps & { runners?: RunnerHub; runs?: PipelineRuns }): void {
  const { store, auth, now, hub } = deps;
  const pipelines = (): { runners: RunnerHub; runs: PipelineRuns } => {
    if (deps.runners === undefined || deps.runs === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub runs no pipelines');
    return { runners: deps.runners, runs: deps.runs };
  };
  app.post('/api/v1/runner-tokens', async (c) => {
    const caller = await auth.require(c, 'agents');
    const request = await parseBody(RunnerTokenRequestSchema, c);
    const made = await createRunnerToken(store, hub, parseTtl(request.ttl), caller.subject, now());
    await store.ledger.append({ environment: '', at: now(), kind: 'runner-token-created', actor: caller.subject, details: { expiresAt: new Date(made.expiresAt).toISOString() } });
    return c.json({ token: made.token, expiresAt: new Date(made.expiresAt).toISOString() }, 201);
  });
  app.post('/api/v1/runners/join', async (c) => c.json(await exchangeRunnerToken(store, await parseBody(RunnerJoinRequestSchema, c), now())));
  app.get('/api/v1/runners', async (c) => {
    await auth.require(c, 'get');
    const linked = new Map((deps.runners?.linked() ?? []).map((r) => [r.id, r]));
    const items = (await store.runners.list()).filter((r) => r.revokedAt === undefined).map((r) => ({
      id: r.id, name: r.name, labels: linked.get(r.id)?.labels ?? r.labels, connected: linked.has(r.id), capacity: linked.get(r.id)?.capacity ?? null, running: linked.get(r.id)?.running ?? [],
      lastSeenAt: r.lastSeenAt === undefined ? null : new Date(r.lastSeenAt).toISOString(),
    }));
    return c.json({ items });
  });
  app.post('/api/v1/runs', async (c) => {
    const caller = await auth.require(c, 'run');
    const request = await parseBody(RunDispatchRequestSchema, c);
    const started = await pipelines().runs.dispatch({ ...request, event: 'workflow_dispatch', actor: caller.subject });
    return c.json(started, 201);
  });
  app.get('/api/v1/runs', async (c) => {
    const limit = Math.min(500, Math.max(1, Number(c.req.query('limit') ?? '50') || 50));
    if (c.req.query('watch') === 'true') return watchRuns(c, deps, limit);
    const caller = await auth.requireCaller(c);
    return c.json({ items: (await store.runs.list(limit, caller.permissions.visibility('get'))).map(showRun) });
  });
  app.get('/api/v1/runs/:id', async (c) => {
    const caller = await auth.requireCaller(c);
    const run = await readRunView(deps, c.req.param('id'));
    if (run === undefined || !(await mayReadRun(deps, caller, run.id))) throw HubErrors.create('HUB_NOT_FOUND', `no run ${c.req.param('id')}`);
    return c.json(run);
  });
  app.get('/api/v1/runs/:id/jobs/:job/log', (c) => jobLog(c, deps));
  app.post('/api/v1/repos', async (c) => {
    const caller = await auth.require(c, 'pipelines');
    const request = await parseBody(RepoAddRequestSchema, c);
    if (deps.triggers === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub runs no pipelines');
    const added = await deps.triggers.add(request.url, caller.subject, request.credentials);
    return c.json({ key: added.key, url: added.url }, 201);
  });
  app.get('/api/v1/repos', async (c) => {
    await auth.require(c, 'get');
    return c.json({ items: (await store.pipelineRepos.list()).map((r) => ({ key: r.key, url: r.url, credentials: r.hasCredentials === true, createdBy: r.createdBy, createdAt: iso(r.createdAt) })) });
  });
  app.post('/api/v1/runs/:id/jobs/:job/rerun', async (c) => {
    const caller = await auth.require(c, 'run');
    await pipelines().runs.rerun(c.req.param('id'), c.req.param('job'), caller.subject);
    return c.json({ rerun: true }, 202);
  });
  app.post('/api/v1/runs/:id/cancel', async (c) => {
    const caller = await auth.require(c, 'run');
    if (!(await pipelines().runs.cancel(c.req.param('id'), caller.subject))) throw HubErrors.create('HUB_CONFLICT', `run ${c.req.param('id')} is not in progress on this hub`);
    return c.json({ cancelling: true }, 202);
  });
}
