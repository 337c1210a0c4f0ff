/**
 * `POST /api/v1/gitops/set`: one or more scalar edits to YAML files of a config branch, written
 * by the hub's one writer for that branch (batched with concurrent callers into one commit with
 * Trueup's trailers), recorded in the ledger, and followed by a refresh of the applications that
 * follow the branch.
 */
import { GitopsSetRequestSchema, GitopsSetResultSchema, repoKey } from '@trueup/api';
import type { Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { parseBody } from '../validate.ts';

export const gitopsSetSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/gitops/set', summary: 'Set values in YAML files of a config branch through the hub\'s one writer per branch (batched, retried, with Trueup trailers); then refresh the applications following it.', role: 'operator', body: GitopsSetRequestSchema, responses: { 200: { description: 'committed, or already set', schema: GitopsSetResultSchema } } },
];

export function gitopsSetRoutes(app: Hono, deps: HubDeps): void {
  app.post('/api/v1/gitops/set', async (c) => {
    const caller = await deps.auth.requireSomewhere(c, 'gitops-write');
    const request = await parseBody(GitopsSetRequestSchema, c);
    const gitops = deps.gitops;
    if (gitops === undefined) throw HubErrors.create('HUB_NOT_FOUND', 'this hub writes no Git: it was started without a gitops work folder');
    // The hub writes only to repositories its agents follow: not to any URL (or local path) a caller names.
    const followers = await deps.store.applications.following(repoKey(request.repoURL));
    if (followers.length === 0) {
      throw HubErrors.create('HUB_REQUEST_INVALID', `no application at this hub follows ${request.repoURL}: the hub writes only to the repositories its agents follow`, { field: 'repoURL' });
    }
    // A commit changes what every follower deploys: the caller must hold the verb on each of them.
    for (const follower of followers) await deps.auth.require(c, 'gitops-write', { environment: follower.environment, application: follower.name });
    const origin = { source: request.source ?? 'gitops-set', ...(request.run === undefined ? {} : { run: request.run }) };
    const result = await gitops.writers.writer({ repoURL: request.repoURL, ref: request.ref }).submit({ edits: request.edits.map(({ document, allowTypeChange, ...edit }) => ({ ...edit, ...(document === undefined ? {} : { document }), ...(allowTypeChange === undefined ? {} : { allowTypeChange }) })), origin });
    if (result.outcome === 'unchanged') return c.json({ outcome: 'unchanged', revision: result.revision, refreshed: [] });
    await deps.store.ledger.append({
      environment: '', at: deps.now(), kind: 'gitops-commit', actor: caller.subject,
      details: { repo: repoKey(request.repoURL), repoURL: request.repoURL, ref: request.ref, revision: result.revision, source: origin.source, ...(request.run === undefined ? {} : { run: request.run }), changes: result.changes, batchSize: result.batchSize },
    });
    const refreshed = await gitops.fanOut(deps, request.repoURL, request.ref, result.revision, caller.subject);
    return c.json({ outcome: 'committed', revision: result.revision, batchSize: result.batchSize, changes: result.changes, refreshed });
  });
}
