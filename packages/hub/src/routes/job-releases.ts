/**
 * `trueup/release`: a pipeline job makes a release of a promotion (runner credential; only for a
 * job it runs now). The release names the run and job from the hub's records, so `release show`
 * links run → release → commits → agents. A job makes releases only of a promotion whose first
 * stage is its own environment: the release goes there first, as a config write of that
 * environment would (ADR 29).
 */
import { JobReleaseCreateSchema } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { PromotionEngine } from '../promotion-engine.ts';
import { releaseHead } from '../promotion-view.ts';
import type { RouteSpec } from '../route-spec.ts';
import { requireRunnerJob } from '../runner-scope.ts';
import { parseBody } from '../validate.ts';

export const jobReleaseSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/runs/{id}/jobs/{job}/releases', summary: 'trueup/release: make a release of a promotion whose first stage is the job\'s environment; the release records the run and job (runner credential; only for a job it runs).', role: 'public', body: JobReleaseCreateSchema, responses: { 200: { description: 'the release (made, or the existing one with these values)' }, 403: { description: 'the promotion\'s first stage is not the job\'s environment' } } },
];

export function jobReleaseRoutes(app: Hono, deps: HubDeps, engineOf: (deps: HubDeps) => PromotionEngine): void {
  app.post('/api/v1/runs/:id/jobs/:job/releases', async (c) => {
    const scope = await requireRunnerJob(deps.store, c.req.header('authorization'), c.req.param('id'), c.req.param('job'));
    const request = await parseBody(JobReleaseCreateSchema, c);
    const engine = engineOf(deps);
    const { promotion } = engine.get(request.promotion);
    const first = promotion.spec.stages[0];
    const [environment = ''] = (first?.application ?? '').split('/');
    if (scope.job.environment !== environment) {
      throw HubErrors.create('HUB_FORBIDDEN', `job ${scope.job.key} ${scope.job.environment === undefined ? 'names no environment' : `deploys to environment "${scope.job.environment}"`}: a job makes releases only of a promotion whose first stage is its own environment, and ${request.promotion} starts in "${environment}" (${first?.application ?? ''})`);
    }
    const run = await deps.store.runs.get(scope.job.runId);
    const { created, release } = await engine.createRelease(request.promotion, request.values, `run ${scope.job.runId}/${scope.job.key}`, run?.actor ?? 'unknown', { id: scope.job.runId, job: scope.job.key });
    return c.json({ created, release: { ...releaseHead(release), stages: [] } });
  });
}
