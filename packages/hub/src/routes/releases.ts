/**
 * Releases and promotions: `/api/v1/promotions` (the promotions read from Git, where each stage
 * is, image policies; holds) and `/api/v1/releases` (make, list, show, promote, approve).
 * Changing anything needs role operator; a stage whose approvals gate asks for admin needs admin.
 */
import { HoldRequestSchema, PromoteRequestSchema, PromotionSourceSchema, ReleaseApproveSchema, ReleaseCreateSchema, ReleaseListQuerySchema, UnholdRequestSchema, type ReleaseView } from '@trueup/api';
import type { ReleaseRecord } from '@trueup/store';
import type { Hono } from 'hono';
import type { Caller } from '../auth.ts';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { PromotionEngine } from '../promotion-engine.ts';
import { currentIn, type PromotionState } from '../promotion-decide.ts';
import { releaseHead, releaseView } from '../promotion-view.ts';
import { releaseProvenance } from '../release-provenance.ts';
import { runsRelease } from '../release-running.ts';
import { jobReleaseRoutes, jobReleaseSpecs } from './job-releases.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseBody, parseQuery } from '../validate.ts';

export const releaseSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/promotions', summary: 'The promotions read from Git: stages with the release each runs and its hold, image policies with the newest tag seen, files that did not parse.', role: 'viewer', responses: { 200: { description: 'promotions' } } },
  { method: 'post', path: '/api/v1/promotions/sources', summary: 'Read .trueup/promotions/*.yml of a repository branch from now on.', role: 'operator', body: PromotionSourceSchema, responses: { 200: { description: 'the promotions found' } } },
  { method: 'post', path: '/api/v1/promotions/refresh', summary: 'Read the promotion files and the image registries again now.', role: 'operator', responses: { 200: { description: 'done' } } },
  { method: 'post', path: '/api/v1/promotions/{name}/hold', summary: 'Hold a stage: automation promotes nothing there until a person releases the hold.', role: 'operator', body: HoldRequestSchema, responses: { 200: { description: 'held' } } },
  { method: 'post', path: '/api/v1/promotions/{name}/unhold', summary: 'Release the hold of a stage.', role: 'operator', body: UnholdRequestSchema, responses: { 200: { description: 'released' } } },
  { method: 'get', path: '/api/v1/releases', summary: 'Releases, newest first; with environment, the releases that reached it in the order they did (its deployment history).', role: 'viewer', query: ReleaseListQuerySchema, responses: { 200: { description: 'releases' } } },
  { method: 'post', path: '/api/v1/releases', summary: 'Make a release of a promotion (values not given are carried over from its newest release); the same values again answer the existing release.', role: 'operator', body: ReleaseCreateSchema, responses: { 200: { description: 'the release' } } },
  { method: 'get', path: '/api/v1/releases/{id}', summary: 'A release (named by its id, a commit a promotion wrote, or a value it bundles such as an image tag or digest) in every stage: state, revision, who, timings, gates with who approved, holds.', role: 'viewer', responses: { 200: { description: 'the release' } } },
  { method: 'post', path: '/api/v1/releases/{id}/promote', summary: 'Promote a release to a stage now (by hand: gates are not waited for); an older release than the stage runs is a rollback and holds the stage.', role: 'operator', body: PromoteRequestSchema, responses: { 200: { description: 'started' } } },
  ...jobReleaseSpecs,
  { method: 'post', path: '/api/v1/releases/{id}/approve', summary: 'Approve a release for a stage (the stage\'s approvals gate names the role).', role: 'operator', body: ReleaseApproveSchema, responses: { 200: { description: 'approved' } } },
];

function engineOf(deps: HubDeps): PromotionEngine {
  if (deps.promotions === undefined) throw HubErrors.create('HUB_NOT_FOUND', 'this hub runs no promotions');
  return deps.promotions;
}

export function releaseRoutes(app: Hono, deps: HubDeps): void {
  jobReleaseRoutes(app, deps, engineOf);
  app.get('/api/v1/promotions', async (c) => {
    const caller = await deps.auth.requireSomewhere(c, 'get');
    const engine = engineOf(deps);
    const items = [];
    for (const loaded of engine.list()) {
      if (!(await seesPromotion(deps, caller, loaded.promotion.metadata.name))) continue;
      const state = await engine.state(loaded.promotion);
      items.push({
        name: loaded.promotion.metadata.name, file: loaded.file, repoURL: loaded.repoURL, revision: loaded.revision, repo: loaded.promotion.spec.repo, ref: loaded.promotion.spec.ref,
        stages: loaded.promotion.spec.stages.map((stage) => {
          const current = currentIn(state, stage.name);
          const hold = state.holds.find((h) => h.stage === stage.name);
          return { name: stage.name, application: stage.application, release: current?.releaseId ?? null, state: current?.state ?? null, held: hold === undefined ? null : { by: hold.by, reason: hold.reason, at: new Date(hold.at).toISOString() } };
        }),
        images: engine.images.statuses().filter((s) => s.promotion === loaded.promotion.metadata.name),
      });
    }
    return c.json({ items, invalid: engine.invalid() });
  });

  app.post('/api/v1/promotions/sources', async (c) => {
    const caller = await deps.auth.require(c, 'operator');
    const { repoURL, ref } = await parseBody(PromotionSourceSchema, c);
    const found = await engineOf(deps).addSource(repoURL, ref, caller);
    return c.json({ promotions: found.map((p) => ({ name: p.promotion.metadata.name, file: p.file })), invalid: engineOf(deps).invalid() });
  });

  app.post('/api/v1/promotions/refresh', async (c) => {
    await deps.auth.require(c, 'operator');
    const engine = engineOf(deps);
    await engine.reload();
    await engine.images.checkAll();
    await engine.settled();
    return c.json({ promotions: engine.list().map((p) => p.promotion.metadata.name), invalid: engine.invalid(), images: engine.images.statuses() });
  });

  app.post('/api/v1/promotions/:name/hold', async (c) => {
    await deps.auth.requireSomewhere(c, 'gitops-write');
    const { stage, reason } = await parseBody(HoldRequestSchema, c);
    const caller = await deps.auth.require(c, 'gitops-write', engineOf(deps).stageTarget(c.req.param('name'), stage));
    return c.json({ promotion: c.req.param('name'), stage: await engineOf(deps).hold(c.req.param('name'), stage, reason, caller), held: true });
  });

  app.post('/api/v1/promotions/:name/unhold', async (c) => {
    await deps.auth.requireSomewhere(c, 'gitops-write');
    const { stage } = await parseBody(UnholdRequestSchema, c);
    const caller = await deps.auth.require(c, 'gitops-write', engineOf(deps).stageTarget(c.req.param('name'), stage));
    return c.json({ promotion: c.req.param('name'), stage: await engineOf(deps).unhold(c.req.param('name'), stage, caller), held: false });
  });

  app.get('/api/v1/releases', async (c) => {
    const caller = await deps.auth.requireSomewhere(c, 'get');
    const query = parseQuery(ReleaseListQuerySchema, c);
    const releases = [];
    for (const release of await deps.store.releases.list(query)) if (await seesPromotion(deps, caller, release.promotion)) releases.push(release);
    return c.json({ items: await views(deps, releases) });
  });

  app.post('/api/v1/releases', async (c) => {
    const caller = await deps.auth.require(c, 'operator');
    const body = await parseBody(ReleaseCreateSchema, c);
    const { created, release } = await engineOf(deps).createRelease(body.promotion, body.values, body.origin ?? 'api', caller.subject);
    const [view] = await views(deps, [release]);
    return c.json({ created, release: view });
  });

  app.get('/api/v1/releases/:id', async (c) => {
    const caller = await deps.auth.requireSomewhere(c, 'get');
    const found = await deps.store.releases.find(c.req.param('id'));
    const release = found !== undefined && (await seesPromotion(deps, caller, found.promotion)) ? found : undefined;
    if (release === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no release "${c.req.param('id')}" (by id, by a commit a promotion wrote, or by a value it bundles)`);
    const [view] = await views(deps, [release]);
    return c.json(view);
  });

  app.post('/api/v1/releases/:id/promote', async (c) => {
    await deps.auth.requireSomewhere(c, 'gitops-write');
    const { to } = await parseBody(PromoteRequestSchema, c);
    const caller = await deps.auth.require(c, 'gitops-write', await engineOf(deps).target(c.req.param('id'), to));
    const { held } = await engineOf(deps).promoteByHand(c.req.param('id'), to, caller);
    const release = await engineOf(deps).release(c.req.param('id'));
    const [view] = await views(deps, [release]);
    return c.json({ held, release: view });
  });

  app.post('/api/v1/releases/:id/approve', async (c) => {
    await deps.auth.requireSomewhere(c, 'approve');
    const { stage } = await parseBody(ReleaseApproveSchema, c);
    const target = await engineOf(deps).target(c.req.param('id'), stage);
    const caller = await deps.auth.require(c, 'approve', { environment: target.environment });
    // A stage whose gate asks for admin takes an admin's approval only (the engine checks the role).
    const added = await engineOf(deps).approve(c.req.param('id'), stage, { subject: caller.subject, role: caller.permissions.admin ? 'admin' : 'operator' });
    return c.json({ approved: true, alreadyApproved: !added });
  });
}

/**
 * Whether the caller may see a promotion: it sees one of its stages' applications. A promotion no
 * longer in Git is seen by those who may see everything.
 */
async function seesPromotion(deps: HubDeps, caller: Caller, name: string): Promise<boolean> {
  if (caller.permissions.everywhere.has('get')) return true;
  const loaded = deps.promotions?.list().find((p) => p.promotion.metadata.name === name);
  for (const stage of loaded?.promotion.spec.stages ?? []) {
    const [environment = '', application = ''] = stage.application.split('/');
    if (await deps.auth.canSee(caller, environment, application)) return true;
  }
  return false;
}

/** Views of releases, one engine state per promotion; a release of a promotion no longer in Git has no stages. */
async function views(deps: HubDeps, releases: readonly ReleaseRecord[], explain = releases.length === 1): Promise<ReleaseView[]> {
  const engine = deps.promotions;
  const states = new Map<string, PromotionState | undefined>();
  const result: ReleaseView[] = [];
  for (const release of releases) {
    if (!states.has(release.promotion)) {
      const loaded = engine?.list().find((p) => p.promotion.metadata.name === release.promotion);
      states.set(release.promotion, loaded === undefined || engine === undefined ? undefined : await engine.state(loaded.promotion));
    }
    const state = states.get(release.promotion);
    if (state !== undefined && !state.releases.some((r) => r.id === release.id)) {
      // An old release outside the engine's recent window: its own records join the state.
      const stages = await deps.store.releases.stages({ releaseIds: [release.id] });
      const approvals = await deps.store.releases.approvals([release.id]);
      result.push(releaseView({ ...state, releases: [...state.releases, release], stages: [...state.stages.filter((s) => s.releaseId !== release.id), ...stages], approvals: [...state.approvals, ...approvals] }, release, deps.now(), explain));
      continue;
    }
    result.push(state === undefined
      ? { ...releaseHead(release), stages: [] }
      : releaseView(state, release, deps.now(), explain));
  }
  return explain ? Promise.all(result.map((view) => withReports(deps, view))) : result;
}

/** Each stage the release reached, with what its agent reports now (where it runs); the run that made it and every agent that applied it. */
async function withReports(deps: HubDeps, view: ReleaseView): Promise<ReleaseView> {
  const stages = await Promise.all(view.stages.map(async (stage) => {
    if (stage.state === undefined) return stage;
    const [environment = '', name = ''] = stage.application.split('/');
    const found = await deps.store.applications.get(environment, name);
    if (found === undefined) return stage;
    const applied = typeof found.status.appliedRevision === 'string' && found.status.appliedRevision !== '' ? found.status.appliedRevision : found.summary.revision;
    const reported = { revision: applied, sync: found.summary.sync, health: found.summary.health, runsThisRelease: await runsRelease(deps, view.promotion, stage, applied) };
    return { ...stage, reported: found.summary.lastSyncedAt === undefined ? reported : { ...reported, lastSyncedAt: found.summary.lastSyncedAt } };
  }));
  return { ...view, stages, ...(await releaseProvenance(deps, { ...view, stages })) };
}
