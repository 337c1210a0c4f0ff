/**
 * Runs a whole workflow with this process's executor: jobs in `needs` order, independent jobs
 * side by side, matrices with fail-fast and max-parallel, outputs passed to later jobs.
 * `trueup run` uses it; with a hub, the hub plans jobs the same way (planJob) and runners
 * execute them with runJob.
 */
import type { JobConclusion, JobEvent, JobSpec, JsonValue } from '@trueup/api';
import { isTrueupError } from '@trueup/api';
import { needsStatus, planJob, readyJobs, runConclusion, type JobState as GraphState, type NeedResult, type RunContext, type Workflow, type WorkflowJob } from '@trueup/workflow';
import type { ExecutorOptions } from './executor-options.ts';
import { reapOrphans } from './processes.ts';
import { runJob, type JobResult } from './run-job.ts';

export interface WorkflowRunRequest {
  workflow: Workflow;
  run: RunContext;
  /** Run only these jobs (and what they need). */
  only?: readonly string[];
  /** Jobs running at once across the run; default 2. */
  parallelJobs?: number;
}

export interface WorkflowRunHooks {
  /** A job instance's event; `key` tells instances of one matrix apart. */
  onJobEvent(key: string, event: JobEvent): void;
  onJobSkipped(jobId: string, reason: string): void;
  onNote(text: string): void;
}

/** Runs one job: `runJob` in this process, or anything that takes the spec and reports the same events. */
export type JobExecutor = (spec: JobSpec, options: ExecutorOptions, emit: (event: JobEvent) => void) => Promise<JobResult>;

export interface WorkflowRunResult {
  conclusion: JobConclusion;
  jobs: { id: string; name: string; conclusion: JobConclusion; outputs: Record<string, string>; result?: JobResult }[];
}

export async function runWorkflow(request: WorkflowRunRequest, options: ExecutorOptions, hooks: WorkflowRunHooks, execute: JobExecutor = runJob): Promise<WorkflowRunResult> {
  const workflow = request.workflow;
  const orphans = await reapOrphans();
  if (orphans > 0) hooks.onNote(`killed ${orphans} process(es) left by a runner that was killed before it could stop its jobs`);
  const selected = selectJobs(workflow, request.only);
  const states = new Map<string, GraphState>(selected.map((job) => [job.id, 'pending']));
  const results = new Map<string, NeedResult>();
  const report: WorkflowRunResult['jobs'] = [];
  const slots = new Semaphore(Math.max(1, request.parallelJobs ?? 2));
  const running = new Map<string, Promise<void>>();
  const cancelled = (): boolean => options.signal?.aborted === true;

  const startJob = async (job: WorkflowJob): Promise<void> => {
    states.set(job.id, 'running');
    let conclusion: JobConclusion;
    try {
      const status = needsStatus(selected, states, job.id, cancelled());
      const plan = planJob(workflow, job, request.run, Object.fromEntries(results), status);
      if (plan.kind === 'skip') {
        hooks.onJobSkipped(job.id, plan.reason);
        conclusion = 'skipped';
        results.set(job.id, { result: 'skipped', outputs: {} });
        report.push({ id: job.id, name: job.id, conclusion, outputs: {} });
      } else {
        if (plan.environment !== undefined && plan.environment !== '') hooks.onNote(`${job.id}: environment "${plan.environment}" (protection rules and environment secrets are the hub's; a local run uses --secret-file)`);
        if (plan.concurrency !== undefined) hooks.onNote(`${job.id}: concurrency group "${plan.concurrency.group}" applies between runs on a hub; a local run is alone`);
        conclusion = await runInstances(job, plan, options, slots, hooks, report, execute);
        if (conclusion === 'failure' && plan.continueOnError) conclusion = 'success';
        const outputs = Object.assign({}, ...report.filter((r) => r.id === job.id).map((r) => r.outputs)) as Record<string, string>;
        results.set(job.id, { result: conclusion, outputs });
      }
    } catch (error) {
      hooks.onNote(`${job.id}: ${isTrueupError(error) ? error.describe() : (error as Error).message}`);
      conclusion = 'failure';
      results.set(job.id, { result: 'failure', outputs: {} });
      report.push({ id: job.id, name: job.id, conclusion, outputs: {} });
    }
    states.set(job.id, conclusion);
  };

  for (;;) {
    for (const id of readyJobs(selected, states)) {
      const job = selected.find((j) => j.id === id) as WorkflowJob;
      running.set(id, startJob(job).finally(() => running.delete(id)));
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  return { conclusion: runConclusion(states, cancelled()), jobs: report };
}

async function runInstances(job: WorkflowJob, plan: Extract<ReturnType<typeof planJob>, { kind: 'run' }>, options: ExecutorOptions, slots: Semaphore, hooks: WorkflowRunHooks, report: WorkflowRunResult['jobs'], execute: JobExecutor): Promise<JobConclusion> {
  const failFast = new AbortController();
  const onCancel = (): void => failFast.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const local = new Semaphore(plan.maxParallel);
  const conclusions: JobConclusion[] = [];
  await Promise.all(plan.instances.map(async (spec, index) => {
    await local.acquire();
    await slots.acquire();
    try {
      if (failFast.signal.aborted) {
        conclusions.push('cancelled');
        report.push({ id: job.id, name: spec.name, conclusion: 'cancelled', outputs: {} });
        return;
      }
      const key = plan.instances.length > 1 ? `${job.id}#${index}` : job.id;
      const result = await execute(spec, { ...options, signal: failFast.signal }, (event) => hooks.onJobEvent(key, event));
      conclusions.push(result.conclusion);
      report.push({ id: job.id, name: spec.name, conclusion: result.conclusion, outputs: result.outputs, result });
      if (result.conclusion === 'failure' && plan.failFast) failFast.abort();
    } finally {
      slots.release();
      local.release();
    }
  }));
  options.signal?.removeEventListener('abort', onCancel);
  if (options.signal?.aborted === true) return 'cancelled';
  if (conclusions.includes('failure')) return 'failure';
  if (conclusions.includes('cancelled')) return 'cancelled';
  return 'success';
}

/** The jobs asked for and everything they need; all jobs when none are named. */
function selectJobs(workflow: Workflow, only: readonly string[] | undefined): WorkflowJob[] {
  if (only === undefined || only.length === 0) return workflow.jobs;
  const byId = new Map(workflow.jobs.map((job) => [job.id, job]));
  const keep = new Set<string>();
  const stack = [...only];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (keep.has(id)) continue;
    const job = byId.get(id);
    if (job === undefined) throw new Error(`no job "${id}" in ${workflow.file}; jobs: ${workflow.jobs.map((j) => j.id).join(', ')}`);
    keep.add(id);
    stack.push(...job.needs);
  }
  return workflow.jobs.filter((job) => keep.has(job.id));
}

class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free += 1;
  }
}

export type { JsonValue };
