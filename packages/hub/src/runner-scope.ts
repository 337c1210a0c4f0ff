/**
 * What a runner may do over the API: only for a job the hub gave it and that still runs there.
 * The runner's credential (`tur.ID.SECRET`) says who it is; the store's record of the job says
 * whether it holds it and which environment the job was admitted to — never the runner's words.
 */
import { RUNNER_CREDENTIAL_PREFIX } from '@trueup/api';
import type { HubStore, RunJobRecord } from '@trueup/store';
import { HubErrors } from './errors.ts';
import { authenticateRunner } from './runner-join.ts';

export interface RunnerScope {
  runner: { id: string; name: string };
  /** The job the runner runs (for a run-wide scope: one of the run's jobs it runs). */
  job: RunJobRecord;
}

/** Whether the Authorization header carries a runner credential rather than an API token. */
export function isRunnerCredential(header: string | undefined): boolean {
  return new RegExp(`^Bearer\\s+${RUNNER_CREDENTIAL_PREFIX}\\.`, 'i').test(header ?? '');
}

/**
 * The runner and the running job of `runId` it holds (`jobKey` given: that job). Unknown
 * credentials are 401; a runner that runs no such job now is 403.
 */
export async function requireRunnerJob(store: HubStore, header: string | undefined, runId: string, jobKey?: string): Promise<RunnerScope> {
  const runner = await authenticateRunner(store, header);
  if (runner === undefined) throw HubErrors.create('HUB_UNAUTHENTICATED', 'the runner credential is unknown or revoked');
  const job = (await store.runs.jobs(runId)).find((j) => j.runnerId === runner.id && j.status === 'running' && (jobKey === undefined || j.key === jobKey));
  if (job === undefined) throw HubErrors.create('HUB_FORBIDDEN', `runner ${runner.name} runs no ${jobKey === undefined ? 'job' : `job "${jobKey}"`} of run ${runId} now`);
  return { runner, job };
}
