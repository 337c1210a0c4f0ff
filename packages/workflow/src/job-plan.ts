/**
 * From a workflow job and what the run knows (event, inputs, secrets, upstream results) to the
 * job specs a runner executes: `if` decided, the matrix expanded, names, env, defaults and
 * timeout evaluated. Pure: the hub and `trueup run` plan jobs the same way.
 */
import type { JobConclusion, JobSpec, JsonValue, TemplateValue } from '@trueup/api';
import { WorkflowErrors } from './errors.ts';
import { evaluateCondition, evaluateString, evaluateTemplate, statusFunctions, truthy, type StatusFunctions } from './expressions.ts';
import { runsOnLabels } from './labels.ts';
import { expandMatrix, matrixJobName } from './matrix.ts';
import type { Workflow, WorkflowJob } from './model.ts';

export interface RunContext {
  runId: string;
  github: Record<string, JsonValue>;
  inputs: Record<string, JsonValue>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
}

export interface NeedResult {
  result: JobConclusion;
  outputs: Record<string, string>;
}

export type JobPlan =
  | { kind: 'skip'; reason: string }
  | { kind: 'run'; instances: JobSpec[]; runsOn: string[][]; failFast: boolean; maxParallel: number; continueOnError: boolean; environment: string | undefined; concurrency: { group: string; cancelInProgress: boolean } | undefined };

export function planJob(workflow: Workflow, job: WorkflowJob, run: RunContext, needs: Record<string, NeedResult>, status: StatusFunctions): JobPlan {
  const where = { file: job.at.file, line: job.at.line, column: job.at.column };
  const needsContext: Record<string, JsonValue> = Object.fromEntries(job.needs.map((id) => [id, { result: needs[id]?.result ?? 'skipped', outputs: needs[id]?.outputs ?? {} }]));
  const base: Record<string, JsonValue> = { github: run.github, inputs: run.inputs, vars: run.vars, needs: needsContext };
  const evaluate = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw WorkflowErrors.create('WORKFLOW_EXPRESSION_INVALID', `jobs.${job.id}.${what}: ${message}`, where, { cause: error });
    }
  };
  if (!evaluate('if', () => evaluateCondition(job.if, base, statusFunctions(status)))) return { kind: 'skip', reason: `if: ${job.if}` };
  const matrix = evaluate('strategy.matrix', () => (job.strategy.matrix === undefined ? undefined : evaluateTemplate(job.strategy.matrix, base)));
  const combos = expandMatrix(matrix, where);
  const failFast = truthy(evaluate('strategy.fail-fast', () => evaluateTemplate(job.strategy.failFast, base)));
  const maxParallelValue = job.strategy.maxParallel === undefined ? combos.length : Number(evaluate('strategy.max-parallel', () => evaluateTemplate(job.strategy.maxParallel as TemplateValue, base)));
  const maxParallel = Number.isFinite(maxParallelValue) && maxParallelValue >= 1 ? Math.floor(maxParallelValue) : combos.length;
  const secrets = { ...run.secrets };
  const instances = combos.map((combo, index): JobSpec => {
    const strategy = { 'fail-fast': failFast, 'job-index': index, 'job-total': combos.length, 'max-parallel': maxParallel };
    const contexts: Record<string, JsonValue> = { ...base, matrix: combo, strategy, secrets };
    const workflowEnv = evaluateEnv(workflow.env, contexts, `env`, evaluate);
    const env = { ...workflowEnv, ...evaluateEnv(job.env, { ...contexts, env: workflowEnv }, `jobs.${job.id}.env`, evaluate) };
    const withEnv = { ...contexts, env };
    const name = job.name === undefined ? job.id : evaluate('name', () => evaluateString(job.name, withEnv));
    const defaults = { ...workflow.defaultsRun, ...job.defaultsRun };
    const defaultsRun: JobSpec['defaultsRun'] = {};
    if (defaults.shell !== undefined) defaultsRun.shell = evaluate('defaults.run.shell', () => evaluateString(defaults.shell, withEnv));
    if (defaults.workingDirectory !== undefined) defaultsRun.workingDirectory = evaluate('defaults.run.working-directory', () => evaluateString(defaults.workingDirectory, withEnv));
    const timeout = Number(evaluate('timeout-minutes', () => evaluateTemplate(job.timeoutMinutes, withEnv)));
    if (!Number.isFinite(timeout) || timeout <= 0) throw WorkflowErrors.create('WORKFLOW_INVALID', `jobs.${job.id}.timeout-minutes must be a positive number`, { ...where, field: `jobs.${job.id}.timeout-minutes` });
    return {
      runId: run.runId,
      jobId: job.id,
      name: job.name === undefined && Object.keys(combo).length > 0 ? matrixJobName(job.id, combo) : name,
      workflowFile: workflow.file,
      contexts,
      env,
      defaultsRun,
      timeoutMinutes: timeout,
      outputs: job.outputs,
      steps: job.steps,
      masks: Object.values(secrets).filter((value) => value !== ''),
    };
  });
  const runsOn = combos.map((combo, index) => runsOnLabels(evaluate('runs-on', () => evaluateTemplate(job.runsOn, { ...base, matrix: combo, strategy: instances[index]?.contexts.strategy ?? null }))));
  const withoutMatrix = { ...base, secrets };
  const concurrency = job.concurrency === undefined ? undefined : evaluate('concurrency', () => ({
    group: evaluateString(job.concurrency?.group, withoutMatrix),
    cancelInProgress: truthy(evaluateTemplate(job.concurrency?.cancelInProgress ?? false, withoutMatrix)),
  }));
  return {
    kind: 'run', instances, runsOn, failFast, maxParallel,
    continueOnError: truthy(evaluate('continue-on-error', () => evaluateTemplate(job.continueOnError, withoutMatrix))),
    environment: job.environment === undefined ? undefined : evaluate('environment', () => evaluateString(job.environment?.name, withoutMatrix)),
    concurrency,
  };
}

function evaluateEnv(env: Record<string, TemplateValue>, contexts: Record<string, JsonValue>, what: string, evaluate: <T>(what: string, fn: () => T) => T): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, evaluate(`${what}.${key}`, () => evaluateString(value, contexts))]));
}
