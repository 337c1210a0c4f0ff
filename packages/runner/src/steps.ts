/** Runs a list of steps (a job's, or a composite action's): conditions, names, outcomes, events. */
import type { JsonValue, StepConclusion, StepSpec } from '@trueup/api';
import { isTrueupError } from '@trueup/api';
import { evaluateCondition, evaluateString, evaluateTemplate, statusFunctions, truthy, type ExtraFunction } from '@trueup/workflow';
import { runBuiltin } from './builtins.ts';
import { RunnerErrors } from './errors.ts';
import { hashFilesFunction } from './hash-files.ts';
import { activeSignal, type JobState, type StepScope } from './job-state.ts';
import { runLocalAction } from './local-action.ts';
import { resolveWorkingDirectory, runProcess, scriptArgv } from './run-step.ts';
import { stepProcessEnv } from './step-env.ts';
import { createStepFiles, readStepFiles } from './step-files.ts';

export function contextsOf(job: JobState, scope: StepScope): Record<string, JsonValue> {
  const contexts: Record<string, JsonValue> = {
    ...job.spec.contexts,
    github: { ...(job.spec.contexts.github as Record<string, JsonValue>), workspace: job.dirs.workspace, action_path: scope.actionPath ?? '' },
    env: { ...job.env },
    steps: Object.fromEntries(Object.entries(scope.steps).map(([id, record]) => [id, { outputs: record.outputs, outcome: record.outcome, conclusion: record.conclusion }])),
    job: { status: job.signal.aborted ? 'cancelled' : scope.failed ? 'failure' : 'success' },
    runner: { os: 'Linux', arch: process.arch === 'x64' ? 'X64' : process.arch.toUpperCase(), temp: job.dirs.temp, name: 'trueup' },
  };
  if (scope.inputs !== undefined) contexts.inputs = scope.inputs;
  return contexts;
}

export function functionsOf(job: JobState, scope: StepScope): ExtraFunction[] {
  return [...statusFunctions({ success: !scope.failed, failure: scope.failed, cancelled: job.signal.aborted }), hashFilesFunction(job.dirs.workspace)];
}

/** Runs the steps in order; returns whether any failed (after continue-on-error). */
export async function runSteps(job: JobState, scope: StepScope, steps: readonly StepSpec[], indexBase: number): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const index = indexBase + i;
    const contexts = contextsOf(job, scope);
    const functions = functionsOf(job, scope);
    let name = defaultName(step, contexts, functions);
    let outcome: StepConclusion;
    let outputs: Record<string, string> = {};
    let continueOnError = false;
    const started = performance.now();
    try {
      if (step.name !== null) name = evaluateString(step.name, contexts, functions) || name;
      if (!evaluateCondition(step.if, contexts, functions)) {
        // After a cancel or a timeout, a step that does not ask to run then (always(), cancelled()) is cancelled.
        const not: StepConclusion = job.signal.aborted ? 'cancelled' : 'skipped';
        scope.steps[step.id] = { outputs: {}, outcome: not, conclusion: not };
        if (scope.depth === 0) job.emit({ type: 'step-finished', index, id: step.id, conclusion: not, outcome: not, outputs: {}, durationMs: 0 });
        continue;
      }
      continueOnError = truthy(evaluateTemplate(step.continueOnError, contexts, functions));
      name = job.log.masker.mask(name);
      if (scope.depth === 0) job.emit({ type: 'step-started', index, id: step.id, name });
      else job.log.note(`[trueup] ▸ ${name}`);
      ({ outcome, outputs } = await runStep(job, scope, step, contexts, functions));
    } catch (error) {
      const cancelled = activeSignal(job).aborted && !job.timedOut;
      job.log.note(`[trueup] ${cancelled ? 'cancelled' : isTrueupError(error) ? error.describe() : (error as Error).message}`);
      outcome = cancelled ? 'cancelled' : 'failure';
    }
    const conclusion: StepConclusion = outcome === 'failure' && continueOnError ? 'success' : outcome;
    scope.steps[step.id] = { outputs, outcome, conclusion };
    if (conclusion === 'failure' || conclusion === 'cancelled') scope.failed = true;
    // The event leaves the runner (to the hub, the UI): secrets in outputs are masked there.
    const shown = Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, job.log.masker.mask(value)]));
    if (scope.depth === 0) job.emit({ type: 'step-finished', index, id: step.id, conclusion, outcome, outputs: shown, durationMs: Math.round(performance.now() - started) });
  }
}

/** Post steps of the job's Node.js actions, last registered first, each when its `post-if` holds. */
export async function runPostSteps(job: JobState, scope: StepScope, indexBase: number): Promise<void> {
  for (const [i, post] of [...job.posts].reverse().entries()) {
    const index = indexBase + i;
    const id = `__post${i + 1}`;
    const started = performance.now();
    let conclusion: StepConclusion;
    try {
      if (!evaluateCondition(post.condition, contextsOf(job, scope), functionsOf(job, scope))) {
        job.emit({ type: 'step-finished', index, id, conclusion: 'skipped', outcome: 'skipped', outputs: {}, durationMs: 0 });
        continue;
      }
      job.emit({ type: 'step-started', index, id, name: post.name });
      conclusion = await post.run();
    } catch (error) {
      job.log.note(`[trueup] ${isTrueupError(error) ? error.describe() : (error as Error).message}`);
      conclusion = 'failure';
    }
    if (conclusion === 'failure' || conclusion === 'cancelled') scope.failed = true;
    job.emit({ type: 'step-finished', index, id, conclusion, outcome: conclusion, outputs: {}, durationMs: Math.round(performance.now() - started) });
  }
}

async function runStep(job: JobState, scope: StepScope, step: StepSpec, contexts: Record<string, JsonValue>, functions: ExtraFunction[]): Promise<{ outcome: StepConclusion; outputs: Record<string, string> }> {
  const stepEnv = Object.fromEntries(Object.entries(step.env).map(([key, value]) => [key, evaluateString(value, contexts, functions)]));
  const minutes = step.timeoutMinutes === undefined ? undefined : Number(evaluateTemplate(step.timeoutMinutes, contexts, functions));
  if (minutes !== undefined && !(minutes > 0)) throw RunnerErrors.create('RUNNER_STEP_FAILED', `timeout-minutes must be a positive number`, { file: step.at.file, line: step.at.line, column: step.at.column, field: 'timeout-minutes' });
  const timeoutMs = minutes === undefined ? Number.MAX_SAFE_INTEGER / 2 : minutes * 60_000;
  const action = step.action;
  switch (action.kind) {
    case 'run': {
      const script = evaluateString(action.run, contexts, functions);
      const shell = evaluateString(action.shell ?? job.spec.defaultsRun.shell ?? 'bash', contexts, functions);
      const cwd = resolveWorkingDirectory(job, evaluateString(action.workingDirectory ?? job.spec.defaultsRun.workingDirectory ?? '', contexts, functions));
      const files = createStepFiles(job);
      const env = stepProcessEnv(job, files, stepEnv);
      const outcome = await runProcess(job, { argv: await scriptArgv(job, script, shell), cwd, env, timeoutMs: Math.min(timeoutMs, 2 ** 31 - 1) });
      return { outcome, outputs: await readStepFiles(job, files) };
    }
    case 'builtin':
      return runBuiltin(job, action, evaluateWith(action.with, contexts, functions));
    case 'local':
      return runLocalAction(job, scope, action.path, evaluateWith(action.with, contexts, functions), stepEnv, Math.min(timeoutMs, 2 ** 31 - 1));
  }
}

function evaluateWith(withs: StepSpec['action'] extends infer A ? A extends { with: infer W } ? W : never : never, contexts: Record<string, JsonValue>, functions: ExtraFunction[]): Record<string, string> {
  return Object.fromEntries(Object.entries(withs).map(([key, value]) => [key, evaluateString(value, contexts, functions)]));
}

function defaultName(step: StepSpec, contexts: Record<string, JsonValue>, functions: ExtraFunction[]): string {
  const action = step.action;
  switch (action.kind) {
    case 'run': {
      let text: string;
      try {
        text = evaluateString(action.run, contexts, functions);
      } catch {
        text = typeof action.run === 'string' ? action.run : '…';
      }
      return `Run ${text.split('\n').find((line) => line.trim() !== '')?.trim() ?? ''}`.slice(0, 80);
    }
    case 'builtin':
      return action.action === 'gitops-set' || action.action === 'wait-healthy' || action.action === 'release' ? `trueup/${action.action}` : `actions/${action.action}@${action.ref}`;
    case 'local':
      return action.path;
  }
}
