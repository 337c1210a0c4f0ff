/**
 * One write to a config branch, as every caller of the hub makes it: through the hub's one writer
 * for the branch (batched, retried, with Trueup's trailers), recorded in the ledger with who and
 * which run asked, then a refresh of the applications that follow the branch.
 */
import { repoKey, type GitopsSetRequest, type GitopsSetResult } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { HubErrors } from './errors.ts';

export interface GitopsWrite {
  request: Pick<GitopsSetRequest, 'repoURL' | 'ref' | 'edits' | 'source' | 'run'>;
  /** Who the ledger names: the caller, or for a job the person or trigger that started its run. */
  actor: string;
  /** A branch to start `request.ref` from when it does not exist yet. */
  base?: string;
  /** The ledger's environment of the commit: '' when the write may touch several. */
  environment: string;
  /** More for the ledger entry (the job, the runner). */
  details?: Record<string, unknown>;
}

export async function writeGitops(deps: HubDeps, write: GitopsWrite): Promise<GitopsSetResult> {
  const gitops = deps.gitops;
  if (gitops === undefined) throw HubErrors.create('HUB_NOT_FOUND', 'this hub writes no Git: it was started without a gitops work folder');
  const { request } = write;
  const origin = { source: request.source ?? 'gitops-set', ...(request.run === undefined ? {} : { run: request.run }) };
  const edits = request.edits.map(({ document, line, allowTypeChange, ...edit }) => ({ ...edit, ...(document === undefined ? {} : { document }), ...(line === undefined ? {} : { line }), ...(allowTypeChange === undefined ? {} : { allowTypeChange }) }));
  const result = await gitops.writers.writer({ repoURL: request.repoURL, ref: request.ref, ...(write.base === undefined ? {} : { base: write.base }) }).submit({ edits, origin });
  if (result.outcome === 'unchanged') return { outcome: 'unchanged', revision: result.revision, refreshed: [] };
  await deps.store.ledger.append({
    environment: write.environment, at: deps.now(), kind: 'gitops-commit', actor: write.actor,
    details: {
      repo: repoKey(request.repoURL), repoURL: request.repoURL, ref: request.ref, ...(write.base === undefined ? {} : { base: write.base }), revision: result.revision, source: origin.source,
      ...(request.run === undefined ? {} : { run: request.run }), ...(write.details ?? {}), changes: result.changes, batchSize: result.batchSize,
    },
  });
  const refreshed = await gitops.fanOut(deps, request.repoURL, request.ref, result.revision, write.actor);
  return { outcome: 'committed', revision: result.revision, batchSize: result.batchSize, changes: result.changes, refreshed };
}
