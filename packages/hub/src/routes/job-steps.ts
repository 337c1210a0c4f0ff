/**
 * What a job's built-in steps ask of the hub, with the runner's credential and only for a job
 * it runs now: `trueup/sync` asks the agent of the job's own environment to sync an application
 * (never another environment's) and waits for its answer; `trueup/deploy` and `trueup/sync`
 * record the deployment in the ledger — environment, revision, run, job and who triggered it,
 * taken from the hub's records, not from the runner's words wherever the hub knows them.
 */
import { JobDeploymentRequestSchema, JobSyncRequestSchema } from '@trueup/api';
import type { CommandRecord } from '@trueup/store';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { requireRunnerJob, type RunnerScope } from '../runner-scope.ts';
import { randomId } from '../secrets.ts';
import { parseBody } from '../validate.ts';

const JOB = '/api/v1/runs/{id}/jobs/{job}';
export const jobStepSpecs: RouteSpec[] = [
  { method: 'post', path: `${JOB}/sync`, summary: 'trueup/sync: ask the agent of the job\'s own environment to sync an application (runner credential; only for a job it runs).', role: 'public', body: JobSyncRequestSchema, responses: { 200: { description: 'the command, finished' }, 202: { description: 'the command, not finished yet' }, 403: { description: 'not a job of that environment' } } },
  { method: 'get', path: `${JOB}/commands/{command}`, summary: 'A command a job asked for, held up to ?wait=N seconds for its result.', role: 'public', responses: { 200: { description: 'finished' }, 202: { description: 'not finished yet' } } },
  { method: 'post', path: `${JOB}/deployments`, summary: 'Record a deployment a job made, in the ledger of the job\'s environment (runner credential).', role: 'public', body: JobDeploymentRequestSchema, responses: { 201: { description: 'recorded' } } },
];

export function jobStepRoutes(app: Hono, deps: HubDeps): void {
  const { store, links, now } = deps;
  const requester = (scope: RunnerScope): string => `run ${scope.job.runId}/${scope.job.key}`;
  const answer = (record: CommandRecord | undefined): Response => {
    const finished = record?.state === 'succeeded' || record?.state === 'failed';
    return Response.json(record, { status: finished ? 200 : 202 });
  };
  const held = async (id: string, waitSeconds: number): Promise<CommandRecord | undefined> => {
    const record = await store.commands.get(id);
    if (record === undefined || record.state === 'succeeded' || record.state === 'failed' || waitSeconds === 0) return record;
    await links.waitForResult(id, waitSeconds * 1000);
    return store.commands.get(id);
  };

  app.post('/api/v1/runs/:id/jobs/:job/sync', async (c) => {
    const scope = await requireRunnerJob(store, c.req.header('authorization'), c.req.param('id'), c.req.param('job'));
    const request = await parseBody(JobSyncRequestSchema, c);
    const [environment = '', application = ''] = request.application.split('/');
    if (scope.job.environment !== environment) {
      throw HubErrors.create('HUB_FORBIDDEN', `job ${scope.job.key} ${scope.job.environment === undefined ? 'names no environment' : `deploys to environment "${scope.job.environment}"`}: it may sync only applications of its own environment, not ${request.application}`);
    }
    if ((await store.applications.get(environment, application)) === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no application "${application}" in environment "${environment}"`);
    const run = await store.runs.get(scope.job.runId);
    const command = { id: randomId(), verb: 'sync' as const, application };
    await store.commands.create(command, environment, `${requester(scope)} (${run?.actor ?? 'unknown'})`, now());
    const result = request.wait > 0 ? links.waitForResult(command.id, request.wait * 1000) : undefined;
    await links.deliver(environment, command);
    if (result !== undefined) await result;
    return answer(await store.commands.get(command.id));
  });

  app.get('/api/v1/runs/:id/jobs/:job/commands/:command', async (c) => {
    const scope = await requireRunnerJob(store, c.req.header('authorization'), c.req.param('id'), c.req.param('job'));
    const record = await store.commands.get(c.req.param('command'));
    if (record === undefined || !record.requestedBy.startsWith(`${requester(scope)} `)) throw HubErrors.create('HUB_NOT_FOUND', `job ${scope.job.key} asked for no command ${c.req.param('command')}`);
    const wait = Math.min(60, Math.max(0, Number(c.req.query('wait') ?? '0') || 0));
    return answer(await held(record.id, wait));
  });

  app.post('/api/v1/runs/:id/jobs/:job/deployments', async (c) => {
    const scope = await requireRunnerJob(store, c.req.header('authorization'), c.req.param('id'), c.req.param('job'));
    const request = await parseBody(JobDeploymentRequestSchema, c);
    const environment = scope.job.environment;
    if (environment === undefined) throw HubErrors.create('HUB_FORBIDDEN', `job ${scope.job.key} names no environment: only a job admitted to an environment deploys`);
    const run = await store.runs.get(scope.job.runId);
    let { revision, target } = request;
    let application: string | undefined;
    let result = request.result;
    if (request.command !== undefined) {
      const command = await store.commands.get(request.command);
      if (command === undefined || !command.requestedBy.startsWith(`${requester(scope)} `)) throw HubErrors.create('HUB_NOT_FOUND', `job ${scope.job.key} asked for no command ${request.command}`);
      application = command.application;
      target = `${command.environment}/${command.application}`;
      revision = command.result?.revision !== undefined && /^[0-9a-f]{40}$/.test(command.result.revision) ? command.result.revision : revision;
      result = command.state === 'succeeded' ? 'succeeded' : 'failed';
    }
    const id = await store.ledger.append({
      environment, at: now(), kind: 'deployment', application, actor: run?.actor,
      details: {
        ...(request.details ?? {}),
        via: request.via, target, revision: revision ?? run?.sha ?? null, result, run: scope.job.runId, job: scope.job.key, runner: scope.runner.name,
        repository: run?.repository ?? null, workflow: run?.workflow ?? null, ...(run?.event === 'rollback' ? { rollback: true } : {}),
      },
    });
    return c.json({ id }, 201);
  });
}
