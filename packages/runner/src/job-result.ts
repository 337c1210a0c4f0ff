/** A job's result rebuilt from its events: what the hub will know of a job a runner ran. */
import type { JobConclusion, JobEvent, JobSpec } from '@trueup/api';
import type { JobResult } from './run-job.ts';

export function resultFromEvents(spec: JobSpec, events: readonly JobEvent[]): JobResult {
  const finished = events.find((event): event is Extract<JobEvent, { type: 'job-finished' }> => event.type === 'job-finished');
  const steps = new Map(events.flatMap((event) => (event.type === 'step-finished' ? [[event.id, event] as const] : [])));
  const conclusion: JobConclusion = finished?.conclusion ?? 'failure';
  return {
    conclusion,
    outputs: finished?.outputs ?? {},
    summary: finished?.summary ?? '',
    durationMs: finished?.durationMs ?? 0,
    logTruncated: events.some((event) => event.type === 'log' && event.text.includes('[trueup] output truncated')),
    steps: spec.steps.map((step) => {
      const done = steps.get(step.id);
      return { id: step.id, outcome: done?.outcome ?? 'skipped', conclusion: done?.conclusion ?? 'skipped', outputs: done?.outputs ?? {} };
    }),
  };
}
