/**
 * Runs in progress outlive the hub process that started them. On SQLite (one hub) the hub that
 * starts again resumes every run left in progress; on PostgreSQL each replica renews the runs it
 * holds, and a replica takes over the runs of one silent past the runner lease and resumes them.
 * Either way, jobs the store shows on a runner are expected back first: a runner that returns
 * reporting one keeps running it instead of being told to stop.
 */
import type { HubStore } from '@trueup/store';
import type { PipelineRuns } from './pipeline-runs.ts';
import type { RunnerHub } from './runner-hub.ts';

/** Before the hub listens: the jobs of unfinished runs are expected back from their runners. */
export async function expectUnfinishedJobs(store: HubStore, runners: RunnerHub): Promise<void> {
  for (const run of await store.runs.unfinished()) {
    const jobs = await store.runs.jobs(run.id);
    runners.expect(jobs.filter((job) => job.status !== 'completed').map((job) => `${run.id}/${job.key}`));
  }
}

/** One hub on SQLite, started again: every run left in progress resumes here. */
export async function resumeUnfinishedRuns(store: HubStore, runs: PipelineRuns, log: (message: string) => void): Promise<void> {
  for (const run of await store.runs.unfinished()) {
    await runs.resume(run).catch((error: unknown) => log(`resuming run ${run.id}: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/** A replica's turn: renew the runs it holds, take over and resume those of replicas silent past the lease. */
export async function renewAndTakeOver(store: HubStore, runs: PipelineRuns, runners: RunnerHub, options: { leaseMs: number; now: () => number; log: (message: string) => void }): Promise<void> {
  const { now } = options;
  await store.runOwners.renew(runs.replica, now());
  for (const taken of await store.runOwners.takeOver(runs.replica, now() - options.leaseMs, now())) {
    const run = await store.runs.get(taken.id);
    if (run === undefined) continue;
    options.log(`run ${taken.id}: its replica ${taken.owner} stopped answering; resumed here`);
    const jobs = await store.runs.jobs(run.id);
    runners.expect(jobs.filter((job) => job.status !== 'completed').map((job) => `${run.id}/${job.key}`));
    await store.ledger.append({ environment: '', at: now(), kind: 'run-taken-over', details: { run: run.id, from: taken.owner, to: runs.replica } });
    await runs.resume(run).catch((error: unknown) => options.log(`resuming run ${run.id}: ${error instanceof Error ? error.message : String(error)}`));
  }
}
