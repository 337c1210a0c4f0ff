/**
 * The job graph as pure functions: cycles, order, which jobs may start now, and what a job's
 * `needs` concluded. No I/O, clock or randomness; tested with tables.
 */
import type { JobConclusion } from '@trueup/api';

export interface GraphJob {
  id: string;
  needs: readonly string[];
}

export type JobState = 'pending' | 'running' | JobConclusion;

/** The first cycle found, as job ids with the first repeated at the end; undefined when none. */
export function findCycle(jobs: readonly GraphJob[]): string[] | undefined {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const need of byId.get(id)?.needs ?? []) {
      if (!byId.has(need)) continue;
      const cycle = visit(need);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const job of jobs) {
    const cycle = visit(job.id);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Needs that name no job, as [job, need] pairs. */
export function unknownNeeds(jobs: readonly GraphJob[]): [string, string][] {
  const ids = new Set(jobs.map((job) => job.id));
  return jobs.flatMap((job) => job.needs.filter((need) => !ids.has(need)).map((need): [string, string] => [job.id, need]));
}

/** Every job a job depends on, directly or not. */
export function ancestors(jobs: readonly GraphJob[], id: string): Set<string> {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.needs ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.needs ?? []));
  }
  return seen;
}

export function isFinished(state: JobState | undefined): boolean {
  return state === 'success' || state === 'failure' || state === 'cancelled' || state === 'skipped';
}

/** Pending jobs whose needs have all finished, in workflow order: their `if` decides next. */
export function readyJobs(jobs: readonly GraphJob[], states: ReadonlyMap<string, JobState>): string[] {
  return jobs
    .filter((job) => (states.get(job.id) ?? 'pending') === 'pending')
    .filter((job) => job.needs.every((need) => isFinished(states.get(need))))
    .map((job) => job.id);
}

/**
 * What the status functions of a job's `if` see: success() when every job it depends on
 * (transitively) succeeded, failure() when any of them failed.
 */
export function needsStatus(jobs: readonly GraphJob[], states: ReadonlyMap<string, JobState>, id: string, runCancelled: boolean): { success: boolean; failure: boolean; cancelled: boolean } {
  const upstream = [...ancestors(jobs, id)].map((need) => states.get(need));
  return {
    success: upstream.every((state) => state === 'success'),
    failure: upstream.some((state) => state === 'failure'),
    cancelled: runCancelled,
  };
}

/** The run's result from its jobs' results: any failure fails it; skipped jobs do not. */
export function runConclusion(states: ReadonlyMap<string, JobState>, runCancelled: boolean): JobConclusion {
  const values = [...states.values()];
  if (runCancelled || values.includes('cancelled')) return 'cancelled';
  if (values.includes('failure')) return 'failure';
  return 'success';
}
