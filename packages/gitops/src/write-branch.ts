/**
 * One write to a branch: fetch, plan, commit, push; on a race (the branch moved), fetch and
 * apply the edits again on the new tip, after a jittered backoff, a bounded number of times.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GitopsErrors } from './errors.ts';
import { checkPath, filesRead, planCommit, type CommitPlan, type FailedEdit, type FileEdit, type PlanOptions, type PlannedChange } from './plan.ts';
import type { Identity, WorkTree } from './work-tree.ts';

export interface RetryPolicy {
  /** Push attempts in all; default 40 (20 independent writers racing on one branch need up to ~20). */
  maxAttempts: number;
  /** Backoff before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs·2ⁿ)]. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 40, baseDelayMs: 25, maxDelayMs: 2000 };

export type WriteResult =
  | { outcome: 'unchanged'; revision: string; failed: FailedEdit[]; attempts: number }
  | { outcome: 'committed'; revision: string; parent: string; changes: PlannedChange[]; failed: FailedEdit[]; attempts: number };

export interface WriteOptions extends PlanOptions {
  identity?: Identity;
  retry?: Partial<RetryPolicy>;
  /** Randomness of the backoff, in [0, 1): injectable for tests. */
  random?: () => number;
  signal?: AbortSignal;
}

/** Fetches, decides with `planCommit` and writes; see `writeWith`. */
export function writeBranch(tree: WorkTree, edits: readonly FileEdit[], options: WriteOptions): Promise<WriteResult> {
  return writeWith(tree, filesRead(edits), (read) => planCommit(read, edits, options), options);
}

/**
 * The write loop: each attempt fetches the tip, reads `files`, asks `decide` for the commit on
 * that tip (a pure function: it runs again after every race), commits and pushes.
 */
export async function writeWith(tree: WorkTree, files: readonly string[], decide: (read: (file: string) => string | undefined) => CommitPlan, options: Omit<WriteOptions, keyof PlanOptions>): Promise<WriteResult> {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  let lastRace = '';
  for (let attempt = 1; attempt <= retry.maxAttempts; attempt += 1) {
    options.signal?.throwIfAborted();
    const parent = await tree.sync();
    const texts = new Map<string, string | undefined>();
    for (const file of new Set(files)) {
      const path = insidePath(file);
      if (path !== undefined) texts.set(path, await tree.read(path));
    }
    const plan = decide((file) => texts.get(file));
    if (plan.action === 'none') return { outcome: 'unchanged', revision: parent, failed: plan.failed, attempts: attempt };
    const revision = await tree.commit(plan.files, plan.message, options.identity);
    const pushed = await tree.push();
    switch (pushed.kind) {
      case 'pushed':
        return { outcome: 'committed', revision, parent, changes: plan.changes, failed: plan.failed, attempts: attempt };
      case 'rejected':
        throw GitopsErrors.create('GITOPS_PUSH_REJECTED', `${tree.repo.display} refused the push to branch "${tree.ref}": ${pushed.detail}`, { field: 'ref' });
      case 'race':
        lastRace = pushed.detail;
        if (attempt < retry.maxAttempts) await sleep(Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt)), undefined, options.signal === undefined ? {} : { signal: options.signal });
        break;
    }
  }
  throw GitopsErrors.create('GITOPS_PUSH_RACE', `branch "${tree.ref}" of ${tree.repo.display} moved before each of ${retry.maxAttempts} pushes (last: ${lastRace}); nothing was written`, { field: 'ref' });
}

/** A path that is not inside the repository is not read: `decide` reports it with the reason. */
function insidePath(file: string): string | undefined {
  try {
    return checkPath(file);
  } catch {
    return undefined;
  }
}
