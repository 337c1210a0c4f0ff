/**
 * Pipeline secrets and environments over the API (admin; every change in the ledger), and
 * approvals of a run's deploy to an environment (operator; not the person who triggered it
 * unless the environment allows). A commit cannot change any of it.
 */
import { ApproveRequestSchema as ApproveSchema, EnvironmentRulesSchema as RulesSchema, PipelineSecretRequestSchema as SecretRequestSchema, repoKey } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { secretScope } from '../secret-box.ts';
import { parseBody } from '../validate.ts';

export const pipelineSecretSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/secrets', summary: 'Set a pipeline secret of a repository (optionally of one environment); sealed with AES-256-GCM.', role: 'admin', body: SecretRequestSchema, responses: { 204: { description: 'set' } } },
  { method: 'get', path: '/api/v1/secrets', summary: 'Names of a repository\'s secrets (?repository=URL); values never leave the hub.', role: 'viewer', responses: { 200: { description: 'names' } } },
  { method: 'post', path: '/api/v1/pipeline-environments/{name}', summary: 'Set an environment\'s protection rules: approvals, self-approval, wait timer, allowed refs.', role: 'admin', body: RulesSchema, responses: { 200: { description: 'the rules' } } },
  { method: 'get', path: '/api/v1/pipeline-environments/{name}', summary: 'An environment\'s protection rules.', role: 'viewer', responses: { 200: { description: 'the rules' } } },
  { method: 'post', path: '/api/v1/runs/{id}/approve', summary: 'Approve a run\'s deploy to an environment.', role: 'operator', body: ApproveSchema, responses: { 204: { description: 'approved' }, 403: { description: 'the caller triggered the run, or lacks the role' } } },
];

export function pipelineSecretRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, now } = deps;
  app.post('/api/v1/secrets', async (c) => {
    const caller = await auth.require(c, 'secrets');
    const request = await parseBody(SecretRequestSchema, c);
    if (deps.box === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub runs no pipelines');
    const key = repoKey(request.repository);
    await store.pipelineSecrets.put({ repoKey: key, environment: request.environment, name: request.name, sealed: deps.box.seal(request.value, secretScope(key, request.environment, request.name)), updatedBy: caller.subject, updatedAt: now() });
    await store.ledger.append({ environment: request.environment, at: now(), kind: 'pipeline-secret-set', actor: caller.subject, details: { repository: key, name: request.name } });
    return c.body(null, 204);
  });
  app.get('/api/v1/secrets', async (c) => {
    await auth.require(c, 'get');
    const repository = c.req.query('repository');
    if (repository === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', 'give ?repository=URL', { field: 'repository' });
    return c.json({ items: (await store.pipelineSecrets.names(repoKey(repository))).map((s) => ({ ...s, updatedAt: new Date(s.updatedAt).toISOString() })) });
  });
  app.post('/api/v1/pipeline-environments/:name', async (c) => {
    const caller = await auth.require(c, 'pipelines');
    const rules = await parseBody(RulesSchema, c);
    await store.pipelineSecrets.setRules(c.req.param('name'), rules, caller.subject, now());
    return c.json(rules);
  });
  app.get('/api/v1/pipeline-environments/:name', async (c) => {
    await auth.require(c, 'get');
    if (deps.gate === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub runs no pipelines');
    return c.json(await deps.gate.rules(c.req.param('name')));
  });
  app.post('/api/v1/runs/:id/approve', async (c) => {
    await auth.requireCaller(c);
    const { environment } = await parseBody(ApproveSchema, c);
    const caller = await auth.require(c, 'approve', { environment }, async (who) => {
      await store.ledger.append({ environment, at: now(), kind: 'run-approval-denied', actor: who.subject, details: { run: c.req.param('id'), reason: `${who.subject} may not approve deploys to ${environment}` } });
    });
    const run = await store.runs.get(c.req.param('id'));
    if (run === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no run ${c.req.param('id')}`);
    if (deps.gate === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub runs no pipelines');
    await deps.gate.approve(environment, run, caller.subject, now());
    return c.body(null, 204);
  });
}
