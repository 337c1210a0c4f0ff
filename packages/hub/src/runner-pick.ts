/** Which linked runner gets a job: one with the labels and room for it, the least busy first. */
import { labelsMatch } from '@trueup/workflow';
import type { Pending, RunnerSession } from './runner-hub-types.ts';

export function pickRunner(runners: Iterable<RunnerSession>, job: Pending, now: number): RunnerSession | undefined {
  let best: RunnerSession | undefined;
  for (const runner of runners) {
    if (runner.socket === undefined || runner.jobs.size >= runner.capacity || job.declinedBy.has(runner.id) || job.notBefore > now) continue;
    if (!labelsMatch(job.labels, runner.labels)) continue;
    if (best === undefined || runner.jobs.size / runner.capacity < best.jobs.size / best.capacity) best = runner;
  }
  return best;
}

/** A runner not linked yet (or not back yet), with no jobs. */
export function newRunnerSession(id: string, name: string, lastHeard: number): RunnerSession {
  return { id, name, labels: [], capacity: 1, socket: undefined, jobs: new Set(), reported: new Set(), lastHeard, lastSent: 0 };
}

/** Whether a linked runner has the labels and room for a job now. */
export function hasRoomFor(runners: Iterable<RunnerSession>, labels: string[]): boolean {
  return [...runners].some((runner) => runner.socket !== undefined && runner.jobs.size < runner.capacity && labelsMatch(labels, runner.labels));
}
