/** A run as the API shows it (`GET /api/v1/runs/{id}` and its stream), and who may read it. */
import type { RunRecord } from '@trueup/store';
import type { Caller } from './auth.ts';
import type { HubDeps } from './deps.ts';

export interface RunView extends Record<string, unknown> {
  id: string;
  status: string;
  jobs: Record<string, unknown>[];
}

/** A run is readable by whoever sees everything, or sees an environment one of its jobs deploys to. */
export async function mayReadRun({ store, auth }: Pick<HubDeps, 'store' | 'auth'>, caller: Caller, id: string): Promise<boolean> {
  if (caller.permissions.everywhere.has('get')) return true;
  for (const job of await store.runs.jobs(id)) if (job.environment !== undefined && (await auth.canSee(caller, job.environment))) return true;
  return false;
}

/** The run with its jobs and their steps, or undefined when there is no such run. */
export async function readRunView({ store }: Pick<HubDeps, 'store'>, id: string): Promise<RunView | undefined> {
  const run = await store.runs.get(id);
  if (run === undefined) return undefined;
  const jobs = (await store.runs.jobs(run.id)).map((job) => ({
    key: job.key, name: job.name, environment: job.environment ?? null, status: job.status, conclusion: job.conclusion ?? null, runner: job.runnerId ?? null, attempt: job.attempt, note: job.note ?? null,
    queuedAt: iso(job.queuedAt), startedAt: iso(job.startedAt), finishedAt: iso(job.finishedAt),
    steps: job.steps.map((step) => ({ id: step.id, name: step.name, conclusion: step.conclusion ?? null, startedAt: iso(step.startedAt), finishedAt: iso(step.finishedAt) })),
  }));
  return { ...showRun(run), id: run.id, status: run.status, jobs };
}

export function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

export function showRun(run: RunRecord): Record<string, unknown> {
  return { id: run.id, repository: run.repository, workflow: run.workflow, event: run.event, ref: run.ref, sha: run.sha, actor: run.actor, status: run.status, conclusion: run.conclusion ?? null, createdAt: iso(run.createdAt), finishedAt: iso(run.finishedAt) };
}
