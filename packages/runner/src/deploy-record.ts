/** What every kind of `trueup/deploy` shares: the job's revision, the Application file, the timeout, the ledger entry. */
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { RunnerErrors } from './errors.ts';
import type { JobState } from './job-state.ts';

/** The full commit SHA the job runs for, when it has one. */
export function jobRevision(job: JobState): string | undefined {
  const github = job.spec.contexts.github;
  const sha = typeof github === 'object' && github !== null && !Array.isArray(github) ? github.sha : undefined;
  return typeof sha === 'string' && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}

/** Writes the deployment into the hub's ledger; without a hub, says that nothing records it. */
export async function recordDeployment(job: JobState, entry: { target: string; result: 'succeeded' | 'failed'; details?: Record<string, string | number | boolean> | undefined }): Promise<void> {
  const handoff = job.options.handoff;
  if (handoff?.recordDeployment === undefined) {
    job.log.note('[trueup] no hub: this deployment is not recorded in a ledger');
    return;
  }
  const revision = jobRevision(job);
  await handoff.recordDeployment({ via: 'trueup/deploy', target: entry.target, result: entry.result, ...(revision === undefined ? {} : { revision }), ...(entry.details === undefined ? {} : { details: entry.details }) });
}

/** The absolute path of the step's `application:` file, which must exist inside the workspace. */
export async function applicationFileIn(job: JobState, file: string): Promise<string> {
  const appFile = resolve(job.dirs.workspace, file);
  if (!appFile.startsWith(job.dirs.workspace + sep)) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "${file}" is outside the workspace`);
  if ((await stat(appFile).catch(() => undefined)) === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: no Application file "${file}" in the workspace (check the repository out first)`);
  return appFile;
}

/** The step's `timeout` (the health wait): 90s, 5m. */
export function parseStepTimeout(text: string): number {
  const match = /^(\d+)(s|m)$/.exec(text.trim());
  if (match === null) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "timeout" must be like 90s or 5m, not "${text}"`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 60_000);
}
