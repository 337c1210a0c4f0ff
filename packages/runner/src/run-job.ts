/**
 * The executor: one job spec in, step events and the log out. A fresh workspace, a clean
 * environment, a sandbox where possible, a time limit, and every process the job started
 * killed when it ends. `trueup run` calls it in-process; a runner joined to the hub will call
 * it with the spec it received over the link and send the events back the same way.
 */
import type { JobConclusion, JobEvent, JobSpec } from '@trueup/api';
import { evaluateString } from '@trueup/workflow';
import type { ExecutorOptions } from './executor-options.ts';
import { describeIsolation, probeIsolation } from './isolation.ts';
import { createJobDirs, removeJobDirs } from './job-dirs.ts';
import type { JobState, StepScope } from './job-state.ts';
import { DEFAULT_LOG_CAP_BYTES, LogSink } from './log-sink.ts';
import { JobProcesses, newTrackingId } from './processes.ts';
import { contextsOf, functionsOf, runPostSteps, runSteps } from './steps.ts';

export const DEFAULT_CLEANUP_GRACE_MS = 5 * 60_000;

export interface JobResult {
  conclusion: JobConclusion;
  outputs: Record<string, string>;
  steps: { id: string; outcome: string; conclusion: string; outputs: Record<string, string> }[];
  summary: string;
  durationMs: number;
  logTruncated: boolean;
}

export async function runJob(spec: JobSpec, options: ExecutorOptions, emit: (event: JobEvent) => void): Promise<JobResult> {
  const started = performance.now();
  const isolation = options.isolation ?? probeIsolation();
  const dirs = await createJobDirs(options.workRoot, spec.jobId);
  const controller = new AbortController();
  const cleanup = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  controller.signal.addEventListener('abort', () => {
    graceTimer = setTimeout(() => cleanup.abort(), Math.min(options.cleanupGraceMs ?? DEFAULT_CLEANUP_GRACE_MS, 2 ** 31 - 1));
  }, { once: true });
  const onForce = (): void => {
    controller.abort();
    cleanup.abort();
  };
  options.forceSignal?.addEventListener('abort', onForce, { once: true });
  if (options.forceSignal?.aborted === true) onForce();
  const onCancel = (): void => controller.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  if (options.signal?.aborted === true) controller.abort();
  let currentIndex: number | null = null;
  const job: JobState = {
    spec, options, dirs, isolation,
    processes: new JobProcesses(await newTrackingId()),
    log: new LogSink((text) => emit({ type: 'log', index: currentIndex, text }), options.logCapBytes ?? DEFAULT_LOG_CAP_BYTES),
    emit: (event) => {
      if (event.type === 'step-started') currentIndex = event.index;
      emit(event);
      if (event.type === 'step-finished') currentIndex = null;
    },
    env: { ...spec.env }, path: [], summary: [], signal: controller.signal, cleanupSignal: cleanup.signal, timedOut: false, stepCounter: 0, posts: [],
  };
  for (const mask of spec.masks) job.log.masker.add(mask);
  const timeoutMs = Math.min(spec.timeoutMinutes * 60_000, 2 ** 31 - 1);
  const timer = setTimeout(() => {
    job.timedOut = true;
    job.log.note(`[trueup] the job ran past its timeout of ${spec.timeoutMinutes} minutes; its processes are killed`);
    controller.abort();
  }, timeoutMs);
  job.emit({ type: 'job-started', jobId: spec.jobId, name: spec.name, isolation: describeIsolation(isolation) });
  job.log.note(`[trueup] isolation: ${describeIsolation(isolation)}`);
  const scope: StepScope = { steps: {}, inputs: undefined, failed: false, actionPath: undefined, depth: 0 };
  let outputs: Record<string, string> = {};
  try {
    await runSteps(job, scope, spec.steps, 0);
    await runPostSteps(job, scope, spec.steps.length);
    const contexts = contextsOf(job, scope);
    const functions = functionsOf(job, scope);
    outputs = Object.fromEntries(Object.entries(spec.outputs).map(([key, value]) => [key, evaluateString(value, contexts, functions)]));
    outputs = dropSecretOutputs(job, outputs);
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onCancel);
    options.forceSignal?.removeEventListener('abort', onForce);
    const killed = await job.processes.killAll();
    if (killed > 0) job.log.note(`[trueup] killed ${killed} process(es) the job left running`);
    if (options.keepDirs !== true) await removeJobDirs(dirs);
  }
  const conclusion: JobConclusion = job.timedOut ? 'failure' : controller.signal.aborted ? 'cancelled' : scope.failed ? 'failure' : 'success';
  const durationMs = Math.round(performance.now() - started);
  const summary = job.summary.join('\n');
  job.emit({ type: 'job-finished', jobId: spec.jobId, conclusion, outputs, summary, durationMs });
  return {
    conclusion, outputs, summary, durationMs, logTruncated: job.log.truncated,
    steps: spec.steps.map((step) => ({ id: step.id, outcome: scope.steps[step.id]?.outcome ?? 'skipped', conclusion: scope.steps[step.id]?.conclusion ?? 'skipped', outputs: scope.steps[step.id]?.outputs ?? {} })),
  };
}

/** As GitHub does: a job output that would carry a secret is not passed on. */
function dropSecretOutputs(job: JobState, outputs: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(outputs)) {
    if (job.log.masker.mask(value) !== value) job.log.note(`::warning::job output "${key}" holds a secret and is not passed on`);
    else kept[key] = value;
  }
  return kept;
}
